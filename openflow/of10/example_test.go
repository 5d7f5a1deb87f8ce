package of10_test

import (
	"fmt"
	"net/netip"

	"github.com/netslice/netslice/openflow/of10"
)

// Send web traffic for 10.0.0.0/8 to port 2.
func ExampleFlowMod() {
	fm := &of10.FlowMod{
		Match:    of10.MatchAll().WithDLType(0x0800).WithNWProto(6).WithNWDst(netip.MustParsePrefix("10.0.0.0/8")).WithTPDst(80),
		Command:  of10.FlowAdd,
		Priority: 100,
		BufferID: of10.NoBuffer,
		OutPort:  of10.PortNone,
		Actions:  []of10.Action{of10.Output(2)},
	}
	b, _ := fm.MarshalBinary()
	m, _ := of10.Decode(b)
	got := m.(*of10.FlowMod)
	fmt.Println(len(b), got.Match, got.Match.NWDstPrefix())
	// Output: 80 dl_type=0x0800,nw_proto=6,nw_dst=10.0.0.0/8,tp_dst=80 10.0.0.0/8
}

// A match whose field lacks its prerequisite: switches would ignore the
// field, so the flow would match more than it says.
func ExampleMatch_Validate() {
	m := of10.MatchAll().WithTPDst(80) // tp_dst without dl_type IPv4 and nw_proto TCP
	fmt.Println(m.Validate())
	m = m.WithDLType(0x0800).WithNWProto(6)
	fmt.Println(m.Validate())
	// Output:
	// openflow: bad match: tp_dst: needs dl_type 0x0800 and nw_proto 6, 17 or 1
	// <nil>
}

// A prefix that is not IPv4 cannot be matched by OpenFlow 1.0: the match
// is left as it was and Validate says why.
func ExampleMatch_WithNWSrc() {
	m := of10.MatchAll().WithDLType(0x0800).WithNWSrc(netip.MustParsePrefix("2001:db8::/32"))
	fmt.Println(m.Validate())
	fm := of10.NewFlowMod(of10.FlowAdd, m)
	fmt.Println(fm.Validate())
	// Output:
	// openflow: bad match: nw_src: 2001:db8::/32 is not an IPv4 prefix
	// openflow: bad match: nw_src: 2001:db8::/32 is not an IPv4 prefix
}
