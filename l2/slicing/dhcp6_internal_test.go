package slicing

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

// request6 is a client's DHCPv6 message, as a frame.
func request6(t testing.TB, typ layers.DHCPv6MsgType, opts ...layers.DHCPv6Option) []byte {
	src := l2.MustParseMAC("02:00:00:00:00:05")
	m := &layers.DHCPv6{MsgType: typ, TransactionID: []byte{1, 2, 3},
		Options: append([]layers.DHCPv6Option{layers.NewDHCPv6Option(layers.DHCPv6OptClientID, []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 5})}, opts...)}
	eth := &layers.Ethernet{SrcMAC: src[:], DstMAC: []byte{0x33, 0x33, 0, 1, 0, 2}, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolUDP, HopLimit: 1, SrcIP: l2.LinkLocal(src).AsSlice(),
		DstIP: netip.MustParseAddr("ff02::1:2").AsSlice()}
	udp := &layers.UDP{SrcPort: 546, DstPort: 547}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, m))
	return buf.Bytes()
}

func answer6(t *testing.T, frame []byte, conf *l2.DHCPv6) (*layers.DHCPv6, map[layers.DHCPv6Opt][]byte) {
	t.Helper()
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(frame))
	req, source := dhcp6Request(&f)
	require.NotNil(t, req)
	r := dhcp6Reply(req, conf)
	if r == nil {
		return nil, nil
	}
	data, err := dhcp6Frame(&f, source, r)
	require.NoError(t, err)
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(t, p.ErrorLayer(), "%v", p)
	d := p.Layer(layers.LayerTypeDHCPv6).(*layers.DHCPv6)
	opts := map[layers.DHCPv6Opt][]byte{}
	for _, o := range d.Options {
		opts[o.Code] = o.Data
	}
	return d, opts
}

func TestDHCPv6(t *testing.T) {
	stateful := &l2.DHCPv6{Address: netip.MustParseAddr("2001:db8::5"), DNS: []netip.Addr{netip.MustParseAddr("2001:db8::53")}}
	iana := layers.NewDHCPv6Option(layers.DHCPv6OptIANA, []byte{0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0})
	d, opts := answer6(t, request6(t, layers.DHCPv6MsgTypeSolicit, iana), stateful)
	require.NotNil(t, d)
	assert.Equal(t, layers.DHCPv6MsgTypeAdvertise, d.MsgType)
	assert.Equal(t, []byte{1, 2, 3}, d.TransactionID)
	assert.Equal(t, serverDUID, opts[layers.DHCPv6OptServerID])
	ia := opts[layers.DHCPv6OptIANA]
	require.Len(t, ia, 12+4+24)
	assert.Equal(t, []byte{0, 0, 0, 7}, ia[:4], "the client's IAID")
	assert.Equal(t, netip.MustParseAddr("2001:db8::5").AsSlice(), ia[16:32])
	assert.Equal(t, netip.MustParseAddr("2001:db8::53").AsSlice(), opts[layers.DHCPv6OptDNSServers])

	d, _ = answer6(t, request6(t, layers.DHCPv6MsgTypeSolicit, iana, layers.NewDHCPv6Option(layers.DHCPv6OptRapidCommit, nil)), stateful)
	assert.Equal(t, layers.DHCPv6MsgTypeReply, d.MsgType, "rapid commit")
	d, _ = answer6(t, request6(t, layers.DHCPv6MsgTypeRequest, iana, layers.NewDHCPv6Option(layers.DHCPv6OptServerID, serverDUID)), stateful)
	assert.Equal(t, layers.DHCPv6MsgTypeReply, d.MsgType)
	d, _ = answer6(t, request6(t, layers.DHCPv6MsgTypeRequest, iana, layers.NewDHCPv6Option(layers.DHCPv6OptServerID, []byte{0, 3, 0, 1, 1, 2, 3, 4, 5, 6})), stateful)
	assert.Nil(t, d, "another server's")
	d, _ = answer6(t, request6(t, layers.DHCPv6MsgTypeRequest, iana), stateful)
	assert.Nil(t, d, "a request names its server")

	stateless := &l2.DHCPv6{DNS: stateful.DNS}
	_, opts = answer6(t, request6(t, layers.DHCPv6MsgTypeSolicit, iana), stateless)
	assert.Equal(t, []byte{0, 0, 0, 7, 0, 0, 0xa8, 0xc0, 0, 1, 0x0e, 0, 0, 13, 0, 2, 0, 2}, opts[layers.DHCPv6OptIANA], "NoAddrsAvail")
	d, opts = answer6(t, request6(t, layers.DHCPv6MsgTypeInformationRequest), stateless)
	assert.Equal(t, layers.DHCPv6MsgTypeReply, d.MsgType)
	assert.Nil(t, opts[layers.DHCPv6OptIANA])
	assert.NotNil(t, opts[layers.DHCPv6OptDNSServers])
	anonymous := request6(t, layers.DHCPv6MsgTypeInformationRequest)
	d, _ = answer6(t, anonymousRequest(t, anonymous), stateless)
	require.NotNil(t, d, "an Information-request needs no client ID")
	d, opts = answer6(t, request6(t, layers.DHCPv6MsgTypeRelease, iana, layers.NewDHCPv6Option(layers.DHCPv6OptServerID, serverDUID)), stateful)
	assert.Equal(t, []byte{0, 0}, opts[layers.DHCPv6OptStatusCode])
}

func FuzzDHCPv6Request(f *testing.F) {
	f.Add(request6(f, layers.DHCPv6MsgTypeSolicit, layers.NewDHCPv6Option(layers.DHCPv6OptIANA, make([]byte, 12))))
	f.Add(request6(f, layers.DHCPv6MsgTypeInformationRequest))
	conf := &l2.DHCPv6{Address: netip.MustParseAddr("2001:db8::5")}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr l2.Frame
		if fr.UnmarshalBinary(data) != nil {
			return
		}
		req, source := dhcp6Request(&fr)
		if req == nil {
			return
		}
		if r := dhcp6Reply(req, conf); r != nil {
			if _, err := dhcp6Frame(&fr, source, r); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// anonymousRequest is req without its client ID option.
func anonymousRequest(t *testing.T, req []byte) []byte {
	p := gopacket.NewPacket(req, layers.LayerTypeEthernet, gopacket.Default)
	m := p.Layer(layers.LayerTypeDHCPv6).(*layers.DHCPv6)
	m.Options = m.Options[1:]
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	udp := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, m))
	return buf.Bytes()
}
