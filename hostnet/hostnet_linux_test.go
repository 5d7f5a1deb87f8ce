package hostnet_test

import (
	"context"
	"errors"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
)

func TestDriver(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1", "eth2")
	d := h.Driver
	ls, err := d.Links()
	require.NoError(t, err)
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	assert.Equal(t, []string{"eth0", "eth1", "eth2", "lo"}, names)
	e0, err := d.Link("eth0")
	require.NoError(t, err)
	assert.Equal(t, hostnet.KindVeth, e0.Kind)
	assert.Equal(t, 10000, e0.Speed, "veth says 10 Gb/s")
	assert.True(t, e0.Up)

	_, err = d.Link("eth9")
	assert.ErrorIs(t, err, hostnet.ErrNotFound)
	require.NoError(t, d.CreateBridge("br0"))
	assert.ErrorIs(t, d.CreateBridge("br0"), hostnet.ErrExists)
	assert.ErrorIs(t, d.CreateBridge("a/b"), hostnet.ErrInvalid)
	require.NoError(t, d.SetMaster("eth0", "br0"))
	require.NoError(t, d.SetMTU("br0", 1400))
	require.NoError(t, d.SetUp("br0", true))
	require.NoError(t, d.AddAddr("br0", netip.MustParsePrefix("192.0.2.1/24")))
	assert.ErrorIs(t, d.CreateVLAN("eth0.5000", "eth0", 5000), hostnet.ErrInvalid)
	br, err := d.Link("br0")
	require.NoError(t, err)
	assert.Equal(t, hostnet.KindBridge, br.Kind)
	assert.Equal(t, 1400, br.MTU)
	assert.True(t, br.Up)
	assert.Contains(t, br.Addrs, netip.MustParsePrefix("192.0.2.1/24"))
	e0, _ = d.Link("eth0")
	assert.Equal(t, "br0", e0.Master)
	assert.Equal(t, "br0", h.Links(t)["eth0"].Master, "ip(8) agrees")

	if hostnettest.Has("vlan") {
		require.NoError(t, d.CreateVLAN("eth1.10", "eth1", 10))
		vl, err := d.Link("eth1.10")
		require.NoError(t, err)
		assert.Equal(t, hostnet.KindVLAN, vl.Kind)
		assert.Equal(t, &hostnet.VLANInfo{ID: 10, Parent: "eth1"}, vl.VLAN)
		links := h.Links(t)
		assert.Equal(t, "vlan", links["eth1.10"].Info.Kind)
		assert.Equal(t, 10, links["eth1.10"].Info.Data.ID)
		require.NoError(t, d.Delete("eth1.10"))
	} else {
		t.Log("VLAN devices not checked: the kernel lacks 8021q")
	}
	if hostnettest.Has("bond") {
		require.NoError(t, d.CreateBond("bond0", "4", map[string]string{"miimon": "100", "xmit_hash_policy": "layer2+3"}))
		assert.ErrorIs(t, d.CreateBond("bond1", "9", nil), hostnet.ErrInvalid)
		require.NoError(t, d.SetMaster("eth1", "bond0"))
		require.NoError(t, d.SetMaster("eth2", "bond0"))
		bond, err := d.Link("bond0")
		require.NoError(t, err)
		assert.Equal(t, "802.3ad", bond.Bond.Mode)
		assert.Equal(t, []string{"eth1", "eth2"}, bond.Bond.Slaves)
		assert.Equal(t, "100", bond.Bond.Options["miimon"])
		assert.Equal(t, "bond0", h.Links(t)["eth1"].Master)
	} else {
		t.Log("bonds not checked: the kernel lacks bonding")
	}

	require.NoError(t, d.Release("eth0"))
	require.NoError(t, d.DelAddr("br0", netip.MustParsePrefix("192.0.2.1/24")))
	require.NoError(t, d.Delete("br0"))
	assert.ErrorIs(t, d.Delete("br0"), hostnet.ErrNotFound)
	var oe *hostnet.OpError
	require.True(t, errors.As(d.Delete("br0"), &oe))
	assert.Equal(t, "br0", oe.Link)
	_, err = d.Stats("eth0")
	assert.NoError(t, err)
}

