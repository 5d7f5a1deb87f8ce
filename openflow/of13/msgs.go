package of13

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// Header is the OpenFlow header every message embeds. Set XID; the encoder
// sets the rest.
type Header = wire.Header

var (
	be  = binary.BigEndian
	a16 = be.AppendUint16
	a32 = be.AppendUint32
	a64 = be.AppendUint64
)

// begin checks b's header against the message type t and returns a
// decoder positioned after it.
func begin(b []byte, t Type) (Header, wire.Decoder, error) {
	return wire.Begin(b, Version, uint8(t), t.String())
}

// end finishes a decode: nothing may be left over.
func end(d *wire.Decoder, t Type) error { return wire.End(d, t.String()) }

func head(b []byte, t Type, xid uint32) []byte {
	return wire.AppendHeader(b, Version, uint8(t), xid)
}

func marshal(m interface{ AppendBinary([]byte) ([]byte, error) }, size int) ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, size))
}

// Hello starts a connection. Elements carries the version bitmap (build it
// with NewHello) and any other elements.
type Hello struct {
	Header
	Elements []HelloElement
}

// HelloElement is one hello element. Bitmaps holds a version bitmap
// element's words; Data the body of any other kind.
type HelloElement struct {
	Type    uint16
	Bitmaps []uint32
	Data    []byte
}

// NewHello returns a hello announcing the given versions (1 = OpenFlow 1.0,
// 4 = 1.3) in a version bitmap.
func NewHello(versions ...uint8) *Hello {
	var words []uint32
	for _, v := range versions {
		for int(v)/32 >= len(words) {
			words = append(words, 0)
		}
		words[v/32] |= 1 << (v % 32)
	}
	h := &Hello{}
	if len(words) > 0 {
		h.Elements = []HelloElement{{Type: HelloVersionBitmap, Bitmaps: words}}
	}
	return h
}

// Versions returns the versions of the hello's version bitmap, ascending,
// or nil when it has none (the peer then supports its header's version and
// below).
func (m *Hello) Versions() []uint8 {
	var out []uint8
	for _, e := range m.Elements {
		if e.Type != HelloVersionBitmap {
			continue
		}
		for w, bits := range e.Bitmaps {
			for i := range 32 {
				if bits&(1<<i) != 0 && w*32+i < 256 {
					out = append(out, uint8(w*32+i))
				}
			}
		}
	}
	return out
}

// AppendBinary implements encoding.BinaryAppender.
func (m *Hello) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = head(b, TypeHello, m.XID)
	for _, e := range m.Elements {
		es := len(b)
		b = append(a16(b, e.Type), 0, 0)
		if e.Type == HelloVersionBitmap {
			for _, w := range e.Bitmaps {
				b = a32(b, w)
			}
		} else {
			b = append(b, e.Data...)
		}
		if err := wire.PutLen16(b, es+2, es); err != nil {
			return b[:start], err
		}
		b = wire.PadTo8(b, es)
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *Hello) MarshalBinary() ([]byte, error) { return marshal(m, 16) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *Hello) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeHello)
	if err != nil {
		return err
	}
	m.Header, m.Elements = h, nil
	for d.Len() >= 4 {
		start := d.Off
		t := d.U16()
		n := int(d.U16())
		if n < 4 {
			d.Off = start
			d.FailLen("hello element length %d", n)
			break
		}
		s := d.Sub(n - 4)
		e := HelloElement{Type: t}
		if t == HelloVersionBitmap {
			if (n-4)%4 != 0 {
				s.FailLen("version bitmap of %d bytes", n-4)
			}
			for s.Len() >= 4 {
				e.Bitmaps = append(e.Bitmaps, s.U32())
			}
		} else {
			e.Data = s.Rest()
		}
		d.Merge(&s)
		m.Elements = append(m.Elements, e)
		// Elements are padded to 8; the last one's padding may be absent.
		if pad := (8 - n%8) % 8; d.Len() >= pad {
			d.Skip(pad)
		}
	}
	// Anything shorter than an element is ignored, as the spec asks of
	// unknown hello content.
	return d.Err()
}

