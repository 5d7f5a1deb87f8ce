package of13

// What the switch tells the controller and the packets it is given:
// packet_in, flow_removed, port_status, packet_out.

import (
	"github.com/netslice/netslice/openflow/internal/wire"
)

// PacketIn carries a packet to the controller. Decoding does not allocate
// when m is reused: Data and the match's values point into the decoded
// bytes, valid as long as they are.
type PacketIn struct {
	Header
	BufferID uint32
	TotalLen uint16
	Reason   PacketInReason
	TableID  uint8
	Cookie   uint64
	Match    Match
	Data     []byte
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PacketIn) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(a32(head(b, TypePacketIn, m.XID), m.BufferID), m.TotalLen)
	b = a64(append(b, uint8(m.Reason), m.TableID), m.Cookie)
	b, err := m.Match.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	b = append(append(b, 0, 0), m.Data...)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PacketIn) MarshalBinary() ([]byte, error) { return marshal(m, 64+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PacketIn) UnmarshalBinary(b []byte) error {
	if m.decodeFast(b) {
		return nil
	}
	return m.decode(b)
}

// decodeFast decodes a well-formed packet-in by slicing, without the
// general decoder's bookkeeping; it reports false, having changed nothing
// the general decoder will not overwrite, for anything else.
func (m *PacketIn) decodeFast(b []byte) bool {
	b, end, fields, ok := decodeHeadFast(b, TypePacketIn, 24, m.Match.Fields[:0])
	if !ok || end+2 > len(b) {
		return false
	}
	m.Header = Header{Version: b[0], Type: b[1], Length: uint16(len(b)), XID: be.Uint32(b[4:])}
	m.BufferID, m.TotalLen = be.Uint32(b[8:]), be.Uint16(b[12:])
	m.Reason, m.TableID, m.Cookie = PacketInReason(b[14]), b[15], be.Uint64(b[16:])
	m.Match.Fields = fields
	m.Data = nil
	if end+2 < len(b) {
		m.Data = b[end+2:]
	}
	return true
}

func (m *PacketIn) decode(b []byte) error {
	h, d, err := begin(b, TypePacketIn)
	if err != nil {
		return err
	}
	m.Header = h
	m.BufferID, m.TotalLen = d.U32(), d.U16()
	m.Reason, m.TableID, m.Cookie = PacketInReason(d.U8()), d.U8(), d.U64()
	decodeMatch(&d, &m.Match)
	d.Skip(2)
	m.Data = d.Rest()
	return d.Err()
}

// FlowRemoved reports a flow that left a table.
type FlowRemoved struct {
	Header
	Cookie       uint64
	Priority     uint16
	Reason       FlowRemovedReason
	TableID      uint8
	DurationSec  uint32
	DurationNsec uint32
	IdleTimeout  uint16
	HardTimeout  uint16
	PacketCount  uint64
	ByteCount    uint64
	Match        Match
}

// AppendBinary implements encoding.BinaryAppender.
func (m *FlowRemoved) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(a64(head(b, TypeFlowRemoved, m.XID), m.Cookie), m.Priority)
	b = a32(a32(append(b, uint8(m.Reason), m.TableID), m.DurationSec), m.DurationNsec)
	b = a64(a64(a16(a16(b, m.IdleTimeout), m.HardTimeout), m.PacketCount), m.ByteCount)
	b, err := m.Match.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FlowRemoved) MarshalBinary() ([]byte, error) { return marshal(m, 96) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FlowRemoved) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFlowRemoved)
	if err != nil {
		return err
	}
	*m = FlowRemoved{Header: h, Cookie: d.U64(), Priority: d.U16(), Reason: FlowRemovedReason(d.U8()), TableID: d.U8(),
		DurationSec: d.U32(), DurationNsec: d.U32(), IdleTimeout: d.U16(), HardTimeout: d.U16(),
		PacketCount: d.U64(), ByteCount: d.U64()}
	decodeMatch(&d, &m.Match)
	return end(&d, TypeFlowRemoved)
}

// Port describes a switch port (ofp_port).
type Port struct {
	PortNo     uint32
	HWAddr     [6]byte
	Name       string // at most 15 bytes
	Config     uint32
	State      uint32
	Curr       uint32
	Advertised uint32
	Supported  uint32
	Peer       uint32
	CurrSpeed  uint32 // kbps
	MaxSpeed   uint32 // kbps
}

const portLen = 64

func (p *Port) appendTo(b []byte) ([]byte, error) {
	b = append(a32(b, p.PortNo), 0, 0, 0, 0)
	b = append(append(b, p.HWAddr[:]...), 0, 0)
	b, err := wire.AppendString(b, p.Name, 16)
	if err != nil {
		return b, err
	}
	for _, v := range []uint32{p.Config, p.State, p.Curr, p.Advertised, p.Supported, p.Peer, p.CurrSpeed, p.MaxSpeed} {
		b = a32(b, v)
	}
	return b, nil
}

func decodePort(d *wire.Decoder, p *Port) {
	p.PortNo = d.U32()
	d.Skip(4)
	d.Copy(p.HWAddr[:])
	d.Skip(2)
	p.Name = d.String(16)
	p.Config, p.State, p.Curr, p.Advertised = d.U32(), d.U32(), d.U32(), d.U32()
	p.Supported, p.Peer, p.CurrSpeed, p.MaxSpeed = d.U32(), d.U32(), d.U32(), d.U32()
}

// PortStatus reports a port added, removed or changed.
type PortStatus struct {
	Header
	Reason PortReason
	Port   Port
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PortStatus) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = wire.Pad(append(head(b, TypePortStatus, m.XID), uint8(m.Reason)), 7)
	b, err := m.Port.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PortStatus) MarshalBinary() ([]byte, error) { return marshal(m, 80) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PortStatus) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePortStatus)
	if err != nil {
		return err
	}
	*m = PortStatus{Header: h, Reason: PortReason(d.U8())}
	d.Skip(7)
	decodePort(&d, &m.Port)
	return end(&d, TypePortStatus)
}

// PacketOut sends a packet from the controller: the switch buffer BufferID
// or, with NoBuffer, Data.
type PacketOut struct {
	Header
	BufferID uint32
	InPort   uint32
	Actions  []Action
	Data     []byte
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PacketOut) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(a32(head(b, TypePacketOut, m.XID), m.BufferID), m.InPort)
	at := len(b)
	b = wire.Pad(b, 8)
	as := len(b)
	b, err := appendActions(b, m.Actions)
	if err != nil {
		return b[:start], err
	}
	if err := wire.PutLen16(b, at, as); err != nil {
		return b[:start], err
	}
	return wire.Finish(append(b, m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PacketOut) MarshalBinary() ([]byte, error) { return marshal(m, 48+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PacketOut) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePacketOut)
	if err != nil {
		return err
	}
	acts := m.Actions[:0]
	*m = PacketOut{Header: h, BufferID: d.U32(), InPort: d.U32()}
	n := int(d.U16())
	d.Skip(6)
	s := d.Sub(n)
	m.Actions = decodeActions(&s, acts)
	d.Merge(&s)
	m.Data = d.Rest()
	return d.Err()
}
