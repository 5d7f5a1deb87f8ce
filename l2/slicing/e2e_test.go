package slicing_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
)

// env is one end-to-end setup: a real Open vSwitch, the controller with
// the slicing app, and hosts in namespaces.
type env struct {
	t       *testing.T
	ovs     *ovstest.Switch
	version openflow.Version
	addr    string
	fabric  *l2.Fabric
	app     *slicing.App
	ctrl    *openflow.Controller
	stop    func()
}

func newEnv(t *testing.T, v openflow.Version) *env {
	e := &env{t: t, version: v, ovs: ovstest.StartWith(t, ovstest.Options{System: true})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.addr = l.Addr().String()
	e.startController(l)
	t.Cleanup(func() { e.stop() })
	return e
}

// startController runs a fresh fabric, app and controller on l.
func (e *env) startController(l net.Listener) {
	var app *slicing.App
	e.fabric = l2.NewFabric(l2.Options{MoveGuard: 500 * time.Millisecond, Events: func(ev l2.Event) { app.FabricEvent(ev) }})
	app = slicing.New(e.fabric, slicing.Options{DiscoveryInterval: 300 * time.Millisecond})
	e.app = app
	e.ctrl = &openflow.Controller{Handler: app, Versions: []openflow.Version{e.version}}
	ctx, cancel := context.WithCancel(context.Background())
	go e.ctrl.Serve(l)
	go app.Run(ctx)
	e.stop = func() {
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		e.ctrl.Shutdown(sctx)
	}
}

func (e *env) bridge(name string, dpid uint64) {
	proto := map[openflow.Version]string{openflow.Version10: "OpenFlow10", openflow.Version13: "OpenFlow13"}[e.version]
	require.NoError(e.t, e.ovs.AddBridge(ovstest.Bridge{Name: name, DatapathID: dpid, Protocols: []string{proto},
		Controller: "tcp:" + e.addr}))
	// Reconnect quickly when the controller comes back.
	e.ovs.Vsctl("set", "controller", e.ovs.BridgeName(name), "max_backoff=1000", "inactivity_probe=5000")
	require.Eventually(e.t, func() bool { _, ok := e.ctrl.Switch(dpid); return ok }, 10*time.Second, 20*time.Millisecond,
		"bridge %s did not connect:\n%s", name, e.ovs.Log())
}

func (e *env) host(bridge string, port int, mac, addr string, vlan int) *ovstest.Host {
	return e.ovs.AddHost(e.t, ovstest.HostConfig{Bridge: bridge, OFPort: port, MAC: mac, Addr: addr, VLAN: vlan})
}

func (e *env) update(fn func(tx *l2.Tx) error) {
	_, err := e.app.Update(fn)
	require.NoError(e.t, err)
}

func loc(dp uint64, port int, vlan l2.VLAN) l2.Location {
	return l2.Location{Datapath: l2.DatapathID(dp), Port: l2.Port(port), VLAN: vlan}
}

const U = l2.Untagged

func bothVersions(t *testing.T, fn func(t *testing.T, v openflow.Version)) {
	for _, v := range []openflow.Version{openflow.Version13, openflow.Version10} {
		t.Run(v.String(), func(t *testing.T) { fn(t, v) })
	}
}

// Scenario 1: two hosts in one slice reach each other; a host in another
// slice reaches neither.
func TestIntegrationSlicesIsolate(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		h2 := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		h3 := e.host("br0", 3, "02:00:00:00:00:03", "10.99.0.3/24", 0)
		e.update(func(tx *l2.Tx) error {
			for _, err := range []error{
				tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa1, 2, U)),
				tx.AddSlice("b"), tx.BindPort("b", loc(0xa1, 3, U)),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		})
		assert.True(t, h1.Ping("10.99.0.2", 5), "h1 cannot reach h2 in its slice")
		assert.True(t, h2.Ping("10.99.0.1", 5), "h2 cannot reach h1 in its slice")
		assert.False(t, h3.Ping("10.99.0.1", 2), "h3 reached h1 across slices")
		assert.False(t, h3.Ping("10.99.0.2", 2), "h3 reached h2 across slices")
		assert.False(t, h1.Ping("10.99.0.3", 2), "h1 reached h3 across slices")
	})
}

// Scenario 2: the same MAC and IP addresses in two slices do not
// interfere.
func TestIntegrationOverlappingMACs(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		a1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		b1 := e.host("br0", 3, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		e.host("br0", 4, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.update(func(tx *l2.Tx) error {
			for _, err := range []error{
				tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa1, 2, U)),
				tx.AddSlice("b"), tx.BindPort("b", loc(0xa1, 3, U)), tx.BindPort("b", loc(0xa1, 4, U)),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		})
		for round := range 2 {
			assert.True(t, a1.Ping("10.99.0.2", 5), "round %d: slice a", round)
			assert.True(t, b1.Ping("10.99.0.2", 5), "round %d: slice b", round)
		}
		ea, _ := e.fabric.Lookup("a", l2.MustParseMAC("02:00:00:00:00:02"))
		eb, _ := e.fabric.Lookup("b", l2.MustParseMAC("02:00:00:00:00:02"))
		assert.Equal(t, l2.Port(2), ea.Location.Port)
		assert.Equal(t, l2.Port(4), eb.Location.Port)
	})
}

