package neutron

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
)

// CreateSecurityGroup creates a security group; it starts with rules
// that let everything out (IPv4 and IPv6).
func (s *Service) CreateSecurityGroup(ctx context.Context, a SecurityGroupInput) (SecurityGroup, error) {
	return createOne[SecurityGroup](ctx, s, securityGroups, a.securityGroupAttrs())
}

// UpdateSecurityGroup changes a security group's name or description.
func (s *Service) UpdateSecurityGroup(ctx context.Context, id string, a SecurityGroupInput, ifMatch int64) (SecurityGroup, error) {
	return updateOne[SecurityGroup](ctx, s, securityGroups, id, a.securityGroupAttrs(), ifMatch)
}

// SecurityGroup returns one security group with its rules.
func (s *Service) SecurityGroup(ctx context.Context, id string) (SecurityGroup, error) {
	return getOne[SecurityGroup](ctx, s, securityGroups, id)
}

// CreateSecurityGroupRule adds a rule to a security group.
func (s *Service) CreateSecurityGroupRule(ctx context.Context, a SecurityGroupRuleInput) (SecurityGroupRule, error) {
	return createOne[SecurityGroupRule](ctx, s, securityGroupRules, a.securityGroupRuleAttrs())
}

// SecurityGroupRule returns one rule.
func (s *Service) SecurityGroupRule(ctx context.Context, id string) (SecurityGroupRule, error) {
	return getOne[SecurityGroupRule](ctx, s, securityGroupRules, id)
}

