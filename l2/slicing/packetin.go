package slicing

import (
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
)

// The packet-in path: classify, learn and decide with the fabric, then
// forward along a path, flood within the slice, or drop.

func (a *App) packetIn(sw *openflow.Switch, inPort uint32, data []byte) {
	a.stats.packetIns.Add(1)
	var f l2.Frame
	if f.UnmarshalBinary(data) != nil {
		return
	}
	dp := l2.DatapathID(sw.DatapathID())
	s := a.switchState(dp)
	if s == nil || s.sw != sw {
		return
	}
	port := l2.PortRef{Datapath: dp, Port: l2.Port(inPort)}
	if !s.active.Load() {
		a.learnOnly(port, &f, data)
		return
	}
	if f.EtherType == etherTypeLLDP {
		a.lldpIn(port, data)
		return
	}
	epoch := a.epoch.Load()
	if a.topo.IsLinkPort(port) {
		a.resume(s, port, &f, data, epoch) // from another switch, not from a host
		return
	}
	in := l2.Location{Datapath: dp, Port: l2.Port(inPort), VLAN: f.VLAN}
	d := a.fabric.Decide(in, f.Src, f.Dst)
	var l3 l3Source
	flowless := false
	if d.Action != l2.Drop {
		if pol := a.fabric.Policy(in); pol != nil {
			if pol.Guarded() {
				var ok bool
				if l3, flowless, ok = a.police(s, in, &f, pol); !ok {
					return
				}
			}
			if pol.DHCP != nil && a.answerDHCP(s, in, &f, pol.DHCP) || pol.RA != nil && a.answerRS(s, in, &f, pol.RA) ||
				pol.DHCPv6 != nil && a.answerDHCPv6(s, in, &f, pol.DHCPv6) {
				return
			}
		}
	}
	switch d.Action {
	case l2.Drop:
		switch d.Reason {
		case l2.ReasonNoSlice, l2.ReasonNotAdmitted, l2.ReasonBadSource, l2.ReasonStaticMAC, l2.ReasonAmbiguous:
			a.dropSource(s, dropSpec{Port: in.Port, VLAN: in.VLAN, Src: f.Src, HasSrc: true})
		}
	case l2.Forward:
		a.forward(s, in, &f, l3, flowless, d, data, epoch)
	case l2.Flood:
		if f.EtherType == l2.EtherTypeARP && a.answerARP(s, in, &f, d.Slice) ||
			f.EtherType == l2.EtherTypeIPv6 && a.answerND(s, in, &f, d.Slice) {
			return
		}
		var buf [16]l2.Location
		ip := f.EtherType == l2.EtherTypeIPv4 || f.EtherType == l2.EtherTypeIPv6
		for _, out := range a.fabric.FloodTargets(d, in, f.Dst, buf[:0]) {
			if t := a.switchState(out.Datapath); t != nil {
				if ip && t.d.filters() && a.filters.get(out) != nil {
					continue // no rules to check a flood by
				}
				a.send(s, t, t.d.packetOut(&s.scratch, in.VLAN, out, data))
				a.stats.packetOuts.Add(1)
			}
		}
	}
}

// resume completes a path a frame from another switch fell off: it came
// in at a link port tagged with its slice's transport VLAN and found no
// flow — the rest of its path was never installed, or lost (a switch
// restarted, a delete raced an install, a takeover). The flows from here
// to its destination are installed and the frame goes on, instead of the
// path's first hop sending into the void until it idles out. Frames with
// no transport tag, of no slice, or whose source or destination the slice
// does not know are dropped, as before.
func (a *App) resume(s *swState, at l2.PortRef, f *l2.Frame, data []byte, epoch uint64) {
	slice, ok := a.tags.sliceOf(f.VLAN)
	if !ok {
		return
	}
	if _, ok := a.fabric.Lookup(slice, f.Src); !ok {
		return
	}
	dst, ok := a.fabric.Lookup(slice, f.Dst)
	if !ok {
		return
	}
	in := l2.Location{Datapath: at.Datapath, Port: at.Port, VLAN: f.VLAN}
	a.forward(s, in, f, l3Source{}, false, l2.Decision{Action: l2.Forward, Slice: slice, Out: dst.Location}, data, epoch)
}

// send sends m to t while handling a packet-in of s: waiting a little on
// s itself, never on another switch.
func (a *App) send(s, t *swState, m openflow.Message) {
	if s == t {
		a.sendOwn(t, m)
	} else {
		a.sendOther(t, m)
	}
}