// Scenario 3: a port bound with a VLAN id, its host sending tagged frames,
// talks to an untagged host in the same slice: the app pushes and pops the
// tag.
func TestIntegrationVLAN(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		tagged := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 10)
		untagged := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		other := e.host("br0", 3, "02:00:00:00:00:03", "10.99.0.3/24", 20)
		e.update(func(tx *l2.Tx) error {
			for _, err := range []error{
				tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, 10)), tx.BindPort("a", loc(0xa1, 2, U)),
				tx.AddSlice("b"), tx.BindPort("b", loc(0xa1, 3, 20)),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		})
		assert.True(t, tagged.Ping("10.99.0.2", 5), "tagged host cannot reach the untagged one")
		assert.True(t, untagged.Ping("10.99.0.1", 5), "untagged host cannot reach the tagged one")
		assert.False(t, other.Ping("10.99.0.1", 2), "another slice's VLAN got through")
	})
}

// Scenario 4: two bridges joined by a link: hosts on different switches in
// one slice reach each other through the LLDP-discovered topology.
func TestIntegrationTwoSwitches(t *testing.T) {
	e := newEnv(t, openflow.Version13)
	e.bridge("br0", 0xa1)
	e.bridge("br1", 0xa2)
	e.ovs.LinkBridges(t, "br0", 10, "br1", 10)
	h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
	h2 := e.host("br1", 1, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	e.update(func(tx *l2.Tx) error {
		for _, err := range []error{tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa2, 1, U))} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.Eventually(t, func() bool { return len(e.app.Topology().Links()) == 1 }, 10*time.Second, 50*time.Millisecond,
		"the link between the bridges was not discovered")
	l := e.app.Topology().Links()[0]
	assert.Equal(t, fmt.Sprint(l2.NewLink(l2.PortRef{Datapath: 0xa1, Port: 10}, l2.PortRef{Datapath: 0xa2, Port: 10})), fmt.Sprint(l))
	assert.True(t, h1.Ping("10.99.0.2", 5), "no path across the switches")
	assert.True(t, h2.Ping("10.99.0.1", 5))
}

// Scenario 5: a port attachment: only the attached MAC may use the port.
func TestIntegrationPortAttachment(t *testing.T) {
	e := newEnv(t, openflow.Version13)
	e.bridge("br0", 0xa1)
	stranger := e.host("br0", 1, "02:00:00:00:00:66", "10.99.0.1/24", 0)
	e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	e.update(func(tx *l2.Tx) error {
		for _, err := range []error{tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa1, 2, U)),
			tx.AttachPort("a", loc(0xa1, 1, U), l2.MustParseMAC("02:00:00:00:00:01"))} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	assert.False(t, stranger.Ping("10.99.0.2", 2), "an unattached MAC used an attached port")
	e.update(func(tx *l2.Tx) error {
		return tx.DetachPort("a", loc(0xa1, 1, U), l2.MustParseMAC("02:00:00:00:00:01"))
	})
	assert.True(t, stranger.Ping("10.99.0.2", 5), "the port stayed closed after the attachment went")
}

// Scenario 6: removing a port binding cuts its host off within a second;
// a MAC moving to another port keeps working.
func TestIntegrationUnbindAndMove(t *testing.T) {
	e := newEnv(t, openflow.Version13)
	e.bridge("br0", 0xa1)
	h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
	h2 := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	e.update(func(tx *l2.Tx) error {
		for _, err := range []error{tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa1, 2, U)),
			tx.BindPort("a", loc(0xa1, 3, U))} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.True(t, h1.Ping("10.99.0.2", 5))
	e.update(func(tx *l2.Tx) error { return tx.UnbindPort("a", loc(0xa1, 2, U)) })
	start := time.Now()
	assert.False(t, h1.Ping("10.99.0.2", 1), "still reachable after its binding went")
	assert.Less(t, time.Since(start), 3*time.Second)

	// h2's MAC and address reappear on port 3: it moved.
	ovsDel(t, e, h2)
	time.Sleep(600 * time.Millisecond) // past the move guard
	e.host("br0", 3, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	assert.True(t, h1.Ping("10.99.0.2", 8), "the moved host is unreachable")
	got, ok := e.fabric.Lookup("a", l2.MustParseMAC("02:00:00:00:00:02"))
	require.True(t, ok)
	assert.Equal(t, l2.Port(3), got.Location.Port)
}

func ovsDel(t *testing.T, e *env, h *ovstest.Host) {
	out, err := e.ovs.Vsctl("del-port", e.ovs.BridgeName("br0"), h.Port)
	require.NoError(t, err, out)
}

// Scenario 7: the controller restarts and traffic recovers.
func TestIntegrationControllerRestart(t *testing.T) {
	e := newEnv(t, openflow.Version13)
	e.bridge("br0", 0xa1)
	h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
	e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	configure := func() {
		e.update(func(tx *l2.Tx) error {
			for _, err := range []error{tx.AddSlice("a"), tx.BindPort("a", loc(0xa1, 1, U)), tx.BindPort("a", loc(0xa1, 2, U))} {
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	configure()
	require.True(t, h1.Ping("10.99.0.2", 5))

	e.stop()
	l, err := net.Listen("tcp", e.addr) // the same address: the switch is told where to find us
	require.NoError(t, err)
	e.startController(l)
	configure()
	require.Eventually(t, func() bool { _, ok := e.ctrl.Switch(0xa1); return ok }, 15*time.Second, 50*time.Millisecond,
		"the switch did not come back:\n%s", e.ovs.Log())
	assert.True(t, h1.Ping("10.99.0.2", 8), "traffic did not recover after the restart")
}
