package kimchi

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/virt"
)

// StorageVolume is a volume as Kimchi shows it.
type StorageVolume struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Capacity   uint64   `json:"capacity"`
	Allocation uint64   `json:"allocation"`
	Format     string   `json:"format"`
	Path       string   `json:"path"`
	UsedBy     []string `json:"used_by"`
	IsValid    bool     `json:"isvalid"`
	// For an ISO image: what its volume descriptor and boot record say.
	OSDistro  string `json:"os_distro,omitempty"`
	OSVersion string `json:"os_version,omitempty"`
	Bootable  *bool  `json:"bootable,omitempty"`
	// Pool is the pool it is in (said for kimchi_isos' volumes).
	Pool string `json:"pool,omitempty"`
}

// VolumeRequest is POST /storagepools/{pool}/storagevolumes: by capacity
// (Format, and Upload to fill it with PUT chunks), or from URL.
type VolumeRequest struct {
	Name     string  `json:"name" code:"KCHVOL0013E"`
	Capacity *uint64 `json:"capacity" code:"KCHVOL0020E"`
	// Allocation is how much of Capacity is allocated at once (bytes;
	// none: as the hypervisor does).
	Allocation *uint64 `json:"allocation" code:"KCHVOL0014E"`
	Format     string  `json:"format" code:"KCHVOL0015E"`
	Upload     bool    `json:"upload" code:"KCHVOL0025E"`
	URL        string  `json:"url" code:"KCHVOL0021E"`
}

var volumeFormats = []string{"bochs", "cloop", "cow", "dmg", "qcow", "qcow2", "qed", "raw", "vmdk", "vpc", "iso"}

func volNotFound(name, pool string) error {
	return notFound("KCHVOL0002E", "Storage volume %s does not exist in storage pool %s", name, pool)
}

// activePool returns a pool that must exist and be active.
func (s *Service) activePool(ctx context.Context, name, code string) (virt.Pool, error) {
	drv, err := s.driver()
	if err != nil {
		return virt.Pool{}, err
	}
	p, err := drv.Pool(ctx, name)
	if errors.Is(err, virt.ErrNotFound) || !validName(name) {
		return p, poolNotFound(name)
	}
	if err != nil {
		return p, fromVirt(err, "KCHPOOL0006E", "KCHPOOL0002E", "Unable to read storage pool %s.", name)
	}
	if !p.Active {
		return p, invalid(code, "Storage pool %s is not active", name)
	}
	return p, nil
}

// diskUsers maps each disk path to the VMs that have it.
func (s *Service) diskUsers(ctx context.Context) (map[string][]string, error) {
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHVOL0006E", "", "Unable to list virtual machines.")
	}
	out := map[string][]string{}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue
		}
		for _, disk := range dom.Disks {
			if disk.Path != "" && !slices.Contains(out[disk.Path], d.Name) {
				out[disk.Path] = append(out[disk.Path], d.Name)
			}
		}
	}
	return out, nil
}

func isISO(v virt.Volume) bool {
	return v.Format == "iso" || strings.HasSuffix(strings.ToLower(v.Name), ".iso")
}

func (s *Service) volumeView(v virt.Volume, users map[string][]string) StorageVolume {
	out := StorageVolume{Name: v.Name, Type: v.Type, Capacity: v.Capacity, Allocation: v.Allocation, Format: v.Format,
		Path: v.Path, UsedBy: users[v.Path], IsValid: true}
	if out.UsedBy == nil {
		out.UsedBy = []string{}
	}
	if isISO(v) {
		if info, err := readISO(v.Path); err == nil {
			out.OSDistro, out.OSVersion, out.Bootable = info.Distro, info.Version, &info.Bootable
			out.IsValid = info.Bootable
			out.Format = "iso"
		} else {
			f := false
			out.OSDistro, out.OSVersion, out.Bootable, out.IsValid = "unknown", "unknown", &f, false
		}
	}
	return out
}

