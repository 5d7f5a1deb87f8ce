package kimchi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/virt"
)

// The tests here replay, call for call, what Kimchi's own UI sends
// (ui/js/src/kimchi.api.js and the pages that call it) for each of its
// flows, against the handler mounted as Wok mounts Kimchi, and check the
// fields of the answers the UI goes on to read.

// browser sends requests as kimchi.api.js does through jQuery: paths
// relative to the server's root ("plugins/kimchi/vms", Wok's "tasks/1"),
// a JSON content type on every request — an action with no body too —
// and JSON accepted.
type browser struct {
	t    *testing.T
	root string
}

// uiBrowser serves e's service as Wok serves Kimchi — the API under
// /plugins/kimchi/, tasks at /tasks — and returns a browser on it.
func uiBrowser(t *testing.T, e *env) browser {
	h := kimchi.NewHandler(e.svc, kimchi.HandlerOptions{})
	mux := http.NewServeMux()
	httpapi.Mount(mux, h)
	mux.Handle("/tasks", h.WokTasks())
	mux.Handle("/tasks/", h.WokTasks())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return browser{t: t, root: srv.URL + "/"}
}

// send is one request; body nil sends none (data left out), headers are
// pairs.
func (b browser) send(method, path string, body any, headers ...string) resp {
	b.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		j, err := json.Marshal(body)
		require.NoError(b.t, err)
		rd = bytes.NewReader(j)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, b.root+path, rd)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/javascript, */*; q=0.01")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b browser) do(req *http.Request) resp {
	b.t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: buf.Bytes()}
}

// ok sends a request the UI expects to succeed (jQuery's success: any
// 2xx) and decodes the answer into v (nil: not read).
func (b browser) ok(method, path string, body, v any, headers ...string) resp {
	b.t.Helper()
	r := b.send(method, path, body, headers...)
	require.True(b.t, r.status >= 200 && r.status < 300, "%s %s: %d %s", method, path, r.status, r.body)
	if v != nil {
		r.json(b.t, v)
	}
	return r
}

// fields decodes an object answer as the UI's JavaScript sees it.
func (b browser) fields(method, path string, body any, headers ...string) map[string]any {
	b.t.Helper()
	var m map[string]any
	b.ok(method, path, body, &m, headers...)
	return m
}

// list decodes an array answer.
func (b browser) list(path string, headers ...string) []map[string]any {
	b.t.Helper()
	var l []map[string]any
	b.ok("GET", path, nil, &l, headers...)
	return l
}

// track polls a task as kimchi.trackTask does (GET tasks/<id> at Wok's
// root) until it is no longer running; until, when set, stops on a
// running task it accepts.
func (b browser) track(id string, until func(task map[string]any) bool) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		task := b.fields("GET", "tasks/"+url.PathEscape(id), nil)
		if task["status"] != "running" || until != nil && until(task) {
			return task
		}
		require.True(b.t, time.Now().Before(deadline), "task %s still running: %v", id, task)
		time.Sleep(10 * time.Millisecond)
	}
}

// has asserts that an answer carries the fields the UI reads.
func has(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		assert.Contains(t, m, k, "the UI reads %q", k)
	}
}

func names(l []map[string]any) []string {
	var out []string
	for _, m := range l {
		out = append(out, fmt.Sprint(m["name"]))
	}
	return out
}

// TestUIFlowGuests is the templates and guests tabs: a template from an
// ISO the host has (and from a path, a URL, an image), a guest made of it,
// started, stopped and edited; its interfaces, CD-ROMs, snapshots; a clone;
// its removal.
func TestUIFlowGuests(t *testing.T) {
	e := newEnv(t, kimchi.Options{DefaultPoolPath: t.TempDir()})
	require.NoError(t, e.svc.EnsureDefaults(context.Background()))
	b := uiBrowser(t, e)

	// An ISO in the default pool, as an upload leaves one.
	pool, err := e.drv.Pool(context.Background(), "default")
	require.NoError(t, err)
	img := isoImage("Debian 12.4.0 amd64 n")
	vol, err := e.drv.CreateVolume(context.Background(), "default", virt.VolumeSpec{Name: "debian-12.iso", Capacity: uint64(len(img)), Format: "raw"})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(pool.Path, "debian-12.iso"), vol.Path)
	require.NoError(t, os.WriteFile(vol.Path, img, 0o644))

	// The template page: listIsos, then createTemplate from the ISO
	// picked, with the distribution the list showed.
	caps := b.fields("GET", "plugins/kimchi/config/capabilities", nil)
	has(t, caps, "qemu_stream", "screenshot", "libvirt_stream_protocols", "qemu_spice", "federation")
	isos := b.list("plugins/kimchi/storagepools/kimchi_isos/storagevolumes")
	require.Len(t, isos, 1)
	iso := isos[0]
	has(t, iso, "name", "os_distro", "os_version", "capacity", "path")
	assert.Equal(t, "debian", iso["os_distro"])
	assert.Equal(t, "12.4.0", iso["os_version"])
	b.ok("POST", "plugins/kimchi/templates", map[string]any{"os_distro": iso["os_distro"], "os_version": iso["os_version"], "cdrom": iso["path"]}, nil)
	// By path, by URL.
	b.ok("POST", "plugins/kimchi/templates", map[string]any{"cdrom": iso["path"]}, nil)
	b.ok("POST", "plugins/kimchi/templates", map[string]any{"cdrom": "http://mirror.example/debian-12.iso"}, nil)
	templates := b.list("plugins/kimchi/templates")
	require.Len(t, templates, 3)
	for _, tm := range templates {
		has(t, tm, "name", "icon", "os_distro", "os_version", "cpus", "memory", "cdrom", "storagepool", "networks", "disks", "invalid")
	}
	tmpl := fmt.Sprint(templates[0]["name"])
	// The template edit page's save: the fields it shows.
	b.ok("PUT", "plugins/kimchi/templates/"+url.PathEscape(tmpl), map[string]any{"memory": 1024, "cpus": 1,
		"networks": []string{"default"}, "storagepool": "/plugins/kimchi/storagepools/default"}, nil)
	b.ok("POST", "plugins/kimchi/templates/"+url.PathEscape(tmpl)+"/clone", nil, nil)

	// The add-guest dialog: the name left blank, the template's radio.
	task := b.fields("POST", "plugins/kimchi/vms", map[string]any{"name": "", "template": "/plugins/kimchi/templates/" + tmpl})
	has(t, task, "id", "status", "message", "target_uri")
	task = b.track(fmt.Sprint(task["id"]), nil)
	require.Equal(t, "finished", task["status"], task["message"])
	vms := b.list("plugins/kimchi/vms", "Wok-Robot", "wok-robot")
	require.Len(t, vms, 1)
	vm := fmt.Sprint(vms[0]["name"])
	assert.True(t, strings.HasPrefix(vm, tmpl+"-vm-"), "named after its template: %s", vm)
	has(t, vms[0], "name", "state", "icon", "cpus", "memory", "screenshot", "graphics", "stats", "users", "groups", "persistent")
	assert.Equal(t, "shutoff", vms[0]["state"])
	vmPath := "plugins/kimchi/vms/" + url.PathEscape(vm)

	// The guest's actions, each a POST with no body.
	b.ok("POST", vmPath+"/start", nil, nil)
	running := b.fields("GET", vmPath, nil)
	assert.Equal(t, "running", running["state"])
	has(t, running["graphics"].(map[string]any), "type", "listen", "port")
	for _, act := range []string{"suspend", "resume", "reset"} {
		b.ok("POST", vmPath+"/"+act, nil, nil)
	}
	b.ok("POST", vmPath+"/poweroff", nil, nil)
	assert.Equal(t, "shutoff", b.fields("GET", vmPath, nil)["state"])

	// The edit dialog's general tab: what it shows, sent back changed.
	b.ok("PUT", vmPath, map[string]any{"name": "web", "cpus": 2, "memory": 2048}, nil)
	vmPath = "plugins/kimchi/vms/web"
	edited := b.fields("GET", vmPath, nil)
	assert.Equal(t, 2.0, edited["cpus"])
	assert.Equal(t, 2048.0, edited["memory"])

	// Interfaces: added with the MAC left blank and the IP column's text,
	// the MAC changed, removed.
	ifaces := b.list(vmPath + "/ifaces")
	require.Len(t, ifaces, 1)
	has(t, ifaces[0], "mac", "network", "type")
	added := b.fields("POST", vmPath+"/ifaces", map[string]any{"network": "default", "type": "network", "mac": "", "ips": ""})
	mac := fmt.Sprint(added["mac"])
	assert.Regexp(t, `^([0-9a-f]{2}:){5}[0-9a-f]{2}$`, mac)
	changed := b.fields("PUT", vmPath+"/ifaces/"+url.PathEscape(mac), map[string]any{"network": "default", "type": "network",
		"mac": "52:54:00:aa:bb:cc", "ips": ""})
	assert.Equal(t, "52:54:00:aa:bb:cc", changed["mac"])
	b.ok("DELETE", vmPath+"/ifaces/52:54:00:aa:bb:cc", nil, nil)
	assert.Len(t, b.list(vmPath+"/ifaces"), 1)

	// Storage: a CD-ROM attached from the ISO, replaced, ejected,
	// detached.
	storages := b.list(vmPath + "/storages")
	for _, s := range storages {
		has(t, s, "dev", "type", "path")
	}
	cd := b.fields("POST", vmPath+"/storages", map[string]any{"type": "cdrom", "path": iso["path"]})
	dev := fmt.Sprint(cd["dev"])
	b.ok("PUT", vmPath+"/storages/"+dev, map[string]any{"path": "http://mirror.example/debian-12.iso"}, nil)
	b.ok("PUT", vmPath+"/storages/"+dev, map[string]any{"path": ""}, nil)
	b.ok("DELETE", vmPath+"/storages/"+dev, nil, nil)
	assert.Len(t, b.list(vmPath+"/storages"), len(storages))

	// Snapshots: the running ones looked for, one taken (a task), listed,
	// reverted to, deleted.
	assert.Empty(t, b.list("tasks?status=running&target_uri="+url.QueryEscape("^/plugins/kimchi/snapshots/*")))
	task = b.fields("POST", vmPath+"/snapshots", nil)
	has(t, task, "id", "target_uri")
	task = b.track(fmt.Sprint(task["id"]), nil)
	require.Equal(t, "finished", task["status"], task["message"])
	uri := fmt.Sprint(task["target_uri"])
	snap := uri[strings.LastIndex(uri, "/")+1:]
	snaps := b.list(vmPath + "/snapshots")
	require.Len(t, snaps, 1)
	has(t, snaps[0], "name", "created")
	assert.Equal(t, snap, snaps[0]["name"])
	assert.Equal(t, snap, b.fields("GET", vmPath+"/snapshots/current", nil)["name"])
	b.ok("POST", vmPath+"/snapshots/"+url.PathEscape(snap)+"/revert", nil, nil)
	b.ok("DELETE", vmPath+"/snapshots/"+url.PathEscape(snap), nil, nil)

	// Clone, tracked to the end; then both removed.
	task = b.fields("POST", vmPath+"/clone", nil)
	task = b.track(fmt.Sprint(task["id"]), nil)
	require.Equal(t, "finished", task["status"], task["message"])
	vms = b.list("plugins/kimchi/vms")
	require.Len(t, vms, 2)
	for _, v := range names(vms) {
		b.ok("DELETE", "plugins/kimchi/vms/"+url.PathEscape(v), nil, nil)
	}
	assert.Empty(t, b.list("plugins/kimchi/vms"))
	b.ok("DELETE", "plugins/kimchi/templates/"+url.PathEscape(tmpl), nil, nil)
}

// form PUTs a FormData as the upload page builds it: the chunk (a Blob,
// which browsers name "blob") first, then chunk_size; jQuery leaves the
// content type to the browser.
func (b browser) form(path string, chunk []byte) resp {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="chunk"; filename="blob"`)
	h.Set("Content-Type", "application/octet-stream")
	fw, _ := mw.CreatePart(h)
	fw.Write(chunk)
	mw.WriteField("chunk_size", strconv.Itoa(len(chunk)))
	mw.Close()
	req, err := http.NewRequest("PUT", b.root+path, &body)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json, text/javascript, */*; q=0.01")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	return b.do(req)
}

