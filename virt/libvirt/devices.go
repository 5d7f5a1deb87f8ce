//go:build cgo

package libvirt

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

// live reports whether a change should also go to the running domain.
func live(dom *golibvirt.Domain) bool {
	a, _ := dom.IsActive()
	return a
}

// device changes a domain's device: live when it runs and libvirt can
// (AttachDeviceFlags and friends), else — or where the driver has no such
// call — on the persistent definition, redefined.
func (d *Driver) device(op, name, devXML string, call func(dom *golibvirt.Domain, x string, flags golibvirt.DomainDeviceModifyFlags) error, edit func(*libvirtxml.Domain) error) error {
	err := d.act(op, name, func(dom *golibvirt.Domain) error {
		flags := golibvirt.DOMAIN_DEVICE_MODIFY_CONFIG
		if live(dom) {
			flags |= golibvirt.DOMAIN_DEVICE_MODIFY_LIVE
		}
		return call(dom, devXML, flags)
	})
	var ve *virt.Error
	if errors.As(err, &ve) && ve.Kind == virt.ErrNotSupported {
		return d.editDefinition(op, name, edit)
	}
	return err
}

// AttachInterface adds an interface (MAC generated when empty).
func (d *Driver) AttachInterface(ctx context.Context, dom string, iface virt.Interface) (virt.Interface, error) {
	if iface.MAC == "" {
		iface.MAC = newMAC()
	}
	x, err := ifaceXML(iface)
	if err != nil {
		return iface, err
	}
	devXML, err := x.Marshal()
	if err != nil {
		return iface, wrap("attach interface", dom, err)
	}
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return iface, err
	}
	for _, i := range vm.Interfaces {
		if strings.EqualFold(i.MAC, iface.MAC) {
			return iface, &virt.Error{Op: "attach interface", Object: dom, Kind: virt.ErrExists, Msg: "MAC " + iface.MAC + " is in use"}
		}
	}
	err = d.device("attach interface", dom, devXML, (*golibvirt.Domain).AttachDeviceFlags, func(def *libvirtxml.Domain) error {
		def.Devices.Interfaces = append(def.Devices.Interfaces, x)
		return nil
	})
	return iface, err
}

// UpdateInterface changes an interface's network and model (by MAC).
func (d *Driver) UpdateInterface(ctx context.Context, dom string, iface virt.Interface) error {
	x, err := ifaceXML(iface)
	if err != nil {
		return err
	}
	devXML, err := x.Marshal()
	if err != nil {
		return wrap("update interface", dom, err)
	}
	if err := d.hasIface(ctx, dom, iface.MAC); err != nil {
		return err
	}
	return d.device("update interface", dom, devXML, (*golibvirt.Domain).UpdateDeviceFlags, func(def *libvirtxml.Domain) error {
		for i := range def.Devices.Interfaces {
			if m := def.Devices.Interfaces[i].MAC; m != nil && strings.EqualFold(m.Address, iface.MAC) {
				def.Devices.Interfaces[i] = x
			}
		}
		return nil
	})
}

func (d *Driver) hasIface(ctx context.Context, dom, mac string) error {
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return err
	}
	for _, i := range vm.Interfaces {
		if strings.EqualFold(i.MAC, mac) {
			return nil
		}
	}
	return notFound("interface "+mac+" of", dom)
}

// DetachInterface removes an interface by MAC.
func (d *Driver) DetachInterface(ctx context.Context, dom, mac string) error {
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return err
	}
	var found *virt.Interface
	for i := range vm.Interfaces {
		if strings.EqualFold(vm.Interfaces[i].MAC, mac) {
			found = &vm.Interfaces[i]
		}
	}
	if found == nil {
		return notFound("interface "+mac+" of", dom)
	}
	x, _ := ifaceXML(*found)
	devXML, _ := x.Marshal()
	return d.device("detach interface", dom, devXML, (*golibvirt.Domain).DetachDeviceFlags, func(def *libvirtxml.Domain) error {
		var keep []libvirtxml.DomainInterface
		for _, i := range def.Devices.Interfaces {
			if i.MAC == nil || !strings.EqualFold(i.MAC.Address, mac) {
				keep = append(keep, i)
			}
		}
		def.Devices.Interfaces = keep
		return nil
	})
}

