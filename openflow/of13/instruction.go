package of13

import (
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// InstructionType is an OpenFlow 1.3 instruction type.
type InstructionType uint16

// Instruction types.
const (
	InstGotoTable     InstructionType = 1
	InstWriteMetadata InstructionType = 2
	InstWriteActions  InstructionType = 3
	InstApplyActions  InstructionType = 4
	InstClearActions  InstructionType = 5
	InstMeter         InstructionType = 6
	InstExperimenter  InstructionType = 0xffff
)

var instNames = map[InstructionType]string{InstGotoTable: "GOTO_TABLE", InstWriteMetadata: "WRITE_METADATA",
	InstWriteActions: "WRITE_ACTIONS", InstApplyActions: "APPLY_ACTIONS", InstClearActions: "CLEAR_ACTIONS",
	InstMeter: "METER", InstExperimenter: "EXPERIMENTER"}

func (t InstructionType) String() string { return wire.MapName(instNames, t, "InstructionType") }

// Instruction is one OpenFlow 1.3 instruction; the concrete types are the
// structs of this file.
type Instruction interface {
	Type() InstructionType
	appendTo(b []byte) ([]byte, error)
}

// GotoTable continues the pipeline at a later table.
type GotoTable struct{ TableID uint8 }

// WriteMetadata writes the pipeline metadata under mask.
type WriteMetadata struct{ Metadata, Mask uint64 }

// WriteActions merges actions into the action set.
type WriteActions struct{ Actions []Action }

// ApplyActions applies actions at once.
type ApplyActions struct{ Actions []Action }

// ClearActions empties the action set.
type ClearActions struct{}

// MeterInstruction sends the packet through a meter.
type MeterInstruction struct{ MeterID uint32 }

// ExperimenterInstruction is defined by an experimenter; Data follows the
// experimenter id.
type ExperimenterInstruction struct {
	Experimenter uint32
	Data         []byte
}

// Apply is the common case as one expression: apply these actions.
func Apply(actions ...Action) []Instruction {
	return []Instruction{ApplyActions{Actions: actions}}
}

func (GotoTable) Type() InstructionType               { return InstGotoTable }
func (WriteMetadata) Type() InstructionType           { return InstWriteMetadata }
func (WriteActions) Type() InstructionType            { return InstWriteActions }
func (ApplyActions) Type() InstructionType            { return InstApplyActions }
func (ClearActions) Type() InstructionType            { return InstClearActions }
func (MeterInstruction) Type() InstructionType        { return InstMeter }
func (ExperimenterInstruction) Type() InstructionType { return InstExperimenter }

func instHeader(b []byte, t InstructionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

func (i GotoTable) appendTo(b []byte) ([]byte, error) {
	return append(instHeader(b, InstGotoTable, 8), i.TableID, 0, 0, 0), nil
}

func (i WriteMetadata) appendTo(b []byte) ([]byte, error) {
	b = append(instHeader(b, InstWriteMetadata, 24), 0, 0, 0, 0)
	b = appendU64(b, i.Metadata)
	return appendU64(b, i.Mask), nil
}

func appendU64(b []byte, v uint64) []byte {
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func actionsInst(b []byte, t InstructionType, actions []Action) ([]byte, error) {
	start := len(b)
	b = append(instHeader(b, t, 0), 0, 0, 0, 0)
	b, err := appendActions(b, actions)
	if err != nil {
		return b[:start], err
	}
	if err := wire.PutLen16(b, start+2, start); err != nil {
		return b[:start], err
	}
	return b, nil
}

func (i WriteActions) appendTo(b []byte) ([]byte, error) {
	return actionsInst(b, InstWriteActions, i.Actions)
}
func (i ApplyActions) appendTo(b []byte) ([]byte, error) {
	return actionsInst(b, InstApplyActions, i.Actions)
}
func (ClearActions) appendTo(b []byte) ([]byte, error) {
	return append(instHeader(b, InstClearActions, 8), 0, 0, 0, 0), nil
}

func (i MeterInstruction) appendTo(b []byte) ([]byte, error) {
	v := i.MeterID
	return append(instHeader(b, InstMeter, 8), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)), nil
}

func (i ExperimenterInstruction) appendTo(b []byte) ([]byte, error) {
	n := 8 + len(i.Data)
	if n%8 != 0 || n > 0xffff {
		return b, fmt.Errorf("%w: experimenter instruction of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
	}
	v := i.Experimenter
	b = append(instHeader(b, InstExperimenter, n), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	return append(b, i.Data...), nil
}

func appendInstructions(b []byte, insts []Instruction) ([]byte, error) {
	var err error
	for _, in := range insts {
		if in == nil {
			return b, fmt.Errorf("%w: nil instruction", wire.ErrInvalid)
		}
		if b, err = in.appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// decodeInstructions reads instructions until d is exhausted.
func decodeInstructions(d *wire.Decoder) []Instruction {
	var out []Instruction
	for d.Len() > 0 {
		start := d.Off
		t := InstructionType(d.U16())
		n := int(d.U16())
		if d.Failed() {
			return out
		}
		if n < 8 || n%8 != 0 {
			d.Off = start
			d.Fail(uint16(ErrBadInstruction), BadInstructionBadLen, "instruction %v length %d", t, n)
			return out
		}
		if n-4 > d.Len() {
			d.Off = start
			d.Fail(uint16(ErrBadInstruction), BadInstructionBadLen, "truncated")
			return out
		}
		s := d.Sub(n - 4)
		s.BadLenType, s.BadLenCode = uint16(ErrBadInstruction), BadInstructionBadLen
		var in Instruction
		fixed := func(want int) bool {
			if n != want {
				s.Fail(uint16(ErrBadInstruction), BadInstructionBadLen, "instruction %v length %d, want %d", t, n, want)
				return false
			}
			return true
		}
		switch t {
		case InstGotoTable:
			if fixed(8) {
				in = GotoTable{s.U8()}
				s.Skip(3)
			}
		case InstWriteMetadata:
			if fixed(24) {
				s.Skip(4)
				in = WriteMetadata{Metadata: s.U64(), Mask: s.U64()}
			}
		case InstWriteActions, InstApplyActions:
			s.Skip(4)
			acts := decodeActions(&s)
			if t == InstWriteActions {
				in = WriteActions{acts}
			} else {
				in = ApplyActions{acts}
			}
		case InstClearActions:
			if fixed(8) {
				s.Skip(4)
				in = ClearActions{}
			}
		case InstMeter:
			if fixed(8) {
				in = MeterInstruction{s.U32()}
			}
		case InstExperimenter:
			in = ExperimenterInstruction{Experimenter: s.U32(), Data: s.Rest()}
		default:
			s.Fail(uint16(ErrBadInstruction), BadInstructionUnknownInst, "unknown instruction type %d", uint16(t))
		}
		d.Merge(&s)
		if d.Failed() {
			return out
		}
		out = append(out, in)
	}
	return out
}
