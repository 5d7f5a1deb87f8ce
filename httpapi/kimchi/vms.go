package kimchi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"os/user"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/netslice/netslice/virt"
)

// VMStats are a VM's recent utilization.
type VMStats struct {
	CPUUtilization    float64 `json:"cpu_utilization"` // percent, 0–100
	NetThroughput     float64 `json:"net_throughput"`  // KiB/s, reads and writes
	NetThroughputPeak float64 `json:"net_throughput_peak"`
	IOThroughput      float64 `json:"io_throughput"` // KiB/s
	IOThroughputPeak  float64 `json:"io_throughput_peak"`
}

// VMGraphics is a VM's display as Kimchi shows it.
type VMGraphics struct {
	Type          string  `json:"type"` // "vnc", "spice", "null"
	Listen        string  `json:"listen"`
	Port          *int    `json:"port"` // nil while not running
	Passwd        string  `json:"passwd"`
	PasswdValidTo *string `json:"passwdValidTo"`
}

// VMCPUInfo is a VM's cpu_info.
type VMCPUInfo struct {
	MaxVCPUs int       `json:"maxvcpus"`
	VCPUs    int       `json:"vcpus"`
	Topology *Topology `json:"topology"`
}

// VM is a virtual machine as Kimchi shows it.
type VM struct {
	Name       string     `json:"name"`
	UUID       string     `json:"uuid"`
	State      string     `json:"state"`
	Memory     int        `json:"memory"` // MiB
	CPUs       int        `json:"cpus"`
	CPUInfo    VMCPUInfo  `json:"cpu_info"`
	Stats      VMStats    `json:"stats"`
	Screenshot *string    `json:"screenshot"` // its URI while running
	Icon       *string    `json:"icon"`
	Graphics   VMGraphics `json:"graphics"`
	Users      []string   `json:"users"`
	Groups     []string   `json:"groups"`
	Access     string     `json:"access"`
	Persistent bool       `json:"persistent"`
}

// meta is what Kimchi keeps in a domain's metadata.
type meta struct {
	XMLName  xml.Name `xml:"kimchi"`
	Icon     string   `xml:"icon,omitempty"`
	Template string   `xml:"template,omitempty"`
	Users    []string `xml:"access>user"`
	Groups   []string `xml:"access>group"`
}

func parseMeta(s string) meta {
	var m meta
	if s != "" {
		xml.Unmarshal([]byte(s), &m)
	}
	return m
}

func (m meta) xml() string {
	b, _ := xml.Marshal(m)
	return string(b)
}

// peaks remembers a VM's last counters, the rates they gave and the
// highest rates, for stats.
type peaks struct {
	last            virt.DomainStats
	rates           VMStats
	netPeak, ioPeak float64
}

func vmNotFound(name string) error {
	return notFound("KCHVM0002E", "Virtual machine %s does not exist", name)
}

// domain reads a domain, 404 when it does not exist.
func (s *Service) domain(ctx context.Context, name string) (virt.Domain, error) {
	drv, err := s.driver()
	if err != nil {
		return virt.Domain{}, err
	}
	if !validName(name) {
		return virt.Domain{}, vmNotFound(name)
	}
	d, err := drv.Domain(ctx, name)
	if errors.Is(err, virt.ErrNotFound) {
		return d, vmNotFound(name)
	}
	return d, fromVirt(err, "KCHVM0009E", "KCHVM0002E", "Unable to retrieve virtual machine %s.", name)
}

