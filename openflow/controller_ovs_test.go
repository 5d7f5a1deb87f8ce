package openflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
	"github.com/netslice/netslice/openflow/ovstest"
)

// TestIntegrationOVSController runs the controller against a real
// ovs-vswitchd: handshake, ports, a flow installed and read back, and a
// frame injected into a port arriving as a packet-in at the handler.
func TestIntegrationOVSController(t *testing.T) {
	for _, v := range []openflow.Version{openflow.Version13, openflow.Version10} {
		t.Run(v.String(), func(t *testing.T) {
			ovs := ovstest.Start(t)
			rec := newRecorder()
			addr := startController(t, &openflow.Controller{Handler: rec, Versions: []openflow.Version{v}})
			proto := map[openflow.Version]string{openflow.Version10: "OpenFlow10", openflow.Version13: "OpenFlow13"}[v]
			require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xe1, Protocols: []string{proto},
				Controller: "tcp:" + addr}))
			require.NoError(t, ovs.AddPort("br0", "p1", 1))
			require.NoError(t, ovs.AddPort("br0", "p2", 2))

			sw := waitUp(t, rec)
			assert.Equal(t, uint64(0xe1), sw.DatapathID())
			assert.Equal(t, v, sw.Version())
			assert.Equal(t, "Nicira, Inc.", sw.Description().Manufacturer)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// Ports added after the handshake arrive as port-status.
			assert.Eventually(t, func() bool {
				names := map[string]bool{}
				for _, p := range sw.Ports() {
					names[p.Name] = true
				}
				return names["p1"] && names["p2"]
			}, 5*time.Second, 20*time.Millisecond, "ports: %v", sw.Ports())

			// Everything to the controller, then read the flow back.
			var flow, stats openflow.Message
			if v == openflow.Version13 {
				flow = &of13.FlowMod{Command: of13.FlowAdd, Cookie: 0x77, BufferID: of13.NoBuffer, OutPort: of13.PortAny,
					OutGroup: of13.GroupAny, Instructions: of13.Apply(of13.ToController(of13.ControllerNoBuffer))}
				stats = &of13.MultipartRequest{Body: of13.FlowStatsRequest{TableID: of13.TableAll, OutPort: of13.PortAny, OutGroup: of13.GroupAny}}
			} else {
				flow = &of10.FlowMod{Match: of10.MatchAll(), Command: of10.FlowAdd, Cookie: 0x77, BufferID: of10.NoBuffer,
					OutPort: of10.PortNone, Actions: []of10.Action{of10.ToController(0xffff)}}
				stats = &of10.StatsRequest{Body: of10.FlowStatsRequest{Match: of10.MatchAll(), TableID: 0xff, OutPort: of10.PortNone}}
			}
			require.NoError(t, sw.Send(ctx, flow))
			require.NoError(t, sw.Barrier(ctx))
			reply, err := sw.Request(ctx, stats)
			require.NoError(t, err)
			require.Len(t, reply, 1)
			switch r := reply[0].(type) {
			case *of13.MultipartReply:
				flows := r.Body.(of13.FlowStatsReply).Flows
				require.Len(t, flows, 1)
				assert.Equal(t, uint64(0x77), flows[0].Cookie)
			case *of10.StatsReply:
				flows := r.Body.(of10.FlowStatsReply).Flows
				require.Len(t, flows, 1)
				assert.Equal(t, uint64(0x77), flows[0].Cookie)
			}

			require.NoError(t, ovs.Inject("p1", arpRequest))
			deadline := time.After(5 * time.Second)
			for {
				select {
				case m := <-rec.msgCh:
					switch pi := m.(type) {
					case *of13.PacketIn:
						port, _ := pi.Match.InPort()
						assert.Equal(t, uint32(1), port)
						assert.Equal(t, arpRequest, pi.Data)
						return
					case *of10.PacketIn:
						assert.Equal(t, uint16(1), pi.InPort)
						assert.Equal(t, arpRequest, pi.Data)
						return
					}
				case <-deadline:
					t.Fatalf("no packet-in\n%s", ovs.Log())
				}
			}
		})
	}
}
