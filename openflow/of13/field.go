package of13

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"unique"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// OXM fields: the basic class's table, the Field value, its encoding and
// decoding, and the functions that build one.

// OXM classes.
const (
	ClassNXM0         uint16 = 0x0000
	ClassNXM1         uint16 = 0x0001
	ClassBasic        uint16 = 0x8000
	ClassExperimenter uint16 = 0xffff
)

// OXM basic-class field numbers.
const (
	FieldInPort       uint8 = 0
	FieldInPhyPort    uint8 = 1
	FieldMetadata     uint8 = 2
	FieldEthDst       uint8 = 3
	FieldEthSrc       uint8 = 4
	FieldEthType      uint8 = 5
	FieldVLANVID      uint8 = 6
	FieldVLANPCP      uint8 = 7
	FieldIPDSCP       uint8 = 8
	FieldIPECN        uint8 = 9
	FieldIPProto      uint8 = 10
	FieldIPv4Src      uint8 = 11
	FieldIPv4Dst      uint8 = 12
	FieldTCPSrc       uint8 = 13
	FieldTCPDst       uint8 = 14
	FieldUDPSrc       uint8 = 15
	FieldUDPDst       uint8 = 16
	FieldSCTPSrc      uint8 = 17
	FieldSCTPDst      uint8 = 18
	FieldICMPv4Type   uint8 = 19
	FieldICMPv4Code   uint8 = 20
	FieldARPOp        uint8 = 21
	FieldARPSPA       uint8 = 22
	FieldARPTPA       uint8 = 23
	FieldARPSHA       uint8 = 24
	FieldARPTHA       uint8 = 25
	FieldIPv6Src      uint8 = 26
	FieldIPv6Dst      uint8 = 27
	FieldIPv6FLabel   uint8 = 28
	FieldICMPv6Type   uint8 = 29
	FieldICMPv6Code   uint8 = 30
	FieldIPv6NDTarget uint8 = 31
	FieldIPv6NDSLL    uint8 = 32
	FieldIPv6NDTLL    uint8 = 33
	FieldMPLSLabel    uint8 = 34
	FieldMPLSTC       uint8 = 35
	FieldMPLSBOS      uint8 = 36
	FieldPBBISID      uint8 = 37
	FieldTunnelID     uint8 = 38
	FieldIPv6ExtHdr   uint8 = 39
)

// VLANPresent is OFPVID_PRESENT, set in a VLAN_VID value for tagged
// frames.
const VLANPresent uint16 = 0x1000

type fieldSpec struct {
	name     string
	size     int
	maskable bool
}

var basicFields = [...]fieldSpec{
	{"in_port", 4, false}, {"in_phy_port", 4, false}, {"metadata", 8, true}, {"eth_dst", 6, true},
	{"eth_src", 6, true}, {"eth_type", 2, false}, {"vlan_vid", 2, true}, {"vlan_pcp", 1, false},
	{"ip_dscp", 1, false}, {"ip_ecn", 1, false}, {"ip_proto", 1, false}, {"ipv4_src", 4, true},
	{"ipv4_dst", 4, true}, {"tcp_src", 2, false}, {"tcp_dst", 2, false}, {"udp_src", 2, false},
	{"udp_dst", 2, false}, {"sctp_src", 2, false}, {"sctp_dst", 2, false}, {"icmpv4_type", 1, false},
	{"icmpv4_code", 1, false}, {"arp_op", 2, false}, {"arp_spa", 4, true}, {"arp_tpa", 4, true},
	{"arp_sha", 6, true}, {"arp_tha", 6, true}, {"ipv6_src", 16, true}, {"ipv6_dst", 16, true},
	{"ipv6_flabel", 4, true}, {"icmpv6_type", 1, false}, {"icmpv6_code", 1, false}, {"ipv6_nd_target", 16, false},
	{"ipv6_nd_sll", 6, false}, {"ipv6_nd_tll", 6, false}, {"mpls_label", 4, false}, {"mpls_tc", 1, false},
	{"mpls_bos", 1, false}, {"pbb_isid", 3, true}, {"tunnel_id", 8, true}, {"ipv6_exthdr", 2, true},
}

// oxmLen is the payload length of each basic field by the third byte of
// its OXM header (type<<1 | hasmask), 0 for an unknown field: one load for
// the structure checks on the hot paths (fast decoding, encoding,
// Validate).
var oxmLen = func() (l [256]uint8) {
	for t, f := range basicFields {
		l[t<<1], l[t<<1|1] = uint8(f.size), uint8(2*f.size)
	}
	return l
}()

