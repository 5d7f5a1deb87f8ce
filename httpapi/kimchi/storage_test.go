package kimchi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// storageEnv is Kimchi over libvirt's real storage driver (a libvirtd of
// the test's own), with an active directory pool "images".
func storageEnv(t *testing.T, opts kimchi.Options) (*env, string) {
	t.Helper()
	lv := libvirttest.StartStorageDaemon(t)
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { drv.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, drv, st, opts)
	dir := lv.Dir(t, "images")
	e.must(201, "POST", "/storagepools", map[string]any{"name": "images", "type": "dir", "path": dir})
	e.must(200, "POST", "/storagepools/images/activate", nil)
	return e, dir
}

// chunk PUTs one upload chunk as Kimchi's UI does.
func (e *env) chunk(path string, size int, data []byte) resp {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("chunk_size", fmt.Sprint(size))
	fw, _ := mw.CreateFormFile("chunk", "blob")
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("PUT", e.base+path, &body)
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b := new(bytes.Buffer)
	b.ReadFrom(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b.Bytes()}
}

func TestIntegrationStoragePools(t *testing.T) {
	e, dir := storageEnv(t, kimchi.Options{})
	var p kimchi.StoragePool
	e.must(200, "GET", "/storagepools/images", nil).json(t, &p)
	assert.Equal(t, kimchi.StoragePool{Name: "images", State: "active", Path: dir, Type: "dir", Capacity: p.Capacity,
		Allocated: p.Allocated, Available: p.Available, Persistent: true}, p)
	assert.Positive(t, p.Capacity)

	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"name": "images", "type": "dir", "path": dir}, "KCHPOOL0001E"},
		{map[string]any{"name": "x"}, "KCHPOOL0026E"},
		{map[string]any{"name": "x", "type": "zfs", "path": dir}, "KCHPOOL0017E"},
		{map[string]any{"name": "x", "type": "dir"}, "KCHPOOL0004E"},
		{map[string]any{"name": "x", "type": "dir", "path": "relative/dir"}, "KCHPOOL0018E"},
		{map[string]any{"name": "x", "type": "dir", "path": dir + "/../etc"}, "KCHPOOL0018E"},
		{map[string]any{"name": "x", "type": "netfs", "source": map[string]any{"host": "nfs.example"}}, "KCHPOOL0004E"},
		{map[string]any{"name": "x", "type": "netfs", "source": map[string]any{"host": "bad host!", "path": "/export"}}, "KCHPOOL0019E"},
		{map[string]any{"name": "x", "type": "logical"}, "KCHPOOL0004E"},
		{map[string]any{"name": "x", "type": "logical", "source": map[string]any{"devices": []string{"sdb"}}}, "KCHPOOL0020E"},
		{map[string]any{"name": "x", "type": "iscsi", "source": map[string]any{"host": "10.0.0.1"}}, "KCHPOOL0004E"},
		{map[string]any{"name": "x", "type": "iscsi", "source": map[string]any{"host": "10.0.0.1", "target": "iqn.x", "port": 70000}}, "KCHPOOL0023E"},
		{map[string]any{"name": "x", "type": "scsi"}, "KCHPOOL0004E"},
		{map[string]any{"name": "kimchi_isos", "type": "dir", "path": dir}, "KCHPOOL0031E"},
		{map[string]any{"name": "a/b", "type": "dir", "path": dir}, "KCHPOOL0016E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/storagepools", c.body).reason(t), c.code, "%v", c.body)
	}

	// A pool on another directory: define, autostart, activate,
	// deactivate, delete; refusals in the wrong state.
	other := filepath.Join(filepath.Dir(dir), "other")
	require.NoError(t, os.MkdirAll(other, 0o755))
	require.NoError(t, os.Chown(other, 65534, 65534))
	e.must(201, "POST", "/storagepools", map[string]any{"name": "other", "type": "dir", "path": other}).json(t, &p)
	assert.Equal(t, "inactive", p.State)
	e.must(200, "PUT", "/storagepools/other", map[string]any{"autostart": true}).json(t, &p)
	assert.True(t, p.Autostart)
	assert.Contains(t, e.must(400, "PUT", "/storagepools/other", map[string]any{"disks": []string{"/dev/sdz"}}).reason(t), "KCHPOOL0029E")
	e.must(200, "POST", "/storagepools/other/activate", nil).json(t, &p)
	assert.Equal(t, "active", p.State)
	assert.Contains(t, e.must(400, "DELETE", "/storagepools/other", nil).reason(t), "KCHPOOL0005E")
	// A template on it: in use, so it stays active.
	e.template("t", map[string]any{"storagepool": "/storagepools/other", "networks": []string{}})
	e.must(200, "GET", "/storagepools/other", nil).json(t, &p)
	assert.True(t, p.InUse)
	assert.Contains(t, e.must(400, "POST", "/storagepools/other/deactivate", nil).reason(t), "KCHPOOL0034E")
	e.must(204, "DELETE", "/templates/t", nil)
	e.must(200, "POST", "/storagepools/other/deactivate", nil)
	e.must(204, "DELETE", "/storagepools/other", nil)
	assert.Contains(t, e.must(404, "GET", "/storagepools/other", nil).reason(t), "KCHPOOL0002E")

	// Remote kinds are defined (not started: there is no server).
	e.must(201, "POST", "/storagepools", map[string]any{"name": "nfs", "type": "netfs",
		"source": map[string]any{"host": "nfs.example", "path": "/export/vms"}}).json(t, &p)
	assert.Equal(t, kimchi.PoolSource{Addr: "nfs.example", Path: "/export/vms"}, p.Source)
	e.must(204, "DELETE", "/storagepools/nfs", nil)

	var pools []kimchi.StoragePool
	e.must(200, "GET", "/storagepools", nil).json(t, &pools)
	require.Len(t, pools, 2)
	assert.Equal(t, "kimchi_isos", pools[1].Name)
	assert.Contains(t, e.must(400, "DELETE", "/storagepools/kimchi_isos", nil).reason(t), "KCHPOOL0031E")
	e.must(405, "PUT", "/storagepools", map[string]any{})
}