// police checks a frame from a port with a policy. A frame the policy
// forbids is dropped, with a drop flow for its source where one can match
// it. For one it allows it returns what the flows forwarding it must
// match, or flowless when no flow can (ARP; IPv6 on OpenFlow 1.0): such
// frames are checked one by one.
func (a *App) police(s *swState, in l2.Location, f *l2.Frame, pol *l2.PortPolicy) (l3 l3Source, flowless, ok bool) {
	typ := uint16(f.EtherType)
	addr, _, isL3 := f.SourceAddress()
	if !pol.AllowsFrame(f) {
		a.stats.spoofed.Add(1)
		spec := dropSpec{Port: in.Port, VLAN: in.VLAN, Src: f.Src, HasSrc: true}
		switch {
		case !pol.AllowsMAC(f.Src):
		case isL3 && addr.IsValid() && s.d.matchesSource(typ):
			spec.L3 = l3Source{Type: typ, Addr: addr}
		default:
			return l3, false, false // no flow can single it out
		}
		a.dropSource(s, spec)
		return l3, false, false
	}
	l3.Type = typ
	if isL3 {
		if !s.d.matchesSource(typ) {
			return l3, true, true
		}
		l3.Addr = addr
	}
	return l3, false, true
}

// forward installs the flows along the path to d.Out, last hop first so
// the frame never overtakes them, and sends the frame out of the last hop
// (only that, when flowless). The ingress flow matches l3 too. epoch is the
// fabric's event count from before the decision.
func (a *App) forward(s *swState, in l2.Location, f *l2.Frame, l3 l3Source, flowless bool, d l2.Decision, data []byte, epoch uint64) {
	path, err := a.topo.AppendPath(s.path[:0], in.PortRef(), d.Out.PortRef())
	if err == nil && flowless {
		if t := a.switchState(d.Out.Datapath); t != nil {
			a.send(s, t, t.d.packetOut(&s.scratch, in.VLAN, d.Out, data))
			a.stats.packetOuts.Add(1)
		}
		s.path = path[:0]
		return
	}
	if err != nil {
		a.dropFlow(s, dropSpec{Port: in.Port, VLAN: in.VLAN, Src: f.Src, Dst: f.Dst, HasSrc: true, HasDst: true,
			Priority: priorityDrop, Hard: seconds(a.opts.NoPathTimeout)})
		return
	}
	var tag l2.VLAN
	if len(path) > 1 {
		tag, err = a.tags.get(d.Slice, a.sliceExists)
		if err != nil {
			if a.stats.noTag.Add(1)%1024 == 1 {
				a.log.Error("frame not forwarded across switches", "slice", d.Slice, "err", err)
			}
			return
		}
	}
	// Every switch of the path must be driven by this app, or none gets
	// a flow: a path without its last hops takes frames to a switch that
	// drops them (what comes from a link is not asked about), and keeps
	// doing so until its first hop idles out. The next frame tries again.
	for _, hop := range path {
		if t := a.switchState(hop.Datapath); t == nil || !t.active.Load() {
			s.path = path[:0]
			return
		}
	}
	cookie := sliceCookie(d.Slice)
	dps := s.dps[:0]
	// To a filtered port every hop's flow matches the EtherType: IP goes
	// to the port's rules, and a flow made for another type (ARP) must
	// not carry IP past them — nor, on the way, to a switch that drops
	// what misses on a link instead of asking the controller.
	toFiltered, filtered := false, false
	if a.filters.get(d.Out) != nil {
		if t := a.switchState(d.Out.Datapath); t != nil && t.d.filters() {
			toFiltered = true
			filtered = f.EtherType == l2.EtherTypeIPv4 || f.EtherType == l2.EtherTypeIPv6
		}
	}
	var egress *swState
	for i := len(path) - 1; i >= 0; i-- {
		hop := path[i]
		t := a.switchState(hop.Datapath)
		if t == nil {
			break
		}
		spec := flowSpec{Cookie: cookie, Idle: seconds(a.opts.IdleTimeout), Port: hop.In, VLAN: tag,
			Src: f.Src, Dst: f.Dst, Out: hop.Out, OutVLAN: tag}
		if i == 0 {
			spec.VLAN, spec.L3 = in.VLAN, l3
		}
		if toFiltered {
			spec.L3.Type = uint16(f.EtherType)
		}
		if i == len(path)-1 {
			spec.OutVLAN = d.Out.VLAN
			egress = t
			if filtered {
				spec.Filter = a.filters.get(d.Out)
			}
		}
		a.send(s, t, t.d.forward(&s.scratch, spec))
		a.stats.flowMods.Add(1)
		dps = append(dps, uint64(hop.Datapath))
	}
	switch {
	case egress == nil:
	case filtered:
		// Through the pipeline from the start, so the receiver's rules
		// decide this frame too.
		a.send(s, s, s.d.tablePacketOut(in.Port, data))
		a.stats.packetOuts.Add(1)
	default:
		a.send(s, egress, egress.d.packetOut(&s.scratch, in.VLAN, d.Out, data))
		a.stats.packetOuts.Add(1)
	}
	// Recorded after the sends, so that a delete an event queues from now
	// on reaches each switch after these flows.
	a.flows.record(cookie, f.Src, f.Dst, dps)
	s.path, s.dps = path[:0], dps[:0] // grown, kept for the next
	// An event that came while this frame was decided may have made the
	// decision stale (the destination moved or went): then what was just
	// installed goes again.
	if a.epoch.Load() != epoch {
		if e, ok := a.fabric.Lookup(d.Slice, f.Dst); !ok || e.Location != d.Out {
			a.flows.forget(macKey{cookie, f.Dst})
		}
	}
}

