package slicing

import (
	"encoding/binary"
	"net/netip"

	"github.com/netslice/netslice/l2"
)

// ARP answered at the edge: a request for an address the slice's
// policies give a port (l2.PortPolicy.Addresses) is answered by the
// controller for that port, so it is not flooded.

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
