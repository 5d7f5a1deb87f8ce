package openflow

import (
	"bufio"
	"errors"
	"fmt"
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
	in, out   traffic       // see Stats
	inTally   tally         // the reader's, published to in
	outTally  tally         // under wmu, published to out
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
	role      roleState

	// Reused by the reader for the hot path.
	pi13 of13.PacketIn
	pi10 of10.PacketIn
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
		if !errors.Is(err, ErrControllerClosed) {
			err = fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		s.c.countDisconnect(err)
		return
	}
	s.in.publish(&s.inTally) // what the handshake read, before anyone asks
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
	s.c.countDisconnect(s.closeErr)
	log.Info("switch disconnected", "err", s.closeErr)
	if sh != nil {
		sh.SwitchDown(s)
	}
}
