package of13

import (
	"fmt"
	"slices"

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

// Action is one OpenFlow 1.3 action: its Type and the arguments of that
// type; the fields another type takes stay zero. Build actions with the
// functions named after them (Output, PushVLAN, SetField, ...) and read
// them by Type.
//
// An Action is a plain value, not an interface: building, copying and
// decoding actions allocates nothing, and decoding into a reused message
// reuses its action lists.
type Action struct {
	Type ActionType
	// MaxLen is how much of the packet Output to PortController sends.
	MaxLen uint16
	// Port is where Output sends the packet, a port number or a reserved
	// port (PortController, PortFlood, ...).
	Port uint32
	// EtherType is what PushVLAN (the TPID, 0x8100 or 0x88a8), PushMPLS,
	// PopMPLS and PushPBB push or set.
	EtherType uint16
	// TTL is what SetMPLSTTL and SetNwTTL set.
	TTL uint8
	// QueueID is SetQueue's queue.
	QueueID uint32
	// GroupID is the group Group sends the packet through.
	GroupID uint32
	// Experimenter and Data are an experimenter action's id and what
	// follows it, padding included.
	Experimenter uint32
	// Field is the header field SetField writes.
	Field Field
	Data  []byte
}

// Output sends the packet to a port (or a reserved port: PortFlood,
// PortInPort, ...).
func Output(port uint32) Action { return Action{Type: ActionOutput, Port: port} }

// ToController sends the packet to the controller, at most maxLen bytes
// of it (ControllerNoBuffer: all of it, unbuffered).
func ToController(maxLen uint16) Action {
	return Action{Type: ActionOutput, Port: PortController, MaxLen: maxLen}
}

// CopyTTLOut copies the TTL outwards.
func CopyTTLOut() Action { return Action{Type: ActionCopyTTLOut} }

// CopyTTLIn copies the TTL inwards.
func CopyTTLIn() Action { return Action{Type: ActionCopyTTLIn} }

// SetMPLSTTL sets the MPLS TTL.
func SetMPLSTTL(ttl uint8) Action { return Action{Type: ActionSetMPLSTTL, TTL: ttl} }

// DecMPLSTTL decrements the MPLS TTL.
func DecMPLSTTL() Action { return Action{Type: ActionDecMPLSTTL} }

// PushVLAN pushes a VLAN tag with the given TPID (0x8100 or 0x88a8).
func PushVLAN(tpid uint16) Action { return Action{Type: ActionPushVLAN, EtherType: tpid} }

// PopVLAN removes the outer VLAN tag.
func PopVLAN() Action { return Action{Type: ActionPopVLAN} }

// PushMPLS pushes an MPLS label (EtherType 0x8847 or 0x8848).
func PushMPLS(etherType uint16) Action { return Action{Type: ActionPushMPLS, EtherType: etherType} }

// PopMPLS pops an MPLS label, setting the EtherType.
func PopMPLS(etherType uint16) Action { return Action{Type: ActionPopMPLS, EtherType: etherType} }

// SetQueue sets the queue of the output port.
func SetQueue(id uint32) Action { return Action{Type: ActionSetQueue, QueueID: id} }

// Group sends the packet through a group.
func Group(id uint32) Action { return Action{Type: ActionGroup, GroupID: id} }

// SetNwTTL sets the IP TTL.
func SetNwTTL(ttl uint8) Action { return Action{Type: ActionSetNwTTL, TTL: ttl} }

// DecNwTTL decrements the IP TTL.
func DecNwTTL() Action { return Action{Type: ActionDecNwTTL} }

// SetField writes a header field: SetField(VLANVID(10)).
func SetField(f Field) Action { return Action{Type: ActionSetField, Field: f} }

// PushPBB pushes a PBB tag (EtherType 0x88e7).
func PushPBB(etherType uint16) Action { return Action{Type: ActionPushPBB, EtherType: etherType} }

// PopPBB removes the outer PBB tag.
func PopPBB() Action { return Action{Type: ActionPopPBB} }

// ExperimenterAction is an action defined by an experimenter; data is
// what follows the experimenter id, padding included (the action's length
// must come to a multiple of 8).
func ExperimenterAction(experimenter uint32, data []byte) Action {
	return Action{Type: ActionExperimenter, Experimenter: experimenter, Data: data}
}

func actHeader(b []byte, t ActionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

// putFixed writes a fixed-size action at b[i:], which must have room for
// 16 bytes, and returns where it ends; false for another type.
func (a *Action) putFixed(b []byte, i int) (int, bool) {
	b = b[i : i+16]
	h := uint64(a.Type)<<48 | 8<<32 // type, length 8
	switch a.Type {
	case ActionOutput:
		be.PutUint64(b, uint64(ActionOutput)<<48|16<<32|uint64(a.Port))
		be.PutUint64(b[8:], uint64(a.MaxLen)<<48)
		return i + 16, true
	case ActionCopyTTLOut, ActionCopyTTLIn, ActionDecMPLSTTL, ActionPopVLAN, ActionDecNwTTL, ActionPopPBB:
	case ActionSetMPLSTTL, ActionSetNwTTL:
		h |= uint64(a.TTL) << 24
	case ActionPushVLAN, ActionPushMPLS, ActionPopMPLS, ActionPushPBB:
		h |= uint64(a.EtherType) << 16
	case ActionSetQueue:
		h |= uint64(a.QueueID)
	case ActionGroup:
		h |= uint64(a.GroupID)
	default:
		return i, false
	}
	be.PutUint64(b, h)
	return i + 8, true
}

// appendTo appends the action. Only the fields of its type are written.
func (a *Action) appendTo(b []byte) ([]byte, error) {
	switch a.Type {
	case ActionOutput, ActionCopyTTLOut, ActionCopyTTLIn, ActionDecMPLSTTL, ActionPopVLAN, ActionDecNwTTL, ActionPopPBB,
		ActionSetMPLSTTL, ActionSetNwTTL, ActionPushVLAN, ActionPushMPLS, ActionPopMPLS, ActionPushPBB,
		ActionSetQueue, ActionGroup:
		i := len(b)
		b = slices.Grow(b, 16)
		n, _ := a.putFixed(b[:i+16], i)
		return b[:n], nil
	case ActionSetField:
		start := len(b)
		n := 4 + 4 + a.Field.payloadLen()
		padded := (n + 7) / 8 * 8
		b = actHeader(b, ActionSetField, padded)
		b, err := a.Field.appendTo(b)
		if err != nil {
			return b[:start], err
		}
		return wire.Pad(b, padded-n), nil
	case ActionExperimenter:
		n := 8 + len(a.Data)
		if n%8 != 0 || n > 0xffff {
			return b, fmt.Errorf("%w: experimenter action of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
		}
		return append(appendU32(actHeader(b, ActionExperimenter, n), a.Experimenter), a.Data...), nil
	}
	return b, &ActionError{a.Type, BadActionBadType, fmt.Sprintf("unknown action type %d", uint16(a.Type))}
}

func actionName(t uint16) string { return ActionType(t).String() }
func instName(t uint16) string   { return InstructionType(t).String() }

// tlv reads the header of an action or instruction and returns its type
// and the body after the header, read in place: checked to be whole, its
// length with the header a multiple of 8 and, for a type fixed gives a
// length, that length. The decoder is left at the body. A failure is
// recorded in d as errType/code (their BAD_LEN), named by name.
func tlv(d *wire.Decoder, errType ErrorType, code uint16, fixed []uint8, name func(uint16) string) (uint16, []byte, bool) {
	start := d.Off
	t, n := d.U16(), int(d.U16())
	switch {
	case d.Failed():
	case n < 8 || n%8 != 0:
		d.Off = start
		d.Fail(uint16(errType), code, "%s length %d", name(t), n)
	case n-4 > d.Len():
		d.Off = start
		d.Fail(uint16(errType), code, "truncated")
	case int(t) < len(fixed) && fixed[t] != 0 && n != int(fixed[t]):
		d.Fail(uint16(errType), code, "%s length %d, want %d", name(t), n, fixed[t])
	default:
		return t, d.B[d.Off : d.Off+n-4 : d.Off+n-4], true
	}
	return 0, nil, false
}

// grow returns s one element longer, reusing its capacity: the new
// element holds whatever it held before (decoders overwrite it whole).
func grow[E any](s []E) []E {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero E
	return append(s, zero)
}

func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendActions appends a list of actions.
func appendActions(b []byte, actions []Action) ([]byte, error) {
	var err error
	for i := range actions {
		if b, err = actions[i].appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// actionLen is the encoded length each fixed-size action has.
var actionLen = [...]uint8{ActionOutput: 16, ActionCopyTTLOut: 8, ActionCopyTTLIn: 8, ActionSetMPLSTTL: 8,
	ActionDecMPLSTTL: 8, ActionPushVLAN: 8, ActionPopVLAN: 8, ActionPushMPLS: 8, ActionPopMPLS: 8,
	ActionSetQueue: 8, ActionGroup: 8, ActionSetNwTTL: 8, ActionDecNwTTL: 8, ActionPushPBB: 8, ActionPopPBB: 8}

// readFixed reads the arguments of a fixed-size action (whose length tlv
// has checked) from its body, reporting false for another type.
func (a *Action) readFixed(body []byte) bool {
	switch a.Type {
	case ActionOutput:
		a.Port, a.MaxLen = be.Uint32(body), be.Uint16(body[4:])
	case ActionCopyTTLOut, ActionCopyTTLIn, ActionDecMPLSTTL, ActionPopVLAN, ActionDecNwTTL, ActionPopPBB:
	case ActionSetMPLSTTL, ActionSetNwTTL:
		a.TTL = body[0]
	case ActionPushVLAN, ActionPushMPLS, ActionPopMPLS, ActionPushPBB:
		a.EtherType = be.Uint16(body)
	case ActionSetQueue:
		a.QueueID = be.Uint32(body)
	case ActionGroup:
		a.GroupID = be.Uint32(body)
	default:
		return false
	}
	return true
}

// decodeActions reads actions until d is exhausted, appending them to out
// (whose capacity it reuses).
func decodeActions(d *wire.Decoder, out []Action) []Action {
	for d.Len() > 0 {
		typ, body, ok := tlv(d, ErrorTypeBadAction, BadActionBadLen, actionLen[:], actionName)
		if !ok {
			return out
		}
		t, n := ActionType(typ), 4+len(body)
		out = grow(out)
		a := &out[len(out)-1]
		*a = Action{Type: t}
		if a.readFixed(body) {
			d.Off += n - 4
			continue
		}
		switch t {
		case ActionSetField:
			bound := d.Bound(n-4, uint16(ErrorTypeBadAction), BadActionBadLen)
			decodeSetField(d, &a.Field)
			d.Unbound(bound)
			if d.Failed() {
				return out[:len(out)-1]
			}
			continue
		case ActionExperimenter:
			a.Experimenter, a.Data = be.Uint32(body), body[4:]
			if len(a.Data) == 0 {
				a.Data = nil
			}
		default:
			d.Fail(uint16(ErrorTypeBadAction), BadActionBadType, "unknown action type %d", uint16(t))
			return out[:len(out)-1]
		}
		d.Off += n - 4
	}
	return out
}

// decodeActionsFast is decodeActions, by slicing, for well-formed actions
// other than experimenters'; it reports false for anything else.
func decodeActionsFast(b []byte, out []Action) ([]Action, bool) {
	for len(b) > 0 {
		t, body, rest, ok := tlvFast(b, actionLen[:])
		if !ok {
			return out, false
		}
		b = rest
		out = grow(out)
		a := &out[len(out)-1]
		*a = Action{Type: ActionType(t)}
		if a.readFixed(body) {
			continue
		}
		switch a.Type {
		case ActionSetField:
			// One field, then fewer than 8 bytes of zero padding.
			n := decodeFieldFast(&a.Field, body)
			if n == 0 || len(body)-n >= 8 {
				return out, false
			}
			for _, c := range body[n:] {
				if c != 0 {
					return out, false
				}
			}
		default:
			return out, false
		}
	}
	return out, true
}

// decodeSetField reads a set_field's field and padding.
func decodeSetField(s *wire.Decoder, f *Field) {
	decodeField(s, f)
	rest := s.Rest()
	for _, c := range rest {
		if c != 0 {
			s.Fail(uint16(ErrorTypeBadAction), BadActionBadSetArgument, "set_field padding is not zero")
			break
		}
	}
	if len(rest) >= 8 {
		s.Fail(uint16(ErrorTypeBadAction), BadActionBadSetLen, "set_field has %d bytes of padding", len(rest))
	}
}

// ActionError reports an action a switch would refuse, with the OpenFlow
// error it would answer (a BadAction code).
type ActionError struct {
	Action ActionType
	Code   uint16
	Msg    string
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("openflow: bad action: %s (%s)", e.Msg, ErrorCodeString(ErrorTypeBadAction, e.Code))
}

// Unwrap returns wire.ErrInvalid (openflow.ErrInvalid).
func (e *ActionError) Unwrap() error { return wire.ErrInvalid }

// notSettable are the fields a set_field may not write: they say where a
// packet came from or what the pipeline carries, not what it holds.
const notSettable = 1<<FieldInPort | 1<<FieldInPhyPort | 1<<FieldMetadata

// validateSetField checks a set_field as a switch would: a basic field it
// may write (a field of another class is left to the switch), unmasked, of its size and range, and — when the flow's match
// is known (match: what checking it learnt) — with its prerequisites in
// that match (setting ipv4_dst needs eth_type 0x0800 matched).
func validateSetField(f *Field, match *matchCheck) error {
	if f.Class() != ClassBasic {
		// Another class's fields (Open vSwitch's registers and
		// conntrack marks) are the switch's to judge.
		return nil
	}
	if int(f.Type()) >= len(basicFields) {
		return &ActionError{ActionSetField, BadActionBadSetType, "set_field of an unknown field"}
	}
	switch {
	case notSettable&(1<<f.Type()) != 0:
		return &ActionError{ActionSetField, BadActionBadSetType, FieldName(f.Type()) + " cannot be set"}
	case f.HasMask():
		return &ActionError{ActionSetField, BadActionBadSetArgument, FieldName(f.Type()) + ": set_field takes no mask"}
	case f.payloadLen() != basicFields[f.Type()].size:
		return &ActionError{ActionSetField, BadActionBadSetLen, fmt.Sprintf("%s: payload is %d bytes, want %d", FieldName(f.Type()), f.payloadLen(), basicFields[f.Type()].size)}
	}
	if err := checkRange(f, BadActionBadSetArgument); err != nil {
		return err
	}
	if match == nil || f.Type() == FieldVLANVID || f.Type() == FieldVLANPCP {
		return nil // no flow to check against; a VLAN field may follow a push_vlan
	}
	// The prerequisites of matching the field are those of setting it:
	// what the match says (eth_type, ip_proto...) must allow it.
	if prereqFree&(1<<f.Type()) != 0 {
		return nil
	}
	if ok, what := match.prereq(f.Type()); !ok {
		return &ActionError{ActionSetField, BadActionMatchInconsistent, "setting " + FieldName(f.Type()) + " needs " + what + " in the match"}
	}
	return nil
}

// validateActions checks the set_field actions of a list.
func validateActions(actions []Action, match *matchCheck) error {
	for i := range actions {
		if actions[i].Type != ActionSetField {
			continue
		}
		if err := validateSetField(&actions[i].Field, match); err != nil {
			return err
		}
	}
	return nil
}

// AppendActions appends the encoding of a list of actions to b, as a
// flow's instruction holds them: for an experimenter action that nests a
// list (Open vSwitch's ct).
func AppendActions(b []byte, actions ...Action) ([]byte, error) { return appendActions(b, actions) }

// DecodeActions decodes a list of actions that fills b. The actions'
// variable parts (an experimenter's data) point into b.
func DecodeActions(b []byte) ([]Action, error) {
	d := wire.NewDecoder(b, 0)
	out := decodeActions(&d, nil)
	return out, d.Err()
}
