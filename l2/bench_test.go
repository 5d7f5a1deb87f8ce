package l2_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netslice/netslice/l2"
)

// The benchmark fabric: slices of perSlice hosts each; slice s binds ports
// 1–4 of datapath s+1, and host j of slice s lives on port j%4+1.
const portsPerSlice = 4

func benchMAC(s, j int) l2.MAC { return l2.MACFromUint64(0x020000000000 | uint64(s)<<20 | uint64(j)) }

func benchLoc(s, j int) l2.Location {
	return l2.Location{Datapath: l2.DatapathID(s + 1), Port: l2.Port(j%portsPerSlice + 1), VLAN: l2.Untagged}
}

func benchFabric(tb testing.TB, slices, perSlice int) *l2.Fabric {
	tb.Helper()
	// Open vSwitch's default MAC table size bounds each slice, so learning
	// new hosts reaches a steady state of evictions instead of growing.
	f := l2.NewFabric(l2.Options{Now: t0, MaxPerSlice: 2048, MaxEntries: 1 << 26})
	_, err := f.Update(func(tx *l2.Tx) error {
		for s := range slices {
			id := fmt.Sprintf("tenant%d/net%d", s%97, s)
			if err := tx.AddSlice(id); err != nil {
				return err
			}
			for p := range portsPerSlice {
				if err := tx.BindPort(id, benchLoc(s, p)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for s := range slices {
		for j := range perSlice {
			f.Decide(benchLoc(s, j), benchMAC(s, j), l2.Broadcast)
		}
	}
	if got := f.Stats().Learned; got != slices*perSlice {
		tb.Fatalf("learned %d, want %d", got, slices*perSlice)
	}
	return f
}

// rng is a tiny xorshift generator, so drawing random hosts costs little
// next to the decision being measured.
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

// pick draws a slice and two of its hosts from one random number, by
// multiply-shift rather than division, to keep the draw cheap.
func pick(x uint64, slices, perSlice int) (s, i, j int) {
	s = int((x & 0xffffffff) * uint64(slices) >> 32)
	i = int((x >> 32 & 0xffff) * uint64(perSlice) >> 16)
	j = int((x >> 48) * uint64(perSlice) >> 16)
	return
}

// BenchmarkDecide learns the source and looks up the destination of frames
// between random hosts of random slices. The random case also reports its
// cost in dependent memory misses of this machine (misses/op: ns/op over
// what one step of a pointer chase over 64 MB costs, measured in the same
// run), its target being at most one. The all- cases decide the same
// frames through DecideAll, 32 a call, and report the cost per frame.
func BenchmarkDecide(b *testing.B) {
	cases := []struct {
		name             string
		slices, perSlice int
		hotSlices, hotPS int
	}{
		{"random/slices=1000/macs=1M", 1000, 1000, 1000, 1000},
		{"hot/macs=1000-of-1M", 1000, 1000, 10, 100},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := benchFabric(b, c.slices, c.perSlice)
			r := rng(88172645463325252)
			b.ReportAllocs()
			for b.Loop() {
				x := r.next()
				s, i, j := pick(x, c.hotSlices, c.hotPS)
				d := f.Decide(benchLoc(s, i), benchMAC(s, i), benchMAC(s, j))
				if d.Action == l2.Drop && i%portsPerSlice != j%portsPerSlice {
					b.Fatal(d)
				}
			}
			if c.hotSlices == c.slices {
				perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(perOp/missLatency(), "misses/op")
			}
		})
	}
	// The same, through DecideAll: an op is a group of frames.
	for _, c := range cases {
		b.Run("all-"+c.name, func(b *testing.B) {
			f := benchFabric(b, c.slices, c.perSlice)
			r := rng(88172645463325252)
			const group = 32
			var frames [group]l2.Arrival
			var ds [group]l2.Decision
			b.ReportAllocs()
			for b.Loop() {
				for k := range frames {
					s, i, j := pick(r.next(), c.hotSlices, c.hotPS)
					frames[k] = l2.Arrival{In: benchLoc(s, i), Src: benchMAC(s, i), Dst: benchMAC(s, j)}
				}
				f.DecideAll(frames[:], ds[:])
			}
			perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / group
			b.ReportMetric(perFrame, "ns/frame")
			if c.hotSlices == c.slices {
				b.ReportMetric(perFrame/missLatency(), "misses/frame")
			}
		})
	}
	// What making the inputs costs, inside every ns/op above.
	b.Run("inputs-only", func(b *testing.B) {
		r := rng(88172645463325252)
		for b.Loop() {
			s, i, j := pick(r.next(), 10, 100)
			l, src, dst := benchLoc(s, i), benchMAC(s, i), benchMAC(s, j)
			sinkLoc, sinkMAC = l, src[5]^dst[5]
		}
	})
}

var (
	sinkLoc l2.Location
	sinkMAC byte
)

// missLatency is the median over three runs of the time a step of
// chase takes, in ns: this machine's dependent memory miss, measured once
// per test binary.
var missLatency = sync.OnceValue(func() float64 {
	next := chaseCycle()
	var runs []float64
	for range 3 {
		const steps = 5_000_000
		start := time.Now()
		sink = chase(next, steps)
		runs = append(runs, float64(time.Since(start).Nanoseconds())/steps)
	}
	slices.Sort(runs)
	return runs[1]
})

// BenchmarkDecideParallel is the random 1M-entry workload from every
// core, with 5% of frames from MACs never seen before (learning, and
// evicting once a slice is full). Compare -cpu 1 and -cpu 2.
func BenchmarkDecideParallel(b *testing.B) {
	const slices, perSlice = 1000, 1000
	f := benchFabric(b, slices, perSlice)
	var seed atomic.Uint64
	var fresh atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := rng(seed.Add(0x9e3779b97f4a7c15) | 1)
		for pb.Next() {
			x := r.next()
			s, i, j := pick(x, slices, perSlice)
			src := benchMAC(s, i)
			if x>>58 < 3 { // 3 in 64, about 5%: a new host
				src = l2.MACFromUint64(0x060000000000 | fresh.Add(1))
			}
			f.Decide(benchLoc(s, i), src, benchMAC(s, j))
		}
	})
}

// BenchmarkMemoryPerEntry reports the heap a learned entry costs at one
// million entries (B/entry), tables and bindings included.
func BenchmarkMemoryPerEntry(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f := benchFabric(b, 1000, 1000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(f)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "B/entry")
	}
}