// stats turns counters into rates against the last sample of the VM.
func (s *Service) stats(name string, st virt.DomainStats, ok bool) VMStats {
	var out VMStats
	if !ok {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, had := s.peaks[name]
	if had && !st.At.After(p.last.At) {
		return p.rates // the same sample (a kept list) as the last call's
	}
	if had {
		dt := st.At.Sub(p.last.At).Seconds()
		if st.VCPUs > 0 && st.CPUTime >= p.last.CPUTime {
			out.CPUUtilization = min(100, 100*(st.CPUTime-p.last.CPUTime).Seconds()/dt/float64(st.VCPUs))
		}
		if st.NetRxBytes+st.NetTxBytes >= p.last.NetRxBytes+p.last.NetTxBytes {
			out.NetThroughput = float64(st.NetRxBytes+st.NetTxBytes-p.last.NetRxBytes-p.last.NetTxBytes) / 1024 / dt
		}
		if st.DiskRd+st.DiskWr >= p.last.DiskRd+p.last.DiskWr {
			out.IOThroughput = float64(st.DiskRd+st.DiskWr-p.last.DiskRd-p.last.DiskWr) / 1024 / dt
		}
	}
	p.last = st
	p.netPeak, p.ioPeak = max(p.netPeak, out.NetThroughput), max(p.ioPeak, out.IOThroughput)
	out.NetThroughputPeak, out.IOThroughputPeak = p.netPeak, p.ioPeak
	p.rates = out
	s.peaks[name] = p
	return out
}

// meta parses a domain's metadata, remembering what it parsed: lists of
// a thousand VMs read the same documents again and again.
func (s *Service) meta(x string) meta {
	if x == "" {
		return meta{}
	}
	s.mu.Lock()
	m, ok := s.metas[x]
	s.mu.Unlock()
	if ok {
		return m
	}
	m = parseMeta(x)
	s.mu.Lock()
	if len(s.metas) >= 10000 {
		clear(s.metas)
	}
	s.metas[x] = m
	s.mu.Unlock()
	return m
}

func (s *Service) view(d virt.Domain, st virt.DomainStats, haveStats bool) VM {
	m := s.meta(d.Metadata)
	vm := VM{Name: d.Name, UUID: d.UUID, State: string(d.State), Memory: d.MemoryMiB, CPUs: d.CPUs,
		CPUInfo: VMCPUInfo{MaxVCPUs: d.MaxCPUs, VCPUs: d.CPUs}, Users: m.Users, Groups: m.Groups,
		Access: "full", Persistent: d.Persistent, Graphics: VMGraphics{Type: "null"}}
	if d.Topology != nil {
		vm.CPUInfo.Topology = &Topology{Sockets: d.Topology.Sockets, Cores: d.Topology.Cores, Threads: d.Topology.Threads}
	}
	if vm.Users == nil {
		vm.Users = []string{}
	}
	if vm.Groups == nil {
		vm.Groups = []string{}
	}
	if m.Icon != "" {
		icon := m.Icon // not &m.Icon: that moves all of m to the heap
		vm.Icon = &icon
	}
	if g := d.Graphics; g != nil {
		vm.Graphics = VMGraphics{Type: g.Type, Listen: g.Listen, Passwd: g.Passwd}
		if d.State == virt.Running || d.State == virt.Paused {
			if g.Port > 0 {
				port := g.Port
				vm.Graphics.Port = &port
			}
		}
		if !g.PasswdValidTo.IsZero() {
			v := g.PasswdValidTo.UTC().Format(time.RFC3339)
			vm.Graphics.PasswdValidTo = &v
		}
	}
	if d.State == virt.Running || d.State == virt.Paused {
		shot := "/vms/" + d.Name + "/screenshot"
		vm.Screenshot = &shot
		vm.Stats = s.stats(d.Name, st, haveStats)
	}
	return vm
}

// VM returns a VM with its current stats.
func (s *Service) VM(ctx context.Context, name string) (VM, error) {
	d, err := s.domain(ctx, name)
	if err != nil {
		return VM{}, err
	}
	var st map[string]virt.DomainStats
	if d.State == virt.Running || d.State == virt.Paused {
		st, _ = s.drv.Stats(ctx, name)
	}
	sv, ok := st[name]
	return s.view(d, sv, ok), nil
}

// caps are the driver's capabilities, asked once.
func (s *Service) caps(ctx context.Context) virt.Capabilities {
	s.capsOnce.Do(func() {
		if c, err := s.drv.Capabilities(ctx); err == nil {
			s.capsVal = c
		}
	})
	return s.capsVal
}

// VMs lists every VM, by name, their stats read in one call.
func (s *Service) VMs(ctx context.Context) ([]VM, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	sum, err := drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHVM0009E", "", "Unable to list virtual machines.")
	}
	var running []string
	for _, d := range sum {
		if d.State == virt.Running || d.State == virt.Paused {
			running = append(running, d.Name)
		}
	}
	// One call for every running VM's counters where the hypervisor has
	// one; elsewhere the CPU time the list itself brought.
	var st map[string]virt.DomainStats
	if len(running) > 0 && s.caps(ctx).BulkStats {
		st, _ = drv.Stats(ctx, running...)
	}
	now := time.Now()
	out := make([]VM, 0, len(sum))
	for _, d := range sum {
		dom, err := drv.Domain(ctx, d.Name)
		if errors.Is(err, virt.ErrNotFound) {
			continue // gone meanwhile
		}
		if err != nil {
			return nil, fromVirt(err, "KCHVM0009E", "", "Unable to retrieve virtual machine %s.", d.Name)
		}
		sv, ok := st[d.Name]
		if !ok {
			at := d.At
			if at.IsZero() {
				at = now
			}
			sv, ok = virt.DomainStats{At: at, CPUTime: d.CPUTime, VCPUs: d.CPUs}, true
		}
		dom.State = d.State // the list's is the freshest
		out = append(out, s.view(dom, sv, ok))
	}
	return out, nil
}

