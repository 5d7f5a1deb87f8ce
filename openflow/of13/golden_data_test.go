package of13_test

import (
	"net/netip"

	"github.com/netslice/netslice/openflow/of13"
)

var (
	macA = [6]byte{0x02, 0, 0, 0, 0, 0x0a}
	macB = [6]byte{0x02, 0, 0, 0, 0, 0x0b}
)

// golden is one message of every type, with the text ovs-ofctl ofp-print
// must show for the fields set.
type golden struct {
	name string
	msg  of13.Message
	want []string
}

func goldens() []golden {
	port := of13.Port{PortNo: 3, HWAddr: macA, Name: "veth3", Config: of13.PortConfigDown,
		State: of13.PortStateLive, Curr: 0x840, CurrSpeed: 10000000, MaxSpeed: 10000000}
	match3 := of13.NewMatch(of13.EthType(0x0800), of13.IPv4Dst(netip.MustParsePrefix("10.0.0.0/8")), of13.InPort(7))
	tf := of13.TableFeatures{TableID: 2, Name: "classifier", MetadataMatch: ^uint64(0), MetadataWrite: ^uint64(0),
		MaxEntries: 1000000, Properties: []of13.TableFeatureProp{
			{Type: of13.TFPInstructions, IDs: []uint16{1, 4}},
			{Type: of13.TFPNextTables, NextTables: []uint8{3, 4, 5}},
			{Type: of13.TFPApplyActions, IDs: []uint16{0, 17}},
			{Type: of13.TFPWriteActions, IDs: []uint16{0}},
			{Type: of13.TFPMatch, OXMs: []uint32{0x80000004, 0x80000a02}},
			{Type: of13.TFPWildcards, OXMs: []uint32{0x80000a02}},
			{Type: of13.TFPWriteSetfield, OXMs: []uint32{0x80000c02}},
			{Type: of13.TFPApplySetfield, OXMs: []uint32{0x80000c02}},
		}}
	return []golden{
		{"hello", &of13.Hello{Header: of13.Header{XID: 1}, Elements: of13.NewHello(1, 4).Elements},
			[]string{"OFPT_HELLO (OF1.3) (xid=0x1)", "version bitmap: 0x01, 0x04"}},
		{"error", &of13.Error{Header: of13.Header{XID: 2}, Type: of13.ErrorTypeBadRequest, Code: of13.BadRequestBadLen,
			Data: []byte{4, 2, 0, 8, 0, 0, 0, 9}}, []string{"OFPT_ERROR", "OFPBRC_BAD_LEN", "OFPT_ECHO_REQUEST", "xid=0x9"}},
		{"error flow_mod_failed", &of13.Error{Type: of13.ErrorTypeFlowModFailed, Code: of13.FlowModFailedTableFull},
			[]string{"OFPFMFC_TABLE_FULL"}},
		{"echo request", &of13.EchoRequest{Header: of13.Header{XID: 3}, Data: []byte("ping")}, []string{"OFPT_ECHO_REQUEST", "xid=0x3"}},
		{"echo reply", &of13.EchoReply{Header: of13.Header{XID: 3}, Data: []byte("ping")}, []string{"OFPT_ECHO_REPLY"}},
		{"experimenter (nicira flow_mod_table_id)", &of13.Experimenter{Experimenter: of13.NiciraID, ExpType: 15, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0}},
			[]string{"NXT_FLOW_MOD_TABLE_ID", "enable"}},
		{"features request", &of13.FeaturesRequest{Header: of13.Header{XID: 5}}, []string{"OFPT_FEATURES_REQUEST", "xid=0x5"}},
		{"features reply", &of13.FeaturesReply{DatapathID: 0xe0, NBuffers: 256, NTables: 254, AuxiliaryID: 1,
			Capabilities: of13.CapFlowStats | of13.CapPortStats | of13.CapGroupStats},
			[]string{"OFPT_FEATURES_REPLY", "dpid:00000000000000e0", "n_tables:254, n_buffers:256", "auxiliary_id:1", "FLOW_STATS", "GROUP_STATS"}},
		{"get config request", &of13.GetConfigRequest{}, []string{"OFPT_GET_CONFIG_REQUEST"}},
		{"get config reply", &of13.GetConfigReply{SwitchConfig: of13.SwitchConfig{Flags: of13.ConfigFragDrop, MissSendLen: 128}},
			[]string{"OFPT_GET_CONFIG_REPLY", "frags=drop", "miss_send_len=128"}},
		{"set config", &of13.SetConfig{SwitchConfig: of13.SwitchConfig{MissSendLen: 0xffff}},
			[]string{"OFPT_SET_CONFIG", "miss_send_len=65535"}},
		{"packet in", &of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 14, Reason: of13.ReasonAction, TableID: 3,
			Cookie: 0x1234, Match: of13.NewMatch(of13.InPort(7)),
			Data: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x0a, 0x08, 0x06}},
			[]string{"OFPT_PACKET_IN", "total_len=14", "in_port=7", "table_id=3", "cookie=0x1234", "(via action)", "dl_src=02:00:00:00:00:0a"}},
		{"flow removed", &of13.FlowRemoved{Cookie: 0xabc, Priority: 100, Reason: of13.RemovedIdleTimeout, TableID: 1,
			DurationSec: 61, DurationNsec: 5e8, IdleTimeout: 60, PacketCount: 9, ByteCount: 900,
			Match: of13.NewMatch(of13.EthSrc(macA))},
			[]string{"OFPT_FLOW_REMOVED", "dl_src=02:00:00:00:00:0a", "reason=idle", "table_id=1", "cookie:0xabc", "duration61.500s", "idle60", "pkts9", "bytes900"}},
		{"port status", &of13.PortStatus{Reason: of13.PortModified, Port: port},
			[]string{"OFPT_PORT_STATUS", "MOD:", "3(veth3): addr:02:00:00:00:00:0a", "config:     PORT_DOWN", "state:      LIVE", "speed: 10000 Mbps now, 10000 Mbps max"}},
		{"packet out", &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController,
			Actions: []of13.Action{of13.PushVLAN(0x8100), of13.SetField(of13.VLANVID(10)), of13.Output(2)},
			Data:    []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x0a, 0x08, 0x06}},
			[]string{"OFPT_PACKET_OUT", "in_port=CONTROLLER", "actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2"}},
		{"flow mod add", &of13.FlowMod{Cookie: 0x77, TableID: 0, Command: of13.FlowAdd, IdleTimeout: 60, Priority: 1000,
			BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Flags: of13.FlowSendFlowRem,
			Match:        match3,
			Instructions: of13.Apply(of13.DecNwTTL(), of13.Output(2))},
			[]string{"OFPT_FLOW_MOD", "ADD", "priority=1000,ip,in_port=7,nw_dst=10.0.0.0/8", "cookie:0x77", "idle:60", "send_flow_rem", "actions=dec_ttl,output:2"}},
		{"flow mod every instruction", &of13.FlowMod{Command: of13.FlowModifyStrict, TableID: 1, Priority: 5,
			BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
			Match: of13.NewMatch(of13.EthType(0x86dd), of13.IPProto(6), of13.TCPDst(443),
				of13.IPv6Src(netip.MustParsePrefix("2001:db8::/32")), of13.VLANVID(100), of13.VLANPCP(3),
				of13.EthDstMasked(macB, [6]byte{0xff, 0xff, 0xff, 0, 0, 0}), of13.Metadata(0x10, 0xff)),
			Instructions: []of13.Instruction{
				of13.Meter(4),
				of13.ApplyActions(of13.PopVLAN(), of13.SetNwTTL(9)),
				of13.ClearActions(),
				of13.WriteActions(of13.Group(8), of13.SetQueue(2)),
				of13.WriteMetadata(0x1, 0xf),
				of13.GotoTable(2),
			}},
			[]string{"MOD_STRICT", "tcp6", "tp_dst=443", "ipv6_src=2001:db8::/32", "dl_vlan=100", "dl_vlan_pcp=3",
				"dl_dst=02:00:00:00:00:00/ff:ff:ff:00:00:00", "metadata=0x10/0xff", "meter:4", "pop_vlan", "mod_nw_ttl:9",
				"clear_actions", "write_actions(", "group:8", "set_queue:2", "write_metadata:0x1/0xf", "goto_table:2"}},
		{"flow mod mpls actions", &of13.FlowMod{Command: of13.FlowDelete, TableID: of13.TableAll, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
			BufferID: of13.NoBuffer, CookieMask: 0xff, Cookie: 0x11,
			Match:        of13.NewMatch(of13.EthType(0x8847), of13.MPLSLabel(16)),
			Instructions: of13.Apply(of13.PushMPLS(0x8847), of13.SetMPLSTTL(5), of13.DecMPLSTTL(), of13.PopMPLS(0x0800))},
			[]string{"DEL", "mpls_label=16", "cookie:0x11/0xff", "push_mpls:0x8847", "set_mpls_ttl(5)", "dec_mpls_ttl", "pop_mpls:0x0800"}},
		{"group mod", &of13.GroupMod{Command: of13.GroupAdd, Type: of13.GroupTypeSelect, GroupID: 8, Buckets: []of13.Bucket{
			{Weight: 10, WatchPort: of13.PortAny, WatchGroup: of13.GroupAny, Actions: []of13.Action{of13.Output(1)}},
			{Weight: 20, WatchPort: of13.PortAny, WatchGroup: of13.GroupAny, Actions: []of13.Action{of13.Output(2)}},
		}}, []string{"OFPT_GROUP_MOD", "ADD group_id=8,type=select", "bucket=weight:10,actions=output:1", "bucket=weight:20,actions=output:2"}},
		{"group mod ff", &of13.GroupMod{Command: of13.GroupModify, Type: of13.GroupTypeFastFailover, GroupID: 9, Buckets: []of13.Bucket{
			{WatchPort: 3, WatchGroup: of13.GroupAny, Actions: []of13.Action{of13.Output(3)}},
		}}, []string{"MOD group_id=9,type=ff", "watch_port:3"}},
		{"port mod", &of13.PortMod{PortNo: 3, HWAddr: macA, Config: of13.PortConfigDown, Mask: of13.PortConfigDown},
			[]string{"OFPT_PORT_MOD", "port: 3", "addr:02:00:00:00:00:0a", "config: PORT_DOWN", "mask:   PORT_DOWN"}},
		{"table mod", &of13.TableMod{TableID: 2, Config: 3}, []string{"OFPT_TABLE_MOD", "table_id=2"}},
		{"barrier request", &of13.BarrierRequest{Header: of13.Header{XID: 9}}, []string{"OFPT_BARRIER_REQUEST", "xid=0x9"}},
		{"barrier reply", &of13.BarrierReply{Header: of13.Header{XID: 9}}, []string{"OFPT_BARRIER_REPLY", "xid=0x9"}},
		{"queue get config request", &of13.QueueGetConfigRequest{Port: 3}, []string{"OFPT_QUEUE_GET_CONFIG_REQUEST", "port=3"}},
		{"queue get config reply", &of13.QueueGetConfigReply{Port: 3, Queues: []of13.Queue{{QueueID: 1, Port: 3,
			Properties: []of13.QueueProperty{{Type: of13.QueuePropMinRate, Rate: 500}, {Type: of13.QueuePropMaxRate, Rate: 900}}}}},
			[]string{"OFPT_QUEUE_GET_CONFIG_REPLY", "port=3", "queue 1:", "min_rate:50.0%", "max_rate:90.0%"}},
		{"role request", &of13.RoleRequest{Role: of13.RoleMaster, GenerationID: 42}, []string{"OFPT_ROLE_REQUEST", "role=primary", "generation_id=42"}},
		{"role reply", &of13.RoleReply{Role: of13.RoleSlave, GenerationID: 43}, []string{"OFPT_ROLE_REPLY", "role=secondary", "generation_id=43"}},
		{"get async request", &of13.GetAsyncRequest{}, []string{"OFPT_GET_ASYNC_REQUEST"}},
		{"get async reply", &of13.GetAsyncReply{AsyncConfig: of13.AsyncConfig{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 7}, FlowRemovedMask: [2]uint32{1, 0}}},
			[]string{"OFPT_GET_ASYNC_REPLY", "PACKET_IN: no_match action", "PORT_STATUS: add delete modify", "FLOW_REMOVED: idle"}},
		{"set async", &of13.SetAsync{AsyncConfig: of13.AsyncConfig{PacketInMask: [2]uint32{1, 0}}}, []string{"OFPT_SET_ASYNC", "PACKET_IN: no_match"}},
		{"meter mod", &of13.MeterMod{Command: of13.MeterAdd, Flags: of13.MeterFlagKbps | of13.MeterFlagBurst | of13.MeterFlagStats, MeterID: 4,
			Bands: []of13.MeterBand{{Type: of13.BandDrop, Rate: 1000, BurstSize: 100}, {Type: of13.BandDSCPRemark, Rate: 500, BurstSize: 50, PrecLevel: 1}}},
			[]string{"OFPT_METER_MOD", "ADD meter=4 kbps burst stats", "type=drop rate=1000 burst_size=100", "type=dscp_remark rate=500 burst_size=50 prec_level=1"}},
		{"desc request", &of13.MultipartRequest{Body: of13.DescRequest{}}, []string{"OFPST_DESC request"}},
		{"desc reply", &of13.MultipartReply{Body: of13.Desc{Manufacturer: "netslice", Hardware: "hw", Software: "sw 1.0", SerialNumber: "42", Datapath: "br0"}},
			[]string{"OFPST_DESC reply", "Manufacturer: netslice", "Hardware: hw", "Software: sw 1.0", "Serial Num: 42", "DP Description: br0"}},
		{"flow stats request", &of13.MultipartRequest{Body: of13.FlowStatsRequest{TableID: of13.TableAll, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
			Match: of13.NewMatch(of13.EthType(0x0806), of13.ARPOp(1))}}, []string{"OFPST_FLOW request", "arp,arp_op=1"}},
		{"flow stats reply", &of13.MultipartReply{Flags: of13.MultipartMore, Body: of13.FlowStatsReply{Flows: []of13.FlowStats{{TableID: 1, DurationSec: 3, Priority: 7,
			IdleTimeout: 60, Cookie: 0x5, PacketCount: 10, ByteCount: 1000, Match: of13.NewMatch(of13.InPort(1)),
			Instructions: of13.Apply(of13.Output(2))}}}},
			[]string{"OFPST_FLOW reply", "flags=[more]", "cookie=0x5", "table=1", "n_packets=10", "n_bytes=1000", "idle_timeout=60", "priority=7,in_port=1", "actions=output:2"}},
		{"aggregate request", &of13.MultipartRequest{Body: of13.AggregateRequest{TableID: of13.TableAll, OutPort: of13.PortAny, OutGroup: of13.GroupAny}},
			[]string{"OFPST_AGGREGATE request"}},
		{"aggregate reply", &of13.MultipartReply{Body: of13.AggregateReply{PacketCount: 11, ByteCount: 1100, FlowCount: 3}},
			[]string{"OFPST_AGGREGATE reply", "packet_count=11 byte_count=1100 flow_count=3"}},
		{"table stats request", &of13.MultipartRequest{Body: of13.TableStatsRequest{}}, []string{"OFPST_TABLE request"}},
		{"table stats reply", &of13.MultipartReply{Body: of13.TableStatsReply{Tables: []of13.TableStats{{TableID: 0, ActiveCount: 4, LookupCount: 40, MatchedCount: 30}}}},
			[]string{"OFPST_TABLE reply", "active=4, lookup=40, matched=30"}},
		{"port stats request", &of13.MultipartRequest{Body: of13.PortStatsRequest{PortNo: of13.PortAny}}, []string{"OFPST_PORT request", "port_no=ANY"}},
		{"port stats reply", &of13.MultipartReply{Body: of13.PortStatsReply{Ports: []of13.PortStats{{PortNo: 1, RxPackets: 5, TxPackets: 6, RxBytes: 500, TxBytes: 600, RxDropped: 1, DurationSec: 9}}}},
			[]string{"OFPST_PORT reply", "port  1: rx pkts=5, bytes=500, drop=1", "tx pkts=6, bytes=600", "duration=9s"}},
		{"queue stats request", &of13.MultipartRequest{Body: of13.QueueStatsRequest{PortNo: of13.PortAny, QueueID: 0xffffffff}}, []string{"OFPST_QUEUE request", "port=ANY queue=ALL"}},
		{"queue stats reply", &of13.MultipartReply{Body: of13.QueueStatsReply{Queues: []of13.QueueStats{{PortNo: 1, QueueID: 2, TxBytes: 300, TxPackets: 3}}}},
			[]string{"OFPST_QUEUE reply", "port 1 queue 2: bytes=300, pkts=3"}},
		{"group stats request", &of13.MultipartRequest{Body: of13.GroupStatsRequest{GroupID: of13.GroupAll}}, []string{"OFPST_GROUP request", "group_id=ALL"}},
		{"group stats reply", &of13.MultipartReply{Body: of13.GroupStatsReply{Groups: []of13.GroupStats{{GroupID: 8, RefCount: 2, PacketCount: 7, ByteCount: 700,
			Buckets: []of13.BucketCounter{{3, 300}, {4, 400}}}}}},
			[]string{"OFPST_GROUP reply", "group_id=8", "ref_count=2,packet_count=7,byte_count=700", "bucket0:packet_count=3,byte_count=300", "bucket1:packet_count=4,byte_count=400"}},
		{"group desc request", &of13.MultipartRequest{Body: of13.GroupDescRequest{}}, []string{"OFPST_GROUP_DESC request"}},
		{"group desc reply", &of13.MultipartReply{Body: of13.GroupDescReply{Groups: []of13.GroupDesc{{Type: of13.GroupTypeIndirect, GroupID: 5,
			Buckets: []of13.Bucket{{WatchPort: of13.PortAny, WatchGroup: of13.GroupAny, Actions: []of13.Action{of13.Output(4)}}}}}}},
			[]string{"OFPST_GROUP_DESC reply", "group_id=5,type=indirect", "actions=output:4"}},
		{"group features request", &of13.MultipartRequest{Body: of13.GroupFeaturesRequest{}}, []string{"OFPST_GROUP_FEATURES request"}},
		{"group features reply", &of13.MultipartReply{Body: of13.GroupFeatures{Types: 0xf, Capabilities: 0x1, MaxGroups: [4]uint32{100, 200, 300, 400}, Actions: [4]uint32{1, 1, 1, 1}}},
			[]string{"OFPST_GROUP_FEATURES reply", "all group", "max_groups=0x64", "select group", "max_groups=0xc8"}},
		{"meter stats request", &of13.MultipartRequest{Body: of13.MeterStatsRequest{MeterID: of13.MeterAll}}, []string{"OFPST_METER request", "meter=all"}},
		{"meter stats reply", &of13.MultipartReply{Body: of13.MeterStatsReply{Meters: []of13.MeterStats{{MeterID: 4, FlowCount: 2, PacketInCount: 10, ByteInCount: 1000,
			DurationSec: 5, Bands: []of13.BucketCounter{{1, 100}}}}}},
			[]string{"OFPST_METER reply", "meter:4 flow_count:2 packet_in_count:10 byte_in_count:1000 duration:5s bands:", "0: packet_count:1 byte_count:100"}},
		{"meter config request", &of13.MultipartRequest{Body: of13.MeterConfigRequest{MeterID: 4}}, []string{"OFPST_METER_CONFIG request", "meter=4"}},
		{"meter config reply", &of13.MultipartReply{Body: of13.MeterConfigReply{Meters: []of13.MeterConfig{{Flags: of13.MeterFlagPktps, MeterID: 4,
			Bands: []of13.MeterBand{{Type: of13.BandDrop, Rate: 10}}}}}},
			[]string{"OFPST_METER_CONFIG reply", "meter=4 pktps bands=", "type=drop rate=10"}},
		{"meter features request", &of13.MultipartRequest{Body: of13.MeterFeaturesRequest{}}, []string{"OFPST_METER_FEATURES request"}},
		{"meter features reply", &of13.MultipartReply{Body: of13.MeterFeatures{MaxMeter: 1000, BandTypes: 6, Capabilities: 0xf, MaxBands: 4, MaxColor: 2}},
			[]string{"OFPST_METER_FEATURES reply", "max_meter:1000 max_bands:4 max_color:2", "band_types: drop dscp_remark", "capabilities: kbps pktps burst stats"}},
		{"table features request", &of13.MultipartRequest{Body: of13.TableFeaturesRequest{}}, []string{"OFPST_TABLE_FEATURES request"}},
		{"table features reply", &of13.MultipartReply{Body: of13.TableFeaturesReply{Features: []of13.TableFeatures{tf}}},
			[]string{"OFPST_TABLE_FEATURES reply", "table 2 (\"classifier\")", "max_entries=1000000", "next tables: 3-5", "instructions: apply_actions goto_table", "actions: output push_vlan", "must exact match: in_port_oxm"}},
		{"port desc request", &of13.MultipartRequest{Body: of13.PortDescRequest{}}, []string{"OFPST_PORT_DESC request"}},
		{"port desc reply", &of13.MultipartReply{Body: of13.PortDescReply{Ports: []of13.Port{port}}}, []string{"OFPST_PORT_DESC reply", "3(veth3): addr:02:00:00:00:00:0a"}},
		{"experimenter multipart (onf flow monitor)", &of13.MultipartRequest{Body: of13.ExperimenterMultipart{Experimenter: 0x4f4e4600, ExpType: 1870,
			// id 1, flags initial|add, out_port any, all tables, an empty
			// OXM match.
			Data: []byte{0, 0, 0, 1, 0, 3, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 4, 0, 0, 0, 0}}},
			[]string{"ONFST_FLOW_MONITOR request", "id=1 flags=initial,add"}},
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
