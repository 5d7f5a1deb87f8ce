package neutron

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
)

// CreateRouter creates a router, with its gateway port when
// external_gateway_info names an external network.
func (s *Service) CreateRouter(ctx context.Context, a RouterInput) (Router, error) {
	return createOne[Router](ctx, s, routers, a.routerAttrs())
}

// UpdateRouter changes a router: its name, state, gateway or routes.
func (s *Service) UpdateRouter(ctx context.Context, id string, a RouterInput, ifMatch int64) (Router, error) {
	return updateOne[Router](ctx, s, routers, id, a.routerAttrs(), ifMatch)
}

// Router returns one router.
func (s *Service) Router(ctx context.Context, id string) (Router, error) {
	return getOne[Router](ctx, s, routers, id)
}

func (s *Service) buildRouter(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	r := &Router{Standard: s.newStandard(project, desc), AdminStateUp: true, Status: "ACTIVE", Routes: []HostRoute{}, Tags: []string{}}
	in.into(r, "tenant_id", "project_id", "description", "external_gateway_info")
	if err := s.setGateway(v, t, c, r, in); err != nil {
		return nil, err
	}
	t.rewrite(routers, r, 0)
	return r, nil
}

// setGateway applies external_gateway_info when the request has it:
// null removes the gateway port, a network (router:external) gets one,
// with addresses from external_fixed_ips or allocated.
func (s *Service) setGateway(v *view, t *txn, c Caller, r *Router, in input) error {
	raw, ok := in["external_gateway_info"]
	if !ok {
		return nil
	}
	var gi map[string]json.RawMessage
	json.Unmarshal(raw, &gi)
	var want *GatewayInfo
	if gi != nil {
		want = &GatewayInfo{EnableSNAT: true}
		json.Unmarshal(raw, want)
		if !c.Admin {
			if _, ok := gi["enable_snat"]; ok {
				return forbidden("rule:create_router:external_gateway_info:enable_snat")
			}
			if _, ok := gi["external_fixed_ips"]; ok {
				return forbidden("rule:create_router:external_gateway_info:external_fixed_ips")
			}
		}
	}
	old := r.ExternalGatewayInfo
	if old != nil && want != nil && old.NetworkID == want.NetworkID {
		r.ExternalGatewayInfo.EnableSNAT = want.EnableSNAT
		if _, given := gi["external_fixed_ips"]; !given {
			return nil
		}
		// New addresses on the same network: the gateway port keeps
		// those named again and takes the others, as neutron updates it.
		for pid := range v.portsByDevice.of(r.ID) {
			if p := v.port(pid); p != nil && p.DeviceOwner == OwnerRouterGateway {
				n := v.network(p.NetworkID)
				np := *p
				if err := s.allocate(v, t, n, &np, p.FixedIPs, &want.ExternalFixedIPs); err != nil {
					return err
				}
				np.Standard = s.touched(np.Standard)
				t.rewrite(ports, &np, v.get(ports, pid).rev)
				want.ExternalFixedIPs = np.FixedIPs
				r.ExternalGatewayInfo = want
				return nil
			}
		}
	}
	// Remove the old gateway port.
	if old != nil {
		for pid := range v.portsByDevice.of(r.ID) {
			if p := v.port(pid); p != nil && p.DeviceOwner == OwnerRouterGateway {
				for fid, fe := range v.tables[floatingIPs].m {
					if f := fe.obj.(*FloatingIP); f.RouterID != nil && *f.RouterID == r.ID {
						return conflict("RouterExternalGatewayInUseByFloatingIp", "Gateway cannot be updated for router %s, since a gateway to external network %s is required by one or more floating IPs (%s).", r.ID, old.NetworkID, fid)
					}
				}
				s.deletePort(v, t, p, v.get(ports, pid).rev)
			}
		}
		r.ExternalGatewayInfo = nil
	}
	if want == nil {
		return nil
	}
	n, _, err := visibleNetwork(v, t, c, want.NetworkID)
	if err != nil {
		return err
	}
	if !v.externalFor(c, n) {
		return fault(ErrInvalid, "BadRequest", "Bad router request: Network %s is not an external network.", n.ID)
	}
	p, err := s.servicePort(v, t, n, "", OwnerRouterGateway, r.ID, want.ExternalFixedIPs, true)
	if err != nil {
		return err
	}
	want.ExternalFixedIPs = p.FixedIPs
	r.ExternalGatewayInfo = want
	return nil
}

