package of13_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/netslice/netslice/openflow/of13"
)

// FuzzDecode: no input panics or reads past its bytes; an accepted message
// re-encodes without error, and the re-encoding is a fixed point (decodes
// to a message that encodes to the same bytes). Seeds: a message of every
// type, and matches that break prerequisites.
func FuzzDecode(f *testing.F) {
	for _, g := range goldens() {
		if b, err := g.msg.MarshalBinary(); err == nil {
			f.Add(b)
		}
	}
	for _, m := range extras() {
		if b, err := m.MarshalBinary(); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkLossless(t, b) })
}

// checkLossless: if b decodes, it re-encodes without error, and the
// re-encoding is a fixed point.
func checkLossless(t *testing.T, b []byte) {
	t.Helper()
	m, err := of13.Decode(b)
	if err != nil {
		return
	}
	once, err := m.MarshalBinary()
	if err != nil {
		// Whatever decodes encodes: a match breaking a prerequisite
		// included (Validate is where that is checked).
		t.Fatalf("decoded %x does not re-encode: %v", b, err)
	}
	m2, err := of13.Decode(once)
	if err != nil {
		t.Fatalf("re-encoding of %x does not decode: %v\n%x", b, err, once)
	}
	// The length decoded is the input's; the rest must be the same.
	m.Head().Length, m2.Head().Length = 0, 0
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("decode(encode(decode(b))) differs from decode(b): %x\n%#v\n%#v", b, m, m2)
	}
	twice, err := m2.MarshalBinary()
	if err != nil || !bytes.Equal(once, twice) {
		t.Fatalf("re-encoding is not stable: %x then %x (%v)", once, twice, err)
	}
}

// TestLosslessMutations is the fuzz target's property over many seeded
// mutations of every seed (bytes of the match region mostly: OXM types,
// mask bits, lengths), so every run checks it, not only fuzzing.
func TestLosslessMutations(t *testing.T) {
	var seeds [][]byte
	for _, g := range goldens() {
		if b, err := g.msg.MarshalBinary(); err == nil {
			seeds = append(seeds, b)
		}
	}
	for _, m := range extras() {
		if b, err := m.MarshalBinary(); err == nil {
			seeds = append(seeds, b)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	decoded := 0
	for i := range 50000 {
		b := bytes.Clone(seeds[i%len(seeds)])
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
		}
		if _, err := of13.Decode(b); err == nil {
			decoded++
		}
		checkLossless(t, b)
	}
	t.Logf("%d of 50000 mutations decoded, each re-encoded", decoded)
}
