package kimchi_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
)

func TestDebugReports(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, kimchi.Options{DebugReportDir: dir})
	task := e.wait(e.do("POST", "/debugreports", map[string]any{"name": "first"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Equal(t, "/plugins/kimchi/debugreports/first", task.Target)

	var r kimchi.DebugReport
	e.must(200, "GET", "/debugreports/first", nil).json(t, &r)
	assert.Equal(t, "/plugins/kimchi/debugreports/first/content", r.URI)
	content := e.must(200, "GET", "/debugreports/first/content", nil)
	assert.Equal(t, "application/gzip", content.header.Get("Content-Type"))
	gz, err := gzip.NewReader(bytes.NewReader(content.body))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	osRelease, _ := os.ReadFile("/etc/os-release")
	assert.Equal(t, osRelease, files["first/system/etc/os-release"], "facts as the machine states them")
	assert.Contains(t, string(files["first/kimchi/capabilities.json"]), `"Driver": "TEST"`)
	assert.Contains(t, files, "first/kimchi/tasks.json")

	assert.Contains(t, e.must(400, "POST", "/debugreports", map[string]any{"name": "first"}).reason(t), "KCHDR0008E")
	for _, bad := range []string{"../escape", "a/b", ".hidden", "x\x00y", "", "sp ace"} {
		if bad == "" {
			continue
		}
		assert.Contains(t, e.must(400, "POST", "/debugreports", map[string]any{"name": bad}).reason(t), "KCHDR0007E", bad)
	}
	// A link planted in the directory is never served.
	secret := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secret, []byte("secret"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "planted.tar.gz")))
	e.must(404, "GET", "/debugreports/planted/content", nil)
	e.must(404, "GET", "/debugreports/planted", nil)
	e.must(404, "GET", "/debugreports/..%2f..%2fetc%2fpasswd/content", nil)

	var list []kimchi.DebugReport
	e.must(200, "GET", "/debugreports", nil).json(t, &list)
	require.Len(t, list, 1)
	resp := e.must(303, "PUT", "/debugreports/first", map[string]any{"name": "renamed"})
	assert.Equal(t, "/plugins/kimchi/debugreports/renamed", resp.header.Get("Location"))
	e.must(404, "GET", "/debugreports/first", nil)
	e.must(200, "GET", "/debugreports/renamed/content", nil)
	assert.Contains(t, e.must(400, "PUT", "/debugreports/renamed", map[string]any{"name": "../x"}).reason(t), "KCHDR0007E")
	e.must(204, "DELETE", "/debugreports/renamed", nil)
	e.must(404, "DELETE", "/debugreports/renamed", nil)
	tmp, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	assert.Empty(t, tmp, "no temporary file left")
}

func TestStorageServers(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.must(201, "POST", "/storagepools", map[string]any{"name": "nfs", "type": "netfs", "source": map[string]any{"host": "nfs.example", "path": "/export"}})
	var srvs []kimchi.StorageServer
	e.must(200, "GET", "/storageservers", nil).json(t, &srvs)
	assert.Equal(t, []kimchi.StorageServer{{Host: "nfs.example", TargetType: "netfs"}}, srvs)
	e.must(200, "GET", "/storageservers?_target_type=iscsi", nil).json(t, &srvs)
	assert.Empty(t, srvs)
	e.must(200, "GET", "/storageservers/nfs.example", nil)
	assert.Contains(t, e.must(404, "GET", "/storageservers/other.example", nil).reason(t), "KCHSR0001E")
	// The test hypervisor answers NFS discovery itself (no traffic).
	var targets []kimchi.StorageTarget
	e.must(200, "GET", "/storageservers/nfs.example/storagetargets?_target_type=netfs", nil).json(t, &targets)
	assert.Equal(t, []kimchi.StorageTarget{{Host: "nfs.example", TargetType: "nfs", Target: "/testshare"}}, targets)
	assert.Contains(t, e.must(400, "GET", "/storageservers/nfs.example/storagetargets?_target_type=iscsi", nil).reason(t), "KCHISCSI0001E")
	assert.Contains(t, e.must(400, "GET", "/storageservers/nfs.example/storagetargets?_target_type=ftp", nil).reason(t), "KCHAPI0001E")
	assert.Contains(t, e.must(400, "GET", "/storageservers/bad%20host/storagetargets", nil).reason(t), "KCHPOOL0019E")
}

// TestDebugReportCaps: reports are capped in number and space, and made
// one at a time; a refusal says so with Kimchi's code.
func TestDebugReportCaps(t *testing.T) {
	e := newEnv(t, kimchi.Options{DebugReportDir: t.TempDir(), MaxDebugReports: 2})
	for _, n := range []string{"a", "b"} {
		task := e.wait(e.do("POST", "/debugreports", map[string]any{"name": n}))
		require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	}
	assert.Contains(t, e.must(400, "POST", "/debugreports", map[string]any{"name": "c"}).reason(t), "KCHDR0003E")
	e.must(204, "DELETE", "/debugreports/a", nil)
	task := e.wait(e.do("POST", "/debugreports", map[string]any{"name": "c"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)

	small := newEnv(t, kimchi.Options{DebugReportDir: t.TempDir(), MaxDebugReportBytes: 1})
	task = small.wait(small.do("POST", "/debugreports", map[string]any{"name": "one"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	assert.Contains(t, small.must(400, "POST", "/debugreports", map[string]any{"name": "two"}).reason(t), "bytes")

	// At once: one is made, the others are told to wait.
	many := newEnv(t, kimchi.Options{DebugReportDir: t.TempDir(), MaxDebugReports: 100})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 8 {
		wg.Go(func() {
			r := many.do("POST", "/debugreports", map[string]any{"name": fmt.Sprintf("r%d", i)})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.GreaterOrEqual(t, codes[202], 1, "%v", codes)
	assert.Equal(t, 8, codes[202]+codes[400], "%v", codes)
}
