// Package controller is a cbench-style load generator for netslice's
// OpenFlow controller running the slicing app: emulated switches connect
// over loopback TCP, complete the handshake, and send packet-ins between
// hosts the app has learned; every packet-in earns a flow_mod (and a
// packet_out), and the flow_mods are counted.
//
//   - Throughput mode (BenchmarkThroughput): every switch keeps a window of
//     packet-ins in flight; the figure is flow_mods per second.
//   - Latency mode (BenchmarkLatency): one packet-in in flight per switch;
//     the figures are round-trip percentiles, beside a bare program that
//     answers with the same bytes and does nothing else (bare_test.go).
//   - BenchmarkSwitchMemory: the controller's heap with 1,000 switches
//     connected.
//
// The load generator runs in the same process as the controller, on the
// same cores; the latency mode also runs each controller in a process of
// its own ("-apart"), as cbench and a controller on one machine are.
package controller

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

const hostsPerSwitch = 100

func hostMAC(sw, h int, dst bool) [6]byte {
	side := byte(0x02)
	if dst {
		side = 0x06
	}
	return [6]byte{side, 0, byte(sw >> 8), byte(sw), byte(h >> 8), byte(h)}
}

// testbed is a controller with the slicing app, serving on loopback; each
// emulated switch's ports 1 and 2 are bound to a slice of its own.
type testbed struct {
	ctrl   *openflow.Controller
	app    *slicing.App
	fabric *l2.Fabric
	addr   string
}

func newTestbed(tb testing.TB, switches int) *testbed {
	return newTestbedCounting(tb, switches, true)
}

