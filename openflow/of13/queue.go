package of13

// Queue configuration: queue_get_config request and reply.

import (
	"github.com/netslice/netslice/openflow/internal/wire"
)

// QueueGetConfigRequest asks for a port's queues (PortAny: all ports).
type QueueGetConfigRequest struct {
	Header
	Port uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *QueueGetConfigRequest) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	return wire.Finish(append(a32(head(b, TypeQueueGetConfigRequest, m.XID), m.Port), 0, 0, 0, 0), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *QueueGetConfigRequest) MarshalBinary() ([]byte, error) { return marshal(m, 16) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *QueueGetConfigRequest) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeQueueGetConfigRequest)
	if err != nil {
		return err
	}
	*m = QueueGetConfigRequest{Header: h, Port: d.U32()}
	d.Skip(4)
	return end(&d, TypeQueueGetConfigRequest)
}

// Queue describes a port's queue.
type Queue struct {
	QueueID    uint32
	Port       uint32
	Properties []QueueProperty
}

// QueueProperty is a queue property: a min or max rate (in 1/10 of a
// percent) or an experimenter's data.
type QueueProperty struct {
	Type         uint16
	Rate         uint16
	Experimenter uint32
	Data         []byte
}

// QueueGetConfigReply lists a port's queues.
type QueueGetConfigReply struct {
	Header
	Port   uint32
	Queues []Queue
}

// AppendBinary implements encoding.BinaryAppender.
func (m *QueueGetConfigReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(a32(head(b, TypeQueueGetConfigReply, m.XID), m.Port), 0, 0, 0, 0)
	for _, q := range m.Queues {
		qs := len(b)
		b = wire.Pad(a16(a32(a32(b, q.QueueID), q.Port), 0), 6)
		for _, p := range q.Properties {
			ps := len(b)
			b = append(a16(a16(b, p.Type), 0), 0, 0, 0, 0)
			if p.Type == QueuePropExperimenter {
				b = append(append(a32(b, p.Experimenter), 0, 0, 0, 0), p.Data...)
			} else {
				b = wire.Pad(a16(b, p.Rate), 6)
			}
			if err := wire.PutLen16(b, ps+2, ps); err != nil {
				return b[:start], err
			}
		}
		if err := wire.PutLen16(b, qs+8, qs); err != nil {
			return b[:start], err
		}
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *QueueGetConfigReply) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *QueueGetConfigReply) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeQueueGetConfigReply)
	if err != nil {
		return err
	}
	*m = QueueGetConfigReply{Header: h, Port: d.U32()}
	d.Skip(4)
	for d.Len() > 0 {
		q := Queue{QueueID: d.U32(), Port: d.U32()}
		n := int(d.U16())
		d.Skip(6)
		if n < 16 {
			d.FailLen("queue length %d", n)
			break
		}
		s := d.Sub(n - 16)
		for s.Len() > 0 {
			p := QueueProperty{Type: s.U16()}
			pn := int(s.U16())
			s.Skip(4)
			if pn < 16 {
				s.FailLen("queue property length %d", pn)
				break
			}
			ps := s.Sub(pn - 8)
			if p.Type == QueuePropExperimenter {
				p.Experimenter = ps.U32()
				ps.Skip(4)
				p.Data = ps.Rest()
			} else {
				p.Rate = ps.U16()
				ps.Skip(6)
				ps.Done("queue property")
			}
			s.Merge(&ps)
			q.Properties = append(q.Properties, p)
		}
		d.Merge(&s)
		m.Queues = append(m.Queues, q)
	}
	return d.Err()
}
