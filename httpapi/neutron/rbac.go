package neutron

import (
	"context"
	"slices"
)

// RBAC policies (rbac-policies, rbac-security-groups, rbac-subnetpool,
// rbac-address-scope): the owner of a network, security group, subnet
// pool or address scope grants another project (or every project, "*")
// access to it — access_as_shared (it sees and uses the object as its
// own, but cannot change it) or, for networks, access_as_external (it
// sees the network and uses it as an external one: router gateways and
// floating IPs). A policy some grantee relies on (a port on the shared
// network, a gateway on the external one, a port in the shared group, a
// subnet from the shared pool) cannot be withdrawn: RbacPolicyInUse.
//
// A wildcard policy ("*") works as the object's shared (or
// router:external) attribute does, and both are honoured; unlike
// neutron, the attribute does not show the wildcard policy, nor does
// setting the attribute make one.

// rbacObjects are the kinds policies apply to, by object_type, and the
// actions each takes.
var rbacObjects = map[string]struct {
	k       *kind
	actions []string
}{
	"network":        {networks, []string{"access_as_shared", "access_as_external"}},
	"security_group": {securityGroups, []string{"access_as_shared"}},
	"subnetpool":     {subnetPools, []string{"access_as_shared"}},
	"address_scope":  {addressScopes, []string{"access_as_shared"}},
}

// CreateRBACPolicy grants a project access to an object the caller owns.
func (s *Service) CreateRBACPolicy(ctx context.Context, a RBACPolicyInput) (RBACPolicy, error) {
	return createOne[RBACPolicy](ctx, s, rbacPolicies, a.rbacPolicyAttrs())
}

// UpdateRBACPolicy gives a policy another target project.
func (s *Service) UpdateRBACPolicy(ctx context.Context, id string, a RBACPolicyInput, ifMatch int64) (RBACPolicy, error) {
	return updateOne[RBACPolicy](ctx, s, rbacPolicies, id, a.rbacPolicyAttrs(), ifMatch)
}

// RBACPolicy returns one policy (its owner's, or an admin's to see).
func (s *Service) RBACPolicy(ctx context.Context, id string) (RBACPolicy, error) {
	return getOne[RBACPolicy](ctx, s, rbacPolicies, id)
}

// DeleteRBACPolicy withdraws a grant no one relies on.
func (s *Service) DeleteRBACPolicy(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, rbacPolicies, id, ifMatch, func(v *view, t *txn, e *entry) error {
		return v.checkGrantUnused(e.obj.(*RBACPolicy), "")
	})
}

func (s *Service) buildRBACPolicy(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	p := &RBACPolicy{Standard: s.newStandard(project, desc)}
	in.into(p, "tenant_id", "project_id", "description")
	obj, ok := rbacObjects[p.ObjectType]
	if !ok {
		return nil, invalidAttr("object_type", "'"+p.ObjectType+"' is not an object type policies apply to")
	}
	if !slices.Contains(obj.actions, p.Action) {
		return nil, invalidAttr("action", "'"+p.Action+"' does not apply to a "+p.ObjectType)
	}
	k := obj.k
	o, _ := t.lookup(v, k, p.ObjectID)
	if o == nil || !v.canSee(c, o) {
		return nil, notFound(k.fault, p.ObjectID)
	}
	if !c.sees(o.(resource).std().TenantID) {
		return nil, fault(ErrInvalid, "InvalidInput", "Invalid input for operation: %s %s is not the caller's: only its owner grants access to it.", p.ObjectType, p.ObjectID)
	}
	if err := v.checkGrantUnique(t, p); err != nil {
		return nil, err
	}
	if err := t.guard(v, k, p.ObjectID); err != nil {
		return nil, err
	}
	t.rewrite(rbacPolicies, p, 0)
	return p, nil
}

func (s *Service) updateRBACPolicy(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*RBACPolicy)
	p := *old
	in.into(&p)
	if p.TargetTenant != old.TargetTenant {
		if err := v.checkGrantUnused(old, p.TargetTenant); err != nil {
			return nil, err
		}
		if err := v.checkGrantUnique(t, &p); err != nil {
			return nil, err
		}
	}
	p.Standard = s.touched(p.Standard)
	t.rewrite(rbacPolicies, &p, e.rev)
	return &p, nil
}