func TestSubscribe(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := h.Driver.Subscribe(ctx)
	require.NoError(t, err)
	require.NoError(t, h.Driver.CreateBridge("br7"))
	for ev := range events {
		if ev.Link.Name == "br7" && !ev.Deleted {
			assert.Equal(t, hostnet.KindBridge, ev.Link.Kind)
			break
		}
	}
	require.NoError(t, h.Driver.Delete("br7"))
	for ev := range events {
		if ev.Link.Name == "br7" && ev.Deleted {
			break
		}
	}
}

// snapshot is a host's links as ip(8) reports them, without what the
// kernel renumbers (ifindex): what "exactly as before" compares.
func snapshot(t *testing.T, h *hostnettest.Host) []string {
	var out []string
	for name, l := range h.Links(t) {
		out = append(out, strings.Join([]string{name, l.Info.Kind, l.Master, l.Link, itoa(l.MTU), itoa(l.Info.Data.ID), boolS(l.Up())}, "|"))
	}
	addrs := h.IP(t, "-br", "addr")
	for _, line := range strings.Split(addrs, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 {
			var as []string
			for _, a := range f[2:] {
				if !strings.HasPrefix(a, "fe80:") {
					as = append(as, a)
				}
			}
			out = append(out, strings.Split(f[0], "@")[0]+"="+strings.Join(as, ","))
		}
	}
	sort.Strings(out)
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func boolS(b bool) string {
	if b {
		return "up"
	}
	return "down"
}

// TestProvisionUntagged does what any kernel allows: bridged and plain
// networks on NICs, a NIC-less one, an external one.
func TestProvisionUntagged(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1", "eth2")
	p := hostnet.NewProvisioner(h.Driver)
	ctx := context.Background()
	cfg := hostnet.Config{Networks: []hostnet.Network{
		{Name: "ovirtmgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/24")}},
		{Name: "storage", NIC: "eth1", MTU: 9000},
		{Name: "hostonly", Bridged: true, MTU: 1400},
		{Name: "neutron", External: true, NIC: "eth2"},
	}}
	n, err := p.Apply(ctx, cfg)
	require.NoError(t, err)
	assert.Positive(t, n)
	links := h.Links(t)
	assert.Equal(t, "bridge", links["ovirtmgmt"].Info.Kind)
	assert.Equal(t, "ovirtmgmt", links["eth0"].Master)
	assert.Equal(t, 9000, links["eth1"].MTU)
	assert.Equal(t, "", links["eth1"].Master)
	assert.Equal(t, "bridge", links["hostonly"].Info.Kind)
	assert.Equal(t, 1400, links["hostonly"].MTU)
	assert.True(t, links["hostonly"].Up())
	assert.NotContains(t, links, "neutron", "an external network is not touched")
	assert.Contains(t, h.IP(t, "-br", "addr", "show", "ovirtmgmt"), "192.0.2.10/24")
	n, err = p.Apply(ctx, cfg)
	require.NoError(t, err)
	assert.Zero(t, n, "applied again: nothing to do")
	_, err = p.Apply(ctx, hostnet.Config{Networks: cfg.Networks[1:2]})
	require.NoError(t, err)
	links = h.Links(t)
	assert.NotContains(t, links, "ovirtmgmt")
	assert.NotContains(t, links, "hostonly")
	assert.Equal(t, "", links["eth0"].Master)
	// Refused before anything changes: two untagged networks on one NIC,
	// a name the kernel does not take, a NIC that is not there.
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
}

