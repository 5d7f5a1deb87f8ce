package l2

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults, as Open vSwitch, the Linux bridge and Trema's sliceable switch
// use them.
const (
	DefaultAging     = 300 * time.Second
	DefaultMoveGuard = 5 * time.Second
	// DefaultMaxPerSlice bounds the learned entries of one slice.
	DefaultMaxPerSlice = 1 << 16
	// DefaultMaxEntries bounds the learned entries of the whole fabric.
	DefaultMaxEntries = 1 << 22
)

// Errors of the configuration API; test with errors.Is.
var (
	ErrNotFound = errors.New("l2: not found")
	ErrExists   = errors.New("l2: already exists")
	// ErrConflict: the change contradicts another binding, e.g. a location
	// bound to another slice.
	ErrConflict = errors.New("l2: conflicts with another binding")
	ErrInvalid  = errors.New("l2: invalid argument")
	// ErrFull: the fabric tracks Options.MaxLocations locations already.
	ErrFull = errors.New("l2: location table full")
)

// Options configure a Fabric; the zero value means defaults.
type Options struct {
	// Aging is how long a learned entry lives without being seen.
	Aging time.Duration
	// MoveGuard is how long after a MAC was learned (or moved) a frame from
	// it elsewhere is refused as a move, so a spoofer cannot take it over
	// at once. Negative disables the guard.
	MoveGuard time.Duration
	// MaxPerSlice bounds the learned entries of each slice; MaxEntries those
	// of the fabric. A slice at its own bound evicts its least recently
	// seen entry to learn a new MAC. At the fabric's bound eviction is
	// fair, as Open vSwitch's is: the slice holding the most entries gives
	// one back, so a flooding slice evicts its own while every other slice
	// keeps learning its share. Static entries (port attachments) do not
	// count.
	MaxPerSlice, MaxEntries int
	// MaxLocations bounds the locations the fabric tracks (bound ports and
	// the places network-attached MACs were seen; default
	// DefaultMaxLocations). A location no binding or entry uses any more is
	// forgotten. When the bound is reached, a network-attached MAC seen at
	// a new place is forwarded but not learned there, and BindPort fails
	// with ErrFull.
	MaxLocations int
	// Now is the fabric's starting time; zero means time.Now(). Advance
	// moves time on.
	Now time.Time
	// Events, if set, receives every change to the learning tables. It is
	// called synchronously from the goroutine that caused the change
	// (Decide, Advance, Update), never with a lock held, so it may call the
	// Fabric.
	Events func(Event)
}

// EventKind says what happened to a learned entry.
type EventKind uint8

// Event kinds.
const (
	Learned       EventKind = iota + 1 // a new MAC was learned
	Moved                              // a known MAC appeared at another location
	Expired                            // not seen for the aging time
	Evicted                            // pushed out because its slice was full
	Removed                            // forgotten because its binding or slice went
	PolicyChanged                      // the policy of the port it is at changed (the entry stays)
)

