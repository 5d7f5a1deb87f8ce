package slicing

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

var dhcpConf = &l2.DHCPv4{Address: netip.MustParsePrefix("10.0.0.5/24"), Server: netip.MustParseAddr("10.0.0.1"),
	Router: netip.MustParseAddr("10.0.0.1"), DNS: []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("2001:db8::53")},
	Routes: []l2.Route{{Dst: netip.MustParsePrefix("172.16.0.0/12"), Via: netip.MustParseAddr("10.0.0.254")}},
	MTU:    1450, Lease: 2 * time.Hour,
	Options: []l2.DHCPOption{{Code: 66, Value: []byte("tftp.example")}, {Code: 6, Value: []byte{9, 9, 9, 9}}}}

var client = l2.MustParseMAC("02:00:00:00:00:05")

// request builds a client's DHCP message of type typ, as a frame.
func request(t testing.TB, typ layers.DHCPMsgType, src netip.Addr, opts ...layers.DHCPOption) []byte {
	m := &layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0x1234,
		ClientHWAddr: client[:], ClientIP: net.IPv4zero, YourClientIP: net.IPv4zero, NextServerIP: net.IPv4zero, RelayAgentIP: net.IPv4zero,
		Options: append([]layers.DHCPOption{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(typ)})}, opts...)}
	if src.IsValid() && !src.IsUnspecified() {
		m.ClientIP = src.AsSlice()
	}
	eth := &layers.Ethernet{SrcMAC: client[:], DstMAC: l2.Broadcast[:], EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: net.IPv4bcast}
	udp := &layers.UDP{SrcPort: 68, DstPort: 67}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, m))
	return buf.Bytes()
}

// answer runs a request frame through the server and decodes the answer.
func answer(t *testing.T, frame []byte) (*layers.DHCPv4, map[layers.DHCPOpt][]byte, gopacket.Packet) {
	t.Helper()
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(frame))
	req := dhcpRequest(&f)
	require.NotNil(t, req)
	r := dhcpReply(req, f.Src, dhcpConf)
	if r == nil {
		return nil, nil, nil
	}
	data, err := dhcpFrame(r, dhcpConf)
	require.NoError(t, err)
	p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(t, p.ErrorLayer(), "%v", p)
	d := p.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4)
	opts := map[layers.DHCPOpt][]byte{}
	for _, o := range d.Options {
		_, dup := opts[o.Type]
		assert.False(t, dup, "option %v twice", o.Type)
		opts[o.Type] = o.Data
	}
	return d, opts, p
}

