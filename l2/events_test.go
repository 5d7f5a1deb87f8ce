package l2_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

// Every configuration change that takes forwarding away from a MAC says
// so with an event, so that whatever realizes the fabric (flows on
// switches) follows.

func TestDetachPortReportsRemoved(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	h.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m) })
	h.take()
	evs := h.update(t, func(tx *l2.Tx) error { return tx.DetachPort("a", p11, m) })
	assert.Equal(t, []l2.Event{{Kind: l2.Removed, Slice: "a", MAC: m, Location: p11}}, evs)
	assert.Equal(t, evs, h.take())
}

func TestUnbindAttachedPortReportsRemoved(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	h.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m) })
	evs := h.update(t, func(tx *l2.Tx) error { return tx.UnbindPort("a", p11) })
	assert.Equal(t, []l2.Event{{Kind: l2.Removed, Slice: "a", MAC: m, Location: p11}}, evs)
	_, ok := h.Lookup("a", m)
	assert.False(t, ok)
}

func TestAttachPortTakesOverLearnedEntry(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	h.Decide(p12, m, l2.Broadcast) // learned at 1:2
	h.take()
	evs := h.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m) })
	assert.Equal(t, []l2.Event{{Kind: l2.Moved, Slice: "a", MAC: m, From: p12, Location: p11}}, evs)
	e, ok := h.Lookup("a", m)
	require.True(t, ok)
	assert.True(t, e.Static)
	assert.Equal(t, p11, e.Location)
	assert.Equal(t, 0, h.Stats().Learned, "a static entry is not a learned one")

	// Attached where it was learned: no move.
	h2 := twoSlices(t, l2.Options{})
	h2.Decide(p11, m, l2.Broadcast)
	evs = h2.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m) })
	assert.Empty(t, evs)
}

func TestAttachNetworkForgetsOtherSlices(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(7)
	h.Decide(p13, m, l2.Broadcast) // learned in b through its port
	h.take()
	evs := h.update(t, func(tx *l2.Tx) error { return tx.AttachNetwork("a", m) })
	assert.Equal(t, []l2.Event{{Kind: l2.Removed, Slice: "b", MAC: m, Location: p13}}, evs)
	_, ok := h.Lookup("b", m)
	assert.False(t, ok)
	// Its frames belong to a now, and b's hosts no longer find it.
	assert.Equal(t, "a", h.Decide(p13, m, l2.Broadcast).Slice)
	d := h.Decide(p21, host(8), m)
	assert.Equal(t, l2.Flood, d.Action)

	// A slice that attaches the MAC too keeps what it learned.
	h2 := twoSlices(t, l2.Options{})
	h2.update(t, func(tx *l2.Tx) error { return tx.AttachNetwork("b", m) })
	h2.Decide(p13, m, l2.Broadcast)
	evs = h2.update(t, func(tx *l2.Tx) error { return tx.AttachNetwork("a", m) })
	assert.Empty(t, evs)
}

func TestForgetPort(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	h.update(t, func(tx *l2.Tx) error {
		require.NoError(t, tx.BindPort("b", loc(1, 1, 10))) // another VLAN on the same port
		return tx.AttachPort("a", p12, host(9))
	})
	h.Decide(p11, host(1), l2.Broadcast)
	h.Decide(loc(1, 1, 10), host(2), l2.Broadcast)
	h.Decide(p12, host(9), l2.Broadcast)
	h.Decide(p13, host(3), l2.Broadcast)
	h.take()
	evs := h.ForgetPort(l2.PortRef{Datapath: 1, Port: 1})
	assert.ElementsMatch(t, []l2.Event{
		{Kind: l2.Removed, Slice: "a", MAC: host(1), Location: p11},
		{Kind: l2.Removed, Slice: "b", MAC: host(2), Location: loc(1, 1, 10)},
	}, evs)
	assert.ElementsMatch(t, evs, h.take())
	assert.Equal(t, 1, h.Stats().Learned)
	_, ok := h.Lookup("b", host(3))
	assert.True(t, ok, "another port's host was forgotten")
	assert.Empty(t, h.ForgetPort(l2.PortRef{Datapath: 7, Port: 7}))
	// Port attachments are configuration: they stay.
	assert.Empty(t, h.ForgetPort(l2.PortRef{Datapath: 1, Port: 2}))
	_, ok = h.Lookup("a", host(9))
	assert.True(t, ok)
}

func TestPortBound(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	assert.True(t, h.PortBound(l2.PortRef{Datapath: 1, Port: 1}))
	assert.False(t, h.PortBound(l2.PortRef{Datapath: 1, Port: 9}))
	h.update(t, func(tx *l2.Tx) error {
		require.NoError(t, tx.BindPort("b", loc(1, 1, 10)))
		return tx.UnbindPort("a", p11)
	})
	assert.True(t, h.PortBound(l2.PortRef{Datapath: 1, Port: 1}), "VLAN 10 is still bound there")
	h.update(t, func(tx *l2.Tx) error { return tx.RemoveSlice("b") })
	assert.False(t, h.PortBound(l2.PortRef{Datapath: 1, Port: 1}))
	assert.False(t, h.PortBound(l2.PortRef{Datapath: 2, Port: 1}))
}

