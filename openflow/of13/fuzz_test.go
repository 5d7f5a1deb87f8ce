package of13_test

import (
	"bytes"
	"testing"

	"github.com/netslice/netslice/openflow/of13"
)

// FuzzDecode: no input panics or reads past its bytes; an accepted message
// re-encodes, and the re-encoding is a fixed point (decodes to a message
// that encodes to the same bytes). Seeds: a message of every type.
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
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := of13.Decode(b)
		if err != nil {
			return
		}
		once, err := m.MarshalBinary()
		if err != nil {
			// Decoded values the encoder refuses: only a match the
			// specification forbids (the decoder checks structure, the
			// encoder meaning).
			return
		}
		m2, err := of13.Decode(once)
		if err != nil {
			t.Fatalf("re-encoding of %x does not decode: %v\n%x", b, err, once)
		}
		twice, err := m2.MarshalBinary()
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("re-encoding is not stable: %x then %x (%v)", once, twice, err)
		}
	})
}
