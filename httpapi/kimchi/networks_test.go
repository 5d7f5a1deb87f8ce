package kimchi_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/virt"
)

func TestTemplates(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"name": "base", "cpu_info": map[string]any{"topology": map[string]any{"sockets": 1, "cores": 2, "threads": 2}}}).json(t, &tm)
	assert.Equal(t, 4, tm.CPUs, "cpus default to the topology's product")
	assert.Equal(t, 1024, tm.Memory)
	assert.Equal(t, "/storagepools/default", tm.StoragePool)
	assert.Equal(t, []string{"default"}, tm.Networks)
	assert.Equal(t, []kimchi.TemplateDisk{{Index: 0, Size: 10, Format: "qcow2"}}, tm.Disks)
	assert.Equal(t, kimchi.Graphics{Type: "vnc", Listen: "127.0.0.1"}, tm.Graphics)
	assert.Empty(t, tm.Invalid)

	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"name": "base"}, "KCHTMPL0001E"},
		{map[string]any{"name": "a/b"}, "KCHTMPL0008E"},
		{map[string]any{"name": "x", "cpus": 0}, "KCHTMPL0012E"},
		{map[string]any{"name": "x", "memory": 100}, "KCHTMPL0013E"},
		{map[string]any{"name": "x", "networks": []string{"nosuch"}}, "KCHTMPL0003E"},
		{map[string]any{"name": "x", "storagepool": "/storagepools/nosuch"}, "KCHTMPL0004E"},
		{map[string]any{"name": "x", "storagepool": "default"}, "KCHTMPL0015E"},
		{map[string]any{"name": "x", "cdrom": "/no/such.iso"}, "KCHTMPL0002E"},
		{map[string]any{"name": "x", "disks": []any{map[string]any{"index": 0, "size": 0}}}, "KCHTMPL0022E"},
		{map[string]any{"name": "x", "disks": []any{map[string]any{"index": 0, "size": 1, "format": "exe"}}}, "KCHTMPL0027E"},
		{map[string]any{"name": "x", "cpus": 3, "cpu_info": map[string]any{"topology": map[string]any{"sockets": 1, "cores": 2, "threads": 1}}}, "KCHCPUINF0002E"},
		{map[string]any{"name": "x", "graphics": map[string]any{"type": "vnc", "listen": "everywhere"}}, "KCHVM0015E"},
		{map[string]any{"name": "x", "networks": "default"}, "KCHTMPL0017E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/templates", c.body).reason(t), c.code, "%v", c.body)
	}
	e.must(404, "GET", "/templates/x", nil)

	// A template whose pool goes is reported invalid.
	ctx := context.Background()
	_, err := e.drv.DefinePool(ctx, virt.PoolSpec{Name: "extra", Type: "dir", Path: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, e.drv.StartPool(ctx, "extra"))
	e.must(200, "PUT", "/templates/base", map[string]any{"storagepool": "/storagepools/extra"})
	require.NoError(t, e.drv.StopPool(ctx, "extra"))
	require.NoError(t, e.drv.UndefinePool(ctx, "extra"))
	e.must(200, "GET", "/templates/base", nil).json(t, &tm)
	assert.Equal(t, map[string][]string{"storagepools": {"extra"}}, tm.Invalid)
	assert.Contains(t, e.must(400, "POST", "/vms", map[string]any{"template": "/templates/base"}).reason(t), "storagepools")

	// Clone, rename (303), delete.
	e.must(201, "POST", "/templates/base/clone", nil).json(t, &tm)
	assert.Equal(t, "base-clone1", tm.Name)
	e.must(201, "POST", "/templates/base/clone", nil).json(t, &tm)
	assert.Equal(t, "base-clone2", tm.Name)
	r := e.must(303, "PUT", "/templates/base-clone2", map[string]any{"name": "renamed"})
	assert.Equal(t, "/plugins/kimchi/templates/renamed", r.header.Get("Location"))
	assert.Contains(t, e.must(400, "PUT", "/templates/renamed", map[string]any{"name": "base"}).reason(t), "KCHTMPL0001E")
	var list []kimchi.Template
	e.must(200, "GET", "/templates", nil).json(t, &list)
	assert.Len(t, list, 3)
	e.must(204, "DELETE", "/templates/renamed", nil)
	e.must(404, "DELETE", "/templates/renamed", nil)
	e.must(405, "PUT", "/templates", map[string]any{})
}