// TestIntegrationUIFlowStorage is the storage tab on libvirt's real
// storage driver: a directory pool added and started, the deep scan the
// template page runs, a volume uploaded from a file in 8 MiB chunks, the
// pool stopped and removed.
func TestIntegrationUIFlowStorage(t *testing.T) {
	scans := t.TempDir()
	require.NoError(t, os.Chmod(scans, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(scans), 0o755))
	e, images := storageEnv(t, kimchi.Options{ScanDir: scans})
	b := uiBrowser(t, e)
	root := filepath.Dir(images) // the daemon's own, which it may read

	// The add-pool dialog: the form's fields (those of other pool types
	// empty), a directory pool.
	dir := filepath.Join(root, "vols")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.Chown(dir, 65534, 65534))
	b.ok("POST", "plugins/kimchi/storagepools", map[string]any{"name": "vols", "type": "dir", "path": dir, "nfsserver": "", "nfspath": ""}, nil)
	b.ok("POST", "plugins/kimchi/storagepools/vols/activate", nil, nil)
	pools := b.list("plugins/kimchi/storagepools")
	require.Contains(t, names(pools), "vols")
	for _, p := range pools {
		has(t, p, "name", "state", "type", "path", "capacity", "allocated", "available", "nr_volumes", "autostart", "persistent", "in_use", "source")
	}
	b.ok("PUT", "plugins/kimchi/storagepools/vols", map[string]any{"autostart": true}, nil)

	// The template page's deep scan: a pool iso<ms> of kimchi-iso on /,
	// its task polled at Wok's /tasks, its volumes listed meanwhile.
	// (Here the scan looks at a tree of the test's own: the whole host
	// would find whatever ISOs this machine has.)
	tree := filepath.Join(root, "tree")
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "isos"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tree, "isos", "debian-12.iso"), isoImage("Debian 12.4.0 amd64 n"), 0o644))
	scanPool := fmt.Sprintf("iso%d", time.Now().UnixMilli())
	created := b.fields("POST", "plugins/kimchi/storagepools", map[string]any{"name": scanPool, "type": "kimchi-iso", "path": tree})
	task := b.track(fmt.Sprint(created["task_id"]), func(map[string]any) bool {
		b.list("plugins/kimchi/storagepools/" + scanPool + "/storagevolumes") // as the page does every 2 s
		return false
	})
	require.Equal(t, "finished", task["status"], task["message"])
	isos := b.list("plugins/kimchi/storagepools/" + scanPool + "/storagevolumes")
	require.Len(t, isos, 1)
	has(t, isos[0], "name", "os_distro", "os_version", "capacity", "path")
	assert.Equal(t, "debian", isos[0]["os_distro"])

	// The add-volume dialog's upload: created with format "" and the
	// file's size, chunks sent once the task says "ready for upload".
	file := make([]byte, 2*(8<<20)+12345)
	rand.Read(file)
	task = b.fields("POST", "plugins/kimchi/storagepools/vols/storagevolumes", map[string]any{"name": "disk.img", "format": "",
		"capacity": len(file), "upload": true})
	task = b.track(fmt.Sprint(task["id"]), func(t map[string]any) bool { return t["message"] == "ready for upload" })
	require.Equal(t, "running", task["status"], task["message"])
	for off := 0; off < len(file); off += 8 << 20 {
		r := b.form("plugins/kimchi/storagepools/vols/storagevolumes/disk.img", file[off:min(off+8<<20, len(file))])
		require.True(t, r.status >= 200 && r.status < 300, "%d %s", r.status, r.body)
	}
	task = b.track(fmt.Sprint(task["id"]), nil)
	require.Equal(t, "finished", task["status"], task["message"])
	got, err := os.ReadFile(filepath.Join(dir, "disk.img"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(file, got), "the file as the browser read it")
	vols := b.list("plugins/kimchi/storagepools/vols/storagevolumes")
	require.Len(t, vols, 1)
	has(t, vols[0], "name", "type", "capacity", "allocation", "format", "path", "used_by", "isvalid")
	assert.Equal(t, float64(len(file)), vols[0]["capacity"])

	// Stopped and removed, as the pool's menu does.
	b.ok("DELETE", "plugins/kimchi/storagepools/vols/storagevolumes/disk.img", nil, nil)
	b.ok("POST", "plugins/kimchi/storagepools/vols/deactivate", nil, nil)
	b.ok("DELETE", "plugins/kimchi/storagepools/vols", nil, nil)
	b.ok("POST", "plugins/kimchi/storagepools/"+scanPool+"/deactivate", nil, nil)
	b.ok("DELETE", "plugins/kimchi/storagepools/"+scanPool, nil, nil)
	assert.NotContains(t, names(b.list("plugins/kimchi/storagepools")), "vols")
}

