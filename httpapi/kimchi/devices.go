package kimchi

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/netslice/netslice/virt"
)

// Iface is a VM's network interface.
type Iface struct {
	Type    string `json:"type"`
	Network string `json:"network,omitempty"`
	Bridge  string `json:"bridge,omitempty"`
	MAC     string `json:"mac"`
	Model   string `json:"model,omitempty"`
}

// IfaceRequest is POST /vms/{name}/ifaces and PUT .../ifaces/{mac}.
type IfaceRequest struct {
	Type    string  `json:"type" code:"KCHVMIF0004E"`
	Network *string `json:"network" code:"KCHVMIF0005E"`
	Model   *string `json:"model" code:"KCHVMIF0006E"`
	MAC     *string `json:"mac" code:"KCHVMIF0010E"`
}

var nicModels = []string{"ne2k_pci", "i82551", "i82557b", "i82559er", "rtl8139", "e1000", "pcnet", "virtio"}

func ifaceOf(i virt.Interface) Iface {
	return Iface{Type: i.Type, Network: i.Network, Bridge: i.Bridge, MAC: i.MAC, Model: i.Model}
}

// Ifaces lists a VM's interfaces.
func (s *Service) Ifaces(ctx context.Context, vm string) ([]Iface, error) {
	d, err := s.domain(ctx, vm)
	if err != nil {
		return nil, err
	}
	out := make([]Iface, 0, len(d.Interfaces))
	for _, i := range d.Interfaces {
		out = append(out, ifaceOf(i))
	}
	return out, nil
}

// Iface returns one of a VM's interfaces by MAC.
func (s *Service) Iface(ctx context.Context, vm, mac string) (Iface, error) {
	ifs, err := s.Ifaces(ctx, vm)
	if err != nil {
		return Iface{}, err
	}
	for _, i := range ifs {
		if strings.EqualFold(i.MAC, mac) {
			return i, nil
		}
	}
	return Iface{}, notFound("KCHVMIF0001E", "Interface %s does not exist in virtual machine %s", mac, vm)
}

func (s *Service) checkIface(ctx context.Context, vm string, req IfaceRequest) error {
	if req.Network != nil {
		if _, err := s.drv.Network(ctx, *req.Network); err != nil || !validName(*req.Network) {
			return invalid("KCHVMIF0002E", "Network %s specified for virtual machine %s does not exist", *req.Network, vm)
		}
	}
	if req.Model != nil && !slices.Contains(nicModels, *req.Model) {
		return invalid("KCHVMIF0006E", "Invalid network model card specified for virtual machine interface: %s (one of %s)", *req.Model, strings.Join(nicModels, ", "))
	}
	if req.MAC != nil && *req.MAC != "" {
		hw, err := net.ParseMAC(*req.MAC)
		if err != nil || len(hw) != 6 || len(*req.MAC) != 17 {
			return invalid("KCHVMIF0008E", "MAC Address must respect this format FF:FF:FF:FF:FF:FF")
		}
		if hw[0]&1 != 0 {
			return invalid("KCHVMIF0010E", "Invalid MAC Address: %s is a multicast address", *req.MAC)
		}
	}
	return nil
}

// AttachIface adds an interface on a network to a VM (its persistent
// definition, and the running VM where the hypervisor can).
func (s *Service) AttachIface(ctx context.Context, vm string, req IfaceRequest) (Iface, error) {
	if _, err := s.domain(ctx, vm); err != nil {
		return Iface{}, err
	}
	if req.Type != "network" {
		return Iface{}, invalid("KCHVMIF0004E", "Supported virtual machine interfaces type is only network")
	}
	if req.Network == nil {
		return Iface{}, invalid("KCHVMIF0007E", "Specify type and network to add a new virtual machine interface")
	}
	if err := s.checkIface(ctx, vm, req); err != nil {
		return Iface{}, err
	}
	i := virt.Interface{Type: "network", Network: *req.Network}
	if req.MAC != nil {
		i.MAC = strings.ToLower(*req.MAC) // "" (a field left blank): the hypervisor picks one
	}
	if req.Model != nil {
		i.Model = *req.Model
	}
	got, err := s.drv.AttachInterface(ctx, vm, i)
	if errors.Is(err, virt.ErrExists) {
		return Iface{}, invalid("KCHVMIF0009E", "MAC Address %s already exists in virtual machine %s", i.MAC, vm)
	}
	if err != nil {
		return Iface{}, fromVirt(err, "KCHVMIF0001E", "KCHVM0002E", "Unable to attach an interface to virtual machine %s.", vm)
	}
	s.netsChanged([]string{i.Network})
	return ifaceOf(got), nil
}

