//go:build cgo

package libvirt

import (
	"bytes"
	"context"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

func stateOf(s golibvirt.DomainState) virt.State {
	switch s {
	case golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED:
		return virt.Running
	case golibvirt.DOMAIN_PAUSED, golibvirt.DOMAIN_PMSUSPENDED:
		return virt.Paused
	case golibvirt.DOMAIN_SHUTDOWN:
		return virt.Shutdown
	case golibvirt.DOMAIN_SHUTOFF:
		return virt.Shutoff
	case golibvirt.DOMAIN_CRASHED:
		return virt.Crashed
	}
	return virt.Other
}

func (d *Driver) lookup(op, name string) (*golibvirt.Domain, error) {
	dom, err := d.c().LookupDomainByName(name)
	if err != nil {
		return nil, wrap(op, name, err)
	}
	return dom, nil
}

// Domain returns a domain: its live definition when it runs, else its
// persistent one. Parsed definitions are kept until an event or a change
// through this driver says otherwise.
func (d *Driver) Domain(ctx context.Context, name string) (virt.Domain, error) {
	d.mu.Lock()
	c, ok := d.cache[name]
	events := d.cbID >= 0
	d.mu.Unlock()
	if ok && events {
		// Lifecycle events (a state change, a definition, an undefine)
		// drop an entry, and so does every change made here: what is
		// cached is current without asking libvirt — while the
		// connection lives.
		if d.alive() {
			return c.dom, nil
		}
	}
	dom, err := d.lookup("get domain", name)
	if err != nil {
		return virt.Domain{}, err
	}
	defer dom.Free()
	state, _, err := dom.GetState()
	if err != nil {
		return virt.Domain{}, wrap("get domain", name, err)
	}
	d.mu.Lock()
	c, ok = d.cache[name]
	gen := d.gen
	d.mu.Unlock()
	if ok && c.dom.State == stateOf(state) {
		return c.dom, nil
	}
	// Secure: the console password is part of what a domain is.
	x, err := dom.GetXMLDesc(golibvirt.DOMAIN_XML_SECURE)
	if err != nil {
		return virt.Domain{}, wrap("get domain", name, err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return virt.Domain{}, wrap("get domain", name, err)
	}
	out := d.fromXML(&def)
	out.State = stateOf(state)
	for i := range out.Disks {
		disk := &out.Disks[i]
		if disk.Pool != "" || disk.Path == "" {
			continue
		}
		if vol, err := d.c().LookupStorageVolByPath(disk.Path); err == nil {
			disk.Volume = volName(vol)
			if p, err := vol.LookupPoolByVolume(); err == nil {
				disk.Pool, _ = p.GetName()
				p.Free()
			}
			vol.Free()
		}
	}
	out.Persistent, _ = dom.IsPersistent()
	out.Autostart, _ = dom.GetAutostart()
	d.mu.Lock()
	if d.gen == gen { // nothing changed while it was read
		d.cache[name] = cachedDomain{dom: out}
	}
	d.mu.Unlock()
	return out, nil
}

// DefineDomain defines a new persistent domain.
func (d *Driver) DefineDomain(ctx context.Context, spec virt.DomainSpec) (virt.Domain, error) {
	if _, err := d.c().LookupDomainByName(spec.Name); err == nil {
		return virt.Domain{}, &virt.Error{Op: "define domain", Object: spec.Name, Kind: virt.ErrExists, Msg: "a domain of that name exists"}
	}
	port0 := uint(0)
	pty := func() *libvirtxml.DomainChardevSource {
		return &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}}
	}
	// As Kimchi defines a guest: its disk first, then its CD-ROM to boot
	// from; ACPI, so that it can be shut down; a serial console.
	def := libvirtxml.Domain{Type: d.domainType(spec.Arch), Name: spec.Name,
		Memory: &libvirtxml.DomainMemory{Value: uint(spec.MemoryMiB) * 1024, Unit: "KiB"},
		VCPU:   &libvirtxml.DomainVCPU{Value: uint(spec.CPUs)},
		OS: &libvirtxml.DomainOS{Type: &libvirtxml.DomainOSType{Type: "hvm", Arch: spec.Arch},
			BootDevices: []libvirtxml.DomainBootDevice{{Dev: "hd"}, {Dev: "cdrom"}}},
		Features: &libvirtxml.DomainFeatureList{ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		Devices: &libvirtxml.DomainDeviceList{
			Serials:  []libvirtxml.DomainSerial{{Source: pty(), Target: &libvirtxml.DomainSerialTarget{Port: &port0}}},
			Consoles: []libvirtxml.DomainConsole{{Source: pty(), Target: &libvirtxml.DomainConsoleTarget{Type: "serial", Port: &port0}}},
		},
	}
	if spec.Topology != nil {
		def.CPU = &libvirtxml.DomainCPU{Topology: &libvirtxml.DomainCPUTopology{Sockets: spec.Topology.Sockets, Cores: spec.Topology.Cores, Threads: spec.Topology.Threads}}
	}
	for _, disk := range spec.Disks {
		def.Devices.Disks = append(def.Devices.Disks, diskXML(disk))
	}
	for _, i := range spec.Interfaces {
		if i.MAC == "" {
			i.MAC = newMAC()
		}
		x, err := ifaceXML(i)
		if err != nil {
			return virt.Domain{}, err
		}
		def.Devices.Interfaces = append(def.Devices.Interfaces, x)
	}
	if g := spec.Graphics; g != nil && g.Type != "" {
		gx := libvirtxml.DomainGraphic{}
		switch g.Type {
		case "vnc":
			gx.VNC = &libvirtxml.DomainGraphicVNC{AutoPort: "yes", Port: -1, Listen: g.Listen}
		case "spice":
			gx.Spice = &libvirtxml.DomainGraphicSpice{AutoPort: "yes", Port: -1, Listen: g.Listen}
		default:
			return virt.Domain{}, &virt.Error{Op: "define domain", Object: spec.Name, Kind: virt.ErrInvalid, Msg: "graphics must be vnc or spice"}
		}
		def.Devices.Graphics = append(def.Devices.Graphics, gx)
	}
	x, err := def.Marshal()
	if err != nil {
		return virt.Domain{}, wrap("define domain", spec.Name, err)
	}
	dom, err := d.c().DomainDefineXML(x)
	if err != nil {
		return virt.Domain{}, wrap("define domain", spec.Name, err)
	}
	defer dom.Free()
	defer d.forget(spec.Name)
	if spec.Metadata != "" {
		// libvirt puts the element in our namespace.
		if err := dom.SetMetadata(golibvirt.DOMAIN_METADATA_ELEMENT, spec.Metadata, d.opts.MetadataKey, d.opts.MetadataNS, golibvirt.DOMAIN_AFFECT_CONFIG); err != nil {
			dom.Undefine()
			return virt.Domain{}, wrap("define domain", spec.Name, err)
		}
	}
	return d.Domain(ctx, spec.Name)
}

// domainType is the virtualization a new domain asks for: KVM where the
// hypervisor offers it for the architecture (its capabilities list it
// when /dev/kvm is there and usable), else QEMU's emulation (TCG); "test"
// on libvirt's test driver.
func (d *Driver) domainType(arch string) string {
	if typ, _ := d.c().GetType(); strings.EqualFold(typ, "test") {
		return "test"
	}
	x, err := d.c().GetCapabilities()
	if err != nil {
		return "kvm"
	}
	var c libvirtxml.Caps
	if c.Unmarshal(x) != nil {
		return "kvm"
	}
	if arch == "" {
		arch = c.Host.CPU.Arch
	}
	var types []string
	for _, g := range c.Guests {
		if g.OSType == "hvm" && g.Arch.Name == arch {
			for _, dt := range g.Arch.Domains {
				types = append(types, dt.Type)
			}
		}
	}
	for _, t := range []string{"kvm", "qemu", "test"} {
		if slices.Contains(types, t) {
			return t
		}
	}
	return "kvm"
}

// act runs a lifecycle call on a domain.
func (d *Driver) act(op, name string, f func(*golibvirt.Domain) error) error {
	dom, err := d.lookup(op, name)
	if err != nil {
		return err
	}
	defer dom.Free()
	defer d.forget(name)
	return wrap(op, name, f(dom))
}

// requireState refuses an action in the wrong state with
// ErrInvalidState, before asking libvirt (whose words vary by driver).
func requireState(dom *golibvirt.Domain, op, name string, ok ...golibvirt.DomainState) error {
	st, _, err := dom.GetState()
	if err != nil {
		return err
	}
	for _, s := range ok {
		if st == s {
			return nil
		}
	}
	return &virt.Error{Op: op, Object: name, Kind: virt.ErrInvalidState, Msg: "domain is " + string(stateOf(st))}
}

// Start boots a domain that is shut off.
func (d *Driver) Start(ctx context.Context, name string) error {
	return d.act("start", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "start", name, golibvirt.DOMAIN_SHUTOFF, golibvirt.DOMAIN_CRASHED); err != nil {
			return err
		}
		return dom.Create()
	})
}

