// Package memory is an in-process store.Store: ordered, transactional and
// watchable, with nothing on disk. It suits tests and ephemeral
// deployments; store/bolt is the durable default.
//
// # Performance
//
// Get of an existing key does not allocate: it returns the stored value
// itself, which callers must not modify (store.Store's contract). A List
// page costs O(log n + limit) through an ordered index.
package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/google/btree"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/internal/backend"
)

// DefaultHistory is how many revisions of change log a Store keeps for
// watches that resume from an earlier revision.
const DefaultHistory = 10000

// Options tune a Store. The zero value (or nil) means defaults.
type Options struct {
	// History is how many revisions of change log to keep for Watch
	// resumption; 0 means DefaultHistory. A watch from a revision older
	// than what is kept ends with store.ErrCompacted.
	History int
}

type entry struct {
	key     string
	value   []byte
	create  int64
	mod     int64
	version int64
}

func (e *entry) kv() store.KV {
	return store.KV{Key: e.key, Value: e.value, CreateRevision: e.create, ModRevision: e.mod, Version: e.version}
}

func lessEntry(a, b *entry) bool { return a.key < b.key }

// Store is an in-memory store.Store. Create it with New.
type Store struct {
	mu        sync.RWMutex
	keys      map[string]*entry
	tree      *btree.BTreeG[*entry]
	rev       int64
	hist      ring // change log, in revision order
	histLimit int
	compacted int64 // highest revision dropped from hist
	closed    bool
	hub       *backend.Hub
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Compactor = (*Store)(nil)
	_ store.Scanner   = (*Store)(nil)
)

// New returns an empty Store; opts may be nil.
func New(opts *Options) *Store {
	s := &Store{
		keys:      make(map[string]*entry),
		tree:      btree.NewG(32, lessEntry),
		histLimit: DefaultHistory,
		hub:       backend.NewHub(),
	}
	if opts != nil && opts.History > 0 {
		s.histLimit = opts.History
	}
	return s
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (store.KV, error) {
	if err := ctx.Err(); err != nil {
		return store.KV{}, err
	}
	s.mu.RLock()
	e, ok := s.keys[key]
	closed := s.closed
	var kv store.KV
	if ok {
		kv = e.kv()
	}
	s.mu.RUnlock()
	switch {
	case closed:
		return store.KV{}, store.ErrClosed
	case !ok:
		if err := store.ValidateKey(key); err != nil {
			return store.KV{}, err
		}
		return store.KV{}, store.ErrNotFound
	}
	return kv, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte) (int64, error) {
	return s.Txn(ctx, nil, []store.Op{store.PutOp(key, value)})
}

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	return backend.Create(ctx, s.Txn, key, value)
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string) (int64, error) {
	return backend.Delete(ctx, s.Txn, key)
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, prefix, startAfter string, limit int) ([]store.KV, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, false, err
	}
	limit = store.ClampLimit(limit)
	from := prefix
	if startAfter >= from {
		from = startAfter + "\x00" // the first key after startAfter
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, store.ErrClosed
	}
	var page []store.KV
	more := false
	s.tree.AscendGreaterOrEqual(&entry{key: from}, func(e *entry) bool {
		if !strings.HasPrefix(e.key, prefix) {
			return false
		}
		if len(page) == limit {
			more = true
			return false
		}
		page = append(page, e.kv())
		return true
	})
	return page, more, nil
}

// Scan implements store.Scanner.
func (s *Store) Scan(ctx context.Context, prefix, startAfter string, limit int, fn func(key, value []byte) error) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return false, err
	}
	limit = store.ClampLimit(limit)
	from := prefix
	if startAfter >= from {
		from = startAfter + "\x00"
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false, store.ErrClosed
	}
	n, more := 0, false
	var err error
	s.tree.AscendGreaterOrEqual(&entry{key: from}, func(e *entry) bool {
		if !strings.HasPrefix(e.key, prefix) {
			return false
		}
		if n == limit {
			more = true
			return false
		}
		n++
		err = fn(unsafe.Slice(unsafe.StringData(e.key), len(e.key)), e.value)
		return err == nil
	})
	return more, err
}

