package openflow

import (
	"encoding/hex"
	"testing"

	"github.com/skydive-project/goloxi"
	loxi "github.com/skydive-project/goloxi/of13"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

// TestForeignCorpus: messages written by another encoder (goloxi) decode
// with netslice and encode again to the same bytes — matches that break a
// prerequisite included, as a packet-in reports them or a proxy passes a
// flow_mod on.
func TestForeignCorpus(t *testing.T) {
	// goloxi leaves a match's length to its caller.
	oxm := func(fields ...goloxi.IOxm) loxi.MatchV3 {
		n := 4
		for _, f := range fields {
			enc := goloxi.NewEncoder()
			if err := f.Serialize(enc); err != nil {
				t.Fatal(err)
			}
			n += len(enc.Bytes())
		}
		return loxi.MatchV3{Type: 1, Length: uint16(n), OxmList: fields}
	}
	inPort := loxi.NewOxmInPort()
	inPort.Value = 3
	dscp := loxi.NewOxmIpDscp()
	dscp.Value = 10
	ethType := loxi.NewOxmEthType()
	ethType.Value = 0x0800
	proto := loxi.NewOxmIpProto()
	proto.Value = 6
	tcpDst := loxi.NewOxmTcpDst()
	tcpDst.Value = 80

	flow := func(m loxi.MatchV3) *loxi.FlowAdd {
		fm := loxi.NewFlowAdd()
		fm.Priority, fm.BufferId, fm.OutPort, fm.OutGroup = 10, 0xffffffff, loxi.Port(0xffffffff), 0xffffffff
		fm.Match = m
		out := loxi.NewActionOutput()
		out.Port, out.MaxLen = 2, 0xffff
		apply := loxi.NewInstructionApplyActions()
		apply.Actions = []goloxi.IAction{out}
		out.Len, apply.Len = 16, 24 // goloxi leaves these to its caller too
		fm.Instructions = []loxi.IInstruction{apply}
		return fm
	}
	pin := loxi.NewPacketIn()
	pin.BufferId, pin.TotalLen = 0xffffffff, 14
	pin.Match = oxm(inPort, dscp) // ip_dscp without eth_type, as the switch reported it
	pin.Data = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 0}
	echo := loxi.NewEchoRequest()
	echo.Data = []byte("ping")
	del := loxi.NewFlowDelete()
	del.BufferId, del.OutPort, del.OutGroup, del.TableId = 0xffffffff, loxi.Port(0xffffffff), 0xffffffff, 0xff
	del.Match = oxm(ethType)

	for _, c := range []struct {
		name   string
		msg    interface{ Serialize(*goloxi.Encoder) error }
		prereq bool
	}{
		{"flow_mod ip_dscp without eth_type", flow(oxm(dscp)), true},
		{"flow_mod tcp_dst", flow(oxm(ethType, proto, tcpDst)), false},
		{"flow_mod tcp_dst without ip_proto", flow(oxm(ethType, tcpDst)), true},
		{"packet_in ip_dscp without eth_type", pin, false},
		{"echo_request", echo, false},
		{"barrier_request", loxi.NewBarrierRequest(), false},
		{"flow_delete", del, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			enc := goloxi.NewEncoder()
			if err := c.msg.Serialize(enc); err != nil {
				t.Fatal(err)
			}
			b := enc.Bytes()
			m, err := openflow.Decode(b)
			if err != nil {
				t.Fatalf("decode %x: %v", b, err)
			}
			again, err := m.MarshalBinary()
			if err != nil {
				t.Fatalf("%x decodes but does not encode: %v", b, err)
			}
			if hex.EncodeToString(again) != hex.EncodeToString(b) {
				t.Fatalf("re-encoded differently:\n goloxi   %x\n netslice %x", b, again)
			}
			if fm, ok := m.(*of13.FlowMod); ok && (fm.Validate() != nil) != c.prereq {
				t.Errorf("Validate: %v", fm.Validate())
			}
		})
	}
}
