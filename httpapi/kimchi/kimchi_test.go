package kimchi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// env is a Kimchi server over a private libvirt test hypervisor.
type env struct {
	t    *testing.T
	drv  virt.Driver
	st   store.Store
	svc  *kimchi.Service
	srv  *httptest.Server
	base string
}

func newEnv(t *testing.T, opts kimchi.Options) *env {
	t.Helper()
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	return startEnv(t, drv, st, opts)
}

func startEnv(t *testing.T, drv virt.Driver, st store.Store, opts kimchi.Options) *env {
	t.Helper()
	svc, err := kimchi.New(context.Background(), drv, st, opts)
	require.NoError(t, err)
	mux := http.NewServeMux()
	h := kimchi.NewHandler(svc, kimchi.HandlerOptions{})
	httpapi.Mount(mux, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
	})
	return &env{t: t, drv: drv, st: st, svc: svc, srv: srv, base: srv.URL + "/plugins/kimchi"}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), string(r.body))
}

// reason is a Kimchi error's reason, checked for its shape.
func (r resp) reason(t *testing.T) string {
	t.Helper()
	var e struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	}
	r.json(t, &e)
	assert.Equal(t, r.status, e.Code)
	return e.Reason
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// must does a request that must answer want.
func (e *env) must(want int, method, path string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, body)
	require.Equal(e.t, want, r.status, "%s %s: %s", method, path, r.body)
	return r
}

// wait polls a task until it ends and returns it.
func (e *env) wait(r resp) kimchi.Task {
	e.t.Helper()
	require.Equal(e.t, http.StatusAccepted, r.status, string(r.body))
	var t kimchi.Task
	r.json(e.t, &t)
	require.NotEmpty(e.t, t.ID)
	deadline := time.Now().Add(10 * time.Second)
	for t.Status == kimchi.TaskRunning {
		require.True(e.t, time.Now().Before(deadline), "task %s still running", t.ID)
		time.Sleep(5 * time.Millisecond)
		e.must(http.StatusOK, "GET", "/tasks/"+t.ID, nil).json(e.t, &t)
	}
	return t
}

func (e *env) template(name string, extra map[string]any) {
	e.t.Helper()
	body := map[string]any{"name": name, "memory": 512}
	for k, v := range extra {
		body[k] = v
	}
	e.must(http.StatusCreated, "POST", "/templates", body)
}

func (e *env) vm(name, template string) kimchi.VM {
	e.t.Helper()
	task := e.wait(e.do("POST", "/vms", map[string]any{"name": name, "template": "/templates/" + template}))
	require.Equal(e.t, kimchi.TaskFinished, task.Status, task.Message)
	var vm kimchi.VM
	e.must(http.StatusOK, "GET", "/vms/"+name, nil).json(e.t, &vm)
	return vm
}

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
	assert.Contains(t, e.must(405, "DELETE", "/vms", nil).reason(t), "WOKAPI0002E")
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
	assert.Contains(t, e.must(400, "PUT", "/vms/vm1", map[string]any{"name": "vm2"}).reason(t), "KCHVM0074E")
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
		{map[string]any{"name": 7, "template": "/templates/t"}, "WOKAPI0008E"},
		{`{"name": "x", `, "WOKAPI0006E"},
		{map[string]any{"name": "x", "template": "/templates/t", "cpus": 4}, "KCHAPI0001E"},
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
	assert.Contains(t, e.must(400, "POST", "/vms", nil).reason(t), "WOKAPI0006E", "no body at all")
}

