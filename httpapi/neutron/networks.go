package neutron

import (
	"context"
	"slices"
	"strconv"

	"github.com/netslice/netslice/store"
)

// create runs one creation of a bulk request: one build per item, one
// transaction for all.
func (s *Service) create(ctx context.Context, k *kind, ins []input, build func(v *view, t *txn, c Caller, in input, project string) (any, error)) ([]any, error) {
	c := callerFrom(ctx)
	projects := make([]string, len(ins))
	for i, in := range ins {
		p, err := s.prepare(c, k, in, true)
		if err != nil {
			return nil, err
		}
		projects[i] = p
	}
	var out []any
	err := s.write(ctx, func(v *view, t *txn) error {
		out = out[:0]
		for i, in := range ins {
			res, err := v.checkQuotaTxn(s, t, projects[i], k)
			if err != nil {
				return err
			}
			obj, err := build(v, t, c, in, projects[i])
			if err != nil {
				return err
			}
			s.setReservation(res, obj)
			out = append(out, obj)
		}
		return nil
	})
	return out, err
}

// checkQuotaTxn counts one more resource of kind k for project in t and
// refuses it beyond the project's quota; it returns the creation's
// reservation, for the resource's id once built (nil: no quota).
//
// Within one process the count is exact: it includes the creations of
// this process in flight (reserved until they fail or finish; once the
// view has one, it is counted there instead). Across processes sharing
// the store, every creation is conditioned on the project's usage key
// for that kind not having been written since its view, and a creation
// within the last quotaMargin slots writes it: two servers never both
// take the last slots, and creations far from the limit do not contend.
// A server's creation far from the limit can still commit while another
// server takes the last slots, so servers creating at once can together
// overshoot by at most the creations in flight in the others; every
// creation after is refused until the project is back under its quota.
func (v *view) checkQuotaTxn(s *Service, t *txn, project string, k *kind) (*reservation, error) {
	if t.added == nil {
		t.added = map[*kind]int{}
	}
	t.added[k]++
	limit := v.quota(s, project, k.singular)
	if limit < 0 {
		return nil, nil
	}
	rk := project + "/" + k.plural
	s.resMu.Lock()
	taken := v.counts[project][k]
	for r := range s.reserved[rk] {
		if r.id == "" || v.get(k, r.id) == nil {
			taken++ // in flight, this transaction's earlier items too
		}
	}
	if taken+1 > limit {
		s.resMu.Unlock()
		return nil, conflict("OverQuota", "Quota exceeded for resources: ['%s'].", k.singular)
	}
	if s.reserved == nil {
		s.reserved = map[string]map[*reservation]struct{}{}
	}
	if s.reserved[rk] == nil {
		s.reserved[rk] = map[*reservation]struct{}{}
	}
	res := &reservation{}
	s.reserved[rk][res] = struct{}{}
	s.resMu.Unlock()
	t.undo = append(t.undo, func() {
		s.resMu.Lock()
		delete(s.reserved[rk], res)
		if len(s.reserved[rk]) == 0 {
			delete(s.reserved, rk)
		}
		s.resMu.Unlock()
	})
	key := s.k.usage(project, k.plural)
	if !t.claims[key] {
		if t.claims == nil {
			t.claims = map[string]bool{}
		}
		t.claims[key] = true
		t.cond(store.IfModRevision(key, v.usage[rk]))
		if taken+1 > limit-quotaMargin {
			t.put(key, strconv.Itoa(limit))
		}
	}
	return res, nil
}

// quotaMargin is how near its limit a creation writes its project's usage
// key (see checkQuotaTxn).
const quotaMargin = 8

func (s *Service) setReservation(r *reservation, obj any) {
	if r == nil {
		return
	}
	s.resMu.Lock()
	r.id = obj.(resource).std().ID
	s.resMu.Unlock()
}

// visibleNetwork returns a network c may see: its own, shared or external
// ones; else NetworkNotFound.
func visibleNetwork(v *view, t *txn, c Caller, id string) (*Network, int64, error) {
	o, rev := t.lookup(v, networks, id)
	if o == nil {
		return nil, 0, notFound("Network", id)
	}
	n := o.(*Network)
	if !v.canSee(c, n) {
		return nil, 0, notFound("Network", id)
	}
	return n, rev, nil
}

// CreateNetwork creates a network.
func (s *Service) CreateNetwork(ctx context.Context, a NetworkInput) (Network, error) {
	return createOne[Network](ctx, s, networks, a.networkAttrs())
}

// CreateNetworks creates several networks in one transaction: all or none.
func (s *Service) CreateNetworks(ctx context.Context, as []NetworkInput) ([]Network, error) {
	attrs := make([]Attrs, len(as))
	for i, a := range as {
		attrs[i] = a.networkAttrs()
	}
	return createMany[Network](ctx, s, networks, attrs)
}