// Shutdown asks the guest to shut down.
func (d *Driver) Shutdown(ctx context.Context, name string) error {
	return d.act("shutdown", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "shutdown", name, golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED, golibvirt.DOMAIN_PAUSED); err != nil {
			return err
		}
		return dom.Shutdown()
	})
}

// Poweroff stops a domain at once.
func (d *Driver) Poweroff(ctx context.Context, name string) error {
	return d.act("poweroff", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "poweroff", name, golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED, golibvirt.DOMAIN_PAUSED,
			golibvirt.DOMAIN_SHUTDOWN, golibvirt.DOMAIN_PMSUSPENDED, golibvirt.DOMAIN_CRASHED); err != nil {
			return err
		}
		return dom.Destroy()
	})
}

// Reset resets a running domain.
func (d *Driver) Reset(ctx context.Context, name string) error {
	return d.act("reset", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "reset", name, golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED, golibvirt.DOMAIN_PAUSED); err != nil {
			return err
		}
		err := dom.Reset(0)
		if isNoSupport(err) {
			// Not every driver resets: a hard power cycle is the same to
			// the guest.
			if err = dom.Destroy(); err == nil {
				err = dom.Create()
			}
		}
		return err
	})
}

func isNoSupport(err error) bool {
	le, ok := err.(golibvirt.Error)
	return ok && le.Code == golibvirt.ERR_NO_SUPPORT
}

