package controller

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

// bareController is BenchmarkLatency's baseline: a minimal Go program that
// answers the same packet-ins with the same bytes over the same kind of
// connections — one goroutine per connection reading with
// openflow.Reader and writing the answer netslice's controller gave to
// that packet-in (recorded beforehand) — and does nothing else: no
// decoding, no learning, no state, no counters, no deadlines.
type bareController struct {
	answers map[[6]byte][]byte // by the packet-in's source MAC
	wg      sync.WaitGroup
}

// handshakeRequests is what the controller's side of the handshake sends:
// hello, features_request, and the desc and port_desc multipart requests.
func handshakeRequests() []byte {
	msg := func(b []byte, typ of13.Type, xid uint32, body ...byte) []byte {
		b = append(b, 4, byte(typ), 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint16(b[len(b)-6:], uint16(8+len(body)))
		binary.BigEndian.PutUint32(b[len(b)-4:], xid)
		return append(b, body...)
	}
	b := msg(nil, of13.TypeHello, 1)
	b = msg(b, of13.TypeFeaturesRequest, 2)
	b = msg(b, of13.TypeMultipartRequest, 3, 0, byte(of13.MultipartDesc), 0, 0, 0, 0, 0, 0)
	return msg(b, of13.TypeMultipartRequest, 4, 0, byte(of13.MultipartPortDesc), 0, 0, 0, 0, 0, 0)
}

func (c *bareController) serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		c.wg.Add(1)
		go c.conn(conn)
	}
}

func (c *bareController) conn(conn net.Conn) {
	defer c.wg.Done()
	defer conn.Close()
	if _, err := conn.Write(handshakeRequests()); err != nil {
		return
	}
	r := openflow.NewReader(conn, 0)
	for {
		b, err := r.Next()
		if err != nil {
			return
		}
		if b[1] != uint8(of13.TypePacketIn) || len(b) < 28 {
			continue // the switch's handshake replies
		}
		// header 8, buffer_id 4, total_len 2, reason 1, table 1, cookie 8,
		// match (padded to 8), 2 bytes of pad, the frame.
		matchLen := int(binary.BigEndian.Uint16(b[26:]))
		frame := 24 + (matchLen+7)&^7 + 2
		if frame+12 > len(b) {
			continue
		}
		if a, ok := c.answers[[6]byte(b[frame+6:frame+12])]; ok {
			if _, err := conn.Write(a); err != nil {
				return
			}
		}
	}
}

// newBare records the answers of netslice's controller (running the
// slicing app, as newTestbed) to every packet-in of the given number of
// emulated switches, then serves them from a bareController on loopback.
func newBare(tb testing.TB, switches int) string {
	ctrl := newTestbed(tb, switches)
	bare := &bareController{answers: make(map[[6]byte][]byte)}
	for n := range switches {
		e := dialSwitch(tb, ctrl.addr, n)
		e.quiet(tb)
		for _, pin := range e.pins {
			if _, err := e.conn.Write(pin); err != nil {
				tb.Fatal(err)
			}
			var answer []byte
			for done := false; !done; {
				b, err := e.r.Next()
				if err != nil {
					tb.Fatal(err)
				}
				answer = append(answer, b...)
				done = b[1] == uint8(of13.TypePacketOut)
			}
			frame := pin[len(pin)-64:]
			bare.answers[[6]byte(frame[6:12])] = answer
		}
		e.conn.Close()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go bare.serve(l)
	tb.Cleanup(func() {
		l.Close()
		bare.wg.Wait()
	})
	return l.Addr().String()
}

// quiet reads what the controller sends until it has been silent for
// 100 ms: the answers to the handshake and the warm-up's packet-ins, so
// that the next message read answers the next packet-in written.
func (e *emulated) quiet(tb testing.TB) {
	for {
		e.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := e.r.Next(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				e.conn.SetReadDeadline(time.Time{})
				return
			}
			tb.Fatal(err)
		}
	}
}

// The controller under test may run in a process of its own, as cbench
// and the controller usually do: the test binary runs TestServe with
// CBENCH_SERVE set to "netslice N" or "bare N" (N switches), which prints
// "addr host:port" and serves until its standard input closes.
const serveEnv = "CBENCH_SERVE"

func TestServe(t *testing.T) {
	spec := os.Getenv(serveEnv)
	if spec == "" {
		t.Skip("run by the benchmarks as the controller's own process (" + serveEnv + " not set)")
	}
	var kind string
	var switches int
	if _, err := fmt.Sscan(spec, &kind, &switches); err != nil {
		t.Fatalf("%s=%q: %v", serveEnv, spec, err)
	}
	var addr string
	switch kind {
	case "netslice":
		addr = newTestbed(t, switches).addr
	case "bare":
		addr = newBare(t, switches)
	default:
		t.Fatalf("%s=%q: netslice or bare", serveEnv, spec)
	}
	fmt.Printf("addr %s\n", addr)
	io.Copy(io.Discard, os.Stdin)
}

// serveApart starts the controller of the given kind in a process of its
// own and returns its address; the process ends with the benchmark.
func serveApart(tb testing.TB, kind string, switches int) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServe$", "-test.v=false")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", serveEnv, kind, switches))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			go io.Copy(io.Discard, stdout)
			return addr
		}
	}
	tb.Fatalf("the controller's process printed no address: %v", sc.Err())
	return ""
}