// servicePort adds a port the network itself owns (a router's gateway or
// interface, a floating IP's) to t; fixed is what fixed_ips asked for
// (nil: the default allocation; v4only: one IPv4 address).
func (s *Service) servicePort(v *view, t *txn, n *Network, project, owner, device string, fixed []FixedIP, v4only bool) (*Port, error) {
	if err := t.guard(v, networks, n.ID); err != nil {
		return nil, err
	}
	p := &Port{Standard: s.newStandard(project, ""), NetworkID: n.ID, AdminStateUp: true, DeviceOwner: owner, DeviceID: device,
		PortSecurityEnabled: false, VNICType: "normal", Profile: map[string]any{}, SecurityGroups: []string{},
		AllowedAddressPairs: []AddressPair{}, Tags: []string{}}
	if err := s.assignMAC(v, t, p, input{}); err != nil {
		return nil, err
	}
	var req *[]FixedIP
	if fixed != nil {
		req = &fixed
	} else if v4only {
		var v4 []FixedIP
		for _, id := range n.Subnets {
			if o, _ := t.lookup(v, subnets, id); o != nil && o.(*Subnet).IPVersion == 4 {
				v4 = append(v4, FixedIP{SubnetID: id})
				break
			}
		}
		if v4 == nil {
			return nil, fault(ErrInvalid, "BadRequest", "Bad request: Network %s does not contain any IPv4 subnet.", n.ID)
		}
		req = &v4
	}
	if err := s.allocate(v, t, n, p, nil, req); err != nil {
		return nil, err
	}
	bind(p, n)
	t.rewrite(ports, p, 0)
	return p, nil
}

func (s *Service) updateRouter(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*Router)
	r := *old
	if old.ExternalGatewayInfo != nil {
		gi := *old.ExternalGatewayInfo
		r.ExternalGatewayInfo = &gi
	}
	in.into(&r, "external_gateway_info")
	if err := s.setGateway(v, t, c, &r, in); err != nil {
		return nil, err
	}
	if in.has("routes") {
		if err := checkHostRoutes(r.Routes, 0, r.ID); err != nil {
			return nil, err
		}
		for _, rt := range r.Routes {
			if !v.routerReaches(r.ID, netip.MustParseAddr(rt.NextHop)) {
				return nil, fault(ErrInvalid, "InvalidRoutes", "Invalid format for routes: %s, the nexthop is not connected with router", rt.Destination+" via "+rt.NextHop)
			}
		}
	}
	r.Standard = s.touched(r.Standard)
	t.rewrite(routers, &r, e.rev)
	return &r, nil
}

// routerReaches reports whether ip is on a subnet the router has an
// interface on.
func (v *view) routerReaches(router string, ip netip.Addr) bool {
	for pid := range v.portsByDevice.of(router) {
		p := v.port(pid)
		if p == nil || p.DeviceOwner != OwnerRouterInterface && p.DeviceOwner != OwnerRouterGateway {
			continue
		}
		for _, f := range p.FixedIPs {
			if sub := v.subnet(f.SubnetID); sub != nil && netip.MustParsePrefix(sub.CIDR).Contains(ip) && f.IPAddress != ip.String() {
				return true
			}
		}
	}
	return false
}

