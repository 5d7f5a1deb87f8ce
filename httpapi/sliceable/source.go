package sliceable

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/store"
)

// Source returns the API's networks as a source of slices for an
// l2/sources Follower: one slice per network, "<tenant>/<network>" in the
// source's namespace (named name, "sliceable" when empty), binding its
// ports with their port attachments and attaching its network attachments.
// It follows the store: a change re-reads only the networks it touches.
// It is a sources.Orderer: a port's location was claimed when the port was
// created, a network attachment when it was.
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
	sources.ClaimTimes
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

// slice is one network's slice being read, and when its claims were made.
type slice struct {
	spec l2.SliceSpec
	at   *sources.SliceClaims
	locs map[string]l2.Location // port id → location
}

func newSlice() *slice {
	return &slice{spec: l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}, at: sources.NewSliceClaims(), locs: map[string]l2.Location{}}
}

func (sl *slice) port(p string, kv store.KV) {
	var pv portValue
	if json.Unmarshal(kv.Value, &pv) != nil {
		return
	}
	if l, err := pv.location(); err == nil {
		sl.locs[p] = l
		sl.spec.Ports[l] = nil
		sl.at.Location(l, kv.CreateRevision)
	}
}

func (sl *slice) portAttachment(pa string, v []byte) {
	p, _, _ := strings.Cut(pa, "/")
	if l, ok := sl.locs[p]; ok {
		if mac, ok := parseStoredMAC(v); ok {
			sl.spec.Ports[l] = append(sl.spec.Ports[l], mac)
		}
	}
}

func (sl *slice) networkAttachment(kv store.KV) {
	if mac, ok := parseStoredMAC(kv.Value); ok {
		sl.spec.MACs = append(sl.spec.MACs, mac)
		sl.at.MAC(mac, kv.CreateRevision)
	}
}

func (src *source) load(ctx context.Context) (map[string]l2.SliceSpec, error) {
	all := map[string]*slice{}
	k := src.svc.k
	err := src.svc.scan(ctx, k.under("N"), func(rest string, _ []byte) error {
		all[rest] = newSlice()
		return nil
	})
	if err == nil {
		err = src.svc.list(ctx, k.under("P"), func(rest string, kv store.KV) error {
			t, n, p := split3(rest)
			if sl, ok := all[t+"/"+n]; ok {
				sl.port(p, kv)
			}
			return nil
		})
	}
	if err == nil {
		err = src.svc.scan(ctx, k.under("PA"), func(rest string, v []byte) error {
			t, n, pa := split3(rest)
			if sl, ok := all[t+"/"+n]; ok {
				sl.portAttachment(pa, v)
			}
			return nil
		})
	}
	if err == nil {
		err = src.svc.list(ctx, k.under("NA"), func(rest string, kv store.KV) error {
			t, n, _ := split3(rest)
			if sl, ok := all[t+"/"+n]; ok {
				sl.networkAttachment(kv)
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]l2.SliceSpec, len(all))
	src.Reset()
	for id, sl := range all {
		out[id] = sl.spec
		src.Set(id, sl.at)
	}
	return out, nil
}

// reload reads one network: nil when it is gone.
func (src *source) reload(ctx context.Context, id string) (*l2.SliceSpec, error) {
	t, n, _ := strings.Cut(id, "/")
	svc := src.svc
	if _, err := svc.st.Get(ctx, svc.k.network(t, n)); err != nil {
		if isNotFound(err) {
			src.Set(id, nil)
			return nil, nil
		}
		return nil, err
	}
	sl := newSlice()
	err := svc.list(ctx, svc.k.under("P", t, n), func(p string, kv store.KV) error {
		sl.port(p, kv)
		return nil
	})
	if err == nil {
		err = svc.scan(ctx, svc.k.under("PA", t, n), func(pa string, v []byte) error {
			sl.portAttachment(pa, v)
			return nil
		})
	}
	if err == nil {
		err = svc.list(ctx, svc.k.under("NA", t, n), func(_ string, kv store.KV) error {
			sl.networkAttachment(kv)
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	src.Set(id, sl.at)
	return &sl.spec, nil
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