// StorageVolumes lists an active pool's volumes (kimchi_isos: every ISO
// of every active pool).
func (s *Service) StorageVolumes(ctx context.Context, pool string) ([]StorageVolume, error) {
	if pool == IsoPool {
		if _, err := s.driver(); err != nil {
			return nil, err
		}
		return s.isoVolumes(ctx)
	}
	if _, err := s.activePool(ctx, pool, "KCHVOL0006E"); err != nil {
		return nil, err
	}
	vols, err := s.drv.Volumes(ctx, pool)
	if err != nil {
		return nil, fromVirt(err, "KCHVOL0006E", "KCHPOOL0002E", "Unable to list storage volumes of %s.", pool)
	}
	users, err := s.diskUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StorageVolume, 0, len(vols))
	for _, v := range vols {
		out = append(out, s.volumeView(v, users))
	}
	return out, nil
}

func (s *Service) isoVolumes(ctx context.Context) ([]StorageVolume, error) {
	pools, err := s.drv.Pools(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	users, err := s.diskUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []StorageVolume{}
	for _, p := range pools {
		if !p.Active {
			continue
		}
		vols, err := s.drv.Volumes(ctx, p.Name)
		if err != nil {
			continue // gone or stopped meanwhile
		}
		for _, v := range vols {
			if isISO(v) {
				sv := s.volumeView(v, users)
				sv.Pool = p.Name
				out = append(out, sv)
			}
		}
	}
	return out, nil
}

// StorageVolume returns one volume.
func (s *Service) StorageVolume(ctx context.Context, pool, name string) (StorageVolume, error) {
	if pool == IsoPool {
		if _, err := s.driver(); err != nil {
			return StorageVolume{}, err
		}
		isos, err := s.isoVolumes(ctx)
		if err != nil {
			return StorageVolume{}, err
		}
		for _, v := range isos {
			if v.Name == name {
				return v, nil
			}
		}
		return StorageVolume{}, volNotFound(name, pool)
	}
	if _, err := s.activePool(ctx, pool, "KCHVOL0006E"); err != nil {
		return StorageVolume{}, err
	}
	v, err := s.drv.Volume(ctx, pool, name)
	if errors.Is(err, virt.ErrNotFound) || !validName(name) {
		return StorageVolume{}, volNotFound(name, pool)
	}
	if err != nil {
		return StorageVolume{}, fromVirt(err, "KCHVOL0002E", "KCHVOL0002E", "Unable to read storage volume %s.", name)
	}
	users, err := s.diskUsers(ctx)
	if err != nil {
		return StorageVolume{}, err
	}
	return s.volumeView(v, users), nil
}

func volTarget(pool, name string) string { return "/storagepools/" + pool + "/storagevolumes/" + name }

// CreateStorageVolume starts making a volume: a Task.
func (s *Service) CreateStorageVolume(ctx context.Context, pool string, req VolumeRequest) (Task, error) {
	if pool == IsoPool {
		return Task{}, errIsoReadOnly
	}
	p, err := s.activePool(ctx, pool, "KCHVOL0003E")
	if err != nil {
		return Task{}, err
	}
	if req.Name == "" {
		return Task{}, invalid("KCHVOL0016E", "Storage volume requires a volume name")
	}
	if !validVolumeName(req.Name) {
		return Task{}, invalid("KCHVOL0013E", "Storage volume name must be a file name: no slashes, no leading dot, no NUL")
	}
	switch {
	case req.URL != "" && (req.Capacity != nil || req.Upload):
		return Task{}, invalid("KCHVOL0018E", "Only one of parameter capacity, url can be specified")
	case req.URL == "" && req.Capacity == nil:
		return Task{}, invalid("KCHVOL0004E", "Specify capacity or url in order to create storage volume %s", req.Name)
	case req.Format != "" && !slices.Contains(volumeFormats, req.Format):
		return Task{}, invalid("KCHVOL0015E", "Storage volume format not supported. Valid formats: %s.", strings.Join(volumeFormats, ", "))
	case req.Capacity != nil && (*req.Capacity == 0 || *req.Capacity > 1<<50):
		return Task{}, invalid("KCHVOL0020E", "Storage volume capacity must be a positive number of bytes, at most 1 PiB.")
	case req.Allocation != nil && (*req.Allocation == 0 || req.Capacity == nil || req.Upload || *req.Allocation > *req.Capacity):
		return Task{}, invalid("KCHVOL0014E", "Storage volume allocation must be a positive number of bytes, at most its capacity")
	}
	if _, err := s.drv.Volume(ctx, pool, req.Name); err == nil {
		return Task{}, invalid("KCHVOL0001E", "Storage volume %s already exists", req.Name)
	}
	release, err := s.reserveVolume(pool, req.Name)
	if err != nil {
		return Task{}, err
	}
	target := volTarget(pool, req.Name)
	switch {
	case req.Upload:
		t, err := s.startUpload(ctx, p, req.Name, *req.Capacity, release)
		if err != nil {
			release()
		}
		return t, err
	case req.URL != "":
		u, err := url.Parse(req.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			release()
			return Task{}, invalid("KCHVOL0021E", "Storage volume URL must be http:// or https://.")
		}
		if s.opts.AllowDownload == nil || !s.opts.AllowDownload(u) {
			release()
			return Task{}, kerr(ErrForbidden, "KCHVOL0022E", "Unable to access file %s. Please, check it. Details: this server downloads only from addresses it is told to allow", req.URL)
		}
		t, err := s.run(ctx, target, "downloading "+u.Redacted(), func(ctx context.Context, step func(string)) error {
			defer release()
			return s.download(ctx, p, req.Name, u, step)
		})
		if err != nil {
			release()
		}
		return t, err
	}
	format := or(req.Format, "qcow2")
	spec := virt.VolumeSpec{Name: req.Name, Capacity: *req.Capacity, Format: format}
	if req.Allocation != nil {
		spec.Allocation = *req.Allocation
	}
	t, err := s.run(ctx, target, "creating volume", func(ctx context.Context, step func(string)) error {
		defer release()
		_, err := s.drv.CreateVolume(ctx, pool, spec)
		return fromVirt(err, "KCHVOL0007E", "KCHPOOL0002E", "Unable to create storage volume %s in storage pool %s.", req.Name, pool)
	})
	if err != nil {
		release()
	}
	return t, err
}

// reserveVolume claims a volume name while it is being made.
func (s *Service) reserveVolume(pool, name string) (func(), error) {
	key := "vol:" + pool + "/" + name
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.creating[key] {
		return nil, invalid("KCHVOL0001E", "Storage volume %s already exists", name)
	}
	s.creating[key] = true
	return func() {
		s.mu.Lock()
		delete(s.creating, key)
		s.mu.Unlock()
	}, nil
}

// localDir is a directory pool's directory on this host, or an error
// saying why a file cannot be put there from here.
func localDir(p virt.Pool) (string, error) {
	if p.Type != "dir" {
		return "", invalid("KCHVOL0012E", "Storage type %s does not take uploaded or downloaded volumes here: use a directory pool", p.Type)
	}
	st, err := os.Stat(p.Path)
	if err != nil || !st.IsDir() {
		return "", invalid("KCHVOL0012E", "Storage pool %s's directory %s is not on this server's host", p.Name, p.Path)
	}
	return p.Path, nil
}

// tempFile makes a hidden file in dir for a volume being written, owned
// by whoever owns dir (the hypervisor must read it).
func (s *Service) tempFile(ctx context.Context, dir, name string) (*os.File, error) {
	// Where it writes is kept, so that what a killed server left there is
	// found at its next start, whatever became of the pool.
	key := s.opts.KeyPrefix + "uploaddirs/" + s.opts.ServerID + "/" + hex.EncodeToString([]byte(dir))
	if _, err := s.st.Get(ctx, key); errors.Is(err, store.ErrNotFound) {
		if _, err := s.st.Put(ctx, key, []byte(dir)); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, ".kimchi-upload-"+s.opts.ServerID+"-"+randomHex(6)+"-"+name),
		os.O_RDWR|os.O_CREATE|os.O_EXCL|noFollow, 0o644)
	if err != nil {
		return nil, err
	}
	chownLike(f, dir)
	return f, nil
}

