package openflow

// Sending: encoding into pooled buffers, the queue, the writer, and the
// direct path that answers input without a hand-off.

import (
	"context"
	"fmt"
	"time"
)

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
	s.countOut(*buf)
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

func (c *Controller) writeTimeout() time.Duration {
	return durationOr(c.WriteTimeout, DefaultWriteTimeout)
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
		s.closeWith(fmt.Errorf("%w: %w", errWrite, err))
		return false
	}
	s.countOut(p)
	return true
}

// flushLocked writes out the write buffer. Called with wmu held.
func (s *Switch) flushLocked() bool {
	s.out.publish(&s.outTally)
	s.unflushed.Store(false)
	if s.w.Buffered() == 0 {
		return true
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.c.writeTimeout()))
	if err := s.w.Flush(); err != nil {
		s.closeWith(fmt.Errorf("%w: %w", errWrite, err))
		return false
	}
	return true
}