// DeleteRouter deletes a router without interfaces or floating IPs, and
// its gateway port.
func (s *Service) DeleteRouter(ctx context.Context, id string, ifMatch int64) error {
	c := callerFrom(ctx)
	return s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, routers, id, "delete")
		if err != nil {
			return err
		}
		if err := checkRevision(e, ifMatch); err != nil {
			return err
		}
		for pid := range v.portsByDevice.of(id) {
			if p := v.port(pid); p != nil && p.DeviceOwner == OwnerRouterInterface {
				return conflict("RouterInUse", "Router %s still has ports", id)
			}
		}
		for _, fe := range v.tables[floatingIPs].m {
			if f := fe.obj.(*FloatingIP); f.RouterID != nil && *f.RouterID == id {
				return conflict("RouterInUse", "Router %s still has ports", id)
			}
		}
		for pid := range v.portsByDevice.of(id) {
			if p := v.port(pid); p != nil && p.DeviceOwner == OwnerRouterGateway {
				s.deletePort(v, t, p, v.get(ports, pid).rev)
			}
		}
		key := s.k.object(routers.plural, id)
		t.cond(storeIfModRevision(key, e.rev))
		t.del(key)
		return nil
	})
}

// AddRouterInterface connects a router to a subnet (a new port holding
// the subnet's gateway address) or to an existing port.
func (s *Service) AddRouterInterface(ctx context.Context, router, subnetID, portID string) (RouterInterface, error) {
	c := callerFrom(ctx)
	var out RouterInterface
	if (subnetID == "") == (portID == "") {
		return out, fault(ErrInvalid, "BadRequest", "Bad router request: Either subnet_id or port_id must be specified.")
	}
	err := s.write(ctx, func(v *view, t *txn) error {
		re := v.get(routers, router)
		if re == nil || !c.sees(re.obj.(*Router).TenantID) {
			return notFound("Router", router)
		}
		r := *re.obj.(*Router)
		var p *Port
		if portID != "" {
			pe := v.get(ports, portID)
			if pe == nil || !c.sees(pe.obj.(*Port).TenantID) {
				return notFound("Port", portID)
			}
			old := pe.obj.(*Port)
			if old.DeviceID != "" || old.DeviceOwner != "" {
				return conflict("PortInUse", "Unable to complete operation on port %s for network %s. Port already has an attached device %s.", old.ID, old.NetworkID, old.DeviceID)
			}
			if len(old.FixedIPs) == 0 {
				return fault(ErrInvalid, "BadRequest", "Bad router request: Router port must have at least one fixed IP.")
			}
			for _, f := range old.FixedIPs {
				if err := s.checkInterfaceSubnet(v, router, f.SubnetID); err != nil {
					return err
				}
			}
			np := *old
			np.DeviceID, np.DeviceOwner = router, OwnerRouterInterface
			np.SecurityGroups = []string{}
			np.Standard = s.touched(np.Standard)
			n := v.network(np.NetworkID)
			bind(&np, n)
			t.rewrite(ports, &np, pe.rev)
			p = &np
		} else {
			sub := v.subnet(subnetID)
			if sub == nil || !v.canSee(c, sub) {
				return notFound("Subnet", subnetID)
			}
			if sub.GatewayIP == nil {
				return fault(ErrInvalid, "BadRequest", "Bad router request: Subnet for router interface must have a gateway IP.")
			}
			if err := s.checkInterfaceSubnet(v, router, subnetID); err != nil {
				return err
			}
			n := v.network(sub.NetworkID)
			if n == nil {
				return notFound("Network", sub.NetworkID)
			}
			var err error
			if p, err = s.servicePort(v, t, n, r.TenantID, OwnerRouterInterface, router, []FixedIP{{SubnetID: subnetID, IPAddress: *sub.GatewayIP}}, false); err != nil {
				return err
			}
		}
		r.Standard = s.touched(r.Standard)
		t.rewrite(routers, &r, re.rev)
		out = interfaceInfo(&r, p)
		return nil
	})
	return out, err
}

// checkInterfaceSubnet refuses a subnet the router is on already, or one
// overlapping a subnet it is on.
func (s *Service) checkInterfaceSubnet(v *view, router, subnetID string) error {
	sub := v.subnet(subnetID)
	if sub == nil {
		return notFound("Subnet", subnetID)
	}
	p := netip.MustParsePrefix(sub.CIDR)
	for pid := range v.portsByDevice.of(router) {
		pt := v.port(pid)
		if pt == nil || pt.DeviceOwner != OwnerRouterInterface {
			continue
		}
		for _, f := range pt.FixedIPs {
			if f.SubnetID == subnetID {
				return fault(ErrInvalid, "BadRequest", "Bad router request: Router already has a port on subnet %s.", subnetID)
			}
			if o := v.subnet(f.SubnetID); o != nil && netip.MustParsePrefix(o.CIDR).Overlaps(p) {
				return fault(ErrInvalid, "BadRequest", "Bad router request: Cidr %s of subnet %s overlaps with cidr %s of subnet %s.", sub.CIDR, subnetID, o.CIDR, o.ID)
			}
		}
	}
	return nil
}

