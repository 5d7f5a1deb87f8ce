// Package wire holds what every OpenFlow version shares on the wire: the
// header, the decode error, and small encoding helpers. The openflow
// package re-exports the public parts.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderLen is the length of the OpenFlow header.
const HeaderLen = 8

// MaxLen is the largest message the 16-bit length field can describe.
const MaxLen = 0xffff

// Header is the OpenFlow header that starts every message. Messages embed
// it; when encoding, Version, Type and Length are set by the encoder and
// only XID is taken from the caller.
type Header struct {
	Version uint8
	Type    uint8
	Length  uint16
	XID     uint32
}

// Head returns the header, so every message type gives access to it.
func (h *Header) Head() *Header { return h }

// ParseHeader decodes the first 8 bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, io.ErrUnexpectedEOF
	}
	return Header{Version: b[0], Type: b[1], Length: binary.BigEndian.Uint16(b[2:4]), XID: binary.BigEndian.Uint32(b[4:8])}, nil
}

// AppendHeader appends a header with length 0, to be patched by Finish.
func AppendHeader(b []byte, version, typ uint8, xid uint32) []byte {
	return append(b, version, typ, 0, 0, byte(xid>>24), byte(xid>>16), byte(xid>>8), byte(xid))
}

// Finish writes the length of the message that starts at b[start:].
func Finish(b []byte, start int) ([]byte, error) {
	n := len(b) - start
	if n > MaxLen {
		return b[:start], fmt.Errorf("%w: message of %d bytes exceeds %d", ErrTooLong, n, MaxLen)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// Errors of the wire contract.
var (
	// ErrTooLong: an encoded message or nested structure would not fit its
	// length field.
	ErrTooLong = errors.New("openflow: too long")
	// ErrInvalid: a message value that cannot be encoded.
	ErrInvalid = errors.New("openflow: invalid message")
	// ErrMalformed is wrapped by every *Error: bytes that do not decode.
	ErrMalformed = errors.New("openflow: malformed message")
)

// Error is a decode failure: where in the message it happened, what was
// wrong, and which OpenFlow error (type and code, in the message's
// version) a controller or switch should answer with.
type Error struct {
	Offset int    // byte offset in the message
	Type   uint16 // OpenFlow error type to reply with
	Code   uint16 // OpenFlow error code to reply with
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("openflow: malformed message at offset %d: %s (reply error type %d code %d)", e.Offset, e.Msg, e.Type, e.Code)
}

// Is makes errors.Is(err, ErrMalformed) hold; a short message also
// satisfies io.ErrUnexpectedEOF.
func (e *Error) Is(target error) bool {
	return target == ErrMalformed || target == io.ErrUnexpectedEOF && e.Msg == "truncated"
}

// Error types and codes that are the same number in OpenFlow 1.0 and 1.3,
// used by the shared decoding helpers.
const (
	TypeBadRequest = 1
	CodeBadVersion = 0
	CodeBadType    = 1
	CodeBadLen     = 6
)

// Decoder reads big-endian fields from a message with a sticky error: the
// first failure is kept and later reads return zeros, so a decoder reads
// every field and checks Err once. It never reads past its bytes.
//
// A read checks only its bounds and is inlined into its caller: running
// out of bytes records where (trunc) and leaves nothing to read, and the
// error is built when it is asked for.
type Decoder struct {
	B   []byte
	Off int
	err *Error
	// trunc is 1 + the offset at which the bytes ran out for a read, 0
	// when none has; err is built from it by settle.
	trunc int
	// Base is added to offsets in errors (the position of B in the whole
	// message).
	Base int
	// BadLen is the error type and code to report for a short or
	// inconsistent length; zero means BAD_REQUEST/BAD_LEN.
	BadLenType, BadLenCode uint16
}

// NewDecoder starts reading b, which sits at offset base of the message.
func NewDecoder(b []byte, base int) Decoder { return Decoder{B: b, Base: base} }

// Err returns the first failure, or nil.
func (d *Decoder) Err() error {
	if d.settle(); d.err == nil {
		return nil
	}
	return d.err
}

// Failed reports whether a read failed.
func (d *Decoder) Failed() bool { return d.err != nil || d.trunc != 0 }

// settle turns a recorded truncation into the decoder's error.
func (d *Decoder) settle() {
	if d.trunc != 0 {
		d.Off, d.trunc = d.trunc-1, 0
		d.FailLen("truncated")
	}
}

// Fail records a failure at the current offset unless one is recorded.
func (d *Decoder) Fail(typ, code uint16, format string, args ...any) {
	if d.settle(); d.err == nil {
		msg := format
		if len(args) > 0 {
			msg = fmt.Sprintf(format, args...)
		}
		d.err = &Error{Offset: d.Base + d.Off, Type: typ, Code: code, Msg: msg}
		d.B, d.Off = nil, 0
	}
}

// FailLen records a length failure.
func (d *Decoder) FailLen(format string, args ...any) {
	t, c := d.BadLenType, d.BadLenCode
	if t == 0 && c == 0 {
		t, c = TypeBadRequest, CodeBadLen
	}
	d.Fail(t, c, format, args...)
}

// short reports whether fewer than n bytes are left; when so it records
// the truncation (the first only) and leaves nothing to read.
func (d *Decoder) short(n int) bool {
	if uint(n) <= uint(len(d.B)-d.Off) && d.Off <= len(d.B) {
		return false
	}
	if d.trunc == 0 && d.err == nil {
		d.trunc = len(d.B) + 1 // where the bytes ran out
	}
	d.B, d.Off = nil, 0
	return true
}

// Len is what is left to read.
func (d *Decoder) Len() int { return len(d.B) - d.Off }

// U8 reads one byte.
func (d *Decoder) U8() uint8 {
	if d.short(1) {
		return 0
	}
	d.Off++
	return d.B[d.Off-1]
}

// U16 reads a big-endian uint16.
func (d *Decoder) U16() uint16 {
	if d.short(2) {
		return 0
	}
	d.Off += 2
	return binary.BigEndian.Uint16(d.B[d.Off-2:])
}

// U32 reads a big-endian uint32.
func (d *Decoder) U32() uint32 {
	if d.short(4) {
		return 0
	}
	d.Off += 4
	return binary.BigEndian.Uint32(d.B[d.Off-4:])
}

// U64 reads a big-endian uint64.
func (d *Decoder) U64() uint64 {
	if d.short(8) {
		return 0
	}
	d.Off += 8
	return binary.BigEndian.Uint64(d.B[d.Off-8:])
}

// Skip passes over n bytes (padding).
func (d *Decoder) Skip(n int) {
	if !d.short(n) {
		d.Off += n
	}
}

// Bytes returns the next n bytes as a view into the message.
func (d *Decoder) Bytes(n int) []byte {
	if d.short(n) {
		return nil
	}
	d.Off += n
	return d.B[d.Off-n : d.Off : d.Off]
}

// Rest returns what is left as a view (nil when nothing is).
func (d *Decoder) Rest() []byte {
	if d.Off >= len(d.B) {
		return nil
	}
	return d.Bytes(len(d.B) - d.Off)
}

// String reads a fixed-size, NUL-terminated string field. A field with no
// NUL is cut to n-1 bytes, as Open vSwitch reads one, so it fits the field
// again when encoded.
func (d *Decoder) String(n int) string {
	b := d.Bytes(n)
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	if len(b) > 0 {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Copy reads n bytes into dst.
func (d *Decoder) Copy(dst []byte) {
	if b := d.Bytes(len(dst)); b != nil {
		copy(dst, b)
	}
}

// Sub returns a decoder over the next n bytes and advances past them; a
// failure in the sub-decoder must be merged back with Merge.
func (d *Decoder) Sub(n int) Decoder {
	s := Decoder{Base: d.Base + d.Off, BadLenType: d.BadLenType, BadLenCode: d.BadLenCode}
	if b := d.Bytes(n); b != nil || n == 0 && !d.Failed() {
		s.B = b
	} else {
		d.settle()
		s.err = d.err
	}
	return s
}

// A Bound is what Unbound needs to lift the bound Bound set.
type Bound struct {
	b         []byte
	typ, code uint16
}

// Bound makes only the next n bytes readable, reporting a short or
// inconsistent length in them as typ/code, until Unbound. It is Sub
// without a second decoder, for the paths every flow takes (a match, an
// action list): offsets stay the message's own.
func (d *Decoder) Bound(n int, typ, code uint16) Bound {
	if d.short(n) {
		return Bound{}
	}
	l := Bound{d.B, d.BadLenType, d.BadLenCode}
	d.B, d.BadLenType, d.BadLenCode = d.B[:d.Off+n], typ, code
	return l
}

// Unbound lifts the bound l: what follows the bounded bytes is readable
// again, unless reading them failed.
func (d *Decoder) Unbound(l Bound) {
	if d.trunc != 0 {
		d.settle() // while the bound's length error applies
	}
	d.BadLenType, d.BadLenCode = l.typ, l.code
	if !d.Failed() {
		d.B = l.b
	}
}

// Merge takes a sub-decoder's failure.
func (d *Decoder) Merge(s *Decoder) {
	if !s.Failed() || d.Failed() {
		return
	}
	s.settle()
	d.err = s.err
	d.B, d.Off = nil, 0
}

// Done fails if bytes are left over.
func (d *Decoder) Done(what string) {
	if !d.Failed() && d.Off != len(d.B) {
		d.FailLen("%d bytes left over after %s", len(d.B)-d.Off, what)
	}
}

// Pad appends n zero bytes.
func Pad(b []byte, n int) []byte {
	if i := len(b); uint(n) <= 8 && cap(b)-i >= 8 {
		// Padding to 8 bytes, the common case: one store.
		*(*[8]byte)(b[i : i+8]) = [8]byte{}
		return b[:i+n]
	}
	for range n {
		b = append(b, 0)
	}
	return b
}

// PadTo8 appends zero bytes until len(b)-start is a multiple of 8.
func PadTo8(b []byte, start int) []byte {
	return Pad(b, (8-(len(b)-start)%8)%8)
}

// AppendString appends s as a fixed-size NUL-padded field of n bytes.
func AppendString(b []byte, s string, n int) ([]byte, error) {
	if len(s) >= n {
		return b, fmt.Errorf("%w: %q does not fit %d bytes with its NUL", ErrInvalid, s, n)
	}
	b = append(b, s...)
	return Pad(b, n-len(s)), nil
}

// PutLen16 writes the length of b[start:] as a uint16 at b[at:].
func PutLen16(b []byte, at, start int) error {
	n := len(b) - start
	if n > 0xffff {
		return fmt.Errorf("%w: %d bytes in a 16-bit length", ErrTooLong, n)
	}
	binary.BigEndian.PutUint16(b[at:], uint16(n))
	return nil
}

// Name returns names[v], or typ(v) when v has no name.
func Name(names []string, v uint64, typ string) string {
	if v < uint64(len(names)) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, v)
}

// MapName returns names[v], or typ(0x…) when v has no name.
func MapName[K ~uint8 | ~uint16 | ~uint32](names map[K]string, v K, typ string) string {
	if s, ok := names[v]; ok {
		return s
	}
	return fmt.Sprintf("%s(%#x)", typ, uint64(v))
}
