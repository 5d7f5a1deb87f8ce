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
		Instructions: of13.Apply(of13.SetField{Field: of13.EthDst([6]byte{2, 0, 0, 0, 0, 3})}, of13.Output{Port: 2}),
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
		Instructions: of13.Apply(of13.Output{Port: 2}),
	}
	b, err := fm.MarshalBinary()
	if err != nil {
		panic(err)
	}
	// Write b to the switch; here, read it back.
	m, _ := of13.Decode(b)
	got := m.(*of13.FlowMod)
	fmt.Println(len(b), got.Match.Fields[1], got.Instructions[0].(of13.ApplyActions).Actions[0])
	// Output: 96 ipv4_dst=0a000000/ff000000 {2 0}
}

// A match that a switch would refuse is refused before it is sent.
func ExampleMatch_Validate() {
	m := of13.NewMatch(of13.TCPDst(80)) // tcp_dst without ip_proto=6
	fmt.Println(m.Validate())
	// Output: openflow: bad match: tcp_dst: needs ip_proto 6 (BAD_PREREQ)
}