// CreateVMRequest is POST /vms.
type CreateVMRequest struct {
	Name        string    `json:"name" code:"KCHVM0011E"`
	Template    string    `json:"template" code:"KCHVM0012E"`    // "/templates/x"
	StoragePool string    `json:"storagepool" code:"KCHVM0013E"` // overrides the template's
	Graphics    *Graphics `json:"graphics"`
	Persistent  *bool     `json:"persistent"`
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// reserve claims a VM name for a creation or clone, 400 when a VM (or a
// creation in flight) has it.
func (s *Service) reserve(ctx context.Context, name string) (release func(), err error) {
	s.mu.Lock()
	busy := s.creating[name]
	if !busy {
		s.creating[name] = true
	}
	s.mu.Unlock()
	if busy {
		return nil, invalid("KCHVM0001E", "Virtual machine %s already exists", name)
	}
	release = func() {
		s.mu.Lock()
		delete(s.creating, name)
		s.mu.Unlock()
	}
	if _, err := s.drv.Domain(ctx, name); err == nil {
		release()
		return nil, invalid("KCHVM0001E", "Virtual machine %s already exists", name)
	} else if !errors.Is(err, virt.ErrNotFound) {
		release()
		return nil, fromVirt(err, "KCHVM0007E", "", "Unable to create virtual machine %s.", name)
	}
	return release, nil
}

// CreateVM starts creating a VM from a template: the answer is a Task
// that finishes when the domain is defined (with its disks made); a
// failure leaves no domain and no volume behind.
func (s *Service) CreateVM(ctx context.Context, req CreateVMRequest) (Task, error) {
	if _, err := s.driver(); err != nil {
		return Task{}, err
	}
	if req.Template == "" {
		return Task{}, invalid("KCHVM0016E", "Specify a template to create a virtual machine from")
	}
	tname, ok := templateName(req.Template)
	if !ok {
		return Task{}, invalid("KCHVM0012E", "Invalid template URI %s specified for virtual machine", req.Template)
	}
	t, err := s.Template(ctx, tname)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Task{}, invalid("KCHVM0012E", "Invalid template URI %s specified for virtual machine: template %s does not exist", req.Template, tname)
		}
		return Task{}, err
	}
	if req.StoragePool != "" {
		if _, ok := poolName(req.StoragePool); !ok {
			return Task{}, invalid("KCHVM0013E", "Invalid storage pool URI %s specified for virtual machine", req.StoragePool)
		}
		t.StoragePool = req.StoragePool
		if t.Invalid, err = s.invalid(ctx, t); err != nil {
			return Task{}, err
		}
	}
	if req.Graphics != nil {
		if err := validGraphics(*req.Graphics); err != nil {
			return Task{}, err
		}
		t.Graphics = *req.Graphics
	}
	if req.Persistent != nil && !*req.Persistent {
		return Task{}, invalid("KCHVM0036E", "Invalid operation for non-persistent virtual machine %s: every VM created here is persistent", req.Name)
	}
	for what, names := range t.Invalid {
		if len(names) > 0 {
			return Task{}, invalid("KCHVM0007E", "Unable to create virtual machine %s. Details: the template's %s are missing: %s", req.Name, what, strings.Join(names, ", "))
		}
	}
	name := req.Name
	if name == "" {
		name = t.Name + "-vm-" + randomHex(4)
	}
	if !validName(name) {
		return Task{}, invalid("KCHVM0011E", "Virtual machine name must be a string without slashes (/)")
	}
	release, err := s.reserve(ctx, name)
	if err != nil {
		return Task{}, err
	}
	task, err := s.run(ctx, "/vms/"+name, "Provisioning storages for new VM", func(ctx context.Context, step func(string)) error {
		defer release()
		return s.buildVM(ctx, name, t, step)
	})
	if err != nil {
		release()
	}
	return task, err
}

