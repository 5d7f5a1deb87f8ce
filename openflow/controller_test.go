package openflow_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// recorder is a Handler that keeps what it sees.
type recorder struct {
	mu    sync.Mutex
	msgs  []openflow.Message
	up    []uint64
	down  []uint64
	upCh  chan *openflow.Switch
	msgCh chan openflow.Message
}

func newRecorder() *recorder {
	return &recorder{upCh: make(chan *openflow.Switch, 16), msgCh: make(chan openflow.Message, 64)}
}

func (r *recorder) ServeOpenFlow(sw *openflow.Switch, m openflow.Message) {
	// Messages are valid only during the call: keep a copy.
	b, _ := m.MarshalBinary()
	c, _ := openflow.Decode(b)
	r.mu.Lock()
	r.msgs = append(r.msgs, c)
	r.mu.Unlock()
	r.msgCh <- c
}

func (r *recorder) SwitchUp(sw *openflow.Switch) {
	r.mu.Lock()
	r.up = append(r.up, sw.DatapathID())
	r.mu.Unlock()
	r.upCh <- sw
}

func (r *recorder) SwitchDown(sw *openflow.Switch) {
	r.mu.Lock()
	r.down = append(r.down, sw.DatapathID())
	r.mu.Unlock()
}

func (r *recorder) downs() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.down...)
}

// startController serves c on a loopback port for the test.
func startController(t *testing.T, c *openflow.Controller) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- c.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Shutdown(ctx)
		assert.ErrorIs(t, <-served, openflow.ErrControllerClosed)
	})
	return l.Addr().String()
}

// fakeSwitch is the switch side of the protocol, written with the codec.
type fakeSwitch struct {
	t       *testing.T
	conn    net.Conn
	r       *openflow.Reader
	version openflow.Version
}

func dial(t *testing.T, addr string) *fakeSwitch {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &fakeSwitch{t: t, conn: conn, r: openflow.NewReader(conn, 0)}
}

func (f *fakeSwitch) send(m openflow.Message) {
	f.t.Helper()
	b, err := m.MarshalBinary()
	require.NoError(f.t, err)
	_, err = f.conn.Write(b)
	require.NoError(f.t, err)
}

func (f *fakeSwitch) recv() openflow.Message {
	f.t.Helper()
	m, err := f.tryRecv(5 * time.Second)
	require.NoError(f.t, err)
	return m
}

func (f *fakeSwitch) tryRecv(d time.Duration) (openflow.Message, error) {
	f.conn.SetReadDeadline(time.Now().Add(d))
	b, err := f.r.Next()
	if err != nil {
		return nil, err
	}
	return openflow.Decode(append([]byte(nil), b...))
}

// handshake plays the switch's part: hello, features, port description.
func (f *fakeSwitch) handshake(version openflow.Version, dpid uint64, ports ...string) {
	f.t.Helper()
	f.version = version
	hello := f.recv()
	require.Equal(f.t, uint8(0), hello.Head().Type, "the controller speaks first with a hello")
	if version == openflow.Version10 {
		f.send(&of10.Hello{})
		req := f.recv()
		require.IsType(f.t, &of10.FeaturesRequest{}, req)
		fr := &of10.FeaturesReply{Header: of10.Header{XID: req.Head().XID}, DatapathID: dpid, NTables: 1}
		for i, name := range ports {
			fr.Ports = append(fr.Ports, of10.PhyPort{PortNo: uint16(i + 1), Name: name})
		}
		f.send(fr)
		dr := f.recv().(*of10.StatsRequest)
		require.IsType(f.t, of10.DescRequest{}, dr.Body)
		f.send(&of10.StatsReply{Header: of10.Header{XID: dr.XID}, Body: of10.Desc{Manufacturer: "fake", Datapath: "fake10"}})
		return
	}
	f.send(of13.NewHello(1, 4))
	req := f.recv()
	require.IsType(f.t, &of13.FeaturesRequest{}, req)
	f.send(&of13.FeaturesReply{Header: of13.Header{XID: req.Head().XID}, DatapathID: dpid, NTables: 254})
	dr := f.recv().(*of13.MultipartRequest)
	require.IsType(f.t, of13.DescRequest{}, dr.Body)
	f.send(&of13.MultipartReply{Header: of13.Header{XID: dr.XID}, Body: of13.Desc{Manufacturer: "fake", Datapath: "fake13"}})
	pd := f.recv().(*of13.MultipartRequest)
	require.IsType(f.t, of13.PortDescRequest{}, pd.Body)
	var ps []of13.Port
	for i, name := range ports {
		ps = append(ps, of13.Port{PortNo: uint32(i + 1), Name: name})
	}
	f.send(&of13.MultipartReply{Header: of13.Header{XID: pd.XID}, Body: of13.PortDescReply{Ports: ps}})
}

