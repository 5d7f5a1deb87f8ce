package openflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Connection errors.
var (
	// ErrSwitchClosed: the switch's connection is closed.
	ErrSwitchClosed = errors.New("openflow: switch connection closed")
	// ErrHandshake: the peer did not complete the OpenFlow handshake.
	ErrHandshake = errors.New("openflow: handshake failed")
	// ErrQueueFull: TrySend found the switch's send queue full.
	ErrQueueFull = errors.New("openflow: send queue full")
	// ErrReplyTooLarge: a reply exceeded Controller.MaxReplyBytes.
	ErrReplyTooLarge = errors.New("openflow: reply too large")
	errReplaced      = errors.New("openflow: replaced by a newer connection of the same switch")
	errEchoTimeout   = errors.New("openflow: switch stopped answering echo requests")
	errStalled       = errors.New("openflow: switch took nothing from a full send queue")
)

// SwitchError is an error message a switch sent in reply to a request.
type SwitchError struct {
	Version Version
	Type    uint16
	Code    uint16
	Data    []byte
}

func (e *SwitchError) Error() string {
	if e.Version == Version10 {
		return "openflow: switch error " + (&of10.Error{Type: of10.ErrorType(e.Type), Code: e.Code}).String()
	}
	return "openflow: switch error " + (&of13.Error{Type: of13.ErrorType(e.Type), Code: e.Code}).String()
}

// PortInfo is a switch port, as the switch described it.
type PortInfo struct {
	No     uint32 // 1.0 port numbers are widened; reserved ones keep their 1.0 values
	Name   string
	HWAddr [6]byte
	Down   bool // administratively down or without link
}

// Switch is one switch's connection to the Controller. Its methods are
// safe for concurrent use.
type Switch struct {
	c       *Controller
	conn    net.Conn
	version Version
	dpid    uint64
	nTables uint8
	desc    Description

	xid     atomic.Uint32
	sendq   chan *[]byte
	bufs    sync.Pool
	pendMu  sync.Mutex
	pending map[uint32]*pending
	portsMu sync.Mutex
	ports   map[uint32]PortInfo

	received  atomic.Uint64 // messages read, for the keepalive
	fullSince atomic.Int64  // Unix ns when a send first found the queue full; 0 when it is not

	// The write side: the writer goroutine writes what is queued, and
	// handlers write straight into w while nothing is queued (tryDirect).
	wmu       sync.Mutex
	w         *bufio.Writer
	queued    atomic.Int32 // messages queued or taken but not yet written
	batching  atomic.Bool  // the reader handles input and flushes before it waits for more
	unflushed atomic.Bool  // w holds what was written straight into it
	quit      chan struct{}
	done      chan struct{}
	writerEnd chan struct{}
	closeOnce sync.Once
	closeErr  error
	draining  atomic.Bool
	up        bool

	// Reused by the reader for the hot path.
	pi13 of13.PacketIn
	pi10 of10.PacketIn
}

type pending struct {
	ch    chan reply
	parts []Message
	size  int // bytes of the parts so far
}

type reply struct {
	msgs []Message
	err  error
}

func queueLen(n int) int {
	if n <= 0 {
		return DefaultSendQueue
	}
	return n
}

func newSwitch(c *Controller, conn net.Conn) *Switch {
	return &Switch{
		c:         c,
		conn:      conn,
		w:         bufio.NewWriterSize(conn, 16<<10),
		sendq:     make(chan *[]byte, queueLen(c.SendQueue)),
		pending:   map[uint32]*pending{},
		ports:     map[uint32]PortInfo{},
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		writerEnd: make(chan struct{}),
	}
}

// DatapathID returns the switch's datapath id.
func (s *Switch) DatapathID() uint64 { return s.dpid }

// Version returns the OpenFlow version negotiated with the switch.
func (s *Switch) Version() Version { return s.version }

// Description is what a switch says of itself (the desc multipart/stats
// reply), learned during the handshake.
type Description struct {
	Manufacturer, Hardware, Software, SerialNumber, Datapath string
}

// Description returns the switch's description.
func (s *Switch) Description() Description { return s.desc }

// Tables returns how many flow tables the switch has.
func (s *Switch) Tables() uint8 { return s.nTables }

