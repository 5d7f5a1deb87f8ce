package kimchi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
)

// repoRecorder is a RepositoryEditor that records what it was asked.
type repoRecorder struct {
	mu   sync.Mutex
	done []string
}

func (r *repoRecorder) add(s string) { r.mu.Lock(); r.done = append(r.done, s); r.mu.Unlock() }
func (r *repoRecorder) AddRepository(_ context.Context, repo kimchi.Repository) error {
	r.add("add " + repo.BaseURL + " " + repo.Config.Dist)
	return nil
}
func (r *repoRecorder) UpdateRepository(_ context.Context, id string, repo kimchi.Repository) error {
	r.add("update " + id + " " + repo.BaseURL)
	return nil
}
func (r *repoRecorder) DeleteRepository(_ context.Context, id string) error {
	r.add("delete " + id)
	return nil
}
func (r *repoRecorder) EnableRepository(_ context.Context, id string, on bool) error {
	if on {
		r.add("enable " + id)
	} else {
		r.add("disable " + id)
	}
	return nil
}

func TestRepositories(t *testing.T) {
	root := t.TempDir()
	d := filepath.Join(root, "etc/apt/sources.list.d")
	require.NoError(t, os.MkdirAll(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/apt/sources.list"),
		[]byte("deb http://deb.example/debian bookworm main contrib\n# deb [arch=amd64] http://old.example/debian buster main\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "extra.sources"),
		[]byte("Types: deb deb-src\nURIs: https://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nEnabled: no\n"), 0o644))
	rec := &repoRecorder{}
	e := newEnv(t, kimchi.Options{Root: root, Repositories: rec})

	var repos []kimchi.Repository
	e.must(200, "GET", "/host/repositories", nil).json(t, &repos)
	require.Len(t, repos, 4)
	assert.Equal(t, "http://deb.example/debian", repos[0].BaseURL)
	assert.True(t, repos[0].Enabled)
	assert.Equal(t, kimchi.RepoConfig{Dist: "bookworm", Comps: []string{"main", "contrib"}}, repos[0].Config)
	assert.Equal(t, "http://old.example/debian", repos[1].BaseURL, "options skipped")
	assert.False(t, repos[1].Enabled, "commented out")
	assert.Equal(t, "bookworm-updates", repos[3].Config.Dist)
	assert.False(t, repos[3].Enabled, "Enabled: no")
	var one kimchi.Repository
	e.must(200, "GET", "/host/repositories/"+repos[0].RepoID, nil).json(t, &one)
	assert.Equal(t, repos[0], one)
	assert.Contains(t, e.must(404, "GET", "/host/repositories/nosuch", nil).reason(t), "KCHREPOS0012E")

	e.must(201, "POST", "/host/repositories", map[string]any{"baseurl": "http://new.example/debian", "config": map[string]any{"dist": "trixie", "comps": []string{"main"}}})
	assert.Contains(t, e.must(400, "POST", "/host/repositories", map[string]any{"baseurl": "gopher://x", "config": map[string]any{"dist": "trixie"}}).reason(t), "KCHREPOS0002E")
	assert.Contains(t, e.must(400, "POST", "/host/repositories", map[string]any{"baseurl": "http://x.example/"}).reason(t), "KCHREPOS0013E")
	assert.Contains(t, e.must(400, "POST", "/host/repositories", map[string]any{"baseurl": "http://deb.example/debian", "config": map[string]any{"dist": "bookworm", "comps": []string{"main", "contrib"}}}).reason(t), "KCHREPOS0022E")
	e.must(200, "POST", "/host/repositories/"+repos[1].RepoID+"/enable", nil)
	e.must(200, "POST", "/host/repositories/"+repos[0].RepoID+"/disable", nil)
	e.must(200, "PUT", "/host/repositories/"+repos[0].RepoID, map[string]any{"baseurl": "https://deb.example/debian"})
	e.must(204, "DELETE", "/host/repositories/"+repos[2].RepoID, nil)
	assert.Equal(t, []string{"add http://new.example/debian trixie", "enable " + repos[1].RepoID, "disable " + repos[0].RepoID,
		"update " + repos[0].RepoID + " https://deb.example/debian", "delete " + repos[2].RepoID}, rec.done)

	// By default nothing is edited.
	e2 := newEnv(t, kimchi.Options{Root: root})
	assert.Contains(t, e2.must(403, "POST", "/host/repositories", map[string]any{"baseurl": "http://new.example/debian", "config": map[string]any{"dist": "trixie"}}).reason(t), "KCHAPI0009E")
	assert.Contains(t, e2.must(403, "DELETE", "/host/repositories/"+repos[2].RepoID, nil).reason(t), "KCHAPI0009E")
	var caps kimchi.Capabilities
	e2.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	require.NotNil(t, caps.RepoMngtTool)
	assert.Equal(t, "deb", *caps.RepoMngtTool)
	assert.False(t, caps.UpdateTool, "no HostActions to update with")
}

// TestHostPackages reads this machine's package system, as it is.
func TestHostPackages(t *testing.T) {
	if _, err := exec.LookPath("apt"); err != nil {
		t.Skip("not a Debian host (no apt)")
	}
	e := newEnv(t, kimchi.Options{})
	var repos []kimchi.Repository
	e.must(200, "GET", "/host/repositories", nil).json(t, &repos)
	for _, r := range repos {
		assert.NotEmpty(t, r.BaseURL)
		assert.NotEmpty(t, r.Config.Dist)
	}
	var ups []kimchi.PackageUpdate
	e.must(200, "GET", "/host/packagesupdate", nil).json(t, &ups)
	for _, u := range ups {
		assert.NotEmpty(t, u.Name)
		assert.NotEmpty(t, u.Version)
		assert.NotEmpty(t, u.Arch)
	}
	if len(ups) > 0 {
		var one kimchi.PackageUpdate
		e.must(200, "GET", "/host/packagesupdate/"+ups[0].Name, nil).json(t, &one)
		assert.Equal(t, ups[0], one)
	}
	assert.Contains(t, e.must(404, "GET", "/host/packagesupdate/no-such-package-xyz", nil).reason(t), "KCHPKGUPD0002E")
}
