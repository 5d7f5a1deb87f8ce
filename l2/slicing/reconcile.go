package slicing

// Reconciling a switch taken over from another master: read its flows,
// keep what is right, delete what is stale, add what is missing — never a
// blanket wipe, so traffic that works keeps working.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// seenFlow is a flow read back from a switch, in the terms the app
// reasons in.
type seenFlow struct {
	cookie uint64
	key    string // table, priority and match, canonical: what makes two flows one
	body   string // the instructions or actions, canonical
	del    openflow.Message

	in       uint32
	vlan     l2.VLAN // matched: Untagged for frames without a tag, 0 when not matched
	src, dst l2.MAC
	hasMACs  bool
	out      uint32  // the port it outputs to, 0 for none
	setVLAN  l2.VLAN // the tag it leaves with, when retagged
	retagged bool
}

// ours reports whether the app made the flow.
func (f *seenFlow) ours() bool { return f.cookie&cookieMarkMask == cookieMarker }

// forwarding reports whether f is one of the app's forwarding flows.
func (f *seenFlow) forwarding() bool { return f.ours() && f.cookie&(1<<47) == 0 }

// transportTag returns the transport VLAN f carries on a link of dp, if
// it does: matched on a link port, or put on for one.
func (f *seenFlow) transportTag(topo *l2.Topology, dp l2.DatapathID) (l2.VLAN, bool) {
	if f.in != 0 && topo.IsLinkPort(l2.PortRef{Datapath: dp, Port: l2.Port(f.in)}) && f.vlan != 0 && f.vlan != l2.Untagged {
		return f.vlan, true
	}
	if f.out != 0 && topo.IsLinkPort(l2.PortRef{Datapath: dp, Port: l2.Port(f.out)}) {
		t := f.vlan
		if f.retagged {
			t = f.setVLAN
		}
		return t, t != 0 && t != l2.Untagged
	}
	return 0, false
}

// readFlows returns every flow of the switch.
func readFlows(ctx context.Context, s *swState) ([]seenFlow, error) {
	var req openflow.Message
	if s.sw.Version() == openflow.Version10 {
		req = &of10.StatsRequest{Body: of10.FlowStatsRequest{Match: of10.MatchAll(), TableID: 0xff, OutPort: of10.PortNone}}
	} else {
		req = &of13.MultipartRequest{Body: of13.NewFlowStatsRequest(of13.Match{})}
	}
	replies, err := s.sw.Request(ctx, req)
	if err != nil {
		return nil, err
	}
	var out []seenFlow
	for _, r := range replies {
		switch r := r.(type) {
		case *of13.MultipartReply:
			body, ok := r.Body.(of13.FlowStatsReply)
			if !ok {
				return nil, fmt.Errorf("slicing: flow stats answered with %T", r.Body)
			}
			for i := range body.Flows {
				out = append(out, seen13(&body.Flows[i]))
			}
		case *of10.StatsReply:
			body, ok := r.Body.(of10.FlowStatsReply)
			if !ok {
				return nil, fmt.Errorf("slicing: flow stats answered with %T", r.Body)
			}
			for i := range body.Flows {
				out = append(out, seen10(&body.Flows[i]))
			}
		default:
			return nil, fmt.Errorf("slicing: flow stats answered with %T", r)
		}
	}
	return out, nil
}

// key13 is a 1.3 flow's identity: a switch keeps one flow per table,
// priority and match, whatever the order of the match's fields and
// whether a mask of all ones is spelled out.
func key13(table uint8, priority uint16, m of13.Match) string {
	fields := make([]string, 0, len(m.Fields))
	for _, f := range m.Fields {
		mask := f.Mask()
		if !slices.ContainsFunc(mask, func(b byte) bool { return b != 0xff }) {
			mask = nil
		}
		fields = append(fields, fmt.Sprintf("%04x.%02x=%x/%x", f.Class(), f.Type(), f.Value(), mask))
	}
	slices.Sort(fields)
	return fmt.Sprintf("%d/%d/%s", table, priority, strings.Join(fields, ","))
}