// expectClosed waits for the controller to hang up, returning what it
// sent on the way.
func (f *fakeSwitch) expectClosed() []openflow.Message {
	f.t.Helper()
	var got []openflow.Message
	for {
		m, err := f.tryRecv(5 * time.Second)
		if err != nil {
			var ne net.Error
			require.False(f.t, errors.As(err, &ne) && ne.Timeout(), "the controller did not close the connection")
			return got
		}
		got = append(got, m)
	}
}

func waitUp(t *testing.T, rec *recorder) *openflow.Switch {
	t.Helper()
	select {
	case sw := <-rec.upCh:
		return sw
	case <-time.After(5 * time.Second):
		t.Fatal("no switch came up")
		return nil
	}
}

func TestHandshake(t *testing.T) {
	for _, v := range []openflow.Version{openflow.Version13, openflow.Version10} {
		t.Run(v.String(), func(t *testing.T) {
			rec := newRecorder()
			c := &openflow.Controller{Handler: rec}
			addr := startController(t, c)
			f := dial(t, addr)
			f.handshake(v, 0x42, "eth1", "eth2")
			sw := waitUp(t, rec)
			assert.Equal(t, uint64(0x42), sw.DatapathID())
			assert.Equal(t, v, sw.Version())
			got, ok := c.Switch(0x42)
			require.True(t, ok)
			assert.Same(t, sw, got)
			assert.Equal(t, "fake", sw.Description().Manufacturer)
			ports := sw.Ports()
			require.Len(t, ports, 2)
			assert.Equal(t, "eth1", ports[0].Name)
			assert.Equal(t, uint32(2), ports[1].No)
		})
	}
}

func TestNegotiation(t *testing.T) {
	hello := func(v uint8, bitmap ...uint8) []byte {
		h := of13.NewHello(bitmap...)
		b, err := h.MarshalBinary()
		require.NoError(t, err)
		b[0] = v
		return b
	}
	both := []openflow.Version{openflow.Version13, openflow.Version10}
	tests := []struct {
		name  string
		offer []openflow.Version
		hello []byte
		want  openflow.Version
	}{
		{"bitmap 1.0 and 1.3", both, hello(4, 1, 4), openflow.Version13},
		{"bitmap 1.0 only", both, hello(4, 1), openflow.Version10},
		{"bitmap 1.4 and 1.5", both, hello(6, 5, 6), 0},
		{"no bitmap, 1.3", both, hello(4), openflow.Version13},
		{"no bitmap, 1.0", both, hello(1), openflow.Version10},
		{"no bitmap, 1.5 peer", both, hello(6), openflow.Version13},
		{"no bitmap, 1.2 peer", both, hello(3), 0},
		{"we offer 1.0 only, peer 1.3 bitmap", []openflow.Version{openflow.Version10}, hello(4, 1, 4), openflow.Version10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, openflow.Negotiate(tt.offer, tt.hello))
		})
	}
}

func TestIncompatibleVersion(t *testing.T) {
	c := &openflow.Controller{Versions: []openflow.Version{openflow.Version13}}
	f := dial(t, startController(t, c))
	f.recv() // the controller's hello
	f.send(&of10.Hello{})
	got := f.expectClosed()
	require.NotEmpty(t, got, "no error before closing")
	e, ok := got[0].(*of13.Error)
	require.True(t, ok, "%T", got[0])
	assert.Equal(t, of13.ErrorTypeHelloFailed, e.Type)
	assert.Equal(t, uint16(of13.HelloFailedIncompatible), e.Code)
}