// place renames a finished file into place as the volume and has libvirt
// see it; a name taken meanwhile (a file, a link) is not replaced.
func (s *Service) place(ctx context.Context, p virt.Pool, tmp, name string) error {
	dst, err := volumePath(p.Path, name)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return invalid("KCHVOL0001E", "Storage volume %s already exists", name)
	}
	if err := os.Link(tmp, dst); err != nil { // fails if dst appeared: never replaces
		if errors.Is(err, os.ErrExist) {
			return invalid("KCHVOL0001E", "Storage volume %s already exists", name)
		}
		return err
	}
	os.Remove(tmp)
	return fromVirt(s.drv.RefreshPool(ctx, p.Name), "KCHVOL0007E", "KCHPOOL0002E", "Unable to refresh storage pool %s.", p.Name)
}

// download fetches u into a new volume.
func (s *Service) download(ctx context.Context, p virt.Pool, name string, u *url.URL, step func(string)) error {
	dir, err := localDir(p)
	if err != nil {
		return err
	}
	f, err := s.tempFile(ctx, dir, name)
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	client := &http.Client{CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) > 5 || !s.opts.AllowDownload(r.URL) {
			return fmt.Errorf("redirect to %s is not allowed", r.URL.Redacted())
		}
		return nil
	}}
	res, err := client.Do(req)
	if err != nil {
		return invalid("KCHVOL0022E", "Unable to access file %s. Please, check it. Details: %v", u.Redacted(), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return invalid("KCHVOL0022E", "Unable to access file %s. Please, check it. Details: %s", u.Redacted(), res.Status)
	}
	total := res.ContentLength
	var done int64
	step = throttled(step, progressEvery)
	buf := make([]byte, 1<<20)
	for {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
			done += int64(n)
			if s.opts.MaxDownload > 0 && done > s.opts.MaxDownload {
				return invalid("KCHVOL0022E", "Unable to access file %s. Details: larger than %d bytes", u.Redacted(), s.opts.MaxDownload)
			}
			if total > 0 {
				step(fmt.Sprintf("%d/%d", done, total))
			} else {
				step(strconv.FormatInt(done, 10))
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return invalid("KCHVOL0022E", "Unable to access file %s. Details: %v", u.Redacted(), rerr)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return s.place(ctx, p, f.Name(), name)
}

var blockPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// copyBlocks copies src to dst in writes of 1 MiB, however little each
// read of src brings (a multipart part hands out 4 KiB at a time): a
// write per 4 KiB would cost more than the bytes.
func copyBlocks(dst io.Writer, src io.Reader) (int64, error) {
	bp := blockPool.Get().(*[]byte)
	defer blockPool.Put(bp)
	buf := *bp
	var total int64
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return total, nil
		default:
			return total, err
		}
	}
}

