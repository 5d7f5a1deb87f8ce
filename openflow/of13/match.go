package of13

import (
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// Match is an OpenFlow 1.3 match: OXM fields (ofp_match type OXM). The zero
// value matches everything.
type Match struct {
	Fields []Field
}

// NewMatch returns a match of the given fields, in order.
func NewMatch(fields ...Field) Match { return Match{Fields: fields} }

// Get returns the first basic-class field of the given type.
func (m *Match) Get(field uint8) (Field, bool) {
	for i := range m.Fields {
		if f := &m.Fields[i]; f.Class() == ClassBasic && f.Type() == field {
			return *f, true
		}
	}
	return Field{}, false
}

// InPort returns the in_port field's value, if the match has one (a
// packet-in's match always does).
func (m *Match) InPort() (uint32, bool) {
	f, ok := m.Get(FieldInPort)
	if !ok || f.payloadLen() != 4 {
		return 0, false
	}
	return uint32(f.hdr), true
}

// MatchError reports a match the encoder refuses, with the OpenFlow error
// a switch would answer it with.
type MatchError struct {
	Field uint8
	Code  uint16 // a BadMatch code
	Msg   string
}

func (e *MatchError) Error() string {
	return fmt.Sprintf("openflow: bad match: %s: %s (%s)", FieldName(e.Field), e.Msg, ErrorCodeString(ErrorTypeBadMatch, e.Code))
}

// Unwrap returns wire.ErrInvalid (openflow.ErrInvalid).
func (e *MatchError) Unwrap() error { return wire.ErrInvalid }

// Validate checks the basic-class fields: known, of the right size, masked
// only where the specification allows and with no value bits outside the
// mask, not repeated, and with their prerequisites present (ip_proto needs
// eth_type IPv4 or IPv6, tcp_dst needs ip_proto TCP, and so on) — what a
// switch checks of a flow to install. Encoding checks only what decoding
// does (each field known and of its size), so that a match received — a
// packet-in's, which reports a packet rather than a flow, or one a proxy
// passes on — encodes again byte for byte. Check a match you build with
// Validate; the controller checks every flow_mod's before sending it
// (openflow.Controller.RawFlowMods turns that off).
func (m *Match) Validate() error {
	_, err := m.check()
	return err
}

// check is Validate, returning what it learnt of the match (for the
// checks of a flow's set_field actions).
func (m *Match) check() (matchCheck, error) {
	var c matchCheck
	for i := range m.Fields {
		f := &m.Fields[i]
		if f.Class() == ClassBasic && !f.wellFormed() {
			if err := checkStructure(f); err != nil {
				return c, err
			}
		}
		if err := c.field(f); err != nil {
			return c, err
		}
	}
	return c, c.prereqs(m.Fields)
}

// checkStructure is what decoding checks of a basic-class field: known,
// and with a payload of its size (twice that with a mask).
func checkStructure(f *Field) error {
	if f.Class() != ClassBasic {
		return nil
	}
	if int(f.Type()) >= len(basicFields) {
		return &MatchError{f.Type(), BadMatchBadField, "unknown field"}
	}
	want := basicFields[f.Type()].size
	if f.HasMask() {
		want *= 2
	}
	if f.payloadLen() != want {
		return &MatchError{f.Type(), BadMatchBadLen, fmt.Sprintf("payload is %d bytes, want %d", f.payloadLen(), want)}
	}
	return nil
}

// wellFormed reports, with one table load, whether a basic-class field
// passes checkStructure (which, when it does not, says why).
func (f *Field) wellFormed() bool {
	n := uint8(f.hdr >> 32)
	return oxmLen[uint8(f.hdr>>40)] == n && n != 0 && (!f.isLong() || f.payloadLen() == int(n))
}

// matchCheck accumulates what the prerequisite checks need while fields
// are checked one by one.
type matchCheck struct {
	seen                   uint64
	eth, proto, icmp6, vid uint64
}

// field checks what the specification asks of one field beyond its
// structure (see checkStructure, which must have passed).
func (c *matchCheck) field(f *Field) error {
	if f.Class() != ClassBasic {
		return nil
	}
	t := f.Type()
	spec := &basicFields[t]
	if f.HasMask() {
		if !spec.maskable {
			return &MatchError{t, BadMatchBadMask, "field cannot be masked"}
		}
		p := f.array()
		for i, m := range p[spec.size : 2*spec.size] {
			if p[i]&^m != 0 {
				return &MatchError{t, BadMatchBadWildcards, "value has bits set outside its mask"}
			}
		}
	}
	if err := checkRange(f, BadMatchBadValue); err != nil {
		return err
	}
	if c.seen&(1<<t) != 0 {
		return &MatchError{t, BadMatchDupField, "field appears twice"}
	}
	c.seen |= 1 << t
	head := uint32(f.hdr) // the payload's first four bytes
	switch t {
	case FieldEthType:
		c.eth = uint64(head >> 16)
	case FieldIPProto:
		c.proto = uint64(head >> 24)
	case FieldICMPv6Type:
		c.icmp6 = uint64(head >> 24)
	case FieldVLANVID:
		c.vid = uint64(head >> 16)
	}
	return nil
}

// fieldMax is the largest value of each basic field narrower than its
// bytes (vlan_vid: 12 bits of id and OFPVID_PRESENT).
// (An array, not a map: it is read for every field of every flow_mod the
// controller validates.)
var fieldMax = [len(basicFields)]uint64{
	FieldVLANVID: 0x1fff, FieldVLANPCP: 7, FieldIPDSCP: 63, FieldIPECN: 3, FieldIPv6FLabel: 1<<20 - 1,
	FieldMPLSLabel: 1<<20 - 1, FieldMPLSTC: 7, FieldMPLSBOS: 1, FieldPBBISID: 1<<24 - 1, FieldIPv6ExtHdr: 1<<9 - 1,
}

// checkRange refuses a value (or mask) beyond its field's bits, with
// code (BAD_VALUE in a match, BAD_SET_ARGUMENT in a set_field).
func checkRange(f *Field, code uint16) error {
	t := f.Type()
	if f.Class() != ClassBasic || int(t) >= len(fieldMax) || fieldMax[t] == 0 {
		return nil
	}
	// Every field with a limit is at most four bytes, so its value and
	// any mask are the payload's first eight.
	limit, size := fieldMax[t], basicFields[t].size
	first := uint64(uint32(f.hdr))<<32 | f.w0>>32
	for part := 0; part*size < f.payloadLen(); part++ {
		if v := first << (8 * size * part) >> (64 - 8*size); v > limit {
			if code == BadMatchBadValue {
				return &MatchError{t, code, fmt.Sprintf("%#x is more than the field holds (%#x)", v, limit)}
			}
			return &ActionError{ActionSetField, code, fmt.Sprintf("%s: %#x is more than the field holds (%#x)", FieldName(t), v, limit)}
		}
	}
	return nil
}

func (c *matchCheck) prereqs(fields []Field) error {
	if c.seen&^prereqFree == 0 {
		return nil // nothing with prerequisites: the common L2 match
	}
	for i := range fields {
		f := &fields[i]
		if f.Class() != ClassBasic || prereqFree&(1<<f.Type()) != 0 {
			continue
		}
		if ok, what := c.prereq(f.Type()); !ok {
			return &MatchError{f.Type(), BadMatchBadPrereq, "needs " + what}
		}
	}
	return nil
}

// prereq reports whether the basic field t has its prerequisites in the
// match c has checked, and if not, what it needs.
func (c *matchCheck) prereq(t uint8) (ok bool, what string) {
	has := func(t uint8) bool { return c.seen&(1<<t) != 0 }
	eth, proto, icmp6 := c.eth, c.proto, c.icmp6
	ip := eth == 0x0800 || eth == 0x86dd
	mpls := eth == 0x8847 || eth == 0x8848
	switch t {
	case FieldInPhyPort:
		ok, what = has(FieldInPort), "in_port"
	case FieldVLANPCP:
		ok, what = has(FieldVLANVID) && c.vid != 0, "vlan_vid other than none"
	case FieldIPDSCP, FieldIPECN, FieldIPProto:
		ok, what = ip, "eth_type IPv4 or IPv6"
	case FieldIPv4Src, FieldIPv4Dst:
		ok, what = eth == 0x0800, "eth_type 0x0800"
	case FieldTCPSrc, FieldTCPDst:
		ok, what = has(FieldIPProto) && proto == 6, "ip_proto 6"
	case FieldUDPSrc, FieldUDPDst:
		ok, what = has(FieldIPProto) && proto == 17, "ip_proto 17"
	case FieldSCTPSrc, FieldSCTPDst:
		ok, what = has(FieldIPProto) && proto == 132, "ip_proto 132"
	case FieldICMPv4Type, FieldICMPv4Code:
		ok, what = has(FieldIPProto) && proto == 1, "ip_proto 1"
	case FieldARPOp, FieldARPSPA, FieldARPTPA, FieldARPSHA, FieldARPTHA:
		ok, what = eth == 0x0806, "eth_type 0x0806"
	case FieldIPv6Src, FieldIPv6Dst, FieldIPv6FLabel, FieldIPv6ExtHdr:
		ok, what = eth == 0x86dd, "eth_type 0x86dd"
	case FieldICMPv6Type, FieldICMPv6Code:
		ok, what = has(FieldIPProto) && proto == 58, "ip_proto 58"
	case FieldIPv6NDTarget:
		ok, what = has(FieldICMPv6Type) && (icmp6 == 135 || icmp6 == 136), "icmpv6_type 135 or 136"
	case FieldIPv6NDSLL:
		ok, what = has(FieldICMPv6Type) && icmp6 == 135, "icmpv6_type 135"
	case FieldIPv6NDTLL:
		ok, what = has(FieldICMPv6Type) && icmp6 == 136, "icmpv6_type 136"
	case FieldMPLSLabel, FieldMPLSTC, FieldMPLSBOS:
		ok, what = mpls, "eth_type MPLS"
	case FieldPBBISID:
		ok, what = eth == 0x88e7, "eth_type 0x88e7"
	default:
		ok = true
	}
	return ok, what
}

// matchLen is the unpadded length of the encoded match.
func (m *Match) matchLen() int {
	n := 4
	for i := range m.Fields {
		n += 4 + m.Fields[i].payloadLen()
	}
	return n
}

// prereqFree has a bit for each basic field without prerequisites.
const prereqFree = 1<<FieldInPort | 1<<FieldMetadata | 1<<FieldEthDst | 1<<FieldEthSrc | 1<<FieldEthType |
	1<<FieldVLANVID | 1<<FieldTunnelID

// appendTo appends the match, padded to 8 bytes, checking of each field
// what decoding checks (checkStructure): whatever decodes encodes again.
// What a switch checks of a flow is Validate's.
func (m *Match) appendTo(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 1, 0, 0) // OFPMT_OXM, length patched below
	var err error
	for i := range m.Fields {
		f := &m.Fields[i]
		if f.Class() == ClassBasic && !f.wellFormed() {
			if err = checkStructure(f); err != nil {
				return b[:start], err
			}
		}
		if b, err = f.appendTo(b); err != nil {
			return b[:start], err
		}
	}
	if err = wire.PutLen16(b, start+2, start); err != nil {
		return b[:start], err
	}
	return wire.PadTo8(b, start), nil
}

