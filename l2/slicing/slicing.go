// Package slicing realizes l2 slices on OpenFlow switches, as Trema's
// sliceable switch does: it is an openflow.Handler that classifies every
// packet-in with an l2.Fabric, learns, decides, and installs flows along
// the shortest path through the topology it discovers with LLDP, never
// letting a frame leave its slice.
//
// # Wiring
//
//	app, err := slicing.New(l2.Options{}, slicing.Options{})
//	fabric := app.Fabric()
//	ctrl := &openflow.Controller{Handler: app}
//	go app.Run(ctx)           // fabric clock, discovery, flow deletes
//	go ctrl.ListenAndServe("") // switches connect on :6653
//
// Change bindings through App.Update so that live traffic follows at once.
//
// # Flows
//
// A forwarding flow matches in_port, VLAN, eth_src and eth_dst, idles out
// after Options.IdleTimeout (60 s, as Trema's) and carries a cookie per
// slice. On a path over several switches the first hop puts the slice's
// transport VLAN on the frame (see ErrNoTransportTag for the pool), the
// hops in between match it, and the last hop restores the tag the
// destination's port is bound with, so slices that share MAC addresses or
// edge VLAN ids never share a flow. Flooding is packet-outs from the
// controller to each port of the slice, on whatever switch it is.
//
// When the fabric forgets or moves a MAC (aging, eviction, a binding or
// attachment removed, a port down) the flows to and from it are deleted,
// on the switches that hold them only. A frame from no slice gets a drop
// flow for its source (idle and hard Options.DropTimeout), at most
// Options.DropRate a second on a port: past that the port (on that VLAN) is
// quarantined by one drop flow for Options.QuarantineTime, so a flood of
// random source addresses cannot fill a switch's table or the controller's
// queues. App.Update deletes the drop flows, so a newly admitted host is
// not held off. OpenFlow 1.0 cannot select flows by cookie: there a MAC's
// flows are deleted by match alone (every slice's with that MAC), and drop
// flows one by one.
//
// # Port security
//
// A port whose binding has a policy (l2.PortPolicy) sends only from its
// pairs of MAC and address: every new frame from it is checked at the
// controller, and its ingress flows match what was checked as well — the
// EtherType, and for IPv4 (and IPv6 on OpenFlow 1.3) the source address —
// so a host that takes another address misses them and is checked again.
// What no flow can single out (ARP, whose sender MAC 1.0 cannot match;
// IPv6 on 1.0) is checked frame by frame and never gets a flow. A frame
// the policy forbids is dropped, with a drop flow for its source where
// one can match it (counted in Stats.Spoofed). A policy change takes down
// the flows from and to the port's MACs and the drop flows for them.
//
// # ARP
//
// An ARP request or IPv6 neighbor solicitation of a slice for an address
// a port of it has (l2.PortPolicy.Addresses, one port claiming it) is
// answered by the controller with that port's MAC and not flooded
// (duplicate address detection still floods).
//
// # Security rules
//
// A port whose policy is Filtered gets a stateful firewall on OpenFlow
// 1.3 switches (see filter.go for the tables): its IPv4 and IPv6 pass
// the connection tracker in a zone of its own, on its own switch, and a
// new connection passes only when the sender's egress rules and the
// receiver's ingress rules allow it; its replies pass by their state.
// A Stateless port's rules judge every packet alone, with no tracker.
// OpenFlow 1.0 has no connection tracker: such a port is forwarded
// unfiltered and listed by App.Unenforced (and logged once).
//
// # DHCP
//
// A port whose policy has DHCP (l2.DHCPv4) gets its lease from the
// controller, as OVN's native DHCP gives it: a DHCPv4 request from the
// port (UDP to port 67, to any MAC) is answered from the packet-in with
// an offer, ack or NAK, and goes nowhere else. A renewal that comes
// unicast through a flow to some host's MAC misses the controller; the
// client's rebinding, broadcast, reaches it.
//
// A port whose policy has an RA (l2.RouterAdvertisement) gets a router
// advertisement in answer to each router solicitation: its prefix
// (autonomous for SLAAC), the M and O flags, MTU and DNS servers, and a
// router lifetime of 0 — no default router, as nothing routes here. One
// whose policy has DHCPv6 (l2.DHCPv6) gets its address (stateful) and DNS
// servers from the controller's DHCPv6 server.
//
// # Several controllers
//
// Switches may connect to several controllers running this app, one of
// them master (Options.Standby, App.SetRole; openflow/cluster elects it
// through etcd). A standby app asks each switch for the slave role and for
// packet-ins and port status as a slave, and learns from them what the
// master learns — MACs, links from the master's discovery frames (the
// apps must share Options.LLDPSecret) — while sending nothing. Made
// master, it takes each switch over: it asks for the master role with the
// mastership's generation id (a switch refuses an older one), reads the
// switch's flows and reconciles them (see Reconciled): the forwarding
// flows between MACs it knows stay and are tracked as its own, with the
// transport VLANs and conntrack zones the old master chose; the app's
// flows it cannot vouch for go (by slice or MAC in one delete where
// OpenFlow 1.3 allows); the table miss and filter flows that are missing
// or different are added. Only then does it forward for the switch. Made
// a slave, it stops writing at once. A standby app does not clear other
// switches' flows when a switch leaves it: the switch may still be driven
// by another controller.
//
// # Robustness
//
// No switch can stall the others: a packet-in's sends to other switches,
// and the deletes that fabric events cause, never wait on a full queue
// (openflow.Switch.TrySend); what a switch cannot take is counted in Stats
// and the controller drops a switch that takes nothing for its stall
// timeout. Fabric events are queued, coalesced per MAC and sent from Run's
// goroutine, not from the packet-in path.
package slicing

