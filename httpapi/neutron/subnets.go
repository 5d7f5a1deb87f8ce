package neutron

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

const (
	maxDNSNameservers = 5
	maxHostRoutes     = 20
)

// CreateSubnet creates a subnet.
func (s *Service) CreateSubnet(ctx context.Context, a SubnetInput) (Subnet, error) {
	return createOne[Subnet](ctx, s, subnets, a.subnetAttrs())
}

// CreateSubnets creates several subnets in one transaction.
func (s *Service) CreateSubnets(ctx context.Context, as []SubnetInput) ([]Subnet, error) {
	attrs := make([]Attrs, len(as))
	for i, a := range as {
		attrs[i] = a.subnetAttrs()
	}
	return createMany[Subnet](ctx, s, subnets, attrs)
}

func (s *Service) buildSubnet(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var netID string
	in.get("network_id", &netID)
	n, nrev, err := visibleNetwork(v, t, c, netID)
	if err != nil {
		return nil, err
	}
	if !c.Admin && n.TenantID != c.Project {
		return nil, forbidden("rule:create_subnet")
	}
	var desc string
	in.get("description", &desc)
	sub := &Subnet{Standard: s.newStandard(project, desc), EnableDHCP: true, ServiceTypes: []string{},
		DNSNameservers: []string{}, HostRoutes: []HostRoute{}, Tags: []string{}}
	in.into(sub, "tenant_id", "project_id", "description", "gateway_ip", "allocation_pools", "cidr", "prefixlen", "use_default_subnetpool")
	var cidr string
	in.get("cidr", &cidr)
	var prefixlen int
	in.get("prefixlen", &prefixlen)
	var useDefault bool
	in.get("use_default_subnetpool", &useDefault)
	switch {
	case sub.SubnetPoolID != nil || useDefault:
		if cidr, err = s.poolCIDR(v, t, c, sub, cidr, prefixlen, useDefault); err != nil {
			return nil, err
		}
	case cidr == "":
		return nil, fault(ErrInvalid, "BadRequest", "Bad subnets request: a cidr must be specified in the absence of a subnet pool.")
	case in.has("prefixlen"):
		return nil, fault(ErrInvalid, "BadRequest", "Bad subnets request: prefixlen is for a subnet from a subnet pool.")
	}
	prefix, err := parseSubnetCIDR(cidr, sub.IPVersion)
	if err != nil {
		return nil, err
	}
	sub.CIDR = prefix.String()
	if err := checkIPv6Modes(sub, prefix); err != nil {
		return nil, err
	}
	// No overlap with the network's other subnets (this transaction's
	// included).
	for _, other := range n.Subnets {
		o, _ := t.lookup(v, subnets, other)
		if o == nil {
			continue
		}
		op := netip.MustParsePrefix(o.(*Subnet).CIDR)
		if op.Overlaps(prefix) {
			return nil, invalidInput("Requested subnet with cidr: %s for network: %s overlaps with another subnet", sub.CIDR, n.ID)
		}
	}
	// Gateway: the first address unless given (null: none).
	var gw netip.Addr
	if in.has("gateway_ip") {
		var g *string
		in.get("gateway_ip", &g)
		if g != nil {
			if gw, err = checkGateway(*g, prefix); err != nil {
				return nil, err
			}
		}
	} else if first := prefix.Masked().Addr(); prefix.Bits() < prefix.Addr().BitLen() {
		gw = first.Next()
	}
	if gw.IsValid() {
		g := gw.String()
		sub.GatewayIP = &g
	}
	if in.has("allocation_pools") {
		var pools []AllocationPool
		in.get("allocation_pools", &pools)
		if sub.AllocationPools, err = checkPools(pools, prefix, gw); err != nil {
			return nil, err
		}
	} else {
		sub.AllocationPools = defaultPools(prefix, gw)
	}
	if err := checkNameservers(sub); err != nil {
		return nil, err
	}
	if err := checkHostRoutes(sub.HostRoutes, sub.IPVersion, sub.ID); err != nil {
		return nil, err
	}
	if err := t.guard(v, networks, n.ID); err != nil {
		return nil, err
	}
	nn := *n
	nn.Subnets = append(slices.Clip(n.Subnets), sub.ID)
	nn.Standard = s.touched(nn.Standard)
	t.rewrite(networks, &nn, nrev)
	t.rewrite(subnets, sub, 0)
	return sub, nil
}

// parseSubnetCIDR checks a subnet's CIDR: of its IP version, not /0, and
// for IPv4 its network address (neutron refuses "10.0.0.1/24" and
// recommends "10.0.0.0/24"; IPv6 ones are taken in canonical form).
func parseSubnetCIDR(cidr string, version int) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return p, invalidAttr("cidr", fmt.Sprintf("'%s' is not a valid IP subnet", cidr))
	}
	if (version == 4) != p.Addr().Is4() {
		return p, invalidInput("Cidr %s does not match ip_version %d", cidr, version)
	}
	if p.Bits() == 0 {
		return p, invalidInput("%s is not allowed as a subnet CIDR", cidr)
	}
	if p.Addr().Is4() && p.Masked() != p {
		return p, invalidAttr("cidr", fmt.Sprintf("'%s' isn't a recognized IP subnet cidr, '%s' is recommended", cidr, p.Masked()))
	}
	return p.Masked(), nil
}

