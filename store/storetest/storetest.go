// Package storetest is the conformance suite for store.Store
// implementations, in the manner of testing/fstest: every backend in
// netslice runs it, and so can a backend of your own.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return mystore.New() })
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
)

// Run runs every conformance test as a subtest. newStore returns a fresh,
// empty store for each; the suite closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"GetPut", testGetPut},
		{"Create", testCreate},
		{"Delete", testDelete},
		{"ValuesAreCopied", testValuesAreCopied},
		{"Ordering", testOrdering},
		{"Pagination", testPagination},
		{"PrefixIsolation", testPrefixIsolation},
		{"Txn", testTxn},
		{"TxnDeletePrefix", testTxnDeletePrefix},
		{"TxnConcurrentCAS", testTxnConcurrentCAS},
		{"TxnAllOrNothing", testTxnAllOrNothing},
		{"Watch", testWatch},
		{"WatchResume", testWatchResume},
		{"WatchPrefix", testWatchPrefix},
		{"WatchCancel", testWatchCancel},
		{"WatchCompacted", testWatchCompacted},
		{"WatchFuture", testWatchFuture},
		{"WatchOrderConcurrent", testWatchOrderConcurrent},
		{"WatchResumeInsideTxn", testWatchResumeInsideTxn},
		{"ListStartAfterPrefix", testListStartAfterPrefix},
		{"Scan", testScan},
		{"LargeValues", testLargeValues},
		{"ManyKeys", testManyKeys},
		{"BadInput", testBadInput},
		{"ContextCancelled", testContextCancelled},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			require.NotNil(t, s, "newStore returned nil")
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func rev(t *testing.T, s store.Store) int64 {
	t.Helper()
	r, err := s.Revision(ctxT(t))
	require.NoError(t, err)
	return r
}

func testGetPut(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Get(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound)

	r1, err := s.Put(ctx, "k", []byte("one"))
	require.NoError(t, err)
	assert.Positive(t, r1)
	assert.Equal(t, r1, rev(t, s))

	kv, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.KV{Key: "k", Value: []byte("one"), CreateRevision: r1, ModRevision: r1, Version: 1}, kv)

	r2, err := s.Put(ctx, "k", []byte("two"))
	require.NoError(t, err)
	assert.Greater(t, r2, r1)
	kv, err = s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, store.KV{Key: "k", Value: []byte("two"), CreateRevision: r1, ModRevision: r2, Version: 2}, kv)

	_, err = s.Put(ctx, "empty", nil)
	require.NoError(t, err)
	kv, err = s.Get(ctx, "empty")
	require.NoError(t, err)
	assert.Empty(t, kv.Value)
}

func testCreate(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	r1, err := s.Create(ctx, "k", []byte("a"))
	require.NoError(t, err)
	_, err = s.Create(ctx, "k", []byte("b"))
	assert.ErrorIs(t, err, store.ErrExists)
	assert.Equal(t, r1, rev(t, s), "a refused Create must not advance the revision")
	kv, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "a", string(kv.Value))
}

func testDelete(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Delete(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound)
	r1, err := s.Put(ctx, "k", []byte("a"))
	require.NoError(t, err)
	r2, err := s.Delete(ctx, "k")
	require.NoError(t, err)
	assert.Greater(t, r2, r1)
	_, err = s.Get(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Delete(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, r2, rev(t, s), "deleting a missing key must not advance the revision")

	// A key created again starts a new life.
	r3, err := s.Put(ctx, "k", []byte("b"))
	require.NoError(t, err)
	kv, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, r3, kv.CreateRevision)
	assert.Equal(t, int64(1), kv.Version)
}

func testValuesAreCopied(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	v := []byte("original")
	_, err := s.Put(ctx, "k", v)
	require.NoError(t, err)
	copy(v, "CHANGED!")
	kv, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "original", string(kv.Value), "the store must keep its own copy of a value")
}

// put writes keys in batches of transactions.
func put(t *testing.T, s store.Store, keys []string, value func(string) []byte) {
	t.Helper()
	ctx := ctxT(t)
	for len(keys) > 0 {
		n := min(len(keys), 100)
		ops := make([]store.Op, n)
		for i, k := range keys[:n] {
			ops[i] = store.PutOp(k, value(k))
		}
		_, err := s.Txn(ctx, nil, ops)
		require.NoError(t, err)
		keys = keys[n:]
	}
}

