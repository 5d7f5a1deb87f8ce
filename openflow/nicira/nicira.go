// Package nicira encodes and decodes the Nicira extensions of Open
// vSwitch that stateful pipelines need, for OpenFlow 1.3: the connection
// tracker's ct action and the fields it sets (ct_state, ct_zone,
// ct_mark, ct_label), the registers, and resubmit to a table.
//
// Actions are of13 experimenter actions (vendor VendorID) and fields are
// of13 fields of class of13.ClassNXM1, so they go in of13 flow mods,
// packet-outs and matches like any other: build them with CT.Action,
// ResubmitTable.Action and the field functions, and read a decoded
// action back with Parse.
package nicira

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/netslice/netslice/openflow/of13"
)

// VendorID is Nicira's experimenter id (NX_VENDOR_ID).
const VendorID uint32 = 0x00002320

// Action subtypes.
const (
	SubtypeResubmitTable uint16 = 14 // NXAST_RESUBMIT_TABLE
	SubtypeCT            uint16 = 35 // NXAST_CT
)

// ErrNotNicira is returned by Parse for an action that is not one of
// this package's.
var ErrNotNicira = errors.New("nicira: not a Nicira action this package knows")

// ErrInvalid is wrapped by the errors of a malformed Nicira action.
var ErrInvalid = errors.New("nicira: invalid action")

// NXM1 field numbers.
const (
	FieldCTState uint8 = 105 // NXM_NX_CT_STATE, 4 bytes, maskable
	FieldCTZone  uint8 = 106 // NXM_NX_CT_ZONE, 2 bytes
	FieldCTMark  uint8 = 107 // NXM_NX_CT_MARK, 4 bytes, maskable
	FieldCTLabel uint8 = 108 // NXM_NX_CT_LABEL, 16 bytes, maskable
)

// Bits of ct_state.
const (
	CTNew         uint32 = 1 << 0
	CTEstablished uint32 = 1 << 1
	CTRelated     uint32 = 1 << 2
	CTReply       uint32 = 1 << 3
	CTInvalid     uint32 = 1 << 4
	CTTracked     uint32 = 1 << 5
	CTSrcNAT      uint32 = 1 << 6
	CTDstNAT      uint32 = 1 << 7
)

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// CTState matches the bits of ct_state that mask selects: set where
// state has them, clear elsewhere ("+trk+est-rel" is
// CTState(CTTracked|CTEstablished, CTTracked|CTEstablished|CTRelated)).
func CTState(state, mask uint32) of13.Field {
	return of13.NewField(of13.ClassNXM1, FieldCTState, u32(state&mask), u32(mask))
}

// CTZone matches the conntrack zone a ct action put the packet in.
func CTZone(zone uint16) of13.Field {
	return of13.NewField(of13.ClassNXM1, FieldCTZone, binary.BigEndian.AppendUint16(nil, zone), nil)
}

// CTMark matches (or, in a set_field nested in a committing ct, sets) the
// connection's mark; mask 0xffffffff for the whole mark.
func CTMark(mark, mask uint32) of13.Field {
	if mask == ^uint32(0) {
		return of13.NewField(of13.ClassNXM1, FieldCTMark, u32(mark), nil)
	}
	return of13.NewField(of13.ClassNXM1, FieldCTMark, u32(mark&mask), u32(mask))
}

// CTLabel matches (or sets) the connection's 128-bit label.
func CTLabel(label [16]byte) of13.Field {
	return of13.NewField(of13.ClassNXM1, FieldCTLabel, label[:], nil)
}

// Reg matches (or, with of13.SetField, loads) register n (0 to 15),
// the bits of mask; mask 0xffffffff for the whole register.
func Reg(n int, value, mask uint32) of13.Field {
	if n < 0 || n > 15 {
		panic(fmt.Sprintf("nicira: register %d does not exist", n))
	}
	if mask == ^uint32(0) {
		return of13.NewField(of13.ClassNXM1, uint8(n), u32(value), nil)
	}
	return of13.NewField(of13.ClassNXM1, uint8(n), u32(value&mask), u32(mask))
}

// NoRecirc is CT.Table for a ct action that does not recirculate: the
// packet goes on with the next action, its ct_state unchanged.
const NoRecirc uint8 = 255

// CT is the ct action: it sends the packet through the connection
// tracker in Zone and, unless Table is NoRecirc, processes it again from
// Table with ct_state and the rest set. A committing ct (Commit) records
// the connection, and may set its mark and label with set_field actions
// in Actions.
type CT struct {
	Commit bool
	// Force, with Commit, ends a connection tracked in the other
	// direction and starts it anew in this one.
	Force bool
	Zone  uint16
	Table uint8
	// ALG is the well-known port of an application-level gateway
	// (21 ftp, 69 tftp), or 0.
	ALG uint16
	// Actions are applied as the connection is committed:
	// set_field of ct_mark or ct_label.
	Actions []of13.Action
}

