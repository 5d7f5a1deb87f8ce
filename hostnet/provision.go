package hostnet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
)

// Provisioner realizes Configs on one host. Apply is idempotent (what is
// as desired is not touched) and all or nothing: every change is
// journaled with its inverse, and a failure midway undoes them in reverse,
// leaving the host as it was. It owns the bridges, VLAN devices and bonds
// of the configurations it applied (Applied); links it never created are
// only ever enslaved, given an MTU, brought up or addressed.
type Provisioner struct {
	d Driver

	mu      sync.Mutex
	applied Config

	// failAt, when positive, fails the failAt-th change of the next
	// Apply (tests of the rollback).
	failAt int
}

// NewProvisioner returns a provisioner over d that owns nothing yet.
func NewProvisioner(d Driver) *Provisioner { return &Provisioner{d: d} }

// Applied returns the configuration last applied: a copy, the caller's
// to change.
func (p *Provisioner) Applied() Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied.Clone()
}

// Adopt makes c the configuration the provisioner owns without changing
// the host (a restart's desired state, so that what it drops later is
// removed). It keeps a copy.
func (p *Provisioner) Adopt(c Config) {
	p.mu.Lock()
	p.applied = c.Clone()
	p.mu.Unlock()
}

// Report compares the applied configuration with the host.
func (p *Provisioner) Report() ([]NetworkState, error) {
	links, err := p.d.Links()
	if err != nil {
		return nil, err
	}
	return Drift(p.Applied(), links), nil
}

// ApplyError is a failed Apply: the change that failed, and whether the
// rollback put everything back.
type ApplyError struct {
	Err         error
	RollbackErr error // nil: the host is as it was
}

