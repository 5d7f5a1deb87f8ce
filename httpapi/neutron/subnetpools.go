package neutron

import (
	"context"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
)

// Subnet pools (subnet_allocation, default-subnetpools,
// subnetpool-prefix-ops): a pool holds prefixes; a subnet made with
// subnetpool_id takes its CIDR from them — the one it names, or the first
// free block of prefixlen (the pool's default_prefixlen unless given).
// What a pool has given is the CIDRs of its subnets; they never overlap.

// CreateSubnetPool creates a subnet pool.
func (s *Service) CreateSubnetPool(ctx context.Context, a SubnetPoolInput) (SubnetPool, error) {
	return createOne[SubnetPool](ctx, s, subnetPools, a.subnetPoolAttrs())
}

// UpdateSubnetPool changes a subnet pool; its prefixes may grow, never
// shrink (RemoveSubnetPoolPrefixes takes away what no subnet uses).
func (s *Service) UpdateSubnetPool(ctx context.Context, id string, a SubnetPoolInput, ifMatch int64) (SubnetPool, error) {
	return updateOne[SubnetPool](ctx, s, subnetPools, id, a.subnetPoolAttrs(), ifMatch)
}

// SubnetPool returns one subnet pool.
func (s *Service) SubnetPool(ctx context.Context, id string) (SubnetPool, error) {
	return getOne[SubnetPool](ctx, s, subnetPools, id)
}

// DeleteSubnetPool deletes a subnet pool no subnet was allocated from
// (SubnetPoolInUse otherwise).
func (s *Service) DeleteSubnetPool(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, subnetPools, id, ifMatch, func(v *view, t *txn, e *entry) error {
		if len(v.poolSubnets(id)) > 0 {
			return conflict("SubnetPoolInUse", "Unable to complete operation on subnet pool %s. Subnet pool has existing allocations.", id)
		}
		return nil
	})
}

// AddSubnetPoolPrefixes adds prefixes to a pool and returns its
// prefixes, merged.
func (s *Service) AddSubnetPoolPrefixes(ctx context.Context, id string, prefixes []string) ([]string, error) {
	return s.editPrefixes(ctx, id, prefixes, true)
}

// RemoveSubnetPoolPrefixes takes address space away from a pool (none a
// subnet uses) and returns what remains.
func (s *Service) RemoveSubnetPoolPrefixes(ctx context.Context, id string, prefixes []string) ([]string, error) {
	return s.editPrefixes(ctx, id, prefixes, false)
}

func (s *Service) editPrefixes(ctx context.Context, id string, given []string, add bool) ([]string, error) {
	c := callerFrom(ctx)
	if len(given) == 0 {
		return nil, invalidAttr("prefixes", "no prefixes given")
	}
	var out []string
	err := s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, subnetPools, id, "update")
		if err != nil {
			return err
		}
		p := *e.obj.(*SubnetPool)
		ps, err := poolPrefixes(given, p.IPVersion)
		if err != nil {
			return err
		}
		cur := rangesOf(mustPrefixes(p.Prefixes))
		var next []ipRange
		if add {
			next = rangesOf(append(mustPrefixes(p.Prefixes), ps...))
		} else {
			next = subtract(cur, rangesOf(ps))
			for _, sub := range v.poolSubnets(id) {
				sp := netip.MustParsePrefix(sub.CIDR)
				if !covers(next, sp) {
					return fault(ErrInvalid, "IllegalSubnetPoolPrefixUpdate", "Illegal update to prefixes: %s is allocated to subnet %s.", sub.CIDR, sub.ID)
				}
			}
		}
		p.Prefixes = prefixStrings(prefixesOf(next))
		if add && p.AddressScopeID != nil {
			if err := checkScope(v, t, c, &p); err != nil {
				return err
			}
		}
		p.Standard = s.touched(p.Standard)
		t.rewrite(subnetPools, &p, e.rev)
		out = p.Prefixes
		return nil
	})
	return out, err
}

