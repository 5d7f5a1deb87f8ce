package of10_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/of10"
)

// A flow_mod built as a local value and encoded, and one decoded into a
// reused message, allocate nothing: actions are values, as in of13.
func TestFlowModDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	build := func() {
		fm := of10.FlowMod{Command: of10.FlowAdd, Priority: 100, BufferID: of10.NoBuffer, OutPort: of10.PortNone,
			Match:   of10.MatchAll().WithInPort(1).WithDLDst([6]byte{2, 0, 0, 0, 0, 2}),
			Actions: []of10.Action{of10.SetVLANVID(10), of10.Output(2)}}
		var err error
		buf, err = fm.AppendBinary(buf[:0])
		require.NoError(t, err)
	}
	build()
	raw := append([]byte(nil), buf...)
	assert.Zero(t, testing.AllocsPerRun(1000, build), "build and encode")
	var fm of10.FlowMod
	decode := func() { require.NoError(t, fm.UnmarshalBinary(raw)) }
	decode()
	assert.Zero(t, testing.AllocsPerRun(1000, decode), "decode into a reused message")
	assert.Equal(t, []of10.Action{of10.SetVLANVID(10), of10.Output(2)}, fm.Actions)
}
