// Package oftest holds what the tests of every OpenFlow version share:
// Open vSwitch's decoder as an oracle, round trips, and a generator that
// randomizes a message's numbers.
package oftest

import (
	"encoding/hex"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/internal/wire"
)

// Message is any version's message.
type Message interface {
	Head() *wire.Header
	MarshalBinary() ([]byte, error)
}

// OfpPrint decodes b with Open vSwitch's own decoder, skipping the test
// when it is not installed.
func OfpPrint(t testing.TB, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("ovs-ofctl")
	if err != nil {
		t.Skip("ovs-ofctl not found: install the Debian package openvswitch-common (make test does, as root)")
	}
	out, err := exec.Command(bin, "ofp-print", hex.EncodeToString(b)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// Golden encodes m, has Open vSwitch decode it and checks it printed every
// string in want and no sign of a decode failure.
func Golden(t *testing.T, m Message, want []string) {
	t.Helper()
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	out := OfpPrint(t, b)
	for _, bad := range []string{"decode error", "too short", "***", "bad", "unknown"} {
		require.NotContains(t, out, bad, "ovs-ofctl could not decode %x:\n%s", b, out)
	}
	for _, w := range want {
		assert.Contains(t, out, w, "ovs-ofctl printed:\n%s", out)
	}
	if testing.Verbose() {
		t.Logf("%x\n%s", b, strings.TrimSpace(out))
	}
}

// RoundTrip checks decode(encode(m)) == m and that re-encoding gives the
// same bytes.
func RoundTrip[M Message](t *testing.T, m M, decode func([]byte) (M, error)) {
	t.Helper()
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	got, err := decode(b)
	require.NoError(t, err, "%x", b)
	want := m.Head()
	want.Version, want.Type, want.Length = got.Head().Version, got.Head().Type, got.Head().Length
	assert.Equal(t, m, got)
	again, err := got.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, again)
}

// Randomize sets every unsigned integer and bool reachable from v to a
// random value, leaving alone the types in keep (those whose values decide
// an encoding's shape), the header, and byte slices (payloads have length
// rules).
func Randomize(rng *rand.Rand, v reflect.Value, keep ...reflect.Type) {
	for _, k := range keep {
		if v.Type() == k {
			return
		}
	}
	switch v.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64())
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[wire.Header]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				Randomize(rng, v.Field(i), keep...)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			Randomize(rng, v.Index(i), keep...)
		}
	case reflect.Array:
		for i := range v.Len() {
			Randomize(rng, v.Index(i), keep...)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		// Interface values hold copies: randomize a copy and store it back.
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		Randomize(rng, c, keep...)
		v.Set(c)
	}
}

// Rewrite replaces every T reachable from v (an addressable value) with
// fn's answer for it: how a test zeroes, in the values Randomize filled,
// what the wire does not carry.
func Rewrite[T any](v reflect.Value, fn func(T) T) {
	switch v.Kind() {
	case reflect.Struct:
		if p, ok := v.Addr().Interface().(*T); ok {
			*p = fn(*p)
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				Rewrite(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			Rewrite(v.Index(i), fn)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			Rewrite(v.Elem(), fn)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem() // interface values hold copies
		c.Set(v.Elem())
		Rewrite(c, fn)
		v.Set(c)
	}
}
