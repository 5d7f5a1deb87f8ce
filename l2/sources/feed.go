package sources

import (
	"context"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// StoreFeed follows a source's slices in a store.Store: it is the Follow
// of a Source backed by one, run by store.Follow. It reads everything
// (Load) and reports it with Replace, watches Prefix, and after each batch
// of changes re-reads the slices they touch (Affected, then Reload) and
// reports those. When the store fails (unreachable, closed watch) it
// reports Failing, retries with backoff and resumes watching from the
// revision it had reached; only when that history is gone
// (store.ErrCompacted) does it read everything again.
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
	return store.Follow{
		Store:      sf.Store,
		Prefix:     sf.Prefix,
		MaxBackoff: sf.MaxBackoff,
		Load: func(ctx context.Context, _ int64) error {
			all, err := sf.Load(ctx)
			if err == nil {
				r.Replace(all) // refusals are logged and in Status
			}
			return err
		},
		Changes: func(ctx context.Context, events []store.Event) error {
			return sf.changes(ctx, r, events)
		},
		Synced:  r.Synced,
		Failing: r.Failing,
	}.Run(ctx)
}

// changes re-reads the slices a batch of changes touched, once each, and
// reports them.
func (sf StoreFeed) changes(ctx context.Context, r *Reporter, events []store.Event) error {
	touched := map[string]bool{}
	for _, ev := range events {
		for _, id := range sf.Affected(ev.KV.Key) {
			touched[id] = true
		}
	}
	for id := range touched {
		spec, err := sf.Reload(ctx, id)
		if err != nil {
			return err // the batch comes again: nothing is lost
		}
		// The fabric's refusals are logged and in Status; they do not
		// stop the following.
		if spec == nil {
			r.Remove(id)
		} else {
			r.Set(id, *spec)
		}
	}
	return nil
}
