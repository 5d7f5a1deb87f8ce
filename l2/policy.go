package l2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mdlayher/ethernet"
)

// AddressPair is a source a port may send from: a MAC with the addresses
// (a prefix, IPv4 or IPv6) it may use; the zero Prefix lets the MAC use
// any address.
type AddressPair struct {
	MAC    MAC
	Prefix netip.Prefix
}

// PortPolicy is what a bound port may do beyond reaching its slice. A
// source reports it beside the binding (SliceSpec.Policies); the OpenFlow
// app enforces it where the port is.
type PortPolicy struct {
	// Sources is port security: the only MAC and address pairs the port
	// may send IPv4, IPv6 and ARP from. Besides them a port may always send
	// from the unspecified address (a DHCP request, duplicate address
	// detection) and from its MACs' IPv6 link-local addresses. Frames of
	// other EtherTypes pass from the pairs' MACs. The port's attached MACs
	// should be the pairs' (port security on MACs is the attachment's).
	// None: the port may send from anything.
	Sources []AddressPair
	// Addresses are the port's own (single addresses, with the MAC that
	// has each): the controller answers ARP requests and IPv6 neighbor
	// solicitations for them from anywhere in the slice instead of
	// flooding them. An address two ports of a slice claim is not
	// answered.
	Addresses []AddressPair
	// DHCP, when set, is what the controller answers the port's DHCPv4
	// requests with; they go nowhere else.
	DHCP *DHCPv4
	// RA, when set, is what the controller answers the port's IPv6
	// router solicitations with; they go nowhere else.
	RA *RouterAdvertisement
	// DHCPv6, when set, is what the controller answers the port's DHCPv6
	// requests with; they go nowhere else.
	DHCPv6 *DHCPv6
	// Filtered makes the port a stateful firewall's: IPv4 and IPv6 it
	// sends pass only as a connection an Egress rule allows, or as part of
	// one already allowed either way; what it receives likewise by the
	// Ingress rules. Besides the rules a port may always send DHCP and
	// DHCPv6 requests, router solicitations and neighbor discovery, and
	// receive neighbor discovery. Other EtherTypes are not filtered.
	Filtered        bool
	Ingress, Egress []Rule
	// Stateless makes a Filtered port's rules apply to every packet on
	// its own, with no connection tracking: replies pass only where a
	// rule allows them too.
	Stateless bool
}

// Rule allows connections of one kind: started by the port (Egress) to
// Remote, or to it (Ingress) from Remote.
type Rule struct {
	// EtherType is EtherTypeIPv4 or EtherTypeIPv6.
	EtherType uint16
	// Protocol is the IP protocol (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58
	// ICMPv6); 0 is any.
	Protocol uint8
	// PortMin and PortMax bound the destination port of TCP, UDP and
	// SCTP; 0 and 0 is any.
	PortMin, PortMax uint16
	// ICMPType (when TypeSet) and ICMPCode (when CodeSet, which needs
	// TypeSet) select ICMP messages.
	TypeSet, CodeSet   bool
	ICMPType, ICMPCode uint8
	// Remote is the other end's prefix; the zero Prefix is any address.
	Remote netip.Prefix
}

// Validate reports a rule that cannot be matched as it says.
func (r *Rule) Validate() error {
	v4 := r.EtherType == uint16(EtherTypeIPv4)
	if !v4 && r.EtherType != uint16(EtherTypeIPv6) {
		return fmt.Errorf("%w: rule of EtherType %#04x (IPv4 or IPv6 only)", ErrInvalid, r.EtherType)
	}
	if r.Remote != (netip.Prefix{}) && (!r.Remote.IsValid() || r.Remote.Addr().Is4() != v4 || r.Remote.Masked() != r.Remote) {
		return fmt.Errorf("%w: rule's remote %v is not a masked prefix of its IP version", ErrInvalid, r.Remote)
	}
	ports := r.Protocol == 6 || r.Protocol == 17 || r.Protocol == 132
	icmp := r.Protocol == 1 && v4 || r.Protocol == 58 && !v4
	switch {
	case (r.PortMin != 0 || r.PortMax != 0) && (!ports || r.PortMin > r.PortMax || r.PortMin == 0):
		return fmt.Errorf("%w: rule's ports %d-%d for protocol %d", ErrInvalid, r.PortMin, r.PortMax, r.Protocol)
	case (r.TypeSet || r.CodeSet) && !icmp:
		return fmt.Errorf("%w: rule's ICMP type and code for protocol %d", ErrInvalid, r.Protocol)
	case r.CodeSet && !r.TypeSet:
		return fmt.Errorf("%w: rule's ICMP code without a type", ErrInvalid)
	}
	return nil
}