// RemoteAddr returns the switch's address.
func (s *Switch) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// Done is closed when the connection has ended.
func (s *Switch) Done() <-chan struct{} { return s.done }

// Err returns why the connection ended, once Done is closed.
func (s *Switch) Err() error {
	select {
	case <-s.done:
		return s.closeErr
	default:
		return nil
	}
}

// Ports returns the switch's ports, by number, as last described.
func (s *Switch) Ports() []PortInfo {
	s.portsMu.Lock()
	defer s.portsMu.Unlock()
	out := make([]PortInfo, 0, len(s.ports))
	for _, p := range s.ports {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PortInfo) int { return int(int64(a.No) - int64(b.No)) })
	return out
}

func (s *Switch) String() string {
	return fmt.Sprintf("switch %#016x (%v)", s.dpid, s.conn.RemoteAddr())
}

// NextXID returns a fresh transaction id (never 0).
func (s *Switch) NextXID() uint32 {
	for {
		if x := s.xid.Add(1); x != 0 {
			return x
		}
	}
}

// Send queues m for the switch, giving it a transaction id if it has none.
// It blocks while the send queue is full, until ctx ends; it returns
// ErrSwitchClosed once the connection is closed. m must be of the
// switch's version.
func (s *Switch) Send(ctx context.Context, m Message) error {
	buf, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.put(buf, ctx.Done(), 0, true)
}

// flowModValidator is a message that checks itself as a switch would:
// flow_mods of either version, and 1.3's packet_out and group_mod (their
// set_field actions).
type flowModValidator interface {
	Message
	Validate() error
}

// encode gives m a transaction id if it has none and encodes it into a
// pooled buffer, checking its version and, unless the controller sends
// them raw, a flow_mod's match.
func (s *Switch) encode(m Message) (*[]byte, error) {
	if v, ok := m.(flowModValidator); ok && !s.c.RawFlowMods {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	if m.Head().XID == 0 {
		m.Head().XID = s.NextXID()
	}
	buf, _ := s.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	b, err := m.AppendBinary((*buf)[:0])
	if err != nil {
		s.bufs.Put(buf)
		return nil, err
	}
	if v := Version(b[0]); v != s.version {
		s.bufs.Put(buf)
		return nil, fmt.Errorf("%w: %v message to a %v switch", ErrInvalid, v, s.version)
	}
	*buf = b
	return buf, nil
}

// put hands an encoded message to the connection. While the reader
// handles input and nothing is queued before it, the message goes
// straight into the write buffer, which the reader flushes before it waits
// for more input: the answer to a packet-in costs no hand-off to the
// writer, and answers to a burst of input go out together. Else it is
// queued; on a full queue put waits (when wait is set) until done closes
// or d passes (when not zero).
func (s *Switch) put(buf *[]byte, done <-chan struct{}, d time.Duration, wait bool) error {
	if s.tryDirect(buf) {
		return nil
	}
	s.queued.Add(1)
	select {
	case <-s.quit:
		return s.unput(buf, ErrSwitchClosed)
	case s.sendq <- buf: // room in the queue: no need to wait
		return nil
	default:
	}
	s.markFull()
	if !wait {
		return s.unput(buf, ErrQueueFull)
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case s.sendq <- buf:
		return nil
	case <-s.quit:
		return s.unput(buf, ErrSwitchClosed)
	case <-done:
		return s.unput(buf, context.Canceled)
	case <-timeout:
		return s.unput(buf, context.DeadlineExceeded)
	}
}

// unput takes back a message put could not queue.
func (s *Switch) unput(buf *[]byte, err error) error {
	s.queued.Add(-1)
	s.bufs.Put(buf)
	return err
}

// tryDirect writes buf into the write buffer if the reader is handling
// input (and so will flush), nothing is queued before it and it fits
// without a write to the connection (so it never blocks).
func (s *Switch) tryDirect(buf *[]byte) bool {
	if !s.batching.Load() || s.queued.Load() != 0 || !s.wmu.TryLock() {
		return false
	}
	defer s.wmu.Unlock()
	if !s.batching.Load() || s.queued.Load() != 0 || len(*buf) > s.w.Available() {
		return false
	}
	select {
	case <-s.quit:
		return false
	default:
	}
	s.w.Write(*buf) // fits: no error but a sticky one, which the flush reports
	s.unflushed.Store(true)
	s.bufs.Put(buf)
	return true
}

// flushDirect flushes what was written straight into the write buffer.
// Called by the reader once it stopped batching: under the lock, a direct
// write that began before has finished, and none begins from now on.
func (s *Switch) flushDirect() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.unflushed.Load() {
		s.flushLocked()
	}
}