func interfaceInfo(r *Router, p *Port) RouterInterface {
	ri := RouterInterface{ID: r.ID, TenantID: r.TenantID, ProjectID: r.TenantID, PortID: p.ID, NetworkID: p.NetworkID, SubnetIDs: []string{}}
	for _, f := range p.FixedIPs {
		ri.SubnetIDs = append(ri.SubnetIDs, f.SubnetID)
	}
	if len(ri.SubnetIDs) > 0 {
		ri.SubnetID = ri.SubnetIDs[0]
	}
	return ri
}

// RemoveRouterInterface disconnects a router from a subnet or deletes
// the interface port given.
func (s *Service) RemoveRouterInterface(ctx context.Context, router, subnetID, portID string) (RouterInterface, error) {
	c := callerFrom(ctx)
	var out RouterInterface
	if subnetID == "" && portID == "" {
		return out, fault(ErrInvalid, "BadRequest", "Bad router request: Either subnet_id or port_id must be specified.")
	}
	err := s.write(ctx, func(v *view, t *txn) error {
		re := v.get(routers, router)
		if re == nil || !c.sees(re.obj.(*Router).TenantID) {
			return notFound("Router", router)
		}
		var p *Port
		for pid := range v.portsByDevice.of(router) {
			pt := v.port(pid)
			if pt == nil || pt.DeviceOwner != OwnerRouterInterface {
				continue
			}
			if portID != "" && pt.ID == portID || portID == "" && slices.ContainsFunc(pt.FixedIPs, func(f FixedIP) bool { return f.SubnetID == subnetID }) {
				p = pt
			}
		}
		if p == nil {
			if portID != "" {
				return fault(ErrNotFound, "RouterInterfaceNotFound", "Router %s does not have an interface with id %s", router, portID)
			}
			return fault(ErrNotFound, "RouterInterfaceNotFoundForSubnet", "Router %s has no interface on subnet %s", router, subnetID)
		}
		for _, fe := range v.tables[floatingIPs].m {
			f := fe.obj.(*FloatingIP)
			if f.RouterID == nil || *f.RouterID != router || f.PortID == nil {
				continue
			}
			if fp := v.port(*f.PortID); fp != nil && fp.NetworkID == p.NetworkID {
				return conflict("RouterInterfaceInUseByFloatingIP", "Router interface for subnet %s on router %s cannot be deleted, as it is required by one or more floating IPs.", p.FixedIPs[0].SubnetID, router)
			}
		}
		s.deletePort(v, t, p, v.get(ports, p.ID).rev)
		r := *re.obj.(*Router)
		r.Standard = s.touched(r.Standard)
		t.rewrite(routers, &r, re.rev)
		out = interfaceInfo(&r, p)
		return nil
	})
	return out, err
}

// Floating IPs.

// CreateFloatingIP allocates an address of an external network, and
// associates it with port_id when given.
func (s *Service) CreateFloatingIP(ctx context.Context, a FloatingIPInput) (FloatingIP, error) {
	return createOne[FloatingIP](ctx, s, floatingIPs, a.floatingIPAttrs())
}

// UpdateFloatingIP associates (port_id) or disassociates (port_id null) a
// floating IP.
func (s *Service) UpdateFloatingIP(ctx context.Context, id string, a FloatingIPInput, ifMatch int64) (FloatingIP, error) {
	return updateOne[FloatingIP](ctx, s, floatingIPs, id, a.floatingIPAttrs(), ifMatch)
}

// FloatingIP returns one floating IP.
func (s *Service) FloatingIP(ctx context.Context, id string) (FloatingIP, error) {
	return getOne[FloatingIP](ctx, s, floatingIPs, id)
}

