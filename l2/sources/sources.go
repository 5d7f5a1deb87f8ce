// Package sources feeds one l2 fabric from several sources of slices —
// the Sliceable API, Neutron networks, Kimchi's virtual networks, a
// program's own — so that one OpenFlow app forwards for all of them and
// isolates each from the rest.
//
// # Namespaces
//
// A source has a name, and its slices are "name/id" in the fabric: the
// Sliceable API's network office of tenant acme is "sliceable/acme/office".
// A source only ever adds, changes or removes slices in its own namespace,
// so sources never undo each other; and slices are changed with
// l2.Tx.SetSlice, so hosts learned on ports that stay bound stay learned.
//
// # Conflicts
//
// A switch location (port and VLAN) belongs to one slice, and a MAC
// network-attached by a slice of one source may not be network-attached by
// another source's. When two slices claim the same, the earlier claim
// wins: the later is refused — left out of its slice, the rest of which
// applies — logged, and listed in Status; once the earlier claim goes, the
// refused one is applied.
//
// Earlier means by when the claim was made, as a source that is an
// Orderer says (the store revision that created the key behind it): the
// same whatever order sources report in, so a restarted server settles
// every conflict the way it stood. Claims of sources that cannot say
// come after all those that can, in the order they were first reported.
//
// # Following a store
//
// A Source reports through a Reporter: the whole state (Replace), then
// changes (Set, Remove). StoreFeed is the loop a source backed by a
// store.Store runs: it reads everything, watches, re-reads only the slices
// a change touches, and when the store fails it logs once, retries with
// backoff and resumes from the revision it had reached (reading everything
// again only when that history is gone).
package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/netslice/netslice/l2"
)

// Updater changes an l2 fabric's bindings: l2.Fabric.Update, or
// slicing.App.Update so that switches follow at once.
type Updater func(fn func(tx *l2.Tx) error) ([]l2.Event, error)

// Source is where slices come from.
type Source interface {
	// Name is the source's namespace: its slices are Name()+"/"+id. It
	// must not contain "/".
	Name() string
	// Follow reports the source's slices through r until ctx ends, and
	// returns ctx.Err() (or an error it cannot recover from).
	Follow(ctx context.Context, r *Reporter) error
}

// Options configure a Follower.
type Options struct {
	Logger *slog.Logger
}

// Follower applies the slices of several sources to one fabric. Create it
// with New; run each source with Run.
type Follower struct {
	update Updater
	log    *slog.Logger

	mu      sync.Mutex // serializes applying; guards what follows
	sources map[string]*source
	seq     int64 // order of first reports, for claims no Orderer orders
	// Who claims each location and network-attached MAC, by slice.
	locClaims map[l2.Location]map[string]claimant
	macClaims map[l2.MAC]map[string]claimant
}

type source struct {
	name    string
	order   Orderer                 // nil: claims in the order first reported
	want    map[string]l2.SliceSpec // desired slices by local id
	first   map[string]int64        // when each was first reported
	applied map[string]bool         // local ids present in the fabric
	refused map[string][]Claim      // local id → claims left out
	rev     int64
	failing error
}

// New returns a follower applying changes through update.
func New(update Updater, opts Options) *Follower {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{update: update, log: log, sources: map[string]*source{},
		locClaims: map[l2.Location]map[string]claimant{}, macClaims: map[l2.MAC]map[string]claimant{}}
}

// ErrName: a source's name is empty, holds "/" or is taken.
var ErrName = errors.New("sources: bad or duplicate source name")

// Run follows src until ctx ends: src reports its slices, and the follower
// applies them. It returns what src.Follow returns. The source's slices
// stay in the fabric after Run returns (a restart picks them up again with
// its first Replace).
func (f *Follower) Run(ctx context.Context, src Source) error {
	r, err := f.Reporter(src.Name())
	if err != nil {
		return err
	}
	if o, ok := src.(Orderer); ok {
		f.mu.Lock()
		r.s.order = o
		f.mu.Unlock()
	}
	return src.Follow(ctx, r)
}

