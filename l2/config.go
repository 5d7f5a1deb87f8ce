package l2

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Tx is a set of binding changes that Update applies all at once. Its
// methods check each change against the state built so far and return an
// error (wrapping ErrNotFound, ErrExists, ErrConflict or ErrInvalid) for one
// that does not fit; the change is then not made.
type Tx struct {
	f       *Fabric
	old     *config
	cfg     *config
	cloned  map[string]bool // slices whose sliceConf this Tx owns
	effects []effect
	// held are the location references BindPort took; touched the
	// locations whose binding changed. Commit settles both.
	held    []uint32
	touched map[Location]struct{}
	// policies says a binding's policy changed, came or went.
	policies bool
}

type effectKind uint8

const (
	effNewSlice effectKind = iota + 1
	effDropSlice
	effForgetLoc    // forget dynamic entries learned at loc
	effForgetMAC    // forget mac's dynamic entry
	effAddStatic    // install mac as static at loc
	effRemoveStatic // remove mac's static entry
	effForgetOthers // forget mac's dynamic entries in slices that do not attach it
	effPolicy       // report the entries at loc: its policy changed
)

type effect struct {
	kind effectKind
	st   *sliceState
	id   string
	loc  uint32
	mac  MAC
}

// Update applies the changes fn makes to tx atomically: a Decide running
// concurrently sees either none or all of them. If fn returns an error,
// nothing changes and Update returns it. Update returns the learned
// entries the changes made the fabric forget (kind Removed), which are also
// sent to Options.Events.
func (f *Fabric) Update(fn func(tx *Tx) error) ([]Event, error) {
	f.mu.Lock()
	old := f.cfg.Load()
	tx := &Tx{
		f:   f,
		old: old,
		cfg: &config{
			gen:    old.gen + 1,
			slices: maps.Clone(old.slices),
			ports:  maps.Clone(old.ports),
			bound:  maps.Clone(old.bound),
			macs:   maps.Clone(old.macs),
		},
		cloned:  map[string]bool{},
		touched: map[Location]struct{}{},
	}
	if err := fn(tx); err != nil {
		tx.releaseHeld()
		f.mu.Unlock()
		return nil, err
	}
	if len(tx.effects) == 0 && len(tx.cloned) == 0 {
		tx.releaseHeld()
		f.mu.Unlock()
		return nil, nil
	}
	if len(tx.cfg.macs) == 0 {
		tx.cfg.macs = nil // lets Decide skip the lookup
	}
	for id := range tx.cloned {
		if sc := tx.cfg.slices[id]; sc != nil {
			sc.indexAddresses()
		}
	}
	tx.cfg.index = newPortIndex(tx.cfg.ports)
	if tx.policies {
		f.policyGen.Add(1)
	}
	f.cfg.Store(tx.cfg)
	evs := f.apply(tx)
	tx.settle()
	f.mu.Unlock()
	f.emit(evs)
	return evs, nil
}

// settle moves location references from the old bindings to the new:
// a newly bound location gets one, an unbound one loses one, and the
// references BindPort took for the Tx go.
func (tx *Tx) settle() {
	for loc := range tx.touched {
		ob, nb := tx.old.ports[loc], tx.cfg.ports[loc]
		switch {
		case ob == nil && nb != nil:
			tx.f.locs.hold(nb.locIdx)
		case ob != nil && nb == nil:
			tx.f.locs.release(ob.locIdx)
		}
	}
	tx.releaseHeld()
}

func (tx *Tx) releaseHeld() {
	for _, i := range tx.held {
		tx.f.locs.release(i)
	}
	tx.held = nil
}

