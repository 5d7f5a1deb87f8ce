package hostnettest

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
)

// Run is the conformance suite of hostnet.Driver, in the manner of
// testing/fstest: what a driver must do, as Linux does it, for the
// Provisioner and the APIs above it to be right. newDriver returns a
// fresh host with the NICs eth0, eth1 and eth2, up, MTU 1500 (NewHost's
// driver, a Fake, a program's own). VLAN devices and bonds are checked
// where the driver makes them; one that answers ErrNotSupported (a kernel
// without 8021q or bonding) has those parts skipped, saying so.
func Run(t *testing.T, newDriver func(t *testing.T) hostnet.Driver) {
	t.Run("Links", func(t *testing.T) { testLinks(t, newDriver(t)) })
	t.Run("Bridge", func(t *testing.T) { testBridge(t, newDriver(t)) })
	t.Run("BridgeMTU", func(t *testing.T) { testBridgeMTU(t, newDriver(t)) })
	t.Run("Addresses", func(t *testing.T) { testAddresses(t, newDriver(t)) })
	t.Run("VLAN", func(t *testing.T) { testVLAN(t, newDriver(t)) })
	t.Run("Bond", func(t *testing.T) { testBond(t, newDriver(t)) })
	t.Run("Subscribe", func(t *testing.T) { testSubscribe(t, newDriver(t)) })
}

func link(t *testing.T, d hostnet.Driver, name string) hostnet.Link {
	t.Helper()
	l, err := d.Link(name)
	require.NoError(t, err)
	return l
}

func testLinks(t *testing.T, d hostnet.Driver) {
	ls, err := d.Links()
	require.NoError(t, err)
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	assert.Equal(t, []string{"eth0", "eth1", "eth2", "lo"}, names, "every link, by name")
	e0 := link(t, d, "eth0")
	assert.True(t, e0.Up)
	assert.Equal(t, 1500, e0.MTU)
	assert.Positive(t, e0.Index)
	assert.NotEmpty(t, e0.MAC)
	assert.Empty(t, e0.Master)
	assert.NotNil(t, e0.Addrs, "an empty list, not null")
	_, err = d.Link("eth9")
	assert.ErrorIs(t, err, hostnet.ErrNotFound)
	var oe *hostnet.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "eth9", oe.Link)
	_, err = d.Stats("eth0")
	assert.NoError(t, err)
	_, err = d.Stats("eth9")
	assert.ErrorIs(t, err, hostnet.ErrNotFound)
}

func testBridge(t *testing.T, d hostnet.Driver) {
	require.NoError(t, d.CreateBridge("br0", hostnet.LinkOptions{}))
	br := link(t, d, "br0")
	assert.Equal(t, hostnet.KindBridge, br.Kind)
	assert.False(t, br.Up, "created down")
	assert.Equal(t, 1500, br.MTU)
	assert.ErrorIs(t, d.CreateBridge("br0", hostnet.LinkOptions{}), hostnet.ErrExists)
	for _, bad := range []string{"", "a/b", "has space", "sixteen-bytes-xx", "a:b"} {
		assert.ErrorIs(t, d.CreateBridge(bad, hostnet.LinkOptions{}), hostnet.ErrInvalid, "%q", bad)
	}
	assert.ErrorIs(t, d.CreateBridge("br1", hostnet.LinkOptions{Master: "nosuch"}), hostnet.ErrNotFound)

	// Created with its options at once.
	require.NoError(t, d.CreateBridge("br2", hostnet.LinkOptions{MTU: 1400, Up: true}))
	br2 := link(t, d, "br2")
	assert.Equal(t, 1400, br2.MTU)
	assert.True(t, br2.Up)

	require.NoError(t, d.SetMaster("eth0", "br0"))
	assert.Equal(t, "br0", link(t, d, "eth0").Master)
	require.NoError(t, d.SetMaster("eth0", "br2"), "moved from one bridge to another")
	assert.Equal(t, "br2", link(t, d, "eth0").Master)
	assert.ErrorIs(t, d.SetMaster("eth0", "nosuch"), hostnet.ErrNotFound)
	assert.ErrorIs(t, d.SetMaster("nosuch", "br0"), hostnet.ErrNotFound)
	require.NoError(t, d.SetUp("br0", true))
	assert.True(t, link(t, d, "br0").Up)
	require.NoError(t, d.SetUp("br0", false))
	assert.False(t, link(t, d, "br0").Up)
	require.NoError(t, d.Release("eth0"))
	assert.Empty(t, link(t, d, "eth0").Master)
	require.NoError(t, d.Release("eth0"), "releasing a free link is no error")

	// Deleting a bridge releases its ports.
	require.NoError(t, d.SetMaster("eth1", "br0"))
	require.NoError(t, d.Delete("br0"))
	assert.Empty(t, link(t, d, "eth1").Master)
	_, err := d.Link("br0")
	assert.ErrorIs(t, err, hostnet.ErrNotFound)
	assert.ErrorIs(t, d.Delete("br0"), hostnet.ErrNotFound)
	assert.ErrorIs(t, d.SetMTU("br0", 1400), hostnet.ErrNotFound)
	assert.ErrorIs(t, d.SetUp("br0", true), hostnet.ErrNotFound)
}

