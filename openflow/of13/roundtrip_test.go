package of13_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/of13"
)

// extras are messages with what Open vSwitch does not implement (so the
// golden test cannot check them), for the round trip.
func extras() []of13.Message {
	return []of13.Message{
		&of13.FlowMod{Command: of13.FlowAdd, Instructions: []of13.Instruction{
			of13.ApplyActions(of13.CopyTTLOut(), of13.CopyTTLIn(), of13.PushPBB(0x88e7),
				of13.PopPBB(), of13.ExperimenterAction(of13.NiciraID, []byte{0, 1, 2, 3, 4, 5, 6, 7}),
				of13.SetField(of13.IPv4Dst(mustPrefix("10.1.2.3/32")))),
			of13.ExperimenterInstruction(0x1234, []byte{1, 2, 3, 4, 5, 6, 7, 8}),
		}},
		&of13.Hello{Elements: []of13.HelloElement{{Type: 1, Bitmaps: []uint32{0x12}}, {Type: 77, Data: []byte{1, 2, 3, 4}}}},
		&of13.Error{Type: of13.ErrorTypeExperimenter, ExpType: 5, Experimenter: of13.NiciraID, Data: []byte{9}},
		&of13.QueueGetConfigReply{Port: 1, Queues: []of13.Queue{{QueueID: 1, Port: 1, Properties: []of13.QueueProperty{
			{Type: of13.QueuePropExperimenter, Experimenter: 7, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}}}}},
		&of13.MeterMod{Command: of13.MeterModify, MeterID: 1, Bands: []of13.MeterBand{{Type: of13.BandExperimenter, Rate: 1, Experimenter: 99}}},
		&of13.MultipartReply{Body: of13.TableFeaturesReply{Features: []of13.TableFeatures{{TableID: 1, Properties: []of13.TableFeatureProp{
			{Type: of13.TFPExperimenter, Experimenter: 5, ExpType: 6, Data: []byte{1, 2, 3, 4}}}}}}},
		&of13.MultipartReply{Body: of13.ExperimenterMultipart{Experimenter: 1, ExpType: 2, Data: []byte{3}}},
		// Experimenters' instruction, action and OXM ids carry their
		// experimenter id; an experimenter's meter band carries its data.
		&of13.MultipartReply{Body: of13.TableFeaturesReply{Features: []of13.TableFeatures{{TableID: 2, Properties: []of13.TableFeatureProp{
			{Type: of13.TFPInstructions, IDs: []uint16{1, 0xffff, 4}, Experimenters: []uint32{0x2320}},
			{Type: of13.TFPApplyActions, IDs: []uint16{0xffff, 0, 0xffff}, Experimenters: []uint32{0x2320, 0x4f4e4600}},
			{Type: of13.TFPMatch, OXMs: []uint32{0x80000004, 0xffff0a08, 0x80000606}, Experimenters: []uint32{0x4f4e4600}},
		}}}}},
		&of13.MeterMod{Command: of13.MeterAdd, MeterID: 2, Bands: []of13.MeterBand{
			{Type: of13.BandExperimenter, Rate: 10, Experimenter: 0x2320, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
			{Type: of13.BandDrop, Rate: 5}}},
		// Matches a switch would refuse for a flow, which still travel:
		// a packet-in reports a packet, a proxy passes a flow_mod on.
		&of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 14, Match: of13.NewMatch(of13.InPort(1), of13.IPDSCP(10)),
			Data: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 0}},
		&of13.FlowMod{Command: of13.FlowAdd, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
			Match: of13.NewMatch(of13.TCPDst(80), of13.EthType(0x0800), of13.EthType(0x86dd))},
	}
}

func roundTrip(t *testing.T, m of13.Message) { t.Helper(); oftest.RoundTrip(t, m, of13.Decode) }

func TestRoundTrip(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) { roundTrip(t, g.msg) })
	}
	for _, m := range extras() {
		t.Run(reflect.TypeOf(m).Elem().Name(), func(t *testing.T) { roundTrip(t, m) })
	}
}

// TestRoundTripGenerated randomizes every number in every message type
// (keeping the fields that decide a message's shape) and round-trips the
// result, many times over.
func TestRoundTripGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	msgs := extras()
	for _, g := range goldens() {
		msgs = append(msgs, g.msg)
	}
	for i := range 3000 {
		m := msgs[i%len(msgs)]
		randomize(rng, reflect.ValueOf(m).Elem())
		roundTrip(t, m)
		if t.Failed() {
			t.Fatalf("generated message %d (%T) failed", i, m)
		}
	}
}

