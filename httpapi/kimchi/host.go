package kimchi

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/virt"
)

// HostActions change the real machine: the embedding program decides
// whether this server may. The default refuses them all.
type HostActions interface {
	Reboot(ctx context.Context) error
	Shutdown(ctx context.Context) error
	// Update upgrades the host's packages, saying how it goes through
	// progress.
	Update(ctx context.Context, progress func(string)) error
}

// RefuseHostActions is the default HostActions: none are done.
type RefuseHostActions struct{}

var errHostActions = kerr(ErrForbidden, "KCHAPI0009E", "You don't have permission to perform this operation: this server does not reboot, shut down or update its host unless the program running it allows it")

// Reboot refuses.
func (RefuseHostActions) Reboot(context.Context) error { return errHostActions }

// Shutdown refuses.
func (RefuseHostActions) Shutdown(context.Context) error { return errHostActions }

// Update refuses.
func (RefuseHostActions) Update(context.Context, func(string)) error { return errHostActions }

// Host is /host: what the machine is.
type Host struct {
	Memory     uint64 `json:"memory"` // bytes
	CPUModel   string `json:"cpu_model"`
	CPUs       int    `json:"cpus"` // online
	OSDistro   string `json:"os_distro"`
	OSVersion  string `json:"os_version"`
	OSCodename string `json:"os_codename"`
}

func (s *Service) hostPath(p string) string { return filepath.Join(s.opts.Root, p) }

