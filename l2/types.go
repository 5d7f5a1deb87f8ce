package l2

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MAC is an IEEE 802 MAC-48 address. It is a comparable value type, usable
// as a map key; the zero value is 00:00:00:00:00:00.
type MAC [6]byte

// Broadcast is ff:ff:ff:ff:ff:ff.
var Broadcast = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// ErrSyntax is wrapped by every parse error of this package.
var ErrSyntax = errors.New("l2: invalid syntax")

// ParseError describes text that does not parse as the wanted type.
type ParseError struct {
	Type  string // "MAC", "VLAN", "datapath id"
	Input string
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("l2: invalid %s %q: %s", e.Type, e.Input, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *ParseError) Unwrap() error { return ErrSyntax }

// ParseMAC parses the common notations of a MAC-48 address:
// 00:1b:21:3a:4f:5c, 00-1B-21-3A-4F-5C, 001b.213a.4f5c and 001b213a4f5c,
// in either case.
func ParseMAC(s string) (MAC, error) {
	var m MAC
	fail := func(msg string) (MAC, error) { return MAC{}, &ParseError{Type: "MAC", Input: s, Msg: msg} }
	var hex string
	switch len(s) {
	case 17: // xx:xx:xx:xx:xx:xx or xx-xx-xx-xx-xx-xx
		sep := s[2]
		if sep != ':' && sep != '-' {
			return fail("separator must be ':' or '-'")
		}
		var b [12]byte
		for i := range 6 {
			if i > 0 && s[3*i-1] != sep {
				return fail("inconsistent separators")
			}
			b[2*i], b[2*i+1] = s[3*i], s[3*i+1]
		}
		hex = string(b[:])
	case 14: // xxxx.xxxx.xxxx
		if s[4] != '.' || s[9] != '.' {
			return fail("dotted form needs dots after every 4 digits")
		}
		hex = s[0:4] + s[5:9] + s[10:14]
	case 12:
		hex = s
	default:
		return fail("wrong length")
	}
	for i := range 6 {
		hi, ok1 := unhex(hex[2*i])
		lo, ok2 := unhex(hex[2*i+1])
		if !ok1 || !ok2 {
			return fail("not a hex digit")
		}
		m[i] = hi<<4 | lo
	}
	return m, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// MustParseMAC is ParseMAC that panics on error; for constants and tests.
func MustParseMAC(s string) MAC {
	m, err := ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MACFromUint64 returns the MAC whose 48 bits are the low bits of v.
func MACFromUint64(v uint64) MAC {
	// Four bytes then two, as the compiler copies a MAC, so that a copy
	// right after loads from one store each (a load spanning two stores
	// waits until they are written back).
	var m MAC
	binary.BigEndian.PutUint32(m[0:4], uint32(v>>16))
	binary.BigEndian.PutUint16(m[4:6], uint16(v))
	return m
}

// Uint64 returns the address as the low 48 bits of an integer.
func (m MAC) Uint64() uint64 {
	// Four bytes then two, as the compiler copies a MAC: the loads then
	// take their bytes from one store each.
	return uint64(binary.BigEndian.Uint32(m[0:4]))<<16 | uint64(binary.BigEndian.Uint16(m[4:6]))
}

const hexDigits = "0123456789abcdef"

// String formats the address in lower-case colon form, 00:1b:21:3a:4f:5c.
func (m MAC) String() string {
	return string(m.AppendText(make([]byte, 0, 17)))
}

// AppendText appends the colon form to b.
func (m MAC) AppendText(b []byte) []byte {
	for i, x := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return b
}

// MarshalText implements encoding.TextMarshaler (the colon form).
func (m MAC) MarshalText() ([]byte, error) { return m.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseMAC.
func (m *MAC) UnmarshalText(b []byte) error {
	v, err := ParseMAC(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == Broadcast }

// IsMulticast reports whether the group bit is set (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 == 1 }

// IsUnicast reports whether m is an individual address.
func (m MAC) IsUnicast() bool { return m[0]&1 == 0 }

// IsLocal reports whether the locally-administered bit is set.
func (m MAC) IsLocal() bool { return m[0]&2 == 2 }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// VLAN is an 802.1Q VLAN id, 0–4095, or Untagged.
type VLAN uint16

// Untagged is the Sliceable API's 65535: the port carries frames without
// an 802.1Q tag.
const Untagged VLAN = 65535

// MaxVID is the largest 802.1Q VLAN id.
const MaxVID VLAN = 4095

// Valid reports whether v is 0–4095 or Untagged.
func (v VLAN) Valid() bool { return v <= MaxVID || v == Untagged }

// String returns the decimal id, or "untagged".
func (v VLAN) String() string {
	if v == Untagged {
		return "untagged"
	}
	return strconv.Itoa(int(v))
}

// ParseVLAN parses a decimal VLAN id (0–4095 or 65535) or "untagged".
func ParseVLAN(s string) (VLAN, error) {
	if s == "untagged" {
		return Untagged, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || !VLAN(n).Valid() {
		return 0, &ParseError{Type: "VLAN", Input: s, Msg: "must be 0-4095 or 65535"}
	}
	return VLAN(n), nil
}

// DatapathID identifies an OpenFlow switch (datapath).
type DatapathID uint64

// String formats the id as the Sliceable API does: 0x and 16 hex digits.
func (d DatapathID) String() string {
	b := make([]byte, 0, 18)
	return string(d.AppendText(b))
}

// AppendText appends the 0x-prefixed 16-digit form to b.
func (d DatapathID) AppendText(b []byte) []byte {
	b = append(b, '0', 'x')
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(d>>shift)&0xf])
	}
	return b
}

// MarshalText implements encoding.TextMarshaler.
func (d DatapathID) MarshalText() ([]byte, error) { return d.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseDatapathID.
func (d *DatapathID) UnmarshalText(b []byte) error {
	v, err := ParseDatapathID(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDatapathID parses a 0x-prefixed hexadecimal datapath id of 1 to 16
// digits, as the Sliceable API writes them ("0xe0", "0x00000000000000e0").
func ParseDatapathID(s string) (DatapathID, error) {
	hex, ok := strings.CutPrefix(s, "0x")
	if !ok {
		hex, ok = strings.CutPrefix(s, "0X")
	}
	if !ok || len(hex) == 0 || len(hex) > 16 {
		return 0, &ParseError{Type: "datapath id", Input: s, Msg: "want 0x and 1 to 16 hex digits"}
	}
	var v uint64
	for i := 0; i < len(hex); i++ {
		d, ok := unhex(hex[i])
		if !ok {
			return 0, &ParseError{Type: "datapath id", Input: s, Msg: "not a hex digit"}
		}
		v = v<<4 | uint64(d)
	}
	return DatapathID(v), nil
}

// Port is a switch port number (OpenFlow 1.3 width).
type Port uint32

// MaxPort is the largest number of a physical or logical switch port
// (OpenFlow 1.3 OFPP_MAX); the numbers above it are reserved.
const MaxPort Port = 0xffffff00

// Location is where a frame enters or leaves the fabric: a switch, one of
// its ports and the VLAN on it. It is comparable and usable as a map key.
type Location struct {
	Datapath DatapathID
	Port     Port
	VLAN     VLAN
}

// Compare orders locations by datapath, then port, then VLAN: -1, 0 or
// +1 as l comes before, with or after o.
func (l Location) Compare(o Location) int {
	return cmp.Or(cmp.Compare(l.Datapath, o.Datapath), cmp.Compare(l.Port, o.Port), cmp.Compare(l.VLAN, o.VLAN))
}

// String formats the location as dpid:port/vlan.
func (l Location) String() string {
	return l.Datapath.String() + ":" + strconv.FormatUint(uint64(l.Port), 10) + "/" + l.VLAN.String()
}

// Validate reports a location with a reserved port or an invalid VLAN.
func (l Location) Validate() error {
	if l.Port == 0 || l.Port > MaxPort {
		return fmt.Errorf("%w: port %d of %v is not a switch port", ErrInvalid, l.Port, l.Datapath)
	}
	if !l.VLAN.Valid() {
		return fmt.Errorf("%w: vlan %d is not 0-4095 or 65535", ErrInvalid, l.VLAN)
	}
	return nil
}

// PortRef is a switch port without a VLAN: an end of an inter-switch link.
type PortRef struct {
	Datapath DatapathID
	Port     Port
}

// String formats the port as dpid:port.
func (p PortRef) String() string {
	return p.Datapath.String() + ":" + strconv.FormatUint(uint64(p.Port), 10)
}

// PortRef returns the location's switch port.
func (l Location) PortRef() PortRef { return PortRef{l.Datapath, l.Port} }
