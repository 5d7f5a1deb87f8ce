package l2

import (
	"slices"
	"sync"
	"sync/atomic"
)

// The learning tables of all slices are one table keyed by (slice, MAC):
// open addressing with linear probing and 32-byte slots held inline, split
// into numShards shards, each with its own lock. A MAC's shard and home
// slot come from the MAC alone, so Decide can start loading the slots of
// a frame's source and destination before it knows their slice (the port
// lookup that tells it runs while those loads are in flight): a random
// decision in a large fabric waits for the misses of its two slots, which
// overlap, not for the port's binding, then the slice, then its table. The same MAC in two
// slices takes two slots on the same probe run; the slot's slice number
// tells them apart. Capacity is not a power of two (the home slot comes
// from a multiply-shift range reduction), so a shard grows by a quarter at
// a time and keeps 0.6–0.75 of its slots in use.
//
// Each slice ages its own dynamic entries on a timing wheel of wheelSize
// buckets (see entries): each bucket is an array of the MACs whose
// deadline (last seen plus the aging time) falls due in it, and a slot
// knows its bucket and position, so taking it off is a swap with the
// bucket's last. Arrays rather than linked lists, because walking a
// bucket then loads its slots independently of each other: the cache
// misses of a large table overlap instead of queueing. Refreshing an entry
// only updates its last-seen time; the wheel is corrected lazily when a
// bucket falls due (an entry seen since is moved to the bucket of its new
// deadline), so aging costs what expires plus at most one move per entry
// per aging period, never a scan of the table. The oldest bucket's head is
// the least recently seen entry to within a bucket's width, which is what
// eviction takes. The wheel holds MACs, not slot indices, so one slice's
// writer shifting slots never touches another slice's wheel.
//
// Concurrency: a shard's writers hold its mutex and bump its sequence
// count around every change that moves a slot or changes its key or
// location (a refresh of the last-seen time alone does not); readers
// (Decide's fast path) take no lock, read key, slice, loc and seen with
// atomic loads through the published slots pointer, and retry when the
// sequence moved. So those four are written with atomic stores once a
// slots array is published; age and wpos are the writers' alone. A slice's
// wheel and the wpos of its slots change only with the slice's lock held,
// which is taken before any shard lock; no code holds two shard locks.

const (
	wheelSize   = 64 // buckets; the wheel spans twice the aging time
	wheelPeriod = 32 // buckets per aging time

	flagUsed   = 1
	flagStatic = 2

	shardBits = 6
	numShards = 1 << shardBits

	// A slot's wpos is its wheel bucket and its position in that bucket
	// (a bucket holds at most 2^26 MACs: a slice's entries due within one
	// 32nd of the aging time).
	posBits  = 26
	posMask  = 1<<posBits - 1
	offWheel = ^uint32(0) // the wpos of a slot on no bucket

	maxAge = ^uint32(0)

	minShardSlots = 8
)

type slot struct {
	key   uint64 // mac<<16 | flags; 0 is an empty slot (atomic)
	seen  int64  // last seen, Unix ns (atomic)
	loc   uint32 // index into the fabric's location table (atomic)
	slice uint32 // the number of the slice it belongs to (atomic)
	age   uint32 // ms from learning (or the last move) to seen, saturating
	wpos  uint32 // bucket<<posBits | position on its slice's wheel, or offWheel
}

func (s *slot) mac() uint64  { return s.key >> 16 }
func (s *slot) static() bool { return s.key&flagStatic != 0 }

func hashMAC(mac uint64) uint64 { return mac * 0x9e3779b97f4a7c15 }

// shardOf is the shard of a MAC hashing to h; homeOf its home slot in a
// shard of n slots. They take different bits of the hash.
func shardOf(h uint64) int       { return int(h >> (64 - shardBits)) }
func homeOf(h uint64, n int) int { return int((h >> 20 & 0xffffffff) * uint64(n) >> 32) }

// table is the fabric's learning table: the shards, and the location
// table whose indices the slots hold.
type table struct {
	shards [numShards]shard
	locs   *locTable
}

type shard struct {
	// seq is odd while a writer changes slots; arr publishes them whole.
	seq   atomic.Uint64
	arr   atomic.Pointer[[]slot]
	mu    sync.Mutex
	slots []slot
	n     int // used slots
}

func (t *table) init(locs *locTable) {
	t.locs = locs
	for i := range t.shards {
		t.shards[i].resize(minShardSlots)
	}
}

func (t *table) shard(mac uint64) *shard { return &t.shards[shardOf(hashMAC(mac))] }

// lock and unlock bracket a change readers must not see half done.
func (sh *shard) lock() {
	sh.mu.Lock()
	sh.seq.Add(1)
}

