package hostnet_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
)

var ctx = context.Background()

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// TestProvisionUntagged does what any kernel allows: bridged and plain
// networks on NICs, a NIC-less one, an external one.
func TestProvisionUntagged(t *testing.T) {
	hosts(t, false, false, []string{"eth0", "eth1", "eth2"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		cfg := hostnet.Config{Networks: []hostnet.Network{
			{Name: "ovirtmgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{pfx("192.0.2.10/24")}},
			{Name: "storage", NIC: "eth1", MTU: 9000},
			{Name: "hostonly", Bridged: true, MTU: 1400},
			{Name: "neutron", External: true, NIC: "eth2"},
		}}
		n, err := p.Apply(ctx, cfg)
		require.NoError(t, err)
		assert.Positive(t, n)
		links := h.view(t)
		assert.Equal(t, "bridge", links["ovirtmgmt"].Kind)
		assert.Equal(t, "ovirtmgmt", links["eth0"].Master)
		assert.Equal(t, 9000, links["eth1"].MTU)
		assert.Equal(t, "", links["eth1"].Master)
		assert.Equal(t, "bridge", links["hostonly"].Kind)
		assert.Equal(t, 1400, links["hostonly"].MTU)
		assert.True(t, links["hostonly"].Up)
		assert.NotContains(t, links, "neutron", "an external network is not touched")
		assert.Equal(t, []netip.Prefix{pfx("192.0.2.10/24")}, links["ovirtmgmt"].Addrs)
		n, err = p.Apply(ctx, cfg)
		require.NoError(t, err)
		assert.Zero(t, n, "applied again: nothing to do")
		_, err = p.Apply(ctx, hostnet.Config{Networks: cfg.Networks[1:2]})
		require.NoError(t, err)
		links = h.view(t)
		assert.NotContains(t, links, "ovirtmgmt")
		assert.NotContains(t, links, "hostonly")
		assert.Equal(t, "", links["eth0"].Master)
		// Refused before anything changes: two untagged networks on one
		// NIC, a name the kernel does not take, a NIC that is not there.
		for _, bad := range []hostnet.Config{
			{Networks: []hostnet.Network{{Name: "a", NIC: "eth0"}, {Name: "b", NIC: "eth0"}}},
			{Networks: []hostnet.Network{{Name: "much-too-long-name", Bridged: true}}},
			{Networks: []hostnet.Network{{Name: "c", NIC: "eth9"}}},
			{Networks: []hostnet.Network{{Name: "eth1", Bridged: true}}},
		} {
			before := snapshot(t, h)
			_, err := p.Apply(ctx, bad)
			assert.ErrorIs(t, err, hostnet.ErrInvalid, "%+v", bad)
			assert.Equal(t, before, snapshot(t, h))
		}
	})
}

func TestProvisionTaggedBridged(t *testing.T) {
	hosts(t, true, false, []string{"eth0", "eth1"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		cfg := hostnet.Config{Networks: []hostnet.Network{
			{Name: "ovirtmgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{pfx("192.0.2.10/24")}},
			{Name: "storage", NIC: "eth0", VLAN: 100, MTU: 9000},
			{Name: "vms", NIC: "eth0", VLAN: 200, Bridged: true},
			{Name: "hostonly", Bridged: true},
			{Name: "neutron", External: true, NIC: "eth1"},
		}}
		n, err := p.Apply(ctx, cfg)
		require.NoError(t, err)
		assert.Positive(t, n)
		links := h.view(t)
		assert.Equal(t, "bridge", links["ovirtmgmt"].Kind)
		assert.Equal(t, "ovirtmgmt", links["eth0"].Master, "an untagged bridged network enslaves the NIC")
		assert.Equal(t, "vlan", links["eth0.100"].Kind)
		assert.Equal(t, 100, links["eth0.100"].VLAN)
		assert.Equal(t, 9000, links["eth0.100"].MTU)
		assert.Equal(t, 9000, links["eth0"].MTU, "the NIC's MTU is the largest of its networks'")
		assert.Equal(t, 1500, links["ovirtmgmt"].MTU, "the bridge keeps its network's MTU though its port's is larger")
		assert.Equal(t, "", links["eth0.100"].Master, "not bridged")
		assert.Equal(t, "vms", links["eth0.200"].Master)
		assert.Equal(t, 1500, links["vms"].MTU)
		for _, name := range []string{"ovirtmgmt", "eth0.100", "eth0.200", "vms", "hostonly"} {
			assert.True(t, links[name].Up, "%s is down", name)
		}
		assert.Equal(t, "bridge", links["hostonly"].Kind)
		assert.NotContains(t, links, "neutron", "an external network is not touched")
		st, err := p.Report()
		require.NoError(t, err)
		for _, s := range st {
			assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
		}

		// Again: nothing to do.
		n, err = p.Apply(ctx, cfg)
		require.NoError(t, err)
		assert.Zero(t, n)

		// Detach storage, editing the config the provisioner was given
		// in place: its VLAN device goes, the NIC's MTU comes down.
		cfg.Networks = append(cfg.Networks[:1], cfg.Networks[2:]...)
		_, err = p.Apply(ctx, cfg)
		require.NoError(t, err)
		links = h.view(t)
		assert.NotContains(t, links, "eth0.100")
		assert.Equal(t, 1500, links["eth0"].MTU)
		// Detach everything.
		_, err = p.Apply(ctx, hostnet.Config{})
		require.NoError(t, err)
		links = h.view(t)
		for _, gone := range []string{"ovirtmgmt", "eth0.200", "vms", "hostonly"} {
			assert.NotContains(t, links, gone)
		}
		assert.Equal(t, "", links["eth0"].Master)
	})
}

// TestNICReleased: a NIC no network uses any more goes back to the
// default MTU, as vdsm sets it, not the last network's 9000.
func TestNICReleased(t *testing.T) {
	hosts(t, true, false, []string{"eth0", "eth1"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		cfg := hostnet.Config{Networks: []hostnet.Network{
			{Name: "storage", NIC: "eth0", VLAN: 100, MTU: 9000},
			{Name: "data", NIC: "eth1", MTU: 9000},
		}}
		_, err := p.Apply(ctx, cfg)
		require.NoError(t, err)
		links := h.view(t)
		assert.Equal(t, 9000, links["eth0"].MTU)
		assert.Equal(t, 9000, links["eth1"].MTU)
		_, err = p.Apply(ctx, hostnet.Config{Networks: cfg.Networks[1:]})
		require.NoError(t, err)
		links = h.view(t)
		assert.Equal(t, 1500, links["eth0"].MTU, "released")
		assert.Equal(t, 9000, links["eth1"].MTU, "still data's")
		_, err = p.Apply(ctx, hostnet.Config{})
		require.NoError(t, err)
		assert.Equal(t, 1500, h.view(t)["eth1"].MTU, "released")
	})
}

// TestProvisionerKeepsItsOwn: what the provisioner was given and gives
// back are copies: a caller that edits its config afterwards changes
// nothing the provisioner believes applied.
func TestProvisionerKeepsItsOwn(t *testing.T) {
	d := hostnettest.NewFake("h", "eth0")
	p := hostnet.NewProvisioner(d)
	cfg := hostnet.Config{Networks: []hostnet.Network{{Name: "a", Bridged: true}, {Name: "b", Bridged: true}, {Name: "c", Bridged: true}},
		Bonds: []hostnet.Bond{}}
	_, err := p.Apply(ctx, cfg)
	require.NoError(t, err)
	_ = append(cfg.Networks[:1], cfg.Networks[2:]...) // the caller's own slice, edited
	assert.Equal(t, []string{"a", "b", "c"}, names(p.Applied()))
	got := p.Applied()
	got.Networks[0].Name = "x"
	assert.Equal(t, []string{"a", "b", "c"}, names(p.Applied()))
	_, err = p.Apply(ctx, hostnet.Config{Networks: []hostnet.Network{{Name: "a", Bridged: true}}})
	require.NoError(t, err)
	_, err = d.Link("b")
	assert.ErrorIs(t, err, hostnet.ErrNotFound, "what the provisioner applied goes when dropped")
}

func names(c hostnet.Config) []string {
	var out []string
	for _, n := range c.Networks {
		out = append(out, n.Name)
	}
	return out
}

func TestProvisionBond(t *testing.T) {
	hosts(t, true, true, []string{"eth0", "eth1"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		cfg := hostnet.Config{
			Bonds: []hostnet.Bond{{Name: "bond0", Mode: "1", Options: map[string]string{"miimon": "100"}, Slaves: []string{"eth0", "eth1"}}},
			Networks: []hostnet.Network{
				{Name: "red", NIC: "bond0", VLAN: 10, Bridged: true},
				{Name: "blue", NIC: "bond0", VLAN: 20, Bridged: true, MTU: 4000},
			},
		}
		_, err := p.Apply(ctx, cfg)
		require.NoError(t, err)
		links := h.view(t)
		assert.Equal(t, "bond", links["bond0"].Kind)
		assert.Equal(t, "bond0", links["eth0"].Master)
		assert.Equal(t, "bond0", links["eth1"].Master)
		assert.Equal(t, "red", links["bond0.10"].Master)
		assert.Equal(t, "blue", links["bond0.20"].Master)
		assert.Equal(t, 4000, links["bond0"].MTU)
		assert.Equal(t, 4000, links["eth0"].MTU, "the bond's MTU is its slaves'")
		bond, err := h.Link("bond0")
		require.NoError(t, err)
		assert.Equal(t, "active-backup", bond.Bond.Mode)
		st, err := p.Report()
		require.NoError(t, err)
		for _, s := range st {
			assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
		}

		// A bond whose slave is taken by a network is refused before
		// anything changes.
		bad := cfg.Clone()
		bad.Networks = append(bad.Networks, hostnet.Network{Name: "x", NIC: "eth0"})
		_, err = p.Apply(ctx, bad)
		assert.ErrorIs(t, err, hostnet.ErrInvalid)

		_, err = p.Apply(ctx, hostnet.Config{})
		require.NoError(t, err)
		links = h.view(t)
		assert.NotContains(t, links, "bond0")
		assert.Equal(t, "", links["eth0"].Master)
	})
}

func TestDriftAndSync(t *testing.T) {
	hosts(t, true, false, []string{"eth0"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		cfg := hostnet.Config{Networks: []hostnet.Network{
			{Name: "red", NIC: "eth0", Bridged: true, MTU: 1400, Addrs: []netip.Prefix{pfx("198.51.100.1/24")}},
			{Name: "blue", Bridged: true},
		}}
		_, err := p.Apply(ctx, cfg)
		require.NoError(t, err)
		// Behind the provisioner's back.
		require.NoError(t, h.behind.SetMTU("red", 1300))
		require.NoError(t, h.behind.DelAddr("red", pfx("198.51.100.1/24")))
		require.NoError(t, h.behind.Delete("blue"))
		st, err := p.Report()
		require.NoError(t, err)
		byName := map[string]hostnet.NetworkState{}
		for _, s := range st {
			byName[s.Name] = s
		}
		assert.False(t, byName["red"].InSync)
		assert.Equal(t, []string{"ip", "mtu"}, byName["red"].Differs)
		assert.Equal(t, 1300, byName["red"].Reported.MTU)
		assert.Equal(t, []string{"bridged"}, byName["blue"].Differs)

		_, err = p.Sync(ctx, "red")
		require.NoError(t, err)
		st, _ = p.Report()
		for _, s := range st {
			assert.Equal(t, s.Name == "red", s.InSync, "%s: %v", s.Name, s.Differs)
		}
		_, err = p.Sync(ctx)
		require.NoError(t, err)
		st, _ = p.Report()
		for _, s := range st {
			assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
		}
		cfg.Networks = append(cfg.Networks, hostnet.Network{Name: "green", NIC: "eth0", VLAN: 20})
		_, err = p.Apply(ctx, cfg)
		require.NoError(t, err)
		require.NoError(t, h.behind.Delete("eth0.20"))
		st, _ = p.Report()
		for _, s := range st {
			if s.Name == "green" {
				assert.Equal(t, []string{"vlan"}, s.Differs)
			}
		}
		_, err = p.Sync(ctx, "green")
		require.NoError(t, err)
		st, _ = p.Report()
		for _, s := range st {
			assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
		}
	})
}

// TestRollback fails an apply at each of its changes in turn and wants the
// host exactly as before every time, VLAN devices and bonds included.
func TestRollback(t *testing.T) {
	hosts(t, true, true, []string{"eth0", "eth1", "eth2", "eth3", "eth4"}, func(t *testing.T, h host) {
		p := hostnet.NewProvisioner(h)
		before := hostnet.Config{Networks: []hostnet.Network{
			{Name: "old", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{pfx("203.0.113.5/24")}},
			{Name: "keep", NIC: "eth1", MTU: 1400, Addrs: []netip.Prefix{pfx("203.0.114.5/24")}},
			{Name: "lonely", Bridged: true},
		}}
		after := hostnet.Config{Networks: []hostnet.Network{
			{Name: "keep", NIC: "eth1", MTU: 9000, Bridged: true},
			{Name: "new", NIC: "eth2", Bridged: true, Addrs: []netip.Prefix{pfx("203.0.113.7/24")}},
			{Name: "solo", Bridged: true},
		}}
		before.Bonds = []hostnet.Bond{{Name: "bond0", Mode: "4", Options: map[string]string{"miimon": "100", "lacp_rate": "fast"},
			Slaves: []string{"eth3", "eth4"}}}
		before.Networks = append(before.Networks,
			hostnet.Network{Name: "tagged", NIC: "bond0", VLAN: 6, Bridged: true, MTU: 9000},
			hostnet.Network{Name: "plain", NIC: "bond0", VLAN: 8})
		after.Networks = append(after.Networks, hostnet.Network{Name: "tagged", NIC: "eth0", VLAN: 7, Bridged: true})
		_, err := p.Apply(ctx, before)
		require.NoError(t, err)
		want := snapshot(t, h)
		for i := 1; ; i++ {
			hostnet.FailAt(p, i)
			_, err := p.Apply(ctx, after)
			if err == nil {
				t.Logf("the change set has %d changes; each failure rolled back", i-1)
				break
			}
			var ae *hostnet.ApplyError
			require.True(t, errors.As(err, &ae), "%v", err)
			require.NoError(t, ae.RollbackErr, "failing change %d", i)
			require.Equal(t, want, snapshot(t, h), "after failing change %d", i)
			require.Equal(t, before, p.Applied())
		}
		links := h.view(t)
		assert.Equal(t, "keep", links["eth1"].Master)
		assert.Equal(t, 9000, links["keep"].MTU)
		assert.NotContains(t, links, "old")
		assert.NotContains(t, links, "lonely")
		st, err := p.Report()
		require.NoError(t, err)
		for _, s := range st {
			assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
		}
	})
}
