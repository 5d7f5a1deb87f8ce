package kimchi

import (
	"context"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
)

// Source returns the virtual networks as a source of slices for an
// l2/sources Follower (named name, "kimchi" when empty): one slice per
// network, "<network>" in the source's namespace, to which the MAC of
// every VM interface on that network is attached wherever it appears. So
// the OpenFlow side forwards for VMs as it does for Sliceable and
// Neutron ports, and keeps each network apart from the others.
//
// The source reports again after every change made through the service,
// every domain lifecycle event, and every Options.Resync interval, which
// catches what was changed behind the service's back (virsh).
func (s *Service) Source(name string) sources.Source {
	if name == "" {
		name = "kimchi"
	}
	return &source{name: name, svc: s, resync: s.opts.Resync}
}

type source struct {
	name   string
	svc    *Service
	resync time.Duration
}

func (src *source) Name() string { return src.name }

func (src *source) Follow(ctx context.Context, r *sources.Reporter) error {
	s := src.svc
	if s.drv == nil {
		<-ctx.Done() // no hypervisor, no VMs: nothing to report
		return ctx.Err()
	}
	signal := make(chan struct{}, 1)
	poke := func([]string) {
		select {
		case signal <- struct{}{}:
		default:
		}
	}
	s.mu.Lock()
	s.hookSeq++
	id := s.hookSeq
	s.netHooks[id] = poke
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.netHooks, id)
		s.mu.Unlock()
	}()
	var events <-chan struct{}
	if s.drv != nil {
		if ch, err := s.drv.Events(ctx); err == nil {
			ev := make(chan struct{}, 1)
			go func() {
				for range ch {
					select {
					case ev <- struct{}{}:
					default:
					}
				}
			}()
			events = ev
		}
	}
	tick := time.NewTicker(src.resync)
	defer tick.Stop()
	for {
		var specs map[string]l2.SliceSpec
		err := s.catch("source", func() (err error) {
			specs, err = s.slices(ctx)
			return err
		})
		if err != nil {
			r.Failing(err)
		} else {
			r.Failing(nil)
			r.Replace(specs) // refusals are logged and in the follower's Status
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-signal:
		case <-events:
		case <-tick.C:
		}
	}
}

// slices is every network's slice: the MACs of the VM interfaces on it.
func (s *Service) slices(ctx context.Context) (map[string]l2.SliceSpec, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	nets, err := drv.Networks(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]l2.SliceSpec, len(nets))
	for _, n := range nets {
		out[n.Name] = l2.SliceSpec{}
	}
	sum, err := drv.Domains(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range sum {
		dom, err := drv.Domain(ctx, d.Name)
		if err != nil {
			continue // gone meanwhile
		}
		for _, i := range dom.Interfaces {
			spec, ok := out[i.Network]
			if i.Type != "network" || !ok {
				continue
			}
			if mac, err := l2.ParseMAC(i.MAC); err == nil {
				spec.MACs = append(spec.MACs, mac)
				out[i.Network] = spec
			}
		}
	}
	return out, nil
}

// netsChanged tells the sources that follow the service to report again.
func (s *Service) netsChanged(nets []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.netHooks {
		h(nets)
	}
}