// TrySend queues m for the switch if its queue has room and fails with
// ErrQueueFull at once otherwise: for a sender that must not wait on this
// switch (one that serves others too). A switch whose queue stays full for
// Controller.StallTimeout is disconnected.
func (s *Switch) TrySend(m Message) error {
	buf, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.put(buf, nil, 0, false)
}

// markFull notes when sends first found the queue full.
func (s *Switch) markFull() {
	s.fullSince.CompareAndSwap(0, time.Now().UnixNano())
}

// SendTimeout is Send with a timeout instead of a context: the common
// case, a queue with room, costs no timer.
func (s *Switch) SendTimeout(m Message, d time.Duration) error {
	buf, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.put(buf, nil, d, true)
}

// Request sends m and waits for the switch's reply with the same
// transaction id: for a multipart request, every part of the reply. An
// error message from the switch is returned as a *SwitchError.
func (s *Switch) Request(ctx context.Context, m Message) ([]Message, error) {
	xid := m.Head().XID
	if xid == 0 {
		xid = s.NextXID()
		m.Head().XID = xid
	}
	p := &pending{ch: make(chan reply, 1)}
	s.pendMu.Lock()
	s.pending[xid] = p
	s.pendMu.Unlock()
	defer func() {
		s.pendMu.Lock()
		delete(s.pending, xid)
		s.pendMu.Unlock()
	}()
	if err := s.Send(ctx, m); err != nil {
		return nil, err
	}
	select {
	case r := <-p.ch:
		return r.msgs, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrSwitchClosed
	}
}

// Barrier returns once the switch has finished everything sent before it.
func (s *Switch) Barrier(ctx context.Context) error {
	var m Message = &of13.BarrierRequest{}
	if s.version == Version10 {
		m = &of10.BarrierRequest{}
	}
	_, err := s.Request(ctx, m)
	return err
}

// Close ends the connection.
func (s *Switch) Close() error {
	s.closeWith(ErrSwitchClosed)
	<-s.done
	return nil
}

func (s *Switch) closeWith(err error) {
	s.closeOnce.Do(func() {
		s.closeErr = err
		close(s.quit)
		s.conn.Close()
	})
}

// shutdown lets the writer finish what is queued, then closes.
func (s *Switch) shutdown() {
	s.draining.Store(true)
	select {
	case s.sendq <- nil: // wakes the writer, which drains and closes
	case <-s.quit:
	case <-time.After(s.c.writeTimeout()):
		s.closeWith(ErrControllerClosed)
	}
}

func (c *Controller) writeTimeout() time.Duration {
	return durationOr(c.WriteTimeout, DefaultWriteTimeout)
}

// run is the connection's reader; it returns when the connection ends.
func (s *Switch) run() {
	defer close(s.done)
	log := s.c.log().With("remote", s.conn.RemoteAddr().String())
	go s.writer()
	r := NewReader(s.conn, s.c.MaxMessage)
	err := s.handshake(r)
	s.c.handshakeDone()
	if err == nil && !s.c.register(s) {
		err = ErrControllerClosed
	}
	if err != nil {
		log.Info("switch handshake failed", "err", err)
		s.closeWith(err)
		<-s.writerEnd
		s.c.unregister(s)
		return
	}
	log = log.With("dpid", fmt.Sprintf("%#016x", s.dpid), "version", s.version.String())
	log.Info("switch connected")
	s.up = true
	sh, _ := s.c.Handler.(SwitchHandler)
	if sh != nil {
		sh.SwitchUp(s)
	}
	go s.keepalive()
	err = s.readLoop(r)
	s.closeWith(err)
	<-s.writerEnd
	s.failPending()
	s.c.unregister(s)
	log.Info("switch disconnected", "err", s.closeErr)
	if sh != nil {
		sh.SwitchDown(s)
	}
}