// testBridgeMTU: a bridge takes the smallest MTU of its ports for as long
// as nobody set one on it (its MTU at creation does not count), and 1500
// without ports; once set, it keeps it.
func testBridgeMTU(t *testing.T, d hostnet.Driver) {
	require.NoError(t, d.SetMTU("eth0", 9000))
	require.NoError(t, d.CreateBridge("br0", hostnet.LinkOptions{MTU: 1400}))
	require.NoError(t, d.SetMaster("eth0", "br0"))
	assert.Equal(t, 9000, link(t, d, "br0").MTU, "the MTU it was created with was not set by anyone")
	require.NoError(t, d.SetMaster("eth1", "br0"))
	assert.Equal(t, 1500, link(t, d, "br0").MTU, "the smallest of its ports'")
	require.NoError(t, d.SetMTU("eth1", 6000))
	assert.Equal(t, 6000, link(t, d, "br0").MTU, "a port's MTU changed")
	require.NoError(t, d.Release("eth1"))
	assert.Equal(t, 9000, link(t, d, "br0").MTU)
	require.NoError(t, d.Release("eth0"))
	assert.Equal(t, 1500, link(t, d, "br0").MTU, "without ports")

	require.NoError(t, d.SetMTU("br0", 1500), "set to what it is: not a change")
	require.NoError(t, d.SetMaster("eth0", "br0"))
	assert.Equal(t, 9000, link(t, d, "br0").MTU)
	require.NoError(t, d.SetMTU("br0", 8000))
	require.NoError(t, d.SetMTU("eth0", 7000))
	assert.Equal(t, 8000, link(t, d, "br0").MTU, "set on it: it no longer follows")
	require.NoError(t, d.Release("eth0"))
	assert.Equal(t, 8000, link(t, d, "br0").MTU)
	assert.Error(t, d.SetMTU("eth1", 10), "below IPv4's minimum")
}

func testAddresses(t *testing.T, d hostnet.Driver) {
	a4, a6 := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("2001:db8::1/64")
	require.NoError(t, d.AddAddr("eth0", a4))
	require.NoError(t, d.AddAddr("eth0", a6))
	addrs := link(t, d, "eth0").Addrs
	assert.Contains(t, addrs, a4)
	assert.Contains(t, addrs, a6)
	assert.ErrorIs(t, d.AddAddr("eth0", a4), hostnet.ErrExists)
	require.NoError(t, d.DelAddr("eth0", a4))
	assert.NotContains(t, link(t, d, "eth0").Addrs, a4)
	assert.ErrorIs(t, d.DelAddr("eth0", a4), hostnet.ErrNotFound)
	assert.ErrorIs(t, d.AddAddr("eth9", a4), hostnet.ErrNotFound)
}

// supports skips t when the driver answers err for a kind of link it
// cannot make (ErrNotSupported), naming what is missing.
func supports(t *testing.T, err error, what string) {
	t.Helper()
	if errors.Is(err, hostnet.ErrNotSupported) {
		t.Skipf("the driver makes no %s here: %v", what, err)
	}
	require.NoError(t, err)
}

func testVLAN(t *testing.T, d hostnet.Driver) {
	assert.ErrorIs(t, d.CreateVLAN("eth1.5000", "eth1", 5000, hostnet.LinkOptions{}), hostnet.ErrInvalid)
	assert.ErrorIs(t, d.CreateVLAN("eth1.0", "eth1", 0, hostnet.LinkOptions{}), hostnet.ErrInvalid)
	supports(t, d.CreateVLAN("eth1.10", "eth1", 10, hostnet.LinkOptions{}),
		"802.1Q VLAN devices (the kernel needs the 8021q module: modprobe 8021q)")
	vl := link(t, d, "eth1.10")
	assert.Equal(t, hostnet.KindVLAN, vl.Kind)
	assert.Equal(t, &hostnet.VLANInfo{ID: 10, Parent: "eth1"}, vl.VLAN)
	assert.Equal(t, 1500, vl.MTU, "its parent's")
	assert.ErrorIs(t, d.CreateVLAN("eth1.10", "eth1", 11, hostnet.LinkOptions{}), hostnet.ErrExists)
	assert.ErrorIs(t, d.CreateVLAN("v10", "eth1", 10, hostnet.LinkOptions{}), hostnet.ErrExists, "VLAN 10 is on eth1 already")
	assert.ErrorIs(t, d.CreateVLAN("eth9.10", "eth9", 10, hostnet.LinkOptions{}), hostnet.ErrNotFound)
	assert.ErrorIs(t, d.SetMTU("eth1.10", 9000), hostnet.ErrInvalid, "above its parent's")
	assert.ErrorIs(t, d.CreateVLAN("eth1.11", "eth1", 11, hostnet.LinkOptions{MTU: 9000}), hostnet.ErrInvalid, "above its parent's")

	// Options at once; an MTU that follows its parent down, not up.
	require.NoError(t, d.SetMTU("eth0", 9000))
	require.NoError(t, d.CreateBridge("br7", hostnet.LinkOptions{}))
	require.NoError(t, d.CreateVLAN("eth0.7", "eth0", 7, hostnet.LinkOptions{MTU: 8000, Up: true, Master: "br7"}))
	v7 := link(t, d, "eth0.7")
	assert.Equal(t, 8000, v7.MTU)
	assert.True(t, v7.Up)
	assert.Equal(t, "br7", v7.Master)
	require.NoError(t, d.SetMTU("eth0", 4000))
	assert.Equal(t, 4000, link(t, d, "eth0.7").MTU, "lowered with its parent")
	require.NoError(t, d.SetMTU("eth0", 9000))
	assert.Equal(t, 4000, link(t, d, "eth0.7").MTU, "not raised with it")

	// Its parent gone, it goes too.
	require.NoError(t, d.Delete("eth1"))
	_, err := d.Link("eth1.10")
	assert.ErrorIs(t, err, hostnet.ErrNotFound)
}

