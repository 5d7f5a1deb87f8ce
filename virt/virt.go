// Package virt is virtualization as Go: a Driver over domains (virtual
// machines) and their snapshots, interfaces, disks and host devices,
// virtual networks, storage pools and volumes, and lifecycle events.
// virt/libvirt implements it with libvirt, on any libvirt URI; this
// package itself is pure Go, so programs that only use the interface (the
// Kimchi API, tests with their own drivers) need no C compiler.
//
// Errors a Driver returns wrap ErrNotFound, ErrExists, ErrInvalidState,
// ErrNotSupported, ErrBusy, ErrInvalid or ErrUnavailable for errors.Is.
package virt

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors drivers wrap.
var (
	ErrNotFound     = errors.New("virt: not found")
	ErrExists       = errors.New("virt: already exists")
	ErrInvalidState = errors.New("virt: invalid in this state")
	ErrNotSupported = errors.New("virt: not supported by this hypervisor")
	ErrBusy         = errors.New("virt: busy")
	ErrInvalid      = errors.New("virt: invalid argument")
	ErrUnavailable  = errors.New("virt: the hypervisor connection is unavailable")
)

// Error is a driver's error: what it did, on what, the sentinel it means
// and the hypervisor's own message.
type Error struct {
	Op     string
	Object string
	Kind   error // one of the sentinels
	Msg    string
}