// buildVM makes a template's disks and defines the domain; on failure it
// removes what it made.
func (s *Service) buildVM(ctx context.Context, name string, t Template, step func(string)) (err error) {
	pool, _ := poolName(t.StoragePool)
	diskBus, nicModel := osDefaults(t.OSDistro, t.OSVersion)
	spec := virt.DomainSpec{Name: name, MemoryMiB: t.Memory, CPUs: t.CPUs,
		Metadata: meta{Icon: t.Icon, Template: t.Name}.xml()}
	if topo := t.CPUInfo.Topology; topo != nil {
		spec.Topology = &virt.Topology{Sockets: topo.Sockets, Cores: topo.Cores, Threads: topo.Threads}
	}
	if t.Graphics.Type == "vnc" || t.Graphics.Type == "spice" {
		spec.Graphics = &virt.Graphics{Type: t.Graphics.Type, Listen: t.Graphics.Listen}
	}
	var made []string
	defer func() {
		if err != nil {
			for _, v := range made {
				s.drv.DeleteVolume(context.WithoutCancel(ctx), pool, v)
			}
		}
	}()
	id := randomHex(6)
	disks := slices.Clone(t.Disks)
	slices.SortFunc(disks, func(a, b TemplateDisk) int { return a.Index - b.Index })
	for _, d := range disks {
		volName := fmt.Sprintf("%s-%s-%d.img", name, id, d.Index)
		var v virt.Volume
		switch {
		case d.Volume != "":
			v, err = s.drv.CloneVolume(ctx, pool, d.Volume, pool, volName)
		case d.Base != "":
			// On the base image: a qcow2 volume holding what changes.
			var base imageInfo
			if base, err = probeImage(d.Base); err != nil {
				return invalid("KCHTMPL0024E", "Cannot identify base image %s format", d.Base)
			}
			v, err = s.drv.CreateVolume(ctx, pool, virt.VolumeSpec{Name: volName, Capacity: max(uint64(d.Size)<<30, base.Size),
				Format: "qcow2", Backing: &virt.Backing{Path: d.Base, Format: base.Format}})
			d.Format = "qcow2"
		default:
			v, err = s.drv.CreateVolume(ctx, pool, virt.VolumeSpec{Name: volName, Capacity: uint64(d.Size) << 30, Format: d.Format})
		}
		if err != nil {
			return fromVirt(err, "KCHVM0007E", "", "Unable to create virtual machine %s.", name)
		}
		made = append(made, volName)
		spec.Disks = append(spec.Disks, virt.Disk{Type: "disk", Bus: diskBus, Path: v.Path, Format: d.Format, Pool: pool, Volume: volName})
	}
	if t.CDROM != "" {
		spec.Disks = append(spec.Disks, virt.Disk{Type: "cdrom", Bus: "ide", Path: t.CDROM})
	}
	for _, n := range t.Networks {
		spec.Interfaces = append(spec.Interfaces, virt.Interface{Type: "network", Network: n, Model: nicModel})
	}
	// Device names: disks first on their bus, then the CD-ROM.
	next := map[string]byte{"vd": 'a', "hd": 'a', "sd": 'a'}
	for i := range spec.Disks {
		prefix := map[string]string{"virtio": "vd", "ide": "hd", "scsi": "sd", "sata": "sd"}[spec.Disks[i].Bus]
		spec.Disks[i].Dev = prefix + string(rune(next[prefix]))
		next[prefix]++
	}
	step("Defining the new VM")
	if _, err = s.drv.DefineDomain(ctx, spec); err != nil {
		if errors.Is(err, virt.ErrExists) {
			return invalid("KCHVM0001E", "Virtual machine %s already exists", name)
		}
		return fromVirt(err, "KCHVM0007E", "", "Unable to create virtual machine %s.", name)
	}
	s.netsChanged(t.Networks)
	return nil
}