func TestClone(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	src := e.vm("src", "t")
	task := e.wait(e.do("POST", "/vms/src/clone", nil))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/vms/src-clone-1", task.Target)
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
		{map[string]any{"memory": 1024}, "KCHTMPL0008E"},
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
		{map[string]any{"name": "x", "networks": "default"}, "WOKAPI0008E"},
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

	// A VM on the network: deactivating is refused while it runs, deleting
	// while it exists.
	e.template("t", map[string]any{"networks": []string{"lab"}})
	e.vm("vm", "t")
	e.must(200, "GET", "/networks/lab", nil).json(t, &n)
	assert.Equal(t, []string{"vm"}, n.VMs)
	assert.True(t, n.InUse)
	e.must(200, "POST", "/vms/vm/start", nil)
	assert.Contains(t, e.must(400, "POST", "/networks/lab/deactivate", nil).reason(t), "KCHNET0018E")
	e.must(200, "POST", "/vms/vm/poweroff", nil)
	e.must(200, "POST", "/networks/lab/deactivate", nil)
	got, _ = e.drv.Network(ctx, "lab")
	assert.False(t, got.Active)
	assert.Contains(t, e.must(400, "DELETE", "/networks/lab", nil).reason(t), "KCHNET0017E")
	e.must(204, "DELETE", "/vms/vm", nil)
	e.must(204, "DELETE", "/templates/t", nil)
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

func TestTasksSurviveRestart(t *testing.T) {
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	defer st.Close()
	ctx := context.Background()
	// A task left running by a server with this ID that stopped.
	stale, _ := json.Marshal(kimchi.Task{ID: "41", Status: kimchi.TaskRunning, Target: "/vms/x", Owner: "srv-a"})
	_, err := st.Put(ctx, "kimchi/tasks/00000000000000000041", stale)
	require.NoError(t, err)
	other, _ := json.Marshal(kimchi.Task{ID: "42", Status: kimchi.TaskRunning, Target: "/vms/y", Owner: "srv-b"})
	_, err = st.Put(ctx, "kimchi/tasks/00000000000000000042", other)
	require.NoError(t, err)

	e := startEnv(t, drv, st, kimchi.Options{ServerID: "srv-a"})
	var task kimchi.Task
	e.must(200, "GET", "/tasks/41", nil).json(t, &task)
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "restarted")
	e.must(200, "GET", "/tasks/42", nil).json(t, &task)
	assert.Equal(t, kimchi.TaskRunning, task.Status, "another server's task is its own business")
	assert.Contains(t, e.must(404, "GET", "/tasks/999", nil).reason(t), "WOKASYNC0001E")
	e.must(404, "GET", "/tasks/abc", nil)
	e.must(405, "DELETE", "/tasks/41", nil)

	e.template("t", nil)
	done := e.wait(e.do("POST", "/vms", map[string]any{"name": "v", "template": "/templates/t"}))
	assert.Equal(t, kimchi.TaskFinished, done.Status)
	var list []kimchi.Task
	e.must(200, "GET", "/tasks?status=failed", nil).json(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, "41", list[0].ID)
	// The sequence moves on from the counter, not from what is listed.
	assert.Equal(t, "1", done.ID)
}

func TestConfig(t *testing.T) {
	e := newEnv(t, kimchi.Options{Notice: "using the test hypervisor"})
	var c kimchi.Config
	e.must(200, "GET", "/config", nil).json(t, &c)
	assert.Equal(t, 64667, c.DisplayProxyPort)
	var caps kimchi.Capabilities
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.True(t, caps.Available)
	assert.Equal(t, "TEST", caps.Hypervisor)
	assert.Equal(t, "using the test hypervisor", caps.Notice)
	require.NotNil(t, caps.Screenshot)
	assert.True(t, *caps.Screenshot)
	assert.False(t, caps.Migration)
	e.must(405, "POST", "/config", map[string]any{})
	e.must(404, "GET", "/nothing", nil)
}