func (a *App) sliceExists(id string) bool {
	_, err := a.fabric.Bindings(id)
	return err == nil
}

// Drop flows.

// dropKey identifies a drop flow on a switch.
type dropKey struct {
	port     l2.Port
	vlan     l2.VLAN
	src, dst l2.MAC
	hasSrc   bool
	hasDst   bool
	l3       l3Source
	priority uint16
}

func (d dropSpec) key() dropKey {
	return dropKey{port: d.Port, vlan: d.VLAN, src: d.Src, dst: d.Dst, hasSrc: d.HasSrc, hasDst: d.HasDst, l3: d.L3, priority: d.Priority}
}

func (k dropKey) spec() dropSpec {
	return dropSpec{Port: k.port, VLAN: k.vlan, Src: k.src, Dst: k.dst, HasSrc: k.hasSrc, HasDst: k.hasDst, L3: k.l3, Priority: k.priority}
}

// dropFlow installs a drop flow on s and remembers it until it ends.
func (a *App) dropFlow(s *swState, d dropSpec) {
	now := time.Now()
	end := now.Add(time.Duration(max(d.Idle, d.Hard)) * time.Second)
	s.mu.Lock()
	if len(s.drops) > 0 && len(s.drops)%256 == 0 {
		for k, e := range s.drops {
			if e.Before(now) {
				delete(s.drops, k)
			}
		}
	}
	s.drops[d.key()] = end
	s.mu.Unlock()
	a.sendOwn(s, s.d.drop(d))
	a.stats.dropFlows.Add(1)
}

// dropSource installs the drop flow d for a source at d's port, within
// the port's budget; past it the port is quarantined on that VLAN.
func (a *App) dropSource(s *swState, d dropSpec) {
	in := l2.Location{Datapath: l2.DatapathID(s.sw.DatapathID()), Port: d.Port, VLAN: d.VLAN}
	now := time.Now()
	s.mu.Lock()
	b := s.buckets[in.Port]
	if b == nil {
		b = &bucket{tokens: float64(10 * a.opts.DropRate), last: now}
		s.buckets[in.Port] = b
	}
	ok := b.take(now, float64(a.opts.DropRate), float64(10*a.opts.DropRate))
	q := dropKey{port: in.Port, vlan: in.VLAN, priority: priorityQuarantine}
	_, quarantined := s.drops[q]
	quarantined = quarantined && s.drops[q].After(now)
	s.mu.Unlock()
	timeout := seconds(a.opts.DropTimeout)
	switch {
	case ok:
		d.Priority, d.Idle, d.Hard = priorityDrop, timeout, timeout
		a.dropFlow(s, d)
	case !quarantined:
		a.stats.quarantines.Add(1)
		a.log.Warn("too many unknown sources: port quarantined", "port", in.String(), "for", a.opts.QuarantineTime)
		a.dropFlow(s, dropSpec{Port: in.Port, VLAN: in.VLAN, Priority: priorityQuarantine, Hard: seconds(a.opts.QuarantineTime)})
	}
}

// clearDrops deletes every drop flow on s: exactly, one by one, where the
// version cannot select them by cookie.
func (a *App) clearDrops(s *swState) {
	s.mu.Lock()
	drops := s.drops
	s.drops = map[dropKey]time.Time{}
	s.mu.Unlock()
	if len(drops) == 0 {
		return
	}
	if m := s.d.deleteDrops(); m != nil {
		a.sendOther(s, m)
		return
	}
	now := time.Now()
	for k, end := range drops {
		if end.After(now) {
			a.sendOther(s, s.d.deleteDrop(k.spec()))
		}
	}
}

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time, rate, burst float64) bool {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
