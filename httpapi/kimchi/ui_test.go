package kimchi_test

// What Kimchi's own UI sends (kimchi.api.js and the pages that call it),
// call for call, and what it reads of the answers.

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
)

// TestUIIfaces: the guest's interface dialog leaves the MAC blank to let
// Kimchi pick one, and changes the MAC of a shut-off guest.
func TestUIIfaces(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	e.vm("vm", "t")
	var i kimchi.Iface
	e.must(201, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "model": "virtio", "mac": ""}).json(t, &i)
	require.Regexp(t, `^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$`, i.MAC, "a MAC picked")
	assert.Equal(t, "virtio", i.Model)

	var changed kimchi.Iface
	e.must(200, "PUT", "/vms/vm/ifaces/"+i.MAC, map[string]any{"mac": "52:54:00:12:34:56"}).json(t, &changed)
	assert.Equal(t, kimchi.Iface{Type: "network", Network: "default", MAC: "52:54:00:12:34:56", Model: "virtio"}, changed)
	e.must(404, "GET", "/vms/vm/ifaces/"+i.MAC, nil)
	e.must(200, "GET", "/vms/vm/ifaces/52:54:00:12:34:56", nil)
	var ifs []kimchi.Iface
	e.must(200, "GET", "/vms/vm/ifaces", nil).json(t, &ifs)
	assert.Len(t, ifs, 2, "replaced, not added")

	// Another interface's MAC, and a running guest, are refused.
	assert.Contains(t, e.must(400, "PUT", "/vms/vm/ifaces/52:54:00:12:34:56", map[string]any{"mac": ifs[0].MAC}).reason(t), "KCHVMIF0009E")
	e.must(200, "POST", "/vms/vm/start", nil)
	assert.Contains(t, e.must(400, "PUT", "/vms/vm/ifaces/52:54:00:12:34:56", map[string]any{"mac": "52:54:00:65:43:21"}).reason(t), "KCHVMIF0011E")
}

// uiChunk PUTs one upload chunk as a browser's FormData sends it: the
// chunk first, then chunk_size.
func (e *env) uiChunk(path string, data []byte) resp {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("chunk", "blob")
	fw.Write(data)
	mw.WriteField("chunk_size", fmt.Sprint(len(data)))
	mw.Close()
	r := apitest.Client{T: e.t, URL: e.base}.With("Content-Type", mw.FormDataContentType()).Do("PUT", path, body.Bytes())
	return resp{status: r.Status, header: r.Header, body: r.Body}
}

// TestIntegrationUIUpload: the storage page's upload, as
// kimchi.storagepool_add_volume_main.js does it — a volume made with
// format "", the task watched until it says "ready for upload", found by
// the pool page's task filter, then 8 MiB chunks in FormData's order.
func TestIntegrationUIUpload(t *testing.T) {
	e, dir := storageEnv(t, kimchi.Options{})
	data := make([]byte, 8<<20+8<<20+4321)
	rand.Read(data)
	var task kimchi.Task
	e.must(202, "POST", "/storagepools/images/storagevolumes",
		map[string]any{"name": "disk.iso", "format": "", "capacity": len(data), "upload": true}).json(t, &task)
	e.must(200, "GET", "/tasks/"+task.ID, nil).json(t, &task)
	require.Equal(t, kimchi.TaskRunning, task.Status)
	require.Equal(t, "ready for upload", task.Message, "the page sends nothing until the task says so")

	var running []kimchi.Task
	e.must(200, "GET", "/tasks?status=running&target_uri="+url.QueryEscape("^/plugins/kimchi/storagepools/images/*"), nil).json(t, &running)
	require.Len(t, running, 1, "the pool page's filter is a regular expression")
	assert.Equal(t, task.ID, running[0].ID)
	e.must(200, "GET", "/tasks?status=running&target_uri="+url.QueryEscape("^/plugins/kimchi/storagepools/other/*"), nil).json(t, &running)
	assert.Empty(t, running)

	const chunk = 8 << 20
	for off := 0; off < len(data); off += chunk {
		r := e.uiChunk("/storagepools/images/storagevolumes/disk.iso", data[off:min(off+chunk, len(data))])
		require.Equal(t, 204, r.status, string(r.body))
	}
	task, err := e.svc.WaitTask(context.Background(), task.ID)
	require.NoError(t, err)
	assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	got, err := os.ReadFile(filepath.Join(dir, "disk.iso"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got))

	// In that order too, a chunk_size that is not the chunk's ends it.
	e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "bad.img", "capacity": 10, "upload": true})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("chunk", "blob")
	fw.Write([]byte{1, 2, 3})
	mw.WriteField("chunk_size", "5")
	mw.Close()
	r := apitest.Client{T: t, URL: e.base}.With("Content-Type", mw.FormDataContentType()).Do("PUT", "/storagepools/images/storagevolumes/bad.img", body.Bytes())
	assert.Equal(t, 400, r.Status)
	assert.Contains(t, r.Text(), "KCHVOL0026E")
	left, _ := filepath.Glob(filepath.Join(dir, ".kimchi-upload-*"))
	assert.Empty(t, left)
}

