package of13_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/of13"
)

// TestValidateRanges: a value wider than its field is refused with the
// error a switch would send (BAD_VALUE), however the builder was called.
func TestValidateRanges(t *testing.T) {
	for _, c := range []struct {
		name string
		f    of13.Field
	}{
		{"vlan_vid 5000", of13.VLANVID(5000)},
		{"ip_dscp 200", of13.IPDSCP(200)},
		{"ip_ecn 4", of13.IPECN(4)},
		{"vlan_pcp 8", of13.VLANPCP(8)},
		{"mpls_label 2^21", of13.MPLSLabel(1 << 21)},
		{"mpls_tc 8", of13.MPLSTC(8)},
		{"mpls_bos 2", of13.MPLSBOS(2)},
		{"ipv6_flabel 2^20", of13.IPv6FLabel(1 << 20)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := of13.NewMatch(c.f)
			err := m.Validate()
			var me *of13.MatchError
			require.True(t, errors.As(err, &me), "%v", err)
			assert.Equal(t, uint16(of13.BadMatchBadValue), me.Code, "%v", err)
		})
	}
	assert.NoError(t, (&of13.Match{Fields: []of13.Field{of13.VLANVID(4095)}}).Validate())
	assert.NoError(t, (&of13.Match{Fields: []of13.Field{of13.EthType(0x0800), of13.IPDSCP(63)}}).Validate())
}

// TestValidateSetField: set_field actions a switch would refuse are
// refused by FlowMod.Validate, with the switch's error.
func TestValidateSetField(t *testing.T) {
	ipv4 := of13.NewMatch(of13.EthType(0x0800))
	fm := func(m of13.Match, f of13.Field) *of13.FlowMod {
		fm := of13.NewFlowMod(of13.FlowAdd)
		fm.Match = m
		fm.Instructions = of13.Apply(of13.SetField(f), of13.Output(1))
		return fm
	}
	for _, c := range []struct {
		name string
		msg  interface{ Validate() error }
		code uint16
	}{
		{"in_port", fm(of13.Match{}, of13.InPort(3)), of13.BadActionBadSetType},
		{"metadata", fm(of13.Match{}, of13.Metadata(1, ^uint64(0))), of13.BadActionBadSetType},
		{"masked", fm(of13.Match{}, of13.EthDstMasked([6]byte{2}, [6]byte{0xff})), of13.BadActionBadSetArgument},
		{"ip_dscp 200", fm(ipv4, of13.IPDSCP(200)), of13.BadActionBadSetArgument},
		{"ipv4_dst without eth_type", fm(of13.Match{}, of13.IPv4Dst(netip.MustParsePrefix("10.0.0.1/32"))), of13.BadActionMatchInconsistent},
		{"tcp_dst without ip_proto", fm(ipv4, of13.TCPDst(80)), of13.BadActionMatchInconsistent},
		{"packet_out in_port", &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Actions: []of13.Action{of13.SetField(of13.InPort(1))}}, of13.BadActionBadSetType},
		{"group bucket masked", &of13.GroupMod{Buckets: []of13.Bucket{{Actions: []of13.Action{of13.SetField(of13.EthSrcMasked([6]byte{2}, [6]byte{0xff}))}}}}, of13.BadActionBadSetArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.msg.Validate()
			var ae *of13.ActionError
			require.True(t, errors.As(err, &ae), "%v", err)
			assert.Equal(t, c.code, ae.Code, "%v", err)
			if m, ok := c.msg.(interface{ MarshalBinary() ([]byte, error) }); ok {
				_, err := m.MarshalBinary()
				assert.NoError(t, err, "encoding does not judge: what decodes encodes")
			}
		})
	}
	for _, good := range []*of13.FlowMod{
		fm(ipv4, of13.IPv4Dst(netip.MustParsePrefix("10.0.0.1/32"))),
		fm(of13.NewMatch(of13.EthType(0x0800), of13.IPProto(6)), of13.TCPDst(8080)),
		fm(of13.Match{}, of13.EthDst([6]byte{2, 0, 0, 0, 0, 9})),
		fm(of13.Match{}, of13.VLANVID(10)), // after a push_vlan
	} {
		assert.NoError(t, good.Validate())
	}
}
