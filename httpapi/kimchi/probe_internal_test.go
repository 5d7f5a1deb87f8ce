package kimchi

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeOnce: however many ask at once, the slow look runs once; a
// caller whose deadline passes gets its context's error (503 on the
// wire) and the look goes on for the others; the answer is kept for ttl.
func TestProbeOnce(t *testing.T) {
	var p probe[int]
	var runs atomic.Int32
	release := make(chan struct{})
	fn := func(ctx context.Context) (int, error) {
		runs.Add(1)
		<-release
		return 42, nil
	}
	life := t.Context()
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := p.get(short, life, time.Hour, time.Second, time.Minute, fn)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			v, err := p.get(context.Background(), life, time.Hour, time.Second, time.Minute, fn)
			assert.NoError(t, err)
			assert.Equal(t, 42, v)
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), runs.Load(), "one run for all")
	v, err := p.get(context.Background(), life, time.Hour, time.Second, time.Minute, fn)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	assert.Equal(t, int32(1), runs.Load(), "kept")

	// An error is kept for less.
	var q probe[int]
	boom := errors.New("boom")
	n := 0
	failing := func(context.Context) (int, error) { n++; return 0, boom }
	_, err = q.get(context.Background(), life, time.Hour, 10*time.Millisecond, time.Minute, failing)
	assert.ErrorIs(t, err, boom)
	q.get(context.Background(), life, time.Hour, 10*time.Millisecond, time.Minute, failing)
	assert.Equal(t, 1, n)
	time.Sleep(20 * time.Millisecond)
	q.get(context.Background(), life, time.Hour, 10*time.Millisecond, time.Minute, failing)
	assert.Equal(t, 2, n)
}