import (
	"context"
	"crypto/rand"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	// DropRate bounds the drop flows for unknown sources per switch port
	// and second (default 10, with bursts of ten times as many); past it
	// the port is quarantined.
	DropRate int
	// QuarantineTime is the hard timeout of a quarantine (default 5 s).
	QuarantineTime time.Duration
	// DiscoveryInterval is how often LLDP goes out on every port (default
	// 5 s).
	DiscoveryInterval time.Duration
	// LinkTimeout is how long a link lives without being heard from
	// (default three discovery intervals).
	LinkTimeout time.Duration
	// LLDPSecret keys the discovery frames' authenticator. Controllers
	// that share switches must share it; empty means a random one.
	LLDPSecret []byte
	// TransportVLANs are the VLAN ids the app may put on inter-switch
	// links to tell slices apart (default 1-4094).
	TransportVLANs VLANRange
	// SendTimeout bounds how long a packet-in waits on its own switch's
	// full queue (default 1 s); sends to other switches never wait.
	SendTimeout time.Duration
	// Standby makes the app one of several controllers sharing the
	// switches (see Several controllers in the package doc): it asks each
	// switch that connects for the slave role, learns from what the
	// switches send, and changes nothing on them until SetRole makes it
	// master.
	Standby bool
	// RoleChanged, when set, hears of every role a switch grants the app
	// (Standby only), from the goroutine that asked.
	RoleChanged func(SwitchRole)
	// Logger receives the app's events; nil discards them.
	Logger *slog.Logger
}

// App is the slicing application. Create it with New.
type App struct {
	fabric *l2.Fabric
	topo   *l2.Topology
	opts   Options
	log    *slog.Logger
	secret []byte
	tags   *tagPool
	flows  *tracker
	// filters are the filtered ports' zones and flows.
	filters filters
	// portChanges is signalled when PortUp may answer otherwise.
	portChanges chan struct{}
	stats       counters
	cl          cluster
	// epoch counts the fabric events that take forwarding away from a
	// MAC, so a packet-in can tell whether one came while it decided.
	epoch atomic.Uint64

	mu       sync.Mutex                          // guards links, and serializes changes to switches
	switches atomic.Pointer[map[uint64]*swState] // copied on change: read on every packet-in
	links    map[l2.Link]time.Time
}

