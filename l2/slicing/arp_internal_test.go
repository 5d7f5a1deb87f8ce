package slicing

import (
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

// solicitation is a neighbor solicitation from 02:..:01 (2001:db8::1)
// for 2001:db8::2.
func solicitation(t testing.TB) []byte {
	src := l2.MustParseMAC("02:00:00:00:00:01")
	eth := &layers.Ethernet{SrcMAC: src[:], DstMAC: []byte{0x33, 0x33, 0xff, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 255,
		SrcIP: netip.MustParseAddr("2001:db8::1").AsSlice(), DstIP: netip.MustParseAddr("ff02::1:ff00:2").AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeNeighborSolicitation, 0)}
	require.NoError(t, icmp.SetNetworkLayerForChecksum(ip))
	ns := &layers.ICMPv6NeighborSolicitation{TargetAddress: netip.MustParseAddr("2001:db8::2").AsSlice(),
		Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptSourceAddress, Data: src[:]}}}
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, icmp, ns))
	return buf.Bytes()
}

func TestNeighborAdvertisement(t *testing.T) {
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(solicitation(t)))
	src, target, ok := neighborSolicitation(&f)
	require.True(t, ok)
	assert.Equal(t, "2001:db8::1", src.String())
	assert.Equal(t, "2001:db8::2", target.String())
	mac := l2.MustParseMAC("02:00:00:00:00:02")
	data, err := neighborAdvertisement(&f, mac, src, target)
	require.NoError(t, err)
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(t, p.ErrorLayer(), "%v", p)
	na, ok := p.Layer(layers.LayerTypeICMPv6NeighborAdvertisement).(*layers.ICMPv6NeighborAdvertisement)
	require.True(t, ok, "%v", p)
	assert.Equal(t, uint8(0x60), na.Flags, "solicited, override")
	assert.Equal(t, "2001:db8::2", na.TargetAddress.String())
	require.Len(t, na.Options, 1)
	assert.Equal(t, mac[:], na.Options[0].Data)
	assert.Equal(t, uint8(255), p.Layer(layers.LayerTypeIPv6).(*layers.IPv6).HopLimit)
}

func TestRouterAdvertisement(t *testing.T) {
	src := l2.MustParseMAC("02:00:00:00:00:01")
	eth := &layers.Ethernet{SrcMAC: src[:], DstMAC: []byte{0x33, 0x33, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 255,
		SrcIP: l2.LinkLocal(src).AsSlice(), DstIP: netip.MustParseAddr("ff02::2").AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeRouterSolicitation, 0)}
	require.NoError(t, icmp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, icmp, &layers.ICMPv6RouterSolicitation{}))
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(buf.Bytes()))
	source, ok := routerSolicitation(&f)
	require.True(t, ok)
	ra := &l2.RouterAdvertisement{Prefix: netip.MustParsePrefix("2001:db8::/64"), SLAAC: true, OtherConfig: true, MTU: 1400,
		DNS: []netip.Addr{netip.MustParseAddr("2001:db8::53")}}
	data, err := routerAdvertisement(&f, source, ra)
	require.NoError(t, err)
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(t, p.ErrorLayer(), "%v", p)
	adv, ok := p.Layer(layers.LayerTypeICMPv6RouterAdvertisement).(*layers.ICMPv6RouterAdvertisement)
	require.True(t, ok, "%v", p)
	assert.Equal(t, uint8(0x40), adv.Flags, "O, not M")
	assert.Zero(t, adv.RouterLifetime, "no default router")
	opts := map[layers.ICMPv6Opt][]byte{}
	for _, o := range adv.Options {
		opts[o.Type] = o.Data
	}
	assert.Equal(t, []byte{0, 0, 0, 0, 0x05, 0x78}, opts[layers.ICMPv6OptMTU])
	pi := opts[layers.ICMPv6OptPrefixInfo]
	require.Len(t, pi, 30)
	assert.Equal(t, []byte{64, 0xc0}, pi[:2], "on-link, autonomous")
	assert.Equal(t, netip.MustParseAddr("2001:db8::").AsSlice(), pi[14:])
	assert.Equal(t, netip.MustParseAddr("2001:db8::53").AsSlice(), opts[layers.ICMPv6OptRecursiveDNSServer][6:])
	ipv6 := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	assert.Equal(t, l2.LinkLocal(dhcpServerMAC).String(), ipv6.SrcIP.String())
	assert.Equal(t, l2.LinkLocal(src).String(), ipv6.DstIP.String())
}

func FuzzEdgeRequests(f *testing.F) {
	f.Add(solicitation(f))
	arp, _ := hex.DecodeString("ffffffffffff0200000000010806000108000604000102000000000100000000" + "0a000001000000000000" + "0a000002")
	f.Add(arp)
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr l2.Frame
		if fr.UnmarshalBinary(data) != nil {
			return
		}
		if sender, target, ok := arpRequest(&fr); ok {
			var buf [60]byte
			if b := arpReply(buf[:0], &fr, l2.MustParseMAC("02:00:00:00:00:02"), sender, target); len(b) != 60 {
				t.Fatalf("an ARP reply of %d bytes", len(b))
			}
		}
		if source, ok := routerSolicitation(&fr); ok {
			if _, err := routerAdvertisement(&fr, source, &l2.RouterAdvertisement{Prefix: netip.MustParsePrefix("2001:db8::/64")}); err != nil {
				t.Fatal(err)
			}
		}
		if src, target, ok := neighborSolicitation(&fr); ok {
			if _, err := neighborAdvertisement(&fr, l2.MustParseMAC("02:00:00:00:00:02"), src, target); err != nil {
				t.Fatal(err)
			}
		}
	})
}
