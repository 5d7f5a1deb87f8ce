package of13

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
)

// fuzzFastPath fuzzes a message type's fast path against its general
// decoder: whatever the fast path accepts, the general decoder accepts too,
// with the same result, also when decoding again into the messages just
// decoded (both reuse what they hold alike).
func fuzzFastPath[M interface {
	*T
	MarshalBinary() ([]byte, error)
}, T any](f *testing.F, seeds []M, fast func(M, []byte) bool, general func(M, []byte) error) {
	for _, m := range seeds {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var x, y T
		if !fast(&x, b) {
			return
		}
		if err := general(&y, b); err != nil {
			t.Fatalf("fast path accepted %x, general decoder says %v", b, err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("fast %+v\ngeneral %+v", x, y)
		}
		if !fast(&x, b) || general(&y, b) != nil || !reflect.DeepEqual(x, y) {
			t.Fatalf("decoding again into the same messages: fast %+v\ngeneral %+v", x, y)
		}
	})
}

func FuzzPacketInFastPath(f *testing.F) {
	fuzzFastPath(f, []*PacketIn{
		{BufferID: NoBuffer, TotalLen: 64, Match: NewMatch(InPort(3)), Data: make([]byte, 64)},
		{Match: NewMatch(InPort(1), Metadata(5, 0xff), TunnelID(9, ^uint64(0)))},
		{Match: NewMatch(NewField(ClassExperimenter, 3, []byte{0, 0, 0x23, 0x20, 1, 2}, nil))},
		{Match: NewMatch(NewField(ClassExperimenter, 4, make([]byte, 40), nil))},
	}, (*PacketIn).decodeFast, (*PacketIn).decode)
}

// flowModSeeds are the flow_mod fuzz targets' seeds: the common flow,
// every fixed-size instruction and action, and what the fast paths leave
// to the general ones (experimenters' parts, a field held interned).
func flowModSeeds() []*FlowMod {
	return []*FlowMod{
		{Command: FlowAdd, Match: NewMatch(InPort(1), EthDst([6]byte{2}), EthSrc([6]byte{2, 1})),
			Instructions: Apply(SetField(EthDst([6]byte{2, 3})), Output(2))},
		{Match: NewMatch(EthType(0x86dd), IPv6Src(netip.MustParsePrefix("2001:db8::/32"))),
			Instructions: []Instruction{GotoTable(3), WriteMetadata(1, 0xff), Meter(4), ClearActions(),
				WriteActions(ToController(ControllerNoBuffer), CopyTTLOut(), CopyTTLIn(), SetMPLSTTL(3), DecMPLSTTL(),
					PushVLAN(0x8100), PopVLAN(), PushMPLS(0x8847), PopMPLS(0x800), SetQueue(5), Group(6),
					SetNwTTL(7), DecNwTTL(), PushPBB(0x88e7), PopPBB(), SetField(VLANVID(10)))}},
		{Instructions: Apply(ExperimenterAction(0x2320, make([]byte, 8)))},
		{Instructions: []Instruction{ExperimenterInstruction(0x2320, nil)}},
		{Match: NewMatch(NewField(ClassExperimenter, 4, make([]byte, 40), nil))},
	}
}

func FuzzFlowModFastPath(f *testing.F) {
	fuzzFastPath(f, flowModSeeds(), (*FlowMod).decodeFast, (*FlowMod).decode)
}

// The fast paths, decoding and encoding, take every flow_mod without
// experimenters' parts.
func TestFlowModFastPathTakesCommonFlows(t *testing.T) {
	for _, m := range []*FlowMod{
		{Command: FlowAdd, Match: NewMatch(InPort(1), EthDst([6]byte{2})), Instructions: Apply(Output(2))},
		{Command: FlowDelete, TableID: TableAll, OutPort: PortAny, OutGroup: GroupAny},
		{Match: NewMatch(EthType(0x800), IPv4Src(netip.MustParsePrefix("10.0.0.0/8"))),
			Instructions: []Instruction{WriteActions(SetField(IPv4Dst(netip.MustParsePrefix("10.0.0.1/32"))), Group(1)), GotoTable(1)}},
	} {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var fm FlowMod
		if !fm.decodeFast(b) {
			t.Errorf("the fast path refuses %x", b)
		}
		if _, ok := m.appendFast(nil); !ok {
			t.Errorf("the fast encoder refuses %+v", m)
		}
	}
}