// UpdateIface changes an interface's network or model and, on a VM that
// is shut off, its MAC; it returns the interface as it now is.
func (s *Service) UpdateIface(ctx context.Context, vm, mac string, req IfaceRequest) (Iface, error) {
	cur, err := s.Iface(ctx, vm, mac)
	if err != nil {
		return Iface{}, err
	}
	if req.Type != "" && req.Type != cur.Type {
		return Iface{}, invalid("KCHVMIF0004E", "Supported virtual machine interfaces type is only network")
	}
	if err := s.checkIface(ctx, vm, req); err != nil {
		return Iface{}, err
	}
	next := virt.Interface{Type: cur.Type, Network: cur.Network, Bridge: cur.Bridge, MAC: cur.MAC, Model: cur.Model}
	if req.Network != nil {
		if cur.Type != "network" {
			return Iface{}, invalid("KCHVMIF0004E", "Only an interface of type network can change network")
		}
		next.Network = *req.Network
	}
	if req.Model != nil {
		next.Model = *req.Model
	}
	if req.MAC != nil && *req.MAC != "" && !strings.EqualFold(*req.MAC, cur.MAC) {
		return s.replaceIface(ctx, vm, cur, next, strings.ToLower(*req.MAC))
	}
	if err := s.drv.UpdateInterface(ctx, vm, next); err != nil {
		return Iface{}, fromVirt(err, "KCHVMIF0001E", "KCHVMIF0001E", "Unable to update interface %s of virtual machine %s.", mac, vm)
	}
	s.netsChanged([]string{cur.Network, next.Network})
	return ifaceOf(next), nil
}

// replaceIface gives a shut-off VM's interface a new MAC, as Kimchi
// does: the interface is detached and attached again with it (and put
// back as it was when that fails).
func (s *Service) replaceIface(ctx context.Context, vm string, cur Iface, next virt.Interface, mac string) (Iface, error) {
	d, err := s.domain(ctx, vm)
	if err != nil {
		return Iface{}, err
	}
	if d.State != virt.Shutoff {
		return Iface{}, invalid("KCHVMIF0011E", "Cannot change MAC address of a running virtual machine")
	}
	for _, i := range d.Interfaces {
		if strings.EqualFold(i.MAC, mac) {
			return Iface{}, invalid("KCHVMIF0009E", "MAC Address %s already exists in virtual machine %s", mac, vm)
		}
	}
	if err := s.drv.DetachInterface(ctx, vm, cur.MAC); err != nil {
		return Iface{}, fromVirt(err, "KCHVMIF0001E", "KCHVMIF0001E", "Unable to update interface %s of virtual machine %s.", cur.MAC, vm)
	}
	next.MAC = mac
	got, err := s.drv.AttachInterface(ctx, vm, next)
	if err != nil {
		old := virt.Interface{Type: cur.Type, Network: cur.Network, Bridge: cur.Bridge, MAC: cur.MAC, Model: cur.Model}
		if _, rerr := s.drv.AttachInterface(context.WithoutCancel(ctx), vm, old); rerr != nil {
			s.log().Error("kimchi: an interface could not be put back", "vm", vm, "mac", cur.MAC, "err", rerr)
		}
		return Iface{}, fromVirt(err, "KCHVMIF0001E", "KCHVMIF0001E", "Unable to update interface %s of virtual machine %s.", cur.MAC, vm)
	}
	s.netsChanged([]string{cur.Network, next.Network})
	return ifaceOf(got), nil
}

