package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Observer is told what a store wrapped by Observe does, for metrics: it
// is how an embedding program times store calls and watches without this
// package importing a metrics library. Both functions are optional and
// must not block.
type Observer struct {
	// Call is called after every call with its operation ("get", "put",
	// "create", "delete", "list", "txn", "watch", "revision", "scan",
	// "compact"), how long it took and its error.
	Call func(op string, d time.Duration, err error)
	// WatchLag is called for every change a watch delivers, with the
	// watch's prefix and how many revisions the store had reached past
	// the change when it was delivered: 0 for a watch that keeps up. The
	// store's revision is the newest this wrapper has seen (writes,
	// Revision calls, watched changes); writers that bypass it (another
	// server of an etcd cluster) are seen when their changes arrive.
	WatchLag func(prefix string, lag int64)
	// Logger, when set, hears of outages once, not per call: the first
	// call to fail with ErrUnavailable or ErrNoSpace is logged as a
	// warning, and the first to succeed after as the end of it, with how
	// many calls failed and for how long.
	Logger *slog.Logger
}

// Observe returns st with what it does reported to o. The result is a
// Scanner or a Compactor when st is.
func Observe(st Store, o Observer) Store {
	w := &observed{st: st, o: o}
	sc, isScanner := st.(Scanner)
	cp, isCompactor := st.(Compactor)
	switch {
	case isScanner && isCompactor:
		return struct {
			*observed
			observedScanner
			observedCompactor
		}{w, observedScanner{w, sc}, observedCompactor{w, cp}}
	case isScanner:
		return struct {
			*observed
			observedScanner
		}{w, observedScanner{w, sc}}
	case isCompactor:
		return struct {
			*observed
			observedCompactor
		}{w, observedCompactor{w, cp}}
	}
	return w
}

type observed struct {
	st   Store
	o    Observer
	head atomic.Int64 // the newest revision seen

	mu     sync.Mutex
	outage error // the error an outage began with; nil: none
	since  time.Time
	failed int
}

// done reports a call that began at start.
func (w *observed) done(op string, start time.Time, err error) {
	if w.o.Call != nil {
		w.o.Call(op, time.Since(start), err)
	}
	if w.o.Logger != nil {
		w.outages(op, err)
	}
}

// outages logs the beginning and the end of an outage, once each: the
// store is back when it answers (any answer but unavailable), or, when
// it was out of space, when a write succeeds.
func (w *observed) outages(op string, err error) {
	down := errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNoSpace)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case down && w.outage == nil:
		w.outage, w.since, w.failed = err, time.Now(), 1
		w.o.Logger.Warn("store: unavailable; calls fail until it is back (logged once)", "op", op, "err", err)
	case down:
		w.failed++
	case w.outage == nil:
	case errors.Is(w.outage, ErrNoSpace) && (err != nil || !writes(op)):
		// Reads work while the store is full: not back yet.
	default:
		w.o.Logger.Info("store: available again", "failed_calls", w.failed, "after", time.Since(w.since).Round(time.Millisecond),
			"err", w.outage)
		w.outage = nil
	}
}

func writes(op string) bool {
	switch op {
	case "put", "create", "delete", "txn":
		return true
	}
	return false
}

// saw notes a revision the store has reached.
func (w *observed) saw(rev int64) {
	for {
		h := w.head.Load()
		if rev <= h || w.head.CompareAndSwap(h, rev) {
			return
		}
	}
}

func (w *observed) Get(ctx context.Context, key string) (KV, error) {
	start := time.Now()
	kv, err := w.st.Get(ctx, key)
	w.done("get", start, err)
	return kv, err
}

// write times a write and notes its revision.
func (w *observed) write(op string, start time.Time, rev int64, err error) (int64, error) {
	w.done(op, start, err)
	if err == nil {
		w.saw(rev)
	}
	return rev, err
}

func (w *observed) Put(ctx context.Context, key string, value []byte) (int64, error) {
	start := time.Now()
	rev, err := w.st.Put(ctx, key, value)
	return w.write("put", start, rev, err)
}

func (w *observed) Create(ctx context.Context, key string, value []byte) (int64, error) {
	start := time.Now()
	rev, err := w.st.Create(ctx, key, value)
	return w.write("create", start, rev, err)
}

func (w *observed) Delete(ctx context.Context, key string) (int64, error) {
	start := time.Now()
	rev, err := w.st.Delete(ctx, key)
	return w.write("delete", start, rev, err)
}

func (w *observed) List(ctx context.Context, prefix, startAfter string, limit int) ([]KV, bool, error) {
	start := time.Now()
	page, more, err := w.st.List(ctx, prefix, startAfter, limit)
	w.done("list", start, err)
	return page, more, err
}

func (w *observed) Txn(ctx context.Context, conds []Cond, ops []Op) (int64, error) {
	start := time.Now()
	rev, err := w.st.Txn(ctx, conds, ops)
	return w.write("txn", start, rev, err)
}

func (w *observed) Revision(ctx context.Context) (int64, error) {
	start := time.Now()
	rev, err := w.st.Revision(ctx)
	return w.write("revision", start, rev, err)
}

func (w *observed) Close() error { return w.st.Close() }

// Watch relays the store's watch, measuring each change's lag as it is
// handed on.
func (w *observed) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan Event, error) {
	start := time.Now()
	in, err := w.st.Watch(ctx, prefix, fromRev)
	w.done("watch", start, err)
	if err != nil {
		return nil, err
	}
	out := make(chan Event, cap(in))
	go func() {
		defer close(out)
		for ev := range in {
			if ev.Err == nil {
				rev := ev.KV.ModRevision
				w.saw(rev)
				if w.o.WatchLag != nil {
					w.o.WatchLag(prefix, w.head.Load()-rev)
				}
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				for range in { // let the store's watch end
				}
				return
			}
		}
	}()
	return out, nil
}

type observedScanner struct {
	w  *observed
	sc Scanner
}

func (s observedScanner) Scan(ctx context.Context, prefix, startAfter string, limit int, fn func(key, value []byte) error) (bool, error) {
	start := time.Now()
	more, err := s.sc.Scan(ctx, prefix, startAfter, limit, fn)
	s.w.done("scan", start, err)
	return more, err
}

type observedCompactor struct {
	w  *observed
	cp Compactor
}

func (c observedCompactor) Compact(ctx context.Context, rev int64) error {
	start := time.Now()
	err := c.cp.Compact(ctx, rev)
	c.w.done("compact", start, err)
	return err
}
