package slicing

import (
	"net/netip"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/nicira"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
)

// The app's flows, in the vocabulary both versions share: a dialect
// builds each kind of message for one OpenFlow version.

// Flow priorities.
const (
	priorityForward    = 100
	priorityDrop       = 50
	priorityQuarantine = 40
	priorityMiss       = 0
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

// sliceCookie is the cookie of a slice's forwarding flows: FNV-1a of its
// id under the marker.
func sliceCookie(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return cookieMarker | h&(1<<47-1)
}

// flowSpec is one forwarding flow: frames entering at Port tagged VLAN
// from Src to Dst leave at Out, retagged as OutVLAN.
type flowSpec struct {
	Cookie   uint64
	Idle     uint16 // seconds
	Port     l2.Port
	VLAN     l2.VLAN
	Src, Dst l2.MAC
	L3       l3Source
	Out      l2.Port
	OutVLAN  l2.VLAN
	// Filter, on the last hop to a filtered port, sends the frame to its
	// ingress rules instead of out.
	Filter *filterPort
}

// l3Source narrows a flow to frames of one EtherType (Type, when not 0)
// from one network address (Addr, when valid): a port with a policy gets
// flows only for sources the controller checked.
type l3Source struct {
	Type uint16
	Addr netip.Addr
}

func (l l3Source) prefix() netip.Prefix { return netip.PrefixFrom(l.Addr, l.Addr.BitLen()) }

// dropSpec is a drop flow: frames entering at Port tagged VLAN (from Src,
// to Dst, when HasSrc, HasDst; of L3, when set).
type dropSpec struct {
	Port           l2.Port
	VLAN           l2.VLAN
	Src, Dst       l2.MAC
	HasSrc, HasDst bool
	L3             l3Source
	Priority       uint16
	Idle, Hard     uint16 // seconds
}

// scratch holds the messages of the packet-in path, reused from one
// packet-in to the next: a message is encoded as it is sent, so the next
// may take its place at once. Each switch's handler has its own.
type scratch struct {
	fm13     of13.FlowMod
	po13     of13.PacketOut
	fields13 [6]of13.Field
	instr13  [1]of13.Instruction
	acts13   [4]of13.Action

	fm10   of10.FlowMod
	po10   of10.PacketOut
	acts10 [3]of10.Action
}

type dialect interface {
	// tableMiss sends what no flow matches to the controller (1.3: what
	// table 0 does not take goes to the forwarding table).
	tableMiss() []openflow.Message
	// clear deletes the app's flows, forwarding ones only or all; for 1.0,
	// which cannot select by cookie, both delete every flow and put the
	// table miss back.
	clear(forwardingOnly bool) []openflow.Message
	// deleteMAC deletes the slice's forwarding flows to (or from) mac; 1.0
	// deletes every slice's, having no cookie to select by.
	deleteMAC(cookie uint64, mac l2.MAC, asDst bool) openflow.Message
	// deleteSlice deletes the slice's forwarding flows; 1.0 deletes the
	// flows matching its transport tag (nothing when it has none).
	deleteSlice(cookie uint64, tag l2.VLAN) openflow.Message
	// deleteDrops deletes every drop flow, or returns nil when the version
	// cannot (1.0: the app deletes each, strictly).
	deleteDrops() openflow.Message
	// forward builds a forwarding flow in sc.
	forward(sc *scratch, f flowSpec) openflow.Message
	drop(d dropSpec) openflow.Message
	deleteDrop(d dropSpec) openflow.Message
	// packetOut builds, in sc, a packet-out of a frame tagged from out of
	// out.Port tagged as out.
	packetOut(sc *scratch, from l2.VLAN, out l2.Location, data []byte) openflow.Message
	// rawPacketOut sends a frame as it is.
	rawPacketOut(port l2.Port, data []byte) openflow.Message
	// physical reports whether port is a switch port (not a reserved one).
	physical(port uint32) bool
	// filters reports whether the version can filter (1.3).
	filters() bool
	// filter replaces a filtered port's flows; unfilter deletes them.
	filter(fp *filterPort) []openflow.Message
	unfilter(fp *filterPort) openflow.Message
	// tablePacketOut sends a frame that came in at port through the
	// pipeline from its start (1.3 only).
	tablePacketOut(port l2.Port, data []byte) openflow.Message
	// matchesSource reports whether a flow can match a frame's source
	// address of EtherType typ (the sender's MAC of ARP is not among
	// them: ARP from a port with a policy is checked frame by frame).
	matchesSource(typ uint16) bool
}

func dialectFor(v openflow.Version) dialect {
	if v == openflow.Version10 {
		return of10Dialect{}
	}
	return of13Dialect{}
}

func seconds(d time.Duration) uint16 { return uint16(min(d/time.Second, 0xffff)) }

// OpenFlow 1.3.

type of13Dialect struct{}

func (of13Dialect) tableMiss() []openflow.Message {
	next := of13.NewFlowMod(of13.FlowAdd)
	next.Priority, next.Cookie = priorityMiss, cookieMiss
	next.Instructions = []of13.Instruction{of13.GotoTable(tableForward)}
	fm := of13.NewFlowMod(of13.FlowAdd)
	fm.TableID, fm.Priority, fm.Cookie = tableForward, priorityMiss, cookieMiss
	fm.Instructions = of13.Apply(of13.ToController(of13.ControllerNoBuffer))
	return []openflow.Message{next, fm}
}

func (of13Dialect) filters() bool { return true }

func (d of13Dialect) filter(fp *filterPort) []openflow.Message {
	return append([]openflow.Message{d.unfilter(fp)}, filterFlows13(fp)...)
}

func (of13Dialect) unfilter(fp *filterPort) openflow.Message {
	return delete13(filterCookie(fp.zone), ^uint64(0))
}

func (of13Dialect) tablePacketOut(port l2.Port, data []byte) openflow.Message {
	po := of13.NewPacketOut(data, of13.Output(of13.PortTable))
	po.InPort = uint32(port)
	return po
}

func delete13(cookie, mask uint64, fields ...of13.Field) *of13.FlowMod {
	fm := of13.NewFlowMod(of13.FlowDelete)
	fm.TableID, fm.Cookie, fm.CookieMask, fm.Match = of13.TableAll, cookie, mask, of13.Match{Fields: fields}
	return fm
}

func (of13Dialect) clear(forwardingOnly bool) []openflow.Message {
	if forwardingOnly {
		return []openflow.Message{delete13(cookieMarker, cookieForward)}
	}
	return []openflow.Message{delete13(cookieMarker, cookieMarkMask)}
}

func (of13Dialect) deleteMAC(cookie uint64, mac l2.MAC, asDst bool) openflow.Message {
	if asDst {
		return delete13(cookie, ^uint64(0), of13.EthDst(mac))
	}
	return delete13(cookie, ^uint64(0), of13.EthSrc(mac))
}

func (of13Dialect) deleteSlice(cookie uint64, _ l2.VLAN) openflow.Message {
	return delete13(cookie, ^uint64(0))
}

func (of13Dialect) deleteDrops() openflow.Message { return delete13(cookieDrop, ^uint64(0)) }

func vlanMatch13(v l2.VLAN) of13.Field {
	if v == l2.Untagged {
		return of13.VLANNone()
	}
	return of13.VLANVID(uint16(v))
}

// vlanActions13 appends the actions that turn a frame tagged from into
// one tagged to.
func vlanActions13(acts []of13.Action, from, to l2.VLAN) []of13.Action {
	switch {
	case from == to:
		return acts
	case to == l2.Untagged:
		return append(acts, of13.PopVLAN())
	case from == l2.Untagged:
		acts = append(acts, of13.PushVLAN(0x8100))
	}
	return append(acts, of13.SetField(of13.VLANVID(uint16(to))))
}

func (of13Dialect) forward(sc *scratch, f flowSpec) openflow.Message {
	acts := vlanActions13(sc.acts13[:0], f.VLAN, f.OutVLAN)
	table := uint8(tableForward)
	if fp := f.Filter; fp != nil {
		acts = append(acts, of13.SetField(nicira.Reg(0, uint32(fp.zone), ^uint32(0))), fp.toIngress)
	} else {
		acts = append(acts, of13.Output(uint32(f.Out)))
	}
	sc.instr13[0] = of13.ApplyActions(acts...)
	fields := append(sc.fields13[:0], of13.InPort(uint32(f.Port)), vlanMatch13(f.VLAN), of13.EthSrc(f.Src), of13.EthDst(f.Dst))
	fields = l3Match13(fields, f.L3)
	sc.fm13 = of13.FlowMod{Cookie: f.Cookie, Command: of13.FlowAdd, TableID: table, IdleTimeout: f.Idle, Priority: priorityForward,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Flags: of13.FlowSendFlowRem,
		Match: of13.Match{Fields: fields}, Instructions: sc.instr13[:]}
	return &sc.fm13
}

// l3Match13 appends the fields that match l (prerequisites first).
func l3Match13(fields []of13.Field, l l3Source) []of13.Field {
	if l.Type == 0 {
		return fields
	}
	fields = append(fields, of13.EthType(l.Type))
	switch {
	case !l.Addr.IsValid():
	case l.Type == uint16(l2.EtherTypeIPv4):
		fields = append(fields, of13.IPv4Src(l.prefix()))
	case l.Type == uint16(l2.EtherTypeIPv6):
		fields = append(fields, of13.IPv6Src(l.prefix()))
	}
	return fields
}

func dropMatch13(d dropSpec) of13.Match {
	fields := []of13.Field{of13.InPort(uint32(d.Port)), vlanMatch13(d.VLAN)}
	if d.HasSrc {
		fields = append(fields, of13.EthSrc(d.Src))
	}
	if d.HasDst {
		fields = append(fields, of13.EthDst(d.Dst))
	}
	return of13.NewMatch(l3Match13(fields, d.L3)...)
}

func (of13Dialect) drop(d dropSpec) openflow.Message {
	fm := of13.NewFlowMod(of13.FlowAdd)
	fm.Cookie, fm.IdleTimeout, fm.HardTimeout, fm.Priority, fm.Match = cookieDrop, d.Idle, d.Hard, d.Priority, dropMatch13(d)
	fm.TableID = tableForward
	return fm
}

func (of13Dialect) deleteDrop(d dropSpec) openflow.Message {
	fm := of13.NewFlowMod(of13.FlowDeleteStrict)
	fm.Cookie, fm.CookieMask, fm.TableID, fm.Priority, fm.Match = cookieDrop, ^uint64(0), of13.TableAll, d.Priority, dropMatch13(d)
	return fm
}

func (of13Dialect) packetOut(sc *scratch, from l2.VLAN, out l2.Location, data []byte) openflow.Message {
	acts := append(vlanActions13(sc.acts13[:0], from, out.VLAN), of13.Output(uint32(out.Port)))
	sc.po13 = of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Actions: acts, Data: data}
	return &sc.po13
}