func (s *Switch) failPending() {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	for _, p := range s.pending {
		select {
		case p.ch <- reply{err: ErrSwitchClosed}:
		default:
		}
	}
}

// writer writes queued messages, flushing when the queue runs dry.
func (s *Switch) writer() {
	defer close(s.writerEnd)
	for {
		select {
		case b := <-s.sendq:
			s.wmu.Lock()
			ok := s.writeQueued(b)
			// Take what else is queued, then flush once.
			for more := ok; more; {
				select {
				case b := <-s.sendq:
					ok = s.writeQueued(b)
					more = ok
				default:
					more = false
				}
			}
			if ok {
				ok = s.flushLocked()
			}
			s.wmu.Unlock()
			if !ok {
				return
			}
			// The switch took something: whoever found the queue full
			// found a slow switch, not a stalled one.
			if s.fullSince.Load() != 0 && len(s.sendq) < cap(s.sendq) {
				s.fullSince.Store(0)
			}
			if s.draining.Load() && len(s.sendq) == 0 {
				s.closeWith(ErrControllerClosed)
				return
			}
		case <-s.quit:
			return
		}
	}
}

// writeQueued writes a message taken from the queue (nil: the shutdown
// sentinel). Called with wmu held.
func (s *Switch) writeQueued(b *[]byte) bool {
	if b == nil {
		return true
	}
	ok := s.writeLocked(*b)
	s.bufs.Put(b)
	s.queued.Add(-1)
	return ok
}

// writeLocked writes p into the write buffer, timing the write to the
// connection that makes room for it. Called with wmu held.
func (s *Switch) writeLocked(p []byte) bool {
	if len(p) > s.w.Available() {
		s.conn.SetWriteDeadline(time.Now().Add(s.c.writeTimeout()))
	}
	if _, err := s.w.Write(p); err != nil {
		s.closeWith(fmt.Errorf("openflow: write: %w", err))
		return false
	}
	return true
}

// flushLocked writes out the write buffer. Called with wmu held.
func (s *Switch) flushLocked() bool {
	s.unflushed.Store(false)
	if s.w.Buffered() == 0 {
		return true
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.c.writeTimeout()))
	if err := s.w.Flush(); err != nil {
		s.closeWith(fmt.Errorf("openflow: write: %w", err))
		return false
	}
	return true
}

// keepalive sends echo requests on a quiet connection and drops the
// switch when they go unanswered.
func (s *Switch) keepalive() {
	interval := durationOr(s.c.EchoInterval, DefaultEchoInterval)
	maxMissed := intOr(s.c.MaxMissedEchoes, DefaultMaxMissedEchoes)
	stall := durationOr(s.c.StallTimeout, DefaultStallTimeout)
	// The stall check runs every tick too, so ticks come at least twice
	// within a stall timeout; echoes still go out about every interval.
	tick := min(interval, stall/2)
	t := time.NewTicker(tick)
	defer t.Stop()
	last, quiet := s.received.Load(), 0
	lastEcho := time.Now()
	for {
		var now time.Time
		select {
		case now = <-t.C:
		case <-s.quit:
			return
		}
		if since := s.fullSince.Load(); since != 0 && now.UnixNano()-since > int64(stall) {
			s.closeWith(errStalled)
			return
		}
		if now.Sub(lastEcho) < interval-tick/2 {
			continue
		}
		lastEcho = now
		// Ticks without a message in between: the switch has been quiet
		// for at least that many intervals.
		if n := s.received.Load(); n != last {
			last, quiet = n, 0
			continue
		}
		quiet++
		if quiet > maxMissed {
			s.closeWith(errEchoTimeout)
			return
		}
		var m Message = &of13.EchoRequest{}
		if s.version == Version10 {
			m = &of10.EchoRequest{}
		}
		s.TrySend(m) // a full queue is the stall check's to judge
	}
}