func keyValue(k string) []byte { return []byte("v:" + k) }

// listAll pages through prefix with the given page size.
func listAll(t *testing.T, s store.Store, prefix string, limit int) []string {
	t.Helper()
	var keys []string
	after := ""
	for i := 0; ; i++ {
		require.Less(t, i, 100000, "pagination does not end")
		page, more, err := s.List(ctxT(t), prefix, after, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		for _, kv := range page {
			keys = append(keys, kv.Key)
			assert.Equal(t, keyValue(kv.Key), kv.Value)
		}
		if !more {
			return keys
		}
		require.NotEmpty(t, page, "more without a page")
		after = page[len(page)-1].Key
	}
}

func testOrdering(t *testing.T, s store.Store) {
	keys := []string{"b", "a", "ab", "a\x01", "a\xff", "B", "aa", "a/b", "a-b", "\x7f", "é", "z"}
	put(t, s, keys, keyValue)
	want := slices.Clone(keys)
	slices.Sort(want) // Go compares strings by bytes, as the store must
	page, more, err := s.List(ctxT(t), "", "", 100)
	require.NoError(t, err)
	assert.False(t, more)
	got := make([]string, len(page))
	for i, kv := range page {
		got[i] = kv.Key
	}
	assert.Equal(t, want, got)
}

func testPagination(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	var keys []string
	for i := range 250 {
		keys = append(keys, fmt.Sprintf("p/%04d", i))
	}
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	put(t, s, keys, keyValue)
	slices.Sort(keys)

	for _, limit := range []int{1, 7, 50, 100, 125, 249, 250, 251, 1000} {
		assert.Equal(t, keys, listAll(t, s, "p/", limit), "limit %d", limit)
	}

	// Exact last page: no more.
	page, more, err := s.List(ctx, "p/", keys[149], 100)
	require.NoError(t, err)
	assert.Len(t, page, 100)
	assert.False(t, more)
	// startAfter a key that does not exist resumes at the next one.
	page, _, err = s.List(ctx, "p/", "p/0100x", 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, "p/0101", page[0].Key)
	// startAfter before the prefix starts at the beginning.
	page, _, err = s.List(ctx, "p/", "a", 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "p/0000", page[0].Key)
	// startAfter past the prefix: nothing.
	page, more, err = s.List(ctx, "p/", "q", 10)
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.False(t, more)
	// An empty prefix holds nothing.
	page, more, err = s.List(ctx, "nothing/", "", 10)
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.False(t, more)
	// A zero or negative limit is clamped, not an error.
	page, _, err = s.List(ctx, "p/", "", 0)
	require.NoError(t, err)
	assert.Len(t, page, 250)
}

func testPrefixIsolation(t *testing.T, s store.Store) {
	put(t, s, []string{"a", "a/", "a/1", "a/2", "a0", "a0/1", "a\xff", "b/1"}, keyValue)
	assert.Equal(t, []string{"a/", "a/1", "a/2"}, listAll(t, s, "a/", 2))
	assert.Equal(t, []string{"a\xff"}, listAll(t, s, "a\xff", 2))
	assert.Equal(t, []string{"a", "a/", "a/1", "a/2", "a0", "a0/1", "a\xff"}, listAll(t, s, "a", 3))
}

func testTxn(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	r1, err := s.Put(ctx, "x", []byte("1"))
	require.NoError(t, err)

	// All conditions hold: every op applies at one revision.
	r2, err := s.Txn(ctx,
		[]store.Cond{store.IfExists("x"), store.IfAbsent("y"), store.IfModRevision("x", r1), store.IfModRevision("never", 0)},
		[]store.Op{store.PutOp("y", []byte("2")), store.PutOp("z", []byte("3")), store.DeleteOp("x"), store.DeleteOp("absent")})
	require.NoError(t, err)
	assert.Greater(t, r2, r1)
	for _, k := range []string{"y", "z"} {
		kv, err := s.Get(ctx, k)
		require.NoError(t, err)
		assert.Equal(t, r2, kv.ModRevision)
	}
	_, err = s.Get(ctx, "x")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// One condition fails: nothing applies, and the error says which.
	for _, c := range []store.Cond{store.IfExists("x"), store.IfAbsent("y"), store.IfModRevision("y", r1), store.IfModRevision("y", 0)} {
		_, err = s.Txn(ctx, []store.Cond{store.IfExists("y"), c}, []store.Op{store.PutOp("w", []byte("no")), store.DeleteOp("y")})
		require.ErrorIs(t, err, store.ErrConflict, "condition %v", c)
		var ce *store.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, c, ce.Cond)
		assert.Equal(t, r2, rev(t, s), "a failed transaction must not write")
		_, err = s.Get(ctx, "w")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Get(ctx, "y")
		assert.NoError(t, err)
	}
}