// TestUITemplatesWithoutName: the template page sends no name — Kimchi
// makes one — and a CD-ROM that is a local ISO or a URL.
func TestUITemplatesWithoutName(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"os_distro": "debian", "os_version": "12", "cdrom": "http://mirror.example/debian-12.iso"}).json(t, &tm)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, tm.Name,
		"the ISO was not probed: a UUID, as Kimchi names it then")
	assert.Equal(t, "http://mirror.example/debian-12.iso", tm.CDROM)
	assert.Equal(t, "debian", tm.OSDistro)
	var again kimchi.Template
	e.must(200, "GET", "/templates/"+tm.Name, nil).json(t, &again)
	assert.Empty(t, again.Invalid, "a remote ISO is not looked for on this host")

	// A VM from it streams the ISO.
	e.vm("net", tm.Name)
	dom, err := e.drv.Domain(context.Background(), "net")
	require.NoError(t, err)
	var cdrom string
	for _, d := range dom.Disks {
		if d.Type == "cdrom" {
			cdrom = d.Path
		}
	}
	assert.Equal(t, "http://mirror.example/debian-12.iso", cdrom)

	// A local ISO is probed: its distribution names the template.
	dir := t.TempDir()
	e.must(201, "POST", "/storagepools", map[string]any{"name": "isos", "type": "dir", "path": dir})
	e.must(200, "POST", "/storagepools/isos/activate", nil)
	iso := filepath.Join(dir, "debian.iso")
	require.NoError(t, os.WriteFile(iso, isoImage("Debian 12.4.0 amd64 n"), 0o644))
	e.must(201, "POST", "/templates", map[string]any{"cdrom": iso}).json(t, &tm)
	assert.Regexp(t, `^debian12\.4\.0\.[0-9]{13}$`, tm.Name)
	assert.Equal(t, "debian", tm.OSDistro)
	assert.Equal(t, "12.4.0", tm.OSVersion)

	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"cdrom": "gopher://x/y.iso"}).reason(t), "KCHTMPL0014E")
}

// isoImage is the smallest ISO 9660 image with a volume id: system area,
// primary volume descriptor, terminator.
func isoImage(volumeID string) []byte {
	const sector = 2048
	img := make([]byte, 18*sector)
	pvd := img[16*sector:]
	pvd[0], pvd[6] = 1, 1
	copy(pvd[1:6], "CD001")
	copy(pvd[40:72], fmt.Sprintf("%-32s", volumeID))
	term := img[17*sector:]
	term[0], term[6] = 255, 1
	copy(term[1:6], "CD001")
	return img
}

// TestUIUpdateVMAllOrNothing: the guest edit dialog sends every field at
// once; an update that fails changes none of them.
func TestUIUpdateVMAllOrNothing(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	before := e.vm("vm", "t")
	e.vm("other", "t")
	r := e.must(400, "PUT", "/vms/vm", map[string]any{"name": "other", "memory": 3072, "cpus": 3})
	assert.Contains(t, r.reason(t), "KCHVM0003E")
	var after kimchi.VM
	e.must(200, "GET", "/vms/vm", nil).json(t, &after)
	assert.Equal(t, before.Memory, after.Memory, "memory unchanged")
	assert.Equal(t, before.CPUs, after.CPUs, "cpus unchanged")

	// The same without the clash: all of it.
	e.must(303, "PUT", "/vms/vm", map[string]any{"name": "renamed", "memory": 3072, "cpus": 3})
	e.must(200, "GET", "/vms/renamed", nil).json(t, &after)
	assert.Equal(t, 3072, after.Memory)
	assert.Equal(t, 3, after.CPUs)
}

