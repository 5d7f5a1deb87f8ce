package of13_test

import (
	"testing"

	"github.com/netslice/netslice/openflow/of13"
)

// BenchmarkFlowModEncode encodes the flow_mod (3-field OXM match,
// apply-actions with two actions) into a reused buffer.
func BenchmarkFlowModEncode(b *testing.B) {
	fm := benchFlowMod()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = fm.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkPacketInDecode decodes a packet_in carrying a 64-byte frame
// into a reused message.
func BenchmarkPacketInDecode(b *testing.B) {
	raw := benchPacketIn(b)
	var pi of13.PacketIn
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := pi.UnmarshalBinary(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlowModValidateEncode is what the controller does with a
// flow_mod it sends (RawFlowMods off): Validate, then encode. Compare
// with BenchmarkFlowModEncode, measured in the same run.
func BenchmarkFlowModValidateEncode(b *testing.B) {
	fm := benchFlowMod()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if err := fm.Validate(); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = fm.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkFlowModDecode decodes the flow_mod of BenchmarkFlowModEncode
// into a reused message, as a proxy or a switch decodes every one.
func BenchmarkFlowModDecode(b *testing.B) {
	var fm of13.FlowMod
	benchFlowModDecode(b, fm.UnmarshalBinary)
}

// BenchmarkFlowModDecodeGeneral decodes the same flow_mod with the general
// decoder alone (what UnmarshalBinary falls back to when its fast path
// refuses a message): the baseline of BenchmarkFlowModDecode.
func BenchmarkFlowModDecodeGeneral(b *testing.B) {
	var fm of13.FlowMod
	benchFlowModDecode(b, fm.DecodeGeneral)
}

func benchFlowModDecode(b *testing.B, decode func([]byte) error) {
	raw, err := benchFlowMod().MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlowModBuildEncode builds the flow_mod of benchFlowMod and
// encodes it, as a controller does for each flow it installs: the message
// is a local value, built in the loop.
func BenchmarkFlowModBuildEncode(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		fm := of13.FlowMod{
			Header: of13.Header{XID: 42}, Cookie: 0x1, Command: of13.FlowAdd, IdleTimeout: 60, Priority: 100,
			BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
			Match: of13.NewMatch(of13.InPort(1), of13.EthDst([6]byte{2, 0, 0, 0, 0, 2}),
				of13.EthSrc([6]byte{2, 0, 0, 0, 0, 1})),
			Instructions: of13.Apply(of13.SetField(of13.EthDst([6]byte{2, 0, 0, 0, 0, 3})), of13.Output(2)),
		}
		var err error
		if buf, err = fm.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkMatchBuild builds the three-field match of benchFlowMod: the
// share of BenchmarkFlowModBuildEncode that the field builders take.
func BenchmarkMatchBuild(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m := of13.NewMatch(of13.InPort(1), of13.EthDst([6]byte{2, 0, 0, 0, 0, 2}), of13.EthSrc([6]byte{2, 0, 0, 0, 0, 1}))
		if len(m.Fields) != 3 {
			b.Fatal(len(m.Fields))
		}
	}
}
