package kimchi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Repository is a package repository of the host: a deb source (Dist and
// Comps in Config) or a yum repository.
type Repository struct {
	RepoID  string     `json:"repo_id"`
	BaseURL string     `json:"baseurl"`
	Enabled bool       `json:"enabled"`
	Config  RepoConfig `json:"config"`
}

// RepoConfig is what a repository's kind adds.
type RepoConfig struct {
	Dist       string   `json:"dist,omitempty"`
	Comps      []string `json:"comps,omitempty"`
	RepoName   string   `json:"repo_name,omitempty"`
	MirrorList string   `json:"mirrorlist,omitempty"`
	GPGCheck   *bool    `json:"gpgcheck,omitempty"`
	GPGKey     string   `json:"gpgkey,omitempty"`
}

// RepositoryEditor changes the host's repositories: the embedding program
// decides whether this server may. Nil (the default) refuses.
type RepositoryEditor interface {
	AddRepository(ctx context.Context, r Repository) error
	UpdateRepository(ctx context.Context, id string, r Repository) error
	DeleteRepository(ctx context.Context, id string) error
	EnableRepository(ctx context.Context, id string, on bool) error
}

// PackageUpdate is a package the host can upgrade.
type PackageUpdate struct {
	Name       string `json:"package_name"`
	Arch       string `json:"arch"`
	Version    string `json:"version"`
	Repository string `json:"repository"`
}

// packageSystem is "deb", "yum" or "" (none this server knows).
func (s *Service) packageSystem() string {
	if st, err := os.Stat(s.hostPath("/etc/apt")); err == nil && st.IsDir() {
		return "deb"
	}
	if st, err := os.Stat(s.hostPath("/etc/yum.repos.d")); err == nil && st.IsDir() {
		return "yum"
	}
	return ""
}

func debID(uri, dist string, comps []string) string {
	h := sha256.Sum256([]byte("deb " + uri + " " + dist + " " + strings.Join(comps, " ")))
	return hex.EncodeToString(h[:6])
}

// Repositories lists the host's repositories as its package system's
// files say: apt's one-line and deb822 sources, or yum's .repo files.
func (s *Service) Repositories() ([]Repository, error) {
	out := []Repository{}
	switch s.packageSystem() {
	case "deb":
		files := []string{s.hostPath("/etc/apt/sources.list")}
		more, _ := filepath.Glob(s.hostPath("/etc/apt/sources.list.d/*.list"))
		files = append(files, more...)
		for _, f := range files {
			out = append(out, readOneLine(f)...)
		}
		d822, _ := filepath.Glob(s.hostPath("/etc/apt/sources.list.d/*.sources"))
		for _, f := range d822 {
			out = append(out, readDeb822(f)...)
		}
	case "yum":
		files, _ := filepath.Glob(s.hostPath("/etc/yum.repos.d/*.repo"))
		for _, f := range files {
			out = append(out, readYum(f)...)
		}
	}
	return out, nil
}

func readOneLine(path string) []Repository {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Repository
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		enabled := true
		if rest, ok := strings.CutPrefix(line, "#"); ok {
			line, enabled = strings.TrimSpace(rest), false
		}
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "deb" {
			continue
		}
		fields = fields[1:]
		if strings.HasPrefix(fields[0], "[") { // options
			for len(fields) > 0 && !strings.HasSuffix(fields[0], "]") {
				fields = fields[1:]
			}
			if len(fields) > 0 {
				fields = fields[1:]
			}
		}
		if len(fields) < 2 {
			continue
		}
		uri, dist, comps := fields[0], fields[1], fields[2:]
		if comps == nil {
			comps = []string{}
		}
		out = append(out, Repository{RepoID: debID(uri, dist, comps), BaseURL: uri, Enabled: enabled, Config: RepoConfig{Dist: dist, Comps: comps}})
	}
	return out
}