// UpdateVMRequest is PUT /vms/{name}.
type UpdateVMRequest struct {
	Name     *string   `json:"name" code:"KCHVM0011E"`
	Memory   *int      `json:"memory" code:"KCHTMPL0013E"`
	CPUs     *int      `json:"cpus" code:"KCHTMPL0012E"`
	Users    *[]string `json:"users" code:"KCHVM0023E"`
	Groups   *[]string `json:"groups" code:"KCHVM0025E"`
	Icon     *string   `json:"icon" code:"KCHTMPL0009E"`
	Graphics *struct {
		Passwd        *string  `json:"passwd" code:"KCHVM0031E"`
		PasswdValidTo *float64 `json:"passwdValidTo" code:"KCHVM0032E"` // seconds from now
	} `json:"graphics"`
}

// UpdateVM changes a VM's persistent definition (memory and CPUs take
// effect at its next boot when it runs; a running VM's console password
// is changed live, refused where the hypervisor cannot) and renames it
// when it is shut off; it returns the VM's name after the change. An update that fails
// changes nothing: everything is checked first, and what was changed
// before a step the hypervisor refused is put back.
func (s *Service) UpdateVM(ctx context.Context, name string, req UpdateVMRequest) (newName string, err error) {
	d, err := s.domain(ctx, name)
	if err != nil {
		return "", err
	}
	if err := s.checkVMUpdate(ctx, d, req); err != nil {
		return "", err
	}
	m, metaChanged, err := vmMeta(d, req)
	if err != nil {
		return "", err
	}
	var undo []func(context.Context) error
	defer func() {
		if err == nil {
			return
		}
		uctx := context.WithoutCancel(ctx)
		for i := len(undo) - 1; i >= 0; i-- {
			if uerr := undo[i](uctx); uerr != nil {
				s.log().Error("kimchi: a failed VM update could not be undone", "vm", name, "err", uerr)
			}
		}
	}()
	failed := func(err error) error {
		return fromVirt(err, "KCHVM0008E", "KCHVM0002E", "Unable to update virtual machine %s.", name)
	}
	if req.Memory != nil || req.CPUs != nil {
		var mem, cpus int
		if req.Memory != nil {
			mem = *req.Memory
		}
		if req.CPUs != nil {
			cpus = *req.CPUs
		}
		if err := s.drv.SetResources(ctx, name, mem, cpus); err != nil {
			return "", failed(err)
		}
		undo = append(undo, func(ctx context.Context) error { return s.drv.SetResources(ctx, name, d.MemoryMiB, d.CPUs) })
	}
	if metaChanged {
		if err := s.drv.SetMetadata(ctx, name, m.xml()); err != nil {
			return "", failed(err)
		}
		undo = append(undo, func(ctx context.Context) error { return s.drv.SetMetadata(ctx, name, d.Metadata) })
	}
	if g := req.Graphics; g != nil {
		passwd := randomHex(4) // eight characters: what VNC takes
		if g.Passwd != nil {
			passwd = *g.Passwd
		}
		life := 30 * time.Second
		if g.PasswdValidTo != nil {
			life = time.Duration(*g.PasswdValidTo * float64(time.Second))
		}
		if err := s.drv.SetGraphicsPassword(ctx, name, passwd, time.Now().Add(life)); err != nil {
			return "", failed(err)
		}
	}
	if req.Name == nil || *req.Name == name {
		return name, nil
	}
	if err := s.drv.Rename(ctx, name, *req.Name); err != nil {
		if errors.Is(err, virt.ErrExists) {
			return "", invalid("KCHVM0001E", "Virtual machine %s already exists", *req.Name)
		}
		return "", fromVirt(err, "KCHVM0008E", "KCHVM0002E", "Unable to rename virtual machine %s.", name)
	}
	s.mu.Lock()
	delete(s.peaks, name)
	s.mu.Unlock()
	s.netsChanged(nil)
	return *req.Name, nil
}

