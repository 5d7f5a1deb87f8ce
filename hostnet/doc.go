// Package hostnet is host networking: a Driver for one host's network
// stack, the netlink one (Netlink: a network namespace, the current one,
// a named one, or one by handle, so one process manages many hosts and
// tests make hosts of namespaces), and a Provisioner that realizes
// logical networks on any Driver the way oVirt hosts do.
//
// # Driver
//
// Links lists every link with its kind (nic, dummy, veth, vlan, bond,
// bridge), MAC, MTU, state, speed where the driver says, master and
// addresses; bridges, VLAN devices and bonds are created and deleted,
// links enslaved and released, MTU, state and addresses set; Stats reads
// a link's counters and Subscribe follows link changes. Errors are
// *OpError wrapping ErrNotFound, ErrExists, ErrBusy, ErrNotPermitted,
// ErrNotSupported or ErrInvalid for errors.Is.
//
// hostnet/hostnettest has Fake, a Driver in memory that behaves as Linux
// does (a bridge's MTU follows its ports until one is set on it, a VLAN
// device's follows its parent down, a bond's reaches its slaves), for
// testing code above a Driver without root, and Run, the conformance
// suite that holds the netlink driver and the fake to the same behaviour.
//
// # Provisioner
//
// A Network {Name, NIC, VLAN, MTU, Bridged} on a NIC or bond becomes the
// VLAN device "<nic>.<vlan>" when tagged and a bridge named after the
// network when bridged, enslaved and up, with the MTU on each device and
// the NIC's MTU the largest of its networks'; a network without a NIC is
// a bridge without an uplink; an External one is recorded and left alone.
// Apply is idempotent and all or nothing: each change is journaled with
// its inverse and a failure midway undoes them, so the host is as it was.
// Drift (and Provisioner.Report) says per network whether the host has it
// as configured, or what differs (vlan, mtu, bridged, ip, state); Sync
// puts it back.
//
// # Following a store
//
// Agent keeps a host's desired Config in a store.Store and applies it at
// start and on every change (a watch), reporting what it applied, and the
// host's links, back into the store: several hosts can follow one etcd,
// and an API (httpapi/ovirt) changes any of them through the store.
//
// The API is the same on every system; the netlink driver works on
// Linux, and elsewhere Open and its methods return an error wrapping
// ErrNotSupported that names the system. Creating VLAN devices and bonds
// needs the kernel's 8021q and bonding support.
package hostnet
