package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/netslice/netslice/openflow/internal/wire"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Version is an OpenFlow wire version.
type Version uint8

// The versions netslice speaks.
const (
	Version10 Version = of10.Version
	Version13 Version = of13.Version
)

func (v Version) String() string {
	switch v {
	case Version10:
		return "OpenFlow 1.0"
	case 2:
		return "OpenFlow 1.1"
	case 3:
		return "OpenFlow 1.2"
	case Version13:
		return "OpenFlow 1.3"
	case 5:
		return "OpenFlow 1.4"
	case 6:
		return "OpenFlow 1.5"
	}
	return fmt.Sprintf("Version(%#x)", uint8(v))
}

// Header is the 8-byte header that starts every OpenFlow message; every
// message type embeds it.
type Header = wire.Header

// HeaderLen is the length of Header on the wire.
const HeaderLen = wire.HeaderLen

// Message is a message of any version: the message types of of10 and of13
// (as pointers) satisfy it.
type Message interface {
	Head() *Header
	AppendBinary(b []byte) ([]byte, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(b []byte) error
}

// Errors. Decoders return *DecodeError values, which wrap ErrMalformed.
var (
	ErrMalformed = wire.ErrMalformed
	ErrInvalid   = wire.ErrInvalid
	ErrTooLong   = wire.ErrTooLong
	// ErrVersion: a message of a version netslice does not speak.
	ErrVersion = errors.New("openflow: unsupported version")
)

// DecodeError is a decode failure, the one error every decoder of this
// package, of10 and of13 returns for bytes it cannot read: the offset
// where it happened and the OpenFlow error type and code, in the
// message's version, to reply with. It wraps ErrMalformed.
type DecodeError = wire.Error

// Error is DecodeError's former name.
//
// Deprecated: use DecodeError.
type Error = DecodeError

// ParseHeader decodes the header at the start of b.
func ParseHeader(b []byte) (Header, error) { return wire.ParseHeader(b) }

// Decode decodes one whole message of version 1.0 or 1.3. The result may
// point into b.
func Decode(b []byte) (Message, error) {
	if len(b) < HeaderLen {
		return nil, &DecodeError{Offset: len(b), Type: 1, Code: 6, Msg: "truncated"}
	}
	switch Version(b[0]) {
	case Version10:
		return of10.Decode(b)
	case Version13:
		return of13.Decode(b)
	}
	return nil, fmt.Errorf("%w %v: %w", ErrVersion, Version(b[0]),
		&DecodeError{Offset: 0, Type: uint16(of13.ErrorTypeBadRequest), Code: of13.BadRequestBadVersion, Msg: "unsupported version"})
}

// ErrorReply returns the error message a peer should be sent for a message
// that failed to decode with err: the error type and code err carries, in
// the offending message's version (1.3 for a version netslice does not
// speak), with the first 64 bytes of the message as data as the
// specification asks. It returns nil when err carries no OpenFlow error.
func ErrorReply(err error, offending []byte) Message {
	var e *DecodeError
	if !errors.As(err, &e) {
		return nil
	}
	data := offending[:min(len(offending), 64)]
	var xid uint32
	if len(offending) >= HeaderLen {
		xid = binary.BigEndian.Uint32(offending[4:8])
	}
	if len(offending) > 0 && Version(offending[0]) == Version10 {
		return &of10.Error{Header: Header{XID: xid}, Type: of10.ErrorType(e.Type), Code: e.Code, Data: data}
	}
	return &of13.Error{Header: Header{XID: xid}, Type: of13.ErrorType(e.Type), Code: e.Code, Data: data}
}

// DefaultMaxMessage is the largest message a Reader accepts by default: the
// largest the length field allows.
const DefaultMaxMessage = wire.MaxLen

// Reader splits a byte stream into OpenFlow messages. It reads in large
// chunks and hands out messages as views into its buffer, so reading does
// not allocate once the buffer has grown to fit.
type Reader struct {
	r          io.Reader
	buf        []byte
	start, end int // buffered bytes are buf[start:end]
	max        int
}

// NewReader returns a Reader of r that refuses messages longer than max
// bytes (0: DefaultMaxMessage).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 || max > wire.MaxLen {
		max = wire.MaxLen
	}
	// 16 KiB holds many messages a read; the buffer grows for a larger one.
	return &Reader{r: r, buf: make([]byte, 0, 16<<10), max: max}
}

// Next returns the next whole message. The bytes are valid until the next
// call. At the end of the stream it returns io.EOF, or
// io.ErrUnexpectedEOF if the stream ends inside a message. A length field
// shorter than a header or longer than the maximum is a *DecodeError (the
// stream cannot be resynchronized after it).
func (r *Reader) Next() ([]byte, error) {
	if err := r.fill(HeaderLen); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(r.buf[r.start+2:]))
	if n < HeaderLen || n > r.max {
		return nil, &DecodeError{Offset: 2, Type: uint16(of13.ErrorTypeBadRequest), Code: of13.BadRequestBadLen,
			Msg: fmt.Sprintf("length field %d outside %d..%d", n, HeaderLen, r.max)}
	}
	if err := r.fill(n); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	msg := r.buf[r.start : r.start+n : r.start+n]
	r.start += n
	return msg, nil
}

// Ready reports whether a whole message is buffered, so that Next returns
// without reading from the stream.
func (r *Reader) Ready() bool {
	if r.end-r.start < HeaderLen {
		return false
	}
	n := int(binary.BigEndian.Uint16(r.buf[r.start+2:]))
	return n < HeaderLen || r.end-r.start >= n
}

// fill makes at least n bytes available at buf[start:].
func (r *Reader) fill(n int) error {
	for r.end-r.start < n {
		if r.start > 0 && cap(r.buf)-r.start < n {
			// Move what is left to the front to make room.
			copy(r.buf[:cap(r.buf)], r.buf[r.start:r.end])
			r.end -= r.start
			r.start = 0
		}
		if cap(r.buf)-r.start < n {
			nb := make([]byte, 0, max(2*cap(r.buf), n))
			copy(nb[:cap(nb)], r.buf[r.start:r.end])
			r.end -= r.start
			r.start = 0
			r.buf = nb
		}
		m, err := r.r.Read(r.buf[r.end:cap(r.buf)])
		r.end += m
		if m > 0 {
			continue
		}
		if err != nil {
			if err == io.EOF && r.end > r.start {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	r.buf = r.buf[:r.end]
	return nil
}
