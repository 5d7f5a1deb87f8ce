package slicing_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet/hostnettest/guest"
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
	opts    slicing.Options
	fabric  *l2.Fabric
	app     *slicing.App
	ctrl    *openflow.Controller
	stop    func()
}

// secret is the LLDP key the tests' apps share, so a test can make a
// genuine discovery frame.
var secret = []byte("netslice e2e")

// kernelDatapath puts the scenarios' bridges on the kernel's datapath
// (TestIntegrationKernelDatapath sets it, in a guest where need be).
var kernelDatapath bool

// patience is how many seconds to give what takes secs here: four times
// as many in a guest, where code runs emulated and is slow the first time.
func patience(secs int) int {
	if kernelDatapath && guest.InGuest() {
		return 4 * secs
	}
	return secs
}

func newEnv(t *testing.T, v openflow.Version) *env {
	e := &env{t: t, version: v, ovs: ovstest.StartWith(t, ovstest.Options{System: true, KernelDatapath: kernelDatapath}),
		opts: slicing.Options{DiscoveryInterval: 300 * time.Millisecond, LLDPSecret: secret}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.addr = l.Addr().String()
	e.startController(l)
	t.Cleanup(func() { e.stop() })
	return e
}

// startController runs a fresh fabric, app and controller on l.
func (e *env) startController(l net.Listener) {
	app, err := slicing.New(l2.Options{MoveGuard: 500 * time.Millisecond}, e.opts)
	if err != nil {
		panic(err)
	}
	e.fabric = app.Fabric()
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

func (e *env) proto() string {
	return map[openflow.Version]string{openflow.Version10: "OpenFlow10", openflow.Version13: "OpenFlow13"}[e.version]
}

func (e *env) bridge(name string, dpid uint64) {
	require.NoError(e.t, e.ovs.AddBridge(ovstest.Bridge{Name: name, DatapathID: dpid, Protocols: []string{e.proto()},
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
	e.t.Helper()
	_, err := e.app.Update(fn)
	require.NoError(e.t, err)
}

// slice makes a slice binding the locations.
func (e *env) slice(id string, locs ...l2.Location) {
	e.t.Helper()
	e.update(func(tx *l2.Tx) error {
		if err := tx.AddSlice(id); err != nil {
			return err
		}
		for _, l := range locs {
			if err := tx.BindPort(id, l); err != nil {
				return err
			}
		}
		return nil
	})
}

// flows returns the bridge's flows as ovs-ofctl prints them.
func (e *env) flows(bridge string) []string {
	e.t.Helper()
	fs, err := e.ovs.DumpFlows(bridge, e.proto())
	require.NoError(e.t, err)
	return fs
}

// flowsWith returns the bridge's flows that contain every one of parts.
func (e *env) flowsWith(bridge string, parts ...string) []string {
	var out []string
	for _, f := range e.flows(bridge) {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(f, p) }) {
			out = append(out, f)
		}
	}
	return out
}

// links waits for n discovered links.
func (e *env) links(n int) {
	e.t.Helper()
	wait := 10 * time.Second
	if kernelDatapath {
		wait = 30 * time.Second // in a guest, emulated: the first LLDP rounds are slow
	}
	require.Eventually(e.t, func() bool { return len(e.app.Topology().Links()) == n }, wait, 50*time.Millisecond,
		"%d links were not discovered: %v", n, e.app.Topology().Links())
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

// rx returns a host's received frame count.
func rx(t *testing.T, h *ovstest.Host) uint64 {
	t.Helper()
	n, err := h.RxPackets()
	require.NoError(t, err)
	return n
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
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U))
		e.slice("b", loc(0xa1, 3, U))
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 cannot reach h2 in its slice")
		assert.True(t, h2.Ping("10.99.0.1", patience(5)), "h2 cannot reach h1 in its slice")
		// The forwarding flows: one each way, between ports 1 and 2.
		assert.Len(t, e.flowsWith("br0", "priority=100", "dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02", "actions=output:2"), 1,
			"%s", strings.Join(e.flows("br0"), "\n"))
		assert.Len(t, e.flowsWith("br0", "priority=100", "dl_src=02:00:00:00:00:02,dl_dst=02:00:00:00:00:01", "actions=output:1"), 1)
		before := rx(t, h3)
		assert.False(t, h3.Ping("10.99.0.1", 1), "h3 reached h1 across slices")
		assert.False(t, h1.Ping("10.99.0.3", 1), "h1 reached h3 across slices")
		assert.Equal(t, before, rx(t, h3), "h3 received a frame of another slice")
		// Nothing forwards to or from h3: its slice has no one to reach.
		assert.Empty(t, e.flowsWith("br0", "priority=100", "02:00:00:00:00:03"))
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
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U))
		e.slice("b", loc(0xa1, 3, U), loc(0xa1, 4, U))
		for round := range 2 {
			assert.True(t, a1.Ping("10.99.0.2", 5), "round %d: slice a", round)
			assert.True(t, b1.Ping("10.99.0.2", 5), "round %d: slice b", round)
		}
		ea, _ := e.fabric.Lookup("a", l2.MustParseMAC("02:00:00:00:00:02"))
		eb, _ := e.fabric.Lookup("b", l2.MustParseMAC("02:00:00:00:00:02"))
		assert.Equal(t, l2.Port(2), ea.Location.Port)
		assert.Equal(t, l2.Port(4), eb.Location.Port)
		// Each slice's flows go between its own ports.
		fwd := "dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02"
		assert.Len(t, e.flowsWith("br0", "in_port=1", fwd, "actions=output:2"), 1, "%s", strings.Join(e.flows("br0"), "\n"))
		assert.Len(t, e.flowsWith("br0", "in_port=3", fwd, "actions=output:4"), 1)
		assert.Empty(t, e.flowsWith("br0", "in_port=1", "output:4"))
		assert.Empty(t, e.flowsWith("br0", "in_port=3", "output:2"))
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
		e.slice("a", loc(0xa1, 1, 10), loc(0xa1, 2, U))
		e.slice("b", loc(0xa1, 3, 20))
		assert.True(t, tagged.Ping("10.99.0.2", 5), "tagged host cannot reach the untagged one")
		assert.True(t, untagged.Ping("10.99.0.1", 5), "untagged host cannot reach the tagged one")
		assert.False(t, other.Ping("10.99.0.1", 1), "another slice's VLAN got through")
		pop, push := "strip_vlan", "mod_vlan_vid:10"
		if v == openflow.Version13 {
			pop, push = "pop_vlan", "push_vlan:0x8100,set_field:4106->vlan_vid"
		}
		assert.Len(t, e.flowsWith("br0", "in_port=1", "dl_vlan=10", "dl_src=02:00:00:00:00:01", pop), 1,
			"%s", strings.Join(e.flows("br0"), "\n"))
		assert.Len(t, e.flowsWith("br0", "in_port=2", "dl_src=02:00:00:00:00:02", push), 1)
	})
}