// TestHelloOfEachVersion: a controller that offers only 1.0 says a bare
// 1.0 hello; one that offers 1.3 a 1.3 hello with the bitmap of all it
// offers.
func TestHelloOfEachVersion(t *testing.T) {
	f := dial(t, startController(t, &openflow.Controller{Versions: []openflow.Version{openflow.Version10}}))
	h10, ok := f.recv().(*of10.Hello)
	require.True(t, ok)
	assert.Equal(t, uint16(8), h10.Header.Length)
	f = dial(t, startController(t, &openflow.Controller{}))
	h13, ok := f.recv().(*of13.Hello)
	require.True(t, ok)
	assert.Equal(t, of13.NewHello(1, 4).Elements, h13.Elements)
}

func TestRequests(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec}
	f := dial(t, startController(t, c))
	f.handshake(openflow.Version13, 7)
	sw := waitUp(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// A multipart reply in two parts comes back whole.
	type result struct {
		msgs []openflow.Message
		err  error
	}
	res := make(chan result, 1)
	go func() {
		msgs, err := sw.Request(ctx, &of13.MultipartRequest{Body: of13.FlowStatsRequest{TableID: of13.TableAll, OutPort: of13.PortAny, OutGroup: of13.GroupAny}})
		res <- result{msgs, err}
	}()
	req := f.recv().(*of13.MultipartRequest)
	f.send(&of13.MultipartReply{Header: of13.Header{XID: req.XID}, Flags: of13.MultipartMore,
		Body: of13.FlowStatsReply{Flows: []of13.FlowStats{{Cookie: 1}}}})
	f.send(&of13.PacketIn{Data: []byte{1}}) // unrelated traffic in between goes to the handler
	f.send(&of13.MultipartReply{Header: of13.Header{XID: req.XID}, Body: of13.FlowStatsReply{Flows: []of13.FlowStats{{Cookie: 2}}}})
	r := <-res
	require.NoError(t, r.err)
	require.Len(t, r.msgs, 2)
	assert.Equal(t, uint64(2), r.msgs[1].(*of13.MultipartReply).Body.(of13.FlowStatsReply).Flows[0].Cookie)
	select {
	case m := <-rec.msgCh:
		assert.IsType(t, &of13.PacketIn{}, m)
	case <-time.After(5 * time.Second):
		t.Fatal("packet-in not handled")
	}

	// An error reply is a *SwitchError.
	go func() {
		_, err := sw.Request(ctx, &of13.FlowMod{Command: of13.FlowAdd, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny})
		res <- result{err: err}
	}()
	fm := f.recv()
	f.send(&of13.Error{Header: of13.Header{XID: fm.Head().XID}, Type: of13.ErrorTypeFlowModFailed, Code: of13.FlowModFailedTableFull})
	r = <-res
	var se *openflow.SwitchError
	require.ErrorAs(t, r.err, &se)
	assert.Equal(t, uint16(of13.ErrorTypeFlowModFailed), se.Type)
	assert.Equal(t, uint16(of13.FlowModFailedTableFull), se.Code)

	// A barrier.
	go func() { res <- result{err: sw.Barrier(ctx)} }()
	br := f.recv()
	require.IsType(t, &of13.BarrierRequest{}, br)
	f.send(&of13.BarrierReply{Header: of13.Header{XID: br.Head().XID}})
	require.NoError(t, (<-res).err)

	// A request that is never answered ends with its context.
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	_, err := sw.Request(short, &of13.BarrierRequest{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// Messages of the wrong version are refused before they are sent.
	assert.ErrorIs(t, sw.Send(ctx, &of10.BarrierRequest{}), openflow.ErrInvalid)
}

func TestEcho(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, EchoInterval: 50 * time.Millisecond, MaxMissedEchoes: 2}
	addr := startController(t, c)

	// The controller answers the switch's echo requests.
	f := dial(t, addr)
	f.handshake(openflow.Version13, 1)
	waitUp(t, rec)
	f.send(&of13.EchoRequest{Header: of13.Header{XID: 77}, Data: []byte("ping")})
	for {
		m := f.recv()
		if e, ok := m.(*of13.EchoReply); ok {
			assert.Equal(t, uint32(77), e.XID)
			assert.Equal(t, []byte("ping"), e.Data)
			break
		}
	}

	// A switch that answers the controller's echo requests stays; one
	// that does not is dropped.
	quiet := dial(t, addr)
	quiet.handshake(openflow.Version13, 2)
	waitUp(t, rec)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, err := f.tryRecv(time.Second)
			if err != nil {
				return
			}
			if e, ok := m.(*of13.EchoRequest); ok {
				f.send(&of13.EchoReply{Header: of13.Header{XID: e.XID}, Data: e.Data})
			}
		}
	}()
	defer close(stop)
	got := quiet.expectClosed()
	sawEcho := false
	for _, m := range got {
		_, isEcho := m.(*of13.EchoRequest)
		sawEcho = sawEcho || isEcho
	}
	assert.True(t, sawEcho, "the controller never asked the quiet switch")
	assert.Eventually(t, func() bool { return len(rec.downs()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []uint64{2}, rec.downs())
	_, ok := c.Switch(1)
	assert.True(t, ok, "the answering switch was dropped too")
}

func TestReconnectReplaces(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec}
	addr := startController(t, c)
	first := dial(t, addr)
	first.handshake(openflow.Version13, 9)
	old := waitUp(t, rec)
	second := dial(t, addr)
	second.handshake(openflow.Version13, 9)
	now := waitUp(t, rec)
	first.expectClosed()
	<-old.Done()
	got, ok := c.Switch(9)
	require.True(t, ok)
	assert.Same(t, now, got)
	assert.Len(t, c.Switches(), 1)
}