// DetachIface removes an interface by MAC.
func (s *Service) DetachIface(ctx context.Context, vm, mac string) error {
	cur, err := s.Iface(ctx, vm, mac)
	if err != nil {
		return err
	}
	if err := s.drv.DetachInterface(ctx, vm, cur.MAC); err != nil {
		return fromVirt(err, "KCHVMIF0001E", "KCHVMIF0001E", "Unable to detach interface %s of virtual machine %s.", mac, vm)
	}
	s.netsChanged([]string{cur.Network})
	return nil
}

// Storage is a VM's disk or CD-ROM.
type Storage struct {
	Dev  string `json:"dev"`
	Type string `json:"type"` // "disk", "cdrom"
	Path string `json:"path"`
	Bus  string `json:"bus"`
	Pool string `json:"pool,omitempty"`
	Vol  string `json:"vol,omitempty"`
}

// StorageRequest is POST /vms/{name}/storages and PUT .../{dev}.
type StorageRequest struct {
	Type string `json:"type" code:"KCHVMSTOR0002E"`
	Path string `json:"path" code:"KCHVMSTOR0003E"`
	Pool string `json:"pool" code:"KCHVMSTOR0012E"`
	Vol  string `json:"vol" code:"KCHVMSTOR0012E"`
	Bus  string `json:"bus"`
}

// StorageUpdate is PUT /vms/{vm}/storages/{dev}: a CD-ROM's new medium,
// a local or remote ISO, or "" to eject it.
type StorageUpdate struct {
	Path *string `json:"path" code:"KCHVMSTOR0003E"`
}

func storageOf(d virt.Disk) Storage {
	return Storage{Dev: d.Dev, Type: d.Type, Path: d.Path, Bus: d.Bus, Pool: d.Pool, Vol: d.Volume}
}

// Storages lists a VM's disks and CD-ROMs.
func (s *Service) Storages(ctx context.Context, vm string) ([]Storage, error) {
	d, err := s.domain(ctx, vm)
	if err != nil {
		return nil, err
	}
	out := make([]Storage, 0, len(d.Disks))
	for _, disk := range d.Disks {
		out = append(out, storageOf(disk))
	}
	return out, nil
}

// Storage returns one of a VM's disks by device name.
func (s *Service) Storage(ctx context.Context, vm, dev string) (Storage, error) {
	all, err := s.Storages(ctx, vm)
	if err != nil {
		return Storage{}, err
	}
	for _, st := range all {
		if st.Dev == dev {
			return st, nil
		}
	}
	return Storage{}, notFound("KCHVMSTOR0007E", "The storage device %s does not exist in the virtual machine %s", dev, vm)
}