// decodeMatch reads a padded ofp_match into m, reusing m.Fields.
func decodeMatch(d *wire.Decoder, m *Match) {
	start := d.Off
	typ := d.U16()
	n := int(d.U16())
	if d.Failed() {
		return
	}
	if typ != 1 {
		d.Off = start
		d.Fail(uint16(ErrorTypeBadMatch), BadMatchBadType, "match type %d, want OXM (1)", typ)
		return
	}
	if n < 4 {
		d.Off = start
		d.Fail(uint16(ErrorTypeBadMatch), BadMatchBadLen, "match length %d", n)
		return
	}
	if n-4 > d.Len() {
		d.Off = start + 2
		d.Fail(uint16(ErrorTypeBadMatch), BadMatchBadLen, "truncated")
		return
	}
	bound := d.Bound(n-4, uint16(ErrorTypeBadMatch), BadMatchBadLen)
	m.Fields = m.Fields[:0]
	for d.Len() > 0 {
		m.Fields = grow(m.Fields)
		decodeField(d, &m.Fields[len(m.Fields)-1])
		if d.Failed() {
			break
		}
	}
	d.Unbound(bound)
	pad := (8 - n%8) % 8
	d.Skip(pad)
	if len(m.Fields) == 0 {
		m.Fields = nil
	}
}

