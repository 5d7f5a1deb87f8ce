package nicira_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/internal/oftest"
	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of13"
)

func must(a of13.Action, err error) of13.Action {
	if err != nil {
		panic(err)
	}
	return a
}

// flowMod is a stateful pipeline's flow: established connections of zone
// 5 on register 0's port.
func flowMod() *of13.FlowMod {
	fm := of13.NewFlowMod(of13.FlowAdd)
	fm.TableID, fm.Priority = 1, 200
	fm.Match = of13.NewMatch(of13.InPort(3), of13.EthType(0x0800), of13.IPProto(6), // an ALG needs its protocol
		nicira.CTState(nicira.CTTracked|nicira.CTNew, nicira.CTTracked|nicira.CTNew|nicira.CTEstablished),
		nicira.CTZone(5), nicira.CTMark(0x10, 0xf0), nicira.Reg(0, 7, ^uint32(0)), nicira.Reg(6, 0x100, 0xff00))
	fm.Instructions = of13.Apply(
		must(nicira.CT{Commit: true, Zone: 5, Table: nicira.NoRecirc,
			Actions: []of13.Action{of13.SetField(nicira.CTMark(1, ^uint32(0)))}}.Action()),
		must(nicira.CT{Zone: 9, Table: 2}.Action()),
		must(nicira.CT{Commit: true, Force: true, Zone: 1, Table: 4, ALG: 21}.Action()),
		nicira.ResubmitTable{InPort: nicira.InPortUnchanged, Table: 3}.Action(),
		nicira.ResubmitTable{InPort: 2, Table: 0}.Action(),
		of13.Output(1))
	return fm
}

// Open vSwitch reads them as what they are.
func TestGoldenOVS(t *testing.T) {
	oftest.Golden(t, flowMod(), []string{
		"ct_state=+new-est+trk", "ct_zone=5", "ct_mark=0x10/0xf0", "reg0=0x7", "reg6=0x100/0xff00",
		"ct(commit,zone=5,exec(set_field:0x1->ct_mark))",
		"ct(table=2,zone=9)",
		"ct(commit,force,table=4,zone=1,alg=ftp)",
		"resubmit(,3)", "resubmit(2,0)", "output:1",
	})
}

func TestRoundTrip(t *testing.T) {
	fm := flowMod()
	b, err := fm.MarshalBinary()
	require.NoError(t, err)
	var got of13.FlowMod
	require.NoError(t, got.UnmarshalBinary(b))
	acts := got.Instructions[0].Actions
	var parsed []any
	for _, a := range acts {
		p, err := nicira.Parse(a)
		if a.Type == of13.ActionOutput {
			assert.ErrorIs(t, err, nicira.ErrNotNicira)
			continue
		}
		require.NoError(t, err)
		parsed = append(parsed, p)
	}
	require.Len(t, parsed, 5)
	ct := parsed[0].(nicira.CT)
	assert.True(t, ct.Commit)
	assert.Equal(t, uint16(5), ct.Zone)
	assert.Equal(t, nicira.NoRecirc, ct.Table)
	require.Len(t, ct.Actions, 1)
	assert.Equal(t, nicira.CTMark(1, ^uint32(0)), ct.Actions[0].Field)
	assert.Equal(t, nicira.CT{Zone: 9, Table: 2}, parsed[1])
	assert.Equal(t, nicira.CT{Commit: true, Force: true, Zone: 1, Table: 4, ALG: 21}, parsed[2])
	assert.Equal(t, nicira.ResubmitTable{InPort: nicira.InPortUnchanged, Table: 3}, parsed[3])
	assert.Equal(t, nicira.ResubmitTable{InPort: 2}, parsed[4])
	// And the bytes again.
	again, err := got.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, again)
	assert.Equal(t, fm.Match, got.Match)
}

func TestRefused(t *testing.T) {
	_, err := nicira.CT{Force: true}.Action()
	assert.ErrorIs(t, err, nicira.ErrInvalid, "force needs commit")
	_, err = nicira.CT{Actions: []of13.Action{of13.SetField(nicira.CTMark(1, 1))}}.Action()
	assert.ErrorIs(t, err, nicira.ErrInvalid, "actions need commit")
	_, err = nicira.CT{Commit: true, Actions: []of13.Action{of13.Output(1)}}.Action()
	assert.ErrorIs(t, err, nicira.ErrInvalid, "only set_field of ct_mark or ct_label")
	for _, data := range [][]byte{
		{0, 35, 0, 0}, // short
		{0, 35, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},                         // an unknown flag
		{0, 35, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},                         // a zone from a field
		{0, 35, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0}, // a nested action too long
		{0, 14, 0, 0}, // a short resubmit
	} {
		_, err := nicira.Parse(of13.ExperimenterAction(nicira.VendorID, data))
		assert.ErrorIs(t, err, nicira.ErrInvalid, "%x", data)
	}
	_, err = nicira.Parse(of13.ExperimenterAction(0x4f4e4600, []byte{0, 35}))
	assert.ErrorIs(t, err, nicira.ErrNotNicira)
	_, err = nicira.Parse(of13.ExperimenterAction(nicira.VendorID, []byte{0, 99, 0, 0, 0, 0, 0, 0}))
	assert.ErrorIs(t, err, nicira.ErrNotNicira, "a subtype this package does not know")
	assert.Panics(t, func() { nicira.Reg(16, 0, 0) })
}

func FuzzParse(f *testing.F) {
	for _, a := range flowMod().Instructions[0].Actions {
		if a.Type == of13.ActionExperimenter {
			f.Add(a.Data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := nicira.Parse(of13.ExperimenterAction(nicira.VendorID, data))
		if err != nil {
			return
		}
		// What parses encodes again to the same meaning.
		var a of13.Action
		switch v := p.(type) {
		case nicira.CT:
			if a, err = v.Action(); err != nil {
				t.Fatalf("%+v parsed from %x does not encode: %v", v, data, err)
			}
		case nicira.ResubmitTable:
			a = v.Action()
		}
		again, err := nicira.Parse(a)
		if err != nil {
			t.Fatalf("re-encoded %+v does not parse: %v", p, err)
		}
		if ct, ok := p.(nicira.CT); ok && len(ct.Actions) == 0 {
			assert.Equal(t, p, again)
		}
	})
}
