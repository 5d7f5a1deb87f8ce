package sources_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

func loc(port l2.Port) l2.Location { return l2.Location{Datapath: 1, Port: port, VLAN: l2.Untagged} }

func host(n uint64) l2.MAC { return l2.MACFromUint64(0x020000000000 | n) }

func spec(ports ...l2.Port) l2.SliceSpec {
	s := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
	for _, p := range ports {
		s.Ports[loc(p)] = nil
	}
	return s
}

func reporter(t *testing.T, f *sources.Follower, name string) *sources.Reporter {
	r, err := f.Reporter(name)
	require.NoError(t, err)
	return r
}

func TestSourcesKeepToTheirNamespace(t *testing.T) {
	fabric := l2.NewFabric(l2.Options{})
	f := sources.New(fabric.Update, sources.Options{})
	a, b := reporter(t, f, "a"), reporter(t, f, "b")
	require.NoError(t, a.Replace(map[string]l2.SliceSpec{"x": spec(1, 2)}))
	require.NoError(t, b.Replace(map[string]l2.SliceSpec{"x": spec(3), "y": spec(4)}))
	assert.Equal(t, []string{"a/x", "b/x", "b/y"}, fabric.Slices())

	// A host learned on a port that stays bound stays learned.
	fabric.Decide(loc(1), host(1), l2.Broadcast)
	require.NoError(t, a.Set("x", spec(1, 5)))
	_, ok := fabric.Lookup("a/x", host(1))
	assert.True(t, ok, "a host on an unchanged port was forgotten")

	// Replacing one source's slices leaves the other's alone.
	require.NoError(t, b.Replace(map[string]l2.SliceSpec{}))
	assert.Equal(t, []string{"a/x"}, fabric.Slices())
	require.NoError(t, a.Remove("x"))
	assert.Empty(t, fabric.Slices())

	_, err := f.Reporter("a")
	assert.ErrorIs(t, err, sources.ErrName)
	_, err = f.Reporter("c/d")
	assert.ErrorIs(t, err, sources.ErrName)
}

func TestConflictsEarlierClaimWins(t *testing.T) {
	fabric := l2.NewFabric(l2.Options{})
	f := sources.New(fabric.Update, sources.Options{})
	a, b := reporter(t, f, "a"), reporter(t, f, "b")
	require.NoError(t, a.Set("x", spec(1)))
	// b claims a's port and one of its own: it gets its own, the other is
	// refused and reported.
	require.NoError(t, b.Set("y", spec(1, 2)))
	bs, err := fabric.Bindings("b/y")
	require.NoError(t, err)
	assert.Equal(t, []l2.PortBinding{{Location: loc(2), Attached: []l2.MAC{}}}, bs)
	st := f.Status()
	require.Len(t, st, 2)
	assert.Equal(t, []sources.Claim{{Slice: "b/y", What: "location " + loc(1).String(), HeldBy: "a/x"}}, st[1].Refused)
	assert.Equal(t, "a/x", fabric.Decide(loc(1), host(1), l2.Broadcast).Slice, "the earlier claim lost its port")

	// A network attachment of a's is not b's to take; within a source a MAC
	// may be attached to several slices.
	require.NoError(t, a.Set("x", l2.SliceSpec{Ports: spec(1).Ports, MACs: []l2.MAC{host(9)}}))
	require.NoError(t, a.Set("x2", l2.SliceSpec{MACs: []l2.MAC{host(9)}}))
	require.NoError(t, b.Set("z", l2.SliceSpec{MACs: []l2.MAC{host(9), host(10)}}))
	macs, err := fabric.NetworkAttachments("b/z")
	require.NoError(t, err)
	assert.Equal(t, []l2.MAC{host(10)}, macs)
	macs, err = fabric.NetworkAttachments("a/x2")
	require.NoError(t, err)
	assert.Equal(t, []l2.MAC{host(9)}, macs)

	// Once the earlier claim goes, the refused one is applied.
	require.NoError(t, a.Remove("x"))
	require.NoError(t, a.Remove("x2"))
	bs, err = fabric.Bindings("b/y")
	require.NoError(t, err)
	assert.Len(t, bs, 2)
	macs, err = fabric.NetworkAttachments("b/z")
	require.NoError(t, err)
	assert.Equal(t, []l2.MAC{host(9), host(10)}, macs)
	for _, s := range f.Status() {
		assert.Empty(t, s.Refused, s.Name)
	}
}