// AttachStorage adds a CD-ROM (path) or a disk (path, or pool and vol).
func (s *Service) AttachStorage(ctx context.Context, vm string, req StorageRequest) (Storage, error) {
	d, err := s.domain(ctx, vm)
	if err != nil {
		return Storage{}, err
	}
	switch {
	case req.Type != "cdrom" && req.Type != "disk":
		return Storage{}, invalid("KCHVMSTOR0002E", "Invalid storage type. Types supported: 'cdrom', 'disk'")
	case req.Path != "" && (req.Pool != "" || req.Vol != ""):
		return Storage{}, invalid("KCHVMSTOR0017E", "Only one of path or pool/volume can be specified to add a new virtual machine disk")
	case req.Path == "" && (req.Pool == "" || req.Vol == ""):
		return Storage{}, invalid("KCHVMSTOR0012E", "Specify type and path or type and pool/volume to add a new virtual machine disk")
	case req.Path != "" && (!strings.HasPrefix(req.Path, "/") || strings.ContainsRune(req.Path, 0)):
		return Storage{}, invalid("KCHVMSTOR0003E", "The path '%s' is not a valid local path for the device", req.Path)
	case req.Bus != "" && !slices.Contains([]string{"virtio", "ide", "scsi", "sata", "usb"}, req.Bus):
		return Storage{}, invalid("KCHVMSTOR0002E", "Invalid bus %s: one of virtio, ide, scsi, sata, usb", req.Bus)
	}
	disk := virt.Disk{Type: req.Type, Path: req.Path, Bus: req.Bus}
	if req.Path != "" {
		if err := s.media(ctx, req.Path, req.Type == "cdrom"); errors.Is(err, errOutsidePools) {
			return Storage{}, invalid("KCHVMSTOR0003E", "The path '%s' is not a valid local path for the device", req.Path)
		} else if err != nil {
			return Storage{}, err
		}
	}
	if req.Vol != "" {
		v, err := s.drv.Volume(ctx, req.Pool, req.Vol)
		if err != nil {
			return Storage{}, invalid("KCHVMSTOR0015E", "Cannot retrieve disk path information for given pool/volume: %s/%s", req.Pool, req.Vol)
		}
		disk.Path, disk.Format, disk.Pool, disk.Volume = v.Path, v.Format, req.Pool, req.Vol
	}
	if disk.Type == "disk" {
		if user, err := s.diskUser(ctx, disk.Path); err != nil {
			return Storage{}, err
		} else if user != "" {
			return Storage{}, invalid("KCHVMSTOR0016E", "Volume already in use by other virtual machine (%s).", user)
		}
	}
	if disk.Bus == "ide" && d.State != virt.Shutoff {
		return Storage{}, invalid("KCHVMSTOR0011E", "Do not support IDE device hot plug")
	}
	got, err := s.drv.AttachDisk(ctx, vm, disk)
	if err != nil {
		return Storage{}, fromVirt(err, "KCHVMSTOR0008E", "KCHVM0002E", "Error while creating new storage device on %s.", vm)
	}
	return storageOf(got), nil
}

// diskUser names the VM whose disk path is, "" none.
func (s *Service) diskUser(ctx context.Context, path string) (string, error) {
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return "", fromVirt(err, "KCHVMSTOR0008E", "", "Unable to list virtual machines.")
	}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue
		}
		for _, disk := range dom.Disks {
			if disk.Type == "disk" && disk.Path == path {
				return d.Name, nil
			}
		}
	}
	return "", nil
}

// UpdateStorage changes a CD-ROM's medium.
func (s *Service) UpdateStorage(ctx context.Context, vm, dev string, req StorageUpdate) (Storage, error) {
	cur, err := s.Storage(ctx, vm, dev)
	if err != nil {
		return Storage{}, err
	}
	if cur.Type != "cdrom" {
		return Storage{}, invalid("KCHVMSTOR0006E", "Only CDROM path can be update.")
	}
	if req.Path == nil {
		return Storage{}, invalid("KCHVMSTOR0013E", "Specify path to update virtual machine disk")
	}
	path := *req.Path // "": the medium ejected
	if path != "" && !remoteMedia(path) {
		if err := s.media(ctx, path, true); errors.Is(err, errOutsidePools) {
			return Storage{}, invalid("KCHVMSTOR0003E", "The path '%s' is not a valid local/remote path for the device", path)
		} else if err != nil {
			return Storage{}, err
		}
	}
	if err := s.drv.UpdateDisk(ctx, vm, virt.Disk{Dev: dev, Path: path}); err != nil {
		return Storage{}, fromVirt(err, "KCHVMSTOR0009E", "KCHVMSTOR0007E", "Error while updating storage device %s of %s.", dev, vm)
	}
	return s.Storage(ctx, vm, dev)
}