// Error reports a failure. For Type ErrExperimenter, ExpType and
// Experimenter are set and Code is unused. Data is (usually) the start of
// the message that failed.
type Error struct {
	Header
	Type         ErrorType
	Code         uint16
	ExpType      uint16
	Experimenter uint32
	Data         []byte
}

// String formats the error as "BAD_REQUEST/BAD_LEN".
func (m *Error) String() string {
	if m.Type == ErrExperimenter {
		return fmt.Sprintf("EXPERIMENTER/%#x/%d", m.Experimenter, m.ExpType)
	}
	return m.Type.String() + "/" + ErrorCodeString(m.Type, m.Code)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *Error) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(head(b, TypeError, m.XID), uint16(m.Type))
	if m.Type == ErrExperimenter {
		b = a32(a16(b, m.ExpType), m.Experimenter)
	} else {
		b = a16(b, m.Code)
	}
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
	*m = Error{Header: h, Type: ErrorType(d.U16())}
	if m.Type == ErrExperimenter {
		m.ExpType, m.Experimenter = d.U16(), d.U32()
	} else {
		m.Code = d.U16()
	}
	m.Data = d.Rest()
	return d.Err()
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
	return wire.DecodeData(b, Version, uint8(t), t.String(), h, data)
}

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

// Experimenter is a message defined by an experimenter (NiciraID for Open
// vSwitch's extensions).
type Experimenter struct {
	Header
	Experimenter uint32
	ExpType      uint32
	Data         []byte
}

// NiciraID is the experimenter id of Nicira (Open vSwitch) extensions.
const NiciraID uint32 = 0x00002320

// AppendBinary implements encoding.BinaryAppender.
func (m *Experimenter) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(a32(head(b, TypeExperimenter, m.XID), m.Experimenter), m.ExpType)
	return wire.Finish(append(b, m.Data...), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *Experimenter) MarshalBinary() ([]byte, error) { return marshal(m, 16+len(m.Data)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *Experimenter) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeExperimenter)
	if err != nil {
		return err
	}
	*m = Experimenter{Header: h, Experimenter: d.U32(), ExpType: d.U32()}
	m.Data = d.Rest()
	return d.Err()
}

// Messages with no body.
type (
	// FeaturesRequest asks the switch for its features.
	FeaturesRequest struct{ Header }
	// GetConfigRequest asks for the switch configuration.
	GetConfigRequest struct{ Header }
	// BarrierRequest asks the switch to finish everything sent before it.
	BarrierRequest struct{ Header }
	// BarrierReply says everything before the barrier is done.
	BarrierReply struct{ Header }
	// GetAsyncRequest asks which asynchronous messages the switch sends.
	GetAsyncRequest struct{ Header }
)

func appendEmpty(b []byte, t Type, xid uint32) ([]byte, error) {
	return wire.AppendEmpty(b, Version, uint8(t), xid)
}