// Txn implements store.Store.
func (s *Store) Txn(ctx context.Context, conds []store.Cond, ops []store.Op) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := store.ValidateTxn(conds, ops); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	for _, c := range conds {
		e, ok := s.keys[c.Key]
		var mod int64
		if ok {
			mod = e.mod
		}
		if !c.Holds(ok, mod) {
			return 0, &store.ConflictError{Cond: c}
		}
	}
	rev := s.rev + 1
	n := s.hist.n
	for _, op := range ops {
		switch op.Kind {
		case store.OpPut:
			s.put(op.Key, op.Value, rev)
		case store.OpDelete:
			s.del(op.Key, rev)
		case store.OpDeletePrefix:
			var doomed []string
			s.tree.AscendGreaterOrEqual(&entry{key: op.Key}, func(e *entry) bool {
				if !strings.HasPrefix(e.key, op.Key) {
					return false
				}
				doomed = append(doomed, e.key)
				return true
			})
			for _, k := range doomed {
				s.del(k, rev)
			}
		}
	}
	if s.hist.n == n {
		// Only deletes of absent keys: nothing changed, no new revision.
		return s.rev, nil
	}
	s.rev = rev
	s.trim()
	s.hub.Notify()
	return rev, nil
}

func (s *Store) put(key string, value []byte, rev int64) {
	v := append([]byte(nil), value...)
	e, ok := s.keys[key]
	if ok {
		// Readers copy an entry's fields under the read lock, so changing
		// it in place under the write lock is safe, and spares the index.
		e.value, e.mod = v, rev
		e.version++
	} else {
		e = &entry{key: key, value: v, create: rev, mod: rev, version: 1}
		s.keys[key] = e
		s.tree.ReplaceOrInsert(e)
	}
	s.hist.push(store.Event{Type: store.EventPut, KV: e.kv()})
}

func (s *Store) del(key string, rev int64) {
	e, ok := s.keys[key]
	if !ok {
		return
	}
	delete(s.keys, key)
	s.tree.Delete(e)
	s.hist.push(store.Event{Type: store.EventDelete, KV: store.KV{Key: key, ModRevision: rev}})
}

// trim drops the change log of revisions older than the history limit.
func (s *Store) trim() { s.compactTo(s.rev - int64(s.histLimit)) }

// compactTo drops the change log up to and including upTo.
func (s *Store) compactTo(upTo int64) {
	if upTo <= s.compacted {
		return
	}
	for s.hist.n > 0 && s.hist.at(0).KV.ModRevision <= upTo {
		s.hist.pop()
	}
	s.compacted = upTo
}

// ring is a growable FIFO of events.
type ring struct {
	buf  []store.Event
	head int
	n    int
}

func (r *ring) at(i int) *store.Event { return &r.buf[(r.head+i)%len(r.buf)] }

func (r *ring) push(ev store.Event) {
	if r.n == len(r.buf) {
		nb := make([]store.Event, max(64, 2*len(r.buf)))
		for i := range r.n {
			nb[i] = *r.at(i)
		}
		r.buf, r.head = nb, 0
	}
	*r.at(r.n) = ev
	r.n++
}

func (r *ring) pop() {
	*r.at(0) = store.Event{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// Watch implements store.Store.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan store.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	if fromRev < 0 {
		return nil, &store.InvalidError{Reason: "negative revision"}
	}
	s.mu.RLock()
	closed, cur, compacted := s.closed, s.rev, s.compacted
	s.mu.RUnlock()
	if closed {
		return nil, store.ErrClosed
	}
	if fromRev == 0 {
		fromRev = cur + 1
	} else if fromRev <= compacted {
		return backend.Failed(fmt.Errorf("%w: watch from %d, history kept from %d", store.ErrCompacted, fromRev, compacted+1)), nil
	}
	return backend.Start(ctx, s.hub, prefix, fromRev, s.read), nil
}

// Compact implements store.Compactor.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if rev > s.rev || rev < 0 {
		return &store.InvalidError{Reason: fmt.Sprintf("compact to revision %d: the store is at %d", rev, s.rev)}
	}
	s.compactTo(rev - 1)
	return nil
}

func (s *Store) read(prefix string, from int64, batch int) ([]store.Event, int64, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, from, false, store.ErrClosed
	}
	if from <= s.compacted {
		return nil, from, false, store.ErrCompacted
	}
	i := sort.Search(s.hist.n, func(i int) bool { return s.hist.at(i).KV.ModRevision >= from })
	var evs []store.Event
	next := from
	for ; i < s.hist.n; i++ {
		ev := *s.hist.at(i)
		if len(evs) >= batch && ev.KV.ModRevision != next-1 {
			return evs, next, true, nil
		}
		if strings.HasPrefix(ev.KV.Key, prefix) {
			evs = append(evs, ev)
		}
		next = ev.KV.ModRevision + 1
	}
	if next <= s.rev {
		next = s.rev + 1
	}
	return evs, next, false, nil
}

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	return s.rev, nil
}

// Close implements store.Store. It drops the data; closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.keys, s.tree, s.hist = nil, nil, ring{}
	s.hub.Close()
	return nil
}
