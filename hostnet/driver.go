package hostnet

import (
	"context"
	"net/netip"
)

// Driver is one host's network stack. Netlink is the real one (Linux,
// one network namespace each: Open, OpenNamed, OpenNamespace);
// hostnettest.Fake is one in memory that behaves as the kernel does for
// everything netslice asks of it, so code above a Driver tests without
// root; hostnettest.Run holds any Driver to that behaviour. Errors are
// *OpError wrapping this package's sentinels. A Driver is safe for
// concurrent use.
type Driver interface {
	// Namespace names the host the driver manages ("" for the process's
	// own).
	Namespace() string
	// Links returns every link, ordered by name; Link one.
	Links() ([]Link, error)
	Link(name string) (Link, error)
	// CreateBridge creates a Linux bridge; CreateVLAN VLAN device name
	// for VLAN id (1 to 4094) on parent. Both take their MTU (0: the
	// kernel's default, the parent's for a VLAN), state and master at
	// once.
	CreateBridge(name string, o LinkOptions) error
	CreateVLAN(name, parent string, id int, o LinkOptions) error
	// CreateBond creates a bond, down, in mode (a name or number, see
	// BondMode) with options (see ParseBondOptions).
	CreateBond(name, mode string, options map[string]string) error
	// CreateDummy creates a dummy link (a NIC for tests and host-only
	// use).
	CreateDummy(name string) error
	// Delete deletes a link: its ports are released, VLAN devices on it
	// deleted with it.
	Delete(name string) error
	// SetMaster enslaves link to master, a bridge or a bond (a bond's
	// slave is taken down first, as the bonding driver requires);
	// Release frees it.
	SetMaster(link, master string) error
	Release(link string) error
	SetMTU(name string, mtu int) error
	SetUp(name string, up bool) error
	AddAddr(name string, p netip.Prefix) error
	DelAddr(name string, p netip.Prefix) error
	// Stats returns a link's counters.
	Stats(name string) (Stats, error)
	// Subscribe delivers link changes until ctx ends (then the channel
	// closes). Events may be coalesced: read Links for the whole picture.
	Subscribe(ctx context.Context) (<-chan LinkEvent, error)
	// Close releases what the driver holds.
	Close() error
}

// LinkOptions are what a link is created with besides its kind.
type LinkOptions struct {
	MTU    int    // 0: the default
	Up     bool   // brought up at once
	Master string // enslaved at once to this bridge ("" none)
}

// StatsLister is a Driver that reads every link's counters at once —
// one netlink dump rather than a request per link, which on a host with
// hundreds of VM interfaces is most of a report's cost. The Agent uses it
// when its Driver has it; Netlink does.
type StatsLister interface {
	AllStats() (map[string]Stats, error)
}
