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

// Instruction is one OpenFlow 1.3 instruction: its Type and the
// arguments of that type; the fields another type takes stay zero. Build
// instructions with the functions named after them (Apply, GotoTable,
// WriteMetadata, ...) and read them by Type. Like Action, it is a plain
// value: building and decoding instructions allocates nothing.
type Instruction struct {
	Type InstructionType
	// TableID is the table GotoTable continues at.
	TableID uint8
	// MeterID is the meter the Meter instruction sends the packet through.
	MeterID uint32
	// Metadata and Mask are what WriteMetadata writes, and under which mask.
	Metadata, Mask uint64
	// Actions are what WriteActions merges into the action set and
	// ApplyActions applies at once.
	Actions []Action
	// Experimenter and Data are an experimenter instruction's id and what
	// follows it.
	Experimenter uint32
	Data         []byte
}

// GotoTable continues the pipeline at a later table.
func GotoTable(table uint8) Instruction { return Instruction{Type: InstGotoTable, TableID: table} }

// WriteMetadata writes the pipeline metadata under mask.
func WriteMetadata(metadata, mask uint64) Instruction {
	return Instruction{Type: InstWriteMetadata, Metadata: metadata, Mask: mask}
}

// WriteActions merges actions into the action set.
func WriteActions(actions ...Action) Instruction {
	return Instruction{Type: InstWriteActions, Actions: actions}
}

// ApplyActions applies actions at once.
func ApplyActions(actions ...Action) Instruction {
	return Instruction{Type: InstApplyActions, Actions: actions}
}

// ClearActions empties the action set.
func ClearActions() Instruction { return Instruction{Type: InstClearActions} }

// Meter sends the packet through a meter.
func Meter(id uint32) Instruction { return Instruction{Type: InstMeter, MeterID: id} }

// ExperimenterInstruction is an instruction defined by an experimenter;
// data follows the experimenter id (the instruction's length must come to
// a multiple of 8).
func ExperimenterInstruction(experimenter uint32, data []byte) Instruction {
	return Instruction{Type: InstExperimenter, Experimenter: experimenter, Data: data}
}

// Apply is the common case as one expression: apply these actions.
func Apply(actions ...Action) []Instruction {
	return []Instruction{{Type: InstApplyActions, Actions: actions}}
}

func instHeader(b []byte, t InstructionType, n int) []byte {
	return append(b, byte(t>>8), byte(t), byte(n>>8), byte(n))
}

