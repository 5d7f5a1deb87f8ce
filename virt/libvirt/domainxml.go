//go:build cgo

package libvirt

// Domains to and from libvirt's XML: what a definition says as a
// virt.Domain, and a virt.DomainSpec's devices as elements.

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

func kib(v uint, unit string) int {
	switch strings.ToLower(unit) {
	case "", "k", "kib":
		return int(v / 1024)
	case "m", "mib":
		return int(v)
	case "g", "gib":
		return int(v * 1024)
	case "b", "bytes":
		return int(v / (1 << 20))
	}
	return int(v / 1024)
}

func (d *Driver) fromXML(def *libvirtxml.Domain) virt.Domain {
	out := virt.Domain{Name: def.Name, UUID: def.UUID, Interfaces: []virt.Interface{}, Disks: []virt.Disk{}, HostDevs: []virt.HostDev{}}
	if def.Memory != nil {
		out.MaxMemMiB = kib(def.Memory.Value, def.Memory.Unit)
		out.MemoryMiB = out.MaxMemMiB
	}
	if def.CurrentMemory != nil {
		out.MemoryMiB = kib(def.CurrentMemory.Value, def.CurrentMemory.Unit)
	}
	if def.VCPU != nil {
		out.MaxCPUs = int(def.VCPU.Value)
		out.CPUs = out.MaxCPUs
		if def.VCPU.Current != 0 {
			out.CPUs = int(def.VCPU.Current)
		}
	}
	if def.CPU != nil && def.CPU.Topology != nil {
		t := def.CPU.Topology
		out.Topology = &virt.Topology{Sockets: t.Sockets, Cores: t.Cores, Threads: t.Threads}
	}
	if def.Metadata != nil {
		out.Metadata = ownElement(def.Metadata.XML, d.opts.MetadataNS)
	}
	if def.Devices == nil {
		return out
	}
	for _, g := range def.Devices.Graphics {
		switch {
		case g.VNC != nil:
			out.Graphics = &virt.Graphics{Type: "vnc", Listen: listenOf(g.VNC.Listen, g.VNC.Listeners), Port: g.VNC.Port, Passwd: g.VNC.Passwd, PasswdValidTo: parseTime(g.VNC.PasswdValidTo)}
		case g.Spice != nil:
			out.Graphics = &virt.Graphics{Type: "spice", Listen: listenOf(g.Spice.Listen, g.Spice.Listeners), Port: g.Spice.Port, Passwd: g.Spice.Passwd, PasswdValidTo: parseTime(g.Spice.PasswdValidTo)}
		}
		if out.Graphics != nil {
			break
		}
	}
	for _, i := range def.Devices.Interfaces {
		out.Interfaces = append(out.Interfaces, ifaceOf(i))
	}
	for _, disk := range def.Devices.Disks {
		out.Disks = append(out.Disks, diskOf(disk))
	}
	for _, h := range def.Devices.Hostdevs {
		if hd, ok := hostdevOf(h); ok {
			out.HostDevs = append(out.HostDevs, hd)
		}
	}
	return out
}

// ownElement finds, among the elements of a domain's metadata, the one
// in namespace ns and returns it without its namespace ("<kimchi>
// <icon>...</icon></kimchi>"); "" when there is none.
func ownElement(metadata, ns string) string {
	dec := xml.NewDecoder(strings.NewReader(metadata))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var el struct {
			Inner []byte `xml:",innerxml"`
		}
		if err := dec.DecodeElement(&el, &start); err != nil {
			return ""
		}
		if start.Name.Space == ns {
			return "<" + start.Name.Local + ">" + string(el.Inner) + "</" + start.Name.Local + ">"
		}
	}
}

func listenOf(attr string, ls []libvirtxml.DomainGraphicListener) string {
	if attr != "" {
		return attr
	}
	for _, l := range ls {
		if l.Address != nil {
			return l.Address.Address
		}
	}
	return ""
}

func parseTime(s string) time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05", s)
	return t
}

func ifaceOf(i libvirtxml.DomainInterface) virt.Interface {
	out := virt.Interface{}
	if i.MAC != nil {
		out.MAC = i.MAC.Address
	}
	if i.Model != nil {
		out.Model = i.Model.Type
	}
	if s := i.Source; s != nil {
		switch {
		case s.Network != nil:
			out.Type, out.Network = "network", s.Network.Network
		case s.Bridge != nil:
			out.Type, out.Bridge = "bridge", s.Bridge.Bridge
		case s.Direct != nil:
			out.Type, out.Bridge = "direct", s.Direct.Dev
		case s.User != nil:
			out.Type = "user"
		case s.Ethernet != nil:
			out.Type = "ethernet"
		case s.Hostdev != nil:
			out.Type = "hostdev"
		case s.MCast != nil:
			out.Type = "mcast"
		case s.Server != nil:
			out.Type = "server"
		case s.Client != nil:
			out.Type = "client"
		}
	}
	return out
}

