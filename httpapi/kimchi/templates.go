package kimchi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/httpapi/internal/uuid"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/virt"
)

// Graphics is a template's or a VM's display.
type Graphics struct {
	Type   string `json:"type" code:"KCHVM0014E"` // "vnc", "spice", "null"
	Listen string `json:"listen" code:"KCHVM0015E"`
}

// Topology is a CPU topology.
type Topology struct {
	Sockets int `json:"sockets" code:"KCHTMPL0026E"`
	Cores   int `json:"cores" code:"KCHTMPL0026E"`
	Threads int `json:"threads" code:"KCHTMPL0026E"`
}

// CPUInfo is a template's cpu_info.
type CPUInfo struct {
	Topology *Topology `json:"topology,omitempty"`
}

// TemplateDisk is a disk a template gives its VMs: a new volume of Size
// GiB, or a copy of Volume (in the template's pool).
type TemplateDisk struct {
	Index  int    `json:"index" code:"KCHTMPL0028E"`
	Size   int    `json:"size,omitempty" code:"KCHTMPL0022E"`
	Volume string `json:"volume,omitempty" code:"KCHTMPL0019E"`
	// Base is an image on this host the disk starts as (its backing
	// store; the disk holds only what changes), as Kimchi takes it.
	Base   string `json:"base,omitempty" code:"KCHTMPL0023E"`
	Format string `json:"format,omitempty" code:"KCHTMPL0027E"`
}

// Template is what VMs are created from. Templates live in the store.
type Template struct {
	Name        string         `json:"name"`
	Folder      []string       `json:"folder"`
	Icon        string         `json:"icon"`
	OSDistro    string         `json:"os_distro"`
	OSVersion   string         `json:"os_version"`
	CPUs        int            `json:"cpus"`
	Memory      int            `json:"memory"` // MiB
	CDROM       string         `json:"cdrom,omitempty"`
	StoragePool string         `json:"storagepool"` // "/storagepools/default"
	Networks    []string       `json:"networks"`
	Disks       []TemplateDisk `json:"disks"`
	Graphics    Graphics       `json:"graphics"`
	CPUInfo     CPUInfo        `json:"cpu_info"`
	// Invalid names what the template refers to that is missing now:
	// "networks", "storagepools", "cdrom", "disks". Computed on reading.
	Invalid map[string][]string `json:"invalid"`
}

// TemplateRequest creates (POST) or changes (PUT) a template: a field
// left out keeps its value (or, creating, gets its default).
type TemplateRequest struct {
	Name        *string         `json:"name" code:"KCHTMPL0008E"`
	Folder      *[]string       `json:"folder"`
	Icon        *string         `json:"icon" code:"KCHTMPL0009E"`
	OSDistro    *string         `json:"os_distro" code:"KCHTMPL0010E"`
	OSVersion   *string         `json:"os_version" code:"KCHTMPL0011E"`
	CPUs        *int            `json:"cpus" code:"KCHTMPL0012E"`
	Memory      *int            `json:"memory" code:"KCHTMPL0013E"`
	CDROM       *string         `json:"cdrom" code:"KCHTMPL0014E"`
	StoragePool *string         `json:"storagepool" code:"KCHTMPL0015E"`
	Networks    *[]string       `json:"networks" code:"KCHTMPL0017E"`
	Disks       *[]TemplateDisk `json:"disks" code:"KCHTMPL0028E"`
	Graphics    *Graphics       `json:"graphics"`
	CPUInfo     *CPUInfo        `json:"cpu_info" code:"KCHTMPL0026E"`
}

var diskFormats = []string{"bochs", "cloop", "cow", "dmg", "qcow", "qcow2", "qed", "raw", "vmdk", "vpc"}

func (s *Service) templateKey(name string) string { return s.opts.KeyPrefix + "templates/" + name }