func checkIPv6Modes(sub *Subnet, p netip.Prefix) error {
	ra, am := sub.IPv6RAMode, sub.IPv6AddressMode
	if sub.IPVersion == 4 && (ra != nil || am != nil) {
		return invalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4")
	}
	if ra != nil && am != nil && *ra != *am {
		return invalidInput("ipv6_ra_mode set to '%s' with ipv6_address_mode set to '%s' is not valid. If both attributes are set, they must be the same value", *ra, *am)
	}
	if autoAddress(sub) && p.Bits() != 64 {
		return invalidInput("Invalid CIDR %s for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64", sub.CIDR)
	}
	return nil
}

// autoAddress reports whether hosts configure their own addresses on sub
// (SLAAC): its ports get EUI-64 ones, never one from the pools.
func autoAddress(sub *Subnet) bool {
	m := sub.IPv6AddressMode
	return m != nil && (*m == "slaac" || *m == "dhcpv6-stateless")
}

func checkGateway(g string, p netip.Prefix) (netip.Addr, error) {
	gw, err := netip.ParseAddr(g)
	if err != nil {
		return gw, invalidAttr("gateway_ip", fmt.Sprintf("'%s' is not a valid IP address", g))
	}
	if !p.Contains(gw) {
		return gw, invalidInput("Gateway is not valid on subnet")
	}
	if p.Addr().Is4() && p.Bits() < 31 && (gw == p.Masked().Addr() || gw == lastAddr(p)) {
		return gw, invalidInput("Gateway is not valid on subnet")
	}
	return gw, nil
}

// checkPools validates allocation pools as neutron does: addresses of
// the subnet's family inside it (and not its network or broadcast
// address), start before end, no overlaps, and not the gateway.
func checkPools(pools []AllocationPool, p netip.Prefix, gw netip.Addr) ([]AllocationPool, error) {
	type rng struct{ a, b netip.Addr }
	var rs []rng
	out := make([]AllocationPool, 0, len(pools))
	for _, pool := range pools {
		a, err1 := netip.ParseAddr(pool.Start)
		b, err2 := netip.ParseAddr(pool.End)
		desc := pool.Start + "-" + pool.End
		if err1 != nil || err2 != nil || a.Is4() != p.Addr().Is4() || b.Is4() != p.Addr().Is4() {
			return nil, fault(ErrInvalid, "InvalidAllocationPool", "The allocation pool %s is not valid.", desc)
		}
		if !p.Contains(a) || !p.Contains(b) {
			return nil, fault(ErrInvalid, "OutOfBoundsAllocationPool", "The allocation pool %s spans beyond the subnet cidr %s.", desc, p)
		}
		if b.Less(a) {
			return nil, fault(ErrInvalid, "InvalidAllocationPool", "The allocation pool %s is not valid.", desc)
		}
		if p.Bits() < p.Addr().BitLen()-1 && (a == p.Masked().Addr() || p.Addr().Is4() && b == lastAddr(p)) {
			return nil, fault(ErrInvalid, "InvalidAllocationPool", "The allocation pool %s is not valid.", desc)
		}
		for _, r := range rs {
			if !b.Less(r.a) && !r.b.Less(a) {
				return nil, fault(ErrInvalid, "OverlappingAllocationPools", "Found overlapping allocation pools: %s-%s and %s for subnet %s.", r.a, r.b, desc, p)
			}
		}
		if gw.IsValid() && !gw.Less(a) && !b.Less(gw) {
			return nil, conflict("GatewayConflictWithAllocationPools", "Gateway ip %s conflicts with allocation pool %s", gw, desc)
		}
		rs = append(rs, rng{a, b})
		out = append(out, AllocationPool{a.String(), b.String()})
	}
	return out, nil
}

func checkNameservers(sub *Subnet) error {
	if len(sub.DNSNameservers) > maxDNSNameservers {
		return fault(ErrInvalid, "DNSNameServersExhausted", "Unable to complete operation for %s. The number of DNS nameservers exceeds the limit %d.", sub.ID, maxDNSNameservers)
	}
	seen := map[netip.Addr]bool{}
	for _, ns := range sub.DNSNameservers {
		a := netip.MustParseAddr(ns)
		if seen[a] {
			return invalidAttr("dns_nameservers", fmt.Sprintf("Duplicate nameserver '%s'", ns))
		}
		seen[a] = true
	}
	return nil
}

