package of13

import (
	"errors"
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// ActionType is an OpenFlow 1.3 action type.
type ActionType uint16

// Action types.
const (
	ActionOutput       ActionType = 0
	ActionCopyTTLOut   ActionType = 11
	ActionCopyTTLIn    ActionType = 12
	ActionSetMPLSTTL   ActionType = 15
	ActionDecMPLSTTL   ActionType = 16
	ActionPushVLAN     ActionType = 17
	ActionPopVLAN      ActionType = 18
	ActionPushMPLS     ActionType = 19
	ActionPopMPLS      ActionType = 20
	ActionSetQueue     ActionType = 21
	ActionGroup        ActionType = 22
	ActionSetNwTTL     ActionType = 23
	ActionDecNwTTL     ActionType = 24
	ActionSetField     ActionType = 25
	ActionPushPBB      ActionType = 26
	ActionPopPBB       ActionType = 27
	ActionExperimenter ActionType = 0xffff
)

var actionNames = map[ActionType]string{ActionOutput: "OUTPUT", ActionCopyTTLOut: "COPY_TTL_OUT",
	ActionCopyTTLIn: "COPY_TTL_IN", ActionSetMPLSTTL: "SET_MPLS_TTL", ActionDecMPLSTTL: "DEC_MPLS_TTL",
	ActionPushVLAN: "PUSH_VLAN", ActionPopVLAN: "POP_VLAN", ActionPushMPLS: "PUSH_MPLS", ActionPopMPLS: "POP_MPLS",
	ActionSetQueue: "SET_QUEUE", ActionGroup: "GROUP", ActionSetNwTTL: "SET_NW_TTL", ActionDecNwTTL: "DEC_NW_TTL",
	ActionSetField: "SET_FIELD", ActionPushPBB: "PUSH_PBB", ActionPopPBB: "POP_PBB", ActionExperimenter: "EXPERIMENTER"}

func (t ActionType) String() string { return wire.MapName(actionNames, t, "ActionType") }

// Action is one OpenFlow 1.3 action. The concrete types are the structs of
// this file.
type Action interface {
	Type() ActionType
	appendTo(b []byte) ([]byte, error)
}

// Output sends the packet to a port (or a reserved port: PortController,
// PortFlood, ...). MaxLen is how much of it goes to the controller.
type Output struct {
	Port   uint32
	MaxLen uint16
}

// CopyTTLOut copies the TTL outwards. CopyTTLIn copies it inwards.
type (
	CopyTTLOut struct{}
	CopyTTLIn  struct{}
	// DecMPLSTTL decrements the MPLS TTL.
	DecMPLSTTL struct{}
	// PopVLAN removes the outer VLAN tag.
	PopVLAN struct{}
	// DecNwTTL decrements the IP TTL.
	DecNwTTL struct{}
	// PopPBB removes the outer PBB tag.
	PopPBB struct{}
)

// SetMPLSTTL sets the MPLS TTL.
type SetMPLSTTL struct{ TTL uint8 }

// SetNwTTL sets the IP TTL.
type SetNwTTL struct{ TTL uint8 }

// PushVLAN pushes a VLAN tag with the given TPID (0x8100 or 0x88a8).
type PushVLAN struct{ EtherType uint16 }

// PushMPLS pushes an MPLS label (EtherType 0x8847 or 0x8848).
type PushMPLS struct{ EtherType uint16 }

// PopMPLS pops an MPLS label, setting the EtherType.
type PopMPLS struct{ EtherType uint16 }

// PushPBB pushes a PBB tag (EtherType 0x88e7).
type PushPBB struct{ EtherType uint16 }

// SetQueue sets the queue of the output port.
type SetQueue struct{ QueueID uint32 }

// Group sends the packet through a group.
type Group struct{ GroupID uint32 }

// SetField writes a header field.
type SetField struct{ Field Field }

// ExperimenterAction is an action defined by an experimenter; Data is
// what follows the experimenter id, padding included.
type ExperimenterAction struct {
	Experimenter uint32
	Data         []byte
}

// Type implementations.
func (Output) Type() ActionType             { return ActionOutput }
func (CopyTTLOut) Type() ActionType         { return ActionCopyTTLOut }
func (CopyTTLIn) Type() ActionType          { return ActionCopyTTLIn }
func (SetMPLSTTL) Type() ActionType         { return ActionSetMPLSTTL }
func (DecMPLSTTL) Type() ActionType         { return ActionDecMPLSTTL }
func (PushVLAN) Type() ActionType           { return ActionPushVLAN }
func (PopVLAN) Type() ActionType            { return ActionPopVLAN }
func (PushMPLS) Type() ActionType           { return ActionPushMPLS }
func (PopMPLS) Type() ActionType            { return ActionPopMPLS }
func (SetQueue) Type() ActionType           { return ActionSetQueue }
func (Group) Type() ActionType              { return ActionGroup }
func (SetNwTTL) Type() ActionType           { return ActionSetNwTTL }
func (DecNwTTL) Type() ActionType           { return ActionDecNwTTL }
func (SetField) Type() ActionType           { return ActionSetField }
func (PushPBB) Type() ActionType            { return ActionPushPBB }
func (PopPBB) Type() ActionType             { return ActionPopPBB }
func (ExperimenterAction) Type() ActionType { return ActionExperimenter }

func actHeader(b []byte, t ActionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

func (a Output) appendTo(b []byte) ([]byte, error) {
	b = actHeader(b, ActionOutput, 16)
	b = append(b, byte(a.Port>>24), byte(a.Port>>16), byte(a.Port>>8), byte(a.Port), byte(a.MaxLen>>8), byte(a.MaxLen))
	return append(b, 0, 0, 0, 0, 0, 0), nil
}

func pad4Action(b []byte, t ActionType) ([]byte, error) {
	return append(actHeader(b, t, 8), 0, 0, 0, 0), nil
}

func ttlAction(b []byte, t ActionType, ttl uint8) ([]byte, error) {
	return append(actHeader(b, t, 8), ttl, 0, 0, 0), nil
}

func etherAction(b []byte, t ActionType, et uint16) ([]byte, error) {
	return append(actHeader(b, t, 8), byte(et>>8), byte(et), 0, 0), nil
}

func u32Action(b []byte, t ActionType, v uint32) ([]byte, error) {
	return append(actHeader(b, t, 8), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)), nil
}

func (CopyTTLOut) appendTo(b []byte) ([]byte, error)   { return pad4Action(b, ActionCopyTTLOut) }
func (CopyTTLIn) appendTo(b []byte) ([]byte, error)    { return pad4Action(b, ActionCopyTTLIn) }
func (DecMPLSTTL) appendTo(b []byte) ([]byte, error)   { return pad4Action(b, ActionDecMPLSTTL) }
func (PopVLAN) appendTo(b []byte) ([]byte, error)      { return pad4Action(b, ActionPopVLAN) }
func (DecNwTTL) appendTo(b []byte) ([]byte, error)     { return pad4Action(b, ActionDecNwTTL) }
func (PopPBB) appendTo(b []byte) ([]byte, error)       { return pad4Action(b, ActionPopPBB) }
func (a SetMPLSTTL) appendTo(b []byte) ([]byte, error) { return ttlAction(b, ActionSetMPLSTTL, a.TTL) }
func (a SetNwTTL) appendTo(b []byte) ([]byte, error)   { return ttlAction(b, ActionSetNwTTL, a.TTL) }
func (a PushVLAN) appendTo(b []byte) ([]byte, error) {
	return etherAction(b, ActionPushVLAN, a.EtherType)
}
func (a PushMPLS) appendTo(b []byte) ([]byte, error) {
	return etherAction(b, ActionPushMPLS, a.EtherType)
}
func (a PopMPLS) appendTo(b []byte) ([]byte, error) {
	return etherAction(b, ActionPopMPLS, a.EtherType)
}
func (a PushPBB) appendTo(b []byte) ([]byte, error) {
	return etherAction(b, ActionPushPBB, a.EtherType)
}
func (a SetQueue) appendTo(b []byte) ([]byte, error) { return u32Action(b, ActionSetQueue, a.QueueID) }
func (a Group) appendTo(b []byte) ([]byte, error)    { return u32Action(b, ActionGroup, a.GroupID) }

func (a SetField) appendTo(b []byte) ([]byte, error) {
	start := len(b)
	n := 4 + 4 + a.Field.payloadLen()
	padded := (n + 7) / 8 * 8
	b = actHeader(b, ActionSetField, padded)
	b, err := a.Field.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	return wire.Pad(b, padded-n), nil
}

func (a ExperimenterAction) appendTo(b []byte) ([]byte, error) {
	n := 8 + len(a.Data)
	if n%8 != 0 || n > 0xffff {
		return b, fmt.Errorf("%w: experimenter action of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
	}
	b = actHeader(b, ActionExperimenter, n)
	b = append(b, byte(a.Experimenter>>24), byte(a.Experimenter>>16), byte(a.Experimenter>>8), byte(a.Experimenter))
	return append(b, a.Data...), nil
}

// appendActions appends a list of actions.
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

func actionsLen(actions []Action) int {
	// Encoding is cheap; measuring by encoding keeps one source of truth.
	b, _ := appendActions(nil, actions)
	return len(b)
}

func emptyAction(t ActionType) Action {
	switch t {
	case ActionCopyTTLOut:
		return CopyTTLOut{}
	case ActionCopyTTLIn:
		return CopyTTLIn{}
	case ActionDecMPLSTTL:
		return DecMPLSTTL{}
	case ActionPopVLAN:
		return PopVLAN{}
	case ActionDecNwTTL:
		return DecNwTTL{}
	}
	return PopPBB{}
}

// decodeActions reads actions until d is exhausted.
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
		var a Action
		fixed := func(want int) bool {
			if n != want {
				s.Off = 0
				s.Fail(uint16(ErrBadAction), BadActionBadLen, "action %v length %d, want %d", t, n, want)
				return false
			}
			return true
		}
		switch t {
		case ActionOutput:
			if fixed(16) {
				a = Output{Port: s.U32(), MaxLen: s.U16()}
				s.Skip(6)
			}
		case ActionCopyTTLOut, ActionCopyTTLIn, ActionDecMPLSTTL, ActionPopVLAN, ActionDecNwTTL, ActionPopPBB:
			if fixed(8) {
				s.Skip(4)
				a = emptyAction(t)
			}
		case ActionSetMPLSTTL, ActionSetNwTTL:
			if fixed(8) {
				ttl := s.U8()
				s.Skip(3)
				if t == ActionSetMPLSTTL {
					a = SetMPLSTTL{ttl}
				} else {
					a = SetNwTTL{ttl}
				}
			}
		case ActionPushVLAN, ActionPushMPLS, ActionPopMPLS, ActionPushPBB:
			if fixed(8) {
				et := s.U16()
				s.Skip(2)
				switch t {
				case ActionPushVLAN:
					a = PushVLAN{et}
				case ActionPushMPLS:
					a = PushMPLS{et}
				case ActionPopMPLS:
					a = PopMPLS{et}
				default:
					a = PushPBB{et}
				}
			}
		case ActionSetQueue, ActionGroup:
			if fixed(8) {
				v := s.U32()
				if t == ActionGroup {
					a = Group{v}
				} else {
					a = SetQueue{v}
				}
			}
		case ActionSetField:
			var f Field
			decodeField(&s, &f)
			rest := s.Rest()
			for _, c := range rest {
				if c != 0 {
					s.Fail(uint16(ErrBadAction), BadActionBadSetArgument, "set_field padding is not zero")
					break
				}
			}
			if len(rest) >= 8 {
				s.Fail(uint16(ErrBadAction), BadActionBadSetLen, "set_field has %d bytes of padding", len(rest))
			}
			a = SetField{f}
		case ActionExperimenter:
			a = ExperimenterAction{Experimenter: s.U32(), Data: s.Rest()}
		default:
			s.Fail(uint16(ErrBadAction), BadActionBadType, "unknown action type %d", uint16(t))
		}
		d.Merge(&s)
		if d.Failed() {
			return out
		}
		out = append(out, a)
	}
	return out
}