// TestLocationsBounded: a network-attached MAC seen on ever new VLANs of
// a port is tracked at no more than MaxLocations places; places nothing
// uses any more are forgotten; and new places past the bound are refused
// without allocating.
func TestLocationsBounded(t *testing.T) {
	h := newHarness(t, l2.Options{MaxLocations: 64, MoveGuard: -1, Aging: 64 * time.Second})
	nomad := host(1)
	h.update(t, func(tx *l2.Tx) error {
		require.NoError(t, tx.AddSlice("s"))
		require.NoError(t, tx.BindPort("s", p11))
		return tx.AttachNetwork("s", nomad)
	})
	for vid := range l2.VLAN(4000) {
		d := h.Decide(loc(5, 5, vid), nomad, l2.Broadcast)
		require.Equal(t, "s", d.Slice)
	}
	// The MAC moved each time: only its last place and the binding remain.
	assert.Equal(t, 2, h.Stats().Locations)
	e, ok := h.Lookup("s", nomad)
	require.True(t, ok)
	assert.Equal(t, loc(5, 5, 3999), e.Location)

	// Many MACs at many places: the bound holds; frames past it are still
	// forwarded.
	var macs []l2.MAC
	h.update(t, func(tx *l2.Tx) error {
		for i := range uint64(100) {
			macs = append(macs, host(100+i))
			require.NoError(t, tx.AttachNetwork("s", macs[i]))
		}
		return nil
	})
	for i, m := range macs {
		d := h.Decide(loc(6, l2.Port(i+1), l2.Untagged), m, nomad)
		assert.Equal(t, l2.Forward, d.Action)
	}
	assert.Equal(t, 64, h.Stats().Locations)
	_, err := h.Update(func(tx *l2.Tx) error { return tx.BindPort("s", p12) })
	assert.ErrorIs(t, err, l2.ErrFull)
	allocs := testing.AllocsPerRun(100, func() { h.Decide(loc(7, 7, 7), macs[99], nomad) })
	assert.Zero(t, allocs)

	// Once the entries age out, their places are forgotten.
	h.Advance(t0.Add(time.Hour))
	assert.Equal(t, 1, h.Stats().Locations, "only the bound port should remain")
}

// TestNewLocationsDoNotAllocate: a network-attached MAC moving among
// places, the table of places in a steady state, allocates nothing.
func TestNewLocationsDoNotAllocate(t *testing.T) {
	f := l2.NewFabric(l2.Options{Now: t0, MoveGuard: -1})
	m := host(1)
	_, err := f.Update(func(tx *l2.Tx) error {
		if err := tx.AddSlice("s"); err != nil {
			return err
		}
		return tx.AttachNetwork("s", m)
	})
	require.NoError(t, err)
	vid := l2.VLAN(0)
	step := func() {
		vid = (vid + 1) % 4000
		f.Decide(loc(3, 3, vid), m, l2.Broadcast)
	}
	for range 10000 {
		step()
	}
	assert.Zero(t, testing.AllocsPerRun(2000, step))
	assert.Equal(t, 1, f.Stats().Locations)
}

// Stats counts every event by kind, the same events the sink receives,
// and counts them without a sink too.
func TestStatsCountEvents(t *testing.T) {
	run := func(f *l2.Fabric) {
		_, err := f.Update(func(tx *l2.Tx) error {
			for _, step := range []error{tx.AddSlice("a"), tx.BindPort("a", p11), tx.BindPort("a", p12)} {
				if step != nil {
					return step
				}
			}
			return nil
		})
		require.NoError(t, err)
		f.Decide(p11, host(1), l2.Broadcast)                                        // learned
		f.Decide(p11, host(2), l2.Broadcast)                                        // learned
		f.Decide(p11, host(3), l2.Broadcast)                                        // learned, evicting host(1) (MaxPerSlice 2)
		f.Decide(p12, host(2), l2.Broadcast)                                        // moved
		f.Advance(t0.Add(time.Hour))                                                // both expire
		f.Decide(p11, host(4), l2.Broadcast)                                        // learned
		_, err = f.Update(func(tx *l2.Tx) error { return tx.UnbindPort("a", p11) }) // removed
		require.NoError(t, err)
	}
	want := l2.EventCounts{l2.Learned: 4, l2.Moved: 1, l2.Expired: 2, l2.Evicted: 1, l2.Removed: 1}

	h := newHarness(t, l2.Options{MaxPerSlice: 2, MoveGuard: -1})
	run(h.Fabric)
	var got l2.EventCounts
	for _, ev := range h.take() {
		got[ev.Kind]++
	}
	assert.Equal(t, want, got, "what the sink received")
	assert.Equal(t, want, h.Stats().Events)

	quiet := l2.NewFabric(l2.Options{MaxPerSlice: 2, MoveGuard: -1, Now: t0})
	run(quiet)
	assert.Equal(t, want, quiet.Stats().Events, "counted without a sink")
}
