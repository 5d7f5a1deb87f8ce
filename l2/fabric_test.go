package l2_test

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type harness struct {
	*l2.Fabric
	mu     sync.Mutex
	events []l2.Event
}

func newHarness(t *testing.T, opts l2.Options) *harness {
	h := &harness{}
	if opts.Now.IsZero() {
		opts.Now = t0
	}
	opts.Events = func(ev l2.Event) {
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	}
	h.Fabric = l2.NewFabric(opts)
	return h
}

// take returns and clears the events seen so far.
func (h *harness) take() []l2.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	evs := h.events
	h.events = nil
	return evs
}

func (h *harness) update(t *testing.T, fn func(tx *l2.Tx) error) []l2.Event {
	t.Helper()
	evs, err := h.Update(fn)
	require.NoError(t, err)
	return evs
}

func loc(dp l2.DatapathID, port l2.Port, vlan l2.VLAN) l2.Location {
	return l2.Location{Datapath: dp, Port: port, VLAN: vlan}
}

func host(n uint64) l2.MAC { return l2.MACFromUint64(0x020000000000 | n) }

const U = l2.Untagged

var (
	p11 = loc(1, 1, U)
	p12 = loc(1, 2, U)
	p13 = loc(1, 3, U)
	p21 = loc(2, 1, U)
	p99 = loc(9, 9, U) // bound to nothing
)

// twoSlices: slice a binds 1:1 and 1:2, slice b binds 1:3 and 2:1.
func twoSlices(t *testing.T, opts l2.Options) *harness {
	h := newHarness(t, opts)
	h.update(t, func(tx *l2.Tx) error {
		for _, step := range []error{
			tx.AddSlice("a"), tx.BindPort("a", p11), tx.BindPort("a", p12),
			tx.AddSlice("b"), tx.BindPort("b", p13), tx.BindPort("b", p21),
		} {
			if step != nil {
				return step
			}
		}
		return nil
	})
	return h
}

func TestForwardWithinSlice(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	h1, h2, h3 := host(1), host(2), host(3)

	d := h.Decide(p11, h1, l2.Broadcast)
	assert.Equal(t, l2.Flood, d.Action)
	assert.Equal(t, l2.ReasonBroadcast, d.Reason)
	assert.Equal(t, "a", d.Slice)
	assert.Equal(t, []l2.Location{p12}, h.FloodTargets(d, p11, l2.Broadcast, nil))

	d = h.Decide(p12, h2, h1)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p11, d.Out)

	d = h.Decide(p11, h1, h2)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p12, d.Out)

	// Slice b does not know a's hosts: it floods, and only to its own ports.
	d = h.Decide(p13, h3, h1)
	assert.Equal(t, l2.Flood, d.Action)
	assert.Equal(t, l2.ReasonUnknown, d.Reason)
	assert.Equal(t, "b", d.Slice)
	assert.Equal(t, []l2.Location{p21}, h.FloodTargets(d, p13, h1, nil))

	// A frame from a port no slice binds goes nowhere.
	d = h.Decide(p99, host(9), h1)
	assert.Equal(t, l2.Drop, d.Action)
	assert.Equal(t, l2.ReasonNoSlice, d.Reason)
	assert.Empty(t, h.FloodTargets(d, p99, h1, nil))

	// A destination on the ingress port is not sent back.
	h.Decide(p11, host(4), l2.Broadcast)
	d = h.Decide(p11, h1, host(4))
	assert.Equal(t, l2.Drop, d.Action)
	assert.Equal(t, l2.ReasonHairpin, d.Reason)

	// Multicast or zero sources are not hosts.
	for _, src := range []l2.MAC{l2.Broadcast, l2.MustParseMAC("01:00:5e:00:00:01"), {}} {
		d = h.Decide(p11, src, h1)
		assert.Equal(t, l2.ReasonBadSource, d.Reason, src)
	}

	evs := h.take()
	kinds := map[l2.EventKind]int{}
	for _, ev := range evs {
		kinds[ev.Kind]++
	}
	assert.Equal(t, map[l2.EventKind]int{l2.Learned: 4}, kinds)
}