// FieldName returns the name of a basic-class field ("ipv4_dst").
func FieldName(field uint8) string {
	if int(field) < len(basicFields) {
		return basicFields[field].name
	}
	return fmt.Sprintf("field(%d)", field)
}

// Field is one OXM TLV: a match field, or the field a SetField action
// writes. It is a comparable value of 32 bytes, like netip.Addr, and one Go
// keeps in registers: building a field, putting it in a match and encoding
// it neither allocates nor goes through memory in between. The payload (a
// basic field's value and, with a mask, its mask; another class's whole
// payload, an experimenter field's starting with the experimenter id) is
// held in the value up to 20 bytes, and so is an IPv6 address under a
// prefix mask. A longer payload (an IPv6 address under a mask that is not a
// prefix, an experimenter field of more than 20 bytes) is interned: building
// or decoding one allocates, once for each distinct payload. Build basic
// fields with the functions named after them (EthDst, IPv4Src, ...), any
// other with NewField; read them with Class, Type, HasMask, Value, Mask and
// the typed getters.
type Field struct {
	// hdr is the OXM header as it is sent (class, type<<1 | hasmask,
	// payload length) and then the payload's first four bytes.
	hdr uint64
	// w0 and w1 are the payload's bytes 4 to 19. For an IPv6 address
	// under a prefix mask, w1 holds the address's last four bytes and then
	// the prefix length.
	w0, w1 uint64
	// long is a payload held neither way; zero otherwise.
	long unique.Handle[string]
}

const (
	// maxInline is the payload a Field holds in its words.
	maxInline = 20
	// maxBasic is the largest basic field's payload: an IPv6 address and
	// its mask.
	maxBasic = 32
	// fieldRoom is the most putInline writes: a header and maxBasic bytes.
	fieldRoom = 4 + maxBasic
)

// oxmHeader returns hdr for a field of the given class, type and mask
// whose payload is n bytes long.
func oxmHeader(class uint16, typ uint8, hasMask bool, n int) uint64 {
	h := uint64(class)<<48 | uint64(typ&0x7f)<<41 | uint64(uint8(n))<<32
	if hasMask {
		h |= 1 << 40
	}
	return h
}

// basicHeader is oxmHeader for an unmasked basic field.
func basicHeader(typ uint8, n int) uint64 { return oxmHeader(ClassBasic, typ, false, n) }

// NewField returns a field of any class with the given value and, when
// mask is not nil, mask (for the basic class the two must be as long). The
// type is seven bits.
func NewField(class uint16, typ uint8, value, mask []byte) Field {
	f := Field{hdr: oxmHeader(class, typ, mask != nil, 0)}
	if len(mask) == 0 {
		f.setPayload(value)
		return f
	}
	var buf [maxBasic]byte
	f.setPayload(append(append(buf[:0], value...), mask...))
	return f
}

// Class is the field's OXM class (ClassBasic for the fields OpenFlow
// defines).
func (f Field) Class() uint16 { return uint16(f.hdr >> 48) }

// Type is the field's type within its class (FieldInPort, ... for the
// basic class).
func (f Field) Type() uint8 { return uint8(f.hdr>>41) & 0x7f }

// HasMask reports whether the payload carries a mask after the value.
func (f Field) HasMask() bool { return f.hdr>>40&1 == 1 }

func (f *Field) isLong() bool { return f.long != unique.Handle[string]{} }

// setPayload sets the payload (value, then any mask) of a field whose
// class, type and mask bit are set, choosing the one way it is held.
func (f *Field) setPayload(p []byte) {
	f.hdr = f.hdr&^(1<<40-1) | uint64(uint8(len(p)))<<32
	f.w0, f.w1, f.long = 0, 0, unique.Handle[string]{}
	switch {
	case len(p) <= maxInline:
		// Byte by byte into the words: copying p into an array and
		// reading the array back as words would wait on the copy's stores.
		var h uint32
		var w [2]uint64
		for i, c := range p {
			if i < 4 {
				h |= uint32(c) << (24 - 8*i)
			} else {
				w[(i-4)/8] |= uint64(c) << (56 - 8*((i-4)%8))
			}
		}
		f.hdr |= uint64(h)
		f.w0, f.w1 = w[0], w[1]
		return
	case len(p) == maxBasic && f.Class() == ClassBasic && f.HasMask():
		if bits, ok := prefixLen(p[16:]); ok { // an IPv6 address under a prefix
			f.hdr |= uint64(be.Uint32(p))
			f.w0, f.w1 = be.Uint64(p[4:]), uint64(be.Uint32(p[12:]))<<32|uint64(bits)
			return
		}
	}
	f.long = unique.Make(string(p))
}

