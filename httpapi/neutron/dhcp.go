package neutron

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netslice/netslice/l2"
)

// The DHCPv4, router advertisements and DHCPv6 a port gets from the
// fabric (l2.DHCPv4, l2.RouterAdvertisement, l2.DHCPv6). DHCPv4: its first IPv4
// address on a subnet with enable_dhcp, with the subnet's gateway,
// nameservers and host routes, the network's MTU, and the port's
// extra_dhcp_opts of IP version 4. The server identifier is the
// subnet's gateway, or its first address when it has none.

// dhcpLease is neutron's default dhcp_lease_duration.
const dhcpLease = 86400

// portDHCP returns the DHCP configuration of port p on network n, or nil.
func (v *view) portDHCP(p *Port, n *Network) *l2.DHCPv4 {
	for _, fip := range p.FixedIPs {
		sub := v.subnet(fip.SubnetID)
		if sub == nil || sub.IPVersion != 4 || !sub.EnableDHCP {
			continue
		}
		addr, err1 := netip.ParseAddr(fip.IPAddress)
		cidr, err2 := netip.ParsePrefix(sub.CIDR)
		if err1 != nil || err2 != nil || !addr.Is4() {
			continue
		}
		d := &l2.DHCPv4{Address: netip.PrefixFrom(addr, cidr.Bits()), Lease: dhcpLease * 1e9, MTU: uint16(max(min(n.MTU, 0xffff), 0))}
		d.Server = cidr.Masked().Addr().Next()
		if sub.GatewayIP != nil {
			if gw, err := netip.ParseAddr(*sub.GatewayIP); err == nil && gw.Is4() {
				d.Server, d.Router = gw, gw
			}
		}
		for _, s := range sub.DNSNameservers {
			if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
				d.DNS = append(d.DNS, a)
			}
		}
		for _, r := range sub.HostRoutes {
			dst, err1 := netip.ParsePrefix(r.Destination)
			via, err2 := netip.ParseAddr(r.NextHop)
			if err1 == nil && err2 == nil && dst.Addr().Is4() && via.Is4() {
				d.Routes = append(d.Routes, l2.Route{Dst: dst.Masked(), Via: via})
			}
		}
		for _, o := range p.ExtraDHCPOpts {
			if o.IPVersion == 6 {
				continue
			}
			if opt, ok := dhcpOption(o.Name, o.Value); ok {
				d.Options = append(d.Options, opt)
			}
		}
		return d
	}
	return nil
}

// DHCP option names neutron's extra_dhcp_opts take (dnsmasq's), with
// their codes and how their values are written.
var dhcpOptionNames = map[string]struct {
	code uint8
	kind byte // 'a' addresses, '2' uint16, '4' uint32, 's' string
}{
	"router": {3, 'a'}, "dns-server": {6, 'a'}, "log-server": {7, 'a'}, "lpr-server": {9, 'a'},
	"hostname": {12, 's'}, "domain-name": {15, 's'}, "root-path": {17, 's'}, "mtu": {26, '2'},
	"ntp-server": {42, 'a'}, "netbios-ns": {44, 'a'}, "lease-time": {51, '4'}, "T1": {58, '4'}, "T2": {59, '4'},
	"tftp-server": {66, 's'}, "bootfile-name": {67, 's'}, "domain-search": {119, 's'},
	"tftp-server-address": {150, 'a'},
}

// dhcpOption encodes an extra_dhcp_opt: by name, or by number ("26"),
// whose value is then taken as text unless the code is one of the named
// ones. Options it cannot encode are left out.
func dhcpOption(name, value string) (l2.DHCPOption, bool) {
	spec, ok := dhcpOptionNames[name]
	if !ok {
		n, err := strconv.Atoi(strings.TrimPrefix(name, "option:"))
		if err != nil || n < 1 || n > 254 {
			return l2.DHCPOption{}, false
		}
		spec.code, spec.kind = uint8(n), 's'
		for _, s := range dhcpOptionNames {
			if s.code == uint8(n) {
				spec = s
			}
		}
	}
	var b []byte
	switch spec.kind {
	case 'a':
		for _, s := range strings.Split(value, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil || !a.Is4() {
				return l2.DHCPOption{}, false
			}
			b = append(b, a.AsSlice()...)
		}
	case '2':
		n, err := strconv.ParseUint(value, 10, 16)
		if err != nil {
			return l2.DHCPOption{}, false
		}
		b = binary.BigEndian.AppendUint16(nil, uint16(n))
	case '4':
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return l2.DHCPOption{}, false
		}
		b = binary.BigEndian.AppendUint32(nil, uint32(n))
	default:
		b = []byte(value)
	}
	if len(b) == 0 || len(b) > 255 {
		return l2.DHCPOption{}, false
	}
	return l2.DHCPOption{Code: spec.code, Value: b}, true
}

// portRA returns the router advertisement of port p on network n: for its
// first IPv6 address on a subnet whose ipv6_ra_mode (or, without one,
// ipv6_address_mode) is slaac, dhcpv6-stateless or dhcpv6-stateful.
func (v *view) portRA(p *Port, n *Network) *l2.RouterAdvertisement {
	for _, fip := range p.FixedIPs {
		sub := v.subnet(fip.SubnetID)
		if sub == nil || sub.IPVersion != 6 {
			continue
		}
		mode := sub.IPv6RAMode
		if mode == nil {
			mode = sub.IPv6AddressMode
		}
		cidr, err := netip.ParsePrefix(sub.CIDR)
		if mode == nil || err != nil {
			continue
		}
		ra := &l2.RouterAdvertisement{Prefix: cidr.Masked(), MTU: uint16(max(min(n.MTU, 0xffff), 0))}
		switch *mode {
		case "slaac":
			ra.SLAAC = true
		case "dhcpv6-stateless":
			ra.SLAAC, ra.OtherConfig = true, true
		case "dhcpv6-stateful":
			ra.Managed = true
		default:
			continue
		}
		if ra.SLAAC && cidr.Bits() != 64 {
			continue // neutron refuses such a subnet; nothing to advertise
		}
		for _, s := range sub.DNSNameservers {
			if a, err := netip.ParseAddr(s); err == nil && a.Is6() && !a.Is4In6() {
				ra.DNS = append(ra.DNS, a)
			}
		}
		return ra
	}
	return nil
}

// portDHCPv6 returns the DHCPv6 configuration of port p: for its first
// IPv6 address on a subnet with enable_dhcp and an address mode of
// dhcpv6-stateful (the address is leased) or dhcpv6-stateless (DNS
// servers only).
func (v *view) portDHCPv6(p *Port) *l2.DHCPv6 {
	for _, fip := range p.FixedIPs {
		sub := v.subnet(fip.SubnetID)
		if sub == nil || sub.IPVersion != 6 || !sub.EnableDHCP || sub.IPv6AddressMode == nil {
			continue
		}
		d := &l2.DHCPv6{Lease: dhcpLease * 1e9}
		switch *sub.IPv6AddressMode {
		case "dhcpv6-stateful":
			a, err := netip.ParseAddr(fip.IPAddress)
			if err != nil || !a.Is6() {
				continue
			}
			d.Address = a
		case "dhcpv6-stateless":
		default:
			continue
		}
		for _, s := range sub.DNSNameservers {
			if a, err := netip.ParseAddr(s); err == nil && a.Is6() && !a.Is4In6() {
				d.DNS = append(d.DNS, a)
			}
		}
		return d
	}
	return nil
}