// TestUIMessageCodes: Kimchi 1.5's codes and words, and none that
// neither Kimchi nor Wok has.
func TestUIMessageCodes(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	assert.Equal(t, "The path '/plugins/kimchi/nothing' was not found.", e.must(404, "GET", "/nothing", nil).reason(t))
	assert.Contains(t, e.must(404, "GET", "/templates/nope", nil).reason(t), "KCHOBJST0001E: Unable to find nope in datastore")
	assert.Contains(t, e.must(405, "DELETE", "/vms", nil).reason(t), "KCHAPI0002E: Delete is not allowed for")
	assert.Contains(t, e.must(405, "POST", "/vms/x", map[string]any{}).reason(t), "KCHAPI0005E: Create is not allowed for")
	assert.Contains(t, e.must(405, "PUT", "/vms", map[string]any{}).reason(t), "KCHAPI0003E")
	assert.Contains(t, e.must(400, "POST", "/templates", "{").reason(t), "KCHAPI0006E")
	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"nme": "x"}).reason(t), `KCHAPI0001E: Unknown parameter "nme"`)
	assert.Contains(t, e.must(400, "POST", "/debugreports", map[string]any{"name": "a b"}).reason(t), "KCHDR0007E")
}

// TestUIUnnamedReports: the host page's debug report has no name; two of
// them in a row are two reports, named as Kimchi names them.
func TestUIUnnamedReports(t *testing.T) {
	e := newEnv(t, kimchi.Options{DebugReportDir: t.TempDir()})
	a := e.wait(e.do("POST", "/debugreports", nil))
	b := e.wait(e.do("POST", "/debugreports", map[string]any{}))
	require.Equal(t, kimchi.TaskFinished, a.Status, a.Message)
	require.Equal(t, kimchi.TaskFinished, b.Status, b.Message)
	assert.Regexp(t, `^/plugins/kimchi/debugreports/report-[0-9]{13}$`, a.Target)
	assert.NotEqual(t, a.Target, b.Target)
	var list []kimchi.DebugReport
	e.must(200, "GET", "/debugreports", nil).json(t, &list)
	assert.Len(t, list, 2)
}

// TestUIDistros: the template page offers distributions out of the box,
// as Kimchi does; a program may offer its own, or none.
func TestUIDistros(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	var ds []kimchi.Distro
	e.must(200, "GET", "/config/distros", nil).json(t, &ds)
	require.NotEmpty(t, ds)
	for _, d := range ds {
		assert.NotEmpty(t, d.Name)
		assert.NotEqual(t, "unknown", d.OSDistro)
		assert.Regexp(t, `^https://[^/]+/.+\.iso$`, d.Path, d.Name)
		var one kimchi.Distro
		e.must(200, "GET", "/config/distros/"+url.PathEscape(d.Name), nil).json(t, &one)
		assert.Equal(t, d, one)
	}
	none := newEnv(t, kimchi.Options{Distros: []kimchi.Distro{}})
	none.must(200, "GET", "/config/distros", nil).json(t, &ds)
	assert.Empty(t, ds)
}

// TestUIFirstTemplate: on libvirt's stock test hypervisor (the server's
// fallback), whose pool is "default-pool", a newcomer's first template —
// no pool named, as the UI sends it — works once the defaults are made
// as the server makes them at start, and a VM comes from it.
func TestUIFirstTemplate(t *testing.T) {
	d, err := libvirt.Open("test:///default", libvirt.Options{})
	if err != nil {
		t.Skipf("libvirt test driver unavailable (needs cgo and libvirt0): %v", err)
	}
	t.Cleanup(func() { d.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, d, st, kimchi.Options{DefaultPoolPath: t.TempDir()})
	require.NoError(t, e.svc.EnsureDefaults(context.Background()))
	require.NoError(t, e.svc.EnsureDefaults(context.Background()), "twice: nothing to do")
	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"name": "first", "memory": 512}).json(t, &tm)
	assert.Equal(t, "/storagepools/default", tm.StoragePool)
	assert.Empty(t, tm.Invalid)
	e.vm("first-vm", "first")
	e.must(204, "DELETE", "/vms/first-vm", nil)
}