func testTxnDeletePrefix(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	put(t, s, []string{"t/1", "t/1/n/1", "t/1/n/1/p/1", "t/1/n/2", "t/10", "t/2/n/1"}, keyValue)
	r, err := s.Txn(ctx, []store.Cond{store.IfExists("t/1")}, []store.Op{store.DeleteOp("t/1"), store.DeletePrefixOp("t/1/")})
	require.NoError(t, err)
	assert.Equal(t, []string{"t/10", "t/2/n/1"}, listAll(t, s, "t/", 10))
	assert.Equal(t, r, rev(t, s))
}

// testTxnConcurrentCAS increments a counter from many goroutines with
// compare-and-swap transactions: no increment may be lost.
func testTxnConcurrentCAS(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Put(ctx, "counter", []byte("0"))
	require.NoError(t, err)
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				kv, err := s.Get(ctx, "counter")
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.Atoi(string(kv.Value))
				_, err = s.Txn(ctx, []store.Cond{store.IfModRevision("counter", kv.ModRevision)},
					[]store.Op{store.PutOp("counter", []byte(strconv.Itoa(n+1)))})
				switch {
				case err == nil:
					done++
				case errors.Is(err, store.ErrConflict):
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	kv, err := s.Get(ctx, "counter")
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(workers*each), string(kv.Value))
	assert.Equal(t, int64(workers*each+1), kv.Version)
}

// testTxnAllOrNothing writes two keys together while readers list them:
// a reader must never see one without the other.
func testTxnAllOrNothing(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	const writers, rounds = 4, 25
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var torn []string
	var readErrs []error
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				page, _, err := s.List(ctx, "pair/", "", 10)
				if err != nil {
					mu.Lock()
					readErrs = append(readErrs, err)
					mu.Unlock()
					return
				}
				if len(page) == 1 || len(page) == 2 && !bytes.Equal(page[0].Value, page[1].Value) {
					mu.Lock()
					torn = append(torn, fmt.Sprint(page))
					mu.Unlock()
				}
			}
		}()
	}
	var ww sync.WaitGroup
	for w := range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for i := range rounds {
				v := []byte(fmt.Sprintf("%d-%d", w, i))
				_, err := s.Txn(ctx, nil, []store.Op{store.PutOp("pair/a", v), store.PutOp("pair/b", v)})
				assert.NoError(t, err)
			}
		}()
	}
	ww.Wait()
	close(stop)
	wg.Wait()
	assert.Empty(t, torn, "readers saw half-applied transactions")
	assert.Empty(t, readErrs, "readers failed")
}

// WaitTimeout is how long Next and NextOrClosed wait for an event.
const WaitTimeout = 10 * time.Second

// Next returns a watch's next event, failing the test if the channel
// closes or nothing comes within WaitTimeout. For a backend's own tests
// too: no test of a watch should wait without a deadline.
func Next(t testing.TB, ch <-chan store.Event) store.Event {
	t.Helper()
	ev, ok := NextOrClosed(t, ch)
	require.True(t, ok, "watch closed")
	return ev
}

// NextOrClosed is Next that reports a closed channel instead of failing.
func NextOrClosed(t testing.TB, ch <-chan store.Event) (store.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(WaitTimeout):
		require.FailNow(t, "watch timed out", "no event within %v", WaitTimeout)
		return store.Event{}, false
	}
}

// collect reads n events or fails after a timeout.
func collect(t *testing.T, ch <-chan store.Event, n int) []store.Event {
	t.Helper()
	var evs []store.Event
	for len(evs) < n {
		ev, ok := NextOrClosed(t, ch)
		require.True(t, ok, "watch closed after %d of %d events", len(evs), n)
		require.NoError(t, ev.Err)
		evs = append(evs, ev)
	}
	return evs
}