func TestBadPeers(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, HandshakeTimeout: 200 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		SendQueue: 4, MaxMessage: 4096}
	addr := startController(t, c)

	// A healthy switch that must not notice any of the others.
	healthy := dial(t, addr)
	healthy.handshake(openflow.Version13, 100)
	waitUp(t, rec)

	t.Run("never finishes the handshake", func(t *testing.T) {
		f := dial(t, addr)
		f.recv() // hello, then silence
		start := time.Now()
		f.expectClosed()
		assert.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("garbage", func(t *testing.T) {
		f := dial(t, addr)
		f.handshake(openflow.Version13, 101)
		waitUp(t, rec)
		// A flow_mod whose action claims 13 bytes.
		b, err := (&of13.PacketOut{BufferID: of13.NoBuffer, Actions: []of13.Action{of13.Output(1)}}).MarshalBinary()
		require.NoError(t, err)
		b[1] = uint8(of13.TypeFlowMod)
		b = append(b, make([]byte, 64)...)
		b[2], b[3] = 0, byte(len(b))
		f.conn.Write(b)
		got := f.expectClosed()
		require.NotEmpty(t, got, "no error before closing")
		assert.IsType(t, &of13.Error{}, got[len(got)-1])
	})
	t.Run("over-long length", func(t *testing.T) {
		f := dial(t, addr)
		f.handshake(openflow.Version13, 102)
		waitUp(t, rec)
		f.conn.Write([]byte{4, 10, 0xff, 0xff, 0, 0, 0, 0})
		got := f.expectClosed()
		require.NotEmpty(t, got)
		e, ok := got[len(got)-1].(*of13.Error)
		require.True(t, ok)
		assert.Equal(t, uint16(of13.BadRequestBadLen), e.Code)
	})
	t.Run("stops reading", func(t *testing.T) {
		f := dial(t, addr)
		f.handshake(openflow.Version13, 103)
		sw := waitUp(t, rec)
		// Flood it while it reads nothing: Send must push back, and the
		// write timeout must drop the switch; memory stays bounded by the
		// queue.
		big := &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Data: make([]byte, 60000)}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		for i := 0; err == nil; i++ {
			big.XID = 0
			err = sw.Send(ctx, big)
		}
		assert.ErrorIs(t, err, openflow.ErrSwitchClosed)
		<-sw.Done()
	})
	// The healthy switch still gets answers.
	healthy.send(&of13.EchoRequest{Header: of13.Header{XID: 5}})
	for {
		if e, ok := healthy.recv().(*of13.EchoReply); ok {
			assert.Equal(t, uint32(5), e.XID)
			break
		}
	}
}

func TestShutdown(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- c.Serve(l) }()
	f := dial(t, l.Addr().String())
	f.handshake(openflow.Version10, 5)
	sw := waitUp(t, rec)
	require.NoError(t, sw.Send(context.Background(), &of10.BarrierRequest{}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Shutdown(ctx))
	assert.ErrorIs(t, <-served, openflow.ErrControllerClosed)
	got := f.expectClosed()
	require.NotEmpty(t, got, "what was queued before Shutdown was not written")
	assert.IsType(t, &of10.BarrierRequest{}, got[len(got)-1])
	assert.Equal(t, []uint64{5}, rec.downs())
	_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
	assert.Error(t, err, "still listening after Shutdown")
}