func TestClassificationOrder(t *testing.T) {
	h := newHarness(t, l2.Options{})
	m1, m2, m3, m4 := host(1), host(2), host(3), host(4)
	h.update(t, func(tx *l2.Tx) error {
		require.NoError(t, tx.AddSlice("A"))
		require.NoError(t, tx.AddSlice("B"))
		require.NoError(t, tx.AddSlice("C"))
		require.NoError(t, tx.BindPort("A", p11))
		require.NoError(t, tx.AttachPort("A", p11, m1))
		require.NoError(t, tx.AttachNetwork("B", m1))
		require.NoError(t, tx.AttachNetwork("B", m2))
		require.NoError(t, tx.BindPort("C", p12))
		require.NoError(t, tx.AttachNetwork("B", m4))
		require.NoError(t, tx.AttachNetwork("C", m4))
		return nil
	})
	tests := []struct {
		name   string
		in     l2.Location
		src    l2.MAC
		slice  string
		reason l2.Reason
	}{
		{"port attachment beats network attachment", p11, m1, "A", l2.ReasonBroadcast},
		{"network attachment on an attached port", p11, m2, "B", l2.ReasonBroadcast},
		{"port with attachments admits no other MAC", p11, m3, "A", l2.ReasonNotAdmitted},
		{"network attachment beats port binding", p12, m1, "B", l2.ReasonBroadcast},
		{"port binding", p12, m3, "C", l2.ReasonBroadcast},
		{"network attachment from anywhere", p99, m2, "B", l2.ReasonBroadcast},
		{"overlapping network attachment: the slice binding the port", p12, m4, "C", l2.ReasonBroadcast},
		{"overlapping network attachment elsewhere is ambiguous", p99, m4, "", l2.ReasonAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := h.Decide(tt.in, tt.src, l2.Broadcast)
			assert.Equal(t, tt.slice, d.Slice)
			assert.Equal(t, tt.reason, d.Reason)
		})
	}
	// A network-attached MAC is reachable where it was seen: m2 was first
	// seen at 1:1, and its frame from 9:9 moments later did not move it
	// (the move guard).
	d := h.Decide(p12, m1, m2)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p11, d.Out)
}

func TestOverlappingMACs(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	same, peerA, peerB := host(7), host(1), host(2)
	h.Decide(p11, same, l2.Broadcast) // "same" in a, at 1:1
	h.Decide(p21, same, l2.Broadcast) // "same" in b, at 2:1
	d := h.Decide(p12, peerA, same)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p11, d.Out, "slice a must reach its own copy")
	d = h.Decide(p13, peerB, same)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p21, d.Out, "slice b must reach its own copy")

	ea, ok := h.Lookup("a", same)
	require.True(t, ok)
	eb, ok := h.Lookup("b", same)
	require.True(t, ok)
	assert.Equal(t, p11, ea.Location)
	assert.Equal(t, p21, eb.Location)
	for _, ev := range h.take() {
		assert.NotEqual(t, l2.Moved, ev.Kind, "one slice's MAC moved another's: %+v", ev)
	}
}

func TestVLANsSeparateSlices(t *testing.T) {
	h := newHarness(t, l2.Options{})
	h.update(t, func(tx *l2.Tx) error {
		require.NoError(t, tx.AddSlice("v10"))
		require.NoError(t, tx.AddSlice("v20"))
		require.NoError(t, tx.AddSlice("untagged"))
		require.NoError(t, tx.BindPort("v10", loc(1, 1, 10)))
		require.NoError(t, tx.BindPort("v10", loc(1, 2, 10)))
		require.NoError(t, tx.BindPort("v20", loc(1, 1, 20)))
		require.NoError(t, tx.BindPort("v20", loc(1, 2, 0))) // vid 0 is not untagged
		require.NoError(t, tx.BindPort("untagged", loc(1, 1, U)))
		require.NoError(t, tx.BindPort("untagged", loc(1, 3, U)))
		return nil
	})
	for _, tt := range []struct {
		in    l2.Location
		slice string
		flood []l2.Location
	}{
		{loc(1, 1, 10), "v10", []l2.Location{loc(1, 2, 10)}},
		{loc(1, 1, 20), "v20", []l2.Location{loc(1, 2, 0)}},
		{loc(1, 1, U), "untagged", []l2.Location{loc(1, 3, U)}},
		{loc(1, 1, 30), "", nil},
		{loc(1, 2, U), "", nil},
	} {
		d := h.Decide(tt.in, host(1), l2.Broadcast)
		assert.Equal(t, tt.slice, d.Slice, tt.in)
		assert.Equal(t, tt.flood, h.FloodTargets(d, tt.in, l2.Broadcast, nil), tt.in)
	}
}