func (s *Service) buildFloatingIP(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	f := &FloatingIP{Standard: s.newStandard(project, desc), Status: "DOWN", Tags: []string{}}
	in.into(f, "tenant_id", "project_id", "description", "port_id", "fixed_ip_address", "floating_ip_address", "subnet_id")
	n, _, err := visibleNetwork(v, t, c, f.FloatingNetworkID)
	if err != nil {
		return nil, err
	}
	if !v.externalFor(c, n) {
		return nil, fault(ErrInvalid, "BadRequest", "Bad floatingip request: Network %s is not a valid external network.", n.ID)
	}
	var fixed []FixedIP
	var addr string
	var subnet *string
	in.get("floating_ip_address", &addr)
	in.get("subnet_id", &subnet)
	if addr != "" || subnet != nil {
		fixed = []FixedIP{{IPAddress: addr}}
		if subnet != nil {
			fixed[0].SubnetID = *subnet
		}
	}
	p, err := s.servicePort(v, t, n, "", OwnerFloatingIP, f.ID, fixed, true)
	if err != nil {
		return nil, err
	}
	f.FloatingIPAddress = p.FixedIPs[0].IPAddress
	if err := s.associate(v, t, c, f, in); err != nil {
		return nil, err
	}
	t.rewrite(floatingIPs, f, 0)
	return f, nil
}

// associate applies port_id and fixed_ip_address: the port's address
// (the one given, or its only IPv4 one) must reach the floating network
// through a router with a gateway there and an interface on its subnet.
func (s *Service) associate(v *view, t *txn, c Caller, f *FloatingIP, in input) error {
	var portID *string
	if !in.get("port_id", &portID) {
		if in.has("fixed_ip_address") && f.PortID != nil {
			portID = f.PortID
		} else {
			return nil
		}
	}
	if portID == nil {
		f.PortID, f.FixedIPAddress, f.RouterID, f.Status = nil, nil, nil, "DOWN"
		return nil
	}
	pe := v.get(ports, *portID)
	if pe == nil || !c.sees(pe.obj.(*Port).TenantID) {
		return notFound("Port", *portID)
	}
	p := pe.obj.(*Port)
	// A router's interface may hold one, as in neutron; other ports the
	// network owns may not.
	if networkOwned(p.DeviceOwner) && p.DeviceOwner != OwnerRouterInterface {
		return fault(ErrInvalid, "BadRequest", "Bad floatingip request: Port %s is owned by the network (%s) and cannot have a floating IP.", p.ID, p.DeviceOwner)
	}
	var fixed *string
	in.get("fixed_ip_address", &fixed)
	var chosen *FixedIP
	for i, fi := range p.FixedIPs {
		a := netip.MustParseAddr(fi.IPAddress)
		if fixed != nil {
			if fi.IPAddress == *fixed {
				chosen = &p.FixedIPs[i]
			}
			continue
		}
		if a.Is4() {
			if chosen != nil {
				return fault(ErrInvalid, "BadRequest", "Bad floatingip request: Port %s has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP.", p.ID)
			}
			chosen = &p.FixedIPs[i]
		}
	}
	if chosen == nil {
		if fixed != nil {
			return fault(ErrInvalid, "BadRequest", "Bad floatingip request: Port %s does not have fixed ip %s.", p.ID, *fixed)
		}
		return fault(ErrInvalid, "BadRequest", "Bad floatingip request: Port %s does not have any fixed IPv4 address.", p.ID)
	}
	if !netip.MustParseAddr(chosen.IPAddress).Is4() {
		return fault(ErrInvalid, "BadRequest", "Bad floatingip request: Cannot process floating IP association with %s, since that is not an IPv4 address.", chosen.IPAddress)
	}
	for fid := range v.fipsByPort[p.ID] {
		o := v.get(floatingIPs, fid).obj.(*FloatingIP)
		if fid != f.ID && o.FixedIPAddress != nil && *o.FixedIPAddress == chosen.IPAddress && o.FloatingNetworkID == f.FloatingNetworkID {
			return conflict("FloatingIPPortAlreadyAssociated", "Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed IP already has a floating IP on external network %s.", f.FloatingIPAddress, f.ID, p.ID, chosen.IPAddress, f.FloatingNetworkID)
		}
	}
	router := ""
	for rid, re := range v.tables[routers].m {
		r := re.obj.(*Router)
		if r.ExternalGatewayInfo == nil || r.ExternalGatewayInfo.NetworkID != f.FloatingNetworkID {
			continue
		}
		for pid := range v.portsByDevice.of(rid) {
			if rp := v.port(pid); rp != nil && rp.DeviceOwner == OwnerRouterInterface &&
				slices.ContainsFunc(rp.FixedIPs, func(x FixedIP) bool { return x.SubnetID == chosen.SubnetID }) {
				router = rid
			}
		}
		if router != "" {
			// The association depends on the router and the port staying:
			// rewriting them unchanged makes their deletions, which
			// condition on them, see it.
			t.rewrite(routers, r, re.rev)
			break
		}
	}
	if router == "" {
		return fault(ErrNotFound, "ExternalGatewayForFloatingIPNotFound", "External network %s is not reachable from subnet %s. Therefore, cannot associate Port %s with a Floating IP.", f.FloatingNetworkID, chosen.SubnetID, p.ID)
	}
	t.rewrite(ports, p, pe.rev)
	ip := chosen.IPAddress
	f.PortID, f.FixedIPAddress, f.RouterID, f.Status = &p.ID, &ip, &router, "ACTIVE"
	return nil
}