// apply brings the tables of the changed slices in line with the new
// configuration. Called with f.mu held, after the new configuration is
// published.
func (f *Fabric) apply(tx *Tx) []Event {
	var evs []Event
	gen := tx.cfg.gen
	touched := map[*sliceState]bool{}
	for id := range tx.cloned {
		if sc := tx.cfg.slices[id]; sc != nil {
			touched[sc.st] = true
		}
	}
	for _, e := range tx.effects {
		touched[e.st] = true
	}
	for st := range touched {
		st.lock()
		st.gen.Store(gen)
		st.unlock()
	}
	now := f.now.Load()
	for _, e := range tx.effects {
		if e.kind == effForgetOthers {
			evs = f.forgetOthers(tx.cfg, e, evs)
			continue
		}
		st := e.st
		st.lock()
		t := &st.tab
		forget := func(mac uint64) {
			s, ok := t.remove(mac)
			if !ok {
				return
			}
			evs = append(evs, Event{Kind: Removed, Slice: e.id, MAC: MACFromUint64(mac), Location: t.location(&s)})
			if !s.static() {
				f.total.Add(-1)
			}
			f.locs.release(s.loc)
		}
		switch e.kind {
		case effNewSlice:
			// The wheel starts now (t and num were set before the slice
			// was published: Decide reads them without the lock).
			t.cursor = now/f.width - 1
		case effDropSlice:
			st.removed = true
			for _, mac := range t.macs() {
				forget(mac)
			}
		case effForgetLoc:
			for _, mac := range t.macs() {
				if s, _ := t.get(mac); !s.static() && s.loc == e.loc {
					forget(mac)
				}
			}
		case effForgetMAC:
			if s, ok := t.get(e.mac.Uint64()); ok && !s.static() {
				forget(e.mac.Uint64())
			}
		case effAddStatic:
			if s, ok := t.get(e.mac.Uint64()); ok && s.static() && s.loc == e.loc {
				break
			}
			f.locs.hold(e.loc) // the binding's reference keeps it live meanwhile
			old, ok := t.setStatic(e.mac.Uint64(), e.loc)
			if !ok {
				break
			}
			if !old.static() {
				// Learned before it was attached: the attachment takes it
				// over, and where it was learned elsewhere, it moved.
				if old.loc != e.loc {
					evs = append(evs, Event{Kind: Moved, Slice: e.id, MAC: e.mac, From: t.location(&old), Location: f.locs.get(e.loc)})
				}
				f.total.Add(-1)
			}
			if old.loc != noLoc {
				f.locs.release(old.loc)
			}
		case effRemoveStatic:
			if s, ok := t.get(e.mac.Uint64()); ok && s.static() {
				forget(e.mac.Uint64())
			}
		case effPolicy:
			for _, mac := range t.macs() {
				if s, _ := t.get(mac); s.loc == e.loc {
					evs = append(evs, Event{Kind: PolicyChanged, Slice: e.id, MAC: MACFromUint64(mac), Location: t.location(&s)})
				}
			}
		}
		st.unlock()
	}
	return evs
}

// forgetOthers forgets e.mac's dynamic entries in every slice of cfg that
// does not network-attach it: its frames classify to e's slice from now
// on, so what others learned of it would go stale with live flows. Each
// such slice takes the new generation too, so a decision made on the old
// configuration cannot learn the MAC there again.
func (f *Fabric) forgetOthers(cfg *config, e effect, evs []Event) []Event {
	mac := e.mac.Uint64()
	for id, sc := range cfg.slices {
		st := sc.st
		if st == e.st {
			continue
		}
		if _, ok := sc.macs[e.mac]; ok {
			continue
		}
		st.lock()
		st.gen.Store(cfg.gen)
		t := &st.tab
		if s, ok := t.get(mac); ok && !s.static() {
			t.remove(mac)
			evs = append(evs, Event{Kind: Removed, Slice: id, MAC: e.mac, Location: t.location(&s)})
			f.total.Add(-1)
			f.locs.release(s.loc)
		}
		st.unlock()
	}
	return evs
}

func (tx *Tx) effect(e effect) { tx.effects = append(tx.effects, e) }

// slice returns the Tx's own copy of slice id's configuration, cloning it
// (and repointing its bindings) on first use.
func (tx *Tx) slice(id string) (*sliceConf, error) {
	sc := tx.cfg.slices[id]
	if sc == nil {
		return nil, fmt.Errorf("%w: slice %q", ErrNotFound, id)
	}
	if tx.cloned[id] {
		return sc, nil
	}
	nsc := &sliceConf{id: sc.id, st: sc.st, macs: maps.Clone(sc.macs), ports: make([]*binding, len(sc.ports))}
	for i, b := range sc.ports {
		nb := *b
		nb.sc = nsc
		nsc.ports[i] = &nb
		tx.cfg.ports[b.loc] = &nb
	}
	for mac := range nsc.macs {
		tx.replaceMAC(mac, sc, nsc)
	}
	tx.cfg.slices[id] = nsc
	tx.cloned[id] = true
	return nsc, nil
}

