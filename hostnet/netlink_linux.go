package hostnet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Netlink is the Driver of one network namespace (the current one, a
// named one, or one given by handle), over netlink. One process can hold
// drivers for many namespaces at once; tests make hosts of them. It is
// safe for concurrent use.
type Netlink struct {
	ns   netns.NsHandle
	h    *netlink.Handle
	name string
}

// Open returns a driver for the process's own network namespace.
func Open() (*Netlink, error) {
	ns, err := netns.Get()
	if err != nil {
		return nil, wrap("open namespace", "", err)
	}
	return OpenNamespace(ns, "")
}

// OpenNamed returns a driver for the namespace ip netns calls name
// (/run/netns/name).
func OpenNamed(name string) (*Netlink, error) {
	ns, err := netns.GetFromName(name)
	if err != nil {
		return nil, wrap("open namespace", name, err)
	}
	return OpenNamespace(ns, name)
}

// OpenNamespace returns a driver for the namespace behind handle, which
// it then owns (Close closes it). name is for messages only.
func OpenNamespace(handle netns.NsHandle, name string) (*Netlink, error) {
	h, err := netlink.NewHandleAt(handle)
	if err != nil {
		handle.Close()
		return nil, wrap("open netlink", name, err)
	}
	return &Netlink{ns: handle, h: h, name: name}, nil
}

// Close releases the driver's netlink sockets and namespace handle, once
// nothing uses the driver any more (subscriptions ended).
func (d *Netlink) Close() error {
	d.h.Close()
	return d.ns.Close()
}

// Namespace returns the name the driver was opened with ("" for the
// current namespace or a bare handle).
func (d *Netlink) Namespace() string { return d.name }

// wrap turns a netlink or kernel error into an *OpError with the sentinel
// it means.
func wrap(op, link string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	e := &OpError{Op: op, Link: link, Sys: err}
	var nf netlink.LinkNotFoundError
	var errno syscall.Errno
	switch {
	case errors.As(err, &nf):
		e.Err = ErrNotFound
	case errors.As(err, &errno):
		switch errno {
		case unix.ENODEV, unix.ENOENT, unix.ESRCH, unix.EADDRNOTAVAIL:
			e.Err = ErrNotFound
		case unix.EEXIST:
			e.Err = ErrExists
		case unix.EBUSY:
			e.Err = ErrBusy
		case unix.EPERM, unix.EACCES:
			e.Err = ErrNotPermitted
		case unix.EOPNOTSUPP, unix.EAFNOSUPPORT:
			e.Err = ErrNotSupported
		case unix.EINVAL, unix.ERANGE:
			e.Err = ErrInvalid
		}
	}
	return e
}

func (d *Netlink) byName(op, name string) (netlink.Link, error) {
	l, err := d.h.LinkByName(name)
	if err != nil {
		return nil, wrap(op, name, err)
	}
	return l, nil
}

// Links returns every link, ordered by name.
func (d *Netlink) Links() ([]Link, error) {
	ls, err := retryDump(func() ([]netlink.Link, error) { return d.h.LinkList() })
	if err != nil {
		return nil, wrap("list links", "", err)
	}
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return d.h.AddrList(nil, netlink.FAMILY_ALL) })
	if err != nil {
		return nil, wrap("list addresses", "", err)
	}
	byIndex := map[int][]netip.Prefix{}
	for _, a := range addrs {
		if p, ok := prefixOf(a); ok {
			byIndex[a.LinkIndex] = append(byIndex[a.LinkIndex], p)
		}
	}
	names := map[int]string{}
	for _, l := range ls {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	out := make([]Link, 0, len(ls))
	for _, l := range ls {
		out = append(out, d.describe(l, names, byIndex[l.Attrs().Index], true))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Link returns one link.
func (d *Netlink) Link(name string) (Link, error) {
	l, err := d.byName("get link", name)
	if err != nil {
		return Link{}, err
	}
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return d.h.AddrList(l, netlink.FAMILY_ALL) })
	if err != nil {
		return Link{}, wrap("list addresses", name, err)
	}
	var ps []netip.Prefix
	for _, a := range addrs {
		if p, ok := prefixOf(a); ok {
			ps = append(ps, p)
		}
	}
	names := map[int]string{}
	for _, idx := range []int{l.Attrs().MasterIndex, l.Attrs().ParentIndex} {
		if idx > 0 {
			if m, err := d.h.LinkByIndex(idx); err == nil {
				names[idx] = m.Attrs().Name
			}
		}
	}
	lk := d.describe(l, names, ps, true)
	if lk.Bond != nil {
		if all, err := retryDump(func() ([]netlink.Link, error) { return d.h.LinkList() }); err == nil {
			for _, s := range all {
				if s.Attrs().MasterIndex == lk.Index {
					lk.Bond.Slaves = append(lk.Bond.Slaves, s.Attrs().Name)
				}
			}
			sort.Strings(lk.Bond.Slaves)
		}
	}
	return lk, nil
}

