package slicing

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/netslice/netslice/l2"
)

// The DHCPv6 server of ports whose policy has DHCPv6 (RFC 8415), answered
// from packet-ins like DHCPv4: an address in an IA_NA when the port has
// one (stateful), DNS servers either way.

const (
	dhcp6ServerPort = 547
	dhcp6ClientPort = 546
)

// dhcp6Request returns the DHCPv6 message a frame carries to a server
// (UDP to port 547, no IPv6 extension headers) and its source address,
// or nil.
func dhcp6Request(f *l2.Frame) (*layers.DHCPv6, []byte) {
	p := f.Payload
	if f.EtherType != l2.EtherTypeIPv6 || len(p) < 40+8 || p[0]>>4 != 6 || p[6] != uint8(layers.IPProtocolUDP) {
		return nil, nil
	}
	udp := p[40:]
	if binary.BigEndian.Uint16(udp[2:4]) != dhcp6ServerPort {
		return nil, nil
	}
	end := min(int(binary.BigEndian.Uint16(udp[4:6])), len(udp))
	if end < 8+4 {
		return nil, nil
	}
	var m layers.DHCPv6
	if m.DecodeFromBytes(udp[8:end], gopacket.NilDecodeFeedback) != nil {
		return nil, nil
	}
	return &m, p[8:24]
}

// answerDHCPv6 answers a frame from in if it is a DHCPv6 request, and
// reports whether it was one (answered or not: it goes no further).
func (a *App) answerDHCPv6(s *swState, in l2.Location, f *l2.Frame, conf *l2.DHCPv6) bool {
	req, source := dhcp6Request(f)
	if req == nil {
		return false
	}
	a.stats.dhcpRequests.Add(1)
	reply := dhcp6Reply(req, conf)
	if reply == nil {
		return true
	}
	data, err := dhcp6Frame(f, source, reply)
	a.answer(s, in, "DHCPv6 answer", data, err, &a.stats.dhcpAnswers)
	return true
}

// serverDUID is the server's DUID-LL: type 3, hardware type 1, its MAC.
var serverDUID = append([]byte{0, 3, 0, 1}, dhcpServerMAC[:]...)

// dhcp6Reply is the answer to req: an Advertise to a Solicit (a Reply when
// it asks for rapid commit), a Reply to the rest a server answers, nil to
// what is another server's or none's.
func dhcp6Reply(req *layers.DHCPv6, conf *l2.DHCPv6) *layers.DHCPv6 {
	var clientID, serverID []byte
	var iaids [][]byte
	rapid := false
	for _, o := range req.Options {
		switch o.Code {
		case layers.DHCPv6OptClientID:
			clientID = o.Data
		case layers.DHCPv6OptServerID:
			serverID = o.Data
		case layers.DHCPv6OptIANA:
			if len(o.Data) >= 12 {
				iaids = append(iaids, o.Data[:4])
			}
		case layers.DHCPv6OptRapidCommit:
			rapid = true
		}
	}
	// Only an Information-request may leave out who the client is.
	if clientID == nil && req.MsgType != layers.DHCPv6MsgTypeInformationRequest || serverID != nil && string(serverID) != string(serverDUID) {
		return nil
	}
	r := &layers.DHCPv6{MsgType: layers.DHCPv6MsgTypeReply, TransactionID: req.TransactionID}
	opt := func(code layers.DHCPv6Opt, data []byte) {
		r.Options = append(r.Options, layers.NewDHCPv6Option(code, data))
	}
	switch req.MsgType {
	case layers.DHCPv6MsgTypeSolicit:
		if rapid {
			opt(layers.DHCPv6OptRapidCommit, nil)
		} else {
			r.MsgType = layers.DHCPv6MsgTypeAdvertise
		}
	case layers.DHCPv6MsgTypeRequest, layers.DHCPv6MsgTypeRenew, layers.DHCPv6MsgTypeConfirm:
		if serverID == nil && req.MsgType != layers.DHCPv6MsgTypeConfirm {
			return nil // a Request and a Renew name their server
		}
	case layers.DHCPv6MsgTypeRebind, layers.DHCPv6MsgTypeInformationRequest:
	case layers.DHCPv6MsgTypeRelease, layers.DHCPv6MsgTypeDecline:
		opt(layers.DHCPv6OptClientID, clientID)
		opt(layers.DHCPv6OptServerID, serverDUID)
		opt(layers.DHCPv6OptStatusCode, []byte{0, 0}) // success
		return r
	default:
		return nil
	}
	if clientID != nil {
		opt(layers.DHCPv6OptClientID, clientID)
	}
	opt(layers.DHCPv6OptServerID, serverDUID)
	if req.MsgType != layers.DHCPv6MsgTypeInformationRequest {
		valid := conf.Lease
		if valid <= 0 {
			valid = defaultLease
		}
		secs := uint32(min(valid/time.Second, 0xfffffffe))
		for _, iaid := range iaids {
			ia := append([]byte{}, iaid...)
			ia = binary.BigEndian.AppendUint32(ia, secs/2)
			ia = binary.BigEndian.AppendUint32(ia, uint32(uint64(secs)*4/5))
			if conf.Address.IsValid() {
				addr := append(conf.Address.AsSlice(), 0, 0, 0, 0, 0, 0, 0, 0)
				binary.BigEndian.PutUint32(addr[16:], secs)
				binary.BigEndian.PutUint32(addr[20:], secs)
				ia = append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(ia, uint16(layers.DHCPv6OptIAAddr)), uint16(len(addr))), addr...)
			} else {
				ia = append(ia, 0, byte(layers.DHCPv6OptStatusCode), 0, 2, 0, 2) // NoAddrsAvail
			}
			opt(layers.DHCPv6OptIANA, ia)
		}
	}
	var dns []byte
	for _, a := range conf.DNS {
		dns = append(dns, a.AsSlice()...)
	}
	if len(dns) > 0 {
		opt(layers.DHCPv6OptDNSServers, dns)
	}
	return r
}

// dhcp6Frame puts a reply in a frame from the server's link-local
// address to the client's source address and MAC.
func dhcp6Frame(f *l2.Frame, source []byte, r *layers.DHCPv6) ([]byte, error) {
	dst := f.Src // a copy: the frame is not the answer's to keep
	eth := &layers.Ethernet{SrcMAC: dhcpServerMAC[:], DstMAC: dst[:], EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolUDP, HopLimit: 255,
		SrcIP: l2.LinkLocal(dhcpServerMAC).AsSlice(), DstIP: netip.AddrFrom16([16]byte(source)).AsSlice()}
	udp := &layers.UDP{SrcPort: dhcp6ServerPort, DstPort: dhcp6ClientPort}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, r)
	return buf.Bytes(), err
}
