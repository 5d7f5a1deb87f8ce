package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

func TestAllAndScanAll(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	ctx := context.Background()
	for i := range 2*store.MaxListLimit + 3 {
		_, err := st.Put(ctx, fmt.Sprintf("k/%05d", i), []byte{byte(i)})
		require.NoError(t, err)
	}
	st.Put(ctx, "other", nil)
	n := 0
	for kv, err := range store.All(ctx, st, "k/") {
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("k/%05d", n), kv.Key)
		assert.Positive(t, kv.CreateRevision)
		n++
	}
	assert.Equal(t, 2*store.MaxListLimit+3, n, "every page")
	for range store.All(ctx, st, "k/") {
		break // stopping early is fine
	}
	m := 0
	require.NoError(t, store.ScanAll(ctx, st, "k/", func(k, v []byte) error { m++; return nil }))
	assert.Equal(t, n, m)
	stop := errors.New("stop")
	assert.ErrorIs(t, store.ScanAll(ctx, st, "k/", func(k, v []byte) error { return stop }), stop)
	st.Close()
	for _, err := range store.All(ctx, st, "k/") {
		assert.ErrorIs(t, err, store.ErrClosed)
	}
}

// cuttable is a store whose watches can be cut, and fail while down.
type cuttable struct {
	store.Store
	mu      sync.Mutex
	down    bool
	watches []context.CancelFunc
}

// cut ends the running watches and makes new ones fail while down.
func (f *cuttable) cut(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	for _, cancel := range f.watches {
		cancel()
	}
	f.watches = nil
}

func (f *cuttable) Watch(ctx context.Context, prefix string, rev int64) (<-chan store.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, fmt.Errorf("down: %w", store.ErrUnavailable)
	}
	ctx, cancel := context.WithCancel(ctx)
	f.watches = append(f.watches, cancel)
	return f.Store.Watch(ctx, prefix, rev)
}

// mirror is the reader a Follow keeps in step: a copy of the keys.
type mirror struct {
	mu       sync.Mutex
	state    map[string]string
	loads    int
	failures []error
}

func (m *mirror) follow(st store.Store) store.Follow {
	return store.Follow{Store: st, Prefix: "f/", MaxBackoff: 20 * time.Millisecond,
		Load: func(ctx context.Context, rev int64) error {
			state := map[string]string{}
			for kv, err := range store.All(ctx, st, "f/") {
				if err != nil {
					return err
				}
				state[kv.Key] = string(kv.Value)
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			m.loads++
			m.state = state
			return nil
		},
		Changes: func(ctx context.Context, evs []store.Event) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, ev := range evs {
				if ev.Type == store.EventDelete {
					delete(m.state, ev.KV.Key)
				} else {
					m.state[ev.KV.Key] = string(ev.KV.Value)
				}
			}
			return nil
		},
		Failing: func(err error) {
			m.mu.Lock()
			m.failures = append(m.failures, err)
			m.mu.Unlock()
		},
	}
}

func (m *mirror) holds(want map[string]string) func() bool {
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return fmt.Sprint(m.state) == fmt.Sprint(want)
	}
}

// failed reports whether n failures (or recoveries) were heard.
func (m *mirror) failed(n int) func() bool {
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.failures) >= n
	}
}

// TestFollow: everything is read, then every change followed; a watch
// that ends is resumed where it was, without reading everything again,
// and a history that is gone meanwhile is read again from the start. The
// reader hears of each failure and once of each recovery.
func TestFollow(t *testing.T) {
	mem := memory.New(nil)
	defer mem.Close()
	st := &cuttable{Store: mem}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := st.Put(ctx, "f/a", []byte("1"))
	require.NoError(t, err)

	var m mirror
	done := make(chan error)
	go func() { done <- m.follow(st).Run(ctx) }()
	const wait, tick = 5 * time.Second, 5 * time.Millisecond
	require.Eventually(t, m.holds(map[string]string{"f/a": "1"}), wait, tick)
	st.Put(ctx, "f/b", []byte("2"))
	st.Delete(ctx, "f/a")
	require.Eventually(t, m.holds(map[string]string{"f/b": "2"}), wait, tick)

	// The watch ends and the store stays down a while; what changes
	// meanwhile comes once it is back.
	st.cut(true)
	require.Eventually(t, m.failed(2), wait, tick)
	st.Put(ctx, "f/c", []byte("3"))
	st.cut(false)
	require.Eventually(t, m.holds(map[string]string{"f/b": "2", "f/c": "3"}), wait, tick)
	m.mu.Lock()
	assert.Equal(t, 1, m.loads, "resumed, not read again")
	assert.Nil(t, m.failures[len(m.failures)-1], "told of the recovery")
	m.mu.Unlock()

	// Down again, and the history of what changed meanwhile is gone:
	// everything is read again.
	m.mu.Lock()
	heard := len(m.failures)
	m.mu.Unlock()
	st.cut(true)
	require.Eventually(t, m.failed(heard+2), wait, tick)
	rev, err := st.Put(ctx, "f/d", []byte("4"))
	require.NoError(t, err)
	require.NoError(t, mem.Compact(ctx, rev))
	st.cut(false)
	require.Eventually(t, m.holds(map[string]string{"f/b": "2", "f/c": "3", "f/d": "4"}), wait, tick)
	m.mu.Lock()
	assert.Equal(t, 2, m.loads, "read again after the compaction")
	for i, err := range m.failures {
		if i < len(m.failures)-1 && err == nil {
			assert.Error(t, m.failures[i+1], "one recovery is told once")
		}
	}
	m.mu.Unlock()

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