func decodeEmpty(b []byte, t Type, h *Header) error {
	return wire.DecodeEmpty(b, Version, uint8(t), t.String(), h)
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

// AppendBinary implements encoding.BinaryAppender.
func (m *GetAsyncRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendEmpty(b, TypeGetAsyncRequest, m.XID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GetAsyncRequest) MarshalBinary() ([]byte, error) { return marshal(m, 8) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GetAsyncRequest) UnmarshalBinary(b []byte) error {
	return decodeEmpty(b, TypeGetAsyncRequest, &m.Header)
}

// FeaturesReply describes the switch.
type FeaturesReply struct {
	Header
	DatapathID   uint64
	NBuffers     uint32
	NTables      uint8
	AuxiliaryID  uint8
	Capabilities uint32
	Reserved     uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *FeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(a64(head(b, TypeFeaturesReply, m.XID), m.DatapathID), m.NBuffers)
	b = append(b, m.NTables, m.AuxiliaryID, 0, 0)
	b = a32(a32(b, m.Capabilities), m.Reserved)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FeaturesReply) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FeaturesReply) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFeaturesReply)
	if err != nil {
		return err
	}
	*m = FeaturesReply{Header: h, DatapathID: d.U64(), NBuffers: d.U32(), NTables: d.U8(), AuxiliaryID: d.U8()}
	d.Skip(2)
	m.Capabilities, m.Reserved = d.U32(), d.U32()
	return end(&d, TypeFeaturesReply)
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
	return wire.DecodeConfig(b, Version, uint8(t), t.String(), h, &c.Flags, &c.MissSendLen)
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
	if len(b) < 34 || b[0] != Version || b[1] != uint8(TypePacketIn) || int(be.Uint16(b[2:])) != len(b) ||
		be.Uint16(b[24:]) != 1 {
		return false
	}
	mlen := int(be.Uint16(b[26:]))
	end := 24 + (mlen+7)&^7
	if mlen < 4 || end+2 > len(b) {
		return false
	}
	fields := m.Match.Fields[:0]
	for oxm := b[28 : 24+mlen]; len(oxm) > 0; {
		if len(oxm) < 4 {
			return false
		}
		n := int(oxm[3])
		if 4+n > len(oxm) {
			return false
		}
		f := Field{Class: be.Uint16(oxm), Type: oxm[2] >> 1, HasMask: oxm[2]&1 == 1}
		payload := oxm[4 : 4+n : 4+n]
		if f.Class == ClassBasic {
			if int(f.Type) >= len(basicFields) {
				return false
			}
			want := basicFields[f.Type].size
			if f.HasMask {
				want *= 2
			}
			if n != want {
				return false
			}
		}
		f.setPayload(payload, nil)
		fields = append(fields, f)
		oxm = oxm[4+n:]
	}
	if len(fields) == 0 {
		fields = nil
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
	*m = PacketOut{Header: h, BufferID: d.U32(), InPort: d.U32()}
	n := int(d.U16())
	d.Skip(6)
	s := d.Sub(n)
	m.Actions = decodeActions(&s)
	d.Merge(&s)
	m.Data = d.Rest()
	return d.Err()
}

// FlowMod adds, changes or removes flows.
type FlowMod struct {
	Header
	Cookie       uint64
	CookieMask   uint64
	TableID      uint8
	Command      FlowModCommand
	IdleTimeout  uint16
	HardTimeout  uint16
	Priority     uint16
	BufferID     uint32
	OutPort      uint32
	OutGroup     uint32
	Flags        uint16
	Match        Match
	Instructions []Instruction
}

