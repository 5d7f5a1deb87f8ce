package store

import (
	"context"
	"errors"
	"iter"
	"time"
)

// All returns every key under prefix with what the store knows of it,
// in key order, read page by page:
//
//	for kv, err := range store.All(ctx, st, "tenants/") {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// An error ends the iteration; it is yielded with a zero KV. The pages are
// read at different revisions: a reader that must be consistent follows
// with a watch (see Follow).
func All(ctx context.Context, st Store, prefix string) iter.Seq2[KV, error] {
	return func(yield func(KV, error) bool) {
		after := ""
		for {
			page, more, err := st.List(ctx, prefix, after, MaxListLimit)
			if err != nil {
				yield(KV{}, err)
				return
			}
			for _, kv := range page {
				if !yield(kv, nil) {
					return
				}
			}
			if !more || len(page) == 0 {
				return
			}
			after = page[len(page)-1].Key
		}
	}
}

// ScanAll calls fn for every key under prefix, in key order, with the key
// and value valid only during the call: through Scan, without copying,
// when st is a Scanner, else through All. fn's error stops it and is
// returned.
func ScanAll(ctx context.Context, st Store, prefix string, fn func(key, value []byte) error) error {
	sc, ok := st.(Scanner)
	if !ok {
		for kv, err := range All(ctx, st, prefix) {
			if err != nil {
				return err
			}
			if err := fn([]byte(kv.Key), kv.Value); err != nil {
				return err
			}
		}
		return nil
	}
	var last []byte
	after := ""
	for {
		more, err := sc.Scan(ctx, prefix, after, MaxListLimit, func(k, v []byte) error {
			last = append(last[:0], k...)
			return fn(k, v)
		})
		if err != nil || !more {
			return err
		}
		after = string(last)
	}
}

// Follow keeps a reader in step with what a store holds under a prefix:
// it reads everything (Load), then follows the changes (Changes). When
// the store cannot be reached or the watch ends it says so (Failing),
// waits (backing off up to MaxBackoff) and resumes from the last revision
// it handled; when that history is gone (ErrCompacted) it reads
// everything again. It is the loop every runtime that follows a store
// runs: a source of slices, a surface's view, an agent.
type Follow struct {
	Store  Store
	Prefix string
	// Load reads the whole state under Prefix. Every change after rev,
	// the store's revision taken before Load began, is then given to
	// Changes, so Load may read pages at later revisions.
	Load func(ctx context.Context, rev int64) error
	// Changes handles what the watch had ready, in order. A batch may
	// end inside a transaction (the rest comes in the next one): a
	// reader that must see transactions whole waits for their last
	// event. It must be idempotent: after a watch resumes, the events of the last
	// revision handled come again (a watch can end inside a
	// transaction). An error ends the watch as a failure of the store
	// would: it resumes from before this batch.
	Changes func(ctx context.Context, events []Event) error
	// Synced, when set, is told the revision handled up to, after Load
	// and after each batch of changes.
	Synced func(rev int64)
	// Failing, when set, is told each failure to read or watch (err), and
	// then once that following works again (nil).
	Failing func(err error)
	// MaxBackoff bounds the wait between retries (default 5 s).
	MaxBackoff time.Duration
}

// Run follows until ctx ends; it returns ctx.Err().
func (f Follow) Run(ctx context.Context) error {
	maxWait := f.MaxBackoff
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	wait := 100 * time.Millisecond
	failing := false
	fail := func(err error) bool {
		failing = true
		if f.Failing != nil {
			f.Failing(err)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
		return true
	}
	healthy := func() {
		wait = 100 * time.Millisecond
		if failing && f.Failing != nil {
			f.Failing(nil)
		}
		failing = false
	}
	// rev is the revision handled up to (-1: nothing read yet); from is
	// where the next watch starts: after what Load read, or at the last
	// revision a watch handed over, again, as its events may be
	// incomplete when that watch ended inside its transaction.
	rev, from := int64(-1), int64(0)
	for ctx.Err() == nil {
		if rev < 0 {
			cur, err := f.Store.Revision(ctx)
			if err == nil {
				err = f.Load(ctx, cur)
			}
			if err != nil {
				if ctx.Err() != nil || !fail(err) {
					break
				}
				continue
			}
			rev, from = cur, cur+1
			healthy()
			if f.Synced != nil {
				f.Synced(rev)
			}
		}
		err := f.watch(ctx, from, &rev, healthy)
		from = max(from, rev)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, ErrCompacted) {
			rev = -1 // the history is gone: read everything again
			continue
		}
		if !fail(err) {
			break
		}
	}
	return ctx.Err()
}

// watch follows from revision from on, handing over batches and
// advancing *rev, until the watch ends; it returns why.
func (f Follow) watch(ctx context.Context, from int64, rev *int64, healthy func()) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := f.Store.Watch(wctx, f.Prefix, from)
	if err != nil {
		return err
	}
	healthy()
	var batch []Event
	for {
		var ev Event
		var ok bool
		select {
		case ev, ok = <-events:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return errors.New("store: watch closed")
		}
		if ev.Err != nil {
			return ev.Err
		}
		batch = append(batch[:0], ev)
		// And whatever else is ready, in one batch.
		var end error
	more:
		for {
			select {
			case e, ok := <-events:
				switch {
				case !ok:
					end = errors.New("store: watch closed")
				case e.Err != nil:
					end = e.Err
				default:
					batch = append(batch, e)
					continue
				}
			default:
			}
			break more
		}
		if err := f.Changes(ctx, batch); err != nil {
			return err
		}
		*rev = batch[len(batch)-1].KV.ModRevision
		if f.Synced != nil {
			f.Synced(*rev)
		}
		if end != nil {
			return end
		}
	}
}
