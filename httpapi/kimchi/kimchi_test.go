package kimchi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/virt"
)

func TestVMLifecycle(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t1", map[string]any{"cpus": 2, "os_distro": "debian", "os_version": "12"})
	task := e.wait(e.do("POST", "/vms", map[string]any{"name": "vm1", "template": "/plugins/kimchi/templates/t1"}))
	assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/vms/vm1", task.Target)

	var vm kimchi.VM
	e.must(200, "GET", "/vms/vm1", nil).json(t, &vm)
	assert.Equal(t, "shutoff", vm.State)
	assert.Equal(t, 512, vm.Memory)
	assert.Equal(t, 2, vm.CPUs)
	assert.Equal(t, "vnc", vm.Graphics.Type)
	assert.Nil(t, vm.Graphics.Port)
	assert.Nil(t, vm.Screenshot)
	assert.True(t, vm.Persistent)
	assert.NotEmpty(t, vm.UUID)
	assert.Equal(t, []string{}, vm.Users)

	// Checked through libvirt itself: one virtio disk in the pool, one
	// virtio NIC on the default network.
	dom, err := e.drv.Domain(context.Background(), "vm1")
	require.NoError(t, err)
	require.Len(t, dom.Disks, 1)
	assert.Equal(t, "virtio", dom.Disks[0].Bus)
	assert.Equal(t, "default", dom.Disks[0].Pool)
	vol, err := e.drv.Volume(context.Background(), "default", dom.Disks[0].Volume)
	require.NoError(t, err)
	assert.Equal(t, uint64(10<<30), vol.Capacity)
	require.Len(t, dom.Interfaces, 1)
	assert.Equal(t, "default", dom.Interfaces[0].Network)
	assert.Equal(t, "virtio", dom.Interfaces[0].Model)

	// Duplicate name, missing VM, wrong method.
	assert.Equal(t, "KCHVM0001E: Virtual machine vm1 already exists",
		e.must(400, "POST", "/vms", map[string]any{"name": "vm1", "template": "/templates/t1"}).reason(t))
	assert.Contains(t, e.must(404, "GET", "/vms/nosuch", nil).reason(t), "KCHVM0002E")
	assert.Contains(t, e.must(404, "POST", "/vms/nosuch/start", nil).reason(t), "KCHVM0002E")
	assert.Contains(t, e.must(405, "DELETE", "/vms", nil).reason(t), "KCHAPI0002E")
	assert.Contains(t, e.must(405, "GET", "/vms/vm1/start", nil).reason(t), "not allowed")
	e.must(404, "POST", "/vms/vm1/fly", nil)

	// Actions, each refused in the wrong state.
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/poweroff", nil).reason(t), "KCHVM0049E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/shutdown", nil).reason(t), "KCHVM0050E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/reset", nil).reason(t), "KCHVM0051E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/connect", nil).reason(t), "KCHVM0010E")
	assert.Contains(t, e.must(400, "GET", "/vms/vm1/screenshot", nil).reason(t), "KCHVM0004E")
	e.must(200, "POST", "/vms/vm1/start", nil).json(t, &vm)
	assert.Equal(t, "running", vm.State)
	require.NotNil(t, vm.Screenshot)
	assert.Equal(t, "/plugins/kimchi/vms/vm1/screenshot", *vm.Screenshot)
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/start", nil).reason(t), "KCHVM0048E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/resume", nil).reason(t), "KCHVM0039E")
	e.must(200, "POST", "/vms/vm1/suspend", nil).json(t, &vm)
	assert.Equal(t, "paused", vm.State)
	assert.Contains(t, e.must(400, "POST", "/vms/vm1/suspend", nil).reason(t), "KCHVM0037E")
	e.must(200, "POST", "/vms/vm1/resume", nil)
	e.must(200, "POST", "/vms/vm1/reset", nil)
	e.must(200, "POST", "/vms/vm1/connect", nil)

	shot := e.must(200, "GET", "/vms/vm1/screenshot", nil)
	assert.Equal(t, "image/png", shot.header.Get("Content-Type"))
	assert.Equal(t, "\x89PNG\r\n\x1a\n", string(shot.body[:8]))

	// Rename needs the VM off; then 303 to the new name.
	assert.Contains(t, e.must(400, "PUT", "/vms/vm1", map[string]any{"name": "vm2"}).reason(t), "KCHVM0003E")
	e.must(200, "POST", "/vms/vm1/poweroff", nil)
	r := e.must(303, "PUT", "/vms/vm1", map[string]any{"name": "vm2"})
	assert.Equal(t, "/plugins/kimchi/vms/vm2", r.header.Get("Location"))
	e.must(404, "GET", "/vms/vm1", nil)

	// PUT memory and cpus, users must exist.
	e.must(200, "PUT", "/vms/vm2", map[string]any{"memory": 768, "cpus": 1, "users": []string{"root"}, "groups": []string{"root"}}).json(t, &vm)
	assert.Equal(t, 768, vm.Memory)
	assert.Equal(t, 1, vm.CPUs)
	assert.Equal(t, []string{"root"}, vm.Users)
	assert.Contains(t, e.must(400, "PUT", "/vms/vm2", map[string]any{"users": []string{"no-such-user-x"}}).reason(t), "KCHVM0027E")
	assert.Contains(t, e.must(400, "PUT", "/vms/vm2", map[string]any{"cpus": 0}).reason(t), "KCHTMPL0012E")
	assert.Contains(t, e.must(400, "PUT", "/vms/vm2", map[string]any{"colour": "red"}).reason(t), "KCHAPI0001E")
	e.must(200, "PUT", "/vms/vm2", map[string]any{"graphics": map[string]any{"passwd": "s3cret", "passwdValidTo": 60}}).json(t, &vm)
	assert.Equal(t, "s3cret", vm.Graphics.Passwd)
	require.NotNil(t, vm.Graphics.PasswdValidTo)

	// DELETE removes its disk volume too.
	volName := dom.Disks[0].Volume
	e.must(204, "DELETE", "/vms/vm2", nil)
	e.must(404, "GET", "/vms/vm2", nil)
	_, err = e.drv.Volume(context.Background(), "default", volName)
	assert.ErrorIs(t, err, virt.ErrNotFound)
}

