package neutron

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/netslice/netslice/l2"
)

// Security groups on the wire (l2.PortPolicy.Filtered): a bound port with
// port security and at least one security group is filtered by its
// groups' rules, statefully with Open vSwitch's connection tracker, or
// packet by packet when its groups are stateless. A rule
// with remote_group_id allows the addresses (fixed IPs and allowed
// address pairs) of that group's ports, a rule with
// remote_address_group_id the group's addresses; either follows its
// group's membership.

// ipProtocols are the protocol names neutron takes, as numbers.
var ipProtocols = map[string]uint8{
	"icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "udp": 17, "dccp": 33, "ipv6-encap": 41,
	"ipv6-route": 43, "ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "icmpv6": 58,
	"ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ospf": 89, "pgm": 113, "sctp": 132,
	"udplite": 136, "vrrp": 112, "encap": 98,
}

// portFilter fills pol's rules from the security groups of p.
func (v *view) portFilter(pol *l2.PortPolicy, p *Port) {
	if len(p.SecurityGroups) == 0 {
		return
	}
	pol.Filtered = true
	// Neutron keeps a port's groups all stateful or all stateless.
	pol.Stateless = true
	for _, sg := range p.SecurityGroups {
		if e := v.get(securityGroups, sg); e == nil || e.obj.(*SecurityGroup).Stateful {
			pol.Stateless = false
		}
	}
	for _, sg := range p.SecurityGroups {
		for id := range v.rulesBySG.of(sg) {
			e := v.get(securityGroupRules, id)
			if e == nil {
				continue
			}
			r := e.obj.(*SecurityGroupRule)
			for _, rule := range v.l2Rules(r) {
				if r.Direction == "ingress" {
					pol.Ingress = append(pol.Ingress, rule)
				} else {
					pol.Egress = append(pol.Egress, rule)
				}
			}
		}
	}
	// One order whatever the maps' (a policy that did not change must
	// compare equal).
	for _, rules := range [][]l2.Rule{pol.Ingress, pol.Egress} {
		slices.SortFunc(rules, compareRules)
	}
	pol.Ingress, pol.Egress = slices.Compact(pol.Ingress), slices.Compact(pol.Egress)
}

func compareRules(a, b l2.Rule) int {
	ka := [...]int{int(a.EtherType), int(a.Protocol), int(a.PortMin), int(a.PortMax), bit(a.TypeSet), int(a.ICMPType), bit(a.CodeSet), int(a.ICMPCode)}
	kb := [...]int{int(b.EtherType), int(b.Protocol), int(b.PortMin), int(b.PortMax), bit(b.TypeSet), int(b.ICMPType), bit(b.CodeSet), int(b.ICMPCode)}
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] - kb[i]
		}
	}
	if c := a.Remote.Addr().Compare(b.Remote.Addr()); c != 0 {
		return c
	}
	return a.Remote.Bits() - b.Remote.Bits()
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// l2Rules are the fabric's rules for a security group rule: one, or one
// per remote address of its remote group; none for a remote group with no
// address of the rule's IP version, or a rule the fabric cannot match.
func (v *view) l2Rules(r *SecurityGroupRule) []l2.Rule {
	rule := l2.Rule{EtherType: uint16(l2.EtherTypeIPv4)}
	v6 := r.EtherType == "IPv6"
	if v6 {
		rule.EtherType = uint16(l2.EtherTypeIPv6)
	}
	if r.Protocol != nil && *r.Protocol != "" && *r.Protocol != "any" {
		n, ok := ipProtocols[*r.Protocol]
		if !ok {
			p, err := strconv.ParseUint(*r.Protocol, 10, 8)
			if err != nil {
				return nil
			}
			n = uint8(p)
		}
		if n == 1 && v6 {
			n = 58 // neutron takes icmp for ICMPv6 in an IPv6 rule
		}
		rule.Protocol = n
	}
	switch rule.Protocol {
	case 1, 58:
		if r.PortRangeMin != nil {
			rule.TypeSet, rule.ICMPType = true, uint8(*r.PortRangeMin)
			if r.PortRangeMax != nil {
				rule.CodeSet, rule.ICMPCode = true, uint8(*r.PortRangeMax)
			}
		}
	case 6, 17, 132:
		if r.PortRangeMin != nil {
			rule.PortMin, rule.PortMax = uint16(*r.PortRangeMin), uint16(*r.PortRangeMin)
			if r.PortRangeMax != nil {
				rule.PortMax = uint16(*r.PortRangeMax)
			}
		}
	}
	var remotes []netip.Prefix
	switch {
	case r.RemoteIPPrefix != nil:
		p, err := netip.ParsePrefix(*r.RemoteIPPrefix)
		if err != nil {
			return nil
		}
		remotes = []netip.Prefix{p.Masked()}
	case r.RemoteGroupID != nil:
		remotes = v.groupAddresses(*r.RemoteGroupID)
	case r.RemoteAddressGroupID != nil:
		if e := v.get(addressGroups, *r.RemoteAddressGroupID); e != nil {
			for _, s := range e.obj.(*AddressGroup).Addresses {
				if p, err := netip.ParsePrefix(s); err == nil {
					remotes = append(remotes, p.Masked())
				}
			}
		}
	default:
		if rule.Validate() == nil {
			return []l2.Rule{rule}
		}
		return nil
	}
	var out []l2.Rule
	for _, p := range remotes {
		if p.Addr().Is6() == v6 {
			rr := rule
			rr.Remote = p
			if rr.Validate() == nil {
				out = append(out, rr)
			}
		}
	}
	return out
}

// groupAddresses are the addresses of security group id's ports: their
// fixed IPs and allowed address pairs.
func (v *view) groupAddresses(id string) []netip.Prefix {
	var out []netip.Prefix
	for pid := range v.portsBySG[id] {
		p := v.port(pid)
		if p == nil {
			continue
		}
		for _, ip := range p.FixedIPs {
			if a, err := netip.ParseAddr(ip.IPAddress); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
			}
		}
		for _, ap := range p.AllowedAddressPairs {
			if pr, ok := pairPrefix(ap.IPAddress); ok {
				out = append(out, pr)
			}
		}
	}
	return out
}
