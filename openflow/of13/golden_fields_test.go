package of13_test

import (
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/of13"
)

// TestGoldenEveryField: a flow_mod matching each of the 40 OXM basic
// fields (with its prerequisites), decoded by Open vSwitch — or by tshark
// for the three OVS does not implement (in_phy_port, pbb_isid,
// ipv6_exthdr) — names the field and its value.
func TestGoldenEveryField(t *testing.T) {
	p := netip.MustParsePrefix
	mac := [6]byte{2, 0, 0, 0, 0, 9}
	ip4, ip6, tcp, udp, sctp := of13.EthType(0x0800), of13.EthType(0x86dd), of13.IPProto(6), of13.IPProto(17), of13.IPProto(132)
	arp, mpls := of13.EthType(0x0806), of13.EthType(0x8847)
	for _, c := range []struct {
		fields []of13.Field
		want   string
	}{
		{[]of13.Field{of13.InPort(7)}, "in_port=7"},
		{[]of13.Field{of13.Metadata(0x10, 0xff)}, "metadata=0x10/0xff"},
		{[]of13.Field{of13.EthDst(mac)}, "dl_dst=02:00:00:00:00:09"},
		{[]of13.Field{of13.EthSrc(mac)}, "dl_src=02:00:00:00:00:09"},
		{[]of13.Field{of13.EthType(0x88cc)}, "dl_type=0x88cc"},
		{[]of13.Field{of13.VLANVID(100)}, "dl_vlan=100"},
		{[]of13.Field{of13.VLANVID(100), of13.VLANPCP(5)}, "dl_vlan_pcp=5"},
		{[]of13.Field{ip4, of13.IPDSCP(8)}, "nw_tos=32"},
		{[]of13.Field{ip4, of13.IPECN(1)}, "nw_ecn=1"},
		{[]of13.Field{ip4, of13.IPProto(47)}, "nw_proto=47"},
		{[]of13.Field{ip4, of13.IPv4Src(p("10.0.0.1/32"))}, "nw_src=10.0.0.1"},
		{[]of13.Field{ip4, of13.IPv4Dst(p("10.0.0.0/8"))}, "nw_dst=10.0.0.0/8"},
		{[]of13.Field{ip4, tcp, of13.TCPSrc(1000)}, "tcp,tp_src=1000"},
		{[]of13.Field{ip4, tcp, of13.TCPDst(80)}, "tcp,tp_dst=80"},
		{[]of13.Field{ip4, udp, of13.UDPSrc(68)}, "udp,tp_src=68"},
		{[]of13.Field{ip4, udp, of13.UDPDst(53)}, "udp,tp_dst=53"},
		{[]of13.Field{ip4, sctp, of13.SCTPSrc(7)}, "sctp,tp_src=7"},
		{[]of13.Field{ip4, sctp, of13.SCTPDst(9)}, "sctp,tp_dst=9"},
		{[]of13.Field{ip4, of13.IPProto(1), of13.ICMPv4Type(8)}, "icmp_type=8"},
		{[]of13.Field{ip4, of13.IPProto(1), of13.ICMPv4Code(3)}, "icmp_code=3"},
		{[]of13.Field{arp, of13.ARPOp(2)}, "arp_op=2"},
		{[]of13.Field{arp, of13.ARPSPA(p("10.0.0.1/32"))}, "arp_spa=10.0.0.1"},
		{[]of13.Field{arp, of13.ARPTPA(p("10.0.0.2/32"))}, "arp_tpa=10.0.0.2"},
		{[]of13.Field{arp, of13.ARPSHA(mac)}, "arp_sha=02:00:00:00:00:09"},
		{[]of13.Field{arp, of13.ARPTHA(mac)}, "arp_tha=02:00:00:00:00:09"},
		{[]of13.Field{ip6, of13.IPv6Src(p("2001:db8::/32"))}, "ipv6_src=2001:db8::/32"},
		{[]of13.Field{ip6, of13.IPv6Dst(p("2001:db8::1/128"))}, "ipv6_dst=2001:db8::1"},
		{[]of13.Field{ip6, of13.IPv6FLabel(0x12345)}, "ipv6_label=0x12345"},
		{[]of13.Field{ip6, of13.IPProto(58), of13.ICMPv6Type(128)}, "icmp_type=128"},
		{[]of13.Field{ip6, of13.IPProto(58), of13.ICMPv6Code(1)}, "icmp_code=1"},
		{[]of13.Field{ip6, of13.IPProto(58), of13.ICMPv6Type(135), of13.IPv6NDTarget(netip.MustParseAddr("2001:db8::7"))}, "nd_target=2001:db8::7"},
		{[]of13.Field{ip6, of13.IPProto(58), of13.ICMPv6Type(135), of13.IPv6NDSLL(mac)}, "nd_sll=02:00:00:00:00:09"},
		{[]of13.Field{ip6, of13.IPProto(58), of13.ICMPv6Type(136), of13.IPv6NDTLL(mac)}, "nd_tll=02:00:00:00:00:09"},
		{[]of13.Field{mpls, of13.MPLSLabel(100)}, "mpls_label=100"},
		{[]of13.Field{mpls, of13.MPLSTC(3)}, "mpls_tc=3"},
		{[]of13.Field{mpls, of13.MPLSBOS(1)}, "mpls_bos=1"},
		{[]of13.Field{of13.TunnelID(0x1234, ^uint64(0))}, "tun_id=0x1234"},
	} {
		t.Run(c.want, func(t *testing.T) {
			fm := of13.NewFlowMod(of13.FlowAdd)
			fm.Match = of13.NewMatch(c.fields...)
			require.NoError(t, fm.Validate())
			oftest.Golden(t, fm, []string{c.want})
		})
	}
	// What Open vSwitch does not implement, tshark's OpenFlow dissector
	// reads.
	for _, c := range []struct {
		fields []of13.Field
		want   string
	}{
		{[]of13.Field{of13.InPort(1), of13.InPhyPort(9)}, "OFPXMT_OFB_IN_PHY_PORT"},
		{[]of13.Field{of13.EthType(0x88e7), of13.PBBISID(0x123456)}, "OFPXMT_OFB_PBB_ISID"},
		{[]of13.Field{of13.EthType(0x86dd), of13.IPv6ExtHdr(0x40, 0xffff)}, "OFPXMT_OFB_IPV6_EXTHDR"},
	} {
		t.Run(c.want, func(t *testing.T) {
			fm := of13.NewFlowMod(of13.FlowAdd)
			fm.Match = of13.NewMatch(c.fields...)
			require.NoError(t, fm.Validate())
			b, err := fm.MarshalBinary()
			require.NoError(t, err)
			out := tsharkPrint(t, b)
			assert.Contains(t, out, c.want, "%s", out)
			assert.NotContains(t, strings.ToLower(out), "malformed", "%s", out)
		})
	}
}

