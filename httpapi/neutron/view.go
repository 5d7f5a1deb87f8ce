package neutron

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"

	"github.com/netslice/netslice/store"
)

// view is the service's state in memory: every resource decoded, indexed
// the ways lists and writes ask for, and the claims (addresses, MACs,
// segments) as sets. It follows the store through a watch, so several
// services sharing a store see each other's writes; reads wait until the
// view has caught up with the last write (see sync), so a client reads
// what it wrote whichever process it asks.
//
// Objects in the view are never modified: a write builds a copy, and the
// view replaces the entry when the store reports it.
type view struct {
	k   keys
	log *slog.Logger

	mu      sync.RWMutex
	rev     int64         // the revision readers see
	applied int64         // the last revision of an object or claim applied
	pending int64         // after a load: publish once head reaches it
	wake    chan struct{} // closed when rev advances
	tables  map[*kind]*table

	portsByNet    entryIndex
	portsByDevice entryIndex
	subnetsByNet  entryIndex
	rulesBySG     entryIndex
	fipsByPort    index
	grants        index // "object action" → the projects an RBAC policy grants it to
	portsBySG     index // security group → its ports
	remoteRefs    index // security group → the rules naming it as remote_group_id

	addrs      map[string]*addrSpace          // subnet → its addresses
	macs       map[string]map[string]struct{} // network → the MACs in use
	segs       map[string]string              // "type/physnet/id" → network
	defaultSGs map[string]string              // project → security group
	markers    map[string]marker              // id → a deletion in progress
	quotas     map[string]quotaEntry
	counts     map[string]map[*kind]int // project → resources it has
	usage      map[string]int64         // "project/plural" → its usage key's revision

	in          interner            // what repeats among the ports applied (under mu)
	loading     bool                // a full load: ordered indexes are built at its end
	changedNets map[string]struct{} // networks changed since the last publish
	// changedGroups are the security groups whose rules or members
	// changed since the last publish: their ports' networks changed too,
	// resolved once at publish rather than at every port a group gains.
	changedGroups map[string]struct{}
	netsBySG      map[string]map[string]int   // security group → networks of its ports → how many
	onChange      map[int]func(nets []string) // called under mu: must not block
	hookSeq       int
}

type entry struct {
	obj     any // *Network, *Subnet, ...
	rev     int64
	created int64 // the store revision that created it
}

type marker struct {
	expires time.Time
	rev     int64
}

type quotaEntry struct {
	limits map[string]int
	rev    int64
}

func newView(k keys, log *slog.Logger) *view {
	v := &view{k: k, log: log, wake: make(chan struct{})}
	v.reset()
	return v
}

// reset empties the state (before a full load).
func (v *view) reset() {
	v.in = interner{}
	v.tables = map[*kind]*table{}
	for _, k := range allKinds {
		t := &table{m: map[string]*entry{}, ids: btree.NewG(32, lessID), sorted: map[string]*btree.BTreeG[*entry]{}}
		for _, a := range sortedAttrs {
			if _, ok := k.attrs[a.name]; ok {
				if _, ok := a.of(reflect.New(k.typ).Interface()); ok {
					t.sorted[a.name] = btree.NewG(32, lessBy(a.of))
				}
			}
		}
		v.tables[k] = t
	}
	v.portsByNet, v.portsByDevice, v.subnetsByNet, v.rulesBySG = entryIndex{}, entryIndex{}, entryIndex{}, entryIndex{}
	v.fipsByPort = index{}
	v.grants, v.portsBySG, v.remoteRefs = index{}, index{}, index{}
	v.addrs = map[string]*addrSpace{}
	v.macs = map[string]map[string]struct{}{}
	v.segs = map[string]string{}
	v.defaultSGs = map[string]string{}
	v.markers = map[string]marker{}
	v.quotas = map[string]quotaEntry{}
	v.counts = map[string]map[*kind]int{}
	v.usage = map[string]int64{}
	v.changedNets = map[string]struct{}{}
	v.changedGroups = map[string]struct{}{}
	v.netsBySG = map[string]map[string]int{}
	v.applied = 0
}

var kindsByPlural = func() map[string]*kind {
	m := map[string]*kind{}
	for _, k := range allKinds {
		m[k.plural] = k
	}
	return m
}()

// get returns the object of kind with id, or nil.
func (v *view) get(k *kind, id string) *entry {
	return v.tables[k].m[id]
}

func (v *view) network(id string) *Network {
	if e := v.get(networks, id); e != nil {
		return e.obj.(*Network)
	}
	return nil
}

func (v *view) subnet(id string) *Subnet {
	if e := v.get(subnets, id); e != nil {
		return e.obj.(*Subnet)
	}
	return nil
}