func createOne[T any](ctx context.Context, s *Service, k *kind, a Attrs) (T, error) {
	out, err := createMany[T](ctx, s, k, []Attrs{a})
	if err != nil {
		var zero T
		return zero, err
	}
	return out[0], nil
}

func createMany[T any](ctx context.Context, s *Service, k *kind, as []Attrs) ([]T, error) {
	ins := make([]input, len(as))
	for i, a := range as {
		in, err := a.raw()
		if err != nil {
			return nil, err
		}
		ins[i] = in
	}
	objs, err := s.createInputs(ctx, k, ins)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(objs))
	for i, o := range objs {
		out[i] = *o.(*T)
	}
	return out, nil
}

// createInputs creates resources of kind k from validated-to-be inputs.
func (s *Service) createInputs(ctx context.Context, k *kind, ins []input) ([]any, error) {
	ops := kindOps[k]
	return s.create(ctx, k, ins, func(v *view, t *txn, c Caller, in input, project string) (any, error) {
		return ops.build(s, v, t, c, in, project)
	})
}

func (s *Service) buildNetwork(v *view, t *txn, c Caller, in input, project string) (any, error) {
	var desc string
	in.get("description", &desc)
	n := &Network{Standard: s.newStandard(project, desc), AdminStateUp: true, Status: "ACTIVE",
		Subnets: []string{}, MTU: s.opts.MTU, PortSecurityEnabled: true, Tags: []string{}}
	in.into(n, "tenant_id", "project_id", "description", "provider:network_type", "provider:physical_network", "provider:segmentation_id")
	if n.MTU > s.opts.MTU {
		return nil, invalidInput("Requested MTU is too big, maximum is %d", s.opts.MTU)
	}
	if err := s.segment(v, t, n, in); err != nil {
		return nil, err
	}
	t.rewrite(networks, n, 0)
	return n, nil
}

// segment sets a new network's provider attributes and claims its
// segment: a flat network its physical network, a vlan one its VLAN there,
// a vxlan one its VNI. Without provider attributes a network is "local":
// the fabric isolates it by itself.
func (s *Service) segment(v *view, t *txn, n *Network, in input) error {
	typ := "local"
	in.get("provider:network_type", &typ)
	var physnet *string
	var segID *int
	in.get("provider:physical_network", &physnet)
	in.get("provider:segmentation_id", &segID)
	if !in.has("provider:network_type") && (physnet != nil || segID != nil) {
		return invalidInput("provider:network_type required")
	}
	n.NetworkType = typ
	switch typ {
	case "local":
		if physnet != nil || segID != nil {
			return invalidInput("provider:physical_network and provider:segmentation_id prohibited for local provider network")
		}
		return nil
	case "flat":
		if segID != nil {
			return invalidInput("provider:segmentation_id prohibited for flat provider network")
		}
		if physnet == nil || *physnet == "" {
			return invalidInput("provider:physical_network required for flat provider network")
		}
		if err := s.knownPhysnet(*physnet, typ); err != nil {
			return err
		}
		n.PhysicalNetwork = physnet
		if !t.claimSegment(v, typ, *physnet, 0, n.ID) {
			return conflict("FlatNetworkInUse", "Unable to create the flat network. Physical network %s is in use.", *physnet)
		}
	case "vlan":
		if physnet == nil || *physnet == "" {
			return invalidInput("provider:physical_network required for VLAN provider network")
		}
		if err := s.knownPhysnet(*physnet, typ); err != nil {
			return err
		}
		if segID == nil {
			id, ok := v.freeSegment(t, typ, *physnet, 1, 4094)
			if !ok {
				return conflict("NoNetworkAvailable", "Unable to create the network. No tenant network is available for allocation.")
			}
			segID = &id
		} else if *segID < 1 || *segID > 4094 {
			return invalidInput("provider:segmentation_id out of range (1 through 4094)")
		}
		n.PhysicalNetwork, n.SegmentationID = physnet, segID
		if !t.claimSegment(v, typ, *physnet, *segID, n.ID) {
			return conflict("VlanIdInUse", "Unable to create the network. The VLAN %d on physical network %s is in use.", *segID, *physnet)
		}
	case "vxlan":
		if physnet != nil {
			return invalidInput("provider:physical_network specified for vxlan network")
		}
		if segID == nil {
			id, ok := v.freeSegment(t, typ, "", 1, 1<<24-1)
			if !ok {
				return conflict("NoNetworkAvailable", "Unable to create the network. No tenant network is available for allocation.")
			}
			segID = &id
		} else if *segID < 1 || *segID > 1<<24-1 {
			return invalidInput("provider:segmentation_id out of range (1 through 16777215)")
		}
		n.SegmentationID = segID
		if !t.claimSegment(v, typ, "", *segID, n.ID) {
			return conflict("TunnelIdInUse", "Unable to create the network. The tunnel ID %d is in use.", *segID)
		}
	}
	return nil
}

