//go:build cgo

package libvirt

// Lists: what the driver keeps between calls and reads in bulk — the
// domain list, the connection's liveness for cached answers, and the
// counters of many domains at once.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	golibvirt "libvirt.org/go/libvirt"

	"github.com/netslice/netslice/virt"
)

// epoch is what alive measures time from.
var epoch = time.Now()

// aliveFor is how long a connection found alive is taken to be, by what
// is cached: lists ask for a thousand cached domains at a time.
const aliveFor = 20 * time.Millisecond

// alive reports whether the connection lives, for serving what is cached:
// the close callback clears the cache, but a call may find the connection
// dead before it has run. IsAlive asks no one, but costs a call into
// libvirt; its answer is kept for aliveFor.
func (d *Driver) alive() bool {
	now := int64(time.Since(epoch)) + 1 // the monotonic clock alone; never 0
	if t := d.aliveAt.Load(); t != 0 && now-t < int64(aliveFor) {
		return true
	}
	if ok, err := d.c().IsAlive(); err != nil || !ok {
		d.aliveAt.Store(0)
		return false
	}
	d.aliveAt.Store(now)
	return true
}

// listMaxAge is how long a Domains answer is served again, its changed
// domains read anew: the age of running domains' CPU time.
const listMaxAge = time.Second

// Domains lists every domain with what GetInfo says: state, memory,
// vCPUs, CPU time; no XML is read. With lifecycle events on the
// connection, an answer is kept — a list of thousands costs a few calls
// into libvirt per domain — and served again with only the domains that
// an event or a change made through this driver says changed read anew;
// the whole list is read again after a second. Each summary's At says
// when it was read.
func (d *Driver) Domains(ctx context.Context) ([]virt.DomainSummary, error) {
	d.listMu.Lock()
	defer d.listMu.Unlock()
	d.mu.Lock()
	events := d.cbID >= 0
	kept := events && d.list != nil && time.Since(d.listAt) < listMaxAge
	list := d.list
	var changed []string
	if kept {
		for n := range d.dirty {
			changed = append(changed, n)
		}
		clear(d.dirty)
	}
	d.mu.Unlock()
	if kept && d.alive() {
		out, err := d.reread(slices.Clone(list), changed)
		if err == nil {
			if len(changed) > 0 {
				d.mu.Lock()
				if d.list != nil {
					d.list = slices.Clone(out)
				}
				d.mu.Unlock()
			}
			return out, nil
		}
	}
	d.mu.Lock()
	clear(d.dirty) // what changes from now on is read anew next time
	d.mu.Unlock()
	at := time.Now()
	doms, err := d.c().ListAllDomains(0)
	if err != nil {
		return nil, wrap("list domains", "", err)
	}
	out := make([]virt.DomainSummary, 0, len(doms))
	for i := range doms {
		s, err := d.summary(&doms[i], events, at)
		doms[i].Free()
		if err == nil {
			out = append(out, s)
		} // else gone meanwhile
	}
	slices.SortFunc(out, func(a, b virt.DomainSummary) int { return strings.Compare(a.Name, b.Name) })
	if events {
		d.mu.Lock()
		if d.cbID >= 0 { // the connection did not close meanwhile
			d.list, d.listAt = slices.Clone(out), at
		}
		d.mu.Unlock()
	}
	return out, nil
}

// summary reads a domain's summary at at.
func (d *Driver) summary(dom *golibvirt.Domain, events bool, at time.Time) (virt.DomainSummary, error) {
	name, err := dom.GetName()
	if err != nil {
		return virt.DomainSummary{}, err
	}
	d.mu.Lock()
	c, ok := d.cache[name]
	d.mu.Unlock()
	uuid := c.dom.UUID
	if !ok || !events {
		if uuid, err = dom.GetUUIDString(); err != nil {
			return virt.DomainSummary{}, err
		}
	}
	info, err := dom.GetInfo()
	if err != nil {
		return virt.DomainSummary{}, err
	}
	return virt.DomainSummary{Name: name, UUID: uuid, State: stateOf(info.State), MemoryMiB: int(info.Memory / 1024),
		CPUs: int(info.NrVirtCpu), CPUTime: time.Duration(info.CpuTime), At: at}, nil
}