// upload is a volume being filled by PUT chunks.
type upload struct {
	mu       sync.Mutex
	pool     virt.Pool
	name     string
	f        *os.File
	size     uint64
	written  uint64
	task     Task
	timer    *time.Timer
	release  func()
	done     bool
	reported time.Time // when progress was last written to the task
}

// progressEvery is how often a task's progress is written to the store at
// most: a download of gigabytes would otherwise write it thousands of
// times.
const progressEvery = 500 * time.Millisecond

// throttled calls step at most once per d.
func throttled(step func(string), d time.Duration) func(string) {
	var last time.Time
	return func(msg string) {
		if time.Since(last) >= d {
			last = time.Now()
			step(msg)
		}
	}
}

func uploadKey(pool, name string) string { return pool + "/" + name }

// startUpload makes the temporary file an upload fills, and its task.
func (s *Service) startUpload(ctx context.Context, p virt.Pool, name string, size uint64, release func()) (Task, error) {
	dir, err := localDir(p)
	if err != nil {
		return Task{}, err
	}
	if s.opts.MaxUpload > 0 && size > uint64(s.opts.MaxUpload) {
		return Task{}, invalid("KCHVOL0028E", "The upload chunk data will exceed the storage volume size limit of %d bytes.", s.opts.MaxUpload)
	}
	f, err := s.tempFile(ctx, dir, name)
	if err != nil {
		return Task{}, err
	}
	// Kimchi's page sends no chunk before the task says so.
	t, err := s.newTask(ctx, volTarget(p.Name, name), "ready for upload")
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return Task{}, err
	}
	up := &upload{pool: p, name: name, f: f, size: size, task: t, release: release}
	// Held until the timer is set: a chunk, or the timer itself, may come
	// as soon as the upload is listed, and both take up.mu first.
	up.mu.Lock()
	defer up.mu.Unlock()
	s.mu.Lock()
	s.uploads[uploadKey(p.Name, name)] = up
	s.mu.Unlock()
	s.tasks.Add(1)
	up.timer = time.AfterFunc(s.opts.UploadIdle, func() {
		s.endUpload(up, invalid("KCHVOL0029E", "Unable to upload chunk data to storage volume. Details: no chunk for %v.", s.opts.UploadIdle))
	})
	return t, nil
}

