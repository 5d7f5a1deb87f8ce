package of10

import (
	"encoding/binary"
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// Header is the OpenFlow header every message embeds. Set XID; the encoder
// sets the rest.
type Header = wire.Header

// DecodeError is openflow.DecodeError (this package cannot import
// openflow, which imports it): the error every decoder returns for bytes
// it cannot read.
//
// Deprecated: name it openflow.DecodeError.
type DecodeError = wire.Error

var (
	be  = binary.BigEndian
	a16 = be.AppendUint16
	a32 = be.AppendUint32
	a64 = be.AppendUint64
)

// begin checks b's header against the message type t and returns a
// decoder positioned after it.
func begin(b []byte, t Type) (Header, wire.Decoder, error) {
	return wire.Begin(b, Version, uint8(t), t)
}

// end finishes a decode: nothing may be left over.
func end(d *wire.Decoder, t Type) error { return wire.End(d, t.String()) }

func head(b []byte, t Type, xid uint32) []byte { return wire.AppendHeader(b, Version, uint8(t), xid) }

func marshal(m interface{ AppendBinary([]byte) ([]byte, error) }, size int) ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, size))
}

// Hello starts a connection; OpenFlow 1.0 gives it no body, and Data keeps
// whatever a newer peer sent after the header.
type Hello struct {
	Header
	Data []byte
}

// EchoRequest asks the peer to answer with the same data.
type EchoRequest struct {
	Header
	Data []byte
}

// EchoReply answers an EchoRequest.
type EchoReply struct {
	Header
	Data []byte
}

func appendData(b []byte, t Type, xid uint32, data []byte) ([]byte, error) {
	return wire.AppendData(b, Version, uint8(t), xid, data)
}

