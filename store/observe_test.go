package store_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/store/storetest"
)

// The wrapper is a store like any other.
func TestObserveConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return store.Observe(memory.New(nil), store.Observer{Call: func(string, time.Duration, error) {}})
	})
}

type observations struct {
	mu    sync.Mutex
	calls map[string]int
	errs  map[string]int
	lags  []int64
}

func (o *observations) observer() store.Observer {
	return store.Observer{
		Call: func(op string, d time.Duration, err error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.calls[op]++
			if err != nil {
				o.errs[op]++
			}
		},
		WatchLag: func(prefix string, lag int64) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.lags = append(o.lags, lag)
		},
	}
}

func TestObserve(t *testing.T) {
	ctx := context.Background()
	obs := &observations{calls: map[string]int{}, errs: map[string]int{}}
	st := store.Observe(memory.New(nil), obs.observer())
	defer st.Close()
	_, isScanner := st.(store.Scanner)
	assert.True(t, isScanner, "the memory store scans, so its wrapper does")

	// A watch that starts behind: the first changes it delivers are
	// behind the store's newest revision, the last is not.
	for _, k := range []string{"a", "b", "c"} {
		_, err := st.Put(ctx, "k/"+k, []byte("v"))
		require.NoError(t, err)
	}
	_, err := st.Get(ctx, "k/missing")
	require.ErrorIs(t, err, store.ErrNotFound)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := st.Watch(wctx, "k/", 1)
	require.NoError(t, err)
	for range 3 {
		select {
		case ev := <-ch:
			require.NoError(t, ev.Err)
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	obs.mu.Lock()
	assert.Equal(t, []int64{2, 1, 0}, obs.lags)
	assert.Equal(t, map[string]int{"put": 3, "get": 1, "watch": 1}, obs.calls)
	assert.Equal(t, map[string]int{"get": 1}, obs.errs)
	obs.mu.Unlock()

	// Cancelling the watch closes the relayed channel.
	cancel()
	for range ch {
	}
}

// flaky is a store whose calls fail with err while it is set.
type flaky struct {
	store.Store
	mu  sync.Mutex
	err error
}

func (f *flaky) Get(ctx context.Context, key string) (store.KV, error) {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return store.KV{}, err
	}
	return f.Store.Get(ctx, key)
}

// TestObserveOutages: an outage is logged once when it begins and once
// when it ends, with how many calls failed, however many fail.
func TestObserveOutages(t *testing.T) {
	var logs bytes.Buffer
	f := &flaky{Store: memory.New(nil)}
	st := store.Observe(f, store.Observer{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer st.Close()
	ctx := context.Background()
	st.Get(ctx, "k")
	assert.Empty(t, logs.String(), "a missing key is no outage")
	f.err = fmt.Errorf("etcd: %w", store.ErrUnavailable)
	for range 1000 {
		st.Get(ctx, "k")
	}
	f.err = nil
	st.Get(ctx, "k")
	st.Get(ctx, "k")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, logs.String())
	assert.Contains(t, lines[0], "unavailable")
	assert.Contains(t, lines[1], "available again")
	assert.Contains(t, lines[1], "failed_calls=1000")
}
