package l2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/mdlayher/ethernet"
)

// ErrFrame is wrapped by the errors of Frame.UnmarshalBinary other than
// io.ErrUnexpectedEOF.
var ErrFrame = errors.New("l2: malformed frame")

var errLength = fmt.Errorf("%w: EtherType field holds a length beyond the frame", ErrFrame)

// Frame is the part of an Ethernet frame the forwarding decision needs:
// addresses, the outer VLAN tag and the EtherType.
//
// A VLAN tag is what OpenFlow switches match as one, Open vSwitch being
// the reference: an 802.1Q (TPID 0x8100) or 802.1ad (0x88a8) header. The
// pre-standard 0x9100 is not a tag to them, so it is not to Frame either:
// such a frame is untagged with EtherType 0x9100, as a flow matching it
// sees it. Decode into a Frame you
// keep and reuse: UnmarshalBinary does not allocate and Payload points into
// the decoded bytes.
type Frame struct {
	Dst, Src MAC
	// VLAN is the outer tag's VLAN id, or Untagged.
	VLAN VLAN
	// Priority is the outer tag's PCP (0 when untagged).
	Priority uint8
	// DropEligible is the outer tag's DEI bit.
	DropEligible bool
	// EtherType follows the outer tag; an inner tag (QinQ) shows here as
	// ethernet.EtherTypeVLAN with the rest in Payload.
	EtherType ethernet.EtherType
	// Payload is what follows the EtherType, a view into the input.
	Payload []byte
}

// UnmarshalBinary decodes the Ethernet header of b, with an optional
// 802.1Q or 802.1ad outer tag. It does not allocate. A frame shorter than
// its header returns io.ErrUnexpectedEOF; an 802.3 length field larger than
// the payload is an error wrapping ErrFrame.
func (f *Frame) UnmarshalBinary(b []byte) error {
	if len(b) < 14 {
		return io.ErrUnexpectedEOF
	}
	copy(f.Dst[:], b[0:6])
	copy(f.Src[:], b[6:12])
	et := ethernet.EtherType(binary.BigEndian.Uint16(b[12:14]))
	off := 14
	f.VLAN, f.Priority, f.DropEligible = Untagged, 0, false
	if et == ethernet.EtherTypeVLAN || et == ethernet.EtherTypeServiceVLAN {
		if len(b) < 18 {
			return io.ErrUnexpectedEOF
		}
		tci := binary.BigEndian.Uint16(b[14:16])
		f.VLAN, f.Priority, f.DropEligible = VLAN(tci&0x0fff), uint8(tci>>13), tci&0x1000 != 0
		et = ethernet.EtherType(binary.BigEndian.Uint16(b[16:18]))
		off = 18
	}
	f.EtherType = et
	f.Payload = b[off:]
	if et <= 1500 { // an 802.3 length, not a type
		if int(et) > len(f.Payload) {
			return errLength
		}
	}
	return nil
}

// AppendBinary appends the frame's header and payload to b, with an
// 802.1Q tag unless VLAN is Untagged.
func (f *Frame) AppendBinary(b []byte) ([]byte, error) {
	if !f.VLAN.Valid() {
		return b, fmt.Errorf("%w: vlan %d", ErrInvalid, f.VLAN)
	}
	if f.Priority > 7 {
		return b, fmt.Errorf("%w: priority %d", ErrInvalid, f.Priority)
	}
	b = append(b, f.Dst[:]...)
	b = append(b, f.Src[:]...)
	if f.VLAN != Untagged {
		b = binary.BigEndian.AppendUint16(b, uint16(ethernet.EtherTypeVLAN))
		tci := uint16(f.Priority)<<13 | uint16(f.VLAN)
		if f.DropEligible {
			tci |= 0x1000
		}
		b = binary.BigEndian.AppendUint16(b, tci)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(f.EtherType))
	return append(b, f.Payload...), nil
}

// MarshalBinary returns the encoded frame.
func (f *Frame) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, 18+len(f.Payload)))
}
