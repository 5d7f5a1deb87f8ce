package l2

import (
	"math/rand/v2"
	"testing"
)

// check verifies the table's invariants: every used slot is found from its
// home, counts match, and the wheel's buckets agree with the slots and hold
// every dynamic entry exactly once.
func (t *table) check(tb testing.TB) {
	tb.Helper()
	n, dyn := 0, 0
	for i := range t.slots {
		s := &t.slots[i]
		if s.key == 0 {
			continue
		}
		n++
		if got := t.find(s.mac()); got != i {
			tb.Fatalf("slot %d (mac %x) found at %d", i, s.mac(), got)
		}
		if !s.static() {
			dyn++
		}
	}
	if n != t.n || dyn != t.dyn {
		tb.Fatalf("counts: n %d (want %d), dyn %d (want %d)", t.n, n, t.dyn, dyn)
	}
	seen := map[uint32]bool{}
	for b, w := range t.wheel {
		for k, i := range w {
			s := &t.slots[i]
			if s.key == 0 || s.static() {
				tb.Fatalf("bucket %d holds empty or static slot %d", b, i)
			}
			if s.bucket != uint32(b) || s.pos != uint32(k) {
				tb.Fatalf("slot %d at bucket %d position %d says bucket %d position %d", i, b, k, s.bucket, s.pos)
			}
			if seen[i] {
				tb.Fatalf("slot %d on the wheel twice", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != t.dyn {
		tb.Fatalf("%d entries on the wheel, %d dynamic", len(seen), t.dyn)
	}
}

// TestTableModel drives a table with random operations and compares it
// with a map after each.
func TestTableModel(t *testing.T) {
	const aging, width = int64(3200), int64(100)
	rng := rand.New(rand.NewPCG(3, 4))
	var tab table
	now := int64(10_000)
	tab.init(now, width)
	model := map[uint64]int64{} // mac → seen (static: -1)
	for step := range 20000 {
		mac := rng.Uint64N(300) + 1
		switch op := rng.IntN(10); {
		case op < 5: // learn or refresh
			if i := tab.find(mac); i >= 0 {
				if !tab.slots[i].static() {
					tab.slots[i].seen = now
					model[mac] = now
				}
			} else {
				i := tab.insert(mac, 0)
				tab.slots[i].seen = now
				tab.dyn++
				tab.schedule(i, aging, width)
				model[mac] = now
			}
		case op < 6: // static
			if tab.find(mac) < 0 {
				tab.insert(mac, flagStatic)
				model[mac] = -1
			}
		case op < 7: // remove
			if i := tab.find(mac); i >= 0 {
				tab.remove(i)
				delete(model, mac)
			}
		case op < 8: // evict the oldest
			if i := tab.oldest(aging, width); i >= 0 {
				mac := tab.slots[i].mac()
				if model[mac] == -1 {
					t.Fatalf("step %d: oldest returned a static entry", step)
				}
				for m, seen := range model {
					if seen >= 0 && seen+width < model[mac] {
						t.Fatalf("step %d: evicting %x seen %d while %x seen %d", step, mac, model[mac], m, seen)
					}
				}
				tab.remove(i)
				delete(model, mac)
			}
		default: // time passes, aging runs
			now += rng.Int64N(300)
			for _, e := range tab.expire(now, aging, width, nil) {
				seen, ok := model[e.mac]
				if !ok || seen < 0 || seen+aging > now {
					t.Fatalf("step %d: expired %x seen %d at %d", step, e.mac, seen, now)
				}
				delete(model, e.mac)
			}
			for mac, seen := range model {
				if seen >= 0 && seen+aging+width < now-width {
					t.Fatalf("step %d: %x seen %d still there at %d", step, mac, seen, now)
				}
			}
		}
		tab.check(t)
		if tab.n != len(model) {
			t.Fatalf("step %d: %d entries, model %d", step, tab.n, len(model))
		}
	}
}