// readKV reads "key<sep>value" lines.
func readKV(path, sep string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok {
			k = strings.TrimSpace(k)
			if _, seen := out[k]; !seen {
				out[k] = strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
	}
	return out, sc.Err()
}

// HostInfo reads the host's facts from /proc, /sys and os-release.
func (s *Service) HostInfo() (Host, error) {
	var h Host
	mem, err := readKV(s.hostPath("/proc/meminfo"), ":")
	if err != nil {
		return h, err
	}
	h.Memory = kbytes(mem["MemTotal"])
	cpu, err := readKV(s.hostPath("/proc/cpuinfo"), ":")
	if err != nil {
		return h, err
	}
	h.CPUModel = cpu["model name"]
	if h.CPUModel == "" {
		h.CPUModel = cpu["cpu"] // POWER, s390x
	}
	if b, err := os.ReadFile(s.hostPath("/sys/devices/system/cpu/online")); err == nil {
		h.CPUs = cpuCount(strings.TrimSpace(string(b)))
	}
	osr, err := readKV(s.hostPath("/etc/os-release"), "=")
	if err != nil {
		osr, _ = readKV(s.hostPath("/usr/lib/os-release"), "=")
	}
	h.OSDistro, h.OSVersion, h.OSCodename = osr["ID"], osr["VERSION_ID"], osr["VERSION_CODENAME"]
	return h, nil
}

// kbytes reads "24683656 kB".
func kbytes(v string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n * 1024
}

// cpuCount counts a CPU list ("0-3,6").
func cpuCount(list string) int {
	n := 0
	for _, r := range strings.Split(list, ",") {
		a, b, isRange := strings.Cut(r, "-")
		lo, err1 := strconv.Atoi(a)
		hi := lo
		var err2 error
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		if err1 == nil && err2 == nil && hi >= lo {
			n += hi - lo + 1
		}
	}
	return n
}

// HostAction reboots or shuts the host down (refused while VMs run), or
// starts a package update (a Task), through Options.HostActions.
func (s *Service) HostAction(ctx context.Context, action string) (*Task, error) {
	switch action {
	case "reboot", "shutdown":
		if s.drv != nil {
			sum, err := s.drv.Domains(ctx)
			if err != nil {
				return nil, fromVirt(err, "KCHHOST0001E", "", "Unable to list virtual machines.")
			}
			for _, d := range sum {
				if d.State != virt.Shutoff {
					code := map[string]string{"reboot": "KCHHOST0002E", "shutdown": "KCHHOST0001E"}[action]
					return nil, invalid(code, "Unable to %s host machine as there are running virtual machines (%s is %s)", action, d.Name, d.State)
				}
			}
		}
		if action == "reboot" {
			return nil, s.opts.HostActions.Reboot(ctx)
		}
		return nil, s.opts.HostActions.Shutdown(ctx)
	case "swupdate":
		if _, ok := s.opts.HostActions.(RefuseHostActions); ok {
			return nil, errHostActions
		}
		t, err := s.run(ctx, swupdateTarget, "updating packages", func(ctx context.Context, step func(string)) error {
			return s.opts.HostActions.Update(ctx, step)
		})
		return &t, err
	}
	return nil, errNoRoute
}

// swupdateTarget is the target of a package update's task, as Kimchi
// names it.
const swupdateTarget = "/host/swupdate"

// UpdateProgress is GET /host/swupdateprogress: a task that follows the
// package update under way on the host (started by any server sharing the
// store), its messages relayed, until that ends — at once when none runs.
// Kimchi's host page polls it when it finds an update running.
func (s *Service) UpdateProgress(ctx context.Context) (Task, error) {
	return s.run(ctx, "/host/swupdateprogress", "no update is running", func(ctx context.Context, step func(string)) error {
		for {
			tasks, err := s.Tasks(ctx, TaskRunning)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(tasks, func(t Task) bool { return t.Target == swupdateTarget })
			if i < 0 {
				return nil
			}
			step(tasks[i].Message)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
}

// CPUTopology is /host/cpuinfo.
type CPUTopology struct {
	ThreadingEnabled bool `json:"threading_enabled"`
	Sockets          int  `json:"sockets"`
	Cores            int  `json:"cores"`
	ThreadsPerCore   int  `json:"threads_per_core"`
}

// HostCPUInfo reads the CPU topology from /proc/cpuinfo.
func (s *Service) HostCPUInfo() (CPUTopology, error) {
	f, err := os.Open(s.hostPath("/proc/cpuinfo"))
	if err != nil {
		return CPUTopology{}, err
	}
	defer f.Close()
	sockets := map[string]bool{}
	cores, siblings, procs := 0, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "processor":
			procs++
		case "physical id":
			sockets[v] = true
		case "cpu cores":
			cores, _ = strconv.Atoi(v)
		case "siblings":
			siblings, _ = strconv.Atoi(v)
		}
	}
	out := CPUTopology{ThreadingEnabled: true, Sockets: max(len(sockets), 1), Cores: cores, ThreadsPerCore: 1}
	if cores > 0 && siblings >= cores {
		out.ThreadsPerCore = siblings / cores
	}
	if out.Cores == 0 { // no topology in cpuinfo (some architectures)
		out.Cores = max(procs, 1)
	}
	return out, sc.Err()
}

// MemStats are the host's memory figures, bytes.
type MemStats struct {
	Total   uint64 `json:"total"`
	Free    uint64 `json:"free"`
	Buffers uint64 `json:"buffers"`
	Cached  uint64 `json:"cached"`
	Avail   uint64 `json:"avail"`
}

// HostStats is /host/stats: one sample.
type HostStats struct {
	CPUUtilization float64  `json:"cpu_utilization"`
	Memory         MemStats `json:"memory"`
	DiskReadRate   float64  `json:"disk_read_rate"`
	DiskWriteRate  float64  `json:"disk_write_rate"`
	NetSentRate    float64  `json:"net_sent_rate"`
	NetRecvRate    float64  `json:"net_recv_rate"`
}

// HostStatsHistory is /host/stats/history: the samples kept, oldest
// first.
type HostStatsHistory struct {
	CPUUtilization []float64  `json:"cpu_utilization"`
	Memory         []MemStats `json:"memory"`
	DiskReadRate   []float64  `json:"disk_read_rate"`
	DiskWriteRate  []float64  `json:"disk_write_rate"`
	NetSentRate    []float64  `json:"net_sent_rate"`
	NetRecvRate    []float64  `json:"net_recv_rate"`
}

// counters are the raw /proc figures one sample is made of.
type counters struct {
	at                    time.Time
	cpuBusy, cpuTotal     uint64
	diskRead, diskWritten uint64 // bytes
	netSent, netRecv      uint64
	mem                   MemStats
}

func (s *Service) readCounters() (counters, error) {
	c := counters{at: time.Now()}
	stat, err := os.ReadFile(s.hostPath("/proc/stat"))
	if err != nil {
		return c, err
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	fields := strings.Fields(line)
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		c.cpuTotal += v
		if i != 3 && i != 4 { // idle, iowait
			c.cpuBusy += v
		}
	}
	mem, err := readKV(s.hostPath("/proc/meminfo"), ":")
	if err != nil {
		return c, err
	}
	c.mem = MemStats{Total: kbytes(mem["MemTotal"]), Free: kbytes(mem["MemFree"]), Buffers: kbytes(mem["Buffers"]), Cached: kbytes(mem["Cached"])}
	c.mem.Avail = c.mem.Free + c.mem.Buffers + c.mem.Cached
	if ds, err := os.ReadFile(s.hostPath("/proc/diskstats")); err == nil {
		for _, l := range strings.Split(string(ds), "\n") {
			f := strings.Fields(l)
			if len(f) < 10 {
				continue
			}
			// Whole disks only (partitions would count twice): those
			// with a /sys/block entry.
			if _, err := os.Stat(s.hostPath("/sys/block/" + f[2])); err != nil {
				continue
			}
			r, _ := strconv.ParseUint(f[5], 10, 64)
			w, _ := strconv.ParseUint(f[9], 10, 64)
			c.diskRead += r * 512
			c.diskWritten += w * 512
		}
	}
	if nd, err := os.ReadFile(s.hostPath("/proc/net/dev")); err == nil {
		for _, l := range strings.Split(string(nd), "\n")[2:] {
			name, rest, ok := strings.Cut(l, ":")
			f := strings.Fields(rest)
			if !ok || strings.TrimSpace(name) == "lo" || len(f) < 9 {
				continue
			}
			rx, _ := strconv.ParseUint(f[0], 10, 64)
			tx, _ := strconv.ParseUint(f[8], 10, 64)
			c.netRecv += rx
			c.netSent += tx
		}
	}
	return c, nil
}

func rate(now, then uint64, dt float64) float64 {
	if now < then || dt <= 0 {
		return 0
	}
	return float64(now-then) / dt
}

func sample(prev, cur counters) HostStats {
	dt := cur.at.Sub(prev.at).Seconds()
	st := HostStats{Memory: cur.mem, DiskReadRate: rate(cur.diskRead, prev.diskRead, dt),
		DiskWriteRate: rate(cur.diskWritten, prev.diskWritten, dt),
		NetSentRate:   rate(cur.netSent, prev.netSent, dt), NetRecvRate: rate(cur.netRecv, prev.netRecv, dt)}
	if total := cur.cpuTotal - prev.cpuTotal; cur.cpuTotal > prev.cpuTotal {
		st.CPUUtilization = min(100, 100*float64(cur.cpuBusy-prev.cpuBusy)/float64(total))
	}
	return st
}

// hostSampler keeps the last samples, taken in the background.
type hostSampler struct {
	mu      sync.Mutex
	last    counters
	history []HostStats // ring, oldest first when read
	next    int
	full    bool
}

// sampleHost runs until ctx ends, a sample every
// StatsInterval, keeping StatsHistory of them.
func (s *Service) sampleHost(ctx context.Context) {
	hs := &s.sampler
	c, err := s.readCounters()
	if err != nil {
		s.log().Warn("kimchi: host statistics unavailable", "err", err)
		return
	}
	hs.mu.Lock()
	hs.last = c
	hs.history = make([]HostStats, s.opts.StatsHistory)
	hs.mu.Unlock()
	tick := time.NewTicker(s.opts.StatsInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c, err := s.readCounters()
		if err != nil {
			continue
		}
		hs.mu.Lock()
		hs.history[hs.next] = sample(hs.last, c)
		hs.next = (hs.next + 1) % len(hs.history)
		hs.full = hs.full || hs.next == 0
		hs.last = c
		hs.mu.Unlock()
	}
}

// HostStatsNow is a sample taken now, over the time since the last.
func (s *Service) HostStatsNow() (HostStats, error) {
	c, err := s.readCounters()
	if err != nil {
		return HostStats{}, err
	}
	hs := &s.sampler
	hs.mu.Lock()
	prev := hs.last
	hs.mu.Unlock()
	if prev.at.IsZero() {
		prev = c
	}
	return sample(prev, c), nil
}

// HostStatsHistory returns the samples kept, oldest first.
func (s *Service) HostStatsHistory() HostStatsHistory {
	hs := &s.sampler
	hs.mu.Lock()
	var samples []HostStats
	if hs.full {
		samples = append(slices.Clone(hs.history[hs.next:]), hs.history[:hs.next]...)
	} else {
		samples = slices.Clone(hs.history[:hs.next])
	}
	hs.mu.Unlock()
	out := HostStatsHistory{CPUUtilization: []float64{}, Memory: []MemStats{}, DiskReadRate: []float64{},
		DiskWriteRate: []float64{}, NetSentRate: []float64{}, NetRecvRate: []float64{}}
	for _, st := range samples {
		out.CPUUtilization = append(out.CPUUtilization, st.CPUUtilization)
		out.Memory = append(out.Memory, st.Memory)
		out.DiskReadRate = append(out.DiskReadRate, st.DiskReadRate)
		out.DiskWriteRate = append(out.DiskWriteRate, st.DiskWriteRate)
		out.NetSentRate = append(out.NetSentRate, st.NetSentRate)
		out.NetRecvRate = append(out.NetRecvRate, st.NetRecvRate)
	}
	return out
}

// Partition is one of the host's block devices.
type Partition struct {
	Name       string `json:"name"`
	Path       string `json:"path"`
	Type       string `json:"type"` // disk, part, lvm, ...
	FSType     string `json:"fstype"`
	Size       uint64 `json:"size"`
	MountPoint string `json:"mountpoint"`
	Available  bool   `json:"available"`
}

type lsblkDev struct {
	Name       string     `json:"name"`
	Path       string     `json:"path"`
	Type       string     `json:"type"`
	FSType     *string    `json:"fstype"`
	Size       uint64     `json:"size"`
	MountPoint *string    `json:"mountpoint"`
	Children   []lsblkDev `json:"children"`
}

// Partitions lists the host's disks and partitions as lsblk(8) sees them:
// available when nothing uses them (no file system or volume group on
// them, not mounted, nothing stacked on them).
func (s *Service) Partitions(ctx context.Context) ([]Partition, error) {
	out, err := exec.CommandContext(ctx, "lsblk", "-J", "-b", "-o", "NAME,PATH,TYPE,FSTYPE,SIZE,MOUNTPOINT").Output()
	if err != nil {
		return nil, kerr(nil, "KCHPART0001E", "Unable to list the host's partitions (lsblk, from util-linux): %v", err)
	}
	var doc struct {
		Devices []lsblkDev `json:"blockdevices"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, err
	}
	parts := []Partition{}
	var walk func([]lsblkDev)
	walk = func(devs []lsblkDev) {
		for _, d := range devs {
			if !slices.Contains([]string{"disk", "part", "lvm", "mpath", "crypt"}, d.Type) && !strings.HasPrefix(d.Type, "raid") {
				walk(d.Children)
				continue
			}
			p := Partition{Name: d.Name, Path: d.Path, Type: d.Type, Size: d.Size}
			if d.FSType != nil {
				p.FSType = *d.FSType
			}
			if d.MountPoint != nil {
				p.MountPoint = *d.MountPoint
			}
			p.Available = p.Size > 0 && p.FSType == "" && p.MountPoint == "" && len(d.Children) == 0
			parts = append(parts, p)
			walk(d.Children)
		}
	}
	walk(doc.Devices)
	return parts, nil
}

// Partition returns one.
func (s *Service) Partition(ctx context.Context, name string) (Partition, error) {
	all, err := s.Partitions(ctx)
	if err != nil {
		return Partition{}, err
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return Partition{}, notFound("KCHPART0001E", "Partition %s does not exist in the host", name)
}

// Users lists the host's login accounts (root and uids from 1000,
// nobody excepted); Groups likewise its groups.
func (s *Service) Users(userID string) ([]string, error) {
	return s.accounts("/etc/passwd", userID, "KCHAUTH0004E")
}

// Groups lists the host's groups (root and gids from 1000).
func (s *Service) Groups() ([]string, error) { return s.accounts("/etc/group", "", "") }

func (s *Service) accounts(file, only, code string) ([]string, error) {
	f, err := os.Open(s.hostPath(file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := []string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		id, err := strconv.Atoi(fields[2])
		if err != nil || id != 0 && (id < 1000 || id == 65534) {
			continue
		}
		if only == "" || fields[0] == only {
			out = append(out, fields[0])
		}
	}
	if only != "" && len(out) == 0 {
		return nil, notFound(code, "User %s not found", only)
	}
	return out, sc.Err()
}

// Distro is an OS distribution offered for templates (/config/distros).
type Distro struct {
	Name      string `json:"name"`
	OSDistro  string `json:"os_distro"`
	OSVersion string `json:"os_version"`
	OSArch    string `json:"os_arch"`
	Path      string `json:"path"` // the ISO's URI
}

// DefaultDistros are the distributions offered when Options.Distros is
// nil, as Kimchi offers a list of its own: installation images of
// current releases, as their projects publish them. A new slice each
// call; a program that keeps such a list up to date sets its own.
func DefaultDistros() []Distro {
	return []Distro{
		{"Debian 12", "debian", "12", "x86_64", "https://cdimage.debian.org/cdimage/archive/12.8.0/amd64/iso-cd/debian-12.8.0-amd64-netinst.iso"},
		{"Ubuntu 24.04 LTS", "ubuntu", "24.04", "x86_64", "https://releases.ubuntu.com/24.04/ubuntu-24.04.1-live-server-amd64.iso"},
		{"Fedora 41 Server", "fedora", "41", "x86_64", "https://download.fedoraproject.org/pub/fedora/linux/releases/41/Server/x86_64/iso/Fedora-Server-netinst-x86_64-41-1.4.iso"},
		{"openSUSE Leap 15.6", "opensuse", "15.6", "x86_64", "https://download.opensuse.org/distribution/leap/15.6/iso/openSUSE-Leap-15.6-NET-x86_64-Media.iso"},
	}
}

// Distros lists the distributions offered: Options.Distros, or
// DefaultDistros when that is nil.
func (s *Service) Distros() []Distro {
	if s.opts.Distros == nil {
		return DefaultDistros()
	}
	return slices.Clone(s.opts.Distros)
}

// Distro returns one.
func (s *Service) Distro(name string) (Distro, error) {
	for _, d := range s.Distros() {
		if d.Name == name {
			return d, nil
		}
	}
	return Distro{}, notFound("KCHDISTRO0001E", "Distro '%s' does not exist", name)
}

// IDName is a PCI vendor's or product's id and description.
type IDName struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Adapter is a SCSI host adapter's identity.
type Adapter struct {
	Type string `json:"type"`
	WWNN string `json:"wwnn"`
	WWPN string `json:"wwpn"`
}

// HostDevice is a host device as Kimchi shows it (/host/devices).
type HostDevice struct {
	Name       string   `json:"name"`
	DeviceType string   `json:"device_type"`
	Path       string   `json:"path"`
	Parent     string   `json:"parent"`
	Adapter    *Adapter `json:"adapter,omitempty"`
	Domain     *int     `json:"domain,omitempty"`
	Bus        *int     `json:"bus,omitempty"`
	Slot       *int     `json:"slot,omitempty"`
	Function   *int     `json:"function,omitempty"`
	Vendor     *IDName  `json:"vendor,omitempty"`
	Product    *IDName  `json:"product,omitempty"`
	IOMMUGroup *int     `json:"iommuGroup"`
}

var deviceCaps = []string{"fc_host", "net", "pci", "scsi", "scsi_host", "storage", "system", "usb", "usb_device"}

func deviceOf(d virt.NodeDevice) HostDevice {
	out := HostDevice{Name: d.Name, Path: d.Path, Parent: d.Parent}
	if len(d.Caps) > 0 {
		out.DeviceType = d.Caps[0]
	}
	if p := d.PCI; p != nil {
		out.Domain, out.Bus, out.Slot, out.Function = &p.Domain, &p.Bus, &p.Slot, &p.Function
		out.Vendor, out.Product = &IDName{p.VendorID, p.Vendor}, &IDName{p.ProductID, p.Product}
		out.IOMMUGroup = p.IOMMUGroup
	}
	if h := d.SCSIHost; h != nil {
		out.Adapter = &Adapter{Type: h.Type, WWNN: h.WWNN, WWPN: h.WWPN}
	}
	return out
}

// passthrough says whether a device can be assigned to a VM.
func passthrough(d virt.NodeDevice) bool {
	return slices.Contains(d.Caps, "pci") || slices.Contains(d.Caps, "usb_device")
}

// DeviceFilter is how /host/devices is filtered, by the query parameters
// of the same names; each field empty keeps every device.
type DeviceFilter struct {
	// Cap is a capability (_cap): pci, usb_device, scsi_host, ...;
	// fc_host is a SCSI host of that type.
	Cap string
	// Passthrough, "true" or "false" (_passthrough), is whether the
	// device can be assigned to a VM.
	Passthrough string
	// AffectedBy (_passthrough_affected_by) keeps the devices sharing an
	// IOMMU group with that one.
	AffectedBy string
	// AvailableOnly, "true" (_available_only), drops the devices some VM
	// has assigned.
	AvailableOnly string
}

// HostDevices lists the host's devices, filtered as Kimchi filters them.
func (s *Service) HostDevices(ctx context.Context, f DeviceFilter) ([]HostDevice, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	capability, passthroughOnly, affectedBy := f.Cap, f.Passthrough, f.AffectedBy
	if f.AvailableOnly != "" && f.AvailableOnly != "true" && f.AvailableOnly != "false" {
		return nil, invalid("KCHDEVS0004E", `"_available_only" should be "true" or "false"`)
	}
	var held map[string]bool
	if f.AvailableOnly == "true" {
		if held, err = s.heldDevices(ctx); err != nil {
			return nil, err
		}
	}
	if capability != "" && !slices.Contains(deviceCaps, capability) {
		return nil, invalid("KCHDEVS0001E", `Unknown "_cap" specified`)
	}
	if passthroughOnly != "" && passthroughOnly != "true" && passthroughOnly != "false" {
		return nil, invalid("KCHDEVS0002E", `"_passthrough" should be "true" or "false"`)
	}
	if capability != "" && affectedBy != "" {
		return nil, invalid("KCHHOST0004E", "Conflicting flag filters specified.")
	}
	devs, err := drv.NodeDevices(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHHOST0003E", "", "Unable to list host devices.")
	}
	var group *int
	if affectedBy != "" {
		i := slices.IndexFunc(devs, func(d virt.NodeDevice) bool { return d.Name == affectedBy })
		if i < 0 {
			return nil, notFound("KCHHOST0003E", "Node device '%s' not found", affectedBy)
		}
		if devs[i].PCI == nil || devs[i].PCI.IOMMUGroup == nil {
			return []HostDevice{}, nil // no IOMMU group: it affects nothing else
		}
		group = devs[i].PCI.IOMMUGroup
	}
	out := []HostDevice{}
	for _, d := range devs {
		switch {
		case capability == "fc_host" && (d.SCSIHost == nil || d.SCSIHost.Type != "fc_host"):
			continue
		case capability != "" && capability != "fc_host" && !slices.Contains(d.Caps, capability):
			continue
		case passthroughOnly != "" && passthrough(d) != (passthroughOnly == "true"):
			continue
		case group != nil && (d.Name == affectedBy || d.PCI == nil || d.PCI.IOMMUGroup == nil || *d.PCI.IOMMUGroup != *group):
			continue
		case held[d.Name]:
			continue
		}
		out = append(out, deviceOf(d))
	}
	return out, nil
}

// HostDevice returns one device.
func (s *Service) HostDevice(ctx context.Context, name string) (HostDevice, error) {
	all, err := s.HostDevices(ctx, DeviceFilter{})
	if err != nil {
		return HostDevice{}, err
	}
	for _, d := range all {
		if d.Name == name {
			return d, nil
		}
	}
	return HostDevice{}, notFound("KCHHOST0003E", "Node device '%s' not found", name)
}

// heldDevices are the host devices some VM has assigned.
func (s *Service) heldDevices(ctx context.Context) (map[string]bool, error) {
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHHOST0003E", "", "Unable to list virtual machines.")
	}
	held := map[string]bool{}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue // gone meanwhile
		}
		for _, h := range dom.HostDevs {
			held[h.Name] = true
		}
	}
	return held, nil
}

// VMHolder is a VM that has a host device assigned.
type VMHolder struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// VMHolders lists the VMs a device is assigned to.
func (s *Service) VMHolders(ctx context.Context, device string) ([]VMHolder, error) {
	if _, err := s.HostDevice(ctx, device); err != nil {
		return nil, err
	}
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHHOST0003E", "", "Unable to list virtual machines.")
	}
	out := []VMHolder{}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue
		}
		if slices.ContainsFunc(dom.HostDevs, func(h virt.HostDev) bool { return h.Name == device }) {
			state := "shutdown"
			if d.State == virt.Running || d.State == virt.Paused {
				state = "running"
			}
			out = append(out, VMHolder{Name: d.Name, State: state})
		}
	}
	return out, nil
}
