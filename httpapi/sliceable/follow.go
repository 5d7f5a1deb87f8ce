package sliceable

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// Updater changes an l2 fabric's bindings: l2.Fabric.Update, or
// slicing.App.Update so that switches follow at once.
type Updater func(fn func(tx *l2.Tx) error) ([]l2.Event, error)

// FollowOptions configure Follow.
type FollowOptions struct {
	// KeyPrefix must match the Handler's (default "sliceable/").
	KeyPrefix string
	Logger    *slog.Logger
	// Synced, if set, is told the store revision the fabric has caught up
	// with after each reconciliation.
	Synced func(rev int64)
}

// Follow keeps fabric's slices in line with the networks the API stores,
// until ctx ends: one slice per network, named "tenant/network", with its
// ports bound, its port attachments and its network attachments. It reads
// everything once, then watches the store and reconciles after each batch
// of changes, changing only what differs (so hosts learned on unchanged
// ports stay learned). It returns ctx.Err() or a store error.
func Follow(ctx context.Context, st store.Store, fabric *l2.Fabric, update Updater, opts FollowOptions) error {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "sliceable/"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if update == nil {
		update = fabric.Update
	}
	f := &follower{st: st, fabric: fabric, update: update, p: opts.KeyPrefix, log: log, managed: map[string]bool{}}
	for ctx.Err() == nil {
		rev, err := f.sync(ctx)
		if err != nil {
			return err
		}
		if opts.Synced != nil {
			opts.Synced(rev)
		}
		events, err := st.Watch(ctx, opts.KeyPrefix, rev+1)
		if err != nil {
			return err
		}
		for ev := range events {
			if ev.Err != nil {
				log.Warn("watch ended; reading everything again", "err", ev.Err)
				break
			}
			// Fold whatever else is queued into one reconciliation.
			for more := true; more; {
				select {
				case e, ok := <-events:
					if !ok || e.Err != nil {
						more = false
					}
				default:
					more = false
				}
			}
			rev, err := f.sync(ctx)
			if err != nil {
				return err
			}
			if opts.Synced != nil {
				opts.Synced(rev)
			}
		}
	}
	return ctx.Err()
}

type follower struct {
	st      store.Store
	fabric  *l2.Fabric
	update  Updater
	p       string
	log     *slog.Logger
	managed map[string]bool // slices this follower made
}

type sliceSpec struct {
	ports map[l2.Location][]l2.MAC // port → attached MACs
	macs  []l2.MAC                 // network attachments
}

// read returns every network's desired slice and the revision read at.
func (f *follower) read(ctx context.Context) (map[string]*sliceSpec, int64, error) {
	rev, err := f.st.Revision(ctx)
	if err != nil {
		return nil, 0, err
	}
	want := map[string]*sliceSpec{}
	spec := func(t, n string) *sliceSpec {
		id := t + "/" + n
		if want[id] == nil {
			want[id] = &sliceSpec{ports: map[l2.Location][]l2.MAC{}}
		}
		return want[id]
	}
	all := func(kind string, fn func(parts []string, value []byte)) error {
		prefix := f.p + kind + "/"
		after := ""
		for {
			page, more, err := f.st.List(ctx, prefix, after, 1000)
			if err != nil {
				return err
			}
			for _, kv := range page {
				fn(strings.Split(strings.TrimPrefix(kv.Key, prefix), "/"), kv.Value)
			}
			if !more {
				return nil
			}
			after = page[len(page)-1].Key
		}
	}
	if err := all("N", func(parts []string, _ []byte) {
		if len(parts) == 2 {
			spec(parts[0], parts[1])
		}
	}); err != nil {
		return nil, 0, err
	}
	portLoc := map[string]l2.Location{}
	if err := all("P", func(parts []string, v []byte) {
		var p portValue
		if len(parts) != 3 || json.Unmarshal(v, &p) != nil {
			return
		}
		dp, err := l2.ParseDatapathID(p.DatapathID)
		if err != nil {
			return
		}
		loc := l2.Location{Datapath: dp, Port: l2.Port(p.Port), VLAN: l2.VLAN(p.VID)}
		portLoc[strings.Join(parts, "/")] = loc
		s := spec(parts[0], parts[1])
		if _, ok := s.ports[loc]; !ok {
			s.ports[loc] = nil
		}
	}); err != nil {
		return nil, 0, err
	}
	if err := all("PA", func(parts []string, v []byte) {
		var m macValue
		if len(parts) != 4 || json.Unmarshal(v, &m) != nil {
			return
		}
		mac, err := l2.ParseMAC(m.MAC)
		loc, ok := portLoc[strings.Join(parts[:3], "/")]
		if err != nil || !ok {
			return
		}
		s := spec(parts[0], parts[1])
		s.ports[loc] = append(s.ports[loc], mac)
	}); err != nil {
		return nil, 0, err
	}
	if err := all("NA", func(parts []string, v []byte) {
		var m macValue
		if len(parts) != 3 || json.Unmarshal(v, &m) != nil {
			return
		}
		if mac, err := l2.ParseMAC(m.MAC); err == nil {
			s := spec(parts[0], parts[1])
			if !slices.Contains(s.macs, mac) {
				s.macs = append(s.macs, mac)
			}
		}
	}); err != nil {
		return nil, 0, err
	}
	return want, rev, nil
}

// sync reads the store and reconciles the fabric with it.
func (f *follower) sync(ctx context.Context) (int64, error) {
	want, rev, err := f.read(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.reconcile(want); err != nil {
		// A binding the fabric refuses (a location another slice holds,
		// say) must not stop the rest: apply slice by slice.
		f.log.Warn("reconciling all at once failed; slice by slice", "err", err)
		for id, s := range want {
			if err := f.reconcile(map[string]*sliceSpec{id: s}); err != nil {
				f.log.Error("slice not applied", "slice", id, "err", err)
			}
		}
	}
	return rev, nil
}

func (f *follower) reconcile(want map[string]*sliceSpec) error {
	whole := len(want) != 1
	_, err := f.update(func(tx *l2.Tx) error {
		if whole {
			for _, id := range f.fabric.Slices() {
				if f.managed[id] && want[id] == nil {
					if err := tx.RemoveSlice(id); err != nil {
						return err
					}
				}
			}
		}
		for id, s := range want {
			if err := tx.SetSlice(id, f.hostsOnly(id, s)); err != nil {
				return fmt.Errorf("slice %s: %w", id, err)
			}
		}
		return nil
	})
	if err == nil {
		for id := range want {
			f.managed[id] = true
		}
		if whole {
			for id := range f.managed {
				if want[id] == nil {
					delete(f.managed, id)
				}
			}
		}
	}
	return err
}

// hostsOnly turns a stored network into a slice spec, leaving out (and
// logging) the attachments that are not host addresses: the API stores any
// well-formed MAC, the fabric forwards for hosts.
func (f *follower) hostsOnly(id string, s *sliceSpec) l2.SliceSpec {
	host := func(m l2.MAC) bool {
		if m.IsMulticast() || m.IsZero() {
			f.log.Warn("attachment skipped: not a host address", "slice", id, "mac", m.String())
			return false
		}
		return true
	}
	out := l2.SliceSpec{Ports: make(map[l2.Location][]l2.MAC, len(s.ports))}
	for loc, macs := range s.ports {
		out.Ports[loc] = slices.DeleteFunc(slices.Clone(macs), func(m l2.MAC) bool { return !host(m) })
	}
	for _, m := range s.macs {
		if host(m) {
			out.MACs = append(out.MACs, m)
		}
	}
	return out
}