// TestUIFlowNetworks is the network tab: the host's interfaces offered,
// networks added as the add dialog sends them (one NAT, one bridged on a
// NIC), stopped, started and removed.
func TestUIFlowNetworks(t *testing.T) {
	h := hostnettest.NewFake("h", "eth0", "eth1")
	e := newEnv(t, kimchi.Options{Links: h.Links})
	b := uiBrowser(t, e)

	ifaces := b.list("plugins/kimchi/interfaces")
	for _, i := range ifaces {
		has(t, i, "name", "type")
	}
	assert.Contains(t, names(ifaces), "eth1")

	// NAT: the dialog's interfaces is [undefined], which JSON makes
	// [null]; vlan_id left out.
	n := b.fields("POST", "plugins/kimchi/networks", map[string]any{"name": "lab", "connection": "nat", "interfaces": []any{nil}})
	has(t, n, "state", "interfaces", "subnet", "persistent")
	// Bridged on a NIC (macvtap, as Kimchi makes it without a VLAN).
	n = b.fields("POST", "plugins/kimchi/networks", map[string]any{"name": "wire", "connection": "bridge", "interfaces": []string{"eth1"}})
	assert.Equal(t, []any{"eth1"}, n["interfaces"])

	nets := b.list("plugins/kimchi/networks", "Wok-Robot", "wok-robot")
	for _, n := range nets {
		has(t, n, "name", "connection", "interfaces", "subnet", "dhcp", "state", "in_use", "vms", "autostart", "persistent")
	}
	assert.Subset(t, names(nets), []string{"default", "lab", "wire"})
	b.ok("POST", "plugins/kimchi/networks/lab/activate", nil, nil)
	assert.Equal(t, "active", b.fields("GET", "plugins/kimchi/networks/lab", nil)["state"])
	b.ok("POST", "plugins/kimchi/networks/lab/deactivate", nil, nil)
	for _, name := range []string{"lab", "wire"} {
		b.ok("DELETE", "plugins/kimchi/networks/"+name, nil, nil)
	}
	assert.NotContains(t, names(b.list("plugins/kimchi/networks")), "lab")
}