// DetachStorage removes a disk or CD-ROM (its volume stays).
func (s *Service) DetachStorage(ctx context.Context, vm, dev string) error {
	cur, err := s.Storage(ctx, vm, dev)
	if err != nil {
		return err
	}
	d, _ := s.domain(ctx, vm)
	if cur.Bus == "ide" && d.State != virt.Shutoff {
		return invalid("KCHVMSTOR0011E", "Do not support IDE device hot plug")
	}
	return fromVirt(s.drv.DetachDisk(ctx, vm, dev), "KCHVMSTOR0010E", "KCHVMSTOR0007E", "Error while removing storage device %s of %s.", dev, vm)
}

// Snapshot is a VM snapshot.
type Snapshot struct {
	Name    string `json:"name"`
	Created int64  `json:"created"` // seconds since the epoch
	Parent  string `json:"parent"`
	State   string `json:"state"`
}

func snapshotOf(s virt.Snapshot) Snapshot {
	return Snapshot{Name: s.Name, Created: s.Created.Unix(), Parent: s.Parent, State: string(s.State)}
}

// Snapshots lists a VM's snapshots, oldest first.
func (s *Service) Snapshots(ctx context.Context, vm string) ([]Snapshot, error) {
	if _, err := s.domain(ctx, vm); err != nil {
		return nil, err
	}
	all, err := s.drv.Snapshots(ctx, vm)
	if err != nil {
		return nil, fromVirt(err, "KCHSNAP0005E", "KCHVM0002E", "Unable to list snapshots on virtual machine '%s'.", vm)
	}
	out := make([]Snapshot, 0, len(all))
	for _, sn := range all {
		out = append(out, snapshotOf(sn))
	}
	return out, nil
}

func (s *Service) findSnapshot(ctx context.Context, vm string, match func(virt.Snapshot) bool, name string) (Snapshot, error) {
	if _, err := s.domain(ctx, vm); err != nil {
		return Snapshot{}, err
	}
	all, err := s.drv.Snapshots(ctx, vm)
	if err != nil {
		return Snapshot{}, fromVirt(err, "KCHSNAP0004E", "KCHVM0002E", "Unable to retrieve snapshot '%s' on virtual machine '%s'.", name, vm)
	}
	for _, sn := range all {
		if match(sn) {
			return snapshotOf(sn), nil
		}
	}
	return Snapshot{}, notFound("KCHSNAP0003E", "Snapshot '%s' does not exist on virtual machine '%s'.", name, vm)
}

// Snapshot returns one snapshot.
func (s *Service) Snapshot(ctx context.Context, vm, name string) (Snapshot, error) {
	return s.findSnapshot(ctx, vm, func(sn virt.Snapshot) bool { return sn.Name == name }, name)
}

// CurrentSnapshot returns the snapshot the VM is at.
func (s *Service) CurrentSnapshot(ctx context.Context, vm string) (Snapshot, error) {
	return s.findSnapshot(ctx, vm, func(sn virt.Snapshot) bool { return sn.Current }, "current")
}

// CreateSnapshot starts taking a snapshot (named by the time when name
// is empty): a Task.
func (s *Service) CreateSnapshot(ctx context.Context, vm, name string) (Task, error) {
	if _, err := s.domain(ctx, vm); err != nil {
		return Task{}, err
	}
	if name == "" {
		name = time.Now().UTC().Format("20060102150405")
	}
	if !validName(name) || name == "current" {
		return Task{}, invalid("KCHSNAP0002E", "Unable to create snapshot '%s' on virtual machine '%s'. Details: the name must not be empty, \"current\", or hold slashes", name, vm)
	}
	if _, err := s.Snapshot(ctx, vm, name); err == nil {
		return Task{}, invalid("KCHSNAP0002E", "Unable to create snapshot '%s' on virtual machine '%s'. Details: it exists", name, vm)
	}
	return s.run(ctx, "/vms/"+vm+"/snapshots/"+name, "creating snapshot "+name, func(ctx context.Context, step func(string)) error {
		_, err := s.drv.CreateSnapshot(ctx, vm, name)
		return fromVirt(err, "KCHSNAP0002E", "KCHVM0002E", "Unable to create snapshot '%s' on virtual machine '%s'.", name, vm)
	})
}