// quiet checks that nothing more comes for a moment.
func quiet(t *testing.T, ch <-chan store.Event) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

type change struct {
	Type store.EventType
	Key  string
	Val  string
	Rev  int64
}

func changes(evs []store.Event) []change {
	out := make([]change, len(evs))
	for i, ev := range evs {
		out[i] = change{ev.Type, ev.KV.Key, string(ev.KV.Value), ev.KV.ModRevision}
	}
	return out
}

func testWatch(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Put(ctx, "before", []byte("x"))
	require.NoError(t, err)
	ch, err := s.Watch(ctx, "", 0) // only what comes next
	require.NoError(t, err)

	r1, err := s.Put(ctx, "a", []byte("1"))
	require.NoError(t, err)
	r2, err := s.Txn(ctx, nil, []store.Op{store.PutOp("b", []byte("2")), store.DeleteOp("a"), store.PutOp("c", []byte("3"))})
	require.NoError(t, err)
	r3, err := s.Delete(ctx, "b")
	require.NoError(t, err)

	got := changes(collect(t, ch, 5))
	assert.Equal(t, []change{
		{store.EventPut, "a", "1", r1},
		{store.EventPut, "b", "2", r2},
		{store.EventDelete, "a", "", r2},
		{store.EventPut, "c", "3", r2},
		{store.EventDelete, "b", "", r3},
	}, got)
	quiet(t, ch)
}

func testWatchResume(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	var revs []int64
	for i := range 20 {
		r, err := s.Put(ctx, fmt.Sprintf("k%02d", i%5), []byte(strconv.Itoa(i)))
		require.NoError(t, err)
		revs = append(revs, r)
	}
	// Resume from the middle: exactly the changes from there on, in order,
	// then live ones.
	ch, err := s.Watch(ctx, "k", revs[12])
	require.NoError(t, err)
	rl, err := s.Put(ctx, "k99", []byte("live"))
	require.NoError(t, err)
	evs := collect(t, ch, 9)
	for i, ev := range evs[:8] {
		assert.Equal(t, revs[12+i], ev.KV.ModRevision)
		assert.Equal(t, strconv.Itoa(12+i), string(ev.KV.Value))
	}
	assert.Equal(t, rl, evs[8].KV.ModRevision)
	assert.Equal(t, "k99", evs[8].KV.Key)
}

func testWatchPrefix(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ch, err := s.Watch(ctx, "net/", 0)
	require.NoError(t, err)
	put(t, s, []string{"net", "network/1", "net/1", "other/net/2", "net/2"}, keyValue)
	_, err = s.Txn(ctx, nil, []store.Op{store.DeletePrefixOp("net")})
	require.NoError(t, err)
	got := collect(t, ch, 4)
	keys := make([]string, len(got))
	for i, ev := range got {
		keys[i] = ev.Type.String() + " " + ev.KV.Key
	}
	assert.Equal(t, []string{"put net/1", "put net/2", "delete net/1", "delete net/2"}, keys)
}

func testWatchCancel(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(ctxT(t))
	ch, err := s.Watch(ctx, "", 0)
	require.NoError(t, err)
	cancel()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("watch channel not closed after its context was cancelled")
		}
	}
}

func testLargeValues(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	big := make([]byte, store.MaxValueSize)
	for i := range big {
		big[i] = byte(i * 7)
	}
	_, err := s.Put(ctx, "big", big)
	require.NoError(t, err)
	kv, err := s.Get(ctx, "big")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, kv.Value), "large value changed on the way")

	r := rev(t, s)
	_, err = s.Put(ctx, "too-big", make([]byte, store.MaxValueSize+1))
	assert.ErrorIs(t, err, store.ErrInvalid)
	assert.Equal(t, r, rev(t, s))
}

func testManyKeys(t *testing.T, s store.Store) {
	const n = 3000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("many/%08x", rand.Uint32())
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	put(t, s, keys, keyValue)
	assert.Equal(t, keys, listAll(t, s, "many/", 500))
}