// TestUIFlowHost is the host tab and its debug reports: the host's facts,
// live and past statistics, CPUs, partitions, devices, software and
// repositories; a report generated with no name, renamed, removed.
func TestUIFlowHost(t *testing.T) {
	e := newEnv(t, kimchi.Options{DebugReportDir: t.TempDir()})
	b := uiBrowser(t, e)

	has(t, b.fields("GET", "plugins/kimchi/host", nil), "os_distro", "os_version", "os_codename", "cpu_model", "memory", "cpus")
	has(t, b.fields("GET", "plugins/kimchi/host/stats", nil, "Wok-Robot", "wok-robot"),
		"cpu_utilization", "memory", "disk_read_rate", "disk_write_rate", "net_sent_rate", "net_recv_rate")
	has(t, b.fields("GET", "plugins/kimchi/host/stats/history", nil, "Wok-Robot", "wok-robot"),
		"cpu_utilization", "memory", "disk_read_rate", "disk_write_rate", "net_sent_rate", "net_recv_rate")
	has(t, b.fields("GET", "plugins/kimchi/host/cpuinfo", nil), "sockets", "cores", "threads_per_core")
	for _, p := range b.list("plugins/kimchi/host/partitions") {
		has(t, p, "name", "path", "type", "size")
	}
	for _, d := range b.list("plugins/kimchi/host/devices?_passthrough=true&_cap=pci") {
		has(t, d, "name", "product", "vendor")
	}
	for _, q := range []string{"_cap=fc_host", "_passthrough=true&_cap=pci&_available_only=true"} {
		b.list("plugins/kimchi/host/devices?" + q)
	}
	for _, r := range b.list("plugins/kimchi/host/repositories") {
		has(t, r, "repo_id", "baseurl", "enabled", "config")
	}
	b.list("plugins/kimchi/host/packagesupdate")
	b.list("plugins/kimchi/peers")
	b.fields("GET", "plugins/kimchi/config", nil)
	b.list("plugins/kimchi/config/distros")

	// A report generated with the name left blank, tracked, listed,
	// renamed, removed.
	task := b.fields("POST", "plugins/kimchi/debugreports", map[string]any{"name": ""})
	task = b.track(fmt.Sprint(task["id"]), nil)
	require.Equal(t, "finished", task["status"], task["message"])
	reports := b.list("plugins/kimchi/debugreports")
	require.Len(t, reports, 1)
	has(t, reports[0], "name", "uri", "time")
	name := fmt.Sprint(reports[0]["name"])
	assert.Regexp(t, `^report-\d+$`, name)
	content := b.send("GET", strings.TrimPrefix(fmt.Sprint(reports[0]["uri"]), "/"), nil)
	assert.Equal(t, 200, content.status, "the download link works")
	b.ok("PUT", "plugins/kimchi/debugreports/"+name, map[string]any{"name": "before-upgrade"}, nil)
	b.ok("DELETE", "plugins/kimchi/debugreports/before-upgrade", nil, nil)
	assert.Empty(t, b.list("plugins/kimchi/debugreports"))
}
