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

// Action is one OpenFlow 1.0 action; the concrete types are the structs of
// this file.
type Action interface {
	Type() ActionType
	appendTo(b []byte) ([]byte, error)
}

// Output sends the packet to a port; MaxLen is how much of it goes to the
// controller.
type Output struct {
	Port   uint16
	MaxLen uint16
}

// SetVLANVID sets (or adds) the VLAN id.
type SetVLANVID struct{ VID uint16 }

// SetVLANPCP sets (or adds) the VLAN priority.
type SetVLANPCP struct{ PCP uint8 }

// StripVLAN removes the VLAN tag.
type StripVLAN struct{}

// SetDLSrc sets the source MAC.
type SetDLSrc struct{ Addr [6]byte }

// SetDLDst sets the destination MAC.
type SetDLDst struct{ Addr [6]byte }

// SetNWSrc sets the IPv4 source.
type SetNWSrc struct{ Addr [4]byte }

// SetNWDst sets the IPv4 destination.
type SetNWDst struct{ Addr [4]byte }

// SetNWTOS sets the IP ToS.
type SetNWTOS struct{ TOS uint8 }

// SetTPSrc sets the transport source port.
type SetTPSrc struct{ Port uint16 }

// SetTPDst sets the transport destination port.
type SetTPDst struct{ Port uint16 }

// Enqueue sends the packet to a queue of a port.
type Enqueue struct {
	Port    uint16
	QueueID uint32
}

// VendorAction is a vendor's action; Data follows the vendor id.
type VendorAction struct {
	Vendor uint32
	Data   []byte
}

func (Output) Type() ActionType       { return ActionOutput }
func (SetVLANVID) Type() ActionType   { return ActionSetVLANVID }
func (SetVLANPCP) Type() ActionType   { return ActionSetVLANPCP }
func (StripVLAN) Type() ActionType    { return ActionStripVLAN }
func (SetDLSrc) Type() ActionType     { return ActionSetDLSrc }
func (SetDLDst) Type() ActionType     { return ActionSetDLDst }
func (SetNWSrc) Type() ActionType     { return ActionSetNWSrc }
func (SetNWDst) Type() ActionType     { return ActionSetNWDst }
func (SetNWTOS) Type() ActionType     { return ActionSetNWTOS }
func (SetTPSrc) Type() ActionType     { return ActionSetTPSrc }
func (SetTPDst) Type() ActionType     { return ActionSetTPDst }
func (Enqueue) Type() ActionType      { return ActionEnqueue }
func (VendorAction) Type() ActionType { return ActionVendor }

