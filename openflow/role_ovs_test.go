package openflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
	"github.com/netslice/netslice/openflow/ovstest"
)

// TestIntegrationRoles runs two controllers on one Open vSwitch bridge:
// the master's flows go in and the slave's are refused; a newer
// generation takes mastership over and the old master is demoted by the
// switch (and, on 1.3, cannot take it back with its old generation); a
// slave that asks for packet-ins gets them.
func TestIntegrationRoles(t *testing.T) {
	for _, v := range []openflow.Version{openflow.Version13, openflow.Version10} {
		t.Run(v.String(), func(t *testing.T) {
			ovs := ovstest.Start(t)
			var recs [2]*recorder
			var targets []string
			for i := range recs {
				recs[i] = newRecorder()
				addr := startController(t, &openflow.Controller{Handler: recs[i], Versions: []openflow.Version{v}})
				targets = append(targets, "tcp:"+addr)
			}
			proto := map[openflow.Version]string{openflow.Version10: "OpenFlow10", openflow.Version13: "OpenFlow13"}[v]
			require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xe2, Protocols: []string{proto},
				Controller: targets[0], Controllers: targets[1:]}))
			require.NoError(t, ovs.AddPort("br0", "p1", 1))
			a, b := waitUp(t, recs[0]), waitUp(t, recs[1])
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.Equal(t, openflow.RoleEqual, a.Role())

			require.NoError(t, a.SetRole(ctx, openflow.RoleMaster, 10))
			require.NoError(t, b.SetRole(ctx, openflow.RoleSlave, 10))
			assert.Equal(t, openflow.RoleMaster, a.Role())
			assert.Equal(t, openflow.RoleSlave, b.Role())
			flow := func(cookie uint64) openflow.Message {
				if v == openflow.Version13 {
					return &of13.FlowMod{Command: of13.FlowAdd, Cookie: cookie, Priority: uint16(cookie), BufferID: of13.NoBuffer,
						OutPort: of13.PortAny, OutGroup: of13.GroupAny, Instructions: of13.Apply(of13.ToController(of13.ControllerNoBuffer))}
				}
				return &of10.FlowMod{Match: of10.MatchAll(), Command: of10.FlowAdd, Cookie: cookie, Priority: uint16(cookie),
					BufferID: of10.NoBuffer, OutPort: of10.PortNone, Actions: []of10.Action{of10.ToController(0xffff)}}
			}
			has := func(cookie string) bool {
				flows, err := ovs.DumpFlows("br0", proto)
				require.NoError(t, err)
				return strings.Contains(strings.Join(flows, "\n"), "cookie="+cookie+",")
			}
			for sw, cookie := range map[*openflow.Switch]uint64{a: 0x11, b: 0x22} {
				require.NoError(t, sw.Send(ctx, flow(cookie)))
				require.NoError(t, sw.Barrier(ctx))
			}
			assert.True(t, has("0x11"), "the master's flow")
			assert.False(t, has("0x22"), "the slave's flow is refused")

			// b takes over with a newer generation: a becomes a slave.
			require.NoError(t, b.SetRole(ctx, openflow.RoleMaster, 11))
			require.NoError(t, a.Send(ctx, flow(0x33)))
			require.NoError(t, a.Barrier(ctx))
			require.NoError(t, b.Send(ctx, flow(0x44)))
			require.NoError(t, b.Barrier(ctx))
			assert.False(t, has("0x33"), "the demoted master's flow is refused")
			assert.True(t, has("0x44"), "the new master's flow")
			if v == openflow.Version13 {
				err := a.SetRole(ctx, openflow.RoleMaster, 10)
				assert.ErrorIs(t, err, openflow.ErrStaleGeneration, "an old generation cannot take mastership back")
				assert.Equal(t, openflow.RoleMaster, a.Role(), "what was granted last")
			}

			// The slave a asks for packet-ins and port status; both get the frame.
			require.NoError(t, a.SetRole(ctx, openflow.RoleSlave, 11))
			all := of13.AsyncConfig{PacketInMask: [2]uint32{3, 3}, PortStatusMask: [2]uint32{7, 7}}
			require.NoError(t, a.SetAsync(ctx, all))
			require.NoError(t, ovs.Inject("p1", arpRequest))
			for i, rec := range recs {
				assert.True(t, gotPacketIn(rec, 5*time.Second), "controller %d got no packet-in", i)
			}
		})
	}
}

func gotPacketIn(rec *recorder, d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case m := <-rec.msgCh:
			switch m.(type) {
			case *of13.PacketIn, *of10.PacketIn:
				return true
			}
		case <-deadline:
			return false
		}
	}
}