// retryDump runs a netlink dump again when the kernel says it was
// interrupted by a change meanwhile (an IPv6 address settling, say), so
// callers get a consistent picture.
func retryDump[T any](dump func() ([]T, error)) ([]T, error) {
	for i := 0; ; i++ {
		out, err := dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || i == 20 {
			return out, err
		}
	}
}

func prefixOf(a netlink.Addr) (netip.Prefix, bool) {
	if a.IPNet == nil {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(a.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := a.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones), true
}

func (d *Netlink) describe(l netlink.Link, names map[int]string, addrs []netip.Prefix, speed bool) Link {
	a := l.Attrs()
	lk := Link{Name: a.Name, Index: a.Index, MAC: a.HardwareAddr.String(), MTU: a.MTU,
		Up: a.Flags&net.FlagUp != 0, Oper: a.OperState.String(), Master: names[a.MasterIndex], Addrs: addrs}
	if lk.Addrs == nil {
		lk.Addrs = []netip.Prefix{}
	}
	switch t := l.(type) {
	case *netlink.Device:
		lk.Kind = KindNIC
	case *netlink.Dummy:
		lk.Kind = KindDummy
	case *netlink.Veth:
		lk.Kind = KindVeth
	case *netlink.Vlan:
		lk.Kind = KindVLAN
		lk.VLAN = &VLANInfo{ID: t.VlanId, Parent: names[a.ParentIndex]}
	case *netlink.Bond:
		lk.Kind = KindBond
		lk.Bond = &BondInfo{Mode: t.Mode.String(), Options: bondOptions(t), Slaves: []string{}}
	case *netlink.Bridge:
		lk.Kind = KindBridge
	default:
		lk.Kind = KindOther
		if l.Type() == "device" {
			lk.Kind = KindNIC
		}
	}
	if a.Name == "lo" {
		lk.Kind = KindOther
	}
	if speed && (lk.Kind == KindNIC || lk.Kind == KindVeth || lk.Kind == KindBond) {
		lk.Speed = d.speed(a.Name)
	}
	return lk
}

// netlinkBondMode is a canonical mode name's netlink value.
func netlinkBondMode(mode string) (netlink.BondMode, error) {
	m, err := BondMode(mode)
	if err != nil {
		return 0, err
	}
	return netlink.StringToBondMode(m), nil
}

func bondOptions(b *netlink.Bond) map[string]string {
	o := map[string]string{}
	if b.Miimon > 0 {
		o["miimon"] = strconv.Itoa(b.Miimon)
	}
	if b.UpDelay > 0 {
		o["updelay"] = strconv.Itoa(b.UpDelay)
	}
	if b.DownDelay > 0 {
		o["downdelay"] = strconv.Itoa(b.DownDelay)
	}
	if b.XmitHashPolicy >= 0 && b.Mode != netlink.BOND_MODE_ACTIVE_BACKUP && b.Mode != netlink.BOND_MODE_BROADCAST && b.Mode != netlink.BOND_MODE_BALANCE_RR {
		o["xmit_hash_policy"] = b.XmitHashPolicy.String()
	}
	if b.Mode == netlink.BOND_MODE_802_3AD && b.LacpRate >= 0 {
		o["lacp_rate"] = b.LacpRate.String()
	}
	return o
}

// CreateBridge creates a Linux bridge.
func (d *Netlink) CreateBridge(name string, o LinkOptions) error {
	if err := ValidName(name); err != nil {
		return err
	}
	attrs, err := d.attrs("create bridge", name, o)
	if err != nil {
		return err
	}
	return wrap("create bridge", name, d.h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}))
}

// attrs are the attributes a link is created with.
func (d *Netlink) attrs(op, name string, o LinkOptions) (netlink.LinkAttrs, error) {
	attrs := netlink.LinkAttrs{Name: name, MTU: o.MTU}
	if o.Up {
		attrs.Flags = net.FlagUp
	}
	if o.Master != "" {
		m, err := d.byName(op, o.Master)
		if err != nil {
			return attrs, err
		}
		attrs.MasterIndex = m.Attrs().Index
	}
	return attrs, nil
}