func (of13Dialect) rawPacketOut(port l2.Port, data []byte) openflow.Message {
	return of13.NewPacketOut(data, of13.Output(uint32(port)))
}

func (of13Dialect) physical(port uint32) bool { return port > 0 && port <= of13.PortMax }

func (of13Dialect) matchesSource(typ uint16) bool {
	return typ == uint16(l2.EtherTypeIPv4) || typ == uint16(l2.EtherTypeIPv6)
}

// OpenFlow 1.0.

type of10Dialect struct{}

func (of10Dialect) tableMiss() []openflow.Message {
	fm := of10.NewFlowMod(of10.FlowAdd, of10.MatchAll())
	fm.Priority, fm.Cookie = priorityMiss, cookieMiss
	fm.Actions = []of10.Action{of10.ToController(0xffff)}
	return []openflow.Message{fm}
}

func (of10Dialect) filters() bool                                   { return false }
func (of10Dialect) filter(*filterPort) []openflow.Message           { return nil }
func (of10Dialect) unfilter(*filterPort) openflow.Message           { return nil }
func (of10Dialect) tablePacketOut(l2.Port, []byte) openflow.Message { return nil }

func delete10(m of10.Match) *of10.FlowMod { return of10.NewFlowMod(of10.FlowDelete, m) }

