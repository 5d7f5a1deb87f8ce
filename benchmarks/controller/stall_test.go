package controller

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow/of13"
)

// sharedTestbed: switches 2..n each have a slice of their own on ports 1
// and 2, and every slice also has a port on switch 1, the shared one.
func sharedTestbed(b testing.TB, switches int, opts l2.Options) *testbed {
	return newTestbedWith(b, opts, func(tx *l2.Tx) error {
		for s := 1; s < switches; s++ {
			id := fmt.Sprint(s)
			if err := tx.AddSlice(id); err != nil {
				return err
			}
			for _, l := range []l2.Location{{Datapath: l2.DatapathID(s + 1), Port: 1, VLAN: l2.Untagged},
				{Datapath: l2.DatapathID(s + 1), Port: 2, VLAN: l2.Untagged}, {Datapath: 1, Port: l2.Port(s + 2), VLAN: l2.Untagged}} {
				if err := tx.BindPort(id, l); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// BenchmarkStalledSwitch: fifteen switches flood broadcasts in their
// slices, which also have a port on a sixteenth switch, so every
// packet-in earns a packet-out to the switch itself and one to the shared
// switch. With the shared switch reading, and with it stalled (it reads
// nothing), the figure is the packet-outs per second the fifteen receive:
// a stalled switch must not slow the others (target ≥ 90% of reading).
func BenchmarkStalledSwitch(b *testing.B) {
	for _, stalled := range []bool{false, true} {
		name := "shared=reading"
		if stalled {
			name = "shared=stalled"
		}
		b.Run(name, func(b *testing.B) {
			const switches, window = 16, 64
			tb := sharedTestbed(b, switches, l2.Options{})
			shared := dialSwitch(b, tb.addr, 0)
			if !stalled {
				go io.Copy(io.Discard, shared.conn)
			}
			emus := make([]*emulated, switches-1)
			for i := range emus {
				emus[i] = dialSwitch(b, tb.addr, i+1)
				emus[i].pins = emus[i].pins[:0]
				for h := range hostsPerSwitch {
					emus[i].pins = append(emus[i].pins, mustMarshal(b, packetIn(1, hostMAC(i+1, h, false), l2.Broadcast)))
				}
			}
			var outs atomic.Int64
			credits := make([]chan struct{}, len(emus))
			for i, e := range emus {
				credits[i] = make(chan struct{}, window)
				for range window {
					credits[i] <- struct{}{}
				}
				ch := credits[i]
				go e.drainType(of13.TypePacketOut, &outs, func() {
					select {
					case ch <- struct{}{}:
					default:
					}
				})
			}
			time.Sleep(200 * time.Millisecond)
			outs.Store(0)
			b.ResetTimer()
			var sent atomic.Int64
			var wg sync.WaitGroup
			for i, e := range emus {
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, 0, 64<<10)
					for k := 0; ; k++ {
						if sent.Add(1) > int64(b.N) {
							if len(buf) > 0 {
								e.conn.Write(buf)
							}
							return
						}
						<-credits[i]
						buf = append(buf, e.pins[k%len(e.pins)]...)
						if len(buf) > 32<<10 || len(credits[i]) == 0 {
							if _, err := e.conn.Write(buf); err != nil {
								return
							}
							buf = buf[:0]
						}
					}
				}()
			}
			wg.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for outs.Load() < int64(b.N) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(outs.Load())/b.Elapsed().Seconds(), "packet-outs/s")
			if got := outs.Load(); got < int64(b.N) {
				b.Logf("%d of %d packet-ins answered", got, b.N)
			}
		})
	}
}

// TestMACFloodBounded: a flood of 20,000 random source MACs on a slice
// spanning eight switches, at the slice's bound, costs the switches next to
// nothing: evicted MACs that never had a flow need no delete, and deletes
// go only where flows are. The same flood on a port no slice binds earns
// a budget of drop flows and then one quarantine, not a flow per source.
func TestMACFloodBounded(t *testing.T) {
	const switches, known = 8, 100
	// Aging of 16 s: eviction is least recently seen to within half a
	// second, so the hosts with flows, older by more, go first.
	tb := newTestbedWith(t, l2.Options{MaxPerSlice: 1000, Aging: 16 * time.Second}, func(tx *l2.Tx) error {
		if err := tx.AddSlice("s"); err != nil {
			return err
		}
		for s := range switches {
			for p := l2.Port(1); p <= 2; p++ {
				if err := tx.BindPort("s", l2.Location{Datapath: l2.DatapathID(s + 1), Port: p, VLAN: l2.Untagged}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	emus := make([]*emulated, switches)
	counts := make([]atomic.Int64, switches)
	for i := range emus {
		emus[i] = dialSwitch(t, tb.addr, i)
		go emus[i].drain(&counts[i], nil)
	}
	// Hosts on switch 1 with flows between them: port 2's are known, port
	// 1's talk to them.
	var buf []byte
	for h := range known {
		buf = append(buf, mustMarshal(t, packetIn(1, hostMAC(0, h, false), hostMAC(0, h, true)))...)
	}
	emus[0].conn.Write(buf)
	time.Sleep(1500 * time.Millisecond)
	if got := tb.app.Stats().FlowMods; got < known {
		t.Fatalf("%d forwarding flows installed, want %d", got, known)
	}
	for i := range counts {
		counts[i].Store(0)
	}
	flood := func(port uint32) {
		var buf []byte
		for k := range 20000 {
			src := [6]byte{0x02, 0xee, byte(k >> 16), byte(k >> 8), byte(k), byte(port)}
			buf = append(buf, mustMarshal(t, packetIn(port, src, l2.Broadcast))...)
			if len(buf) > 32<<10 {
				emus[0].conn.Write(buf)
				buf = buf[:0]
			}
		}
		emus[0].conn.Write(buf)
	}
	flood(1)
	time.Sleep(500 * time.Millisecond)
	// The known hosts were evicted: two deletes each, on switch 1 only.
	if st := tb.app.Stats(); st.Deletes < 2*known {
		t.Errorf("%d deletes for %d hosts with flows evicted", st.Deletes, 2*known)
	}
	if got := counts[0].Load(); got > 4*known+10 {
		t.Errorf("switch 1 got %d flow_mods for a flood of 20,000 sources, want at most %d", got, 4*known)
	}
	for i := 1; i < switches; i++ {
		if got := counts[i].Load(); got != 0 {
			t.Errorf("switch %d, which holds none of the slice's flows, got %d flow_mods", i+1, got)
		}
	}
	t.Logf("bound port: %d flow_mods on switch 1, stats %+v", counts[0].Load(), tb.app.Stats())

	// On a port no slice binds: drop flows within the budget, then a
	// quarantine.
	counts[0].Store(0)
	flood(9)
	time.Sleep(500 * time.Millisecond)
	st := tb.app.Stats()
	if got := counts[0].Load(); got > 200 {
		t.Errorf("%d flow_mods for 20,000 unknown sources on one port", got)
	}
	if st.Quarantines == 0 {
		t.Error("the flooding port was not quarantined")
	}
	t.Logf("unbound port: %d flow_mods, stats %+v", counts[0].Load(), st)
}
