package l2

// Reading the fabric: what a slice has learned and is bound to, and the
// counts.

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// PortBound reports whether a location on the switch port (on any VLAN)
// is bound to a slice: the port faces hosts.
func (f *Fabric) PortBound(p PortRef) bool { return f.cfg.Load().bound[p] > 0 }

// Lookup returns the entry for mac in slice id.
func (f *Fabric) Lookup(id string, mac MAC) (Entry, bool) {
	sc := f.cfg.Load().slices[id]
	if sc == nil {
		return Entry{}, false
	}
	st := sc.st
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.tab.get(mac.Uint64())
	if !ok {
		return Entry{}, false
	}
	return entry(&st.tab, &s), true
}

func entry(t *entries, s *slot) Entry {
	e := Entry{MAC: MACFromUint64(s.mac()), Location: t.location(s), Static: s.static()}
	if !e.Static {
		e.LastSeen = time.Unix(0, s.seen)
	}
	return e
}

// Entries returns the entries of slice id, sorted by MAC.
func (f *Fabric) Entries(id string) ([]Entry, error) {
	sc := f.cfg.Load().slices[id]
	if sc == nil {
		return nil, fmt.Errorf("%w: slice %q", ErrNotFound, id)
	}
	st := sc.st
	st.mu.Lock()
	out := make([]Entry, 0, st.tab.n())
	for _, mac := range st.tab.macs() {
		s, _ := st.tab.get(mac)
		out = append(out, entry(&st.tab, &s))
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b Entry) int {
		return cmpU64(a.MAC.Uint64(), b.MAC.Uint64())
	})
	return out, nil
}

// Stats are counts across the fabric.
type Stats struct {
	Slices    int `json:"slices"`
	Ports     int `json:"ports"`     // port bindings
	Learned   int `json:"learned"`   // dynamic entries
	Locations int `json:"locations"` // locations tracked (see Options.MaxLocations)
	// Events counts the changes to the learning tables since the fabric
	// was made, by kind (Events[Learned], Events[Evicted], ...).
	Events EventCounts `json:"events"`
}

// EventCounts are counts of events, indexed by kind.
type EventCounts [len(eventKindNames)]uint64

// MarshalJSON writes the counts as an object keyed by kind.
func (c EventCounts) MarshalJSON() ([]byte, error) {
	m := make(map[string]uint64, len(c)-1)
	for k := Learned; int(k) < len(c); k++ {
		m[k.String()] = c[k]
	}
	return json.Marshal(m)
}

// Stats returns the fabric's counts.
func (f *Fabric) Stats() Stats {
	cfg := f.cfg.Load()
	st := Stats{Slices: len(cfg.slices), Ports: len(cfg.ports), Learned: int(f.total.Load()),
		Locations: int(f.locs.live.Load())}
	for k := range st.Events {
		st.Events[k] = f.counts[k].Load()
	}
	return st
}

// Slices returns the ids of the slices, sorted.
func (f *Fabric) Slices() []string {
	cfg := f.cfg.Load()
	ids := make([]string, 0, len(cfg.slices))
	for id := range cfg.slices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Bindings returns the port bindings of slice id, sorted, with the MACs
// attached to each and their policies.
func (f *Fabric) Bindings(id string) ([]PortBinding, error) {
	sc := f.cfg.Load().slices[id]
	if sc == nil {
		return nil, fmt.Errorf("%w: slice %q", ErrNotFound, id)
	}
	out := make([]PortBinding, len(sc.ports))
	for i, b := range sc.ports {
		out[i] = PortBinding{Location: b.loc, Attached: sortedMACs(b.attached), Policy: b.policy}
	}
	return out, nil
}

// NetworkAttachments returns the MACs network-attached to slice id, sorted.
func (f *Fabric) NetworkAttachments(id string) ([]MAC, error) {
	sc := f.cfg.Load().slices[id]
	if sc == nil {
		return nil, fmt.Errorf("%w: slice %q", ErrNotFound, id)
	}
	return sortedMACs(sc.macs), nil
}

// PortBinding is a location bound to a slice, the MACs attached to it
// and its policy.
type PortBinding struct {
	Location Location
	Attached []MAC       // empty: the port admits every MAC
	Policy   *PortPolicy // nil: none; shared, do not change
}

func sortedMACs(m map[MAC]struct{}) []MAC {
	out := make([]MAC, 0, len(m))
	for mac := range m {
		out = append(out, mac)
	}
	slices.SortFunc(out, func(a, b MAC) int { return cmpU64(a.Uint64(), b.Uint64()) })
	return out
}
