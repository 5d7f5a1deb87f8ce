package kimchi_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
)

// TestHostPathsConfined: the host files a client may name are files of
// active storage pools — no /etc/shadow as a guest's CD-ROM, no planted
// link out of a pool, no file that is not an ISO as one — and no pool is
// made of a system directory.
func TestHostPathsConfined(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	ctx := context.Background()
	pool, err := e.drv.Pool(ctx, "default")
	require.NoError(t, err)
	notISO := filepath.Join(pool.Path, "notes.iso")
	require.NoError(t, os.WriteFile(notISO, []byte("not an image"), 0o644))
	link := filepath.Join(pool.Path, "shadow.iso")
	require.NoError(t, os.Symlink("/etc/shadow", link))
	outside := filepath.Join(t.TempDir(), "elsewhere.iso")
	require.NoError(t, os.WriteFile(outside, make([]byte, 64<<10), 0o644))

	for path, code := range map[string]string{"/etc/shadow": "KCHTMPL0002E", link: "KCHTMPL0002E", outside: "KCHTMPL0002E",
		"/etc/../etc/shadow": "KCHTMPL0002E", notISO: "KCHISO0001E"} {
		r := e.must(400, "POST", "/templates", map[string]any{"name": "t", "memory": 512, "cdrom": path})
		assert.Contains(t, r.reason(t), code, path)
	}
	assert.Contains(t, e.must(400, "POST", "/templates", map[string]any{"name": "t", "memory": 512, "icon": "javascript:alert(1)"}).reason(t), "KCHTMPL0009E")
	e.template("t", map[string]any{"icon": "images/icon-debian.png"})
	e.vm("vm", "t")
	for path, code := range map[string]string{"/etc/passwd": "KCHVMSTOR0003E", link: "KCHVMSTOR0003E", notISO: "KCHISO0001E"} {
		r := e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "cdrom", "path": path})
		assert.Contains(t, r.reason(t), code, path)
	}
	assert.Contains(t, e.must(400, "POST", "/vms/vm/storages", map[string]any{"type": "disk", "path": "/etc/shadow"}).reason(t), "KCHVMSTOR0003E")
	dom, err := e.drv.Domain(ctx, "vm")
	require.NoError(t, err)
	for _, d := range dom.Disks {
		assert.NotContains(t, d.Path, "/etc/", "nothing attached")
	}

	for _, dir := range []string{"/", "/etc/cron.d", "/etc", "/usr/lib", "/root", "/boot"} {
		r := e.must(400, "POST", "/storagepools", map[string]any{"name": "p", "type": "dir", "path": dir})
		assert.Contains(t, r.reason(t), "KCHPOOL0007E", dir)
	}
	e.must(201, "POST", "/storagepools", map[string]any{"name": "p", "type": "dir", "path": t.TempDir()})
}
