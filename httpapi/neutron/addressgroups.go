package neutron

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Address groups (address-group, security-groups-remote-address-group):
// named lists of CIDRs a security group rule may name as its remote end
// (remote_address_group_id) instead of one prefix or a group's members.
// Addresses keep the order they were added in.

// CreateAddressGroup creates an address group.
func (s *Service) CreateAddressGroup(ctx context.Context, a AddressGroupInput) (AddressGroup, error) {
	return createOne[AddressGroup](ctx, s, addressGroups, a.addressGroupAttrs())
}

// UpdateAddressGroup renames an address group (its addresses change
// with AddAddresses and RemoveAddresses).
func (s *Service) UpdateAddressGroup(ctx context.Context, id string, a AddressGroupInput, ifMatch int64) (AddressGroup, error) {
	return updateOne[AddressGroup](ctx, s, addressGroups, id, a.addressGroupAttrs(), ifMatch)
}

// AddressGroup returns one address group.
func (s *Service) AddressGroup(ctx context.Context, id string) (AddressGroup, error) {
	return getOne[AddressGroup](ctx, s, addressGroups, id)
}

// DeleteAddressGroup deletes an address group no rule names
// (AddressGroupInUse otherwise).
func (s *Service) DeleteAddressGroup(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, addressGroups, id, ifMatch, func(v *view, t *txn, e *entry) error {
		for _, re := range v.tables[securityGroupRules].m {
			if r := re.obj.(*SecurityGroupRule); r.RemoteAddressGroupID != nil && *r.RemoteAddressGroupID == id {
				return conflict("AddressGroupInUse", "Address group %s is in use on one or more security group rules.", id)
			}
		}
		return nil
	})
}

// AddAddresses adds CIDRs to an address group (AddressesAlreadyExist for
// one it has) and returns the group.
func (s *Service) AddAddresses(ctx context.Context, id string, addresses []string) (AddressGroup, error) {
	return s.editAddresses(ctx, id, addresses, true)
}

// RemoveAddresses removes CIDRs from an address group (AddressesNotFound
// for one it has not) and returns the group.
func (s *Service) RemoveAddresses(ctx context.Context, id string, addresses []string) (AddressGroup, error) {
	return s.editAddresses(ctx, id, addresses, false)
}

func (s *Service) editAddresses(ctx context.Context, id string, given []string, add bool) (AddressGroup, error) {
	c := callerFrom(ctx)
	addrs, err := groupAddresses(given)
	if err != nil {
		return AddressGroup{}, err
	}
	var out AddressGroup
	err = s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, addressGroups, id, "update")
		if err != nil {
			return err
		}
		g := *e.obj.(*AddressGroup)
		g.Addresses = slices.Clone(g.Addresses)
		var bad []string
		for _, a := range addrs {
			i := slices.Index(g.Addresses, a)
			switch {
			case add && i >= 0, !add && i < 0:
				bad = append(bad, a)
			case add:
				g.Addresses = append(g.Addresses, a)
			default:
				g.Addresses = slices.Delete(g.Addresses, i, i+1)
			}
		}
		if bad != nil && add {
			return fault(ErrInvalid, "AddressesAlreadyExist", "Addresses %s already exist in address group %s.", strings.Join(bad, ", "), id)
		}
		if bad != nil {
			return fault(ErrNotFound, "AddressesNotFound", "Addresses %s not found in the address group %s.", strings.Join(bad, ", "), id)
		}
		g.Standard = s.touched(g.Standard)
		t.rewrite(addressGroups, &g, e.rev)
		out = g
		return nil
	})
	return out, err
}

func (s *Service) buildAddressGroup(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	g := &AddressGroup{Standard: s.newStandard(project, desc), Addresses: []string{}}
	in.into(g, "tenant_id", "project_id", "description", "addresses")
	var given []string
	in.get("addresses", &given)
	addrs, err := groupAddresses(given)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if !slices.Contains(g.Addresses, a) {
			g.Addresses = append(g.Addresses, a)
		}
	}
	t.rewrite(addressGroups, g, 0)
	return g, nil
}

func (s *Service) updateAddressGroup(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	g := *e.obj.(*AddressGroup)
	in.into(&g)
	g.Standard = s.touched(g.Standard)
	t.rewrite(addressGroups, &g, e.rev)
	return &g, nil
}

// groupAddresses parses CIDRs (an address alone is its /32 or /128),
// masked, as neutron keeps them.
func groupAddresses(given []string) ([]string, error) {
	out := make([]string, 0, len(given))
	for _, g := range given {
		p, err := netip.ParsePrefix(g)
		if err != nil {
			a, aerr := netip.ParseAddr(g)
			if aerr != nil {
				return nil, invalidAttr("addresses", "'"+g+"' is not a valid IP subnet")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked().String())
	}
	return out, nil
}

// vAddresses is a list of addresses or CIDRs.
func vAddresses(v json.RawMessage) (json.RawMessage, error) {
	var given []string
	if json.Unmarshal(v, &given) != nil {
		return nil, fmt.Errorf("'%s' is not a list of addresses", short(v))
	}
	if _, err := groupAddresses(given); err != nil {
		return nil, err
	}
	return v, nil
}
