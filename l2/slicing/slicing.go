// Package slicing realizes l2 slices on OpenFlow switches, as Trema's
// sliceable switch does: it is an openflow.Handler that classifies every
// packet-in with an l2.Fabric, learns, decides, and installs flows along
// the shortest path through the topology it discovers with LLDP, never
// letting a frame leave its slice.
//
// # Wiring
//
//	var app *slicing.App
//	fabric := l2.NewFabric(l2.Options{Events: func(ev l2.Event) { app.FabricEvent(ev) }})
//	app = slicing.New(fabric, slicing.Options{})
//	ctrl := &openflow.Controller{Handler: app}
//	go app.Run(ctx)           // fabric clock, LLDP discovery
//	go ctrl.ListenAndServe("") // switches connect on :6653
//
// Change bindings through App.Update so that live traffic follows at once.
//
// # Flows
//
// Forwarding flows match in_port, VLAN, dl_src and dl_dst, idle out after
// Options.IdleTimeout (60 s, as Trema's), carry a cookie per slice, and
// rewrite the VLAN on the last hop to what the destination port is bound
// with. A frame from no slice gets a drop flow for its source (idle and
// hard 60 s); a frame with no path, a one-second drop flow. When the
// fabric forgets or moves a MAC, the flows to and from it are deleted.
// OpenFlow 1.0 cannot filter deletes by cookie, so there deletes are by
// match alone.
package slicing

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/mdlayher/ethernet"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// Options tune an App; the zero value means the defaults.
type Options struct {
	// IdleTimeout of forwarding flows (default 60 s).
	IdleTimeout time.Duration
	// DropTimeout is both the idle and hard timeout of the drop flow for a
	// source that belongs to no slice (default 60 s).
	DropTimeout time.Duration
	// NoPathTimeout is the hard timeout of the drop flow when no path
	// leads to the destination (default 1 s).
	NoPathTimeout time.Duration
	// DiscoveryInterval is how often LLDP goes out on every port (default
	// 5 s); a link not seen for three intervals is forgotten.
	DiscoveryInterval time.Duration
	// Logger receives the app's events; nil discards them.
	Logger *slog.Logger
}

// Flow priorities.
const (
	priorityForward = 100
	priorityDrop    = 50
	priorityMiss    = 0
)

// Cookies: the top 16 bits mark the app's flows. Forwarding flows have
// bit 47 clear and a hash of their slice below it; the table miss and drop
// flows have bit 47 set, so deleting forwarding flows spares them.
const (
	cookieMarker   = uint64(0x6e73) << 48
	cookieMarkMask = uint64(0xffff) << 48
	cookieForward  = cookieMarkMask | 1<<47 // mask selecting forwarding flows
	cookieMiss     = cookieMarker | 1<<47 | 1
	cookieDrop     = cookieMarker | 1<<47 | 2
)

func sliceCookie(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return cookieMarker | h.Sum64()&(1<<47-1)
}

// App is the slicing application. Create it with New.
type App struct {
	fabric *l2.Fabric
	topo   *l2.Topology
	opts   Options
	log    *slog.Logger

	mu       sync.Mutex
	switches map[uint64]*openflow.Switch
	links    map[l2.Link]time.Time
}

// New returns an app that forwards for fabric.
func New(fabric *l2.Fabric, opts Options) *App {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.DropTimeout <= 0 {
		opts.DropTimeout = 60 * time.Second
	}
	if opts.NoPathTimeout <= 0 {
		opts.NoPathTimeout = time.Second
	}
	if opts.DiscoveryInterval <= 0 {
		opts.DiscoveryInterval = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{fabric: fabric, topo: l2.NewTopology(), opts: opts, log: log,
		switches: map[uint64]*openflow.Switch{}, links: map[l2.Link]time.Time{}}
}

// Topology returns the switches' links as discovered.
func (a *App) Topology() *l2.Topology { return a.topo }

// Update changes the fabric's bindings and makes live traffic follow: the
// flows of forgotten MACs go (through FabricEvent), and so do the drop
// flows, so a source newly admitted is not held off by one.
func (a *App) Update(fn func(tx *l2.Tx) error) ([]l2.Event, error) {
	evs, err := a.fabric.Update(fn)
	if err != nil {
		return nil, err
	}
	a.forEachSwitch(func(sw *openflow.Switch) {
		a.send(sw, deleteFlows(sw.Version(), cookieDrop, ^uint64(0), nil, nil))
	})
	return evs, nil
}

// Run drives the fabric's clock and LLDP discovery until ctx ends.
func (a *App) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastLLDP := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			a.fabric.Advance(now)
			if now.Sub(lastLLDP) >= a.opts.DiscoveryInterval {
				lastLLDP = now
				a.discover()
				a.expireLinks(now)
			}
		}
	}
}

