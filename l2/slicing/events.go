package slicing

import (
	"slices"
	"sync"

	"github.com/netslice/netslice/l2"
)

// Which switches hold which flows, so that a fabric event deletes flows
// where they are and nowhere else, and a MAC that never had a flow (a
// random source of a flood, evicted) costs no delete at all. Events are
// queued here and coalesced per MAC; Run sends the deletes.

// macKey is a MAC in a slice (by the slice's cookie).
type macKey struct {
	cookie uint64
	mac    l2.MAC
}

type tracker struct {
	mu      sync.Mutex
	macs    map[macKey][]uint64 // switches holding flows to or from the MAC
	slices  map[string][]uint64 // switches holding flows of the slice
	pending map[macKey][]uint64 // deletes to send
	gone    []goneSlice         // removed slices: flows to delete, then tags to free
	wakeup  chan struct{}
}

type goneSlice struct {
	id     string
	cookie uint64
	dps    []uint64
}

func newTracker() *tracker {
	return &tracker{macs: map[macKey][]uint64{}, slices: map[string][]uint64{}, pending: map[macKey][]uint64{},
		wakeup: make(chan struct{}, 1)}
}

func (t *tracker) wake() {
	select {
	case t.wakeup <- struct{}{}:
	default:
	}
}

func union(set []uint64, add []uint64) []uint64 {
	for _, dp := range add {
		if !slices.Contains(set, dp) {
			set = append(set, dp)
		}
	}
	return set
}

// record notes flows of slice (cookie) from src to dst on the switches dps.
func (t *tracker) record(slice string, cookie uint64, src, dst l2.MAC, dps []uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range [2]macKey{{cookie, src}, {cookie, dst}} {
		t.macs[k] = union(t.macs[k], dps)
	}
	t.slices[slice] = union(t.slices[slice], dps)
}

// forget queues the deletes of a MAC's flows, if it has any.
func (t *tracker) forget(k macKey) {
	t.mu.Lock()
	dps, ok := t.macs[k]
	if ok {
		delete(t.macs, k)
		t.pending[k] = union(t.pending[k], dps)
	}
	t.mu.Unlock()
	if ok {
		t.wake()
	}
}

// slicesGone queues, for every slice with flows or a transport tag that
// fabric no longer has, the deletes of its flows and the return of its tag.
func (t *tracker) slicesGone(fabric *l2.Fabric, tagged []string) {
	exists := map[string]bool{}
	for _, id := range fabric.Slices() {
		exists[id] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, dps := range t.slices {
		if !exists[id] {
			t.gone = append(t.gone, goneSlice{id: id, cookie: sliceCookie(id), dps: dps})
			delete(t.slices, id)
		}
	}
	for _, id := range tagged {
		if !exists[id] && !slices.ContainsFunc(t.gone, func(g goneSlice) bool { return g.id == id }) {
			t.gone = append(t.gone, goneSlice{id: id, cookie: sliceCookie(id)})
		}
	}
}

// reset forgets every flow: they were all deleted.
func (t *tracker) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.macs)
	clear(t.pending)
	clear(t.slices)
}

// take returns what is queued and empties the queue.
func (t *tracker) take() (map[macKey][]uint64, []goneSlice) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) == 0 && len(t.gone) == 0 {
		return nil, nil
	}
	p, g := t.pending, t.gone
	t.pending, t.gone = map[macKey][]uint64{}, nil
	return p, g
}

// FabricEvent is the fabric's event sink (l2.Options.Events): when a MAC
// moves or is forgotten, the flows to and from it are deleted. It only
// queues the deletes (Run sends them), so it never waits on a switch.
func (a *App) FabricEvent(ev l2.Event) {
	switch ev.Kind {
	case l2.Moved, l2.Expired, l2.Evicted, l2.Removed:
	default:
		return
	}
	a.epoch.Add(1)
	a.flows.forget(macKey{sliceCookie(ev.Slice), ev.MAC})
}

// sendDeletes sends the queued deletes, and frees the transport tags of
// removed slices once their flows' deletes are on their way.
func (a *App) sendDeletes() {
	pending, gone := a.flows.take()
	for k, dps := range pending {
		for _, dp := range dps {
			s := a.switchState(l2.DatapathID(dp))
			if s == nil {
				continue
			}
			a.sendOther(s, s.d.deleteMAC(k.cookie, k.mac, true))
			a.sendOther(s, s.d.deleteMAC(k.cookie, k.mac, false))
			a.stats.deletes.Add(2)
		}
	}
	for _, g := range gone {
		tag := a.tags.lookup(g.id)
		for _, dp := range g.dps {
			if s := a.switchState(l2.DatapathID(dp)); s != nil {
				a.sendOther(s, s.d.deleteSlice(g.cookie, tag))
				a.stats.deletes.Add(1)
			}
		}
		a.tags.put(g.id)
	}
}