// TestUIValidation: requests checked as Kimchi's API.json checks them,
// each field answered with its own code.
func TestUIValidation(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	e.vm("vm", "t")
	for _, c := range []struct {
		method, path string
		body         map[string]any
		code         string
	}{
		{"POST", "/templates", map[string]any{"name": "x", "memory": "1024"}, "KCHTMPL0013E"},
		{"POST", "/templates", map[string]any{"name": "x", "cpus": "2"}, "KCHTMPL0012E"},
		{"POST", "/templates", map[string]any{"name": "x", "disks": []any{}}, "KCHTMPL0033E"},
		{"POST", "/templates", map[string]any{"name": "x", "disks": []any{map[string]any{"index": 0, "size": "10"}}}, "KCHTMPL0022E"},
		{"POST", "/templates", map[string]any{"name": " x"}, "KCHTMPL0008E"},
		{"POST", "/templates", map[string]any{"name": "x", "graphics": map[string]any{"type": 5}}, "KCHVM0014E"},
		{"POST", "/templates", map[string]any{"name": "x", "cpu_info": map[string]any{"topology": map[string]any{"sockets": "1"}}}, "KCHTMPL0026E"},
		{"PUT", "/vms/vm", map[string]any{"memory": 256}, "KCHTMPL0013E"},
		{"PUT", "/vms/vm", map[string]any{"memory": "1024"}, "KCHTMPL0013E"},
		{"PUT", "/vms/vm", map[string]any{"icon": "javascript:alert(1)"}, "KCHTMPL0009E"},
		{"PUT", "/vms/vm", map[string]any{"graphics": map[string]any{"passwd": 1}}, "KCHVM0031E"},
		{"POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": 1}, "KCHVMIF0005E"},
		{"POST", "/networks", map[string]any{"name": "n", "connection": "nat", "vlan_id": "5"}, "KCHNET0015E"},
		{"POST", "/storagepools", map[string]any{"name": "p", "type": "dir", "path": 5}, "KCHPOOL0018E"},
		{"POST", "/storagepools/default/storagevolumes", map[string]any{"name": "v", "capacity": "1"}, "KCHVOL0020E"},
		{"POST", "/storagepools/default/storagevolumes", map[string]any{"name": "v", "capacity": 1024, "allocation": 4096}, "KCHVOL0014E"},
	} {
		assert.Contains(t, e.must(400, c.method, c.path, c.body).reason(t), c.code+":", "%s %s %v", c.method, c.path, c.body)
	}
	var vm kimchi.VM
	e.must(200, "GET", "/vms/vm", nil).json(t, &vm)
	assert.Empty(t, vm.Icon, "nothing stored")

	// What API.json allows: an icon under the UI's path, an allocation,
	// a CD-ROM ejected with an empty path.
	e.must(200, "PUT", "/vms/vm", map[string]any{"icon": "plugins/kimchi/images/icon-debian.png"})
	task := e.wait(e.do("POST", "/storagepools/default/storagevolumes", map[string]any{"name": "v.img", "capacity": 1 << 20, "allocation": 4096, "format": "raw"}))
	assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	ctx := context.Background()
	iso, err := e.drv.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "e.iso", Capacity: 1 << 20, Format: "raw"})
	require.NoError(t, err)
	var cd kimchi.Storage
	e.must(201, "POST", "/vms/vm/storages", map[string]any{"type": "cdrom", "path": iso.Path}).json(t, &cd)
	e.must(200, "PUT", "/vms/vm/storages/"+cd.Dev, map[string]any{"path": ""}).json(t, &cd)
	assert.Empty(t, cd.Path, "ejected")
	assert.Contains(t, e.must(400, "PUT", "/vms/vm/storages/"+cd.Dev, map[string]any{}).reason(t), "KCHVMSTOR0013E")

	// Unknown fields: refused where API.json forbids additional
	// properties (a VM's or a template's update, a CD-ROM's), ignored
	// where it does not (an interface, as the guest page adds one with
	// its IP column's text; a network, a pool).
	for _, c := range []struct{ method, path string }{{"PUT", "/vms/vm"}, {"PUT", "/templates/t"}, {"PUT", "/vms/vm/storages/" + cd.Dev}} {
		assert.Contains(t, e.must(400, c.method, c.path, map[string]any{"bogus": 1}).reason(t), "KCHAPI0001E", c.path)
	}
	e.must(201, "POST", "/vms/vm/ifaces", map[string]any{"type": "network", "network": "default", "ips": ""})
	e.must(201, "POST", "/networks", map[string]any{"name": "n1", "connection": "isolated", "interfaces": []any{nil}, "bogus": 1})
}

