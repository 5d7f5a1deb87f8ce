package kimchi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/netslice/netslice/virt"
)

// IsoPool is the reserved pool that gathers the ISO images of every
// active pool.
const IsoPool = "kimchi_isos"

// PoolSource is where a pool's storage comes from.
type PoolSource struct {
	Addr        string     `json:"addr,omitempty"` // netfs, iscsi: the server
	Path        string     `json:"path,omitempty"` // netfs: the export
	Devices     []string   `json:"devices,omitempty"`
	Target      string     `json:"target,omitempty"` // iscsi: the IQN
	Port        int        `json:"port,omitempty"`
	AdapterName string     `json:"adapter_name,omitempty"`
	Auth        *PoolLogin `json:"auth,omitempty"` // iscsi with CHAP
}

// PoolLogin is the CHAP login a pool uses; its password stays with the
// hypervisor.
type PoolLogin struct {
	Username string `json:"username"`
}

// StoragePool is a storage pool as Kimchi shows it.
type StoragePool struct {
	Name       string     `json:"name"`
	State      string     `json:"state"` // active, inactive
	Path       string     `json:"path"`
	Type       string     `json:"type"`
	Capacity   uint64     `json:"capacity"`
	Allocated  uint64     `json:"allocated"`
	Available  uint64     `json:"available"`
	NrVolumes  int        `json:"nr_volumes"`
	Autostart  bool       `json:"autostart"`
	Persistent bool       `json:"persistent"`
	InUse      bool       `json:"in_use"`
	Source     PoolSource `json:"source"`
	// TaskID is the deep scan's task, in the answer to creating a
	// kimchi-iso pool.
	TaskID string `json:"task_id,omitempty"`
}

// PoolRequest is POST /storagepools.
type PoolRequest struct {
	Name   string `json:"name" code:"KCHPOOL0016E"`
	Type   string `json:"type" code:"KCHPOOL0017E"` // dir, kimchi-iso, netfs, logical, iscsi, scsi
	Path   string `json:"path" code:"KCHPOOL0018E"`
	Source *struct {
		Host        string   `json:"host" code:"KCHPOOL0019E"`
		Path        string   `json:"path" code:"KCHPOOL0018E"`
		Devices     []string `json:"devices" code:"KCHPOOL0021E"`
		Target      string   `json:"target" code:"KCHPOOL0022E"`
		Port        int      `json:"port" code:"KCHPOOL0023E"`
		AdapterName string   `json:"adapter_name" code:"KCHPOOL0030E"`
		Auth        *struct {
			Username string `json:"username" code:"KCHPOOL0024E"`
			Password string `json:"password" code:"KCHPOOL0025E"`
		} `json:"auth"`
	} `json:"source" code:"KCHPOOL0026E"`
}

// PoolUpdate is PUT /storagepools/{name}.
type PoolUpdate struct {
	Autostart *bool     `json:"autostart"`
	Disks     *[]string `json:"disks"`
}

func poolNotFound(name string) error {
	return notFound("KCHPOOL0002E", "Storage pool %s does not exist", name)
}

// cleanPath accepts an absolute path with no "..", "." or empty
// components and no NUL.
func cleanPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.ContainsRune(p, 0) && filepath.Clean(p) == p && len(p) <= 4096
}

// poolView turns a driver pool into Kimchi's.
func (s *Service) poolView(ctx context.Context, p virt.Pool, users map[string]bool) StoragePool {
	out := StoragePool{Name: p.Name, State: "inactive", Path: p.Path, Type: p.Type, Capacity: p.Capacity,
		Allocated: p.Allocation, Available: p.Available, Autostart: p.Autostart, Persistent: p.Persistent,
		InUse: users[p.Name],
		Source: PoolSource{Addr: p.SourceHost, Path: p.SourcePath, Devices: p.SourceDevices, Target: p.SourceTarget,
			Port: p.SourcePort, AdapterName: p.SourceAdapter}}
	if p.Auth != nil {
		out.Source.Auth = &PoolLogin{Username: p.Auth.Username}
	}
	if p.Active {
		out.State, out.NrVolumes = "active", p.Volumes
	}
	return out
}

