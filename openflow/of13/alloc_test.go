package of13_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/of13"
)

// benchFlowMod is the issue's flow_mod: a 3-field OXM match and
// apply-actions with two actions.
func benchFlowMod() *of13.FlowMod {
	return &of13.FlowMod{
		Header: of13.Header{XID: 42}, Cookie: 0x1, Command: of13.FlowAdd, IdleTimeout: 60, Priority: 100,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match: of13.NewMatch(of13.InPort(1), of13.EthDst([6]byte{2, 0, 0, 0, 0, 2}),
			of13.EthSrc([6]byte{2, 0, 0, 0, 0, 1})),
		Instructions: of13.Apply(of13.SetField(of13.EthDst([6]byte{2, 0, 0, 0, 0, 3})), of13.Output(2)),
	}
}

// benchPacketIn is a 1.3 packet_in carrying a 64-byte frame.
func benchPacketIn(tb testing.TB) []byte {
	frame := make([]byte, 64)
	copy(frame, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06})
	b, err := (&of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 64, Reason: of13.ReasonNoMatch,
		Cookie: 0, Match: of13.NewMatch(of13.InPort(3)), Data: frame}).MarshalBinary()
	require.NoError(tb, err)
	return b
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	fm := benchFlowMod()
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(1000, func() {
		var err error
		if buf, err = fm.AppendBinary(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "FlowMod.AppendBinary into a reused buffer")

	b := benchPacketIn(t)
	var pi of13.PacketIn
	require.NoError(t, pi.UnmarshalBinary(b)) // warm the match's field slice
	allocs = testing.AllocsPerRun(1000, func() {
		if err := pi.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "PacketIn.UnmarshalBinary into a reused message")
	port, ok := pi.Match.InPort()
	assert.True(t, ok)
	assert.Equal(t, uint32(3), port)
	assert.Len(t, pi.Data, 64)
}

// Building the issue's example as one expression.
func ExampleFlowMod() {
	fm := &of13.FlowMod{
		Command:  of13.FlowAdd,
		Priority: 100,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match:        of13.NewMatch(of13.EthType(0x0800), of13.IPv4Dst(netip.MustParsePrefix("10.0.0.0/8"))),
		Instructions: of13.Apply(of13.Output(2)),
	}
	b, err := fm.MarshalBinary()
	if err != nil {
		panic(err)
	}
	// Write b to the switch; here, read it back.
	m, _ := of13.Decode(b)
	got := m.(*of13.FlowMod)
	fmt.Println(len(b), got.Match.Fields[1], got.Instructions[0].Actions[0].Port)
	// Output: 96 ipv4_dst=10.0.0.0/8 2
}

// Reading the fields of a match: by class and type, with the typed
// getters, or in ovs-ofctl's words.
func ExampleField() {
	m := of13.NewMatch(of13.InPort(3), of13.EthDst([6]byte{2, 0, 0, 0, 0, 9}),
		of13.IPv6Src(netip.MustParsePrefix("2001:db8::/32")))
	for _, f := range m.Fields {
		switch f.Type() {
		case of13.FieldInPort:
			port, _ := f.Uint()
			fmt.Println("port", port)
		case of13.FieldEthDst:
			mac, _ := f.MAC()
			fmt.Printf("to %x\n", mac)
		default:
			fmt.Println(f, f.HasMask(), f.Class() == of13.ClassBasic)
		}
	}
	// Output:
	// port 3
	// to 020000000009
	// ipv6_src=2001:db8::/32 true true
}

// A match that a switch would refuse is refused before it is sent.
func ExampleMatch_Validate() {
	m := of13.NewMatch(of13.TCPDst(80)) // tcp_dst without ip_proto=6
	fmt.Println(m.Validate())
	// Output: openflow: bad match: tcp_dst: needs ip_proto 6 (BAD_PREREQ)
}

// TestFieldBuildersDoNotAllocate: fields hold their values inline.
func TestFieldBuildersDoNotAllocate(t *testing.T) {
	mac := [6]byte{2, 0, 0, 0, 0, 1}
	p := netip.MustParsePrefix("2001:db8::/32")
	allocs := testing.AllocsPerRun(100, func() {
		m := of13.NewMatch(of13.InPort(1), of13.VLANVID(10), of13.EthSrc(mac), of13.EthDstMasked(mac, mac), of13.IPv6Src(p))
		_ = m
	})
	if allocs > 1 { // the Fields slice of NewMatch's variadic call, at most
		t.Fatalf("%v allocations building a match", allocs)
	}
}

func TestFieldString(t *testing.T) {
	for _, tt := range []struct {
		f    of13.Field
		want string
	}{
		{of13.InPort(7), "in_port=7"},
		{of13.EthSrc([6]byte{2, 0, 0, 0, 0, 1}), "eth_src=02:00:00:00:00:01"},
		{of13.EthDstMasked([6]byte{1}, [6]byte{1}), "eth_dst=01:00:00:00:00:00/01:00:00:00:00:00"},
		{of13.VLANVID(10), "vlan_vid=4106"},
		{of13.VLANAny(), "vlan_vid=0x1000/0x1000"},
		{of13.IPv4Dst(netip.MustParsePrefix("10.1.0.0/16")), "ipv4_dst=10.1.0.0/16"},
		{of13.IPv4Src(netip.MustParsePrefix("10.1.2.3/32")), "ipv4_src=10.1.2.3"},
		{of13.IPv6Dst(netip.MustParsePrefix("2001:db8::/32")), "ipv6_dst=2001:db8::/32"},
		{of13.Metadata(5, 0xff), "metadata=0x5/0xff"},
		{of13.TCPDst(443), "tcp_dst=443"},
		{of13.NewField(of13.ClassExperimenter, 3, []byte{0, 0, 0x23, 0x20, 1}, nil), "oxm(0xffff:3)=0000232001"},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%s, want %s", got, tt.want)
		}
	}
	// Comparable: equal fields compare equal.
	if of13.EthSrc([6]byte{1}) != of13.EthSrc([6]byte{1}) || of13.InPort(1) == of13.InPort(2) {
		t.Error("fields do not compare by value")
	}
	f := of13.IPv4Src(netip.MustParsePrefix("10.0.0.0/8"))
	if a, ok := f.Addr(); !ok || a != netip.MustParseAddr("10.0.0.0") {
		t.Errorf("Addr: %v %v", a, ok)
	}
	if u, ok := of13.TCPDst(80).Uint(); !ok || u != 80 {
		t.Errorf("Uint: %v %v", u, ok)
	}
	if m, ok := of13.EthDst([6]byte{9}).MAC(); !ok || m != [6]byte{9} {
		t.Errorf("MAC: %v %v", m, ok)
	}
}
