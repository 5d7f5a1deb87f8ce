package of13

// Table features: what each table matches, applies and writes, as the
// table features multipart request and reply carry them.

import (
	"fmt"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// TableFeatures describes one table.
type TableFeatures struct {
	TableID       uint8
	Name          string
	MetadataMatch uint64
	MetadataWrite uint64
	Config        uint32
	MaxEntries    uint32
	Properties    []TableFeatureProp
}

// TableFeatureProp is one table feature property. Which list is used
// depends on Type: instruction and action ids (IDs: each entry a type;
// for each experimenter one, 0xffff, its experimenter id is the next of
// Experimenters), NextTables, OXM headers (OXMs; for each of the
// experimenter class, 0xffff, its experimenter id is the next of
// Experimenters), or an experimenter's data.
type TableFeatureProp struct {
	Type          uint16
	IDs           []uint16
	NextTables    []uint8
	OXMs          []uint32
	Experimenters []uint32
	Experimenter  uint32
	ExpType       uint32
	Data          []byte
}

// nextExperimenter takes the next experimenter id of a property.
func nextExperimenter(p *TableFeatureProp, used *int) (uint32, error) {
	if *used >= len(p.Experimenters) {
		return 0, fmt.Errorf("%w: table feature property %d: an experimenter id or OXM without its experimenter id in Experimenters", wire.ErrInvalid, p.Type)
	}
	*used++
	return p.Experimenters[*used-1], nil
}

// propKind is what a table feature property lists; one table says it
// for the encoder and the decoder alike.
type propKind uint8

const (
	propUnknown      propKind = iota
	propIDs                   // instruction or action ids
	propTables                // next tables
	propOXMs                  // OXM headers
	propExperimenter          // an experimenter's data
)

var propKinds = map[uint16]propKind{
	TFPInstructions: propIDs, TFPInstructionsMiss: propIDs, TFPWriteActions: propIDs, TFPWriteActionsMiss: propIDs,
	TFPApplyActions: propIDs, TFPApplyActionsMiss: propIDs,
	TFPNextTables: propTables, TFPNextTablesMiss: propTables,
	TFPMatch: propOXMs, TFPWildcards: propOXMs, TFPWriteSetfield: propOXMs, TFPWriteSetfieldMiss: propOXMs,
	TFPApplySetfield: propOXMs, TFPApplySetfieldMiss: propOXMs,
	TFPExperimenter: propExperimenter, TFPExperimenterMiss: propExperimenter,
}

func propKindOf(t uint16) propKind { return propKinds[t] }

func appendTableFeatures(b []byte, fs []TableFeatures) ([]byte, error) {
	for _, f := range fs {
		start := len(b)
		b = wire.Pad(append(a16(b, 0), f.TableID), 5)
		var err error
		if b, err = wire.AppendString(b, f.Name, 32); err != nil {
			return b, err
		}
		b = a32(a32(a64(a64(b, f.MetadataMatch), f.MetadataWrite), f.Config), f.MaxEntries)
		for _, p := range f.Properties {
			ps := len(b)
			b = a16(a16(b, p.Type), 0)
			switch propKindOf(p.Type) {
			case propIDs:
				used := 0
				for _, id := range p.IDs {
					if id != 0xffff {
						b = a16(a16(b, id), 4)
						continue
					}
					exp, err := nextExperimenter(&p, &used)
					if err != nil {
						return b, err
					}
					b = a32(a16(a16(b, id), 8), exp)
				}
			case propTables:
				b = append(b, p.NextTables...)
			case propOXMs:
				used := 0
				for _, h := range p.OXMs {
					b = a32(b, h)
					if uint16(h>>16) == ClassExperimenter {
						exp, err := nextExperimenter(&p, &used)
						if err != nil {
							return b, err
						}
						b = a32(b, exp)
					}
				}
			default:
				b = append(a32(a32(b, p.Experimenter), p.ExpType), p.Data...)
			}
			if err := wire.PutLen16(b, ps+2, ps); err != nil {
				return b, err
			}
			b = wire.PadTo8(b, ps)
		}
		if err := wire.PutLen16(b, start, start); err != nil {
			return b, err
		}
	}
	return b, nil
}

func decodeTableFeatures(d *wire.Decoder) []TableFeatures {
	var out []TableFeatures
	for d.Len() > 0 {
		start := d.Off
		n := int(d.U16())
		if n < 64 {
			d.Off = start
			d.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadLen, "table features length %d", n)
			break
		}
		s := d.Sub(n - 2)
		f := TableFeatures{TableID: s.U8()}
		s.Skip(5)
		f.Name = s.String(32)
		f.MetadataMatch, f.MetadataWrite, f.Config, f.MaxEntries = s.U64(), s.U64(), s.U32(), s.U32()
		for s.Len() > 0 {
			ps := s.Off
			p := TableFeatureProp{Type: s.U16()}
			pn := int(s.U16())
			if pn < 4 {
				s.Off = ps
				s.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadLen, "property length %d", pn)
				break
			}
			body := s.Sub(pn - 4)
			switch propKindOf(p.Type) {
			case propIDs:
				for body.Len() > 0 {
					id, l := body.U16(), body.U16()
					switch {
					case l == 4 && id != 0xffff:
					case l == 8 && id == 0xffff: // an experimenter's: its id follows
						p.Experimenters = append(p.Experimenters, body.U32())
					default:
						body.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadLen, "id length %d", l)
					}
					if body.Failed() {
						break
					}
					p.IDs = append(p.IDs, id)
				}
			case propTables:
				p.NextTables = body.Rest()
			case propOXMs:
				if body.Len()%4 != 0 {
					body.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadLen, "oxm list of %d bytes", body.Len())
				}
				for body.Len() >= 4 && !body.Failed() {
					h := body.U32()
					if uint16(h>>16) == ClassExperimenter { // its experimenter id follows
						if body.Len() < 4 {
							body.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadLen, "experimenter oxm without its id")
							break
						}
						p.Experimenters = append(p.Experimenters, body.U32())
					}
					p.OXMs = append(p.OXMs, h)
				}
			case propExperimenter:
				p.Experimenter, p.ExpType, p.Data = body.U32(), body.U32(), body.Rest()
			default:
				body.Fail(uint16(ErrorTypeTableFeaturesFailed), TableFeaturesFailedBadType, "property type %d", p.Type)
			}
			s.Merge(&body)
			if pad := (8 - pn%8) % 8; s.Len() >= pad {
				s.Skip(pad)
			}
			f.Properties = append(f.Properties, p)
			if s.Failed() {
				break
			}
		}
		d.Merge(&s)
		out = append(out, f)
	}
	return out
}
