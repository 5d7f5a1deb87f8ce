package of10

import (
	"github.com/netslice/netslice/openflow/internal/wire"
)

// StatsRequest asks for statistics; Body says which (DescRequest,
// FlowStatsRequest, AggregateRequest, TableStatsRequest, PortStatsRequest,
// QueueStatsRequest, VendorStats).
type StatsRequest struct {
	Header
	Flags uint16
	Body  StatsBody
}

// StatsReply answers a StatsRequest, possibly in several messages (Flags
// has StatsMore on all but the last).
type StatsReply struct {
	Header
	Flags uint16
	Body  StatsBody
}

// StatsBody is the body of a StatsRequest or StatsReply.
type StatsBody interface {
	StatsType() StatsType
	appendTo(b []byte) ([]byte, error)
}

// DescRequest asks for the switch description; TableStatsRequest for table
// statistics.
type (
	DescRequest       struct{}
	TableStatsRequest struct{}
)

func (DescRequest) StatsType() StatsType                    { return StatsDesc }
func (TableStatsRequest) StatsType() StatsType              { return StatsTable }
func (DescRequest) appendTo(b []byte) ([]byte, error)       { return b, nil }
func (TableStatsRequest) appendTo(b []byte) ([]byte, error) { return b, nil }

// FlowStatsRequest asks for the flows that match (TableID 0xff: all
// tables; OutPort PortNone: any).
type FlowStatsRequest struct {
	Match   Match
	TableID uint8
	OutPort uint16
}

// AggregateRequest asks for the totals of the flows that match.
type AggregateRequest FlowStatsRequest

func (FlowStatsRequest) StatsType() StatsType { return StatsFlow }
func (AggregateRequest) StatsType() StatsType { return StatsAggregate }
func (r FlowStatsRequest) appendTo(b []byte) ([]byte, error) {
	return a16(append(r.Match.appendTo(b), r.TableID, 0), r.OutPort), nil
}
func (r AggregateRequest) appendTo(b []byte) ([]byte, error) { return FlowStatsRequest(r).appendTo(b) }

func decodeFlowStatsRequest(d *wire.Decoder) FlowStatsRequest {
	var r FlowStatsRequest
	decodeMatch(d, &r.Match)
	r.TableID = d.U8()
	d.Skip(1)
	r.OutPort = d.U16()
	return r
}

// PortStatsRequest asks for a port's statistics (PortNone: all).
type PortStatsRequest struct{ PortNo uint16 }

// QueueStatsRequest asks for a queue's statistics (PortAll and 0xffffffff:
// all).
type QueueStatsRequest struct {
	PortNo  uint16
	QueueID uint32
}

func (PortStatsRequest) StatsType() StatsType  { return StatsPort }
func (QueueStatsRequest) StatsType() StatsType { return StatsQueue }
func (r PortStatsRequest) appendTo(b []byte) ([]byte, error) {
	return wire.Pad(a16(b, r.PortNo), 6), nil
}
func (r QueueStatsRequest) appendTo(b []byte) ([]byte, error) {
	return a32(append(a16(b, r.PortNo), 0, 0), r.QueueID), nil
}

// VendorStats is a vendor's stats request or reply.
type VendorStats struct {
	Vendor uint32
	Data   []byte
}

func (VendorStats) StatsType() StatsType { return StatsVendor }
func (r VendorStats) appendTo(b []byte) ([]byte, error) {
	return append(a32(b, r.Vendor), r.Data...), nil
}

// Desc is the switch description.
type Desc struct {
	Manufacturer string
	Hardware     string
	Software     string
	SerialNumber string
	Datapath     string
}

func (Desc) StatsType() StatsType                { return StatsDesc }
func (r Desc) appendTo(b []byte) ([]byte, error) { return wire.AppendDesc(b, wire.Desc(r)) }

// FlowStats describes one flow.
type FlowStats struct {
	TableID      uint8
	Match        Match
	DurationSec  uint32
	DurationNsec uint32
	Priority     uint16
	IdleTimeout  uint16
	HardTimeout  uint16
	Cookie       uint64
	PacketCount  uint64
	ByteCount    uint64
	Actions      []Action
}

// FlowStatsReply lists flows.
type FlowStatsReply struct{ Flows []FlowStats }

