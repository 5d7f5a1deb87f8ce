package openflow_test

import (
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// ofctlSwitch plays a switch to ovs-ofctl: it answers the handshake and
// every request with a reply of the right type (empty), and records what
// it was sent.
type ofctlSwitch struct {
	t       *testing.T
	version uint8
	l       net.Listener
	mu      sync.Mutex
	got     [][]byte
}

func startOfctlSwitch(t *testing.T, version uint8) *ofctlSwitch {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	s := &ofctlSwitch{t: t, version: version, l: l}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *ofctlSwitch) serve(conn net.Conn) {
	defer conn.Close()
	r := openflow.NewReader(conn, 0)
	send := func(m openflow.Message) {
		b, err := m.MarshalBinary()
		if err == nil {
			conn.Write(b)
		}
	}
	if s.version == 4 {
		send(&of13.Hello{})
	} else {
		send(&of10.Hello{})
	}
	for {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := r.Next()
		if err != nil {
			return
		}
		b = append([]byte(nil), b...)
		s.mu.Lock()
		s.got = append(s.got, b)
		s.mu.Unlock()
		m, err := openflow.Decode(b)
		if err != nil {
			continue // the test reports it
		}
		xid := m.Head().XID
		switch m := m.(type) {
		case *of13.EchoRequest:
			send(&of13.EchoReply{Header: of13.Header{XID: xid}, Data: m.Data})
		case *of13.FeaturesRequest:
			send(&of13.FeaturesReply{Header: of13.Header{XID: xid}, DatapathID: 0xe0, NTables: 254})
		case *of13.BarrierRequest:
			send(&of13.BarrierReply{Header: of13.Header{XID: xid}})
		case *of13.GetConfigRequest:
			send(&of13.GetConfigReply{Header: of13.Header{XID: xid}, SwitchConfig: of13.SwitchConfig{MissSendLen: 128}})
		case *of13.MultipartRequest:
			if body := emptyReply13(m.Body.MultipartType()); body != nil {
				send(&of13.MultipartReply{Header: of13.Header{XID: xid}, Body: body})
			}
		case *of10.EchoRequest:
			send(&of10.EchoReply{Header: of10.Header{XID: xid}, Data: m.Data})
		case *of10.FeaturesRequest:
			send(&of10.FeaturesReply{Header: of10.Header{XID: xid}, DatapathID: 0xe0, NTables: 254})
		case *of10.BarrierRequest:
			send(&of10.BarrierReply{Header: of10.Header{XID: xid}})
		case *of10.GetConfigRequest:
			send(&of10.GetConfigReply{Header: of10.Header{XID: xid}, SwitchConfig: of10.SwitchConfig{MissSendLen: 128}})
		case *of10.StatsRequest:
			if body := emptyReply10(m.Body); body != nil {
				send(&of10.StatsReply{Header: of10.Header{XID: xid}, Body: body})
			}
		}
	}
}

func emptyReply13(t of13.MultipartType) of13.ReplyBody {
	switch t {
	case of13.MultipartDesc:
		return of13.Desc{}
	case of13.MultipartFlow:
		return of13.FlowStatsReply{}
	case of13.MultipartAggregate:
		return of13.AggregateReply{}
	case of13.MultipartTable:
		return of13.TableStatsReply{}
	case of13.MultipartPortStats:
		return of13.PortStatsReply{}
	case of13.MultipartQueue:
		return of13.QueueStatsReply{}
	case of13.MultipartGroup:
		return of13.GroupStatsReply{}
	case of13.MultipartGroupDesc:
		return of13.GroupDescReply{}
	case of13.MultipartGroupFeatures:
		return of13.GroupFeatures{}
	case of13.MultipartMeter:
		return of13.MeterStatsReply{}
	case of13.MultipartMeterConfig:
		return of13.MeterConfigReply{}
	case of13.MultipartMeterFeatures:
		return of13.MeterFeatures{}
	case of13.MultipartPortDesc:
		return of13.PortDescReply{Ports: []of13.Port{{PortNo: 1, HWAddr: [6]byte{2, 0, 0, 0, 0, 1}, Name: "p1"}}}
	case of13.MultipartTableFeatures:
		return of13.TableFeaturesReply{Features: []of13.TableFeatures{tableFeatures()}}
	}
	return nil
}

// tableFeatures is one table that can do everything OpenFlow 1.3 names.
func tableFeatures() of13.TableFeatures {
	sizes := []uint32{4, 4, 8, 6, 6, 2, 2, 1, 1, 1, 1, 4, 4, 2, 2, 2, 2, 2, 2, 1, 1, 2, 4, 4, 6, 6, 16, 16, 4, 1, 1, 16, 6, 6, 4, 1, 1, 3, 8, 2}
	var oxms []uint32
	for t, n := range sizes {
		oxms = append(oxms, 0x8000<<16|uint32(t)<<9|n)
	}
	actions := []uint16{0, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27}
	return of13.TableFeatures{TableID: 0, Name: "t0", MetadataMatch: ^uint64(0), MetadataWrite: ^uint64(0), MaxEntries: 1000,
		Properties: []of13.TableFeatureProp{
			{Type: of13.TFPInstructions, IDs: []uint16{1, 2, 3, 4, 5, 6}},
			{Type: of13.TFPNextTables, NextTables: []uint8{1}},
			{Type: of13.TFPWriteActions, IDs: actions},
			{Type: of13.TFPApplyActions, IDs: actions},
			{Type: of13.TFPMatch, OXMs: oxms},
			{Type: of13.TFPWildcards, OXMs: oxms},
			{Type: of13.TFPWriteSetfield, OXMs: oxms},
			{Type: of13.TFPApplySetfield, OXMs: oxms},
		}}
}

func emptyReply10(req of10.StatsBody) of10.StatsBody {
	switch req.StatsType() {
	case of10.StatsDesc:
		return of10.Desc{}
	case of10.StatsFlow:
		return of10.FlowStatsReply{}
	case of10.StatsAggregate:
		return of10.AggregateReply{}
	case of10.StatsTable:
		return of10.TableStatsReply{}
	case of10.StatsPort:
		return of10.PortStatsReply{}
	case of10.StatsQueue:
		return of10.QueueStatsReply{}
	}
	return nil
}

// TestOfctlSends: what ovs-ofctl itself encodes — flows with every family
// of fields and actions, groups, meters, every dump request — decodes and
// encodes again byte for byte.
func TestOfctlSends(t *testing.T) {
	if _, err := exec.LookPath("ovs-ofctl"); err != nil {
		t.Skip("ovs-ofctl not installed: apt-get install openvswitch-switch (make test does as root)")
	}
	for _, c := range []struct {
		proto   string
		version uint8
		flags   []string
		cmds    [][]string
	}{
		{"OpenFlow13", 4, nil, [][]string{
			{"add-flow", "priority=10,in_port=1,dl_src=02:00:00:00:00:01/ff:ff:ff:00:00:00,dl_dst=02:00:00:00:00:02,dl_vlan=10,dl_vlan_pcp=3,actions=pop_vlan,output:2"},
			{"add-flow", "ip,nw_src=10.0.0.0/8,nw_dst=10.1.2.3,nw_tos=32,nw_ecn=1,actions=set_field:10.9.9.9->ip_dst,dec_ttl,output:3"},
			{"add-flow", "tcp,tp_src=1000,tp_dst=80,actions=set_field:8080->tcp_dst,output:4"},
			{"add-flow", "udp6,ipv6_src=2001:db8::/32,ipv6_dst=2001:db8::1,ipv6_label=0x12345,udp_dst=53,actions=drop"},
			{"add-flow", "icmp,icmp_type=8,icmp_code=0,actions=controller:128"},
			{"add-flow", "icmp6,icmp_type=135,nd_target=2001:db8::1,nd_sll=02:00:00:00:00:03,actions=normal"},
			{"add-flow", "arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=02:00:00:00:00:01,actions=flood"},
			{"add-flow", "sctp,tp_dst=9,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:1"},
			{"add-flow", "mpls,mpls_label=100,mpls_tc=3,mpls_bos=1,actions=pop_mpls:0x0800,output:2"},
			{"add-flow", "tun_id=0x1234/0xffff,metadata=0x5/0xff,actions=write_metadata:0x10/0xff,goto_table:1"},
			{"add-flow", "table=1,priority=5,actions=meter:1,clear_actions,write_actions(output:5)"},
			{"add-group", "group_id=1,type=all,bucket=output:1,bucket=output:2"},
			{"add-group", "group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,output:2"},
			{"add-meter", "meter=1,kbps,burst,band=type=drop,rate=1000,burst_size=100"},
			{"del-flows", "tcp,tp_dst=80"},
			{"mod-port", "1", "down"},
			{"dump-flows"}, {"dump-aggregate"}, {"dump-ports"}, {"dump-ports-desc"}, {"dump-tables"},
			{"dump-groups"}, {"dump-group-stats"}, {"dump-group-features"}, {"meter-stats"}, {"dump-meters"},
			{"meter-features"}, {"queue-stats"}, {"show"},
		}},
		// Standard OpenFlow 1.0 flow formats, not Nicira's extensions.
		{"OpenFlow10", 1, []string{"-F", "openflow10"}, [][]string{
			{"add-flow", "priority=10,in_port=1,dl_src=02:00:00:00:00:01,dl_vlan=10,actions=strip_vlan,output:2"},
			{"add-flow", "tcp,nw_src=10.0.0.0/8,nw_tos=32,tp_dst=80,actions=mod_nw_dst:10.9.9.9,mod_tp_dst:8080,output:3"},
			{"add-flow", "arp,nw_dst=10.0.0.2,actions=mod_dl_src:02:00:00:00:00:09,mod_vlan_vid:7,enqueue:1:2"},
			{"del-flows", "udp"},
			{"dump-flows"}, {"dump-aggregate"}, {"dump-ports"}, {"dump-tables"}, {"queue-stats"}, {"show"},
		}},
	} {
		t.Run(c.proto, func(t *testing.T) {
			sw := startOfctlSwitch(t, c.version)
			target := "tcp:" + sw.l.Addr().String()
			for _, cmd := range c.cmds {
				args := append(append([]string{"-O", c.proto, "--timeout=5"}, c.flags...), cmd[0], target)
				args = append(args, cmd[1:]...)
				out, err := exec.Command("ovs-ofctl", args...).CombinedOutput()
				assert.NoError(t, err, "ovs-ofctl %v: %s", cmd, out)
			}
			sw.mu.Lock()
			got := sw.got
			sw.mu.Unlock()
			types := map[string]bool{}
			for _, b := range got {
				m, err := openflow.Decode(b)
				if !assert.NoError(t, err, "ovs-ofctl sent %x", b) {
					continue
				}
				again, err := m.MarshalBinary()
				if assert.NoError(t, err, "%T from %x", m, b) {
					assert.Equal(t, hex.EncodeToString(b), hex.EncodeToString(again), "%T re-encoded differently", m)
				}
				types[typeName(m)] = true
			}
			t.Logf("%d messages from ovs-ofctl, types %v", len(got), keys(types))
			assert.Greater(t, len(got), len(c.cmds))
		})
	}
}

func typeName(m openflow.Message) string {
	switch m := m.(type) {
	case *of13.MultipartRequest:
		return "multipart/" + m.Body.MultipartType().String()
	case *of10.StatsRequest:
		return fmt.Sprintf("stats/%d", m.Body.StatsType())
	}
	return fmt.Sprintf("%T", m)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
