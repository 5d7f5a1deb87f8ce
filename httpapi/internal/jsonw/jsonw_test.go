package jsonw

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<b>&amp;</b>", "tab\there", "\x00\x1f",
		"héllo", "\u2028\u2029", "bad\xffutf8", "日本"} {
		want, _ := json.Marshal(s)
		assert.Equal(t, string(want), string(String(nil, s)), "%q", s)
	}
}

func TestFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 100, 1e-6, 9.99e-7, 1e-7, 1.234e-9, 1e20, 1e21, 1.5e300, -2.5e-8,
		math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3, 12345.678} {
		want, _ := json.Marshal(f)
		assert.Equal(t, string(want), string(Float(nil, f)), "%v", f)
	}
	assert.Equal(t, "0", string(Float(nil, math.NaN())))
	assert.Equal(t, "0", string(Float(nil, math.Inf(1))))
}

func TestList(t *testing.T) {
	for _, l := range [][]string{nil, {}, {"a"}, {"a", "<b>"}} {
		want, _ := json.Marshal(l)
		assert.Equal(t, string(want), string(Strings(nil, l)))
	}
}

func FuzzString(f *testing.F) {
	f.Add("x<y>\"\\\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := String(nil, s); string(got) != string(want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
	})
}

func FuzzFloat(f *testing.F) {
	f.Add(1.5e-7)
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		want, _ := json.Marshal(x)
		if got := Float(nil, x); string(got) != string(want) {
			t.Fatalf("%v: %s, want %s", x, got, want)
		}
	})
}

// FuzzPlain: Plain, eight bytes at a time, says what a byte at a time
// says.
func FuzzPlain(f *testing.F) {
	f.Add("0123456789abcdef<")
	f.Add("fa:16:3e:00:00:01\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		want := true
		for i := 0; i < len(s); i++ {
			want = want && plain[s[i]]
		}
		if Plain(s) != want {
			t.Fatalf("%q: %v", s, !want)
		}
	})
}

// TestPlainWords: every byte value at every place of a word among plain
// bytes, and pairs of bytes next to the special ones (where a borrow
// from one byte could make its neighbour look special), as a byte at a
// time says.
func TestPlainWords(t *testing.T) {
	want := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if !plain[s[i]] {
				return false
			}
		}
		return true
	}
	for c := range 256 {
		for at := range 8 {
			b := []byte("abcdefgh")
			b[at] = byte(c)
			if got := Plain(string(b)); got != want(string(b)) {
				t.Fatalf("%q: %v", b, got)
			}
		}
	}
	near := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
		0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xff}
	for _, x := range near {
		for _, y := range near {
			for at := range 7 {
				b := []byte("abcdefgh")
				b[at], b[at+1] = x, y
				if got := Plain(string(b)); got != want(string(b)) {
					t.Fatalf("%q: %v", b, got)
				}
			}
		}
	}
}

func BenchmarkPlain(b *testing.B) {
	s := "00004ce3-ce0e-401e-b745-dbc2c57fb463"
	for b.Loop() {
		if !Plain(s) {
			b.Fatal(s)
		}
	}
}
