package kimchi

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/virt"
)

// Options configure a Service.
type Options struct {
	// KeyPrefix is where templates and tasks live in the store
	// ("kimchi/" by default).
	KeyPrefix string
	// Driver is the hypervisor; nil: none (see Unavailable).
	Driver virt.Driver
	// ServerID names this server among those sharing a store: the tasks
	// it runs carry it, and when it starts again it fails the ones it
	// left running. The host name by default.
	ServerID string
	Logger   *slog.Logger
	// Links lists the host's network links for /interfaces (a
	// hostnet.Driver's Links). Nil: the host has none to offer.
	Links func() ([]hostnet.Link, error)
	// HostBridges, when set, lets a bridge network be made on a NIC or
	// bond with a vlan_id, as Kimchi makes it: a VLAN device in a bridge
	// of its own on the host (kimchi-<nic>-<id>), removed with the
	// network. Nil: such networks are refused (KCHNET0010E), for making
	// them changes the host's own interfaces, which a program allows
	// explicitly. Its Links stand for Links when that is nil.
	HostBridges hostnet.Driver
	// Unavailable, when the driver is nil, says why there is no
	// hypervisor; every endpoint that needs one answers 503 with it.
	Unavailable string
	// Notice is said in /config/capabilities: a fallback hypervisor in
	// use (test:///default), say.
	Notice string
	// Version is /config's version.
	Version string
	// DisplayProxyPort is /config's display_proxy_port (64667).
	DisplayProxyPort int
	// Defaults fill what a new template leaves out.
	Defaults TemplateDefaults
	// TaskTimeout bounds one task (30 minutes); TaskRetention is how long
	// an ended task stays listed (24 hours).
	TaskTimeout, TaskRetention time.Duration

	// AllowDownload says whether a volume may be created from a URL (and
	// each redirect it takes). Nil: never — a server fetching any address
	// a client names is a way into networks the client cannot reach.
	AllowDownload func(*url.URL) bool
	// MaxDownload bounds a download (0: unbounded, the pool's space).
	MaxDownload int64
	// MaxUpload bounds an uploaded volume (0: 1 TiB); MaxChunk one chunk
	// (0: 64 MiB); UploadIdle is how long an upload may wait for its next
	// chunk before it is abandoned and its file removed (0: 5 minutes).
	MaxUpload, MaxChunk int64
	UploadIdle          time.Duration

	// Root is where the host's /proc, /sys and /etc are read ("/").
	Root string
	// HostActions reboot, shut down and update the host; nil refuses.
	HostActions HostActions
	// Resync is how often the Source reports the networks again, to
	// catch what was changed behind the service's back (30 s).
	Resync time.Duration
	// StatsInterval is how often host statistics are sampled (2 s);
	// StatsHistory how many samples /host/stats/history keeps (180).
	StatsInterval time.Duration
	StatsHistory  int
	// ScanDir is where deep scans (kimchi-iso pools) make their pools'
	// directories (the system's temporary directory by default).
	ScanDir string
	// DefaultPoolPath is where EnsureDefaults makes the default storage
	// pool ("/var/lib/libvirt/images").
	DefaultPoolPath string
	// Distros are the distributions /config/distros offers (nil:
	// DefaultDistros; empty: none).
	Distros []Distro
	// Peers are the other Kimchi servers /peers lists (none: discovery
	// is off).
	Peers []string
	// Repositories edits the host's package repositories; nil refuses.
	Repositories RepositoryEditor
	// DebugReportDir holds debug reports (a directory of its own under
	// the system's temporary directory by default).
	DebugReportDir string
	// MaxDebugReports bounds how many reports are kept (10) and
	// MaxDebugReportBytes the space they take together (256 MiB); a
	// report past either is refused (KCHDR0003E) until some are deleted.
	// One report is made at a time.
	MaxDebugReports     int
	MaxDebugReportBytes int64
}

// TemplateDefaults are what a template gets for what it does not say.
type TemplateDefaults struct {
	MemoryMiB   int      // 1024
	CPUs        int      // 1
	DiskGiB     int      // 10
	DiskFormat  string   // "qcow2"
	StoragePool string   // "default"
	Networks    []string // ["default"]
	Graphics    Graphics // vnc on 127.0.0.1
}

