package neutron

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// CreatePort creates a port: a MAC (generated under Options.MACBase
// unless given), addresses (one from each IPv4 and stateful IPv6 subnet
// of its network unless fixed_ips says otherwise, EUI-64 ones on SLAAC
// subnets), and the project's default security group unless it names
// others.
func (s *Service) CreatePort(ctx context.Context, a PortInput) (Port, error) {
	return createOne[Port](ctx, s, ports, a.portAttrs())
}

// CreatePorts creates several ports in one transaction.
func (s *Service) CreatePorts(ctx context.Context, as []PortInput) ([]Port, error) {
	attrs := make([]Attrs, len(as))
	for i, a := range as {
		attrs[i] = a.portAttrs()
	}
	return createMany[Port](ctx, s, ports, attrs)
}

// UpdatePort changes a port; a new fixed_ips releases the addresses it
// no longer names and allocates the new ones in the same transaction.
func (s *Service) UpdatePort(ctx context.Context, id string, a PortInput, ifMatch int64) (Port, error) {
	return updateOne[Port](ctx, s, ports, id, a.portAttrs(), ifMatch)
}

// Port returns one port the caller may see.
func (s *Service) Port(ctx context.Context, id string) (Port, error) {
	return getOne[Port](ctx, s, ports, id)
}

func networkOwned(owner string) bool { return strings.HasPrefix(owner, "network:") }

// choosing applies neutron's default policy to what a caller chooses
// itself on a port of network n: a MAC and addresses only the network's
// owner, an admin or an advanced service may (create_port:mac_address,
// create_port:fixed_ips:ip_address and their update_port twins).
func choosing(c Caller, n *Network, in input, action string) error {
	if c.Admin || c.AdvSvc || n.TenantID == c.Project {
		return nil
	}
	if in.has("mac_address") {
		return forbidden("rule:" + action + ":mac_address")
	}
	if in.has("fixed_ips") {
		var fips []FixedIP
		in.get("fixed_ips", &fips)
		for _, f := range fips {
			if f.IPAddress != "" {
				return forbidden("rule:" + action + ":fixed_ips:ip_address")
			}
		}
	}
	return nil
}

// routerOwned refuses a port of project that claims, as a router's
// interface or gateway, a router of another project (neutron's
// DeviceIDNotOwnedByTenant): that router could no longer be deleted, and
// its owner would not even see why.
func routerOwned(v *view, t *txn, c Caller, owner, device, project string) error {
	if c.Admin || device == "" || owner != OwnerRouterInterface && owner != OwnerRouterGateway &&
		owner != "network:router_interface_distributed" && owner != "network:ha_router_replicated_interface" {
		return nil
	}
	o, _ := t.lookup(v, routers, device)
	if o == nil {
		return nil // no such router: nothing to take
	}
	if r := o.(*Router); r.TenantID != project {
		return conflict("DeviceIDNotOwnedByTenant", "The following device_id %s is not owned by your tenant or matches another tenants router.", device)
	}
	return nil
}

func (s *Service) buildPort(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var netID string
	in.get("network_id", &netID)
	n, _, err := visibleNetwork(v, t, c, netID)
	if err != nil {
		return nil, err
	}
	if !c.Admin && n.TenantID != c.Project && !n.Shared && !v.granted(n.ID, "access_as_shared", c.Project) {
		return nil, forbidden("rule:create_port")
	}
	if err := t.guard(v, networks, n.ID); err != nil {
		return nil, err
	}
	if err := choosing(c, n, in, "create_port"); err != nil {
		return nil, err
	}
	var desc string
	in.get("description", &desc)
	p := &Port{Standard: s.newStandard(project, desc), NetworkID: n.ID, AdminStateUp: true,
		PortSecurityEnabled: n.PortSecurityEnabled, VNICType: "normal", Profile: map[string]any{},
		FixedIPs: []FixedIP{}, SecurityGroups: []string{}, AllowedAddressPairs: []AddressPair{}, Tags: []string{}}
	in.into(p, "tenant_id", "project_id", "description", "network_id", "mac_address", "fixed_ips", "security_groups", "allowed_address_pairs",
		"extra_dhcp_opts")
	if p.Profile == nil {
		p.Profile = map[string]any{}
	}
	p.ExtraDHCPOpts = mergeDHCPOpts(nil, in)
	trusted(p, in)
	if err := routerOwned(v, t, c, p.DeviceOwner, p.DeviceID, project); err != nil {
		return nil, err
	}
	if err := s.assignMAC(v, t, p, in); err != nil {
		return nil, err
	}
	var req *[]FixedIP
	if in.has("fixed_ips") {
		var fips []FixedIP
		in.get("fixed_ips", &fips)
		req = &fips
	}
	if err := s.allocate(v, t, n, p, nil, req); err != nil {
		return nil, err
	}
	if err := s.assignSecurityGroups(v, t, c, p, in, true); err != nil {
		return nil, err
	}
	if err := assignPairs(p, in); err != nil {
		return nil, err
	}
	s.bind(p, n)
	t.rewrite(ports, p, 0)
	return p, nil
}

