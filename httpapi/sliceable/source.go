package sliceable

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
)

// Source returns the API's networks as a source of slices for an
// l2/sources Follower: one slice per network, "<tenant>/<network>" in the
// source's namespace (named name, "sliceable" when empty), binding its
// ports with their port attachments and attaching its network attachments.
// It follows the store: a change re-reads only the networks it touches.
func (s *Service) Source(name string) sources.Source {
	if name == "" {
		name = "sliceable"
	}
	src := &source{name: name, svc: s}
	src.feed = sources.StoreFeed{Store: s.st, Prefix: string(s.k), Load: src.load, Affected: src.affected, Reload: src.reload}
	return src
}

type source struct {
	name string
	svc  *Service
	feed sources.StoreFeed
}

func (src *source) Name() string { return src.name }

func (src *source) Follow(ctx context.Context, r *sources.Reporter) error {
	return src.feed.Follow(ctx, r)
}

// affected names the network a key belongs to: "<tenant>/<network>".
func (src *source) affected(key string) []string {
	rest, ok := strings.CutPrefix(key, string(src.svc.k))
	if !ok {
		return nil
	}
	kind, rest, _ := strings.Cut(rest, "/")
	switch kind {
	case "N", "P", "PA", "NA":
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) >= 2 {
			return []string{parts[0] + "/" + parts[1]}
		}
	}
	return nil
}

func (src *source) load(ctx context.Context) (map[string]l2.SliceSpec, error) {
	all := map[string]l2.SliceSpec{}
	k := src.svc.k
	err := src.svc.scan(ctx, k.under("N"), func(rest string, _ []byte) error {
		all[rest] = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	locs := map[string]l2.Location{} // "<t>/<n>/<p>" → location
	err = src.svc.scan(ctx, k.under("P"), func(rest string, v []byte) error {
		t, n, p := split3(rest)
		var pv portValue
		spec, ok := all[t+"/"+n]
		if !ok || json.Unmarshal(v, &pv) != nil {
			return nil
		}
		if l, err := pv.location(); err == nil {
			locs[t+"/"+n+"/"+p] = l
			spec.Ports[l] = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = src.svc.scan(ctx, k.under("PA"), func(rest string, v []byte) error {
		t, n, pa := split3(rest)
		p, _, _ := strings.Cut(pa, "/")
		l, ok := locs[t+"/"+n+"/"+p]
		if ok {
			addMAC(all[t+"/"+n].Ports, l, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = src.svc.scan(ctx, k.under("NA"), func(rest string, v []byte) error {
		t, n, _ := split3(rest)
		if spec, ok := all[t+"/"+n]; ok {
			all[t+"/"+n] = withNetworkMAC(spec, v)
		}
		return nil
	})
	return all, err
}

// reload reads one network: nil when it is gone.
func (src *source) reload(ctx context.Context, id string) (*l2.SliceSpec, error) {
	t, n, _ := strings.Cut(id, "/")
	svc := src.svc
	if _, err := svc.st.Get(ctx, svc.k.network(t, n)); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
	locs := map[string]l2.Location{}
	err := svc.scan(ctx, svc.k.under("P", t, n), func(p string, v []byte) error {
		var pv portValue
		if json.Unmarshal(v, &pv) == nil {
			if l, err := pv.location(); err == nil {
				locs[p] = l
				spec.Ports[l] = nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = svc.scan(ctx, svc.k.under("PA", t, n), func(pa string, v []byte) error {
		p, _, _ := strings.Cut(pa, "/")
		if l, ok := locs[p]; ok {
			addMAC(spec.Ports, l, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = svc.scan(ctx, svc.k.under("NA", t, n), func(_ string, v []byte) error {
		spec = withNetworkMAC(spec, v)
		return nil
	})
	return &spec, err
}

func split3(s string) (a, b, c string) {
	a, rest, _ := strings.Cut(s, "/")
	b, c, _ = strings.Cut(rest, "/")
	return a, b, c
}

func parseStoredMAC(v []byte) (l2.MAC, bool) {
	var m macValue
	if json.Unmarshal(v, &m) != nil {
		return l2.MAC{}, false
	}
	mac, err := l2.ParseMAC(m.MAC)
	return mac, err == nil
}

func addMAC(ports map[l2.Location][]l2.MAC, l l2.Location, v []byte) {
	if mac, ok := parseStoredMAC(v); ok {
		ports[l] = append(ports[l], mac)
	}
}

func withNetworkMAC(spec l2.SliceSpec, v []byte) l2.SliceSpec {
	if mac, ok := parseStoredMAC(v); ok {
		spec.MACs = append(spec.MACs, mac)
	}
	return spec
}