func testBond(t *testing.T, d hostnet.Driver) {
	assert.ErrorIs(t, d.CreateBond("bond1", "9", nil), hostnet.ErrInvalid)
	assert.ErrorIs(t, d.CreateBond("bond1", "802.3ad", map[string]string{"miimon": "x"}), hostnet.ErrInvalid)
	assert.ErrorIs(t, d.CreateBond("bond1", "802.3ad", map[string]string{"nosuch": "1"}), hostnet.ErrInvalid)
	supports(t, d.CreateBond("bond0", "4", map[string]string{"miimon": "100", "xmit_hash_policy": "layer2+3", "lacp_rate": "fast"}),
		"bonds (the kernel needs the bonding module: modprobe bonding)")
	b := link(t, d, "bond0")
	assert.Equal(t, hostnet.KindBond, b.Kind)
	require.NotNil(t, b.Bond)
	assert.Equal(t, "802.3ad", b.Bond.Mode)
	assert.Equal(t, map[string]string{"miimon": "100", "xmit_hash_policy": "layer2+3", "lacp_rate": "fast"}, b.Bond.Options)
	assert.ErrorIs(t, d.CreateBond("bond0", "1", nil), hostnet.ErrExists)

	require.NoError(t, d.SetMTU("eth2", 1400))
	require.NoError(t, d.SetMTU("bond0", 9000))
	require.NoError(t, d.SetMaster("eth1", "bond0"))
	require.NoError(t, d.SetMaster("eth2", "bond0"))
	b = link(t, d, "bond0")
	assert.Equal(t, []string{"eth1", "eth2"}, b.Bond.Slaves)
	for _, s := range []string{"eth1", "eth2"} {
		l := link(t, d, s)
		assert.Equal(t, "bond0", l.Master, s)
		assert.Equal(t, 9000, l.MTU, "%s takes the bond's MTU", s)
		assert.True(t, l.Up, "%s is opened by the bonding driver", s)
	}
	require.NoError(t, d.SetMTU("bond0", 8000))
	assert.Equal(t, 8000, link(t, d, "eth1").MTU, "the bond's MTU reaches its slaves")
	require.NoError(t, d.Release("eth2"))
	e2 := link(t, d, "eth2")
	assert.Empty(t, e2.Master)
	assert.Equal(t, 1400, e2.MTU, "its own MTU back")
	assert.Equal(t, []string{"eth1"}, link(t, d, "bond0").Bond.Slaves)
	require.NoError(t, d.Delete("bond0"))
	assert.Empty(t, link(t, d, "eth1").Master, "released with the bond")
}

func testSubscribe(t *testing.T, d hostnet.Driver) {
	ctx, cancel := context.WithCancel(context.Background())
	events, err := d.Subscribe(ctx)
	require.NoError(t, err)
	require.NoError(t, d.CreateBridge("br7", hostnet.LinkOptions{}))
	require.NoError(t, d.Delete("br7"))
	var seen []bool // Deleted of each br7 event
	timeout := time.After(5 * time.Second)
	for !slices.Contains(seen, true) {
		select {
		case ev := <-events:
			if ev.Link.Name == "br7" {
				if !ev.Deleted {
					assert.Equal(t, hostnet.KindBridge, ev.Link.Kind)
				}
				seen = append(seen, ev.Deleted)
			}
		case <-timeout:
			t.Fatalf("br7's events did not arrive: %v", seen)
		}
	}
	assert.False(t, seen[0], "created before deleted")
	cancel()
	for range events {
	}
}
