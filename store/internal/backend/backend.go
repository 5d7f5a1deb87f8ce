// Package backend is what netslice's store backends share: the watch
// machinery of the local backends (a hub that wakes watchers when the
// revision advances, and a loop that streams a backend's change history to
// one watcher) and Create and Delete expressed as transactions.
package backend

import (
	"context"
	"errors"
	"sync"

	"github.com/netslice/netslice/store"
)

// Hub wakes every waiting watcher on Notify. The zero value is not usable;
// call NewHub.
type Hub struct {
	mu     sync.Mutex
	ch     chan struct{}
	taken  bool // someone holds ch: the next Notify must close it
	closed bool
}

// NewHub returns an open hub.
func NewHub() *Hub { return &Hub{ch: make(chan struct{})} }

// Wait returns a channel that is closed by the next Notify or by Close.
// Take it before reading the history so no change is missed.
func (h *Hub) Wait() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.taken = true
	return h.ch
}

// Notify wakes every watcher waiting now.
func (h *Hub) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || !h.taken {
		return // nobody is waiting: spare the allocation
	}
	close(h.ch)
	h.ch = make(chan struct{})
	h.taken = false
}

// Close wakes every watcher for good.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.ch)
	}
}

// ReadFunc returns the history's events for keys under prefix from
// revision from on, at most about batch of them (a backend may finish the
// transaction it is in), the revision to read from next, and whether more
// events may already follow. It returns store.ErrCompacted when from is no
// longer kept and store.ErrClosed once the store is closed.
type ReadFunc func(prefix string, from int64, batch int) (events []store.Event, next int64, more bool, err error)

// batch is how many events one read fetches.
const batch = 256

// Start runs a watcher in a goroutine and returns its channel, which closes
// when ctx is done or the store closes. Other errors are delivered as a
// last event with Err set.
func Start(ctx context.Context, hub *Hub, prefix string, from int64, read ReadFunc) <-chan store.Event {
	out := make(chan store.Event, batch)
	go func() {
		defer close(out)
		for {
			wake := hub.Wait()
			evs, next, more, err := read(prefix, from, batch)
			if err != nil {
				if err != store.ErrClosed {
					select {
					case out <- store.Event{Err: err}:
					case <-ctx.Done():
					}
				}
				return
			}
			for _, ev := range evs {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
			from = next
			if more {
				continue
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Failed returns a watch channel that delivers err as its one event, then
// closes: a watch that cannot start ends the way every watch ends.
func Failed(err error) <-chan store.Event {
	out := make(chan store.Event, 1)
	out <- store.Event{Err: err}
	close(out)
	return out
}

// TxnFunc is a backend's Txn.
type TxnFunc func(ctx context.Context, conds []store.Cond, ops []store.Op) (int64, error)

// Create writes key only if it does not exist, through txn; a failed
// condition becomes store.ErrExists.
func Create(ctx context.Context, txn TxnFunc, key string, value []byte) (int64, error) {
	rev, err := txn(ctx, []store.Cond{store.IfAbsent(key)}, []store.Op{store.PutOp(key, value)})
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return 0, store.ErrExists
	}
	return rev, err
}

// Delete removes key only if it exists, through txn; a failed condition
// becomes store.ErrNotFound.
func Delete(ctx context.Context, txn TxnFunc, key string) (int64, error) {
	rev, err := txn(ctx, []store.Cond{store.IfExists(key)}, []store.Op{store.DeleteOp(key)})
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return 0, store.ErrNotFound
	}
	return rev, err
}
