package of13

import (
	"bytes"
	"testing"
)

// Each way a Field holds its payload — in its words, an IPv6 address
// under a prefix mask, interned — gives the payload back, compares equal
// to the same field built again, and survives encoding and decoding.
func TestFieldForms(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 1)
		}
		return b
	}
	prefix := func(bits int) []byte {
		m := make([]byte, 16)
		for i := range bits {
			m[i/8] |= 0x80 >> (i % 8)
		}
		return m
	}
	for _, c := range []struct {
		name        string
		class       uint16
		typ         uint8
		value, mask []byte
	}{
		{"empty", ClassExperimenter, 1, nil, nil},
		{"in_port", ClassBasic, FieldInPort, seq(4), nil},
		{"twenty bytes", ClassExperimenter, 2, seq(20), nil},
		{"ipv6 /0", ClassBasic, FieldIPv6Src, seq(16), prefix(0)},
		{"ipv6 /61", ClassBasic, FieldIPv6Src, seq(16), prefix(61)},
		{"ipv6 /128", ClassBasic, FieldIPv6Dst, seq(16), prefix(128)},
		{"ipv6 under a mask that is no prefix", ClassBasic, FieldIPv6Dst, seq(16), seq(16)},
		{"twenty-one bytes", ClassExperimenter, 3, seq(21), nil},
		{"255 bytes", ClassExperimenter, 4, seq(255), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := NewField(c.class, c.typ, c.value, c.mask)
			want := append(append([]byte{}, c.value...), c.mask...)
			if !bytes.Equal(f.Payload(), want) {
				t.Errorf("payload %x, want %x", f.Payload(), want)
			}
			if f != NewField(c.class, c.typ, c.value, c.mask) {
				t.Error("the same field built twice is not ==")
			}
			if f.Class() != c.class || f.Type() != c.typ || f.HasMask() != (c.mask != nil) {
				t.Errorf("class %#x type %d mask %v", f.Class(), f.Type(), f.HasMask())
			}
			b, err := f.appendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			// Alone, and followed by other bytes (read as whole words
			// and cut).
			for _, in := range [][]byte{b, append(b, bytes.Repeat([]byte{0xee}, 24)...)} {
				var g Field
				if n := decodeFieldFast(&g, in); n != len(b) || g != f {
					t.Errorf("decoded from %x: %v (%d bytes), want %v", in, g, n, f)
				}
			}
		})
	}
}

// checkRange reads a limited field's value and mask from the payload's
// first eight bytes: every limited field is at most four bytes.
func TestLimitedFieldsAreNarrow(t *testing.T) {
	for typ, limit := range fieldMax {
		if limit != 0 && basicFields[typ].size > 4 {
			t.Errorf("%s has a limit and %d bytes", FieldName(uint8(typ)), basicFields[typ].size)
		}
	}
}