// Validate checks the flow_mod as a switch would: its match
// (Match.Validate) and the set_field actions of its instructions (a field
// the switch may set, unmasked, in range, with its prerequisites in the
// match), with the error naming the OpenFlow error.
func (m *FlowMod) Validate() error {
	c, err := m.Match.check()
	if err != nil {
		return err
	}
	for _, in := range m.Instructions {
		var err error
		switch in := in.(type) {
		case ApplyActions:
			err = validateActions(in.Actions, &c)
		case *ApplyActions:
			err = validateActions(in.Actions, &c)
		case WriteActions:
			err = validateActions(in.Actions, &c)
		case *WriteActions:
			err = validateActions(in.Actions, &c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the packet_out's set_field actions (see FlowMod).
func (m *PacketOut) Validate() error { return validateActions(m.Actions, nil) }

// Validate checks the set_field actions of the group's buckets.
func (m *GroupMod) Validate() error {
	for _, b := range m.Buckets {
		if err := validateActions(b.Actions, nil); err != nil {
			return err
		}
	}
	return nil
}

// AppendBinary implements encoding.BinaryAppender. It refuses a match that
// a switch would refuse (see Match.Validate).
func (m *FlowMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	// The fixed part is written in place: one capacity check, not twenty.
	b = slices.Grow(b, 128)[:start+48]
	h := b[start:]
	h[0], h[1], h[2], h[3] = Version, uint8(TypeFlowMod), 0, 0
	be.PutUint32(h[4:], m.XID)
	be.PutUint64(h[8:], m.Cookie)
	be.PutUint64(h[16:], m.CookieMask)
	h[24], h[25] = m.TableID, uint8(m.Command)
	be.PutUint16(h[26:], m.IdleTimeout)
	be.PutUint16(h[28:], m.HardTimeout)
	be.PutUint16(h[30:], m.Priority)
	be.PutUint32(h[32:], m.BufferID)
	be.PutUint32(h[36:], m.OutPort)
	be.PutUint32(h[40:], m.OutGroup)
	be.PutUint16(h[44:], m.Flags)
	h[46], h[47] = 0, 0
	b, err := m.Match.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	if b, err = appendInstructions(b, m.Instructions); err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FlowMod) MarshalBinary() ([]byte, error) { return marshal(m, 128) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FlowMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeFlowMod)
	if err != nil {
		return err
	}
	*m = FlowMod{Header: h, Cookie: d.U64(), CookieMask: d.U64(), TableID: d.U8(), Command: FlowModCommand(d.U8()),
		IdleTimeout: d.U16(), HardTimeout: d.U16(), Priority: d.U16(), BufferID: d.U32(), OutPort: d.U32(),
		OutGroup: d.U32(), Flags: d.U16()}
	d.Skip(2)
	decodeMatch(&d, &m.Match)
	m.Instructions = decodeInstructions(&d)
	return d.Err()
}

// Bucket is one bucket of a group.
type Bucket struct {
	Weight     uint16
	WatchPort  uint32
	WatchGroup uint32
	Actions    []Action
}

func appendBuckets(b []byte, buckets []Bucket) ([]byte, error) {
	for _, bk := range buckets {
		bs := len(b)
		b = append(a32(a32(a16(a16(b, 0), bk.Weight), bk.WatchPort), bk.WatchGroup), 0, 0, 0, 0)
		var err error
		if b, err = appendActions(b, bk.Actions); err != nil {
			return b, err
		}
		if err := wire.PutLen16(b, bs, bs); err != nil {
			return b, err
		}
	}
	return b, nil
}

func decodeBuckets(d *wire.Decoder) []Bucket {
	var out []Bucket
	for d.Len() > 0 {
		start := d.Off
		n := int(d.U16())
		if n < 16 {
			d.Off = start
			d.Fail(uint16(ErrGroupModFailed), GroupModFailedBadBucket, "bucket length %d", n)
			break
		}
		s := d.Sub(n - 2)
		bk := Bucket{Weight: s.U16(), WatchPort: s.U32(), WatchGroup: s.U32()}
		s.Skip(4)
		bk.Actions = decodeActions(&s)
		d.Merge(&s)
		out = append(out, bk)
	}
	return out
}

// GroupMod adds, changes or removes a group.
type GroupMod struct {
	Header
	Command GroupModCommand
	Type    GroupType
	GroupID uint32
	Buckets []Bucket
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GroupMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(append(a16(head(b, TypeGroupMod, m.XID), uint16(m.Command)), uint8(m.Type), 0), m.GroupID)
	b, err := appendBuckets(b, m.Buckets)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GroupMod) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GroupMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeGroupMod)
	if err != nil {
		return err
	}
	*m = GroupMod{Header: h, Command: GroupModCommand(d.U16()), Type: GroupType(d.U8())}
	d.Skip(1)
	m.GroupID = d.U32()
	m.Buckets = decodeBuckets(&d)
	return d.Err()
}

// PortMod changes a port's configuration.
type PortMod struct {
	Header
	PortNo    uint32
	HWAddr    [6]byte
	Config    uint32
	Mask      uint32
	Advertise uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PortMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(a32(head(b, TypePortMod, m.XID), m.PortNo), 0, 0, 0, 0)
	b = append(append(b, m.HWAddr[:]...), 0, 0)
	b = append(a32(a32(a32(b, m.Config), m.Mask), m.Advertise), 0, 0, 0, 0)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PortMod) MarshalBinary() ([]byte, error) { return marshal(m, 40) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PortMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePortMod)
	if err != nil {
		return err
	}
	*m = PortMod{Header: h, PortNo: d.U32()}
	d.Skip(4)
	d.Copy(m.HWAddr[:])
	d.Skip(2)
	m.Config, m.Mask, m.Advertise = d.U32(), d.U32(), d.U32()
	d.Skip(4)
	return end(&d, TypePortMod)
}

