package slicing

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/netslice/netslice/l2"
)

// tenRules is a port's typical rule set: SSH and HTTP(S) from a network,
// ICMP echo, a UDP range, and the rest per IP version.
func tenRules() (ingress, egress []l2.Rule) {
	v4, v6 := uint16(l2.EtherTypeIPv4), uint16(l2.EtherTypeIPv6)
	lan := netip.MustParsePrefix("10.0.0.0/16")
	ingress = []l2.Rule{
		{EtherType: v4, Protocol: 6, PortMin: 22, PortMax: 22, Remote: lan},
		{EtherType: v4, Protocol: 6, PortMin: 80, PortMax: 80},
		{EtherType: v4, Protocol: 6, PortMin: 443, PortMax: 443},
		{EtherType: v4, Protocol: 1, TypeSet: true, ICMPType: 8},
		{EtherType: v4, Protocol: 17, PortMin: 5000, PortMax: 5100, Remote: lan},
		{EtherType: v6, Protocol: 6, PortMin: 22, PortMax: 22},
		{EtherType: v6, Protocol: 58, TypeSet: true, ICMPType: 128},
		{EtherType: v4, Remote: netip.MustParsePrefix("10.0.9.0/24")},
	}
	egress = []l2.Rule{{EtherType: v4}, {EtherType: v6}}
	return ingress, egress
}

// BenchmarkFilterFlows compiles the flows of 1,000 ports with ten rules
// each: the time per port, and how many flows a port takes.
func BenchmarkFilterFlows(b *testing.B) {
	in, out := tenRules()
	ports := make([]*filterPort, 1000)
	for i := range ports {
		ports[i] = newFilterPort(l2.Location{Datapath: 1, Port: l2.Port(i + 1), VLAN: l2.Untagged}, uint16(i+1),
			&l2.PortPolicy{Filtered: true, Ingress: in, Egress: out})
	}
	flows := 0
	b.ReportAllocs()
	for b.Loop() {
		flows = 0
		for _, fp := range ports {
			for _, m := range filterFlows13(fp) {
				if _, err := m.MarshalBinary(); err != nil {
					b.Fatal(err)
				}
				flows++
			}
		}
	}
	b.ReportMetric(float64(flows)/float64(len(ports)), "flows/port")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ports)), "ns/port")
}

// BenchmarkDHCPAnswer is the controller's work for one DHCP request:
// parse it, build the answer, encode the frame.
func BenchmarkDHCPAnswer(b *testing.B) {
	data := request(b, layers.DHCPMsgTypeDiscover, netip.IPv4Unspecified())
	var f l2.Frame
	b.ReportAllocs()
	for b.Loop() {
		if err := f.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		r := dhcpReply(dhcpRequest(&f), f.Src, dhcpConf)
		if _, err := dhcpFrame(r, dhcpConf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
}
