package slicing

import (
	"encoding/hex"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

// testFilterPort is a filtered port in zone 9 with a rule of every kind.
func testFilterPort(loc l2.Location) *filterPort {
	v4, v6 := uint16(l2.EtherTypeIPv4), uint16(l2.EtherTypeIPv6)
	return newFilterPort(loc, 9, &l2.PortPolicy{Filtered: true,
		Ingress: []l2.Rule{
			{EtherType: v4, Protocol: 6, PortMin: 22, PortMax: 22, Remote: netip.MustParsePrefix("10.0.0.0/24")},
			{EtherType: v4, Protocol: 1, TypeSet: true, ICMPType: 8},
			{EtherType: v6, Protocol: 58, TypeSet: true, ICMPType: 128, CodeSet: true},
			{EtherType: v4, Protocol: 17, PortMin: 1000, PortMax: 1999},
		},
		Egress: []l2.Rule{{EtherType: v4}, {EtherType: v6, Remote: netip.MustParsePrefix("2001:db8::/32")}},
	})
}

// The port range splits into aligned blocks that cover it exactly.
func TestRuleFieldsPortRange(t *testing.T) {
	r := l2.Rule{EtherType: uint16(l2.EtherTypeIPv4), Protocol: 17, PortMin: 1000, PortMax: 1999}
	covered := map[uint16]bool{}
	for _, fs := range ruleFields(nil, r, false) {
		f := fs[len(fs)-1]
		v := uint16(f.Value()[0])<<8 | uint16(f.Value()[1])
		mask := uint16(0xffff)
		if f.HasMask() {
			mask = uint16(f.Mask()[0])<<8 | uint16(f.Mask()[1])
		}
		for p := uint32(0); p < 1<<16; p++ {
			if uint16(p)&mask == v {
				assert.False(t, covered[uint16(p)], "%d twice", p)
				covered[uint16(p)] = true
			}
		}
	}
	assert.Len(t, covered, 1000)
	assert.True(t, covered[1000] && covered[1999] && !covered[999] && !covered[2000])
}

// Open vSwitch reads the filter flows as the pipeline means them.
func TestFilterFlowsOVS(t *testing.T) {
	bin, err := exec.LookPath("ovs-ofctl")
	if err != nil {
		t.Skip("ovs-ofctl not found: install the Debian package openvswitch-common (make test does, as root)")
	}
	var all []string
	for _, m := range filterFlows13(testFilterPort(l2.Location{Datapath: 1, Port: 4, VLAN: 10})) {
		b, err := m.MarshalBinary()
		require.NoError(t, err)
		out, err := exec.Command(bin, "ofp-print", hex.EncodeToString(b)).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.NotContains(t, string(out), "error", "%s", out)
		all = append(all, strings.Replace(string(out), " cookie:0x6e73c00000000009", "", 1))
	}
	text := strings.Join(all, "\n")
	if t.Failed() || testing.Verbose() {
		t.Log(text)
	}
	for _, want := range []string{
		"priority=300,ip,in_port=4,dl_vlan=10 actions=ct(table=1,zone=9)",
		"table:1 priority=310,ct_state=+inv+trk,in_port=4,dl_vlan=10 actions=drop",
		"table:1 priority=300,ct_state=+est-inv+trk,in_port=4,dl_vlan=10 actions=goto_table:2",
		"table:1 priority=200,ct_state=+new-est-inv+trk,ip,in_port=4,dl_vlan=10 actions=ct(commit,zone=9),goto_table:2",
		"table:1 priority=250,udp,in_port=4,dl_vlan=10,tp_dst=67 actions=goto_table:2",
		"table:3 priority=200,ct_state=+new-est-inv+trk,tcp,reg0=0x9,nw_src=10.0.0.0/24,tp_dst=22 actions=ct(commit,zone=9),output:4",
		"table:3 priority=200,ct_state=+new-est-inv+trk,icmp,reg0=0x9,icmp_type=8 actions=ct(commit,zone=9),output:4",
		"tp_dst=0x3e8/0xfff8",
		"table:3 priority=100,reg0=0x9 actions=drop",
	} {
		assert.True(t, strings.Contains(text, want), "missing %q", want)
	}
}
