package bolt

import (
	"bytes"
	"testing"

	"github.com/netslice/netslice/store"
)

// FuzzDecodeEvent: the change-log decoder never panics on a corrupt
// record, and what it accepts re-encodes to the same bytes.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(encodeEvent(store.Event{Type: store.EventPut, KV: store.KV{Key: "tenants/a", Value: []byte("{}"), CreateRevision: 1, ModRevision: 2, Version: 2}}))
	f.Add(encodeEvent(store.Event{Type: store.EventDelete, KV: store.KV{Key: "k", ModRevision: 9}}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := decodeEvent(b)
		if err != nil {
			return
		}
		if ev.Type == store.EventPut {
			if again := encodeEvent(ev); !bytes.Equal(again, b) {
				t.Fatalf("re-encoding %x gave %x", b, again)
			}
		}
	})
}