func TestIntegrationStorageVolumes(t *testing.T) {
	e, dir := storageEnv(t, kimchi.Options{})
	task := e.wait(e.do("POST", "/storagepools/images/storagevolumes", map[string]any{"name": "disk.img", "capacity": 1 << 20, "format": "raw"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/storagepools/images/storagevolumes/disk.img", task.Target)
	st, err := os.Stat(filepath.Join(dir, "disk.img"))
	require.NoError(t, err)
	assert.Equal(t, int64(1<<20), st.Size())

	var v kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/images/storagevolumes/disk.img", nil).json(t, &v)
	assert.Equal(t, kimchi.StorageVolume{Name: "disk.img", Type: "file", Capacity: 1 << 20, Allocation: v.Allocation,
		Format: "raw", Path: filepath.Join(dir, "disk.img"), UsedBy: []string{}, IsValid: true}, v)

	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"name": "disk.img", "capacity": 1024}, "KCHVOL0001E"},
		{map[string]any{"capacity": 1024}, "KCHVOL0016E"},
		{map[string]any{"name": "x.img"}, "KCHVOL0004E"},
		{map[string]any{"name": "x.img", "capacity": 1024, "url": "http://127.0.0.1/x"}, "KCHVOL0018E"},
		{map[string]any{"name": "x.img", "capacity": 1024, "format": "exe"}, "KCHVOL0015E"},
		{map[string]any{"name": "x.img", "capacity": 0}, "KCHVOL0020E"},
		{map[string]any{"name": "../escape.img", "capacity": 1024}, "KCHVOL0013E"},
		{map[string]any{"name": "sub/escape.img", "capacity": 1024}, "KCHVOL0013E"},
		{map[string]any{"name": ".hidden", "capacity": 1024}, "KCHVOL0013E"},
		{map[string]any{"name": "nul\x00.img", "capacity": 1024}, "KCHVOL0013E"},
		{map[string]any{"name": "x.img", "url": "file:///etc/passwd"}, "KCHVOL0021E"},
	} {
		assert.Contains(t, e.must(400, "POST", "/storagepools/images/storagevolumes", c.body).reason(t), c.code, "%v", c.body)
	}
	_, err = os.Stat(filepath.Join(filepath.Dir(dir), "escape.img"))
	assert.True(t, os.IsNotExist(err), "nothing escaped the pool")

	// Wipe really zeroes; resize really resizes; clone copies.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "disk.img"), bytes.Repeat([]byte{0x5a}, 1<<20), 0o644))
	e.must(200, "POST", "/storagepools/images/storagevolumes/disk.img/wipe", nil)
	b, _ := os.ReadFile(filepath.Join(dir, "disk.img"))
	assert.Equal(t, make([]byte, 1<<20), b)
	e.must(200, "POST", "/storagepools/images/storagevolumes/disk.img/resize", map[string]any{"size": 2 << 20}).json(t, &v)
	assert.Equal(t, uint64(2<<20), v.Capacity)
	st, _ = os.Stat(filepath.Join(dir, "disk.img"))
	assert.Equal(t, int64(2<<20), st.Size())
	assert.Contains(t, e.must(400, "POST", "/storagepools/images/storagevolumes/disk.img/resize", nil).reason(t), "KCHVOL0020E")
	task = e.wait(e.do("POST", "/storagepools/images/storagevolumes/disk.img/clone", nil))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/storagepools/images/storagevolumes/disk-clone-1.img", task.Target)
	_, err = os.Stat(filepath.Join(dir, "disk-clone-1.img"))
	require.NoError(t, err)

	var vols []kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/images/storagevolumes", nil).json(t, &vols)
	assert.Len(t, vols, 2)
	e.must(204, "DELETE", "/storagepools/images/storagevolumes/disk-clone-1.img", nil)
	_, err = os.Stat(filepath.Join(dir, "disk-clone-1.img"))
	assert.True(t, os.IsNotExist(err))
	assert.Contains(t, e.must(404, "GET", "/storagepools/images/storagevolumes/disk-clone-1.img", nil).reason(t), "KCHVOL0002E")
	assert.Contains(t, e.must(404, "GET", "/storagepools/nosuch/storagevolumes", nil).reason(t), "KCHPOOL0002E")
	e.must(404, "POST", "/storagepools/images/storagevolumes/disk.img/shred", nil)
}

