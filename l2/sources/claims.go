package sources

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/netslice/netslice/l2"
)

// An Orderer is a Source that can say when each claim of its slices was
// made, in an order that holds across restarts and across the sources
// sharing a store: the store revision that created the key behind the
// claim. The follower asks while applying what the source reports, so
// the answer must be ready before the report (0: unknown).
type Orderer interface {
	Source
	// LocationClaimedAt says when the slice local claimed loc.
	LocationClaimedAt(local string, loc l2.Location) int64
	// MACClaimedAt says when the slice local network-attached mac.
	MACClaimedAt(local string, mac l2.MAC) int64
}

// claimant is a slice that claims a location or a MAC, and when.
type claimant struct {
	src  *source
	full string // the slice's id in the fabric
	at   int64
}

// unordered is where claims no Orderer orders begin: after every ordered
// one, in the order they were first reported.
const unordered = math.MaxInt64 / 2

func earlier(a, b claimant) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.full, b.full)) }

// winner is the earliest of claims (ok false: none).
func winner(claims map[string]claimant) (claimant, bool) {
	var w claimant
	found := false
	for _, c := range claims {
		if !found || earlier(c, w) < 0 {
			w, found = c, true
		}
	}
	return w, found
}

func (f *Follower) claimAt(s *source, id string, at func(Orderer) int64) int64 {
	if s.order != nil {
		if t := at(s.order); t > 0 {
			return t
		}
	}
	return unordered + s.first[id]
}

// index replaces slice id's claims (of source s) in the follower's
// index with those of spec (nil: none), adding to touched what changed.
func (f *Follower) index(s *source, id string, old, spec *l2.SliceSpec, locs map[l2.Location]bool, macs map[l2.MAC]bool) {
	full := s.name + "/" + id
	if old != nil {
		for loc := range old.Ports {
			delete(f.locClaims[loc], full)
			if len(f.locClaims[loc]) == 0 {
				delete(f.locClaims, loc)
			}
			locs[loc] = true
		}
		for _, m := range old.MACs {
			delete(f.macClaims[m], full)
			if len(f.macClaims[m]) == 0 {
				delete(f.macClaims, m)
			}
			macs[m] = true
		}
	}
	if spec == nil {
		return
	}
	for loc := range spec.Ports {
		if f.locClaims[loc] == nil {
			f.locClaims[loc] = map[string]claimant{}
		}
		at := f.claimAt(s, id, func(o Orderer) int64 { return o.LocationClaimedAt(id, loc) })
		f.locClaims[loc][full] = claimant{src: s, full: full, at: at}
		locs[loc] = true
	}
	for _, m := range spec.MACs {
		if !host(m) {
			continue
		}
		if f.macClaims[m] == nil {
			f.macClaims[m] = map[string]claimant{}
		}
		at := f.claimAt(s, id, func(o Orderer) int64 { return o.MACClaimedAt(id, m) })
		f.macClaims[m][full] = claimant{src: s, full: full, at: at}
		macs[m] = true
	}
}

func host(m l2.MAC) bool { return !m.IsMulticast() && !m.IsZero() }

// apply brings the fabric in line with changed slices of s (nil:
// removed), and with every other slice whose claims they contend with:
// each contested location goes to its earliest claimant, each contested
// MAC to the source of its earliest claimant. Called with f.mu held.
func (f *Follower) apply(s *source, changed map[string]*l2.SliceSpec) error {
	p := f.resolve(f.remember(s, changed))
	failed, err := f.commit(p)
	for i, r := range p.refs {
		if _, bad := failed[i]; bad {
			continue
		}
		f.record(r.s, r.id, p.effs[i] != nil, p.claims[i])
	}
	return err
}

// sliceRef names a source's slice.
type sliceRef struct {
	s  *source
	id string
}

func (r sliceRef) full() string { return r.s.name + "/" + r.id }