func (v *view) port(id string) *Port {
	if e := v.get(ports, id); e != nil {
		return e.obj.(*Port)
	}
	return nil
}

func (v *view) addrSpace(subnet string) *addrSpace {
	s := v.addrs[subnet]
	if s == nil {
		s = newAddrSpace()
		v.addrs[subnet] = s
	}
	return s
}

// apply changes the state by one event. Events are applied in revision
// order; readers see the result once the transaction's last write (the
// head key) is applied.
func (v *view) apply(ev store.Event) {
	kind, rest, ok := v.k.parse(ev.KV.Key)
	if !ok {
		return
	}
	put := ev.Type == store.EventPut
	val := ev.KV.Value
	rev := ev.KV.ModRevision
	if kind != "=head" {
		v.applied = max(v.applied, rev)
	}
	switch kind {
	case "=head":
		if put {
			v.publish(rev)
		}
	case "=ip":
		subnet, a, _ := strings.Cut(rest, "/")
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return
		}
		if put {
			v.addrSpace(subnet).take(addr, v.portID(val))
		} else if s := v.addrs[subnet]; s != nil {
			s.drop(addr)
			if s.allocated() == 0 && v.get(subnets, subnet) == nil {
				delete(v.addrs, subnet) // the subnet went first
			}
		}
	case "=mac":
		network, mac, _ := strings.Cut(rest, "/")
		if put {
			m := v.macs[network]
			if m == nil {
				m = map[string]struct{}{}
				v.macs[network] = m
			}
			// Not mac itself: a part of the event's key keeps all of it.
			// The claim's value (its port) is the store's alone.
			m[strings.Clone(mac)] = struct{}{}
		} else if m := v.macs[network]; m != nil {
			delete(m, mac)
			if len(m) == 0 {
				delete(v.macs, network)
			}
		}
	case "=seg":
		setOrDelete(v.segs, rest, string(val), put)
	case "=defsg":
		setOrDelete(v.defaultSGs, rest, string(val), put)
	case "=usage":
		if put {
			v.usage[rest] = rev
		} else {
			delete(v.usage, rest)
		}
	case "=del":
		if put {
			secs, _ := strconv.ParseInt(string(val), 10, 64)
			v.markers[rest] = marker{expires: time.Unix(secs, 0), rev: rev}
		} else {
			delete(v.markers, rest)
		}
	case "quotas":
		if !put {
			delete(v.quotas, rest)
			return
		}
		var q map[string]int
		if json.Unmarshal(val, &q) == nil {
			v.quotas[rest] = quotaEntry{limits: q, rev: rev}
		}
	default:
		k := kindsByPlural[kind]
		if k == nil {
			return
		}
		var obj any
		if put {
			var err error
			if obj, err = decodeObject(k, val, v.in); err != nil {
				v.undecodable(k, rest, err)
				return
			}
		}
		v.applyObject(k, rest, obj, rev, ev.KV.CreateRevision)
	}
}

// portID is id as a string: the view's port's own ID when it has the
// port, so that the address claims of a port share its ID instead of
// holding copies. Not during a full load, which wants to be quick more
// than small: the lookups (here and in relinkClaims) miss the cache a few
// times a port, 0.2 s a load at 100,000 ports.
func (v *view) portID(id []byte) string {
	if !v.loading {
		if e := v.tables[ports].m[string(id)]; e != nil {
			return e.obj.(*Port).ID
		}
	}
	return string(id)
}

// relinkClaims makes the address claims of port p hold p's own ID, when
// they were applied before it (not during a full load: see portID).
func (v *view) relinkClaims(p *Port) {
	if v.loading {
		return
	}
	for _, ip := range p.FixedIPs {
		if s := v.addrs[ip.SubnetID]; s != nil {
			if a, err := netip.ParseAddr(ip.IPAddress); err == nil {
				s.relink(a, p.ID)
			}
		}
	}
}

func (v *view) undecodable(k *kind, id string, err error) {
	if v.log != nil {
		v.log.Error("neutron: undecodable object in the store; ignored", "kind", k.singular, "id", id, "err", err)
	}
}

func setOrDelete(m map[string]string, k, val string, put bool) {
	if put {
		m[k] = val
	} else {
		delete(m, k)
	}
}

// applyObject puts obj (decoded) as object id of kind k, or deletes it
// (obj nil).
func (v *view) applyObject(k *kind, id string, obj any, rev, created int64) {
	t := v.tables[k]
	if obj != nil {
		// The object's own ID, not id: that is part of the store's key,
		// and would keep all of it.
		if own := obj.(resource).std().ID; own == id {
			id = own
		}
	}
	if old := t.m[id]; old != nil {
		v.count(k, old.obj, -1)
		v.unindex(old.obj)
		delete(t.m, id)
		t.ids.Delete(old)
		t.indexSorted(old, false)
	}
	if obj == nil {
		return
	}
	e := &entry{obj: obj, rev: rev, created: created}
	t.m[id] = e
	t.ids.ReplaceOrInsert(e)
	if !v.loading {
		t.indexSorted(e, true)
	}
	v.count(k, obj, 1)
	v.reindex(obj, e)
}