func TestMoveGuard(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	h.Decide(p11, m, l2.Broadcast)
	h.take()

	// One second later from another port: too soon to move.
	h.Advance(t0.Add(time.Second))
	d := h.Decide(p12, m, host(2))
	assert.Equal(t, l2.Flood, d.Action, "the frame still goes out")
	e, _ := h.Lookup("a", m)
	assert.Equal(t, p11, e.Location, "a just-learned MAC must not move")
	assert.Empty(t, h.take())

	// Past the guard, while it keeps talking at its first port: it moves.
	h.Advance(t0.Add(4 * time.Second))
	h.Decide(p11, m, host(2))
	h.Advance(t0.Add(6 * time.Second))
	h.Decide(p12, m, host(2))
	e, _ = h.Lookup("a", m)
	assert.Equal(t, p12, e.Location)
	assert.Equal(t, []l2.Event{{Kind: l2.Moved, Slice: "a", MAC: m, From: p11, Location: p12}}, h.take())

	// The move restarts the guard.
	h.Advance(t0.Add(7 * time.Second))
	h.Decide(p11, m, host(2))
	e, _ = h.Lookup("a", m)
	assert.Equal(t, p12, e.Location)

	// Without a guard a MAC moves at once.
	h2 := twoSlices(t, l2.Options{MoveGuard: -1})
	h2.Decide(p11, m, l2.Broadcast)
	h2.Decide(p12, m, l2.Broadcast)
	e, _ = h2.Lookup("a", m)
	assert.Equal(t, p12, e.Location)
}

func TestAging(t *testing.T) {
	const aging = 300 * time.Second
	h := twoSlices(t, l2.Options{Aging: aging})
	quiet, chatty := host(1), host(2)
	h.Decide(p11, quiet, l2.Broadcast)
	h.Decide(p12, chatty, l2.Broadcast)
	h.take()

	at := func(d time.Duration) { h.Advance(t0.Add(d)) }
	at(200 * time.Second)
	h.Decide(p12, chatty, quiet) // refreshes chatty only
	at(aging - time.Second)
	_, ok := h.Lookup("a", quiet)
	assert.True(t, ok, "expired before the aging time")
	assert.Empty(t, h.take())

	// Aging may run up to 1/32 of the aging time late.
	at(aging + aging/32 + time.Second)
	_, ok = h.Lookup("a", quiet)
	assert.False(t, ok, "not expired after the aging time")
	_, ok = h.Lookup("a", chatty)
	assert.True(t, ok, "a refreshed entry expired")
	assert.Equal(t, []l2.Event{{Kind: l2.Expired, Slice: "a", MAC: quiet, Location: p11}}, h.take())
	assert.Equal(t, 1, h.Stats().Learned)

	at(200*time.Second + aging + aging/32 + time.Second)
	_, ok = h.Lookup("a", chatty)
	assert.False(t, ok)
	assert.Equal(t, 0, h.Stats().Learned)

	// Time that jumps far ahead expires everything once.
	h.Decide(p11, quiet, l2.Broadcast)
	h.take()
	at(100 * aging)
	assert.Len(t, h.take(), 1)
}