// remember takes s's changed slices as wanted, and returns the slices
// whose effective bindings may change with them: those, and every other
// slice claiming a location or MAC they claimed or claim now.
func (f *Follower) remember(s *source, changed map[string]*l2.SliceSpec) map[string]sliceRef {
	locs, macs := map[l2.Location]bool{}, map[l2.MAC]bool{}
	affected := map[string]sliceRef{}
	for id, spec := range changed {
		var old *l2.SliceSpec
		if o, ok := s.want[id]; ok {
			old = &o
		}
		if spec == nil {
			delete(s.want, id)
		} else {
			s.want[id] = *spec
			if _, ok := s.first[id]; !ok {
				f.seq++
				s.first[id] = f.seq
			}
		}
		f.index(s, id, old, spec, locs, macs)
		if spec == nil {
			delete(s.first, id)
		}
		affected[s.name+"/"+id] = sliceRef{s, id}
	}
	// Whoever else claims what changed may win or lose it now.
	for loc := range locs {
		for full, c := range f.locClaims[loc] {
			affected[full] = sliceRef{c.src, full[len(c.src.name)+1:]}
		}
	}
	for m := range macs {
		for full, c := range f.macClaims[m] {
			affected[full] = sliceRef{c.src, full[len(c.src.name)+1:]}
		}
	}
	return affected
}

// applyPlan is what the affected slices are to become: each one's
// effective spec (nil: gone) and the claims it loses, in a stable order.
type applyPlan struct {
	refs   []sliceRef
	effs   []*l2.SliceSpec
	claims [][]Claim
}

func (f *Follower) resolve(affected map[string]sliceRef) applyPlan {
	refs := slices.SortedFunc(maps.Values(affected), func(a, b sliceRef) int {
		return cmp.Or(cmp.Compare(a.s.name, b.s.name), cmp.Compare(a.id, b.id))
	})
	p := applyPlan{refs: refs, effs: make([]*l2.SliceSpec, len(refs)), claims: make([][]Claim, len(refs))}
	for i, r := range refs {
		if spec, ok := r.s.want[r.id]; ok {
			e, c := f.effective(r.s, r.full(), spec)
			p.effs[i], p.claims[i] = &e, c
		}
	}
	return p
}

// set makes slice i of the plan what it is to be, in two passes: first
// (release) only what it holds or nobody does, so that what it takes
// from another affected slice is freed by that slice's first pass; then
// all of it.
func (p applyPlan) set(tx *l2.Tx, i int, release bool) error {
	full := p.refs[i].full()
	if p.effs[i] == nil {
		if release && tx.HasSlice(full) {
			return tx.RemoveSlice(full)
		}
		return nil
	}
	eff := *p.effs[i]
	if release {
		eff = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}, Policies: map[l2.Location]*l2.PortPolicy{}, MACs: eff.MACs}
		for loc, ms := range p.effs[i].Ports {
			if owner, ok := tx.BoundTo(loc); !ok || owner == full {
				eff.Ports[loc] = ms
				if pol := p.effs[i].Policies[loc]; pol != nil {
					eff.Policies[loc] = pol
				}
			}
		}
	}
	if err := tx.SetSlice(full, eff); err != nil {
		return fmt.Errorf("slice %s: %w", full, err)
	}
	return nil
}