func appendU64(b []byte, v uint64) []byte {
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendTo appends the instruction. Only the fields of its type are
// written.
func (in *Instruction) appendTo(b []byte) ([]byte, error) {
	switch in.Type {
	case InstGotoTable:
		return append(instHeader(b, InstGotoTable, 8), in.TableID, 0, 0, 0), nil
	case InstWriteMetadata:
		b = append(instHeader(b, InstWriteMetadata, 24), 0, 0, 0, 0)
		return appendU64(appendU64(b, in.Metadata), in.Mask), nil
	case InstWriteActions, InstApplyActions:
		start := len(b)
		b = append(instHeader(b, in.Type, 0), 0, 0, 0, 0)
		b, err := appendActions(b, in.Actions)
		if err != nil {
			return b[:start], err
		}
		if err := wire.PutLen16(b, start+2, start); err != nil {
			return b[:start], err
		}
		return b, nil
	case InstClearActions:
		return append(instHeader(b, InstClearActions, 8), 0, 0, 0, 0), nil
	case InstMeter:
		return appendU32(instHeader(b, InstMeter, 8), in.MeterID), nil
	case InstExperimenter:
		n := 8 + len(in.Data)
		if n%8 != 0 || n > 0xffff {
			return b, fmt.Errorf("%w: experimenter instruction of %d bytes is not a multiple of 8", wire.ErrInvalid, n)
		}
		return append(appendU32(instHeader(b, InstExperimenter, n), in.Experimenter), in.Data...), nil
	}
	return b, fmt.Errorf("%w: unknown instruction type %d", wire.ErrInvalid, uint16(in.Type))
}

func appendInstructions(b []byte, insts []Instruction) ([]byte, error) {
	var err error
	for i := range insts {
		if b, err = insts[i].appendTo(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// instLen is the encoded length each fixed-size instruction has.
var instLen = [...]uint8{InstGotoTable: 8, InstWriteMetadata: 24, InstClearActions: 8, InstMeter: 8}

// decodeInstructions reads instructions until d is exhausted, appending
// them to out. It reuses out's capacity and, for an apply or write
// actions, the action list of the element it overwrites.
func decodeInstructions(d *wire.Decoder, out []Instruction) []Instruction {
	for d.Len() > 0 {
		typ, body, ok := tlv(d, ErrorTypeBadInstruction, BadInstructionBadLen, instLen[:], instName)
		if !ok {
			return out
		}
		t, n := InstructionType(typ), 4+len(body)
		// As with actions, the element overwritten gives its action list
		// to reuse.
		out = grow(out)
		in := &out[len(out)-1]
		acts := in.Actions[:0]
		*in = Instruction{Type: t}
		switch t {
		case InstGotoTable:
			in.TableID = body[0]
		case InstWriteMetadata:
			in.Metadata, in.Mask = be.Uint64(body[4:]), be.Uint64(body[12:])
		case InstWriteActions, InstApplyActions:
			d.Off += 4
			bound := d.Bound(n-8, uint16(ErrorTypeBadInstruction), BadInstructionBadLen)
			in.Actions = decodeActions(d, acts)
			d.Unbound(bound)
			if d.Failed() {
				return out[:len(out)-1]
			}
			continue
		case InstClearActions:
		case InstMeter:
			in.MeterID = be.Uint32(body)
		case InstExperimenter:
			in.Experimenter, in.Data = be.Uint32(body), body[4:]
			if len(in.Data) == 0 {
				in.Data = nil
			}
		default:
			d.Fail(uint16(ErrorTypeBadInstruction), BadInstructionUnknownInst, "unknown instruction type %d", uint16(t))
			return out[:len(out)-1]
		}
		d.Off += n - 4
	}
	return out
}

// tlvFast splits a well-formed action or instruction off b: its type,
// body (after the 4-byte header) and the rest, checking what tlv checks.
func tlvFast(b []byte, fixed []uint8) (t uint16, body, rest []byte, ok bool) {
	if len(b) < 8 {
		return 0, nil, nil, false
	}
	t, n := be.Uint16(b), int(be.Uint16(b[2:]))
	if n < 8 || n%8 != 0 || n > len(b) || int(t) < len(fixed) && fixed[t] != 0 && n != int(fixed[t]) {
		return 0, nil, nil, false
	}
	return t, b[4:n], b[n:], true // the body's capacity reaches on, for decodeFieldFast
}

// decodeInstructionsFast is decodeInstructions, by slicing, for
// well-formed instructions other than experimenters'; it reports false
// for anything else.
func decodeInstructionsFast(b []byte, out []Instruction) ([]Instruction, bool) {
	for len(b) > 0 {
		t, body, rest, ok := tlvFast(b, instLen[:])
		if !ok {
			return out, false
		}
		b = rest
		out = grow(out)
		in := &out[len(out)-1]
		acts := in.Actions[:0]
		*in = Instruction{Type: InstructionType(t)}
		switch in.Type {
		case InstGotoTable:
			in.TableID = body[0]
		case InstWriteMetadata:
			in.Metadata, in.Mask = be.Uint64(body[4:]), be.Uint64(body[12:])
		case InstWriteActions, InstApplyActions:
			if in.Actions, ok = decodeActionsFast(body[4:], acts); !ok {
				return out, false
			}
		case InstClearActions:
		case InstMeter:
			in.MeterID = be.Uint32(body)
		default:
			return out, false
		}
	}
	return out, true
}