// checkVMUpdate refuses, before anything changes, what UpdateVM cannot
// do: a bad or taken name, a rename of a running VM, out-of-range
// resources, graphics a VM does not have.
func (s *Service) checkVMUpdate(ctx context.Context, d virt.Domain, req UpdateVMRequest) error {
	if req.Name != nil && *req.Name != d.Name {
		if !validName(*req.Name) {
			return invalid("KCHVM0011E", "Virtual machine name must be a string without slashes (/)")
		}
		if d.State != virt.Shutoff {
			return invalid("KCHVM0003E", "Unable to rename virtual machine %s. The name %s already exists or it is not powered off.", d.Name, *req.Name)
		}
		if _, err := s.drv.Domain(ctx, *req.Name); err == nil {
			return invalid("KCHVM0003E", "Unable to rename virtual machine %s. The name %s already exists or it is not powered off.", d.Name, *req.Name)
		}
	}
	if req.Memory != nil && (*req.Memory < 512 || *req.Memory > 16<<20) {
		return invalid("KCHTMPL0013E", "Amount of memory (MB) must be an integer not less than 512")
	}
	if req.Icon != nil && !iconPath(*req.Icon) {
		return invalid("KCHTMPL0009E", "Template icon must be a path to the image")
	}
	if req.CPUs != nil && (*req.CPUs < 1 || *req.CPUs > 4096) {
		return invalid("KCHTMPL0012E", "The number of CPUs must be an integer greater than 0")
	}
	if g := req.Graphics; g != nil {
		if d.Graphics == nil {
			return invalid("KCHVM0008E", "Unable to update virtual machine %s. Details: it has no graphics", d.Name)
		}
		if g.PasswdValidTo != nil && (*g.PasswdValidTo < 0 || *g.PasswdValidTo > 1e9) {
			return invalid("KCHVM0032E", "The life time for the guest console password must be a positive number.")
		}
	}
	return nil
}

// vmMeta is the VM's metadata with the request's users, groups and icon,
// and whether it changed; users and groups must exist on this host.
func vmMeta(d virt.Domain, req UpdateVMRequest) (meta, bool, error) {
	m := parseMeta(d.Metadata)
	changed := false
	if req.Users != nil {
		var missing []string
		for _, u := range *req.Users {
			if _, err := user.Lookup(u); err != nil {
				missing = append(missing, u)
			}
		}
		if len(missing) > 0 {
			return m, false, invalid("KCHVM0027E", "User(s) '%s' do not exist", strings.Join(missing, ", "))
		}
		m.Users, changed = *req.Users, true
	}
	if req.Groups != nil {
		var missing []string
		for _, g := range *req.Groups {
			if _, err := user.LookupGroup(g); err != nil {
				missing = append(missing, g)
			}
		}
		if len(missing) > 0 {
			return m, false, invalid("KCHVM0028E", "Group(s) '%s' do not exist", strings.Join(missing, ", "))
		}
		m.Groups, changed = *req.Groups, true
	}
	if req.Icon != nil {
		m.Icon, changed = *req.Icon, true
	}
	return m, changed, nil
}