// The quick structure check (wellFormed, with oxmLen) and checkStructure
// agree on every basic field type, mask bit and payload length.
func TestWellFormedAgreesWithCheckStructure(t *testing.T) {
	for typ := range 128 {
		for _, hasMask := range []bool{false, true} {
			for n := range maxBasic + 2 {
				f := Field{hdr: oxmHeader(ClassBasic, uint8(typ), hasMask, 0)}
				f.setPayload(make([]byte, n))
				if quick, full := f.wellFormed(), checkStructure(&f) == nil; quick != full {
					t.Errorf("type %d mask %v payload %d: wellFormed %v, checkStructure %v", typ, hasMask, n, quick, full)
				}
			}
		}
	}
}

// FuzzFlowModFastEncode: whatever flow_mod the general decoder makes of the
// input, the fast encoder writes the general encoder's bytes or leaves it
// to it; the same for the flow_mod with its fields and actions changed in
// ways the fast encoder refuses.
func FuzzFlowModFastEncode(f *testing.F) {
	for _, m := range flowModSeeds() {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, change uint8) {
		var m FlowMod
		if m.decode(b) != nil {
			return
		}
		same := func(what string) {
			t.Helper()
			fast, ok := m.appendFast(nil)
			general, err := m.appendGeneral(nil)
			if ok && (err != nil || !bytes.Equal(fast, general)) {
				t.Fatalf("%s: fast encoder wrote %x, general %x, %v", what, fast, general, err)
			}
		}
		same("decoded")
		if len(m.Match.Fields) > 0 {
			f := &m.Match.Fields[int(change)%len(m.Match.Fields)]
			p, hdr := f.Payload(), f.hdr
			switch change % 4 {
			case 0:
				hdr = hdr&^(0x7f<<41) | uint64(change&0x7f)<<41 // perhaps unknown
			case 1:
				p = append(p, make([]byte, maxBasic+2)...)[:change%(maxBasic+2)] // perhaps the wrong size
			case 2:
				hdr ^= 1 << 40 // the mask bit
			case 3:
				hdr ^= uint64(change) << 56 // the class
			}
			f.hdr = hdr
			f.setPayload(p)
			same("a field changed")
		}
		if len(m.Instructions) > 0 {
			in := &m.Instructions[int(change)%len(m.Instructions)]
			in.Type = InstructionType(change % 8)
			if len(in.Actions) > 0 {
				in.Actions[int(change)%len(in.Actions)].Type = ActionType(change % 30)
			}
			same("an instruction or action changed")
		}
	})
}

// A buffer with room for the message but not for the fast encoder's
// overshoot is not grown: the general encoder writes the same bytes
// without allocating.
func TestFlowModAppendIntoExactBuffer(t *testing.T) {
	m := &FlowMod{Command: FlowAdd, Match: NewMatch(InPort(1), EthDst([6]byte{2}), EthSrc([6]byte{2, 1})),
		Instructions: Apply(SetField(EthDst([6]byte{2, 3})), Output(2))}
	want, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, len(want))
	var got []byte
	if allocs := testing.AllocsPerRun(10, func() { got, err = m.AppendBinary(buf[:0]) }); allocs != 0 || err != nil {
		t.Errorf("%v allocations, %v", allocs, err)
	}
	if !bytes.Equal(got, want) || &got[0] != &buf[:1][0] {
		t.Errorf("got %x (in the buffer given: %v), want %x", got, &got[0] == &buf[:1][0], want)
	}
}