// DHCPv4 is a port's DHCPv4 configuration: its lease and the options that
// come with it.
type DHCPv4 struct {
	// Address is the port's address with its subnet's prefix length.
	Address netip.Prefix
	// Server is the server identifier the answers come from.
	Server netip.Addr
	// Router is the default gateway (none when not valid).
	Router netip.Addr
	DNS    []netip.Addr
	// Routes are classless static routes (option 121).
	Routes []Route
	// MTU is the interface MTU (option 26; not sent when 0).
	MTU uint16
	// Lease is the lease time; 0 means a day.
	Lease time.Duration
	// Domain is the domain name (option 15; not sent when "").
	Domain string
	// Options are sent as they are, after the rest; one of the same code
	// replaces what the fields above would send.
	Options []DHCPOption
}

// RouterAdvertisement is an IPv6 link's configuration as routers
// advertise it (RFC 4861): its prefix, how hosts get their addresses and
// the rest, its MTU and DNS servers. The controller advertises no
// default router (a router lifetime of 0).
type RouterAdvertisement struct {
	// Prefix is the link's prefix: on-link, and when SLAAC, one hosts
	// form their addresses in (a /64).
	Prefix netip.Prefix
	// SLAAC sets the prefix's autonomous flag; Managed (M) says addresses
	// come from DHCPv6, OtherConfig (O) that other settings do.
	SLAAC, Managed, OtherConfig bool
	// MTU is advertised when not 0.
	MTU uint16
	// DNS servers are advertised (RDNSS) when there are any.
	DNS []netip.Addr
}

// DHCPv6 is a port's DHCPv6 configuration: stateful (an Address to lease)
// or stateless (none: information only).
type DHCPv6 struct {
	Address netip.Addr
	DNS     []netip.Addr
	// Lease is the address's valid lifetime; 0 means a day.
	Lease time.Duration
}

func (d *DHCPv6) equal(e *DHCPv6) bool {
	if d == nil || e == nil {
		return d == e
	}
	return d.Address == e.Address && slices.Equal(d.DNS, e.DNS) && d.Lease == e.Lease
}

// Route is a static route: to Dst through Via.
type Route struct {
	Dst netip.Prefix
	Via netip.Addr
}

// DHCPOption is a DHCPv4 option: a code (1 to 254) and its value.
type DHCPOption struct {
	Code  uint8
	Value []byte
}

// Guarded reports whether port security restricts the port's sources.
func (p *PortPolicy) Guarded() bool { return len(p.Sources) > 0 }

// Validate reports what cannot be enforced as p says it: a pair or an
// address whose MAC is not a host's or whose prefix is not masked (not a
// single address), a rule Rule.Validate refuses, a DHCP, DHCPv6 or RA
// configuration of the wrong IP version.
func (p *PortPolicy) Validate() error {
	for _, rules := range [][]Rule{p.Ingress, p.Egress} {
		for i := range rules {
			if err := rules[i].Validate(); err != nil {
				return err
			}
		}
	}
	if d := p.DHCP; d != nil {
		if !d.Address.IsValid() || !d.Address.Addr().Is4() || d.Address.Bits() == 0 {
			return fmt.Errorf("%w: DHCP address %v is not an IPv4 address with a prefix length", ErrInvalid, d.Address)
		}
		if !d.Server.Is4() {
			return fmt.Errorf("%w: DHCP server %v is not an IPv4 address", ErrInvalid, d.Server)
		}
		for _, r := range d.Routes {
			if !r.Dst.Addr().Is4() || !r.Via.Is4() {
				return fmt.Errorf("%w: DHCP route %v via %v is not IPv4", ErrInvalid, r.Dst, r.Via)
			}
		}
		for _, o := range d.Options {
			if o.Code == 0 || o.Code == 255 || len(o.Value) > 255 {
				return fmt.Errorf("%w: DHCP option %d of %d bytes", ErrInvalid, o.Code, len(o.Value))
			}
		}
	}
	if ra := p.RA; ra != nil {
		if !ra.Prefix.IsValid() || !ra.Prefix.Addr().Is6() || ra.Prefix.Masked() != ra.Prefix || ra.SLAAC && ra.Prefix.Bits() != 64 {
			return fmt.Errorf("%w: advertised prefix %v is not a masked IPv6 prefix (a /64 for SLAAC)", ErrInvalid, ra.Prefix)
		}
		for _, a := range ra.DNS {
			if !a.Is6() || a.Is4In6() {
				return fmt.Errorf("%w: advertised DNS server %v is not IPv6", ErrInvalid, a)
			}
		}
	}
	if d := p.DHCPv6; d != nil {
		if d.Address.IsValid() && (!d.Address.Is6() || d.Address.Is4In6()) {
			return fmt.Errorf("%w: DHCPv6 address %v is not IPv6", ErrInvalid, d.Address)
		}
		for _, a := range d.DNS {
			if !a.Is6() || a.Is4In6() {
				return fmt.Errorf("%w: DHCPv6 DNS server %v is not IPv6", ErrInvalid, a)
			}
		}
	}
	for _, a := range p.Addresses {
		if err := checkHost(a.MAC); err != nil {
			return err
		}
		if !a.Prefix.IsValid() || !a.Prefix.IsSingleIP() {
			return fmt.Errorf("%w: address %v of %v is not a single address", ErrInvalid, a.Prefix, a.MAC)
		}
	}
	for _, s := range p.Sources {
		if err := checkHost(s.MAC); err != nil {
			return err
		}
		if s.Prefix != (netip.Prefix{}) && (!s.Prefix.IsValid() || s.Prefix.Masked() != s.Prefix) {
			return fmt.Errorf("%w: address pair of %v: %v is not a masked prefix", ErrInvalid, s.MAC, s.Prefix)
		}
	}
	return nil
}