// check refuses what Open vSwitch refuses: force or actions without
// commit, an action other than a set_field of ct_mark or ct_label.
func (c *CT) check() error {
	if c.Force && !c.Commit {
		return fmt.Errorf("%w: ct force without commit", ErrInvalid)
	}
	if len(c.Actions) > 0 && !c.Commit {
		return fmt.Errorf("%w: ct actions without commit", ErrInvalid)
	}
	for _, a := range c.Actions {
		f := a.Field
		if a.Type != of13.ActionSetField || f.Class() != of13.ClassNXM1 || (f.Type() != FieldCTMark && f.Type() != FieldCTLabel) {
			return fmt.Errorf("%w: ct may only set ct_mark and ct_label, not %v", ErrInvalid, a.Type)
		}
	}
	return nil
}

const (
	ctFlagCommit = 1 << 0
	ctFlagForce  = 1 << 1
	ctHeaderLen  = 24 // nx_action_conntrack, its nested actions after it
)

// Action encodes c as an of13 action.
func (c CT) Action() (of13.Action, error) {
	var flags uint16
	if c.Commit {
		flags |= ctFlagCommit
	}
	if c.Force {
		flags |= ctFlagForce
	}
	if err := c.check(); err != nil {
		return of13.Action{}, err
	}
	// After the experimenter id: subtype, flags, zone_src (0: the zone
	// is immediate), the zone, the table, 3 pad bytes, the ALG.
	b := binary.BigEndian.AppendUint16(nil, SubtypeCT)
	b = binary.BigEndian.AppendUint16(b, flags)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint16(b, c.Zone)
	b = append(b, c.Table, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, c.ALG)
	b, err := of13.AppendActions(b, c.Actions...)
	if err != nil {
		return of13.Action{}, err
	}
	return of13.ExperimenterAction(VendorID, b), nil
}

// ResubmitTable is resubmit(InPort,Table): the packet is looked up again
// in Table as if it had come in on InPort (a 16-bit port number;
// InPortUnchanged keeps its own), and then goes on with the next action.
type ResubmitTable struct {
	InPort uint16
	Table  uint8
}

// InPortUnchanged is ResubmitTable.InPort that keeps the packet's own
// in_port (OFPP_IN_PORT in 16 bits).
const InPortUnchanged uint16 = 0xfff8

// Action encodes r as an of13 action.
func (r ResubmitTable) Action() of13.Action {
	b := binary.BigEndian.AppendUint16(nil, SubtypeResubmitTable)
	b = binary.BigEndian.AppendUint16(b, r.InPort)
	b = append(b, r.Table, 0, 0, 0)
	return of13.ExperimenterAction(VendorID, b)
}

// Parse reads a decoded of13 action back: a CT or a ResubmitTable. It
// returns ErrNotNicira for any other action, and an error wrapping
// ErrInvalid for a malformed one of these.
func Parse(a of13.Action) (any, error) {
	if a.Type != of13.ActionExperimenter || a.Experimenter != VendorID || len(a.Data) < 2 {
		return nil, ErrNotNicira
	}
	d := a.Data
	switch binary.BigEndian.Uint16(d) {
	case SubtypeCT:
		if len(d) < ctHeaderLen-8 {
			return nil, fmt.Errorf("%w: ct of %d bytes", ErrInvalid, len(d)+8)
		}
		flags := binary.BigEndian.Uint16(d[2:])
		if flags&^(ctFlagCommit|ctFlagForce) != 0 {
			return nil, fmt.Errorf("%w: ct flags %#x", ErrInvalid, flags)
		}
		if src := binary.BigEndian.Uint32(d[4:]); src != 0 {
			return nil, fmt.Errorf("%w: ct zone from field %#x: only an immediate zone is supported", ErrInvalid, src)
		}
		c := CT{Commit: flags&ctFlagCommit != 0, Force: flags&ctFlagForce != 0,
			Zone: binary.BigEndian.Uint16(d[8:]), Table: d[10], ALG: binary.BigEndian.Uint16(d[14:])}
		if rest := d[16:]; len(rest) > 0 {
			acts, err := of13.DecodeActions(rest)
			if err != nil {
				return nil, fmt.Errorf("%w: ct's actions: %v", ErrInvalid, err)
			}
			c.Actions = acts
		}
		if err := c.check(); err != nil {
			return nil, err
		}
		return c, nil
	case SubtypeResubmitTable:
		if len(d) != 8 {
			return nil, fmt.Errorf("%w: resubmit of %d bytes", ErrInvalid, len(d)+8)
		}
		return ResubmitTable{InPort: binary.BigEndian.Uint16(d[2:]), Table: d[4]}, nil
	}
	return nil, ErrNotNicira
}