// SwitchUp implements openflow.SwitchHandler: it clears the app's old
// flows, sends table misses to the controller and starts discovery.
func (a *App) SwitchUp(sw *openflow.Switch) {
	a.mu.Lock()
	a.switches[sw.DatapathID()] = sw
	a.mu.Unlock()
	v := sw.Version()
	a.send(sw, deleteFlows(v, cookieMarker, cookieMarkMask, nil, nil))
	a.send(sw, tableMiss(v))
	a.log.Info("switch up", "dpid", l2.DatapathID(sw.DatapathID()).String(), "version", v.String())
	a.discoverOn(sw)
}

// SwitchDown implements openflow.SwitchHandler.
func (a *App) SwitchDown(sw *openflow.Switch) {
	a.mu.Lock()
	if a.switches[sw.DatapathID()] == sw {
		delete(a.switches, sw.DatapathID())
	}
	a.mu.Unlock()
	if gone := a.topo.RemoveDatapath(l2.DatapathID(sw.DatapathID())); len(gone) > 0 {
		a.linksChanged()
	}
}

func (a *App) forEachSwitch(fn func(sw *openflow.Switch)) {
	a.mu.Lock()
	sws := make([]*openflow.Switch, 0, len(a.switches))
	for _, sw := range a.switches {
		sws = append(sws, sw)
	}
	a.mu.Unlock()
	for _, sw := range sws {
		fn(sw)
	}
}

func (a *App) switchFor(dp l2.DatapathID) *openflow.Switch {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.switches[uint64(dp)]
}

// send queues m, giving up after a while rather than blocking forever on a
// switch that does not read.
func (a *App) send(sw *openflow.Switch, m openflow.Message) {
	if m == nil {
		return
	}
	if err := sw.SendTimeout(m, time.Second); err != nil {
		a.log.Debug("send", "dpid", l2.DatapathID(sw.DatapathID()).String(), "err", err)
	}
}

// FabricEvent is the fabric's event sink (l2.Options.Events): when a MAC
// moves or is forgotten, the flows to and from it go.
func (a *App) FabricEvent(ev l2.Event) {
	switch ev.Kind {
	case l2.Moved, l2.Expired, l2.Evicted, l2.Removed:
	default:
		return
	}
	cookie := sliceCookie(ev.Slice)
	mac := [6]byte(ev.MAC)
	a.forEachSwitch(func(sw *openflow.Switch) {
		a.send(sw, deleteFlows(sw.Version(), cookie, ^uint64(0), &mac, nil))
		a.send(sw, deleteFlows(sw.Version(), cookie, ^uint64(0), nil, &mac))
	})
}

// ServeOpenFlow implements openflow.Handler.
func (a *App) ServeOpenFlow(sw *openflow.Switch, m openflow.Message) {
	switch m := m.(type) {
	case *of13.PacketIn:
		port, ok := m.Match.InPort()
		if ok {
			a.packetIn(sw, port, m.Data)
		}
	case *of10.PacketIn:
		a.packetIn(sw, uint32(m.InPort), m.Data)
	case *of13.PortStatus:
		a.portChanged(sw, m.Port.PortNo, m.Reason == of13.PortDeleted ||
			m.Port.State&of13.PortStateLinkDown != 0 || m.Port.Config&of13.PortConfigDown != 0)
	case *of10.PortStatus:
		a.portChanged(sw, uint32(m.Port.PortNo), m.Reason == of10.PortDeleted ||
			m.Port.State&of10.PortStateLinkDown != 0 || m.Port.Config&of10.PortConfigDown != 0)
	}
}

func (a *App) portChanged(sw *openflow.Switch, port uint32, down bool) {
	if !down {
		a.discoverOn(sw)
		return
	}
	if _, ok := a.topo.RemovePort(l2.PortRef{Datapath: l2.DatapathID(sw.DatapathID()), Port: l2.Port(port)}); ok {
		a.linksChanged()
	}
}

// linksChanged drops every forwarding flow: paths may be gone. They come
// back with the next packets.
func (a *App) linksChanged() {
	a.forEachSwitch(func(sw *openflow.Switch) {
		a.send(sw, deleteFlows(sw.Version(), cookieMarker, cookieForward, nil, nil))
		if sw.Version() == openflow.Version10 {
			a.send(sw, tableMiss(sw.Version())) // 1.0 deleted everything
		}
	})
}