type resource interface{ std() *Standard }

func (v *view) count(k *kind, obj any, n int) {
	p := obj.(resource).std().TenantID
	c := v.counts[p]
	if c == nil {
		c = map[*kind]int{}
		v.counts[p] = c
	}
	c[k] += n
}

func (v *view) reindex(obj any, e *entry) {
	switch o := obj.(type) {
	case *Network:
		v.changedNets[o.ID] = struct{}{}
	case *Subnet:
		v.subnetsByNet.add(o.NetworkID, o.ID, e)
		v.addrSpace(o.ID).setPools(o.AllocationPools)
		v.changedNets[o.NetworkID] = struct{}{} // its ports' DHCP
	case *Port:
		v.portsByNet.add(o.NetworkID, o.ID, e)
		v.portsByDevice.add(o.DeviceID, o.ID, e)
		v.relinkClaims(o)
		v.changedNets[o.NetworkID] = struct{}{}
		for _, sg := range o.SecurityGroups {
			v.portsBySG.add(sg, o.ID)
			nets := v.netsBySG[sg]
			if nets == nil {
				nets = map[string]int{}
				v.netsBySG[sg] = nets
			}
			nets[o.NetworkID]++
			v.touchReferrers(sg)
		}
	case *SecurityGroupRule:
		v.rulesBySG.add(o.SecurityGroupID, o.ID, e)
		if o.RemoteGroupID != nil {
			v.remoteRefs.add(*o.RemoteGroupID, o.ID)
		}
		v.touchGroup(o.SecurityGroupID)
	case *AddressGroup:
		v.touchAddressGroup(o.ID)
	case *RBACPolicy:
		v.grants.add(o.ObjectID+" "+o.Action, o.TargetTenant)
	case *FloatingIP:
		if o.PortID != nil {
			v.fipsByPort.add(*o.PortID, o.ID)
		}
	}
}

func (v *view) unindex(obj any) {
	switch o := obj.(type) {
	case *Network:
		v.changedNets[o.ID] = struct{}{}
	case *Subnet:
		v.subnetsByNet.remove(o.NetworkID, o.ID)
		v.changedNets[o.NetworkID] = struct{}{}
		// The address space goes with its claims (a prefix delete); a
		// subnet replaced by an update gets its pools again at once.
		if s := v.addrs[o.ID]; s != nil && s.allocated() == 0 {
			delete(v.addrs, o.ID)
		}
	case *Port:
		v.portsByNet.remove(o.NetworkID, o.ID)
		v.portsByDevice.remove(o.DeviceID, o.ID)
		v.changedNets[o.NetworkID] = struct{}{}
		for _, sg := range o.SecurityGroups {
			v.portsBySG.remove(sg, o.ID)
			if nets := v.netsBySG[sg]; nets != nil {
				if nets[o.NetworkID]--; nets[o.NetworkID] <= 0 {
					delete(nets, o.NetworkID)
				}
				if len(nets) == 0 {
					delete(v.netsBySG, sg)
				}
			}
			v.touchReferrers(sg)
		}
	case *AddressGroup:
		v.touchAddressGroup(o.ID)
	case *RBACPolicy:
		v.grants.remove(o.ObjectID+" "+o.Action, o.TargetTenant)
	case *SecurityGroupRule:
		v.rulesBySG.remove(o.SecurityGroupID, o.ID)
		if o.RemoteGroupID != nil {
			v.remoteRefs.remove(*o.RemoteGroupID, o.ID)
		}
		v.touchGroup(o.SecurityGroupID)
	case *FloatingIP:
		if o.PortID != nil {
			v.fipsByPort.remove(*o.PortID, o.ID)
		}
	}
}

// touchGroup marks the networks of security group sg's ports changed:
// their rules did.
func (v *view) touchGroup(sg string) { v.changedGroups[sg] = struct{}{} }

// touchReferrers marks changed the networks of the ports whose rules name
// sg as their remote group: sg's members changed.
func (v *view) touchReferrers(sg string) {
	for id := range v.remoteRefs[sg] {
		if e := v.get(securityGroupRules, id); e != nil {
			v.touchGroup(e.obj.(*SecurityGroupRule).SecurityGroupID)
		}
	}
}

