package l2

import "sync/atomic"

// The learning table of one slice: MAC → (location, last seen), in an open
// addressing hash table with linear probing and 32-byte slots held inline,
// so a lookup touches one cache line; capacity is not a power of two (the
// home slot comes from a multiply-shift range reduction), so the table grows
// by a quarter at a time and keeps 0.6–0.75 of its slots in use, well under
// 64 bytes an entry.
//
// Dynamic entries are also on a timing wheel of wheelSize buckets, each an
// array of the slots whose deadline (last seen plus the aging time) falls
// due in it; a slot knows its bucket and position, so taking it off is a
// swap with the bucket's last. Arrays rather than linked lists, because
// walking a bucket then loads its slots independently of each other: the
// cache misses of a large table overlap instead of queueing. Refreshing an entry only updates its last-seen
// time; the wheel is corrected lazily when a bucket falls due (an entry
// seen since is moved to the bucket of its new deadline), so aging costs
// what expires plus at most one move per entry per aging period, never a
// scan of the table. The oldest bucket's head is the least recently seen
// entry to within a bucket's width, which is what eviction takes.
//
// Concurrency: writers hold the slice's mutex and bump its sequence count
// around every change; readers (Decide's fast path) take no lock, read key,
// loc and seen with atomic loads through the published slots pointer, and
// retry when the sequence moved. So key, loc and seen are written with
// atomic stores once a slots array is published; age and the wheel links
// are the writers' alone.

const (
	wheelSize   = 64 // buckets; the wheel spans twice the aging time
	wheelPeriod = 32 // buckets per aging time

	flagUsed   = 1
	flagStatic = 2

	offWheel = ^uint32(0) // slot.bucket of a slot on no bucket

	maxAge = ^uint32(0)
)

type slot struct {
	key    uint64 // mac<<16 | flags; 0 is an empty slot (atomic)
	seen   int64  // last seen, Unix ns (atomic)
	loc    uint32 // index into the fabric's location table (atomic)
	age    uint32 // ms from learning (or the last move) to seen, saturating
	bucket uint32 // the wheel bucket the slot is on, or offWheel
	pos    uint32 // its position in that bucket
}

// put writes all of s into slot i of a published array.
func (t *table) put(i int, s slot) {
	d := &t.slots[i]
	atomic.StoreUint64(&d.key, s.key)
	atomic.StoreInt64(&d.seen, s.seen)
	atomic.StoreUint32(&d.loc, s.loc)
	d.age, d.bucket, d.pos = s.age, s.bucket, s.pos
}

func (t *table) setKey(i int, k uint64)  { atomic.StoreUint64(&t.slots[i].key, k) }
func (t *table) setSeen(i int, v int64)  { atomic.StoreInt64(&t.slots[i].seen, v) }
func (t *table) setLoc(i int, v uint32)  { atomic.StoreUint32(&t.slots[i].loc, v) }
func (t *table) addFlag(i int, f uint64) { t.setKey(i, t.slots[i].key|f) }

func (s *slot) mac() uint64  { return s.key >> 16 }
func (s *slot) static() bool { return s.key&flagStatic != 0 }

type table struct {
	// base and size publish slots to lock-free readers, who check the
	// slice's sequence count around reading the pair (see shared).
	base   atomic.Pointer[slot]
	size   atomic.Int64
	locs   *locTable // the fabric's: a slot's loc holds a reference
	slots  []slot
	n      int                 // used slots
	dyn    int                 // dynamic entries, all on the wheel
	wheel  [wheelSize][]uint32 // slot indices, in the order they were scheduled
	spare  []uint32            // a bucket's array, kept for reuse
	cursor int64               // the last bucket time (deadline / width) fully processed
}

func (t *table) init(now, width int64) {
	t.cursor = now/width - 1
}

func hashMAC(mac uint64) uint64 { return mac * 0x9e3779b97f4a7c15 }

