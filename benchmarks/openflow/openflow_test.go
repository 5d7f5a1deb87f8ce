// Package openflow compares netslice's OpenFlow 1.3 codec with the Go
// OpenFlow libraries the module proxy serves, on the controller's hot
// path: encoding a flow_mod (a 3-field OXM match, apply-actions with two
// actions), building and encoding it, decoding it (as a proxy or a switch
// does every one) and decoding a packet_in carrying a 64-byte frame. Every
// contender's flow_mod is also decoded by Open vSwitch (ovs-ofctl
// ofp-print), so the speed of a peer whose bytes are wrong is not mistaken
// for a result.
package openflow

import (
	"bytes"
	"encoding/hex"
	"net"
	"os/exec"
	"strings"
	"testing"

	libof "github.com/contiv/libOpenflow/openflow13"
	nropenflow "github.com/netrack/openflow"
	nrofp "github.com/netrack/openflow/ofp"
	"github.com/skydive-project/goloxi"
	loxi "github.com/skydive-project/goloxi/of13"

	"github.com/netslice/netslice/openflow/of13"
)

var (
	srcMAC = [6]byte{2, 0, 0, 0, 0, 1}
	dstMAC = [6]byte{2, 0, 0, 0, 0, 2}
	newMAC = [6]byte{2, 0, 0, 0, 0, 3}
)

// A contender's encode builds the flow_mod once and returns what encodes
// it on every call; build builds and encodes it on every call, appending
// to buf where the library can (nil: encode's building and one encoding);
// decode decodes a packet_in, decodeFlowMod a flow_mod, each into a
// reused message where the library has one.
type contender struct {
	name          string
	encode        func() func() ([]byte, error)
	build         func(buf []byte) ([]byte, error)
	decode        func(b []byte) error
	decodeFlowMod func() func(b []byte) error
}

func netsliceFlowMod() *of13.FlowMod {
	return &of13.FlowMod{
		Command: of13.FlowAdd, Priority: 100, IdleTimeout: 60, Cookie: 1,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match:        of13.NewMatch(of13.InPort(1), of13.EthDst(dstMAC), of13.EthSrc(srcMAC)),
		Instructions: of13.Apply(of13.SetField(of13.EthDst(newMAC)), of13.Output(2)),
	}
}

// buildFunc is c.build, or what builds with encode.
func (c contender) buildFunc() func(buf []byte) ([]byte, error) {
	if c.build != nil {
		return c.build
	}
	return func([]byte) ([]byte, error) { return c.encode()() }
}