// swState is what the app keeps per switch.
type swState struct {
	sw *openflow.Switch
	d  dialect

	// Used by this switch's packet-in handler alone.
	scratch scratch
	path    []l2.Hop
	dps     []uint64

	mu      sync.Mutex
	drops   map[dropKey]time.Time // drop flows installed, and when they end
	buckets map[l2.Port]*bucket   // drop-flow budget per port

	// active is set while the app drives the switch; otherwise it sends
	// it nothing (Options.Standby).
	active atomic.Bool
	roleMu sync.Mutex
	role   SwitchRole
}

// New returns an app and the fabric it forwards for (Fabric), made with
// fabric's options: the app hears the fabric's events first, then
// fabric.Events, if set. Options it cannot use (a transport VLAN range
// outside 1-4094) are an error.
func New(fabric l2.Options, opts Options) (*App, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.DropTimeout <= 0 {
		opts.DropTimeout = 60 * time.Second
	}
	if opts.NoPathTimeout <= 0 {
		opts.NoPathTimeout = time.Second
	}
	if opts.DropRate <= 0 {
		opts.DropRate = 10
	}
	if opts.QuarantineTime <= 0 {
		opts.QuarantineTime = 5 * time.Second
	}
	if opts.DiscoveryInterval <= 0 {
		opts.DiscoveryInterval = 5 * time.Second
	}
	if opts.LinkTimeout <= 0 {
		opts.LinkTimeout = 3 * opts.DiscoveryInterval
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tags, err := newTagPool(opts.TransportVLANs)
	if err != nil {
		return nil, err
	}
	secret := opts.LLDPSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	a := &App{topo: l2.NewTopology(), opts: opts, log: log, secret: secret, tags: tags,
		flows: newTracker(), links: map[l2.Link]time.Time{}, portChanges: make(chan struct{}, 1)}
	a.switches.Store(&map[uint64]*swState{})
	also := fabric.Events
	fabric.Events = func(ev l2.Event) {
		a.FabricEvent(ev)
		if also != nil {
			also(ev)
		}
	}
	a.fabric = l2.NewFabric(fabric)
	return a, nil
}

// Fabric returns the fabric the app forwards for. Change its bindings
// through Update, so that live traffic follows.
func (a *App) Fabric() *l2.Fabric { return a.fabric }

// Topology returns the switches' links as discovered.
func (a *App) Topology() *l2.Topology { return a.topo }

// Update changes the fabric's bindings and makes live traffic follow: the
// flows of forgotten MACs go (through FabricEvent), the flows of removed
// slices go and their transport tags are freed, and the drop flows go, so
// a source newly admitted is not held off by one.
func (a *App) Update(fn func(tx *l2.Tx) error) ([]l2.Event, error) {
	before := a.fabric.Slices()
	evs, err := a.fabric.Update(fn)
	if err != nil {
		return nil, err
	}
	after := a.fabric.Slices()
	var removed []string
	for _, id := range before {
		if _, found := slices.BinarySearch(after, id); !found {
			removed = append(removed, id)
		}
	}
	for _, s := range a.switchList() {
		a.clearDrops(s)
	}
	a.syncFilters(nil)
	a.flows.slicesGone(a.fabric, append(removed, a.tags.slices()...))
	a.flows.wake()
	return evs, nil
}

// Run drives the fabric's clock, link discovery and the deletes that
// fabric events cause, until ctx ends.
func (a *App) Run(ctx context.Context) {
	clock := time.NewTicker(time.Second)
	defer clock.Stop()
	disc := time.NewTicker(a.opts.DiscoveryInterval)
	defer disc.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-clock.C:
			a.fabric.Advance(now)
		case now := <-disc.C:
			a.discover()
			a.expireLinks(now)
		case <-a.flows.wakeup:
		}
		a.sendDeletes()
	}
}

