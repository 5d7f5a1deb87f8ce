package slicing_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
)

// member is one of several controllers sharing the switches: a standby
// app and its controller.
type member struct {
	app  *slicing.App
	ctrl *openflow.Controller
	addr string
	stop func()
}

func newMember(t *testing.T, v openflow.Version) *member {
	app, err := slicing.New(l2.Options{MoveGuard: 500 * time.Millisecond},
		slicing.Options{DiscoveryInterval: 300 * time.Millisecond, LLDPSecret: secret, Standby: true})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	m := &member{app: app, ctrl: &openflow.Controller{Handler: app, Versions: []openflow.Version{v}}, addr: l.Addr().String()}
	ctx, cancel := context.WithCancel(context.Background())
	go m.ctrl.Serve(l)
	go app.Run(ctx)
	m.stop = func() {
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		m.ctrl.Shutdown(sctx)
	}
	t.Cleanup(m.stop)
	return m
}

func (m *member) update(t *testing.T, fn func(tx *l2.Tx) error) {
	t.Helper()
	_, err := m.app.Update(fn)
	require.NoError(t, err)
}

// roles waits until the member holds role on n switches, and returns them.
func (m *member) roles(t *testing.T, role openflow.Role, gen uint64, n int) []slicing.SwitchRole {
	t.Helper()
	var got []slicing.SwitchRole
	require.Eventually(t, func() bool {
		got = m.app.Roles()
		return len(got) == n && !slices.ContainsFunc(got, func(r slicing.SwitchRole) bool { return r.Role != role || r.Generation != gen })
	}, 15*time.Second, 20*time.Millisecond, "want %v of generation %d on %d switches: %+v", role, gen, n, got)
	return got
}

// forwarding returns a bridge's forwarding flows.
func forwarding(t *testing.T, ovs *ovstest.Switch, bridge, proto string) []string {
	t.Helper()
	flows, err := ovs.DumpFlows(bridge, proto)
	require.NoError(t, err)
	return slices.DeleteFunc(flows, func(f string) bool { return !strings.Contains(f, "priority=100") })
}