func TestRefusedForWhatTheyAre(t *testing.T) {
	fabric := l2.NewFabric(l2.Options{})
	f := sources.New(fabric.Update, sources.Options{})
	a := reporter(t, f, "a")
	require.NoError(t, a.Set("x", l2.SliceSpec{
		Ports: map[l2.Location][]l2.MAC{loc(1): {host(1), l2.Broadcast}, loc(2): {host(1)}},
		MACs:  []l2.MAC{{}, host(2)},
	}))
	st := f.Status()[0]
	require.Len(t, st.Refused, 3, "%v", st.Refused)
	for _, c := range st.Refused {
		assert.Empty(t, c.HeldBy)
	}
	macs, _ := fabric.NetworkAttachments("a/x")
	assert.Equal(t, []l2.MAC{host(2)}, macs)
}

// A toy schema for the store feed: key "toy/<slice>/<port>" binds port
// <port> to slice <slice>.
func toyFeed(st store.Store) sources.StoreFeed {
	parse := func(key string) (string, l2.Port, bool) {
		var id string
		var port l2.Port
		rest, ok := strings.CutPrefix(key, "toy/")
		if !ok {
			return "", 0, false
		}
		id, p, ok := strings.Cut(rest, "/")
		if _, err := fmt.Sscan(p, &port); err != nil || !ok {
			return "", 0, false
		}
		return id, port, true
	}
	read := func(ctx context.Context, prefix string) (map[string]l2.SliceSpec, error) {
		out := map[string]l2.SliceSpec{}
		page, _, err := st.List(ctx, prefix, "", 0)
		if err != nil {
			return nil, err
		}
		for _, kv := range page {
			if id, port, ok := parse(kv.Key); ok {
				s, ok := out[id]
				if !ok {
					s = l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
					out[id] = s
				}
				s.Ports[loc(port)] = nil
			}
		}
		return out, nil
	}
	return sources.StoreFeed{
		Store:  st,
		Prefix: "toy/",
		Load:   func(ctx context.Context) (map[string]l2.SliceSpec, error) { return read(ctx, "toy/") },
		Affected: func(key string) []string {
			if id, _, ok := parse(key); ok {
				return []string{id}
			}
			return nil
		},
		Reload: func(ctx context.Context, id string) (*l2.SliceSpec, error) {
			all, err := read(ctx, "toy/"+id+"/")
			if err != nil || all[id].Ports == nil {
				return nil, err
			}
			s := all[id]
			return &s, nil
		},
		MaxBackoff: 100 * time.Millisecond,
	}
}

type toy struct{ sources.StoreFeed }

func (toy) Name() string { return "toy" }

// flaky is a store whose calls fail while down is set.
type flaky struct {
	store.Store
	down atomic.Bool
	cut  chan struct{} // closed to end live watches with an error
}

func (f *flaky) Revision(ctx context.Context) (int64, error) {
	if f.down.Load() {
		return 0, store.ErrUnavailable
	}
	return f.Store.Revision(ctx)
}

func (f *flaky) List(ctx context.Context, p, a string, n int) ([]store.KV, bool, error) {
	if f.down.Load() {
		return nil, false, store.ErrUnavailable
	}
	return f.Store.List(ctx, p, a, n)
}

func (f *flaky) Watch(ctx context.Context, prefix string, from int64) (<-chan store.Event, error) {
	if f.down.Load() {
		return nil, store.ErrUnavailable
	}
	in, err := f.Store.Watch(ctx, prefix, from)
	if err != nil {
		return nil, err
	}
	out := make(chan store.Event)
	cut := f.cut
	go func() {
		defer close(out)
		for {
			select {
			case ev, ok := <-in:
				if !ok {
					return
				}
				out <- ev
			case <-cut:
				out <- store.Event{Err: store.ErrUnavailable}
				return
			}
		}
	}()
	return out, nil
}