// twoSwitches starts br0 (datapath 0xa1) and br1 (0xa2) joined by a link
// between their ports 10, h1 (02:00:00:00:00:01, 10.99.0.1) at br0's port
// 1 and h2 (…:02, 10.99.0.2) at br1's port 1.
func twoSwitches(t *testing.T, v openflow.Version) (e *env, h1, h2 *ovstest.Host) {
	e = newEnv(t, v)
	e.bridge("br0", 0xa1)
	e.bridge("br1", 0xa2)
	e.ovs.LinkBridges(t, "br0", 10, "br1", 10)
	h1 = e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
	h2 = e.host("br1", 1, "02:00:00:00:00:02", "10.99.0.2/24", 0)
	return e, h1, h2
}

// Scenario 4: two bridges joined by a link: hosts on different switches in
// one slice reach each other through the LLDP-discovered topology, and
// the link does not flap at a short discovery interval.
func TestIntegrationTwoSwitches(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, h2 := twoSwitches(t, v)
		e.slice("a", loc(0xa1, 1, U), loc(0xa2, 1, U))
		e.links(1)
		l := e.app.Topology().Links()[0]
		assert.Equal(t, fmt.Sprint(l2.NewLink(l2.PortRef{Datapath: 0xa1, Port: 10}, l2.PortRef{Datapath: 0xa2, Port: 10})), fmt.Sprint(l))
		assert.True(t, h1.Ping("10.99.0.2", 5), "no path across the switches")
		assert.True(t, h2.Ping("10.99.0.1", 5))
		// Ten discovery intervals: the link never went.
		for range 30 {
			require.Len(t, e.app.Topology().Links(), 1, "the link flapped")
			time.Sleep(100 * time.Millisecond)
		}
		assert.True(t, h1.Ping("10.99.0.2", 2), "the flows went with a flap")
	})
}