func (d of10Dialect) clear(bool) []openflow.Message {
	return append([]openflow.Message{delete10(of10.MatchAll())}, d.tableMiss()...)
}

func (of10Dialect) deleteMAC(_ uint64, mac l2.MAC, asDst bool) openflow.Message {
	if asDst {
		return delete10(of10.MatchAll().WithDLDst(mac))
	}
	return delete10(of10.MatchAll().WithDLSrc(mac))
}

func (of10Dialect) deleteSlice(_ uint64, tag l2.VLAN) openflow.Message {
	if tag == 0 {
		return nil
	}
	return delete10(of10.MatchAll().WithDLVLAN(uint16(tag)))
}

func (of10Dialect) deleteDrops() openflow.Message { return nil }

func vlanMatch10(m of10.Match, v l2.VLAN) of10.Match {
	if v == l2.Untagged {
		return m.WithDLVLAN(of10.VLANNone)
	}
	return m.WithDLVLAN(uint16(v))
}

// vlanActions10 appends the actions that turn a frame tagged from into
// one tagged to.
func vlanActions10(acts []of10.Action, from, to l2.VLAN) []of10.Action {
	switch {
	case from == to:
		return acts
	case to == l2.Untagged:
		return append(acts, of10.StripVLAN())
	}
	return append(acts, of10.SetVLANVID(uint16(to)))
}

