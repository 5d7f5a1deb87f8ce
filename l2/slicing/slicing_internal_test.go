package slicing

import (
	"fmt"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

func TestLLDP(t *testing.T) {
	secret := []byte("secret")
	now := time.Now()
	frame := lldpFrame(secret, 0xa1, 10, [6]byte{2, 0, 0, 0, 0, 1}, now)
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(frame))
	assert.Equal(t, lldpMulticast, f.Dst)

	info, ok := parseLLDP(frame)
	require.True(t, ok)
	assert.Equal(t, uint64(0xa1), info.dp)
	assert.Equal(t, uint32(10), info.port)
	assert.NoError(t, info.verify(secret, now, time.Second))

	// gopacket, an LLDP decoder we did not write, reads the same frame.
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(t, pkt.ErrorLayer(), "%v", pkt.ErrorLayer())
	l, ok := pkt.Layer(layers.LayerTypeLinkLayerDiscovery).(*layers.LinkLayerDiscovery)
	require.True(t, ok)
	assert.Equal(t, "dpid:00000000000000a1", string(l.ChassisID.ID))
	assert.Equal(t, layers.LLDPChassisIDSubTypeLocal, l.ChassisID.Subtype)
	assert.Equal(t, "10", string(l.PortID.ID))
	assert.Equal(t, uint16(120), l.TTL)
	require.Len(t, l.Values, 1)
	assert.Equal(t, layers.LLDPTLVOrgSpecific, l.Values[0].Type)

	t.Run("wrong secret", func(t *testing.T) {
		assert.ErrorContains(t, info.verify([]byte("other"), now, time.Second), "does not match")
	})
	t.Run("replayed late", func(t *testing.T) {
		assert.ErrorContains(t, info.verify(secret, now.Add(time.Minute), time.Second), "outside")
	})
	t.Run("forged port", func(t *testing.T) {
		forged := lldpFrame(secret, 0xa1, 10, [6]byte{}, now)
		// Rewrite the port id "10" to "11": the authenticator no longer fits.
		for i := range forged {
			if i+2 < len(forged) && forged[i] == 7 && string(forged[i+1:i+3]) == "10" {
				forged[i+2] = '1'
				break
			}
		}
		fi, ok := parseLLDP(forged)
		require.True(t, ok)
		assert.Equal(t, uint32(11), fi.port)
		assert.Error(t, fi.verify(secret, now, time.Second))
	})
	t.Run("without authenticator", func(t *testing.T) {
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{},
			&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 9}, DstMAC: lldpMulticast[:], EthernetType: layers.EthernetTypeLinkLayerDiscovery},
			&layers.LinkLayerDiscovery{
				ChassisID: layers.LLDPChassisID{Subtype: layers.LLDPChassisIDSubTypeLocal, ID: []byte("dpid:00000000000000a1")},
				PortID:    layers.LLDPPortID{Subtype: layers.LLDPPortIDSubtypeLocal, ID: []byte("10")},
				TTL:       120,
			}))
		fi, ok := parseLLDP(buf.Bytes())
		require.True(t, ok)
		assert.ErrorContains(t, fi.verify(secret, now, time.Second), "no authenticator")
	})
	for n := range len(frame) {
		_, _ = parseLLDP(frame[:n]) // cut anywhere: no panic
	}
}