var eventKindNames = [...]string{"", "learned", "moved", "expired", "evicted", "removed", "policy changed"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && k > 0 {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change to a slice's learning table.
type Event struct {
	Kind     EventKind
	Slice    string
	MAC      MAC
	Location Location // where the MAC is (Moved: now; others: was)
	From     Location // Moved: where it was
}

// Action is what to do with a frame.
type Action uint8

// Actions.
const (
	Drop    Action = iota // discard the frame
	Forward               // send it to Decision.Out
	Flood                 // send it to every other port of the slice (Fabric.FloodTargets)
)

var actionNames = [...]string{"drop", "forward", "flood"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Reason explains a Drop or a Flood.
type Reason uint8

// Reasons.
const (
	ReasonNone        Reason = iota
	ReasonNoSlice            // the frame classifies to no slice
	ReasonNotAdmitted        // the port has attachments and the source is not one
	ReasonAmbiguous          // the source is network-attached to several slices, none binding this port
	ReasonBadSource          // the source address is multicast or zero
	ReasonStaticMAC          // the source is attached elsewhere in the slice (spoofing)
	ReasonHairpin            // the destination is where the frame came from
	ReasonBroadcast          // flood: broadcast or multicast destination
	ReasonUnknown            // flood: destination not learned yet
)

var reasonNames = [...]string{"", "no slice", "source not admitted on port", "ambiguous network attachment",
	"bad source address", "static MAC seen elsewhere", "destination on ingress port", "broadcast",
	"unknown destination"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is the forwarding decision for one frame.
type Decision struct {
	Action Action
	Reason Reason
	// Slice is the id of the slice the frame belongs to ("" when none).
	Slice string
	// Out is where to forward it (Action Forward).
	Out Location
	sc  *sliceConf // the configuration the decision was made with
}

// Entry is one learned (or static) MAC of a slice.
type Entry struct {
	MAC      MAC
	Location Location
	Static   bool      // from a port attachment: never ages or moves
	LastSeen time.Time // zero for static entries
}

// Fabric holds slices and their learning tables and makes the forwarding
// decision. It is safe for concurrent use: Decide runs in parallel with
// itself, with Advance and with configuration changes, which apply
// atomically.
type Fabric struct {
	aging, guard, width int64 // ns
	maxSlice, maxTotal  int64
	sink                func(Event)
	counts              [len(eventKindNames)]atomic.Uint64 // events by kind
	policyGen           atomic.Uint64                      // see PolicyGeneration

	now      atomic.Int64 // Unix ns, set by Advance
	total    atomic.Int64 // dynamic entries in all slices
	cfg      atomic.Pointer[config]
	locs     locTable
	biggest  atomic.Pointer[sliceState] // the slice holding the most entries, as last seen
	reclaims atomic.Uint32              // evictions for the fabric's bound, to rescan for the biggest now and then

	mu sync.Mutex // serializes Update

	advMu   sync.Mutex // serializes Advance; guards scratch
	scratch []expired

	numbered uint32 // slice numbers handed out (under mu)
	tab      table
}

// sliceState is the mutable part of a slice, shared by every configuration
// snapshot it appears in.
type sliceState struct {
	mu    sync.Mutex
	gen   atomic.Uint64 // the generation of the last change to the slice's bindings
	count atomic.Int64  // tab.dyn, for readers without the lock
	tab   entries
	id    string
	// removed is set, with the lock held, when the slice goes.
	removed bool
}

// lock and unlock bracket every change to the slice's entries.
func (st *sliceState) lock() { st.mu.Lock() }

func (st *sliceState) unlock() {
	st.count.Store(int64(st.tab.dyn))
	st.mu.Unlock()
}

// config is an immutable snapshot of the bindings.
type config struct {
	gen    uint64
	slices map[string]*sliceConf
	ports  map[Location]*binding
	bound  map[PortRef]int      // how many locations of each switch port are bound
	index  portIndex            // ports, for Decide
	macs   map[MAC][]*sliceConf // network attachments
}

// portIndex is an immutable open addressing table of the port bindings,
// cheaper to probe than a map keyed by Location.
type portIndex struct {
	slots []portSlot
}

type portSlot struct {
	dp, pv uint64 // datapath; port<<16 | vlan (never 0: port 0 is refused)
	// What Decide needs of the binding, inline, so that it loads nothing
	// else before the learning table: the slice (its configuration, id and
	// number), the location's index, and whether the port has attachments.
	sc       *sliceConf
	b        *binding
	loc      uint32
	num      uint32
	attached bool
	id       string
}

func portKey(l Location) (uint64, uint64) {
	return uint64(l.Datapath), uint64(l.Port)<<16 | uint64(l.VLAN)
}

func portHash(dp, pv uint64, n int) int {
	h := (dp*0x9e3779b97f4a7c15 ^ pv) * 0xc2b2ae3d27d4eb4f
	return int((h >> 32) * uint64(n) >> 32)
}

func newPortIndex(ports map[Location]*binding) portIndex {
	x := portIndex{slots: make([]portSlot, max(len(ports)*2, 1))}
	for l, b := range ports {
		dp, pv := portKey(l)
		i := portHash(dp, pv, len(x.slots))
		for x.slots[i].pv != 0 {
			if i++; i == len(x.slots) {
				i = 0
			}
		}
		x.slots[i] = portSlot{dp: dp, pv: pv, sc: b.sc, b: b, loc: b.locIdx, num: b.sc.st.tab.num, attached: b.attached != nil, id: b.sc.id}
	}
	return x
}

// get returns the slot of l's binding, or nil.
func (x *portIndex) get(l Location) *portSlot {
	dp, pv := portKey(l)
	i := portHash(dp, pv, len(x.slots))
	for {
		s := &x.slots[i]
		if s.pv == pv && s.dp == dp {
			return s
		}
		if s.pv == 0 {
			return nil
		}
		if i++; i == len(x.slots) {
			i = 0
		}
	}
}

type sliceConf struct {
	id    string
	st    *sliceState
	ports []*binding // sorted by location
	macs  map[MAC]struct{}
	addrs map[netip.Addr]MAC // the ports' own addresses (see Resolve)
}

type binding struct {
	loc      Location
	locIdx   uint32 // holds a reference while the location is bound
	sc       *sliceConf
	attached map[MAC]struct{} // nil: every MAC is admitted
	policy   *PortPolicy      // nil: none
}

// NewFabric returns an empty fabric.
func NewFabric(opts Options) *Fabric {
	f := &Fabric{
		aging:    int64(opts.Aging),
		guard:    int64(opts.MoveGuard),
		maxSlice: int64(opts.MaxPerSlice),
		maxTotal: int64(opts.MaxEntries),
		sink:     opts.Events,
	}
	if f.aging <= 0 {
		f.aging = int64(DefaultAging)
	}
	f.width = max(f.aging/wheelPeriod, 1)
	if opts.MoveGuard == 0 {
		f.guard = int64(DefaultMoveGuard)
	}
	if f.maxSlice <= 0 {
		f.maxSlice = DefaultMaxPerSlice
	}
	if f.maxTotal <= 0 {
		f.maxTotal = DefaultMaxEntries
	}
	f.locs.init(opts.MaxLocations)
	f.tab.init(&f.locs)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	f.now.Store(now.UnixNano())
	f.cfg.Store(&config{slices: map[string]*sliceConf{}, ports: map[Location]*binding{}, bound: map[PortRef]int{},
		index: newPortIndex(nil)})
	return f
}

// Now returns the fabric's current time, as last set by Advance.
func (f *Fabric) Now() time.Time { return time.Unix(0, f.now.Load()) }

// Decide classifies a frame that entered the fabric at in (the VLAN being
// the frame's tag, or Untagged) from src to dst, learns src in its slice,
// and decides where the frame goes. It does not allocate.
func (f *Fabric) Decide(in Location, src, dst MAC) (d Decision) {
	f.decideInto(&d, in, src, dst)
	return d
}

// decideInto is Decide writing to d, which must be the zero Decision.
func (f *Fabric) decideInto(d *Decision, in Location, src, dst MAC) {
	// A writer that keeps intervening sends the frame to the slow path,
	// which waits for it instead.
	for try := 0; f.decide(d, in, src, dst, try < 3); try++ {
		*d = Decision{}
	}
}

// multicastBit is the group bit of a MAC as Uint64 holds it.
const multicastBit = 1 << 40

// refresh is how stale a last-seen time may get before a frame updates it;
// between updates frames from a known host take no lock.
const refresh = int64(time.Second)

// decide fills d and reports whether to start again (the bindings or the
// table changed under it); without fast, it takes the slow path at once.
func (f *Fabric) decide(d *Decision, in Location, src, dst MAC, fast bool) (retry bool) {
	mac, dmac := src.Uint64(), dst.Uint64()
	if mac&multicastBit != 0 || mac == 0 {
		d.Reason = ReasonBadSource
		return false
	}
	// Start loading the home slots of both MACs before anything else: they
	// depend on the MACs alone, so on a large table their cache misses run
	// while the port's binding is looked up.
	hs, hd := hashMAC(mac), hashMAC(dmac)
	shs, shd := &f.tab.shards[shardOf(hs)], &f.tab.shards[shardOf(hd)]
	seqS, seqD := shs.seq.Load(), shd.seq.Load()
	// Each array is published whole: a writer's half-done change is what
	// the sequence counts catch, at the end.
	slotsS, slotsD := *shs.arr.Load(), *shd.arr.Load()
	iS, iD := homeOf(hs, len(slotsS)), homeOf(hd, len(slotsD))
	if !fast || (seqS|seqD)&1 != 0 {
		slotsS = nil // a writer is at work: the slow path waits for it
	} else {
		// Touch both home slots before anything depends on either.
		_ = atomic.LoadUint64(&slotsD[iD].key)
		_ = atomic.LoadUint64(&slotsS[iS].key)
	}

	cfg := f.cfg.Load()
	ps := cfg.index.get(in)
	var sc *sliceConf
	var id string
	var num uint32
	// loc is in's index when a binding of the frame's slice holds it;
	// noLoc when the frame is a network-attached MAC's at a place its slice
	// does not bind (the fast path compares locations then, and learning
	// interns in).
	loc := noLoc
	static := false
	if ps != nil && !ps.attached && cfg.macs == nil {
		// The common case: a port binding decides.
		sc, id, num, loc = ps.sc, ps.id, ps.num, ps.loc
	} else if sc, loc, static = f.classify(d, cfg, ps, src); sc == nil {
		return false
	} else {
		id, num = sc.id, sc.st.tab.num
	}
	now := f.now.Load()

	// The fast path: a known source, where it was, seen lately. Nothing to
	// write, so no lock: read the table and check no writer intervened.
	if slotsS == nil {
		return f.decideLocked(d, cfg, sc, loc, static, in, mac, dmac, now)
	}
	i := probeShared(slotsS, iS, num, mac)
	if i < 0 {
		return f.decideLocked(d, cfg, sc, loc, static, in, mac, dmac, now)
	}
	key := atomic.LoadUint64(&slotsS[i].key)
	at := atomic.LoadUint32(&slotsS[i].loc)
	if at != loc && (loc != noLoc || at == noLoc || f.locs.get(at) != in) {
		if key&flagStatic != 0 && !static {
			if shs.seq.Load() != seqS || f.cfg.Load() != cfg {
				return true
			}
			d.Reason, d.Slice, d.sc = ReasonStaticMAC, id, sc
			return false
		}
		// A move: the slow path decides.
		return f.decideLocked(d, cfg, sc, loc, static, in, mac, dmac, now)
	}
	if key&flagStatic == 0 && now-atomic.LoadInt64(&slotsS[i].seen) >= refresh {
		return f.decideLocked(d, cfg, sc, loc, static, in, mac, dmac, now)
	}
	var out uint32
	found := false
	if dmac&multicastBit == 0 {
		if j := probeShared(slotsD, iD, num, dmac); j >= 0 {
			out, found = atomic.LoadUint32(&slotsD[j].loc), true
		}
	}
	f.destination(d, sc, id, dmac, found)
	var outLoc Location
	if d.Action == Forward {
		outLoc = f.locs.get(out)
	}
	if shs.seq.Load() != seqS || shd.seq.Load() != seqD || f.cfg.Load() != cfg {
		return true
	}
	f.forwardTo(d, outLoc, in)
	return false
}

// classify finds the slice of a frame from src that entered at the
// binding ps (nil: none), most specific first: a port attachment, a network
// attachment, the port binding. It returns the slice (nil, with d's reason
// set, for none), the index of the ingress when the slice binds it, and
// whether src is attached to the port.
func (f *Fabric) classify(d *Decision, cfg *config, ps *portSlot, src MAC) (sc *sliceConf, loc uint32, static bool) {
	var b *binding
	if ps != nil {
		b = ps.b
	}
	loc = noLoc
	if b != nil && b.attached != nil {
		if _, ok := b.attached[src]; ok {
			return b.sc, b.locIdx, true
		}
	}
	if cfg.macs != nil {
		if list := cfg.macs[src]; list != nil {
			switch {
			case len(list) == 1:
				sc = list[0]
			case b != nil && slices.Contains(list, b.sc):
				sc = b.sc
			default:
				d.Reason = ReasonAmbiguous
				return nil, noLoc, false
			}
			if b != nil && b.sc == sc {
				loc = b.locIdx
			}
			return sc, loc, false
		}
	}
	switch {
	case b == nil:
		d.Reason = ReasonNoSlice
		return nil, noLoc, false
	case b.attached != nil:
		d.Reason, d.Slice = ReasonNotAdmitted, b.sc.id
		return nil, noLoc, false
	}
	return b.sc, b.locIdx, false
}

// forwardTo completes a Forward decision with its resolved destination.
func (f *Fabric) forwardTo(d *Decision, out, in Location) {
	if d.Action != Forward {
		return
	}
	if out == in {
		d.Action, d.Reason = Drop, ReasonHairpin
		return
	}
	d.Out = out
}

// decideLocked is Decide's slow path: learning, moving and refreshing
// under the slice's lock. Events go to the sink after the lock is let go.
func (f *Fabric) decideLocked(d *Decision, cfg *config, sc *sliceConf, loc uint32, static bool, in Location, mac, dmac uint64, now int64) (retry bool) {
	var evs [2]Event
	nev := 0
	st := sc.st
	// A place its slice does not bind: intern it, holding a reference that
	// a new or moved entry takes over. When the table of locations is full
	// the frame is decided without learning where it came from.
	held := false
	if loc == noLoc {
		if i, ok := f.locs.acquire(in); ok {
			loc, held = i, true
		}
	}
	st.lock()
	if st.gen.Load() > cfg.gen {
		// The slice's bindings changed since cfg was loaded and its table
		// has already caught up: decide again on the new bindings.
		st.unlock()
		if held {
			f.locs.release(loc)
		}
		return true
	}
	t := &st.tab
	reclaim := false
	if s, ok := t.get(mac); ok {
		switch {
		case s.loc == loc:
			if !s.static() {
				t.refresh(mac, now)
			}
		case s.static() && !static:
			st.unlock()
			if held {
				f.locs.release(loc)
			}
			d.Reason, d.Slice, d.sc = ReasonStaticMAC, sc.id, sc
			return false
		case f.guard > 0 && int64(s.age)*1e6+(now-s.seen) < f.guard, loc == noLoc:
			// Too soon to move (or nowhere to move to): keep the entry,
			// still forward the frame.
		default:
			from := t.location(&s)
			f.locs.release(t.move(mac, f.take(loc, &held), now))
			evs[nev] = Event{Kind: Moved, Slice: sc.id, MAC: MACFromUint64(mac), From: from, Location: in}
			nev++
		}
	} else if !static && loc != noLoc {
		nev, reclaim = f.learn(st, mac, f.take(loc, &held), now, &evs)
	}
	var out uint32
	found := false
	if dmac&multicastBit == 0 {
		var s slot
		s, found = t.get(dmac)
		out = s.loc
	}
	f.destination(d, sc, sc.id, dmac, found)
	var outLoc Location
	if d.Action == Forward {
		outLoc = f.locs.get(out)
	}
	st.unlock()
	if held {
		f.locs.release(loc)
	}
	f.forwardTo(d, outLoc, in)
	f.emit(evs[:nev])
	if reclaim {
		f.reclaim()
	}
	return false
}

// take returns a reference to loc for a slot to keep: the one the caller
// acquired (held), or a new one on a location a binding holds.
func (f *Fabric) take(loc uint32, held *bool) uint32 {
	if *held {
		*held = false
	} else {
		f.locs.hold(loc)
	}
	return loc
}

// destination decides where a frame to dmac goes, given whether the
// slice knows where dmac is.
func (f *Fabric) destination(d *Decision, sc *sliceConf, id string, dmac uint64, found bool) {
	d.Slice, d.sc = id, sc
	switch {
	case dmac&multicastBit != 0:
		d.Action, d.Reason = Flood, ReasonBroadcast
	case !found:
		d.Action, d.Reason = Flood, ReasonUnknown
	default:
		d.Action = Forward
	}
}

// learn adds a dynamic entry at loc (whose reference it takes over),
// evicting the slice's oldest when the slice is full. At the fabric's bound
// the slice evicts its own oldest when it holds at least as many entries as
// the biggest slice; otherwise it learns and reports that the fabric must
// reclaim an entry (from the biggest slice, once this one's lock is let
// go). Called with the slice locked.
func (f *Fabric) learn(st *sliceState, mac uint64, loc uint32, now int64, evs *[2]Event) (nev int, reclaim bool) {
	t := &st.tab
	evictOwn := int64(t.dyn) >= f.maxSlice
	if !evictOwn && f.total.Add(1) > f.maxTotal {
		if big := f.biggest.Load(); t.dyn > 0 && (big == nil || big == st || int64(t.dyn) >= big.count.Load()) {
			f.total.Add(-1)
			evictOwn = true
		} else {
			reclaim = true
		}
	}
	if evictOwn {
		old, ok := t.oldest(f.aging, f.width)
		if !ok {
			f.locs.release(loc)
			return 0, false // nothing of ours to evict: do not learn
		}
		s, _ := t.remove(old) // the total stays: one out, one in
		evs[nev] = Event{Kind: Evicted, Slice: st.id, MAC: MACFromUint64(old), Location: t.location(&s)}
		nev++
		f.locs.release(s.loc)
	}
	t.learn(mac, loc, now, f.aging, f.width)
	evs[nev] = Event{Kind: Learned, Slice: st.id, MAC: MACFromUint64(mac), Location: f.locs.get(loc)}
	if big := f.biggest.Load(); big == nil || int64(t.dyn) > big.count.Load() {
		f.biggest.Store(st)
	}
	return nev + 1, reclaim
}

// reclaim brings the fabric back to its bound after a slice learned past
// it: the slice holding the most entries gives back its least recently
// seen one. Called without a slice lock.
func (f *Fabric) reclaim() {
	for range 4 {
		if f.total.Load() <= f.maxTotal {
			return
		}
		v := f.biggest.Load()
		// The biggest as last seen may have shrunk since: look again now and
		// then, and whenever it holds less than a fair share.
		if v == nil || f.reclaims.Add(1)%256 == 0 || v.count.Load()*int64(len(f.cfg.Load().slices)) < f.maxTotal {
			v = f.findBiggest()
		}
		if v == nil {
			return
		}
		v.lock()
		var mac uint64
		ok := false
		if !v.removed {
			mac, ok = v.tab.oldest(f.aging, f.width)
		}
		if !ok {
			v.unlock()
			f.biggest.CompareAndSwap(v, nil)
			continue
		}
		s, _ := v.tab.remove(mac)
		ev := Event{Kind: Evicted, Slice: v.id, MAC: MACFromUint64(mac), Location: v.tab.location(&s)}
		f.total.Add(-1)
		v.unlock()
		f.locs.release(s.loc)
		f.emit([]Event{ev})
	}
}

// findBiggest returns the slice holding the most learned entries and
// remembers it.
func (f *Fabric) findBiggest() *sliceState {
	var big *sliceState
	var most int64
	for _, sc := range f.cfg.Load().slices {
		if n := sc.st.count.Load(); n > most {
			big, most = sc.st, n
		}
	}
	f.biggest.Store(big)
	return big
}

// FloodTargets appends to buf the locations a frame flooded by d must
// reach: every port binding of its slice except in. A port with
// attachments receives broadcast and multicast, and unknown unicast only
// for a MAC attached to it. It does not allocate when buf has room.
func (f *Fabric) FloodTargets(d Decision, in Location, dst MAC, buf []Location) []Location {
	if d.Action != Flood || d.sc == nil {
		return buf
	}
	for _, b := range d.sc.ports {
		if b.loc == in {
			continue
		}
		if b.attached != nil && !dst.IsMulticast() {
			if _, ok := b.attached[dst]; !ok {
				continue
			}
		}
		buf = append(buf, b.loc)
	}
	return buf
}

// Advance sets the fabric's time to now and expires the entries not seen
// for the aging time. Call it regularly (about once a second); the work it
// does is proportional to what expires, not to the size of the tables.
// Entries expire between the aging time and 1/32 of it later.
func (f *Fabric) Advance(now time.Time) {
	ns := now.UnixNano()
	f.advMu.Lock()
	defer f.advMu.Unlock()
	if ns > f.now.Load() {
		f.now.Store(ns)
	}
	ns = f.now.Load()
	cfg := f.cfg.Load()
	for _, sc := range cfg.slices {
		st := sc.st
		st.mu.Lock()
		due := !st.removed && (ns/f.width-1) > st.tab.cursor
		st.mu.Unlock()
		if !due {
			continue
		}
		st.lock()
		out := st.tab.expire(ns, f.aging, f.width, f.scratch[:0])
		f.total.Add(-int64(len(out)))
		st.unlock()
		f.scratch = out[:0]
		f.counts[Expired].Add(uint64(len(out)))
		if f.sink != nil {
			for _, e := range out {
				f.sink(Event{Kind: Expired, Slice: sc.id, MAC: MACFromUint64(e.mac), Location: e.loc})
			}
		}
	}
}

// ForgetPort forgets the MACs learned on a switch port, on every VLAN and
// in every slice — what a controller does when the port's link goes down,
// so that the hosts behind it are looked for again — and returns them
// (kind Removed; they also go to Options.Events). Port attachments stay:
// they are configuration.
func (f *Fabric) ForgetPort(p PortRef) []Event {
	on := f.locs.indicesOn(p)
	if len(on) == 0 {
		return nil
	}
	var evs []Event
	for _, sc := range f.cfg.Load().slices {
		st := sc.st
		if st.count.Load() == 0 {
			continue
		}
		st.lock()
		t := &st.tab
		for _, w := range t.wheel {
			for k := 0; k < len(w); k++ {
				mac := w[k]
				s, _ := t.get(mac)
				if _, ok := on[s.loc]; !ok {
					continue
				}
				t.remove(mac) // moves the bucket's last into k
				evs = append(evs, Event{Kind: Removed, Slice: sc.id, MAC: MACFromUint64(mac), Location: t.location(&s)})
				f.total.Add(-1)
				f.locs.release(s.loc)
				w = w[:len(w)-1]
				k--
			}
		}
		st.unlock()
	}
	f.emit(evs)
	return evs
}

// emit counts events and hands them to the sink.
func (f *Fabric) emit(evs []Event) {
	for _, ev := range evs {
		f.counts[ev.Kind].Add(1)
		if f.sink != nil {
			f.sink(ev)
		}
	}
}
