package neutron

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBitTreeAgainstModel compares the tree with a plain slice of bools
// under random sets, clears and searches, across sizes that do and do not
// fill their words.
func TestBitTreeAgainstModel(t *testing.T) {
	for _, n := range []uint64{1, 63, 64, 65, 4095, 4096, 4097, 262145} {
		bt := newBitTree(n)
		model := make([]bool, n)
		r := rand.New(rand.NewPCG(n, 1))
		for range 5000 {
			i := r.Uint64N(n)
			switch r.IntN(3) {
			case 0:
				assert.Equal(t, !model[i], bt.set(i))
				model[i] = true
			case 1:
				assert.Equal(t, model[i], bt.clear(i))
				model[i] = false
			}
			got, ok := bt.next(i)
			want, wantOK := uint64(0), false
			for k := range n {
				j := (i + k) % n
				if !model[j] {
					want, wantOK = j, true
					break
				}
			}
			require.Equal(t, wantOK, ok, "n=%d from %d", n, i)
			require.Equal(t, want, got, "n=%d from %d", n, i)
		}
	}
}

func TestBitTreeFull(t *testing.T) {
	bt := newBitTree(130)
	for i := range uint64(130) {
		require.True(t, bt.set(i))
	}
	_, ok := bt.next(7)
	assert.False(t, ok)
	bt.clear(129)
	i, ok := bt.next(0)
	assert.True(t, ok)
	assert.EqualValues(t, 129, i)
}