// decodeHeadFast is what the fast decoders of messages with a match share:
// it checks b's header for type t and reads the OXM match at offset at
// into fields. It returns b capped at its length (so that what the field
// reader reads past a slice's length stays in the message), where the
// padded match ends (within b), and the fields; false for anything the
// general decoder must look at.
func decodeHeadFast(b []byte, t Type, at int, fields []Field) ([]byte, int, []Field, bool) {
	b = b[:len(b):len(b)]
	if len(b) < at+8 || b[0] != Version || b[1] != uint8(t) || int(be.Uint16(b[2:])) != len(b) ||
		be.Uint16(b[at:]) != 1 {
		return b, 0, fields, false
	}
	mlen := int(be.Uint16(b[at+2:]))
	end := at + (mlen+7)&^7
	if mlen < 4 || end > len(b) {
		return b, 0, fields, false
	}
	fields, ok := decodeFieldsFast(b[at+4:at+mlen], fields)
	return b, end, fields, ok
}

// decodeFieldsFast reads a well-formed OXM list (the match's fields,
// without its header and padding) into fields, reusing their capacity, by
// slicing: the fast paths' decodeMatch. It reports false for anything
// decodeMatch would refuse, leaving it to say why.
func decodeFieldsFast(oxm []byte, fields []Field) ([]Field, bool) {
	for len(oxm) > 0 {
		fields = grow(fields)
		n := decodeFieldFast(&fields[len(fields)-1], oxm)
		if n == 0 {
			return fields, false
		}
		oxm = oxm[n:]
	}
	if len(fields) == 0 {
		fields = nil
	}
	return fields, true
}

