package l2_test

import (
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

func TestParseMAC(t *testing.T) {
	want := l2.MAC{0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"colon", "00:1b:21:3a:4f:5c", true},
		{"colon upper", "00:1B:21:3A:4F:5C", true},
		{"dash", "00-1b-21-3a-4f-5c", true},
		{"dotted", "001b.213a.4f5c", true},
		{"bare", "001b213a4f5c", true},
		{"mixed separators", "00:1b-21:3a:4f:5c", false},
		{"bad separator", "00.1b.21.3a.4f.5c", false},
		{"short", "00:1b:21:3a:4f", false},
		{"long", "00:1b:21:3a:4f:5c:00", false},
		{"not hex", "00:1b:21:3a:4f:5g", false},
		{"empty", "", false},
		{"eui64", "00:1b:21:ff:fe:3a:4f:5c", false},
		{"dotted misplaced", "001b2.13a4.f5c", false},
		{"spaces", " 0:1b:21:3a:4f:5c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l2.ParseMAC(tt.in)
			if !tt.ok {
				assert.ErrorIs(t, err, l2.ErrSyntax)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, "00:1b:21:3a:4f:5c", got.String())
		})
	}
}

func TestMACPredicates(t *testing.T) {
	tests := []struct {
		mac                                  string
		broadcast, multicast, local, unicast bool
	}{
		{"ff:ff:ff:ff:ff:ff", true, true, true, false},
		{"01:00:5e:00:00:01", false, true, false, false},
		{"33:33:00:00:00:01", false, true, true, false},
		{"02:00:00:00:00:01", false, false, true, true},
		{"00:1b:21:3a:4f:5c", false, false, false, true},
	}
	for _, tt := range tests {
		m := l2.MustParseMAC(tt.mac)
		assert.Equal(t, tt.broadcast, m.IsBroadcast(), tt.mac)
		assert.Equal(t, tt.multicast, m.IsMulticast(), tt.mac)
		assert.Equal(t, tt.local, m.IsLocal(), tt.mac)
		assert.Equal(t, tt.unicast, m.IsUnicast(), tt.mac)
	}
	assert.True(t, l2.MAC{}.IsZero())
	assert.Equal(t, l2.MustParseMAC("00:1b:21:3a:4f:5c"), l2.MACFromUint64(0x001b213a4f5c))
	assert.Equal(t, uint64(0x001b213a4f5c), l2.MustParseMAC("00:1b:21:3a:4f:5c").Uint64())
}

func TestMACJSON(t *testing.T) {
	var v struct{ MAC l2.MAC }
	require.NoError(t, json.Unmarshal([]byte(`{"MAC":"00-1B-21-3A-4F-5C"}`), &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"MAC":"00:1b:21:3a:4f:5c"}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"MAC":"nope"}`), &v))
}

func TestVLAN(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want l2.VLAN
		ok   bool
	}{
		{"0", 0, true}, {"4095", 4095, true}, {"65535", l2.Untagged, true}, {"untagged", l2.Untagged, true},
		{"4096", 0, false}, {"65534", 0, false}, {"-1", 0, false}, {"", 0, false}, {"1x", 0, false},
	} {
		got, err := l2.ParseVLAN(tt.in)
		if !tt.ok {
			assert.ErrorIs(t, err, l2.ErrSyntax, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
	assert.Equal(t, "untagged", l2.Untagged.String())
	assert.Equal(t, "100", l2.VLAN(100).String())
	assert.False(t, l2.VLAN(5000).Valid())
}

func TestDatapathID(t *testing.T) {
	d, err := l2.ParseDatapathID("0xe0")
	require.NoError(t, err)
	assert.Equal(t, l2.DatapathID(0xe0), d)
	assert.Equal(t, "0x00000000000000e0", d.String())
	d, err = l2.ParseDatapathID("0xFFFFFFFFFFFFFFFF")
	require.NoError(t, err)
	assert.Equal(t, l2.DatapathID(^uint64(0)), d)
	for _, bad := range []string{"e0", "0x", "0x1ffffffffffffffff", "0xg", "", "0x-1", "224"} {
		_, err := l2.ParseDatapathID(bad)
		assert.ErrorIs(t, err, l2.ErrSyntax, bad)
	}
	var v struct{ D l2.DatapathID }
	require.NoError(t, json.Unmarshal([]byte(`{"D":"0x1"}`), &v))
	assert.Equal(t, l2.DatapathID(1), v.D)
}

func TestLocation(t *testing.T) {
	loc := l2.Location{Datapath: 0xe0, Port: 3, VLAN: l2.Untagged}
	assert.Equal(t, "0x00000000000000e0:3/untagged", loc.String())
	assert.NoError(t, loc.Validate())
	assert.ErrorIs(t, l2.Location{Datapath: 1, Port: 0, VLAN: 1}.Validate(), l2.ErrInvalid)
	assert.ErrorIs(t, l2.Location{Datapath: 1, Port: 0xfffffffd, VLAN: 1}.Validate(), l2.ErrInvalid)
	assert.ErrorIs(t, l2.Location{Datapath: 1, Port: 1, VLAN: 4096}.Validate(), l2.ErrInvalid)
}

// FuzzParseMAC cross-checks ParseMAC with net.ParseMAC for the notations
// both accept, and checks that what parses formats back to itself.
func FuzzParseMAC(f *testing.F) {
	for _, s := range []string{"00:1b:21:3a:4f:5c", "00-1B-21-3A-4F-5C", "001b.213a.4f5c", "001b213a4f5c", "ff:ff:ff:ff:ff:ff", "zz:zz:zz:zz:zz:zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := l2.ParseMAC(s)
		if err != nil {
			if len(s) != 12 {
				// net.ParseMAC must not accept a 6-byte address we refuse
				// (it has no bare 12-digit form).
				if hw, err2 := net.ParseMAC(s); err2 == nil && len(hw) == 6 {
					t.Fatalf("net.ParseMAC accepts %q as %v, ParseMAC says %v", s, hw, err)
				}
			}
			return
		}
		if got, err := l2.ParseMAC(m.String()); err != nil || got != m {
			t.Fatalf("%q -> %v does not round-trip: %v %v", s, m, got, err)
		}
		if len(s) != 12 {
			hw, err := net.ParseMAC(s)
			if err != nil || len(hw) != 6 || !strings.EqualFold(hw.String(), m.String()) {
				t.Fatalf("ParseMAC(%q) = %v, net.ParseMAC = %v %v", s, m, hw, err)
			}
		}
	})
}

func TestLocationCompare(t *testing.T) {
	locs := []l2.Location{{Datapath: 2, Port: 1, VLAN: 5}, {Datapath: 1, Port: 3, VLAN: l2.Untagged}, {Datapath: 1, Port: 3, VLAN: 7}, {Datapath: 1, Port: 2, VLAN: 9}}
	slices.SortFunc(locs, l2.Location.Compare)
	assert.Equal(t, []l2.Location{{Datapath: 1, Port: 2, VLAN: 9}, {Datapath: 1, Port: 3, VLAN: 7}, {Datapath: 1, Port: 3, VLAN: l2.Untagged}, {Datapath: 2, Port: 1, VLAN: 5}}, locs,
		"by datapath, port, then VLAN (Untagged is the largest)")
	assert.Zero(t, locs[0].Compare(locs[0]))
}