func (of10Dialect) forward(sc *scratch, f flowSpec) openflow.Message {
	m := l3Match10(vlanMatch10(of10.MatchAll().WithInPort(uint16(f.Port)), f.VLAN).WithDLSrc(f.Src).WithDLDst(f.Dst), f.L3)
	acts := append(vlanActions10(sc.acts10[:0], f.VLAN, f.OutVLAN), of10.Output(uint16(f.Out)))
	sc.fm10 = of10.FlowMod{Match: m, Cookie: f.Cookie, Command: of10.FlowAdd, IdleTimeout: f.Idle, Priority: priorityForward,
		BufferID: of10.NoBuffer, OutPort: of10.PortNone, Flags: of10.FlowSendFlowRem, Actions: acts}
	return &sc.fm10
}

// l3Match10 narrows m to l: 1.0 matches an IPv4 source, no IPv6 one.
func l3Match10(m of10.Match, l l3Source) of10.Match {
	if l.Type == 0 {
		return m
	}
	m = m.WithDLType(l.Type)
	if l.Addr.IsValid() && l.Type == uint16(l2.EtherTypeIPv4) {
		m = m.WithNWSrc(l.prefix())
	}
	return m
}

func dropMatch10(d dropSpec) of10.Match {
	m := vlanMatch10(of10.MatchAll().WithInPort(uint16(d.Port)), d.VLAN)
	if d.HasSrc {
		m = m.WithDLSrc(d.Src)
	}
	if d.HasDst {
		m = m.WithDLDst(d.Dst)
	}
	return l3Match10(m, d.L3)
}

func (of10Dialect) drop(d dropSpec) openflow.Message {
	fm := of10.NewFlowMod(of10.FlowAdd, dropMatch10(d))
	fm.Cookie, fm.IdleTimeout, fm.HardTimeout, fm.Priority = cookieDrop, d.Idle, d.Hard, d.Priority
	return fm
}

func (of10Dialect) deleteDrop(d dropSpec) openflow.Message {
	fm := of10.NewFlowMod(of10.FlowDeleteStrict, dropMatch10(d))
	fm.Priority = d.Priority
	return fm
}

func (of10Dialect) packetOut(sc *scratch, from l2.VLAN, out l2.Location, data []byte) openflow.Message {
	acts := append(vlanActions10(sc.acts10[:0], from, out.VLAN), of10.Output(uint16(out.Port)))
	sc.po10 = of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone, Actions: acts, Data: data}
	return &sc.po10
}

func (of10Dialect) rawPacketOut(port l2.Port, data []byte) openflow.Message {
	return of10.NewPacketOut(data, of10.Output(uint16(port)))
}

func (of10Dialect) physical(port uint32) bool { return port > 0 && port <= uint32(of10.PortMax) }

func (of10Dialect) matchesSource(typ uint16) bool { return typ == uint16(l2.EtherTypeIPv4) }
