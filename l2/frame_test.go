package l2_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/mdlayher/ethernet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestFrameUnmarshal(t *testing.T) {
	dst, src := l2.MustParseMAC("ff:ff:ff:ff:ff:ff"), l2.MustParseMAC("00:1b:21:3a:4f:5c")
	tests := []struct {
		name    string
		hex     string
		vlan    l2.VLAN
		prio    uint8
		et      ethernet.EtherType
		payload string
		err     error
	}{
		{name: "untagged ARP",
			//   dst          src          type payload
			hex:  "ffffffffffff" + "001b213a4f5c" + "0806" + "0001",
			vlan: l2.Untagged, et: ethernet.EtherTypeARP, payload: "0001"},
		{name: "802.1Q vid 100 pcp 5",
			//                                   TPID TCI  type
			hex:  "ffffffffffff" + "001b213a4f5c" + "8100" + "a064" + "0800" + "45",
			vlan: 100, prio: 5, et: ethernet.EtherTypeIPv4, payload: "45"},
		{name: "802.1ad outer tag",
			hex:  "ffffffffffff" + "001b213a4f5c" + "88a8" + "0fff" + "8100" + "0001" + "0800",
			vlan: 4095, et: ethernet.EtherTypeVLAN, payload: "00010800"},
		{name: "0x9100 is no tag to a switch",
			hex:  "ffffffffffff" + "001b213a4f5c" + "9100" + "000a" + "0800",
			vlan: l2.Untagged, et: 0x9100, payload: "000a0800"},
		{name: "vid 0 priority tag",
			hex:  "ffffffffffff" + "001b213a4f5c" + "8100" + "2000" + "86dd",
			vlan: 0, prio: 1, et: ethernet.EtherTypeIPv6, payload: ""},
		{name: "802.3 length within frame",
			hex:  "ffffffffffff" + "001b213a4f5c" + "0003" + "424203",
			vlan: l2.Untagged, et: 3, payload: "424203"},
		{name: "802.3 length beyond frame", hex: "ffffffffffff" + "001b213a4f5c" + "0004" + "424203", err: l2.ErrFrame},
		{name: "short header", hex: "ffffffffffff" + "001b213a4f", err: io.ErrUnexpectedEOF},
		{name: "short tag", hex: "ffffffffffff" + "001b213a4f5c" + "8100" + "0064", err: io.ErrUnexpectedEOF},
		{name: "empty", hex: "", err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f l2.Frame
			err := f.UnmarshalBinary(unhex(t, tt.hex))
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, dst, f.Dst)
			assert.Equal(t, src, f.Src)
			assert.Equal(t, tt.vlan, f.VLAN)
			assert.Equal(t, tt.prio, f.Priority)
			assert.Equal(t, tt.et, f.EtherType)
			assert.Equal(t, tt.payload, hex.EncodeToString(f.Payload))
		})
	}
}

func TestFrameRoundTripWithEthernet(t *testing.T) {
	// Build frames with mdlayher/ethernet, decode with ours, encode with
	// ours, and compare bytes.
	for _, vlan := range []*ethernet.VLAN{nil, {ID: 1}, {Priority: 7, ID: 4094}} {
		ef := ethernet.Frame{
			Destination: []byte{0x02, 0, 0, 0, 0, 2},
			Source:      []byte{0x02, 0, 0, 0, 0, 1},
			VLAN:        vlan,
			EtherType:   ethernet.EtherTypeIPv4,
			Payload:     bytes.Repeat([]byte{0xab}, 46),
		}
		b, err := ef.MarshalBinary()
		require.NoError(t, err)
		var f l2.Frame
		require.NoError(t, f.UnmarshalBinary(b))
		if vlan == nil {
			assert.Equal(t, l2.Untagged, f.VLAN)
		} else {
			assert.Equal(t, l2.VLAN(vlan.ID), f.VLAN)
			assert.Equal(t, uint8(vlan.Priority), f.Priority)
		}
		again, err := f.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, b, again)
	}
	_, err := (&l2.Frame{VLAN: 4096}).MarshalBinary()
	assert.ErrorIs(t, err, l2.ErrInvalid)
}

func TestFrameUnmarshalAllocs(t *testing.T) {
	b := unhex(t, "ffffffffffff001b213a4f5c8100a0640800"+"4500001c0000000040010000")
	var f l2.Frame
	allocs := testing.AllocsPerRun(1000, func() {
		if err := f.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// FuzzFrame: the decoder never panics, never reads past its input, agrees
// with mdlayher/ethernet on what both decode, and re-encodes 802.1Q and
// untagged frames to the same bytes.
func FuzzFrame(f *testing.F) {
	f.Add(unhex(f, "ffffffffffff001b213a4f5c08060001"))
	f.Add(unhex(f, "ffffffffffff001b213a4f5c8100a064080045"))
	f.Add(unhex(f, "ffffffffffff001b213a4f5c88a80fff810000010800"))
	f.Add(unhex(f, "ffffffffffff001b213a4f5c0004424203"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fr l2.Frame
		err := fr.UnmarshalBinary(b)
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, l2.ErrFrame) {
				t.Fatalf("unexpected error type %v", err)
			}
			return
		}
		if len(fr.Payload) > len(b) || !fr.VLAN.Valid() || fr.Priority > 7 {
			t.Fatalf("invariants broken: %+v", fr)
		}
		// The source port security reads: an address of the right family,
		// or none.
		if addr, _, ok := fr.SourceAddress(); ok && addr.IsValid() {
			if (fr.EtherType == l2.EtherTypeIPv6) != addr.Is6() {
				t.Fatalf("%v from a frame of type %v", addr, fr.EtherType)
			}
		}
		var ef ethernet.Frame
		if ef.UnmarshalBinary(b) == nil {
			if !bytes.Equal(ef.Destination, fr.Dst[:]) || !bytes.Equal(ef.Source, fr.Src[:]) {
				t.Fatalf("addresses differ: ethernet %v %v, ours %v %v", ef.Destination, ef.Source, fr.Dst, fr.Src)
			}
			switch {
			case ef.ServiceVLAN != nil:
				if l2.VLAN(ef.ServiceVLAN.ID) != fr.VLAN {
					t.Fatalf("outer vlan: ethernet %d, ours %d", ef.ServiceVLAN.ID, fr.VLAN)
				}
			case ef.VLAN != nil:
				if l2.VLAN(ef.VLAN.ID) != fr.VLAN || ef.EtherType != fr.EtherType || !bytes.Equal(ef.Payload, fr.Payload) {
					t.Fatalf("tagged frame differs: ethernet %+v, ours %+v", ef, fr)
				}
			default:
				if fr.VLAN != l2.Untagged || ef.EtherType != fr.EtherType {
					t.Fatalf("untagged frame differs: ethernet %+v, ours %+v", ef, fr)
				}
			}
		}
		if b[12] == 0x81 && b[13] == 0x00 || b[12] == 0x08 || b[12] < 0x06 {
			again, err := fr.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encoding %x gave %x, %v", b, again, err)
			}
		}
	})
}