func readDeb822(path string) []Repository {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []Repository
	for _, stanza := range strings.Split(string(b), "\n\n") {
		kv := map[string]string{}
		for _, l := range strings.Split(stanza, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") {
				kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if !slices.Contains(strings.Fields(kv["types"]), "deb") {
			continue
		}
		enabled := !strings.EqualFold(kv["enabled"], "no")
		comps := strings.Fields(kv["components"])
		if comps == nil {
			comps = []string{}
		}
		for _, uri := range strings.Fields(kv["uris"]) {
			for _, dist := range strings.Fields(kv["suites"]) {
				out = append(out, Repository{RepoID: debID(uri, dist, comps), BaseURL: uri, Enabled: enabled, Config: RepoConfig{Dist: dist, Comps: comps}})
			}
		}
	}
	return out
}

func readYum(path string) []Repository {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Repository
	var cur *Repository
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			out = append(out, Repository{RepoID: strings.Trim(l, "[]"), Enabled: true})
			cur = &out[len(out)-1]
		case cur != nil && strings.Contains(l, "="):
			k, v, _ := strings.Cut(l, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch k {
			case "name":
				cur.Config.RepoName = v
			case "baseurl":
				cur.BaseURL = v
			case "mirrorlist":
				cur.Config.MirrorList = v
			case "enabled":
				cur.Enabled = v != "0"
			case "gpgcheck":
				on := v != "0"
				cur.Config.GPGCheck = &on
			case "gpgkey":
				cur.Config.GPGKey = v
			}
		}
	}
	return out
}

// Repository returns one.
func (s *Service) Repository(id string) (Repository, error) {
	all, err := s.Repositories()
	if err != nil {
		return Repository{}, err
	}
	for _, r := range all {
		if r.RepoID == id {
			return r, nil
		}
	}
	return Repository{}, notFound("KCHREPOS0012E", "Repository %s does not exist", id)
}

var errNoRepoEditor = kerr(ErrForbidden, "KCHAPI0009E", "You don't have permission to perform this operation: this server does not edit its host's repositories unless the program running it allows it")

// checkRepo validates a repository to add or change.
func (s *Service) checkRepo(r Repository) error {
	sys := s.packageSystem()
	if sys == "" {
		return invalid("KCHREPOS0014E", "No package system this server knows (apt or yum) on the host")
	}
	u, err := url.Parse(r.BaseURL)
	if r.BaseURL == "" || err != nil || !slices.Contains([]string{"http", "https", "ftp", "file"}, u.Scheme) || strings.ContainsAny(r.BaseURL, " \n\t") {
		return invalid("KCHREPOS0002E", "Repository URL must be an http://, https://, ftp:// or file:// URL")
	}
	if sys == "deb" {
		if r.Config.Dist == "" || strings.ContainsAny(r.Config.Dist, " \n\t#") {
			return invalid("KCHREPOS0013E", "Specify the distribution (dist) of a deb repository")
		}
		for _, c := range r.Config.Comps {
			if c == "" || strings.ContainsAny(c, " \n\t#") {
				return invalid("KCHREPOS0013E", "Components (comps) of a deb repository are words")
			}
		}
	}
	if sys == "yum" && r.RepoID != "" && (strings.ContainsAny(r.RepoID, " \n\t[]/") || len(r.RepoID) > 128) {
		return invalid("KCHREPOS0001E", "Repository ID must be one word")
	}
	return nil
}

// AddRepository adds a repository through Options.Repositories.
func (s *Service) AddRepository(ctx context.Context, r Repository) (Repository, error) {
	if err := s.checkRepo(r); err != nil {
		return r, err
	}
	if s.opts.Repositories == nil {
		return r, errNoRepoEditor
	}
	if r.RepoID == "" && s.packageSystem() == "deb" {
		r.RepoID = debID(r.BaseURL, r.Config.Dist, r.Config.Comps)
	}
	if _, err := s.Repository(r.RepoID); err == nil {
		return r, invalid("KCHREPOS0022E", "Repository %s already exists", r.RepoID)
	}
	r.Enabled = true
	return r, s.opts.Repositories.AddRepository(ctx, r)
}

// UpdateRepository changes a repository through Options.Repositories.
func (s *Service) UpdateRepository(ctx context.Context, id string, r Repository) error {
	cur, err := s.Repository(id)
	if err != nil {
		return err
	}
	if r.BaseURL == "" {
		r.BaseURL = cur.BaseURL
	}
	if r.Config.Dist == "" {
		r.Config.Dist = cur.Config.Dist
	}
	if err := s.checkRepo(r); err != nil {
		return err
	}
	if s.opts.Repositories == nil {
		return errNoRepoEditor
	}
	return s.opts.Repositories.UpdateRepository(ctx, id, r)
}