func decodeData(b []byte, t Type, h *Header, data *[]byte) error {
	return wire.DecodeData(b, Version, uint8(t), t, h, data)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *Hello) AppendBinary(b []byte) ([]byte, error) {
	return appendData(b, TypeHello, m.XID, m.Data)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *Hello) MarshalBinary() ([]byte, error) { return marshal(m, 8+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *Hello) UnmarshalBinary(b []byte) error { return decodeData(b, TypeHello, &m.Header, &m.Data) }

// AppendBinary implements encoding.BinaryAppender.
func (m *EchoRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendData(b, TypeEchoRequest, m.XID, m.Data)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *EchoRequest) MarshalBinary() ([]byte, error) { return marshal(m, 8+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *EchoRequest) UnmarshalBinary(b []byte) error {
	return decodeData(b, TypeEchoRequest, &m.Header, &m.Data)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *EchoReply) AppendBinary(b []byte) ([]byte, error) {
	return appendData(b, TypeEchoReply, m.XID, m.Data)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *EchoReply) MarshalBinary() ([]byte, error) { return marshal(m, 8+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *EchoReply) UnmarshalBinary(b []byte) error {
	return decodeData(b, TypeEchoReply, &m.Header, &m.Data)
}

// Error reports a failure; Data is (usually) the start of the message that
// failed.
type Error struct {
	Header
	Type ErrorType
	Code uint16
	Data []byte
}

// String formats the error as "BAD_REQUEST/BAD_LEN".
func (m *Error) String() string { return m.Type.String() + "/" + ErrorCodeString(m.Type, m.Code) }

// AppendBinary implements encoding.BinaryAppender.
func (m *Error) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(a16(head(b, TypeError, m.XID), uint16(m.Type)), m.Code)
	return wire.Finish(append(b, m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *Error) MarshalBinary() ([]byte, error) { return marshal(m, 12+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *Error) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeError)
	if err != nil {
		return err
	}
	*m = Error{Header: h, Type: ErrorType(d.U16()), Code: d.U16()}
	m.Data = d.Rest()
	return d.Err()
}

// Vendor is a message defined by a vendor (NiciraID: Open vSwitch's
// extensions, whose Data starts with the 32-bit subtype).
type Vendor struct {
	Header
	Vendor uint32
	Data   []byte
}

// AppendBinary implements encoding.BinaryAppender.
func (m *Vendor) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	return wire.Finish(append(a32(head(b, TypeVendor, m.XID), m.Vendor), m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *Vendor) MarshalBinary() ([]byte, error) { return marshal(m, 12+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *Vendor) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeVendor)
	if err != nil {
		return err
	}
	*m = Vendor{Header: h, Vendor: d.U32()}
	m.Data = d.Rest()
	return d.Err()
}

// Messages with no body.
type (
	// FeaturesRequest asks the switch for its features and ports.
	FeaturesRequest struct{ Header }
	// GetConfigRequest asks for the switch configuration.
	GetConfigRequest struct{ Header }
	// BarrierRequest asks the switch to finish everything sent before it.
	BarrierRequest struct{ Header }
	// BarrierReply says everything before the barrier is done.
	BarrierReply struct{ Header }
)

func appendEmpty(b []byte, t Type, xid uint32) ([]byte, error) {
	return wire.AppendEmpty(b, Version, uint8(t), xid)
}

func decodeEmpty(b []byte, t Type, h *Header) error {
	return wire.DecodeEmpty(b, Version, uint8(t), t, h)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *FeaturesRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendEmpty(b, TypeFeaturesRequest, m.XID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FeaturesRequest) MarshalBinary() ([]byte, error) { return marshal(m, 8) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FeaturesRequest) UnmarshalBinary(b []byte) error {
	return decodeEmpty(b, TypeFeaturesRequest, &m.Header)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GetConfigRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendEmpty(b, TypeGetConfigRequest, m.XID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GetConfigRequest) MarshalBinary() ([]byte, error) { return marshal(m, 8) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GetConfigRequest) UnmarshalBinary(b []byte) error {
	return decodeEmpty(b, TypeGetConfigRequest, &m.Header)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *BarrierRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendEmpty(b, TypeBarrierRequest, m.XID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *BarrierRequest) MarshalBinary() ([]byte, error) { return marshal(m, 8) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *BarrierRequest) UnmarshalBinary(b []byte) error {
	return decodeEmpty(b, TypeBarrierRequest, &m.Header)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *BarrierReply) AppendBinary(b []byte) ([]byte, error) {
	return appendEmpty(b, TypeBarrierReply, m.XID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *BarrierReply) MarshalBinary() ([]byte, error) { return marshal(m, 8) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *BarrierReply) UnmarshalBinary(b []byte) error {
	return decodeEmpty(b, TypeBarrierReply, &m.Header)
}

// PhyPort describes a switch port (ofp_phy_port).
type PhyPort struct {
	PortNo     uint16
	HWAddr     [6]byte
	Name       string // at most 15 bytes
	Config     uint32
	State      uint32
	Curr       uint32
	Advertised uint32
	Supported  uint32
	Peer       uint32
}

func (p *PhyPort) appendTo(b []byte) ([]byte, error) {
	b = append(a16(b, p.PortNo), p.HWAddr[:]...)
	b, err := wire.AppendString(b, p.Name, 16)
	if err != nil {
		return b, err
	}
	for _, v := range [6]uint32{p.Config, p.State, p.Curr, p.Advertised, p.Supported, p.Peer} {
		b = a32(b, v)
	}
	return b, nil
}

func decodePhyPort(d *wire.Decoder, p *PhyPort) {
	p.PortNo = d.U16()
	d.Copy(p.HWAddr[:])
	p.Name = d.String(16)
	p.Config, p.State, p.Curr, p.Advertised, p.Supported, p.Peer = d.U32(), d.U32(), d.U32(), d.U32(), d.U32(), d.U32()
}

// FeaturesReply describes the switch and its ports.
type FeaturesReply struct {
	Header
	DatapathID   uint64
	NBuffers     uint32
	NTables      uint8
	Capabilities uint32
	Actions      uint32 // bit n set: action type n supported
	Ports        []PhyPort
}

// AppendBinary implements encoding.BinaryAppender.
func (m *FeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(a32(a64(head(b, TypeFeaturesReply, m.XID), m.DatapathID), m.NBuffers), m.NTables, 0, 0, 0)
	b = a32(a32(b, m.Capabilities), m.Actions)
	var err error
	for i := range m.Ports {
		if b, err = m.Ports[i].appendTo(b); err != nil {
			return b[:start], err
		}
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FeaturesReply) MarshalBinary() ([]byte, error) { return marshal(m, 32+48*len(m.Ports)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FeaturesReply) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFeaturesReply)
	if err != nil {
		return err
	}
	*m = FeaturesReply{Header: h, DatapathID: d.U64(), NBuffers: d.U32(), NTables: d.U8()}
	d.Skip(3)
	m.Capabilities, m.Actions = d.U32(), d.U32()
	if d.Len()%48 != 0 {
		d.FailLen("%d bytes of ports is not a whole number of 48-byte ports", d.Len())
	}
	for d.Len() > 0 {
		var p PhyPort
		decodePhyPort(&d, &p)
		m.Ports = append(m.Ports, p)
	}
	return d.Err()
}

// SwitchConfig is the body of GetConfigReply and SetConfig.
type SwitchConfig struct {
	Flags       uint16
	MissSendLen uint16
}

// GetConfigReply carries the switch configuration.
type GetConfigReply struct {
	Header
	SwitchConfig
}

// SetConfig sets the switch configuration.
type SetConfig struct {
	Header
	SwitchConfig
}

func appendConfig(b []byte, t Type, xid uint32, c SwitchConfig) ([]byte, error) {
	return wire.AppendConfig(b, Version, uint8(t), xid, c.Flags, c.MissSendLen)
}

func decodeConfig(b []byte, t Type, h *Header, c *SwitchConfig) error {
	return wire.DecodeConfig(b, Version, uint8(t), t, h, &c.Flags, &c.MissSendLen)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GetConfigReply) AppendBinary(b []byte) ([]byte, error) {
	return appendConfig(b, TypeGetConfigReply, m.XID, m.SwitchConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GetConfigReply) MarshalBinary() ([]byte, error) { return marshal(m, 12) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GetConfigReply) UnmarshalBinary(b []byte) error {
	return decodeConfig(b, TypeGetConfigReply, &m.Header, &m.SwitchConfig)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *SetConfig) AppendBinary(b []byte) ([]byte, error) {
	return appendConfig(b, TypeSetConfig, m.XID, m.SwitchConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *SetConfig) MarshalBinary() ([]byte, error) { return marshal(m, 12) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *SetConfig) UnmarshalBinary(b []byte) error {
	return decodeConfig(b, TypeSetConfig, &m.Header, &m.SwitchConfig)
}

// PacketIn carries a packet to the controller. Data points into the
// decoded bytes; decoding does not allocate.
type PacketIn struct {
	Header
	BufferID uint32
	TotalLen uint16
	InPort   uint16
	Reason   PacketInReason
	Data     []byte
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PacketIn) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(a16(a32(head(b, TypePacketIn, m.XID), m.BufferID), m.TotalLen), m.InPort)
	return wire.Finish(append(append(b, uint8(m.Reason), 0), m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PacketIn) MarshalBinary() ([]byte, error) { return marshal(m, 18+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PacketIn) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePacketIn)
	if err != nil {
		return err
	}
	m.Header = h
	m.BufferID, m.TotalLen, m.InPort, m.Reason = d.U32(), d.U16(), d.U16(), PacketInReason(d.U8())
	d.Skip(1)
	m.Data = d.Rest()
	return d.Err()
}

// FlowRemoved reports a flow that left the table.
type FlowRemoved struct {
	Header
	Match        Match
	Cookie       uint64
	Priority     uint16
	Reason       FlowRemovedReason
	DurationSec  uint32
	DurationNsec uint32
	IdleTimeout  uint16
	PacketCount  uint64
	ByteCount    uint64
}

// AppendBinary implements encoding.BinaryAppender.
func (m *FlowRemoved) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = m.Match.appendTo(head(b, TypeFlowRemoved, m.XID))
	b = a32(a32(append(a16(a64(b, m.Cookie), m.Priority), uint8(m.Reason), 0), m.DurationSec), m.DurationNsec)
	b = a64(a64(append(a16(b, m.IdleTimeout), 0, 0), m.PacketCount), m.ByteCount)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FlowRemoved) MarshalBinary() ([]byte, error) { return marshal(m, 88) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FlowRemoved) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFlowRemoved)
	if err != nil {
		return err
	}
	*m = FlowRemoved{Header: h}
	decodeMatch(&d, &m.Match)
	m.Cookie, m.Priority, m.Reason = d.U64(), d.U16(), FlowRemovedReason(d.U8())
	d.Skip(1)
	m.DurationSec, m.DurationNsec, m.IdleTimeout = d.U32(), d.U32(), d.U16()
	d.Skip(2)
	m.PacketCount, m.ByteCount = d.U64(), d.U64()
	return end(&d, TypeFlowRemoved)
}

// PortStatus reports a port added, removed or changed.
type PortStatus struct {
	Header
	Reason PortReason
	Port   PhyPort
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PortStatus) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := m.Port.appendTo(wire.Pad(append(head(b, TypePortStatus, m.XID), uint8(m.Reason)), 7))
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PortStatus) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PortStatus) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePortStatus)
	if err != nil {
		return err
	}
	*m = PortStatus{Header: h, Reason: PortReason(d.U8())}
	d.Skip(7)
	decodePhyPort(&d, &m.Port)
	return end(&d, TypePortStatus)
}

// PacketOut sends a packet from the controller: the switch buffer BufferID
// or, with NoBuffer, Data.
type PacketOut struct {
	Header
	BufferID uint32
	InPort   uint16
	Actions  []Action
	Data     []byte
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PacketOut) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(a16(a32(head(b, TypePacketOut, m.XID), m.BufferID), m.InPort), 0)
	as := len(b)
	b, err := appendActions(b, m.Actions)
	if err != nil {
		return b[:start], err
	}
	if err := wire.PutLen16(b, as-2, as); err != nil {
		return b[:start], err
	}
	return wire.Finish(append(b, m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PacketOut) MarshalBinary() ([]byte, error) { return marshal(m, 32+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PacketOut) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePacketOut)
	if err != nil {
		return err
	}
	acts := m.Actions[:0]
	*m = PacketOut{Header: h, BufferID: d.U32(), InPort: d.U16()}
	s := d.Sub(int(d.U16()))
	m.Actions = decodeActions(&s, acts)
	d.Merge(&s)
	m.Data = d.Rest()
	return d.Err()
}

// FlowMod adds, changes or removes flows.
type FlowMod struct {
	Header
	Match       Match
	Cookie      uint64
	Command     FlowModCommand
	IdleTimeout uint16
	HardTimeout uint16
	Priority    uint16
	BufferID    uint32
	OutPort     uint16
	Flags       uint16
	Actions     []Action
}

// Validate checks the flow_mod's match's prerequisites (Match.Validate).
func (m *FlowMod) Validate() error { return m.Match.Validate() }

// AppendBinary implements encoding.BinaryAppender.
func (m *FlowMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = m.Match.appendTo(head(b, TypeFlowMod, m.XID))
	b = a16(a16(a16(a16(a64(b, m.Cookie), uint16(m.Command)), m.IdleTimeout), m.HardTimeout), m.Priority)
	b = a16(a16(a32(b, m.BufferID), m.OutPort), m.Flags)
	b, err := appendActions(b, m.Actions)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FlowMod) MarshalBinary() ([]byte, error) { return marshal(m, 96) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FlowMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFlowMod)
	if err != nil {
		return err
	}
	acts := m.Actions[:0]
	*m = FlowMod{Header: h}
	decodeMatch(&d, &m.Match)
	m.Cookie, m.Command, m.IdleTimeout, m.HardTimeout = d.U64(), FlowModCommand(d.U16()), d.U16(), d.U16()
	m.Priority, m.BufferID, m.OutPort, m.Flags = d.U16(), d.U32(), d.U16(), d.U16()
	m.Actions = decodeActions(&d, acts)
	return d.Err()
}

// PortMod changes a port's configuration.
type PortMod struct {
	Header
	PortNo    uint16
	HWAddr    [6]byte
	Config    uint32
	Mask      uint32
	Advertise uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PortMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(a16(head(b, TypePortMod, m.XID), m.PortNo), m.HWAddr[:]...)
	b = append(a32(a32(a32(b, m.Config), m.Mask), m.Advertise), 0, 0, 0, 0)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PortMod) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PortMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePortMod)
	if err != nil {
		return err
	}
	*m = PortMod{Header: h, PortNo: d.U16()}
	d.Copy(m.HWAddr[:])
	m.Config, m.Mask, m.Advertise = d.U32(), d.U32(), d.U32()
	d.Skip(4)
	return end(&d, TypePortMod)
}