func TestProvisionTaggedBridged(t *testing.T) {
	hostnettest.RequireVLAN(t)
	h := hostnettest.NewHost(t, "eth0", "eth1")
	p := hostnet.NewProvisioner(h.Driver)
	ctx := context.Background()
	cfg := hostnet.Config{Networks: []hostnet.Network{
		{Name: "ovirtmgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/24")}},
		{Name: "storage", NIC: "eth0", VLAN: 100, MTU: 9000},
		{Name: "vms", NIC: "eth0", VLAN: 200, Bridged: true},
		{Name: "hostonly", Bridged: true},
		{Name: "neutron", External: true, NIC: "eth1"},
	}}
	n, err := p.Apply(ctx, cfg)
	require.NoError(t, err)
	assert.Positive(t, n)
	links := h.Links(t)
	assert.Equal(t, "bridge", links["ovirtmgmt"].Info.Kind)
	assert.Equal(t, "ovirtmgmt", links["eth0"].Master, "an untagged bridged network enslaves the NIC")
	assert.Equal(t, "vlan", links["eth0.100"].Info.Kind)
	assert.Equal(t, 100, links["eth0.100"].Info.Data.ID)
	assert.Equal(t, 9000, links["eth0.100"].MTU)
	assert.Equal(t, 9000, links["eth0"].MTU, "the NIC's MTU is the largest of its networks'")
	assert.Equal(t, "", links["eth0.100"].Master, "not bridged")
	assert.Equal(t, "vms", links["eth0.200"].Master)
	assert.Equal(t, 1500, links["vms"].MTU)
	for _, name := range []string{"ovirtmgmt", "eth0.100", "eth0.200", "vms", "hostonly"} {
		assert.True(t, links[name].Up(), "%s is down", name)
	}
	assert.Equal(t, "bridge", links["hostonly"].Info.Kind)
	assert.NotContains(t, links, "neutron", "an external network is not touched")
	assert.Contains(t, h.IP(t, "-br", "addr", "show", "ovirtmgmt"), "192.0.2.10/24")
	st, err := p.Report()
	require.NoError(t, err)
	for _, s := range st {
		assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
	}

	// Again: nothing to do.
	n, err = p.Apply(ctx, cfg)
	require.NoError(t, err)
	assert.Zero(t, n)

	// Detach storage: its VLAN device goes, the NIC's MTU comes down.
	cfg.Networks = append(cfg.Networks[:1], cfg.Networks[2:]...)
	_, err = p.Apply(ctx, cfg)
	require.NoError(t, err)
	links = h.Links(t)
	assert.NotContains(t, links, "eth0.100")
	assert.Equal(t, 1500, links["eth0"].MTU)
	// Detach everything.
	_, err = p.Apply(ctx, hostnet.Config{})
	require.NoError(t, err)
	links = h.Links(t)
	for _, gone := range []string{"ovirtmgmt", "eth0.200", "vms", "hostonly"} {
		assert.NotContains(t, links, gone)
	}
	assert.Equal(t, "", links["eth0"].Master)
}

func TestProvisionBond(t *testing.T) {
	hostnettest.RequireVLAN(t)
	hostnettest.RequireBond(t)
	h := hostnettest.NewHost(t, "eth0", "eth1")
	p := hostnet.NewProvisioner(h.Driver)
	cfg := hostnet.Config{
		Bonds: []hostnet.Bond{{Name: "bond0", Mode: "1", Options: map[string]string{"miimon": "100"}, Slaves: []string{"eth0", "eth1"}}},
		Networks: []hostnet.Network{
			{Name: "red", NIC: "bond0", VLAN: 10, Bridged: true},
			{Name: "blue", NIC: "bond0", VLAN: 20, Bridged: true, MTU: 4000},
		},
	}
	_, err := p.Apply(context.Background(), cfg)
	require.NoError(t, err)
	links := h.Links(t)
	assert.Equal(t, "bond", links["bond0"].Info.Kind)
	assert.Equal(t, "bond0", links["eth0"].Master)
	assert.Equal(t, "bond0", links["eth1"].Master)
	assert.Equal(t, "red", links["bond0.10"].Master)
	assert.Equal(t, "blue", links["bond0.20"].Master)
	assert.Equal(t, 4000, links["bond0"].MTU)
	bond, err := h.Driver.Link("bond0")
	require.NoError(t, err)
	assert.Equal(t, "active-backup", bond.Bond.Mode)

	// A bond whose slave is taken by a network, or unknown, is refused
	// before anything changes.
	bad := cfg
	bad.Networks = append(bad.Networks, hostnet.Network{Name: "x", NIC: "eth0"})
	_, err = p.Apply(context.Background(), bad)
	assert.ErrorIs(t, err, hostnet.ErrInvalid)

	_, err = p.Apply(context.Background(), hostnet.Config{})
	require.NoError(t, err)
	links = h.Links(t)
	assert.NotContains(t, links, "bond0")
	assert.Equal(t, "", links["eth0"].Master)
}