func (a *App) packetIn(sw *openflow.Switch, inPort uint32, data []byte) {
	var f l2.Frame
	if f.UnmarshalBinary(data) != nil {
		return
	}
	dp := l2.DatapathID(sw.DatapathID())
	if f.EtherType == ethernet.EtherType(layers.EthernetTypeLinkLayerDiscovery) {
		a.lldpIn(dp, inPort, data)
		return
	}
	if a.topo.IsLinkPort(l2.PortRef{Datapath: dp, Port: l2.Port(inPort)}) {
		return // from another switch, not from a host
	}
	in := l2.Location{Datapath: dp, Port: l2.Port(inPort), VLAN: f.VLAN}
	d := a.fabric.Decide(in, f.Src, f.Dst)
	switch d.Action {
	case l2.Drop:
		switch d.Reason {
		case l2.ReasonNoSlice, l2.ReasonNotAdmitted, l2.ReasonBadSource, l2.ReasonStaticMAC, l2.ReasonAmbiguous:
			a.send(sw, dropFlow(sw.Version(), in, f.Src, nil, a.opts.DropTimeout, a.opts.DropTimeout))
		}
	case l2.Forward:
		a.forward(sw, in, &f, d, data)
	case l2.Flood:
		var buf [16]l2.Location
		for _, out := range a.fabric.FloodTargets(d, in, f.Dst, buf[:0]) {
			if target := a.switchFor(out.Datapath); target != nil {
				a.send(target, packetOut(target.Version(), in.VLAN, out, data))
			}
		}
	}
}

// forward installs the flows along the path to d.Out, last hop first, and
// sends the frame out of the last hop.
func (a *App) forward(sw *openflow.Switch, in l2.Location, f *l2.Frame, d l2.Decision, data []byte) {
	path, err := a.topo.Path(in.PortRef(), d.Out.PortRef())
	if err != nil {
		dst := f.Dst
		a.send(sw, dropFlow(sw.Version(), in, f.Src, &dst, 0, a.opts.NoPathTimeout))
		return
	}
	cookie := sliceCookie(d.Slice)
	for i := len(path) - 1; i >= 0; i-- {
		hop := path[i]
		hsw := a.switchFor(hop.Datapath)
		if hsw == nil {
			return
		}
		out := l2.Location{Datapath: hop.Datapath, Port: hop.Out, VLAN: in.VLAN}
		if i == len(path)-1 {
			out.VLAN = d.Out.VLAN
		}
		match := l2.Location{Datapath: hop.Datapath, Port: hop.In, VLAN: in.VLAN}
		a.send(hsw, forwardFlow(hsw.Version(), cookie, a.opts.IdleTimeout, match, f.Src, f.Dst, out))
	}
	if egress := a.switchFor(d.Out.Datapath); egress != nil {
		a.send(egress, packetOut(egress.Version(), in.VLAN, d.Out, data))
	}
}

// LLDP: the chassis id names the datapath, the port id the port, both as
// locally assigned strings.

var lldpMulticast = [6]byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}

func lldpFrame(dp uint64, port uint32, hw [6]byte) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{},
		&layers.Ethernet{SrcMAC: hw[:], DstMAC: lldpMulticast[:], EthernetType: layers.EthernetTypeLinkLayerDiscovery},
		&layers.LinkLayerDiscovery{
			ChassisID: layers.LLDPChassisID{Subtype: layers.LLDPChassisIDSubTypeLocal, ID: []byte(fmt.Sprintf("dpid:%016x", dp))},
			PortID:    layers.LLDPPortID{Subtype: layers.LLDPPortIDSubtypeLocal, ID: []byte(strconv.FormatUint(uint64(port), 10))},
			TTL:       120,
		})
	return buf.Bytes(), err
}

