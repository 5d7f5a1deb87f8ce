package kimchi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/virt"
)

// A deep scan is what Kimchi's UI asks for to find ISO images anywhere on
// the host (POST /storagepools {"type": "kimchi-iso", "path": "/"}): a
// task walks the path and links each ISO 9660 image it finds into a
// directory of the scan's own, which a directory pool of the requested
// name shows as volumes — the UI lists them while the task runs. The
// pool lasts until it is deleted or the server starts again.

// scanSkip are the directories a scan never enters: what the kernel
// makes up rather than stores.
var scanSkip = []string{"/proc", "/sys", "/dev", "/run"}

// maxScanFinds bounds the images one scan links.
const maxScanFinds = 10000

func (s *Service) scanKey(name string) string {
	return s.opts.KeyPrefix + "isoscans/" + s.opts.ServerID + "/" + name
}

// deepScan starts a scan of req.Path into a new pool req.Name and returns
// the pool with the scan's task id.
func (s *Service) deepScan(ctx context.Context, req PoolRequest) (StoragePool, error) {
	if st, err := os.Stat(req.Path); err != nil || !st.IsDir() {
		return StoragePool{}, invalid("KCHPOOL0018E", "Storage pool path must be a directory on the host: %s", req.Path)
	}
	if _, err := s.drv.Pool(ctx, req.Name); err == nil {
		return StoragePool{}, invalid("KCHPOOL0001E", "Storage pool %s already exists", req.Name)
	}
	dir, err := os.MkdirTemp(s.opts.ScanDir, "kimchi-scan-")
	if err != nil {
		return StoragePool{}, fmt.Errorf("kimchi: making a deep scan's directory: %w", err)
	}
	// The hypervisor reads the links (it may run as another user).
	os.Chmod(dir, 0o755)
	// Recorded first, so that a server killed from here on finds it.
	if _, err := s.st.Put(ctx, s.scanKey(req.Name), []byte(dir)); err != nil {
		os.Remove(dir)
		return StoragePool{}, err
	}
	undo := func() {
		s.drv.UndefinePool(context.WithoutCancel(ctx), req.Name)
		os.RemoveAll(dir)
		s.st.Delete(context.WithoutCancel(ctx), s.scanKey(req.Name))
	}
	if _, err := s.drv.DefinePool(ctx, virt.PoolSpec{Name: req.Name, Type: "dir", Path: dir}); err != nil {
		undo()
		if errors.Is(err, virt.ErrExists) {
			return StoragePool{}, invalid("KCHPOOL0001E", "Storage pool %s already exists", req.Name)
		}
		return StoragePool{}, fromVirt(err, "KCHPOOL0007E", "", "Unable to create storage pool %s.", req.Name)
	}
	if err := s.drv.StartPool(ctx, req.Name); err != nil {
		undo()
		return StoragePool{}, fromVirt(err, "KCHPOOL0009E", "", "Unable to activate storage pool %s.", req.Name)
	}
	root := req.Path
	t, err := s.run(ctx, "/storagepools/"+IsoPool, "Deep scanning "+root, func(ctx context.Context, step func(string)) error {
		// Deleting the pool stops its scan.
		ctx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		if s.scans == nil {
			s.scans = map[string]context.CancelFunc{}
		}
		s.scans[req.Name] = cancel
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.scans, req.Name)
			s.mu.Unlock()
			cancel()
		}()
		err := s.scanISOs(ctx, req.Name, root, dir, step)
		if errors.Is(err, context.Canceled) && s.life.Err() == nil {
			return poolNotFound(req.Name)
		}
		return err
	})
	if err != nil {
		undo()
		return StoragePool{}, err
	}
	p, err := s.StoragePool(ctx, req.Name)
	p.TaskID = t.ID
	return p, err
}

