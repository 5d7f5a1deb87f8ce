package l2

import (
	"math/rand/v2"
	"testing"
)

// check verifies the table's invariants: every used slot is found from its
// home in its shard, the counts match, and the published arrays are the
// shards' own.
func (t *table) check(tb testing.TB) {
	tb.Helper()
	for k := range t.shards {
		sh := &t.shards[k]
		sh.mu.Lock()
		n := 0
		for i := range sh.slots {
			s := &sh.slots[i]
			if s.key == 0 {
				continue
			}
			n++
			if shardOf(hashMAC(s.mac())) != k {
				tb.Fatalf("shard %d holds mac %x of shard %d", k, s.mac(), shardOf(hashMAC(s.mac())))
			}
			if got := sh.find(s.slice, s.mac()); got != i {
				tb.Fatalf("shard %d slot %d (slice %d mac %x) found at %d", k, i, s.slice, s.mac(), got)
			}
		}
		if arr := *sh.arr.Load(); n != sh.n || &arr[0] != &sh.slots[0] || len(arr) != len(sh.slots) {
			tb.Fatalf("shard %d: n %d (want %d), published %d slots of %d", k, sh.n, n, len(arr), len(sh.slots))
		}
		sh.mu.Unlock()
	}
}

// check verifies a slice's entries: the wheel's buckets agree with the
// slots and hold every dynamic entry exactly once, the statics are static,
// and the table holds no other slot of the slice.
func (e *entries) check(tb testing.TB) {
	tb.Helper()
	seen := map[uint64]bool{}
	for b, w := range e.wheel {
		for k, mac := range w {
			s, ok := e.get(mac)
			if !ok || s.static() {
				tb.Fatalf("slice %d: bucket %d holds %x, absent or static", e.num, b, mac)
			}
			if s.wpos != uint32(b)<<posBits|uint32(k) {
				tb.Fatalf("slice %d: %x at bucket %d position %d says %x", e.num, mac, b, k, s.wpos)
			}
			if seen[mac] {
				tb.Fatalf("slice %d: %x on the wheel twice", e.num, mac)
			}
			seen[mac] = true
		}
	}
	if len(seen) != e.dyn {
		tb.Fatalf("slice %d: %d entries on the wheel, %d dynamic", e.num, len(seen), e.dyn)
	}
	for mac := range e.statics {
		if s, ok := e.get(mac); !ok || !s.static() || s.wpos != offWheel {
			tb.Fatalf("slice %d: static %x absent, dynamic or on the wheel", e.num, mac)
		}
	}
	n := 0
	for k := range e.t.shards {
		sh := &e.t.shards[k]
		sh.mu.Lock()
		for i := range sh.slots {
			if sh.slots[i].key != 0 && sh.slots[i].slice == e.num {
				n++
			}
		}
		sh.mu.Unlock()
	}
	if n != e.n() {
		tb.Fatalf("slice %d: %d slots, %d entries", e.num, n, e.n())
	}
}

// TestTableModel drives two slices' entries in one table with random
// operations on the same MACs and compares them with maps after each.
func TestTableModel(t *testing.T) {
	const aging, width = int64(3200), int64(100)
	rng := rand.New(rand.NewPCG(3, 4))
	var locs locTable
	locs.init(0)
	loc, _ := locs.acquire(Location{Datapath: 1, Port: 1})
	var tab table
	tab.init(&locs)
	now := int64(10_000)
	var es [2]entries
	models := [2]map[uint64]int64{{}, {}} // mac → seen (static: -1)
	for k := range es {
		es[k].init(&tab, uint32(k+1), now, width)
	}
	for step := range 40000 {
		k := rng.IntN(2)
		e, model := &es[k], models[k]
		// Enough MACs to grow the shards past their first size and shrink
		// them again when most go.
		mac := rng.Uint64N(2000) + 1
		if step > 20000 {
			mac = rng.Uint64N(50) + 1
		}
		switch op := rng.IntN(10); {
		case op < 5: // learn or refresh
			if s, ok := e.get(mac); ok {
				if !s.static() {
					e.refresh(mac, now)
					model[mac] = now
				}
			} else {
				locs.hold(loc)
				e.learn(mac, loc, now, aging, width)
				model[mac] = now
			}
		case op < 6: // static
			if _, ok := e.get(mac); !ok {
				locs.hold(loc)
				e.setStatic(mac, loc)
				model[mac] = -1
			}
		case op < 8: // remove
			if s, ok := e.remove(mac); ok {
				locs.release(s.loc)
				delete(model, mac)
			}
		case op < 9: // evict the oldest
			if old, ok := e.oldest(aging, width); ok {
				if model[old] == -1 {
					t.Fatalf("step %d: oldest returned a static entry", step)
				}
				for m, seen := range model {
					if seen >= 0 && seen+width < model[old] {
						t.Fatalf("step %d: evicting %x seen %d while %x seen %d", step, old, model[old], m, seen)
					}
				}
				s, _ := e.remove(old)
				locs.release(s.loc)
				delete(model, old)
			}
		default: // time passes, aging runs
			now += rng.Int64N(300)
			for k := range es {
				for _, x := range es[k].expire(now, aging, width, nil) {
					seen, ok := models[k][x.mac]
					if !ok || seen < 0 || seen+aging > now {
						t.Fatalf("step %d: expired %x seen %d at %d", step, x.mac, seen, now)
					}
					delete(models[k], x.mac)
				}
				for mac, seen := range models[k] {
					if seen >= 0 && seen+aging+width < now-width {
						t.Fatalf("step %d: %x seen %d still there at %d", step, mac, seen, now)
					}
				}
			}
		}
		if step%97 == 0 || step > 39000 {
			tab.check(t)
			for k := range es {
				es[k].check(t)
			}
		}
		for k := range es {
			if es[k].n() != len(models[k]) {
				t.Fatalf("step %d: slice %d has %d entries, model %d", step, k, es[k].n(), len(models[k]))
			}
		}
		if got, want := locs.refs(loc), int32(1+len(models[0])+len(models[1])); got != want {
			t.Fatalf("step %d: location has %d references, want %d", step, got, want)
		}
	}
}