func TestNetworks(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	ctx := context.Background()
	var n kimchi.Network
	e.must(201, "POST", "/networks", map[string]any{"name": "lab", "connection": "nat"}).json(t, &n)
	assert.Equal(t, "nat", n.Connection)
	assert.Equal(t, "inactive", n.State)
	assert.Equal(t, "192.168.100.1/24", n.Subnet)
	assert.Equal(t, kimchi.DHCP{Start: "192.168.100.129", End: "192.168.100.254"}, n.DHCP)
	assert.False(t, n.InUse)
	assert.True(t, n.Persistent)

	e.must(201, "POST", "/networks", map[string]any{"name": "iso", "connection": "isolated", "subnet": "10.20.0.0/255.255.0.0"}).json(t, &n)
	assert.Equal(t, "10.20.0.1/16", n.Subnet)
	assert.Equal(t, "isolated", n.Connection)
	got, err := e.drv.Network(ctx, "iso")
	require.NoError(t, err, "checked through libvirt")
	assert.Equal(t, "", got.Forward)
	assert.Equal(t, "10.20.128.1", got.DHCPStart)

	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"name": "lab", "connection": "nat"}, "KCHNET0001E"},
		{map[string]any{"name": "x"}, "KCHNET0016E"},
		{map[string]any{"name": "x", "connection": "vepa"}, "KCHNET0012E"},
		{map[string]any{"name": "x", "connection": "nat", "subnet": "10.20.5.0/24"}, "KCHNET0003E"},
		{map[string]any{"name": "x", "connection": "nat", "subnet": "banana"}, "KCHNET0003E"},
		{map[string]any{"name": "x", "connection": "nat", "vlan_id": 5}, "KCHNET0032E"},
		{map[string]any{"name": "x", "connection": "bridge"}, "KCHNET0004E"},
		{map[string]any{"name": "x", "connection": "macvtap", "interface": "eth0", "vlan_id": 5000}, "KCHNET0015E"},
		{map[string]any{"name": "x", "connection": "macvtap", "interface": "nosuch0"}, "KCHIFACE0001E"},
		{map[string]any{"name": "a/b", "connection": "nat"}, "KCHNET0011E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/networks", c.body).reason(t), c.code, "%v", c.body)
	}

	e.must(200, "POST", "/networks/lab/activate", nil).json(t, &n)
	assert.Equal(t, "active", n.State)
	got, _ = e.drv.Network(ctx, "lab")
	assert.True(t, got.Active)
	assert.Contains(t, e.must(400, "DELETE", "/networks/lab", nil).reason(t), "KCHNET0005E")

	// A VM on the network: deactivating is refused while any VM, running
	// or not, or any template uses it, as Kimchi refuses it; deleting
	// while anything uses it.
	e.template("t", map[string]any{"networks": []string{"lab"}})
	e.vm("vm", "t")
	e.must(200, "GET", "/networks/lab", nil).json(t, &n)
	assert.Equal(t, []string{"vm"}, n.VMs)
	assert.True(t, n.InUse)
	e.must(200, "POST", "/vms/vm/start", nil)
	assert.Contains(t, e.must(400, "POST", "/networks/lab/deactivate", nil).reason(t), "KCHNET0018E")
	e.must(200, "POST", "/vms/vm/poweroff", nil)
	assert.Contains(t, e.must(400, "POST", "/networks/lab/deactivate", nil).reason(t), "KCHNET0018E", "a shut-off VM")
	e.must(204, "DELETE", "/vms/vm", nil)
	assert.Contains(t, e.must(400, "POST", "/networks/lab/deactivate", nil).reason(t), "KCHNET0018E", "a template")
	got, _ = e.drv.Network(ctx, "lab")
	assert.True(t, got.Active, "refused: nothing changed")
	e.must(204, "DELETE", "/templates/t", nil)
	e.must(200, "POST", "/networks/lab/deactivate", nil)
	got, _ = e.drv.Network(ctx, "lab")
	assert.False(t, got.Active)
	e.template("t2", map[string]any{"networks": []string{"lab"}})
	assert.Contains(t, e.must(400, "DELETE", "/networks/lab", nil).reason(t), "KCHNET0017E")
	e.must(204, "DELETE", "/templates/t2", nil)
	e.must(204, "DELETE", "/networks/lab", nil)
	_, err = e.drv.Network(ctx, "lab")
	assert.ErrorIs(t, err, virt.ErrNotFound)
	assert.Contains(t, e.must(404, "GET", "/networks/lab", nil).reason(t), "KCHNET0002E")
	e.must(405, "PUT", "/networks/iso", map[string]any{})

	var list []kimchi.Network
	e.must(200, "GET", "/networks?connection=isolated", nil).json(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, "iso", list[0].Name)
}

