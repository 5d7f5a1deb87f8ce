package slicing

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/netslice/netslice/l2"
)

// The DHCPv4 server of ports whose policy has DHCP: the controller
// answers their requests from packet-ins, as OVN's native DHCP does, and
// the requests go nowhere else.

// dhcpServerMAC is the source of the answers: locally administered, the
// app's marker in its first bytes.
var dhcpServerMAC = l2.MAC{0x02, 0x6e, 0x73, 0xd4, 0xc0, 0x01}

const (
	dhcpServerPort = 67
	dhcpClientPort = 68
	defaultLease   = 24 * time.Hour
)

// dhcpRequest returns the DHCP message a frame carries to a server, or
// nil: an IPv4 packet, not a fragment, UDP to port 67.
func dhcpRequest(f *l2.Frame) *layers.DHCPv4 {
	p := f.Payload
	if f.EtherType != l2.EtherTypeIPv4 || len(p) < 20 || p[0]>>4 != 4 || p[9] != uint8(layers.IPProtocolUDP) {
		return nil
	}
	ihl := int(p[0]&0x0f) * 4
	if ihl < 20 || len(p) < ihl+8 || binary.BigEndian.Uint16(p[6:8])&0x3fff != 0 {
		return nil
	}
	udp := p[ihl:]
	if binary.BigEndian.Uint16(udp[2:4]) != dhcpServerPort {
		return nil
	}
	end := min(int(binary.BigEndian.Uint16(udp[4:6])), len(udp))
	if end < 8 {
		return nil
	}
	var m layers.DHCPv4
	if m.DecodeFromBytes(udp[8:end], gopacket.NilDecodeFeedback) != nil || m.Operation != layers.DHCPOpRequest {
		return nil
	}
	return &m
}

// answerDHCP answers a frame from in if it is a DHCP request, and reports
// whether it was one (answered or not: a request never goes further).
func (a *App) answerDHCP(s *swState, in l2.Location, f *l2.Frame, conf *l2.DHCPv4) bool {
	req := dhcpRequest(f)
	if req == nil {
		return false
	}
	a.stats.dhcpRequests.Add(1)
	reply := dhcpReply(req, f.Src, conf)
	if reply == nil {
		return true
	}
	data, err := dhcpFrame(reply, conf)
	a.answer(s, in, "DHCP answer", data, err, &a.stats.dhcpAnswers)
	return true
}

// answer sends a frame the controller made in answer to one that came in
// at in back out of in, and counts it in n; one it could not encode (err)
// is logged as what and goes nowhere.
func (a *App) answer(s *swState, in l2.Location, what string, data []byte, err error, n *atomic.Uint64) {
	if err != nil {
		a.log.Error(what+" not encoded", "port", in.String(), "err", err)
		return
	}
	a.sendOwn(s, s.d.packetOut(&s.scratch, l2.Untagged, in, data))
	n.Add(1)
}

