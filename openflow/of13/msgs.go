package of13

import (
	"encoding/binary"
	"fmt"

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
	return wire.Begin(b, Version, uint8(t), t)
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

// Error reports a failure. For Type ErrorTypeExperimenter, ExpType and
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
	if m.Type == ErrorTypeExperimenter {
		return fmt.Sprintf("EXPERIMENTER/%#x/%d", m.Experimenter, m.ExpType)
	}
	return m.Type.String() + "/" + ErrorCodeString(m.Type, m.Code)
}

// AppendBinary implements encoding.BinaryAppender.
func (m *Error) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a16(head(b, TypeError, m.XID), uint16(m.Type))
	if m.Type == ErrorTypeExperimenter {
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
	if m.Type == ErrorTypeExperimenter {
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
	return wire.DecodeData(b, Version, uint8(t), t, h, data)
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