func parseLLDP(data []byte) (dp uint64, port uint32, ok bool) {
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
	l, _ := pkt.Layer(layers.LayerTypeLinkLayerDiscovery).(*layers.LinkLayerDiscovery)
	if l == nil {
		return 0, 0, false
	}
	hexID, found := strings.CutPrefix(string(l.ChassisID.ID), "dpid:")
	if !found {
		return 0, 0, false
	}
	d, err1 := strconv.ParseUint(hexID, 16, 64)
	p, err2 := strconv.ParseUint(string(l.PortID.ID), 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return d, uint32(p), true
}

func (a *App) lldpIn(dp l2.DatapathID, inPort uint32, data []byte) {
	fromDP, fromPort, ok := parseLLDP(data)
	if !ok || a.switchFor(l2.DatapathID(fromDP)) == nil {
		return // not ours
	}
	l := l2.NewLink(l2.PortRef{Datapath: l2.DatapathID(fromDP), Port: l2.Port(fromPort)}, l2.PortRef{Datapath: dp, Port: l2.Port(inPort)})
	a.mu.Lock()
	a.links[l] = time.Now()
	a.mu.Unlock()
	if a.topo.AddLink(l) {
		a.log.Info("link discovered", "link", l.String())
		a.linksChanged()
	}
}

func (a *App) expireLinks(now time.Time) {
	a.mu.Lock()
	var stale []l2.Link
	for l, seen := range a.links {
		if now.Sub(seen) > 3*a.opts.DiscoveryInterval {
			stale = append(stale, l)
			delete(a.links, l)
		}
	}
	a.mu.Unlock()
	for _, l := range stale {
		if a.topo.RemoveLink(l) {
			a.log.Info("link lost", "link", l.String())
			a.linksChanged()
		}
	}
}

func (a *App) discover() { a.forEachSwitch(a.discoverOn) }

// discoverOn sends LLDP out of every port of sw.
func (a *App) discoverOn(sw *openflow.Switch) {
	for _, p := range sw.Ports() {
		if p.Down || !physical(sw.Version(), p.No) {
			continue
		}
		frame, err := lldpFrame(sw.DatapathID(), p.No, p.HWAddr)
		if err != nil {
			continue
		}
		a.send(sw, rawPacketOut(sw.Version(), p.No, frame))
	}
}

func physical(v openflow.Version, port uint32) bool {
	if v == openflow.Version10 {
		return port > 0 && port <= uint32(of10.PortMax)
	}
	return port > 0 && port <= of13.PortMax
}

// Message builders, one per version.

func tableMiss(v openflow.Version) openflow.Message {
	if v == openflow.Version10 {
		return &of10.FlowMod{Match: of10.MatchAll(), Command: of10.FlowAdd, Priority: priorityMiss, Cookie: cookieMiss,
			BufferID: of10.NoBuffer, OutPort: of10.PortNone, Actions: []of10.Action{of10.Output{Port: of10.PortController, MaxLen: 0xffff}}}
	}
	return &of13.FlowMod{Command: of13.FlowAdd, Priority: priorityMiss, Cookie: cookieMiss, BufferID: of13.NoBuffer,
		OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Instructions: of13.Apply(of13.Output{Port: of13.PortController, MaxLen: of13.ControllerNoBuffer})}
}

// deleteFlows deletes the flows with the cookie under mask (1.3), to or
// from a MAC when given.
func deleteFlows(v openflow.Version, cookie, mask uint64, dst, src *[6]byte) openflow.Message {
	if v == openflow.Version10 {
		m := of10.MatchAll()
		if dst != nil {
			m = m.WithDLDst(*dst)
		}
		if src != nil {
			m = m.WithDLSrc(*src)
		}
		if dst == nil && src == nil && mask != ^uint64(0) {
			// 1.0 cannot select by cookie: this clears every flow, the
			// table miss included; the caller puts that back.
			return &of10.FlowMod{Match: m, Command: of10.FlowDelete, BufferID: of10.NoBuffer, OutPort: of10.PortNone}
		}
		if dst == nil && src == nil {
			return nil // a cookie-only delete (drop flows) is not expressible
		}
		return &of10.FlowMod{Match: m, Command: of10.FlowDelete, BufferID: of10.NoBuffer, OutPort: of10.PortNone}
	}
	var fields []of13.Field
	if dst != nil {
		fields = append(fields, of13.EthDst(*dst))
	}
	if src != nil {
		fields = append(fields, of13.EthSrc(*src))
	}
	return &of13.FlowMod{Command: of13.FlowDelete, TableID: of13.TableAll, Cookie: cookie, CookieMask: mask,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Match: of13.Match{Fields: fields}}
}

func vlanMatch13(v l2.VLAN) of13.Field {
	if v == l2.Untagged {
		return of13.VLANNone()
	}
	return of13.VLANVID(uint16(v))
}

func vlanMatch10(m of10.Match, v l2.VLAN) of10.Match {
	if v == l2.Untagged {
		return m.WithDLVLAN(of10.VLANNone)
	}
	return m.WithDLVLAN(uint16(v))
}

// vlanActions13 turns a frame tagged from into one tagged to.
func vlanActions13(from, to l2.VLAN) []of13.Action {
	switch {
	case from == to:
		return nil
	case to == l2.Untagged:
		return []of13.Action{of13.PopVLAN{}}
	case from == l2.Untagged:
		return []of13.Action{of13.PushVLAN{EtherType: 0x8100}, of13.SetField{Field: of13.VLANVID(uint16(to))}}
	}
	return []of13.Action{of13.SetField{Field: of13.VLANVID(uint16(to))}}
}

func vlanActions10(from, to l2.VLAN) []of10.Action {
	switch {
	case from == to:
		return nil
	case to == l2.Untagged:
		return []of10.Action{of10.StripVLAN{}}
	}
	return []of10.Action{of10.SetVLANVID{VID: uint16(to)}}
}

func forwardFlow(v openflow.Version, cookie uint64, idle time.Duration, match l2.Location, src, dst l2.MAC, out l2.Location) openflow.Message {
	idleSec := uint16(min(idle/time.Second, 0xffff))
	if v == openflow.Version10 {
		m := vlanMatch10(of10.MatchAll().WithInPort(uint16(match.Port)), match.VLAN).WithDLSrc([6]byte(src)).WithDLDst([6]byte(dst))
		acts := append(vlanActions10(match.VLAN, out.VLAN), of10.Output{Port: uint16(out.Port)})
		return &of10.FlowMod{Match: m, Cookie: cookie, Command: of10.FlowAdd, IdleTimeout: idleSec, Priority: priorityForward,
			BufferID: of10.NoBuffer, OutPort: of10.PortNone, Flags: of10.FlowSendFlowRem, Actions: acts}
	}
	acts := append(vlanActions13(match.VLAN, out.VLAN), of13.Output{Port: uint32(out.Port)})
	return &of13.FlowMod{Cookie: cookie, Command: of13.FlowAdd, IdleTimeout: idleSec, Priority: priorityForward,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Flags: of13.FlowSendFlowRem,
		Match:        of13.NewMatch(of13.InPort(uint32(match.Port)), vlanMatch13(match.VLAN), of13.EthSrc([6]byte(src)), of13.EthDst([6]byte(dst))),
		Instructions: of13.Apply(acts...)}
}

func dropFlow(v openflow.Version, in l2.Location, src l2.MAC, dst *l2.MAC, idle, hard time.Duration) openflow.Message {
	idleSec, hardSec := uint16(min(idle/time.Second, 0xffff)), uint16(min(hard/time.Second, 0xffff))
	if v == openflow.Version10 {
		m := vlanMatch10(of10.MatchAll().WithInPort(uint16(in.Port)), in.VLAN).WithDLSrc([6]byte(src))
		if dst != nil {
			m = m.WithDLDst([6]byte(*dst))
		}
		return &of10.FlowMod{Match: m, Cookie: cookieDrop, Command: of10.FlowAdd, IdleTimeout: idleSec, HardTimeout: hardSec,
			Priority: priorityDrop, BufferID: of10.NoBuffer, OutPort: of10.PortNone}
	}
	fields := []of13.Field{of13.InPort(uint32(in.Port)), vlanMatch13(in.VLAN), of13.EthSrc([6]byte(src))}
	if dst != nil {
		fields = append(fields, of13.EthDst([6]byte(*dst)))
	}
	return &of13.FlowMod{Cookie: cookieDrop, Command: of13.FlowAdd, IdleTimeout: idleSec, HardTimeout: hardSec,
		Priority: priorityDrop, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match: of13.NewMatch(fields...)}
}

// packetOut sends data, tagged from, out of out (retagged as it is bound).
func packetOut(v openflow.Version, from l2.VLAN, out l2.Location, data []byte) openflow.Message {
	if v == openflow.Version10 {
		acts := append(vlanActions10(from, out.VLAN), of10.Output{Port: uint16(out.Port)})
		return &of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone, Actions: acts, Data: data}
	}
	acts := append(vlanActions13(from, out.VLAN), of13.Output{Port: uint32(out.Port)})
	return &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Actions: acts, Data: data}
}

func rawPacketOut(v openflow.Version, port uint32, data []byte) openflow.Message {
	if v == openflow.Version10 {
		return &of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone, Actions: []of10.Action{of10.Output{Port: uint16(port)}}, Data: data}
	}
	return &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Actions: []of13.Action{of13.Output{Port: port}}, Data: data}
}
