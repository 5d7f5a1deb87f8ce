package sources

import (
	"context"
	"errors"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// StoreFeed follows a source's slices in a store.Store: it is the Follow
// of a Source backed by one. It reads everything (Load) and reports it
// with Replace, watches Prefix, and after each batch of changes re-reads
// the slices they touch (Affected, then Reload) and reports those. When the
// store fails (unreachable, closed watch) it reports Failing once, retries
// with backoff and resumes watching from the revision it had reached; only
// when that history is gone (store.ErrCompacted) does it read everything
// again.
type StoreFeed struct {
	Store store.Store
	// Prefix is watched: every key a slice is made of is under it.
	Prefix string
	// Load reads the whole state: the slices by local id.
	Load func(ctx context.Context) (map[string]l2.SliceSpec, error)
	// Affected returns the local ids of the slices a change of key may
	// have changed (none for a key that makes no slice).
	Affected func(key string) []string
	// Reload reads one slice; nil means it is gone.
	Reload func(ctx context.Context, id string) (*l2.SliceSpec, error)
	// MaxBackoff bounds the wait between retries (default 5 s).
	MaxBackoff time.Duration
}

// Follow implements the Follow of a Source.
func (sf StoreFeed) Follow(ctx context.Context, r *Reporter) error {
	maxWait := sf.MaxBackoff
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	wait := 100 * time.Millisecond
	pause := func(err error) bool {
		r.Failing(err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
		return true
	}
	rev := int64(-1) // the revision reported up to; -1: nothing yet
	for ctx.Err() == nil {
		if rev < 0 {
			cur, err := sf.Store.Revision(ctx)
			if err == nil {
				var all map[string]l2.SliceSpec
				if all, err = sf.Load(ctx); err == nil {
					r.Replace(all) // refusals are logged and in Status
					rev = cur
					r.Synced(rev)
				}
			}
			if err != nil {
				if ctx.Err() != nil || !pause(err) {
					break
				}
				continue
			}
		}
		err := sf.watch(ctx, r, &rev, func() { wait = 100 * time.Millisecond })
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, store.ErrCompacted) {
			rev = -1 // the history is gone: read everything again
			continue
		}
		if !pause(err) {
			break
		}
	}
	return ctx.Err()
}

// watch follows the store from *rev on, reporting changes and advancing
// *rev, until the watch ends; it returns why.
func (sf StoreFeed) watch(ctx context.Context, r *Reporter, rev *int64, healthy func()) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := sf.Store.Watch(wctx, sf.Prefix, *rev+1)
	if err != nil {
		return err
	}
	r.Failing(nil)
	healthy()
	for {
		var ev store.Event
		var ok bool
		select {
		case ev, ok = <-events:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return errors.New("sources: watch closed")
		}
		if ev.Err != nil {
			return ev.Err
		}
		// Fold whatever else is queued into one round of re-reads.
		touched := map[string]bool{}
		last := ev.KV.ModRevision
		for _, id := range sf.Affected(ev.KV.Key) {
			touched[id] = true
		}
		var end error // how the watch ended, if it did meanwhile
	more:
		for {
			select {
			case e, ok := <-events:
				switch {
				case !ok:
					end = errors.New("sources: watch closed")
				case e.Err != nil:
					end = e.Err
				default:
					last = e.KV.ModRevision
					for _, id := range sf.Affected(e.KV.Key) {
						touched[id] = true
					}
					continue
				}
			default:
			}
			break more
		}
		for id := range touched {
			spec, err := sf.Reload(ctx, id)
			if err != nil {
				return err // resumed from *rev: nothing is lost
			}
			// The fabric's refusals are logged and in Status; they do not
			// stop the following.
			if spec == nil {
				r.Remove(id)
			} else {
				r.Set(id, *spec)
			}
		}
		*rev = last
		r.Synced(last)
		if end != nil {
			return end
		}
	}
}