// newTestbedCounting is newTestbed with the controller's per-message
// counting on or off (Controller.NoCounters).
func newTestbedCounting(tb testing.TB, switches int, counting bool) *testbed {
	noCounters = !counting
	defer func() { noCounters = false }()
	return newTestbedWith(tb, l2.Options{}, func(tx *l2.Tx) error {
		for s := range switches {
			id := fmt.Sprint(s)
			if err := tx.AddSlice(id); err != nil {
				return err
			}
			for p := l2.Port(1); p <= 2; p++ {
				if err := tx.BindPort(id, l2.Location{Datapath: l2.DatapathID(s + 1), Port: p, VLAN: l2.Untagged}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// noCounters is the NoCounters of the next testbed's controller.
var noCounters bool

// newTestbedWith runs the controller and the app (Run included) on a
// fabric with the given options and configuration.
func newTestbedWith(tb testing.TB, opts l2.Options, configure func(tx *l2.Tx) error) *testbed {
	app, err := slicing.New(opts, slicing.Options{DiscoveryInterval: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	fabric := app.Fabric()
	if _, err := app.Update(configure); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	go app.Run(ctx)
	ctrl := &openflow.Controller{Handler: app, Versions: []openflow.Version{openflow.Version13}, SendQueue: 4096,
		NoCounters: noCounters}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go ctrl.Serve(l)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctrl.Shutdown(ctx)
	})
	return &testbed{ctrl: ctrl, app: app, fabric: fabric, addr: l.Addr().String()}
}

// emulated is one switch: it speaks just enough OpenFlow 1.3.
type emulated struct {
	n    int
	conn net.Conn
	r    *openflow.Reader
	// packet-ins prepared in advance, one per source host
	pins [][]byte
}

func dialSwitch(tb testing.TB, addr string, n int) *emulated {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	e := &emulated{n: n, conn: conn, r: openflow.NewReader(conn, 0)}
	send := func(m openflow.Message) {
		b, err := m.MarshalBinary()
		if err == nil {
			_, err = conn.Write(b)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	next := func() openflow.Message {
		b, err := e.r.Next()
		if err != nil {
			tb.Fatal(err)
		}
		m, err := openflow.Decode(b)
		if err != nil {
			tb.Fatal(err)
		}
		return m
	}
	next() // the controller's hello
	send(of13.NewHello(4))
	fr := next()
	send(&of13.FeaturesReply{Header: of13.Header{XID: fr.Head().XID}, DatapathID: uint64(n + 1), NTables: 254})
	dr := next()
	send(&of13.MultipartReply{Header: of13.Header{XID: dr.Head().XID}, Body: of13.Desc{Manufacturer: "cbench"}})
	pd := next()
	send(&of13.MultipartReply{Header: of13.Header{XID: pd.Head().XID}, Body: of13.PortDescReply{Ports: []of13.Port{
		{PortNo: 1, Name: "p1"}, {PortNo: 2, Name: "p2"}}}})
	// Learn the destinations: each says hello from port 2 once.
	for h := range hostsPerSwitch {
		send(packetIn(2, hostMAC(n, h, true), l2.Broadcast))
	}
	for h := range hostsPerSwitch {
		e.pins = append(e.pins, mustMarshal(tb, packetIn(1, hostMAC(n, h, false), hostMAC(n, (h*7)%hostsPerSwitch, true))))
	}
	return e
}

func mustMarshal(tb testing.TB, m openflow.Message) []byte {
	b, err := m.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func packetIn(port uint32, src, dst [6]byte) *of13.PacketIn {
	frame := make([]byte, 64)
	copy(frame, dst[:])
	copy(frame[6:], src[:])
	binary.BigEndian.PutUint16(frame[12:], 0x0800)
	return &of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 64, Match: of13.NewMatch(of13.InPort(port)), Data: frame}
}

// drain reads everything the controller sends, counting flow_mods and
// reporting each to seen.
func (e *emulated) drain(flowMods *atomic.Int64, seen func()) {
	e.drainType(of13.TypeFlowMod, flowMods, seen)
}

// drainType reads everything the controller sends, counting the messages
// of one type and reporting each to seen.
func (e *emulated) drainType(typ of13.Type, count *atomic.Int64, seen func()) {
	for {
		b, err := e.r.Next()
		if err != nil {
			return
		}
		if len(b) >= 2 && b[1] == uint8(typ) {
			count.Add(1)
			if seen != nil {
				seen()
			}
		}
		if len(b) >= 2 && b[1] == uint8(of13.TypeEchoRequest) {
			rep := append([]byte(nil), b...)
			rep[1] = uint8(of13.TypeEchoReply)
			e.conn.Write(rep)
		}
	}
}

// BenchmarkThroughput: 16 switches keep packet-ins in flight; b.N is the
// number of packet-ins; responses/s counts flow_mods.
func BenchmarkThroughput(b *testing.B) { benchThroughput(b, true) }

// BenchmarkCounting is BenchmarkThroughput with the controller's
// per-message counting (SwitchStats) on and off, for what it costs the
// packet-in path: compare the two in one run, over several counts.
func BenchmarkCounting(b *testing.B) {
	for _, on := range []bool{true, false} {
		b.Run(fmt.Sprintf("counters=%v", on), func(b *testing.B) { benchThroughput(b, on) })
	}
}

func benchThroughput(b *testing.B, counting bool) {
	const switches, window = 16, 64
	tb := newTestbedCounting(b, switches, counting)
	emus := make([]*emulated, switches)
	for i := range emus {
		emus[i] = dialSwitch(b, tb.addr, i)
	}
	var flowMods atomic.Int64
	credits := make([]chan struct{}, switches)
	for i, e := range emus {
		credits[i] = make(chan struct{}, window)
		for range window {
			credits[i] <- struct{}{}
		}
		ch := credits[i]
		go e.drain(&flowMods, func() {
			select {
			case ch <- struct{}{}:
			default:
			}
		})
	}
	// Let the warm-up's answers arrive, then count from zero.
	time.Sleep(200 * time.Millisecond)
	flowMods.Store(0)
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
	for flowMods.Load() < int64(b.N) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	got := flowMods.Load()
	b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "responses/s")
	if got < int64(b.N) {
		b.Logf("%d of %d packet-ins answered", got, b.N)
	}
}

// BenchmarkLatency: one packet-in in flight per switch, for 1, 4 and 16
// switches; reports the round trip's percentiles, from writing a
// packet-in to reading its flow_mod. Each runs against netslice's
// controller with the slicing app and against bareController, the
// baseline: a minimal program that answers with the same bytes and does
// nothing else. With the load generator on the same cores, a request waits
// behind the others in flight, so the tail grows with the number of
// switches for both.
func BenchmarkLatency(b *testing.B) {
	for _, switches := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("switches=%d", switches), func(b *testing.B) {
			b.Run("netslice", func(b *testing.B) { benchLatency(b, newTestbed(b, switches).addr, switches) })
			b.Run("bare", func(b *testing.B) { benchLatency(b, newBare(b, switches), switches) })
			b.Run("netslice-apart", func(b *testing.B) { benchLatency(b, serveApart(b, "netslice", switches), switches) })
			b.Run("bare-apart", func(b *testing.B) { benchLatency(b, serveApart(b, "bare", switches), switches) })
		})
	}
}

func benchLatency(b *testing.B, addr string, switches int) {
	emus := make([]*emulated, switches)
	for i := range emus {
		emus[i] = dialSwitch(b, addr, i)
	}
	for _, e := range emus {
		e.quiet(b)
	}
	var mu sync.Mutex
	rtts := make([]time.Duration, 0, b.N)
	var next atomic.Int64
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, e := range emus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/switches+1)
			for k := 0; next.Add(1) <= int64(b.N); k++ {
				start := time.Now()
				if _, err := e.conn.Write(e.pins[k%len(e.pins)]); err != nil {
					return
				}
				// The answer is a flow_mod, then the packet_out.
				for typ := uint8(0); typ != uint8(of13.TypePacketOut); {
					m, err := e.r.Next()
					if err != nil {
						return
					}
					if typ = m[1]; typ == uint8(of13.TypeFlowMod) {
						local = append(local, time.Since(start))
					}
				}
			}
			mu.Lock()
			rtts = append(rtts, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	// Involuntary context switches of this process's threads, per 1,000
	// round trips: how often the kernel took a core from a thread that
	// wanted it (a goroutine on that thread's P waits meanwhile).
	b.ReportMetric(float64(ru1.Nivcsw-ru0.Nivcsw)*1000/float64(b.N), "ivcsw/1k")
	if len(rtts) == 0 {
		return
	}
	slices.Sort(rtts)
	pct := func(p float64) float64 { return float64(rtts[int(p*float64(len(rtts)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(pct(0.5), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(0.999), "p99.9-µs")
	b.ReportMetric(float64(len(rtts))/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkSwitchMemory connects 1,000 emulated switches and reports the
// controller's heap per switch (the emulated switches' own buffers are
// included, so it is an upper bound).
func BenchmarkSwitchMemory(b *testing.B) {
	const switches = 1000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tb := newTestbed(b, switches)
		for i := range switches {
			e := dialSwitch(b, tb.addr, i)
			go io.Copy(io.Discard, e.conn)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(tb.ctrl.Switches()) < switches && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(len(tb.ctrl.Switches())), "switches")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/switches/1024, "KiB/switch")
	}
}

// TestLoadGenerator checks the load generator against the controller: a
// few hundred packet-ins, every one answered by a flow_mod.
func TestLoadGenerator(t *testing.T) {
	tb := newTestbed(t, 2)
	e := dialSwitch(t, tb.addr, 0)
	var flowMods atomic.Int64
	go e.drain(&flowMods, nil)
	time.Sleep(100 * time.Millisecond)
	start := flowMods.Load()
	for k := range 300 {
		if _, err := e.conn.Write(e.pins[k%len(e.pins)]); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for flowMods.Load()-start < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := flowMods.Load() - start; got < 300 {
		t.Fatalf("%d of 300 packet-ins answered with a flow_mod", got)
	}
}