// tagOf returns the VLAN id a flow matches.
var dlVLAN = regexp.MustCompile(`dl_vlan=(\d+)`)

// Scenario 5: two slices with the same MACs, IP addresses and edge VLAN,
// on paths over two and over three switches that share the inter-switch
// links: each slice's hosts reach each other, never a frame of the other
// slice, and the flows between switches match each slice's own transport
// VLAN.
func TestIntegrationAcrossSwitches(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("switches=%d", n), func(t *testing.T) {
			bothVersions(t, func(t *testing.T, v openflow.Version) {
				e := newEnv(t, v)
				dps := []uint64{0xa1, 0xa2, 0xa3}[:n]
				for i, dp := range dps {
					e.bridge(fmt.Sprintf("br%d", i), dp)
				}
				for i := 1; i < n; i++ {
					e.ovs.LinkBridges(t, fmt.Sprintf("br%d", i-1), 10+i, fmt.Sprintf("br%d", i), 20+i)
				}
				last := fmt.Sprintf("br%d", n-1)
				edge := dps[n-1]
				// The same addresses in both slices; both tag VLAN 10 at
				// one end and send untagged at the other.
				a1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 10)
				a2 := e.host(last, 1, "02:00:00:00:00:02", "10.99.0.2/24", 0)
				b1 := e.host("br0", 2, "02:00:00:00:00:01", "10.99.0.1/24", 10)
				b2 := e.host(last, 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
				e.slice("a", loc(0xa1, 1, 10), loc(edge, 1, U))
				e.slice("b", loc(0xa1, 2, 10), loc(edge, 2, U))
				e.links(n - 1)
				// Discovery frames sent out of the host ports before they
				// were bound may still be on their way.
				time.Sleep(200 * time.Millisecond)

				// One slice talks while the other is silent: the other's
				// hosts receive nothing.
				for _, c := range []struct {
					name             string
					from             *ovstest.Host
					silent1, silent2 *ovstest.Host
				}{{"a", a1, b1, b2}, {"b", b1, a1, a2}} {
					s1, s2 := rx(t, c.silent1), rx(t, c.silent2)
					assert.True(t, c.from.Ping("10.99.0.2", 5), "slice %s cannot reach across the switches", c.name)
					assert.Equal(t, s1, rx(t, c.silent1), "slice %s's frames reached the other slice", c.name)
					assert.Equal(t, s2, rx(t, c.silent2), "slice %s's frames reached the other slice", c.name)
				}
				// Both at once.
				var wg sync.WaitGroup
				ok := make([]bool, 2)
				for i, h := range []*ovstest.Host{a1, b1} {
					wg.Add(1)
					go func() { defer wg.Done(); ok[i] = h.Ping("10.99.0.2", 5) }()
				}
				wg.Wait()
				assert.Equal(t, []bool{true, true}, ok, "concurrent pings of the two slices")

				// On the switches after the first, every forwarding flow from
				// a link port matches a transport VLAN, one per slice.
				tags := map[string]bool{}
				for i := 1; i < n; i++ {
					br := fmt.Sprintf("br%d", i)
					for _, f := range e.flowsWith(br, "priority=100", fmt.Sprintf("in_port=%d", 20+i)) {
						m := dlVLAN.FindStringSubmatch(f)
						require.NotNil(t, m, "a flow from a link without a transport VLAN: %s", f)
						tags[m[1]] = true
					}
				}
				assert.Len(t, tags, 2, "want one transport VLAN per slice: %v\n%s", tags, strings.Join(e.flows(last), "\n"))
				assert.Equal(t, 2, e.app.Stats().TransportTags)
				// The last hop restores what the edge port is bound with.
				assert.NotEmpty(t, e.flowsWith(last, "dl_dst=02:00:00:00:00:02", "output:1"))
				assert.NotEmpty(t, e.flowsWith(last, "dl_dst=02:00:00:00:00:02", "output:2"))

				// Removing a slice frees its tag and leaves the other working.
				e.update(func(tx *l2.Tx) error { return tx.RemoveSlice("a") })
				assert.Eventually(t, func() bool { return e.app.Stats().TransportTags == 1 }, 5*time.Second, 50*time.Millisecond)
				// The tag is freed once the deletes are sent; the switches
				// apply them a moment later.
				assert.Eventually(t, func() bool {
					for _, f := range e.flowsWith(last, "priority=100") {
						if strings.HasSuffix(f, "output:1") {
							return false
						}
					}
					return len(e.flowsWith("br0", "priority=100", "in_port=1,")) == 0
				}, 5*time.Second, 50*time.Millisecond, "slice a's flows outlive it:\n%s", strings.Join(append(e.flows("br0"), e.flows(last)...), "\n"))
				assert.False(t, a1.Ping("10.99.0.2", 1))
				assert.True(t, b1.Ping("10.99.0.2", 5))
			})
		})
	}
}