// DeleteVM removes a VM, powering it off first, with the volumes its
// disks are (CD-ROMs stay), as Kimchi does.
func (s *Service) DeleteVM(ctx context.Context, name string) error {
	if _, err := s.domain(ctx, name); err != nil {
		return err
	}
	if err := s.drv.Undefine(ctx, name, true); err != nil {
		return fromVirt(err, "KCHVM0021E", "KCHVM0002E", "Unable to delete virtual machine %s.", name)
	}
	s.mu.Lock()
	delete(s.peaks, name)
	s.mu.Unlock()
	s.netsChanged(nil)
	return nil
}

// VMAction runs a lifecycle action: start, poweroff, shutdown, reset,
// suspend, resume or connect (which only checks that there is a display
// to connect to).
func (s *Service) VMAction(ctx context.Context, name, action string) error {
	d, err := s.domain(ctx, name)
	if err != nil {
		return err
	}
	on := d.State == virt.Running || d.State == virt.Paused || d.State == virt.Shutdown
	type act struct {
		call              func(context.Context, string) error
		ok                bool
		stateCode, code   string
		stateMsg, failMsg string
	}
	acts := map[string]act{
		"start":    {s.drv.Start, !on, "KCHVM0048E", "KCHVM0019E", "Cannot start %s. Virtual machine is already running.", "Unable to start virtual machine %s."},
		"poweroff": {s.drv.Poweroff, on, "KCHVM0049E", "KCHVM0020E", "Cannot power off %s. Virtual machine is shut off.", "Unable to power off virtual machine %s."},
		"shutdown": {s.drv.Shutdown, on, "KCHVM0050E", "KCHVM0029E", "Cannot shutdown %s. Virtual machine is shut off.", "Unable to shutdown virtual machine %s."},
		"reset":    {s.drv.Reset, on, "KCHVM0051E", "KCHVM0022E", "Cannot reset %s. Virtual machine is already shut off.", "Unable to reset virtual machine %s."},
		"suspend":  {s.drv.Suspend, d.State == virt.Running, "KCHVM0037E", "KCHVM0038E", "Cannot suspend VM '%s' because it is not running.", "Unable to suspend VM '%s'."},
		"resume":   {s.drv.Resume, d.State == virt.Paused, "KCHVM0039E", "KCHVM0040E", "Cannot resume VM '%s' because it is not paused.", "Unable to resume VM '%s'."},
	}
	if action == "connect" {
		if !on {
			return invalid("KCHVM0010E", "Unable to connect to powered off virtual machine %s.", name)
		}
		if d.Graphics == nil {
			return invalid("KCHVM0008E", "Unable to connect to virtual machine %s. Details: it has no graphics", name)
		}
		return nil
	}
	a, ok := acts[action]
	if !ok {
		return errNoRoute
	}
	if !a.ok {
		return invalid(a.stateCode, a.stateMsg, name)
	}
	err = a.call(ctx, name)
	if errors.Is(err, virt.ErrInvalidState) {
		return invalid(a.stateCode, a.stateMsg, name) // changed meanwhile
	}
	return fromVirt(err, a.code, "KCHVM0002E", a.failMsg, name)
}