func TestUnavailable(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	e := startEnv(t, nil, st, kimchi.Options{Unavailable: "libvirt is not installed"})
	assert.Contains(t, e.must(503, "GET", "/vms", nil).reason(t), "libvirt is not installed")
	assert.Contains(t, e.must(503, "POST", "/templates", map[string]any{"name": "t"}).reason(t), "KCHCONN0001E")
	var caps kimchi.Capabilities
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.False(t, caps.Available)
	assert.Contains(t, caps.Notice, "libvirt is not installed")
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

// TestHypervisorOutage: while the hypervisor's daemon is down every call
// answers 503 at once, templates and tasks (in the store) still answer,
// and when it is back the API works again without a restart.
func TestHypervisorOutage(t *testing.T) {
	lv := libvirttest.StartDaemon(t)
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { drv.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, drv, st, kimchi.Options{})
	e.must(200, "GET", "/vms/test", nil)

	lv.Stop()
	require.Eventually(t, func() bool { return e.do("GET", "/vms", nil).status == 503 }, 5*time.Second, 10*time.Millisecond)
	start := time.Now()
	assert.Contains(t, e.must(503, "GET", "/vms/test", nil).reason(t), "KCHVM0009E")
	e.must(503, "POST", "/vms/test/start", nil)
	assert.Less(t, time.Since(start), 3*time.Second, "no request waits on a dead hypervisor")
	e.must(200, "GET", "/tasks", nil)

	lv.Start(t)
	require.Eventually(t, func() bool { return e.do("GET", "/vms/test", nil).status == 200 }, 15*time.Second, 20*time.Millisecond)
	var vms []kimchi.VM
	e.must(200, "GET", "/vms", nil).json(t, &vms)
	assert.Len(t, vms, 1)
}

// TestHostInterfaces: /interfaces lists what hostnet sees on a host (a
// network namespace with two NICs and a bridge), and bridge and macvtap
// networks are made on them, checked through libvirt.
func TestHostInterfaces(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1")
	require.NoError(t, h.Driver.CreateBridge("br0"))
	require.NoError(t, h.Driver.SetUp("br0", true))
	require.NoError(t, h.Driver.AddAddr("eth0", netip.MustParsePrefix("192.168.100.7/24")))
	e := newEnv(t, kimchi.Options{Links: h.Driver.Links})

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

	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "bridge", "interface": "eth0"}).reason(t), "KCHNET0007E")
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "macvtap", "interface": "br0"}).reason(t), "KCHNET0028E")
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "x", "connection": "macvtap", "interfaces": []string{"eth0", "eth1"}}).reason(t), "KCHNET0030E")
	// A NAT network keeps clear of the host's own subnets.
	e.must(201, "POST", "/networks", map[string]any{"name": "nat", "connection": "nat"}).json(t, &n)
	assert.Equal(t, "192.168.101.1/24", n.Subnet, "192.168.100.0/24 is eth0's")
}

// TestConcurrentCreates: 16 clients create VMs, some asking for the same
// names: each name ends up as one domain, every accepted task finishes,
// every refusal is KCHVM0001E.
func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", map[string]any{"disks": []any{map[string]any{"index": 0, "volume": "base.img"}}})
	names := make(chan string, 64)
	for i := range 64 {
		names <- fmt.Sprintf("c%02d", i%40) // 24 names asked for twice
	}
	close(names)
	var mu sync.Mutex
	var tasks []string
	refused := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range names {
				r := e.do("POST", "/vms", map[string]any{"name": n, "template": "/templates/t"})
				mu.Lock()
				switch r.status {
				case 202:
					var task kimchi.Task
					r.json(t, &task)
					tasks = append(tasks, task.ID)
				case 400:
					assert.Contains(t, r.reason(t), "KCHVM0001E")
					refused++
				default:
					t.Errorf("POST /vms %s: %d %s", n, r.status, r.body)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, id := range tasks {
		assert.False(t, ids[id], "task id %s handed out twice", id)
		ids[id] = true
		task, err := e.svc.WaitTask(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	}
	assert.Len(t, tasks, 40)
	assert.Equal(t, 24, refused)
	doms, err := e.drv.Domains(context.Background())
	require.NoError(t, err)
	assert.Len(t, doms, 40)
}

// TestTwoServers: two services on one store and one hypervisor (as two
// servers on one etcd would be): templates made through one are used by
// the other, task ids never collide, and each answers for the other's
// tasks.
func TestTwoServers(t *testing.T) {
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	defer st.Close()
	a := startEnv(t, drv, st, kimchi.Options{ServerID: "a"})
	b := startEnv(t, drv, st, kimchi.Options{ServerID: "b"})
	a.template("shared", map[string]any{"disks": []any{map[string]any{"index": 0, "volume": "base.img"}}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := a
			if i%2 == 1 {
				e = b
			}
			r := e.do("POST", "/vms", map[string]any{"name": fmt.Sprintf("vm%d", i), "template": "/templates/shared"})
			var task kimchi.Task
			r.json(t, &task)
			mu.Lock()
			defer mu.Unlock()
			assert.False(t, ids[task.ID], "task %s from two servers", task.ID)
			ids[task.ID] = true
		}()
	}
	wg.Wait()
	require.Len(t, ids, 20)
	for id := range ids {
		task, err := b.svc.WaitTask(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, kimchi.TaskFinished, task.Status)
	}
	var vms []kimchi.VM
	a.must(200, "GET", "/vms", nil).json(t, &vms)
	assert.Len(t, vms, 20)
}
