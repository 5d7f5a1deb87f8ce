package slicing

import (
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
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
	Out      l2.Port
	OutVLAN  l2.VLAN
}

// dropSpec is a drop flow: frames entering at Port tagged VLAN (from Src,
// to Dst, when set).
type dropSpec struct {
	Port       l2.Port
	VLAN       l2.VLAN
	Src, Dst   *l2.MAC
	Priority   uint16
	Idle, Hard uint16 // seconds
}

type dialect interface {
	// tableMiss sends what no flow matches to the controller.
	tableMiss() openflow.Message
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
	forward(f flowSpec) openflow.Message
	drop(d dropSpec) openflow.Message
	deleteDrop(d dropSpec) openflow.Message
	// packetOut sends a frame tagged from out of out.Port tagged as out.
	packetOut(from l2.VLAN, out l2.Location, data []byte) openflow.Message
	// rawPacketOut sends a frame as it is.
	rawPacketOut(port l2.Port, data []byte) openflow.Message
	// physical reports whether port is a switch port (not a reserved one).
	physical(port uint32) bool
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

func (of13Dialect) tableMiss() openflow.Message {
	return &of13.FlowMod{Command: of13.FlowAdd, Priority: priorityMiss, Cookie: cookieMiss, BufferID: of13.NoBuffer,
		OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Instructions: of13.Apply(of13.Output{Port: of13.PortController, MaxLen: of13.ControllerNoBuffer})}
}

func delete13(cookie, mask uint64, fields ...of13.Field) *of13.FlowMod {
	return &of13.FlowMod{Command: of13.FlowDelete, TableID: of13.TableAll, Cookie: cookie, CookieMask: mask,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Match: of13.Match{Fields: fields}}
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

func (of13Dialect) forward(f flowSpec) openflow.Message {
	acts := append(vlanActions13(f.VLAN, f.OutVLAN), of13.Output{Port: uint32(f.Out)})
	return &of13.FlowMod{Cookie: f.Cookie, Command: of13.FlowAdd, IdleTimeout: f.Idle, Priority: priorityForward,
		BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Flags: of13.FlowSendFlowRem,
		Match:        of13.NewMatch(of13.InPort(uint32(f.Port)), vlanMatch13(f.VLAN), of13.EthSrc(f.Src), of13.EthDst(f.Dst)),
		Instructions: of13.Apply(acts...)}
}

func dropMatch13(d dropSpec) of13.Match {
	fields := []of13.Field{of13.InPort(uint32(d.Port)), vlanMatch13(d.VLAN)}
	if d.Src != nil {
		fields = append(fields, of13.EthSrc(*d.Src))
	}
	if d.Dst != nil {
		fields = append(fields, of13.EthDst(*d.Dst))
	}
	return of13.NewMatch(fields...)
}

func (of13Dialect) drop(d dropSpec) openflow.Message {
	return &of13.FlowMod{Cookie: cookieDrop, Command: of13.FlowAdd, IdleTimeout: d.Idle, HardTimeout: d.Hard,
		Priority: d.Priority, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny,
		Match: dropMatch13(d)}
}

func (of13Dialect) deleteDrop(d dropSpec) openflow.Message {
	return &of13.FlowMod{Cookie: cookieDrop, CookieMask: ^uint64(0), Command: of13.FlowDeleteStrict, TableID: of13.TableAll,
		Priority: d.Priority, BufferID: of13.NoBuffer, OutPort: of13.PortAny, OutGroup: of13.GroupAny, Match: dropMatch13(d)}
}

func (of13Dialect) packetOut(from l2.VLAN, out l2.Location, data []byte) openflow.Message {
	acts := append(vlanActions13(from, out.VLAN), of13.Output{Port: uint32(out.Port)})
	return &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController, Actions: acts, Data: data}
}

func (of13Dialect) rawPacketOut(port l2.Port, data []byte) openflow.Message {
	return &of13.PacketOut{BufferID: of13.NoBuffer, InPort: of13.PortController,
		Actions: []of13.Action{of13.Output{Port: uint32(port)}}, Data: data}
}

func (of13Dialect) physical(port uint32) bool { return port > 0 && port <= of13.PortMax }

// OpenFlow 1.0.

type of10Dialect struct{}

func (of10Dialect) tableMiss() openflow.Message {
	return &of10.FlowMod{Match: of10.MatchAll(), Command: of10.FlowAdd, Priority: priorityMiss, Cookie: cookieMiss,
		BufferID: of10.NoBuffer, OutPort: of10.PortNone, Actions: []of10.Action{of10.Output{Port: of10.PortController, MaxLen: 0xffff}}}
}

func delete10(m of10.Match) *of10.FlowMod {
	return &of10.FlowMod{Match: m, Command: of10.FlowDelete, BufferID: of10.NoBuffer, OutPort: of10.PortNone}
}

func (d of10Dialect) clear(bool) []openflow.Message {
	return []openflow.Message{delete10(of10.MatchAll()), d.tableMiss()}
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

func vlanActions10(from, to l2.VLAN) []of10.Action {
	switch {
	case from == to:
		return nil
	case to == l2.Untagged:
		return []of10.Action{of10.StripVLAN{}}
	}
	return []of10.Action{of10.SetVLANVID{VID: uint16(to)}}
}

func (of10Dialect) forward(f flowSpec) openflow.Message {
	m := vlanMatch10(of10.MatchAll().WithInPort(uint16(f.Port)), f.VLAN).WithDLSrc(f.Src).WithDLDst(f.Dst)
	acts := append(vlanActions10(f.VLAN, f.OutVLAN), of10.Output{Port: uint16(f.Out)})
	return &of10.FlowMod{Match: m, Cookie: f.Cookie, Command: of10.FlowAdd, IdleTimeout: f.Idle, Priority: priorityForward,
		BufferID: of10.NoBuffer, OutPort: of10.PortNone, Flags: of10.FlowSendFlowRem, Actions: acts}
}

func dropMatch10(d dropSpec) of10.Match {
	m := vlanMatch10(of10.MatchAll().WithInPort(uint16(d.Port)), d.VLAN)
	if d.Src != nil {
		m = m.WithDLSrc(*d.Src)
	}
	if d.Dst != nil {
		m = m.WithDLDst(*d.Dst)
	}
	return m
}

func (of10Dialect) drop(d dropSpec) openflow.Message {
	return &of10.FlowMod{Match: dropMatch10(d), Cookie: cookieDrop, Command: of10.FlowAdd, IdleTimeout: d.Idle,
		HardTimeout: d.Hard, Priority: d.Priority, BufferID: of10.NoBuffer, OutPort: of10.PortNone}
}

func (of10Dialect) deleteDrop(d dropSpec) openflow.Message {
	return &of10.FlowMod{Match: dropMatch10(d), Command: of10.FlowDeleteStrict, Priority: d.Priority,
		BufferID: of10.NoBuffer, OutPort: of10.PortNone}
}

func (of10Dialect) packetOut(from l2.VLAN, out l2.Location, data []byte) openflow.Message {
	acts := append(vlanActions10(from, out.VLAN), of10.Output{Port: uint16(out.Port)})
	return &of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone, Actions: acts, Data: data}
}

func (of10Dialect) rawPacketOut(port l2.Port, data []byte) openflow.Message {
	return &of10.PacketOut{BufferID: of10.NoBuffer, InPort: of10.PortNone,
		Actions: []of10.Action{of10.Output{Port: uint16(port)}}, Data: data}
}

func (of10Dialect) physical(port uint32) bool { return port > 0 && port <= uint32(of10.PortMax) }