// CloneVM starts cloning a shut-off VM as "<name>-cloneN": a Task.
func (s *Service) CloneVM(ctx context.Context, name string) (Task, error) {
	d, err := s.domain(ctx, name)
	if err != nil {
		return Task{}, err
	}
	if d.State != virt.Shutoff {
		return Task{}, invalid("KCHVM0033E", "Virtual machine '%s' must be stopped before cloning it.", name)
	}
	var clone string
	var release func()
	for n := 1; ; n++ {
		if n > 1000 {
			return Task{}, invalid("KCHUTILS0003E", "Unable to choose a virtual machine name")
		}
		clone = fmt.Sprintf("%s-clone-%d", name, n)
		if release, err = s.reserve(ctx, clone); err == nil {
			break
		}
	}
	task, err := s.run(ctx, "/vms/"+clone+"/clone", "cloning VM "+name, func(ctx context.Context, step func(string)) error {
		defer release()
		if _, err := s.drv.Clone(ctx, name, clone); err != nil {
			return fromVirt(err, "KCHVM0035E", "KCHVM0002E", "Unable to clone VM '%s'.", name)
		}
		s.netsChanged(nil)
		return nil
	})
	if err != nil {
		release()
	}
	return task, err
}

var validUser = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)

// MigrateVM starts moving a running VM to remoteHost (over ssh as user):
// a Task. 501 on a hypervisor that cannot migrate.
func (s *Service) MigrateVM(ctx context.Context, name, remoteHost, user string) (Task, error) {
	d, err := s.domain(ctx, name)
	if err != nil {
		return Task{}, err
	}
	caps, err := s.drv.Capabilities(ctx)
	if err != nil {
		return Task{}, fromVirt(err, "KCHVM0058E", "", "Failed to migrate virtual machine %s.", name)
	}
	if !caps.Migrate {
		return Task{}, kerr(ErrNotImplemented, "KCHVM0058E", "Failed to migrate virtual machine %s due error: the %s hypervisor cannot migrate", name, caps.Driver)
	}
	if !validHost(remoteHost) {
		return Task{}, invalid("KCHVM0060E", "Destination host of the migration must be a host name or address.")
	}
	if user != "" && !validUser.MatchString(user) {
		return Task{}, invalid("KCHVM0059E", "User name of the remote server must be a user name.")
	}
	if remoteHost == "localhost" || remoteHost == "127.0.0.1" || remoteHost == "::1" {
		return Task{}, invalid("KCHVM0055E", "Migrate to localhost %s is not allowed.", remoteHost)
	}
	if d.State != virt.Running && d.State != virt.Paused {
		return Task{}, invalid("KCHVM0057E", "Can not migrate virtual machine %s when its in %s state.", name, d.State)
	}
	uri := "qemu+ssh://" + remoteHost + "/system"
	if user != "" {
		uri = "qemu+ssh://" + user + "@" + remoteHost + "/system"
	}
	return s.run(ctx, "/vms/"+name, "migrating to "+remoteHost, func(ctx context.Context, step func(string)) error {
		if err := s.drv.Migrate(ctx, name, uri); err != nil {
			return fromVirt(err, "KCHVM0058E", "KCHVM0002E", "Failed to migrate virtual machine %s.", name)
		}
		s.netsChanged(nil)
		return nil
	})
}

// Screenshot returns a running VM's display as an image.
func (s *Service) Screenshot(ctx context.Context, name string) ([]byte, string, error) {
	d, err := s.domain(ctx, name)
	if err != nil {
		return nil, "", err
	}
	if d.State != virt.Running && d.State != virt.Paused {
		return nil, "", invalid("KCHVM0004E", "Unable to retrieve screenshot for stopped virtual machine %s", name)
	}
	data, mime, err := s.drv.Screenshot(ctx, name)
	if errors.Is(err, virt.ErrNotSupported) {
		return nil, "", invalid("KCHVM0006E", "Screenshot is not supported on virtual machine %s", name)
	}
	if err != nil {
		return nil, "", fromVirt(err, "KCHVM0009E", "KCHVM0002E", "Unable to take a screenshot of virtual machine %s.", name)
	}
	return data, mime, nil
}