// Suspend pauses a running domain.
func (d *Driver) Suspend(ctx context.Context, name string) error {
	return d.act("suspend", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "suspend", name, golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED); err != nil {
			return err
		}
		return dom.Suspend()
	})
}

// Resume resumes a paused domain.
func (d *Driver) Resume(ctx context.Context, name string) error {
	return d.act("resume", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "resume", name, golibvirt.DOMAIN_PAUSED); err != nil {
			return err
		}
		return dom.Resume()
	})
}

// Undefine removes a domain, stopping it first, with its snapshots'
// metadata; with storage, the volumes of its disks go too.
func (d *Driver) Undefine(ctx context.Context, name string, storage bool) error {
	vm, err := d.Domain(ctx, name)
	if err != nil {
		return err
	}
	err = d.act("undefine", name, func(dom *golibvirt.Domain) error {
		if active, _ := dom.IsActive(); active {
			if err := dom.Destroy(); err != nil {
				return err
			}
		}
		err := dom.UndefineFlags(golibvirt.DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | golibvirt.DOMAIN_UNDEFINE_MANAGED_SAVE | golibvirt.DOMAIN_UNDEFINE_NVRAM)
		if err != nil {
			err = dom.Undefine()
		}
		return err
	})
	if err != nil || !storage {
		return err
	}
	for _, disk := range vm.Disks {
		if disk.Type != "disk" {
			continue
		}
		vol, err := d.volumeOf(disk)
		if err != nil {
			continue // not a volume of a pool: left alone
		}
		vol.Delete(0)
		vol.Free()
	}
	return nil
}

