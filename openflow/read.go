package openflow

// Reading: the read loop, replies to requests, echoes and the keepalive,
// port tracking, and handing messages to the handler.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

type pending struct {
	ch    chan reply
	parts []Message
	size  int // bytes of the parts so far
}

type reply struct {
	msgs []Message
	err  error
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
			s.in.publish(&s.inTally)
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
		s.countIn(b)
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
