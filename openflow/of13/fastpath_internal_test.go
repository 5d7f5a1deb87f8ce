package of13

import (
	"reflect"
	"testing"
)

// FuzzPacketInFastPath: whatever the fast path accepts, the general decoder
// accepts too, with the same result.
func FuzzPacketInFastPath(f *testing.F) {
	for _, m := range []*PacketIn{
		{BufferID: NoBuffer, TotalLen: 64, Match: NewMatch(InPort(3)), Data: make([]byte, 64)},
		{Match: NewMatch(InPort(1), Metadata(5, 0xff), TunnelID(9, ^uint64(0)))},
		{Match: NewMatch(NewField(ClassExperimenter, 3, []byte{0, 0, 0x23, 0x20, 1, 2}, nil))},
		{Match: NewMatch(NewField(ClassExperimenter, 4, make([]byte, 40), nil))},
	} {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow PacketIn
		if !fast.decodeFast(b) {
			return
		}
		if err := slow.decode(b); err != nil {
			t.Fatalf("fast path accepted %x, general decoder says %v", b, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast %+v\nslow %+v", fast, slow)
		}
	})
}