// array returns the payload's first maxBasic bytes (all of it but for a
// long one of another class).
func (f *Field) array() (p [maxBasic]byte) {
	if f.isLong() {
		copy(p[:], f.long.Value())
		return p
	}
	be.PutUint32(p[:], uint32(f.hdr))
	be.PutUint64(p[4:], f.w0)
	if uint8(f.hdr>>32) <= maxInline {
		be.PutUint64(p[12:], f.w1)
		return p
	}
	be.PutUint32(p[12:], uint32(f.w1>>32))
	bits := int(uint8(f.w1))
	for i := range bits / 8 {
		p[16+i] = 0xff
	}
	if bits%8 != 0 {
		p[16+bits/8] = 0xff << (8 - bits%8)
	}
	return p
}

// payload returns the payload, in buf unless it is a long one.
func (f *Field) payload(buf *[maxBasic]byte) []byte {
	if f.isLong() {
		return []byte(f.long.Value())
	}
	*buf = f.array()
	return buf[:f.payloadLen()]
}

func (f *Field) payloadLen() int {
	if f.isLong() {
		return len(f.long.Value())
	}
	return int(uint8(f.hdr >> 32))
}

// valueLen is the length of the value: for a basic field with a mask, the
// payload's first half.
func (f *Field) valueLen() int {
	n := f.payloadLen()
	if f.Class() == ClassBasic && f.HasMask() {
		return n / 2
	}
	return n
}

// Payload returns a copy of the field's payload: value then mask.
func (f Field) Payload() []byte {
	var buf [maxBasic]byte
	return append([]byte(nil), f.payload(&buf)...)
}

// Value returns a copy of the field's value (for a basic field with a
// mask, the payload's first half).
func (f Field) Value() []byte {
	n := f.valueLen()
	return f.Payload()[:n:n]
}

// Mask returns a copy of a basic field's mask, or nil.
func (f Field) Mask() []byte {
	if f.Class() != ClassBasic || !f.HasMask() {
		return nil
	}
	return f.Payload()[f.valueLen():]
}

// Uint returns a value of one to eight bytes as an integer.
func (f Field) Uint() (uint64, bool) {
	n := f.valueLen()
	if n == 0 || n > 8 {
		return 0, false
	}
	p := f.array()
	var u uint64
	for _, c := range p[:n] {
		u = u<<8 | uint64(c)
	}
	return u, true
}

// MAC returns a six-byte value (eth_src, arp_sha, ...).
func (f Field) MAC() ([6]byte, bool) {
	if f.valueLen() != 6 {
		return [6]byte{}, false
	}
	p := f.array()
	return [6]byte(p[:6]), true
}

// Addr returns a four- or sixteen-byte value as an IP address.
func (f Field) Addr() (netip.Addr, bool) {
	p := f.array()
	switch f.valueLen() {
	case 4:
		return netip.AddrFrom4([4]byte(p[:4])), true
	case 16:
		return netip.AddrFrom16([16]byte(p[:16])), true
	}
	return netip.Addr{}, false
}

// String formats the field as ovs-ofctl writes a match: name=value and,
// for a masked field, /mask — MACs with colons, addresses as addresses
// (a contiguous mask as a prefix length), other numbers in decimal, or in
// hex when masked.
func (f Field) String() string {
	if f.Class() != ClassBasic {
		return fmt.Sprintf("oxm(%#x:%d)=%x", f.Class(), f.Type(), f.Payload())
	}
	name := FieldName(f.Type())
	v, m := f.Value(), f.Mask()
	switch {
	case len(v) == 6:
		if m != nil {
			return name + "=" + net.HardwareAddr(v).String() + "/" + net.HardwareAddr(m).String()
		}
		return name + "=" + net.HardwareAddr(v).String()
	case len(v) == 4 && isAddrField(f.Type()), len(v) == 16:
		a, _ := netip.AddrFromSlice(v)
		if m == nil {
			return name + "=" + a.String()
		}
		if bits, ok := prefixLen(m); ok {
			return fmt.Sprintf("%s=%s/%d", name, a, bits)
		}
		ma, _ := netip.AddrFromSlice(m)
		return name + "=" + a.String() + "/" + ma.String()
	}
	u, _ := f.Uint()
	if m != nil {
		var mu uint64
		for _, c := range m {
			mu = mu<<8 | uint64(c)
		}
		return fmt.Sprintf("%s=%#x/%#x", name, u, mu)
	}
	return name + "=" + strconv.FormatUint(u, 10)
}

