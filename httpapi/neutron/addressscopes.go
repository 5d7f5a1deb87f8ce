package neutron

import (
	"context"
	"net/netip"
)

// Address scopes (address-scope): a scope holds subnet pools of one IP
// version whose prefixes never overlap, so that addresses from them are
// unique within it. A pool joins one with address_scope_id.

// CreateAddressScope creates an address scope.
func (s *Service) CreateAddressScope(ctx context.Context, a AddressScopeInput) (AddressScope, error) {
	return createOne[AddressScope](ctx, s, addressScopes, a.addressScopeAttrs())
}

// UpdateAddressScope renames an address scope or shares it (a shared
// one stays shared).
func (s *Service) UpdateAddressScope(ctx context.Context, id string, a AddressScopeInput, ifMatch int64) (AddressScope, error) {
	return updateOne[AddressScope](ctx, s, addressScopes, id, a.addressScopeAttrs(), ifMatch)
}

// AddressScope returns one address scope.
func (s *Service) AddressScope(ctx context.Context, id string) (AddressScope, error) {
	return getOne[AddressScope](ctx, s, addressScopes, id)
}

// DeleteAddressScope deletes an address scope no subnet pool is in
// (AddressScopeInUse otherwise).
func (s *Service) DeleteAddressScope(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, addressScopes, id, ifMatch, func(v *view, t *txn, e *entry) error {
		for _, pe := range v.tables[subnetPools].m {
			if p := pe.obj.(*SubnetPool); p.AddressScopeID != nil && *p.AddressScopeID == id {
				return conflict("AddressScopeInUse", "Unable to complete operation on address scope %s. There are one or more subnet pools in use on the address scope.", id)
			}
		}
		return nil
	})
}

func (s *Service) buildAddressScope(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	a := &AddressScope{Standard: s.newStandard(project, desc)}
	in.into(a, "tenant_id", "project_id", "description")
	t.rewrite(addressScopes, a, 0)
	return a, nil
}

func (s *Service) updateAddressScope(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*AddressScope)
	a := *old
	in.into(&a)
	if old.Shared && !a.Shared {
		return nil, fault(ErrInvalid, "AddressScopeUpdateError", "Unable to update address scope %s : Shared address scope can't be unshared.", a.ID)
	}
	a.Standard = s.touched(a.Standard)
	t.rewrite(addressScopes, &a, e.rev)
	return &a, nil
}

// checkScope checks a pool's address scope: one the caller sees, of the
// pool's IP version, whose other pools' prefixes p's do not overlap. The
// scope is guarded, so it cannot go while p joins it.
func checkScope(v *view, t *txn, c Caller, p *SubnetPool) error {
	o, _ := t.lookup(v, addressScopes, *p.AddressScopeID)
	if o == nil || !v.canSee(c, o) {
		return fault(ErrNotFound, "AddressScopeNotFound", "Address scope %s could not be found.", *p.AddressScopeID)
	}
	scope := o.(*AddressScope)
	if scope.IPVersion != p.IPVersion {
		return fault(ErrInvalid, "IllegalSubnetPoolIpVersionAssociationToAddressScope", "Illegal subnetpool association: subnetpool %s cannot associate with address scope %s because subnetpool ip_version is not %d.", p.ID, scope.ID, scope.IPVersion)
	}
	mine := rangesOf(mustPrefixes(p.Prefixes))
	for id, pe := range v.tables[subnetPools].m {
		other := pe.obj.(*SubnetPool)
		if id == p.ID || other.AddressScopeID == nil || *other.AddressScopeID != scope.ID {
			continue
		}
		for _, op := range mustPrefixes(other.Prefixes) {
			if overlapsAny(mine, op) {
				return fault(ErrInvalid, "IllegalSubnetPoolAssociationToAddressScope", "Illegal subnetpool association: subnetpool %s cannot be associated with address scope %s: its prefixes overlap subnet pool %s's.", p.ID, scope.ID, id)
			}
		}
	}
	return t.guard(v, addressScopes, scope.ID)
}

// overlapsAny reports whether p shares an address with one of rs.
func overlapsAny(rs []ipRange, p netip.Prefix) bool {
	whole := rangesOf([]netip.Prefix{p})
	rest := subtract(whole, rs)
	return len(rest) != 1 || rest[0] != whole[0]
}
