package of10

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// Wildcard bits of a Match: a set bit means the field is not matched.
const (
	WildInPort    uint32 = 1 << 0
	WildDLVLAN    uint32 = 1 << 1
	WildDLSrc     uint32 = 1 << 2
	WildDLDst     uint32 = 1 << 3
	WildDLType    uint32 = 1 << 4
	WildNWProto   uint32 = 1 << 5
	WildTPSrc     uint32 = 1 << 6
	WildTPDst     uint32 = 1 << 7
	WildNWSrcMask uint32 = 0x3f << 8  // how many low bits of nw_src are ignored (≥32: all)
	WildNWDstMask uint32 = 0x3f << 14 // likewise for nw_dst
	WildDLVLANPCP uint32 = 1 << 20
	WildNWTOS     uint32 = 1 << 21
	WildAll       uint32 = 1<<22 - 1

	wildNWSrcShift = 8
	wildNWDstShift = 14
)

// VLANNone in DLVLAN matches frames without a VLAN tag.
const VLANNone uint16 = 0xffff

// Match is the OpenFlow 1.0 fixed match. Start from MatchAll and add
// fields with the With methods; a field set without clearing its wildcard
// bit is ignored by switches.
type Match struct {
	Wildcards uint32
	InPort    uint16
	DLSrc     [6]byte
	DLDst     [6]byte
	DLVLAN    uint16
	DLVLANPCP uint8
	DLType    uint16
	NWTOS     uint8
	NWProto   uint8
	NWSrc     [4]byte
	NWDst     [4]byte
	TPSrc     uint16
	TPDst     uint16

	bad string // what a builder was given that it could not use
}

const matchLen = 40

// MatchAll matches every packet.
func MatchAll() Match { return Match{Wildcards: WildAll} }

// WithInPort matches the ingress port.
func (m Match) WithInPort(p uint16) Match {
	m.InPort, m.Wildcards = p, m.Wildcards&^WildInPort
	return m
}

// WithDLSrc matches the source MAC.
func (m Match) WithDLSrc(a [6]byte) Match { m.DLSrc, m.Wildcards = a, m.Wildcards&^WildDLSrc; return m }

// WithDLDst matches the destination MAC.
func (m Match) WithDLDst(a [6]byte) Match { m.DLDst, m.Wildcards = a, m.Wildcards&^WildDLDst; return m }

// WithDLVLAN matches the VLAN id (VLANNone: untagged).
func (m Match) WithDLVLAN(v uint16) Match {
	m.DLVLAN, m.Wildcards = v, m.Wildcards&^WildDLVLAN
	return m
}

// WithDLVLANPCP matches the VLAN priority.
func (m Match) WithDLVLANPCP(p uint8) Match {
	m.DLVLANPCP, m.Wildcards = p, m.Wildcards&^WildDLVLANPCP
	return m
}

// WithDLType matches the EtherType.
func (m Match) WithDLType(t uint16) Match {
	m.DLType, m.Wildcards = t, m.Wildcards&^WildDLType
	return m
}

// WithNWTOS matches the IP ToS (DSCP in its upper six bits).
func (m Match) WithNWTOS(t uint8) Match { m.NWTOS, m.Wildcards = t, m.Wildcards&^WildNWTOS; return m }

// WithNWProto matches the IP protocol (or the ARP opcode's low byte).
func (m Match) WithNWProto(p uint8) Match {
	m.NWProto, m.Wildcards = p, m.Wildcards&^WildNWProto
	return m
}

// WithNWSrc matches the IPv4 source in prefix p. A prefix that is not
// IPv4 (or the zero Prefix) changes nothing and makes Validate refuse
// the match, so the mistake surfaces where messages are checked.
func (m Match) WithNWSrc(p netip.Prefix) Match {
	if !p.IsValid() || !p.Addr().Is4() {
		m.bad = "nw_src: " + p.String() + " is not an IPv4 prefix"
		return m
	}
	m.NWSrc = p.Masked().Addr().As4()
	m.Wildcards = m.Wildcards&^WildNWSrcMask | uint32(32-p.Bits())<<wildNWSrcShift
	return m
}

// WithNWDst matches the IPv4 destination in prefix p (see WithNWSrc for a
// prefix that is not IPv4).
func (m Match) WithNWDst(p netip.Prefix) Match {
	if !p.IsValid() || !p.Addr().Is4() {
		m.bad = "nw_dst: " + p.String() + " is not an IPv4 prefix"
		return m
	}
	m.NWDst = p.Masked().Addr().As4()
	m.Wildcards = m.Wildcards&^WildNWDstMask | uint32(32-p.Bits())<<wildNWDstShift
	return m
}

// WithTPSrc matches the transport source port (or ICMP type).
func (m Match) WithTPSrc(p uint16) Match { m.TPSrc, m.Wildcards = p, m.Wildcards&^WildTPSrc; return m }

// WithTPDst matches the transport destination port (or ICMP code).
func (m Match) WithTPDst(p uint16) Match { m.TPDst, m.Wildcards = p, m.Wildcards&^WildTPDst; return m }

// NWSrcPrefix returns the matched IPv4 source prefix (length 0: any).
func (m *Match) NWSrcPrefix() netip.Prefix {
	return prefixOf(m.NWSrc, m.Wildcards&WildNWSrcMask>>wildNWSrcShift)
}