// prefixLen returns the length of a contiguous mask.
func prefixLen(m []byte) (int, bool) {
	bits := 0
	for _, c := range m {
		bits += bitsLeading(c)
		if c != 0xff {
			break
		}
	}
	for i, c := range m {
		want := byte(0)
		switch {
		case (i+1)*8 <= bits:
			want = 0xff
		case i*8 < bits:
			want = 0xff << (8 - bits%8)
		}
		if c != want {
			return 0, false
		}
	}
	return bits, true
}

// bitsLeading counts c's leading one bits.
func bitsLeading(c byte) int {
	n := 0
	for c&0x80 != 0 {
		n, c = n+1, c<<1
	}
	return n
}

func isAddrField(t uint8) bool {
	switch t {
	case FieldIPv4Src, FieldIPv4Dst, FieldARPSPA, FieldARPTPA:
		return true
	}
	return false
}

// putInline writes a field that is not long at b[i:], which must have
// room for fieldRoom bytes, and returns where the field ends: three word
// stores of which the header and payload are kept (an IPv6 address under a
// prefix mask writes its mask out).
func (f *Field) putInline(b []byte, i int) int {
	w := b[i : i+fieldRoom]
	be.PutUint64(w, f.hdr)
	be.PutUint64(w[8:], f.w0)
	if n := int(uint8(f.hdr >> 32)); n <= maxInline {
		be.PutUint64(w[16:], f.w1)
		return i + 4 + n
	}
	*(*[maxBasic]byte)(w[4:]) = f.array()
	return i + fieldRoom
}

func (f *Field) appendTo(b []byte) ([]byte, error) {
	n := f.payloadLen()
	basicOdd := f.Class() == ClassBasic && f.HasMask() && n%2 != 0
	if i := len(b); !f.isLong() && cap(b)-i >= fieldRoom && !basicOdd {
		return b[:f.putInline(b[:cap(b)], i)], nil
	}
	if n > 255 {
		return b, fmt.Errorf("%w: oxm field class %#x type %d: payload of %d bytes", wire.ErrTooLong, f.Class(), f.Type(), n)
	}
	if basicOdd {
		return b, fmt.Errorf("%w: %s value and mask of different sizes", wire.ErrInvalid, FieldName(f.Type()))
	}
	var buf [maxBasic]byte
	b = append(b, byte(f.hdr>>56), byte(f.hdr>>48), byte(f.hdr>>40), byte(n))
	return append(b, f.payload(&buf)...), nil
}

// decodeField reads one OXM TLV into f, all of whose fields it sets.
func decodeField(d *wire.Decoder, f *Field) {
	h := d.Bytes(4)
	if h == nil {
		return
	}
	class, typ, n := be.Uint16(h), h[2]>>1, int(h[3])
	start := d.Off
	payload := d.Bytes(n)
	if d.Failed() {
		return
	}
	if class == ClassBasic {
		if int(typ) >= len(basicFields) {
			d.Off = start - 4
			d.Fail(uint16(ErrorTypeBadMatch), BadMatchBadField, "unknown oxm basic field %d", typ)
			return
		}
		if want := basicFields[typ].size << (h[2] & 1); n != want {
			d.Off = start - 4
			d.Fail(uint16(ErrorTypeBadMatch), BadMatchBadLen, "oxm %s length %d, want %d", basicFields[typ].name, n, want)
			return
		}
	}
	*f = Field{hdr: uint64(be.Uint32(h)) << 32}
	f.setPayload(payload)
}

// Field builders. Each returns a basic-class field; the masked variants
// take the mask, the prefix variants turn a prefix into a mask (no mask for
// a full-length prefix).

func basic(t uint8, value ...byte) Field {
	f := Field{hdr: basicHeader(t, 0)}
	f.setPayload(value)
	return f
}

// The builders of the common fields compute the field's words: Go keeps
// the value in registers until it is stored in its match or action.