// handshake exchanges hellos, negotiates the version and learns the
// switch's identity, description and ports.
func (s *Switch) handshake(r *Reader) error {
	deadline := time.Now().Add(durationOr(s.c.HandshakeTimeout, DefaultHandshakeTimeout))
	s.conn.SetReadDeadline(deadline)
	defer s.conn.SetReadDeadline(time.Time{})
	offer := s.c.versions()
	var bitmap []uint8
	top := Version(0)
	for _, v := range offer {
		bitmap = append(bitmap, uint8(v))
		top = max(top, v)
	}
	// The hello goes out in the highest version offered, with a bitmap.
	hello, err := (&of13.Hello{Elements: of13.NewHello(bitmap...).Elements}).MarshalBinary()
	if err != nil {
		return err
	}
	hello[0] = uint8(top)
	if top == Version10 {
		hello = hello[:8]
		hello[3] = 8
	}
	if _, err := s.conn.Write(hello); err != nil {
		return fmt.Errorf("%w: %v", ErrHandshake, err)
	}

	b, err := r.Next()
	if err != nil {
		return fmt.Errorf("%w: waiting for hello: %v", ErrHandshake, err)
	}
	if len(b) < HeaderLen || b[1] != 0 {
		s.sendRaw(errorBytes(Version(b[0]), 0, 0, b)) // HELLO_FAILED/INCOMPATIBLE
		return fmt.Errorf("%w: first message is not a hello", ErrHandshake)
	}
	s.version = negotiate(offer, b)
	if s.version == 0 {
		s.sendRaw(errorBytes(top, 0, 0, b))
		return fmt.Errorf("%w: no common version with %v", ErrHandshake, Version(b[0]))
	}
	s.received.Add(1)

	// Features, then (1.3) the port descriptions.
	var req Message = &of13.FeaturesRequest{}
	if s.version == Version10 {
		req = &of10.FeaturesRequest{}
	}
	req.Head().XID = s.NextXID()
	if err := s.sendSync(req); err != nil {
		return err
	}
	feat, err := s.await(r, req.Head().XID)
	if err != nil {
		return err
	}
	switch f := feat[0].(type) {
	case *of13.FeaturesReply:
		s.dpid, s.nTables = f.DatapathID, f.NTables
	case *of10.FeaturesReply:
		s.dpid, s.nTables = f.DatapathID, f.NTables
		for _, p := range f.Ports {
			s.setPort(port10(&p))
		}
	default:
		return fmt.Errorf("%w: %T in reply to a features request", ErrHandshake, f)
	}
	// The switch's description.
	var dr Message = &of13.MultipartRequest{Body: of13.DescRequest{}}
	if s.version == Version10 {
		dr = &of10.StatsRequest{Body: of10.DescRequest{}}
	}
	dr.Head().XID = s.NextXID()
	if err := s.sendSync(dr); err != nil {
		return err
	}
	desc, err := s.await(r, dr.Head().XID)
	if err != nil {
		return err
	}
	switch d := desc[0].(type) {
	case *of13.MultipartReply:
		if b, ok := d.Body.(of13.Desc); ok {
			s.desc = Description(b)
		}
	case *of10.StatsReply:
		if b, ok := d.Body.(of10.Desc); ok {
			s.desc = Description(b)
		}
	}
	if s.version == Version13 {
		pd := &of13.MultipartRequest{Header: of13.Header{XID: s.NextXID()}, Body: of13.PortDescRequest{}}
		if err := s.sendSync(pd); err != nil {
			return err
		}
		parts, err := s.await(r, pd.XID)
		if err != nil {
			return err
		}
		for _, m := range parts {
			if mp, ok := m.(*of13.MultipartReply); ok {
				if body, ok := mp.Body.(of13.PortDescReply); ok {
					for i := range body.Ports {
						s.setPort(port13(&body.Ports[i]))
					}
				}
			}
		}
	}
	return nil
}

// negotiate picks the version to speak (OpenFlow 1.3.1 section 6.3.1):
// the highest in both bitmaps when both hellos have one, else the lower of
// the two header versions if we speak it; 0 when there is none.
func negotiate(offer []Version, hello []byte) Version {
	var h of13.Hello
	cp := append([]byte(nil), hello...)
	cp[0] = of13.Version // the bitmap element's layout is the same in every version that has one
	if h.UnmarshalBinary(cp) == nil {
		if theirs := h.Versions(); theirs != nil {
			best := Version(0)
			for _, v := range offer {
				if slices.Contains(theirs, uint8(v)) && v > best {
					best = v
				}
			}
			return best
		}
	}
	top := slices.Max(offer)
	if v := min(top, Version(hello[0])); slices.Contains(offer, v) {
		return v
	}
	return 0
}