// replaceMAC swaps old for new in mac's network-attachment list (copying
// the list; the old configuration still uses it).
func (tx *Tx) replaceMAC(mac MAC, old, new *sliceConf) {
	list := slices.Clone(tx.cfg.macs[mac])
	for i, sc := range list {
		if sc == old {
			list[i] = new
		}
	}
	list = slices.DeleteFunc(list, func(sc *sliceConf) bool { return sc == nil })
	if len(list) == 0 {
		delete(tx.cfg.macs, mac)
	} else {
		tx.cfg.macs[mac] = list
	}
}

// AddSlice creates an empty slice.
func (tx *Tx) AddSlice(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty slice id", ErrInvalid)
	}
	if tx.cfg.slices[id] != nil {
		return fmt.Errorf("%w: slice %q", ErrExists, id)
	}
	st := &sliceState{id: id}
	tx.f.numbered++
	st.tab.init(&tx.f.tab, tx.f.numbered, tx.f.now.Load(), tx.f.width)
	tx.cfg.slices[id] = &sliceConf{id: id, st: st}
	tx.cloned[id] = true
	tx.effect(effect{kind: effNewSlice, st: st, id: id})
	return nil
}

// RemoveSlice removes slice id with its bindings and forgets what it
// learned.
func (tx *Tx) RemoveSlice(id string) error {
	sc, err := tx.slice(id)
	if err != nil {
		return err
	}
	for _, b := range sc.ports {
		tx.unbind(b.loc)
	}
	for mac := range sc.macs {
		tx.replaceMAC(mac, sc, nil)
	}
	delete(tx.cfg.slices, id)
	delete(tx.cloned, id)
	tx.effect(effect{kind: effDropSlice, st: sc.st, id: id})
	return nil
}

// BindPort binds loc to slice id: frames entering there belong to the
// slice (unless a more specific attachment says otherwise), and the slice
// floods there. A location belongs to at most one slice; the same VLAN id
// on other ports, or the same port with other VLAN ids, may belong to
// other slices.
func (tx *Tx) BindPort(id string, loc Location) error {
	if err := loc.Validate(); err != nil {
		return err
	}
	if b := tx.cfg.ports[loc]; b != nil {
		if b.sc.id == id {
			return fmt.Errorf("%w: %v is bound to slice %q", ErrExists, loc, id)
		}
		return fmt.Errorf("%w: %v is bound to slice %q", ErrConflict, loc, b.sc.id)
	}
	sc, err := tx.slice(id)
	if err != nil {
		return err
	}
	idx, ok := tx.f.locs.acquire(loc)
	if !ok {
		return fmt.Errorf("%w: cannot bind %v", ErrFull, loc)
	}
	tx.held = append(tx.held, idx)
	b := &binding{loc: loc, locIdx: idx, sc: sc}
	i, _ := slices.BinarySearchFunc(sc.ports, loc, compareBinding)
	sc.ports = slices.Insert(sc.ports, i, b)
	tx.cfg.ports[loc] = b
	tx.cfg.bound[loc.PortRef()]++
	tx.touched[loc] = struct{}{}
	return nil
}

// unbind takes loc out of the port maps.
func (tx *Tx) unbind(loc Location) {
	if b := tx.cfg.ports[loc]; b != nil && b.policy != nil {
		tx.policies = true
	}
	delete(tx.cfg.ports, loc)
	p := loc.PortRef()
	if tx.cfg.bound[p]--; tx.cfg.bound[p] <= 0 {
		delete(tx.cfg.bound, p)
	}
	tx.touched[loc] = struct{}{}
}

func compareBinding(b *binding, loc Location) int { return b.loc.Compare(loc) }

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// binding returns slice id's (Tx-owned) binding at loc.
func (tx *Tx) binding(id string, loc Location) (*sliceConf, int, error) {
	sc, err := tx.slice(id)
	if err != nil {
		return nil, 0, err
	}
	i, ok := slices.BinarySearchFunc(sc.ports, loc, compareBinding)
	if !ok {
		return nil, 0, fmt.Errorf("%w: %v is not bound to slice %q", ErrNotFound, loc, id)
	}
	return sc, i, nil
}