// QueueGetConfigRequest asks for a port's queues.
type QueueGetConfigRequest struct {
	Header
	Port uint16
}

// AppendBinary implements encoding.BinaryAppender.
func (m *QueueGetConfigRequest) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	return wire.Finish(append(a16(head(b, TypeQueueGetConfigRequest, m.XID), m.Port), 0, 0), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *QueueGetConfigRequest) MarshalBinary() ([]byte, error) { return marshal(m, 12) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *QueueGetConfigRequest) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeQueueGetConfigRequest)
	if err != nil {
		return err
	}
	*m = QueueGetConfigRequest{Header: h, Port: d.U16()}
	d.Skip(2)
	return end(&d, TypeQueueGetConfigRequest)
}

// Queue describes a port's queue; MinRate is in 1/10 of a percent, and
// HasMinRate says whether the queue has that property.
type Queue struct {
	QueueID    uint32
	HasMinRate bool
	MinRate    uint16
}

// QueueGetConfigReply lists a port's queues.
type QueueGetConfigReply struct {
	Header
	Port   uint16
	Queues []Queue
}

// AppendBinary implements encoding.BinaryAppender.
func (m *QueueGetConfigReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = wire.Pad(a16(head(b, TypeQueueGetConfigReply, m.XID), m.Port), 6)
	for _, q := range m.Queues {
		if !q.HasMinRate && q.MinRate != 0 {
			return b[:start], fmt.Errorf("%w: queue %d has a MinRate but not HasMinRate", wire.ErrInvalid, q.QueueID)
		}
		n := uint16(8)
		if q.HasMinRate {
			n += 16
		}
		b = append(a16(a32(b, q.QueueID), n), 0, 0)
		if q.HasMinRate {
			b = wire.Pad(a16(append(a16(a16(b, QueuePropMinRate), 16), 0, 0, 0, 0), q.MinRate), 6)
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
	*m = QueueGetConfigReply{Header: h, Port: d.U16()}
	d.Skip(6)
	for d.Len() > 0 {
		q := Queue{QueueID: d.U32()}
		n := int(d.U16())
		d.Skip(2)
		if n < 8 {
			d.FailLen("queue length %d", n)
			break
		}
		s := d.Sub(n - 8)
		for s.Len() > 0 {
			t, pn := s.U16(), int(s.U16())
			s.Skip(4)
			if pn < 8 {
				s.FailLen("queue property length %d", pn)
				break
			}
			ps := s.Sub(pn - 8)
			if t == QueuePropMinRate {
				q.HasMinRate, q.MinRate = true, ps.U16()
				ps.Skip(6)
			}
			s.Merge(&ps)
		}
		d.Merge(&s)
		m.Queues = append(m.Queues, q)
	}
	return d.Err()
}

// NewFlowMod returns a flow_mod of command cmd matching m, with the
// fields whose zero would mean something else set to "none": no buffered
// packet, no output port restriction.
func NewFlowMod(cmd FlowModCommand, m Match) *FlowMod {
	return &FlowMod{Command: cmd, Match: m, BufferID: NoBuffer, OutPort: PortNone}
}

// NewPacketOut returns a packet_out carrying data (no switch buffer), not
// from any port, through actions.
func NewPacketOut(data []byte, actions ...Action) *PacketOut {
	return &PacketOut{BufferID: NoBuffer, InPort: PortNone, Actions: actions, Data: data}
}