func (sh *shard) unlock() {
	sh.seq.Add(1)
	sh.mu.Unlock()
}

// put writes all of s into slot i of a published array.
func (sh *shard) put(i int, s slot) {
	d := &sh.slots[i]
	atomic.StoreUint64(&d.key, s.key)
	atomic.StoreInt64(&d.seen, s.seen)
	atomic.StoreUint32(&d.loc, s.loc)
	atomic.StoreUint32(&d.slice, s.slice)
	d.age, d.wpos = s.age, s.wpos
}

// find returns the slot index of mac in slice num, or -1.
func (sh *shard) find(num uint32, mac uint64) int {
	n := len(sh.slots)
	i := homeOf(hashMAC(mac), n)
	for {
		s := &sh.slots[i]
		if s.key == 0 {
			return -1
		}
		if s.key>>16 == mac && s.slice == num {
			return i
		}
		if i++; i == n {
			i = 0
		}
	}
}

// probeShared is find for readers without the lock, from a precomputed
// home slot: it loads atomically and gives up after a full lap, as a
// concurrent writer may be shifting entries. The caller validates the
// sequence count afterwards.
func probeShared(slots []slot, i int, num uint32, mac uint64) int {
	n := len(slots)
	for range n {
		k := atomic.LoadUint64(&slots[i].key)
		if k == 0 {
			return -1
		}
		if k>>16 == mac && atomic.LoadUint32(&slots[i].slice) == num {
			return i
		}
		if i++; i == n {
			i = 0
		}
	}
	return -1
}

// touch loads the home slot of mac, so that a lookup soon after finds it
// in the cache.
func (t *table) touch(mac uint64) {
	h := hashMAC(mac)
	slots := *t.shards[shardOf(h)].arr.Load()
	i := homeOf(h, len(slots))
	_ = atomic.LoadUint64(&slots[i].key)
}

// insert adds s, whose MAC must be absent from its slice, and returns its
// slot. Called with the shard locked.
func (sh *shard) insert(s slot) int {
	if (sh.n+1)*4 > len(sh.slots)*3 {
		sh.resize((sh.n + 1) * 5 / 3)
	}
	n := len(sh.slots)
	i := homeOf(hashMAC(s.mac()), n)
	for sh.slots[i].key != 0 {
		if i++; i == n {
			i = 0
		}
	}
	sh.put(i, s)
	sh.n++
	return i
}

// removeAt empties slot i and closes the gap by shifting later members of
// its probe run back (so no tombstones are needed). Called with the shard
// locked.
func (sh *shard) removeAt(i int) {
	n := len(sh.slots)
	j := i
	for {
		if j++; j == n {
			j = 0
		}
		if sh.slots[j].key == 0 {
			break
		}
		k := homeOf(hashMAC(sh.slots[j].mac()), n)
		// Slot j may stay if its home lies cyclically in (i, j].
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		sh.put(i, sh.slots[j])
		i = j
	}
	sh.put(i, slot{})
	sh.n--
	if n > 8*minShardSlots && sh.n*4 < n {
		sh.resize(sh.n * 5 / 3)
	}
}

// resize rehashes into capacity c (at least n+1 and minShardSlots).
func (sh *shard) resize(c int) {
	c = max(c, sh.n+1, minShardSlots)
	old := sh.slots
	sh.slots = make([]slot, c)
	adviseHuge(sh.slots)
	for i := range old {
		s := &old[i]
		if s.key == 0 {
			continue
		}
		j := homeOf(hashMAC(s.mac()), c)
		for sh.slots[j].key != 0 {
			if j++; j == c {
				j = 0
			}
		}
		sh.slots[j] = *s
	}
	// Built privately, published whole: readers see the old array or this.
	slots := sh.slots
	sh.arr.Store(&slots)
}

// entries is one slice's part of the table: its slots carry num; its
// dynamic entries are on its wheel, its static ones in statics. Every
// method is called with the slice's lock held.
type entries struct {
	t       *table
	num     uint32
	wheel   [wheelSize][]uint64 // MACs, in the order they were scheduled
	spare   []uint64            // a bucket's array, kept for reuse
	byShard []uint64            // expire's scratch: a bucket's MACs by shard
	cursor  int64               // the last bucket time (deadline / width) fully processed
	dyn     int                 // dynamic entries, all on the wheel
	statics map[uint64]struct{}
}

func (e *entries) init(t *table, num uint32, now, width int64) {
	e.t, e.num = t, num
	e.cursor = now/width - 1
}

// n is the number of entries.
func (e *entries) n() int { return e.dyn + len(e.statics) }

// get returns a copy of mac's slot.
func (e *entries) get(mac uint64) (slot, bool) {
	sh := e.t.shard(mac)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i := sh.find(e.num, mac); i >= 0 {
		return sh.slots[i], true
	}
	return slot{}, false
}