// UnbindPort removes loc from slice id, with its attachments, and forgets
// the MACs learned there.
func (tx *Tx) UnbindPort(id string, loc Location) error {
	sc, i, err := tx.binding(id, loc)
	if err != nil {
		return err
	}
	b := sc.ports[i]
	sc.ports = slices.Delete(sc.ports, i, i+1)
	tx.unbind(loc)
	for mac := range b.attached {
		tx.effect(effect{kind: effRemoveStatic, st: sc.st, id: id, mac: mac})
	}
	tx.effect(effect{kind: effForgetLoc, st: sc.st, id: id, loc: b.locIdx})
	return nil
}

func checkHost(mac MAC) error {
	if mac.IsMulticast() || mac.IsZero() {
		return fmt.Errorf("%w: %v is not a host (unicast) address", ErrInvalid, mac)
	}
	return nil
}

// AttachPort attaches mac to the binding of slice id at loc: from then on
// the port admits frames only from its attached MACs and receives unknown
// unicast only for them, and mac is a static entry there that never ages
// or moves. A MAC may be attached to one port of a slice.
func (tx *Tx) AttachPort(id string, loc Location, mac MAC) error {
	if err := checkHost(mac); err != nil {
		return err
	}
	sc, i, err := tx.binding(id, loc)
	if err != nil {
		return err
	}
	for j, b := range sc.ports {
		if _, ok := b.attached[mac]; ok {
			if j == i {
				return fmt.Errorf("%w: %v is attached to %v", ErrExists, mac, loc)
			}
			return fmt.Errorf("%w: %v is attached to %v in slice %q", ErrConflict, mac, b.loc, id)
		}
	}
	nb := *sc.ports[i]
	nb.attached = maps.Clone(nb.attached)
	if nb.attached == nil {
		nb.attached = map[MAC]struct{}{}
	}
	nb.attached[mac] = struct{}{}
	sc.ports[i] = &nb
	tx.cfg.ports[loc] = &nb
	tx.effect(effect{kind: effAddStatic, st: sc.st, id: id, mac: mac, loc: nb.locIdx})
	// Entries learned at the port from other MACs are no longer admitted.
	tx.effect(effect{kind: effForgetLoc, st: sc.st, id: id, loc: nb.locIdx})
	return nil
}

// DetachPort removes mac's attachment at loc. When the port's last
// attachment goes it admits every MAC again.
func (tx *Tx) DetachPort(id string, loc Location, mac MAC) error {
	sc, i, err := tx.binding(id, loc)
	if err != nil {
		return err
	}
	if _, ok := sc.ports[i].attached[mac]; !ok {
		return fmt.Errorf("%w: %v is not attached to %v", ErrNotFound, mac, loc)
	}
	nb := *sc.ports[i]
	nb.attached = maps.Clone(nb.attached)
	delete(nb.attached, mac)
	if len(nb.attached) == 0 {
		nb.attached = nil
	}
	sc.ports[i] = &nb
	tx.cfg.ports[loc] = &nb
	tx.effect(effect{kind: effRemoveStatic, st: sc.st, id: id, mac: mac})
	return nil
}

// AttachNetwork attaches mac to slice id wherever it appears: frames from
// it belong to the slice on any port not attached otherwise. The same MAC
// may be network-attached to several slices; a frame from it then belongs
// to the one that binds the port it came in on.
func (tx *Tx) AttachNetwork(id string, mac MAC) error {
	if err := checkHost(mac); err != nil {
		return err
	}
	sc, err := tx.slice(id)
	if err != nil {
		return err
	}
	if _, ok := sc.macs[mac]; ok {
		return fmt.Errorf("%w: %v is attached to slice %q", ErrExists, mac, id)
	}
	if sc.macs == nil {
		sc.macs = map[MAC]struct{}{}
	}
	sc.macs[mac] = struct{}{}
	if tx.cfg.macs == nil {
		tx.cfg.macs = map[MAC][]*sliceConf{}
	}
	tx.cfg.macs[mac] = append(slices.Clone(tx.cfg.macs[mac]), sc)
	tx.effect(effect{kind: effForgetOthers, st: sc.st, id: id, mac: mac})
	return nil
}

