package neutron

import (
	"context"
	"net/netip"
	"slices"
	"sync"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
)

// Source returns the service's networks as a source of slices for an
// l2/sources Follower (named name, "neutron" when empty): one slice per
// network, "<network id>" in the source's namespace. A port bound to a
// switch port (binding:host_id and binding:profile, see Port) binds that
// location with the port's MAC, and the MACs of its allowed address
// pairs, attached; a port not bound attaches its MACs to the network
// wherever they appear. A port or network administratively down
// forwards nothing. The source reports from the service's view, so a
// change reaches the fabric as soon as the service sees it.
func (s *Service) Source(name string) sources.Source {
	if name == "" {
		name = "neutron"
	}
	return &source{name: name, svc: s}
}

// source is a sources.Orderer: a claim was made when the port behind it
// was created (the store revision).
type source struct {
	name string
	svc  *Service
	sources.ClaimTimes
}

// sliceSpec is a network's slice, noting when its claims were made.
func (src *source) sliceSpec(v *view, n *Network) l2.SliceSpec {
	spec, at := v.sliceSpec(n)
	src.Set(n.ID, at)
	return spec
}

func (src *source) Name() string { return src.name }

func (src *source) Follow(ctx context.Context, r *sources.Reporter) error {
	s := src.svc
	var mu sync.Mutex
	pending := map[string]struct{}{}
	full := true
	signal := make(chan struct{}, 1)
	hook := func(nets []string) {
		mu.Lock()
		if nets == nil {
			full = true
		}
		for _, n := range nets {
			pending[n] = struct{}{}
		}
		mu.Unlock()
		select {
		case signal <- struct{}{}:
		default:
		}
	}
	s.v.mu.Lock()
	if s.v.onChange == nil {
		s.v.onChange = map[int]func([]string){}
	}
	s.v.hookSeq++
	id := s.v.hookSeq
	s.v.onChange[id] = hook
	s.v.mu.Unlock()
	defer func() {
		s.v.mu.Lock()
		delete(s.v.onChange, id)
		s.v.mu.Unlock()
	}()
	if err := s.Ready(ctx); err != nil {
		return err
	}
	for {
		mu.Lock()
		nets, all := pending, full
		pending, full = map[string]struct{}{}, false
		mu.Unlock()
		s.v.mu.RLock()
		rev := s.v.rev
		if all {
			specs := map[string]l2.SliceSpec{}
			src.Reset() // every network's again
			for id, e := range s.v.tables[networks].m {
				specs[id] = src.sliceSpec(s.v, e.obj.(*Network))
			}
			s.v.mu.RUnlock()
			r.Replace(specs) // refusals are logged and in the follower's Status
		} else {
			type change struct {
				id   string
				spec *l2.SliceSpec
			}
			var changes []change
			for id := range nets {
				if n := s.v.network(id); n != nil {
					spec := src.sliceSpec(s.v, n)
					changes = append(changes, change{id, &spec})
				} else {
					changes = append(changes, change{id, nil})
				}
			}
			s.v.mu.RUnlock()
			for _, c := range changes {
				if c.spec == nil {
					src.Set(c.id, nil)
					r.Remove(c.id)
				} else {
					r.Set(c.id, *c.spec)
				}
			}
		}
		r.Synced(rev)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-signal:
		}
	}
}

// sliceSpec is a network's slice, and when each of its claims was made:
// the revision that created the port behind it (the earliest, for a MAC
// several ports attach).
func (v *view) sliceSpec(n *Network) (l2.SliceSpec, *sources.SliceClaims) {
	spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}, Policies: map[l2.Location]*l2.PortPolicy{}}
	open := map[l2.Location]bool{} // a port without port security is there
	at := sources.NewSliceClaims()
	if !n.AdminStateUp {
		return spec, at
	}
	ids := make([]string, 0, len(v.portsByNet.of(n.ID)))
	for id := range v.portsByNet.of(n.ID) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := v.port(id)
		if p == nil || !p.AdminStateUp {
			continue
		}
		macs := portMACs(p)
		created := v.tables[ports].m[id].created
		if loc, err := location(p, n); err == nil {
			at.Location(loc, created)
			pol := spec.Policies[loc]
			if pol == nil {
				pol = &l2.PortPolicy{}
				spec.Policies[loc] = pol
			}
			if pol.DHCP == nil {
				pol.DHCP = v.portDHCP(p, n)
			}
			if pol.RA == nil {
				pol.RA = v.portRA(p, n)
			}
			if pol.DHCPv6 == nil {
				pol.DHCPv6 = v.portDHCPv6(p)
			}
			if open[loc] || !p.PortSecurityEnabled {
				// Anything goes there: every MAC, every address.
				open[loc] = true
				spec.Ports[loc] = nil
				pol.Sources, pol.Addresses = nil, nil
				pol.Filtered, pol.Ingress, pol.Egress = false, nil, nil
				continue
			}
			spec.Ports[loc] = append(spec.Ports[loc], macs...)
			pol.Sources = append(pol.Sources, portSources(p)...)
			pol.Addresses = append(pol.Addresses, portAddresses(p)...)
			v.portFilter(pol, p)
		} else {
			spec.MACs = append(spec.MACs, macs...)
			for _, m := range macs {
				at.MAC(m, created)
			}
		}
	}
	for loc, pol := range spec.Policies {
		if !pol.Guarded() && pol.DHCP == nil && pol.RA == nil && pol.DHCPv6 == nil && !pol.Filtered && len(pol.Addresses) == 0 {
			delete(spec.Policies, loc)
		}
	}
	return spec, at
}

// portAddresses are a port's fixed IPs with its MAC, which the fabric
// answers ARP and neighbor solicitations for.
func portAddresses(p *Port) []l2.AddressPair {
	mac, err := l2.ParseMAC(p.MACAddress)
	if err != nil {
		return nil
	}
	var out []l2.AddressPair
	for _, ip := range p.FixedIPs {
		if a, err := netip.ParseAddr(ip.IPAddress); err == nil {
			out = append(out, l2.AddressPair{MAC: mac, Prefix: netip.PrefixFrom(a, a.BitLen())})
		}
	}
	return out
}

// portSources are the sources port security lets a port send from: its
// MAC with each fixed IP (any address, when it has none) and its allowed
// address pairs (an address or a CIDR, with the port's MAC unless the
// pair names one).
func portSources(p *Port) []l2.AddressPair {
	mac, err := l2.ParseMAC(p.MACAddress)
	if err != nil {
		return nil
	}
	out := portAddresses(p)
	if len(out) == 0 {
		out = append(out, l2.AddressPair{MAC: mac})
	}
	for _, ap := range p.AllowedAddressPairs {
		m := mac
		if ap.MACAddress != "" {
			if m, err = l2.ParseMAC(ap.MACAddress); err != nil {
				continue
			}
		}
		if prefix, ok := pairPrefix(ap.IPAddress); ok {
			out = append(out, l2.AddressPair{MAC: m, Prefix: prefix})
		}
	}
	return out
}

// pairPrefix reads an allowed address pair's ip_address: a CIDR (masked)
// or one address.
func pairPrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	return netip.PrefixFrom(a, a.BitLen()), err == nil
}

// portMACs are the MACs a port sends from: its own and its address
// pairs'.
func portMACs(p *Port) []l2.MAC {
	var out []l2.MAC
	add := func(s string) {
		if m, err := l2.ParseMAC(s); err == nil && m.IsUnicast() && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	add(p.MACAddress)
	for _, ap := range p.AllowedAddressPairs {
		add(ap.MACAddress)
	}
	return out
}