func TestMux(t *testing.T) {
	var got []string
	var mu sync.Mutex
	note := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	ups := make(chan *openflow.Switch, 1)
	mux := &openflow.Mux{
		OnSwitchUp:   func(sw *openflow.Switch) { ups <- sw },
		OnSwitchDown: func(sw *openflow.Switch) { note("down") },
		NotFound:     openflow.HandlerFunc(func(sw *openflow.Switch, m openflow.Message) { note(fmt.Sprintf("other %T", m)) }),
	}
	mux.HandleFunc(&of13.PacketIn{}, func(sw *openflow.Switch, m openflow.Message) {
		note(fmt.Sprintf("packet-in %d bytes", len(m.(*of13.PacketIn).Data)))
	})
	mux.HandleFunc(&of13.PortStatus{}, func(sw *openflow.Switch, m openflow.Message) { note("port " + m.(*of13.PortStatus).Port.Name) })
	c := &openflow.Controller{Handler: mux}
	f := dial(t, startController(t, c))
	f.handshake(openflow.Version13, 3)
	sw := <-ups
	f.send(&of13.PacketIn{Data: []byte{1, 2, 3}})
	f.send(&of13.PortStatus{Reason: of13.PortAdded, Port: of13.Port{PortNo: 9, Name: "eth9"}})
	f.send(&of13.FlowRemoved{})
	f.send(&of13.BarrierRequest{Header: of13.Header{XID: 1}}) // the switch asks; nobody handles it
	assert.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 4
	}, 5*time.Second, 5*time.Millisecond)
	mu.Lock()
	assert.Equal(t, []string{"packet-in 3 bytes", "port eth9", "other *of13.FlowRemoved", "other *of13.BarrierRequest"}, got)
	mu.Unlock()
	assert.Contains(t, sw.Ports(), openflow.PortInfo{No: 9, Name: "eth9"}, "the port-status updated the ports")
	f.conn.Close()
	assert.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 5 && got[4] == "down"
	}, 5*time.Second, 5*time.Millisecond)
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr := startController(t, c)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "netslice.test"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	f := &fakeSwitch{t: t, conn: conn, r: openflow.NewReader(conn, 0)}
	f.handshake(openflow.Version13, 0x715)
	sw := waitUp(t, rec)
	assert.Equal(t, uint64(0x715), sw.DatapathID())

	// A plain TCP peer on the TLS port gets nowhere.
	plain := dial(t, addr)
	plain.send(of13.NewHello(4))
	_, err = plain.tryRecv(2 * time.Second)
	assert.Error(t, err)
}

// selfSigned makes a certificate for netslice.test and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "netslice.test"},
		DNSNames: []string{"netslice.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestFlowModValidation: a flow_mod whose match a switch would refuse is
// refused before it is sent, unless the controller sends flow_mods raw
// (a proxy passing on what another controller sent).
func TestFlowModValidation(t *testing.T) {
	bad13 := &of13.FlowMod{Command: of13.FlowAdd, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match: of13.NewMatch(of13.IPDSCP(10))} // ip_dscp without eth_type
	bad10 := &of10.FlowMod{Command: of10.FlowAdd, BufferID: 0xffffffff, OutPort: 0xffff,
		Match: of10.MatchAll().WithNWTOS(40)} // nw_tos without dl_type
	for _, c := range []struct {
		v   openflow.Version
		msg openflow.Message
	}{{openflow.Version13, bad13}, {openflow.Version10, bad10}} {
		for _, raw := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/raw=%v", c.v, raw), func(t *testing.T) {
				rec := newRecorder()
				ctrl := &openflow.Controller{Handler: rec, RawFlowMods: raw}
				f := dial(t, startController(t, ctrl))
				f.handshake(c.v, 0x42)
				sw := waitUp(t, rec)
				err := sw.Send(context.Background(), c.msg)
				if !raw {
					assert.ErrorIs(t, err, openflow.ErrInvalid)
					assert.Contains(t, err.Error(), "bad match")
					assert.Error(t, sw.TrySend(c.msg))
					return
				}
				require.NoError(t, err)
				got := f.recv()
				want, _ := c.msg.MarshalBinary()
				have, _ := got.MarshalBinary()
				assert.Equal(t, want, have, "passed on as given")
			})
		}
	}
}
