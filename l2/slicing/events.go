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

// trackerShards spreads the packet-in path's writes over locks: sixteen
// switches' readers on two cores contended for one.
const trackerShards = 64

type tracker struct {
	shards [trackerShards]struct {
		sync.RWMutex
		macs map[macKey][]uint64 // switches holding flows to or from the MAC
	}
	mu      sync.Mutex
	pending map[macKey][]uint64 // deletes to send
	gone    []goneSlice         // removed slices: flows to delete, then tags to free
	wakeup  chan struct{}
}

type goneSlice struct {
	id     string
	cookie uint64
}

func newTracker() *tracker {
	t := &tracker{pending: map[macKey][]uint64{}, wakeup: make(chan struct{}, 1)}
	for i := range t.shards {
		t.shards[i].macs = map[macKey][]uint64{}
	}
	return t
}

func (t *tracker) shard(k macKey) int {
	return int((k.cookie ^ k.mac.Uint64()) * 0x9e3779b97f4a7c15 >> 58)
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

func contains(set []uint64, all []uint64) bool {
	for _, dp := range all {
		if !slices.Contains(set, dp) {
			return false
		}
	}
	return true
}

// record notes flows of a slice (cookie) from src to dst on the switches
// dps. Flows between the same hosts are mostly known already: that costs
// a read lock.
func (t *tracker) record(cookie uint64, src, dst l2.MAC, dps []uint64) {
	for _, k := range [2]macKey{{cookie, src}, {cookie, dst}} {
		sh := &t.shards[t.shard(k)]
		sh.RLock()
		known := contains(sh.macs[k], dps)
		sh.RUnlock()
		if !known {
			sh.Lock()
			sh.macs[k] = union(sh.macs[k], dps)
			sh.Unlock()
		}
	}
}

// forget queues the deletes of a MAC's flows, if it has any.
func (t *tracker) forget(k macKey) {
	sh := &t.shards[t.shard(k)]
	sh.Lock()
	dps, ok := sh.macs[k]
	delete(sh.macs, k)
	sh.Unlock()
	if !ok {
		return
	}
	t.mu.Lock()
	t.pending[k] = union(t.pending[k], dps)
	t.mu.Unlock()
	t.wake()
}

// queue queues the deletes of a MAC's flows on switch dp.
func (t *tracker) queue(k macKey, dp uint64) {
	t.mu.Lock()
	t.pending[k] = union(t.pending[k], []uint64{dp})
	t.mu.Unlock()
	t.wake()
}

// slicesGone queues, for every slice with a transport tag or in ids that
// fabric no longer has, the deletes of its flows and the return of its
// tag.
func (t *tracker) slicesGone(fabric *l2.Fabric, ids []string) {
	exists := map[string]bool{}
	for _, id := range fabric.Slices() {
		exists[id] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		if !exists[id] {
			t.gone = append(t.gone, goneSlice{id: id, cookie: sliceCookie(id)})
		}
	}
}

// reset forgets every flow: they were all deleted.
func (t *tracker) reset() {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.Lock()
		clear(sh.macs)
		sh.Unlock()
	}
	t.mu.Lock()
	clear(t.pending)
	t.mu.Unlock()
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

// FabricEvent is the fabric's event sink (l2.Options.Events), which New
// installs: when a MAC moves or is forgotten, the flows to and from it
// are deleted. It only queues the deletes (Run sends them), so it never
// waits on a switch.
//
// When the policy of a MAC's port changes, its flows go too, and the drop
// flows for its sources on that port's switch: what the old policy
// allowed or forbade is decided again.
func (a *App) FabricEvent(ev l2.Event) {
	switch ev.Kind {
	case l2.Moved, l2.Expired, l2.Evicted, l2.Removed:
	case l2.PolicyChanged:
		a.flows.queue(macKey{cookieDrop, ev.MAC}, uint64(ev.Location.Datapath))
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
		// A slice goes rarely: every switch hears of it.
		tag := a.tags.lookup(g.id)
		for _, s := range a.switchList() {
			a.sendOther(s, s.d.deleteSlice(g.cookie, tag))
			a.stats.deletes.Add(1)
		}
		a.tags.put(g.id)
	}
}