// dhcpReply is the answer to req from a client at mac: an offer to a
// discover, an ack to a request for the port's address (a NAK to one for
// another), nothing to what needs no answer (release, decline) or is
// not this client's.
func dhcpReply(req *layers.DHCPv4, mac l2.MAC, conf *l2.DHCPv4) *layers.DHCPv4 {
	if req.HardwareType != layers.LinkTypeEthernet || len(req.ClientHWAddr) != 6 || l2.MAC(req.ClientHWAddr) != mac {
		return nil
	}
	var typ layers.DHCPMsgType
	var requested, server netip.Addr
	for _, o := range req.Options {
		switch {
		case o.Type == layers.DHCPOptMessageType && len(o.Data) == 1:
			typ = layers.DHCPMsgType(o.Data[0])
		case o.Type == layers.DHCPOptRequestIP && len(o.Data) == 4:
			requested = netip.AddrFrom4([4]byte(o.Data))
		case o.Type == layers.DHCPOptServerID && len(o.Data) == 4:
			server = netip.AddrFrom4([4]byte(o.Data))
		}
	}
	addr := conf.Address.Addr()
	var answer layers.DHCPMsgType
	switch typ {
	case layers.DHCPMsgTypeDiscover:
		answer = layers.DHCPMsgTypeOffer
	case layers.DHCPMsgTypeRequest:
		if server.IsValid() && server != conf.Server {
			return nil // the client chose another server
		}
		asked := requested
		if ip4 := req.ClientIP.To4(); !asked.IsValid() && ip4 != nil {
			asked = netip.AddrFrom4([4]byte(ip4)) // renewing or rebinding
		}
		answer = layers.DHCPMsgTypeAck
		if asked != addr {
			answer = layers.DHCPMsgTypeNak
		}
	case layers.DHCPMsgTypeInform:
		answer = layers.DHCPMsgTypeAck
	default:
		return nil
	}
	r := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6,
		Xid: req.Xid, Flags: req.Flags, RelayAgentIP: req.RelayAgentIP, ClientHWAddr: req.ClientHWAddr,
		ClientIP: net.IPv4zero, YourClientIP: net.IPv4zero, NextServerIP: net.IPv4zero}
	opt := func(t layers.DHCPOpt, data []byte) {
		r.Options = append(r.Options, layers.NewDHCPOption(t, data))
	}
	opt(layers.DHCPOptMessageType, []byte{byte(answer)})
	opt(layers.DHCPOptServerID, conf.Server.AsSlice())
	if answer == layers.DHCPMsgTypeNak {
		return r // SerializeTo ends the options
	}
	if typ == layers.DHCPMsgTypeInform {
		r.ClientIP = req.ClientIP // no lease: the client has its address
	} else {
		r.YourClientIP = addr.AsSlice()
		lease := conf.Lease
		if lease <= 0 {
			lease = defaultLease
		}
		secs := uint32(min(lease/time.Second, 0xfffffffe))
		opt(layers.DHCPOptLeaseTime, binary.BigEndian.AppendUint32(nil, secs))
		opt(layers.DHCPOptT1, binary.BigEndian.AppendUint32(nil, secs/2))
		opt(layers.DHCPOptT2, binary.BigEndian.AppendUint32(nil, uint32(uint64(secs)*7/8)))
	}
	overridden := map[uint8]bool{}
	for _, o := range conf.Options {
		overridden[o.Code] = true
	}
	std := func(t layers.DHCPOpt, data []byte) {
		if !overridden[uint8(t)] && len(data) > 0 {
			opt(t, data)
		}
	}
	std(layers.DHCPOptSubnetMask, net.CIDRMask(conf.Address.Bits(), 32))
	if conf.Router.IsValid() {
		std(layers.DHCPOptRouter, conf.Router.AsSlice())
	}
	var dns []byte
	for _, a := range conf.DNS {
		if a.Is4() {
			dns = append(dns, a.AsSlice()...)
		}
	}
	std(layers.DHCPOptDNS, dns)
	std(layers.DHCPOptDomainName, []byte(conf.Domain))
	if conf.MTU != 0 {
		std(layers.DHCPOptInterfaceMTU, binary.BigEndian.AppendUint16(nil, conf.MTU))
	}
	if len(conf.Routes) > 0 {
		std(layers.DHCPOptClasslessStaticRoute, classlessRoutes(conf))
	}
	for _, o := range conf.Options {
		opt(layers.DHCPOpt(o.Code), o.Value)
	}
	return r
}

// classlessRoutes encodes option 121 (RFC 3442): each route as its
// prefix length, the significant octets of its destination, its router.
// A client that takes it ignores option 3, so the default route goes in
// too.
func classlessRoutes(conf *l2.DHCPv4) []byte {
	var b []byte
	add := func(dst netip.Prefix, via netip.Addr) {
		a := dst.Masked().Addr().As4()
		b = append(b, byte(dst.Bits()))
		b = append(b, a[:(dst.Bits()+7)/8]...)
		b = append(b, via.AsSlice()...)
	}
	for _, r := range conf.Routes {
		add(r.Dst, r.Via)
	}
	if conf.Router.IsValid() {
		add(netip.PrefixFrom(netip.IPv4Unspecified(), 0), conf.Router)
	}
	return b
}

// dhcpFrame puts a reply in an Ethernet frame from the server to the
// client: to its address and MAC, or broadcast when it asked so (or has
// no address yet to take unicast on, as the flag says).
func dhcpFrame(r *layers.DHCPv4, conf *l2.DHCPv4) ([]byte, error) {
	dstMAC, dstIP := net.HardwareAddr(r.ClientHWAddr), net.IP(r.YourClientIP)
	if r.Flags&0x8000 != 0 || dstIP.Equal(net.IPv4zero) {
		dstMAC, dstIP = net.HardwareAddr(l2.Broadcast[:]), net.IPv4bcast
	}
	if !r.ClientIP.Equal(net.IPv4zero) {
		dstIP = r.ClientIP
	}
	eth := &layers.Ethernet{SrcMAC: dhcpServerMAC[:], DstMAC: dstMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: conf.Server.AsSlice(), DstIP: dstIP}
	udp := &layers.UDP{SrcPort: dhcpServerPort, DstPort: dhcpClientPort}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, r)
	return buf.Bytes(), err
}