func testBadInput(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Put(ctx, "ok", []byte("1"))
	require.NoError(t, err)
	r := rev(t, s)
	long := string(bytes.Repeat([]byte("k"), store.MaxKeySize+1))
	ops := make([]store.Op, store.MaxTxnOps+1)
	for i := range ops {
		ops[i] = store.PutOp(fmt.Sprintf("op%d", i), nil)
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"put empty key", func() error { _, err := s.Put(ctx, "", nil); return err }},
		{"put NUL key", func() error { _, err := s.Put(ctx, "a\x00b", nil); return err }},
		{"put long key", func() error { _, err := s.Put(ctx, long, nil); return err }},
		{"get empty key", func() error { _, err := s.Get(ctx, ""); return err }},
		{"get NUL key", func() error { _, err := s.Get(ctx, "\x00"); return err }},
		{"create empty key", func() error { _, err := s.Create(ctx, "", nil); return err }},
		{"delete NUL key", func() error { _, err := s.Delete(ctx, "x\x00"); return err }},
		{"list NUL prefix", func() error { _, _, err := s.List(ctx, "\x00", "", 1); return err }},
		{"watch negative revision", func() error { _, err := s.Watch(ctx, "", -1); return err }},
		{"watch NUL prefix", func() error { _, err := s.Watch(ctx, "a\x00", 0); return err }},
		{"txn too many ops", func() error { _, err := s.Txn(ctx, nil, ops); return err }},
		{"txn no ops", func() error { _, err := s.Txn(ctx, []store.Cond{store.IfExists("ok")}, nil); return err }},
		{"txn same key twice", func() error {
			_, err := s.Txn(ctx, nil, []store.Op{store.PutOp("d", nil), store.DeleteOp("d")})
			return err
		}},
		{"txn put under deleted prefix", func() error {
			_, err := s.Txn(ctx, nil, []store.Op{store.DeletePrefixOp("t/"), store.PutOp("t/1", nil)})
			return err
		}},
		{"txn bad key late", func() error {
			_, err := s.Txn(ctx, nil, []store.Op{store.PutOp("fine", nil), store.PutOp("", nil)})
			return err
		}},
		{"txn bad cond key", func() error {
			_, err := s.Txn(ctx, []store.Cond{store.IfExists("")}, []store.Op{store.PutOp("fine", nil)})
			return err
		}},
		{"txn unknown op", func() error {
			_, err := s.Txn(ctx, nil, []store.Op{{Kind: 99, Key: "fine"}})
			return err
		}},
		{"txn negative revision", func() error {
			_, err := s.Txn(ctx, []store.Cond{store.IfModRevision("ok", -1)}, []store.Op{store.PutOp("fine", nil)})
			return err
		}},
	}
	for _, c := range cases {
		err := c.fn()
		assert.ErrorIs(t, err, store.ErrInvalid, c.name)
	}
	assert.Equal(t, r, rev(t, s), "bad input must not write")
	page, _, err := s.List(ctx, "", "", 100)
	require.NoError(t, err)
	assert.Len(t, page, 1)
}

func testContextCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := rev(t, s)
	calls := map[string]func() error{
		"get":      func() error { _, err := s.Get(ctx, "k"); return err },
		"put":      func() error { _, err := s.Put(ctx, "k", nil); return err },
		"create":   func() error { _, err := s.Create(ctx, "k", nil); return err },
		"delete":   func() error { _, err := s.Delete(ctx, "k"); return err },
		"list":     func() error { _, _, err := s.List(ctx, "", "", 1); return err },
		"txn":      func() error { _, err := s.Txn(ctx, nil, []store.Op{store.PutOp("k", nil)}); return err },
		"watch":    func() error { _, err := s.Watch(ctx, "", 0); return err },
		"revision": func() error { _, err := s.Revision(ctx); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		assert.ErrorIs(t, err, context.Canceled, name)
		assert.Less(t, time.Since(start), time.Second, name)
	}
	assert.Equal(t, r, rev(t, s), "a cancelled call must not write")

	// A deadline that expires while writes are under way: every write that
	// said it succeeded did, and the writers stop soon after the deadline.
	// (Whether a write that returned ctx.Err() may still have happened
	// depends on the backend: with a remote server it can.)
	const deadline = 150 * time.Millisecond
	ctx2, cancel2 := context.WithTimeout(context.Background(), deadline)
	defer cancel2()
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	start := time.Now()
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx2.Err() == nil; i++ {
				k := fmt.Sprintf("dl/%d/%d", w, i)
				_, err := s.Put(ctx2, k, []byte("v"))
				mu.Lock()
				acked[k] = err == nil
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Less(t, time.Since(start), deadline+2*time.Second, "writers did not stop at their deadline")
	n := 0
	for k, ok := range acked {
		if !ok {
			continue
		}
		n++
		_, err := s.Get(ctxT(t), k)
		assert.NoError(t, err, "acknowledged %s missing", k)
	}
	assert.Positive(t, n, "no write was acknowledged within %v: nothing was checked", deadline)
}

func testClose(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ch, err := s.Watch(ctx, "", 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.NoError(t, s.Close(), "closing twice")
	timeout := time.After(5 * time.Second)
drain:
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				break drain
			}
		case <-timeout:
			t.Fatal("watch channel not closed by Close")
		}
	}
	_, err = s.Get(ctx, "k")
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Put(ctx, "k", nil)
	assert.ErrorIs(t, err, store.ErrClosed)
	_, _, err = s.List(ctx, "", "", 1)
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Watch(ctx, "", 0)
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Revision(ctx)
	assert.ErrorIs(t, err, store.ErrClosed)
}