// Service is the Kimchi API as Go: VMs, templates, networks, storage,
// the host and tasks over a virt.Driver (libvirt holds what it can:
// domains, networks, storage) and a store (templates and tasks, which
// libvirt does not). It is safe for concurrent use.
type Service struct {
	drv  virt.Driver
	st   store.Store
	opts Options

	life  context.Context
	stop  context.CancelFunc
	tasks sync.WaitGroup

	mu       sync.Mutex
	creating map[string]bool        // VM names being created
	netHooks map[int]func([]string) // the l2 source's, told which networks changed
	hookSeq  int
	peaks    map[string]peaks // per VM, for stats
	uploads  map[string]*upload
	scans    map[string]context.CancelFunc // deep scans running, by pool
	metas    map[string]meta               // parsed domain metadata
	report   bool                          // a debug report is being made
	updates  probe[[]PackageUpdate]

	running atomic.Bool
	ready   chan struct{} // closed once Run has started

	capsOnce sync.Once
	capsVal  virt.Capabilities

	sampler hostSampler
}

// NewService returns the service over st and opts.Driver (nil: no
// hypervisor, see Options.Unavailable). Run does its work beside the
// requests it answers.
func NewService(st store.Store, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("kimchi: a store is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "kimchi/"
	}
	if opts.ServerID == "" {
		opts.ServerID, _ = os.Hostname()
	}
	if opts.Version == "" {
		opts.Version = "3.0.0-netslice"
	}
	if opts.DisplayProxyPort == 0 {
		opts.DisplayProxyPort = 64667
	}
	if opts.TaskTimeout <= 0 {
		opts.TaskTimeout = 30 * time.Minute
	}
	if opts.TaskRetention <= 0 {
		opts.TaskRetention = 24 * time.Hour
	}
	d := &opts.Defaults
	d.MemoryMiB = or(d.MemoryMiB, 1024)
	d.CPUs = or(d.CPUs, 1)
	d.DiskGiB = or(d.DiskGiB, 10)
	d.DiskFormat = or(d.DiskFormat, "qcow2")
	d.StoragePool = or(d.StoragePool, "default")
	if d.Networks == nil {
		d.Networks = []string{"default"}
	}
	if d.Graphics.Type == "" {
		d.Graphics = Graphics{Type: "vnc", Listen: "127.0.0.1"}
	}
	opts.Root = or(opts.Root, "/")
	opts.DefaultPoolPath = or(opts.DefaultPoolPath, "/var/lib/libvirt/images")
	if opts.Links == nil && opts.HostBridges != nil {
		opts.Links = opts.HostBridges.Links
	}
	opts.DebugReportDir = or(opts.DebugReportDir, filepath.Join(os.TempDir(), "netslice-kimchi-debugreports"))
	if opts.HostActions == nil {
		opts.HostActions = RefuseHostActions{}
	}
	opts.StatsInterval = or(opts.StatsInterval, 2*time.Second)
	opts.Resync = or(opts.Resync, 30*time.Second)
	opts.StatsHistory = or(opts.StatsHistory, 180)
	opts.MaxDebugReports = or(opts.MaxDebugReports, 10)
	opts.MaxDebugReportBytes = or(opts.MaxDebugReportBytes, 256<<20)
	opts.MaxUpload = or(opts.MaxUpload, 1<<40)
	opts.MaxChunk = or(opts.MaxChunk, 64<<20)
	opts.UploadIdle = or(opts.UploadIdle, 5*time.Minute)
	if opts.Unavailable == "" {
		opts.Unavailable = "no hypervisor connection"
	}
	s := &Service{drv: opts.Driver, st: st, opts: opts, ready: make(chan struct{}), creating: map[string]bool{}, netHooks: map[int]func([]string){}, peaks: map[string]peaks{}, metas: map[string]meta{}, uploads: map[string]*upload{}}
	s.life, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// Run does the service's work beside the requests it answers until ctx
// ends. First it fails the tasks this server (Options.ServerID) left
// running when it last stopped and removes the files of the uploads it
// left unfinished — Ready returns after that — then it samples the
// host's statistics. When ctx ends it cancels the tasks and uploads still
// running, waits for them, and returns ctx.Err() (or why it could not
// start).
func (s *Service) Run(ctx context.Context) error {
	if s.running.Swap(true) {
		return errors.New("kimchi: Run called twice")
	}
	defer func() {
		s.cancelUploads()
		s.stop()
		s.tasks.Wait()
	}()
	if err := s.recoverTasks(ctx); err != nil {
		return err
	}
	s.removeStaleUploads(ctx)
	s.removeScans(ctx)
	close(s.ready)
	s.sampleHost(ctx)
	<-ctx.Done()
	return ctx.Err()
}

// EnsureDefaults makes ready what a new template refers to, as Kimchi does
// when it starts: the default storage pool (Options.Defaults.StoragePool)
// is defined, as a directory pool at Options.DefaultPoolPath, when it is
// named "default" and missing, and it and the default networks are
// started. A default pool of another name, or a default network, that does
// not exist is an error naming it. The library never calls it: a program
// calls it once, at start, for the hypervisor it serves.
func (s *Service) EnsureDefaults(ctx context.Context) error {
	drv, err := s.driver()
	if err != nil {
		return err
	}
	d := s.opts.Defaults
	p, err := drv.Pool(ctx, d.StoragePool)
	if errors.Is(err, virt.ErrNotFound) && d.StoragePool == "default" {
		p, err = drv.DefinePool(ctx, virt.PoolSpec{Name: "default", Type: "dir", Path: s.opts.DefaultPoolPath})
		if err == nil {
			drv.SetPoolAutostart(ctx, "default", true)
		}
	}
	if err != nil {
		return fromVirt(err, "KCHPOOL0007E", "KCHPOOL0002E", "Unable to create storage pool %s.", d.StoragePool)
	}
	if !p.Active {
		if err := drv.StartPool(ctx, p.Name); err != nil {
			return fromVirt(err, "KCHPOOL0009E", "KCHPOOL0002E", "Unable to activate storage pool %s.", p.Name)
		}
	}
	for _, name := range d.Networks {
		n, err := drv.Network(ctx, name)
		if err != nil {
			return fromVirt(err, "KCHNET0022E", "KCHNET0002E", "Failed to start network %s.", name)
		}
		if !n.Active {
			if err := drv.StartNetwork(ctx, name); err != nil {
				return fromVirt(err, "KCHNET0022E", "KCHNET0002E", "Failed to start network %s.", name)
			}
		}
	}
	return nil
}

// Ready returns once Run has started: the tasks this server left running
// are marked failed.
func (s *Service) Ready(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// driver returns the hypervisor, or 503 when there is none.
func (s *Service) driver() (virt.Driver, error) {
	if s.drv == nil {
		return nil, kerr(ErrUnavailable, "KCHCONN0001E", "Unable to establish connection with libvirt: %s", s.opts.Unavailable)
	}
	return s.drv, nil
}

// scan calls fn with every value under prefix, in key order.
func (s *Service) scan(ctx context.Context, prefix string, fn func(v []byte) error) error {
	return store.ScanAll(ctx, s.st, prefix, func(_, v []byte) error { return fn(v) })
}

// removeStaleUploads deletes the files of uploads this server (its
// ServerID) left unfinished when it stopped.
//
// It looks wherever this server ever wrote one (kept in the store) and in
// every directory pool, active or not: a pool may have been stopped or
// removed since.
func (s *Service) removeStaleUploads(ctx context.Context) {
	dirs := map[string]bool{}
	prefix := s.opts.KeyPrefix + "uploaddirs/" + s.opts.ServerID + "/"
	store.ScanAll(ctx, s.st, prefix, func(_, v []byte) error {
		dirs[string(v)] = true
		return nil
	})
	if s.drv != nil {
		if pools, err := s.drv.Pools(ctx); err == nil {
			for _, p := range pools {
				if p.Type == "dir" && p.Path != "" {
					dirs[p.Path] = true
				}
			}
		}
	}
	for dir := range dirs {
		stale, _ := filepath.Glob(filepath.Join(dir, ".kimchi-upload-"+s.opts.ServerID+"-*"))
		for _, f := range stale {
			os.Remove(f)
		}
	}
}
