package of10_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/of10"
)

func extras() []of10.Message {
	return []of10.Message{
		&of10.FlowMod{Actions: []of10.Action{of10.VendorAction(of10.NiciraID, []byte{0, 1, 2, 3, 4, 5, 6, 7})}},
		&of10.Hello{Data: []byte{0, 1, 0, 8, 0, 0, 0, 0x12}},
		&of10.StatsReply{Body: of10.VendorStats{Vendor: 1, Data: []byte{1, 2, 3}}},
	}
}

func roundTrip(t *testing.T, m of10.Message) { t.Helper(); oftest.RoundTrip(t, m, of10.Decode) }

func TestRoundTrip(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) { roundTrip(t, g.msg) })
	}
	for _, m := range extras() {
		t.Run(reflect.TypeOf(m).Elem().Name(), func(t *testing.T) { roundTrip(t, m) })
	}
}

// TestRoundTripGenerated randomizes every number of every message type and
// round-trips the result.
func TestRoundTripGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	msgs := extras()
	for _, g := range goldens() {
		msgs = append(msgs, g.msg)
	}
	for i := range 3000 {
		m := msgs[i%len(msgs)]
		randomize(rng, reflect.ValueOf(m).Elem())
		roundTrip(t, m)
		if t.Failed() {
			t.Fatalf("generated message %d (%T) failed", i, m)
		}
	}
}

func randomize(rng *rand.Rand, v reflect.Value) {
	oftest.Randomize(rng, v, reflect.TypeFor[of10.Queue](), reflect.TypeFor[of10.ActionType]())
	oftest.Rewrite(v, canonicalAction) // what an action's type does not carry on the wire
}

func canonicalAction(a of10.Action) of10.Action {
	c := of10.Action{Type: a.Type}
	switch a.Type {
	case of10.ActionOutput:
		c.Port, c.MaxLen = a.Port, a.MaxLen
	case of10.ActionSetVLANVID:
		c.VID = a.VID
	case of10.ActionSetVLANPCP:
		c.PCP = a.PCP
	case of10.ActionSetDLSrc, of10.ActionSetDLDst:
		c.MAC = a.MAC
	case of10.ActionSetNWSrc, of10.ActionSetNWDst:
		c.IP = a.IP
	case of10.ActionSetNWTOS:
		c.TOS = a.TOS
	case of10.ActionSetTPSrc, of10.ActionSetTPDst:
		c.TPPort = a.TPPort
	case of10.ActionEnqueue:
		c.Port, c.QueueID = a.Port, a.QueueID
	case of10.ActionVendor:
		c.Vendor, c.Data = a.Vendor, a.Data
	}
	return c
}

func TestBadInput(t *testing.T) {
	flowMod, err := (&of10.FlowMod{Match: of10.MatchAll(), Actions: []of10.Action{of10.Output(2)}}).MarshalBinary()
	require.NoError(t, err)
	with := func(b []byte, at int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[at:], v)
		return c
	}
	tests := []struct {
		name       string
		b          []byte
		offset     int
		typ, code  uint16
		unexpected bool
	}{
		{"empty", nil, 0, 1, of10.BadRequestBadLen, true},
		{"wrong version", with(flowMod, 0, 0x04), 0, 1, of10.BadRequestBadVersion, false},
		{"unknown type", with(flowMod, 1, 30), 1, 1, of10.BadRequestBadType, false},
		{"length beyond the bytes", with(flowMod, 2, 0x01, 0x00), 2, 1, of10.BadRequestBadLen, false},
		{"truncated match", with(flowMod[:30], 2, 0, 30), 30, 1, of10.BadRequestBadLen, true},
		{"action misaligned", with(flowMod, 74, 0, 12), 72, uint16(of10.ErrorTypeBadAction), of10.BadActionBadLen, false},
		{"action unknown", with(flowMod, 72, 0, 77), 76, uint16(of10.ErrorTypeBadAction), of10.BadActionBadType, false},
		{"action wrong length", with(flowMod, 74, 0, 16), 72, uint16(of10.ErrorTypeBadAction), of10.BadActionBadLen, true},
		{"stats type unknown", with(mustMarshal(t, &of10.StatsRequest{Body: of10.DescRequest{}}), 8, 0, 9), 8, 1, of10.BadRequestBadStat, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := of10.Decode(tt.b)
			require.Error(t, err)
			var e *openflow.DecodeError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.offset, e.Offset, "offset: %v", err)
			assert.Equal(t, tt.typ, e.Type, "error type: %v", err)
			assert.Equal(t, tt.code, e.Code, "error code: %v", err)
			assert.Equal(t, tt.unexpected, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
		})
	}
}

func mustMarshal(t *testing.T, m of10.Message) []byte {
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	return b
}

func FuzzDecode(f *testing.F) {
	for _, g := range goldens() {
		if b, err := g.msg.MarshalBinary(); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := of10.Decode(b)
		if err != nil {
			return
		}
		once, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %x does not re-encode: %v", b, err)
		}
		m2, err := of10.Decode(once)
		if err != nil {
			t.Fatalf("re-encoding of %x does not decode: %v\n%x", b, err, once)
		}
		twice, err := m2.MarshalBinary()
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("re-encoding is not stable: %x then %x (%v)", once, twice, err)
		}
	})
}

func TestPacketInDoesNotAllocate(t *testing.T) {
	b := mustMarshal(t, &of10.PacketIn{BufferID: of10.NoBuffer, TotalLen: 64, InPort: 3, Data: make([]byte, 64)})
	var pi of10.PacketIn
	allocs := testing.AllocsPerRun(1000, func() {
		if err := pi.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	assert.Equal(t, uint16(3), pi.InPort)
}