func (FlowStatsReply) StatsType() StatsType { return StatsFlow }
func (r FlowStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, f := range r.Flows {
		start := len(b)
		b = f.Match.appendTo(append(a16(b, 0), f.TableID, 0))
		b = a16(a16(a16(a32(a32(b, f.DurationSec), f.DurationNsec), f.Priority), f.IdleTimeout), f.HardTimeout)
		b = a64(a64(a64(wire.Pad(b, 6), f.Cookie), f.PacketCount), f.ByteCount)
		var err error
		if b, err = appendActions(b, f.Actions); err != nil {
			return b, err
		}
		if err := wire.PutLen16(b, start, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

// AggregateReply totals the flows that matched.
type AggregateReply struct {
	PacketCount uint64
	ByteCount   uint64
	FlowCount   uint32
}

func (AggregateReply) StatsType() StatsType { return StatsAggregate }
func (r AggregateReply) appendTo(b []byte) ([]byte, error) {
	return append(a32(a64(a64(b, r.PacketCount), r.ByteCount), r.FlowCount), 0, 0, 0, 0), nil
}

// TableStats describes one table.
type TableStats struct {
	TableID      uint8
	Name         string
	Wildcards    uint32
	MaxEntries   uint32
	ActiveCount  uint32
	LookupCount  uint64
	MatchedCount uint64
}

// TableStatsReply lists tables.
type TableStatsReply struct{ Tables []TableStats }

func (TableStatsReply) StatsType() StatsType { return StatsTable }
func (r TableStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, t := range r.Tables {
		var err error
		if b, err = wire.AppendString(append(b, t.TableID, 0, 0, 0), t.Name, 32); err != nil {
			return b, err
		}
		b = a64(a64(a32(a32(a32(b, t.Wildcards), t.MaxEntries), t.ActiveCount), t.LookupCount), t.MatchedCount)
	}
	return b, nil
}

// PortStats counts one port's traffic.
type PortStats struct {
	PortNo                                      uint16
	RxPackets, TxPackets, RxBytes, TxBytes      uint64
	RxDropped, TxDropped, RxErrors, TxErrors    uint64
	RxFrameErr, RxOverErr, RxCRCErr, Collisions uint64
}

// PortStatsReply lists port statistics.
type PortStatsReply struct{ Ports []PortStats }

func (PortStatsReply) StatsType() StatsType { return StatsPort }
func (r PortStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, p := range r.Ports {
		b = wire.Pad(a16(b, p.PortNo), 6)
		for _, v := range [12]uint64{p.RxPackets, p.TxPackets, p.RxBytes, p.TxBytes, p.RxDropped, p.TxDropped,
			p.RxErrors, p.TxErrors, p.RxFrameErr, p.RxOverErr, p.RxCRCErr, p.Collisions} {
			b = a64(b, v)
		}
	}
	return b, nil
}

// QueueStats counts one queue's traffic.
type QueueStats struct {
	PortNo                       uint16
	QueueID                      uint32
	TxBytes, TxPackets, TxErrors uint64
}

// QueueStatsReply lists queue statistics.
type QueueStatsReply struct{ Queues []QueueStats }

func (QueueStatsReply) StatsType() StatsType { return StatsQueue }
func (r QueueStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, q := range r.Queues {
		b = a64(a64(a64(a32(append(a16(b, q.PortNo), 0, 0), q.QueueID), q.TxBytes), q.TxPackets), q.TxErrors)
	}
	return b, nil
}

func appendStats(b []byte, t Type, xid uint32, flags uint16, body StatsBody) ([]byte, error) {
	if body == nil {
		return b, wire.ErrInvalid
	}
	start := len(b)
	b, err := body.appendTo(a16(a16(head(b, t, xid), uint16(body.StatsType())), flags))
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *StatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendStats(b, TypeStatsRequest, m.XID, m.Flags, m.Body)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *StatsRequest) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// AppendBinary implements encoding.BinaryAppender.
func (m *StatsReply) AppendBinary(b []byte) ([]byte, error) {
	return appendStats(b, TypeStatsReply, m.XID, m.Flags, m.Body)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *StatsReply) MarshalBinary() ([]byte, error) { return marshal(m, 1100) }

func badStat(d *wire.Decoder, t StatsType) {
	d.Off = 8
	d.Fail(uint16(ErrorTypeBadRequest), BadRequestBadStat, "unknown stats type %d", uint16(t))
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *StatsRequest) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeStatsRequest)
	if err != nil {
		return err
	}
	*m = StatsRequest{Header: h}
	t := StatsType(d.U16())
	m.Flags = d.U16()
	switch t {
	case StatsDesc:
		m.Body = DescRequest{}
	case StatsTable:
		m.Body = TableStatsRequest{}
	case StatsFlow:
		m.Body = decodeFlowStatsRequest(&d)
	case StatsAggregate:
		m.Body = AggregateRequest(decodeFlowStatsRequest(&d))
	case StatsPort:
		m.Body = PortStatsRequest{d.U16()}
		d.Skip(6)
	case StatsQueue:
		r := QueueStatsRequest{PortNo: d.U16()}
		d.Skip(2)
		r.QueueID = d.U32()
		m.Body = r
	case StatsVendor:
		m.Body = VendorStats{Vendor: d.U32(), Data: d.Rest()}
	default:
		badStat(&d, t)
	}
	return end(&d, TypeStatsRequest)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *StatsReply) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeStatsReply)
	if err != nil {
		return err
	}
	*m = StatsReply{Header: h}
	t := StatsType(d.U16())
	m.Flags = d.U16()
	switch t {
	case StatsDesc:
		m.Body = Desc(wire.DecodeDesc(&d))
	case StatsFlow:
		var r FlowStatsReply
		for d.Len() > 0 {
			start := d.Off
			n := int(d.U16())
			if n < 88 {
				d.Off = start
				d.FailLen("flow stats length %d", n)
				break
			}
			s := d.Sub(n - 2)
			f := FlowStats{TableID: s.U8()}
			s.Skip(1)
			decodeMatch(&s, &f.Match)
			f.DurationSec, f.DurationNsec = s.U32(), s.U32()
			f.Priority, f.IdleTimeout, f.HardTimeout = s.U16(), s.U16(), s.U16()
			s.Skip(6)
			f.Cookie, f.PacketCount, f.ByteCount = s.U64(), s.U64(), s.U64()
			f.Actions = decodeActions(&s, nil)
			d.Merge(&s)
			r.Flows = append(r.Flows, f)
		}
		m.Body = r
	case StatsAggregate:
		r := AggregateReply{PacketCount: d.U64(), ByteCount: d.U64(), FlowCount: d.U32()}
		d.Skip(4)
		m.Body = r
	case StatsTable:
		var r TableStatsReply
		for d.Len() > 0 {
			t := TableStats{TableID: d.U8()}
			d.Skip(3)
			t.Name = d.String(32)
			t.Wildcards, t.MaxEntries, t.ActiveCount, t.LookupCount, t.MatchedCount = d.U32(), d.U32(), d.U32(), d.U64(), d.U64()
			r.Tables = append(r.Tables, t)
		}
		m.Body = r
	case StatsPort:
		var r PortStatsReply
		for d.Len() > 0 {
			p := PortStats{PortNo: d.U16()}
			d.Skip(6)
			for _, v := range []*uint64{&p.RxPackets, &p.TxPackets, &p.RxBytes, &p.TxBytes, &p.RxDropped, &p.TxDropped,
				&p.RxErrors, &p.TxErrors, &p.RxFrameErr, &p.RxOverErr, &p.RxCRCErr, &p.Collisions} {
				*v = d.U64()
			}
			r.Ports = append(r.Ports, p)
		}
		m.Body = r
	case StatsQueue:
		var r QueueStatsReply
		for d.Len() > 0 {
			q := QueueStats{PortNo: d.U16()}
			d.Skip(2)
			q.QueueID, q.TxBytes, q.TxPackets, q.TxErrors = d.U32(), d.U64(), d.U64(), d.U64()
			r.Queues = append(r.Queues, q)
		}
		m.Body = r
	case StatsVendor:
		m.Body = VendorStats{Vendor: d.U32(), Data: d.Rest()}
	default:
		badStat(&d, t)
	}
	return end(&d, TypeStatsReply)
}

// NewFlowStatsRequest asks for the statistics of every flow in every
// table that matches m, whatever its output port.
func NewFlowStatsRequest(m Match) FlowStatsRequest {
	return FlowStatsRequest{Match: m, TableID: 0xff, OutPort: PortNone}
}
