package hostnet_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
)

// TestIntegrationNetlinkAgreesWithIP: what the netlink driver does, ip(8)
// sees (the conformance suite checks the driver against itself).
func TestIntegrationNetlinkAgreesWithIP(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1")
	d := h.Driver
	e0, err := d.Link("eth0")
	require.NoError(t, err)
	assert.Equal(t, hostnet.KindVeth, e0.Kind)
	assert.Equal(t, 10000, e0.Speed, "veth says 10 Gb/s")
	require.NoError(t, d.CreateBridge("br0", hostnet.LinkOptions{MTU: 1400, Up: true}))
	require.NoError(t, d.SetMaster("eth0", "br0"))
	require.NoError(t, d.AddAddr("br0", netip.MustParsePrefix("192.0.2.1/24")))
	links := h.Links(t)
	assert.Equal(t, "bridge", links["br0"].Info.Kind)
	assert.Equal(t, "br0", links["eth0"].Master)
	assert.True(t, links["br0"].Up())
	assert.Contains(t, h.IP(t, "-br", "addr", "show", "br0"), "192.0.2.1/24")
	if hostnettest.Has("vlan") {
		require.NoError(t, d.CreateVLAN("eth1.10", "eth1", 10, hostnet.LinkOptions{}))
		links := h.Links(t)
		assert.Equal(t, "vlan", links["eth1.10"].Info.Kind)
		assert.Equal(t, 10, links["eth1.10"].Info.Data.ID)
	}
	if hostnettest.Has("bond") {
		require.NoError(t, d.CreateBond("bond0", "4", map[string]string{"miimon": "100"}))
		require.NoError(t, d.SetMaster("eth1", "bond0"))
		links := h.Links(t)
		assert.Equal(t, "bond", links["bond0"].Info.Kind)
		assert.Equal(t, "802.3ad", links["bond0"].Info.Data.Mode)
		assert.Equal(t, "bond0", links["eth1"].Master)
	}
}

// TestIntegrationTraffic: two hosts joined by a veth "cable", each with a
// bridged network over it (tagged when the kernel has VLANs); they ping,
// and the statistics grow.
func TestIntegrationTraffic(t *testing.T) {
	a := hostnettest.NewHost(t)
	b := hostnettest.NewHost(t)
	a.Veth(t, "eth0", b, "eth0")
	vlan := 0
	if hostnettest.Has("vlan") {
		vlan = 42
	}
	for i, h := range []*hostnettest.Host{a, b} {
		p := hostnet.NewProvisioner(h.Driver)
		_, err := p.Apply(ctx, hostnet.Config{Networks: []hostnet.Network{{Name: "vms", NIC: "eth0", VLAN: vlan, Bridged: true,
			Addrs: []netip.Prefix{netip.MustParsePrefix("10.42.0." + string(rune('1'+i)) + "/24")}}}})
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
	all, err := a.Driver.(hostnet.StatsLister).AllStats()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, all["vms"].TxPackets, s1.TxPackets, "every link's counters at once")
	assert.GreaterOrEqual(t, all["eth0"].TxPackets, e.TxPackets)
	assert.Contains(t, all, "lo")
}

// BenchmarkStats reads the counters of every link of a host with 500 of
// them (veth pairs in a namespace, as a hypervisor has a tap per VM
// interface): a request per link (Stats, as the Agent did) beside one
// dump (AllStats).
func BenchmarkStats(b *testing.B) {
	h := hostnettest.NewHost(b)
	var batch strings.Builder
	for i := range 250 {
		fmt.Fprintf(&batch, "link add v%da type veth peer name v%db\n", i, i)
	}
	f := filepath.Join(b.TempDir(), "batch")
	require.NoError(b, os.WriteFile(f, []byte(batch.String()), 0o644))
	out, err := h.Exec("ip", "-batch", f)
	require.NoError(b, err, out)
	links, err := h.Driver.Links()
	require.NoError(b, err)
	require.GreaterOrEqual(b, len(links), 500)
	b.Run("per-link", func(b *testing.B) {
		for b.Loop() {
			for _, l := range links {
				h.Driver.Stats(l.Name)
			}
		}
	})
	b.Run("dump", func(b *testing.B) {
		for b.Loop() {
			if _, err := h.Driver.(hostnet.StatsLister).AllStats(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