// TestHostInterfaces: /interfaces lists what hostnet sees on a host (two
// NICs and a bridge), and bridge and macvtap networks are made on them,
// checked through libvirt.
func TestHostInterfaces(t *testing.T) {
	h := hostnettest.NewFake("h", "eth0", "eth1")
	require.NoError(t, h.CreateBridge("br0", hostnet.LinkOptions{Up: true}))
	require.NoError(t, h.AddAddr("eth0", netip.MustParsePrefix("192.168.100.7/24")))
	e := newEnv(t, kimchi.Options{Links: h.Links})

	var ifs []kimchi.HostInterface
	e.must(200, "GET", "/interfaces", nil).json(t, &ifs)
	byName := map[string]kimchi.HostInterface{}
	for _, i := range ifs {
		byName[i.Name] = i
	}
	assert.NotContains(t, byName, "lo")
	assert.Equal(t, "bridge", byName["br0"].Type)
	assert.Equal(t, "nic", byName["eth1"].Type)
	assert.Equal(t, "active", byName["eth0"].Status)
	assert.Equal(t, "192.168.100.7", byName["eth0"].IPAddr)
	assert.Equal(t, "255.255.255.0", byName["eth0"].Netmask)
	var one kimchi.HostInterface
	e.must(200, "GET", "/interfaces/eth1", nil).json(t, &one)
	assert.Equal(t, byName["eth1"], one)
	assert.Contains(t, e.must(404, "GET", "/interfaces/nosuch", nil).reason(t), "KCHIFACE0001E")
	e.must(405, "POST", "/interfaces", map[string]any{})

	ctx := context.Background()
	var n kimchi.Network
	e.must(201, "POST", "/networks", map[string]any{"name": "br", "connection": "bridge", "interface": "br0"}).json(t, &n)
	assert.Equal(t, "bridge", n.Connection)
	assert.Equal(t, "br0", n.Interface)
	got, err := e.drv.Network(ctx, "br")
	require.NoError(t, err)
	assert.Equal(t, "bridge", got.Forward)
	assert.Equal(t, "br0", got.Bridge)

	e.must(201, "POST", "/networks", map[string]any{"name": "mv", "connection": "macvtap", "interfaces": []string{"eth1"}, "vlan_id": 10}).json(t, &n)
	assert.Equal(t, "macvtap", n.Connection)
	assert.Equal(t, []string{"eth1"}, n.Interfaces)
	assert.Equal(t, 10, n.VLANID)
	got, _ = e.drv.Network(ctx, "mv")
	assert.Equal(t, "eth1", got.Interface)
	assert.Equal(t, 10, got.VLAN)

	require.NoError(t, h.CreateVLAN("eth0.5", "eth0", 5, hostnet.LinkOptions{}))
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "bridge", "interface": "eth0.5"}).reason(t), "KCHNET0007E")
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "macvtap", "interface": "br0"}).reason(t), "KCHNET0028E")
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "macvtap", "interfaces": []string{"eth0", "eth1"}}).reason(t), "KCHNET0030E")
	// A NAT network keeps clear of the host's own subnets.
	e.must(201, "POST", "/networks", map[string]any{"name": "nat", "connection": "nat"}).json(t, &n)
	assert.Equal(t, "192.168.101.1/24", n.Subnet, "192.168.100.0/24 is eth0's")
}