func (e *Error) Error() string {
	if e.Object == "" {
		return fmt.Sprintf("%s: %s", e.Op, e.Msg)
	}
	return fmt.Sprintf("%s %s: %s", e.Op, e.Object, e.Msg)
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// State is a domain's lifecycle state.
type State string

// Domain states, as Kimchi names them.
const (
	Running  State = "running"
	Paused   State = "paused"
	Shutoff  State = "shutoff"
	Shutdown State = "shutdown" // shutting down
	Crashed  State = "crashed"
	Other    State = "nostate"
)

// Graphics is a domain's display.
type Graphics struct {
	Type   string `json:"type"` // "vnc", "spice", "" none
	Listen string `json:"listen"`
	Port   int    `json:"port"` // -1 or 0: not running / automatic
	Passwd string `json:"passwd,omitempty"`
	// PasswdValidTo is when the password expires (zero: never).
	PasswdValidTo time.Time `json:"passwdValidTo"`
}

// Interface is a domain's network interface.
type Interface struct {
	Type    string `json:"type"` // "network", "bridge", "direct", ...
	Network string `json:"network,omitempty"`
	Bridge  string `json:"bridge,omitempty"`
	MAC     string `json:"mac"`
	Model   string `json:"model,omitempty"`
}

// Disk is a domain's disk or CD-ROM.
type Disk struct {
	Dev  string `json:"dev"`  // target device: "hda", "vdb"
	Type string `json:"type"` // "disk" or "cdrom"
	// Path is a file or a block device, or the URL of an ISO the
	// hypervisor streams (http, https, ftp, ftps, tftp).
	Path   string `json:"path"`
	Bus    string `json:"bus"`
	Format string `json:"format,omitempty"`
	// Pool and Volume name the storage volume the disk is, when it is one.
	Pool   string `json:"pool,omitempty"`
	Volume string `json:"volume,omitempty"`
}

// HostDev is a host device assigned to a domain.
type HostDev struct {
	Name string `json:"name"` // the node device name ("pci_0000_00_19_0")
	Type string `json:"type"` // "pci", "usb", "scsi"
}

// Domain is a virtual machine as defined (and, when running, as it runs).
type Domain struct {
	Name       string      `json:"name"`
	UUID       string      `json:"uuid"`
	State      State       `json:"state"`
	Persistent bool        `json:"persistent"`
	Autostart  bool        `json:"autostart"`
	MemoryMiB  int         `json:"memory"`
	MaxMemMiB  int         `json:"max_memory"`
	CPUs       int         `json:"cpus"`
	MaxCPUs    int         `json:"max_cpus"`
	Topology   *Topology   `json:"topology,omitempty"`
	Graphics   *Graphics   `json:"graphics,omitempty"`
	Interfaces []Interface `json:"interfaces"`
	Disks      []Disk      `json:"disks"`
	HostDevs   []HostDev   `json:"hostdevs"`
	// Metadata is the application's own element in the domain's
	// metadata (the driver keeps it in its namespace and hands it back
	// without it), "" when there is none.
	Metadata string `json:"metadata,omitempty"`
}

// Topology is a CPU topology.
type Topology struct {
	Sockets int `json:"sockets"`
	Cores   int `json:"cores"`
	Threads int `json:"threads"`
}

// DomainSpec is what defining a new domain takes.
type DomainSpec struct {
	Name       string
	MemoryMiB  int
	CPUs       int
	Topology   *Topology
	Graphics   *Graphics
	Interfaces []Interface // MAC "" is generated
	Disks      []Disk      // Path is the volume's or the ISO's
	Arch       string      // "" the host's
	Metadata   string      // the application's own XML element ("<app>...</app>"), or ""
}

// DomainSummary is a domain in a list: cheap to get for thousands.
type DomainSummary struct {
	Name      string
	UUID      string
	State     State
	MemoryMiB int
	CPUs      int
	CPUTime   time.Duration // guest CPU time consumed so far
	At        time.Time     // when State and CPUTime were read
}

// DomainStats are a domain's counters at a moment.
type DomainStats struct {
	At         time.Time
	CPUTime    time.Duration // guest CPU time consumed, all vCPUs
	VCPUs      int
	NetRxBytes uint64
	NetTxBytes uint64
	DiskRd     uint64 // bytes read
	DiskWr     uint64 // bytes written
}

// Snapshot is a domain snapshot.
type Snapshot struct {
	Name    string    `json:"name"`
	Parent  string    `json:"parent"`
	Created time.Time `json:"created"`
	State   State     `json:"state"` // the domain's when taken
	Current bool      `json:"current"`
}

// Network is a virtual network.
type Network struct {
	Name       string `json:"name"`
	UUID       string `json:"uuid"`
	Active     bool   `json:"active"`
	Persistent bool   `json:"persistent"`
	Autostart  bool   `json:"autostart"`
	// Forward is "" (isolated), "nat", "route", "bridge" (to a host
	// bridge or, with Interface, macvtap), "open".
	Forward   string `json:"forward"`
	Bridge    string `json:"bridge"`    // the libvirt bridge, or the host bridge for forward bridge
	Interface string `json:"interface"` // macvtap: the host interface
	VLAN      int    `json:"vlan"`      // 0 none
	// Subnet is the network's address and prefix ("192.168.122.1/24"),
	// DHCPStart and DHCPEnd its DHCP range ("" none).
	Subnet    string `json:"subnet"`
	DHCPStart string `json:"dhcp_start"`
	DHCPEnd   string `json:"dhcp_end"`
}

// Lease is a DHCP lease a network handed out.
type Lease struct {
	MAC, IP, Hostname string
	Expires           time.Time
}

// Pool is a storage pool.
type Pool struct {
	Name       string `json:"name"`
	UUID       string `json:"uuid"`
	Type       string `json:"type"` // "dir", "netfs", "logical", "iscsi", "scsi", ...
	Active     bool   `json:"active"`
	Persistent bool   `json:"persistent"`
	Autostart  bool   `json:"autostart"`
	Path       string `json:"path"`
	Capacity   uint64 `json:"capacity"`
	Allocation uint64 `json:"allocation"`
	Available  uint64 `json:"available"`
	Volumes    int    `json:"volumes"`
	// Source: host and path (netfs, iscsi), devices (logical), target
	// (iscsi), adapter (scsi).
	SourceHost    string   `json:"source_host,omitempty"`
	SourcePath    string   `json:"source_path,omitempty"`
	SourceDevices []string `json:"source_devices,omitempty"`
	SourceTarget  string   `json:"source_target,omitempty"`
	SourcePort    int      `json:"source_port,omitempty"`
	SourceAdapter string   `json:"source_adapter,omitempty"`
	// Auth is the CHAP login to an iSCSI target. Defining a pool with it
	// keeps the password in the hypervisor's secret store; a pool read
	// back carries the username only.
	Auth *PoolAuth `json:"auth,omitempty"`
}

// PoolAuth is a CHAP login (iSCSI).
type PoolAuth struct {
	Username string `json:"username"`
	Password string `json:"-"`
}

// PoolSource is what a storage server offers: an NFS export (Path) or
// an iSCSI target (Target).
type PoolSource struct {
	Host   string `json:"host"`
	Port   int    `json:"port,omitempty"`
	Path   string `json:"path,omitempty"`
	Target string `json:"target,omitempty"`
	Format string `json:"format,omitempty"` // "nfs", ...
}

// PoolSpec is what defining a pool takes.
type PoolSpec = Pool

// Volume is a storage volume.
type Volume struct {
	Name       string `json:"name"`
	Pool       string `json:"pool"`
	Type       string `json:"type"` // "file", "block", ...
	Path       string `json:"path"`
	Capacity   uint64 `json:"capacity"`
	Allocation uint64 `json:"allocation"`
	Format     string `json:"format"`
}

// VolumeSpec is what creating a volume takes.
type VolumeSpec struct {
	Name     string
	Capacity uint64 // bytes
	// Allocation is how much to allocate at once (bytes; 0: as the
	// hypervisor does when none is said).
	Allocation uint64
	Format     string // "qcow2", "raw", ...
	// Backing, when set, is the image the volume starts as (its
	// backing store): the volume holds only what changes (Format qcow2).
	Backing *Backing
}

// Backing is a volume's backing image: its path and format.
type Backing struct {
	Path   string
	Format string // "qcow2", "raw", ...
}

// NodeDevice is a host device the hypervisor knows.
type NodeDevice struct {
	Name   string   `json:"name"`
	Parent string   `json:"parent"`
	Caps   []string `json:"caps"` // "pci", "usb_device", "net", "scsi_host", ...
	Path   string   `json:"path"` // in sysfs
	// PCI is set for a PCI device, SCSIHost for a SCSI host adapter.
	PCI      *PCIDevice `json:"pci,omitempty"`
	SCSIHost *SCSIHost  `json:"scsi_host,omitempty"`
}

// PCIDevice is a PCI device's address, identity and IOMMU group.
type PCIDevice struct {
	Domain, Bus, Slot, Function int
	VendorID, Vendor            string
	ProductID, Product          string
	// IOMMUGroup is nil when the host has no IOMMU.
	IOMMUGroup *int
}

// SCSIHost is a SCSI host adapter; fc_host ones have WWNN and WWPN.
type SCSIHost struct {
	Type       string // "fc_host", "vport_ops", or ""
	WWNN, WWPN string
}

// EventKind says what happened to a domain.
type EventKind string

// Lifecycle events.
const (
	EventDefined   EventKind = "defined"
	EventUndefined EventKind = "undefined"
	EventStarted   EventKind = "started"
	EventSuspended EventKind = "suspended"
	EventResumed   EventKind = "resumed"
	EventStopped   EventKind = "stopped"
	EventShutdown  EventKind = "shutdown"
	EventOther     EventKind = "other"
)

// Event is a domain lifecycle event.
type Event struct {
	Domain string
	UUID   string
	Kind   EventKind
}

// Capabilities is what the driver really supports.
type Capabilities struct {
	Driver      string // "QEMU", "Test", ...
	URI         string
	Screenshot  bool
	Spice       bool
	LiveAttach  bool // devices attach to running domains
	Migrate     bool
	DHCPLeases  bool
	VolumeClone bool
	// BulkStats: Stats reads every domain's CPU, network and disk
	// counters in one call (otherwise it asks domain by domain).
	BulkStats bool
	Arch      string
}

// Driver is one hypervisor connection.
type Driver interface {
	Capabilities(ctx context.Context) (Capabilities, error)
	Close() error

	// Domains.
	Domains(ctx context.Context) ([]DomainSummary, error)
	Domain(ctx context.Context, name string) (Domain, error)
	DefineDomain(ctx context.Context, spec DomainSpec) (Domain, error)
	Start(ctx context.Context, name string) error
	Shutdown(ctx context.Context, name string) error
	Poweroff(ctx context.Context, name string) error
	Reset(ctx context.Context, name string) error
	Suspend(ctx context.Context, name string) error
	Resume(ctx context.Context, name string) error
	// Undefine removes a domain (stopping it first); with storage, the
	// volumes its disks are (not CD-ROMs) go too.
	Undefine(ctx context.Context, name string, storage bool) error
	Rename(ctx context.Context, name, newName string) error
	// Clone defines newName like name with new UUID and MACs, its disk
	// volumes copied in their pools.
	Clone(ctx context.Context, name, newName string) (Domain, error)
	// SetResources changes memory and CPUs in the persistent definition
	// (0 keeps them).
	SetResources(ctx context.Context, name string, memMiB, cpus int) error
	// SetGraphicsPassword changes the console password in the persistent
	// definition and, on a running domain, live (ErrNotSupported where the
	// hypervisor cannot, ErrInvalidState where the console was started
	// without a password; either changes nothing).
	SetGraphicsPassword(ctx context.Context, name, passwd string, validTo time.Time) error
	SetMetadata(ctx context.Context, name, xml string) error
	Stats(ctx context.Context, names ...string) (map[string]DomainStats, error)
	Screenshot(ctx context.Context, name string) (data []byte, mime string, err error)
	Migrate(ctx context.Context, name, destURI string) error

	// Devices, on the persistent definition (and live when running and
	// the hypervisor can).
	AttachInterface(ctx context.Context, dom string, iface Interface) (Interface, error)
	UpdateInterface(ctx context.Context, dom string, iface Interface) error
	DetachInterface(ctx context.Context, dom, mac string) error
	AttachDisk(ctx context.Context, dom string, disk Disk) (Disk, error)
	UpdateDisk(ctx context.Context, dom string, disk Disk) error
	DetachDisk(ctx context.Context, dom, dev string) error
	NodeDevices(ctx context.Context) ([]NodeDevice, error)
	AttachHostDev(ctx context.Context, dom, device string) (HostDev, error)
	DetachHostDev(ctx context.Context, dom, device string) error

	// Snapshots.
	Snapshots(ctx context.Context, dom string) ([]Snapshot, error)
	CreateSnapshot(ctx context.Context, dom, name string) (Snapshot, error)
	RevertSnapshot(ctx context.Context, dom, name string) error
	DeleteSnapshot(ctx context.Context, dom, name string) error

	// Networks.
	Networks(ctx context.Context) ([]Network, error)
	Network(ctx context.Context, name string) (Network, error)
	DefineNetwork(ctx context.Context, n Network) (Network, error)
	StartNetwork(ctx context.Context, name string) error
	StopNetwork(ctx context.Context, name string) error
	UndefineNetwork(ctx context.Context, name string) error
	SetNetworkAutostart(ctx context.Context, name string, on bool) error
	Leases(ctx context.Context, name string) ([]Lease, error)

	// Storage.
	Pools(ctx context.Context) ([]Pool, error)
	Pool(ctx context.Context, name string) (Pool, error)
	DefinePool(ctx context.Context, p PoolSpec) (Pool, error)
	StartPool(ctx context.Context, name string) error
	StopPool(ctx context.Context, name string) error
	UndefinePool(ctx context.Context, name string) error
	SetPoolAutostart(ctx context.Context, name string, on bool) error
	// FindPoolSources asks a storage server what it offers (NFS exports,
	// iSCSI targets): typ "netfs" or "iscsi", port 0 the default.
	FindPoolSources(ctx context.Context, typ, host string, port int) ([]PoolSource, error)
	// RefreshPool rescans a pool, so volumes written there behind
	// libvirt's back (an upload renamed into place) appear.
	RefreshPool(ctx context.Context, name string) error
	Volumes(ctx context.Context, pool string) ([]Volume, error)
	Volume(ctx context.Context, pool, name string) (Volume, error)
	CreateVolume(ctx context.Context, pool string, v VolumeSpec) (Volume, error)
	CloneVolume(ctx context.Context, pool, name, toPool, newName string) (Volume, error)
	ResizeVolume(ctx context.Context, pool, name string, capacity uint64) error
	WipeVolume(ctx context.Context, pool, name string) error
	DeleteVolume(ctx context.Context, pool, name string) error

	// Events delivers lifecycle events until ctx ends.
	Events(ctx context.Context) (<-chan Event, error)
}
