package openflow

// The handshake (hello, version negotiation, features, port description)
// and the error messages the controller answers malformed input with.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// handshake exchanges hellos, negotiates the version and learns the
// switch's identity, description and ports.
func (s *Switch) handshake(r *Reader) error {
	deadline := time.Now().Add(durationOr(s.c.HandshakeTimeout, DefaultHandshakeTimeout))
	s.conn.SetReadDeadline(deadline)
	defer s.conn.SetReadDeadline(time.Time{})
	if err := s.hello(r); err != nil {
		return err
	}
	if err := s.features(r); err != nil {
		return err
	}
	if err := s.description(r); err != nil {
		return err
	}
	if s.version == Version13 {
		return s.portDescriptions(r)
	}
	return nil // 1.0 gave the ports with the features
}

// hello exchanges hellos and settles the version.
func (s *Switch) hello(r *Reader) error {
	offer := s.c.versions()
	var bitmap []uint8
	top := Version(0)
	for _, v := range offer {
		bitmap = append(bitmap, uint8(v))
		top = max(top, v)
	}
	// The hello goes out in the highest version offered: a 1.0 hello is
	// bare, a 1.3 one carries the bitmap of every version offered.
	var hello []byte
	var err error
	if top == Version10 {
		hello, err = (&of10.Hello{}).MarshalBinary()
	} else {
		hello, err = (&of13.Hello{Elements: of13.NewHello(bitmap...).Elements}).MarshalBinary()
	}
	if err != nil {
		return err
	}
	if _, err := s.conn.Write(hello); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}

	b, err := r.Next()
	if err != nil {
		return fmt.Errorf("%w: waiting for hello: %w", ErrHandshake, err)
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
	s.countIn(b)
	return nil
}

// request sends req during the handshake and returns the reply, in as
// many messages as it came.
func (s *Switch) request(r *Reader, req Message) ([]Message, error) {
	req.Head().XID = s.NextXID()
	if err := s.sendSync(req); err != nil {
		return nil, err
	}
	return s.await(r, req.Head().XID)
}

// features learns the datapath id, the tables and (1.0) the ports.
func (s *Switch) features(r *Reader) error {
	var req Message = &of13.FeaturesRequest{}
	if s.version == Version10 {
		req = &of10.FeaturesRequest{}
	}
	feat, err := s.request(r, req)
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
	return nil
}

// description learns the switch's manufacturer, hardware and software.
func (s *Switch) description(r *Reader) error {
	var req Message = &of13.MultipartRequest{Body: of13.DescRequest{}}
	if s.version == Version10 {
		req = &of10.StatsRequest{Body: of10.DescRequest{}}
	}
	desc, err := s.request(r, req)
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
	return nil
}

// portDescriptions learns a 1.3 switch's ports.
func (s *Switch) portDescriptions(r *Reader) error {
	parts, err := s.request(r, &of13.MultipartRequest{Body: of13.PortDescRequest{}})
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
			return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		s.countIn(b)
		m, err := Decode(append([]byte(nil), b...))
		if err != nil {
			s.sendRaw(ErrorBytes(err, b))
			return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		if s.answerEcho(m) {
			continue
		}
		if m.Head().XID != xid {
			continue // nothing else matters before the handshake ends
		}
		if e := switchError(m); e != nil {
			return nil, fmt.Errorf("%w: %w", ErrHandshake, e)
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
	var e *DecodeError
	if !errors.As(err, &e) {
		return nil
	}
	return errorBytes(s.version, e.Type, e.Code, offending)
}