// volumeOf finds the storage volume a disk is.
func (d *Driver) volumeOf(disk virt.Disk) (*golibvirt.StorageVol, error) {
	if disk.Pool != "" {
		p, err := d.c().LookupStoragePoolByName(disk.Pool)
		if err != nil {
			return nil, err
		}
		defer p.Free()
		return p.LookupStorageVolByName(disk.Volume)
	}
	if disk.Path == "" {
		return nil, notFound("volume", disk.Dev)
	}
	return d.c().LookupStorageVolByPath(disk.Path)
}

// Rename renames a domain that is shut off.
func (d *Driver) Rename(ctx context.Context, name, newName string) error {
	if _, err := d.c().LookupDomainByName(newName); err == nil {
		return &virt.Error{Op: "rename", Object: name, Kind: virt.ErrExists, Msg: "a domain named " + newName + " exists"}
	}
	defer d.forget(newName)
	return d.act("rename", name, func(dom *golibvirt.Domain) error {
		if err := requireState(dom, "rename", name, golibvirt.DOMAIN_SHUTOFF); err != nil {
			return err
		}
		return dom.Rename(newName, 0)
	})
}

// editDefinition changes a domain's persistent definition and redefines
// it.
func (d *Driver) editDefinition(op, name string, edit func(*libvirtxml.Domain) error) error {
	return d.act(op, name, func(dom *golibvirt.Domain) error {
		x, err := dom.GetXMLDesc(golibvirt.DOMAIN_XML_INACTIVE | golibvirt.DOMAIN_XML_SECURE)
		if err != nil {
			return err
		}
		var def libvirtxml.Domain
		if err := def.Unmarshal(x); err != nil {
			return err
		}
		if def.Devices == nil {
			def.Devices = &libvirtxml.DomainDeviceList{}
		}
		if err := edit(&def); err != nil {
			return err
		}
		nx, err := def.Marshal()
		if err != nil {
			return err
		}
		nd, err := d.c().DomainDefineXML(nx)
		if err != nil {
			return err
		}
		return nd.Free()
	})
}

// Clone defines newName like name, with a new UUID, new MACs and copies
// of its disk volumes (in the same pool), on a shut-off domain.
func (d *Driver) Clone(ctx context.Context, name, newName string) (virt.Domain, error) {
	if _, err := d.c().LookupDomainByName(newName); err == nil {
		return virt.Domain{}, &virt.Error{Op: "clone", Object: name, Kind: virt.ErrExists, Msg: "a domain named " + newName + " exists"}
	}
	dom, err := d.lookup("clone", name)
	if err != nil {
		return virt.Domain{}, err
	}
	defer dom.Free()
	if err := requireState(dom, "clone", name, golibvirt.DOMAIN_SHUTOFF); err != nil {
		return virt.Domain{}, wrap("clone", name, err)
	}
	x, err := dom.GetXMLDesc(golibvirt.DOMAIN_XML_INACTIVE | golibvirt.DOMAIN_XML_SECURE)
	if err != nil {
		return virt.Domain{}, wrap("clone", name, err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return virt.Domain{}, wrap("clone", name, err)
	}
	def.Name, def.UUID = newName, ""
	var made []*golibvirt.StorageVol
	undo := func() {
		for _, v := range made {
			v.Delete(0)
			v.Free()
		}
	}
	if def.Devices != nil {
		for i := range def.Devices.Interfaces {
			def.Devices.Interfaces[i].MAC = &libvirtxml.DomainInterfaceMAC{Address: newMAC()}
		}
		for i, disk := range def.Devices.Disks {
			vd := diskOf(disk)
			if vd.Type != "disk" {
				continue
			}
			src, err := d.volumeOf(vd)
			if err != nil {
				continue // not a pool's volume: shared, as virt-clone would ask
			}
			nv, err := d.copyVolume(src, newName+"-"+vd.Dev+path.Ext(volName(src)))
			src.Free()
			if err != nil {
				undo()
				return virt.Domain{}, wrap("clone", name, err)
			}
			made = append(made, nv)
			p, _ := nv.GetPath()
			def.Devices.Disks[i].Source = &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: p}}
		}
	}
	nx, err := def.Marshal()
	if err == nil {
		var nd *golibvirt.Domain
		if nd, err = d.c().DomainDefineXML(nx); err == nil {
			nd.Free()
		}
	}
	d.forget(newName)
	if err != nil {
		undo()
		return virt.Domain{}, wrap("clone", name, err)
	}
	for _, v := range made {
		v.Free()
	}
	return d.Domain(ctx, newName)
}