func TestCreateRefusalsLeaveNothing(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	ctx := context.Background()
	before, err := e.drv.Volumes(ctx, "default")
	require.NoError(t, err)

	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"name": "x"}, "KCHVM0016E"},
		{map[string]any{"name": "x", "template": "templates/t"}, "KCHVM0012E"},
		{map[string]any{"name": "x", "template": "/templates/nosuch"}, "KCHVM0012E"},
		{map[string]any{"name": "a/b", "template": "/templates/t"}, "KCHVM0011E"},
		{map[string]any{"name": "x", "template": "/templates/t", "graphics": map[string]any{"type": "rdp"}}, "KCHVM0014E"},
		{map[string]any{"name": "x", "template": "/templates/t", "storagepool": "/storagepools/nosuch"}, "KCHVM0007E"},
		{map[string]any{"name": "x", "template": "/templates/t", "persistent": false}, "KCHVM0036E"},
		{map[string]any{"name": 7, "template": "/templates/t"}, "KCHVM0011E"},
		{`{"name": "x", `, "KCHAPI0006E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/vms", c.body).reason(t), c.code, "%v", c.body)
	}
	// A failure inside the task (the template's network gone) fails the
	// task and leaves no domain and no volume.
	e.must(201, "POST", "/networks", map[string]any{"name": "gone", "connection": "isolated"})
	e.must(200, "PUT", "/templates/t", map[string]any{"networks": []string{"gone"}})
	require.NoError(t, e.drv.UndefineNetwork(ctx, "gone"))
	assert.Contains(t, e.must(400, "POST", "/vms", map[string]any{"name": "x", "template": "/templates/t"}).reason(t), "networks")

	doms, err := e.drv.Domains(ctx)
	require.NoError(t, err)
	assert.Empty(t, doms)
	after, err := e.drv.Volumes(ctx, "default")
	require.NoError(t, err)
	assert.Equal(t, before, after)
	tasks, err := e.svc.Tasks(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, tasks, "refused requests start no task")
	assert.Contains(t, e.must(400, "POST", "/vms", nil).reason(t), "KCHAPI0006E", "no body at all")
}