// tsharkPrint has tshark dissect b as OpenFlow sent to port 6653 (from a
// pcap file the test writes), skipping the test when tshark is missing.
func tsharkPrint(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: apt-get install tshark (make test does as root)")
	}
	// A hex dump as text2pcap reads it, wrapped in TCP to port 6653.
	var dump strings.Builder
	for off := 0; off < len(b); off += 16 {
		end := min(off+16, len(b))
		dump.WriteString(hexOffset(off) + " " + spaced(hex.EncodeToString(b[off:end])) + "\n")
	}
	dir := t.TempDir()
	txt, pcap := filepath.Join(dir, "in.txt"), filepath.Join(dir, "in.pcap")
	require.NoError(t, os.WriteFile(txt, []byte(dump.String()), 0o644))
	out, err := exec.Command("text2pcap", "-q", "-T", "40000,6653", txt, pcap).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command("tshark", "-r", pcap, "-V", "-d", "tcp.port==6653,openflow").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func hexOffset(n int) string {
	const digits = "0123456789abcdef"
	s := []byte("000000")
	for i := 5; i >= 0 && n > 0; i-- {
		s[i] = digits[n%16]
		n /= 16
	}
	return string(s)
}

func spaced(h string) string {
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// TestGoldenTableFeatureProperties: a table with all 16 property types.
// Open vSwitch reads the 14 it implements (it has no experimenter table
// properties); tshark names all 16.
func TestGoldenTableFeatureProperties(t *testing.T) {
	tf := of13.TableFeatures{TableID: 2, Name: "all", MetadataMatch: ^uint64(0), MetadataWrite: ^uint64(0), MaxEntries: 1000,
		Properties: []of13.TableFeatureProp{
			{Type: of13.TFPInstructions, IDs: []uint16{1, 4}},
			{Type: of13.TFPInstructionsMiss, IDs: []uint16{1}},
			{Type: of13.TFPNextTables, NextTables: []uint8{3, 4}},
			{Type: of13.TFPNextTablesMiss, NextTables: []uint8{5}},
			{Type: of13.TFPWriteActions, IDs: []uint16{0}},
			{Type: of13.TFPWriteActionsMiss, IDs: []uint16{0, 17}},
			{Type: of13.TFPApplyActions, IDs: []uint16{0, 17}},
			{Type: of13.TFPApplyActionsMiss, IDs: []uint16{0}},
			{Type: of13.TFPMatch, OXMs: []uint32{0x80000004, 0x80000a02}},
			{Type: of13.TFPWildcards, OXMs: []uint32{0x80000a02}},
			{Type: of13.TFPWriteSetfield, OXMs: []uint32{0x80000c02}},
			{Type: of13.TFPWriteSetfieldMiss, OXMs: []uint32{0x80000c02}},
			{Type: of13.TFPApplySetfield, OXMs: []uint32{0x80000c02}},
			{Type: of13.TFPApplySetfieldMiss, OXMs: []uint32{0x80000806}},
		}}
	reply := func(tf of13.TableFeatures) *of13.MultipartReply {
		return &of13.MultipartReply{Body: of13.TableFeaturesReply{Features: []of13.TableFeatures{tf}}}
	}
	oftest.Golden(t, reply(tf), []string{"instructions (other than table miss)", "instructions (table miss)",
		"next tables: 3-4", "next tables: 5", "instructions: apply_actions goto_table", "instructions: goto_table",
		"actions: output push_vlan", "supported on Set-Field: vlan_vid", "supported on Set-Field: eth_src",
		"exact match or wildcard: eth_type", "must exact match: in_port_oxm"})

	tf.Properties = append(tf.Properties,
		of13.TableFeatureProp{Type: of13.TFPExperimenter, Experimenter: 0x2320, ExpType: 1, Data: []byte{1, 2, 3, 4}},
		of13.TableFeatureProp{Type: of13.TFPExperimenterMiss, Experimenter: 0x2320, ExpType: 2, Data: []byte{5, 6, 7, 8}})
	b, err := reply(tf).MarshalBinary()
	require.NoError(t, err)
	out := tsharkPrint(t, b)
	for _, name := range []string{"INSTRUCTIONS", "INSTRUCTIONS_MISS", "NEXT_TABLES", "NEXT_TABLES_MISS", "WRITE_ACTIONS",
		"WRITE_ACTIONS_MISS", "APPLY_ACTIONS", "APPLY_ACTIONS_MISS", "MATCH", "WILDCARDS", "WRITE_SETFIELD",
		"WRITE_SETFIELD_MISS", "APPLY_SETFIELD", "APPLY_SETFIELD_MISS", "EXPERIMENTER", "EXPERIMENTER_MISS"} {
		assert.Contains(t, out, "Type: OFPTFPT_"+name+" (", "%s", out)
	}
	assert.NotContains(t, strings.ToLower(out), "malformed")
}