// TestUIBridgeOnNIC: the network page's "bridged" network on a NIC, as
// Kimchi makes it — macvtap on the NIC, or with a VLAN id a VLAN device in
// a bridge of its own on the host, gone with the network — and refused
// when the program does not let Kimchi change the host.
func TestUIBridgeOnNIC(t *testing.T) {
	h := hostnettest.NewFake("h", "eth0", "eth1")
	e := newEnv(t, kimchi.Options{HostBridges: h})
	ctx := context.Background()

	var n kimchi.Network
	e.must(201, "POST", "/networks", map[string]any{"name": "plain", "connection": "bridge", "interface": "eth0"}).json(t, &n)
	assert.Equal(t, "macvtap", n.Connection)
	got, err := e.drv.Network(ctx, "plain")
	require.NoError(t, err)
	assert.Equal(t, "eth0", got.Interface)

	e.must(201, "POST", "/networks", map[string]any{"name": "tagged", "connection": "bridge", "interface": "eth1", "vlan_id": 10}).json(t, &n)
	assert.Equal(t, "bridge", n.Connection)
	assert.Equal(t, "kimchi-eth1-10", n.Interface)
	br, err := h.Link("kimchi-eth1-10")
	require.NoError(t, err, "the bridge is on the host")
	assert.Equal(t, hostnet.KindBridge, br.Kind)
	vlan, err := h.Link("eth1.10")
	require.NoError(t, err)
	assert.Equal(t, "kimchi-eth1-10", vlan.Master)
	assert.Equal(t, &hostnet.VLANInfo{ID: 10, Parent: "eth1"}, vlan.VLAN)
	got, err = e.drv.Network(ctx, "tagged")
	require.NoError(t, err)
	assert.Equal(t, "kimchi-eth1-10", got.Bridge)

	// The same again is refused, and changes nothing on the host.
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "again", "connection": "bridge", "interface": "eth1", "vlan_id": 10}).reason(t), "KCHNET0006E")

	e.must(200, "POST", "/networks/tagged/deactivate", nil)
	e.must(204, "DELETE", "/networks/tagged", nil)
	_, err = h.Link("kimchi-eth1-10")
	assert.Error(t, err, "gone with the network")
	_, err = h.Link("eth1.10")
	assert.Error(t, err)

	// A network that fails to be defined leaves nothing on the host.
	assert.Contains(t, e.must(400, "POST", "/networks", map[string]any{"name": "plain", "connection": "bridge", "interface": "eth1", "vlan_id": 11}).reason(t), "KCHNET0001E")
	_, err = h.Link("kimchi-eth1-11")
	assert.Error(t, err)

	// Without the program's leave, the host is not changed.
	ro := newEnv(t, kimchi.Options{Links: h.Links})
	assert.Contains(t, ro.must(400, "POST", "/networks", map[string]any{"name": "t", "connection": "bridge", "interface": "eth1", "vlan_id": 12}).reason(t), "KCHNET0010E")
	_, err = h.Link("kimchi-eth1-12")
	assert.Error(t, err)
}