func body13(inst []of13.Instruction) string {
	b, err := (&of13.FlowMod{Instructions: inst}).MarshalBinary()
	if err != nil {
		return "invalid: " + err.Error()
	}
	return string(b)
}

func seen13(fs *of13.FlowStats) seenFlow {
	f := seenFlow{cookie: fs.Cookie, key: key13(fs.TableID, fs.Priority, fs.Match), body: body13(fs.Instructions)}
	del := of13.NewFlowMod(of13.FlowDeleteStrict)
	del.TableID, del.Priority, del.Match = fs.TableID, fs.Priority, fs.Match
	del.Cookie, del.CookieMask = fs.Cookie, ^uint64(0)
	f.del = del
	var hasSrc, hasDst bool
	for _, fl := range fs.Match.Fields {
		if fl.Class() != of13.ClassBasic {
			continue
		}
		switch fl.Type() {
		case of13.FieldInPort:
			v, _ := fl.Uint()
			f.in = uint32(v)
		case of13.FieldVLANVID:
			v, _ := fl.Uint()
			f.vlan = l2.VLAN(v & 0xfff)
			if v == 0 {
				f.vlan = l2.Untagged
			}
		case of13.FieldEthSrc:
			f.src, hasSrc = fl.MAC()
		case of13.FieldEthDst:
			f.dst, hasDst = fl.MAC()
		}
	}
	f.hasMACs = hasSrc && hasDst
	for _, in := range fs.Instructions {
		if in.Type != of13.InstApplyActions {
			continue
		}
		for _, a := range in.Actions {
			switch {
			case a.Type == of13.ActionOutput:
				f.out = a.Port
			case a.Type == of13.ActionPopVLAN:
				f.setVLAN, f.retagged = l2.Untagged, true
			case a.Type == of13.ActionSetField && a.Field.Class() == of13.ClassBasic && a.Field.Type() == of13.FieldVLANVID:
				v, _ := a.Field.Uint()
				f.setVLAN, f.retagged = l2.VLAN(v&0xfff), true
			}
		}
	}
	return f
}

// key10 is a 1.0 flow's identity, its match with what the wildcards
// ignore zeroed as a switch keeps it.
func key10(priority uint16, m of10.Match) string {
	w := m.Wildcards & of10.WildAll
	if w&of10.WildDLVLAN == 0 && m.DLVLAN == of10.VLANNone {
		w |= of10.WildDLVLANPCP // no tag, no priority: Open vSwitch says it matches 0
	}
	zero := func(bit uint32, clear func()) {
		if w&bit != 0 {
			clear()
		}
	}
	zero(of10.WildInPort, func() { m.InPort = 0 })
	zero(of10.WildDLVLAN, func() { m.DLVLAN = 0 })
	zero(of10.WildDLSrc, func() { m.DLSrc = [6]byte{} })
	zero(of10.WildDLDst, func() { m.DLDst = [6]byte{} })
	zero(of10.WildDLType, func() { m.DLType = 0 })
	zero(of10.WildNWProto, func() { m.NWProto = 0 })
	zero(of10.WildTPSrc, func() { m.TPSrc = 0 })
	zero(of10.WildTPDst, func() { m.TPDst = 0 })
	zero(of10.WildDLVLANPCP, func() { m.DLVLANPCP = 0 })
	zero(of10.WildNWTOS, func() { m.NWTOS = 0 })
	src, dst := min(w&of10.WildNWSrcMask>>8, 32), min(w&of10.WildNWDstMask>>14, 32)
	w = w&^(of10.WildNWSrcMask|of10.WildNWDstMask) | src<<8 | dst<<14
	if src == 32 {
		m.NWSrc = [4]byte{}
	}
	if dst == 32 {
		m.NWDst = [4]byte{}
	}
	return fmt.Sprintf("%d/%x/%d/%x/%x/%d/%d/%d/%d/%d/%x/%x/%d/%d", priority, w, m.InPort, m.DLSrc, m.DLDst, m.DLVLAN,
		m.DLVLANPCP, m.DLType, m.NWTOS, m.NWProto, m.NWSrc, m.NWDst, m.TPSrc, m.TPDst)
}

