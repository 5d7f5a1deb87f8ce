package of10

import (
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// ActionType is an OpenFlow 1.0 action type.
type ActionType uint16

// Action types.
const (
	ActionOutput     ActionType = 0
	ActionSetVLANVID ActionType = 1
	ActionSetVLANPCP ActionType = 2
	ActionStripVLAN  ActionType = 3
	ActionSetDLSrc   ActionType = 4
	ActionSetDLDst   ActionType = 5
	ActionSetNWSrc   ActionType = 6
	ActionSetNWDst   ActionType = 7
	ActionSetNWTOS   ActionType = 8
	ActionSetTPSrc   ActionType = 9
	ActionSetTPDst   ActionType = 10
	ActionEnqueue    ActionType = 11
	ActionVendor     ActionType = 0xffff
)

var actionNames = map[ActionType]string{ActionOutput: "OUTPUT", ActionSetVLANVID: "SET_VLAN_VID",
	ActionSetVLANPCP: "SET_VLAN_PCP", ActionStripVLAN: "STRIP_VLAN", ActionSetDLSrc: "SET_DL_SRC",
	ActionSetDLDst: "SET_DL_DST", ActionSetNWSrc: "SET_NW_SRC", ActionSetNWDst: "SET_NW_DST",
	ActionSetNWTOS: "SET_NW_TOS", ActionSetTPSrc: "SET_TP_SRC", ActionSetTPDst: "SET_TP_DST",
	ActionEnqueue: "ENQUEUE", ActionVendor: "VENDOR"}

func (t ActionType) String() string { return wire.MapName(actionNames, t, "ActionType") }

// Action is one OpenFlow 1.0 action: its Type and the arguments of that
// type; the fields another type takes stay zero. Build actions with the
// functions named after them (Output, SetVLANVID, StripVLAN, ...) and
// read them by Type. As in of13, an Action is a plain value: building,
// copying and decoding actions allocates nothing.
type Action struct {
	Type ActionType
	// Port is where Output sends the packet (a port or a reserved one:
	// PortController, PortFlood, ...), and the port of Enqueue's queue.
	Port uint16
	// MaxLen is how much of the packet Output to PortController sends.
	MaxLen uint16
	// VID is what SetVLANVID sets, PCP what SetVLANPCP sets, TOS what
	// SetNWTOS sets.
	VID uint16
	PCP uint8
	TOS uint8
	// MAC is what SetDLSrc and SetDLDst set, IP what SetNWSrc and
	// SetNWDst set, TPPort what SetTPSrc and SetTPDst set.
	MAC    [6]byte
	IP     [4]byte
	TPPort uint16
	// QueueID is Enqueue's queue.
	QueueID uint32
	// Vendor and Data are a vendor action's id and what follows it.
	Vendor uint32
	Data   []byte
}

// Output sends the packet to a port (or a reserved port: PortFlood,
// PortInPort, ...).
func Output(port uint16) Action { return Action{Type: ActionOutput, Port: port} }

// ToController sends the packet to the controller, at most maxLen bytes
// of it.
func ToController(maxLen uint16) Action {
	return Action{Type: ActionOutput, Port: PortController, MaxLen: maxLen}
}

// SetVLANVID sets the VLAN id (adding a tag when there is none).
func SetVLANVID(vid uint16) Action { return Action{Type: ActionSetVLANVID, VID: vid} }

// SetVLANPCP sets the VLAN priority.
func SetVLANPCP(pcp uint8) Action { return Action{Type: ActionSetVLANPCP, PCP: pcp} }

// StripVLAN removes the VLAN tag.
func StripVLAN() Action { return Action{Type: ActionStripVLAN} }

// SetDLSrc sets the Ethernet source.
func SetDLSrc(mac [6]byte) Action { return Action{Type: ActionSetDLSrc, MAC: mac} }

// SetDLDst sets the Ethernet destination.
func SetDLDst(mac [6]byte) Action { return Action{Type: ActionSetDLDst, MAC: mac} }

// SetNWSrc sets the IPv4 source.
func SetNWSrc(ip [4]byte) Action { return Action{Type: ActionSetNWSrc, IP: ip} }

// SetNWDst sets the IPv4 destination.
func SetNWDst(ip [4]byte) Action { return Action{Type: ActionSetNWDst, IP: ip} }

// SetNWTOS sets the IP ToS (DSCP bits).
func SetNWTOS(tos uint8) Action { return Action{Type: ActionSetNWTOS, TOS: tos} }

// SetTPSrc sets the TCP/UDP source port.
func SetTPSrc(port uint16) Action { return Action{Type: ActionSetTPSrc, TPPort: port} }

// SetTPDst sets the TCP/UDP destination port.
func SetTPDst(port uint16) Action { return Action{Type: ActionSetTPDst, TPPort: port} }

// Enqueue sends the packet to a queue of a port.
func Enqueue(port uint16, queue uint32) Action {
	return Action{Type: ActionEnqueue, Port: port, QueueID: queue}
}

// VendorAction is an action defined by a vendor; data is what follows the
// vendor id (the action's length must come to a multiple of 8).
func VendorAction(vendor uint32, data []byte) Action {
	return Action{Type: ActionVendor, Vendor: vendor, Data: data}
}

func hdr(b []byte, t ActionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

// appendTo appends the action. Only the fields of its type are written.
func (a *Action) appendTo(b []byte) ([]byte, error) {
	switch a.Type {
	case ActionOutput:
		return a16(a16(hdr(b, ActionOutput, 8), a.Port), a.MaxLen), nil
	case ActionSetVLANVID:
		return append(a16(hdr(b, ActionSetVLANVID, 8), a.VID), 0, 0), nil
	case ActionSetVLANPCP:
		return append(hdr(b, ActionSetVLANPCP, 8), a.PCP, 0, 0, 0), nil
	case ActionStripVLAN:
		return append(hdr(b, ActionStripVLAN, 8), 0, 0, 0, 0), nil
	case ActionSetDLSrc, ActionSetDLDst:
		return wire.Pad(append(hdr(b, a.Type, 16), a.MAC[:]...), 6), nil
	case ActionSetNWSrc, ActionSetNWDst:
		return append(hdr(b, a.Type, 8), a.IP[:]...), nil
	case ActionSetNWTOS:
		return append(hdr(b, ActionSetNWTOS, 8), a.TOS, 0, 0, 0), nil
	case ActionSetTPSrc, ActionSetTPDst:
		return append(a16(hdr(b, a.Type, 8), a.TPPort), 0, 0), nil
	case ActionEnqueue:
		return a32(wire.Pad(a16(hdr(b, ActionEnqueue, 16), a.Port), 6), a.QueueID), nil
	case ActionVendor:
		n := 8 + len(a.Data)
		if n%8 != 0 || n > 0xffff {
			return b, fmt.Errorf("%w: vendor action of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
		}
		return append(a32(hdr(b, ActionVendor, n), a.Vendor), a.Data...), nil
	}
	return b, fmt.Errorf("%w: unknown action type %d", wire.ErrInvalid, uint16(a.Type))
}

func appendActions(b []byte, actions []Action) ([]byte, error) {
	var err error
	for i := range actions {
		if b, err = actions[i].appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// actionLen is the encoded length of each fixed-size action.
var actionLen = [...]uint8{ActionOutput: 8, ActionSetVLANVID: 8, ActionSetVLANPCP: 8, ActionStripVLAN: 8,
	ActionSetDLSrc: 16, ActionSetDLDst: 16, ActionSetNWSrc: 8, ActionSetNWDst: 8, ActionSetNWTOS: 8,
	ActionSetTPSrc: 8, ActionSetTPDst: 8, ActionEnqueue: 16}

// decodeActions reads actions until d is exhausted, appending them to out
// (whose capacity it reuses).
func decodeActions(d *wire.Decoder, out []Action) []Action {
	for d.Len() > 0 {
		start := d.Off
		t := ActionType(d.U16())
		n := int(d.U16())
		if d.Failed() {
			return out
		}
		if n < 8 || n%8 != 0 {
			d.Off = start
			d.Fail(uint16(ErrorTypeBadAction), BadActionBadLen, "action %v length %d", t, n)
			return out
		}
		if n-4 > d.Len() {
			d.Off = start
			d.Fail(uint16(ErrorTypeBadAction), BadActionBadLen, "truncated")
			return out
		}
		if t != ActionVendor && (int(t) >= len(actionLen) || actionLen[t] == 0) {
			d.Fail(uint16(ErrorTypeBadAction), BadActionBadType, "unknown action type %d", uint16(t))
			return out
		}
		if t != ActionVendor && n != int(actionLen[t]) {
			d.Fail(uint16(ErrorTypeBadAction), BadActionBadLen, "action %v length %d, want %d", t, n, actionLen[t])
			return out
		}
		// The body is read in place: its length is the type's.
		body := d.B[d.Off : d.Off+n-4 : d.Off+n-4]
		d.Off += n - 4
		a := Action{Type: t}
		switch t {
		case ActionOutput:
			a.Port, a.MaxLen = be.Uint16(body), be.Uint16(body[2:])
		case ActionSetVLANVID:
			a.VID = be.Uint16(body)
		case ActionSetVLANPCP:
			a.PCP = body[0]
		case ActionSetDLSrc, ActionSetDLDst:
			a.MAC = [6]byte(body[:6])
		case ActionSetNWSrc, ActionSetNWDst:
			a.IP = [4]byte(body[:4])
		case ActionSetNWTOS:
			a.TOS = body[0]
		case ActionSetTPSrc, ActionSetTPDst:
			a.TPPort = be.Uint16(body)
		case ActionEnqueue:
			a.Port, a.QueueID = be.Uint16(body), be.Uint32(body[8:])
		case ActionVendor:
			a.Vendor, a.Data = be.Uint32(body), body[4:]
			if len(a.Data) == 0 {
				a.Data = nil
			}
		}
		out = append(out, a)
	}
	return out
}