// Equal reports whether p and q say the same, in the same order (nil
// equals only nil).
func (p *PortPolicy) Equal(q *PortPolicy) bool {
	if p == nil || q == nil {
		return p == q
	}
	return slices.Equal(p.Sources, q.Sources) && slices.Equal(p.Addresses, q.Addresses) && p.DHCP.equal(q.DHCP) && p.RA.equal(q.RA) && p.DHCPv6.equal(q.DHCPv6) &&
		p.Filtered == q.Filtered && p.Stateless == q.Stateless && slices.Equal(p.Ingress, q.Ingress) && slices.Equal(p.Egress, q.Egress)
}

func (r *RouterAdvertisement) equal(o *RouterAdvertisement) bool {
	if r == nil || o == nil {
		return r == o
	}
	return r.Prefix == o.Prefix && r.SLAAC == o.SLAAC && r.Managed == o.Managed && r.OtherConfig == o.OtherConfig &&
		r.MTU == o.MTU && slices.Equal(r.DNS, o.DNS)
}

func (d *DHCPv4) equal(e *DHCPv4) bool {
	if d == nil || e == nil {
		return d == e
	}
	return d.Address == e.Address && d.Server == e.Server && d.Router == e.Router && slices.Equal(d.DNS, e.DNS) &&
		slices.Equal(d.Routes, e.Routes) && d.MTU == e.MTU && d.Lease == e.Lease && d.Domain == e.Domain &&
		slices.EqualFunc(d.Options, e.Options, func(a, b DHCPOption) bool { return a.Code == b.Code && bytes.Equal(a.Value, b.Value) })
}

// Allows reports whether the port may send from mac and addr.
func (p *PortPolicy) Allows(mac MAC, addr netip.Addr) bool {
	if !p.Guarded() {
		return true
	}
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	known := false
	for _, s := range p.Sources {
		if s.MAC != mac {
			continue
		}
		known = true
		if !s.Prefix.IsValid() || s.Prefix.Contains(addr) {
			return true
		}
	}
	if !known {
		return false
	}
	return addr.IsUnspecified() || addr == LinkLocal(mac)
}

// AllowsMAC reports whether the port may send from mac at all.
func (p *PortPolicy) AllowsMAC(mac MAC) bool {
	if !p.Guarded() {
		return true
	}
	for _, s := range p.Sources {
		if s.MAC == mac {
			return true
		}
	}
	return false
}