func TestIntegrationUpload(t *testing.T) {
	e, dir := storageEnv(t, kimchi.Options{})
	data := make([]byte, 3<<20+123)
	rand.Read(data)
	r := e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "up.img", "capacity": len(data), "upload": true})
	var task kimchi.Task
	r.json(t, &task)
	e.must(404, "GET", "/storagepools/images/storagevolumes/up.img", nil) // not there until complete
	const chunk = 1 << 20
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		require.Equal(t, 204, e.chunk("/storagepools/images/storagevolumes/up.img", end-off, data[off:end]).status)
		if off == 0 { // the first chunk's progress is written at once (later ones at most twice a second)
			e.must(200, "GET", "/tasks/"+task.ID, nil).json(t, &task)
			assert.Equal(t, fmt.Sprintf("%d/%d", end, len(data)), task.Message, "progress in the task")
		}
	}
	task, err := e.svc.WaitTask(context.Background(), task.ID)
	require.NoError(t, err)
	assert.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	got, err := os.ReadFile(filepath.Join(dir, "up.img"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got), "the bytes are the ones sent")
	e.must(200, "GET", "/storagepools/images/storagevolumes/up.img", nil)
	assert.Contains(t, e.chunk("/storagepools/images/storagevolumes/up.img", 1, []byte{1}).reason(t), "KCHVOL0027E")

	leftovers := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".kimchi-upload-*"))
		return m
	}
	// A chunk that is not its declared size ends the upload: nothing left.
	e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "bad.img", "capacity": 10, "upload": true})
	assert.Len(t, leftovers(), 1)
	assert.Contains(t, e.chunk("/storagepools/images/storagevolumes/bad.img", 5, []byte{1, 2, 3}).reason(t), "KCHVOL0026E")
	assert.Empty(t, leftovers())
	_, err = os.Stat(filepath.Join(dir, "bad.img"))
	assert.True(t, os.IsNotExist(err))
	// More than declared.
	e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "big.img", "capacity": 4, "upload": true})
	assert.Contains(t, e.chunk("/storagepools/images/storagevolumes/big.img", 5, []byte{1, 2, 3, 4, 5}).reason(t), "KCHVOL0028E")
	assert.Empty(t, leftovers())
	// Abandoned: the task fails and the file goes.
	idle, idleDir := storageEnv(t, kimchi.Options{UploadIdle: 200 * time.Millisecond})
	r = idle.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "idle.img", "capacity": 10, "upload": true})
	r.json(t, &task)
	task, _ = idle.svc.WaitTask(context.Background(), task.ID)
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "no chunk for")
	left, _ := filepath.Glob(filepath.Join(idleDir, ".kimchi-upload-*"))
	assert.Empty(t, left)
	// A name someone made a link at meanwhile is not written through.
	e.must(202, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "link.img", "capacity": 3, "upload": true}).json(t, &task)
	outside := filepath.Join(t.TempDir(), "target")
	require.NoError(t, os.WriteFile(outside, []byte("keep"), 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.img")))
	e.chunk("/storagepools/images/storagevolumes/link.img", 3, []byte("bad"))
	task, _ = e.svc.WaitTask(context.Background(), task.ID)
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "KCHVOL0001E")
	kept, _ := os.ReadFile(outside)
	assert.Equal(t, "keep", string(kept))
	assert.Empty(t, leftovers())
	// Not multipart.
	req, _ := http.NewRequest("PUT", e.base+"/storagepools/images/storagevolumes/x.img", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 415, res.StatusCode)
}