func (s *Service) knownPhysnet(p, typ string) error {
	if len(s.opts.PhysicalNetworks) == 0 || slices.Contains(s.opts.PhysicalNetworks, p) {
		return nil
	}
	return invalidInput("physical_network '%s' unknown for %s provider network", p, typ)
}

func segKey(typ, physnet string, id int) string { return typ + "/" + physnet + "/" + strconv.Itoa(id) }

// claimSegment claims a segment unless the view or this transaction has
// it.
func (t *txn) claimSegment(v *view, typ, physnet string, id int, network string) bool {
	if _, taken := v.segs[segKey(typ, physnet, id)]; taken {
		return false
	}
	return t.claim(t.s.k.seg(typ, physnet, id), network)
}

// freeSegment finds the lowest segment id in [lo, hi] nobody holds.
func (v *view) freeSegment(t *txn, typ, physnet string, lo, hi int) (int, bool) {
	for id := lo; id <= hi; id++ {
		if _, taken := v.segs[segKey(typ, physnet, id)]; !taken && !t.claims[t.s.k.seg(typ, physnet, id)] {
			return id, true
		}
	}
	return 0, false
}

// UpdateNetwork changes a network's attributes; ifMatch (≥ 0) is the
// revision it must be at.
func (s *Service) UpdateNetwork(ctx context.Context, id string, a NetworkInput, ifMatch int64) (Network, error) {
	return updateOne[Network](ctx, s, networks, id, a.networkAttrs(), ifMatch)
}

func updateOne[T any](ctx context.Context, s *Service, k *kind, id string, a Attrs, ifMatch int64) (T, error) {
	var zero T
	in, err := a.raw()
	if err != nil {
		return zero, err
	}
	obj, err := s.updateInput(ctx, k, id, in, ifMatch)
	if err != nil {
		return zero, err
	}
	return *obj.(*T), nil
}

// updateInput updates the resource of kind k with id.
func (s *Service) updateInput(ctx context.Context, k *kind, id string, in input, ifMatch int64) (any, error) {
	c := callerFrom(ctx)
	if _, err := s.prepare(c, k, in, false); err != nil {
		return nil, err
	}
	var out any
	err := s.write(ctx, func(v *view, t *txn) error {
		e, err := v.owned(c, k, id, "update")
		if err != nil {
			return err
		}
		if err := checkRevision(e, ifMatch); err != nil {
			return err
		}
		if update := kindOps[k].update; update != nil {
			out, err = update(s, v, t, c, e, in)
		} else {
			err = fault(ErrNotSupported, "HTTPMethodNotAllowed", "%s cannot be updated", k.plural)
		}
		return err
	})
	return out, err
}