// testWatchCompacted: after a compaction, a watch from before it ends at
// once with ErrCompacted (an event, then the channel closes); one from the
// compaction revision on still works.
func testWatchCompacted(t *testing.T, s store.Store) {
	c, ok := s.(store.Compactor)
	if !ok {
		t.Skip("the store does not implement store.Compactor")
	}
	ctx := ctxT(t)
	var revs []int64
	for i := range 10 {
		r, err := s.Put(ctx, fmt.Sprintf("c/%d", i), []byte(strconv.Itoa(i)))
		require.NoError(t, err)
		revs = append(revs, r)
	}
	require.NoError(t, c.Compact(ctx, revs[5]))
	require.NoError(t, c.Compact(ctx, revs[2]), "compacting to an older revision is a no-op")
	for _, from := range []int64{revs[0], revs[4]} {
		ch, err := s.Watch(ctx, "c/", from)
		require.NoError(t, err, "a watch from a compacted revision starts and ends with an event")
		ev := Next(t, ch)
		assert.ErrorIs(t, ev.Err, store.ErrCompacted, "watch from %d after compacting to %d", from, revs[5])
		_, open := NextOrClosed(t, ch)
		assert.False(t, open, "the watch goes on after ErrCompacted")
	}
	ch, err := s.Watch(ctx, "c/", revs[5])
	require.NoError(t, err)
	evs := collect(t, ch, 4)
	for i, ev := range evs {
		assert.Equal(t, revs[5+i], ev.KV.ModRevision)
	}
	err = c.Compact(ctx, rev(t, s)+100)
	assert.ErrorIs(t, err, store.ErrInvalid, "compacting past the store's revision")
	// The data stays.
	kv, err := s.Get(ctx, "c/0")
	require.NoError(t, err)
	assert.Equal(t, "0", string(kv.Value))
}

// testWatchFuture: a watch from a revision not reached yet waits for it.
func testWatchFuture(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	r := rev(t, s)
	ch, err := s.Watch(ctx, "f/", r+3)
	require.NoError(t, err)
	quiet(t, ch)
	var want []string
	for i := range 5 {
		rr, err := s.Put(ctx, fmt.Sprintf("f/%d", i), nil)
		require.NoError(t, err)
		if rr >= r+3 {
			want = append(want, fmt.Sprintf("f/%d", i))
		}
	}
	require.NotEmpty(t, want)
	evs := collect(t, ch, len(want))
	var got []string
	for _, ev := range evs {
		assert.GreaterOrEqual(t, ev.KV.ModRevision, r+3)
		got = append(got, ev.KV.Key)
	}
	assert.Equal(t, want, got)
	quiet(t, ch)
}