// poolUsers says which pools templates or VM disks use.
func (s *Service) poolUsers(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	tmpls, err := s.Templates(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tmpls {
		if p, ok := poolName(t.StoragePool); ok {
			out[p] = true
		}
	}
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue
		}
		for _, disk := range dom.Disks {
			if disk.Pool != "" {
				out[disk.Pool] = true
			}
		}
	}
	return out, nil
}

// StoragePools lists the pools, kimchi_isos last.
func (s *Service) StoragePools(ctx context.Context) ([]StoragePool, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	pools, err := drv.Pools(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	users, err := s.poolUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StoragePool, 0, len(pools)+1)
	for _, p := range pools {
		out = append(out, s.poolView(ctx, p, users))
	}
	iso, err := s.isoPool(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, iso), nil
}

// StoragePool returns one pool.
func (s *Service) StoragePool(ctx context.Context, name string) (StoragePool, error) {
	drv, err := s.driver()
	if err != nil {
		return StoragePool{}, err
	}
	if name == IsoPool {
		return s.isoPool(ctx)
	}
	p, err := drv.Pool(ctx, name)
	if errors.Is(err, virt.ErrNotFound) || !validName(name) {
		return StoragePool{}, poolNotFound(name)
	}
	if err != nil {
		return StoragePool{}, fromVirt(err, "KCHPOOL0006E", "KCHPOOL0002E", "Unable to read storage pool %s.", name)
	}
	users, err := s.poolUsers(ctx)
	if err != nil {
		return StoragePool{}, err
	}
	return s.poolView(ctx, p, users), nil
}

// isoPool is kimchi_isos: every ISO of every active pool.
func (s *Service) isoPool(ctx context.Context) (StoragePool, error) {
	isos, err := s.isoVolumes(ctx)
	if err != nil {
		return StoragePool{}, err
	}
	return StoragePool{Name: IsoPool, State: "active", Type: "kimchi-iso", NrVolumes: len(isos)}, nil
}

var poolTypes = []string{"dir", "kimchi-iso", "netfs", "logical", "iscsi", "scsi"}