// TestIntegrationTakeover runs two controllers on two linked switches: the
// master forwards while the slave learns the same MACs and links; when the
// master goes and the slave takes over with a newer generation, the flows
// that work stay (none deleted, none duplicated, the conntrack zones of
// filtered ports adopted), the flows of a host whose binding went while no
// one was master are deleted, traffic and isolation hold, and taking over
// again changes nothing.
func TestIntegrationTakeover(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		ovs := ovstest.StartWith(t, ovstest.Options{System: true, KernelDatapath: kernelDatapath})
		proto := map[openflow.Version]string{openflow.Version10: "OpenFlow10", openflow.Version13: "OpenFlow13"}[v]
		a, b := newMember(t, v), newMember(t, v)
		require.NoError(t, a.app.SetRole(true, 1))
		require.NoError(t, b.app.SetRole(false, 1))
		for i, dp := range []uint64{0xa1, 0xa2} {
			name := []string{"br0", "br1"}[i]
			require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: name, DatapathID: dp, Protocols: []string{proto},
				Controller: "tcp:" + a.addr, Controllers: []string{"tcp:" + b.addr}}))
		}
		a.roles(t, openflow.RoleMaster, 1, 2)
		b.roles(t, openflow.RoleSlave, 1, 2)
		ovs.LinkBridges(t, "br0", 10, "br1", 10)
		h1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 1, MAC: mac1.String(), Addr: "10.99.0.1/24"})
		h2 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br1", OFPort: 1, MAC: mac2.String(), Addr: "10.99.0.2/24"})
		h3 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br1", OFPort: 2, MAC: "02:00:00:00:00:03", Addr: "10.99.0.3/24"})
		h4 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 2, MAC: "02:00:00:00:00:04", Addr: "10.99.0.4/24"})
		at1, at2, at3, at4 := loc(0xa1, 1, U), loc(0xa2, 1, U), loc(0xa2, 2, U), loc(0xa1, 2, U)
		v4 := uint16(l2.EtherTypeIPv4)
		filtered := &l2.PortPolicy{Filtered: true, Egress: []l2.Rule{{EtherType: v4}}, Ingress: []l2.Rule{{EtherType: v4, Protocol: 1}},
			Sources: []l2.AddressPair{{MAC: mac2, Prefix: netip.MustParsePrefix("10.99.0.2/32")}}}
		spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{at1: nil, at2: nil, at4: nil},
			Policies: map[l2.Location]*l2.PortPolicy{at2: filtered}}
		// The slave's zones run ahead of the master's: it filtered a port
		// once that the master never did.
		b.update(t, func(tx *l2.Tx) error {
			tx.AddSlice("tmp")
			return tx.SetSlice("tmp", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{at3: nil},
				Policies: map[l2.Location]*l2.PortPolicy{at3: {Filtered: true}}})
		})
		b.update(t, func(tx *l2.Tx) error { return tx.RemoveSlice("tmp") })
		for _, m := range []*member{a, b} {
			m.update(t, func(tx *l2.Tx) error {
				tx.AddSlice("a")
				tx.AddSlice("b")
				if err := tx.SetSlice("b", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{at3: nil}}); err != nil {
					return err
				}
				return tx.SetSlice("a", spec)
			})
		}
		require.Eventually(t, func() bool { return len(a.app.Topology().Links()) == 1 && len(b.app.Topology().Links()) == 1 },
			10*time.Second, 50*time.Millisecond, "the link, discovered by the master and learned by the slave")
		require.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 → h2 across the switches")
		require.True(t, h4.Ping("10.99.0.1", patience(5)), "h4 → h1")
		assert.False(t, h3.Ping("10.99.0.2", 1), "h3 reached another slice")
		for _, mac := range []l2.MAC{mac1, mac2, l2.MustParseMAC("02:00:00:00:00:04")} {
			_, ok := b.app.Fabric().Lookup("a", mac)
			assert.True(t, ok, "the slave learned %v from the packet-ins", mac)
		}
		before := map[string][]string{"br0": forwarding(t, ovs, "br0", proto), "br1": forwarding(t, ovs, "br1", proto)}
		require.NotEmpty(t, before["br1"])
		assert.Equal(t, uint64(0), b.app.Stats().FlowMods, "the slave installed nothing")

		// The master goes; while no one is master, h4's binding goes too.
		a.stop()
		b.update(t, func(tx *l2.Tx) error { return tx.UnbindPort("a", at4) })
		require.NoError(t, b.app.SetRole(true, 2))
		roles := b.roles(t, openflow.RoleMaster, 2, 2)
		mac4 := "02:00:00:00:00:04"
		for _, br := range []string{"br0", "br1"} {
			want := slices.DeleteFunc(slices.Clone(before[br]), func(f string) bool { return strings.Contains(f, mac4) })
			assert.ElementsMatch(t, want, forwarding(t, ovs, br, proto), "%s: the working flows stay as they were, h4's go", br)
		}
		var deleted, added int
		for _, r := range roles {
			deleted += r.Reconciled.Deleted
			added += r.Reconciled.Added
			assert.Positive(t, r.Reconciled.Kept, "%v", r)
		}
		assert.Positive(t, deleted, "h4's flows are deleted: %+v", roles)
		assert.Zero(t, added, "the table miss and filter flows were right, zones adopted: %+v", roles)
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 → h2 after the takeover")
		assert.True(t, h2.Ping("10.99.0.1", patience(5)), "h2 → h1 after the takeover")
		assert.False(t, h3.Ping("10.99.0.2", 1), "h3 reached another slice after the takeover")
		assert.False(t, h4.Ping("10.99.0.1", 1), "h4, unbound, still reaches h1")

		// Taken over again: nothing to do.
		require.NoError(t, b.app.SetRole(true, 3))
		for _, r := range b.roles(t, openflow.RoleMaster, 3, 2) {
			assert.Zero(t, r.Reconciled.Added+r.Reconciled.Deleted, "a second takeover changed flows: %+v", r)
		}
	})
}