// location resolves a slot's location (the zero Location for none).
func (e *entries) location(s *slot) Location {
	if s.loc != noLoc {
		return e.t.locs.get(s.loc)
	}
	return Location{}
}

// refresh records that mac, a dynamic entry, was seen now.
func (e *entries) refresh(mac uint64, now int64) {
	sh := e.t.shard(mac)
	sh.mu.Lock() // readers may see the new time at once: no sequence bump
	if i := sh.find(e.num, mac); i >= 0 {
		s := &sh.slots[i]
		addAge(s, now)
		atomic.StoreInt64(&s.seen, now)
	}
	sh.mu.Unlock()
}

// move puts mac, a dynamic entry, at loc (whose reference it takes over)
// as seen now, and returns the location index it held (whose reference
// goes to the caller).
func (e *entries) move(mac uint64, loc uint32, now int64) uint32 {
	sh := e.t.shard(mac)
	sh.lock()
	defer sh.unlock()
	i := sh.find(e.num, mac)
	s := &sh.slots[i]
	old := s.loc
	atomic.StoreUint32(&s.loc, loc)
	atomic.StoreInt64(&s.seen, now)
	s.age = 0
	return old
}

// learn adds mac, which must be absent, as a dynamic entry at loc (whose
// reference it takes over) seen now.
func (e *entries) learn(mac uint64, loc uint32, now, aging, width int64) {
	b := bucketAt(now, aging, width, e.cursor+1)
	sh := e.t.shard(mac)
	sh.lock()
	sh.insert(slot{key: mac<<16 | flagUsed, seen: now, loc: loc, slice: e.num, wpos: uint32(b)<<posBits | uint32(len(e.wheel[b]))})
	sh.unlock()
	e.wheel[b] = append(e.wheel[b], mac)
	e.dyn++
}

// setStatic makes mac a static entry at loc (a reference the caller holds
// for it), adding it or converting a dynamic one, and returns the slot as
// it was (ok false: it was absent). The reference the old slot held goes
// to the caller.
func (e *entries) setStatic(mac uint64, loc uint32) (old slot, ok bool) {
	old, ok = e.get(mac)
	if ok && !old.static() {
		e.unlink(mac, old.wpos)
		e.dyn--
	}
	sh := e.t.shard(mac)
	sh.lock()
	s := slot{key: mac<<16 | flagUsed | flagStatic, loc: loc, slice: e.num, wpos: offWheel}
	if i := sh.find(e.num, mac); i >= 0 {
		sh.put(i, s)
	} else {
		sh.insert(s)
	}
	sh.unlock()
	if e.statics == nil {
		e.statics = map[uint64]struct{}{}
	}
	e.statics[mac] = struct{}{}
	return old, ok
}

// remove takes mac out and returns its slot, whose location reference goes
// to the caller.
func (e *entries) remove(mac uint64) (slot, bool) {
	s, ok := e.get(mac)
	if !ok {
		return s, false
	}
	if s.static() {
		delete(e.statics, mac)
	} else {
		e.unlink(mac, s.wpos)
		e.dyn--
	}
	sh := e.t.shard(mac)
	sh.lock()
	sh.removeAt(sh.find(e.num, mac))
	sh.unlock()
	return s, true
}

// setWpos records mac's place on the wheel in its slot.
func (e *entries) setWpos(mac uint64, wpos uint32) {
	sh := e.t.shard(mac)
	sh.mu.Lock() // readers never look at wpos
	sh.slots[sh.find(e.num, mac)].wpos = wpos
	sh.mu.Unlock()
}

// unlink takes mac off the wheel bucket wpos names (the bucket's last
// takes its place).
func (e *entries) unlink(mac uint64, wpos uint32) {
	if wpos == offWheel {
		return
	}
	b, pos := wpos>>posBits, wpos&posMask
	w := e.wheel[b]
	last := w[len(w)-1]
	w[pos] = last
	e.wheel[b] = w[:len(w)-1]
	if last != mac {
		e.setWpos(last, wpos)
	}
}

// schedule puts dynamic mac, last seen at seen, on the bucket of its
// deadline, or the first unprocessed one if that has passed.
func (e *entries) schedule(mac uint64, seen, aging, width int64) {
	b := bucketAt(seen, aging, width, e.cursor+1)
	e.setWpos(mac, uint32(b)<<posBits|uint32(len(e.wheel[b])))
	e.wheel[b] = append(e.wheel[b], mac)
}

// bucketTime is the wheel time (deadline / width) of a slot's deadline.
func bucketTime(seen, aging, width int64) int64 { return (seen + aging) / width }

