package of13

import (
	"github.com/netslice/netslice/openflow/internal/wire"
)

// MultipartRequest asks for statistics or descriptions; Body says which
// (DescRequest, FlowStatsRequest, PortStatsRequest, ...). Flags may hold
// MultipartMore for a request in several parts (table features).
type MultipartRequest struct {
	Header
	Flags uint16
	Body  RequestBody
}

// MultipartReply answers a MultipartRequest, possibly in several messages
// (Flags has MultipartMore on all but the last).
type MultipartReply struct {
	Header
	Flags uint16
	Body  ReplyBody
}

// RequestBody is the body of a MultipartRequest.
type RequestBody interface {
	MultipartType() MultipartType
	appendTo(b []byte) ([]byte, error)
}

// ReplyBody is the body of a MultipartReply.
type ReplyBody interface {
	MultipartType() MultipartType
	appendTo(b []byte) ([]byte, error)
}

// Request bodies without fields.
type (
	// DescRequest asks for the switch description.
	DescRequest struct{}
	// TableStatsRequest asks for table statistics.
	TableStatsRequest struct{}
	// GroupDescRequest asks for the group descriptions.
	GroupDescRequest struct{}
	// GroupFeaturesRequest asks for the group features.
	GroupFeaturesRequest struct{}
	// MeterFeaturesRequest asks for the meter features.
	MeterFeaturesRequest struct{}
	// PortDescRequest asks for the port descriptions.
	PortDescRequest struct{}
)

func (DescRequest) MultipartType() MultipartType          { return MultipartDesc }
func (TableStatsRequest) MultipartType() MultipartType    { return MultipartTable }
func (GroupDescRequest) MultipartType() MultipartType     { return MultipartGroupDesc }
func (GroupFeaturesRequest) MultipartType() MultipartType { return MultipartGroupFeatures }
func (MeterFeaturesRequest) MultipartType() MultipartType { return MultipartMeterFeatures }
func (PortDescRequest) MultipartType() MultipartType      { return MultipartPortDesc }

func (DescRequest) appendTo(b []byte) ([]byte, error)          { return b, nil }
func (TableStatsRequest) appendTo(b []byte) ([]byte, error)    { return b, nil }
func (GroupDescRequest) appendTo(b []byte) ([]byte, error)     { return b, nil }
func (GroupFeaturesRequest) appendTo(b []byte) ([]byte, error) { return b, nil }
func (MeterFeaturesRequest) appendTo(b []byte) ([]byte, error) { return b, nil }
func (PortDescRequest) appendTo(b []byte) ([]byte, error)      { return b, nil }

// FlowStatsRequest asks for the flows that match; AggregateRequest for
// their totals. TableID TableAll, OutPort PortAny and OutGroup GroupAny
// select everything.
type FlowStatsRequest struct {
	TableID    uint8
	OutPort    uint32
	OutGroup   uint32
	Cookie     uint64
	CookieMask uint64
	Match      Match
}

// AggregateRequest asks for the totals of the flows that match.
type AggregateRequest FlowStatsRequest

func (FlowStatsRequest) MultipartType() MultipartType { return MultipartFlow }
func (AggregateRequest) MultipartType() MultipartType { return MultipartAggregate }

func (r FlowStatsRequest) appendTo(b []byte) ([]byte, error) {
	b = append(a32(a32(append(b, r.TableID, 0, 0, 0), r.OutPort), r.OutGroup), 0, 0, 0, 0)
	b = a64(a64(b, r.Cookie), r.CookieMask)
	return r.Match.appendTo(b)
}

func (r AggregateRequest) appendTo(b []byte) ([]byte, error) { return FlowStatsRequest(r).appendTo(b) }

func decodeFlowStatsRequest(d *wire.Decoder) FlowStatsRequest {
	r := FlowStatsRequest{TableID: d.U8()}
	d.Skip(3)
	r.OutPort, r.OutGroup = d.U32(), d.U32()
	d.Skip(4)
	r.Cookie, r.CookieMask = d.U64(), d.U64()
	decodeMatch(d, &r.Match)
	return r
}

// PortStatsRequest asks for a port's statistics (PortAny: all).
type PortStatsRequest struct{ PortNo uint32 }