func TestIntegrationDownload(t *testing.T) {
	payload := bytes.Repeat([]byte("netslice"), 50000)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://192.0.2.1/elsewhere", http.StatusFound)
			return
		}
		w.Write(payload)
	}))
	defer src.Close()
	srcURL, _ := url.Parse(src.URL)
	allow := func(u *url.URL) bool { return u.Host == srcURL.Host }

	e, _ := storageEnv(t, kimchi.Options{})
	assert.Contains(t, e.must(403, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "d.img", "url": src.URL + "/f"}).reason(t), "KCHVOL0022E",
		"no downloads unless the program allows them")

	e2, dir := storageEnv(t, kimchi.Options{AllowDownload: allow})
	task := e2.wait(e2.do("POST", "/storagepools/images/storagevolumes", map[string]any{"name": "d.img", "url": src.URL + "/f"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	got, _ := os.ReadFile(filepath.Join(dir, "d.img"))
	assert.Equal(t, payload, got)
	task = e2.wait(e2.do("POST", "/storagepools/images/storagevolumes", map[string]any{"name": "r.img", "url": src.URL + "/redirect"}))
	assert.Equal(t, kimchi.TaskFailed, task.Status)
	assert.Contains(t, task.Message, "not allowed", "a redirect elsewhere is refused")
	assert.Contains(t, e2.must(403, "POST", "/storagepools/images/storagevolumes", map[string]any{"name": "o.img", "url": "http://192.0.2.1/x"}).reason(t), "KCHVOL0022E")
}

func TestIntegrationISOVolumes(t *testing.T) {
	if _, err := exec.LookPath("xorriso"); err != nil {
		t.Skip("xorriso not installed: apt-get install xorriso (make test does as root)")
	}
	e, dir := storageEnv(t, kimchi.Options{})
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "boot.img"), make([]byte, 2048), 0o644))
	mk := func(name, label string, boot bool) {
		args := []string{"-as", "mkisofs", "-V", label, "-o", filepath.Join(dir, name)}
		if boot {
			args = append(args, "-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4")
		}
		out, err := exec.Command("xorriso", append(args, root)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.NoError(t, os.Chown(filepath.Join(dir, name), 65534, 65534))
	}
	mk("debian.iso", "Debian 12.4.0 amd64 n", true)
	mk("data.iso", "BACKUP_2026", false)
	require.NoError(t, e.drv.RefreshPool(context.Background(), "images"))

	var v kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/images/storagevolumes/debian.iso", nil).json(t, &v)
	assert.Equal(t, "iso", v.Format)
	assert.Equal(t, "debian", v.OSDistro)
	assert.Equal(t, "12.4.0", v.OSVersion)
	require.NotNil(t, v.Bootable)
	assert.True(t, *v.Bootable)
	assert.True(t, v.IsValid)
	e.must(200, "GET", "/storagepools/images/storagevolumes/data.iso", nil).json(t, &v)
	assert.Equal(t, "unknown", v.OSDistro)
	assert.False(t, *v.Bootable)

	var isos []kimchi.StorageVolume
	e.must(200, "GET", "/storagepools/kimchi_isos/storagevolumes", nil).json(t, &isos)
	require.Len(t, isos, 2)
	assert.Equal(t, "images", isos[0].Pool)
	var p kimchi.StoragePool
	e.must(200, "GET", "/storagepools/kimchi_isos", nil).json(t, &p)
	assert.Equal(t, 2, p.NrVolumes)
	assert.Contains(t, e.must(400, "POST", "/storagepools/kimchi_isos/storagevolumes", map[string]any{"name": "x.iso", "capacity": 1}).reason(t), "KCHPOOL0031E")
	// A template's cdrom may be one.
	e.template("deb", map[string]any{"cdrom": filepath.Join(dir, "debian.iso"), "storagepool": "/storagepools/images", "networks": []string{}})
}