func TestEvictLeastRecentlySeen(t *testing.T) {
	const aging = 320 * time.Second // buckets of 10 s
	h := twoSlices(t, l2.Options{Aging: aging, MaxPerSlice: 100})
	h.Decide(p11, host(1), l2.Broadcast) // the oldest
	h.Advance(t0.Add(30 * time.Second))
	for i := range uint64(99) {
		h.Decide(p11, host(100+i), l2.Broadcast)
	}
	h.Advance(t0.Add(60 * time.Second))
	h.Decide(p12, host(2), l2.Broadcast) // the 101st
	var evicted []l2.MAC
	for _, ev := range h.take() {
		if ev.Kind == l2.Evicted {
			evicted = append(evicted, ev.MAC)
		}
	}
	assert.Equal(t, []l2.MAC{host(1)}, evicted)
	assert.Equal(t, 100, h.Stats().Learned)
}

// TestFabricWideBoundIsFair: at the fabric's bound a flooding slice
// evicts its own entries, and every other slice still learns, at the
// biggest slice's expense.
func TestFabricWideBoundIsFair(t *testing.T) {
	h := newHarness(t, l2.Options{MaxPerSlice: 1000, MaxEntries: 100})
	ports := map[string]l2.Location{"flood": p11, "b": p12, "c": p13}
	h.update(t, func(tx *l2.Tx) error {
		for id, p := range ports {
			require.NoError(t, tx.AddSlice(id))
			require.NoError(t, tx.BindPort(id, p))
		}
		return nil
	})
	learn := func(id string, from, n uint64) {
		for i := range n {
			h.Decide(ports[id], host(from+i), l2.Broadcast)
		}
	}
	count := func(id string) int {
		es, err := h.Entries(id)
		require.NoError(t, err)
		return len(es)
	}
	learn("flood", 1000, 500)
	assert.Equal(t, 100, count("flood"))
	h.take()

	// b learns all of its ten; the flooding slice gives ten back.
	learn("b", 1, 10)
	assert.Equal(t, 10, count("b"))
	assert.Equal(t, 90, count("flood"))
	for _, ev := range h.take() {
		if ev.Kind == l2.Evicted {
			assert.Equal(t, "flood", ev.Slice, "a small slice's entry was evicted: %+v", ev)
		}
	}
	// Flooding on, the flooding slice only evicts its own.
	learn("flood", 5000, 300)
	assert.Equal(t, 10, count("b"))
	assert.Equal(t, 90, count("flood"))
	learn("c", 100, 30)
	assert.Equal(t, 30, count("c"))
	assert.Equal(t, 10, count("b"))
	assert.Equal(t, 60, count("flood"))
	assert.Equal(t, 100, h.Stats().Learned)
	// A growing slice takes from whichever holds the most, until it holds
	// as many itself: then it evicts its own.
	learn("b", 200, 40)
	assert.Equal(t, 35, count("b"))
	assert.Equal(t, 35, count("flood"))
	assert.Equal(t, 30, count("c"))
	assert.Equal(t, 100, h.Stats().Learned)
}