// QueueStatsRequest asks for a queue's statistics (PortAny and
// 0xffffffff: all).
type QueueStatsRequest struct{ PortNo, QueueID uint32 }

// GroupStatsRequest asks for a group's statistics (GroupAll: all).
type GroupStatsRequest struct{ GroupID uint32 }

// MeterStatsRequest asks for a meter's statistics (MeterAll: all).
type MeterStatsRequest struct{ MeterID uint32 }

// MeterConfigRequest asks for a meter's configuration (MeterAll: all).
type MeterConfigRequest struct{ MeterID uint32 }

func (PortStatsRequest) MultipartType() MultipartType   { return MultipartPortStats }
func (QueueStatsRequest) MultipartType() MultipartType  { return MultipartQueue }
func (GroupStatsRequest) MultipartType() MultipartType  { return MultipartGroup }
func (MeterStatsRequest) MultipartType() MultipartType  { return MultipartMeter }
func (MeterConfigRequest) MultipartType() MultipartType { return MultipartMeterConfig }

func (r PortStatsRequest) appendTo(b []byte) ([]byte, error) {
	return append(a32(b, r.PortNo), 0, 0, 0, 0), nil
}
func (r QueueStatsRequest) appendTo(b []byte) ([]byte, error) {
	return a32(a32(b, r.PortNo), r.QueueID), nil
}
func (r GroupStatsRequest) appendTo(b []byte) ([]byte, error) {
	return append(a32(b, r.GroupID), 0, 0, 0, 0), nil
}
func (r MeterStatsRequest) appendTo(b []byte) ([]byte, error) {
	return append(a32(b, r.MeterID), 0, 0, 0, 0), nil
}
func (r MeterConfigRequest) appendTo(b []byte) ([]byte, error) {
	return append(a32(b, r.MeterID), 0, 0, 0, 0), nil
}

// TableFeaturesRequest asks for the tables' features, or (with Features)
// sets them.
type TableFeaturesRequest struct{ Features []TableFeatures }

// TableFeaturesReply lists the tables' features.
type TableFeaturesReply struct{ Features []TableFeatures }

func (TableFeaturesRequest) MultipartType() MultipartType { return MultipartTableFeatures }
func (TableFeaturesReply) MultipartType() MultipartType   { return MultipartTableFeatures }

func (r TableFeaturesRequest) appendTo(b []byte) ([]byte, error) {
	return appendTableFeatures(b, r.Features)
}
func (r TableFeaturesReply) appendTo(b []byte) ([]byte, error) {
	return appendTableFeatures(b, r.Features)
}

// ExperimenterMultipart is an experimenter's multipart request or reply.
type ExperimenterMultipart struct {
	Experimenter uint32
	ExpType      uint32
	Data         []byte
}

func (ExperimenterMultipart) MultipartType() MultipartType { return MultipartExperimenter }
func (r ExperimenterMultipart) appendTo(b []byte) ([]byte, error) {
	return append(a32(a32(b, r.Experimenter), r.ExpType), r.Data...), nil
}

// Desc is the switch description.
type Desc struct {
	Manufacturer string
	Hardware     string
	Software     string
	SerialNumber string
	Datapath     string
}

func (Desc) MultipartType() MultipartType        { return MultipartDesc }
func (r Desc) appendTo(b []byte) ([]byte, error) { return wire.AppendDesc(b, wire.Desc(r)) }

// FlowStats describes one flow.
type FlowStats struct {
	TableID      uint8
	DurationSec  uint32
	DurationNsec uint32
	Priority     uint16
	IdleTimeout  uint16
	HardTimeout  uint16
	Flags        uint16
	Cookie       uint64
	PacketCount  uint64
	ByteCount    uint64
	Match        Match
	Instructions []Instruction
}

// FlowStatsReply lists flows.
type FlowStatsReply struct{ Flows []FlowStats }