func (s *Service) updateNetwork(v *view, t *txn, c Caller, e *entry, in input) (any, error) {
	old := e.obj.(*Network)
	n := *old
	in.into(&n, "provider:network_type", "provider:physical_network", "provider:segmentation_id")
	var typ string
	if in.get("provider:network_type", &typ) && typ != old.NetworkType {
		return nil, invalidInput("Plugin does not support updating provider attributes")
	}
	var physnet *string
	if in.get("provider:physical_network", &physnet) && !equalPtr(physnet, old.PhysicalNetwork) {
		return nil, invalidInput("Plugin does not support updating provider attributes")
	}
	var seg *int
	if in.get("provider:segmentation_id", &seg) && !equalPtr(seg, old.SegmentationID) {
		return nil, invalidInput("Plugin does not support updating provider attributes")
	}
	if n.MTU > s.opts.MTU {
		return nil, invalidInput("Requested MTU is too big, maximum is %d", s.opts.MTU)
	}
	if old.Shared && !n.Shared {
		for p := range v.portsByNet.of(n.ID) {
			if pt := v.port(p); pt != nil && pt.TenantID != n.TenantID && pt.DeviceOwner != OwnerRouterGateway && pt.DeviceOwner != OwnerFloatingIP &&
				!v.granted(n.ID, "access_as_shared", pt.TenantID) {
				return nil, conflict("InvalidSharedSetting", "Unable to reconfigure sharing settings for network %s. Multiple tenants are using it.", n.ID)
			}
		}
	}
	if old.External && !n.External {
		for p := range v.portsByNet.of(n.ID) {
			if pt := v.port(p); pt != nil && (pt.DeviceOwner == OwnerRouterGateway || pt.DeviceOwner == OwnerFloatingIP) {
				return nil, conflict("ExternalNetworkInUse", "External network %s cannot be updated to be made non-external, since it has existing gateway ports.", n.ID)
			}
		}
	}
	n.Standard = s.touched(n.Standard)
	t.rewrite(networks, &n, e.rev)
	return &n, nil
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// DeleteNetwork deletes a network with its subnets, its DHCP ports and
// the floating IPs on it that no port uses; one with other ports is
// NetworkInUse.
func (s *Service) DeleteNetwork(ctx context.Context, id string, ifMatch int64) error {
	return s.guardedDelete(ctx, networks, id, ifMatch, func(v *view, t *txn, e *entry) error {
		n := e.obj.(*Network)
		for p := range v.portsByNet.of(id) {
			pt := v.port(p)
			if pt == nil || autoDeleted(pt.DeviceOwner) {
				continue
			}
			// Floating IPs no port uses go with their network, as
			// neutron deletes them; an associated one keeps it in use.
			if pt.DeviceOwner == OwnerFloatingIP {
				if fe := v.get(floatingIPs, pt.DeviceID); fe != nil && fe.obj.(*FloatingIP).PortID == nil {
					key := s.k.object(floatingIPs.plural, pt.DeviceID)
					t.cond(storeIfModRevision(key, fe.rev))
					t.del(key)
					continue
				}
			}
			return conflict("NetworkInUse", "Unable to complete operation on network %s. There are one or more ports still in use on the network.", id)
		}
		for p := range v.portsByNet.of(id) {
			t.del(s.k.object(ports.plural, p))
		}
		for sub := range v.subnetsByNet.of(id) {
			t.del(s.k.object(subnets.plural, sub))
			t.delPrefix(s.k.ips(sub))
		}
		t.delPrefix(s.k.macs(id))
		if n.NetworkType != "local" {
			phys, seg := "", 0
			if n.PhysicalNetwork != nil {
				phys = *n.PhysicalNetwork
			}
			if n.SegmentationID != nil {
				seg = *n.SegmentationID
			}
			t.del(s.k.seg(n.NetworkType, phys, seg))
		}
		return nil
	})
}

// Network returns one network the caller may see.
func (s *Service) Network(ctx context.Context, id string) (Network, error) {
	return getOne[Network](ctx, s, networks, id)
}

func getOne[T any](ctx context.Context, s *Service, k *kind, id string) (T, error) {
	var out T
	err := s.read(ctx, func(v *view) error {
		obj, err := v.visible(callerFrom(ctx), k, id)
		if err == nil {
			out = *obj.(*T)
		}
		return err
	})
	return out, err
}

// visible returns the object of kind k with id if c may see it.
func (v *view) visible(c Caller, k *kind, id string) (any, error) {
	e := v.get(k, id)
	if e == nil || !v.canSee(c, e.obj) {
		return nil, notFound(k.fault, id)
	}
	return v.complete(e.obj), nil
}

// canSee is neutron's default policy for reading (up to 2024.1): admins
// everything, others their own, shared and external networks, and the
// subnets of shared networks — not those of an external one, which
// neutron shows only with subnet-external-network (2024.2), which we do
// not have.
func (v *view) canSee(c Caller, obj any) bool {
	if c.Admin {
		return true
	}
	switch o := obj.(type) {
	case *Network:
		return o.TenantID == c.Project || o.Shared || o.External || v.granted(o.ID, "access_as_shared", c.Project) ||
			v.granted(o.ID, "access_as_external", c.Project)
	case *SubnetPool:
		return o.TenantID == c.Project || o.Shared || v.granted(o.ID, "access_as_shared", c.Project)
	case *AddressScope:
		return o.TenantID == c.Project || o.Shared || v.granted(o.ID, "access_as_shared", c.Project)
	case *SecurityGroup:
		return o.TenantID == c.Project || v.granted(o.ID, "access_as_shared", c.Project)
	case *Subnet:
		if o.TenantID == c.Project {
			return true
		}
		n := v.network(o.NetworkID)
		return n != nil && (n.Shared || v.granted(n.ID, "access_as_shared", c.Project))
	}
	return obj.(resource).std().TenantID == c.Project
}

// complete returns obj with what is stored elsewhere filled in (a
// security group's rules).
func (v *view) complete(obj any) any {
	sg, ok := obj.(*SecurityGroup)
	if !ok {
		return obj
	}
	out := *sg
	out.Rules = v.rulesOf(sg.ID)
	return &out
}

var _ = store.IfExists