// Scenario 6: a port attachment: only the attached MAC may use the port;
// detaching opens it, and unbinding an attached port cuts its host off.
func TestIntegrationPortAttachment(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		stranger := e.host("br0", 1, "02:00:00:00:00:66", "10.99.0.1/24", 0)
		h2 := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		vm := e.host("br0", 3, "02:00:00:00:00:03", "10.99.0.3/24", 0)
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U), loc(0xa1, 3, U))
		e.update(func(tx *l2.Tx) error {
			if err := tx.AttachPort("a", loc(0xa1, 1, U), l2.MustParseMAC("02:00:00:00:00:01")); err != nil {
				return err
			}
			return tx.AttachPort("a", loc(0xa1, 3, U), l2.MustParseMAC("02:00:00:00:00:03"))
		})
		assert.False(t, stranger.Ping("10.99.0.2", 1), "an unattached MAC used an attached port")
		assert.NotEmpty(t, e.flowsWith("br0", "in_port=1", "dl_src=02:00:00:00:00:66", "actions=drop"))
		assert.True(t, vm.Ping("10.99.0.2", 5), "the attached MAC cannot use its port")

		e.update(func(tx *l2.Tx) error {
			return tx.DetachPort("a", loc(0xa1, 1, U), l2.MustParseMAC("02:00:00:00:00:01"))
		})
		assert.Empty(t, e.flowsWith("br0", "actions=drop"), "drop flows outlived the change")
		assert.True(t, stranger.Ping("10.99.0.2", 3), "the port stayed closed after the attachment went")

		// Unbinding the attached port: its host is cut off at once, flows
		// and all.
		require.True(t, h2.Ping("10.99.0.3", 3))
		e.update(func(tx *l2.Tx) error { return tx.UnbindPort("a", loc(0xa1, 3, U)) })
		require.Eventually(t, func() bool { return len(e.flowsWith("br0", "02:00:00:00:00:03", "priority=100")) == 0 },
			2*time.Second, 20*time.Millisecond, "the unbound host's flows stayed:\n%s", strings.Join(e.flows("br0"), "\n"))
		assert.False(t, vm.Ping("10.99.0.2", 1), "still reachable after its binding went")
	})
}

// Scenario 7: removing a port binding cuts its host off within a second;
// a MAC moving to another port keeps working.
func TestIntegrationUnbindAndMove(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		h2 := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U), loc(0xa1, 3, U))
		require.True(t, h1.Ping("10.99.0.2", 5))
		e.update(func(tx *l2.Tx) error { return tx.UnbindPort("a", loc(0xa1, 2, U)) })
		start := time.Now()
		assert.False(t, h1.Ping("10.99.0.2", 1), "still reachable after its binding went")
		assert.Less(t, time.Since(start), 3*time.Second)
		assert.Empty(t, e.flowsWith("br0", "priority=100", "dl_dst=02:00:00:00:00:02"))

		// h2's MAC and address reappear on port 3: it moved.
		ovsDel(t, e, h2)
		time.Sleep(600 * time.Millisecond) // past the move guard
		e.host("br0", 3, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		assert.True(t, h1.Ping("10.99.0.2", 8), "the moved host is unreachable")
		got, ok := e.fabric.Lookup("a", l2.MustParseMAC("02:00:00:00:00:02"))
		require.True(t, ok)
		assert.Equal(t, l2.Port(3), got.Location.Port)
		assert.NotEmpty(t, e.flowsWith("br0", "dl_dst=02:00:00:00:00:02", "actions=output:3"))
	})
}

