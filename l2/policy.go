package l2

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

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
	Sources []AddressPair
}

// Validate reports a pair whose MAC is not a host's or whose prefix is
// not masked.
func (p *PortPolicy) Validate() error {
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

// Equal reports whether p and q hold the same pairs in the same order
// (nil equals only nil).
func (p *PortPolicy) Equal(q *PortPolicy) bool {
	if p == nil || q == nil {
		return p == q
	}
	return slices.Equal(p.Sources, q.Sources)
}

// Allows reports whether the port may send from mac and addr.
func (p *PortPolicy) Allows(mac MAC, addr netip.Addr) bool {
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
		p = &PortPolicy{Sources: slices.Clone(p.Sources)}
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
	return nil
}

// Policy returns the policy of the binding at loc, or nil. The policy is
// shared: do not change it.
func (f *Fabric) Policy(loc Location) *PortPolicy {
	if ps := f.cfg.Load().index.get(loc); ps != nil {
		return ps.b.policy
	}
	return nil
}