// DetachNetwork removes mac's network attachment to slice id and forgets
// where it was learned.
func (tx *Tx) DetachNetwork(id string, mac MAC) error {
	sc, err := tx.slice(id)
	if err != nil {
		return err
	}
	if _, ok := sc.macs[mac]; !ok {
		return fmt.Errorf("%w: %v is not attached to slice %q", ErrNotFound, mac, id)
	}
	delete(sc.macs, mac)
	tx.replaceMAC(mac, sc, nil)
	tx.effect(effect{kind: effForgetMAC, st: sc.st, id: id, mac: mac})
	return nil
}

// SliceSpec is a slice's whole configuration, for SetSlice: the locations
// bound to it with the MACs attached to each (none: the port admits every
// MAC), their policies, and its network attachments.
type SliceSpec struct {
	Ports map[Location][]MAC
	// Policies holds the policies of bound locations (keys of Ports);
	// a location not here has none.
	Policies map[Location]*PortPolicy
	MACs     []MAC
}

// SetSlice makes slice id look exactly like spec, creating it if needed
// and changing only what differs, so hosts learned on ports that stay
// bound stay learned. It is how a controller that keeps configuration
// elsewhere (a store, a REST API) applies it.
func (tx *Tx) SetSlice(id string, spec SliceSpec) error {
	for loc := range spec.Policies {
		if _, ok := spec.Ports[loc]; !ok {
			return fmt.Errorf("%w: a policy for %v, which the slice does not bind", ErrInvalid, loc)
		}
	}
	if tx.cfg.slices[id] == nil {
		if err := tx.AddSlice(id); err != nil {
			return err
		}
	}
	sc, err := tx.slice(id)
	if err != nil {
		return err
	}
	current := make(map[Location]map[MAC]struct{}, len(sc.ports))
	for _, b := range sc.ports {
		current[b.loc] = b.attached
	}
	// Removals first, so an attachment can move between ports in one call.
	for loc, old := range current {
		macs, keep := spec.Ports[loc]
		if !keep {
			if err := tx.UnbindPort(id, loc); err != nil {
				return err
			}
			continue
		}
		for m := range old {
			if !slices.Contains(macs, m) {
				if err := tx.DetachPort(id, loc, m); err != nil {
					return err
				}
			}
		}
	}
	for loc, macs := range spec.Ports {
		old, bound := current[loc]
		if !bound {
			if err := tx.BindPort(id, loc); err != nil {
				return err
			}
		}
		for _, m := range macs {
			if _, ok := old[m]; !ok {
				if err := tx.AttachPort(id, loc, m); err != nil && !errors.Is(err, ErrExists) {
					return err
				}
			}
		}
	}
	for loc := range spec.Ports {
		if err := tx.SetPolicy(id, loc, spec.Policies[loc]); err != nil {
			return err
		}
	}
	for m := range maps.Clone(sc.macs) {
		if !slices.Contains(spec.MACs, m) {
			if err := tx.DetachNetwork(id, m); err != nil {
				return err
			}
		}
	}
	for _, m := range spec.MACs {
		if _, ok := sc.macs[m]; !ok {
			if err := tx.AttachNetwork(id, m); err != nil && !errors.Is(err, ErrExists) {
				return err
			}
		}
	}
	return nil
}

// BoundTo returns the slice loc is bound to in the Tx's configuration.
func (tx *Tx) BoundTo(loc Location) (string, bool) {
	if b := tx.cfg.ports[loc]; b != nil {
		return b.sc.id, true
	}
	return "", false
}

// NetworkAttachedTo returns the slices mac is network-attached to in the
// Tx's configuration.
func (tx *Tx) NetworkAttachedTo(mac MAC) []string {
	list := tx.cfg.macs[mac]
	out := make([]string, len(list))
	for i, sc := range list {
		out[i] = sc.id
	}
	return out
}

// HasSlice reports whether slice id exists in the Tx's configuration.
func (tx *Tx) HasSlice(id string) bool { return tx.cfg.slices[id] != nil }