// assignMAC sets p's MAC from the request, or generates one, and claims it
// on the network.
func (s *Service) assignMAC(v *view, t *txn, p *Port, in input) error {
	var mac string
	if in.get("mac_address", &mac) {
		if _, used := v.macs[p.NetworkID][mac]; used || !t.claim(s.k.mac(p.NetworkID, mac), p.ID) {
			return conflict("MacAddressInUse", "Unable to complete operation for network %s. The mac address %s is in use.", p.NetworkID, mac)
		}
		p.MACAddress = mac
		return nil
	}
	base, _ := l2.ParseMAC(s.opts.MACBase + ":00:00:00")
	for range 64 {
		m := base
		rand.Read(m[3:])
		mac = m.String()
		if _, used := v.macs[p.NetworkID][mac]; used {
			continue
		}
		if t.claim(s.k.mac(p.NetworkID, mac), p.ID) {
			p.MACAddress = mac
			return nil
		}
	}
	return fault(ErrUnavailable, "MacAddressGenerationFailure", "Unable to generate unique mac on network %s.", p.NetworkID)
}

// wantedIPs resolves what a port asks for to its subnets: req's entries,
// each address placed in the subnet of the network that holds it, or
// (req nil) one entry per subnet of the network.
func wantedIPs(n *Network, owner string, req *[]FixedIP, subnetOf func(id string) *Subnet) ([]FixedIP, error) {
	var want []FixedIP
	noMatch := func() error {
		return fault(ErrInvalid, "IpAddressGenerationFailureNoMatchingSubnet", "No valid service subnet for the given device owner, network %s, service type %s.", n.ID, owner)
	}
	if req == nil {
		// The subnets that serve the port's device owner; else those
		// that serve any.
		var any []FixedIP
		for _, id := range n.Subnets {
			sub := subnetOf(id)
			switch {
			case sub == nil:
			case owner != "" && slices.Contains(sub.ServiceTypes, owner):
				want = append(want, FixedIP{SubnetID: id})
			case len(sub.ServiceTypes) == 0:
				any = append(any, FixedIP{SubnetID: id})
			}
		}
		if want == nil {
			want = any
		}
		if want == nil && len(n.Subnets) > 0 {
			return nil, noMatch()
		}
		return want, nil
	}
	seen := map[string]bool{}
	for _, f := range *req {
		if f.SubnetID == "" && f.IPAddress == "" {
			return nil, invalidAttr("fixed_ips", "Exactly one of subnet_id or ip_address is required")
		}
		if f.SubnetID == "" {
			ip := netip.MustParseAddr(f.IPAddress)
			for _, id := range n.Subnets {
				if sub := subnetOf(id); sub != nil && netip.MustParsePrefix(sub.CIDR).Contains(ip) {
					f.SubnetID = id
					break
				}
			}
			if f.SubnetID == "" {
				return nil, fault(ErrInvalid, "InvalidIpForNetwork", "IP address %s is not a valid IP for any of the subnets on the specified network.", f.IPAddress)
			}
		} else if !slices.Contains(n.Subnets, f.SubnetID) {
			if subnetOf(f.SubnetID) == nil {
				return nil, notFound("Subnet", f.SubnetID)
			}
			return nil, invalidInput("Failed to create port on network %s, because fixed_ips included invalid subnet %s", n.ID, f.SubnetID)
		}
		if sub := subnetOf(f.SubnetID); sub != nil && len(sub.ServiceTypes) > 0 && !slices.Contains(sub.ServiceTypes, owner) {
			return nil, noMatch()
		}
		if f.IPAddress != "" {
			if seen[f.IPAddress] {
				return nil, invalidAttr("fixed_ips", fmt.Sprintf("Duplicate IP address '%s'", f.IPAddress))
			}
			seen[f.IPAddress] = true
		}
		want = append(want, f)
	}
	return want, nil
}