func TestDriftAndSync(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0")
	p := hostnet.NewProvisioner(h.Driver)
	ctx := context.Background()
	cfg := hostnet.Config{Networks: []hostnet.Network{
		{Name: "red", NIC: "eth0", Bridged: true, MTU: 1400, Addrs: []netip.Prefix{netip.MustParsePrefix("198.51.100.1/24")}},
		{Name: "blue", Bridged: true},
	}}
	_, err := p.Apply(ctx, cfg)
	require.NoError(t, err)
	// Behind the provisioner's back.
	h.IP(t, "link", "set", "red", "mtu", "1300")
	h.IP(t, "addr", "del", "198.51.100.1/24", "dev", "red")
	h.IP(t, "link", "del", "blue")
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
	if !hostnettest.Has("vlan") {
		t.Log("VLAN drift not checked: the kernel lacks 8021q")
		return
	}
	cfg.Networks = append(cfg.Networks, hostnet.Network{Name: "green", NIC: "eth0", VLAN: 20})
	_, err = p.Apply(ctx, cfg)
	require.NoError(t, err)
	h.IP(t, "link", "del", "eth0.20")
	st, _ = p.Report()
	for _, s := range st {
		if s.Name == "green" {
			assert.Equal(t, []string{"vlan"}, s.Differs)
		}
	}
}

// TestRollback fails an apply at each of its changes in turn and wants the
// host exactly as before every time.
func TestRollback(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1", "eth2", "eth3")
	p := hostnet.NewProvisioner(h.Driver)
	ctx := context.Background()
	before := hostnet.Config{Networks: []hostnet.Network{
		{Name: "old", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{netip.MustParsePrefix("203.0.113.5/24")}},
		{Name: "keep", NIC: "eth1", MTU: 1400, Addrs: []netip.Prefix{netip.MustParsePrefix("203.0.114.5/24")}},
		{Name: "lonely", Bridged: true},
	}}
	after := hostnet.Config{Networks: []hostnet.Network{
		{Name: "keep", NIC: "eth1", MTU: 9000, Bridged: true},
		{Name: "new", NIC: "eth2", Bridged: true, Addrs: []netip.Prefix{netip.MustParsePrefix("203.0.113.7/24")}},
		{Name: "solo", Bridged: true},
	}}
	if hostnettest.Has("vlan") && hostnettest.Has("bond") {
		before.Bonds = []hostnet.Bond{{Name: "bond0", Mode: "1", Slaves: []string{"eth3"}}}
		before.Networks = append(before.Networks, hostnet.Network{Name: "tagged", NIC: "bond0", VLAN: 6, Bridged: true})
		after.Networks = append(after.Networks, hostnet.Network{Name: "tagged", NIC: "eth0", VLAN: 7, Bridged: true})
	} else {
		t.Log("rollback of VLAN devices and bonds not checked: the kernel lacks 8021q or bonding")
	}
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
	links := h.Links(t)
	assert.Equal(t, "keep", links["eth1"].Master)
	assert.Equal(t, 9000, links["keep"].MTU)
	assert.NotContains(t, links, "old")
	assert.NotContains(t, links, "lonely")
	st, err := p.Report()
	require.NoError(t, err)
	for _, s := range st {
		assert.True(t, s.InSync, "%s: %v", s.Name, s.Differs)
	}
}

// TestTraffic: two hosts joined by a veth "cable", each with a bridged
// network over it (tagged when the kernel has VLANs); they ping, and the
// statistics grow.
func TestTraffic(t *testing.T) {
	a := hostnettest.NewHost(t)
	b := hostnettest.NewHost(t)
	a.Veth(t, "eth0", b, "eth0")
	ctx := context.Background()
	vlan := 0
	if hostnettest.Has("vlan") {
		vlan = 42
	}
	for i, h := range []*hostnettest.Host{a, b} {
		p := hostnet.NewProvisioner(h.Driver)
		_, err := p.Apply(ctx, hostnet.Config{Networks: []hostnet.Network{{Name: "vms", NIC: "eth0", VLAN: vlan, Bridged: true,
			Addrs: []netip.Prefix{netip.MustParsePrefix("10.42.0." + itoa(i+1) + "/24")}}}})
		require.NoError(t, err)
	}
	s0, err := a.Driver.Stats("vms")
	require.NoError(t, err)
	out, err := a.Exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.42.0.2")
	require.NoError(t, err, out)
	s1, err := a.Driver.Stats("vms")
	require.NoError(t, err)
	assert.Greater(t, s1.TxPackets, s0.TxPackets)
	assert.Greater(t, s1.RxBytes, s0.RxBytes)
	e, err := a.Driver.Stats("eth0")
	require.NoError(t, err)
	assert.Positive(t, e.TxPackets)
}