func (v *view) rulesOf(sg string) []SecurityGroupRule {
	out := []SecurityGroupRule{}
	for id := range v.rulesBySG.of(sg) {
		if e := v.get(securityGroupRules, id); e != nil {
			out = append(out, *e.obj.(*SecurityGroupRule))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Service) buildSecurityGroup(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var name string
	in.get("name", &name)
	if name == "default" {
		return nil, conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
	}
	if _, err := s.defaultSecurityGroup(v, t, project); err != nil {
		return nil, err
	}
	var desc string
	in.get("description", &desc)
	sg := &SecurityGroup{Standard: s.newStandard(project, desc), Stateful: true, Tags: []string{}}
	in.into(sg, "tenant_id", "project_id", "description")
	s.addGroup(t, sg, false)
	return v.completePending(t, sg), nil
}

// addGroup writes a new group with its starting rules: everything out,
// and for a project's default group everything in from its own members.
func (s *Service) addGroup(t *txn, sg *SecurityGroup, isDefault bool) {
	t.rewrite(securityGroups, sg, 0)
	rule := func(dir, eth string, remoteSelf bool) {
		r := &SecurityGroupRule{Standard: s.newStandard(sg.TenantID, ""), SecurityGroupID: sg.ID, Direction: dir, EtherType: eth}
		if remoteSelf {
			r.RemoteGroupID = &sg.ID
		}
		t.rewrite(securityGroupRules, r, 0)
		t.pendingRules = append(t.pendingRules, *r)
	}
	if isDefault {
		rule("ingress", "IPv4", true)
		rule("ingress", "IPv6", true)
	}
	rule("egress", "IPv4", false)
	rule("egress", "IPv6", false)
}

// completePending returns a group created in t with its rules.
func (v *view) completePending(t *txn, sg *SecurityGroup) *SecurityGroup {
	out := *sg
	out.Rules = []SecurityGroupRule{}
	for _, r := range t.pendingRules {
		if r.SecurityGroupID == sg.ID {
			out.Rules = append(out.Rules, r)
		}
	}
	sort.Slice(out.Rules, func(i, j int) bool { return out.Rules[i].ID < out.Rules[j].ID })
	return &out
}

// defaultSecurityGroup returns project's default group, adding its
// creation to t when it has none (neutron creates it on first need).
func (s *Service) defaultSecurityGroup(v *view, t *txn, project string) (string, error) {
	if id, ok := v.defaultSGs[project]; ok {
		if v.get(securityGroups, id) != nil {
			if err := t.guard(v, securityGroups, id); err != nil {
				return "", err
			}
			return id, nil
		}
	}
	if id, ok := t.defaultSGs[project]; ok {
		return id, nil
	}
	sg := &SecurityGroup{Standard: s.newStandard(project, "Default security group"), Name: "default", Stateful: true, Tags: []string{}}
	if _, ok := v.defaultSGs[project]; ok {
		// A claim without its group (cannot happen through the service):
		// take it over.
		t.put(s.k.defaultSG(project), sg.ID)
	} else if !t.claim(s.k.defaultSG(project), sg.ID) {
		return "", errBusy
	}
	if t.defaultSGs == nil {
		t.defaultSGs = map[string]string{}
	}
	t.defaultSGs[project] = sg.ID
	s.addGroup(t, sg, true)
	return sg.ID, nil
}

// EnsureDefaultSecurityGroup creates the caller's project's default
// security group if it has none, as neutron does when a project first
// lists its groups.
func (s *Service) EnsureDefaultSecurityGroup(ctx context.Context) error {
	c := callerFrom(ctx)
	if c.Project == "" {
		return nil
	}
	var has bool
	s.read(ctx, func(v *view) error {
		_, has = v.defaultSGs[c.Project]
		return nil
	})
	if has {
		return nil
	}
	return s.write(ctx, func(v *view, t *txn) error {
		if _, ok := v.defaultSGs[c.Project]; ok {
			return nil
		}
		_, err := s.defaultSecurityGroup(v, t, c.Project)
		return err
	})
}

func (s *Service) updateSecurityGroup(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*SecurityGroup)
	sg := *old
	in.into(&sg)
	if v.defaultSGs[sg.TenantID] == sg.ID && sg.Name != "default" {
		return nil, conflict("SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
	}
	if sg.Name == "default" && old.Name != "default" {
		return nil, conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
	}
	if sg.Stateful != old.Stateful {
		for range v.portsUsing(sg.ID) {
			return nil, conflict("SecurityGroupInUse", "Security Group %s in use.", sg.ID)
		}
	}
	sg.Standard = s.touched(sg.Standard)
	sg.Rules = nil
	t.rewrite(securityGroups, &sg, e.rev)
	return v.complete(&sg), nil
}

// portsUsing returns the ports that use security group sg.
func (v *view) portsUsing(sg string) []string {
	var out []string
	for id, e := range v.tables[ports].m {
		for _, g := range e.obj.(*Port).SecurityGroups {
			if g == sg {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// DeleteSecurityGroup deletes a group no port uses, with its rules and the
// rules of other groups that name it as their remote group. Only an admin
// deletes a project's default group.
func (s *Service) DeleteSecurityGroup(ctx context.Context, id string, ifMatch int64) error {
	c := callerFrom(ctx)
	return s.guardedDelete(ctx, securityGroups, id, ifMatch, func(v *view, t *txn, e *entry) error {
		sg := e.obj.(*SecurityGroup)
		isDefault := v.defaultSGs[sg.TenantID] == id
		if isDefault && !c.Admin {
			return conflict("SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.")
		}
		if len(v.portsUsing(id)) > 0 {
			return conflict("SecurityGroupInUse", "Security Group %s in use.", id)
		}
		for rid, re := range v.tables[securityGroupRules].m {
			r := re.obj.(*SecurityGroupRule)
			if r.SecurityGroupID == id || r.RemoteGroupID != nil && *r.RemoteGroupID == id {
				t.del(s.k.object(securityGroupRules.plural, rid))
			}
		}
		if isDefault {
			t.del(s.k.defaultSG(sg.TenantID))
		}
		return nil
	})
}

// DeleteSecurityGroupRule deletes a rule.
func (s *Service) DeleteSecurityGroupRule(ctx context.Context, id string) error {
	c := callerFrom(ctx)
	return s.write(ctx, func(v *view, t *txn) error {
		e := v.get(securityGroupRules, id)
		if e == nil || !c.sees(e.obj.(*SecurityGroupRule).TenantID) {
			return notFound("SecurityGroupRule", id)
		}
		t.del(s.k.object(securityGroupRules.plural, id))
		return nil
	})
}

var portProtocols = map[string]bool{"tcp": true, "udp": true, "sctp": true, "dccp": true, "udplite": true,
	"6": true, "17": true, "132": true, "33": true, "136": true}

var icmpProtocols = map[string]bool{"icmp": true, "icmpv6": true, "ipv6-icmp": true, "1": true, "58": true}

func (s *Service) buildRule(v *view, t *txn, c Caller, in input, project string) (any, error) {
	r := &SecurityGroupRule{Standard: s.newStandard(project, ""), EtherType: "IPv4"}
	in.into(r, "tenant_id", "project_id")
	o, _ := t.lookup(v, securityGroups, r.SecurityGroupID)
	if o == nil || !c.sees(o.(*SecurityGroup).TenantID) {
		return nil, fault(ErrNotFound, "SecurityGroupNotFound", "Security group %s does not exist", r.SecurityGroupID)
	}
	if err := t.guard(v, securityGroups, r.SecurityGroupID); err != nil {
		return nil, err
	}
	if err := checkRule(r); err != nil {
		return nil, err
	}
	if r.RemoteAddressGroupID != nil {
		if g, _ := t.lookup(v, addressGroups, *r.RemoteAddressGroupID); g == nil || !v.canSee(c, g) {
			return nil, notFound("AddressGroup", *r.RemoteAddressGroupID)
		}
		if err := t.guard(v, addressGroups, *r.RemoteAddressGroupID); err != nil {
			return nil, err
		}
	}
	if r.RemoteGroupID != nil {
		if g, _ := t.lookup(v, securityGroups, *r.RemoteGroupID); g == nil || !v.canSee(c, g) {
			return nil, fault(ErrNotFound, "SecurityGroupNotFound", "Security group %s does not exist", *r.RemoteGroupID)
		}
	}
	existing := append(v.rulesOf(r.SecurityGroupID), t.pendingRules...)
	for _, x := range existing {
		if sameRule(&x, r) {
			return nil, conflict("SecurityGroupRuleExists", "Security group rule already exists. Rule id is %s.", x.ID)
		}
	}
	t.rewrite(securityGroupRules, r, 0)
	t.pendingRules = append(t.pendingRules, *r)
	return r, nil
}

// checkRule validates a rule as neutron does: ports only with a protocol
// that has them and in order, ICMP type and code in range, a remote
// prefix of the rule's family, not both remotes.
func checkRule(r *SecurityGroupRule) error {
	proto := ""
	if r.Protocol != nil {
		proto = *r.Protocol
		if n, err := strconv.Atoi(proto); err == nil {
			proto = strconv.Itoa(n)
		}
	}
	if (proto == "icmpv6" || proto == "ipv6-icmp" || proto == "58") && r.EtherType == "IPv4" {
		return fault(ErrInvalid, "SecurityGroupEthertypeConflictWithProtocol", "Invalid ethertype IPv4 for protocol %s.", proto)
	}
	min, max := r.PortRangeMin, r.PortRangeMax
	if min != nil || max != nil {
		switch {
		case proto == "":
			return fault(ErrInvalid, "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given.")
		case portProtocols[proto]:
			if min != nil && *min == 0 || max != nil && *max == 0 {
				return fault(ErrInvalid, "SecurityGroupInvalidPortValue", "Invalid value for port 0.")
			}
			if min == nil || max == nil || *min > *max {
				return fault(ErrInvalid, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max")
			}
		case icmpProtocols[proto]:
			if min == nil {
				return fault(ErrInvalid, "SecurityGroupMissingIcmpType", "ICMP code (port-range-max) %d is provided but ICMP type (port-range-min) is missing.", *max)
			}
			for f, val := range map[string]*int{"type": min, "code": max} {
				if val != nil && *val > 255 {
					return fault(ErrInvalid, "SecurityGroupInvalidIcmpValue", "Invalid value for ICMP %s (%s) %d. It must be 0 to 255.", f, map[string]string{"type": "port-range-min", "code": "port-range-max"}[f], *val)
				}
			}
		default:
			return fault(ErrInvalid, "SecurityGroupInvalidProtocolForPort", "Invalid protocol %s for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.", proto)
		}
	}
	if r.RemoteIPPrefix != nil && r.RemoteGroupID != nil && r.RemoteAddressGroupID == nil {
		return fault(ErrInvalid, "SecurityGroupRemoteGroupAndRemoteIpPrefix", "Only remote_ip_prefix or remote_group_id may be provided.")
	}
	if countSet(r.RemoteIPPrefix, r.RemoteGroupID, r.RemoteAddressGroupID) > 1 {
		return fault(ErrInvalid, "SecurityGroupMultipleRemoteEntites", "Only one of remote_ip_prefix, remote_group_id or remote_address_group_id may be provided.")
	}
	if r.RemoteIPPrefix != nil {
		p := netip.MustParsePrefix(*r.RemoteIPPrefix)
		if p.Addr().Is4() != (r.EtherType == "IPv4") {
			return fault(ErrInvalid, "SecurityGroupRuleParameterConflict", "Conflicting value ethertype %s for CIDR %s", r.EtherType, *r.RemoteIPPrefix)
		}
	}
	return nil
}

func sameRule(a, b *SecurityGroupRule) bool {
	return a.SecurityGroupID == b.SecurityGroupID && a.Direction == b.Direction && a.EtherType == b.EtherType &&
		equalPtr(a.Protocol, b.Protocol) && equalPtr(a.PortRangeMin, b.PortRangeMin) && equalPtr(a.PortRangeMax, b.PortRangeMax) &&
		equalPtr(a.RemoteIPPrefix, b.RemoteIPPrefix) && equalPtr(a.RemoteGroupID, b.RemoteGroupID) &&
		equalPtr(a.RemoteAddressGroupID, b.RemoteAddressGroupID)
}

var _ = fmt.Sprint

// countSet returns how many of ps are not nil.
func countSet(ps ...*string) int {
	n := 0
	for _, p := range ps {
		if p != nil {
			n++
		}
	}
	return n
}
