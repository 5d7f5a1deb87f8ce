package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New(nil) })
}

func TestWatchCompacted(t *testing.T) {
	ctx := context.Background()
	s := memory.New(&memory.Options{History: 10})
	defer s.Close()
	for i := range 30 {
		_, err := s.Put(ctx, fmt.Sprintf("k%d", i), nil)
		require.NoError(t, err)
	}
	ch, err := s.Watch(ctx, "", 5)
	require.NoError(t, err)
	assert.ErrorIs(t, storetest.Next(t, ch).Err, store.ErrCompacted)
	ch, err = s.Watch(ctx, "", 21) // the oldest kept revision
	require.NoError(t, err)
	ev := storetest.Next(t, ch)
	require.NoError(t, ev.Err)
	assert.Equal(t, int64(21), ev.KV.ModRevision)
}

// TestWatchSlowReader: a watcher that falls behind the kept history is
// told so rather than silently skipping changes.
func TestWatchSlowReader(t *testing.T) {
	ctx := context.Background()
	s := memory.New(&memory.Options{History: 10})
	defer s.Close()
	ch, err := s.Watch(ctx, "", 0)
	require.NoError(t, err)
	for i := range 2000 {
		_, err := s.Put(ctx, fmt.Sprintf("k%d", i), nil)
		require.NoError(t, err)
	}
	var last store.Event
	n := 0
	for {
		ev, ok := storetest.NextOrClosed(t, ch)
		if !ok {
			break
		}
		last = ev
		if ev.Err != nil {
			break
		}
		n++
	}
	assert.ErrorIs(t, last.Err, store.ErrCompacted)
	assert.Less(t, n, 2000)
}

func TestGetAllocs(t *testing.T) {
	ctx := context.Background()
	s := memory.New(nil)
	defer s.Close()
	_, err := s.Put(ctx, "key", []byte("value"))
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := s.Get(ctx, "key"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "Get of an existing key allocates")
}
