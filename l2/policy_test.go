package l2_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

func TestPortPolicyAllows(t *testing.T) {
	m, pair := host(1), host(2)
	p := &l2.PortPolicy{Sources: []l2.AddressPair{
		{MAC: m, Prefix: netip.MustParsePrefix("10.0.0.5/32")},
		{MAC: m, Prefix: netip.MustParsePrefix("2001:db8::5/128")},
		{MAC: pair, Prefix: netip.MustParsePrefix("10.0.9.0/24")},
	}}
	for _, c := range []struct {
		mac  l2.MAC
		addr string
		want bool
	}{
		{m, "10.0.0.5", true},
		{m, "10.0.0.6", false},
		{m, "::ffff:10.0.0.5", true}, // the same address, mapped
		{m, "2001:db8::5", true},
		{m, "0.0.0.0", true},                    // a DHCP request
		{m, "::", true},                         // duplicate address detection
		{m, l2.LinkLocal(m).String(), true},     // its own link-local address
		{m, l2.LinkLocal(pair).String(), false}, // another MAC's
		{m, "10.0.9.1", false},                  // the pair's prefix is the pair's MAC's
		{pair, "10.0.9.1", true},
		{host(3), "0.0.0.0", false}, // a MAC with no pair sends nothing
	} {
		assert.Equal(t, c.want, p.Allows(c.mac, netip.MustParseAddr(c.addr)), "%v from %s", c.mac, c.addr)
	}
	assert.Equal(t, "fe80::ff:fe00:1", l2.LinkLocal(l2.MustParseMAC("02:00:00:00:00:01")).String())
	anyAddr := &l2.PortPolicy{Sources: []l2.AddressPair{{MAC: m}}}
	assert.NoError(t, anyAddr.Validate())
	assert.True(t, anyAddr.Allows(m, netip.MustParseAddr("192.0.2.1")), "no prefix: any address")
	assert.False(t, anyAddr.Allows(pair, netip.MustParseAddr("192.0.2.1")))
	assert.Error(t, (&l2.PortPolicy{Sources: []l2.AddressPair{{MAC: m, Prefix: netip.MustParsePrefix("10.0.0.1/8")}}}).Validate(), "not masked")
	assert.Error(t, (&l2.PortPolicy{Sources: []l2.AddressPair{{MAC: l2.Broadcast, Prefix: netip.MustParsePrefix("10.0.0.0/8")}}}).Validate())
}

// frame builds an Ethernet frame from src of type typ carrying payload.
func frame(src l2.MAC, typ uint16, payload []byte) []byte {
	b := append(append(append([]byte{}, l2.Broadcast[:]...), src[:]...), byte(typ>>8), byte(typ))
	return append(b, payload...)
}

func TestPortPolicyAllowsFrame(t *testing.T) {
	m := host(1)
	p := &l2.PortPolicy{Sources: []l2.AddressPair{{MAC: m, Prefix: netip.MustParsePrefix("10.0.0.5/32")}}}
	ipv4 := func(src string) []byte {
		h := make([]byte, 20)
		h[0] = 0x45
		a := netip.MustParseAddr(src).As4()
		copy(h[12:], a[:])
		return h
	}
	arp := func(sha l2.MAC, spa string) []byte {
		b := []byte{0, 1, 8, 0, 6, 4, 0, 1}
		a := netip.MustParseAddr(spa).As4()
		b = append(append(b, sha[:]...), a[:]...)
		return append(b, make([]byte, 10)...)
	}
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"its IPv4 address", frame(m, 0x0800, ipv4("10.0.0.5")), true},
		{"another IPv4 address", frame(m, 0x0800, ipv4("10.0.0.6")), false},
		{"a truncated IPv4 header", frame(m, 0x0800, ipv4("10.0.0.5")[:12]), false},
		{"its ARP", frame(m, 0x0806, arp(m, "10.0.0.5")), true},
		{"ARP for another address", frame(m, 0x0806, arp(m, "10.0.0.7")), false},
		{"ARP naming another MAC", frame(m, 0x0806, arp(host(9), "10.0.0.5")), false},
		{"another EtherType", frame(m, 0x88cc, make([]byte, 46)), true},
		{"another MAC", frame(host(2), 0x88cc, make([]byte, 46)), false},
	} {
		var f l2.Frame
		require.NoError(t, f.UnmarshalBinary(c.data), c.name)
		assert.Equal(t, c.want, p.AllowsFrame(&f), c.name)
	}
}

// A policy change reports every MAC at the port, attached or learned, so
// that flows allowed under the old policy go; the entries stay.
func TestSetPolicyReportsTheMACsAtThePort(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	h.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m) })
	h.Decide(p12, host(2), l2.Broadcast)
	h.take()
	pol := &l2.PortPolicy{Sources: []l2.AddressPair{{MAC: m, Prefix: netip.MustParsePrefix("10.0.0.5/32")}}}
	evs := h.update(t, func(tx *l2.Tx) error { return tx.SetPolicy("a", p11, pol) })
	assert.Equal(t, []l2.Event{{Kind: l2.PolicyChanged, Slice: "a", MAC: m, Location: p11}}, evs)
	assert.True(t, h.Policy(p11).Equal(pol))
	assert.Nil(t, h.Policy(p12))
	b, err := h.Bindings("a")
	require.NoError(t, err)
	assert.Same(t, h.Policy(p11), b[0].Policy)

	evs = h.update(t, func(tx *l2.Tx) error { return tx.SetPolicy("a", p11, pol) })
	assert.Empty(t, evs, "the same policy again changes nothing")
	_, ok := h.Lookup("a", m)
	assert.True(t, ok)

	spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p11: {m}, p12: nil}}
	evs = h.update(t, func(tx *l2.Tx) error { return tx.SetSlice("a", spec) })
	assert.Equal(t, []l2.Event{{Kind: l2.PolicyChanged, Slice: "a", MAC: m, Location: p11}}, evs, "SetSlice without it takes it away")
	assert.Nil(t, h.Policy(p11))

	_, err = h.Update(func(tx *l2.Tx) error {
		return tx.SetSlice("a", l2.SliceSpec{Ports: spec.Ports, Policies: map[l2.Location]*l2.PortPolicy{p13: pol}})
	})
	assert.ErrorIs(t, err, l2.ErrInvalid, "a policy for a port the slice does not bind")
	_, err = h.Update(func(tx *l2.Tx) error {
		return tx.SetPolicy("a", p11, &l2.PortPolicy{Sources: []l2.AddressPair{{MAC: l2.Broadcast}}})
	})
	assert.ErrorIs(t, err, l2.ErrInvalid)
	assert.Nil(t, h.Policy(p11), "a refused policy changes nothing")
}

