package openflow_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

// A switch's counts follow its traffic, by type and in bytes.
func TestSwitchStats(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec}
	addr := startController(t, c)
	f := dial(t, addr)
	f.handshake(openflow.Version13, 1)
	sw := waitUp(t, rec)
	base := sw.Stats()
	assert.Equal(t, uint64(4), base.MessagesIn, "hello, features reply, desc and port desc replies")
	assert.Equal(t, uint64(1), base.In[of13.TypeFeaturesReply])
	assert.Equal(t, uint64(2), base.In[of13.TypeMultipartReply])
	assert.Equal(t, openflow.DefaultSendQueue, base.QueueCap)

	pi := &of13.PacketIn{BufferID: of13.NoBuffer, TotalLen: 14, Match: of13.NewMatch(of13.InPort(1)), Data: make([]byte, 14)}
	raw, err := pi.MarshalBinary()
	require.NoError(t, err)
	for range 3 {
		f.send(pi)
	}
	fm := of13.NewFlowMod(of13.FlowAdd)
	fm.Instructions = of13.Apply(of13.Output(2))
	require.NoError(t, sw.Send(context.Background(), fm))
	require.IsType(t, &of13.FlowMod{}, f.recv())
	assert.Eventually(t, func() bool { return sw.Stats().In[of13.TypePacketIn] == 3 }, 5*time.Second, 5*time.Millisecond)
	st := sw.Stats()
	assert.Equal(t, base.MessagesIn+3, st.MessagesIn)
	assert.Equal(t, base.BytesIn+3*uint64(len(raw)), st.BytesIn)
	assert.Equal(t, uint64(1), st.Out[of13.TypeFlowMod])
	assert.Equal(t, base.MessagesOut+1, st.MessagesOut)
	assert.Equal(t, 0, st.Queued)
}

// Connections that end are counted by why.
func TestDisconnectReasons(t *testing.T) {
	rec := newRecorder()
	c := &openflow.Controller{Handler: rec, EchoInterval: 50 * time.Millisecond, MaxMissedEchoes: 1,
		HandshakeTimeout: 200 * time.Millisecond}
	addr := startController(t, c)

	closing := dial(t, addr)
	closing.handshake(openflow.Version13, 1)
	waitUp(t, rec)
	closing.conn.Close()

	quiet := dial(t, addr) // answers nothing after the handshake
	quiet.handshake(openflow.Version13, 2)
	waitUp(t, rec)
	quiet.expectClosed()

	silent, err := net.Dial("tcp", addr) // never says hello
	require.NoError(t, err)
	defer silent.Close()

	garbage := dial(t, addr)
	garbage.handshake(openflow.Version13, 3)
	waitUp(t, rec)
	_, err = garbage.conn.Write([]byte{4, 99, 0, 8, 0, 0, 0, 1}) // an unknown message type
	require.NoError(t, err)
	garbage.expectClosed()

	want := map[string]uint64{openflow.ReasonClosed: 1, openflow.ReasonEchoTimeout: 1,
		openflow.ReasonHandshake: 1, openflow.ReasonProtocolError: 1}
	assert.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, c.Stats().Disconnects) },
		5*time.Second, 10*time.Millisecond, "%v", c.Stats().Disconnects)
	assert.Equal(t, 0, c.Stats().Switches)
}