func (s *Service) buildSubnetPool(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	p := &SubnetPool{Standard: s.newStandard(project, desc), Tags: []string{}}
	in.into(p, "tenant_id", "project_id", "description", "prefixes")
	var given []string
	in.get("prefixes", &given)
	if len(given) == 0 {
		return nil, invalidAttr("prefixes", "a subnet pool needs at least one prefix")
	}
	ps, err := poolPrefixes(given, 0)
	if err != nil {
		return nil, err
	}
	p.IPVersion = 4
	if ps[0].Addr().Is6() {
		p.IPVersion = 6
	}
	p.Prefixes = prefixStrings(prefixesOf(rangesOf(ps)))
	bits := ps[0].Addr().BitLen()
	if !in.has("min_prefixlen") {
		p.MinPrefixLen = map[int]int{4: 8, 6: 64}[p.IPVersion]
	}
	if !in.has("max_prefixlen") {
		p.MaxPrefixLen = bits
	}
	if !in.has("default_prefixlen") {
		p.DefaultPrefixLen = p.MinPrefixLen
	}
	if err := checkPool(v, t, c, p, bits); err != nil {
		return nil, err
	}
	t.rewrite(subnetPools, p, 0)
	return p, nil
}

func (s *Service) updateSubnetPool(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*SubnetPool)
	p := *old
	in.into(&p, "prefixes")
	if in.has("prefixes") {
		var given []string
		in.get("prefixes", &given)
		ps, err := poolPrefixes(given, old.IPVersion)
		if err != nil {
			return nil, err
		}
		next := rangesOf(ps)
		if len(subtract(rangesOf(mustPrefixes(old.Prefixes)), next)) > 0 {
			return nil, fault(ErrInvalid, "IllegalSubnetPoolPrefixUpdate", "Illegal update to prefixes: prefixes may be added, not removed (use remove_prefixes).")
		}
		p.Prefixes = prefixStrings(prefixesOf(next))
	}
	if err := checkPool(v, t, c, &p, map[int]int{4: 32, 6: 128}[p.IPVersion]); err != nil {
		return nil, err
	}
	p.Standard = s.touched(p.Standard)
	t.rewrite(subnetPools, &p, e.rev)
	return &p, nil
}