// SwitchUp implements openflow.SwitchHandler: it clears the app's old
// flows, sends table misses to the controller and starts discovery.
func (a *App) SwitchUp(sw *openflow.Switch) {
	s := &swState{sw: sw, d: dialectFor(sw.Version()), drops: map[dropKey]time.Time{}, buckets: map[l2.Port]*bucket{}}
	s.role.Datapath = l2.DatapathID(sw.DatapathID())
	s.active.Store(!a.opts.Standby)
	a.changeSwitches(func(m map[uint64]*swState) { m[sw.DatapathID()] = s })
	if a.opts.Standby {
		// A role first: the switch's flows may be another master's.
		a.portsChanged()
		a.log.Info("switch up", "dpid", l2.DatapathID(sw.DatapathID()).String(), "version", sw.Version().String(), "standby", true)
		go a.joinSwitch(s)
		return
	}
	for _, m := range s.d.clear(false) {
		a.sendOwn(s, m)
	}
	for _, m := range s.d.tableMiss() {
		a.sendOwn(s, m)
	}
	a.syncFilters(s)
	a.portsChanged()
	a.log.Info("switch up", "dpid", l2.DatapathID(sw.DatapathID()).String(), "version", sw.Version().String())
	a.discoverOn(s)
}

// SwitchDown implements openflow.SwitchHandler.
func (a *App) SwitchDown(sw *openflow.Switch) {
	a.changeSwitches(func(m map[uint64]*swState) {
		if s := m[sw.DatapathID()]; s != nil && s.sw == sw {
			delete(m, sw.DatapathID())
		}
	})
	a.portsChanged()
	if a.opts.Standby {
		// Gone from this controller, not from the network: other
		// controllers may still drive it. Its links go when discovery
		// stops proving them.
		return
	}
	if gone := a.topo.RemoveDatapath(l2.DatapathID(sw.DatapathID())); len(gone) > 0 {
		a.pathsChanged()
	}
}