func TestClone(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	src := e.vm("src", "t")
	task := e.wait(e.do("POST", "/vms/src/clone", nil))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/vms/src-clone-1/clone", task.Target, "as Kimchi names a clone's task")
	var c kimchi.VM
	e.must(200, "GET", "/vms/src-clone-1", nil).json(t, &c)
	assert.NotEqual(t, src.UUID, c.UUID)
	a, _ := e.drv.Domain(context.Background(), "src")
	b, _ := e.drv.Domain(context.Background(), "src-clone-1")
	assert.NotEqual(t, a.Interfaces[0].MAC, b.Interfaces[0].MAC)
	assert.NotEqual(t, a.Disks[0].Volume, b.Disks[0].Volume)
	e.wait(e.do("POST", "/vms/src/clone", nil))
	e.must(200, "GET", "/vms/src-clone-2", nil)

	e.must(200, "POST", "/vms/src/start", nil)
	assert.Contains(t, e.must(400, "POST", "/vms/src/clone", nil).reason(t), "KCHVM0033E")
	// The test driver cannot migrate: a clear 501, no task.
	assert.Contains(t, e.must(501, "POST", "/vms/src/migrate", map[string]any{"remote_host": "other"}).reason(t), "KCHVM0058E")
}

func TestIfacesStoragesHostdevs(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	e.vm("vm", "t")
	var ifs []kimchi.Iface
	e.must(200, "GET", "/vms/vm/ifaces", nil).json(t, &ifs)
	require.Len(t, ifs, 1)

	var i kimchi.Iface
	e.must(201, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "model": "e1000", "mac": "52:54:00:aa:bb:cc"}).json(t, &i)
	assert.Equal(t, kimchi.Iface{Type: "network", Network: "default", MAC: "52:54:00:aa:bb:cc", Model: "e1000"}, i)
	assert.Contains(t, e.must(400, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "mac": "52:54:00:aa:bb:cc"}).reason(t), "KCHVMIF0009E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/ifaces", map[string]any{"type": "bridge", "network": "default"}).reason(t), "KCHVMIF0004E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "nosuch"}).reason(t), "KCHVMIF0002E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "model": "tulip"}).reason(t), "KCHVMIF0006E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "mac": "zz"}).reason(t), "KCHVMIF0008E")
	e.must(200, "PUT", "/vms/vm/ifaces/52:54:00:aa:bb:cc", map[string]any{"model": "virtio"}).json(t, &i)
	assert.Equal(t, "virtio", i.Model)
	e.must(200, "GET", "/vms/vm/ifaces/52:54:00:AA:BB:CC", nil)
	e.must(204, "DELETE", "/vms/vm/ifaces/52:54:00:aa:bb:cc", nil)
	assert.Contains(t, e.must(404, "GET", "/vms/vm/ifaces/52:54:00:aa:bb:cc", nil).reason(t), "KCHVMIF0001E")
	dom, _ := e.drv.Domain(context.Background(), "vm")
	assert.Len(t, dom.Interfaces, 1, "checked through libvirt")

	// Storages: a CD-ROM from a pool's ISO volume, swapped, a second disk.
	ctx := context.Background()
	iso, err := e.drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "a.iso", Capacity: 1 << 20, Format: "raw"})
	require.NoError(t, err)
	iso2, err := e.drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "b.iso", Capacity: 1 << 20, Format: "raw"})
	require.NoError(t, err)
	var st kimchi.Storage
	// The template names no distribution: its disk is IDE (hda), as
	// Kimchi does for an unknown one.
	e.must(201, "POST", "/vms/vm/storages", map[string]any{"type": "cdrom", "path": iso.Path}).json(t, &st)
	assert.Equal(t, "hdb", st.Dev)
	e.must(200, "PUT", "/vms/vm/storages/hdb", map[string]any{"path": iso2.Path}).json(t, &st)
	assert.Equal(t, iso2.Path, st.Path)
	assert.Contains(t, e.must(400, "PUT", "/vms/vm/storages/hda", map[string]any{"path": iso2.Path}).reason(t), "KCHVMSTOR0006E")
	assert.Contains(t, e.must(400, "PUT", "/vms/vm/storages/hdb", map[string]any{"path": "/no/such.iso"}).reason(t), "KCHVMSTOR0003E")
	_, err = e.drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "data.qcow2", Capacity: 1 << 30, Format: "qcow2"})
	require.NoError(t, err)
	e.must(201, "POST", "/vms/vm/storages", map[string]any{"type": "disk", "pool": "default", "vol": "data.qcow2"}).json(t, &st)
	assert.Equal(t, "vda", st.Dev, "the first on the virtio bus")
	assert.Equal(t, "data.qcow2", st.Vol)
	assert.Contains(t, e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "disk", "pool": "default", "vol": "data.qcow2"}).reason(t), "KCHVMSTOR0016E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "floppy", "path": iso.Path}).reason(t), "KCHVMSTOR0002E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "disk"}).reason(t), "KCHVMSTOR0012E")
	assert.Contains(t, e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "disk", "path": iso.Path, "pool": "default", "vol": "x"}).reason(t), "KCHVMSTOR0017E")
	e.must(204, "DELETE", "/vms/vm/storages/vda", nil)
	assert.Contains(t, e.must(404, "DELETE", "/vms/vm/storages/vda", nil).reason(t), "KCHVMSTOR0007E")
	_, err = e.drv.Volume(ctx, "default", "data.qcow2")
	assert.NoError(t, err, "detaching keeps the volume")

	// Host devices: none assigned yet; one the host lacks is refused.
	var devs []kimchi.HostDev
	e.must(200, "GET", "/vms/vm/hostdevs", nil).json(t, &devs)
	assert.Empty(t, devs)
	assert.Contains(t, e.must(404, "POST", "/vms/vm/hostdevs", map[string]any{"name": "pci_0000_00_99_0"}).reason(t), "KCHHOST0003E")
	assert.Contains(t, e.must(404, "GET", "/vms/vm/hostdevs/pci_0000_00_99_0", nil).reason(t), "KCHVMHDEV0001E")
}