func (v *view) checkGrantUnique(t *txn, p *RBACPolicy) error {
	for id, e := range v.tables[rbacPolicies].m {
		o := e.obj.(*RBACPolicy)
		if id != p.ID && o.ObjectID == p.ObjectID && o.Action == p.Action && o.TargetTenant == p.TargetTenant {
			return conflict("DuplicateRbacPolicy", "An RBAC policy with the same object, action and target already exists: %s.", id)
		}
	}
	return nil
}

// checkGrantUnused refuses to withdraw p (or move it to next, when not
// "") while a project it grants to relies on it and no other grant or
// ownership covers that project.
func (v *view) checkGrantUnused(p *RBACPolicy, next string) error {
	e := v.get(rbacObjects[p.ObjectType].k, p.ObjectID)
	if e == nil {
		return nil
	}
	owner := e.obj.(resource).std().TenantID
	covered := func(project string) bool {
		if project == owner || next == "*" || next == project {
			return true
		}
		switch o := e.obj.(type) {
		case *Network:
			if p.Action == "access_as_shared" && o.Shared || p.Action == "access_as_external" && o.External {
				return true
			}
		case *SecurityGroup:
		case *SubnetPool:
			if o.Shared {
				return true
			}
		case *AddressScope:
			if o.Shared {
				return true
			}
		}
		for id, pe := range v.tables[rbacPolicies].m {
			if o := pe.obj.(*RBACPolicy); id != p.ID && o.ObjectID == p.ObjectID && o.Action == p.Action && (o.TargetTenant == "*" || o.TargetTenant == project) {
				return true
			}
		}
		return false
	}
	affects := func(project string) bool {
		return (p.TargetTenant == "*" || p.TargetTenant == project) && !covered(project)
	}
	inUse := func() bool {
		switch p.ObjectType {
		case "network":
			for pid := range v.portsByNet.of(p.ObjectID) {
				pt := v.port(pid)
				if pt == nil || pt.TenantID == "" {
					continue
				}
				if p.Action == "access_as_shared" && pt.DeviceOwner != OwnerRouterGateway && affects(pt.TenantID) {
					return true
				}
				if p.Action == "access_as_external" && pt.DeviceOwner == OwnerRouterGateway {
					if r := v.get(routers, pt.DeviceID); r != nil && affects(r.obj.(*Router).TenantID) {
						return true
					}
				}
			}
			if p.Action == "access_as_external" {
				for _, fe := range v.tables[floatingIPs].m {
					if f := fe.obj.(*FloatingIP); f.FloatingNetworkID == p.ObjectID && affects(f.TenantID) {
						return true
					}
				}
			}
		case "security_group":
			for _, pid := range v.portsUsing(p.ObjectID) {
				if pt := v.port(pid); pt != nil && affects(pt.TenantID) {
					return true
				}
			}
		case "subnetpool":
			for _, sub := range v.poolSubnets(p.ObjectID) {
				if affects(sub.TenantID) {
					return true
				}
			}
		case "address_scope":
			for _, pe := range v.tables[subnetPools].m {
				if sp := pe.obj.(*SubnetPool); sp.AddressScopeID != nil && *sp.AddressScopeID == p.ObjectID && affects(sp.TenantID) {
					return true
				}
			}
		}
		return false
	}
	if inUse() {
		return conflict("RbacPolicyInUse", "RBAC policy on object %s cannot be removed because other objects depend on it.", p.ObjectID)
	}
	return nil
}

// granted reports whether a policy gives project action on object id.
func (v *view) granted(id, action, project string) bool {
	m := v.grants[id+" "+action]
	if m == nil {
		return false
	}
	_, all := m["*"]
	_, one := m[project]
	return all || one
}

// externalFor reports whether network n is external to the caller:
// router:external, or an access_as_external grant.
func (v *view) externalFor(c Caller, n *Network) bool {
	return n.External || v.granted(n.ID, "access_as_external", c.Project)
}