// commit applies the plan to the fabric in one update or, when the fabric
// refuses it, slice by slice, so that one slice refused does not hold up
// the rest; it returns the slices that failed.
func (f *Follower) commit(p applyPlan) (failed map[int]error, err error) {
	_, err = f.update(func(tx *l2.Tx) error {
		for _, release := range []bool{true, false} {
			for i := range p.refs {
				if err := p.set(tx, i, release); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		return nil, nil
	}
	err, failed = nil, map[int]error{}
	for i := range p.refs {
		_, e := f.update(func(tx *l2.Tx) error {
			if err := p.set(tx, i, true); err != nil {
				return err
			}
			return p.set(tx, i, false)
		})
		if e != nil {
			failed[i] = e
			f.log.Error("slice not applied", "slice", p.refs[i].full(), "err", e)
			err = errors.Join(err, e)
		}
	}
	return failed, err
}

// record notes how slice id of s stands after an apply.
func (f *Follower) record(s *source, id string, present bool, claims []Claim) {
	full := s.name + "/" + id
	if !present {
		delete(s.applied, id)
		delete(s.refused, id)
		return
	}
	s.applied[id] = true
	old := s.refused[id]
	if len(claims) > 0 {
		s.refused[id] = claims
		if !slices.Equal(old, claims) {
			for _, c := range claims {
				f.log.Warn("claim refused", "slice", full, "what", c.What, "held_by", c.HeldBy)
			}
		}
		return
	}
	delete(s.refused, id)
	if len(old) > 0 {
		f.log.Info("refused claims now applied", "slice", full)
	}
}

// effective is spec without what slice full of s cannot have: a location
// an earlier claim holds, a MAC another source's earlier claim
// network-attaches, a MAC that is not a host's, a MAC attached to two
// ports.
func (f *Follower) effective(s *source, full string, spec l2.SliceSpec) (l2.SliceSpec, []Claim) {
	var claims []Claim
	eff := l2.SliceSpec{Ports: make(map[l2.Location][]l2.MAC, len(spec.Ports)), Policies: map[l2.Location]*l2.PortPolicy{}}
	attached := map[l2.MAC]bool{}
	locs := slices.SortedFunc(maps.Keys(spec.Ports), l2.Location.Compare) // deterministic order
	for _, loc := range locs {
		if w, ok := winner(f.locClaims[loc]); ok && w.full != full {
			claims = append(claims, Claim{Slice: full, What: "location " + loc.String(), HeldBy: w.full})
			continue
		}
		// A port whose policy cannot be enforced is not bound: bound
		// without it, it would pass what the policy forbids.
		if pol := spec.Policies[loc]; pol != nil {
			if err := pol.Validate(); err != nil {
				claims = append(claims, Claim{Slice: full, What: "location " + loc.String() + " (policy: " + err.Error() + ")"})
				continue
			}
			eff.Policies[loc] = pol
		}
		var macs []l2.MAC
		for _, m := range spec.Ports[loc] {
			switch {
			case !host(m):
				claims = append(claims, Claim{Slice: full, What: "port attachment " + m.String() + " (not a host address)"})
			case attached[m]:
				claims = append(claims, Claim{Slice: full, What: "port attachment " + m.String() + " at " + loc.String() + " (attached twice)"})
			default:
				attached[m] = true
				macs = append(macs, m)
			}
		}
		eff.Ports[loc] = macs
	}
	for _, m := range spec.MACs {
		if !host(m) {
			claims = append(claims, Claim{Slice: full, What: "network attachment " + m.String() + " (not a host address)"})
			continue
		}
		if w, ok := winner(f.macClaims[m]); ok && w.src != s {
			claims = append(claims, Claim{Slice: full, What: "network attachment " + m.String(), HeldBy: w.full})
			continue
		}
		if !slices.Contains(eff.MACs, m) {
			eff.MACs = append(eff.MACs, m)
		}
	}
	return eff, claims
}

// ClaimTimes keeps when each claim of a source's slices was made, as the
// source learns it while reading them; a source embeds it to be an
// Orderer. It is safe for concurrent use; the zero value is empty.
type ClaimTimes struct {
	mu sync.Mutex
	at map[string]*SliceClaims // by local slice id
}

// SliceClaims says when one slice's claims were made.
type SliceClaims struct {
	Locations map[l2.Location]int64
	MACs      map[l2.MAC]int64
}

// NewSliceClaims returns an empty SliceClaims.
func NewSliceClaims() *SliceClaims {
	return &SliceClaims{Locations: map[l2.Location]int64{}, MACs: map[l2.MAC]int64{}}
}

// Location notes that loc was claimed at rev (the earliest counts).
func (c *SliceClaims) Location(loc l2.Location, rev int64) { earliest(c.Locations, loc, rev) }

// MAC notes that mac was network-attached at rev (the earliest counts).
func (c *SliceClaims) MAC(mac l2.MAC, rev int64) { earliest(c.MACs, mac, rev) }

func earliest[K comparable](m map[K]int64, k K, rev int64) {
	if old, ok := m[k]; !ok || rev < old {
		m[k] = rev
	}
}

// Set records slice local's claims (nil: it has none any more).
func (t *ClaimTimes) Set(local string, c *SliceClaims) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c == nil {
		delete(t.at, local)
		return
	}
	if t.at == nil {
		t.at = map[string]*SliceClaims{}
	}
	t.at[local] = c
}

// Reset forgets every slice's claims (before reading them all again).
func (t *ClaimTimes) Reset() {
	t.mu.Lock()
	t.at = nil
	t.mu.Unlock()
}

// LocationClaimedAt implements Orderer.
func (t *ClaimTimes) LocationClaimedAt(local string, loc l2.Location) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.at[local]; c != nil {
		return c.Locations[loc]
	}
	return 0
}

// MACClaimedAt implements Orderer.
func (t *ClaimTimes) MACClaimedAt(local string, mac l2.MAC) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.at[local]; c != nil {
		return c.MACs[mac]
	}
	return 0
}
