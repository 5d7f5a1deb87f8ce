package store_test

import (
	"context"
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
