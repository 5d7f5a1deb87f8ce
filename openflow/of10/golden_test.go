package of10_test

import (
	"net/netip"
	"testing"

	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/of10"
)

var (
	macA = [6]byte{0x02, 0, 0, 0, 0, 0x0a}
	macB = [6]byte{0x02, 0, 0, 0, 0, 0x0b}
)

type golden struct {
	name string
	msg  of10.Message
	want []string
}

func goldens() []golden {
	port := of10.PhyPort{PortNo: 3, HWAddr: macA, Name: "veth3", Config: of10.PortConfigNoFlood, Curr: 0x40}
	match := of10.MatchAll().WithInPort(1).WithDLType(0x0800).WithNWProto(6).
		WithNWDst(netip.MustParsePrefix("10.0.0.0/8")).WithTPDst(80)
	frame := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x0a, 0x08, 0x06}
	return []golden{
		{"hello", &of10.Hello{Header: of10.Header{XID: 1}}, []string{"OFPT_HELLO (xid=0x1)"}},
		{"error", &of10.Error{Type: of10.ErrorTypeBadRequest, Code: of10.BadRequestBadLen, Data: []byte{1, 2, 0, 8, 0, 0, 0, 9}},
			[]string{"OFPT_ERROR", "OFPBRC_BAD_LEN", "OFPT_ECHO_REQUEST"}},
		{"error flow mod", &of10.Error{Type: of10.ErrorTypeFlowModFailed, Code: of10.FlowModFailedAllTablesFull}, []string{"OFPFMFC_TABLE_FULL"}},
		{"echo request", &of10.EchoRequest{Header: of10.Header{XID: 3}, Data: []byte("ping")}, []string{"OFPT_ECHO_REQUEST", "xid=0x3"}},
		{"echo reply", &of10.EchoReply{Header: of10.Header{XID: 3}}, []string{"OFPT_ECHO_REPLY"}},
		{"vendor (nicira flow_mod_table_id)", &of10.Vendor{Vendor: of10.NiciraID, Data: []byte{0, 0, 0, 15, 1, 0, 0, 0, 0, 0, 0, 0}},
			[]string{"NXT_FLOW_MOD_TABLE_ID", "enable"}},
		{"features request", &of10.FeaturesRequest{}, []string{"OFPT_FEATURES_REQUEST"}},
		{"features reply", &of10.FeaturesReply{DatapathID: 0xe0, NBuffers: 256, NTables: 1,
			Capabilities: of10.CapFlowStats | of10.CapARPMatchIP, Actions: 0xfff, Ports: []of10.PhyPort{port}},
			[]string{"OFPT_FEATURES_REPLY", "dpid:00000000000000e0", "n_tables:1, n_buffers:256", "FLOW_STATS ARP_MATCH_IP", "3(veth3): addr:02:00:00:00:00:0a", "NO_FLOOD"}},
		{"get config request", &of10.GetConfigRequest{}, []string{"OFPT_GET_CONFIG_REQUEST"}},
		{"get config reply", &of10.GetConfigReply{SwitchConfig: of10.SwitchConfig{Flags: of10.ConfigFragReasm, MissSendLen: 128}},
			[]string{"OFPT_GET_CONFIG_REPLY", "frags=reassemble", "miss_send_len=128"}},
		{"set config", &of10.SetConfig{SwitchConfig: of10.SwitchConfig{MissSendLen: 64}}, []string{"OFPT_SET_CONFIG", "miss_send_len=64"}},
		{"packet in", &of10.PacketIn{BufferID: of10.NoBuffer, TotalLen: 14, InPort: 7, Reason: of10.ReasonNoMatch, Data: frame},
			[]string{"OFPT_PACKET_IN", "total_len=14 in_port=7 (via no_match)", "dl_src=02:00:00:00:00:0a"}},
		{"flow removed", &of10.FlowRemoved{Match: of10.MatchAll().WithDLSrc(macA), Cookie: 0xabc, Priority: 100,
			Reason: of10.RemovedHardTimeout, DurationSec: 2, IdleTimeout: 30, PacketCount: 4, ByteCount: 400},
			[]string{"OFPT_FLOW_REMOVED", "priority=100,dl_src=02:00:00:00:00:0a", "reason=hard", "cookie:0xabc", "idle30", "pkts4", "bytes400"}},
		{"port status", &of10.PortStatus{Reason: of10.PortAdded, Port: port}, []string{"OFPT_PORT_STATUS", "ADD:", "3(veth3)"}},
		{"packet out", &of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone, Data: frame, Actions: []of10.Action{
			of10.SetVLANVID(10), of10.SetVLANPCP(3), of10.Output(2)}},
			[]string{"OFPT_PACKET_OUT", "actions=mod_vlan_vid:10,mod_vlan_pcp:3,output:2"}},
		{"flow mod", &of10.FlowMod{Match: match, Cookie: 0x77, Command: of10.FlowAdd, IdleTimeout: 60, HardTimeout: 300,
			Priority: 1000, BufferID: of10.NoBuffer, OutPort: of10.PortNone, Flags: of10.FlowSendFlowRem,
			Actions: []of10.Action{of10.StripVLAN(), of10.SetDLSrc(macA), of10.SetDLDst(macB),
				of10.SetNWSrc([4]byte{10, 0, 0, 1}), of10.SetNWDst([4]byte{10, 0, 0, 2}), of10.SetNWTOS(0x20),
				of10.SetTPSrc(1000), of10.SetTPDst(2000), of10.Enqueue(2, 5), of10.ToController(128)}},
			[]string{"OFPT_FLOW_MOD", "ADD", "priority=1000,tcp,in_port=1,nw_dst=10.0.0.0/8,tp_dst=80", "cookie:0x77", "idle:60", "hard:300", "send_flow_rem",
				"strip_vlan", "mod_dl_src:02:00:00:00:00:0a", "mod_dl_dst:02:00:00:00:00:0b", "mod_nw_src:10.0.0.1", "mod_nw_dst:10.0.0.2",
				"mod_nw_tos:32", "mod_tp_src:1000", "mod_tp_dst:2000", "enqueue:2:5", "CONTROLLER:128"}},
		{"flow mod delete strict", &of10.FlowMod{Match: of10.MatchAll().WithDLVLAN(100).WithDLVLANPCP(5).WithDLDst(macB), Command: of10.FlowDeleteStrict,
			Priority: 5, BufferID: of10.NoBuffer, OutPort: 4},
			[]string{"DEL_STRICT", "dl_vlan=100,dl_vlan_pcp=5,dl_dst=02:00:00:00:00:0b", "out_port:4"}},
		{"port mod", &of10.PortMod{PortNo: 3, HWAddr: macA, Config: of10.PortConfigDown, Mask: of10.PortConfigDown},
			[]string{"OFPT_PORT_MOD", "port: 3", "config: PORT_DOWN"}},
		{"barrier request", &of10.BarrierRequest{}, []string{"OFPT_BARRIER_REQUEST"}},
		{"barrier reply", &of10.BarrierReply{}, []string{"OFPT_BARRIER_REPLY"}},
		{"queue get config request", &of10.QueueGetConfigRequest{Port: 3}, []string{"OFPT_QUEUE_GET_CONFIG_REQUEST", "port=3"}},
		{"queue get config reply", &of10.QueueGetConfigReply{Port: 3, Queues: []of10.Queue{{QueueID: 1, HasMinRate: true, MinRate: 500}, {QueueID: 2}}},
			[]string{"OFPT_QUEUE_GET_CONFIG_REPLY", "queue 1:", "min_rate:50.0%", "queue 2:"}},
		{"desc request", &of10.StatsRequest{Body: of10.DescRequest{}}, []string{"OFPST_DESC request"}},
		{"desc reply", &of10.StatsReply{Body: of10.Desc{Manufacturer: "netslice", Hardware: "hw", Software: "sw", SerialNumber: "1", Datapath: "br0"}},
			[]string{"OFPST_DESC reply", "Manufacturer: netslice", "DP Description: br0"}},
		{"flow stats request", &of10.StatsRequest{Body: of10.FlowStatsRequest{Match: of10.MatchAll().WithDLType(0x0806), TableID: 0xff, OutPort: of10.PortNone}},
			[]string{"OFPST_FLOW request", "arp"}},
		{"flow stats reply", &of10.StatsReply{Flags: of10.StatsMore, Body: of10.FlowStatsReply{Flows: []of10.FlowStats{{TableID: 0, Match: of10.MatchAll().WithInPort(2),
			DurationSec: 7, Priority: 9, IdleTimeout: 10, Cookie: 3, PacketCount: 20, ByteCount: 2000, Actions: []of10.Action{of10.Output(1)}}}}},
			[]string{"OFPST_FLOW reply", "flags=[more]", "cookie=0x3", "duration=7s", "n_packets=20", "n_bytes=2000", "idle_timeout=10", "priority=9,in_port=2", "actions=output:1"}},
		{"aggregate request", &of10.StatsRequest{Body: of10.AggregateRequest{Match: of10.MatchAll(), TableID: 0xff, OutPort: of10.PortNone}}, []string{"OFPST_AGGREGATE request"}},
		{"aggregate reply", &of10.StatsReply{Body: of10.AggregateReply{PacketCount: 1, ByteCount: 2, FlowCount: 3}},
			[]string{"OFPST_AGGREGATE reply", "packet_count=1 byte_count=2 flow_count=3"}},
		{"table stats request", &of10.StatsRequest{Body: of10.TableStatsRequest{}}, []string{"OFPST_TABLE request"}},
		{"table stats reply", &of10.StatsReply{Body: of10.TableStatsReply{Tables: []of10.TableStats{{TableID: 0, Name: "classifier", Wildcards: of10.WildAll,
			MaxEntries: 1000000, ActiveCount: 4, LookupCount: 40, MatchedCount: 30}}}},
			[]string{"OFPST_TABLE reply", "table 0 (\"classifier\")", "active=4, lookup=40, matched=30", "max_entries=1000000"}},
		{"port stats request", &of10.StatsRequest{Body: of10.PortStatsRequest{PortNo: of10.PortNone}}, []string{"OFPST_PORT request", "port_no=ANY"}},
		{"port stats reply", &of10.StatsReply{Body: of10.PortStatsReply{Ports: []of10.PortStats{{PortNo: 1, RxPackets: 5, TxBytes: 600, Collisions: 2}}}},
			[]string{"OFPST_PORT reply", "port  1: rx pkts=5", "tx pkts=0, bytes=600", "coll=2"}},
		{"queue stats request", &of10.StatsRequest{Body: of10.QueueStatsRequest{PortNo: of10.PortAll, QueueID: 0xffffffff}}, []string{"OFPST_QUEUE request", "port=ANY queue=ALL"}},
		{"queue stats reply", &of10.StatsReply{Body: of10.QueueStatsReply{Queues: []of10.QueueStats{{PortNo: 1, QueueID: 2, TxBytes: 30, TxPackets: 3}}}},
			[]string{"OFPST_QUEUE reply", "port 1 queue 2: bytes=30, pkts=3"}},
		{"vendor stats (nicira flow)", &of10.StatsRequest{Body: of10.VendorStats{Vendor: of10.NiciraID,
			// NXST_FLOW request: subtype 0, pad4, out_port NONE, match_len 0, table all, pad3.
			Data: []byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0, 0, 0}}},
			[]string{"NXST_FLOW request"}},
	}
}

func TestGoldenOVS(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) { oftest.Golden(t, g.msg, g.want) })
	}
}