func (s *Service) updateFloatingIP(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	f := *e.obj.(*FloatingIP)
	in.into(&f, "port_id", "fixed_ip_address")
	if err := s.associate(v, t, c, &f, in); err != nil {
		return nil, err
	}
	f.Standard = s.touched(f.Standard)
	t.rewrite(floatingIPs, &f, e.rev)
	return &f, nil
}

// DeleteFloatingIP releases a floating IP and its address.
func (s *Service) DeleteFloatingIP(ctx context.Context, id string, ifMatch int64) error {
	c := callerFrom(ctx)
	return s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, floatingIPs, id, "delete")
		if err != nil {
			return err
		}
		if err := checkRevision(e, ifMatch); err != nil {
			return err
		}
		for pid := range v.portsByDevice.of(id) {
			if p := v.port(pid); p != nil && p.DeviceOwner == OwnerFloatingIP {
				s.deletePort(v, t, p, v.get(ports, pid).rev)
			}
		}
		key := s.k.object(floatingIPs.plural, id)
		t.cond(storeIfModRevision(key, e.rev))
		t.del(key)
		return nil
	})
}

// AddExtraRoutes adds routes to a router's, leaving the others as they
// are (extraroute-atomic): routes it has already are not doubled.
func (s *Service) AddExtraRoutes(ctx context.Context, id string, routes []HostRoute) (Router, error) {
	return s.editRoutes(ctx, id, routes, true)
}

// RemoveExtraRoutes removes routes from a router's; routes it does not
// have are ignored.
func (s *Service) RemoveExtraRoutes(ctx context.Context, id string, routes []HostRoute) (Router, error) {
	return s.editRoutes(ctx, id, routes, false)
}

func (s *Service) editRoutes(ctx context.Context, id string, routes []HostRoute, add bool) (Router, error) {
	c := callerFrom(ctx)
	raw, _ := json.Marshal(routes)
	given := input{"routes": raw}
	if _, err := s.prepare(c, routers, given, false); err != nil {
		return Router{}, err
	}
	json.Unmarshal(given["routes"], &routes) // as the validator spelled them
	var out Router
	err := s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, routers, id, "update")
		if err != nil {
			return err
		}
		next := slices.Clone(e.obj.(*Router).Routes)
		for _, rt := range routes {
			i := slices.Index(next, rt)
			switch {
			case add && i < 0:
				next = append(next, rt)
			case !add && i >= 0:
				next = slices.Delete(next, i, i+1)
			}
		}
		raw, _ := json.Marshal(next)
		obj, err := s.updateRouter(v, t, c, e, input{"routes": raw})
		if err == nil {
			out = *obj.(*Router)
		}
		return err
	})
	return out, err
}