func (FlowStatsReply) MultipartType() MultipartType { return MultipartFlow }
func (r FlowStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, f := range r.Flows {
		start := len(b)
		b = a32(a32(append(a16(b, 0), f.TableID, 0), f.DurationSec), f.DurationNsec)
		b = append(a16(a16(a16(a16(b, f.Priority), f.IdleTimeout), f.HardTimeout), f.Flags), 0, 0, 0, 0)
		b = a64(a64(a64(b, f.Cookie), f.PacketCount), f.ByteCount)
		var err error
		if b, err = f.Match.appendTo(b); err != nil {
			return b, err
		}
		if b, err = appendInstructions(b, f.Instructions); err != nil {
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

func (AggregateReply) MultipartType() MultipartType { return MultipartAggregate }
func (r AggregateReply) appendTo(b []byte) ([]byte, error) {
	return append(a32(a64(a64(b, r.PacketCount), r.ByteCount), r.FlowCount), 0, 0, 0, 0), nil
}

// TableStats counts one table's use.
type TableStats struct {
	TableID      uint8
	ActiveCount  uint32
	LookupCount  uint64
	MatchedCount uint64
}

// TableStatsReply lists table statistics.
type TableStatsReply struct{ Tables []TableStats }

func (TableStatsReply) MultipartType() MultipartType { return MultipartTable }
func (r TableStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, t := range r.Tables {
		b = a64(a64(a32(append(b, t.TableID, 0, 0, 0), t.ActiveCount), t.LookupCount), t.MatchedCount)
	}
	return b, nil
}

// PortStats counts one port's traffic.
type PortStats struct {
	PortNo                                      uint32
	RxPackets, TxPackets, RxBytes, TxBytes      uint64
	RxDropped, TxDropped, RxErrors, TxErrors    uint64
	RxFrameErr, RxOverErr, RxCRCErr, Collisions uint64
	DurationSec, DurationNsec                   uint32
}

// PortStatsReply lists port statistics.
type PortStatsReply struct{ Ports []PortStats }

func (PortStatsReply) MultipartType() MultipartType { return MultipartPortStats }
func (r PortStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, p := range r.Ports {
		b = append(a32(b, p.PortNo), 0, 0, 0, 0)
		for _, v := range [12]uint64{p.RxPackets, p.TxPackets, p.RxBytes, p.TxBytes, p.RxDropped, p.TxDropped,
			p.RxErrors, p.TxErrors, p.RxFrameErr, p.RxOverErr, p.RxCRCErr, p.Collisions} {
			b = a64(b, v)
		}
		b = a32(a32(b, p.DurationSec), p.DurationNsec)
	}
	return b, nil
}

// QueueStats counts one queue's traffic.
type QueueStats struct {
	PortNo, QueueID              uint32
	TxBytes, TxPackets, TxErrors uint64
	DurationSec, DurationNsec    uint32
}

// QueueStatsReply lists queue statistics.
type QueueStatsReply struct{ Queues []QueueStats }

func (QueueStatsReply) MultipartType() MultipartType { return MultipartQueue }
func (r QueueStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, q := range r.Queues {
		b = a64(a64(a64(a32(a32(b, q.PortNo), q.QueueID), q.TxBytes), q.TxPackets), q.TxErrors)
		b = a32(a32(b, q.DurationSec), q.DurationNsec)
	}
	return b, nil
}

// BucketCounter counts one bucket's traffic.
type BucketCounter struct{ PacketCount, ByteCount uint64 }

// GroupStats counts one group's traffic.
type GroupStats struct {
	GroupID                   uint32
	RefCount                  uint32
	PacketCount, ByteCount    uint64
	DurationSec, DurationNsec uint32
	Buckets                   []BucketCounter
}

// GroupStatsReply lists group statistics.
type GroupStatsReply struct{ Groups []GroupStats }

func (GroupStatsReply) MultipartType() MultipartType { return MultipartGroup }
func (r GroupStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, g := range r.Groups {
		start := len(b)
		b = append(a32(a32(append(a16(b, 0), 0, 0), g.GroupID), g.RefCount), 0, 0, 0, 0)
		b = a32(a32(a64(a64(b, g.PacketCount), g.ByteCount), g.DurationSec), g.DurationNsec)
		for _, c := range g.Buckets {
			b = a64(a64(b, c.PacketCount), c.ByteCount)
		}
		if err := wire.PutLen16(b, start, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

// GroupDesc describes one group.
type GroupDesc struct {
	Type    GroupType
	GroupID uint32
	Buckets []Bucket
}

// GroupDescReply lists group descriptions.
type GroupDescReply struct{ Groups []GroupDesc }

func (GroupDescReply) MultipartType() MultipartType { return MultipartGroupDesc }
func (r GroupDescReply) appendTo(b []byte) ([]byte, error) {
	for _, g := range r.Groups {
		start := len(b)
		b = a32(append(a16(b, 0), uint8(g.Type), 0), g.GroupID)
		var err error
		if b, err = appendBuckets(b, g.Buckets); err != nil {
			return b, err
		}
		if err := wire.PutLen16(b, start, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

// GroupFeatures says what groups the switch supports.
type GroupFeatures struct {
	Types        uint32
	Capabilities uint32
	MaxGroups    [4]uint32
	Actions      [4]uint32
}

func (GroupFeatures) MultipartType() MultipartType { return MultipartGroupFeatures }
func (r GroupFeatures) appendTo(b []byte) ([]byte, error) {
	b = a32(a32(b, r.Types), r.Capabilities)
	for _, v := range r.MaxGroups {
		b = a32(b, v)
	}
	for _, v := range r.Actions {
		b = a32(b, v)
	}
	return b, nil
}

// MeterStats counts one meter's traffic.
type MeterStats struct {
	MeterID                    uint32
	FlowCount                  uint32
	PacketInCount, ByteInCount uint64
	DurationSec, DurationNsec  uint32
	Bands                      []BucketCounter // per band: packets and bytes
}

// MeterStatsReply lists meter statistics.
type MeterStatsReply struct{ Meters []MeterStats }

func (MeterStatsReply) MultipartType() MultipartType { return MultipartMeter }
func (r MeterStatsReply) appendTo(b []byte) ([]byte, error) {
	for _, m := range r.Meters {
		start := len(b)
		b = wire.Pad(a16(a32(b, m.MeterID), 0), 6)
		b = a32(a32(a64(a64(a32(b, m.FlowCount), m.PacketInCount), m.ByteInCount), m.DurationSec), m.DurationNsec)
		for _, c := range m.Bands {
			b = a64(a64(b, c.PacketCount), c.ByteCount)
		}
		if err := wire.PutLen16(b, start+4, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

// MeterConfig describes one meter.
type MeterConfig struct {
	Flags   uint16
	MeterID uint32
	Bands   []MeterBand
}

// MeterConfigReply lists meter configurations.
type MeterConfigReply struct{ Meters []MeterConfig }

func (MeterConfigReply) MultipartType() MultipartType { return MultipartMeterConfig }
func (r MeterConfigReply) appendTo(b []byte) ([]byte, error) {
	for _, m := range r.Meters {
		start := len(b)
		b = appendBands(a32(a16(a16(b, 0), m.Flags), m.MeterID), m.Bands)
		if err := wire.PutLen16(b, start, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

// MeterFeatures says what meters the switch supports.
type MeterFeatures struct {
	MaxMeter     uint32
	BandTypes    uint32
	Capabilities uint32
	MaxBands     uint8
	MaxColor     uint8
}

func (MeterFeatures) MultipartType() MultipartType { return MultipartMeterFeatures }
func (r MeterFeatures) appendTo(b []byte) ([]byte, error) {
	return append(a32(a32(a32(b, r.MaxMeter), r.BandTypes), r.Capabilities), r.MaxBands, r.MaxColor, 0, 0), nil
}

// PortDescReply lists the switch's ports.
type PortDescReply struct{ Ports []Port }

func (PortDescReply) MultipartType() MultipartType { return MultipartPortDesc }
func (r PortDescReply) appendTo(b []byte) ([]byte, error) {
	var err error
	for i := range r.Ports {
		if b, err = r.Ports[i].appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// AppendBinary implements encoding.BinaryAppender.
func (m *MultipartRequest) AppendBinary(b []byte) ([]byte, error) {
	if m.Body == nil {
		return b, wire.ErrInvalid
	}
	start := len(b)
	b = append(a16(a16(head(b, TypeMultipartRequest, m.XID), uint16(m.Body.MultipartType())), m.Flags), 0, 0, 0, 0)
	b, err := m.Body.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *MultipartRequest) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// AppendBinary implements encoding.BinaryAppender.
func (m *MultipartReply) AppendBinary(b []byte) ([]byte, error) {
	if m.Body == nil {
		return b, wire.ErrInvalid
	}
	start := len(b)
	b = append(a16(a16(head(b, TypeMultipartReply, m.XID), uint16(m.Body.MultipartType())), m.Flags), 0, 0, 0, 0)
	b, err := m.Body.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *MultipartReply) MarshalBinary() ([]byte, error) { return marshal(m, 1100) }

func badMultipart(d *wire.Decoder, t MultipartType) {
	d.Off = 8
	d.Fail(uint16(ErrorTypeBadRequest), BadRequestBadMultipart, "unknown multipart type %d", uint16(t))
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MultipartRequest) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeMultipartRequest)
	if err != nil {
		return err
	}
	*m = MultipartRequest{Header: h}
	t := MultipartType(d.U16())
	m.Flags = d.U16()
	d.Skip(4)
	switch t {
	case MultipartDesc:
		m.Body = DescRequest{}
	case MultipartTable:
		m.Body = TableStatsRequest{}
	case MultipartGroupDesc:
		m.Body = GroupDescRequest{}
	case MultipartGroupFeatures:
		m.Body = GroupFeaturesRequest{}
	case MultipartMeterFeatures:
		m.Body = MeterFeaturesRequest{}
	case MultipartPortDesc:
		m.Body = PortDescRequest{}
	case MultipartFlow:
		m.Body = decodeFlowStatsRequest(&d)
	case MultipartAggregate:
		m.Body = AggregateRequest(decodeFlowStatsRequest(&d))
	case MultipartPortStats:
		m.Body = PortStatsRequest{d.U32()}
		d.Skip(4)
	case MultipartQueue:
		m.Body = QueueStatsRequest{d.U32(), d.U32()}
	case MultipartGroup:
		m.Body = GroupStatsRequest{d.U32()}
		d.Skip(4)
	case MultipartMeter:
		m.Body = MeterStatsRequest{d.U32()}
		d.Skip(4)
	case MultipartMeterConfig:
		m.Body = MeterConfigRequest{d.U32()}
		d.Skip(4)
	case MultipartTableFeatures:
		m.Body = TableFeaturesRequest{decodeTableFeatures(&d)}
	case MultipartExperimenter:
		m.Body = ExperimenterMultipart{Experimenter: d.U32(), ExpType: d.U32(), Data: d.Rest()}
	default:
		badMultipart(&d, t)
	}
	return end(&d, TypeMultipartRequest)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MultipartReply) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeMultipartReply)
	if err != nil {
		return err
	}
	*m = MultipartReply{Header: h}
	t := MultipartType(d.U16())
	m.Flags = d.U16()
	d.Skip(4)
	if dec := replyDecoders[t]; dec != nil {
		m.Body = dec(&d)
	} else {
		badMultipart(&d, t)
	}
	return end(&d, TypeMultipartReply)
}

// NewFlowStatsRequest asks for the statistics of every flow in every
// table that matches m (any output port, any group, any cookie).
func NewFlowStatsRequest(m Match) FlowStatsRequest {
	return FlowStatsRequest{TableID: TableAll, OutPort: PortAny, OutGroup: GroupAny, Match: m}
}

// record reads the length of a length-prefixed record (at least min
// bytes, and min plus a multiple of step when step is not 0) and returns
// the rest of it; a bad length fails d at the record's start.
func record(d *wire.Decoder, min, step int, what string) (wire.Decoder, bool) {
	start := d.Off
	n := int(d.U16())
	if n < min || step > 0 && (n-min)%step != 0 {
		d.Off = start
		d.FailLen("%s length %d", what, n)
		return wire.Decoder{}, false
	}
	return d.Sub(n - 2), true
}

// replyDecoders read each type of multipart reply body, as each type's
// appendTo writes it.
var replyDecoders = map[MultipartType]func(*wire.Decoder) ReplyBody{
	MultipartDesc:          decodeDesc,
	MultipartFlow:          decodeFlowStatsReply,
	MultipartAggregate:     decodeAggregateReply,
	MultipartTable:         decodeTableStatsReply,
	MultipartPortStats:     decodePortStatsReply,
	MultipartQueue:         decodeQueueStatsReply,
	MultipartGroup:         decodeGroupStatsReply,
	MultipartGroupDesc:     decodeGroupDescReply,
	MultipartGroupFeatures: decodeGroupFeatures,
	MultipartMeter:         decodeMeterStatsReply,
	MultipartMeterConfig:   decodeMeterConfigReply,
	MultipartMeterFeatures: decodeMeterFeatures,
	MultipartTableFeatures: decodeTableFeaturesReply,
	MultipartPortDesc:      decodePortDescReply,
	MultipartExperimenter:  decodeExperimenterMultipart,
}

// decodeDesc reads a Desc.
func decodeDesc(d *wire.Decoder) ReplyBody {
	return Desc(wire.DecodeDesc(d))
}

// decodeFlowStatsReply reads a FlowStatsReply.
func decodeFlowStatsReply(d *wire.Decoder) ReplyBody {
	var r FlowStatsReply
	for d.Len() > 0 {
		s, ok := record(d, 56, 0, "flow stats")
		if !ok {
			break
		}
		f := FlowStats{TableID: s.U8()}
		s.Skip(1)
		f.DurationSec, f.DurationNsec = s.U32(), s.U32()
		f.Priority, f.IdleTimeout, f.HardTimeout, f.Flags = s.U16(), s.U16(), s.U16(), s.U16()
		s.Skip(4)
		f.Cookie, f.PacketCount, f.ByteCount = s.U64(), s.U64(), s.U64()
		decodeMatch(&s, &f.Match)
		f.Instructions = decodeInstructions(&s, nil)
		d.Merge(&s)
		r.Flows = append(r.Flows, f)
	}
	return r
}

// decodeAggregateReply reads a AggregateReply.
func decodeAggregateReply(d *wire.Decoder) ReplyBody {
	r := AggregateReply{PacketCount: d.U64(), ByteCount: d.U64(), FlowCount: d.U32()}
	d.Skip(4)
	return r
}

// decodeTableStatsReply reads a TableStatsReply.
func decodeTableStatsReply(d *wire.Decoder) ReplyBody {
	var r TableStatsReply
	for d.Len() > 0 {
		t := TableStats{TableID: d.U8()}
		d.Skip(3)
		t.ActiveCount, t.LookupCount, t.MatchedCount = d.U32(), d.U64(), d.U64()
		r.Tables = append(r.Tables, t)
	}
	return r
}

// decodePortStatsReply reads a PortStatsReply.
func decodePortStatsReply(d *wire.Decoder) ReplyBody {
	var r PortStatsReply
	for d.Len() > 0 {
		p := PortStats{PortNo: d.U32()}
		d.Skip(4)
		for _, v := range []*uint64{&p.RxPackets, &p.TxPackets, &p.RxBytes, &p.TxBytes, &p.RxDropped, &p.TxDropped,
			&p.RxErrors, &p.TxErrors, &p.RxFrameErr, &p.RxOverErr, &p.RxCRCErr, &p.Collisions} {
			*v = d.U64()
		}
		p.DurationSec, p.DurationNsec = d.U32(), d.U32()
		r.Ports = append(r.Ports, p)
	}
	return r
}

// decodeQueueStatsReply reads a QueueStatsReply.
func decodeQueueStatsReply(d *wire.Decoder) ReplyBody {
	var r QueueStatsReply
	for d.Len() > 0 {
		r.Queues = append(r.Queues, QueueStats{PortNo: d.U32(), QueueID: d.U32(), TxBytes: d.U64(),
			TxPackets: d.U64(), TxErrors: d.U64(), DurationSec: d.U32(), DurationNsec: d.U32()})
	}
	return r
}

// decodeGroupStatsReply reads a GroupStatsReply.
func decodeGroupStatsReply(d *wire.Decoder) ReplyBody {
	var r GroupStatsReply
	for d.Len() > 0 {
		s, ok := record(d, 40, 16, "group stats")
		if !ok {
			break
		}
		s.Skip(2)
		g := GroupStats{GroupID: s.U32(), RefCount: s.U32()}
		s.Skip(4)
		g.PacketCount, g.ByteCount, g.DurationSec, g.DurationNsec = s.U64(), s.U64(), s.U32(), s.U32()
		for s.Len() > 0 {
			g.Buckets = append(g.Buckets, BucketCounter{s.U64(), s.U64()})
		}
		d.Merge(&s)
		r.Groups = append(r.Groups, g)
	}
	return r
}

// decodeGroupDescReply reads a GroupDescReply.
func decodeGroupDescReply(d *wire.Decoder) ReplyBody {
	var r GroupDescReply
	for d.Len() > 0 {
		s, ok := record(d, 8, 0, "group desc")
		if !ok {
			break
		}
		g := GroupDesc{Type: GroupType(s.U8())}
		s.Skip(1)
		g.GroupID = s.U32()
		g.Buckets = decodeBuckets(&s)
		d.Merge(&s)
		r.Groups = append(r.Groups, g)
	}
	return r
}

// decodeGroupFeatures reads a GroupFeatures.
func decodeGroupFeatures(d *wire.Decoder) ReplyBody {
	r := GroupFeatures{Types: d.U32(), Capabilities: d.U32()}
	for i := range r.MaxGroups {
		r.MaxGroups[i] = d.U32()
	}
	for i := range r.Actions {
		r.Actions[i] = d.U32()
	}
	return r
}

// decodeMeterStatsReply reads a MeterStatsReply.
func decodeMeterStatsReply(d *wire.Decoder) ReplyBody {
	var r MeterStatsReply
	for d.Len() > 0 {
		ms := MeterStats{MeterID: d.U32()}
		start := d.Off
		n := int(d.U16())
		if n < 40 || (n-40)%16 != 0 {
			d.Off = start
			d.FailLen("meter stats length %d", n)
			break
		}
		s := d.Sub(n - 6)
		s.Skip(6)
		ms.FlowCount, ms.PacketInCount, ms.ByteInCount, ms.DurationSec, ms.DurationNsec = s.U32(), s.U64(), s.U64(), s.U32(), s.U32()
		for s.Len() > 0 {
			ms.Bands = append(ms.Bands, BucketCounter{s.U64(), s.U64()})
		}
		d.Merge(&s)
		r.Meters = append(r.Meters, ms)
	}
	return r
}

// decodeMeterConfigReply reads a MeterConfigReply.
func decodeMeterConfigReply(d *wire.Decoder) ReplyBody {
	var r MeterConfigReply
	for d.Len() > 0 {
		s, ok := record(d, 8, 0, "meter config")
		if !ok {
			break
		}
		mc := MeterConfig{Flags: s.U16(), MeterID: s.U32()}
		mc.Bands = decodeBands(&s)
		d.Merge(&s)
		r.Meters = append(r.Meters, mc)
	}
	return r
}

// decodeMeterFeatures reads a MeterFeatures.
func decodeMeterFeatures(d *wire.Decoder) ReplyBody {
	r := MeterFeatures{MaxMeter: d.U32(), BandTypes: d.U32(), Capabilities: d.U32(), MaxBands: d.U8(), MaxColor: d.U8()}
	d.Skip(2)
	return r
}

// decodeTableFeaturesReply reads a TableFeaturesReply.
func decodeTableFeaturesReply(d *wire.Decoder) ReplyBody {
	return TableFeaturesReply{decodeTableFeatures(d)}
}

// decodePortDescReply reads a PortDescReply.
func decodePortDescReply(d *wire.Decoder) ReplyBody {
	var r PortDescReply
	for d.Len() > 0 {
		var p Port
		decodePort(d, &p)
		r.Ports = append(r.Ports, p)
	}
	return r
}

// decodeExperimenterMultipart reads a ExperimenterMultipart.
func decodeExperimenterMultipart(d *wire.Decoder) ReplyBody {
	return ExperimenterMultipart{Experimenter: d.U32(), ExpType: d.U32(), Data: d.Rest()}
}