func errorBytes(v Version, typ, code uint16, offending []byte) []byte {
	data := offending[:min(len(offending), 64)]
	var m Message = &of13.Error{Type: of13.ErrorType(typ), Code: code, Data: data}
	if v == Version10 {
		m = &of10.Error{Type: of10.ErrorType(typ), Code: code, Data: data}
	}
	b, _ := m.MarshalBinary()
	if v != Version10 && len(b) > 0 {
		b[0] = uint8(v)
	}
	return b
}

// sendRaw writes bytes directly, with a short deadline: used on the way
// out, when the connection is about to close.
func (s *Switch) sendRaw(b []byte) {
	if len(b) == 0 {
		return
	}
	s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	s.conn.Write(b)
}

// sendSync writes m directly (during the handshake, before the writer
// has anything of its own to do).
func (s *Switch) sendSync(m Message) error {
	return s.Send(context.Background(), m)
}

// await reads (during the handshake) until the reply with xid is
// complete, answering echo requests on the way.
func (s *Switch) await(r *Reader, xid uint32) ([]Message, error) {
	var parts []Message
	size := 0
	for {
		b, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrHandshake, err)
		}
		s.received.Add(1)
		m, err := Decode(append([]byte(nil), b...))
		if err != nil {
			s.sendRaw(ErrorBytes(err, b))
			return nil, fmt.Errorf("%w: %v", ErrHandshake, err)
		}
		if s.answerEcho(m) {
			continue
		}
		if m.Head().XID != xid {
			continue // nothing else matters before the handshake ends
		}
		if e := switchError(m); e != nil {
			return nil, fmt.Errorf("%w: %v", ErrHandshake, e)
		}
		if size += len(b); size > maxHandshakeBytes {
			return nil, fmt.Errorf("%w: reply over %d bytes", ErrHandshake, maxHandshakeBytes)
		}
		parts = append(parts, m)
		if !more(m) {
			return parts, nil
		}
	}
}

// ErrorBytes encodes ErrorReply(err, offending), or nil.
func ErrorBytes(err error, offending []byte) []byte {
	m := ErrorReply(err, offending)
	if m == nil {
		return nil
	}
	b, _ := m.MarshalBinary()
	return b
}

// errorFor is the error message for err, in the connection's version.
func (s *Switch) errorFor(err error, offending []byte) []byte {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	return errorBytes(s.version, e.Type, e.Code, offending)
}

func more(m Message) bool {
	switch m := m.(type) {
	case *of13.MultipartReply:
		return m.Flags&of13.MultipartMore != 0
	case *of10.StatsReply:
		return m.Flags&of10.StatsMore != 0
	}
	return false
}

func switchError(m Message) *SwitchError {
	switch e := m.(type) {
	case *of13.Error:
		return &SwitchError{Version: Version13, Type: uint16(e.Type), Code: e.Code, Data: e.Data}
	case *of10.Error:
		return &SwitchError{Version: Version10, Type: uint16(e.Type), Code: e.Code, Data: e.Data}
	}
	return nil
}

func (s *Switch) answerEcho(m Message) bool {
	var rep Message
	switch e := m.(type) {
	case *of13.EchoRequest:
		rep = &of13.EchoReply{Header: of13.Header{XID: e.XID}, Data: e.Data}
	case *of10.EchoRequest:
		rep = &of10.EchoReply{Header: of10.Header{XID: e.XID}, Data: e.Data}
	case *of13.EchoReply, *of10.EchoReply:
		return !s.isPending(m.Head().XID) // our keepalive's answer
	default:
		return false
	}
	if s.up {
		s.TrySend(rep) // a full queue is the stall check's to judge
	} else {
		s.SendTimeout(rep, s.c.writeTimeout())
	}
	return true
}

func (s *Switch) isPending(xid uint32) bool {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	_, ok := s.pending[xid]
	return ok
}

