package l2

import (
	"sync"
	"sync/atomic"
)

// The location table interns the fabric's locations, so that a learned
// entry holds a 32-bit index instead of a 16-byte Location. It is bounded
// (Options.MaxLocations) and shrinks: every holder of an index — a port
// binding, a learned or static entry — holds a reference, and an index
// whose last reference goes is reused for the next new location.
//
// Storage is a fixed directory of chunks allocated as they are first
// needed, so a new location never copies the table and a reader never
// waits: get is two dependent loads and takes no lock. A reader that
// resolves an index it read from a slot must validate the slot's sequence
// count afterwards (the index may have been released and reused in
// between); the entries are read with atomic loads so such a read is never
// a data race, only a value to throw away.

const (
	locChunkBits = 10
	locChunkSize = 1 << locChunkBits
	locChunkMask = locChunkSize - 1

	// noLoc is the index of no location (a frame's ingress that has none
	// yet).
	noLoc = ^uint32(0)

	// DefaultMaxLocations bounds the locations the fabric tracks: bound
	// ports plus the places network-attached MACs were seen.
	DefaultMaxLocations = 1 << 20
)

type locChunk struct {
	ents [locChunkSize]locEntry
	refs [locChunkSize]atomic.Int32
}

// locEntry is a location as portKey packs it: one cache line holds four.
type locEntry struct {
	dp, pv atomic.Uint64
}

type locTable struct {
	mu   sync.Mutex // guards idx, free, next and chunk allocation
	idx  map[Location]uint32
	free []uint32
	next uint32 // indices below next have been handed out
	dir  []atomic.Pointer[locChunk]
	max  uint32
	live atomic.Int64 // indices in use
}

func (lt *locTable) init(max int) {
	if max <= 0 {
		max = DefaultMaxLocations
	}
	max = min(max, int(noLoc-1))
	lt.max = uint32(max)
	lt.dir = make([]atomic.Pointer[locChunk], (max+locChunkSize-1)/locChunkSize)
	lt.idx = make(map[Location]uint32)
}

func (lt *locTable) chunk(i uint32) *locChunk { return lt.dir[i>>locChunkBits].Load() }

// get returns the location at index i, which the caller holds a
// reference to (or validates afterwards).
func (lt *locTable) get(i uint32) Location {
	e := &lt.chunk(i).ents[i&locChunkMask]
	dp, pv := e.dp.Load(), e.pv.Load()
	return Location{Datapath: DatapathID(dp), Port: Port(pv >> 16), VLAN: VLAN(pv)}
}

// acquire returns loc's index with a reference for the caller, adding loc
// when it is new; ok is false when the table is full.
func (lt *locTable) acquire(loc Location) (i uint32, ok bool) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if i, ok := lt.idx[loc]; ok {
		lt.chunk(i).refs[i&locChunkMask].Add(1)
		return i, true
	}
	if n := len(lt.free); n > 0 {
		i = lt.free[n-1]
		lt.free = lt.free[:n-1]
	} else {
		if lt.next >= lt.max {
			return noLoc, false
		}
		i = lt.next
		lt.next++
		if lt.dir[i>>locChunkBits].Load() == nil {
			lt.dir[i>>locChunkBits].Store(new(locChunk))
		}
	}
	c, k := lt.chunk(i), i&locChunkMask
	dp, pv := portKey(loc)
	c.ents[k].dp.Store(dp)
	c.ents[k].pv.Store(pv)
	c.refs[k].Store(1)
	lt.idx[loc] = i
	lt.live.Add(1)
	return i, true
}

// hold adds a reference to i; the caller must already hold one (or know
// one is held while it calls).
func (lt *locTable) hold(i uint32) { lt.chunk(i).refs[i&locChunkMask].Add(1) }

// release drops a reference to i, freeing the index with its last one.
func (lt *locTable) release(i uint32) {
	c, k := lt.chunk(i), i&locChunkMask
	if c.refs[k].Add(-1) != 0 {
		return
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	// Someone may have acquired it again meanwhile, or freed it already.
	loc := lt.get(i)
	if j, ok := lt.idx[loc]; !ok || j != i || c.refs[k].Load() != 0 {
		return
	}
	delete(lt.idx, loc)
	lt.free = append(lt.free, i)
	lt.live.Add(-1)
}

// refs returns i's reference count, for tests.
func (lt *locTable) refs(i uint32) int32 { return lt.chunk(i).refs[i&locChunkMask].Load() }

// indicesOn returns the indices of the locations on switch port p.
func (lt *locTable) indicesOn(p PortRef) map[uint32]struct{} {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	out := map[uint32]struct{}{}
	for loc, i := range lt.idx {
		if loc.PortRef() == p {
			out[i] = struct{}{}
		}
	}
	return out
}