// LinkLocal returns mac's IPv6 link-local address (fe80::/64 with the
// modified EUI-64 of mac).
func LinkLocal(mac MAC) netip.Addr {
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	a[8], a[9], a[10] = mac[0]^0x02, mac[1], mac[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(a)
}

// EtherTypes of the frames port security looks into.
const (
	EtherTypeIPv4 = ethernet.EtherTypeIPv4
	EtherTypeARP  = ethernet.EtherTypeARP
	EtherTypeIPv6 = ethernet.EtherTypeIPv6
)

// SourceAddress returns the network-layer address a frame says it comes
// from: an IPv4 or IPv6 packet's source, an ARP packet's sender protocol
// address. For ARP it also returns the sender hardware address. ok is
// false for other EtherTypes, and for a packet too short to hold the
// address (addr is then the zero Addr).
func (f *Frame) SourceAddress() (addr netip.Addr, arpSender MAC, ok bool) {
	p := f.Payload
	switch f.EtherType {
	case EtherTypeIPv4:
		if len(p) < 20 || p[0]>>4 != 4 {
			return netip.Addr{}, MAC{}, true
		}
		return netip.AddrFrom4([4]byte(p[12:16])), MAC{}, true
	case EtherTypeIPv6:
		if len(p) < 40 || p[0]>>4 != 6 {
			return netip.Addr{}, MAC{}, true
		}
		return netip.AddrFrom16([16]byte(p[8:24])), MAC{}, true
	case EtherTypeARP:
		// Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4.
		if len(p) < 28 || binary.BigEndian.Uint16(p[0:2]) != 1 || binary.BigEndian.Uint16(p[2:4]) != 0x0800 || p[4] != 6 || p[5] != 4 {
			return netip.Addr{}, MAC{}, true
		}
		return netip.AddrFrom4([4]byte(p[14:18])), MAC(p[8:14]), true
	}
	return netip.Addr{}, MAC{}, false
}

// AllowsFrame reports whether the port may send f: from one of its pairs'
// MACs and, for IPv4, IPv6 and ARP, from an address the MAC may use (an
// ARP packet's sender hardware address must be the frame's source too).
func (p *PortPolicy) AllowsFrame(f *Frame) bool {
	if !p.AllowsMAC(f.Src) {
		return false
	}
	addr, sha, ok := f.SourceAddress()
	if !ok {
		return true
	}
	if f.EtherType == EtherTypeARP && sha != f.Src {
		return false
	}
	return p.Allows(f.Src, addr)
}

// SetPolicy sets the policy of the binding of slice id at loc (nil: none).
// A change makes the fabric report every MAC at loc (kind PolicyChanged),
// so that what was allowed under the old policy is decided again.
func (tx *Tx) SetPolicy(id string, loc Location, p *PortPolicy) error {
	if p != nil {
		if err := p.Validate(); err != nil {
			return err
		}
		c := *p
		c.Sources, c.Addresses = slices.Clone(p.Sources), slices.Clone(p.Addresses)
		c.Ingress, c.Egress = slices.Clone(p.Ingress), slices.Clone(p.Egress)
		if p.DHCPv6 != nil {
			d := *p.DHCPv6
			d.DNS = slices.Clone(d.DNS)
			c.DHCPv6 = &d
		}
		if p.RA != nil {
			ra := *p.RA
			ra.DNS = slices.Clone(ra.DNS)
			c.RA = &ra
		}
		if p.DHCP != nil {
			d := *p.DHCP
			d.DNS, d.Routes, d.Options = slices.Clone(d.DNS), slices.Clone(d.Routes), slices.Clone(d.Options)
			c.DHCP = &d
		}
		p = &c
	}
	sc, i, err := tx.binding(id, loc)
	if err != nil {
		return err
	}
	if sc.ports[i].policy.Equal(p) {
		return nil
	}
	nb := *sc.ports[i]
	nb.policy = p
	sc.ports[i] = &nb
	tx.cfg.ports[loc] = &nb
	tx.effect(effect{kind: effPolicy, st: sc.st, id: id, loc: nb.locIdx})
	tx.policies = true
	return nil
}

// PolicyGeneration counts the updates that changed a binding's policy,
// or bound or unbound a location that has one: a reader of policies
// (Bindings) need look again only when it moved.
func (f *Fabric) PolicyGeneration() uint64 { return f.policyGen.Load() }

// Resolve returns the MAC that has addr in slice id, as its ports'
// policies say (PortPolicy.Addresses).
func (f *Fabric) Resolve(id string, addr netip.Addr) (MAC, bool) {
	if sc := f.cfg.Load().slices[id]; sc != nil {
		m, ok := sc.addrs[addr.Unmap()]
		return m, ok && !m.IsZero()
	}
	return MAC{}, false
}

// indexAddresses notes, for Resolve, which MAC has each address the
// slice's policies name; an address with two gets the zero MAC.
func (sc *sliceConf) indexAddresses() {
	sc.addrs = nil
	for _, b := range sc.ports {
		if b.policy == nil {
			continue
		}
		for _, a := range b.policy.Addresses {
			if sc.addrs == nil {
				sc.addrs = map[netip.Addr]MAC{}
			}
			addr := a.Prefix.Addr().Unmap()
			if m, ok := sc.addrs[addr]; ok && m != a.MAC {
				sc.addrs[addr] = MAC{}
				continue
			}
			sc.addrs[addr] = a.MAC
		}
	}
}

// Policy returns the policy of the binding at loc, or nil. The policy is
// shared: do not change it.
func (f *Fabric) Policy(loc Location) *PortPolicy {
	if ps := f.cfg.Load().index.get(loc); ps != nil {
		return ps.b.policy
	}
	return nil
}
