package slicing

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/netslice/netslice/l2"
)

// ARP and IPv6 neighbor discovery answered at the edge: a request (a
// solicitation) for an address the slice's policies give a port
// (l2.PortPolicy.Addresses) is answered by the controller for that port,
// so it is not flooded.

// arpRequest returns the sender's and the target's protocol addresses of
// an Ethernet/IPv4 ARP request.
func arpRequest(f *l2.Frame) (sender, target netip.Addr, ok bool) {
	p := f.Payload
	if f.EtherType != l2.EtherTypeARP || len(p) < 28 || binary.BigEndian.Uint16(p[0:2]) != 1 ||
		binary.BigEndian.Uint16(p[2:4]) != 0x0800 || p[4] != 6 || p[5] != 4 || binary.BigEndian.Uint16(p[6:8]) != 1 {
		return netip.Addr{}, netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(p[14:18])), netip.AddrFrom4([4]byte(p[24:28])), true
}

// arpReply builds the reply of mac, which has target, to a request from
// f.Src (sha) at sender.
func arpReply(b []byte, f *l2.Frame, mac l2.MAC, sender, target netip.Addr) []byte {
	b = append(b, f.Src[:]...)
	b = append(b, mac[:]...)
	b = append(b, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2)
	b = append(b, mac[:]...)
	b = append(b, target.AsSlice()...)
	b = append(b, f.Payload[8:14]...) // the requester's hardware address
	b = append(b, sender.AsSlice()...)
	return append(b, make([]byte, 18)...) // to the 60-byte minimum
}

// answerARP answers a request of f's slice for an address a port of it
// has, and reports whether it did. A gratuitous request (for the
// sender's own address) and one for the requester's own MAC are left to
// the flood.
func (a *App) answerARP(s *swState, in l2.Location, f *l2.Frame, slice string) bool {
	sender, target, ok := arpRequest(f)
	if !ok || sender == target {
		return false
	}
	mac, ok := a.fabric.Resolve(slice, target)
	if !ok || mac == f.Src {
		return false
	}
	var buf [60]byte
	data := arpReply(buf[:0], f, mac, sender, target)
	a.sendOwn(s, s.d.packetOut(&s.scratch, l2.Untagged, in, data))
	a.stats.arpAnswers.Add(1)
	return true
}

// neighborSolicitation returns the source and target of an IPv6 neighbor
// solicitation without extension headers.
func neighborSolicitation(f *l2.Frame) (source, target netip.Addr, ok bool) {
	p := f.Payload
	if f.EtherType != l2.EtherTypeIPv6 || len(p) < 40+24 || p[0]>>4 != 6 || p[6] != 58 || p[40] != 135 || p[41] != 0 {
		return netip.Addr{}, netip.Addr{}, false
	}
	return netip.AddrFrom16([16]byte(p[8:24])), netip.AddrFrom16([16]byte(p[48:64])), true
}

// neighborAdvertisement builds the answer of mac, which has target, to a
// solicitation from f.Src at source: solicited, override, with the
// target's link-layer address.
func neighborAdvertisement(f *l2.Frame, mac l2.MAC, source, target netip.Addr) ([]byte, error) {
	dst := f.Src // a copy: the frame is not the answer's to keep
	eth := &layers.Ethernet{SrcMAC: mac[:], DstMAC: dst[:], EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 255, SrcIP: target.AsSlice(), DstIP: source.AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeNeighborAdvertisement, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	na := &layers.ICMPv6NeighborAdvertisement{Flags: 0x60, TargetAddress: target.AsSlice(),
		Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptTargetAddress, Data: mac[:]}}}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, icmp, na)
	return buf.Bytes(), err
}

// answerND answers a neighbor solicitation of f's slice for an address a
// port of it has, and reports whether it did. Duplicate address
// detection (from ::) is left to the flood: an answer would tell the
// host its address is taken.
func (a *App) answerND(s *swState, in l2.Location, f *l2.Frame, slice string) bool {
	source, target, ok := neighborSolicitation(f)
	if !ok || source.IsUnspecified() || source == target {
		return false
	}
	mac, ok := a.fabric.Resolve(slice, target)
	if !ok || mac == f.Src {
		return false
	}
	data, err := neighborAdvertisement(f, mac, source, target)
	if err != nil {
		return false
	}
	a.sendOwn(s, s.d.packetOut(&s.scratch, l2.Untagged, in, data))
	a.stats.arpAnswers.Add(1)
	return true
}