// touchAddressGroup marks changed the networks of the ports whose rules
// name address group id.
func (v *view) touchAddressGroup(id string) {
	for _, e := range v.tables[securityGroupRules].m {
		if r := e.obj.(*SecurityGroupRule); r.RemoteAddressGroupID != nil && *r.RemoteAddressGroupID == id {
			v.touchGroup(r.SecurityGroupID)
		}
	}
}

// publish makes revision rev visible to readers (called with mu held).
func (v *view) publish(rev int64) {
	if v.pending > 0 {
		if rev < v.pending {
			return
		}
		v.pending = 0
	}
	if rev <= v.rev {
		return
	}
	v.rev = rev
	close(v.wake)
	v.wake = make(chan struct{})
	if len(v.onChange) > 0 {
		for g := range v.changedGroups {
			for n := range v.netsBySG[g] {
				v.changedNets[n] = struct{}{}
			}
		}
	}
	clear(v.changedGroups)
	if len(v.changedNets) > 0 && len(v.onChange) > 0 {
		nets := make([]string, 0, len(v.changedNets))
		for n := range v.changedNets {
			nets = append(nets, n)
		}
		for _, f := range v.onChange {
			f(nets)
		}
	}
	clear(v.changedNets)
}

// rlock locks v for reading once it holds no transaction in part. A
// watch may hand over a transaction's events in two batches; a writer
// that read between them would see, say, a subnet pool rewritten but not
// the subnet taken from it, and its own allocation from the pool would
// commit on the pool's new revision. Every transaction of a service ends
// with the head key, so the state is whole when nothing was applied after
// the revision last published. A write by anything else (no head) is
// taken as whole after tornWait.
func (v *view) rlock(ctx context.Context) error {
	var timeout <-chan time.Time
	for {
		v.mu.RLock()
		if v.applied <= v.rev && v.pending == 0 {
			return nil
		}
		ch := v.wake
		v.mu.RUnlock()
		if timeout == nil {
			t := time.NewTimer(tornWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ch:
		case <-timeout:
			v.mu.RLock()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// tornWait bounds how long rlock waits for the rest of a transaction.
const tornWait = time.Second

// waitFor returns once readers see revision rev or later.
func (v *view) waitFor(ctx context.Context, rev int64) error {
	for {
		v.mu.RLock()
		cur, ch := v.rev, v.wake
		v.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// follow keeps the view in step with the store until ctx ends (see
// store.Follow). loaded is called after each load.
func (v *view) follow(ctx context.Context, st store.Store, loaded func()) {
	failing := false
	store.Follow{
		Store:      st,
		Prefix:     string(v.k),
		MaxBackoff: 2 * time.Second,
		Load: func(ctx context.Context, rev int64) error {
			if err := v.load(ctx, st, rev); err != nil {
				return err
			}
			loaded()
			return nil
		},
		Changes: func(_ context.Context, events []store.Event) error {
			v.mu.Lock()
			defer v.mu.Unlock()
			for _, ev := range events {
				v.apply(ev)
			}
			return nil
		},
		Failing: func(err error) {
			switch {
			case v.log == nil || ctx.Err() != nil:
			case err != nil && !failing:
				v.log.Warn("neutron: cannot follow the store; retrying", "err", err)
			case err == nil && failing:
				v.log.Info("neutron: following the store again")
			}
			failing = err != nil
		},
	}.Run(ctx)
}

// load reads everything under the prefix into a fresh state. The pages
// are read at different revisions; the watch that follows replays every
// change after rev0, so once it reaches the head written last before the
// load ended, the state is exactly the store's: readers see nothing until
// then (pending).
func (v *view) load(ctx context.Context, st store.Store, rev0 int64) error {
	all, objs, err := listDecoded(ctx, st, v.k)
	if err != nil {
		return err
	}
	head := int64(0)
	if kv, err := st.Get(ctx, v.k.head()); err == nil {
		head = kv.ModRevision
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reset()
	v.loading = true
	for i, kv := range all {
		if kv.Key == v.k.head() {
			continue
		}
		if o := objs[i]; o.kind != nil {
			v.applied = max(v.applied, kv.ModRevision)
			if o.err != nil {
				v.undecodable(o.kind, o.id, o.err)
				continue
			}
			v.applyObject(o.kind, o.id, o.obj, kv.ModRevision, kv.CreateRevision)
			continue
		}
		v.apply(store.Event{Type: store.EventPut, KV: kv})
	}
	v.buildSorted()
	v.loading = false
	v.pending = 0
	if head > rev0 {
		v.pending = head
	}
	v.publish(max(rev0, v.rev))
	if v.pending == 0 {
		// Listeners see the whole state again after a reload.
		for _, f := range v.onChange {
			f(nil)
		}
	}
	return nil
}