// TestIntegrationUIUploadLeftovers: an upload a killed server left is
// cleaned at its next start even when its pool is no longer active or
// defined — wherever this server wrote.
func TestIntegrationUIUploadLeftovers(t *testing.T) {
	e, dir := storageEnv(t, kimchi.Options{ServerID: "srv-a"})
	e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "big.iso", "capacity": 1 << 20, "upload": true})
	left, _ := filepath.Glob(filepath.Join(dir, ".kimchi-upload-srv-a-*"))
	require.Len(t, left, 1)
	// As if killed: the file stays, and the pool goes away before the
	// next start.
	kept := filepath.Join(dir, ".kimchi-upload-srv-a-000000-other.iso")
	require.NoError(t, os.WriteFile(kept, []byte("partial"), 0o644))
	e.must(200, "POST", "/storagepools/images/deactivate", nil)
	e.must(204, "DELETE", "/storagepools/images", nil)

	startEnv(t, e.drv, e.st, kimchi.Options{ServerID: "srv-a"})
	_, err := os.Stat(kept)
	assert.True(t, os.IsNotExist(err), "removed though its pool is gone")
}

// TestIntegrationUIISCSIChap: an iSCSI pool with a CHAP login, as the
// storage page adds one, is defined with the password in libvirt's
// secret store; the pool shows the username only.
func TestIntegrationUIISCSIChap(t *testing.T) {
	e, _ := storageEnv(t, kimchi.Options{})
	pool := func(auth map[string]any) map[string]any {
		return map[string]any{"name": "san", "type": "iscsi", "source": map[string]any{
			"host": "192.0.2.10", "target": "iqn.2026-12.org.example:san", "auth": auth}}
	}
	for _, c := range []struct {
		auth map[string]any
		code string
	}{
		{map[string]any{"password": "x"}, "KCHPOOL0024E"},
		{map[string]any{"username": "alice"}, "KCHPOOL0025E"},
		{map[string]any{"username": 7, "password": "x"}, "KCHPOOL0024E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/storagepools", pool(c.auth)).reason(t), c.code, "%v", c.auth)
	}
	r := e.must(201, "POST", "/storagepools", pool(map[string]any{"username": "alice", "password": "s3cret-chap"}))
	assert.NotContains(t, string(r.body), "s3cret-chap")
	var p kimchi.StoragePool
	r.json(t, &p)
	require.NotNil(t, p.Source.Auth)
	assert.Equal(t, "alice", p.Source.Auth.Username)
	assert.Equal(t, "iqn.2026-12.org.example:san", p.Source.Target)
	e.must(204, "DELETE", "/storagepools/san", nil)
	// Defined again after removal: the old secret does not stand in the way.
	e.must(201, "POST", "/storagepools", pool(map[string]any{"username": "bob", "password": "other"}))
}

// qcow2Header is the start of a qcow2 image of a virtual size.
func qcow2Header(size uint64) []byte {
	h := make([]byte, 512)
	copy(h, "QFI\xfb")
	h[7] = 3 // version
	for i := range 8 {
		h[24+i] = byte(size >> (56 - 8*i))
	}
	return h
}

// TestUITemplateBaseImage: a template's disk from a base image, as the
// template page makes one from an image file — its size the image's,
// each VM's disk a qcow2 volume on it — and a base outside the pools is
// refused as a CD-ROM outside them is.
func TestUITemplateBaseImage(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	ctx := context.Background()
	pool, err := e.drv.Pool(ctx, "default")
	require.NoError(t, err)
	base := filepath.Join(pool.Path, "debian-12.qcow2")
	require.NoError(t, os.WriteFile(base, qcow2Header(3<<30+1), 0o644))

	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"name": "b", "disks": []any{map[string]any{"index": 0, "base": base}}}).json(t, &tm)
	require.Len(t, tm.Disks, 1)
	assert.Equal(t, base, tm.Disks[0].Base)
	assert.Equal(t, 4, tm.Disks[0].Size, "the image's 3 GiB and a byte, rounded up")
	e.vm("on-base", "b")
	dom, err := e.drv.Domain(ctx, "on-base")
	require.NoError(t, err)
	require.NotEmpty(t, dom.Disks)
	assert.Equal(t, "qcow2", dom.Disks[0].Format)

	outside := filepath.Join(t.TempDir(), "x.qcow2")
	require.NoError(t, os.WriteFile(outside, qcow2Header(1<<30), 0o644))
	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"name": "o", "disks": []any{map[string]any{"index": 0, "base": outside}}}).reason(t), "KCHIMG0004E")
	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"name": "r", "disks": []any{map[string]any{"index": 0, "base": "relative.img"}}}).reason(t), "KCHTMPL0023E")
}