func body10(acts []of10.Action) string {
	b, err := (&of10.FlowMod{Match: of10.MatchAll(), Actions: acts}).MarshalBinary()
	if err != nil {
		return "invalid: " + err.Error()
	}
	return string(b)
}

func seen10(fs *of10.FlowStats) seenFlow {
	m := fs.Match
	f := seenFlow{cookie: fs.Cookie, key: key10(fs.Priority, m), body: body10(fs.Actions)}
	del := of10.NewFlowMod(of10.FlowDeleteStrict, m)
	del.Priority = fs.Priority
	f.del = del
	if m.Wildcards&of10.WildInPort == 0 {
		f.in = uint32(m.InPort)
	}
	if m.Wildcards&of10.WildDLVLAN == 0 {
		f.vlan = l2.VLAN(m.DLVLAN)
		if m.DLVLAN == of10.VLANNone {
			f.vlan = l2.Untagged
		}
	}
	f.src, f.dst = m.DLSrc, m.DLDst
	f.hasMACs = m.Wildcards&(of10.WildDLSrc|of10.WildDLDst) == 0
	for _, a := range fs.Actions {
		switch a.Type {
		case of10.ActionOutput:
			f.out = uint32(a.Port)
		case of10.ActionStripVLAN:
			f.setVLAN, f.retagged = l2.Untagged, true
		case of10.ActionSetVLANVID:
			f.setVLAN, f.retagged = l2.VLAN(a.VID), true
		}
	}
	return f
}

func (a *App) knows(slice string, mac l2.MAC) bool {
	_, ok := a.fabric.Lookup(slice, mac)
	return ok
}

// staleGroup says why a forwarding flow is stale, and so which delete
// takes it with the others like it: its slice is gone (by cookie), its
// source or destination MAC is unknown there (by cookie and MAC), or it
// alone is wrong (strictly).
type staleGroup struct {
	kind   uint8
	cookie uint64
	mac    l2.MAC
}

const (
	staleFlow uint8 = iota
	staleSlice
	staleSrc
	staleDst
)

// wanted is a flow the app wants on a switch whatever the traffic: the
// table miss, the filtered ports' flows.
type wanted struct {
	key, body string
	add       openflow.Message
}

func wantedOf(m openflow.Message) wanted {
	switch fm := m.(type) {
	case *of13.FlowMod:
		return wanted{key13(fm.TableID, fm.Priority, fm.Match), body13(fm.Instructions), m}
	case *of10.FlowMod:
		return wanted{key10(fm.Priority, fm.Match), body10(fm.Actions), m}
	}
	panic(fmt.Sprintf("slicing: a wanted flow is a %T", m))
}