func FuzzParseLLDP(f *testing.F) {
	f.Add(lldpFrame([]byte("k"), 1, 2, [6]byte{}, time.Unix(1, 0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, ok := parseLLDP(b)
		if ok && info.sum != nil && len(info.sum) != lldpTagLen {
			t.Fatalf("authenticator of %d bytes", len(info.sum))
		}
	})
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
	assert.Zero(t, testing.AllocsPerRun(100, func() { sliceCookie("tenant/a") }))
}

// TestFlowsEncode: every message the app builds, in both versions and
// every VLAN combination, encodes (a match a switch would refuse fails
// here).
func TestFlowsEncode(t *testing.T) {
	src, dst := l2.MustParseMAC("02:00:00:00:00:01"), l2.MustParseMAC("02:00:00:00:00:02")
	vlans := []l2.VLAN{l2.Untagged, 0, 10, 4095}
	for _, v := range []openflow.Version{openflow.Version10, openflow.Version13} {
		d := dialectFor(v)
		var sc scratch
		encode := func(m openflow.Message) openflow.Message {
			// What is built in scratch lives until the next build: encode now.
			b, err := m.MarshalBinary()
			require.NoError(t, err, "%v %T %+v", v, m, m)
			got, err := openflow.Decode(b)
			require.NoError(t, err)
			return got
		}
		msgs := append([]openflow.Message{d.deleteMAC(sliceCookie("s"), src, true),
			d.deleteMAC(sliceCookie("s"), src, false), d.deleteSlice(sliceCookie("s"), 7), d.deleteDrops(),
			d.rawPacketOut(3, make([]byte, 60)), d.tablePacketOut(3, make([]byte, 60))}, d.clear(true)...)
		msgs = append(append(msgs, d.clear(false)...), d.tableMiss()...)
		fp := testFilterPort(l2.Location{Datapath: 1, Port: 4, VLAN: 10})
		msgs = append(append(msgs, d.filter(fp)...), d.unfilter(fp),
			encode(d.forward(&sc, flowSpec{Cookie: sliceCookie("s"), Port: 1, VLAN: l2.Untagged, Src: src, Dst: dst, Out: 4, OutVLAN: 10, Filter: fp})))
		for _, from := range vlans {
			for _, to := range vlans {
				msgs = append(msgs, encode(d.forward(&sc, flowSpec{Cookie: sliceCookie("s"), Idle: 60, Port: 1, VLAN: from,
					Src: src, Dst: dst, Out: 2, OutVLAN: to})),
					encode(d.packetOut(&sc, from, l2.Location{Datapath: 1, Port: 2, VLAN: to}, make([]byte, 60))))
			}
			for _, spec := range []dropSpec{{Port: 1, VLAN: from, Src: src, Dst: dst, HasSrc: true, HasDst: true, Priority: priorityDrop, Hard: 1},
				{Port: 1, VLAN: from, Priority: priorityQuarantine, Hard: 5}} {
				msgs = append(msgs, d.drop(spec), d.deleteDrop(spec))
			}
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
	assert.Equal(t, []of13.Action{of13.PopVLAN()}, vlanActions13(nil, 10, l2.Untagged))
	assert.Equal(t, []of13.Action{of13.PushVLAN(0x8100), of13.SetField(of13.VLANVID(10))}, vlanActions13(nil, l2.Untagged, 10))
	assert.Nil(t, vlanActions13(nil, 10, 10))
	assert.Equal(t, []of10.Action{of10.StripVLAN()}, vlanActions10(nil, 10, l2.Untagged))
	assert.Equal(t, []of10.Action{of10.SetVLANVID(20)}, vlanActions10(nil, 10, 20))
	assert.Nil(t, of10Dialect{}.deleteSlice(1, 0), "1.0 has nothing to select a slice without a tag by")
}

// TestNew: the app makes its fabric and hears its events, and an unusable
// option is an error rather than a panic.
func TestNew(t *testing.T) {
	_, err := New(l2.Options{}, Options{TransportVLANs: VLANRange{First: 10, Last: 4095}})
	assert.ErrorContains(t, err, "transport VLANs 10-4095")

	var heard []l2.Event
	a, err := New(l2.Options{Events: func(ev l2.Event) { heard = append(heard, ev) }}, Options{})
	require.NoError(t, err)
	loc := l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}
	mac := l2.MustParseMAC("02:00:00:00:00:01")
	_, err = a.Update(func(tx *l2.Tx) error {
		tx.AddSlice("s")
		tx.BindPort("s", loc)
		return tx.AttachPort("s", loc, mac)
	})
	require.NoError(t, err)
	_, err = a.Update(func(tx *l2.Tx) error { return tx.RemoveSlice("s") })
	require.NoError(t, err)
	assert.NotEmpty(t, heard, "the fabric's events reach the caller's Events too")
	assert.Equal(t, []string{}, append([]string{}, a.Fabric().Slices()...))
}

func TestTagPool(t *testing.T) {
	_, err := newTagPool(VLANRange{First: 0, Last: 10})
	assert.Error(t, err)
	_, err = newTagPool(VLANRange{First: 10, Last: 4095})
	assert.Error(t, err)

	p, err := newTagPool(VLANRange{First: 100, Last: 102})
	require.NoError(t, err)
	live := map[string]bool{}
	exists := func(s string) bool { return live[s] }
	get := func(s string) l2.VLAN {
		live[s] = true
		v, err := p.get(s, exists)
		require.NoError(t, err)
		return v
	}
	assert.Equal(t, l2.VLAN(100), get("a"))
	assert.Equal(t, l2.VLAN(100), get("a"), "a slice keeps its tag")
	assert.Equal(t, l2.VLAN(101), get("b"))
	assert.Equal(t, l2.VLAN(102), get("c"))
	live["d"] = true
	_, err = p.get("d", exists)
	assert.ErrorIs(t, err, ErrNoTransportTag)
	assert.ErrorContains(t, err, `slice "d"`)
	assert.ErrorContains(t, err, "all 3")

	// A freed tag is reused last.
	p.put("b")
	delete(live, "b")
	assert.Equal(t, l2.VLAN(101), get("d"))
	p.put("a")
	p.put("c")
	assert.Equal(t, l2.VLAN(100), get("e"), "the longest free first")

	// Slices gone without a put are taken back when the pool runs dry.
	delete(live, "d")
	delete(live, "e")
	assert.Equal(t, 1, len(p.free))
	get("f")
	got := get("g")
	assert.Contains(t, []l2.VLAN{100, 101}, got)
	assert.Equal(t, 2, p.held())
}

func TestTrackerCoalesces(t *testing.T) {
	tr := newTracker()
	k := macKey{sliceCookie("s"), l2.MustParseMAC("02:00:00:00:00:01")}
	tr.forget(k) // no flows: nothing to delete
	p, _ := tr.take()
	assert.Empty(t, p)

	tr.record(k.cookie, k.mac, l2.MustParseMAC("02:00:00:00:00:02"), []uint64{1, 2})
	tr.record(k.cookie, k.mac, l2.MustParseMAC("02:00:00:00:00:03"), []uint64{2, 3})
	tr.forget(k)
	tr.forget(k) // coalesced
	p, _ = tr.take()
	assert.Equal(t, map[macKey][]uint64{k: {1, 2, 3}}, p)
	p, _ = tr.take()
	assert.Empty(t, p)
}

func TestBucket(t *testing.T) {
	now := time.Now()
	b := &bucket{tokens: 3, last: now}
	n := 0
	for b.take(now, 1, 3) {
		n++
	}
	assert.Equal(t, 3, n)
	assert.False(t, b.take(now.Add(500*time.Millisecond), 1, 3))
	assert.True(t, b.take(now.Add(1600*time.Millisecond), 1, 3))
	assert.Equal(t, fmt.Sprint(false), fmt.Sprint(b.take(now.Add(1600*time.Millisecond), 1, 3)))
}

// The packet-in path builds its forwarding flow and packet-out in the
// handler's scratch and encodes them without allocating, in both
// dialects (actions are values, not boxed).
func TestForwardDoesNotAllocate(t *testing.T) {
	for _, v := range []openflow.Version{openflow.Version13, openflow.Version10} {
		d := dialectFor(v)
		var sc scratch
		buf := make([]byte, 0, 512)
		spec := flowSpec{Cookie: 1, Idle: 60, Port: 1, VLAN: l2.Untagged, Src: l2.MustParseMAC("02:00:00:00:00:01"),
			Dst: l2.MustParseMAC("02:00:00:00:00:02"), Out: 2, OutVLAN: 10}
		frame := make([]byte, 64)
		run := func() {
			var err error
			buf, err = d.forward(&sc, spec).AppendBinary(buf[:0])
			require.NoError(t, err)
			buf, err = d.packetOut(&sc, l2.Untagged, l2.Location{Datapath: 1, Port: 2, VLAN: 10}, frame).AppendBinary(buf[:0])
			require.NoError(t, err)
		}
		run()
		assert.Zero(t, testing.AllocsPerRun(200, run), "%v", v)
	}
}