// AttachDisk adds a disk or CD-ROM; an empty Dev gets the next free name
// on its bus.
func (d *Driver) AttachDisk(ctx context.Context, dom string, disk virt.Disk) (virt.Disk, error) {
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return disk, err
	}
	if disk.Bus == "" {
		disk.Bus = "virtio"
		if disk.Type == "cdrom" {
			disk.Bus = "ide"
		}
	}
	if disk.Dev == "" {
		disk.Dev = nextDev(disk.Bus, vm.Disks)
	}
	for _, x := range vm.Disks {
		if x.Dev == disk.Dev {
			return disk, &virt.Error{Op: "attach disk", Object: dom, Kind: virt.ErrExists, Msg: "device " + disk.Dev + " is in use"}
		}
	}
	x := diskXML(disk)
	devXML, err := x.Marshal()
	if err != nil {
		return disk, wrap("attach disk", dom, err)
	}
	err = d.device("attach disk", dom, devXML, (*golibvirt.Domain).AttachDeviceFlags, func(def *libvirtxml.Domain) error {
		def.Devices.Disks = append(def.Devices.Disks, x)
		return nil
	})
	return disk, err
}

// nextDev is the first free device name on a bus ("vda", "hdc", ...).
func nextDev(bus string, disks []virt.Disk) string {
	prefix := map[string]string{"virtio": "vd", "ide": "hd", "scsi": "sd", "sata": "sd", "usb": "sd"}[bus]
	if prefix == "" {
		prefix = "vd"
	}
	used := map[string]bool{}
	for _, d := range disks {
		used[d.Dev] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		if n := prefix + string(c); !used[n] {
			return n
		}
	}
	return prefix + "z" + strconv.Itoa(len(disks))
}

// UpdateDisk changes a CD-ROM's medium (Path; "" ejects).
func (d *Driver) UpdateDisk(ctx context.Context, dom string, disk virt.Disk) error {
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return err
	}
	var cur *virt.Disk
	for i := range vm.Disks {
		if vm.Disks[i].Dev == disk.Dev {
			cur = &vm.Disks[i]
		}
	}
	if cur == nil {
		return notFound("disk "+disk.Dev+" of", dom)
	}
	if cur.Type != "cdrom" {
		return &virt.Error{Op: "update disk", Object: dom, Kind: virt.ErrInvalid, Msg: "only a CD-ROM's medium can change"}
	}
	next := *cur
	next.Path, next.Pool, next.Volume = disk.Path, "", ""
	x := diskXML(next)
	devXML, err := x.Marshal()
	if err != nil {
		return wrap("update disk", dom, err)
	}
	return d.device("update disk", dom, devXML, (*golibvirt.Domain).UpdateDeviceFlags, func(def *libvirtxml.Domain) error {
		for i := range def.Devices.Disks {
			if t := def.Devices.Disks[i].Target; t != nil && t.Dev == disk.Dev {
				def.Devices.Disks[i].Source = x.Source
			}
		}
		return nil
	})
}

// DetachDisk removes a disk by device name.
func (d *Driver) DetachDisk(ctx context.Context, dom, dev string) error {
	vm, err := d.Domain(ctx, dom)
	if err != nil {
		return err
	}
	var cur *virt.Disk
	for i := range vm.Disks {
		if vm.Disks[i].Dev == dev {
			cur = &vm.Disks[i]
		}
	}
	if cur == nil {
		return notFound("disk "+dev+" of", dom)
	}
	x := diskXML(*cur)
	devXML, _ := x.Marshal()
	return d.device("detach disk", dom, devXML, (*golibvirt.Domain).DetachDeviceFlags, func(def *libvirtxml.Domain) error {
		var keep []libvirtxml.DomainDisk
		for _, disk := range def.Devices.Disks {
			if disk.Target == nil || disk.Target.Dev != dev {
				keep = append(keep, disk)
			}
		}
		def.Devices.Disks = keep
		return nil
	})
}