// RevertSnapshot returns a VM to a snapshot (and to its state then).
func (s *Service) RevertSnapshot(ctx context.Context, vm, name string) (Snapshot, error) {
	sn, err := s.Snapshot(ctx, vm, name)
	if err != nil {
		return sn, err
	}
	if err := s.drv.RevertSnapshot(ctx, vm, name); err != nil {
		return sn, fromVirt(err, "KCHSNAP0009E", "KCHSNAP0003E", "Unable to revert virtual machine '%s' to snapshot '%s'.", vm, name)
	}
	s.netsChanged(nil)
	return sn, nil
}

// DeleteSnapshot deletes a snapshot; its children become its parent's.
func (s *Service) DeleteSnapshot(ctx context.Context, vm, name string) error {
	if _, err := s.Snapshot(ctx, vm, name); err != nil {
		return err
	}
	return fromVirt(s.drv.DeleteSnapshot(ctx, vm, name), "KCHSNAP0006E", "KCHSNAP0003E", "Unable to delete snapshot '%s' on virtual machine '%s'.", name, vm)
}

// HostDev is a host device assigned to a VM.
type HostDev struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// HostDevs lists the host devices assigned to a VM.
func (s *Service) HostDevs(ctx context.Context, vm string) ([]HostDev, error) {
	d, err := s.domain(ctx, vm)
	if err != nil {
		return nil, err
	}
	out := make([]HostDev, 0, len(d.HostDevs))
	for _, h := range d.HostDevs {
		out = append(out, HostDev{Name: h.Name, Type: h.Type})
	}
	return out, nil
}

// HostDev returns one assigned device.
func (s *Service) HostDev(ctx context.Context, vm, dev string) (HostDev, error) {
	all, err := s.HostDevs(ctx, vm)
	if err != nil {
		return HostDev{}, err
	}
	for _, h := range all {
		if h.Name == dev {
			return h, nil
		}
	}
	return HostDev{}, notFound("KCHVMHDEV0001E", "VM %s does not contain directly assigned host device %s.", vm, dev)
}

// AttachHostDev assigns a PCI or USB host device to a VM.
func (s *Service) AttachHostDev(ctx context.Context, vm, dev string) (HostDev, error) {
	if _, err := s.domain(ctx, vm); err != nil {
		return HostDev{}, err
	}
	if dev == "" || !validName(dev) {
		return HostDev{}, invalid("KCHVMHDEV0004E", `"name" should be a device name string`)
	}
	devs, err := s.drv.NodeDevices(ctx)
	if err != nil {
		return HostDev{}, fromVirt(err, "KCHVMHDEV0007E", "", "Failed to attach %s to %s.", dev, vm)
	}
	i := slices.IndexFunc(devs, func(d virt.NodeDevice) bool { return d.Name == dev })
	if i < 0 {
		return HostDev{}, notFound("KCHHOST0003E", "Node device '%s' not found", dev)
	}
	if !slices.Contains(devs[i].Caps, "pci") && !slices.Contains(devs[i].Caps, "usb_device") {
		return HostDev{}, invalid("KCHVMHDEV0002E", "The host device %s is not allowed to directly assign to VM.", dev)
	}
	h, err := s.drv.AttachHostDev(ctx, vm, dev)
	if err != nil {
		return HostDev{}, fromVirt(err, "KCHVMHDEV0007E", "KCHHOST0003E", "Failed to attach %s to %s.", dev, vm)
	}
	return HostDev{Name: h.Name, Type: h.Type}, nil
}

// DetachHostDev takes a host device back from a VM.
func (s *Service) DetachHostDev(ctx context.Context, vm, dev string) error {
	if _, err := s.HostDev(ctx, vm, dev); err != nil {
		return err
	}
	return fromVirt(s.drv.DetachHostDev(ctx, vm, dev), "KCHVMHDEV0007E", "KCHVMHDEV0001E", "Failed to detach %s from %s.", dev, vm)
}