func TestStoreFeedFollowsAndRecovers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mem := memory.New(&memory.Options{History: 20})
	defer mem.Close()
	st := &flaky{Store: mem, cut: make(chan struct{})}
	put := func(k string) {
		_, err := mem.Put(ctx, k, nil)
		require.NoError(t, err)
	}
	put("toy/a/1")
	fabric := l2.NewFabric(l2.Options{})
	f := sources.New(fabric.Update, sources.Options{})
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, toy{toyFeed(st)}) }()
	has := func(id string, ports int) func() bool {
		return func() bool { bs, err := fabric.Bindings(id); return err == nil && len(bs) == ports }
	}
	require.Eventually(t, has("toy/a", 1), 5*time.Second, 10*time.Millisecond)
	put("toy/a/2")
	put("toy/b/3")
	require.Eventually(t, has("toy/a", 2), 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, has("toy/b", 1), 5*time.Second, 10*time.Millisecond)

	// The store goes away: the feed says so, and resumes where it was.
	st.down.Store(true)
	close(st.cut)
	require.Eventually(t, func() bool { return f.Status()[0].Error != "" }, 5*time.Second, 10*time.Millisecond)
	_, err := mem.Delete(ctx, "toy/b/3")
	require.NoError(t, err)
	put("toy/c/4")
	st.cut = make(chan struct{})
	st.down.Store(false)
	require.Eventually(t, has("toy/c", 1), 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { _, err := fabric.Bindings("toy/b"); return err != nil }, 5*time.Second, 10*time.Millisecond)
	assert.Empty(t, f.Status()[0].Error)

	// Down long enough for the history to go: everything is read again.
	st.down.Store(true)
	close(st.cut)
	require.Eventually(t, func() bool { return f.Status()[0].Error != "" }, 5*time.Second, 10*time.Millisecond)
	for i := range 30 {
		put(fmt.Sprintf("toy/d/%d", 10+i))
	}
	_, err = mem.Delete(ctx, "toy/a/1")
	require.NoError(t, err)
	st.cut = make(chan struct{})
	st.down.Store(false)
	require.Eventually(t, has("toy/d", 30), 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, has("toy/a", 1), 5*time.Second, 10*time.Millisecond)
	rev, _ := mem.Revision(ctx)
	require.Eventually(t, func() bool { return f.Status()[0].Revision == rev }, 5*time.Second, 10*time.Millisecond)

	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// ordered is a source that says when each claim was made, reporting
// what it is given.
type ordered struct {
	name  string
	specs map[string]l2.SliceSpec
	at    map[string]int64 // "slice location" or "slice mac" → when
	r     chan *sources.Reporter
}

func (o *ordered) Name() string { return o.name }
func (o *ordered) Follow(ctx context.Context, r *sources.Reporter) error {
	if err := r.Replace(o.specs); err != nil {
		return err
	}
	o.r <- r
	<-ctx.Done()
	return ctx.Err()
}
func (o *ordered) LocationClaimedAt(local string, loc l2.Location) int64 {
	return o.at[local+" "+loc.String()]
}
func (o *ordered) MACClaimedAt(local string, m l2.MAC) int64 { return o.at[local+" "+m.String()] }

// TestEarlierClaimSurvivesRestarts: with sources that say when claims
// were made, the earlier claim wins whatever order they report in — a
// restarted server settles conflicts as they stood — and takes what a
// later claim held.
func TestEarlierClaimSurvivesRestarts(t *testing.T) {
	run := func(first, second string) (*l2.Fabric, *sources.Follower) {
		fabric := l2.NewFabric(l2.Options{})
		f := sources.New(fabric.Update, sources.Options{})
		srcs := map[string]*ordered{
			// neutron's port (revision 100) holds host 9 and location 1;
			// sliceable attached host 9 later (200), and bound location 1
			// earlier (50) in another slice.
			"neutron": {name: "neutron", specs: map[string]l2.SliceSpec{"net": {Ports: spec(2).Ports, MACs: []l2.MAC{host(9)}}},
				at: map[string]int64{"net " + host(9).String(): 100, "net " + loc(2).String(): 100}},
			"sliceable": {name: "sliceable", specs: map[string]l2.SliceSpec{"t/office": {Ports: spec(2).Ports, MACs: []l2.MAC{host(9)}}},
				at: map[string]int64{"t/office " + host(9).String(): 200, "t/office " + loc(2).String(): 50}},
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		for _, name := range []string{first, second} {
			o := srcs[name]
			o.r = make(chan *sources.Reporter, 1)
			go f.Run(ctx, o)
			<-o.r
		}
		return fabric, f
	}
	for _, order := range [][2]string{{"neutron", "sliceable"}, {"sliceable", "neutron"}} {
		fabric, f := run(order[0], order[1])
		macs, err := fabric.NetworkAttachments("neutron/net")
		require.NoError(t, err)
		assert.Equal(t, []l2.MAC{host(9)}, macs, "%v: the port's MAC is Neutron's (claimed first)", order)
		macs, err = fabric.NetworkAttachments("sliceable/t/office")
		require.NoError(t, err)
		assert.Empty(t, macs, "%v", order)
		owner := fabric.Decide(loc(2), host(1), l2.Broadcast).Slice
		assert.Equal(t, "sliceable/t/office", owner, "%v: the location is Sliceable's (bound first)", order)
		for _, st := range f.Status() {
			require.Len(t, st.Refused, 1, "%v %s: %v", order, st.Name, st.Refused)
		}
	}
}