// testWatchOrderConcurrent: with writers racing, a watch sees every change
// once, in revision order, and each writer's changes in the order made.
func testWatchOrderConcurrent(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	const writers, each = 4, 40
	ch, err := s.Watch(ctx, "o/", 0)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := s.Txn(ctx, nil, []store.Op{store.PutOp(fmt.Sprintf("o/%d", w), []byte(strconv.Itoa(i))),
					store.PutOp(fmt.Sprintf("o/%d/last", w), []byte(strconv.Itoa(i)))})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	evs := collect(t, ch, 2*writers*each)
	next := make([]int, writers)
	var last int64
	for i, ev := range evs {
		assert.GreaterOrEqual(t, ev.KV.ModRevision, last, "event %d out of revision order", i)
		last = ev.KV.ModRevision
		var w int
		var tail string
		fmt.Sscanf(ev.KV.Key, "o/%d%s", &w, &tail)
		if tail != "" {
			continue
		}
		assert.Equal(t, strconv.Itoa(next[w]), string(ev.KV.Value), "writer %d's changes out of order", w)
		next[w]++
		// Both keys of a transaction come together, with one revision.
		if i+1 < len(evs) {
			assert.Equal(t, ev.KV.ModRevision, evs[i+1].KV.ModRevision, "a transaction split")
		}
	}
	quiet(t, ch)
}

// testWatchResumeInsideTxn: resuming from a transaction's revision
// delivers every change of that transaction, in order, even to a watcher
// that had seen some of them.
func testWatchResumeInsideTxn(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	_, err := s.Put(ctx, "r/0", nil)
	require.NoError(t, err)
	r, err := s.Txn(ctx, nil, []store.Op{store.PutOp("r/1", []byte("a")), store.PutOp("r/2", []byte("b")), store.DeleteOp("r/0")})
	require.NoError(t, err)
	after, err := s.Put(ctx, "r/3", []byte("c"))
	require.NoError(t, err)
	for range 2 { // twice: a resume after a partial read is a fresh watch from r
		wctx, cancel := context.WithCancel(ctx)
		ch, err := s.Watch(wctx, "r/", r)
		require.NoError(t, err)
		assert.Equal(t, []change{
			{store.EventPut, "r/1", "a", r},
			{store.EventPut, "r/2", "b", r},
			{store.EventDelete, "r/0", "", r},
			{store.EventPut, "r/3", "c", after},
		}, changes(collect(t, ch, 4)))
		cancel()
	}
}

// testListStartAfterPrefix: startAfter equal to the prefix skips a key
// that is the prefix itself; an empty startAfter does not.
func testListStartAfterPrefix(t *testing.T, s store.Store) {
	put(t, s, []string{"s/", "s/a", "s/b", "s0"}, keyValue)
	ctx := ctxT(t)
	page, more, err := s.List(ctx, "s/", "s/", 10)
	require.NoError(t, err)
	assert.False(t, more)
	var keys []string
	for _, kv := range page {
		keys = append(keys, kv.Key)
	}
	assert.Equal(t, []string{"s/a", "s/b"}, keys)
	assert.Equal(t, []string{"s/", "s/a", "s/b"}, listAll(t, s, "s/", 1))
	// A startAfter before the prefix starts at the prefix.
	page, _, err = s.List(ctx, "s/", "r", 10)
	require.NoError(t, err)
	assert.Len(t, page, 3)
}

// testScan: a Scanner hands over what List returns, page for page, and
// stops at an error of fn.
func testScan(t *testing.T, s store.Store) {
	sc, ok := s.(store.Scanner)
	if !ok {
		t.Skip("the store does not implement store.Scanner")
	}
	keys := []string{"sc/", "sc/a", "sc/b", "sc/c", "sc/d", "sd"}
	put(t, s, keys, keyValue)
	ctx := ctxT(t)
	for _, tc := range []struct {
		after string
		limit int
	}{{"", 0}, {"", 2}, {"sc/", 2}, {"sc/b", 10}, {"sc/z", 1}} {
		page, more, err := s.List(ctx, "sc/", tc.after, tc.limit)
		require.NoError(t, err)
		var got []store.KV
		smore, err := sc.Scan(ctx, "sc/", tc.after, tc.limit, func(k, v []byte) error {
			got = append(got, store.KV{Key: string(k), Value: bytes.Clone(v)})
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, more, smore, "%+v", tc)
		require.Len(t, got, len(page), "%+v", tc)
		for i := range page {
			assert.Equal(t, page[i].Key, got[i].Key)
			assert.Equal(t, page[i].Value, got[i].Value)
		}
	}
	stop := errors.New("stop")
	n := 0
	_, err := sc.Scan(ctx, "sc/", "", 0, func(k, v []byte) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}
