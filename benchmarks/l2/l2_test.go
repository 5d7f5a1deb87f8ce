// Package l2 compares netslice's forwarding core with the obvious Go
// baseline — a map from (slice, MAC) to location under one sync.RWMutex —
// on the same workload: 1,000 slices of 1,000 learned hosts, frames
// between random hosts of random slices, 5% of them from hosts never seen
// before.
package l2

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netslice/netslice/l2"
)

const (
	slices   = 1000
	perSlice = 1000
	ports    = 4
)

func hostMAC(s, j int) l2.MAC { return l2.MACFromUint64(0x020000000000 | uint64(s)<<20 | uint64(j)) }

func hostLoc(s, j int) l2.Location {
	return l2.Location{Datapath: l2.DatapathID(s + 1), Port: l2.Port(j%ports + 1), VLAN: l2.Untagged}
}

// decider is what both contenders offer: learn the source, find the
// destination.
type decider interface {
	decide(in l2.Location, src, dst l2.MAC) (l2.Location, bool)
}

type netslice struct{ f *l2.Fabric }

func (n netslice) decide(in l2.Location, src, dst l2.MAC) (l2.Location, bool) {
	d := n.f.Decide(in, src, dst)
	return d.Out, d.Action == l2.Forward
}

func newNetslice(b testing.TB) decider {
	// Open vSwitch's default MAC table size bounds each slice.
	f := l2.NewFabric(l2.Options{MaxPerSlice: 2048, MaxEntries: 1 << 26})
	_, err := f.Update(func(tx *l2.Tx) error {
		for s := range slices {
			id := fmt.Sprint(s)
			if err := tx.AddSlice(id); err != nil {
				return err
			}
			for p := range ports {
				if err := tx.BindPort(id, hostLoc(s, p)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return netslice{f}
}

// baseline is a map of the same keys under one RWMutex: lookups share the
// read lock; learning a new or moved host takes the write lock; a known
// host's last-seen time is refreshed with an atomic store once a second,
// as netslice does.
type baseline struct {
	now   atomic.Int64 // a coarse clock, as netslice's: no time.Now per frame
	mu    sync.RWMutex
	ports map[l2.Location]uint32
	macs  map[key]*entry
}

type key struct {
	slice uint32
	mac   l2.MAC
}

type entry struct {
	loc  l2.Location
	seen atomic.Int64
}

func newBaseline(b testing.TB) decider {
	bl := &baseline{ports: map[l2.Location]uint32{}, macs: map[key]*entry{}}
	bl.now.Store(time.Now().UnixNano())
	for s := range slices {
		for p := range ports {
			bl.ports[hostLoc(s, p)] = uint32(s)
		}
	}
	return bl
}

func (bl *baseline) decide(in l2.Location, src, dst l2.MAC) (l2.Location, bool) {
	now := bl.now.Load()
	bl.mu.RLock()
	s, ok := bl.ports[in]
	if !ok {
		bl.mu.RUnlock()
		return l2.Location{}, false
	}
	e := bl.macs[key{s, src}]
	d := bl.macs[key{s, dst}]
	bl.mu.RUnlock()
	switch {
	case e == nil || e.loc != in:
		ne := &entry{loc: in}
		ne.seen.Store(now)
		bl.mu.Lock()
		bl.macs[key{s, src}] = ne
		bl.mu.Unlock()
	case now-e.seen.Load() >= int64(time.Second):
		e.seen.Store(now)
	}
	if d == nil || d.loc == in {
		return l2.Location{}, false
	}
	return d.loc, true
}

func learnAll(d decider) {
	for s := range slices {
		for j := range perSlice {
			d.decide(hostLoc(s, j), hostMAC(s, j), l2.Broadcast)
		}
	}
}

type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

func pick(x uint64) (s, i, j int) {
	s = int((x & 0xffffffff) * slices >> 32)
	i = int((x >> 32 & 0xffff) * perSlice >> 16)
	j = int((x >> 48) * perSlice >> 16)
	return
}

var contenders = []struct {
	name string
	new  func(testing.TB) decider
}{
	{"netslice", newNetslice},
	{"rwmutex-map", newBaseline},
}

// BenchmarkDecideMix is the parallel mix; run with -cpu 1,2 for scaling.
// The figure to report is the ratio of the two contenders' ns/op.
func BenchmarkDecideMix(b *testing.B) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			d := c.new(b)
			learnAll(d)
			var seed, fresh atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rng(seed.Add(0x9e3779b97f4a7c15) | 1)
				for pb.Next() {
					x := r.next()
					s, i, j := pick(x)
					src := hostMAC(s, i)
					if x>>58 < 3 { // about 5%: a host never seen before
						src = l2.MACFromUint64(0x060000000000 | fresh.Add(1))
					}
					d.decide(hostLoc(s, i), src, hostMAC(s, j))
				}
			})
		})
	}
}

// BenchmarkDecideRandom is the read-mostly workload on one goroutine.
func BenchmarkDecideRandom(b *testing.B) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			d := c.new(b)
			learnAll(d)
			r := rng(88172645463325252)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s, i, j := pick(r.next())
				d.decide(hostLoc(s, i), hostMAC(s, i), hostMAC(s, j))
			}
		})
	}
}

// TestContendersAgree: on the same frames, both forward to the same place,
// so the benchmark compares equal work.
func TestContendersAgree(t *testing.T) {
	a, bl := newNetslice(t), newBaseline(t)
	r := rng(42)
	for range 20000 {
		s, i, j := pick(r.next())
		s, i, j = s%10, i%50, j%50
		la, oka := a.decide(hostLoc(s, i), hostMAC(s, i), hostMAC(s, j))
		lb, okb := bl.decide(hostLoc(s, i), hostMAC(s, i), hostMAC(s, j))
		if oka != okb || la != lb {
			t.Fatalf("frame %d/%d->%d: netslice %v %v, baseline %v %v", s, i, j, la, oka, lb, okb)
		}
	}
}