// keep is the mask of a big-endian word's first n bytes (none for n <= 0,
// all for n >= 8).
func keep(n int) uint64 {
	if n <= 0 {
		return 0
	}
	return ^uint64(0) << (8 * (8 - min(n, 8)))
}

// decodeFieldFast is decodeField by slicing: it reads the OXM TLV at the
// start of oxm into f and returns its length, or 0 for anything
// decodeField would refuse. It may read past len(oxm) up to cap(oxm),
// which must end within the message.
func decodeFieldFast(f *Field, oxm []byte) int {
	if len(oxm) < 4 {
		return 0
	}
	class, n := be.Uint16(oxm), int(oxm[3])
	if want := oxmLen[oxm[2]]; 4+n > len(oxm) || class == ClassBasic && (want == 0 || int(want) != n) {
		return 0
	}
	if w := oxm[:cap(oxm)]; n <= maxInline && len(w) >= 24 {
		// The words straight from the message (which the fast paths let
		// oxm's capacity reach to), cut after the payload.
		*f = Field{hdr: be.Uint64(w) & keep(4+n), w0: be.Uint64(w[8:]) & keep(4+n-8), w1: be.Uint64(w[16:]) & keep(4+n-16)}
		return 4 + n
	}
	*f = Field{hdr: uint64(be.Uint32(oxm)) << 32}
	f.setPayload(oxm[4 : 4+n])
	return 4 + n
}