func u8f(t uint8, v uint8) Field   { return Field{hdr: basicHeader(t, 1) | uint64(v)<<24} }
func u16f(t uint8, v uint16) Field { return Field{hdr: basicHeader(t, 2) | uint64(v)<<16} }
func u32f(t uint8, v uint32) Field { return Field{hdr: basicHeader(t, 4) | uint64(v)} }
func u64f(t uint8, v uint64) Field { return Field{hdr: basicHeader(t, 8) | v>>32, w0: v << 32} }

// u64masked is an eight-byte field under mask (none when the mask is all
// ones), the value's bits outside the mask cleared: value and mask are the
// payload's 16 bytes.
func u64masked(t uint8, v, mask uint64) Field {
	if mask == ^uint64(0) {
		return u64f(t, v)
	}
	v &= mask
	return Field{hdr: oxmHeader(ClassBasic, t, true, 16) | v>>32, w0: v<<32 | mask>>32, w1: mask << 32}
}

// masked adds mask to f, clearing the value's bits outside it.
func masked(f Field, mask []byte) Field {
	n := f.payloadLen()
	p := f.array()
	for i := range n {
		p[i] &= mask[i]
	}
	copy(p[n:], mask[:n])
	f.hdr |= 1 << 40
	f.setPayload(p[:2*n])
	return f
}

func macf(t uint8, mac [6]byte) Field {
	return Field{hdr: basicHeader(t, 6) | uint64(be.Uint32(mac[:4])), w0: uint64(mac[4])<<56 | uint64(mac[5])<<48}
}