// TestRandomMACFloodBounded floods one slice with 10 million random source
// MACs: the table and the heap stay within the bound.
func TestRandomMACFloodBounded(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled {
		n = 500_000
	}
	const bound = 50_000
	f := l2.NewFabric(l2.Options{Now: t0, MaxPerSlice: bound})
	_, err := f.Update(func(tx *l2.Tx) error {
		if err := tx.AddSlice("s"); err != nil {
			return err
		}
		return tx.BindPort("s", p11)
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	var before, after runtime.MemStats
	flood := func(n int) {
		for i := range n {
			src := l2.MACFromUint64(rng.Uint64() &^ (1 << 40)) // unicast
			f.Decide(p11, src, l2.Broadcast)
			if i%100_000 == 0 {
				f.Advance(t0.Add(time.Duration(i) * time.Microsecond))
			}
		}
	}
	flood(2 * bound) // reach the bound
	runtime.GC()
	runtime.ReadMemStats(&before)
	flood(n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	assert.Equal(t, bound, f.Stats().Learned)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap before %d KiB, after %d KiB", before.HeapAlloc>>10, after.HeapAlloc>>10)
	assert.Less(t, grown, int64(1<<20), "heap grew by %d bytes under the flood", grown)
}

func TestUnbindPortForgets(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	h.Decide(p11, host(1), l2.Broadcast)
	h.Decide(p11, host(3), l2.Broadcast)
	h.Decide(p12, host(2), l2.Broadcast)
	h.take()
	evs := h.update(t, func(tx *l2.Tx) error { return tx.UnbindPort("a", p11) })
	assert.ElementsMatch(t, []l2.Event{
		{Kind: l2.Removed, Slice: "a", MAC: host(1), Location: p11},
		{Kind: l2.Removed, Slice: "a", MAC: host(3), Location: p11},
	}, evs)
	assert.ElementsMatch(t, evs, h.take(), "the sink hears of it too")
	assert.Equal(t, 1, h.Stats().Learned)

	d := h.Decide(p11, host(1), host(2))
	assert.Equal(t, l2.ReasonNoSlice, d.Reason)
	d = h.Decide(p12, host(2), host(1))
	assert.Equal(t, l2.Flood, d.Action, "host 1 must be forgotten")
	assert.Empty(t, h.FloodTargets(d, p12, host(1), nil))
}

func TestPortAttachment(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m1, other := host(1), host(5)
	h.Decide(p11, other, l2.Broadcast) // learned before the attachment
	h.update(t, func(tx *l2.Tx) error { return tx.AttachPort("a", p11, m1) })
	_, ok := h.Lookup("a", other)
	assert.False(t, ok, "a MAC the port no longer admits is forgotten")

	e, ok := h.Lookup("a", m1)
	require.True(t, ok, "an attachment is a static entry")
	assert.True(t, e.Static)
	assert.Equal(t, p11, e.Location)

	// Known without ever being seen; never ages.
	d := h.Decide(p12, host(2), m1)
	assert.Equal(t, l2.Forward, d.Action)
	assert.Equal(t, p11, d.Out)
	h.Advance(t0.Add(24 * time.Hour))
	_, ok = h.Lookup("a", m1)
	assert.True(t, ok)

	// Only m1 may use the port.
	assert.Equal(t, l2.ReasonNotAdmitted, h.Decide(p11, other, l2.Broadcast).Reason)
	assert.Equal(t, l2.ReasonBroadcast, h.Decide(p11, m1, l2.Broadcast).Reason)
	// m1 from elsewhere in the slice is a spoof.
	assert.Equal(t, l2.ReasonStaticMAC, h.Decide(p12, m1, l2.Broadcast).Reason)
	// Unknown unicast reaches the port only for its MACs; broadcast does.
	d = h.Decide(p12, host(2), host(77))
	assert.Empty(t, h.FloodTargets(d, p12, host(77), nil))
	d = h.Decide(p12, host(2), l2.Broadcast)
	assert.Equal(t, []l2.Location{p11}, h.FloodTargets(d, p12, l2.Broadcast, nil))

	// Detaching makes the port open again and removes the static entry.
	h.update(t, func(tx *l2.Tx) error { return tx.DetachPort("a", p11, m1) })
	_, ok = h.Lookup("a", m1)
	assert.False(t, ok)
	assert.Equal(t, l2.ReasonBroadcast, h.Decide(p11, other, l2.Broadcast).Reason)
}

func TestRemoveSlice(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	h.Decide(p11, host(1), l2.Broadcast)
	h.Decide(p13, host(2), l2.Broadcast)
	evs := h.update(t, func(tx *l2.Tx) error { return tx.RemoveSlice("a") })
	assert.Equal(t, []l2.Event{{Kind: l2.Removed, Slice: "a", MAC: host(1), Location: p11}}, evs)
	assert.Equal(t, []string{"b"}, h.Slices())
	assert.Equal(t, l2.ReasonNoSlice, h.Decide(p11, host(1), l2.Broadcast).Reason)
	assert.Equal(t, 1, h.Stats().Learned)
	// The location is free for another slice.
	h.update(t, func(tx *l2.Tx) error { return tx.BindPort("b", p11) })
	assert.Equal(t, "b", h.Decide(p11, host(1), l2.Broadcast).Slice)
}

func TestUpdateIsAllOrNothing(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	before, _ := h.Bindings("a")
	_, err := h.Update(func(tx *l2.Tx) error {
		require.NoError(t, tx.AddSlice("c"))
		require.NoError(t, tx.UnbindPort("a", p11))
		return tx.BindPort("c", p13) // bound to b: conflict
	})
	assert.ErrorIs(t, err, l2.ErrConflict)
	assert.Equal(t, []string{"a", "b"}, h.Slices())
	after, _ := h.Bindings("a")
	assert.Equal(t, before, after)
	assert.Equal(t, "a", h.Decide(p11, host(1), l2.Broadcast).Slice)
}

func TestUpdateErrors(t *testing.T) {
	h := twoSlices(t, l2.Options{})
	m := host(1)
	tests := []struct {
		name string
		fn   func(tx *l2.Tx) error
		want error
	}{
		{"empty id", func(tx *l2.Tx) error { return tx.AddSlice("") }, l2.ErrInvalid},
		{"duplicate slice", func(tx *l2.Tx) error { return tx.AddSlice("a") }, l2.ErrExists},
		{"remove unknown slice", func(tx *l2.Tx) error { return tx.RemoveSlice("zz") }, l2.ErrNotFound},
		{"bind to unknown slice", func(tx *l2.Tx) error { return tx.BindPort("zz", p99) }, l2.ErrNotFound},
		{"bind twice", func(tx *l2.Tx) error { return tx.BindPort("a", p11) }, l2.ErrExists},
		{"bind another slice's port", func(tx *l2.Tx) error { return tx.BindPort("a", p13) }, l2.ErrConflict},
		{"bind port 0", func(tx *l2.Tx) error { return tx.BindPort("a", loc(1, 0, U)) }, l2.ErrInvalid},
		{"bind bad vlan", func(tx *l2.Tx) error { return tx.BindPort("a", loc(1, 5, 4096)) }, l2.ErrInvalid},
		{"unbind unbound", func(tx *l2.Tx) error { return tx.UnbindPort("a", p13) }, l2.ErrNotFound},
		{"attach to unbound port", func(tx *l2.Tx) error { return tx.AttachPort("a", p13, m) }, l2.ErrNotFound},
		{"attach broadcast", func(tx *l2.Tx) error { return tx.AttachPort("a", p11, l2.Broadcast) }, l2.ErrInvalid},
		{"attach zero", func(tx *l2.Tx) error { return tx.AttachNetwork("a", l2.MAC{}) }, l2.ErrInvalid},
		{"attach twice", func(tx *l2.Tx) error {
			require.NoError(t, tx.AttachPort("a", p11, m))
			return tx.AttachPort("a", p11, m)
		}, l2.ErrExists},
		{"attach on two ports", func(tx *l2.Tx) error {
			require.NoError(t, tx.AttachPort("a", p11, m))
			return tx.AttachPort("a", p12, m)
		}, l2.ErrConflict},
		{"detach unattached", func(tx *l2.Tx) error { return tx.DetachPort("a", p11, m) }, l2.ErrNotFound},
		{"network attach twice", func(tx *l2.Tx) error {
			require.NoError(t, tx.AttachNetwork("a", m))
			return tx.AttachNetwork("a", m)
		}, l2.ErrExists},
		{"network detach unattached", func(tx *l2.Tx) error { return tx.DetachNetwork("a", m) }, l2.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Update(tt.fn)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	b, err := h.Bindings("a")
	require.NoError(t, err)
	assert.Equal(t, []l2.PortBinding{{Location: p11, Attached: []l2.MAC{}}, {Location: p12, Attached: []l2.MAC{}}}, b)
	_, err = h.Bindings("zz")
	assert.ErrorIs(t, err, l2.ErrNotFound)
}

func TestDecideDoesNotAllocate(t *testing.T) {
	f := l2.NewFabric(l2.Options{Now: t0, Events: func(l2.Event) {}})
	_, err := f.Update(func(tx *l2.Tx) error {
		tx.AddSlice("a")
		tx.BindPort("a", p11)
		tx.BindPort("a", p12)
		return tx.AttachNetwork("a", host(9))
	})
	require.NoError(t, err)
	f.Decide(p12, host(2), l2.Broadcast)
	buf := make([]l2.Location, 0, 8)
	i := uint64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		d := f.Decide(p11, host(100+i%50), host(2))  // learn, forward
		d = f.Decide(p11, host(100+i%50), host(999)) // flood
		buf = f.FloodTargets(d, p11, host(999), buf[:0])
	})
	assert.Zero(t, allocs)

	frames := []l2.Arrival{{In: p11, Src: host(1), Dst: host(2)}, {In: p12, Src: host(2), Dst: host(1)}}
	ds := make([]l2.Decision, len(frames))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { f.DecideAll(frames, ds) }))
}

// TestDecideAllAsDecide feeds the same frames to two fabrics, one frame
// at a time through Decide and in groups through DecideAll, and expects
// the same decisions and events: learning, moves, the move guard, floods,
// hairpins, unbound ports and bad sources, in groups longer and shorter
// than DecideAll's own.
func TestDecideAllAsDecide(t *testing.T) {
	one, all := twoSlices(t, l2.Options{}), twoSlices(t, l2.Options{})
	ports := []l2.Location{p11, p12, p13, p21, p99}
	r := rand.New(rand.NewPCG(1, 2))
	mac := func() l2.MAC {
		switch r.IntN(20) {
		case 0:
			return l2.Broadcast
		case 1:
			return l2.MustParseMAC("01:00:5e:00:00:01")
		}
		return host(uint64(r.IntN(40)))
	}
	var frames []l2.Arrival
	var want, got []l2.Decision
	for round := range 40 {
		frames = frames[:0]
		for range r.IntN(50) {
			frames = append(frames, l2.Arrival{In: ports[r.IntN(len(ports))], Src: mac(), Dst: mac()})
		}
		want = want[:0]
		for _, fr := range frames {
			want = append(want, one.Decide(fr.In, fr.Src, fr.Dst))
		}
		got = append(got[:0], make([]l2.Decision, len(frames)+1)...) // longer than needed
		all.DecideAll(frames, got)
		for i, w := range want {
			g := got[i]
			require.Equal(t, []any{w.Action, w.Reason, w.Slice, w.Out}, []any{g.Action, g.Reason, g.Slice, g.Out},
				"round %d, frame %d: %+v", round, i, frames[i])
		}
		assert.Zero(t, got[len(frames)], "beyond the frames")
		if len(frames) > 0 {
			assert.Panics(t, func() { all.DecideAll(frames, make([]l2.Decision, len(frames)-1, len(frames))) },
				"room for one decision fewer than the frames")
		}
		require.Equal(t, one.take(), all.take(), "round %d", round)
		if round%10 == 9 { // let entries age into moves and refreshes
			now := t0.Add(time.Duration(round) * time.Second)
			one.Advance(now)
			all.Advance(now)
		}
	}
	assert.Equal(t, one.Stats(), all.Stats())
}

// TestConcurrentDecideAndUpdate runs decisions, aging and binding changes
// at once (run it with -race) and checks the counts add up afterwards.
func TestConcurrentDecideAndUpdate(t *testing.T) {
	f := l2.NewFabric(l2.Options{Now: t0, MaxPerSlice: 500, MoveGuard: -1, Events: func(ev l2.Event) {}})
	const slices = 8
	_, err := f.Update(func(tx *l2.Tx) error {
		for s := range slices {
			id := string(rune('a' + s))
			require.NoError(t, tx.AddSlice(id))
			for p := range l2.Port(4) {
				require.NoError(t, tx.BindPort(id, loc(l2.DatapathID(s+1), p+1, U)))
			}
		}
		return nil
	})
	require.NoError(t, err)
	stop := make(chan struct{})
	var deciders, others sync.WaitGroup
	for w := range 4 {
		deciders.Add(1)
		go func() {
			defer deciders.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			buf := make([]l2.Location, 0, 8)
			for i := 0; i < 20000; i++ {
				in := loc(l2.DatapathID(rng.IntN(slices)+1), l2.Port(rng.IntN(5)+1), U)
				d := f.Decide(in, host(rng.Uint64N(2000)+1), host(rng.Uint64N(2000)+1))
				buf = f.FloodTargets(d, in, l2.Broadcast, buf[:0])
				for _, l := range buf {
					if l.Datapath != in.Datapath {
						t.Errorf("flood from %v left its slice to %v", in, l)
						return
					}
				}
				if d.Action == l2.Forward && d.Out.Datapath != in.Datapath {
					t.Errorf("forward from %v left its slice to %v", in, d.Out)
					return
				}
			}
		}()
	}
	others.Add(2)
	go func() {
		defer others.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			f.Advance(t0.Add(time.Duration(i) * time.Second))
		}
	}()
	go func() {
		defer others.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := string(rune('a' + i%slices))
			l := loc(l2.DatapathID(i%slices+1), 5, U)
			f.Update(func(tx *l2.Tx) error { return tx.BindPort(s, l) })
			f.Update(func(tx *l2.Tx) error { return tx.UnbindPort(s, l) })
		}
	}()
	deciders.Wait()
	close(stop)
	others.Wait()

	total := 0
	for _, id := range f.Slices() {
		entries, err := f.Entries(id)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(entries), 500)
		total += len(entries)
		bindings, err := f.Bindings(id)
		require.NoError(t, err)
		if len(bindings) == 4 { // port 5 is unbound: nothing may remain learned there
			for _, e := range entries {
				assert.NotEqual(t, l2.Port(5), e.Location.Port, "an entry outlived its binding: %+v", e)
			}
		}
	}
	assert.Equal(t, total, f.Stats().Learned)
}