// randomize randomizes m's numbers, keeping the fields that decide a
// message's shape.
func randomize(rng *rand.Rand, v reflect.Value) {
	oftest.Randomize(rng, v, reflect.TypeFor[of13.Match](), reflect.TypeFor[of13.Field](),
		reflect.TypeFor[of13.HelloElement](), reflect.TypeFor[of13.QueueProperty](),
		reflect.TypeFor[of13.TableFeatureProp](), reflect.TypeFor[of13.MeterBand](), reflect.TypeFor[of13.Error](),
		reflect.TypeFor[of13.ActionType](), reflect.TypeFor[of13.InstructionType]())
	// What an action or instruction's type does not carry on the wire.
	oftest.Rewrite(v, canonicalInstruction)
	oftest.Rewrite(v, canonicalAction)
}

func canonicalAction(a of13.Action) of13.Action {
	c := of13.Action{Type: a.Type}
	switch a.Type {
	case of13.ActionOutput:
		c.Port, c.MaxLen = a.Port, a.MaxLen
	case of13.ActionSetMPLSTTL, of13.ActionSetNwTTL:
		c.TTL = a.TTL
	case of13.ActionPushVLAN, of13.ActionPushMPLS, of13.ActionPopMPLS, of13.ActionPushPBB:
		c.EtherType = a.EtherType
	case of13.ActionSetQueue:
		c.QueueID = a.QueueID
	case of13.ActionGroup:
		c.GroupID = a.GroupID
	case of13.ActionSetField:
		c.Field = a.Field
	case of13.ActionExperimenter:
		c.Experimenter, c.Data = a.Experimenter, a.Data
	}
	return c
}

func canonicalInstruction(in of13.Instruction) of13.Instruction {
	c := of13.Instruction{Type: in.Type}
	switch in.Type {
	case of13.InstGotoTable:
		c.TableID = in.TableID
	case of13.InstWriteMetadata:
		c.Metadata, c.Mask = in.Metadata, in.Mask
	case of13.InstWriteActions, of13.InstApplyActions:
		c.Actions = in.Actions
		for i := range c.Actions {
			c.Actions[i] = canonicalAction(c.Actions[i])
		}
	case of13.InstMeter:
		c.MeterID = in.MeterID
	case of13.InstExperimenter:
		c.Experimenter, c.Data = in.Experimenter, in.Data
	}
	return c
}

func TestBadInput(t *testing.T) {
	flowMod, err := (&of13.FlowMod{Command: of13.FlowAdd, Match: of13.NewMatch(of13.InPort(1)),
		Instructions: of13.Apply(of13.Output(2))}).MarshalBinary()
	require.NoError(t, err)
	with := func(b []byte, at int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[at:], v)
		return c
	}
	tests := []struct {
		name       string
		b          []byte
		offset     int
		typ, code  uint16
		unexpected bool
	}{
		{"empty", nil, 0, 1, of13.BadRequestBadLen, true},
		{"short header", flowMod[:5], 5, 1, of13.BadRequestBadLen, true},
		{"wrong version", with(flowMod, 0, 0x01), 0, 1, of13.BadRequestBadVersion, false},
		{"unknown type", with(flowMod, 1, 99), 1, 1, of13.BadRequestBadType, false},
		{"length beyond the bytes", with(flowMod, 2, 0x01, 0x00), 2, 1, of13.BadRequestBadLen, false},
		{"truncated", with(flowMod[:40], 2, 0, 40), 40, 1, of13.BadRequestBadLen, true},
		{"match type standard", with(flowMod, 48, 0, 0), 48, uint16(of13.ErrorTypeBadMatch), of13.BadMatchBadType, false},
		{"match length past the message", with(flowMod, 50, 0x7f, 0xff), 50, uint16(of13.ErrorTypeBadMatch), of13.BadMatchBadLen, true},
		{"oxm field unknown", with(flowMod, 54, 0x7f<<1), 52, uint16(of13.ErrorTypeBadMatch), of13.BadMatchBadField, false},
		{"oxm field wrong length", with(flowMod, 55, 3), 52, uint16(of13.ErrorTypeBadMatch), of13.BadMatchBadLen, false},
		{"instruction misaligned", with(flowMod, 66, 0, 13), 64, uint16(of13.ErrorTypeBadInstruction), of13.BadInstructionBadLen, false},
		{"instruction unknown", with(flowMod, 64, 0, 9), 68, uint16(of13.ErrorTypeBadInstruction), of13.BadInstructionUnknownInst, false},
		{"action misaligned", with(flowMod, 74, 0, 12), 72, uint16(of13.ErrorTypeBadAction), of13.BadActionBadLen, false},
		{"action unknown", with(flowMod, 72, 0, 99), 76, uint16(of13.ErrorTypeBadAction), of13.BadActionBadType, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := of13.Decode(tt.b)
			require.Error(t, err)
			var e *openflow.DecodeError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.offset, e.Offset, "offset: %v", err)
			assert.Equal(t, tt.typ, e.Type, "error type: %v", err)
			assert.Equal(t, tt.code, e.Code, "error code: %v", err)
			assert.Equal(t, tt.unexpected, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
		})
	}
}