func prefixf(t uint8, p netip.Prefix) Field {
	addr := p.Addr()
	var f Field
	if addr.Is4() {
		a := addr.As4()
		f = basic(t, a[:]...)
	} else {
		a := addr.As16()
		f = basic(t, a[:]...)
	}
	if bits, size := p.Bits(), f.payloadLen()*8; bits >= 0 && bits < size {
		var mask [16]byte
		for i := range bits {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		f = masked(f, mask[:f.payloadLen()])
	}
	return f
}

// InPort matches the ingress port.
func InPort(port uint32) Field { return u32f(FieldInPort, port) }

// InPhyPort matches the physical ingress port.
func InPhyPort(port uint32) Field { return u32f(FieldInPhyPort, port) }

// Metadata matches the pipeline metadata under mask.
func Metadata(v, mask uint64) Field {
	return u64masked(FieldMetadata, v, mask)
}

// EthDst matches the destination MAC.
func EthDst(mac [6]byte) Field { return macf(FieldEthDst, mac) }

// EthDstMasked matches the destination MAC under mask.
func EthDstMasked(mac, mask [6]byte) Field {
	return masked(macf(FieldEthDst, mac), mask[:])
}

// EthSrc matches the source MAC.
func EthSrc(mac [6]byte) Field { return macf(FieldEthSrc, mac) }

// EthSrcMasked matches the source MAC under mask.
func EthSrcMasked(mac, mask [6]byte) Field {
	return masked(macf(FieldEthSrc, mac), mask[:])
}

// EthType matches the EtherType.
func EthType(t uint16) Field { return u16f(FieldEthType, t) }

// VLANVID matches frames tagged with vid (OFPVID_PRESENT is set for you).
func VLANVID(vid uint16) Field {
	if vid > 0x0fff {
		// Not a VLAN id: keep it out of range for Validate to refuse
		// (BAD_VALUE) rather than let the present bit hide its top bits.
		return u16f(FieldVLANVID, 0xffff)
	}
	return u16f(FieldVLANVID, vid|VLANPresent)
}

// VLANNone matches frames without a VLAN tag.
func VLANNone() Field { return u16f(FieldVLANVID, 0) }

// VLANAny matches frames with any VLAN tag.
func VLANAny() Field {
	return masked(u16f(FieldVLANVID, VLANPresent), []byte{byte(VLANPresent >> 8), byte(VLANPresent & 0xff)})
}

// VLANPCP matches the VLAN priority.
func VLANPCP(pcp uint8) Field { return u8f(FieldVLANPCP, pcp) }

// IPDSCP matches the DSCP (six bits).
func IPDSCP(dscp uint8) Field { return u8f(FieldIPDSCP, dscp) }

// IPECN matches the ECN bits.
func IPECN(ecn uint8) Field { return u8f(FieldIPECN, ecn) }

// IPProto matches the IP protocol.
func IPProto(p uint8) Field { return u8f(FieldIPProto, p) }

// IPv4Src matches the IPv4 source in prefix p.
func IPv4Src(p netip.Prefix) Field { return prefixf(FieldIPv4Src, p) }

// IPv4Dst matches the IPv4 destination in prefix p.
func IPv4Dst(p netip.Prefix) Field { return prefixf(FieldIPv4Dst, p) }

// TCPSrc matches the TCP source port.
func TCPSrc(port uint16) Field { return u16f(FieldTCPSrc, port) }

// TCPDst matches the TCP destination port.
func TCPDst(port uint16) Field { return u16f(FieldTCPDst, port) }

// UDPSrc matches the UDP source port.
func UDPSrc(port uint16) Field { return u16f(FieldUDPSrc, port) }

// UDPDst matches the UDP destination port.
func UDPDst(port uint16) Field { return u16f(FieldUDPDst, port) }

// SCTPSrc matches the SCTP source port.
func SCTPSrc(port uint16) Field { return u16f(FieldSCTPSrc, port) }

// SCTPDst matches the SCTP destination port.
func SCTPDst(port uint16) Field { return u16f(FieldSCTPDst, port) }

// ICMPv4Type matches the ICMP type.
func ICMPv4Type(t uint8) Field { return u8f(FieldICMPv4Type, t) }

// ICMPv4Code matches the ICMP code.
func ICMPv4Code(c uint8) Field { return u8f(FieldICMPv4Code, c) }

// ARPOp matches the ARP opcode.
func ARPOp(op uint16) Field { return u16f(FieldARPOp, op) }

// ARPSPA matches the ARP sender protocol address in prefix p.
func ARPSPA(p netip.Prefix) Field { return prefixf(FieldARPSPA, p) }

// ARPTPA matches the ARP target protocol address in prefix p.
func ARPTPA(p netip.Prefix) Field { return prefixf(FieldARPTPA, p) }

// ARPSHA matches the ARP sender hardware address.
func ARPSHA(mac [6]byte) Field { return macf(FieldARPSHA, mac) }

// ARPTHA matches the ARP target hardware address.
func ARPTHA(mac [6]byte) Field { return macf(FieldARPTHA, mac) }

// IPv6Src matches the IPv6 source in prefix p.
func IPv6Src(p netip.Prefix) Field { return prefixf(FieldIPv6Src, p) }

// IPv6Dst matches the IPv6 destination in prefix p.
func IPv6Dst(p netip.Prefix) Field { return prefixf(FieldIPv6Dst, p) }

// IPv6FLabel matches the flow label (20 bits).
func IPv6FLabel(l uint32) Field { return u32f(FieldIPv6FLabel, l) }

// ICMPv6Type matches the ICMPv6 type.
func ICMPv6Type(t uint8) Field { return u8f(FieldICMPv6Type, t) }

// ICMPv6Code matches the ICMPv6 code.
func ICMPv6Code(c uint8) Field { return u8f(FieldICMPv6Code, c) }

// IPv6NDTarget matches a neighbour discovery target.
func IPv6NDTarget(a netip.Addr) Field {
	a16 := a.As16()
	return basic(FieldIPv6NDTarget, a16[:]...)
}

// IPv6NDSLL matches a neighbour solicitation's source link-layer address.
func IPv6NDSLL(mac [6]byte) Field { return macf(FieldIPv6NDSLL, mac) }

// IPv6NDTLL matches a neighbour advertisement's target link-layer address.
func IPv6NDTLL(mac [6]byte) Field { return macf(FieldIPv6NDTLL, mac) }

// MPLSLabel matches the MPLS label (20 bits).
func MPLSLabel(l uint32) Field { return u32f(FieldMPLSLabel, l) }

// MPLSTC matches the MPLS traffic class.
func MPLSTC(tc uint8) Field { return u8f(FieldMPLSTC, tc) }

// MPLSBOS matches the MPLS bottom-of-stack bit.
func MPLSBOS(bos uint8) Field { return u8f(FieldMPLSBOS, bos) }

// PBBISID matches the PBB I-SID (24 bits).
func PBBISID(isid uint32) Field {
	return basic(FieldPBBISID, byte(isid>>16), byte(isid>>8), byte(isid))
}

// TunnelID matches the tunnel id under mask.
func TunnelID(id, mask uint64) Field {
	return u64masked(FieldTunnelID, id, mask)
}

// IPv6ExtHdr matches the extension header pseudo-field under mask.
func IPv6ExtHdr(v, mask uint16) Field {
	f := u16f(FieldIPv6ExtHdr, v)
	if mask != 0xffff {
		f = masked(f, []byte{byte(mask >> 8), byte(mask)})
	}
	return f
}