func volName(v *golibvirt.StorageVol) string {
	n, _ := v.GetName()
	return n
}

// copyVolume copies src to a new volume name in its pool.
func (d *Driver) copyVolume(src *golibvirt.StorageVol, name string) (*golibvirt.StorageVol, error) {
	p, err := src.LookupPoolByVolume()
	if err != nil {
		return nil, err
	}
	defer p.Free()
	x, err := src.GetXMLDesc(0)
	if err != nil {
		return nil, err
	}
	var vx libvirtxml.StorageVolume
	if err := vx.Unmarshal(x); err != nil {
		return nil, err
	}
	nv := libvirtxml.StorageVolume{Name: name, Capacity: vx.Capacity}
	if vx.Target != nil && vx.Target.Format != nil {
		nv.Target = &libvirtxml.StorageVolumeTarget{Format: vx.Target.Format}
	}
	nx, err := nv.Marshal()
	if err != nil {
		return nil, err
	}
	return p.StorageVolCreateXMLFrom(nx, src, 0)
}

// SetResources changes memory and CPUs in the persistent definition.
func (d *Driver) SetResources(ctx context.Context, name string, memMiB, cpus int) error {
	return d.editDefinition("update", name, func(def *libvirtxml.Domain) error {
		if memMiB > 0 {
			def.Memory = &libvirtxml.DomainMemory{Value: uint(memMiB) * 1024, Unit: "KiB"}
			def.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(memMiB) * 1024, Unit: "KiB"}
		}
		if cpus > 0 {
			if def.CPU != nil && def.CPU.Topology != nil {
				t := def.CPU.Topology
				if t.Sockets*max(t.Cores, 1)*max(t.Threads, 1) < cpus {
					return &virt.Error{Op: "update", Object: name, Kind: virt.ErrInvalid, Msg: "more CPUs than the topology has"}
				}
			}
			def.VCPU = &libvirtxml.DomainVCPU{Value: uint(cpus)}
		}
		return nil
	})
}

// SetGraphicsPassword sets the console password (and its expiry): on a
// running domain live first (an ErrNotSupported where the hypervisor
// cannot, an ErrInvalidState where its console was started without a
// password, both changing nothing), then in its definition.
func (d *Driver) SetGraphicsPassword(ctx context.Context, name, passwd string, validTo time.Time) error {
	until := ""
	if !validTo.IsZero() {
		until = validTo.UTC().Format("2006-01-02T15:04:05")
	}
	setPasswd := func(def *libvirtxml.Domain) (*libvirtxml.DomainGraphic, error) {
		if def.Devices != nil {
			for i := range def.Devices.Graphics {
				g := &def.Devices.Graphics[i]
				switch {
				case g.VNC != nil:
					g.VNC.Passwd, g.VNC.PasswdValidTo = passwd, until
					return g, nil
				case g.Spice != nil:
					g.Spice.Passwd, g.Spice.PasswdValidTo = passwd, until
					return g, nil
				}
			}
		}
		return nil, &virt.Error{Op: "update", Object: name, Kind: virt.ErrInvalidState, Msg: "the domain has no graphics"}
	}
	// A running domain's first, so that a hypervisor that cannot change
	// it live leaves the definition as it was too.
	err := d.act("update", name, func(dom *golibvirt.Domain) error {
		if !live(dom) {
			return nil
		}
		x, err := dom.GetXMLDesc(golibvirt.DOMAIN_XML_SECURE)
		if err != nil {
			return err
		}
		var def libvirtxml.Domain
		if err := def.Unmarshal(x); err != nil {
			return err
		}
		if def.Devices != nil && len(def.Devices.Graphics) > 0 {
			// QEMU takes a new password only on a console started with
			// one (VNC's password auth, SPICE's ticketing).
			if g := def.Devices.Graphics[0]; g.VNC != nil && g.VNC.Passwd == "" || g.Spice != nil && g.Spice.Passwd == "" {
				return &virt.Error{Op: "update", Object: name, Kind: virt.ErrInvalidState,
					Msg: "the running domain's console was started without a password, and a password cannot be added to it live; set one while the domain is shut off"}
			}
		}
		g, err := setPasswd(&def)
		if err != nil {
			return err
		}
		gx, err := g.Marshal()
		if err != nil {
			return err
		}
		return dom.UpdateDeviceFlags(gx, golibvirt.DOMAIN_DEVICE_MODIFY_LIVE)
	})
	if err != nil {
		return err
	}
	return d.editDefinition("update", name, func(def *libvirtxml.Domain) error {
		_, err := setPasswd(def)
		return err
	})
}