// TableMod configures a table.
type TableMod struct {
	Header
	TableID uint8
	Config  uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *TableMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(append(head(b, TypeTableMod, m.XID), m.TableID, 0, 0, 0), m.Config)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *TableMod) MarshalBinary() ([]byte, error) { return marshal(m, 16) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *TableMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeTableMod)
	if err != nil {
		return err
	}
	*m = TableMod{Header: h, TableID: d.U8()}
	d.Skip(3)
	m.Config = d.U32()
	return end(&d, TypeTableMod)
}

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

// RoleRequest asks to change (or learn) the controller's role.
type RoleRequest struct {
	Header
	Role         ControllerRole
	GenerationID uint64
}

// RoleReply answers a RoleRequest.
type RoleReply struct {
	Header
	Role         ControllerRole
	GenerationID uint64
}

func appendRole(b []byte, t Type, xid uint32, r ControllerRole, gen uint64) ([]byte, error) {
	start := len(b)
	return wire.Finish(a64(append(a32(head(b, t, xid), uint32(r)), 0, 0, 0, 0), gen), start)
}

func decodeRole(b []byte, t Type, h *Header, r *ControllerRole, gen *uint64) error {
	hd, d, err := begin(b, t)
	if err != nil {
		return err
	}
	*h, *r = hd, ControllerRole(d.U32())
	d.Skip(4)
	*gen = d.U64()
	return end(&d, t)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *RoleRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, TypeRoleRequest, m.XID, m.Role, m.GenerationID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *RoleRequest) MarshalBinary() ([]byte, error) { return marshal(m, 24) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *RoleRequest) UnmarshalBinary(b []byte) error {
	return decodeRole(b, TypeRoleRequest, &m.Header, &m.Role, &m.GenerationID)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *RoleReply) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, TypeRoleReply, m.XID, m.Role, m.GenerationID)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *RoleReply) MarshalBinary() ([]byte, error) { return marshal(m, 24) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *RoleReply) UnmarshalBinary(b []byte) error {
	return decodeRole(b, TypeRoleReply, &m.Header, &m.Role, &m.GenerationID)
}

// AsyncConfig says which asynchronous messages a controller receives, as
// bit masks by reason: index 0 in the master or equal role, 1 as slave.
type AsyncConfig struct {
	PacketInMask    [2]uint32
	PortStatusMask  [2]uint32
	FlowRemovedMask [2]uint32
}

// GetAsyncReply carries the asynchronous message configuration.
type GetAsyncReply struct {
	Header
	AsyncConfig
}

// SetAsync sets the asynchronous message configuration.
type SetAsync struct {
	Header
	AsyncConfig
}

func appendAsync(b []byte, t Type, xid uint32, c *AsyncConfig) ([]byte, error) {
	start := len(b)
	b = head(b, t, xid)
	for _, v := range [][2]uint32{c.PacketInMask, c.PortStatusMask, c.FlowRemovedMask} {
		b = a32(a32(b, v[0]), v[1])
	}
	return wire.Finish(b, start)
}

