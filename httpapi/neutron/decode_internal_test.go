package neutron

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomPort is a port with every attribute set or not, empty or not,
// and strings that are plain, non-ASCII or need escapes.
func randomPort(r *rand.Rand) Port {
	strs := []string{"", "x", "port-1", "héllo", "日本", "fa:16:3e:00:00:01", `q"uote`, "back\\slash", "<b>&", "tab\t", "bad\xff"}
	plain := r.IntN(2) == 0 // only what is read by hand
	str := func() string {
		if plain {
			return strs[r.IntN(6)]
		}
		return strs[r.IntN(len(strs))]
	}
	list := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	m := func() map[string]any {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			if !plain {
				return map[string]any{"k": str(), "n": 1.5}
			}
		}
		return map[string]any{}
	}
	p := Port{Standard: Standard{ID: str(), TenantID: str(), ProjectID: str(), Description: str(), CreatedAt: str(),
		UpdatedAt: str(), RevisionNumber: r.Int64N(1<<62) - 1<<61},
		Name: str(), NetworkID: str(), AdminStateUp: r.IntN(2) == 0, Status: str(), MACAddress: str(),
		DeviceID: str(), DeviceOwner: str(), SecurityGroups: list(), PortSecurityEnabled: r.IntN(2) == 0,
		HostID: str(), Profile: m(), VIFType: str(), VIFDetails: m(), VNICType: str(), Tags: list()}
	if r.IntN(3) > 0 {
		p.FixedIPs = []FixedIP{}
		for range r.IntN(3) {
			p.FixedIPs = append(p.FixedIPs, FixedIP{SubnetID: str(), IPAddress: str()})
		}
	}
	if r.IntN(3) > 0 {
		p.AllowedAddressPairs = []AddressPair{}
		for range r.IntN(3) {
			p.AllowedAddressPairs = append(p.AllowedAddressPairs, AddressPair{IPAddress: str(), MACAddress: str()})
		}
	}
	if r.IntN(3) > 0 {
		p.ExtraDHCPOpts = []DHCPOption{}
		for range r.IntN(3) {
			p.ExtraDHCPOpts = append(p.ExtraDHCPOpts, DHCPOption{Name: str(), Value: str(), IPVersion: r.IntN(7) - 1})
		}
	}
	if r.IntN(2) == 0 {
		b := r.IntN(2) == 0
		p.Trusted = &b
	}
	return p
}

// TestDecodePort: ports as json.Marshal writes them decode to what
// json.Unmarshal makes of them; those without escapes, invalid UTF-8 or
// non-empty maps never leave the fast path.
func TestDecodePort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fast := 0
	for range 2000 {
		p := randomPort(r)
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var want Port
		require.NoError(t, json.Unmarshal(b, &want))
		got, err := decodePort(b, interner{})
		require.NoError(t, err)
		require.Equal(t, &want, got, "%s", b)
		d := jsonReader{b: b}
		var q Port
		if d.port(&q) && d.end() {
			fast++
		}
	}
	assert.Greater(t, fast, 100, "ports read by hand")

	plain := Port{Standard: Standard{ID: "p", TenantID: "t", RevisionNumber: 3}, NetworkID: "n", Status: "DOWN",
		FixedIPs: []FixedIP{{SubnetID: "s", IPAddress: "10.0.0.2"}}, SecurityGroups: []string{"sg"},
		AllowedAddressPairs: []AddressPair{}, Profile: map[string]any{}, VIFDetails: map[string]any{},
		ExtraDHCPOpts: []DHCPOption{{Name: "mtu", Value: "1400", IPVersion: 4}}, Tags: []string{}}
	b, _ := json.Marshal(plain)
	d := jsonReader{b: b}
	var q Port
	require.True(t, d.port(&q) && d.end(), "a plain port is read by hand")
	assert.Equal(t, plain, q)

	// Two ports share what repeats.
	in := interner{}
	p1, _ := decodePort(b, in)
	p2, _ := decodePort(b, in)
	assert.Same(t, unsafeData(p1.NetworkID), unsafeData(p2.NetworkID))
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }

// FuzzDecodePort: whatever the bytes, decodePort gives what json.Unmarshal
// gives, error or not.
func FuzzDecodePort(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 20 {
		b, _ := json.Marshal(randomPort(r))
		f.Add(b)
	}
	f.Add([]byte(`{"id":"a","revision_number":-0,"trusted":null,"tags":null,"binding:profile":null}`))
	f.Add([]byte(`{"ID":"a"}`))
	f.Add([]byte(` { "fixed_ips" : [ { "subnet_id" : "s" } , null ] } `))
	f.Add([]byte(`{"revision_number":1.0}`))
	f.Add([]byte(`{"revision_number":01}`))
	f.Add([]byte(`{"extra_dhcp_opts":[{"ip_version":4}],"extra_dhcp_opts":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want Port
		werr := json.Unmarshal(b, &want)
		got, err := decodePort(b, interner{})
		if (werr == nil) != (err == nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, err, werr)
		}
		if werr == nil && !reflect.DeepEqual(&want, got) {
			t.Fatalf("%q:\n got %#v\nwant %#v", b, got, &want)
		}
	})
}

// BenchmarkDecodePort decodes a port as the store holds it, by hand and
// through encoding/json, and renders it back as a list writes it.
func BenchmarkDecodePort(b *testing.B) {
	p := Port{Standard: Standard{ID: "00004ce3-ce0e-401e-b745-dbc2c57fb463", TenantID: "bench", ProjectID: "bench",
		CreatedAt: "2026-12-07T21:44:17Z", UpdatedAt: "2026-12-07T21:44:17Z", RevisionNumber: 1},
		Name: "port-fec4ed17", NetworkID: "ced3dcbf-7303-4b93-bb59-b845f15b2cf1", AdminStateUp: true, Status: "DOWN",
		MACAddress: "fa:16:3e:62:39:a5", FixedIPs: []FixedIP{{SubnetID: "8fdaf5a8-4be8-497b-bdfe-a96986cffc4f", IPAddress: "10.3.142.19"}},
		SecurityGroups: []string{"868973c2-a8a2-42a5-926c-ae9ae432d371"}, AllowedAddressPairs: []AddressPair{},
		PortSecurityEnabled: true, Profile: map[string]any{}, VIFType: "unbound", VIFDetails: map[string]any{},
		VNICType: "normal", ExtraDHCPOpts: []DHCPOption{}, Tags: []string{}}
	buf, _ := json.Marshal(p)
	b.Run("render", func(b *testing.B) { // the way back, for a list
		out := make([]byte, 0, 4096)
		for b.Loop() {
			out = appendPort(out[:0], &p, true)
		}
	})
	b.Run("hand", func(b *testing.B) {
		in := interner{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePort(buf, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var q Port
			if err := json.Unmarshal(buf, &q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
