package slicing

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/netslice/netslice/l2"
)

// Router advertisements answered by the controller: a router
// solicitation from a port whose policy has an RA gets one, from the
// DHCP server's MAC and its link-local address, and goes nowhere else.

// routerSolicitation reports whether f is an IPv6 router solicitation
// without extension headers, and returns its source.
func routerSolicitation(f *l2.Frame) ([]byte, bool) {
	p := f.Payload
	if f.EtherType != l2.EtherTypeIPv6 || len(p) < 40+8 || p[0]>>4 != 6 || p[6] != 58 || p[7] != 255 || p[40] != 133 || p[41] != 0 {
		return nil, false
	}
	return p[8:24], true
}

// Lifetimes of the advertised prefix and DNS servers, in seconds: a day,
// refreshed by every solicitation.
const (
	raValid     = 86400
	raPreferred = 14400
)

// routerAdvertisement builds the answer to a solicitation from f.Src at
// source (the unspecified address: to all nodes).
func routerAdvertisement(f *l2.Frame, source []byte, ra *l2.RouterAdvertisement) ([]byte, error) {
	src := f.Src // a copy: the frame is not the answer's to keep
	dstMAC, dstIP := src[:], source
	if [16]byte(source) == [16]byte{} {
		dstMAC, dstIP = []byte{0x33, 0x33, 0, 0, 0, 1}, []byte{0xff, 0x02, 15: 1}
	}
	eth := &layers.Ethernet{SrcMAC: dhcpServerMAC[:], DstMAC: dstMAC, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 255,
		SrcIP: l2.LinkLocal(dhcpServerMAC).AsSlice(), DstIP: dstIP}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeRouterAdvertisement, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	adv := &layers.ICMPv6RouterAdvertisement{HopLimit: 64}
	if ra.Managed {
		adv.Flags |= 0x80
	}
	if ra.OtherConfig {
		adv.Flags |= 0x40
	}
	opt := func(t layers.ICMPv6Opt, data []byte) {
		adv.Options = append(adv.Options, layers.ICMPv6Option{Type: t, Data: data})
	}
	opt(layers.ICMPv6OptSourceAddress, dhcpServerMAC[:])
	if ra.MTU != 0 {
		opt(layers.ICMPv6OptMTU, binary.BigEndian.AppendUint32([]byte{0, 0}, uint32(ra.MTU)))
	}
	flags := byte(0x80) // on-link
	if ra.SLAAC {
		flags |= 0x40 // autonomous
	}
	pi := []byte{byte(ra.Prefix.Bits()), flags}
	pi = binary.BigEndian.AppendUint32(pi, raValid)
	pi = binary.BigEndian.AppendUint32(pi, raPreferred)
	pi = append(append(pi, 0, 0, 0, 0), ra.Prefix.Addr().AsSlice()...)
	opt(layers.ICMPv6OptPrefixInfo, pi)
	if len(ra.DNS) > 0 {
		d := binary.BigEndian.AppendUint32([]byte{0, 0}, raValid)
		for _, a := range ra.DNS {
			d = append(d, a.AsSlice()...)
		}
		opt(layers.ICMPv6OptRecursiveDNSServer, d)
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, icmp, adv)
	return buf.Bytes(), err
}

// answerRS answers a router solicitation from in, and reports whether f
// was one (answered or not: it goes no further).
func (a *App) answerRS(s *swState, in l2.Location, f *l2.Frame, ra *l2.RouterAdvertisement) bool {
	source, ok := routerSolicitation(f)
	if !ok {
		return false
	}
	data, err := routerAdvertisement(f, source, ra)
	a.answer(s, in, "router advertisement", data, err, &a.stats.raAnswers)
	return true
}