// endUpload finishes an upload: placed when err is nil, else removed.
// The caller must not hold up.mu.
func (s *Service) endUpload(up *upload, err error) {
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.done {
		return
	}
	up.done = true
	up.timer.Stop()
	s.mu.Lock()
	delete(s.uploads, uploadKey(up.pool.Name, up.name))
	s.mu.Unlock()
	defer s.tasks.Done()
	defer up.release()
	if err == nil {
		err = up.f.Sync()
	}
	up.f.Close()
	if err == nil {
		err = s.place(context.WithoutCancel(s.life), up.pool, up.f.Name(), up.name)
	}
	os.Remove(up.f.Name())
	if err != nil {
		s.finishTask(up.task, TaskFailed, err.Error())
		return
	}
	s.finishTask(up.task, TaskFinished, "OK")
}

// UploadChunk appends chunk (its length must be size) to an upload; the
// last one places the volume. A chunk that fails ends the upload and
// leaves nothing behind.
func (s *Service) UploadChunk(ctx context.Context, pool, name string, size int64, chunk io.Reader) error {
	if size <= 0 {
		return invalid("KCHVOL0024E", "Specify chunk data and its size (at most %d bytes) to upload a file.", s.opts.MaxChunk)
	}
	return s.uploadChunk(ctx, pool, name, size, chunk, nil)
}

// uploadChunk is UploadChunk for a chunk whose size may not be known yet
// (size < 0): it is read to its end, at most MaxChunk, and check is told
// its length before it counts.
func (s *Service) uploadChunk(ctx context.Context, pool, name string, size int64, chunk io.Reader, check func(n int64) error) error {
	s.mu.Lock()
	up := s.uploads[uploadKey(pool, name)]
	s.mu.Unlock()
	if up == nil {
		return invalid("KCHVOL0027E", "The storage volume %s is not under an upload process.", name)
	}
	limit := size
	if size < 0 {
		limit = s.opts.MaxChunk
	}
	if size == 0 || s.opts.MaxChunk > 0 && size > s.opts.MaxChunk {
		return invalid("KCHVOL0024E", "Specify chunk data and its size (at most %d bytes) to upload a file.", s.opts.MaxChunk)
	}
	up.mu.Lock()
	if up.done {
		up.mu.Unlock()
		return invalid("KCHVOL0027E", "The storage volume %s is not under an upload process.", name)
	}
	if size > 0 && up.written+uint64(size) > up.size {
		up.mu.Unlock()
		err := invalid("KCHVOL0028E", "The upload chunk data will exceed the storage volume size.")
		s.endUpload(up, err)
		return err
	}
	up.timer.Reset(s.opts.UploadIdle)
	n, err := copyBlocks(up.f, io.LimitReader(chunk, limit+1))
	switch {
	case err != nil:
	case size >= 0 && n != size:
		err = invalid("KCHVOL0026E", "Unable to upload chunk data as it does not match with requested chunk size (%d bytes sent, %d said).", n, size)
	case n > limit || n == 0:
		err = invalid("KCHVOL0024E", "Specify chunk data and its size (at most %d bytes) to upload a file.", s.opts.MaxChunk)
	case up.written+uint64(n) > up.size:
		err = invalid("KCHVOL0028E", "The upload chunk data will exceed the storage volume size.")
	case check != nil:
		err = check(n)
	}
	if err == nil {
		up.written += uint64(n)
		if time.Since(up.reported) >= progressEvery && up.written < up.size {
			up.reported = time.Now()
			s.finishTask(up.task, TaskRunning, fmt.Sprintf("%d/%d", up.written, up.size))
		}
	}
	last := up.written == up.size
	up.mu.Unlock()
	if err != nil {
		var ke *Error
		if !errors.As(err, &ke) {
			err = invalid("KCHVOL0029E", "Unable to upload chunk data to storage volume. Details: %v.", err)
		}
		s.endUpload(up, err)
		return err
	}
	if last {
		s.endUpload(up, nil)
	}
	return nil
}

// cancelUploads ends every upload (the service is closing).
func (s *Service) cancelUploads() {
	s.mu.Lock()
	ups := make([]*upload, 0, len(s.uploads))
	for _, u := range s.uploads {
		ups = append(ups, u)
	}
	s.mu.Unlock()
	for _, u := range ups {
		s.endUpload(u, invalid("KCHVOL0029E", "Unable to upload chunk data to storage volume. Details: the server is stopping."))
	}
}