// Resolve answers for the addresses the slice's policies give their
// ports, not for one two ports claim, and not across slices.
func TestResolve(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m1, m2 := host(1), host(2)
	own := func(mac l2.MAC, addrs ...string) *l2.PortPolicy {
		p := &l2.PortPolicy{}
		for _, a := range addrs {
			p.Addresses = append(p.Addresses, l2.AddressPair{MAC: mac, Prefix: netip.MustParsePrefix(a + "/32")})
		}
		return p
	}
	h.update(t, func(tx *l2.Tx) error {
		if err := tx.SetPolicy("a", p11, own(m1, "10.0.0.1", "10.0.0.100")); err != nil {
			return err
		}
		return tx.SetPolicy("a", p12, own(m2, "10.0.0.2", "10.0.0.100"))
	})
	m, ok := h.Resolve("a", netip.MustParseAddr("10.0.0.1"))
	assert.True(t, ok)
	assert.Equal(t, m1, m)
	m, ok = h.Resolve("a", netip.MustParseAddr("::ffff:10.0.0.2"))
	assert.True(t, ok)
	assert.Equal(t, m2, m)
	_, ok = h.Resolve("a", netip.MustParseAddr("10.0.0.100"))
	assert.False(t, ok, "claimed twice")
	_, ok = h.Resolve("b", netip.MustParseAddr("10.0.0.1"))
	assert.False(t, ok, "another slice's")
	h.update(t, func(tx *l2.Tx) error { return tx.SetPolicy("a", p12, nil) })
	m, ok = h.Resolve("a", netip.MustParseAddr("10.0.0.100"))
	assert.True(t, ok, "claimed once again")
	assert.Equal(t, m1, m)
	_, err := h.Update(func(tx *l2.Tx) error {
		return tx.SetPolicy("a", p12, &l2.PortPolicy{Addresses: []l2.AddressPair{{MAC: m2, Prefix: netip.MustParsePrefix("10.0.0.0/24")}}})
	})
	assert.ErrorIs(t, err, l2.ErrInvalid, "not a single address")
}

func TestRuleValidate(t *testing.T) {
	v4, v6 := uint16(l2.EtherTypeIPv4), uint16(l2.EtherTypeIPv6)
	for _, c := range []struct {
		rule l2.Rule
		ok   bool
	}{
		{l2.Rule{EtherType: v4}, true},
		{l2.Rule{EtherType: v4, Protocol: 6, PortMin: 22, PortMax: 22, Remote: netip.MustParsePrefix("10.0.0.0/24")}, true},
		{l2.Rule{EtherType: v4, Protocol: 1, TypeSet: true, ICMPType: 8}, true},
		{l2.Rule{EtherType: v6, Protocol: 58, TypeSet: true, ICMPType: 128, CodeSet: true}, true},
		{l2.Rule{EtherType: 0x0806}, false},
		{l2.Rule{EtherType: v4, Remote: netip.MustParsePrefix("2001:db8::/32")}, false},
		{l2.Rule{EtherType: v4, Remote: netip.MustParsePrefix("10.0.0.1/24")}, false},
		{l2.Rule{EtherType: v4, Protocol: 1, PortMin: 1, PortMax: 2}, false},
		{l2.Rule{EtherType: v4, Protocol: 6, PortMin: 23, PortMax: 22}, false},
		{l2.Rule{EtherType: v4, Protocol: 6, TypeSet: true}, false},
		{l2.Rule{EtherType: v6, Protocol: 1, TypeSet: true}, false},
		{l2.Rule{EtherType: v4, Protocol: 1, CodeSet: true}, false},
	} {
		err := (&l2.PortPolicy{Filtered: true, Ingress: []l2.Rule{c.rule}}).Validate()
		assert.Equal(t, c.ok, err == nil, "%+v: %v", c.rule, err)
	}
}

// PolicyGeneration moves when a policy changes, comes or goes, and only
// then.
func TestPolicyGeneration(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	pol := &l2.PortPolicy{Sources: []l2.AddressPair{{MAC: host(1)}}}
	g := h.PolicyGeneration()
	h.update(t, func(tx *l2.Tx) error { return tx.SetPolicy("a", p11, pol) })
	assert.Equal(t, g+1, h.PolicyGeneration())
	h.update(t, func(tx *l2.Tx) error { return tx.SetPolicy("a", p11, pol) })
	h.update(t, func(tx *l2.Tx) error { return tx.BindPort("a", loc(3, 1, U)) })
	assert.Equal(t, g+1, h.PolicyGeneration(), "the same policy again, a binding without one")
	h.update(t, func(tx *l2.Tx) error { return tx.UnbindPort("a", p11) })
	assert.Equal(t, g+2, h.PolicyGeneration(), "a binding with a policy went")
}
