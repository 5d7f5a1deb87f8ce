package slicing

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of13"
)

// Stateful filtering (l2.PortPolicy.Filtered), on OpenFlow 1.3 switches
// with Open vSwitch's connection tracker. Each filtered port has a
// conntrack zone of its own, and both directions of its traffic pass its
// own switch, so that switch's tracker sees every connection whole. The
// pipeline:
//
//	table 0  a filtered port's IPv4 and IPv6 (only from the sources port
//	         security allows it): ct(zone, table=1); the rest: table 2
//	table 1  the sender's egress rules: established and related pass, a new
//	         connection a rule allows is committed, the rest dropped
//	table 2  forwarding (the reactive flows, drop flows, the miss); the
//	         last hop to a filtered port loads its zone in reg0 and does
//	         ct(zone, table=3) instead of output
//	table 3  the receiver's ingress rules, likewise, then output
//
// The controller's copy of a connection's first packet goes through the
// pipeline too (a packet-out to TABLE at the ingress switch), and flooded
// IP does not reach filtered ports. OpenFlow 1.0 has no connection
// tracker: a filtered port there is reported (Unenforced) and forwarded
// unfiltered.

const (
	tableEntry   = 0
	tableEgress  = 1
	tableForward = 2
	tableIngress = 3
)

const (
	priorityFilterInvalid = 310
	priorityFilterState   = 300
	priorityFilterImplied = 250
	priorityFilterRule    = 200
	priorityFilterDrop    = 100
)

// filterCookie marks a filtered port's flows: bit 47 set (spared by
// deletes of forwarding flows), bit 46 set, its zone below.
func filterCookie(zone uint16) uint64 { return cookieMarker | 1<<47 | 1<<46 | uint64(zone) }

// filterPort is a filtered port as the switch's flows realize it.
type filterPort struct {
	loc    l2.Location
	zone   uint16
	policy *l2.PortPolicy
	// toIngress takes a forwarded frame to the port's ingress rules:
	// ct(zone, table=3), or resubmit(,3) when the port is stateless.
	toIngress of13.Action
	// sentTo is the switch connection its flows were sent on.
	sentTo atomic.Pointer[swState]
}

func newFilterPort(loc l2.Location, zone uint16, pol *l2.PortPolicy) *filterPort {
	fp := &filterPort{loc: loc, zone: zone, policy: pol}
	if pol.Stateless {
		fp.toIngress = nicira.ResubmitTable{InPort: nicira.InPortUnchanged, Table: tableIngress}.Action()
	} else {
		fp.toIngress, _ = nicira.CT{Zone: zone, Table: tableIngress}.Action()
	}
	return fp
}

// filters keeps the filtered ports: their zones, what each switch was
// given, and a snapshot the packet-in path reads without locks.
type filters struct {
	mu        sync.Mutex
	synced    uint64 // the fabric's policy generation last synced
	ports     map[l2.Location]*filterPort
	used      map[uint16]bool // zones held by ports
	next      uint16          // the zone last given out: the search for a free one goes on from there
	warned    map[l2.Location]bool
	snapshot  atomic.Pointer[map[l2.Location]*filterPort]
	unenforce atomic.Pointer[[]l2.Location]
}

func (fs *filters) get(loc l2.Location) *filterPort {
	if m := fs.snapshot.Load(); m != nil {
		return (*m)[loc]
	}
	return nil
}

// publish makes the ports as they are now what the packet-in path reads.
// The caller holds fs.mu.
func (fs *filters) publish() {
	snap := make(map[l2.Location]*filterPort, len(fs.ports))
	for loc, fp := range fs.ports {
		snap[loc] = fp
	}
	fs.snapshot.Store(&snap)
}

// adoptZones takes the conntrack zones another controller gave the
// filtered ports of s, as its flows there say (the entry table's flows
// match the port, their cookie carries the zone), so connections tracked
// before a takeover stay tracked. The caller holds a.filters.mu.
func (a *App) adoptZones(s *swState, flows []seenFlow) {
	fs := &a.filters
	dp := l2.DatapathID(s.sw.DatapathID())
	changed := false
	for i := range flows {
		f := &flows[i]
		if f.cookie&^0xffff != filterCookie(0) || !strings.HasPrefix(f.key, fmt.Sprintf("%d/", tableEntry)) || f.in == 0 || f.vlan == 0 {
			continue
		}
		loc := l2.Location{Datapath: dp, Port: l2.Port(f.in), VLAN: f.vlan}
		zone := uint16(f.cookie)
		old := fs.ports[loc]
		if old == nil || old.zone == zone || zone == 0 || fs.used[zone] {
			continue
		}
		delete(fs.used, old.zone)
		fs.used[zone] = true
		fs.ports[loc] = newFilterPort(loc, zone, old.policy)
		changed = true
	}
	if changed {
		fs.publish()
	}
}

