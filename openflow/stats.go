package openflow

// Counting: what each switch connection carried, and why connections
// ended. The counts are plain numbers for any exporter (the example
// server turns them into Prometheus metrics); nothing here imports one.

import (
	"errors"
	"io"
	"math/bits"
	"net"
	"sync/atomic"
)

// MessageTypes is how many message types SwitchStats counts one by one;
// a type at or past it counts in the last element.
const MessageTypes = 32

// SwitchStats counts what went over one switch connection since it was
// made. In and Out count messages by their wire type, which is the same
// number in OpenFlow 1.0 and 1.3 for the common ones (packet_in 10,
// packet_out 13, flow_mod 14, error 1, echo 2 and 3); of10.Type(i) and
// of13.Type(i) name them.
type SwitchStats struct {
	MessagesIn, MessagesOut uint64
	BytesIn, BytesOut       uint64
	In, Out                 [MessageTypes]uint64
	// Queued is how many messages wait to be written, of QueueCap.
	Queued, QueueCap int
}

// tally counts one direction of a connection where it happens, in plain
// numbers owned by one goroutine (the reader) or one lock (the write
// lock): a count costs an addition, not an atomic one. publish makes them
// visible to Stats once per burst, before the reader waits for input and
// when the write buffer is flushed.
type tally struct {
	msgs, bytes uint64
	byType      [MessageTypes]uint64
	dirty       uint32 // the types counted since the last publish
}

// count counts a message of type t and n bytes.
func (c *tally) count(t uint8, n int) {
	i := min(int(t), MessageTypes-1)
	c.msgs++
	c.bytes += uint64(n)
	c.byType[i]++
	c.dirty |= 1 << i
}

// traffic is a tally as Stats reads it.
type traffic struct {
	msgs, bytes atomic.Uint64
	byType      [MessageTypes]atomic.Uint64
}

// publish copies what c counted since it was last published into t.
func (t *traffic) publish(c *tally) {
	if c.dirty == 0 {
		return
	}
	t.msgs.Store(c.msgs)
	t.bytes.Store(c.bytes)
	for d := c.dirty; d != 0; d &= d - 1 {
		i := bits.TrailingZeros32(d)
		t.byType[i].Store(c.byType[i])
	}
	c.dirty = 0
}

func (t *traffic) load(msgs, bytes *uint64, byType *[MessageTypes]uint64) {
	*msgs, *bytes = t.msgs.Load(), t.bytes.Load()
	for i := range byType {
		byType[i] = t.byType[i].Load()
	}
}

// Stats returns the connection's counts, as of the last burst of
// messages each way. With Controller.NoCounters only MessagesIn (which
// the keepalive needs) and the queue are kept.
func (s *Switch) Stats() SwitchStats {
	st := SwitchStats{Queued: max(int(s.queued.Load()), 0), QueueCap: cap(s.sendq)}
	s.in.load(&st.MessagesIn, &st.BytesIn, &st.In)
	s.out.load(&st.MessagesOut, &st.BytesOut, &st.Out)
	st.MessagesIn = s.received.Load() // counted always, for the keepalive
	return st
}

// countIn counts a message read from the switch. Reader goroutine only.
func (s *Switch) countIn(b []byte) {
	s.received.Add(1)
	if !s.c.NoCounters {
		s.inTally.count(b[1], len(b))
	}
}

// countOut counts a message written into the write buffer. Write lock
// held.
func (s *Switch) countOut(b []byte) {
	if !s.c.NoCounters {
		s.outTally.count(b[1], len(b))
	}
}

// Disconnect reasons, as ControllerStats.Disconnects counts them.
const (
	ReasonClosed        = "closed"         // the switch closed the connection, or Switch.Close did
	ReasonHandshake     = "handshake"      // the peer did not complete the handshake
	ReasonEchoTimeout   = "echo_timeout"   // the switch stopped answering echo requests
	ReasonStalled       = "stalled"        // the switch took nothing from a full send queue
	ReasonWriteError    = "write_error"    // a write to the connection failed or timed out
	ReasonReadError     = "read_error"     // reading from the connection failed
	ReasonProtocolError = "protocol_error" // the switch sent a message that does not decode
	ReasonReplaced      = "replaced"       // the switch connected again
	ReasonShutdown      = "shutdown"       // the controller shut down
)

// errWrite marks a failed write, for the reason it gives.
var errWrite = errors.New("openflow: write")

// disconnectReason names why a connection ended with err.
func disconnectReason(err error) string {
	switch {
	case errors.Is(err, ErrControllerClosed):
		return ReasonShutdown
	case errors.Is(err, errReplaced):
		return ReasonReplaced
	case errors.Is(err, errEchoTimeout):
		return ReasonEchoTimeout
	case errors.Is(err, errStalled):
		return ReasonStalled
	case errors.Is(err, errWrite):
		return ReasonWriteError
	case errors.Is(err, ErrHandshake):
		return ReasonHandshake
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrVersion):
		return ReasonProtocolError
	case errors.Is(err, ErrSwitchClosed), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return ReasonClosed
	}
	return ReasonReadError
}

// ControllerStats are the controller's counts.
type ControllerStats struct {
	// Switches is how many switches are connected; Handshaking how many
	// connections have not finished the handshake.
	Switches, Handshaking int
	// Disconnects counts the connections that ended, by reason
	// (ReasonClosed, ReasonEchoTimeout, ...); failed handshakes count as
	// ReasonHandshake.
	Disconnects map[string]uint64
}

// Stats returns the controller's counts.
func (c *Controller) Stats() ControllerStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := ControllerStats{Switches: len(c.switches), Handshaking: c.handshakes, Disconnects: make(map[string]uint64, len(c.disconnects))}
	for r, n := range c.disconnects {
		st.Disconnects[r] = n
	}
	return st
}

// countDisconnect counts a connection that ended with err.
func (c *Controller) countDisconnect(err error) {
	r := disconnectReason(err)
	c.mu.Lock()
	if c.disconnects == nil {
		c.disconnects = map[string]uint64{}
	}
	c.disconnects[r]++
	c.mu.Unlock()
}