var contenders = []contender{
	{
		name: "netslice",
		encode: func() func() ([]byte, error) {
			fm := netsliceFlowMod()
			buf := make([]byte, 0, 256)
			return func() ([]byte, error) { return fm.AppendBinary(buf[:0]) }
		},
		build: func(buf []byte) ([]byte, error) {
			fm := of13.FlowMod{ // a local value, as a controller builds one
				Command: of13.FlowAdd, Priority: 100, IdleTimeout: 60, Cookie: 1,
				BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
				Match:        of13.NewMatch(of13.InPort(1), of13.EthDst(dstMAC), of13.EthSrc(srcMAC)),
				Instructions: of13.Apply(of13.SetField(of13.EthDst(newMAC)), of13.Output(2)),
			}
			return fm.AppendBinary(buf)
		},
		decode: func() func(b []byte) error {
			var pi of13.PacketIn
			return pi.UnmarshalBinary
		}(),
		decodeFlowMod: func() func(b []byte) error {
			var fm of13.FlowMod
			return fm.UnmarshalBinary
		},
	},
	{
		name: "contiv-libOpenflow",
		encode: func() func() ([]byte, error) {
			fm := libof.NewFlowMod()
			fm.Priority, fm.IdleTimeout, fm.Cookie = 100, 60, 1
			fm.Match.AddField(*libof.NewInPortField(1))
			fm.Match.AddField(*libof.NewEthDstField(net.HardwareAddr(dstMAC[:]), nil))
			fm.Match.AddField(*libof.NewEthSrcField(net.HardwareAddr(srcMAC[:]), nil))
			instr := libof.NewInstrApplyActions()
			instr.AddAction(libof.NewActionSetField(*libof.NewEthDstField(net.HardwareAddr(newMAC[:]), nil)), false)
			instr.AddAction(libof.NewActionOutput(2), false)
			fm.AddInstruction(instr)
			return fm.MarshalBinary
		},
		decode: func(b []byte) error {
			pi := libof.NewPacketIn()
			return pi.UnmarshalBinary(b)
		},
		decodeFlowMod: func() func(b []byte) error {
			return func(b []byte) error { return libof.NewFlowMod().UnmarshalBinary(b) }
		},
	},
	{
		name: "netrack-openflow",
		encode: func() func() ([]byte, error) {
			basic := nrofp.XMClassOpenflowBasic
			fm := &nrofp.FlowMod{
				Cookie: 1, Command: nrofp.FlowAdd, IdleTimeout: 60, Priority: 100,
				Buffer: nrofp.NoBuffer, OutPort: nrofp.PortAny, OutGroup: nrofp.GroupAny,
				Match: nrofp.Match{Type: nrofp.MatchTypeXM, Fields: []nrofp.XM{
					{Class: basic, Type: nrofp.XMTypeInPort, Value: nrofp.XMValue{0, 0, 0, 1}},
					{Class: basic, Type: nrofp.XMTypeEthDst, Value: nrofp.XMValue(dstMAC[:])},
					{Class: basic, Type: nrofp.XMTypeEthSrc, Value: nrofp.XMValue(srcMAC[:])},
				}},
				Instructions: nrofp.Instructions{&nrofp.InstructionApplyActions{Actions: nrofp.Actions{
					&nrofp.ActionSetField{Field: nrofp.XM{Class: basic, Type: nrofp.XMTypeEthDst, Value: nrofp.XMValue(newMAC[:])}},
					&nrofp.ActionOutput{Port: 2},
				}}},
			}
			var buf bytes.Buffer
			return func() ([]byte, error) {
				buf.Reset()
				_, err := nropenflow.NewRequest(nropenflow.TypeFlowMod, fm).WriteTo(&buf)
				return buf.Bytes(), err
			}
		},
		decode: func(b []byte) error {
			var h nropenflow.Header
			if _, err := h.ReadFrom(bytes.NewReader(b[:8])); err != nil {
				return err
			}
			var pi nrofp.PacketIn
			_, err := pi.ReadFrom(bytes.NewReader(b[8:]))
			return err
		},
		decodeFlowMod: func() func(b []byte) error {
			return func(b []byte) error {
				var h nropenflow.Header
				if _, err := h.ReadFrom(bytes.NewReader(b[:8])); err != nil {
					return err
				}
				var fm nrofp.FlowMod
				_, err := fm.ReadFrom(bytes.NewReader(b[8:]))
				return err
			}
		},
	},
	{
		name: "goloxi",
		encode: func() func() ([]byte, error) {
			fm := loxi.NewFlowAdd()
			fm.Priority, fm.IdleTimeout, fm.Cookie = 100, 60, 1
			fm.BufferId, fm.OutPort, fm.OutGroup = 0xffffffff, loxi.Port(0xffffffff), 0xffffffff
			inPort := loxi.NewOxmInPort()
			inPort.Value = 1
			ethDst := loxi.NewOxmEthDst()
			ethDst.Value = net.HardwareAddr(dstMAC[:])
			ethSrc := loxi.NewOxmEthSrc()
			ethSrc.Value = net.HardwareAddr(srcMAC[:])
			fm.Match = loxi.MatchV3{Type: 1, OxmList: []goloxi.IOxm{inPort, ethDst, ethSrc}}
			newDst := loxi.NewOxmEthDst()
			newDst.Value = net.HardwareAddr(newMAC[:])
			setField := loxi.NewActionSetField()
			setField.Field = newDst
			out := loxi.NewActionOutput()
			out.Port = 2
			apply := loxi.NewInstructionApplyActions()
			apply.Actions = []goloxi.IAction{setField, out}
			fm.Instructions = []loxi.IInstruction{apply}
			return func() ([]byte, error) {
				enc := goloxi.NewEncoder()
				err := fm.Serialize(enc)
				return enc.Bytes(), err
			}
		},
		decode: func(b []byte) error {
			_, err := loxi.DecodeMessage(b)
			return err
		},
		decodeFlowMod: func() func(b []byte) error {
			return func(b []byte) error {
				_, err := loxi.DecodeMessage(b)
				return err
			}
		},
	},
}