func diskOf(disk libvirtxml.DomainDisk) virt.Disk {
	out := virt.Disk{Type: disk.Device}
	if out.Type == "" {
		out.Type = "disk"
	}
	if disk.Target != nil {
		out.Dev, out.Bus = disk.Target.Dev, disk.Target.Bus
	}
	if disk.Driver != nil {
		out.Format = disk.Driver.Type
	}
	if s := disk.Source; s != nil {
		switch {
		case s.File != nil:
			out.Path = s.File.File
		case s.Block != nil:
			out.Path = s.Block.Dev
		case s.Volume != nil:
			out.Pool, out.Volume = s.Volume.Pool, s.Volume.Volume
		case s.Network != nil:
			out.Path = s.Network.Name
			if n := s.Network; len(n.Hosts) == 1 && n.Hosts[0].Name != "" {
				u := url.URL{Scheme: n.Protocol, Host: n.Hosts[0].Name, Path: n.Name, RawQuery: n.Query}
				if p := n.Hosts[0].Port; p != "" && p != defaultPorts[n.Protocol] {
					u.Host = net.JoinHostPort(n.Hosts[0].Name, n.Hosts[0].Port)
				}
				out.Path = u.String()
			}
		}
	}
	return out
}

// defaultPorts are the ports a URL leaves out, which libvirt writes in.
var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21", "ftps": "990", "tftp": "69"}

// remoteSource is the network source of a disk given by URL (an ISO the
// hypervisor streams over http, https, ftp, ftps or tftp), or nil.
func remoteSource(path string) *libvirtxml.DomainDiskSourceNetwork {
	u, err := url.Parse(path)
	if err != nil || u.Host == "" {
		return nil
	}
	switch u.Scheme {
	case "http", "https", "ftp", "ftps", "tftp":
	default:
		return nil
	}
	return &libvirtxml.DomainDiskSourceNetwork{Protocol: u.Scheme, Name: u.EscapedPath(), Query: u.RawQuery,
		Hosts: []libvirtxml.DomainDiskSourceHost{{Name: u.Hostname(), Port: u.Port()}}}
}

func hostdevOf(h libvirtxml.DomainHostdev) (virt.HostDev, bool) {
	switch {
	case h.SubsysPCI != nil && h.SubsysPCI.Source != nil && h.SubsysPCI.Source.Address != nil:
		a := h.SubsysPCI.Source.Address
		return virt.HostDev{Type: "pci", Name: fmt.Sprintf("pci_%04x_%02x_%02x_%x", deref(a.Domain), deref(a.Bus), deref(a.Slot), deref(a.Function))}, true
	case h.SubsysUSB != nil && h.SubsysUSB.Source != nil && h.SubsysUSB.Source.Address != nil:
		a := h.SubsysUSB.Source.Address
		return virt.HostDev{Type: "usb", Name: fmt.Sprintf("usb_%03d_%03d", deref(a.Bus), deref(a.Device))}, true
	}
	return virt.HostDev{}, false
}

func deref(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

// newMAC is a locally administered unicast MAC under libvirt's and
// KVM's customary 52:54:00.
func newMAC() string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

func ifaceXML(i virt.Interface) (libvirtxml.DomainInterface, error) {
	x := libvirtxml.DomainInterface{MAC: &libvirtxml.DomainInterfaceMAC{Address: i.MAC}}
	if i.Model != "" {
		x.Model = &libvirtxml.DomainInterfaceModel{Type: i.Model}
	}
	switch i.Type {
	case "network", "":
		x.Source = &libvirtxml.DomainInterfaceSource{Network: &libvirtxml.DomainInterfaceSourceNetwork{Network: i.Network}}
	case "bridge":
		x.Source = &libvirtxml.DomainInterfaceSource{Bridge: &libvirtxml.DomainInterfaceSourceBridge{Bridge: i.Bridge}}
	default:
		return x, &virt.Error{Op: "interface", Object: i.MAC, Kind: virt.ErrInvalid, Msg: "interface type " + i.Type + " is not supported: network or bridge"}
	}
	return x, nil
}

func diskXML(disk virt.Disk) libvirtxml.DomainDisk {
	x := libvirtxml.DomainDisk{Device: disk.Type, Target: &libvirtxml.DomainDiskTarget{Dev: disk.Dev, Bus: disk.Bus}}
	if disk.Format != "" {
		x.Driver = &libvirtxml.DomainDiskDriver{Name: "qemu", Type: disk.Format}
	}
	if n := remoteSource(disk.Path); n != nil {
		x.Source = &libvirtxml.DomainDiskSource{Network: n}
	} else if disk.Path != "" {
		x.Source = &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: disk.Path}}
	}
	if disk.Type == "cdrom" {
		x.ReadOnly = &libvirtxml.DomainDiskReadOnly{}
	}
	return x
}