func ovsDel(t *testing.T, e *env, h *ovstest.Host) {
	out, err := e.ovs.Vsctl("del-port", e.ovs.BridgeName("br0"), h.Port)
	require.NoError(t, err, out)
}

// Scenario 8: the controller restarts and traffic recovers.
func TestIntegrationControllerRestart(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U))
		require.True(t, h1.Ping("10.99.0.2", 5))

		e.stop()
		l, err := net.Listen("tcp", e.addr) // the same address: the switch is told where to find us
		require.NoError(t, err)
		e.startController(l)
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U))
		require.Eventually(t, func() bool { _, ok := e.ctrl.Switch(0xa1); return ok }, 15*time.Second, 50*time.Millisecond,
			"the switch did not come back:\n%s", e.ovs.Log())
		assert.True(t, h1.Ping("10.99.0.2", 8), "traffic did not recover after the restart")
		assert.NotEmpty(t, e.flowsWith("br0", "priority=0", "CONTROLLER"), "no table miss after the restart")
	})
}

// Scenario 9: a host's port goes down: what was learned there and its
// flows go; when it comes back the host is found again.
func TestIntegrationPortDown(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		h2 := e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.slice("a", loc(0xa1, 1, U), loc(0xa1, 2, U))
		require.True(t, h1.Ping("10.99.0.2", 5))
		require.NotEmpty(t, e.flowsWith("br0", "dl_dst=02:00:00:00:00:02"))
		require.NoError(t, h2.SetPort(false))
		require.Eventually(t, func() bool {
			_, learned := e.fabric.Lookup("a", l2.MustParseMAC("02:00:00:00:00:02"))
			return !learned && len(e.flowsWith("br0", "02:00:00:00:00:02")) == 0
		}, 3*time.Second, 20*time.Millisecond, "the down port's host and flows stayed:\n%s", strings.Join(e.flows("br0"), "\n"))
		require.NoError(t, h2.SetPort(true))
		assert.True(t, h1.Ping("10.99.0.2", 5), "the host did not come back with its port")
	})
}

// Scenario 10: a host on a port no slice binds is dropped at the switch;
// once its port is bound it is admitted at once, not after the drop flow
// times out (OpenFlow 1.0 included, which cannot delete by cookie).
func TestIntegrationDropFlowsCleared(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		h1 := e.host("br0", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		e.host("br0", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.slice("a", loc(0xa1, 2, U))
		assert.False(t, h1.Ping("10.99.0.2", 1))
		require.NotEmpty(t, e.flowsWith("br0", "in_port=1", "actions=drop"))
		e.update(func(tx *l2.Tx) error { return tx.BindPort("a", loc(0xa1, 1, U)) })
		assert.Empty(t, e.flowsWith("br0", "actions=drop"))
		assert.True(t, h1.Ping("10.99.0.2", 3), "the newly bound host was held off")
	})
}