func hdr(b []byte, t ActionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

func (a Output) appendTo(b []byte) ([]byte, error) {
	return a16(a16(hdr(b, ActionOutput, 8), a.Port), a.MaxLen), nil
}
func (a SetVLANVID) appendTo(b []byte) ([]byte, error) {
	return append(a16(hdr(b, ActionSetVLANVID, 8), a.VID), 0, 0), nil
}
func (a SetVLANPCP) appendTo(b []byte) ([]byte, error) {
	return append(hdr(b, ActionSetVLANPCP, 8), a.PCP, 0, 0, 0), nil
}
func (StripVLAN) appendTo(b []byte) ([]byte, error) {
	return append(hdr(b, ActionStripVLAN, 8), 0, 0, 0, 0), nil
}
func (a SetDLSrc) appendTo(b []byte) ([]byte, error) {
	return wire.Pad(append(hdr(b, ActionSetDLSrc, 16), a.Addr[:]...), 6), nil
}
func (a SetDLDst) appendTo(b []byte) ([]byte, error) {
	return wire.Pad(append(hdr(b, ActionSetDLDst, 16), a.Addr[:]...), 6), nil
}
func (a SetNWSrc) appendTo(b []byte) ([]byte, error) {
	return append(hdr(b, ActionSetNWSrc, 8), a.Addr[:]...), nil
}
func (a SetNWDst) appendTo(b []byte) ([]byte, error) {
	return append(hdr(b, ActionSetNWDst, 8), a.Addr[:]...), nil
}
func (a SetNWTOS) appendTo(b []byte) ([]byte, error) {
	return append(hdr(b, ActionSetNWTOS, 8), a.TOS, 0, 0, 0), nil
}
func (a SetTPSrc) appendTo(b []byte) ([]byte, error) {
	return append(a16(hdr(b, ActionSetTPSrc, 8), a.Port), 0, 0), nil
}
func (a SetTPDst) appendTo(b []byte) ([]byte, error) {
	return append(a16(hdr(b, ActionSetTPDst, 8), a.Port), 0, 0), nil
}
func (a Enqueue) appendTo(b []byte) ([]byte, error) {
	return a32(wire.Pad(a16(hdr(b, ActionEnqueue, 16), a.Port), 6), a.QueueID), nil
}
func (a VendorAction) appendTo(b []byte) ([]byte, error) {
	n := 8 + len(a.Data)
	if n%8 != 0 || n > 0xffff {
		return b, fmt.Errorf("%w: vendor action of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
	}
	return append(a32(hdr(b, ActionVendor, n), a.Vendor), a.Data...), nil
}

func appendActions(b []byte, actions []Action) ([]byte, error) {
	var err error
	for _, a := range actions {
		if a == nil {
			return b, fmt.Errorf("%w: nil action", wire.ErrInvalid)
		}
		if b, err = a.appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

func decodeActions(d *wire.Decoder) []Action {
	var out []Action
	for d.Len() > 0 {
		start := d.Off
		t := ActionType(d.U16())
		n := int(d.U16())
		if d.Failed() {
			return out
		}
		if n < 8 || n%8 != 0 {
			d.Off = start
			d.Fail(uint16(ErrBadAction), BadActionBadLen, "action %v length %d", t, n)
			return out
		}
		if n-4 > d.Len() {
			d.Off = start
			d.Fail(uint16(ErrBadAction), BadActionBadLen, "truncated")
			return out
		}
		s := d.Sub(n - 4)
		s.BadLenType, s.BadLenCode = uint16(ErrBadAction), BadActionBadLen
		want := 8
		var a Action
		switch t {
		case ActionOutput:
			a = Output{Port: s.U16(), MaxLen: s.U16()}
		case ActionSetVLANVID:
			a = SetVLANVID{s.U16()}
			s.Skip(2)
		case ActionSetVLANPCP:
			a = SetVLANPCP{s.U8()}
			s.Skip(3)
		case ActionStripVLAN:
			a = StripVLAN{}
			s.Skip(4)
		case ActionSetDLSrc, ActionSetDLDst:
			want = 16
			var addr [6]byte
			s.Copy(addr[:])
			s.Skip(6)
			if t == ActionSetDLSrc {
				a = SetDLSrc{addr}
			} else {
				a = SetDLDst{addr}
			}
		case ActionSetNWSrc, ActionSetNWDst:
			var addr [4]byte
			s.Copy(addr[:])
			if t == ActionSetNWSrc {
				a = SetNWSrc{addr}
			} else {
				a = SetNWDst{addr}
			}
		case ActionSetNWTOS:
			a = SetNWTOS{s.U8()}
			s.Skip(3)
		case ActionSetTPSrc, ActionSetTPDst:
			p := s.U16()
			s.Skip(2)
			if t == ActionSetTPSrc {
				a = SetTPSrc{p}
			} else {
				a = SetTPDst{p}
			}
		case ActionEnqueue:
			want = 16
			e := Enqueue{Port: s.U16()}
			s.Skip(6)
			e.QueueID = s.U32()
			a = e
		case ActionVendor:
			want = n
			a = VendorAction{Vendor: s.U32(), Data: s.Rest()}
		default:
			s.Fail(uint16(ErrBadAction), BadActionBadType, "unknown action type %d", uint16(t))
		}
		if n != want && !s.Failed() {
			s.Off = 0
			s.Fail(uint16(ErrBadAction), BadActionBadLen, "action %v length %d, want %d", t, n, want)
		}
		d.Merge(&s)
		if d.Failed() {
			return out
		}
		out = append(out, a)
	}
	return out
}