// poolName takes a storage pool URI ("/storagepools/default", also
// under /plugins/kimchi) or a bare name.
func poolName(uri string) (string, bool) {
	uri = strings.TrimPrefix(uri, "/plugins/kimchi")
	name, ok := strings.CutPrefix(uri, "/storagepools/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// templateName takes a template URI ("/templates/x").
func templateName(uri string) (string, bool) {
	uri = strings.TrimPrefix(uri, "/plugins/kimchi")
	name, ok := strings.CutPrefix(uri, "/templates/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

func validName(name string) bool {
	return name != "" && len(name) <= 255 && !strings.ContainsAny(name, "/\"\x00") && strings.TrimSpace(name) == name
}

// apply merges a request into t and checks the result.
func (s *Service) applyTemplate(t *Template, req TemplateRequest, creating bool) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&t.Name, req.Name)
	set(&t.Icon, req.Icon)
	set(&t.OSDistro, req.OSDistro)
	set(&t.OSVersion, req.OSVersion)
	set(&t.CDROM, req.CDROM)
	set(&t.StoragePool, req.StoragePool)
	if req.Folder != nil {
		t.Folder = *req.Folder
	}
	if req.CPUs != nil {
		t.CPUs = *req.CPUs
	}
	if req.Memory != nil {
		t.Memory = *req.Memory
	}
	if req.Networks != nil {
		t.Networks = *req.Networks
	}
	if req.Disks != nil {
		t.Disks = *req.Disks
	}
	if req.Graphics != nil {
		t.Graphics = *req.Graphics
	}
	if req.CPUInfo != nil {
		t.CPUInfo = *req.CPUInfo
	}
	if !validName(t.Name) || strings.TrimSpace(t.Name) != t.Name {
		return invalid("KCHTMPL0008E", "Template name must be a string without slashes (/) or quotes (\"), nor spaces around it")
	}
	if req.Disks != nil && len(*req.Disks) == 0 {
		return invalid("KCHTMPL0033E", "Parameter 'disks' requires at least one disk object")
	}
	if topo := t.CPUInfo.Topology; topo != nil {
		if topo.Sockets <= 0 || topo.Cores <= 0 || topo.Threads <= 0 {
			return invalid("KCHTMPL0026E", "When specifying CPU topology, each element must be an integer greater than zero.")
		}
		n := topo.Sockets * topo.Cores * topo.Threads
		if creating && req.CPUs == nil {
			t.CPUs = n
		}
		if t.CPUs != n {
			return invalid("KCHCPUINF0002E", "When CPU topology is defined, the number of CPUs (%d) must be the product of sockets, cores, and threads (%d).", t.CPUs, n)
		}
	}
	if t.CPUs <= 0 || t.CPUs > 4096 {
		return invalid("KCHTMPL0012E", "The number of CPUs must be an integer greater than 0")
	}
	if t.Memory < 512 || t.Memory > 16<<20 {
		return invalid("KCHTMPL0013E", "Amount of memory (MB) must be an integer not less than 512")
	}
	if _, ok := poolName(t.StoragePool); !ok {
		return invalid("KCHTMPL0015E", "Invalid storage pool URI %s specified for template", t.StoragePool)
	}
	if t.Networks == nil {
		t.Networks = []string{}
	}
	for _, n := range t.Networks {
		if !validName(n) {
			return invalid("KCHTMPL0017E", "All networks for the template must be specified in a list of names.")
		}
	}
	seen := map[int]bool{}
	for i := range t.Disks {
		d := &t.Disks[i]
		if d.Format == "" {
			d.Format = s.opts.Defaults.DiskFormat
		}
		switch {
		case d.Index < 0 || d.Index > 25 || seen[d.Index]:
			return invalid("KCHTMPL0028E", "Disk index %d is out of range (0-25) or repeated", d.Index)
		case d.Base != "" && (!strings.HasPrefix(d.Base, "/") || d.Volume != ""):
			return invalid("KCHTMPL0023E", "Disk base image must be an absolute path, and a disk is a base image or a volume, not both")
		case d.Volume == "" && d.Base == "" && d.Size < 1, d.Size > 1<<20:
			return invalid("KCHTMPL0022E", "Disk size must be an integer greater than 1GB.")
		case !slices.Contains(diskFormats, d.Format):
			return invalid("KCHTMPL0027E", "Invalid disk image format. Valid formats: %s.", strings.Join(diskFormats, ", "))
		case d.Volume != "" && !validName(d.Volume):
			return invalid("KCHTMPL0019E", "The volume %q is not a valid volume name", d.Volume)
		}
		seen[d.Index] = true
	}
	if err := validGraphics(t.Graphics); err != nil {
		return err
	}
	if t.CDROM != "" && !strings.HasPrefix(t.CDROM, "/") && !remoteMedia(t.CDROM) {
		return invalid("KCHTMPL0014E", "Template CDROM must be a local or remote ISO file")
	}
	if t.Icon != "" && !iconPath(t.Icon) {
		return invalid("KCHTMPL0009E", "Template icon must be a path to the image")
	}
	if len(t.Folder) > 64 || len(t.Icon) > 1024 || len(t.OSDistro) > 64 || len(t.OSVersion) > 64 {
		return invalid("KCHTMPL0010E", "Template distribution, version, icon and folders must be strings of at most 64 characters (1024 for the icon)")
	}
	return nil
}

// iconPath reports whether an icon is one of Kimchi's images, as 1.5
// ("images/") and its UI under Wok ("plugins/kimchi/images/") name them.
func iconPath(icon string) bool {
	return (strings.HasPrefix(icon, "images/") || strings.HasPrefix(icon, "plugins/kimchi/images/")) &&
		!strings.Contains(icon, "..") && len(icon) <= 1024
}

func validGraphics(g Graphics) error {
	switch g.Type {
	case "vnc", "spice", "null", "":
	default:
		return invalid("KCHVM0014E", "Supported virtual machine graphics are Spice or VNC")
	}
	if g.Listen != "" {
		if _, err := netip.ParseAddr(g.Listen); err != nil {
			return invalid("KCHVM0015E", "Graphics address to listen on must be IPv4 or IPv6")
		}
	}
	return nil
}

// checkRefs refuses a template whose network or pool does not exist, as
// Kimchi does when one is created or changed.
// On a change, only what the request touches is checked (req nil: all),
// so a template whose pool went can still be renamed or pointed at
// another pool.
func (s *Service) checkRefs(ctx context.Context, t Template, req *TemplateRequest) error {
	inv, err := s.invalid(ctx, t)
	if err != nil {
		return err
	}
	if req != nil {
		if req.Networks == nil {
			delete(inv, "networks")
		}
		if req.StoragePool == nil {
			delete(inv, "storagepools")
			if req.Disks == nil {
				delete(inv, "disks")
			}
		}
		if req.CDROM == nil {
			delete(inv, "cdrom")
		}
	}
	if n := inv["networks"]; len(n) > 0 {
		return invalid("KCHTMPL0003E", "Network '%s' specified for template %s does not exist", n[0], t.Name)
	}
	if p := inv["storagepools"]; len(p) > 0 {
		return invalid("KCHTMPL0004E", "Storage pool %s specified for template %s does not exist", p[0], t.Name)
	}
	if c := inv["cdrom"]; len(c) > 0 {
		return invalid("KCHTMPL0002E", "Source media %s not found", c[0])
	}
	if t.CDROM != "" && !remoteMedia(t.CDROM) && (req == nil || req.CDROM != nil) {
		if err := s.media(ctx, t.CDROM, true); err != nil && !errors.Is(err, errOutsidePools) {
			return err
		}
	}
	if v := inv["disks"]; len(v) > 0 {
		if strings.HasPrefix(v[0], "/") {
			return invalid("KCHIMG0004E", "Image file must be an existing file on system. %s is not a valid input.", v[0])
		}
		pool, _ := poolName(t.StoragePool)
		return invalid("KCHTMPL0019E", "The volume %s is not in storage pool %s", v[0], pool)
	}
	return nil
}

// invalid lists what a template refers to that is missing.
func (s *Service) invalid(ctx context.Context, t Template) (map[string][]string, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	var nets []virt.Network
	if len(t.Networks) > 0 {
		if nets, err = drv.Networks(ctx); err != nil {
			return nil, fromVirt(err, "KCHTMPL0020E", "", "Unable to list networks.")
		}
	}
	for _, n := range t.Networks {
		if !slices.ContainsFunc(nets, func(x virt.Network) bool { return x.Name == n }) {
			out["networks"] = append(out["networks"], n)
		}
	}
	pool, _ := poolName(t.StoragePool)
	if _, err := drv.Pool(ctx, pool); errors.Is(err, virt.ErrNotFound) {
		out["storagepools"] = append(out["storagepools"], pool)
	} else if err != nil {
		return nil, fromVirt(err, "KCHTMPL0020E", "", "Unable to read storage pool %s.", pool)
	} else {
		for _, d := range t.Disks {
			if d.Volume == "" {
				continue
			}
			if _, err := drv.Volume(ctx, pool, d.Volume); err != nil {
				out["disks"] = append(out["disks"], d.Volume)
			}
		}
	}
	for _, d := range t.Disks {
		if d.Base != "" && !s.baseImage(ctx, d.Base) {
			out["disks"] = append(out["disks"], d.Base)
		}
	}
	if t.CDROM != "" && !remoteMedia(t.CDROM) && !s.mediaExists(ctx, t.CDROM) {
		out["cdrom"] = append(out["cdrom"], t.CDROM)
	}
	return out, nil
}

// remoteMedia reports whether a CD-ROM is an ISO the hypervisor streams
// (http, https, ftp, ftps, tftp), as Kimchi takes them; it is not
// fetched here to be checked.
func remoteMedia(path string) bool {
	u, err := url.Parse(path)
	return err == nil && u.Host != "" && slices.Contains([]string{"http", "https", "ftp", "ftps", "tftp"}, u.Scheme)
}

// probeMedia returns the distribution and version a local ISO holds
// ("unknown" when it cannot tell).
func (s *Service) probeMedia(ctx context.Context, cdrom *string) (string, string) {
	if cdrom == nil || !strings.HasPrefix(*cdrom, "/") {
		return "unknown", "unknown"
	}
	real, err := s.hostFile(ctx, *cdrom)
	if err != nil {
		return "unknown", "unknown"
	}
	info, err := readISO(real)
	if err != nil {
		return "unknown", "unknown"
	}
	return info.Distro, info.Version
}

// baseSizes gives a disk made from a base image and no size the base's
// size (GiB, rounded up), as Kimchi does.
func (s *Service) baseSizes(ctx context.Context, t *Template) {
	for i := range t.Disks {
		d := &t.Disks[i]
		if d.Base == "" || d.Size > 0 {
			continue
		}
		if real, err := s.hostFile(ctx, d.Base); err == nil {
			if info, err := probeImage(real); err == nil {
				d.Size = int((info.Size + 1<<30 - 1) >> 30)
			}
		}
	}
}

// baseImage reports whether a disk's base image is one a VM may start
// from: a disk image in an active pool's directory on this host (see
// hostFile).
func (s *Service) baseImage(ctx context.Context, path string) bool {
	real, err := s.hostFile(ctx, path)
	if err != nil {
		return false
	}
	_, err = probeImage(real)
	return err == nil
}

// mediaExists: a file on this host, or a volume of one of the
// hypervisor's active pools (which may live on another host).
func (s *Service) mediaExists(ctx context.Context, path string) bool {
	return s.media(ctx, path, false) == nil
}

// CreateTemplate creates a template; what it leaves out comes from the
// service's defaults and, for buses and models, from its distribution.
//
// A template without a name is named as Kimchi names it: after the
// distribution its CD-ROM holds ("debian12.1733561234567"), or a UUID
// when that is not known. A local CD-ROM's distribution and version fill
// os_distro and os_version when the request leaves them out.
func (s *Service) CreateTemplate(ctx context.Context, req TemplateRequest) (Template, error) {
	d := s.opts.Defaults
	t := Template{Folder: []string{}, OSDistro: "unknown", OSVersion: "unknown", CPUs: d.CPUs, Memory: d.MemoryMiB,
		StoragePool: "/storagepools/" + d.StoragePool, Networks: slices.Clone(d.Networks),
		Disks: []TemplateDisk{{Index: 0, Size: d.DiskGiB, Format: d.DiskFormat}}, Graphics: d.Graphics}
	distro, version := s.probeMedia(ctx, req.CDROM)
	t.OSDistro, t.OSVersion = distro, version
	ms := time.Now().UnixMilli()
	named := req.Name != nil && *req.Name != ""
	if !named {
		name := uuid.New()
		if distro != "unknown" {
			name = fmt.Sprintf("%s%s.%d", distro, version, ms)
		}
		req.Name = &name
	}
	if err := s.applyTemplate(&t, req, true); err != nil {
		return Template{}, err
	}
	if err := s.checkRefs(ctx, t, nil); err != nil {
		return Template{}, err
	}
	s.baseSizes(ctx, &t)
	t.Invalid = nil
	for tries := 0; ; tries++ {
		b, _ := json.Marshal(t)
		_, err := s.st.Create(ctx, s.templateKey(t.Name), b)
		if errors.Is(err, store.ErrExists) && !named && tries < 100 {
			// Two made of one distribution in one millisecond (the
			// template page adds each ISO picked at once): the next.
			ms++
			t.Name = fmt.Sprintf("%s%s.%d", distro, version, ms)
			if distro == "unknown" {
				t.Name = uuid.New()
			}
			continue
		}
		if errors.Is(err, store.ErrExists) {
			return Template{}, invalid("KCHTMPL0001E", "Template %s already exists", t.Name)
		} else if err != nil {
			return Template{}, err
		}
		break
	}
	s.netsChanged(t.Networks)
	t.Invalid = map[string][]string{}
	return t, nil
}

func (s *Service) loadTemplate(ctx context.Context, name string) (Template, int64, error) {
	if !validName(name) {
		return Template{}, 0, notFound("KCHOBJST0001E", "Unable to find %s in datastore", name)
	}
	kv, err := s.st.Get(ctx, s.templateKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return Template{}, 0, notFound("KCHOBJST0001E", "Unable to find %s in datastore", name)
	}
	if err != nil {
		return Template{}, 0, err
	}
	var t Template
	if err := json.Unmarshal(kv.Value, &t); err != nil {
		return Template{}, 0, err
	}
	return t, kv.ModRevision, nil
}

// Template returns a template with what is missing in Invalid.
func (s *Service) Template(ctx context.Context, name string) (Template, error) {
	t, _, err := s.loadTemplate(ctx, name)
	if err != nil {
		return t, err
	}
	t.Invalid, err = s.invalid(ctx, t)
	return t, err
}

// Templates lists the templates, by name.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	out := []Template{}
	err := s.scan(ctx, s.opts.KeyPrefix+"templates/", func(v []byte) error {
		var t Template
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Invalid, err = s.invalid(ctx, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateTemplate changes a template (and renames it when the request
// names it anew), in one transaction.
func (s *Service) UpdateTemplate(ctx context.Context, name string, req TemplateRequest) (Template, error) {
	t, rev, err := s.loadTemplate(ctx, name)
	if err != nil {
		return t, err
	}
	old := t.Networks
	if err := s.applyTemplate(&t, req, false); err != nil {
		return Template{}, err
	}
	if err := s.checkRefs(ctx, t, &req); err != nil {
		return Template{}, err
	}
	t.Invalid = nil
	b, _ := json.Marshal(t)
	conds := []store.Cond{store.IfModRevision(s.templateKey(name), rev)}
	ops := []store.Op{store.PutOp(s.templateKey(t.Name), b)}
	if t.Name != name {
		conds = append(conds, store.IfAbsent(s.templateKey(t.Name)))
		ops = append(ops, store.DeleteOp(s.templateKey(name)))
	}
	if _, err := s.st.Txn(ctx, conds, ops); errors.Is(err, store.ErrConflict) {
		var ce *store.ConflictError
		if errors.As(err, &ce) && ce.Cond.Key == s.templateKey(t.Name) && t.Name != name {
			return Template{}, invalid("KCHTMPL0001E", "Template %s already exists", t.Name)
		}
		return Template{}, kerr(ErrConflict, "KCHTMPL0032E", "Unable to update template due error: it changed meanwhile; try again")
	} else if err != nil {
		return Template{}, err
	}
	s.netsChanged(append(old, t.Networks...))
	t.Invalid = map[string][]string{}
	return t, nil
}

// DeleteTemplate deletes a template; VMs created from it stay.
func (s *Service) DeleteTemplate(ctx context.Context, name string) error {
	t, rev, err := s.loadTemplate(ctx, name)
	if err != nil {
		return err
	}
	if _, err := s.st.Txn(ctx, []store.Cond{store.IfModRevision(s.templateKey(name), rev)}, []store.Op{store.DeleteOp(s.templateKey(name))}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return kerr(ErrConflict, "KCHTMPL0021E", "Unable to delete template due error: it changed meanwhile; try again")
		}
		return err
	}
	s.netsChanged(t.Networks)
	return nil
}

// CloneTemplate copies a template as "<name>-cloneN", the first N free.
func (s *Service) CloneTemplate(ctx context.Context, name string) (Template, error) {
	t, _, err := s.loadTemplate(ctx, name)
	if err != nil {
		return t, err
	}
	base := name
	for n := 1; n < 1000; n++ {
		t.Name = base + "-clone" + strconv.Itoa(n)
		b, _ := json.Marshal(t)
		_, err := s.st.Create(ctx, s.templateKey(t.Name), b)
		if errors.Is(err, store.ErrExists) {
			continue
		}
		if err != nil {
			return Template{}, err
		}
		return s.Template(ctx, t.Name)
	}
	return Template{}, invalid("KCHTMPL0001E", "Template %s already has too many clones", name)
}

// templatesUsing lists the templates that refer to a network.
func (s *Service) templatesUsing(ctx context.Context, network string) ([]string, error) {
	var out []string
	err := s.scan(ctx, s.opts.KeyPrefix+"templates/", func(v []byte) error {
		var t Template
		if json.Unmarshal(v, &t) == nil && slices.Contains(t.Networks, network) {
			out = append(out, t.Name)
		}
		return nil
	})
	return out, err
}

// osDefaults are the buses and models a distribution's guests get:
// virtio for distributions that have had its drivers for years, Kimchi's
// conservative choices otherwise.
func osDefaults(distro, version string) (diskBus, nicModel string) {
	modern := map[string]float64{"debian": 7, "ubuntu": 7.10, "fedora": 16, "rhel": 6, "centos": 6, "opensuse": 12,
		"sles": 11, "sle": 11, "gentoo": 0, "arch": 0, "freebsd": 10}
	base, ok := modern[strings.ToLower(distro)]
	v, err := strconv.ParseFloat(strings.SplitN(version, ".", 3)[0]+"."+fmt.Sprint(minor(version)), 64)
	if ok && (err == nil && v >= base || base == 0) {
		return "virtio", "virtio"
	}
	return "ide", "e1000"
}

func minor(version string) int {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}