// SetMetadata replaces the application's metadata element.
func (d *Driver) SetMetadata(ctx context.Context, name, xml string) error {
	return d.act("metadata", name, func(dom *golibvirt.Domain) error {
		return dom.SetMetadata(golibvirt.DOMAIN_METADATA_ELEMENT, xml, d.opts.MetadataKey, d.opts.MetadataNS, golibvirt.DOMAIN_AFFECT_CONFIG)
	})
}

// Metadata returns the application's metadata element ("" none).
func (d *Driver) Metadata(ctx context.Context, name string) (string, error) {
	dom, err := d.lookup("metadata", name)
	if err != nil {
		return "", err
	}
	defer dom.Free()
	x, err := dom.GetMetadata(golibvirt.DOMAIN_METADATA_ELEMENT, d.opts.MetadataNS, golibvirt.DOMAIN_AFFECT_CONFIG)
	if le, ok := err.(golibvirt.Error); ok && le.Code == golibvirt.ERR_NO_DOMAIN_METADATA {
		return "", nil
	}
	return x, wrap("metadata", name, err)
}

// Screenshot returns the primary display of a running domain.
func (d *Driver) Screenshot(ctx context.Context, name string) ([]byte, string, error) {
	dom, err := d.lookup("screenshot", name)
	if err != nil {
		return nil, "", err
	}
	defer dom.Free()
	if err := requireState(dom, "screenshot", name, golibvirt.DOMAIN_RUNNING, golibvirt.DOMAIN_BLOCKED, golibvirt.DOMAIN_PAUSED); err != nil {
		return nil, "", wrap("screenshot", name, err)
	}
	st, err := d.c().NewStream(0)
	if err != nil {
		return nil, "", wrap("screenshot", name, err)
	}
	defer st.Free()
	mime, err := dom.Screenshot(st, 0, 0)
	if err != nil {
		return nil, "", wrap("screenshot", name, err)
	}
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		n, err := st.Recv(chunk)
		if n > 0 {
			buf.Write(chunk[:n])
		}
		if err != nil || n == 0 {
			if err != nil && err != io.EOF {
				st.Abort()
				return nil, "", wrap("screenshot", name, err)
			}
			break
		}
		if buf.Len() > 64<<20 {
			st.Abort()
			return nil, "", &virt.Error{Op: "screenshot", Object: name, Kind: virt.ErrInvalid, Msg: "larger than 64 MiB"}
		}
	}
	st.Finish()
	return buf.Bytes(), mime, nil
}

// Migrate moves a running domain to the hypervisor at destURI.
func (d *Driver) Migrate(ctx context.Context, name, destURI string) error {
	dst, err := golibvirt.NewConnect(destURI)
	if err != nil {
		return wrap("migrate", name, err)
	}
	defer dst.Close()
	return d.act("migrate", name, func(dom *golibvirt.Domain) error {
		nd, err := dom.Migrate(dst, golibvirt.MIGRATE_LIVE|golibvirt.MIGRATE_PERSIST_DEST|golibvirt.MIGRATE_UNDEFINE_SOURCE, "", "", 0)
		if err == nil {
			nd.Free()
		}
		return err
	})
}