// packetIn is the packet_in every contender decodes: produced by
// netslice and decoded without complaint by Open vSwitch (see the test).
func packetIn(tb testing.TB) []byte {
	frame := make([]byte, 64)
	copy(frame, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06})
	b, err := (&of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 64, Match: of13.NewMatch(of13.InPort(3)), Data: frame}).MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// ofpPrint returns Open vSwitch's reading of b and whether it decoded.
func ofpPrint(tb testing.TB, b []byte) (string, bool) {
	bin, err := exec.LookPath("ovs-ofctl")
	if err != nil {
		tb.Skip("ovs-ofctl not found: install the Debian package openvswitch-common")
	}
	out, _ := exec.Command(bin, "ofp-print", hex.EncodeToString(b)).CombinedOutput()
	s := string(out)
	ok := !strings.Contains(s, "decode error") && !strings.Contains(s, "***") && strings.Contains(s, "OFPT_FLOW_MOD")
	return s, ok
}

// TestValidity reports which contenders' flow_mods Open vSwitch decodes
// to the intended flow. netslice's must.
func TestValidity(t *testing.T) {
	want := []string{"ADD priority=100,in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02", "cookie:0x1 idle:60",
		"actions=set_field:02:00:00:00:00:03->eth_dst,output:2"}
	for _, c := range contenders {
		b, err := c.encode()()
		if err != nil {
			t.Errorf("%s: encode: %v", c.name, err)
			continue
		}
		out, ok := ofpPrint(t, b)
		for _, w := range want {
			ok = ok && strings.Contains(out, w)
		}
		t.Logf("%-20s valid=%-5v %x\n%s", c.name, ok, b, strings.TrimSpace(out))
		if c.name == "netslice" && !ok {
			t.Errorf("netslice's flow_mod does not decode to %q", want)
		}
		if err := c.decode(packetIn(t)); err != nil {
			t.Errorf("%s cannot decode the packet_in: %v", c.name, err)
		}
		built, err := c.buildFunc()(nil)
		if len(built) >= 8 && len(b) >= 8 {
			copy(built[4:8], b[4:8]) // contiv numbers each message it builds
		}
		if err != nil || !bytes.Equal(built, b) {
			t.Errorf("%s: building in the loop gives %x, %v; want %x", c.name, built, err, b)
		}
		fm, err := netsliceFlowMod().MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.decodeFlowMod()(fm); err != nil {
			t.Errorf("%s cannot decode the flow_mod: %v", c.name, err)
		}
	}
}

func BenchmarkFlowModEncode(b *testing.B) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			enc := c.encode()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPacketInDecode(b *testing.B) {
	raw := packetIn(b)
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.decode(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFlowModBuildEncode builds the flow_mod and encodes it on every
// call, as a controller does for each flow it installs.
func BenchmarkFlowModBuildEncode(b *testing.B) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			build := c.buildFunc()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := build(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFlowModDecode decodes netslice's flow_mod (which Open vSwitch
// reads as intended, see TestValidity).
func BenchmarkFlowModDecode(b *testing.B) {
	raw, err := netsliceFlowMod().MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			decode := c.decodeFlowMod()
			b.ReportAllocs()
			for b.Loop() {
				if err := decode(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
