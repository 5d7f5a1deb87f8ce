package openflow_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

// TestTrySendAndStall: TrySend never waits on a switch that reads
// nothing, and such a switch is dropped once its queue has stayed full for
// the stall timeout — even while it keeps itself alive with echo requests.
func TestTrySendAndStall(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, SendQueue: 4, StallTimeout: 300 * time.Millisecond,
		EchoInterval: time.Hour, WriteTimeout: time.Hour}
	f := dial(t, startController(t, c))
	f.handshake(openflow.Version13, 9)
	sw := waitUp(t, rec)

	// Stop reading and keep sending echo requests.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		b, _ := (&of13.EchoRequest{}).MarshalBinary()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := f.conn.Write(b); err != nil {
					return
				}
			}
		}
	}()
	// Keep sending, as an application serving other switches would: each
	// TrySend returns at once, full queue or not.
	big := &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Data: make([]byte, 60000)}
	full := 0
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		big.XID = 0
		t0 := time.Now()
		err := sw.TrySend(big)
		require.Less(t, time.Since(t0), 100*time.Millisecond, "TrySend waited")
		if errors.Is(err, openflow.ErrSwitchClosed) {
			break
		}
		if err != nil {
			require.ErrorIs(t, err, openflow.ErrQueueFull)
			full++
			time.Sleep(time.Millisecond)
		}
	}
	require.NotZero(t, full, "the queue never filled")
	select {
	case <-sw.Done():
		assert.ErrorContains(t, sw.Err(), "took nothing")
	case <-time.After(time.Second):
		t.Fatal("a switch that reads nothing stayed connected")
	}
}

// TestHandshakeLimit: peers that connect and say nothing hold at most
// MaxHandshakes connections; a switch gets in once one of them times out.
func TestHandshakeLimit(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, MaxHandshakes: 8, HandshakeTimeout: 500 * time.Millisecond}
	addr := startController(t, c)
	var silent []net.Conn
	for range 8 {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		silent = append(silent, conn)
	}
	time.Sleep(100 * time.Millisecond) // let the controller take them in
	// The ninth is closed at once, before any hello.
	extra, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := extra.Read(make([]byte, 8))
	assert.Zero(t, n)
	assert.Error(t, err)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the connection over the limit was held open")
	// After the timeout the silent ones are gone and a switch connects.
	time.Sleep(700 * time.Millisecond)
	f := dial(t, addr)
	f.handshake(openflow.Version13, 10)
	waitUp(t, rec)
}

// TestHostileMultipart: a peer that answers the handshake's description
// request with an endless multipart reply is dropped with the heap
// bounded; after the handshake a reply larger than MaxReplyBytes fails its
// request.
func TestHostileMultipart(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, MaxReplyBytes: 1 << 20}
	addr := startController(t, c)

	f := dial(t, addr)
	f.recv()
	f.send(of13.NewHello(4))
	req := f.recv()
	f.send(&of13.FeaturesReply{Header: of13.Header{XID: req.Head().XID}, DatapathID: 66, NTables: 1})
	dr := f.recv()
	part, err := (&of13.MultipartReply{Header: of13.Header{XID: dr.Head().XID}, Flags: of13.MultipartMore,
		Body: of13.PortDescReply{Ports: make([]of13.Port, 900)}}).MarshalBinary()
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sent := 0
	for sent < 64<<20 {
		if _, err := f.conn.Write(part); err != nil {
			break
		}
		sent += len(part)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	assert.Less(t, sent, 64<<20, "the controller kept reading an endless reply")
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	assert.Less(t, grown, int64(32<<20), "the heap grew by %d bytes", grown)
	assert.Empty(t, rec.up, "a peer that never finished the handshake came up")

	// After the handshake: a request whose reply is too large fails.
	g := dial(t, addr)
	g.handshake(openflow.Version13, 67)
	sw := waitUp(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, err := sw.Request(ctx, &of13.MultipartRequest{Body: of13.PortDescRequest{}})
		errs <- err
	}()
	pd := g.recv()
	for range 40 { // 40 × 57 KiB, over the 1 MiB bound
		g.send(&of13.MultipartReply{Header: of13.Header{XID: pd.Head().XID}, Flags: of13.MultipartMore,
			Body: of13.PortDescReply{Ports: make([]of13.Port, 900)}})
	}
	assert.ErrorIs(t, <-errs, openflow.ErrReplyTooLarge)
}

// TestSendOrder: what one sender sends arrives in order, whether it went
// straight into the write buffer (from the handler) or through the queue
// (when the buffer was full, or from elsewhere).
func TestSendOrder(t *testing.T) {
	const n = 3000
	done := make(chan struct{})
	var once bool
	h := openflow.HandlerFunc(func(sw *openflow.Switch, m openflow.Message) {
		if _, ok := m.(*of13.PacketIn); !ok || once {
			return
		}
		once = true
		// From the handler: large messages, so the write buffer fills and
		// the rest goes through the queue.
		for i := range n {
			err := sw.Send(context.Background(), &of13.PacketOut{Header: of13.Header{XID: uint32(i + 1)},
				BufferID: of13.NoBuffer, InPort: of13.PortController, Data: make([]byte, 1000)})
			if err != nil {
				t.Error(err)
				break
			}
		}
		close(done)
	})
	rec := newRecorder()
	mux := &openflow.Mux{OnSwitchUp: func(sw *openflow.Switch) { rec.SwitchUp(sw) }, NotFound: h}
	f := dial(t, startController(t, &openflow.Controller{Handler: mux}))
	f.handshake(openflow.Version13, 11)
	waitUp(t, rec)
	f.send(&of13.PacketIn{BufferID: of13.NoBuffer, Match: of13.NewMatch(of13.InPort(1)), Data: make([]byte, 60)})
	next := uint32(1)
	for next <= n {
		m := f.recv()
		if po, ok := m.(*of13.PacketOut); ok {
			require.Equal(t, next, po.XID, "out of order")
			next++
		}
	}
	<-done
}