func TestSetSlice(t *testing.T) {
	h := newHarness(t, l2.Options{})
	m1, m2, m3 := host(1), host(2), host(3)
	spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p11: {m1}, p12: nil}, MACs: []l2.MAC{m3}}
	h.update(t, func(tx *l2.Tx) error { return tx.SetSlice("s", spec) })
	bs, err := h.Bindings("s")
	require.NoError(t, err)
	assert.Equal(t, []l2.PortBinding{{Location: p11, Attached: []l2.MAC{m1}}, {Location: p12, Attached: []l2.MAC{}}}, bs)
	macs, _ := h.NetworkAttachments("s")
	assert.Equal(t, []l2.MAC{m3}, macs)

	// Again, changed: a host learned on a port that stays stays learned.
	h.Decide(p12, m2, l2.Broadcast)
	spec = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p12: nil, p13: {m1}}}
	h.update(t, func(tx *l2.Tx) error { return tx.SetSlice("s", spec) })
	bs, _ = h.Bindings("s")
	assert.Equal(t, []l2.PortBinding{{Location: p12, Attached: []l2.MAC{}}, {Location: p13, Attached: []l2.MAC{m1}}}, bs)
	macs, _ = h.NetworkAttachments("s")
	assert.Empty(t, macs)
	_, ok := h.Lookup("s", m2)
	assert.True(t, ok, "a host on an unchanged port was forgotten")

	// An attachment moves between ports in one call.
	spec = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p12: {m1}, p13: nil}}
	h.update(t, func(tx *l2.Tx) error { return tx.SetSlice("s", spec) })
	bs, _ = h.Bindings("s")
	assert.Equal(t, []l2.PortBinding{{Location: p12, Attached: []l2.MAC{m1}}, {Location: p13, Attached: []l2.MAC{}}}, bs)

	// The same spec twice changes nothing.
	evs, err := h.Update(func(tx *l2.Tx) error { return tx.SetSlice("s", spec) })
	require.NoError(t, err)
	assert.Empty(t, evs)
	// Errors are the binding's: a location another slice holds.
	h.update(t, func(tx *l2.Tx) error {
		return tx.SetSlice("other", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p21: nil}})
	})
	_, err = h.Update(func(tx *l2.Tx) error {
		return tx.SetSlice("s", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p21: nil}})
	})
	assert.ErrorIs(t, err, l2.ErrConflict)
}