func (e *ApplyError) Error() string {
	if e.RollbackErr != nil {
		return fmt.Sprintf("%v (rolling back failed too: %v)", e.Err, e.RollbackErr)
	}
	return fmt.Sprintf("%v (rolled back)", e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

// Apply makes the host carry next, returning how many changes it made.
// On failure nothing it did remains (see ApplyError). It keeps a copy of
// next: the caller may change its own afterwards.
func (p *Provisioner) Apply(ctx context.Context, next Config) (int, error) {
	return p.apply(ctx, next.Clone(), nil)
}

// Sync re-applies the applied configuration to the named networks only
// (all when none are named): what drifted is put back.
func (p *Provisioner) Sync(ctx context.Context, names ...string) (int, error) {
	only := map[string]bool{}
	for _, n := range names {
		only[n] = true
	}
	if len(names) == 0 {
		only = nil
	}
	return p.apply(ctx, p.Applied(), only)
}

func (p *Provisioner) apply(ctx context.Context, next Config, only map[string]bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	links, err := p.d.Links()
	if err != nil {
		return 0, err
	}
	if err := next.Validate(links); err != nil {
		return 0, err
	}
	j := &journal{d: p.d, cur: map[string]Link{}, failAt: p.failAt}
	p.failAt = 0
	for _, l := range links {
		j.cur[l.Name] = l
	}
	err = j.plan(ctx, p.applied, next, only)
	if err != nil {
		rb := j.rollback()
		return 0, &ApplyError{Err: err, RollbackErr: rb}
	}
	if only == nil {
		p.applied = next
	}
	return len(j.undo), nil
}

// journal applies changes one by one, keeping the inverse of each.
type journal struct {
	d      Driver
	cur    map[string]Link // the host before, updated as changes are made
	undo   []func() error
	n      int
	failAt int
}

var errInjected = errors.New("injected failure")

// do runs one change and records its inverse.
func (j *journal) do(op, link string, f func() error, inverse func() error) error {
	j.n++
	if j.failAt > 0 && j.n == j.failAt {
		return &OpError{Op: op, Link: link, Err: errInjected}
	}
	if err := f(); err != nil {
		return opError(op, link, err)
	}
	j.undo = append(j.undo, inverse)
	return nil
}

func (j *journal) rollback() error {
	var errs []error
	for i := len(j.undo) - 1; i >= 0; i-- {
		if err := j.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	j.undo = nil
	return errors.Join(errs...)
}

// learn records a link as the host has it now (after a change the kernel
// may have carried further: a bridge takes its ports' MTU).
func (j *journal) learn(name string) (Link, error) {
	l, err := j.d.Link(name)
	if err != nil {
		return Link{}, err
	}
	j.cur[name] = l
	return l, nil
}

// plan changes the host from prev to next — for the networks only names,
// or all when it is nil — in an order that keeps what stays up: old
// devices down first, bonds, NIC MTUs raised, the networks, MTUs lowered.
func (j *journal) plan(ctx context.Context, prev, next Config, only map[string]bool) error {
	want := func(name string) bool { return only == nil || only[name] }
	if err := j.teardown(ctx, prev, next, want); err != nil {
		return err
	}
	if err := j.bonds(prev, next); err != nil {
		return err
	}
	// NIC MTUs: raised before the devices on them, lowered after.
	maxMTU := map[string]int{}
	for _, n := range next.Networks {
		if !n.External && n.NIC != "" {
			maxMTU[n.NIC] = max(maxMTU[n.NIC], n.mtu())
		}
	}
	for nic, m := range maxMTU {
		if j.cur[nic].MTU < m {
			if err := j.setMTU(nic, m); err != nil {
				return err
			}
		}
		if err := j.setUp(nic, true); err != nil {
			return err
		}
	}
	for _, n := range next.Networks {
		if n.External || !want(n.Name) {
			continue
		}
		prevN, _ := prev.Network(n.Name)
		if err := j.ensureNetwork(n, prevN); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	for nic, m := range maxMTU {
		if j.cur[nic].MTU > m {
			if err := j.setMTU(nic, m); err != nil {
				return err
			}
		}
	}
	return j.releaseNICs(prev, next, maxMTU)
}

// releaseNICs gives a NIC (or bond) that no network uses any more the
// default MTU back, as vdsm does; it would keep its last network's. A
// slave of a bond keeps what the bond gives it.
func (j *journal) releaseNICs(prev, next Config, used map[string]int) error {
	enslaved := map[string]bool{}
	for _, b := range next.Bonds {
		for _, s := range b.Slaves {
			enslaved[s] = true
		}
	}
	for _, n := range prev.Networks {
		if n.External || n.NIC == "" || enslaved[n.NIC] {
			continue
		}
		if _, still := used[n.NIC]; still {
			continue
		}
		if l, ok := j.cur[n.NIC]; !ok || l.MTU == DefaultMTU {
			continue
		}
		if err := j.setMTU(n.NIC, DefaultMTU); err != nil {
			return err
		}
	}
	return nil
}

// teardown takes down what prev has and next does not: the devices of
// networks that go or change devices, an uplink a bridge lets go, and
// addresses no longer wanted.
func (j *journal) teardown(ctx context.Context, prev, next Config, want func(string) bool) error {
	nextDevs := map[string]bool{}
	for _, n := range next.Networks {
		if n.External {
			continue
		}
		if n.bridged() {
			nextDevs[n.Name] = true
		}
		if d := n.VLANDevice(); d != "" {
			nextDevs[d] = true
		}
	}
	for _, n := range prev.Networks {
		if n.External || !want(n.Name) {
			continue
		}
		nn, stays := next.Network(n.Name)
		if n.bridged() && !nextDevs[n.Name] {
			if err := j.deleteLink(n.Name, KindBridge); err != nil {
				return err
			}
		}
		if d := n.VLANDevice(); d != "" && !nextDevs[d] {
			if err := j.deleteLink(d, KindVLAN); err != nil {
				return err
			}
		}
		// A bridge that stays but changes uplink lets the old one go.
		if up := n.uplink(); stays && n.bridged() && nn.bridged() && up != "" && up != nn.uplink() && j.cur[up].Master == n.Name {
			if err := j.release(up); err != nil {
				return err
			}
		}
		// Addresses it had that it no longer has.
		if dev := n.Device(); j.exists(dev) {
			for _, a := range n.Addrs {
				if stays && nn.Device() == dev && slices.Contains(nn.Addrs, a) {
					continue
				}
				if err := j.delAddr(dev, a); err != nil {
					return err
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// bonds deletes the bonds next drops and makes those it has.
func (j *journal) bonds(prev, next Config) error {
	for _, b := range prev.Bonds {
		if _, stays := next.Bond(b.Name); !stays && j.exists(b.Name) {
			if err := j.deleteLink(b.Name, KindBond); err != nil {
				return err
			}
		}
	}
	for _, b := range next.Bonds {
		if err := j.ensureBond(b); err != nil {
			return err
		}
	}
	return nil
}

func (j *journal) exists(name string) bool {
	_, ok := j.cur[name]
	return ok
}

func (j *journal) ensureNetwork(n, prev Network) error {
	mtu := n.mtu()
	if n.bridged() {
		if l, ok := j.cur[n.Name]; !ok {
			if err := j.createBridge(n.Name, mtu); err != nil {
				return err
			}
		} else if l.Kind != KindBridge && l.Kind != "" {
			return &OpError{Op: "create bridge", Link: n.Name, Err: ErrExists}
		}
	}
	if dev := n.VLANDevice(); dev != "" {
		l, ok := j.cur[dev]
		if ok && (l.VLAN == nil || l.VLAN.ID != n.VLAN || l.VLAN.Parent != n.NIC) && l.Kind != "" {
			if err := j.deleteLink(dev, KindVLAN); err != nil {
				return err
			}
			ok = false
		}
		if !ok {
			master := ""
			if n.bridged() {
				master = n.Name
			}
			if err := j.createVLAN(dev, n.NIC, n.VLAN, mtu, master); err != nil {
				return err
			}
		} else {
			if err := j.setMTU(dev, mtu); err != nil {
				return err
			}
			if err := j.setUp(dev, true); err != nil {
				return err
			}
		}
	}
	if n.bridged() {
		if up := n.uplink(); up != "" {
			if err := j.setMaster(up, n.Name); err != nil {
				return err
			}
		}
		if err := j.setMTU(n.Name, mtu); err != nil {
			return err
		}
		if err := j.setUp(n.Name, true); err != nil {
			return err
		}
	} else if n.VLAN == 0 {
		if err := j.setMTU(n.NIC, mtu); err != nil {
			return err
		}
	}
	dev := n.Device()
	for _, a := range n.Addrs {
		if err := j.addAddr(dev, a); err != nil {
			return err
		}
	}
	return nil
}

func (j *journal) ensureBond(b Bond) error {
	mode := b.Mode
	if mode == "" {
		mode = "balance-rr"
	}
	if l, ok := j.cur[b.Name]; ok && l.Bond != nil && bondDiffers(*l.Bond, b) {
		// The kernel changes a bond's mode only while it has no slaves:
		// it is made anew, its VLAN devices coming back with their
		// networks (and all of it with the journal's undo).
		if err := j.deleteLink(b.Name, KindBond); err != nil {
			return err
		}
	}
	if _, ok := j.cur[b.Name]; !ok {
		err := j.do("create bond", b.Name, func() error { return j.d.CreateBond(b.Name, mode, b.Options) },
			func() error { return j.d.Delete(b.Name) })
		if err != nil {
			return err
		}
		if _, err := j.learn(b.Name); err != nil {
			return opError("create bond", b.Name, err)
		}
	}
	for _, l := range j.cur {
		if l.Master == b.Name && !slices.Contains(b.Slaves, l.Name) {
			if err := j.release(l.Name); err != nil {
				return err
			}
		}
	}
	for _, s := range b.Slaves {
		if err := j.setMaster(s, b.Name); err != nil {
			return err
		}
		if err := j.setUp(s, true); err != nil {
			return err
		}
	}
	return j.setUp(b.Name, true)
}

// bondDiffers reports whether a bond as the host has it differs from
// what is wanted in its mode or the options netslice manages.
func bondDiffers(cur BondInfo, want Bond) bool {
	mode, err := BondMode(want.Mode)
	if want.Mode == "" {
		mode, err = "balance-rr", nil
	}
	if err != nil || cur.Mode != mode {
		return true
	}
	return !maps.Equal(BondOptions(cur.Mode, cur.Options), BondOptions(mode, want.Options))
}

func (j *journal) createBridge(name string, mtu int) error {
	err := j.do("create bridge", name, func() error { return j.d.CreateBridge(name, LinkOptions{MTU: mtu, Up: true}) },
		func() error { return j.d.Delete(name) })
	if err != nil {
		return err
	}
	if _, err := j.learn(name); err != nil {
		return opError("create bridge", name, err)
	}
	return nil
}

func (j *journal) createVLAN(name, parent string, id, mtu int, master string) error {
	if _, ok := j.cur[parent]; !ok {
		return &OpError{Op: "create vlan", Link: name, Err: ErrNotFound, Sys: errors.New("no link " + parent)}
	}
	err := j.do("create vlan", name, func() error {
		return j.d.CreateVLAN(name, parent, id, LinkOptions{MTU: mtu, Up: true, Master: master})
	}, func() error { return j.d.Delete(name) })
	if err != nil {
		return err
	}
	j.cur[name] = Link{Name: name, Kind: KindVLAN, MTU: mtu, Up: true, Master: master, VLAN: &VLANInfo{ID: id, Parent: parent}}
	if master != "" {
		// The kernel gives a bridge its ports' MTU while nobody set one.
		if _, err := j.learn(master); err != nil {
			return opError("create vlan", name, err)
		}
	}
	return nil
}

// deleteLink deletes a bridge, VLAN device or bond the provisioner owns,
// remembering enough to put it back: kind, VLAN, MTU, state, master,
// addresses, and the links enslaved to it.
func (j *journal) deleteLink(name string, kind Kind) error {
	snap, ok := j.cur[name]
	if !ok {
		return nil
	}
	if snap.Kind != kind && snap.Kind != "" {
		return &OpError{Op: "delete", Link: name, Err: ErrInvalid, Sys: fmt.Errorf("is a %s, not a %s", snap.Kind, kind)}
	}
	var ports []string
	for _, l := range j.cur {
		if l.Master == name {
			ports = append(ports, l.Name)
		}
	}
	// What goes with it: VLAN devices on it (the kernel deletes them too).
	var uppers []Link
	for _, l := range j.cur {
		if l.VLAN != nil && l.VLAN.Parent == name {
			uppers = append(uppers, l)
		}
	}
	if len(uppers) > 0 && kind == KindBond {
		// Restored with the bond, they are deleted first, by name.
		for _, u := range uppers {
			if err := j.deleteLink(u.Name, KindVLAN); err != nil {
				return err
			}
		}
	}
	err := j.do("delete", name, func() error { return j.d.Delete(name) }, func() error {
		var err error
		switch kind {
		case KindBridge:
			err = j.d.CreateBridge(name, LinkOptions{MTU: snap.MTU})
		case KindVLAN:
			err = j.d.CreateVLAN(name, snap.VLAN.Parent, snap.VLAN.ID, LinkOptions{MTU: snap.MTU})
		case KindBond:
			// From its mode and the options netslice manages, not from
			// the kernel's whole state (an active slave, delays without
			// miimon: what it refuses to be given back).
			if snap.Bond == nil {
				return errors.New("no record of bond " + name)
			}
			if err = j.d.CreateBond(name, snap.Bond.Mode, BondOptions(snap.Bond.Mode, snap.Bond.Options)); err == nil && snap.MTU > 0 {
				err = j.d.SetMTU(name, snap.MTU)
			}
		}
		if err != nil {
			return opError("restore", name, err)
		}
		if snap.Master != "" {
			if err := j.d.SetMaster(name, snap.Master); err != nil {
				return err
			}
		}
		for _, p := range ports {
			if err := j.d.SetMaster(p, name); err != nil {
				return err
			}
		}
		for _, a := range snap.Addrs {
			if err := j.d.AddAddr(name, a); err != nil && !errors.Is(err, ErrExists) {
				return err
			}
		}
		if snap.Up {
			return j.d.SetUp(name, true)
		}
		return nil
	})
	if err != nil {
		return err
	}
	delete(j.cur, name)
	for n, l := range j.cur {
		if l.Master == name {
			l.Master = ""
			j.cur[n] = l
		}
	}
	return nil
}

func (j *journal) setMaster(link, master string) error {
	l, ok := j.cur[link]
	if !ok {
		return &OpError{Op: "enslave", Link: link, Err: ErrNotFound}
	}
	if l.Master == master {
		return nil
	}
	old := l.Master
	wasUp := l.Up
	err := j.do("enslave", link, func() error { return j.d.SetMaster(link, master) }, func() error {
		if old == "" {
			if err := j.d.Release(link); err != nil {
				return err
			}
		} else if err := j.d.SetMaster(link, old); err != nil {
			return err
		}
		return j.d.SetUp(link, wasUp)
	})
	if err != nil {
		return err
	}
	// The kernel may have carried the change further: a bridge takes its
	// ports' MTU while nobody set one, a bond gives its slaves its own
	// and takes them down. The journal goes by what the host has.
	for _, n := range []string{link, master} {
		if _, err := j.learn(n); err != nil {
			return opError("enslave", n, err)
		}
	}
	return nil
}

// release frees link from its master.
func (j *journal) release(link string) error {
	l, ok := j.cur[link]
	if !ok || l.Master == "" {
		return nil
	}
	old, wasUp := l.Master, l.Up
	err := j.do("release", link, func() error { return j.d.Release(link) }, func() error {
		if err := j.d.SetMaster(link, old); err != nil {
			return err
		}
		return j.d.SetUp(link, wasUp)
	})
	if err != nil {
		return err
	}
	l.Master = ""
	j.cur[link] = l
	return nil
}

func (j *journal) setMTU(link string, mtu int) error {
	l, ok := j.cur[link]
	if !ok {
		return &OpError{Op: "set mtu", Link: link, Err: ErrNotFound}
	}
	if l.MTU == mtu {
		return nil
	}
	old := l.MTU
	err := j.do("set mtu", link, func() error { return j.d.SetMTU(link, mtu) },
		func() error { return j.d.SetMTU(link, old) })
	if err != nil {
		return err
	}
	l.MTU = mtu
	j.cur[link] = l
	return nil
}

func (j *journal) setUp(link string, up bool) error {
	l, ok := j.cur[link]
	if !ok {
		return &OpError{Op: "set state", Link: link, Err: ErrNotFound}
	}
	if l.Up == up {
		return nil
	}
	set := func(up bool) func() error { return func() error { return j.d.SetUp(link, up) } }
	if err := j.do("set state", link, set(up), set(!up)); err != nil {
		return err
	}
	l.Up = up
	j.cur[link] = l
	return nil
}

func (j *journal) addAddr(link string, a netip.Prefix) error {
	l := j.cur[link]
	if slices.Contains(l.Addrs, a) {
		return nil
	}
	err := j.do("add address", link, func() error { return j.d.AddAddr(link, a) },
		func() error { return j.d.DelAddr(link, a) })
	if err != nil {
		return err
	}
	l.Addrs = append(slices.Clone(l.Addrs), a)
	j.cur[link] = l
	return nil
}

func (j *journal) delAddr(link string, a netip.Prefix) error {
	l := j.cur[link]
	if !slices.Contains(l.Addrs, a) {
		return nil
	}
	err := j.do("delete address", link, func() error { return j.d.DelAddr(link, a) },
		func() error { return j.d.AddAddr(link, a) })
	if err != nil {
		return err
	}
	l.Addrs = slices.DeleteFunc(slices.Clone(l.Addrs), func(x netip.Prefix) bool { return x == a })
	j.cur[link] = l
	return nil
}