// ActionError reports an action a switch would refuse, with the OpenFlow
// error it would answer (a BadAction code).
type ActionError struct {
	Action ActionType
	Code   uint16
	Msg    string
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("openflow: bad action: %s (%s)", e.Msg, ErrorCodeString(ErrBadAction, e.Code))
}

// Unwrap returns wire.ErrInvalid (openflow.ErrInvalid).
func (e *ActionError) Unwrap() error { return wire.ErrInvalid }

// notSettable are the fields a set_field may not write: they say where a
// packet came from or what the pipeline carries, not what it holds.
const notSettable = 1<<FieldInPort | 1<<FieldInPhyPort | 1<<FieldMetadata

// validateSetField checks a set_field as a switch would: a basic field it
// may write, unmasked, of its size and range, and — when the flow's match
// is known (match: what checking it learnt) — with its prerequisites in
// that match (setting ipv4_dst needs eth_type 0x0800 matched).
func validateSetField(a SetField, match *matchCheck) error {
	f := a.Field
	if f.Class != ClassBasic || int(f.Type) >= len(basicFields) {
		return &ActionError{ActionSetField, BadActionBadSetType, "set_field of an unknown field"}
	}
	switch {
	case notSettable&(1<<f.Type) != 0:
		return &ActionError{ActionSetField, BadActionBadSetType, FieldName(f.Type) + " cannot be set"}
	case f.HasMask:
		return &ActionError{ActionSetField, BadActionBadSetArgument, FieldName(f.Type) + ": set_field takes no mask"}
	case f.payloadLen() != basicFields[f.Type].size:
		return &ActionError{ActionSetField, BadActionBadSetLen, fmt.Sprintf("%s: payload is %d bytes, want %d", FieldName(f.Type), f.payloadLen(), basicFields[f.Type].size)}
	}
	if err := checkRange(&f, BadActionBadSetArgument); err != nil {
		return err
	}
	if match == nil || f.Type == FieldVLANVID || f.Type == FieldVLANPCP {
		return nil // no flow to check against; a VLAN field may follow a push_vlan
	}
	// The prerequisites of matching the field are those of setting it:
	// what the match says (eth_type, ip_proto...) must allow it.
	c := *match
	c.seen |= 1 << f.Type
	set := [1]Field{f}
	if err := c.prereqs(set[:]); err != nil {
		var me *MatchError
		if errors.As(err, &me) && me.Field == f.Type {
			return &ActionError{ActionSetField, BadActionMatchInconsistent, "setting " + FieldName(f.Type) + " " + me.Msg + " in the match"}
		}
	}
	return nil
}

// validateActions checks the set_field actions of a list.
func validateActions(actions []Action, match *matchCheck) error {
	for _, a := range actions {
		var err error
		switch sf := a.(type) {
		case SetField:
			err = validateSetField(sf, match)
		case *SetField:
			err = validateSetField(*sf, match)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