// TestIntegrationUIDeepScan: the template page's deep scan, as the UI
// runs it — a kimchi-iso pool named iso<ms>, its task polled while its
// volumes are listed — finds the ISO images under the path (not those
// already in a pool, not files that only look like one), and a template
// can be made of one. Deleting the pool or starting again removes it.
func TestIntegrationUIDeepScan(t *testing.T) {
	scans := t.TempDir()
	// The daemon (nobody) follows the links from there.
	require.NoError(t, os.Chmod(scans, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(scans), 0o755))
	e, images := storageEnv(t, kimchi.Options{ScanDir: scans})
	tree := filepath.Join(filepath.Dir(images), "tree") // the daemon's, which it may read
	for path, data := range map[string][]byte{
		"a/b/debian.iso":        isoImage("Debian 12.4.0 amd64 n"),
		"c/debian.iso":          isoImage("Debian 11.9.0 amd64 n"),
		"c/FEDORA.ISO":          isoImage("Fedora-S-dvd-x86_64-41"),
		"c/fake.iso":            []byte("not an image"),
		"c/notes.txt":           []byte("notes"),
		"../images/already.iso": isoImage("Debian 12"),
	} {
		p := filepath.Join(tree, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	var p kimchi.StoragePool
	e.must(201, "POST", "/storagepools", map[string]any{"name": "iso1765080000000", "type": "kimchi-iso", "path": tree}).json(t, &p)
	require.NotEmpty(t, p.TaskID, "the UI polls the scan's task")
	assert.Equal(t, "active", p.State, "the UI lists its volumes while the task runs")
	task, err := e.svc.WaitTask(context.Background(), p.TaskID)
	require.NoError(t, err)
	assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	var tasks []kimchi.Task
	e.must(200, "GET", "/tasks?target_uri=^/plugins/kimchi/storagepools/kimchi_isos", nil).json(t, &tasks)
	require.Len(t, tasks, 1)

	var vols []kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/iso1765080000000/storagevolumes", nil).json(t, &vols)
	found := map[string]kimchi.StorageVolume{}
	for _, v := range vols {
		found[v.Name] = v
	}
	require.ElementsMatch(t, []string{"debian.iso", "debian-2.iso", "FEDORA.ISO"}, slices.Collect(maps.Keys(found)),
		"not the file that is no image, nor the image already in a pool")
	for _, v := range vols {
		assert.Equal(t, "iso", v.Format, v.Name)
		assert.Equal(t, filepath.Dir(v.Path), filepath.Clean(p.Path), v.Name)
	}
	var isos []kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/kimchi_isos/storagevolumes", nil).json(t, &isos)
	assert.Len(t, isos, 3, "kimchi_isos shows what the scan found")

	// A template of a found image, as the template page makes it.
	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"cdrom": found["FEDORA.ISO"].Path, "networks": []string{}, "storagepool": "/plugins/kimchi/storagepools/images"}).json(t, &tm) // this daemon has no networks
	assert.Equal(t, "fedora", tm.OSDistro)
	// A link someone else planted there is no image the scan found.
	planted := filepath.Join(p.Path, "planted.iso")
	require.NoError(t, os.Symlink("/etc/hostname", planted))
	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"name": "p", "cdrom": planted, "networks": []string{}, "storagepool": "/plugins/kimchi/storagepools/images"}).reason(t), "KCHTMPL0002E")

	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"name": "s2", "type": "kimchi-iso", "path": filepath.Join(tree, "nowhere")}, "KCHPOOL0018E"},
		{map[string]any{"name": "s2", "type": "kimchi-iso", "path": filepath.Join(tree, "c", "notes.txt")}, "KCHPOOL0018E"},
		{map[string]any{"name": "s2", "type": "kimchi-iso", "path": "relative"}, "KCHPOOL0018E"},
		{map[string]any{"name": "iso1765080000000", "type": "kimchi-iso", "path": tree}, "KCHPOOL0001E"},
		{map[string]any{"name": "kimchi_isos", "type": "kimchi-iso", "path": tree}, "KCHPOOL0031E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/storagepools", c.body).reason(t), c.code, "%v", c.body)
	}

	// Deleted as the storage page deletes a pool: its directory goes.
	e.must(204, "DELETE", "/templates/"+tm.Name, nil)
	e.must(200, "POST", "/storagepools/iso1765080000000/deactivate", nil)
	e.must(204, "DELETE", "/storagepools/iso1765080000000", nil)
	_, err = os.Stat(p.Path)
	assert.True(t, os.IsNotExist(err), "the scan's directory is removed")

	// The UI's own body, the whole host: a pool deleted stops its scan.
	e.must(201, "POST", "/storagepools", map[string]any{"name": "iso1765080000001", "type": "kimchi-iso", "path": "/"}).json(t, &p)
	e.must(200, "POST", "/storagepools/iso1765080000001/deactivate", nil)
	e.must(204, "DELETE", "/storagepools/iso1765080000001", nil)
	task, err = e.svc.WaitTask(context.Background(), p.TaskID)
	require.NoError(t, err)
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "KCHPOOL0002E")

	// A scan lasts until the server starts again.
	e.must(201, "POST", "/storagepools", map[string]any{"name": "iso1765080000002", "type": "kimchi-iso", "path": tree}).json(t, &p)
	_, err = e.svc.WaitTask(context.Background(), p.TaskID)
	require.NoError(t, err)
	startEnv(t, e.drv, e.st, kimchi.Options{ScanDir: scans})
	_, err = e.drv.Pool(context.Background(), "iso1765080000002")
	assert.ErrorIs(t, err, virt.ErrNotFound)
	left, _ := os.ReadDir(scans)
	assert.Empty(t, left)
}