func TestSnapshots(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	e.vm("vm", "t")
	ctx := context.Background()
	e.must(200, "POST", "/vms/vm/start", nil)
	task := e.wait(e.do("POST", "/vms/vm/snapshots", map[string]any{"name": "running"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/vms/vm/snapshots/running", task.Target)
	e.must(200, "POST", "/vms/vm/poweroff", nil)
	task = e.wait(e.do("POST", "/vms/vm/snapshots", nil)) // named by the time
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)

	var snaps []kimchi.Snapshot
	e.must(200, "GET", "/vms/vm/snapshots", nil).json(t, &snaps)
	require.Len(t, snaps, 2)
	assert.Equal(t, "running", snaps[0].Name)
	assert.Equal(t, "running", snaps[0].State)
	assert.Equal(t, "running", snaps[1].Parent)
	var cur kimchi.Snapshot
	e.must(200, "GET", "/vms/vm/snapshots/current", nil).json(t, &cur)
	assert.Equal(t, snaps[1].Name, cur.Name)

	assert.Contains(t, e.must(400, "POST", "/vms/vm/snapshots", map[string]any{"name": "running"}).reason(t), "KCHSNAP0002E")
	e.must(200, "POST", "/vms/vm/snapshots/running/revert", nil)
	dom, err := e.drv.Domain(ctx, "vm")
	require.NoError(t, err)
	assert.Equal(t, virt.Running, dom.State, "reverted to a running snapshot, checked through libvirt")
	all, err := e.drv.Snapshots(ctx, "vm")
	require.NoError(t, err)
	for _, s := range all {
		assert.Equal(t, s.Name == "running", s.Current)
	}
	e.must(204, "DELETE", "/vms/vm/snapshots/"+snaps[1].Name, nil)
	all, _ = e.drv.Snapshots(ctx, "vm")
	assert.Len(t, all, 1)
	assert.Contains(t, e.must(404, "GET", "/vms/vm/snapshots/"+snaps[1].Name, nil).reason(t), "KCHSNAP0003E")
	assert.Contains(t, e.must(404, "POST", "/vms/vm/snapshots/nosuch/revert", nil).reason(t), "KCHSNAP0003E")
}

func TestVMListAndFilter(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	for i := range 3 {
		e.vm(fmt.Sprintf("vm%d", i), "t")
	}
	e.must(200, "POST", "/vms/vm1/start", nil)
	var vms []kimchi.VM
	e.must(200, "GET", "/vms", nil).json(t, &vms)
	require.Len(t, vms, 3)
	assert.Equal(t, "vm0", vms[0].Name)
	e.must(200, "GET", "/vms?state=running", nil).json(t, &vms)
	require.Len(t, vms, 1)
	assert.Equal(t, "vm1", vms[0].Name)
	time.Sleep(20 * time.Millisecond)
	var vm kimchi.VM
	e.must(200, "GET", "/vms/vm1", nil).json(t, &vm)
	assert.GreaterOrEqual(t, vm.Stats.CPUUtilization, 0.0)
	assert.LessOrEqual(t, vm.Stats.CPUUtilization, 100.0)
}
