package hostnettest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"sync"

	"github.com/netslice/netslice/hostnet"
)

// Fake is a hostnet.Driver in memory: a host whose links behave as
// Linux's do for everything netslice asks of them — a bridge takes the
// smallest MTU of its ports until an MTU is set on it, a VLAN device's
// MTU is at most its parent's and follows it down, a bond gives its
// slaves its MTU and brings them up and gives back their own when they
// leave, deleting a link releases its ports and deletes the VLAN devices
// on it — so that code above a Driver tests without root. Run holds it
// to the kernel's behaviour. It is safe for concurrent use.
type Fake struct {
	name string

	mu     sync.Mutex
	links  map[string]*fakeLink
	next   int // the next ifindex
	subs   map[int]chan hostnet.LinkEvent
	subSeq int
	// Fail, when set, is asked before every change (op is the method's
	// name, as "SetMTU"): an error it returns is the change's, made
	// nothing. Tests inject failures with it.
	Fail func(op, link string) error
}

type fakeLink struct {
	hostnet.Link
	mtuSet  bool // a bridge's MTU was set: it no longer follows its ports
	origMTU int  // a bond slave's MTU before it was enslaved
	options map[string]string
	stats   hostnet.Stats
}

// NewFake returns a host named name with NICs (up, MTU 1500, 10 Gb/s)
// and lo.
func NewFake(name string, nics ...string) *Fake {
	f := &Fake{name: name, links: map[string]*fakeLink{}, next: 1, subs: map[int]chan hostnet.LinkEvent{}}
	f.add(hostnet.Link{Name: "lo", Kind: hostnet.KindOther, MTU: 65536, Up: true, Oper: "unknown",
		Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}})
	for _, n := range nics {
		f.add(hostnet.Link{Name: n, Kind: hostnet.KindNIC, MTU: 1500, Up: true, Oper: "up", Speed: 10000})
	}
	return f
}

var _ hostnet.Driver = (*Fake)(nil)

// add makes a link with the next index and a MAC of its own (called with
// mu held, or before the fake is shared).
func (f *Fake) add(l hostnet.Link) *fakeLink {
	l.Index = f.next
	f.next++
	if l.MAC == "" {
		l.MAC = fmt.Sprintf("02:00:00:%02x:%02x:%02x", f.next>>16&0xff, f.next>>8&0xff, f.next&0xff)
	}
	if l.Addrs == nil {
		l.Addrs = []netip.Prefix{}
	}
	if l.Oper == "" {
		l.Oper = "down"
	}
	fl := &fakeLink{Link: l}
	f.links[l.Name] = fl
	f.notify(fl, false)
	return fl
}

func opErr(op, link string, sentinel error, why string) error {
	e := &hostnet.OpError{Op: op, Link: link, Err: sentinel}
	if why != "" {
		e.Sys = errors.New(why)
	}
	return e
}

// change runs a change under the lock, after asking Fail.
func (f *Fake) change(method, op, link string, fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Fail != nil {
		if err := f.Fail(method, link); err != nil {
			return &hostnet.OpError{Op: op, Link: link, Err: err}
		}
	}
	return fn()
}

func (f *Fake) get(op, name string) (*fakeLink, error) {
	l, ok := f.links[name]
	if !ok {
		return nil, opErr(op, name, hostnet.ErrNotFound, "Link not found")
	}
	return l, nil
}

// Namespace implements hostnet.Driver.
func (f *Fake) Namespace() string { return f.name }

// Close implements hostnet.Driver.
func (f *Fake) Close() error { return nil }

// view is a link as the driver reports it, a copy.
func (f *Fake) view(l *fakeLink) hostnet.Link {
	out := l.Link
	out.Addrs = slices.Clone(l.Addrs)
	if l.VLAN != nil {
		v := *l.VLAN
		out.VLAN = &v
	}
	if l.Kind == hostnet.KindBond {
		b := &hostnet.BondInfo{Mode: l.Bond.Mode, Options: hostnet.BondOptions(l.Bond.Mode, l.options), Slaves: []string{}}
		for _, s := range f.links {
			if s.Master == l.Name {
				b.Slaves = append(b.Slaves, s.Name)
			}
		}
		sort.Strings(b.Slaves)
		out.Bond = b
	}
	return out
}