// VolumeAction resizes (size in bytes) or wipes a volume; clone is
// CloneStorageVolume.
func (s *Service) VolumeAction(ctx context.Context, pool, name, action string, size uint64) error {
	if pool == IsoPool {
		return errIsoReadOnly
	}
	v, err := s.StorageVolume(ctx, pool, name)
	if err != nil {
		return err
	}
	switch action {
	case "resize":
		if size == 0 || size > 1<<50 {
			return invalid("KCHVOL0020E", "Storage volume capacity must be a positive number of bytes, at most 1 PiB.")
		}
		if len(v.UsedBy) > 0 {
			return invalid("KCHVOL0011E", "Unable to resize storage volume %s. Details: used by %s", name, strings.Join(v.UsedBy, ", "))
		}
		return fromVirt(s.drv.ResizeVolume(ctx, pool, name, size), "KCHVOL0011E", "KCHVOL0002E", "Unable to resize storage volume %s.", name)
	case "wipe":
		if len(v.UsedBy) > 0 {
			return invalid("KCHVOL0009E", "Unable to wipe storage volumes %s. Details: used by %s", name, strings.Join(v.UsedBy, ", "))
		}
		return fromVirt(s.drv.WipeVolume(ctx, pool, name), "KCHVOL0009E", "KCHVOL0002E", "Unable to wipe storage volumes %s.", name)
	}
	return errNoRoute
}

// CloneStorageVolume starts copying a volume (to toPool, named newName;
// by default the same pool and "<name>-clone-N"): a Task.
func (s *Service) CloneStorageVolume(ctx context.Context, pool, name, toPool, newName string) (Task, error) {
	if pool == IsoPool {
		return Task{}, errIsoReadOnly
	}
	if _, err := s.StorageVolume(ctx, pool, name); err != nil {
		return Task{}, err
	}
	if toPool == "" {
		toPool = pool
	}
	if _, err := s.activePool(ctx, toPool, "KCHVOL0003E"); err != nil {
		return Task{}, err
	}
	if newName == "" {
		ext := filepath.Ext(name)
		for n := 1; ; n++ {
			newName = fmt.Sprintf("%s-clone-%d%s", strings.TrimSuffix(name, ext), n, ext)
			if _, err := s.drv.Volume(ctx, toPool, newName); errors.Is(err, virt.ErrNotFound) {
				break
			}
			if n > 1000 {
				return Task{}, invalid("KCHVOL0023E", "Unable to clone storage volume '%s' in pool '%s'. Details: too many clones", name, pool)
			}
		}
	}
	if !validVolumeName(newName) {
		return Task{}, invalid("KCHVOL0013E", "Storage volume name must be a file name: no slashes, no leading dot, no NUL")
	}
	if _, err := s.drv.Volume(ctx, toPool, newName); err == nil {
		return Task{}, invalid("KCHVOL0001E", "Storage volume %s already exists", newName)
	}
	release, err := s.reserveVolume(toPool, newName)
	if err != nil {
		return Task{}, err
	}
	t, err := s.run(ctx, volTarget(toPool, newName), "cloning "+name, func(ctx context.Context, step func(string)) error {
		defer release()
		_, err := s.drv.CloneVolume(ctx, pool, name, toPool, newName)
		return fromVirt(err, "KCHVOL0023E", "KCHVOL0002E", "Unable to clone storage volume '%s' in pool '%s'.", name, pool)
	})
	if err != nil {
		release()
	}
	return t, err
}

// DeleteStorageVolume deletes a volume no VM uses.
func (s *Service) DeleteStorageVolume(ctx context.Context, pool, name string) error {
	if pool == IsoPool {
		return errIsoReadOnly
	}
	v, err := s.StorageVolume(ctx, pool, name)
	if err != nil {
		return err
	}
	if len(v.UsedBy) > 0 {
		return invalid("KCHVOL0010E", "Unable to delete storage volume %s. Details: used by %s", name, strings.Join(v.UsedBy, ", "))
	}
	return fromVirt(s.drv.DeleteVolume(ctx, pool, name), "KCHVOL0010E", "KCHVOL0002E", "Unable to delete storage volume %s.", name)
}