// NWDstPrefix returns the matched IPv4 destination prefix (length 0: any).
func (m *Match) NWDstPrefix() netip.Prefix {
	return prefixOf(m.NWDst, m.Wildcards&WildNWDstMask>>wildNWDstShift)
}

func prefixOf(a [4]byte, ignored uint32) netip.Prefix {
	bits := 32 - int(min(ignored, 32))
	return netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked()
}

func (m *Match) appendTo(b []byte) []byte {
	b = a16(a32(b, m.Wildcards), m.InPort)
	b = append(append(b, m.DLSrc[:]...), m.DLDst[:]...)
	b = a16(append(a16(b, m.DLVLAN), m.DLVLANPCP, 0), m.DLType)
	b = append(b, m.NWTOS, m.NWProto, 0, 0)
	b = append(append(b, m.NWSrc[:]...), m.NWDst[:]...)
	return a16(a16(b, m.TPSrc), m.TPDst)
}

func decodeMatch(d *wire.Decoder, m *Match) {
	m.Wildcards, m.InPort = d.U32(), d.U16()
	d.Copy(m.DLSrc[:])
	d.Copy(m.DLDst[:])
	m.DLVLAN, m.DLVLANPCP = d.U16(), d.U8()
	d.Skip(1)
	m.DLType, m.NWTOS, m.NWProto = d.U16(), d.U8(), d.U8()
	d.Skip(2)
	d.Copy(m.NWSrc[:])
	d.Copy(m.NWDst[:])
	m.TPSrc, m.TPDst = d.U16(), d.U16()
}

// String formats the fields that are matched.
func (m Match) String() string {
	s := ""
	add := func(w uint32, f string, v any) {
		if m.Wildcards&w == 0 {
			s += fmt.Sprintf("%s=%v,", f, v)
		}
	}
	add(WildInPort, "in_port", m.InPort)
	add(WildDLSrc, "dl_src", fmt.Sprintf("%x", m.DLSrc))
	add(WildDLDst, "dl_dst", fmt.Sprintf("%x", m.DLDst))
	add(WildDLVLAN, "dl_vlan", m.DLVLAN)
	add(WildDLType, "dl_type", fmt.Sprintf("%#04x", m.DLType))
	add(WildNWProto, "nw_proto", m.NWProto)
	if p := m.NWSrcPrefix(); p.Bits() > 0 {
		s += "nw_src=" + p.String() + ","
	}
	if p := m.NWDstPrefix(); p.Bits() > 0 {
		s += "nw_dst=" + p.String() + ","
	}
	add(WildTPSrc, "tp_src", m.TPSrc)
	add(WildTPDst, "tp_dst", m.TPDst)
	if s == "" {
		return "any"
	}
	return s[:len(s)-1]
}

// MatchError reports a match field whose prerequisite is missing.
type MatchError struct {
	Field string // "nw_src"
	Msg   string
}

func (e *MatchError) Error() string { return "openflow: bad match: " + e.Field + ": " + e.Msg }

// Unwrap returns wire.ErrInvalid (openflow.ErrInvalid).
func (e *MatchError) Unwrap() error { return wire.ErrInvalid }

// Validate checks that every field the match does not wildcard has its
// prerequisites (OpenFlow 1.0, 3.4): nw_tos needs dl_type IPv4; nw_proto,
// nw_src and nw_dst need dl_type IPv4 or ARP; tp_src and tp_dst need
// dl_type IPv4 and nw_proto TCP, UDP or ICMP. Switches ignore such a
// field (Open vSwitch drops it with a warning), so the flow matches more
// than it says. Encoding does not check this: a match received encodes
// again as it came. The controller validates every flow_mod it sends
// (openflow.Controller.RawFlowMods turns that off).
func (m *Match) Validate() error {
	if m.bad != "" {
		field, msg, _ := strings.Cut(m.bad, ": ")
		return &MatchError{field, msg}
	}
	w := m.Wildcards
	has := func(bit uint32) bool { return w&bit == 0 }
	ip := has(WildDLType) && m.DLType == 0x0800
	arp := has(WildDLType) && m.DLType == 0x0806
	nwSrc := (w&WildNWSrcMask)>>wildNWSrcShift < 32
	nwDst := (w&WildNWDstMask)>>wildNWDstShift < 32
	switch {
	case has(WildNWTOS) && !ip:
		return &MatchError{"nw_tos", "needs dl_type 0x0800"}
	case has(WildNWProto) && !ip && !arp:
		return &MatchError{"nw_proto", "needs dl_type 0x0800 or 0x0806"}
	case nwSrc && !ip && !arp:
		return &MatchError{"nw_src", "needs dl_type 0x0800 or 0x0806"}
	case nwDst && !ip && !arp:
		return &MatchError{"nw_dst", "needs dl_type 0x0800 or 0x0806"}
	}
	transport := ip && has(WildNWProto) && (m.NWProto == 6 || m.NWProto == 17 || m.NWProto == 1)
	if has(WildTPSrc) && !transport {
		return &MatchError{"tp_src", "needs dl_type 0x0800 and nw_proto 6, 17 or 1"}
	}
	if has(WildTPDst) && !transport {
		return &MatchError{"tp_dst", "needs dl_type 0x0800 and nw_proto 6, 17 or 1"}
	}
	return nil
}
