package neutron

import "math/bits"

// bitTree is a set of n bits with a summary above them: level 0 is the
// bits, and bit j of level i+1 is set when word j of level i is all ones.
// Finding the first clear bit at or after a position walks up until a
// summary word has a clear bit and back down: O(log64 n) words, about
// four for 2^24 bits, however full the set is.
type bitTree struct {
	n      uint64
	levels [][]uint64
	ones   uint64
}

func newBitTree(n uint64) *bitTree {
	t := &bitTree{n: n}
	size := n
	for {
		words := (size + 63) / 64
		t.levels = append(t.levels, make([]uint64, words))
		if words == 1 {
			break
		}
		size = words
	}
	// Bits past n in the last word of each level count as set, so they are
	// never found free and full words summarize right.
	size = n
	for i := range t.levels {
		if r := size % 64; r != 0 {
			lvl := t.levels[i]
			lvl[len(lvl)-1] |= ^uint64(0) << r
		}
		size = (size + 63) / 64
	}
	// A level whose last word is now full marks itself above.
	for i := 0; i+1 < len(t.levels); i++ {
		w := uint64(len(t.levels[i]) - 1)
		if t.levels[i][w] == ^uint64(0) {
			t.levels[i+1][w/64] |= 1 << (w % 64)
		}
	}
	return t
}

func (t *bitTree) test(i uint64) bool { return t.levels[0][i/64]&(1<<(i%64)) != 0 }

// set sets bit i and reports whether it was clear.
func (t *bitTree) set(i uint64) bool {
	if t.test(i) {
		return false
	}
	t.ones++
	for l := 0; l < len(t.levels); l++ {
		w := &t.levels[l][i/64]
		*w |= 1 << (i % 64)
		if *w != ^uint64(0) {
			break
		}
		i /= 64
	}
	return true
}

// clear clears bit i and reports whether it was set.
func (t *bitTree) clear(i uint64) bool {
	if !t.test(i) {
		return false
	}
	t.ones--
	for l := 0; l < len(t.levels); l++ {
		w := &t.levels[l][i/64]
		full := *w == ^uint64(0)
		*w &^= 1 << (i % 64)
		if !full {
			break
		}
		i /= 64
	}
	return true
}

// next returns the first clear bit at or after from, wrapping around to
// the start; ok is false when every bit is set.
func (t *bitTree) next(from uint64) (uint64, bool) {
	if t.ones >= t.n {
		return 0, false
	}
	if from >= t.n {
		from = 0
	}
	if i, ok := t.nextFrom(from); ok {
		return i, true
	}
	return t.nextFrom(0)
}

func (t *bitTree) nextFrom(from uint64) (uint64, bool) {
	// Climb: at each level look for a clear bit after the position within
	// its word; when there is none, go up to the next word.
	i := from
	l := 0
	for {
		lvl := t.levels[l]
		w := i / 64
		if w >= uint64(len(lvl)) {
			return 0, false
		}
		free := ^lvl[w] &^ (1<<(i%64) - 1) // clear bits at or after i
		if free != 0 {
			i = w*64 + uint64(bits.TrailingZeros64(free))
			break
		}
		if l+1 == len(t.levels) {
			return 0, false
		}
		i = w + 1 // the next word, one level up
		l++
	}
	// Descend: a clear bit at level l names a word below with a clear bit.
	for l > 0 {
		l--
		w := i
		i = w*64 + uint64(bits.TrailingZeros64(^t.levels[l][w]))
	}
	return i, i < t.n
}
