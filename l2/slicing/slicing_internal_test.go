package slicing

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

func TestLLDPRoundTrip(t *testing.T) {
	frame, err := lldpFrame(0xa1, 10, [6]byte{2, 0, 0, 0, 0, 1})
	require.NoError(t, err)
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(frame))
	assert.Equal(t, lldpMulticast, [6]byte(f.Dst))
	dp, port, ok := parseLLDP(frame)
	require.True(t, ok)
	assert.Equal(t, uint64(0xa1), dp)
	assert.Equal(t, uint32(10), port)
	_, _, ok = parseLLDP(frame[:20])
	assert.False(t, ok, "a cut frame parsed")
}

func TestCookies(t *testing.T) {
	a, b := sliceCookie("tenant/a"), sliceCookie("tenant/b")
	assert.NotEqual(t, a, b)
	for _, c := range []uint64{a, b} {
		assert.Equal(t, cookieMarker, c&cookieMarkMask, "not marked as ours")
		assert.Equal(t, cookieMarker, c&cookieForward, "a forwarding cookie outside the forwarding mask")
	}
	for _, c := range []uint64{cookieMiss, cookieDrop} {
		assert.NotEqual(t, cookieMarker, c&cookieForward, "deleting forwarding flows would take %#x", c)
		assert.Equal(t, cookieMarker, c&cookieMarkMask)
	}
}

// TestFlowsEncode: every flow the app builds, in both versions and every
// VLAN combination, encodes (a match a switch would refuse fails here).
func TestFlowsEncode(t *testing.T) {
	src, dst := l2.MustParseMAC("02:00:00:00:00:01"), l2.MustParseMAC("02:00:00:00:00:02")
	vlans := []l2.VLAN{l2.Untagged, 0, 10, 4095}
	for _, v := range []openflow.Version{openflow.Version10, openflow.Version13} {
		msgs := []openflow.Message{tableMiss(v), deleteFlows(v, cookieMarker, cookieMarkMask, nil, nil)}
		for _, from := range vlans {
			for _, to := range vlans {
				in, out := l2.Location{Datapath: 1, Port: 1, VLAN: from}, l2.Location{Datapath: 1, Port: 2, VLAN: to}
				msgs = append(msgs, forwardFlow(v, sliceCookie("s"), 60e9, in, src, dst, out),
					packetOut(v, from, out, make([]byte, 60)))
			}
			msgs = append(msgs, dropFlow(v, l2.Location{Datapath: 1, Port: 1, VLAN: from}, src, &dst, 0, 1e9))
		}
		for _, m := range msgs {
			if m == nil {
				continue
			}
			_, err := m.MarshalBinary()
			assert.NoError(t, err, "%v %T %+v", v, m, m)
		}
	}
	// The VLAN rewrites.
	assert.Equal(t, []of13.Action{of13.PopVLAN{}}, vlanActions13(10, l2.Untagged))
	assert.Equal(t, []of13.Action{of13.PushVLAN{EtherType: 0x8100}, of13.SetField{Field: of13.VLANVID(10)}}, vlanActions13(l2.Untagged, 10))
	assert.Nil(t, vlanActions13(10, 10))
	assert.Equal(t, []of10.Action{of10.StripVLAN{}}, vlanActions10(10, l2.Untagged))
	assert.Equal(t, []of10.Action{of10.SetVLANVID{VID: 20}}, vlanActions10(10, 20))
}