func TestDHCPOfferAndAck(t *testing.T) {
	zero := netip.IPv4Unspecified()
	d, opts, p := answer(t, request(t, layers.DHCPMsgTypeDiscover, zero))
	require.NotNil(t, d)
	assert.Equal(t, []byte{byte(layers.DHCPMsgTypeOffer)}, opts[layers.DHCPOptMessageType])
	assert.Equal(t, "10.0.0.5", d.YourClientIP.String())
	assert.Equal(t, uint32(0x1234), d.Xid)
	assert.Equal(t, []byte{255, 255, 255, 0}, opts[layers.DHCPOptSubnetMask])
	assert.Equal(t, []byte{10, 0, 0, 1}, opts[layers.DHCPOptServerID])
	assert.Equal(t, []byte{10, 0, 0, 1}, opts[layers.DHCPOptRouter])
	assert.Equal(t, []byte{9, 9, 9, 9}, opts[layers.DHCPOptDNS], "an option of the same code replaces the field's")
	assert.Equal(t, []byte("tftp.example"), opts[66])
	assert.Equal(t, []byte{0x05, 0xaa}, opts[layers.DHCPOptInterfaceMTU])
	assert.Equal(t, []byte{0, 0, 0x1c, 0x20}, opts[layers.DHCPOptLeaseTime])
	assert.Equal(t, []byte{0, 0, 0x0e, 0x10}, opts[layers.DHCPOptT1])
	assert.Equal(t, []byte{0, 0, 0x18, 0x9c}, opts[layers.DHCPOptT2])
	assert.Equal(t, []byte{12, 172, 16, 10, 0, 0, 254, 0, 10, 0, 0, 1}, opts[layers.DHCPOptClasslessStaticRoute],
		"172.16/12 via .254, then the default route")
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	assert.Equal(t, client[:], []byte(eth.DstMAC))
	assert.Equal(t, "10.0.0.5", ip.DstIP.String())
	assert.Equal(t, "10.0.0.1", ip.SrcIP.String())

	req := func(addr string) layers.DHCPOption {
		return layers.NewDHCPOption(layers.DHCPOptRequestIP, netip.MustParseAddr(addr).AsSlice())
	}
	server := func(addr string) layers.DHCPOption {
		return layers.NewDHCPOption(layers.DHCPOptServerID, netip.MustParseAddr(addr).AsSlice())
	}
	_, opts, _ = answer(t, request(t, layers.DHCPMsgTypeRequest, zero, req("10.0.0.5"), server("10.0.0.1")))
	assert.Equal(t, []byte{byte(layers.DHCPMsgTypeAck)}, opts[layers.DHCPOptMessageType])
	d, opts, p = answer(t, request(t, layers.DHCPMsgTypeRequest, zero, req("10.0.0.6")))
	assert.Equal(t, []byte{byte(layers.DHCPMsgTypeNak)}, opts[layers.DHCPOptMessageType], "another address")
	assert.Nil(t, opts[layers.DHCPOptLeaseTime])
	assert.True(t, d.YourClientIP.Equal(net.IPv4zero))
	assert.Equal(t, "255.255.255.255", p.Layer(layers.LayerTypeIPv4).(*layers.IPv4).DstIP.String(), "a NAK is broadcast")
	d, _, _ = answer(t, request(t, layers.DHCPMsgTypeRequest, zero, req("10.0.0.5"), server("10.0.0.9")))
	assert.Nil(t, d, "the client chose another server")
	_, opts, p = answer(t, request(t, layers.DHCPMsgTypeRequest, netip.MustParseAddr("10.0.0.5")))
	assert.Equal(t, []byte{byte(layers.DHCPMsgTypeAck)}, opts[layers.DHCPOptMessageType], "a renewal names its address in ciaddr")
	assert.Equal(t, "10.0.0.5", p.Layer(layers.LayerTypeIPv4).(*layers.IPv4).DstIP.String())
	d, _, _ = answer(t, request(t, layers.DHCPMsgTypeRelease, netip.MustParseAddr("10.0.0.5")))
	assert.Nil(t, d)
	d, opts, _ = answer(t, request(t, layers.DHCPMsgTypeInform, netip.MustParseAddr("10.0.0.5")))
	require.NotNil(t, d)
	assert.Nil(t, opts[layers.DHCPOptLeaseTime], "no lease for an inform")
	assert.Equal(t, "10.0.0.5", d.ClientIP.String())
}

func TestDHCPRequestOfAnotherMAC(t *testing.T) {
	frame := request(t, layers.DHCPMsgTypeDiscover, netip.IPv4Unspecified())
	copy(frame[6:12], []byte{2, 0, 0, 0, 0, 9}) // chaddr stays the client's
	var f l2.Frame
	require.NoError(t, f.UnmarshalBinary(frame))
	req := dhcpRequest(&f)
	require.NotNil(t, req)
	assert.Nil(t, dhcpReply(req, f.Src, dhcpConf))
}

func FuzzDHCPRequest(f *testing.F) {
	f.Add(request(f, layers.DHCPMsgTypeDiscover, netip.IPv4Unspecified()))
	f.Add(request(f, layers.DHCPMsgTypeRequest, netip.MustParseAddr("10.0.0.5")))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr l2.Frame
		if fr.UnmarshalBinary(data) != nil {
			return
		}
		req := dhcpRequest(&fr)
		if req == nil {
			return
		}
		if r := dhcpReply(req, fr.Src, dhcpConf); r != nil {
			if _, err := dhcpFrame(r, dhcpConf); err != nil {
				t.Fatal(err)
			}
		}
	})
}