// checkPool checks a pool's prefix bounds, address scope and default.
func checkPool(v *view, t *txn, c Caller, p *SubnetPool, bits int) error {
	if p.MinPrefixLen < 0 || p.MinPrefixLen > bits || p.MaxPrefixLen < p.MinPrefixLen || p.MaxPrefixLen > bits {
		return fault(ErrInvalid, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: min_prefixlen=%d, max_prefixlen=%d.", p.MinPrefixLen, p.MaxPrefixLen)
	}
	if p.DefaultPrefixLen < p.MinPrefixLen || p.DefaultPrefixLen > p.MaxPrefixLen {
		return fault(ErrInvalid, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: default_prefixlen=%d, min_prefixlen=%d, max_prefixlen=%d.", p.DefaultPrefixLen, p.MinPrefixLen, p.MaxPrefixLen)
	}
	if p.AddressScopeID != nil {
		if err := checkScope(v, t, c, p); err != nil {
			return err
		}
	}
	if p.IsDefault {
		for id, e := range v.tables[subnetPools].m {
			if o := e.obj.(*SubnetPool); id != p.ID && o.IsDefault && o.IPVersion == p.IPVersion {
				return fault(ErrInvalid, "BadRequest", "Bad subnetpool request: a default subnet pool for IPv%d exists already (%s); only one may exist per IP family.", p.IPVersion, id)
			}
		}
	}
	return nil
}

// poolSubnets returns the subnets allocated from pool id.
func (v *view) poolSubnets(id string) []*Subnet {
	var out []*Subnet
	for _, e := range v.tables[subnets].m {
		if sub := e.obj.(*Subnet); sub.SubnetPoolID != nil && *sub.SubnetPoolID == id {
			out = append(out, sub)
		}
	}
	return out
}

// poolCIDR chooses a new subnet's CIDR from its pool: the one it asked
// for (cidr, when not ""), else the first free block of prefixlen (the
// pool's default when 0). The pool is rewritten unchanged, so that two
// allocations from it at once cannot both commit.
func (s *Service) poolCIDR(v *view, t *txn, c Caller, sub *Subnet, cidr string, prefixlen int, useDefault bool) (string, error) {
	var p *SubnetPool
	var rev int64
	if sub.SubnetPoolID == nil && useDefault {
		for _, e := range v.tables[subnetPools].m {
			if o := e.obj.(*SubnetPool); o.IsDefault && o.IPVersion == sub.IPVersion && v.canSee(c, o) {
				p, rev = o, e.rev
			}
		}
		if p == nil {
			return "", fault(ErrInvalid, "BadRequest", "Bad subnets request: no default subnet pool for IPv%d.", sub.IPVersion)
		}
		sub.SubnetPoolID = &p.ID
	} else {
		o, r := t.lookup(v, subnetPools, *sub.SubnetPoolID)
		if o == nil || !v.canSee(c, o) {
			return "", fault(ErrNotFound, "SubnetPoolNotFound", "Subnet pool %s could not be found.", *sub.SubnetPoolID)
		}
		p, rev = o.(*SubnetPool), r
	}
	if p.IPVersion != sub.IPVersion {
		return "", fault(ErrInvalid, "BadRequest", "Bad subnets request: ip_version %d does not match subnet pool %s's (IPv%d).", sub.IPVersion, p.ID, p.IPVersion)
	}
	pool := rangesOf(mustPrefixes(p.Prefixes))
	var used []netip.Prefix
	for _, o := range v.poolSubnets(p.ID) {
		used = append(used, netip.MustParsePrefix(o.CIDR))
	}
	for _, o := range t.objs {
		if os, ok := o.obj.(*Subnet); ok && os.SubnetPoolID != nil && *os.SubnetPoolID == p.ID && os.CIDR != "" {
			used = append(used, netip.MustParsePrefix(os.CIDR)) // this transaction's own
		}
	}
	free := subtract(pool, rangesOf(used))
	var chosen netip.Prefix
	if cidr != "" {
		want, err := netip.ParsePrefix(cidr)
		if err != nil {
			return cidr, nil // the subnet's own check says what is wrong
		}
		want = want.Masked()
		if want.Bits() < p.MinPrefixLen || want.Bits() > p.MaxPrefixLen {
			return "", fault(ErrInvalid, "BadRequest", "Bad subnets request: prefix length %d is outside subnet pool %s's bounds (%d to %d).", want.Bits(), p.ID, p.MinPrefixLen, p.MaxPrefixLen)
		}
		if !covers(free, want) {
			return "", fault(ErrInvalid, "SubnetAllocationError", "Failed to allocate subnet: Cannot allocate requested subnet %s from the available set of prefixes.", want)
		}
		chosen = want
	} else {
		if prefixlen == 0 {
			prefixlen = p.DefaultPrefixLen
		}
		if prefixlen < p.MinPrefixLen || prefixlen > p.MaxPrefixLen {
			return "", fault(ErrInvalid, "BadRequest", "Bad subnets request: prefixlen %d is outside subnet pool %s's bounds (%d to %d).", prefixlen, p.ID, p.MinPrefixLen, p.MaxPrefixLen)
		}
		var ok bool
		if chosen, ok = firstFree(free, prefixlen); !ok {
			return "", fault(ErrInvalid, "SubnetAllocationError", "Failed to allocate subnet: Insufficient prefix space to allocate subnet size /%d.", prefixlen)
		}
	}
	if p.DefaultQuota != nil {
		size := func(q netip.Prefix) *big.Int { // in addresses (IPv4) or /64s (IPv6)
			unit := q.Addr().BitLen()
			if q.Addr().Is6() {
				unit = 64
			}
			return new(big.Int).Lsh(big.NewInt(1), uint(max(unit-q.Bits(), 0)))
		}
		total := size(chosen)
		for _, o := range v.poolSubnets(p.ID) {
			if o.TenantID == sub.TenantID {
				total.Add(total, size(netip.MustParsePrefix(o.CIDR)))
			}
		}
		if total.Cmp(big.NewInt(int64(*p.DefaultQuota))) > 0 {
			return "", conflict("SubnetPoolQuotaExceeded", "Per-tenant subnet pool prefix quota exceeded.")
		}
	}
	if err := t.guard(v, subnetPools, p.ID); err != nil {
		return "", err
	}
	if _, pending := t.objs[s.k.object(subnetPools.plural, p.ID)]; !pending {
		same := *p
		t.rewrite(subnetPools, &same, rev)
	}
	return chosen.String(), nil
}

// poolPrefixes parses a pool's prefixes: CIDRs of one IP version
// (version, when not 0), masked.
func poolPrefixes(given []string, version int) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, g := range given {
		p, err := netip.ParsePrefix(g)
		if err != nil {
			return nil, invalidAttr("prefixes", fmt.Sprintf("'%s' is not a valid IP subnet", g))
		}
		v := 4
		if p.Addr().Is6() {
			v = 6
		}
		if version == 0 {
			version = v
		}
		if v != version {
			return nil, fault(ErrInvalid, "PrefixVersionMismatch", "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func mustPrefixes(ss []string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// ipRange is the addresses from lo to hi, both in.
type ipRange struct{ lo, hi netip.Addr }

// rangesOf returns the addresses of ps as sorted, disjoint ranges, the
// adjacent ones joined.
func rangesOf(ps []netip.Prefix) []ipRange {
	var rs []ipRange
	for _, p := range ps {
		rs = append(rs, ipRange{p.Masked().Addr(), lastAddr(p)})
	}
	slices.SortFunc(rs, func(a, b ipRange) int { return a.lo.Compare(b.lo) })
	var out []ipRange
	for _, r := range rs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if next := last.hi.Next(); !next.IsValid() || r.lo.Compare(next) <= 0 {
				if r.hi.Compare(last.hi) > 0 {
					last.hi = r.hi
				}
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// prefixesOf returns the fewest prefixes that hold exactly rs.
func prefixesOf(rs []ipRange) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		lo := r.lo
		for {
			var p netip.Prefix
			for bits := 0; bits <= lo.BitLen(); bits++ {
				p = netip.PrefixFrom(lo, bits)
				if p.Masked().Addr() == lo && lastAddr(p).Compare(r.hi) <= 0 {
					break
				}
			}
			out = append(out, p)
			end := lastAddr(p)
			if end == r.hi {
				break
			}
			lo = end.Next()
		}
	}
	return out
}

// subtract returns the addresses of a that are not in b.
func subtract(a, b []ipRange) []ipRange {
	var out []ipRange
	for _, r := range a {
		parts := []ipRange{r}
		for _, cut := range b {
			var next []ipRange
			for _, p := range parts {
				if cut.hi.Compare(p.lo) < 0 || cut.lo.Compare(p.hi) > 0 {
					next = append(next, p)
					continue
				}
				if cut.lo.Compare(p.lo) > 0 {
					next = append(next, ipRange{p.lo, cut.lo.Prev()})
				}
				if cut.hi.Compare(p.hi) < 0 {
					next = append(next, ipRange{cut.hi.Next(), p.hi})
				}
			}
			parts = next
		}
		out = append(out, parts...)
	}
	return out
}

// covers reports whether p lies in one of rs.
func covers(rs []ipRange, p netip.Prefix) bool {
	lo, hi := p.Masked().Addr(), lastAddr(p)
	return slices.ContainsFunc(rs, func(r ipRange) bool { return r.lo.Compare(lo) <= 0 && r.hi.Compare(hi) >= 0 })
}

// firstFree returns the lowest block of length bits that lies in free.
func firstFree(free []ipRange, bits int) (netip.Prefix, bool) {
	slices.SortFunc(free, func(a, b ipRange) int { return a.lo.Compare(b.lo) })
	for _, r := range free {
		if bits > r.lo.BitLen() {
			return netip.Prefix{}, false
		}
		p := netip.PrefixFrom(r.lo, bits).Masked()
		if p.Addr() != r.lo {
			next := lastAddr(p).Next()
			if !next.IsValid() {
				continue
			}
			p = netip.PrefixFrom(next, bits)
		}
		if p.Addr().Compare(r.lo) >= 0 && lastAddr(p).Compare(r.hi) <= 0 {
			return p, true
		}
	}
	return netip.Prefix{}, false
}