// BenchmarkExpire measures aging in a steady state: hosts were learned at
// evenly spread times over the aging period, and each step advances time
// by one wheel bucket (1/32 of the aging time), expiring the hosts whose
// time is up, about 3% of the table; the step's expired hosts are then
// learned again (not timed), so the table keeps its size. It reports the
// cost per expired entry, for a small and a large fabric: the two should be
// close, as aging's work is what expires, not the table size.
func BenchmarkExpire(b *testing.B) {
	for _, total := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", total), func(b *testing.B) {
			const aging = 320 * time.Second
			step := aging / 32
			slices := 100
			perSlice := total / slices
			var expired []l2.Event
			f := l2.NewFabric(l2.Options{Now: t0, Aging: aging, MaxPerSlice: 1 << 20, MaxEntries: 1 << 26,
				Events: func(ev l2.Event) {
					if ev.Kind == l2.Expired {
						expired = append(expired, ev)
					}
				}})
			_, err := f.Update(func(tx *l2.Tx) error {
				for s := range slices {
					id := fmt.Sprint(s)
					tx.AddSlice(id)
					for p := range portsPerSlice {
						tx.BindPort(id, benchLoc(s, p))
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			// Learn the hosts over one aging period, 1/32 of them a step.
			now := t0
			for k := range 32 {
				for s := range slices {
					for j := k; j < perSlice; j += 32 {
						f.Decide(benchLoc(s, j), benchMAC(s, j), l2.Broadcast)
					}
				}
				now = now.Add(step)
				f.Advance(now)
			}
			expired = expired[:0]
			b.ResetTimer()
			total := 0
			for range b.N {
				now = now.Add(step)
				f.Advance(now) // timed: the expiry
				b.StopTimer()
				total += len(expired)
				for _, ev := range expired { // learn them again, now
					f.Decide(ev.Location, ev.MAC, l2.Broadcast)
				}
				expired = expired[:0]
				b.StartTimer()
			}
			if total == 0 {
				b.Fatal("nothing expired")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/expired")
			b.ReportMetric(float64(total)/float64(b.N)/float64(f.Stats().Learned)*100, "%expired/step")
		})
	}
}

// BenchmarkPointerChase measures this machine's dependent memory latency:
// each step loads the next index from the last, at random over 64 MB, so
// every step waits for one cache (and most often TLB) miss. It is the
// yardstick for BenchmarkDecide/random: a decision there should cost no
// more than about one such miss.
func BenchmarkPointerChase(b *testing.B) {
	next := chaseCycle()
	b.ResetTimer()
	sink = chase(next, b.N)
}

// chaseCycle is 64 MB of indices forming one random cycle through all of
// them (Sattolo's algorithm).
func chaseCycle() []uint64 {
	const n = 64 << 20 / 8
	next := make([]uint64, n)
	for i := range next {
		next[i] = uint64(i)
	}
	r := rng(88172645463325252)
	for i := n - 1; i > 0; i-- {
		j := int(r.next() % uint64(i))
		next[i], next[j] = next[j], next[i]
	}
	return next
}

// chase follows the cycle for steps steps.
func chase(next []uint64, steps int) uint64 {
	p := uint64(0)
	for range steps {
		p = next[p]
	}
	return p
}

var sink uint64