// CreateStoragePool defines a persistent pool (a directory pool's
// directory is made), inactive until activated. A kimchi-iso pool is a
// deep scan of its path for ISO images instead: an active pool of the
// images found, filled by the task whose id the answer carries.
func (s *Service) CreateStoragePool(ctx context.Context, req PoolRequest) (StoragePool, error) {
	drv, err := s.driver()
	if err != nil {
		return StoragePool{}, err
	}
	if req.Name == "" || req.Type == "" {
		return StoragePool{}, invalid("KCHPOOL0026E", "Specify name and type to create a storage pool")
	}
	if req.Name == IsoPool {
		return StoragePool{}, invalid("KCHPOOL0031E", "The storage pool kimchi_isos is reserved for internal use")
	}
	if !validName(req.Name) || strings.HasPrefix(req.Name, ".") {
		return StoragePool{}, invalid("KCHPOOL0016E", "Storage pool name must be a string without slashes (/)")
	}
	if !slices.Contains(poolTypes, req.Type) {
		return StoragePool{}, invalid("KCHPOOL0017E", "Supported storage pool types are %s", strings.Join(poolTypes, ", "))
	}
	need := func(item string) error {
		return invalid("KCHPOOL0004E", "Specify %s in order to create the storage pool %s", item, req.Name)
	}
	spec := virt.PoolSpec{Name: req.Name, Type: req.Type, Path: req.Path}
	src := req.Source
	switch req.Type {
	case "dir", "kimchi-iso":
		if req.Path == "" {
			return StoragePool{}, need("path")
		}
		if !cleanPath(req.Path) {
			return StoragePool{}, invalid("KCHPOOL0018E", "Storage pool path must be an absolute path without . or .. components")
		}
		if req.Type == "kimchi-iso" {
			return s.deepScan(ctx, req)
		}
		if systemDir(req.Path) {
			return StoragePool{}, invalid("KCHPOOL0007E", "Unable to create storage pool %s. Details: %s is the root or a system directory", req.Name, req.Path)
		}
		spec.Type = "dir"
	case "netfs":
		if src == nil || src.Host == "" || src.Path == "" {
			return StoragePool{}, need("source host and path")
		}
		spec.SourceHost, spec.SourcePath, spec.Path = src.Host, src.Path, "/var/lib/kimchi/nfs_mount/"+req.Name
	case "logical":
		if src == nil || len(src.Devices) == 0 {
			return StoragePool{}, need("source devices")
		}
		for _, d := range src.Devices {
			if !cleanPath(d) || !strings.HasPrefix(d, "/dev/") {
				return StoragePool{}, invalid("KCHPOOL0020E", "Storage pool device must be the absolute path to the block device")
			}
		}
		spec.SourceDevices, spec.Path = src.Devices, "/dev/"+req.Name
	case "iscsi":
		if src == nil || src.Host == "" || src.Target == "" {
			return StoragePool{}, need("source host and target")
		}
		if a := src.Auth; a != nil {
			// CHAP: the password goes to libvirt's secret store.
			if a.Username == "" {
				return StoragePool{}, invalid("KCHPOOL0024E", "iSCSI target username must be a non-empty string")
			}
			if a.Password == "" {
				return StoragePool{}, invalid("KCHPOOL0025E", "iSCSI target password must be a non-empty string")
			}
			spec.Auth = &virt.PoolAuth{Username: a.Username, Password: a.Password}
		}
		spec.SourceHost, spec.SourceTarget, spec.SourcePort, spec.Path = src.Host, src.Target, src.Port, "/dev/disk/by-path"
	case "scsi":
		if src == nil || src.AdapterName == "" {
			return StoragePool{}, need("source adapter_name")
		}
		spec.SourceAdapter, spec.Path = src.AdapterName, "/dev/disk/by-path"
	}
	if src != nil {
		if src.Host != "" && !validHost(src.Host) {
			return StoragePool{}, invalid("KCHPOOL0019E", "Storage pool host must be a IP or hostname")
		}
		if src.Port != 0 && (src.Port < 1 || src.Port > 65535) {
			return StoragePool{}, invalid("KCHPOOL0023E", "Port of a remote storage server must be an integer between 1 and 65535")
		}
		if src.Path != "" && !cleanPath(src.Path) {
			return StoragePool{}, invalid("KCHPOOL0018E", "Storage pool path must be an absolute path without . or .. components")
		}
	}
	if _, err := drv.DefinePool(ctx, spec); errors.Is(err, virt.ErrExists) {
		return StoragePool{}, invalid("KCHPOOL0001E", "Storage pool %s already exists", req.Name)
	} else if err != nil {
		return StoragePool{}, fromVirt(err, "KCHPOOL0007E", "", "Unable to create storage pool %s.", req.Name)
	}
	return s.StoragePool(ctx, req.Name)
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 || h == "" {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// VolumeGroupExtender is what HostActions may also do: add disks to an
// LVM volume group (vgextend), for PUT disks on a logical pool.
type VolumeGroupExtender interface {
	ExtendVolumeGroup(ctx context.Context, vg string, disks []string) error
}

// UpdateStoragePool sets autostart, and extends a logical pool with disks
// through Options.HostActions when it is a VolumeGroupExtender.
func (s *Service) UpdateStoragePool(ctx context.Context, name string, req PoolUpdate) (StoragePool, error) {
	p, err := s.StoragePool(ctx, name)
	if err != nil {
		return p, err
	}
	if name == IsoPool {
		return p, invalid("KCHPOOL0031E", "The storage pool kimchi_isos is reserved for internal use")
	}
	if req.Disks != nil {
		if p.Type != "logical" {
			return p, invalid("KCHPOOL0029E", "The parameter disks only can be updated for logical storage pool.")
		}
		for _, d := range *req.Disks {
			if !cleanPath(d) || !strings.HasPrefix(d, "/dev/") {
				return p, invalid("KCHPOOL0027E", "%s is not a valid disk/partition. Could not add it to the pool %s.", d, name)
			}
		}
		// vgextend changes the machine: only through the embedding
		// program's HostActions, when it offers it.
		ext, ok := s.opts.HostActions.(VolumeGroupExtender)
		if !ok {
			return p, errHostActions
		}
		// libvirt names a logical pool's volume group after the pool.
		if err := ext.ExtendVolumeGroup(ctx, name, *req.Disks); err != nil {
			return p, err
		}
		if err := s.drv.RefreshPool(ctx, name); err != nil {
			return p, fromVirt(err, "KCHPOOL0028E", "KCHPOOL0002E", "Unable to extend logical pool %s.", name)
		}
	}
	if req.Autostart != nil {
		if err := s.drv.SetPoolAutostart(ctx, name, *req.Autostart); err != nil {
			return p, fromVirt(err, "KCHPOOL0007E", "KCHPOOL0002E", "Unable to update storage pool %s.", name)
		}
	}
	return s.StoragePool(ctx, name)
}

// PoolAction activates or deactivates a pool; deactivating one that
// templates or VMs use is refused.
func (s *Service) PoolAction(ctx context.Context, name, action string) error {
	p, err := s.StoragePool(ctx, name)
	if err != nil {
		return err
	}
	if name == IsoPool {
		return invalid("KCHPOOL0031E", "The storage pool kimchi_isos is reserved for internal use")
	}
	switch action {
	case "activate":
		if p.State == "active" {
			return nil
		}
		return fromVirt(s.drv.StartPool(ctx, name), "KCHPOOL0009E", "KCHPOOL0002E", "Unable to activate storage pool %s.", name)
	case "deactivate":
		if p.State != "active" {
			return nil
		}
		if p.InUse {
			return invalid("KCHPOOL0034E", "Unable to deactivate pool %s as it is associated with some templates or virtual machines", name)
		}
		return fromVirt(s.drv.StopPool(ctx, name), "KCHPOOL0010E", "KCHPOOL0002E", "Unable to deactivate storage pool %s.", name)
	}
	return errNoRoute
}

// DeleteStoragePool undefines an inactive pool nothing uses (its volumes
// stay on disk, as libvirt leaves them).
func (s *Service) DeleteStoragePool(ctx context.Context, name string) error {
	p, err := s.StoragePool(ctx, name)
	if err != nil {
		return err
	}
	switch {
	case name == IsoPool:
		return invalid("KCHPOOL0031E", "The storage pool kimchi_isos is reserved for internal use")
	case p.State == "active":
		return invalid("KCHPOOL0005E", "Unable to delete active storage pool %s", name)
	case p.InUse:
		return invalid("KCHPOOL0035E", "Unable to delete pool %s as it is associated with some templates or virtual machines", name)
	}
	if err := s.drv.UndefinePool(ctx, name); err != nil {
		return fromVirt(err, "KCHPOOL0011E", "KCHPOOL0002E", "Unable to delete storage pool %s.", name)
	}
	s.forgetScan(ctx, name)
	return nil
}

// volumePath is where a volume named name lives in a directory pool, or
// an error when the name would leave it.
func volumePath(poolDir, name string) (string, error) {
	if !validVolumeName(name) {
		return "", invalid("KCHVOL0013E", "Storage volume name must be a file name: no slashes, no leading dot, no NUL")
	}
	p := filepath.Join(poolDir, name)
	if filepath.Dir(p) != filepath.Clean(poolDir) {
		return "", invalid("KCHVOL0013E", "Storage volume name must be a file name: no slashes, no leading dot, no NUL")
	}
	return p, nil
}

func validVolumeName(name string) bool {
	return validName(name) && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, "\\") && path.Base(name) == name
}

var errIsoReadOnly = invalid("KCHPOOL0031E", "The storage pool kimchi_isos is reserved for internal use: its volumes are other pools'")

// fmtBytes is for messages.
func fmtBytes(n uint64) string { return fmt.Sprintf("%d bytes", n) }
