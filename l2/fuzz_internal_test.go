package l2

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// FuzzDecide drives a small fabric with operations read from the input —
// decisions, binding changes, attachments, time — and checks after each
// that decisions stay inside their slice, bounds hold and every table is
// well formed.
func FuzzDecide(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 2, 1, 8, 4, 200, 0, 3, 3, 3})
	f.Add([]byte{1, 0, 0, 2, 1, 1, 3, 2, 2, 0, 0, 1, 5, 1, 0, 0, 4, 255, 0, 2, 2, 2})
	f.Add([]byte{0, 0, 1, 2, 0, 1, 0, 2, 0, 2, 1, 0, 0, 3, 4, 5, 0, 4, 5, 8, 0, 5, 6, 7})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ops []byte) {
		fab := NewFabric(Options{Now: t0, Aging: 64 * time.Second, MaxPerSlice: 4, MaxEntries: 10})
		ids := []string{"x", "y", "z"}
		var locs []Location
		for dp := DatapathID(1); dp <= 2; dp++ {
			for port := Port(1); port <= 2; port++ {
				locs = append(locs, Location{dp, port, Untagged}, Location{dp, port, 7})
			}
		}
		macs := make([]MAC, 8)
		for i := range macs {
			macs[i] = MACFromUint64(0x020000000000 | uint64(i+1))
		}
		dsts := append(slices.Clone(macs), Broadcast)
		_, err := fab.Update(func(tx *Tx) error {
			for _, id := range ids {
				if err := tx.AddSlice(id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		// where[slice][mac] holds every location a MAC was seen at or
		// attached to in the slice: the only places Forward may send to.
		where := map[string]map[MAC]map[Location]bool{}
		saw := func(id string, m MAC, l Location) {
			if where[id] == nil {
				where[id] = map[MAC]map[Location]bool{}
			}
			if where[id][m] == nil {
				where[id][m] = map[Location]bool{}
			}
			where[id][m][l] = true
		}
		for len(ops) >= 4 {
			op, a, b, c := ops[0]%6, int(ops[1]), int(ops[2]), int(ops[3])
			ops = ops[4:]
			id := ids[a%len(ids)]
			l := locs[b%len(locs)]
			m := macs[c%len(macs)]
			switch op {
			case 0:
				dst := dsts[b%len(dsts)]
				d := fab.Decide(l, m, dst)
				if d.Slice != "" && d.Reason != ReasonNotAdmitted && d.Reason != ReasonStaticMAC {
					saw(d.Slice, m, l)
				}
				switch d.Action {
				case Forward:
					if d.Out == l {
						t.Fatalf("forwarded %v back out of its ingress", m)
					}
					if !where[d.Slice][dst][d.Out] {
						t.Fatalf("forwarded to %v where %v was never seen in slice %s", d.Out, dst, d.Slice)
					}
				case Flood:
					bound, _ := fab.Bindings(d.Slice)
					for _, target := range fab.FloodTargets(d, l, dst, nil) {
						if target == l || !slices.ContainsFunc(bound, func(pb PortBinding) bool { return pb.Location == target }) {
							t.Fatalf("flood of slice %s to %v, outside it or its ingress", d.Slice, target)
						}
					}
				}
			case 1:
				fab.Update(func(tx *Tx) error {
					if tx.BindPort(id, l) != nil {
						return tx.UnbindPort(id, l)
					}
					return nil
				})
			case 2:
				fab.Update(func(tx *Tx) error {
					if err := tx.AttachPort(id, l, m); err == nil {
						saw(id, m, l)
						return nil
					}
					return tx.DetachPort(id, l, m)
				})
			case 3:
				fab.Update(func(tx *Tx) error {
					if tx.AttachNetwork(id, m) != nil {
						return tx.DetachNetwork(id, m)
					}
					return nil
				})
			case 4:
				now = now.Add(time.Duration(c) * time.Second)
				fab.Advance(now)
			case 5:
				fab.Update(func(tx *Tx) error {
					if tx.RemoveSlice(id) == nil {
						delete(where, id)
						return nil
					}
					return tx.AddSlice(id)
				})
			}
			total, entries, slots := 0, 0, 0
			fab.tab.check(t)
			for k := range fab.tab.shards {
				slots += fab.tab.shards[k].n
			}
			for _, sc := range fab.cfg.Load().slices {
				sc.st.mu.Lock()
				sc.st.tab.check(t)
				if sc.st.tab.dyn > 4 {
					t.Fatalf("slice %s holds %d learned entries, bound 4", sc.id, sc.st.tab.dyn)
				}
				total += sc.st.tab.dyn
				entries += sc.st.tab.n()
				sc.st.mu.Unlock()
			}
			if slots != entries {
				t.Fatalf("the table holds %d slots, the slices %d entries", slots, entries)
			}
			if total != int(fab.total.Load()) || total > 10 {
				t.Fatal(fmt.Sprintf("learned %d, counted %d, bound 10", total, fab.total.Load()))
			}
			fab.checkLocations(t)
		}
	})
}

// checkLocations verifies the location table's reference counts: every
// index in use is held once by each binding and each entry that names it,
// and no other index is live.
func (f *Fabric) checkLocations(tb testing.TB) {
	tb.Helper()
	want := map[uint32]int32{}
	cfg := f.cfg.Load()
	for loc, b := range cfg.ports {
		if got := f.locs.get(b.locIdx); got != loc {
			tb.Fatalf("binding at %v names index %d, which is %v", loc, b.locIdx, got)
		}
		want[b.locIdx]++
	}
	for _, sc := range cfg.slices {
		sc.st.mu.Lock()
		for _, mac := range sc.st.tab.macs() {
			s, _ := sc.st.tab.get(mac)
			if s.loc == noLoc {
				tb.Fatalf("slice %s: entry %x has no location", sc.id, mac)
			}
			want[s.loc]++
		}
		sc.st.mu.Unlock()
	}
	f.locs.mu.Lock()
	defer f.locs.mu.Unlock()
	if len(f.locs.idx) != len(want) || int(f.locs.live.Load()) != len(want) {
		tb.Fatalf("%d locations interned (%d live), %d in use", len(f.locs.idx), f.locs.live.Load(), len(want))
	}
	for loc, i := range f.locs.idx {
		if f.locs.refs(i) != want[i] {
			tb.Fatalf("location %v (index %d) has %d references, %d holders", loc, i, f.locs.refs(i), want[i])
		}
	}
}