// Reporter registers a source by name and returns what it reports
// through; for a source that is not a Source (a program feeding slices by
// hand). A name may be registered once.
func (f *Follower) Reporter(name string) (*Reporter, error) {
	if name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("%w: %q", ErrName, name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sources[name] != nil {
		return nil, fmt.Errorf("%w: %q is registered", ErrName, name)
	}
	s := &source{name: name, want: map[string]l2.SliceSpec{}, first: map[string]int64{}, applied: map[string]bool{},
		refused: map[string][]Claim{}}
	f.sources[name] = s
	return &Reporter{f: f, s: s}, nil
}

// Claim is a location or MAC a slice asked for and did not get.
type Claim struct {
	// Slice is the full id of the slice that asked.
	Slice string `json:"slice"`
	// What it asked for: "location 0x…:1/untagged" or "network attachment 02:…".
	What string `json:"what"`
	// HeldBy is the slice that holds it, or "" when the claim is refused
	// for what it is (not a host address, a MAC attached twice).
	HeldBy string `json:"held_by,omitempty"`
}

func (c Claim) String() string {
	if c.HeldBy == "" {
		return fmt.Sprintf("%s: %s refused", c.Slice, c.What)
	}
	return fmt.Sprintf("%s: %s held by %s", c.Slice, c.What, c.HeldBy)
}

// Reporter is what a source reports its slices through. Its methods are
// safe for concurrent use; each applies at once and returns the error the
// fabric gave, if any (refused claims are not errors: see Status).
type Reporter struct {
	f *Follower
	s *source
}

// Name returns the source's name.
func (r *Reporter) Name() string { return r.s.name }

// ID returns the fabric's id of the source's slice local.
func (r *Reporter) ID(local string) string { return r.s.name + "/" + local }

// Replace makes the source's slices exactly all: the others go.
func (r *Reporter) Replace(all map[string]l2.SliceSpec) error {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	changed := map[string]*l2.SliceSpec{}
	for id := range r.s.want {
		if _, ok := all[id]; !ok {
			changed[id] = nil
		}
	}
	for id, spec := range all {
		changed[id] = &spec
	}
	return r.f.apply(r.s, changed)
}

// Set makes the source's slice id look like spec, creating it if needed.
func (r *Reporter) Set(id string, spec l2.SliceSpec) error {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.apply(r.s, map[string]*l2.SliceSpec{id: &spec})
}

// Remove takes the source's slice id out of the fabric.
func (r *Reporter) Remove(id string) error {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.apply(r.s, map[string]*l2.SliceSpec{id: nil})
}

// Synced records the store revision the source has reported up to, for
// Status.
func (r *Reporter) Synced(rev int64) {
	r.f.mu.Lock()
	r.s.rev = rev
	r.f.mu.Unlock()
}

// Failing records that the source cannot follow its store now (err), or
// that it can again (nil). The first failure and the recovery are logged,
// not every retry.
func (r *Reporter) Failing(err error) {
	r.f.mu.Lock()
	was := r.s.failing
	r.s.failing = err
	r.f.mu.Unlock()
	switch {
	case err != nil && was == nil:
		r.f.log.Warn("source cannot follow its store; retrying", "source", r.s.name, "err", err)
	case err == nil && was != nil:
		r.f.log.Info("source follows its store again", "source", r.s.name)
	}
}

// SourceStatus is how one source stands.
type SourceStatus struct {
	Name string `json:"name"`
	// Slices is how many of its slices are in the fabric.
	Slices int `json:"slices"`
	// Revision is the store revision it has reported up to.
	Revision int64 `json:"revision,omitempty"`
	// Error says why it cannot follow its store, while it cannot.
	Error string `json:"error,omitempty"`
	// Refused lists the claims of its slices left out.
	Refused []Claim `json:"refused,omitempty"`
}

// Status returns how each source stands, by name.
func (f *Follower) Status() []SourceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]SourceStatus, 0, len(f.sources))
	for _, s := range f.sources {
		st := SourceStatus{Name: s.name, Slices: len(s.applied), Revision: s.rev}
		if s.failing != nil {
			st.Error = s.failing.Error()
		}
		for _, id := range slices.Sorted(maps.Keys(s.refused)) {
			st.Refused = append(st.Refused, s.refused[id]...)
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b SourceStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}