// zone takes a free conntrack zone (1-65535; 0 is the switch's default
// zone), the one after the last given out: a zone given back is reused
// last, so what the tracker kept of its connections has aged out.
func (fs *filters) zone() (uint16, bool) {
	if len(fs.used) >= 0xffff {
		return 0, false
	}
	for z := fs.next + 1; ; z++ {
		if z == 0 {
			continue
		}
		if !fs.used[z] {
			fs.used[z], fs.next = true, z
			return z, true
		}
	}
}

// syncFilters brings the switches' filter flows in line with the
// fabric's filtered ports: it sends the flows of the ports whose policy
// changed, and of every filtered port on up (a switch that just
// connected, its flows cleared). Without up it does nothing unless a
// policy changed since it last looked.
func (a *App) syncFilters(up *swState) {
	fs := &a.filters
	gen := a.fabric.PolicyGeneration()
	fs.mu.Lock()
	unchanged := up == nil && fs.synced == gen && fs.ports != nil
	fs.mu.Unlock()
	if unchanged {
		return
	}
	want := map[l2.Location]*l2.PortPolicy{}
	for _, id := range a.fabric.Slices() {
		bs, err := a.fabric.Bindings(id)
		if err != nil {
			continue
		}
		for _, b := range bs {
			if b.Policy != nil && b.Policy.Filtered {
				want[b.Location] = b.Policy
			}
		}
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.synced = gen
	if fs.ports == nil {
		fs.ports, fs.warned, fs.used = map[l2.Location]*filterPort{}, map[l2.Location]bool{}, map[uint16]bool{}
	}
	changed := false
	for loc, fp := range fs.ports {
		if want[loc] == nil {
			if s := a.switchState(loc.Datapath); s != nil {
				a.sendOther(s, s.d.unfilter(fp))
			}
			delete(fs.used, fp.zone)
			delete(fs.ports, loc)
			delete(fs.warned, loc)
			changed = true
		}
	}
	var unenforced []l2.Location
	sent := false
	for loc, pol := range want {
		old := fs.ports[loc]
		s := a.switchState(loc.Datapath)
		fresh := old == nil || old.policy != pol
		fp := old
		if fresh {
			var z uint16
			if old != nil {
				z = old.zone
			} else if n, ok := fs.zone(); ok {
				z = n
			} else {
				a.log.Error("no conntrack zone left: port not filtered", "port", loc.String())
				unenforced = append(unenforced, loc)
				continue
			}
			// A new value, not a change: the packet-in path may be
			// reading the old one.
			fp = newFilterPort(loc, z, pol)
			fs.ports[loc] = fp
			changed = true
		}
		if s != nil && !s.d.filters() {
			unenforced = append(unenforced, loc)
			if !fs.warned[loc] {
				fs.warned[loc] = true
				a.log.Warn("port's security rules not enforced: OpenFlow 1.0 has no connection tracker", "port", loc.String())
			}
			continue
		}
		if s != nil && s.active.Load() && (fresh || s == up) {
			for _, m := range s.d.filter(fp) {
				a.sendOther(s, m)
			}
			fp.sentTo.Store(s)
			sent = true
		}
	}
	if changed || fs.snapshot.Load() == nil {
		fs.publish()
	}
	slices.SortFunc(unenforced, l2.Location.Compare)
	fs.unenforce.Store(&unenforced)
	if sent || changed {
		a.portsChanged()
	}
}

// Unenforced returns the filtered ports whose rules are not enforced:
// on OpenFlow 1.0 switches, which have no connection tracker, or past
// the 65,535 conntrack zones. Their traffic is forwarded unfiltered.
func (a *App) Unenforced() []l2.Location {
	if p := a.filters.unenforce.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}

// ruleFields appends the match of rule r, seen from the port: the
// remote end is the destination of an egress rule, the source of an
// ingress one. A port range is one match per aligned block of ports.
func ruleFields(base []of13.Field, r l2.Rule, egress bool) [][]of13.Field {
	f := append(slices.Clone(base), of13.EthType(r.EtherType))
	v4 := r.EtherType == uint16(l2.EtherTypeIPv4)
	if r.Remote.IsValid() {
		switch {
		case v4 && egress:
			f = append(f, of13.IPv4Dst(r.Remote))
		case v4:
			f = append(f, of13.IPv4Src(r.Remote))
		case egress:
			f = append(f, of13.IPv6Dst(r.Remote))
		default:
			f = append(f, of13.IPv6Src(r.Remote))
		}
	}
	if r.Protocol == 0 {
		return [][]of13.Field{f}
	}
	f = append(f, of13.IPProto(r.Protocol))
	switch {
	case r.TypeSet && v4:
		f = append(f, of13.ICMPv4Type(r.ICMPType))
		if r.CodeSet {
			f = append(f, of13.ICMPv4Code(r.ICMPCode))
		}
	case r.TypeSet:
		f = append(f, of13.ICMPv6Type(r.ICMPType))
		if r.CodeSet {
			f = append(f, of13.ICMPv6Code(r.ICMPCode))
		}
	}
	if r.PortMin == 0 {
		return [][]of13.Field{f}
	}
	field := map[uint8]uint8{6: of13.FieldTCPDst, 17: of13.FieldUDPDst, 132: of13.FieldSCTPDst}[r.Protocol]
	var out [][]of13.Field
	for lo := uint32(r.PortMin); lo <= uint32(r.PortMax); {
		// The largest block starting at lo, aligned, within the range.
		size := uint32(1)
		for lo%(size*2) == 0 && lo+size*2-1 <= uint32(r.PortMax) && size < 1<<16 {
			size *= 2
		}
		v := binary.BigEndian.AppendUint16(nil, uint16(lo))
		var mask []byte
		if size > 1 {
			mask = binary.BigEndian.AppendUint16(nil, ^uint16(size-1))
		}
		out = append(out, append(slices.Clone(f), of13.NewField(of13.ClassBasic, field, v, mask)))
		lo += size
	}
	return out
}

func filterFlow(table uint8, priority uint16, cookie uint64, fields []of13.Field, inst ...of13.Instruction) *of13.FlowMod {
	fm := of13.NewFlowMod(of13.FlowAdd)
	fm.TableID, fm.Priority, fm.Cookie, fm.Match, fm.Instructions = table, priority, cookie, of13.NewMatch(fields...), inst
	return fm
}

func ctState(state, mask uint32) of13.Field { return nicira.CTState(state, mask) }

// entryMatches are what table 0 sends to a filtered port's rules: its
// IPv4 and IPv6 or, when port security guards it, only what it may send
// (its pairs, the unspecified address, its MACs' link-local addresses),
// so that port security comes before its rules and what it forbids
// leaves no trace in the connection tracker. The rest goes on to the
// forwarding table, where the controller drops it.
func entryMatches(in []of13.Field, p *l2.PortPolicy) [][]of13.Field {
	v4, v6 := uint16(l2.EtherTypeIPv4), uint16(l2.EtherTypeIPv6)
	with := func(fs ...of13.Field) []of13.Field { return append(slices.Clone(in), fs...) }
	if !p.Guarded() {
		return [][]of13.Field{with(of13.EthType(v4)), with(of13.EthType(v6))}
	}
	var out [][]of13.Field
	seen := map[l2.MAC]bool{}
	for _, s := range p.Sources {
		src := of13.EthSrc(s.MAC)
		switch {
		case !s.Prefix.IsValid():
			out = append(out, with(src, of13.EthType(v4)), with(src, of13.EthType(v6)))
		case s.Prefix.Addr().Is4():
			out = append(out, with(src, of13.EthType(v4), of13.IPv4Src(s.Prefix)))
		default:
			out = append(out, with(src, of13.EthType(v6), of13.IPv6Src(s.Prefix)))
		}
		if !seen[s.MAC] {
			seen[s.MAC] = true
			ll := l2.LinkLocal(s.MAC)
			out = append(out, with(src, of13.EthType(v4), of13.IPv4Src(netip.PrefixFrom(netip.IPv4Unspecified(), 32))),
				with(src, of13.EthType(v6), of13.IPv6Src(netip.PrefixFrom(netip.IPv6Unspecified(), 128))),
				with(src, of13.EthType(v6), of13.IPv6Src(netip.PrefixFrom(ll, 128))))
		}
	}
	return out
}

// filterFlows13 are a filtered port's flows in tables 0, 1 and 3.
func filterFlows13(fp *filterPort) []openflow.Message {
	c, p := filterCookie(fp.zone), fp.policy
	port := uint32(fp.loc.Port)
	in := []of13.Field{of13.InPort(port), vlanMatch13(fp.loc.VLAN)}
	reg := []of13.Field{nicira.Reg(0, uint32(fp.zone), ^uint32(0))}
	track, _ := nicira.CT{Zone: fp.zone, Table: tableEgress}.Action()
	commit, _ := nicira.CT{Commit: true, Zone: fp.zone, Table: nicira.NoRecirc}.Action()
	trk := nicira.CTTracked
	est, rel, inv, nw := trk|nicira.CTEstablished, trk|nicira.CTRelated, trk|nicira.CTInvalid, trk|nicira.CTNew
	toFwd := of13.GotoTable(tableForward)
	out := of13.ApplyActions(of13.Output(port))
	var msgs []openflow.Message
	add := func(fm *of13.FlowMod) { msgs = append(msgs, fm) }
	enter := of13.ApplyActions(track)
	if p.Stateless {
		enter = of13.GotoTable(tableEgress)
	}
	for _, fields := range entryMatches(in, p) {
		add(filterFlow(tableEntry, priorityFilterState, c, fields, enter))
	}
	// Both directions: the state decides first, then the rules.
	for _, side := range []struct {
		table uint8
		base  []of13.Field
		pass  of13.Instruction
		rules []l2.Rule
	}{{tableEgress, in, toFwd, p.Egress}, {tableIngress, reg, out, p.Ingress}} {
		egress := side.table == tableEgress
		with := func(fs ...of13.Field) []of13.Field { return append(slices.Clone(side.base), fs...) }
		if !p.Stateless {
			add(filterFlow(side.table, priorityFilterInvalid, c, with(ctState(inv, inv))))
			add(filterFlow(side.table, priorityFilterState, c, with(ctState(est, est|nicira.CTInvalid)), side.pass))
			add(filterFlow(side.table, priorityFilterState, c, with(ctState(rel, rel|nicira.CTInvalid)), side.pass))
		}
		// Implied: neighbor discovery both ways; DHCP requests out.
		for _, t := range []uint8{133, 135, 136, 143} {
			if !egress && (t == 133 || t == 143) {
				continue
			}
			add(filterFlow(side.table, priorityFilterImplied, c, with(of13.EthType(uint16(l2.EtherTypeIPv6)), of13.IPProto(58), of13.ICMPv6Type(t)), side.pass))
		}
		if egress { // DHCP and DHCPv6 requests
			add(filterFlow(side.table, priorityFilterImplied, c, with(of13.EthType(uint16(l2.EtherTypeIPv4)), of13.IPProto(17), of13.UDPDst(67)), side.pass))
			add(filterFlow(side.table, priorityFilterImplied, c, with(of13.EthType(uint16(l2.EtherTypeIPv6)), of13.IPProto(17), of13.UDPDst(547)), side.pass))
		}
		for _, r := range side.rules {
			base := with(ctState(nw, nw|nicira.CTEstablished|nicira.CTInvalid))
			if p.Stateless {
				for _, fields := range ruleFields(with(), r, egress) {
					add(filterFlow(side.table, priorityFilterRule, c, fields, side.pass))
				}
				continue
			}
			for _, fields := range ruleFields(base, r, egress) {
				if egress {
					add(filterFlow(side.table, priorityFilterRule, c, fields, of13.ApplyActions(commit), toFwd))
				} else {
					add(filterFlow(side.table, priorityFilterRule, c, fields, of13.ApplyActions(commit, of13.Output(port))))
				}
			}
		}
		add(filterFlow(side.table, priorityFilterDrop, c, side.base))
	}
	return msgs
}