// home is the slot where mac's probe sequence starts.
func (t *table) home(mac uint64) int { return homeOf(mac, len(t.slots)) }

// findShared is find for readers without the lock: it loads keys
// atomically and gives up after a full lap, as a concurrent writer may be
// shifting entries. The caller validates the sequence count afterwards.
func findShared(slots []slot, mac uint64) int {
	return probeShared(slots, homeOf(mac, len(slots)), mac)
}

// homeOf is the home slot of mac in a table of n slots (0 when n is 0).
func homeOf(mac uint64, n int) int { return int((hashMAC(mac) >> 32) * uint64(n) >> 32) }

// nextLine is the first slot of the cache line after slot i's (slots are
// 32 bytes, two to a line, and arrays start on a line).
func nextLine(i, n int) int {
	if j := i | 1 + 1; j < n {
		return j
	}
	return 0
}

// probeShared is findShared from a precomputed home slot.
func probeShared(slots []slot, i int, mac uint64) int {
	n := len(slots)
	if n == 0 {
		return -1
	}
	for range n {
		k := atomic.LoadUint64(&slots[i].key)
		if k == 0 {
			return -1
		}
		if k>>16 == mac {
			return i
		}
		if i++; i == n {
			i = 0
		}
	}
	return -1
}

// find returns mac's slot index, or -1.
func (t *table) find(mac uint64) int {
	if len(t.slots) == 0 {
		return -1
	}
	i := t.home(mac)
	for {
		s := &t.slots[i]
		if s.key == 0 {
			return -1
		}
		if s.key>>16 == mac {
			return i
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

// insert adds mac, which must be absent, and returns its slot. The caller
// fills the slot and links it when dynamic.
func (t *table) insert(mac uint64, flags uint64) int {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize((t.n + 1) * 5 / 3)
	}
	i := t.home(mac)
	for t.slots[i].key != 0 {
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	t.put(i, slot{key: mac<<16 | flags | flagUsed, loc: noLoc, bucket: offWheel})
	t.n++
	return i
}

// place sets slot i's location to loc, whose reference the slot takes
// over, releasing the one it held. The caller resolves the old location
// first if it needs it.
func (t *table) place(i int, loc uint32) {
	old := t.slots[i].loc
	t.setLoc(i, loc)
	if old != noLoc && t.locs != nil {
		t.locs.release(old)
	}
}

// location resolves slot i's location (the zero Location for none).
func (t *table) location(i int) Location {
	if l := t.slots[i].loc; l != noLoc && t.locs != nil {
		return t.locs.get(l)
	}
	return Location{}
}

// remove empties slot i, unlinking it, and closes the gap by shifting
// later members of its probe run back (so no tombstones are needed).
func (t *table) remove(i int) {
	if !t.slots[i].static() {
		t.unlink(i)
		t.dyn--
	}
	held := t.slots[i].loc
	n := len(t.slots)
	j := i
	for {
		if j++; j == n {
			j = 0
		}
		if t.slots[j].key == 0 {
			break
		}
		k := t.home(t.slots[j].mac())
		// Slot j may stay if its home lies cyclically in (i, j].
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		t.move(j, i)
		i = j
	}
	t.put(i, slot{})
	t.n--
	if held != noLoc && t.locs != nil {
		t.locs.release(held)
	}
}

// move copies slot from to slot to, repointing its wheel entry.
func (t *table) move(from, to int) {
	s := t.slots[from]
	t.put(to, s)
	if s.bucket != offWheel {
		t.wheel[s.bucket][s.pos] = uint32(to)
	}
}

// resize rehashes into capacity c (at least n+1 and 8).
func (t *table) resize(c int) {
	c = max(c, t.n+1, 8)
	old := t.slots
	t.slots = make([]slot, c)
	adviseHuge(t.slots)
	moved := make([]uint32, len(old))
	for i := range old {
		s := &old[i]
		if s.key == 0 {
			continue
		}
		j := t.home(s.mac())
		for t.slots[j].key != 0 {
			if j++; j == c {
				j = 0
			}
		}
		t.slots[j] = *s
		moved[i] = uint32(j)
	}
	for b := range t.wheel {
		for k, i := range t.wheel[b] {
			t.wheel[b][k] = moved[i]
		}
	}
	// Built privately, published whole: readers see the old array or this.
	t.base.Store(&t.slots[0])
	t.size.Store(int64(c))
}

// link appends dynamic slot i to bucket b.
func (t *table) link(i int, b int) {
	s := &t.slots[i]
	s.bucket, s.pos = uint32(b), uint32(len(t.wheel[b]))
	t.wheel[b] = append(t.wheel[b], uint32(i))
}

// unlink takes slot i off its bucket; a slot already off is left alone.
func (t *table) unlink(i int) {
	s := &t.slots[i]
	if s.bucket == offWheel {
		return
	}
	w := t.wheel[s.bucket]
	last := w[len(w)-1]
	w[s.pos] = last
	t.slots[last].pos = s.pos
	t.wheel[s.bucket] = w[:len(w)-1]
	s.bucket = offWheel
}

// bucketTime is the wheel time (deadline / width) of a slot's deadline.
func bucketTime(seen, aging, width int64) int64 { return (seen + aging) / width }

// schedule links dynamic slot i into the bucket of its deadline, or the
// first unprocessed one if that has passed.
func (t *table) schedule(i int, aging, width int64) {
	bt := max(bucketTime(t.slots[i].seen, aging, width), t.cursor+1)
	t.link(i, int(bt%wheelSize))
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
}

// expire processes the buckets that fell due by now: entries not seen for
// the aging time are removed and appended to out; entries seen since they
// were scheduled move to their new deadline's bucket.
func (t *table) expire(now, aging, width int64, out []expired) []expired {
	last := now/width - 1 // the last bucket time fully in the past
	if last <= t.cursor {
		return out
	}
	first := max(t.cursor+1, last-wheelSize+1) // each bucket once
	var again []int
	start := len(out)
	for bt := first; bt <= last; bt++ {
		b := int(bt % wheelSize)
		due := t.wheel[b]
		t.wheel[b], t.spare = t.spare[:0], nil
		// The slots of a bucket are independent loads: walking them in
		// array order lets their cache misses overlap.
		for _, i := range due {
			s := &t.slots[i]
			s.bucket = offWheel
			if s.seen+aging <= now {
				out = append(out, expired{s.mac(), t.location(int(i))})
				// Off the wheel and uncounted; removed below.
				t.addFlag(int(i), flagStatic)
				t.dyn--
			} else {
				again = append(again, int(i))
			}
		}
		if t.spare == nil || cap(due) > cap(t.spare) {
			t.spare = due[:0]
		}
	}
	t.cursor = last
	for _, i := range again {
		t.schedule(i, aging, width)
	}
	// Entries are removed only now, because removal shifts slots.
	for _, e := range out[start:] {
		t.remove(t.find(e.mac))
	}
	if len(t.slots) > 64 && t.n*4 < len(t.slots) {
		t.resize(t.n * 5 / 3)
	}
	return out
}

// oldest returns the least recently seen dynamic entry (to within a
// bucket's width), or -1 if there is none.
func (t *table) oldest(aging, width int64) int {
	if t.dyn == 0 {
		return -1
	}
	for bt := t.cursor + 1; bt <= t.cursor+wheelSize; bt++ {
		b := int(bt % wheelSize)
		for len(t.wheel[b]) > 0 {
			i := int(t.wheel[b][0])
			due := bucketTime(t.slots[i].seen, aging, width)
			if due <= bt || due%wheelSize == int64(b) {
				return i
			}
			// Seen since it was scheduled: move it on, lazily.
			t.unlink(i)
			t.schedule(i, aging, width)
		}
	}
	for _, w := range t.wheel {
		if len(w) > 0 {
			return int(w[0])
		}
	}
	return -1
}
