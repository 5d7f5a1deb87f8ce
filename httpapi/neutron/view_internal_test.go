package neutron

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
)

// TestViewHoldsNoTransactionInPart: a watch may hand over a transaction's
// events in two batches. Between them the view holds the pool a subnet
// was taken from at its new revision but not the subnet; a writer reading
// then would allocate the same prefix and commit. Readers wait for the
// transaction's head instead.
func TestViewHoldsNoTransactionInPart(t *testing.T) {
	k := keys("n/")
	v := newView(k, nil)
	put := func(key string, val string, rev int64) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.apply(store.Event{Type: store.EventPut, KV: store.KV{Key: key, Value: []byte(val), CreateRevision: rev, ModRevision: rev}})
	}
	put(k.object("subnetpools", "p"), `{"id":"p"}`, 5)
	put(k.head(), "", 5)
	require.NoError(t, v.rlock(context.Background()), "a whole transaction")
	v.mu.RUnlock()

	put(k.object("subnetpools", "p"), `{"id":"p"}`, 6) // the first batch ends here
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, v.rlock(ctx), context.DeadlineExceeded, "half a transaction is not read")

	done := make(chan error, 1)
	go func() {
		err := v.rlock(context.Background())
		if err == nil {
			v.mu.RUnlock()
		}
		done <- err
	}()
	put(k.object("subnets", "s"), `{"id":"s","subnetpool_id":"p","cidr":"10.0.0.0/24"}`, 6)
	put(k.head(), "", 6)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(tornWait / 2):
		t.Fatal("a reader still waits once the transaction is whole")
	}
	require.NoError(t, v.rlock(context.Background()))
	assert.NotNil(t, v.subnet("s"))
	v.mu.RUnlock()

	// A write that is not a service's (no head) is read after tornWait.
	put(k.object("networks", "stray"), `{"id":"stray"}`, 7)
	start := time.Now()
	require.NoError(t, v.rlock(context.Background()))
	v.mu.RUnlock()
	assert.GreaterOrEqual(t, time.Since(start), tornWait)
}