// Scenario 11: discovery frames from a host port are ignored, and forged
// or replayed ones from anywhere are refused: no link, no rerouting.
func TestIntegrationLLDPForgery(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e := newEnv(t, v)
		e.bridge("br0", 0xa1)
		e.bridge("br1", 0xa2)
		bound := e.host("br1", 1, "02:00:00:00:00:01", "10.99.0.1/24", 0)
		loose := e.host("br1", 2, "02:00:00:00:00:02", "10.99.0.2/24", 0)
		e.slice("a", loc(0xa2, 1, U))
		refused := e.app.Stats().LLDPRefused
		genuine := slicing.LLDPFrame(secret, 0xa1, 7, [6]byte{2, 0, 0, 0, 0, 9}, time.Now())
		forged := slicing.LLDPFrame([]byte("guess"), 0xa1, 7, [6]byte{2, 0, 0, 0, 0, 9}, time.Now())
		stale := slicing.LLDPFrame(secret, 0xa1, 7, [6]byte{2, 0, 0, 0, 0, 9}, time.Now().Add(-time.Minute))
		require.NoError(t, bound.SendFrame(genuine), "a genuine frame from a host port")
		require.NoError(t, loose.SendFrame(forged), "a forged frame from a port no slice binds")
		require.NoError(t, loose.SendFrame(stale), "a replayed one")
		assert.Eventually(t, func() bool { return e.app.Stats().LLDPRefused >= refused+3 }, 3*time.Second, 20*time.Millisecond)
		assert.Empty(t, e.app.Topology().Links())
		// A genuine, fresh frame on a port that faces no host is a link.
		require.NoError(t, loose.SendFrame(slicing.LLDPFrame(secret, 0xa1, 7, [6]byte{}, time.Now())))
		assert.Eventually(t, func() bool { return len(e.app.Topology().Links()) == 1 }, 3*time.Second, 20*time.Millisecond)
	})
}

// TestIntegrationKernelDatapath runs the scenarios of isolation on one
// switch and across two and three (transport VLANs, a tagged edge), in
// both OpenFlow versions, on bridges of the kernel's datapath (the
// openvswitch module; a guest's kernel where this one has none) rather
// than the userspace one.
func TestIntegrationKernelDatapath(t *testing.T) {
	if guest.Kernel(t, "openvswitch") {
		return
	}
	kernelDatapath = true
	defer func() { kernelDatapath = false }()
	// What differs from the userspace datapath: an ovs-vswitchd started
	// in the first ten seconds after the kernel booted (a fresh guest's)
	// counts no CPUs — Open vSwitch 3.1 refreshes its CPU count at most
	// every ten seconds of the monotonic clock, which starts at boot, and
	// the count starts at 0 — so the kernel datapath's per-CPU upcall
	// dispatch gets no handler threads ("Overriding n-handler-threads to
	// 0") and loses every upcall (dpctl/show: missed N lost N): nothing
	// reaches the controller. A host is up longer than that; the guest
	// waits it out.
	waitUptime(t, 11*time.Second)
	t.Run("SlicesIsolate", TestIntegrationSlicesIsolate)
	t.Run("AcrossSwitches", TestIntegrationAcrossSwitches)
	t.Run("Takeover", TestIntegrationTakeover)
}

// waitUptime sleeps until the kernel has been up for d.
func waitUptime(t *testing.T, d time.Duration) {
	b, err := os.ReadFile("/proc/uptime")
	require.NoError(t, err)
	var up float64
	fmt.Sscan(string(b), &up)
	if wait := d - time.Duration(up*float64(time.Second)); wait > 0 {
		time.Sleep(wait)
	}
}

// A path that lost its last hop (the switch's flows deleted behind the
// app's back, as a restart of that switch would) is completed from the
// frame that falls off it, instead of its first hop sending into the void
// until it idles out.
func TestIntegrationPathResumed(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, _ := twoSwitches(t, v)
		e.slice("a", loc(0xa1, 1, U), loc(0xa2, 1, U))
		e.links(1)
		require.True(t, h1.Ping("10.99.0.2", patience(5)))
		out, err := e.ovs.Ofctl("-O", e.proto(), "del-flows", e.ovs.BridgeName("br1"), "dl_dst=02:00:00:00:00:02")
		require.NoError(t, err, "%s", out)
		require.NotEmpty(t, e.flowsWith("br0", "dl_dst=02:00:00:00:00:02"), "the first hop still holds its flow")
		assert.True(t, h1.Ping("10.99.0.2", 2), "the path's last hop is not put back:\n%s", strings.Join(e.flows("br1"), "\n"))
		assert.Len(t, e.flowsWith("br1", "dl_dst=02:00:00:00:00:02"), 1, "%s", strings.Join(e.flows("br1"), "\n"))
	})
}
