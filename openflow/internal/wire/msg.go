package wire

import (
	"encoding/binary"
	"fmt"
)

// Helpers for the message shapes OpenFlow 1.0 and 1.3 share, so each
// version's package keeps only what differs.

// Begin checks b's header against the message's version and type and
// returns a decoder positioned after it. name (the message type) is only
// formatted for an error. The error codes are BAD_REQUEST's, which are
// the same numbers in 1.0 and 1.3.
func Begin(b []byte, version, typ uint8, name fmt.Stringer) (Header, Decoder, error) {
	if len(b) >= 8 && b[0] == version && b[1] == typ && int(binary.BigEndian.Uint16(b[2:])) == len(b) {
		return Header{Version: version, Type: typ, Length: uint16(len(b)), XID: binary.BigEndian.Uint32(b[4:])},
			Decoder{B: b, Off: 8}, nil
	}
	return badBegin(b, version, typ, name)
}

// badBegin is Begin for a header that is wrong: it says how.
func badBegin(b []byte, version, typ uint8, name fmt.Stringer) (Header, Decoder, error) {
	d := NewDecoder(b, 0)
	var h Header
	if f := d.Bytes(8); f != nil {
		h = Header{Version: f[0], Type: f[1], Length: binary.BigEndian.Uint16(f[2:]), XID: binary.BigEndian.Uint32(f[4:])}
	}
	switch {
	case d.Failed():
	case h.Version != version:
		d.Off = 0
		d.Fail(TypeBadRequest, CodeBadVersion, "version %#x, want %#x", h.Version, version)
	case h.Type != typ:
		d.Off = 1
		d.Fail(TypeBadRequest, CodeBadType, "type %d, want %v", h.Type, name)
	case int(h.Length) != len(b):
		d.Off = 2
		d.FailLen("length field %d, message %d bytes", h.Length, len(b))
	}
	return h, d, d.Err()
}

// End finishes a decode: nothing may be left over.
func End(d *Decoder, name string) error {
	d.Done(name)
	return d.Err()
}

// AppendEmpty encodes a message that is only a header.
func AppendEmpty(b []byte, version, typ uint8, xid uint32) ([]byte, error) {
	start := len(b)
	return Finish(AppendHeader(b, version, typ, xid), start)
}

// DecodeEmpty decodes a message that is only a header.
func DecodeEmpty(b []byte, version, typ uint8, name fmt.Stringer, h *Header) error {
	hd, d, err := Begin(b, version, typ, name)
	if err != nil {
		return err
	}
	*h = hd
	return End(&d, name.String())
}

// AppendData encodes a header followed by opaque data (echo, hello).
func AppendData(b []byte, version, typ uint8, xid uint32, data []byte) ([]byte, error) {
	start := len(b)
	return Finish(append(AppendHeader(b, version, typ, xid), data...), start)
}

// DecodeData decodes a header followed by opaque data.
func DecodeData(b []byte, version, typ uint8, name fmt.Stringer, h *Header, data *[]byte) error {
	hd, d, err := Begin(b, version, typ, name)
	if err != nil {
		return err
	}
	*h, *data = hd, d.Rest()
	return nil
}

// AppendConfig encodes a switch configuration message (flags, miss send
// length), the same in both versions.
func AppendConfig(b []byte, version, typ uint8, xid uint32, flags, missSendLen uint16) ([]byte, error) {
	start := len(b)
	b = AppendHeader(b, version, typ, xid)
	b = append(b, byte(flags>>8), byte(flags), byte(missSendLen>>8), byte(missSendLen))
	return Finish(b, start)
}

// DecodeConfig decodes a switch configuration message.
func DecodeConfig(b []byte, version, typ uint8, name fmt.Stringer, h *Header, flags, missSendLen *uint16) error {
	hd, d, err := Begin(b, version, typ, name)
	if err != nil {
		return err
	}
	*h, *flags, *missSendLen = hd, d.U16(), d.U16()
	return End(&d, name.String())
}

// Desc is the switch description body, the same in both versions.
type Desc struct {
	Manufacturer string
	Hardware     string
	Software     string
	SerialNumber string
	Datapath     string
}

// AppendDesc encodes a switch description.
func AppendDesc(b []byte, r Desc) ([]byte, error) {
	var err error
	for _, f := range [5]struct {
		s string
		n int
	}{{r.Manufacturer, 256}, {r.Hardware, 256}, {r.Software, 256}, {r.SerialNumber, 32}, {r.Datapath, 256}} {
		if b, err = AppendString(b, f.s, f.n); err != nil {
			return b, err
		}
	}
	return b, nil
}

// DecodeDesc decodes a switch description.
func DecodeDesc(d *Decoder) Desc {
	return Desc{Manufacturer: d.String(256), Hardware: d.String(256), Software: d.String(256),
		SerialNumber: d.String(32), Datapath: d.String(256)}
}

// Unmarshaler is what every message type implements.
type Unmarshaler interface{ UnmarshalBinary([]byte) error }

// DecodeAs decodes a whole message with the type newMsg returns for its
// header's type (nil: unknown type).
func DecodeAs[M Unmarshaler](b []byte, newMsg func(typ uint8) (M, bool), typeName func(uint8) string) (M, error) {
	var zero M
	h, err := ParseHeader(b)
	if err != nil {
		return zero, &Error{Offset: len(b), Type: TypeBadRequest, Code: CodeBadLen, Msg: "truncated"}
	}
	m, ok := newMsg(h.Type)
	if !ok {
		return zero, &Error{Offset: 1, Type: TypeBadRequest, Code: CodeBadType, Msg: "unknown message type " + typeName(h.Type)}
	}
	if err := m.UnmarshalBinary(b); err != nil {
		return zero, err
	}
	return m, nil
}