// reread reads the named domains of a sorted list anew: replaced, added,
// or dropped when gone.
func (d *Driver) reread(list []virt.DomainSummary, names []string) ([]virt.DomainSummary, error) {
	at := time.Now()
	for _, name := range names {
		i, found := slices.BinarySearchFunc(list, name, func(s virt.DomainSummary, n string) int { return strings.Compare(s.Name, n) })
		dom, err := d.c().LookupDomainByName(name)
		if errors.Is(wrap("", name, err), virt.ErrNotFound) {
			if found {
				list = slices.Delete(list, i, i+1)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s, err := d.summary(dom, true, at)
		dom.Free()
		if err != nil {
			return nil, err
		}
		if found {
			list[i] = s
		} else {
			list = slices.Insert(list, i, s)
		}
	}
	return list, nil
}

// Stats returns the counters of the named domains (all when none), in
// one call.
func (d *Driver) Stats(ctx context.Context, names ...string) (map[string]virt.DomainStats, error) {
	// Many running domains (a list's): one call for every active domain,
	// instead of a lookup per name, which over a remote connection is a
	// round trip each. When one asked for is not among them (gone, or not
	// running), the lookups say which and how.
	if len(names) > 1 {
		if st, err := d.c().GetAllDomainStats(nil, statsTypes, golibvirt.CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE); err == nil {
			want := make(map[string]bool, len(names))
			for _, n := range names {
				want[n] = true
			}
			if out := statsOf(st, want); len(out) == len(want) {
				return out, nil
			}
		}
	}
	var doms []*golibvirt.Domain
	for _, n := range names {
		dom, err := d.lookup("stats", n)
		if err != nil {
			return nil, err
		}
		defer dom.Free()
		doms = append(doms, dom)
	}
	st, err := d.c().GetAllDomainStats(doms, statsTypes, 0)
	if err != nil {
		return nil, wrap("stats", strings.Join(names, ","), err)
	}
	return statsOf(st, nil), nil
}

// statsTypes are the groups Stats reads.
const statsTypes = golibvirt.DOMAIN_STATS_CPU_TOTAL | golibvirt.DOMAIN_STATS_VCPU | golibvirt.DOMAIN_STATS_INTERFACE |
	golibvirt.DOMAIN_STATS_BLOCK

// statsOf turns stats records into counters by domain name, keeping those
// wanted (nil: all); every record's domain is freed.
func statsOf(st []golibvirt.DomainStats, want map[string]bool) map[string]virt.DomainStats {
	now := time.Now()
	out := map[string]virt.DomainStats{}
	for _, s := range st {
		name, err := s.Domain.GetName()
		if err != nil || want != nil && !want[name] {
			s.Domain.Free()
			continue
		}
		ds := virt.DomainStats{At: now}
		if s.Cpu != nil && s.Cpu.TimeSet {
			ds.CPUTime = time.Duration(s.Cpu.Time)
		}
		if s.Vcpu != nil {
			ds.VCPUs = len(s.Vcpu)
		}
		if s.Cpu == nil || !s.Cpu.TimeSet || s.Vcpu == nil {
			// Not every driver has these groups (the test driver has only
			// the state); GetInfo has CPU time and vCPUs everywhere.
			if info, err := s.Domain.GetInfo(); err == nil {
				ds.CPUTime, ds.VCPUs = time.Duration(info.CpuTime), int(info.NrVirtCpu)
			}
		}
		for _, n := range s.Net {
			ds.NetRxBytes += n.RxBytes
			ds.NetTxBytes += n.TxBytes
		}
		for _, b := range s.Block {
			ds.DiskRd += b.RdBytes
			ds.DiskWr += b.WrBytes
		}
		out[name] = ds
		s.Domain.Free()
	}
	return out
}