// CreateDummy creates a dummy link (a NIC for tests and host-only use).
func (d *Netlink) CreateDummy(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	return wrap("create dummy", name, d.h.LinkAdd(&netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: name}}))
}

// CreateVLAN creates VLAN device name for VLAN id on parent.
func (d *Netlink) CreateVLAN(name, parent string, id int, o LinkOptions) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if id < 1 || id > 4094 {
		return &OpError{Op: "create vlan", Link: name, Err: ErrInvalid, Sys: errors.New("VLAN id must be 1 to 4094")}
	}
	p, err := d.byName("create vlan", parent)
	if err != nil {
		return err
	}
	attrs, err := d.attrs("create vlan", name, o)
	if err != nil {
		return err
	}
	attrs.ParentIndex = p.Attrs().Index
	return wrap("create vlan", name, d.h.LinkAdd(&netlink.Vlan{LinkAttrs: attrs, VlanId: id}))
}

// CreateBond creates a bond in mode (a name or number) with options
// (miimon, updelay, downdelay, xmit_hash_policy, lacp_rate), down.
func (d *Netlink) CreateBond(name, mode string, options map[string]string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	b := netlink.NewLinkBond(netlink.LinkAttrs{Name: name})
	m, err := netlinkBondMode(mode)
	if err != nil {
		return &OpError{Op: "create bond", Link: name, Err: ErrInvalid, Sys: errors.New("unknown bond mode " + mode)}
	}
	b.Mode = m
	for k, v := range options {
		if err := setBondOption(b, k, v); err != nil {
			return &OpError{Op: "create bond", Link: name, Err: ErrInvalid, Sys: err}
		}
	}
	return wrap("create bond", name, d.h.LinkAdd(b))
}

func setBondOption(b *netlink.Bond, k, v string) error {
	if k == "mode" {
		m, err := netlinkBondMode(v)
		if err != nil {
			return errors.New("unknown bond mode " + v)
		}
		b.Mode = m
		return nil
	}
	if err := checkBondOption(k, v); err != nil {
		return err
	}
	n, _ := strconv.Atoi(v)
	switch k {
	case "miimon":
		b.Miimon = n
	case "updelay":
		b.UpDelay = n
	case "downdelay":
		b.DownDelay = n
	case "xmit_hash_policy":
		b.XmitHashPolicy = netlink.StringToBondXmitHashPolicy(v)
	case "lacp_rate":
		b.LacpRate = netlink.StringToBondLacpRate(v)
	}
	return nil
}

// Delete deletes a link.
func (d *Netlink) Delete(name string) error {
	l, err := d.byName("delete", name)
	if err != nil {
		return err
	}
	return wrap("delete", name, d.h.LinkDel(l))
}

// SetMaster enslaves link to master (a bridge or a bond; a bond's slave
// is taken down first, as the bonding driver requires).
func (d *Netlink) SetMaster(link, master string) error {
	l, err := d.byName("enslave", link)
	if err != nil {
		return err
	}
	m, err := d.byName("enslave", master)
	if err != nil {
		return err
	}
	if _, bond := m.(*netlink.Bond); bond && l.Attrs().Flags&net.FlagUp != 0 {
		if err := d.h.LinkSetDown(l); err != nil {
			return wrap("enslave", link, err)
		}
	}
	return wrap("enslave", link, d.h.LinkSetMaster(l, m))
}

// Release frees link from its master.
func (d *Netlink) Release(link string) error {
	l, err := d.byName("release", link)
	if err != nil {
		return err
	}
	return wrap("release", link, d.h.LinkSetNoMaster(l))
}

// SetMTU sets a link's MTU.
func (d *Netlink) SetMTU(name string, mtu int) error {
	l, err := d.byName("set mtu", name)
	if err != nil {
		return err
	}
	return wrap("set mtu", name, d.h.LinkSetMTU(l, mtu))
}

// SetUp brings a link up or down.
func (d *Netlink) SetUp(name string, up bool) error {
	l, err := d.byName("set state", name)
	if err != nil {
		return err
	}
	if up {
		return wrap("set up", name, d.h.LinkSetUp(l))
	}
	return wrap("set down", name, d.h.LinkSetDown(l))
}

// AddAddr adds an address to a link.
func (d *Netlink) AddAddr(name string, p netip.Prefix) error {
	l, err := d.byName("add address", name)
	if err != nil {
		return err
	}
	return wrap("add address", name, d.h.AddrAdd(l, addrOf(p)))
}