func checkHostRoutes(routes []HostRoute, version int, id string) error {
	if len(routes) > maxHostRoutes {
		return fault(ErrInvalid, "HostRoutesExhausted", "Unable to complete operation for %s. The number of host routes exceeds the limit %d.", id, maxHostRoutes)
	}
	seen := map[HostRoute]bool{}
	for _, r := range routes {
		d := netip.MustParsePrefix(r.Destination)
		nh := netip.MustParseAddr(r.NextHop)
		if version != 0 && (d.Addr().Is4() != (version == 4) || nh.Is4() != (version == 4)) {
			return invalidInput("Invalid route: %s via %s is not of IP version %d", r.Destination, r.NextHop, version)
		}
		if seen[r] {
			return invalidAttr("host_routes", fmt.Sprintf("Duplicate hostroute '%s'", r.Destination))
		}
		seen[r] = true
	}
	return nil
}

func (s *Service) updateSubnet(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*Subnet)
	sub := *old
	in.into(&sub, "gateway_ip", "allocation_pools")
	prefix := netip.MustParsePrefix(sub.CIDR)
	gw := netip.Addr{}
	if sub.GatewayIP != nil {
		gw = netip.MustParseAddr(*sub.GatewayIP)
	}
	if in.has("gateway_ip") {
		var g *string
		in.get("gateway_ip", &g)
		gw = netip.Addr{}
		sub.GatewayIP = nil
		if g != nil {
			var err error
			if gw, err = checkGateway(*g, prefix); err != nil {
				return nil, err
			}
			if p, taken := v.addrSpace(sub.ID).owner(gw); taken {
				if pt := v.port(p); pt == nil || pt.DeviceOwner != OwnerRouterInterface {
					return nil, conflict("IpAddressInUse", "Unable to complete operation for network %s. The IP address %s is in use.", sub.NetworkID, gw)
				}
			}
			gs := gw.String()
			sub.GatewayIP = &gs
		}
	}
	if in.has("allocation_pools") {
		var pools []AllocationPool
		in.get("allocation_pools", &pools)
		var err error
		if sub.AllocationPools, err = checkPools(pools, prefix, gw); err != nil {
			return nil, err
		}
	} else if in.has("gateway_ip") {
		if _, err := checkPools(sub.AllocationPools, prefix, gw); err != nil {
			return nil, err
		}
	}
	if err := checkNameservers(&sub); err != nil {
		return nil, err
	}
	if err := checkHostRoutes(sub.HostRoutes, sub.IPVersion, sub.ID); err != nil {
		return nil, err
	}
	sub.Standard = s.touched(sub.Standard)
	t.rewrite(subnets, &sub, e.rev)
	return &sub, nil
}

// UpdateSubnet changes a subnet's attributes.
func (s *Service) UpdateSubnet(ctx context.Context, id string, a SubnetInput, ifMatch int64) (Subnet, error) {
	return updateOne[Subnet](ctx, s, subnets, id, a.subnetAttrs(), ifMatch)
}

// DeleteSubnet deletes a subnet with no addresses allocated but to DHCP
// ports, or on a SLAAC or DHCPv6-stateless subnet to any port but a
// router's interface (those ports lose theirs); else SubnetInUse.
func (s *Service) DeleteSubnet(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, subnets, id, ifMatch, func(v *view, t *txn, e *entry) error {
		sub := e.obj.(*Subnet)
		var dhcp []*Port
		for p := range v.portsByNet.of(sub.NetworkID) {
			pt := v.port(p)
			if pt == nil || !slices.ContainsFunc(pt.FixedIPs, func(f FixedIP) bool { return f.SubnetID == id }) {
				continue
			}
			// Addresses of a SLAAC or DHCPv6-stateless subnet are the
			// hosts' own: they go with it, but a router's interface.
			if !autoDeleted(pt.DeviceOwner) && !(autoAddress(sub) && pt.DeviceOwner != OwnerRouterInterface) {
				return conflict("SubnetInUse", "Unable to complete operation on subnet %s: One or more ports have an IP allocation from this subnet.", id)
			}
			dhcp = append(dhcp, pt)
		}
		for _, pt := range dhcp {
			np := *pt
			np.FixedIPs = slices.DeleteFunc(slices.Clone(pt.FixedIPs), func(f FixedIP) bool { return f.SubnetID == id })
			np.Standard = s.touched(np.Standard)
			t.rewrite(ports, &np, v.get(ports, pt.ID).rev)
		}
		t.delPrefix(s.k.ips(id))
		if o, rev := t.lookup(v, networks, sub.NetworkID); o != nil {
			n := *o.(*Network)
			n.Subnets = slices.DeleteFunc(slices.Clone(n.Subnets), func(x string) bool { return x == id })
			n.Standard = s.touched(n.Standard)
			t.rewrite(networks, &n, rev)
		}
		return nil
	})
}

// Subnet returns one subnet the caller may see.
func (s *Service) Subnet(ctx context.Context, id string) (Subnet, error) {
	return getOne[Subnet](ctx, s, subnets, id)
}

var _ = strings.Cut