// Links implements hostnet.Driver.
func (f *Fake) Links() ([]hostnet.Link, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]hostnet.Link, 0, len(f.links))
	for _, l := range f.links {
		v := f.view(l)
		if v.Bond != nil {
			v.Bond.Slaves = []string{} // as a netlink dump says it: on the slaves only
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Link implements hostnet.Driver.
func (f *Fake) Link(name string) (hostnet.Link, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.get("get link", name)
	if err != nil {
		return hostnet.Link{}, err
	}
	return f.view(l), nil
}

// create checks what every creation checks: the name, and that it is
// free.
func (f *Fake) create(op, name string) error {
	if err := hostnet.ValidName(name); err != nil {
		return err
	}
	if _, ok := f.links[name]; ok {
		return opErr(op, name, hostnet.ErrExists, "file exists")
	}
	return nil
}

// apply gives a new link its options: MTU (a bridge's does not count as
// set), state, master.
func (f *Fake) apply(op string, l *fakeLink, o hostnet.LinkOptions) error {
	if o.MTU > 0 {
		l.MTU = o.MTU
	}
	l.Up = o.Up
	l.Oper = oper(l.Up)
	if o.Master != "" {
		return f.enslave(op, l, o.Master)
	}
	return nil
}

func oper(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// CreateBridge implements hostnet.Driver.
func (f *Fake) CreateBridge(name string, o hostnet.LinkOptions) error {
	return f.change("CreateBridge", "create bridge", name, func() error {
		if err := f.create("create bridge", name); err != nil {
			return err
		}
		if o.Master != "" {
			if _, err := f.get("create bridge", o.Master); err != nil {
				return err
			}
		}
		l := f.add(hostnet.Link{Name: name, Kind: hostnet.KindBridge, MTU: 1500})
		return f.apply("create bridge", l, o)
	})
}

// CreateDummy implements hostnet.Driver.
func (f *Fake) CreateDummy(name string) error {
	return f.change("CreateDummy", "create dummy", name, func() error {
		if err := f.create("create dummy", name); err != nil {
			return err
		}
		f.add(hostnet.Link{Name: name, Kind: hostnet.KindDummy, MTU: 1500})
		return nil
	})
}

// CreateVLAN implements hostnet.Driver.
func (f *Fake) CreateVLAN(name, parent string, id int, o hostnet.LinkOptions) error {
	return f.change("CreateVLAN", "create vlan", name, func() error {
		if err := hostnet.ValidName(name); err != nil {
			return err
		}
		if id < 1 || id > 4094 {
			return opErr("create vlan", name, hostnet.ErrInvalid, "VLAN id must be 1 to 4094")
		}
		if err := f.create("create vlan", name); err != nil {
			return err
		}
		p, err := f.get("create vlan", parent)
		if err != nil {
			return err
		}
		for _, l := range f.links {
			if l.VLAN != nil && l.VLAN.Parent == parent && l.VLAN.ID == id {
				return opErr("create vlan", name, hostnet.ErrExists, "file exists")
			}
		}
		if o.MTU > p.MTU {
			return opErr("create vlan", name, hostnet.ErrInvalid, "invalid argument")
		}
		l := f.add(hostnet.Link{Name: name, Kind: hostnet.KindVLAN, MTU: p.MTU, VLAN: &hostnet.VLANInfo{ID: id, Parent: parent}})
		return f.apply("create vlan", l, o)
	})
}

// CreateBond implements hostnet.Driver.
func (f *Fake) CreateBond(name, mode string, options map[string]string) error {
	return f.change("CreateBond", "create bond", name, func() error {
		if err := hostnet.ValidName(name); err != nil {
			return err
		}
		m, err := hostnet.BondMode(mode)
		if err != nil {
			return opErr("create bond", name, hostnet.ErrInvalid, "unknown bond mode "+mode)
		}
		if err := hostnet.CheckBondOptions(options); err != nil {
			return opErr("create bond", name, hostnet.ErrInvalid, err.Error())
		}
		if err := f.create("create bond", name); err != nil {
			return err
		}
		l := f.add(hostnet.Link{Name: name, Kind: hostnet.KindBond, MTU: 1500, Bond: &hostnet.BondInfo{Mode: m}})
		l.options = maps.Clone(options)
		return nil
	})
}

// Delete implements hostnet.Driver.
func (f *Fake) Delete(name string) error {
	return f.change("Delete", "delete", name, func() error {
		l, err := f.get("delete", name)
		if err != nil {
			return err
		}
		f.remove(l)
		return nil
	})
}

// remove deletes a link: its ports are released, VLAN devices on it go
// with it.
func (f *Fake) remove(l *fakeLink) {
	for _, o := range f.linksSorted() {
		switch {
		case o.Master == l.Name:
			f.release(o)
		case o.VLAN != nil && o.VLAN.Parent == l.Name:
			f.remove(o)
		}
	}
	if m := f.links[l.Master]; m != nil {
		defer f.followPorts(m)
	}
	delete(f.links, l.Name)
	f.notify(l, true)
}

func (f *Fake) linksSorted() []*fakeLink {
	out := slices.Collect(maps.Values(f.links))
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// SetMaster implements hostnet.Driver.
func (f *Fake) SetMaster(link, master string) error {
	return f.change("SetMaster", "enslave", link, func() error {
		l, err := f.get("enslave", link)
		if err != nil {
			return err
		}
		return f.enslave("enslave", l, master)
	})
}

func (f *Fake) enslave(op string, l *fakeLink, master string) error {
	m, err := f.get(op, master)
	if err != nil {
		return err
	}
	if m == l || m.Kind != hostnet.KindBridge && m.Kind != hostnet.KindBond {
		return opErr(op, l.Name, hostnet.ErrInvalid, master+" is no bridge or bond")
	}
	if l.Master == master {
		return nil
	}
	if l.Master != "" {
		f.release(l)
	}
	l.Master = master
	if m.Kind == hostnet.KindBond {
		// The bonding driver gives a slave the bond's MTU and opens it.
		l.origMTU, l.MTU = l.MTU, m.MTU
		l.Up, l.Oper = true, "up"
	}
	f.notify(l, false)
	f.followPorts(m)
	return nil
}

// release frees a link from its master: a bond slave gets its own MTU
// back and is closed; a bridge whose MTU nobody set follows its ports.
func (f *Fake) release(l *fakeLink) {
	m := f.links[l.Master]
	l.Master = ""
	if m != nil && m.Kind == hostnet.KindBond {
		l.MTU, l.origMTU = l.origMTU, 0
		l.Up, l.Oper = false, "down"
	}
	f.notify(l, false)
	if m != nil {
		f.followPorts(m)
	}
}

// followPorts gives a bridge whose MTU nobody set the smallest MTU of its
// ports (1500 without any).
func (f *Fake) followPorts(m *fakeLink) {
	if m.Kind != hostnet.KindBridge || m.mtuSet {
		return
	}
	mtu := 0
	for _, p := range f.links {
		if p.Master == m.Name && (mtu == 0 || p.MTU < mtu) {
			mtu = p.MTU
		}
	}
	if mtu == 0 {
		mtu = 1500
	}
	if m.MTU != mtu {
		m.MTU = mtu
		f.notify(m, false)
	}
}

// Release implements hostnet.Driver.
func (f *Fake) Release(link string) error {
	return f.change("Release", "release", link, func() error {
		l, err := f.get("release", link)
		if err != nil {
			return err
		}
		if l.Master != "" {
			f.release(l)
		}
		return nil
	})
}

// SetMTU implements hostnet.Driver.
func (f *Fake) SetMTU(name string, mtu int) error {
	return f.change("SetMTU", "set mtu", name, func() error {
		l, err := f.get("set mtu", name)
		if err != nil {
			return err
		}
		if mtu < 68 || mtu > 65535 {
			return opErr("set mtu", name, hostnet.ErrInvalid, "invalid argument")
		}
		if l.VLAN != nil {
			if p := f.links[l.VLAN.Parent]; p != nil && mtu > p.MTU {
				return opErr("set mtu", name, hostnet.ErrInvalid, "numerical result out of range")
			}
		}
		if l.MTU == mtu {
			return nil
		}
		f.setMTU(l, mtu)
		if l.Kind == hostnet.KindBridge {
			l.mtuSet = true
		}
		return nil
	})
}

// setMTU changes a link's MTU and carries it on: a bond's to its slaves,
// down to the VLAN devices above it, to the bridge it is a port of.
func (f *Fake) setMTU(l *fakeLink, mtu int) {
	l.MTU = mtu
	f.notify(l, false)
	for _, o := range f.linksSorted() {
		if l.Kind == hostnet.KindBond && o.Master == l.Name {
			f.setMTU(o, mtu)
		}
		if o.VLAN != nil && o.VLAN.Parent == l.Name && o.MTU > mtu {
			f.setMTU(o, mtu)
		}
	}
	if m := f.links[l.Master]; m != nil {
		f.followPorts(m)
	}
}

// SetUp implements hostnet.Driver.
func (f *Fake) SetUp(name string, up bool) error {
	return f.change("SetUp", "set state", name, func() error {
		l, err := f.get("set state", name)
		if err != nil {
			return err
		}
		if l.Up != up {
			l.Up, l.Oper = up, oper(up)
			f.notify(l, false)
		}
		return nil
	})
}

// AddAddr implements hostnet.Driver.
func (f *Fake) AddAddr(name string, p netip.Prefix) error {
	return f.change("AddAddr", "add address", name, func() error {
		l, err := f.get("add address", name)
		if err != nil {
			return err
		}
		if slices.Contains(l.Addrs, p) {
			return opErr("add address", name, hostnet.ErrExists, "file exists")
		}
		l.Addrs = append(l.Addrs, p)
		return nil
	})
}

// DelAddr implements hostnet.Driver.
func (f *Fake) DelAddr(name string, p netip.Prefix) error {
	return f.change("DelAddr", "delete address", name, func() error {
		l, err := f.get("delete address", name)
		if err != nil {
			return err
		}
		i := slices.Index(l.Addrs, p)
		if i < 0 {
			return opErr("delete address", name, hostnet.ErrNotFound, "cannot assign requested address")
		}
		l.Addrs = slices.Delete(l.Addrs, i, i+1)
		return nil
	})
}

// Stats implements hostnet.Driver: what SetStats last said (zeros).
func (f *Fake) Stats(name string) (hostnet.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.get("statistics", name)
	if err != nil {
		return hostnet.Stats{}, err
	}
	return l.stats, nil
}

// SetStats sets what Stats says of a link (tests of what reads them).
func (f *Fake) SetStats(name string, s hostnet.Stats) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.get("statistics", name)
	if err != nil {
		return err
	}
	l.stats = s
	return nil
}

// Subscribe implements hostnet.Driver.
func (f *Fake) Subscribe(ctx context.Context) (<-chan hostnet.LinkEvent, error) {
	ch := make(chan hostnet.LinkEvent, 256)
	f.mu.Lock()
	f.subSeq++
	id := f.subSeq
	f.subs[id] = ch
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.subs, id)
		close(ch)
		f.mu.Unlock()
	}()
	return ch, nil
}

// notify tells subscribers of a change (called with mu held); a
// subscriber that does not keep up misses events, as with the kernel's.
func (f *Fake) notify(l *fakeLink, deleted bool) {
	for _, ch := range f.subs {
		select {
		case ch <- hostnet.LinkEvent{Link: l.Link, Deleted: deleted}:
		default:
		}
	}
}