func decodeAsync(b []byte, t Type, h *Header, c *AsyncConfig) error {
	hd, d, err := begin(b, t)
	if err != nil {
		return err
	}
	*h = hd
	for _, v := range []*[2]uint32{&c.PacketInMask, &c.PortStatusMask, &c.FlowRemovedMask} {
		v[0], v[1] = d.U32(), d.U32()
	}
	return end(&d, t)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GetAsyncReply) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, TypeGetAsyncReply, m.XID, &m.AsyncConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GetAsyncReply) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GetAsyncReply) UnmarshalBinary(b []byte) error {
	return decodeAsync(b, TypeGetAsyncReply, &m.Header, &m.AsyncConfig)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *SetAsync) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, TypeSetAsync, m.XID, &m.AsyncConfig)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *SetAsync) MarshalBinary() ([]byte, error) { return marshal(m, 32) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *SetAsync) UnmarshalBinary(b []byte) error {
	return decodeAsync(b, TypeSetAsync, &m.Header, &m.AsyncConfig)
}

// MeterBand is one band of a meter: drop, DSCP remark (PrecLevel) or an
// experimenter's (Experimenter, and what it adds in Data).
type MeterBand struct {
	Type         MeterBandType
	Rate         uint32
	BurstSize    uint32
	PrecLevel    uint8
	Experimenter uint32
	Data         []byte
}

func appendBands(b []byte, bands []MeterBand) []byte {
	for _, bd := range bands {
		n := 16
		if bd.Type == BandExperimenter {
			n += len(bd.Data)
		}
		b = a32(a32(a16(a16(b, uint16(bd.Type)), uint16(n)), bd.Rate), bd.BurstSize)
		switch bd.Type {
		case BandDSCPRemark:
			b = append(b, bd.PrecLevel, 0, 0, 0)
		case BandExperimenter:
			b = append(a32(b, bd.Experimenter), bd.Data...)
		default:
			b = append(b, 0, 0, 0, 0)
		}
	}
	return b
}

func decodeBands(d *wire.Decoder) []MeterBand {
	var out []MeterBand
	for d.Len() > 0 {
		start := d.Off
		bd := MeterBand{Type: MeterBandType(d.U16())}
		n := int(d.U16())
		if (n != 16 && bd.Type != BandExperimenter || n < 16 || n-4 > d.Len()) && !d.Failed() {
			d.Off = start
			d.Fail(uint16(ErrMeterModFailed), MeterModFailedBadBand, "meter band length %d", n)
			break
		}
		bd.Rate, bd.BurstSize = d.U32(), d.U32()
		switch bd.Type {
		case BandDSCPRemark:
			bd.PrecLevel = d.U8()
			d.Skip(3)
		case BandExperimenter:
			bd.Experimenter = d.U32()
			if n > 16 { // what the experimenter adds
				bd.Data = d.Bytes(n - 16)
			}
		default:
			d.Skip(4)
		}
		out = append(out, bd)
	}
	return out
}

// MeterMod adds, changes or removes a meter.
type MeterMod struct {
	Header
	Command MeterModCommand
	Flags   uint16
	MeterID uint32
	Bands   []MeterBand
}

// AppendBinary implements encoding.BinaryAppender.
func (m *MeterMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(a16(a16(head(b, TypeMeterMod, m.XID), uint16(m.Command)), m.Flags), m.MeterID)
	return wire.Finish(appendBands(b, m.Bands), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *MeterMod) MarshalBinary() ([]byte, error) { return marshal(m, 48) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MeterMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeMeterMod)
	if err != nil {
		return err
	}
	*m = MeterMod{Header: h, Command: MeterModCommand(d.U16()), Flags: d.U16(), MeterID: d.U32()}
	m.Bands = decodeBands(&d)
	return d.Err()
}

// NewFlowMod returns a flow_mod of command cmd with the fields whose zero
// would mean something else set to "none": no buffered packet, any output
// port, any group. Set the match, instructions and the rest on it.
func NewFlowMod(cmd FlowModCommand) *FlowMod {
	return &FlowMod{Command: cmd, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}
}

// NewPacketOut returns a packet_out carrying data (no switch buffer),
// from the controller, through actions.
func NewPacketOut(data []byte, actions ...Action) *PacketOut {
	return &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: actions, Data: data}
}