// DelAddr removes an address from a link.
func (d *Netlink) DelAddr(name string, p netip.Prefix) error {
	l, err := d.byName("delete address", name)
	if err != nil {
		return err
	}
	return wrap("delete address", name, d.h.AddrDel(l, addrOf(p)))
}

func addrOf(p netip.Prefix) *netlink.Addr {
	return &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
}

// Stats returns a link's counters.
func (d *Netlink) Stats(name string) (Stats, error) {
	l, err := d.byName("statistics", name)
	if err != nil {
		return Stats{}, err
	}
	s := l.Attrs().Statistics
	if s == nil {
		return Stats{}, &OpError{Op: "statistics", Link: name, Err: ErrNotSupported}
	}
	return statsOf(s), nil
}

func statsOf(s *netlink.LinkStatistics) Stats {
	return Stats{RxBytes: s.RxBytes, TxBytes: s.TxBytes, RxPackets: s.RxPackets, TxPackets: s.TxPackets,
		RxErrors: s.RxErrors, TxErrors: s.TxErrors, RxDropped: s.RxDropped, TxDropped: s.TxDropped}
}

// AllStats returns every link's counters, by name, from one dump.
func (d *Netlink) AllStats() (map[string]Stats, error) {
	ls, err := retryDump(func() ([]netlink.Link, error) { return d.h.LinkList() })
	if err != nil {
		return nil, wrap("statistics", "", err)
	}
	out := make(map[string]Stats, len(ls))
	for _, l := range ls {
		if s := l.Attrs().Statistics; s != nil {
			out[l.Attrs().Name] = statsOf(s)
		}
	}
	return out, nil
}

// Subscribe delivers link changes until ctx ends (then the channel
// closes). Events may be coalesced by the kernel; read Links for the
// whole picture.
func (d *Netlink) Subscribe(ctx context.Context) (<-chan LinkEvent, error) {
	updates := make(chan netlink.LinkUpdate, 64)
	done := make(chan struct{})
	ns := d.ns
	err := netlink.LinkSubscribeWithOptions(updates, done, netlink.LinkSubscribeOptions{Namespace: &ns})
	if err != nil {
		close(done)
		return nil, wrap("subscribe", "", err)
	}
	out := make(chan LinkEvent, 64)
	go func() {
		defer close(out)
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case u, ok := <-updates:
				if !ok {
					return
				}
				ev := LinkEvent{Link: d.describe(u.Link, map[int]string{}, nil, false), Deleted: u.Header.Type == unix.RTM_DELLINK}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// speed asks the driver of a link its speed (ETHTOOL_GSET) from a socket
// in the driver's namespace; 0 when it does not say.
func (d *Netlink) speed(name string) int {
	fd, err := d.socket()
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	var cmd struct {
		Cmd         uint32
		Supported   uint32
		Advertising uint32
		Speed       uint16
		Duplex      uint8
		Port        uint8
		PhyAddress  uint8
		Transceiver uint8
		Autoneg     uint8
		MdioSupport uint8
		Maxtxpkt    uint32
		Maxrxpkt    uint32
		SpeedHi     uint16
		EthTpMdix   uint8
		Reserved2   uint8
		LpAdv       uint32
		Reserved    [2]uint32
	}
	cmd.Cmd = 1 // ETHTOOL_GSET
	var ifr struct {
		Name [unix.IFNAMSIZ]byte
		Data uintptr
		_    [16]byte
	}
	copy(ifr.Name[:], name)
	ifr.Data = uintptr(unsafe.Pointer(&cmd))
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(&cmd)
	if errno != 0 {
		return 0
	}
	s := int(cmd.SpeedHi)<<16 | int(cmd.Speed)
	if s == 0xffff || s == 0xffffffff || s <= 0 {
		return 0
	}
	return s
}

// socket opens a datagram socket in the driver's namespace. The switch
// happens on a thread of its own, which dies with its goroutine if it
// cannot switch back.
func (d *Netlink) socket() (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		cur, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, err}
			return
		}
		defer cur.Close()
		if cur.Equal(d.ns) {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			runtime.UnlockOSThread()
			ch <- result{fd, err}
			return
		}
		if err := netns.Set(d.ns); err != nil {
			runtime.UnlockOSThread()
			ch <- result{-1, err}
			return
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if netns.Set(cur) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and ends with the goroutine
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

var _ Driver = (*Netlink)(nil)