// RepositoryAction enables or disables a repository.
func (s *Service) RepositoryAction(ctx context.Context, id, action string) error {
	if _, err := s.Repository(id); err != nil {
		return err
	}
	if action != "enable" && action != "disable" {
		return errNoRoute
	}
	if s.opts.Repositories == nil {
		return errNoRepoEditor
	}
	return s.opts.Repositories.EnableRepository(ctx, id, action == "enable")
}

// DeleteRepository removes a repository.
func (s *Service) DeleteRepository(ctx context.Context, id string) error {
	if _, err := s.Repository(id); err != nil {
		return err
	}
	if s.opts.Repositories == nil {
		return errNoRepoEditor
	}
	return s.opts.Repositories.DeleteRepository(ctx, id)
}

// PackageUpdates lists what the host's package system would upgrade, from
// what it already knows (no download): apt list --upgradable, or yum
// check-update. One look runs at a time, and its answer is kept for a
// minute (an error for ten seconds); a request whose deadline passes
// while it runs answers 503, and the look goes on for the next.
func (s *Service) PackageUpdates(ctx context.Context) ([]PackageUpdate, error) {
	return s.updates.get(ctx, s.life, time.Minute, 10*time.Second, 2*time.Minute, s.listUpdates)
}

func (s *Service) listUpdates(ctx context.Context) ([]PackageUpdate, error) {
	out := []PackageUpdate{}
	switch s.packageSystem() {
	case "deb":
		b, err := exec.CommandContext(ctx, "apt", "list", "--upgradable").Output()
		if err != nil {
			return nil, kerr(nil, "KCHPKGUPD0001E", "Unable to list package updates: %v", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			name, repo, ok := strings.Cut(f0(f), "/")
			if !ok || len(f) < 3 {
				continue
			}
			out = append(out, PackageUpdate{Name: name, Version: f[1], Arch: f[2], Repository: strings.Split(repo, ",")[0]})
		}
	case "yum":
		b, _ := exec.CommandContext(ctx, "yum", "-q", "check-update").Output() // exit 100: updates available
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) != 3 || !strings.Contains(f[0], ".") {
				continue
			}
			i := strings.LastIndex(f[0], ".")
			out = append(out, PackageUpdate{Name: f[0][:i], Arch: f[0][i+1:], Version: f[1], Repository: f[2]})
		}
	}
	return out, nil
}

func f0(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// PackageUpdate returns one.
func (s *Service) PackageUpdate(ctx context.Context, name string) (PackageUpdate, error) {
	all, err := s.PackageUpdates(ctx)
	if err != nil {
		return PackageUpdate{}, err
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return PackageUpdate{}, notFound("KCHPKGUPD0002E", "Package %s is not marked to be updated", name)
}

// probe runs a slow look at the host (a package system's) once at a
// time and keeps its answer a while: however many clients ask, one runs,
// the others wait for it — each no longer than its own deadline, which
// answers 503 — and for ttl after, the answer is given as it was.
type probe[T any] struct {
	mu      sync.Mutex
	running chan struct{} // closed when the run in progress ends
	val     T
	err     error
	at      time.Time
}

// get returns the answer, running fn when the last is older than ttl
// (errTTL for an error). fn runs detached from ctx, bounded by life and
// timeout, so a client that gives up does not waste the run for the next.
func (p *probe[T]) get(ctx, life context.Context, ttl, errTTL, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	p.mu.Lock()
	fresh := !p.at.IsZero() && time.Since(p.at) < ttl && (p.err == nil || time.Since(p.at) < errTTL)
	if fresh {
		v, err := p.val, p.err
		p.mu.Unlock()
		return v, err
	}
	if p.running == nil {
		done := make(chan struct{})
		p.running = done
		go func() {
			rctx, cancel := context.WithTimeout(life, timeout)
			defer cancel()
			v, err := fn(rctx)
			p.mu.Lock()
			p.val, p.err, p.at, p.running = v, err, time.Now(), nil
			p.mu.Unlock()
			close(done)
		}()
	}
	wait := p.running
	p.mu.Unlock()
	select {
	case <-wait:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.val, p.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