// slowUpdate is HostActions whose update reports progress and waits to be
// let go.
type slowUpdate struct {
	kimchi.RefuseHostActions
	release chan struct{}
}

func (u slowUpdate) Update(ctx context.Context, progress func(string)) error {
	progress("Setting up 5 of 9 packages")
	<-u.release
	return nil
}

// TestUIUpdateProgress: the host page, finding an update under way, polls
// /host/swupdateprogress's task; it relays the update's messages and ends
// with it.
func TestUIUpdateProgress(t *testing.T) {
	u := slowUpdate{release: make(chan struct{})}
	e := newEnv(t, kimchi.Options{HostActions: u})
	var update kimchi.Task
	e.must(202, "POST", "/host/swupdate", nil).json(t, &update)
	var progress kimchi.Task
	e.must(202, "GET", "/host/swupdateprogress", nil).json(t, &progress)
	require.Eventually(t, func() bool {
		e.must(200, "GET", "/tasks/"+progress.ID, nil).json(t, &progress)
		return progress.Message == "Setting up 5 of 9 packages"
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, kimchi.TaskRunning, progress.Status)
	close(u.release)
	progress, err := e.svc.WaitTask(context.Background(), progress.ID)
	require.NoError(t, err)
	assert.Equal(t, kimchi.TaskFinished, progress.Status)
}

// TestUIGraphicsPasswordRunning: the console password of a running VM is
// changed live, as Kimchi changes it; libvirt's test hypervisor cannot, so
// there the update is refused saying so, and changes nothing — not even
// the definition the next boot would use. (On QEMU the live change is
// libvirt's; the QEMU tier covers it.)
func TestUIGraphicsPasswordRunning(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.template("t", nil)
	e.vm("vm", "t")
	e.must(200, "PUT", "/vms/vm", map[string]any{"graphics": map[string]any{"passwd": "before"}})
	e.must(200, "POST", "/vms/vm/start", nil)
	var before kimchi.VM
	e.must(200, "GET", "/vms/vm", nil).json(t, &before)
	reason := e.must(400, "PUT", "/vms/vm", map[string]any{"memory": 1024, "graphics": map[string]any{"passwd": "after", "passwdValidTo": 60}}).reason(t)
	assert.Contains(t, reason, "KCHVM0008E")
	assert.Contains(t, reason, "not supported")
	var vm kimchi.VM
	e.must(200, "GET", "/vms/vm", nil).json(t, &vm)
	assert.Equal(t, "before", vm.Graphics.Passwd)
	assert.Equal(t, before.Memory, vm.Memory, "the memory asked for with it is put back")
}