// bucketAt is the bucket an entry last seen at seen goes on: its
// deadline's, or the bucket of wheel time first if that is later.
func bucketAt(seen, aging, width, first int64) int {
	return int(max(bucketTime(seen, aging, width), first) % wheelSize)
}

// addAge advances a slot's time-since-learning by the time since it was
// last seen, saturating.
func addAge(s *slot, now int64) {
	d := (now - s.seen) / 1e6
	if d <= 0 {
		return
	}
	if a := int64(s.age) + d; a < int64(maxAge) {
		s.age = uint32(a)
	} else {
		s.age = maxAge
	}
}

// expired is one entry that aging removed, for the event.
type expired struct {
	mac uint64
	loc Location
	idx uint32 // loc's index, while expire holds its reference
}

// expire processes the buckets that fell due by now: entries not seen for
// the aging time are removed and appended to out; entries seen since they
// were scheduled move to their new deadline's bucket.
func (e *entries) expire(now, aging, width int64, out []expired) []expired {
	last := now/width - 1 // the last bucket time fully in the past
	if last <= e.cursor {
		return out
	}
	first := max(e.cursor+1, last-wheelSize+1) // each bucket once
	for bt := first; bt <= last; bt++ {
		b := int(bt % wheelSize)
		due := e.wheel[b]
		e.wheel[b], e.spare = e.spare[:0], nil
		start := len(out)
		if len(due) < 2*numShards {
			// Few: one lock each.
			for k := range due {
				out = e.expireIn(e.t.shard(due[k]), due[k:k+1], now, aging, width, last, out)
			}
		} else {
			// Many: grouped by shard, each shard locked once for all its
			// MACs.
			var at [numShards + 1]int
			for _, mac := range due {
				at[shardOf(hashMAC(mac))+1]++
			}
			for k := 1; k <= numShards; k++ {
				at[k] += at[k-1]
			}
			e.byShard = slices.Grow(e.byShard[:0], len(due))[:len(due)]
			next := at
			for _, mac := range due {
				k := shardOf(hashMAC(mac))
				e.byShard[next[k]] = mac
				next[k]++
			}
			for k := range numShards {
				if at[k] < at[k+1] {
					out = e.expireIn(&e.t.shards[k], e.byShard[at[k]:at[k+1]], now, aging, width, last, out)
				}
			}
		}
		for j := start; j < len(out); j++ {
			x := &out[j]
			x.loc = e.t.locs.get(x.idx)
			e.t.locs.release(x.idx)
		}
		if e.spare == nil || cap(due) > cap(e.spare) {
			e.spare = due[:0]
		}
	}
	e.cursor = last
	return out
}

// expireIn expires or reschedules the due MACs of shard sh (see expire),
// their slots' loads independent of each other, so that their cache
// misses overlap. The expired keep their location references (idx).
func (e *entries) expireIn(sh *shard, macs []uint64, now, aging, width, last int64, out []expired) []expired {
	sh.lock()
	defer sh.unlock()
	for _, mac := range macs {
		i := sh.find(e.num, mac)
		s := &sh.slots[i]
		if s.seen+aging <= now {
			out = append(out, expired{mac: mac, idx: s.loc})
			sh.removeAt(i)
			e.dyn--
			continue
		}
		// Seen since: to the bucket of its new deadline, past last.
		nb := bucketAt(s.seen, aging, width, last+1)
		s.wpos = uint32(nb)<<posBits | uint32(len(e.wheel[nb]))
		e.wheel[nb] = append(e.wheel[nb], mac)
	}
	return out
}

// oldest returns the least recently seen dynamic entry (to within a
// bucket's width).
func (e *entries) oldest(aging, width int64) (uint64, bool) {
	if e.dyn == 0 {
		return 0, false
	}
	for bt := e.cursor + 1; bt <= e.cursor+wheelSize; bt++ {
		b := int(bt % wheelSize)
		for len(e.wheel[b]) > 0 {
			mac := e.wheel[b][0]
			s, _ := e.get(mac)
			due := bucketTime(s.seen, aging, width)
			if due <= bt || due%wheelSize == int64(b) {
				return mac, true
			}
			// Seen since it was scheduled: move it on, lazily.
			e.unlink(mac, s.wpos)
			e.schedule(mac, s.seen, aging, width)
		}
	}
	for _, w := range e.wheel {
		if len(w) > 0 {
			return w[0], true
		}
	}
	return 0, false
}

// macs returns the slice's MACs, static and dynamic, in no order.
func (e *entries) macs() []uint64 {
	out := make([]uint64, 0, e.n())
	for mac := range e.statics {
		out = append(out, mac)
	}
	for _, w := range e.wheel {
		out = append(out, w...)
	}
	return out
}