// scanISOs walks root for ISO images and links each into dir, refreshing
// pool now and then so that the UI sees them come.
func (s *Service) scanISOs(ctx context.Context, pool, root, dir string, step func(string)) error {
	skip := map[string]bool{}
	for _, d := range scanSkip {
		skip[d] = true
	}
	// What active pools already show is in kimchi_isos; other scans'
	// links are theirs.
	pools, err := s.drv.Pools(ctx)
	if err != nil {
		return fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	inPool := map[string]bool{}
	for _, p := range pools {
		if p.Active && p.Path != "" {
			inPool[filepath.Clean(p.Path)] = true
		}
	}
	others := s.scanDirs(ctx)
	found, taken := 0, map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil // unreadable: passed over, as the rest is not
		}
		if d.IsDir() {
			if path != root && (skip[path] || others[path] || path == dir) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(filepath.Ext(path), ".iso") || inPool[filepath.Dir(path)] {
			return nil
		}
		if _, err := readISO(path); err != nil {
			return nil
		}
		if err := os.Symlink(path, filepath.Join(dir, linkName(filepath.Base(path), taken))); errors.Is(err, fs.ErrNotExist) {
			return poolNotFound(pool) // deleted meanwhile
		} else if err != nil {
			return err
		}
		found++
		if found%20 == 1 {
			s.drv.RefreshPool(ctx, pool)
			step(fmt.Sprintf("%d ISO images found so far", found))
		}
		if found >= maxScanFinds {
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fromVirt(s.drv.RefreshPool(ctx, pool), "KCHPOOL0006E", "KCHPOOL0002E", "Unable to refresh storage pool %s.", pool)
}

// linkName is a volume name for an image: its file name made one the API
// can address, numbered when another image had it.
func linkName(base string, taken map[string]bool) string {
	base = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || strings.ContainsRune("\\\"", r) {
			return '_'
		}
		return r
	}, strings.TrimLeft(strings.TrimSpace(base), "."))
	ext := filepath.Ext(base)
	name := base
	for n := 2; taken[name] || len(name) > 255; n++ {
		stem := strings.TrimSuffix(base, ext)
		name = fmt.Sprintf("%s-%d%s", stem[:min(len(stem), 200)], n, ext)
	}
	taken[name] = true
	return name
}

// scanDirs are the directories of the deep scans of every server sharing
// the store.
func (s *Service) scanDirs(ctx context.Context) map[string]bool {
	dirs := map[string]bool{}
	store.ScanAll(ctx, s.st, s.opts.KeyPrefix+"isoscans/", func(_, v []byte) error {
		dirs[string(v)] = true
		return nil
	})
	return dirs
}

// scanned returns the image a deep scan linked at path, when path is such
// a link and what it leads to is still an ISO image.
func (s *Service) scanned(ctx context.Context, path, real string) bool {
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	if !s.scanDirs(ctx)[filepath.Dir(filepath.Clean(path))] {
		return false
	}
	_, err := readISO(real)
	return err == nil
}

// forgetScan removes what a deep scan pool held once it is deleted.
func (s *Service) forgetScan(ctx context.Context, name string) {
	s.mu.Lock()
	if cancel := s.scans[name]; cancel != nil {
		cancel()
	}
	s.mu.Unlock()
	kv, err := s.st.Get(ctx, s.scanKey(name))
	if err != nil {
		return
	}
	os.RemoveAll(string(kv.Value))
	s.st.Delete(ctx, s.scanKey(name))
}

// removeScans deletes the pools of this server's earlier deep scans, as
// Kimchi does when it starts, and their directories.
func (s *Service) removeScans(ctx context.Context) {
	prefix := s.opts.KeyPrefix + "isoscans/" + s.opts.ServerID + "/"
	scans := map[string]string{}
	store.ScanAll(ctx, s.st, prefix, func(k, v []byte) error {
		scans[strings.TrimPrefix(string(k), prefix)] = string(v)
		return nil
	})
	for name, dir := range scans {
		if s.drv != nil {
			// Only the pool the scan made: one of that name on another
			// directory is someone else's.
			if p, err := s.drv.Pool(ctx, name); err == nil && p.Path == dir {
				s.drv.StopPool(ctx, name)
				s.drv.UndefinePool(ctx, name)
			}
		}
		os.RemoveAll(dir)
		s.st.Delete(ctx, prefix+name)
	}
}