// allocate gives p the addresses req asks for (nil: neutron's default,
// one per IPv4 and stateful IPv6 subnet and the EUI-64 one on SLAAC
// subnets), keeping those of old (its addresses before an update) that
// req names again and releasing the others.
func (s *Service) allocate(v *view, t *txn, n *Network, p *Port, old []FixedIP, req *[]FixedIP) error {
	mac, _ := l2.ParseMAC(p.MACAddress)
	subnetOf := func(id string) *Subnet {
		if o, _ := t.lookup(v, subnets, id); o != nil {
			return o.(*Subnet)
		}
		return nil
	}
	want, err := wantedIPs(n, p.DeviceOwner, req, subnetOf)
	if err != nil {
		return err
	}
	var out []FixedIP
	kept := map[FixedIP]bool{}
	for _, f := range want {
		sub := subnetOf(f.SubnetID)
		prefix := netip.MustParsePrefix(sub.CIDR)
		space := v.addrSpace(sub.ID)
		var ip netip.Addr
		switch {
		case f.IPAddress != "":
			ip = netip.MustParseAddr(f.IPAddress)
			if !prefix.Contains(ip) || ip.Is4() && prefix.Bits() < 31 && (ip == prefix.Masked().Addr() || ip == lastAddr(prefix)) {
				return fault(ErrInvalid, "InvalidIpForSubnet", "IP address %s does not belong to subnet %s", ip, sub.ID)
			}
			if autoAddress(sub) && p.DeviceOwner != OwnerRouterInterface {
				return fault(ErrInvalid, "AllocationOnAutoAddressSubnet", "IPv6 address %s cannot be directly assigned to a port on subnet %s as the subnet is configured for automatic addresses", ip, sub.ID)
			}
		case autoAddress(sub):
			ip = eui64(prefix, mac)
		}
		if ip.IsValid() {
			fi := FixedIP{SubnetID: sub.ID, IPAddress: ip.String()}
			if slices.Contains(old, fi) {
				kept[fi] = true
				out = append(out, fi)
				continue
			}
			if !space.reserve(ip) || t.claims[s.k.ip(sub.ID, ip.String())] {
				return conflict("IpAddressAlreadyAllocated", "IP address %s already allocated in subnet %s", ip, sub.ID)
			}
		} else {
			var ok bool
			if ip, ok = space.reserveNext(); !ok {
				if req == nil {
					return conflict("IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
				}
				return conflict("IpAddressGenerationFailure", "No more IP addresses available for subnet %s.", sub.ID)
			}
		}
		t.undo = append(t.undo, func() { space.release(ip) })
		if err := t.guard(v, subnets, sub.ID); err != nil {
			return err
		}
		t.claim(s.k.ip(sub.ID, ip.String()), p.ID)
		out = append(out, FixedIP{SubnetID: sub.ID, IPAddress: ip.String()})
	}
	for _, f := range old {
		if !kept[f] {
			t.del(s.k.ip(f.SubnetID, f.IPAddress))
		}
	}
	if out == nil {
		out = []FixedIP{}
	}
	p.FixedIPs = out
	return nil
}

// assignSecurityGroups sets p's groups: those requested, else the
// project's default group (created now if it has none), none for ports
// without port security or owned by the network itself.
func (s *Service) assignSecurityGroups(v *view, t *txn, c Caller, p *Port, in input, creating bool) error {
	var ids []string
	if in.get("security_groups", &ids) {
		ids = dedupe(ids)
		if len(ids) > 0 && !p.PortSecurityEnabled {
			return fault(ErrInvalid, "PortSecurityAndIPRequiredForSecurityGroups", "Port security must be enabled and port must have an IP address in order to use security groups.")
		}
		for _, id := range ids {
			o, _ := t.lookup(v, securityGroups, id)
			if o == nil || !v.canSee(c, o) {
				return fault(ErrNotFound, "SecurityGroupNotFound", "Security group %s does not exist", id)
			}
			if err := t.guard(v, securityGroups, id); err != nil {
				return err
			}
		}
		p.SecurityGroups = ids
		return nil
	}
	if !creating {
		if !p.PortSecurityEnabled && len(p.SecurityGroups) > 0 {
			return conflict("PortSecurityPortHasSecurityGroup", "Port has security group associated. Cannot disable port security or ip address until security group is removed")
		}
		return nil
	}
	if !p.PortSecurityEnabled || networkOwned(p.DeviceOwner) {
		p.SecurityGroups = []string{}
		return nil
	}
	id, err := s.defaultSecurityGroup(v, t, p.TenantID)
	if err != nil {
		return err
	}
	p.SecurityGroups = []string{id}
	return nil
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// assignPairs fills in allowed address pairs: the port's MAC where none
// is given; refused without port security or when repeated.
func assignPairs(p *Port, in input) error {
	var pairs []AddressPair
	if !in.get("allowed_address_pairs", &pairs) {
		if !p.PortSecurityEnabled && len(p.AllowedAddressPairs) > 0 {
			return conflict("AddressPairAndPortSecurityRequired", "Port Security must be enabled in order to have allowed address pairs on a port.")
		}
		return nil
	}
	if len(pairs) > 0 && !p.PortSecurityEnabled {
		return conflict("AddressPairAndPortSecurityRequired", "Port Security must be enabled in order to have allowed address pairs on a port.")
	}
	if len(pairs) > 10 {
		return fault(ErrInvalid, "AllowedAddressPairExhausted", "The number of allowed address pair exceeds the maximum 10.")
	}
	seen := map[AddressPair]bool{}
	for i := range pairs {
		if pairs[i].MACAddress == "" {
			pairs[i].MACAddress = p.MACAddress
		}
		if seen[pairs[i]] {
			return fault(ErrInvalid, "DuplicateAddressPairInRequest", "Request contains duplicate address pair: mac_address %s ip_address %s.", pairs[i].MACAddress, pairs[i].IPAddress)
		}
		seen[pairs[i]] = true
	}
	if pairs == nil {
		pairs = []AddressPair{}
	}
	p.AllowedAddressPairs = pairs
	return nil
}

// mergeDHCPOpts applies extra_dhcp_opts to a port's options as neutron
// does: an option of the same name and IP version takes the new value,
// or goes when the value is null; others are added (null ones dropped).
func mergeDHCPOpts(cur []DHCPOption, in input) []DHCPOption {
	out := slices.Clone(cur)
	if out == nil {
		out = []DHCPOption{}
	}
	var given []struct {
		Name      string  `json:"opt_name"`
		Value     *string `json:"opt_value"`
		IPVersion int     `json:"ip_version"`
	}
	in.get("extra_dhcp_opts", &given)
	for _, g := range given {
		if g.IPVersion == 0 {
			g.IPVersion = 4
		}
		i := slices.IndexFunc(out, func(o DHCPOption) bool { return o.Name == g.Name && o.IPVersion == g.IPVersion })
		switch {
		case i >= 0 && g.Value == nil:
			out = slices.Delete(out, i, i+1)
		case i >= 0:
			out[i].Value = *g.Value
		case g.Value != nil:
			out = append(out, DHCPOption{Name: g.Name, Value: *g.Value, IPVersion: g.IPVersion})
		}
	}
	return out
}

// trusted keeps the port's trusted flag and binding:profile's "trusted"
// one: the attribute when given, else what the profile says.
func trusted(p *Port, in input) {
	if in.has("trusted") {
		if p.Trusted == nil {
			delete(p.Profile, "trusted")
		} else {
			p.Profile["trusted"] = *p.Trusted
		}
		return
	}
	p.Trusted = nil
	if b, ok := p.Profile["trusted"].(bool); ok {
		p.Trusted = &b
	}
}

// bind works out a port's binding and status. binding:host_id names a
// switch (its datapath id, "0x…" or OVS's 16 hex digits) and
// binding:profile the port on it ({"port": N}, optionally {"vlan": V});
// a port bound so is "ovs", and ACTIVE when it and its network are up.
func bind(p *Port, n *Network) {
	p.VIFDetails = map[string]any{}
	switch _, err := location(p, n); {
	case p.HostID == "":
		p.VIFType = "unbound"
	case err != nil:
		p.VIFType = "binding_failed"
	default:
		p.VIFType = "ovs"
		// The fabric filters (port security, security groups), as
		// OVN's driver says of itself.
		p.VIFDetails = map[string]any{"port_filter": true, "connectivity": "l2"}
	}
	switch {
	case p.DeviceOwner == OwnerFloatingIP:
		p.Status = "N/A"
	case (p.DeviceOwner == OwnerRouterInterface || p.DeviceOwner == OwnerRouterGateway) && p.AdminStateUp && n.AdminStateUp:
		// A router's port is bound to its router, not to a switch
		// port: ACTIVE once the router has it (see the package doc:
		// no L3 forwarding is behind it yet).
		p.Status = "ACTIVE"
	case p.AdminStateUp && n.AdminStateUp && p.VIFType == "ovs":
		p.Status = "ACTIVE"
	default:
		p.Status = "DOWN"
	}
}

// bind is bind with the data plane's word on whether a port bound to a
// switch is realized there.
func (s *Service) bind(p *Port, n *Network) {
	bind(p, n)
	if p.Status == "ACTIVE" && p.VIFType == "ovs" && s.opts.DataPlane != nil {
		if loc, err := location(p, n); err == nil && !s.opts.DataPlane.PortUp(loc) {
			p.Status = "DOWN"
		}
	}
}

// followDataPlane keeps bound ports' status in step with the data plane:
// at each of its signals, and every statusRecheck in case one was
// missed.
func (s *Service) followDataPlane(ctx context.Context) {
	if s.Ready(ctx) != nil {
		return
	}
	t := time.NewTicker(statusRecheck)
	defer t.Stop()
	for {
		if err := s.syncStatus(ctx); err != nil && ctx.Err() == nil && s.opts.Logger != nil {
			s.opts.Logger.Warn("neutron: port status not updated", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.opts.DataPlane.PortChanges():
		case <-t.C:
		}
	}
}

const statusRecheck = 10 * time.Second

// syncStatus writes the status of every bound port whose status the data
// plane changed, each on condition it is still as read.
func (s *Service) syncStatus(ctx context.Context) error {
	type change struct {
		id, status string
	}
	var changes []change
	err := s.read(ctx, func(v *view) error {
		for _, e := range v.tables[ports].m {
			p := e.obj.(*Port)
			n := v.network(p.NetworkID)
			if n == nil || p.VIFType != "ovs" || p.DeviceOwner == OwnerRouterInterface || p.DeviceOwner == OwnerRouterGateway {
				continue
			}
			q := *p
			s.bind(&q, n)
			if q.Status != p.Status {
				changes = append(changes, change{p.ID, q.Status})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		err := s.write(ctx, func(v *view, t *txn) error {
			e := v.get(ports, c.id)
			if e == nil {
				return nil // gone meanwhile
			}
			p := *e.obj.(*Port)
			n := v.network(p.NetworkID)
			if n == nil {
				return nil
			}
			s.bind(&p, n)
			if p.Status == e.obj.(*Port).Status {
				return nil
			}
			t.rewrite(ports, &p, e.rev)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// location is the switch port a port is bound to.
func location(p *Port, n *Network) (l2.Location, error) {
	if p.HostID == "" {
		return l2.Location{}, fmt.Errorf("port %s is not bound", p.ID)
	}
	dp, err := parseHost(p.HostID)
	if err != nil {
		return l2.Location{}, err
	}
	num, ok := p.Profile["port"].(float64)
	if !ok || num < 1 || num > 0xffffff00 || num != float64(uint32(num)) {
		return l2.Location{}, fmt.Errorf("binding:profile of port %s names no switch port", p.ID)
	}
	vlan := l2.Untagged
	if raw, ok := p.Profile["vlan"]; ok {
		f, ok := raw.(float64)
		if !ok || f < 0 || f > 4095 || f != float64(int(f)) {
			return l2.Location{}, fmt.Errorf("binding:profile of port %s has an invalid vlan", p.ID)
		}
		vlan = l2.VLAN(f)
	} else if n.NetworkType == "vlan" && n.SegmentationID != nil {
		vlan = l2.VLAN(*n.SegmentationID)
	}
	return l2.Location{Datapath: dp, Port: l2.Port(num), VLAN: vlan}, nil
}

func parseHost(h string) (l2.DatapathID, error) {
	if len(h) == 16 && !strings.HasPrefix(h, "0x") {
		h = "0x" + h
	}
	return l2.ParseDatapathID(h)
}

func (s *Service) updatePort(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*Port)
	p := *old
	in.into(&p, "mac_address", "fixed_ips", "security_groups", "allowed_address_pairs", "extra_dhcp_opts")
	if p.Profile == nil {
		p.Profile = map[string]any{}
	} else if in.has("trusted") {
		p.Profile = maps.Clone(p.Profile)
	}
	p.ExtraDHCPOpts = mergeDHCPOpts(old.ExtraDHCPOpts, in)
	trusted(&p, in)
	n := v.network(p.NetworkID)
	if n == nil {
		return nil, notFound("Network", p.NetworkID)
	}
	if (in.has("device_owner") || in.has("device_id")) && (p.DeviceOwner != old.DeviceOwner || p.DeviceID != old.DeviceID) {
		if err := routerOwned(v, t, c, p.DeviceOwner, p.DeviceID, p.TenantID); err != nil {
			return nil, err
		}
	}
	if in.has("fixed_ips") {
		if err := choosing(c, n, input{"fixed_ips": in["fixed_ips"]}, "update_port"); err != nil {
			return nil, err
		}
	}
	var mac string
	if in.get("mac_address", &mac) && mac != old.MACAddress {
		if !c.Admin && !c.AdvSvc {
			return nil, forbidden("rule:update_port:mac_address")
		}
		if old.VIFType != "unbound" && old.VIFType != "binding_failed" {
			return nil, conflict("PortBound", "Unable to complete operation on port %s, port is already bound, port type: %s, old_mac %s, new_mac %s.", p.ID, old.VIFType, old.MACAddress, mac)
		}
		if err := s.assignMAC(v, t, &p, in); err != nil {
			return nil, err
		}
		t.del(s.k.mac(p.NetworkID, old.MACAddress))
	}
	if in.has("fixed_ips") {
		var fips []FixedIP
		in.get("fixed_ips", &fips)
		if err := s.allocate(v, t, n, &p, old.FixedIPs, &fips); err != nil {
			return nil, err
		}
	}
	if err := s.assignSecurityGroups(v, t, c, &p, in, false); err != nil {
		return nil, err
	}
	if err := assignPairs(&p, in); err != nil {
		return nil, err
	}
	s.bind(&p, n)
	p.Standard = s.touched(p.Standard)
	t.rewrite(ports, &p, e.rev)
	return &p, nil
}

// DeletePort deletes a port, releasing its addresses and MAC and
// disassociating its floating IPs. Ports a router owns are deleted
// through the router.
func (s *Service) DeletePort(ctx context.Context, id string, ifMatch int64) error {
	c := callerFrom(ctx)
	return s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, ports, id, "delete")
		if err != nil {
			return err
		}
		if err := checkRevision(e, ifMatch); err != nil {
			return err
		}
		p := e.obj.(*Port)
		switch p.DeviceOwner {
		case OwnerRouterInterface, OwnerRouterGateway, OwnerFloatingIP:
			return conflict("L3PortInUse", "Port %s has owner %s and therefore cannot be deleted directly via the port API.", id, p.DeviceOwner)
		}
		s.deletePort(v, t, p, e.rev)
		return nil
	})
}

// deletePort adds a port's deletion to t.
func (s *Service) deletePort(v *view, t *txn, p *Port, rev int64) {
	key := s.k.object(ports.plural, p.ID)
	t.cond(store.IfModRevision(key, rev))
	t.del(key)
	t.del(s.k.mac(p.NetworkID, p.MACAddress))
	for _, f := range p.FixedIPs {
		t.del(s.k.ip(f.SubnetID, f.IPAddress))
	}
	for fid := range v.fipsByPort[p.ID] {
		if o, frev := t.lookup(v, floatingIPs, fid); o != nil {
			f := *o.(*FloatingIP)
			f.PortID, f.FixedIPAddress, f.RouterID = nil, nil, nil
			f.Status = "DOWN"
			f.Standard = s.touched(f.Standard)
			t.rewrite(floatingIPs, &f, frev)
		}
	}
}
