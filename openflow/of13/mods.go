package of13

// What the controller changes in the switch: flow_mod, group_mod,
// port_mod, table_mod, meter_mod.

import (
	"slices"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// FlowMod adds, changes or removes flows.
type FlowMod struct {
	Header
	Cookie       uint64
	CookieMask   uint64
	TableID      uint8
	Command      FlowModCommand
	IdleTimeout  uint16
	HardTimeout  uint16
	Priority     uint16
	BufferID     uint32
	OutPort      uint32
	OutGroup     uint32
	Flags        uint16
	Match        Match
	Instructions []Instruction
}

// Validate checks the flow_mod as a switch would: its match
// (Match.Validate) and the set_field actions of its instructions (a field
// the switch may set, unmasked, in range, with its prerequisites in the
// match), with the error naming the OpenFlow error.
func (m *FlowMod) Validate() error {
	c, err := m.Match.check()
	if err != nil {
		return err
	}
	for i := range m.Instructions {
		if err := validateActions(m.Instructions[i].Actions, &c); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the packet_out's set_field actions (see FlowMod).
func (m *PacketOut) Validate() error { return validateActions(m.Actions, nil) }

// Validate checks the set_field actions of the group's buckets.
func (m *GroupMod) Validate() error {
	for _, b := range m.Buckets {
		if err := validateActions(b.Actions, nil); err != nil {
			return err
		}
	}
	return nil
}

// AppendBinary implements encoding.BinaryAppender. It refuses what it
// cannot encode (a basic field it does not know or whose payload is not of
// the field's size, an unknown action or instruction type); what a switch
// would refuse beyond that is for Validate.
func (m *FlowMod) AppendBinary(b []byte) ([]byte, error) {
	if out, ok := m.appendFast(b); ok {
		return out, nil
	}
	return m.appendGeneral(b)
}

// appendFast encodes the common flow_mod — fields held in their words and
// of the right size, instructions and actions other than experimenters' —
// in place, without the general encoder's calls and error returns: fastLen
// sizes it, then every part is checked and written with word stores. For
// anything else, or when b has room for the message but not for the
// stores' overshoot (fieldRoom bytes), it reports false, having written
// only past len(b), and appendGeneral encodes the message or says what is
// wrong.
func (m *FlowMod) appendFast(b []byte) ([]byte, bool) {
	n, ok := m.fastLen()
	if !ok {
		return b, false
	}
	start := len(b)
	if room := cap(b) - start; room < n+fieldRoom {
		if room >= n {
			return b, false // growing would allocate where appendGeneral need not
		}
		b = slices.Grow(b, n+fieldRoom)
	}
	w := b[start : start+n+fieldRoom]
	putFlowModFixed(w, m)
	be.PutUint16(w[2:], uint16(n))
	i := 52 // after the match's header
	for k := range m.Match.Fields {
		f := &m.Match.Fields[k]
		if f.isLong() || f.Class() == ClassBasic && !f.wellFormed() {
			return b, false
		}
		i = f.putInline(w, i)
	}
	be.PutUint32(w[48:], 1<<16|uint32(i-48)) // OFPMT_OXM, the unpadded length
	*(*[8]byte)(w[i : i+8]) = [8]byte{}
	i = (i + 7) &^ 7
	for k := range m.Instructions {
		in := &m.Instructions[k]
		switch in.Type {
		case InstGotoTable:
			be.PutUint64(w[i:], uint64(InstGotoTable)<<48|8<<32|uint64(in.TableID)<<24)
			i += 8
		case InstWriteMetadata:
			be.PutUint64(w[i:], uint64(InstWriteMetadata)<<48|24<<32)
			be.PutUint64(w[i+8:], in.Metadata)
			be.PutUint64(w[i+16:], in.Mask)
			i += 24
		case InstClearActions:
			be.PutUint64(w[i:], uint64(InstClearActions)<<48|8<<32)
			i += 8
		case InstMeter:
			be.PutUint64(w[i:], uint64(InstMeter)<<48|8<<32|uint64(in.MeterID))
			i += 8
		default: // write or apply actions
			is := i
			i += 8
			for j := range in.Actions {
				a := &in.Actions[j]
				if a.Type != ActionSetField {
					i, _ = a.putFixed(w, i)
					continue
				}
				f := &a.Field
				if f.isLong() || f.Class() == ClassBasic && !f.wellFormed() {
					return b, false
				}
				as := i
				i = f.putInline(w, i+4)
				*(*[8]byte)(w[i : i+8]) = [8]byte{}
				i = (i + 7) &^ 7
				be.PutUint32(w[as:], uint32(ActionSetField)<<16|uint32(i-as))
			}
			be.PutUint64(w[is:], uint64(in.Type)<<48|uint64(i-is)<<32)
		}
	}
	return b[:start+n], true
}

// fastLen returns the encoded length of a flow_mod appendFast may write,
// or false: what the lengths of its fields say (appendFast refuses those
// that are long or malformed) and of its instructions and actions.
func (m *FlowMod) fastLen() (int, bool) {
	n := 52
	for k := range m.Match.Fields {
		n += 4 + int(uint8(m.Match.Fields[k].hdr>>32))
	}
	n = (n + 7) &^ 7
	for k := range m.Instructions {
		in := &m.Instructions[k]
		switch in.Type {
		case InstGotoTable, InstClearActions, InstMeter:
			n += 8
		case InstWriteMetadata:
			n += 24
		case InstWriteActions, InstApplyActions:
			l := 8
			for j := range in.Actions {
				a := &in.Actions[j]
				switch t := a.Type; {
				case int(t) < len(actionLen) && actionLen[t] != 0:
					l += int(actionLen[t])
				case t == ActionSetField:
					l += (8 + int(uint8(a.Field.hdr>>32)) + 7) &^ 7
				default:
					return 0, false
				}
			}
			if l > 0xffff {
				return 0, false
			}
			n += l
		default:
			return 0, false
		}
	}
	return n, n <= wire.MaxLen
}

// putFlowModFixed writes the header and fixed part of m at b[:48], the
// length left for the caller.
func putFlowModFixed(h []byte, m *FlowMod) {
	h = h[:48]
	h[0], h[1], h[2], h[3] = Version, uint8(TypeFlowMod), 0, 0
	be.PutUint32(h[4:], m.XID)
	be.PutUint64(h[8:], m.Cookie)
	be.PutUint64(h[16:], m.CookieMask)
	h[24], h[25] = m.TableID, uint8(m.Command)
	be.PutUint16(h[26:], m.IdleTimeout)
	be.PutUint16(h[28:], m.HardTimeout)
	be.PutUint16(h[30:], m.Priority)
	be.PutUint32(h[32:], m.BufferID)
	be.PutUint32(h[36:], m.OutPort)
	be.PutUint32(h[40:], m.OutGroup)
	be.PutUint16(h[44:], m.Flags)
	h[46], h[47] = 0, 0
}

// appendGeneral is AppendBinary for any flow_mod.
func (m *FlowMod) appendGeneral(b []byte) ([]byte, error) {
	start := len(b)
	// The fixed part is written in place: one capacity check, not twenty.
	b = slices.Grow(b, 48)[:start+48]
	putFlowModFixed(b[start:], m)
	b, err := m.Match.appendTo(b)
	if err != nil {
		return b[:start], err
	}
	if b, err = appendInstructions(b, m.Instructions); err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *FlowMod) MarshalBinary() ([]byte, error) {
	if n, ok := m.fastLen(); ok {
		return m.AppendBinary(make([]byte, 0, n+fieldRoom)) // room for appendFast
	}
	return marshal(m, 128)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *FlowMod) UnmarshalBinary(b []byte) error {
	if m.decodeFast(b) {
		return nil
	}
	return m.decode(b)
}

// decodeFast decodes a well-formed flow_mod whose instructions and actions
// are not experimenters' by slicing, as PacketIn.decodeFast does; it
// reports false, having changed nothing decode will not overwrite, for
// anything else.
func (m *FlowMod) decodeFast(b []byte) bool {
	b, end, fields, ok := decodeHeadFast(b, TypeFlowMod, 48, m.Match.Fields[:0])
	if !ok {
		return false
	}
	m.Match.Fields = fields
	insts, ok := decodeInstructionsFast(b[end:], m.Instructions[:0])
	if !ok {
		return false
	}
	m.Header = Header{Version: b[0], Type: b[1], Length: uint16(len(b)), XID: be.Uint32(b[4:])}
	f := b[8:48]
	m.Cookie, m.CookieMask, m.TableID, m.Command = be.Uint64(f), be.Uint64(f[8:]), f[16], FlowModCommand(f[17])
	m.IdleTimeout, m.HardTimeout, m.Priority = be.Uint16(f[18:]), be.Uint16(f[20:]), be.Uint16(f[22:])
	m.BufferID, m.OutPort, m.OutGroup, m.Flags = be.Uint32(f[24:]), be.Uint32(f[28:]), be.Uint32(f[32:]), be.Uint16(f[36:])
	m.Instructions = insts
	return true
}

func (m *FlowMod) decode(b []byte) error {
	h, d, err := begin(b, TypeFlowMod)
	if err != nil {
		return err
	}
	f := d.Bytes(40) // the fixed part, read in place
	if f == nil {
		*m = FlowMod{Header: h}
		return d.Err()
	}
	// Every field is set (rather than the message zeroed first), the
	// lists keeping their capacity.
	m.Header = h
	m.Cookie, m.CookieMask, m.TableID, m.Command = be.Uint64(f), be.Uint64(f[8:]), f[16], FlowModCommand(f[17])
	m.IdleTimeout, m.HardTimeout, m.Priority = be.Uint16(f[18:]), be.Uint16(f[20:]), be.Uint16(f[22:])
	m.BufferID, m.OutPort, m.OutGroup, m.Flags = be.Uint32(f[24:]), be.Uint32(f[28:]), be.Uint32(f[32:]), be.Uint16(f[36:])
	insts := m.Instructions[:0]
	m.Match.Fields = m.Match.Fields[:0]
	decodeMatch(&d, &m.Match)
	m.Instructions = decodeInstructions(&d, insts)
	return d.Err()
}

// Bucket is one bucket of a group.
type Bucket struct {
	Weight     uint16
	WatchPort  uint32
	WatchGroup uint32
	Actions    []Action
}

func appendBuckets(b []byte, buckets []Bucket) ([]byte, error) {
	for _, bk := range buckets {
		bs := len(b)
		b = append(a32(a32(a16(a16(b, 0), bk.Weight), bk.WatchPort), bk.WatchGroup), 0, 0, 0, 0)
		var err error
		if b, err = appendActions(b, bk.Actions); err != nil {
			return b, err
		}
		if err := wire.PutLen16(b, bs, bs); err != nil {
			return b, err
		}
	}
	return b, nil
}

func decodeBuckets(d *wire.Decoder) []Bucket {
	var out []Bucket
	for d.Len() > 0 {
		start := d.Off
		n := int(d.U16())
		if n < 16 {
			d.Off = start
			d.Fail(uint16(ErrorTypeGroupModFailed), GroupModFailedBadBucket, "bucket length %d", n)
			break
		}
		s := d.Sub(n - 2)
		bk := Bucket{Weight: s.U16(), WatchPort: s.U32(), WatchGroup: s.U32()}
		s.Skip(4)
		bk.Actions = decodeActions(&s, nil)
		d.Merge(&s)
		out = append(out, bk)
	}
	return out
}

// GroupMod adds, changes or removes a group.
type GroupMod struct {
	Header
	Command GroupModCommand
	Type    GroupType
	GroupID uint32
	Buckets []Bucket
}

// AppendBinary implements encoding.BinaryAppender.
func (m *GroupMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(append(a16(head(b, TypeGroupMod, m.XID), uint16(m.Command)), uint8(m.Type), 0), m.GroupID)
	b, err := appendBuckets(b, m.Buckets)
	if err != nil {
		return b[:start], err
	}
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *GroupMod) MarshalBinary() ([]byte, error) { return marshal(m, 64) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *GroupMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeGroupMod)
	if err != nil {
		return err
	}
	*m = GroupMod{Header: h, Command: GroupModCommand(d.U16()), Type: GroupType(d.U8())}
	d.Skip(1)
	m.GroupID = d.U32()
	m.Buckets = decodeBuckets(&d)
	return d.Err()
}

// PortMod changes a port's configuration.
type PortMod struct {
	Header
	PortNo    uint32
	HWAddr    [6]byte
	Config    uint32
	Mask      uint32
	Advertise uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *PortMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(a32(head(b, TypePortMod, m.XID), m.PortNo), 0, 0, 0, 0)
	b = append(append(b, m.HWAddr[:]...), 0, 0)
	b = append(a32(a32(a32(b, m.Config), m.Mask), m.Advertise), 0, 0, 0, 0)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *PortMod) MarshalBinary() ([]byte, error) { return marshal(m, 40) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *PortMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypePortMod)
	if err != nil {
		return err
	}
	*m = PortMod{Header: h, PortNo: d.U32()}
	d.Skip(4)
	d.Copy(m.HWAddr[:])
	d.Skip(2)
	m.Config, m.Mask, m.Advertise = d.U32(), d.U32(), d.U32()
	d.Skip(4)
	return end(&d, TypePortMod)
}

// TableMod configures a table.
type TableMod struct {
	Header
	TableID uint8
	Config  uint32
}

// AppendBinary implements encoding.BinaryAppender.
func (m *TableMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(append(head(b, TypeTableMod, m.XID), m.TableID, 0, 0, 0), m.Config)
	return wire.Finish(b, start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *TableMod) MarshalBinary() ([]byte, error) { return marshal(m, 16) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *TableMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeTableMod)
	if err != nil {
		return err
	}
	*m = TableMod{Header: h, TableID: d.U8()}
	d.Skip(3)
	m.Config = d.U32()
	return end(&d, TypeTableMod)
}

// MeterBand is one band of a meter: drop, DSCP remark (PrecLevel) or an
// experimenter's (Experimenter, and what it adds in Data).
type MeterBand struct {
	Type         MeterBandType
	Rate         uint32
	BurstSize    uint32
	PrecLevel    uint8
	Experimenter uint32
	Data         []byte
}

func appendBands(b []byte, bands []MeterBand) []byte {
	for _, bd := range bands {
		n := 16
		if bd.Type == BandExperimenter {
			n += len(bd.Data)
		}
		b = a32(a32(a16(a16(b, uint16(bd.Type)), uint16(n)), bd.Rate), bd.BurstSize)
		switch bd.Type {
		case BandDSCPRemark:
			b = append(b, bd.PrecLevel, 0, 0, 0)
		case BandExperimenter:
			b = append(a32(b, bd.Experimenter), bd.Data...)
		default:
			b = append(b, 0, 0, 0, 0)
		}
	}
	return b
}

func decodeBands(d *wire.Decoder) []MeterBand {
	var out []MeterBand
	for d.Len() > 0 {
		start := d.Off
		bd := MeterBand{Type: MeterBandType(d.U16())}
		n := int(d.U16())
		if (n != 16 && bd.Type != BandExperimenter || n < 16 || n-4 > d.Len()) && !d.Failed() {
			d.Off = start
			d.Fail(uint16(ErrorTypeMeterModFailed), MeterModFailedBadBand, "meter band length %d", n)
			break
		}
		bd.Rate, bd.BurstSize = d.U32(), d.U32()
		switch bd.Type {
		case BandDSCPRemark:
			bd.PrecLevel = d.U8()
			d.Skip(3)
		case BandExperimenter:
			bd.Experimenter = d.U32()
			if n > 16 { // what the experimenter adds
				bd.Data = d.Bytes(n - 16)
			}
		default:
			d.Skip(4)
		}
		out = append(out, bd)
	}
	return out
}

// MeterMod adds, changes or removes a meter.
type MeterMod struct {
	Header
	Command MeterModCommand
	Flags   uint16
	MeterID uint32
	Bands   []MeterBand
}

// AppendBinary implements encoding.BinaryAppender.
func (m *MeterMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = a32(a16(a16(head(b, TypeMeterMod, m.XID), uint16(m.Command)), m.Flags), m.MeterID)
	return wire.Finish(appendBands(b, m.Bands), start)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *MeterMod) MarshalBinary() ([]byte, error) { return marshal(m, 48) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MeterMod) UnmarshalBinary(b []byte) error {
	h, d, err := begin(b, TypeMeterMod)
	if err != nil {
		return err
	}
	*m = MeterMod{Header: h, Command: MeterModCommand(d.U16()), Flags: d.U16(), MeterID: d.U32()}
	m.Bands = decodeBands(&d)
	return d.Err()
}

// NewFlowMod returns a flow_mod of command cmd with the fields whose zero
// would mean something else set to "none": no buffered packet, any output
// port, any group. Set the match, instructions and the rest on it.
func NewFlowMod(cmd FlowModCommand) *FlowMod {
	return &FlowMod{Command: cmd, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}
}

// NewPacketOut returns a packet_out carrying data (no switch buffer),
// from the controller, through actions.
func NewPacketOut(data []byte, actions ...Action) *PacketOut {
	return &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: actions, Data: data}
}