// NodeDevices lists the host's devices.
func (d *Driver) NodeDevices(ctx context.Context) ([]virt.NodeDevice, error) {
	devs, err := d.c().ListAllNodeDevices(0)
	if err != nil {
		return nil, wrap("list node devices", "", err)
	}
	var out []virt.NodeDevice
	for i := range devs {
		n, _ := devs[i].GetName()
		caps, _ := devs[i].ListCaps()
		nd := virt.NodeDevice{Name: n, Caps: caps}
		if x, err := devs[i].GetXMLDesc(0); err == nil {
			var ndx libvirtxml.NodeDevice
			if ndx.Unmarshal(x) == nil {
				// The parent comes from the XML: the binding's GetParent
				// frees a string the device owns (see the package doc).
				nd.Parent = ndx.Parent
				nd.Path = ndx.Path
				if c := ndx.Capability.PCI; c != nil {
					pci := &virt.PCIDevice{Domain: int(deref(c.Domain)), Bus: int(deref(c.Bus)), Slot: int(deref(c.Slot)), Function: int(deref(c.Function)),
						VendorID: c.Vendor.ID, Vendor: c.Vendor.Name, ProductID: c.Product.ID, Product: c.Product.Name}
					if c.IOMMUGroup != nil {
						g := c.IOMMUGroup.Number
						pci.IOMMUGroup = &g
					}
					nd.PCI = pci
				}
				if c := ndx.Capability.SCSIHost; c != nil {
					sh := &virt.SCSIHost{}
					for _, sub := range c.Capability {
						switch {
						case sub.FCHost != nil:
							sh.Type, sh.WWNN, sh.WWPN = "fc_host", sub.FCHost.WWNN, sub.FCHost.WWPN
						case sub.VPortOps != nil && sh.Type == "":
							sh.Type = "vport_ops"
						}
					}
					nd.SCSIHost = sh
				}
			}
		}
		devs[i].Free()
		out = append(out, nd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// AttachHostDev assigns a PCI or USB node device to a domain.
func (d *Driver) AttachHostDev(ctx context.Context, dom, device string) (virt.HostDev, error) {
	nd, err := d.c().LookupDeviceByName(device)
	if err != nil {
		return virt.HostDev{}, wrap("attach host device", device, err)
	}
	defer nd.Free()
	x, err := nd.GetXMLDesc(0)
	if err != nil {
		return virt.HostDev{}, wrap("attach host device", device, err)
	}
	var ndx libvirtxml.NodeDevice
	if err := ndx.Unmarshal(x); err != nil {
		return virt.HostDev{}, wrap("attach host device", device, err)
	}
	hd := libvirtxml.DomainHostdev{Managed: "yes"}
	out := virt.HostDev{Name: device}
	switch c := ndx.Capability; {
	case c.PCI != nil:
		hd.SubsysPCI = &libvirtxml.DomainHostdevSubsysPCI{Source: &libvirtxml.DomainHostdevSubsysPCISource{
			Address: &libvirtxml.DomainAddressPCI{Domain: c.PCI.Domain, Bus: c.PCI.Bus, Slot: c.PCI.Slot, Function: c.PCI.Function}}}
		out.Type = "pci"
	case c.USBDevice != nil:
		bus, dev := uint(c.USBDevice.Bus), uint(c.USBDevice.Device)
		hd.SubsysUSB = &libvirtxml.DomainHostdevSubsysUSB{Source: &libvirtxml.DomainHostdevSubsysUSBSource{
			Address: &libvirtxml.DomainAddressUSB{Bus: &bus, Device: &dev}}}
		out.Type = "usb"
	default:
		return out, &virt.Error{Op: "attach host device", Object: device, Kind: virt.ErrInvalid, Msg: "only PCI and USB devices can be assigned"}
	}
	devXML, err := hd.Marshal()
	if err != nil {
		return out, wrap("attach host device", device, err)
	}
	err = d.device("attach host device", dom, devXML, (*golibvirt.Domain).AttachDeviceFlags, func(def *libvirtxml.Domain) error {
		def.Devices.Hostdevs = append(def.Devices.Hostdevs, hd)
		return nil
	})
	return out, err
}

// DetachHostDev removes an assigned host device.
func (d *Driver) DetachHostDev(ctx context.Context, dom, device string) error {
	return d.editDefinition("detach host device", dom, func(def *libvirtxml.Domain) error {
		var keep []libvirtxml.DomainHostdev
		found := false
		for _, h := range def.Devices.Hostdevs {
			if hd, ok := hostdevOf(h); ok && hd.Name == device {
				found = true
				continue
			}
			keep = append(keep, h)
		}
		if !found {
			return notFound("host device "+device+" of", dom)
		}
		def.Devices.Hostdevs = keep
		return nil
	})
}
