// Package jsonw writes JSON by hand, byte for byte as encoding/json
// writes the same values: for the lists the surfaces serve by the
// thousand, where encoding/json's reflection costs several times the
// writing itself.
package jsonw

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"
)

// plain are the bytes a JSON string holds as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// String appends s quoted as encoding/json quotes it: plain printable
// ASCII as is, anything else (escapes, HTML characters, non-ASCII,
// invalid UTF-8) through encoding/json itself.
func String(b []byte, s string) []byte {
	if !Plain(s) {
		out, _ := json.Marshal(s)
		return append(b, out...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// List appends list as a JSON array, each item by each; null for a nil
// slice (as encoding/json writes them).
func List[T any](b []byte, list []T, each func([]byte, T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, x)
	}
	return append(b, ']')
}

// Strings appends a list of strings.
func Strings(b []byte, list []string) []byte { return List(b, list, String) }

// Float appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form only below 1e-6 or from
// 1e21 on. NaN and the infinities, which encoding/json refuses, are
// written as 0.
func Float(b []byte, f float64) []byte {
	if math.Float64bits(f) == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0') // +0: most of a list's rates
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b) - start; n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// Int appends n.
func Int(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// Bool appends v.
func Bool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// Plain reports whether s is written as it is between quotes. It looks
// at eight bytes at a time: lists write every string of every item.
func Plain(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special(binary.LittleEndian.Uint64([]byte(s[i : i+8]))) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !plain[s[i]] {
			return false
		}
	}
	return true
}

const ones, highs = 0x0101010101010101, 0x8080808080808080

// special reports whether any of the eight bytes in x is not plain: a
// control character, non-ASCII, or one of " \ < > &. Without branches,
// and with two tests for the four characters: " and & differ in one bit
// (0x22, 0x26), as < and > do (0x3c, 0x3e), so setting that bit makes
// each pair one byte to look for.
func special(x uint64) bool {
	t := x&highs | (x-ones*0x20)&^x&highs // non-ASCII, control
	t |= zero(x|ones*0x04^ones*0x26) | zero(x|ones*0x02^ones*0x3e) | zero(x^ones*'\\')
	return t != 0
}

// zero's result has a high bit set if and only if a byte of x is zero.
func zero(x uint64) uint64 { return (x - ones) &^ x & highs }

// Joined appends x+y as one JSON string without making it first.
func Joined(b []byte, x, y string) []byte {
	if !Plain(x) || !Plain(y) {
		return String(b, x+y)
	}
	b = append(b, '"')
	b = append(b, x...)
	b = append(b, y...)
	return append(b, '"')
}

// buffers are what lists render into, kept between them: a list of a
// thousand items is hundreds of kilobytes, and growing it afresh each
// time makes garbage the collector must then look for.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// maxKept is the largest buffer kept; a larger one (a list of tens of
// thousands) is left to the collector.
const maxKept = 4 << 20

// Buffer returns an empty buffer to render into; give it back with
// Release once written.
func Buffer() *[]byte {
	bp := buffers.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// Release gives back a buffer from Buffer.
func Release(bp *[]byte) {
	if cap(*bp) <= maxKept {
		buffers.Put(bp)
	}
}