// readLoop reads messages until the connection ends.
func (s *Switch) readLoop(r *Reader) error {
	h := s.c.Handler
	for {
		if !r.Ready() {
			// About to wait for input: what was written straight into
			// the write buffer while this input was handled goes out.
			s.batching.Store(false)
			s.flushDirect()
		}
		b, err := r.Next()
		s.batching.Store(true)
		if err != nil {
			if errors.Is(err, ErrMalformed) {
				s.sendRaw(s.errorFor(err, nil))
			}
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return ErrSwitchClosed
			}
			return err
		}
		s.received.Add(1)
		if Version(b[0]) != s.version {
			s.sendRaw(errorBytes(s.version, 1, 0, b)) // BAD_REQUEST/BAD_VERSION
			return fmt.Errorf("%w: %v message on a %v connection", ErrMalformed, Version(b[0]), s.version)
		}
		// The hot path: packet-ins decode into a reused message.
		if b[1] == uint8(of13.TypePacketIn) && s.version == Version13 {
			if err := s.pi13.UnmarshalBinary(b); err != nil {
				s.sendRaw(s.errorFor(err, b))
				return err
			}
			s.serve(h, &s.pi13)
			continue
		}
		if b[1] == uint8(of10.TypePacketIn) && s.version == Version10 {
			if err := s.pi10.UnmarshalBinary(b); err != nil {
				s.sendRaw(s.errorFor(err, b))
				return err
			}
			s.serve(h, &s.pi10)
			continue
		}
		xid := uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
		pendingReply := xid != 0 && s.isPending(xid)
		if pendingReply {
			b = append([]byte(nil), b...) // the requester keeps it
		}
		m, err := Decode(b)
		if err != nil {
			s.sendRaw(s.errorFor(err, b))
			return err
		}
		if pendingReply && s.deliver(xid, m) {
			continue
		}
		if s.answerEcho(m) {
			continue
		}
		s.trackPorts(m)
		s.serve(h, m)
	}
}

// serve hands m to the handler.
func (s *Switch) serve(h Handler, m Message) {
	if h != nil {
		h.ServeOpenFlow(s, m)
	}
}

// deliver hands m to the request waiting for xid, once complete.
func (s *Switch) deliver(xid uint32, m Message) bool {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	p, ok := s.pending[xid]
	if !ok {
		return false
	}
	if e := switchError(m); e != nil {
		p.ch <- reply{err: e}
		delete(s.pending, xid)
		return true
	}
	p.size += int(m.Head().Length)
	if p.size > intOr(s.c.MaxReplyBytes, DefaultMaxReplyBytes) {
		p.ch <- reply{err: fmt.Errorf("%w: over %d bytes", ErrReplyTooLarge, intOr(s.c.MaxReplyBytes, DefaultMaxReplyBytes))}
		delete(s.pending, xid)
		return true
	}
	p.parts = append(p.parts, m)
	if !more(m) {
		p.ch <- reply{msgs: p.parts}
		delete(s.pending, xid)
	}
	return true
}

func (s *Switch) setPort(p PortInfo) {
	s.portsMu.Lock()
	s.ports[p.No] = p
	s.portsMu.Unlock()
}

func (s *Switch) trackPorts(m Message) {
	switch ps := m.(type) {
	case *of13.PortStatus:
		if ps.Reason == of13.PortDeleted {
			s.portsMu.Lock()
			delete(s.ports, ps.Port.PortNo)
			s.portsMu.Unlock()
		} else {
			s.setPort(port13(&ps.Port))
		}
	case *of10.PortStatus:
		if ps.Reason == of10.PortDeleted {
			s.portsMu.Lock()
			delete(s.ports, uint32(ps.Port.PortNo))
			s.portsMu.Unlock()
		} else {
			s.setPort(port10(&ps.Port))
		}
	}
}

func port13(p *of13.Port) PortInfo {
	return PortInfo{No: p.PortNo, Name: p.Name, HWAddr: p.HWAddr,
		Down: p.Config&of13.PortConfigDown != 0 || p.State&of13.PortStateLinkDown != 0}
}

func port10(p *of10.PhyPort) PortInfo {
	return PortInfo{No: uint32(p.PortNo), Name: p.Name, HWAddr: p.HWAddr,
		Down: p.Config&of10.PortConfigDown != 0 || p.State&of10.PortStateLinkDown != 0}
}
