package kimchi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netslice/netslice/virt"
)

// Host files a client may name — a template's or a VM's CD-ROM, a disk
// given by path — are confined to the directories of the active storage
// pools: a client cannot hand a guest /etc/shadow. And a directory pool
// cannot be made of a system directory, where an upload would plant a
// file the system runs (/etc/cron.d).

var errOutsidePools = errors.New("not a file in an active storage pool")

// hostFile returns the real path of a file a client names, symlinks
// resolved, if it is a regular file inside an active pool's directory
// (that directory's symlinks resolved too), or an ISO image a deep scan
// linked.
func (s *Service) hostFile(ctx context.Context, path string) (string, error) {
	if !filepath.IsAbs(path) || strings.ContainsRune(path, 0) {
		return "", errOutsidePools
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", errOutsidePools
	}
	if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
		return "", errOutsidePools
	}
	drv, err := s.driver()
	if err != nil {
		return "", err
	}
	if s.scanned(ctx, path, real) {
		return real, nil
	}
	pools, err := drv.Pools(ctx)
	if err != nil {
		return "", fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	for _, p := range pools {
		if !p.Active || p.Type != "dir" && p.Type != "netfs" || p.Path == "" {
			continue
		}
		dir, err := filepath.EvalSymlinks(p.Path)
		if err != nil {
			continue
		}
		if strings.HasPrefix(real, strings.TrimSuffix(dir, "/")+"/") {
			return real, nil
		}
	}
	return "", errOutsidePools
}

// errNotISO is a CD-ROM's medium that is no ISO 9660 image.
func notISO(path string) *Error { return invalid("KCHISO0001E", "Unable to find ISO file %s", path) }

// media checks a medium a client names for a VM: a file on this host
// must be one hostFile allows and, for a CD-ROM (iso), an ISO 9660 image
// (KCHISO0001E, as Kimchi probes it); a path with no file here must be a
// volume of an active pool (the hypervisor's own, which this host cannot
// read: a remote or simulated one). Anything else is errOutsidePools.
func (s *Service) media(ctx context.Context, path string, iso bool) error {
	if _, err := os.Lstat(path); err == nil {
		real, err := s.hostFile(ctx, path)
		if err != nil {
			return err
		}
		if _, err := readISO(real); iso && err != nil {
			return notISO(path)
		}
		return nil
	}
	if !filepath.IsAbs(path) {
		return errOutsidePools
	}
	drv, err := s.driver()
	if err != nil {
		return err
	}
	pools, err := drv.Pools(ctx)
	if err != nil {
		return fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	for _, p := range pools {
		if !p.Active || !strings.HasPrefix(path, strings.TrimSuffix(p.Path, "/")+"/") {
			continue
		}
		vols, err := drv.Volumes(ctx, p.Name)
		if err != nil {
			continue
		}
		if slices.ContainsFunc(vols, func(v virt.Volume) bool { return v.Path == path }) {
			return nil
		}
	}
	return errOutsidePools
}

// systemDirs may not hold a storage pool, nor any directory under them.
var systemDirs = []string{"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc",
	"/sys", "/dev", "/run", "/root", "/var/spool", "/var/run", "/var/lib/dpkg", "/var/lib/apt", "/var/log"}

// systemDir reports whether a directory is the root or a system directory
// (or under one), symlinks resolved as far as they exist.
func systemDir(path string) bool {
	p := filepath.Clean(path)
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	if p == "/" {
		return true
	}
	for _, d := range systemDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