// ServeOpenFlow implements openflow.Handler.
func (a *App) ServeOpenFlow(sw *openflow.Switch, m openflow.Message) {
	switch m := m.(type) {
	case *of13.PacketIn:
		if port, ok := m.Match.InPort(); ok {
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
	s := a.switchState(l2.DatapathID(sw.DatapathID()))
	if s == nil {
		return
	}
	if !down {
		a.discoverOn(s)
		return
	}
	a.portDown(l2.PortRef{Datapath: l2.DatapathID(sw.DatapathID()), Port: l2.Port(port)})
}

// pathsChanged drops every forwarding flow, on every switch: paths may be
// gone. They come back with the next packets.
func (a *App) pathsChanged() {
	a.flows.reset()
	for _, s := range a.switchList() {
		for _, m := range s.d.clear(true) {
			a.sendOther(s, m)
		}
		if s.sw.Version() == openflow.Version10 {
			s.mu.Lock()
			clear(s.drops) // 1.0 cleared them too
			s.mu.Unlock()
		}
	}
}

// changeSwitches applies fn to a copy of the switch map and publishes it.
func (a *App) changeSwitches(fn func(map[uint64]*swState)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := maps.Clone(*a.switches.Load())
	fn(m)
	a.switches.Store(&m)
}

func (a *App) switchList() []*swState {
	return slices.Collect(maps.Values(*a.switches.Load()))
}

func (a *App) switchState(dp l2.DatapathID) *swState { return (*a.switches.Load())[uint64(dp)] }

// sendOwn sends to the switch whose packet-in is being handled: waiting a
// little on its full queue is pushing back on that switch alone.
func (a *App) sendOwn(s *swState, m openflow.Message) {
	if m == nil || !s.active.Load() {
		return
	}
	if err := s.sw.SendTimeout(m, a.opts.SendTimeout); err != nil {
		a.stats.sendFailed.Add(1)
		a.log.Debug("send", "dpid", l2.DatapathID(s.sw.DatapathID()).String(), "err", err)
	}
}

// sendOther sends to a switch the caller does not serve: it never waits.
func (a *App) sendOther(s *swState, m openflow.Message) {
	if m == nil || !s.active.Load() {
		return
	}
	if err := s.sw.TrySend(m); err != nil {
		a.stats.sendFailed.Add(1)
		a.log.Debug("send", "dpid", l2.DatapathID(s.sw.DatapathID()).String(), "err", err)
	}
}

// Stats are the app's counters since it started.
type Stats struct {
	PacketIns      uint64 `json:"packet_ins"`
	FlowMods       uint64 `json:"flow_mods"`        // forwarding flows installed
	PacketOuts     uint64 `json:"packet_outs"`      // frames sent out by the controller
	Deletes        uint64 `json:"deletes"`          // flow deletes sent for fabric events
	DropFlows      uint64 `json:"drop_flows"`       // drop flows for unknown sources and unreachable destinations
	Quarantines    uint64 `json:"quarantines"`      // ports quarantined for too many unknown sources
	Spoofed        uint64 `json:"spoofed"`          // frames dropped: their port's policy forbids their source
	DHCPRequests   uint64 `json:"dhcp_requests"`    // DHCP requests from ports the controller serves
	DHCPAnswers    uint64 `json:"dhcp_answers"`     // offers, acks and naks sent
	ARPAnswers     uint64 `json:"arp_answers"`      // ARP requests and neighbor solicitations answered for a port's address
	RAAnswers      uint64 `json:"ra_answers"`       // router solicitations answered
	SendFailed     uint64 `json:"send_failed"`      // messages a switch could not take
	NoTransportTag uint64 `json:"no_transport_tag"` // frames not forwarded: no transport VLAN left
	LLDPRefused    uint64 `json:"lldp_refused"`     // discovery frames refused (host port, forged, stale)
	TransportTags  int    `json:"transport_tags"`   // transport VLANs in use
	Links          int    `json:"links"`
}

type counters struct {
	packetIns, flowMods, packetOuts, deletes, dropFlows, quarantines                          atomic.Uint64
	sendFailed, noTag, lldpRefused, spoofed, dhcpRequests, dhcpAnswers, arpAnswers, raAnswers atomic.Uint64
}

// Stats returns the app's counters.
func (a *App) Stats() Stats {
	c := &a.stats
	return Stats{PacketIns: c.packetIns.Load(), FlowMods: c.flowMods.Load(), PacketOuts: c.packetOuts.Load(),
		Deletes: c.deletes.Load(), DropFlows: c.dropFlows.Load(), Quarantines: c.quarantines.Load(),
		Spoofed: c.spoofed.Load(), DHCPRequests: c.dhcpRequests.Load(), DHCPAnswers: c.dhcpAnswers.Load(),
		ARPAnswers: c.arpAnswers.Load(), RAAnswers: c.raAnswers.Load(), SendFailed: c.sendFailed.Load(), NoTransportTag: c.noTag.Load(), LLDPRefused: c.lldpRefused.Load(),
		TransportTags: a.tags.held(), Links: len(a.topo.Links())}
}

// PortUp reports whether the port at loc is realized: its switch is
// connected and, when it is filtered on a switch that filters, its filter
// flows were sent on this connection. (Forwarding flows come on demand.)
func (a *App) PortUp(loc l2.Location) bool {
	s := a.switchState(loc.Datapath)
	if s == nil || !s.active.Load() {
		return false
	}
	fp := a.filters.get(loc)
	return fp == nil || !s.d.filters() || fp.sentTo.Load() == s
}

// PortChanges is signalled when PortUp's answer may have changed for some
// port (a switch came or went, filter flows were sent). One reader takes
// each signal: it is what a service that reports ports' status follows
// (httpapi/neutron's Options.DataPlane).
func (a *App) PortChanges() <-chan struct{} { return a.portChanges }

func (a *App) portsChanged() {
	select {
	case a.portChanges <- struct{}{}:
	default:
	}
}