// reconcile brings the switches' flows in line with the app (see
// Reconciled), after they were driven by another master, and makes each
// switch active once its flows are right, while still says the app is
// still taking over. It runs while the switches are not active: nothing
// else writes to them.
func (a *App) reconcile(ctx context.Context, ss []*swState, still func() bool) (map[*swState]Reconciled, error) {
	start := time.Now()
	read := map[*swState][]seenFlow{}
	var errs []error
	for _, s := range ss {
		flows, err := readFlows(ctx, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("read the flows of %s: %w", dpString(s), err))
			continue
		}
		read[s] = flows
	}
	// The slices by cookie, and the transport tags the flows carry: the
	// old master chose them; where they agree with each other and with
	// the tags this app holds, they are this app's now.
	slicesOf := map[uint64]string{}
	for _, id := range a.fabric.Slices() {
		slicesOf[sliceCookie(id)] = id
	}
	stale := map[*seenFlow]staleGroup{}
	for s, flows := range read {
		dp := l2.DatapathID(s.sw.DatapathID())
		for i := range flows {
			f := &flows[i]
			if !f.forwarding() {
				continue
			}
			id, ok := slicesOf[f.cookie]
			switch {
			case !ok:
				stale[f] = staleGroup{kind: staleSlice, cookie: f.cookie}
			case !f.hasMACs:
				stale[f] = staleGroup{kind: staleFlow}
			// Learned from the same packet-ins as the old master, the
			// fabric knows every MAC a working flow is for; one it does
			// not know was forgotten (its binding went) while no master
			// was there to delete its flows.
			case !a.knows(id, f.src):
				stale[f] = staleGroup{kind: staleSrc, cookie: f.cookie, mac: f.src}
			case !a.knows(id, f.dst):
				stale[f] = staleGroup{kind: staleDst, cookie: f.cookie, mac: f.dst}
			default:
				if tag, carries := f.transportTag(a.topo, dp); carries && !a.tags.claim(id, tag) {
					stale[f] = staleGroup{kind: staleFlow}
				}
			}
		}
	}

	fs := &a.filters
	fs.mu.Lock()
	defer fs.mu.Unlock()
	recs := map[*swState]Reconciled{}
	for s, flows := range read {
		dp := l2.DatapathID(s.sw.DatapathID())
		if s.d.filters() {
			a.adoptZones(s, flows)
		}
		want := map[string]wanted{}
		for _, m := range s.d.tableMiss() {
			w := wantedOf(m)
			want[w.key] = w
		}
		var filtered []*filterPort
		if s.d.filters() {
			for loc, fp := range fs.ports {
				if loc.Datapath == dp {
					filtered = append(filtered, fp)
					for _, m := range filterFlows13(fp) {
						w := wantedOf(m)
						want[w.key] = w
					}
				}
			}
		}
		var rec Reconciled
		send := func(m openflow.Message) {
			if err := s.sw.Send(ctx, m); err != nil {
				errs = append(errs, err)
			}
		}
		// The drop flows the app made itself, when it drove the switch
		// before, stay; another master's it cannot vouch for.
		drops := map[string]dropKey{}
		now := time.Now()
		s.mu.Lock()
		for k, end := range s.drops {
			if end.After(now) {
				drops[wantedOf(s.d.drop(k.spec())).key] = k
			}
		}
		s.mu.Unlock()
		keptDrops := map[dropKey]bool{}
		satisfied := map[string]bool{}
		groups := map[staleGroup]bool{}
		for i := range flows {
			f := &flows[i]
			if !f.ours() {
				continue // another's: left alone
			}
			if w, ok := want[f.key]; ok && w.body == f.body {
				satisfied[f.key] = true
				rec.Kept++
				continue
			}
			if _, ok := want[f.key]; ok {
				continue // the add below replaces it in place
			}
			if k, ok := drops[f.key]; ok && f.cookie == cookieDrop {
				keptDrops[k] = true
				rec.Kept++
				continue
			}
			g, isStale := stale[f]
			if f.forwarding() && !isStale {
				a.flows.record(f.cookie, f.src, f.dst, []uint64{uint64(dp)})
				rec.Kept++
				continue
			}
			rec.Deleted++
			if isStale && g.kind != staleFlow && s.sw.Version() == openflow.Version13 {
				groups[g] = true // one delete for all of them, by cookie
				continue
			}
			send(f.del)
		}
		for g := range groups {
			switch g.kind {
			case staleSlice:
				send(s.d.deleteSlice(g.cookie, 0))
			case staleSrc:
				send(s.d.deleteMAC(g.cookie, g.mac, false))
			case staleDst:
				send(s.d.deleteMAC(g.cookie, g.mac, true))
			}
		}
		for k, w := range want {
			if !satisfied[k] {
				send(w.add)
				rec.Added++
			}
		}
		if err := s.sw.Barrier(ctx); err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s: %w", dpString(s), err))
			continue
		}
		for _, fp := range filtered {
			fp.sentTo.Store(s)
		}
		s.mu.Lock()
		maps.DeleteFunc(s.drops, func(k dropKey, _ time.Time) bool { return !keptDrops[k] })
		s.mu.Unlock()
		rec.Took = time.Since(start)
		recs[s] = rec
	}
	// All at once, when every switch is right: a path's flows go to
	// every switch of the path. Under the filters' lock: a policy change
	// from now on reaches the switches through syncFilters.
	if !still() {
		return nil, errors.Join(append(errs, errors.New("demoted while taking over"))...)
	}
	for s := range recs {
		s.active.Store(true)
	}
	return recs, errors.Join(errs...)
}
