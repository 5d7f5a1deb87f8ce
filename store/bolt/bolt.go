// Package bolt is the embedded, durable store.Store, built on
// go.etcd.io/bbolt. It is netslice's default backend: one file, no server.
//
// # Durability
//
// A write that returned without error is on disk (fsync'd): it survives the
// process being killed. Concurrent writers are committed together — every
// write waiting while one commit runs goes into the next, sharing a single
// fsync — so throughput grows with the number of writers while each write
// stays durable. A write whose context is cancelled before it is committed
// returns ctx.Err() and writes nothing.
//
// # Layout
//
// The file holds three buckets: the keys with their revisions, a change
// log (for Watch resumption, trimmed to Options.History revisions) and the
// store's revision. Only one process may open a file at a time.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/internal/backend"
)

// DefaultHistory is how many revisions of change log a Store keeps.
const DefaultHistory = 10000

// maxBatch caps how many writes share one commit.
const maxBatch = 1024

// Options tune a Store. The zero value (or nil) means defaults.
type Options struct {
	// History is how many revisions of change log to keep for Watch
	// resumption; 0 means DefaultHistory.
	History int64
	// Timeout bounds the wait for the file lock held by another process;
	// 0 means one second.
	Timeout time.Duration
	// NoSync skips fsync. Unsafe: a crash loses acknowledged writes. For
	// bulk loads and throwaway test data only.
	NoSync bool
}

var (
	bucketKV   = []byte("kv")
	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
	metaRev    = []byte("rev")
	metaComp   = []byte("compacted")
)

// Store is a bbolt-backed store.Store. Create it with Open.
type Store struct {
	db      *bbolt.DB
	history int64
	reqs    chan *request
	hub     *backend.Hub

	mu        sync.RWMutex // guards closed against the committer's shutdown
	closed    bool
	stop      chan struct{}
	stopped   chan struct{}
	rev       atomic.Int64
	compacted atomic.Int64
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Compactor = (*Store)(nil)
	_ store.Scanner   = (*Store)(nil)
)

// Open opens (creating if needed) the store in the file at path; opts may
// be nil.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: o.Timeout, NoSync: o.NoSync})
	if err != nil {
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	s := &Store{
		db:      db,
		history: o.History,
		reqs:    make(chan *request, maxBatch),
		hub:     backend.NewHub(),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketKV, bucketLog, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		s.rev.Store(getInt(meta.Get(metaRev)))
		s.compacted.Store(getInt(meta.Get(metaComp)))
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	go s.commitLoop()
	return s, nil
}

func getInt(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

func putInt(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// A stored value is a 24-byte header (create, mod, version) and the bytes.
const header = 24

func encodeEntry(create, mod, version int64, value []byte) []byte {
	b := make([]byte, header, header+len(value))
	binary.BigEndian.PutUint64(b[0:], uint64(create))
	binary.BigEndian.PutUint64(b[8:], uint64(mod))
	binary.BigEndian.PutUint64(b[16:], uint64(version))
	return append(b, value...)
}

func decodeEntry(key string, b []byte, copyValue bool) (store.KV, error) {
	if len(b) < header {
		return store.KV{}, fmt.Errorf("store/bolt: corrupt entry for %q: %d bytes", key, len(b))
	}
	kv := store.KV{
		Key:            key,
		CreateRevision: int64(binary.BigEndian.Uint64(b[0:])),
		ModRevision:    int64(binary.BigEndian.Uint64(b[8:])),
		Version:        int64(binary.BigEndian.Uint64(b[16:])),
		Value:          b[header:],
	}
	if copyValue {
		kv.Value = append([]byte{}, kv.Value...)
	}
	return kv, nil
}

// A log record's key is the revision and a sequence number within it; its
// value is the event type, then the entry as encodeEntry writes it, with the
// key in front: type(1) keylen(uvarint) key create mod version value.
func logKey(rev int64, seq uint32) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 12), uint64(rev))
	return binary.BigEndian.AppendUint32(b, seq)
}

func encodeEvent(ev store.Event) []byte {
	kv := ev.KV
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(kv.Key)+header+len(kv.Value))
	b = append(b, byte(ev.Type))
	b = binary.AppendUvarint(b, uint64(len(kv.Key)))
	b = append(b, kv.Key...)
	b = binary.BigEndian.AppendUint64(b, uint64(kv.CreateRevision))
	b = binary.BigEndian.AppendUint64(b, uint64(kv.ModRevision))
	b = binary.BigEndian.AppendUint64(b, uint64(kv.Version))
	return append(b, kv.Value...)
}

func decodeEvent(b []byte) (store.Event, error) {
	if len(b) < 1 {
		return store.Event{}, errors.New("store/bolt: corrupt log record")
	}
	t := store.EventType(b[0])
	n, w := binary.Uvarint(b[1:])
	if t != store.EventPut && t != store.EventDelete || w <= 0 || w != uvarintLen(n) || uint64(len(b)-1-w) < n {
		return store.Event{}, errors.New("store/bolt: corrupt log record")
	}
	key := string(b[1+w : 1+w+int(n)])
	kv, err := decodeEntry(key, b[1+w+int(n):], true)
	if err != nil {
		return store.Event{}, err
	}
	if t == store.EventDelete {
		kv.Value = nil
	}
	return store.Event{Type: t, KV: kv}, nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (store.KV, error) {
	if err := ctx.Err(); err != nil {
		return store.KV{}, err
	}
	if err := store.ValidateKey(key); err != nil {
		return store.KV{}, err
	}
	var kv store.KV
	err := s.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKV).Get([]byte(key))
		if b == nil {
			return store.ErrNotFound
		}
		var err error
		kv, err = decodeEntry(key, b, true)
		return err
	})
	return kv, err
}

// view runs fn in a read transaction unless the store is closed.
func (s *Store) view(fn func(*bbolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	return s.db.View(fn)
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
	from := []byte(prefix)
	if startAfter >= prefix {
		from = append([]byte(startAfter), 0)
	}
	var page []store.KV
	more := false
	err := s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketKV).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if len(page) == limit {
				more = true
				break
			}
			kv, err := decodeEntry(string(k), v, true)
			if err != nil {
				return err
			}
			page = append(page, kv)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return page, more, nil
}

// Scan implements store.Scanner: fn sees the file's own bytes, in one read
// transaction.
func (s *Store) Scan(ctx context.Context, prefix, startAfter string, limit int, fn func(key, value []byte) error) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return false, err
	}
	limit = store.ClampLimit(limit)
	from := []byte(prefix)
	if startAfter >= prefix {
		from = append([]byte(startAfter), 0)
	}
	more := false
	err := s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketKV).Cursor()
		n, p := 0, []byte(prefix)
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if n == limit {
				more = true
				return nil
			}
			n++
			if len(v) < header {
				return fmt.Errorf("store/bolt: corrupt entry for %q: %d bytes", k, len(v))
			}
			if err := fn(k, v[header:]); err != nil {
				return err
			}
		}
		return nil
	})
	return more, err
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

// A request is one transaction waiting for the committer.
type request struct {
	conds   []store.Cond
	ops     []store.Op
	compact int64        // > 0: drop the history before this revision; no ops
	state   atomic.Int32 // pending, taken (committer owns it) or abandoned
	rev     int64
	err     error
	done    chan struct{}
}

const (
	pending int32 = iota
	taken
	abandoned
)

// Txn implements store.Store.
func (s *Store) Txn(ctx context.Context, conds []store.Cond, ops []store.Op) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := store.ValidateTxn(conds, ops); err != nil {
		return 0, err
	}
	return s.submit(ctx, &request{conds: conds, ops: ops, done: make(chan struct{})})
}

// submit hands r to the committer and waits for its outcome.
func (s *Store) submit(ctx context.Context, r *request) (int64, error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return 0, store.ErrClosed
	}
	select {
	case s.reqs <- r:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return 0, ctx.Err()
	}
	select {
	case <-r.done:
		return r.rev, r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, abandoned) {
			return 0, ctx.Err()
		}
		// The committer has it: the outcome is moments away and must be
		// reported truthfully.
		<-r.done
		return r.rev, r.err
	}
}

// commitLoop is the single writer: it gathers every waiting request into
// one bbolt transaction, so they share one fsync.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	batch := make([]*request, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.stop:
			s.drain()
			return
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		s.commit(batch)
	}
}

// drain fails the requests still queued at Close.
func (s *Store) drain() {
	for {
		select {
		case r := <-s.reqs:
			r.err = store.ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

func (s *Store) commit(batch []*request) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(pending, taken) {
			live = append(live, r)
		} else {
			close(r.done)
		}
	}
	if len(live) == 0 {
		return
	}
	rev, compacted := s.rev.Load(), s.compacted.Load()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		kvb, logb, meta := tx.Bucket(bucketKV), tx.Bucket(bucketLog), tx.Bucket(bucketMeta)
		for _, r := range live {
			r.rev, r.err = 0, nil
			if r.compact > 0 {
				if r.compact > rev {
					r.err = &store.InvalidError{Reason: fmt.Sprintf("compact to revision %d: the store is at %d", r.compact, rev)}
				} else {
					compacted = max(compacted, r.compact-1)
				}
				continue
			}
			ok, err := apply(kvb, logb, r, rev+1)
			if err != nil {
				return err
			}
			if ok {
				rev++
				r.rev = rev
			}
		}
		if err := meta.Put(metaRev, putInt(rev)); err != nil {
			return err
		}
		compacted = max(compacted, rev-s.history)
		if compacted > s.compacted.Load() {
			if err := trimLog(logb, compacted); err != nil {
				return err
			}
			return meta.Put(metaComp, putInt(compacted))
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			err = fmt.Errorf("store/bolt: commit: %w: %w", store.ErrNoSpace, err)
		} else {
			err = fmt.Errorf("store/bolt: commit: %w", err)
		}
		for _, r := range live {
			r.rev, r.err = 0, err
		}
	} else {
		s.rev.Store(rev)
		s.compacted.Store(compacted)
		s.hub.Notify()
	}
	for _, r := range live {
		if r.err == nil && r.rev == 0 {
			r.rev = rev // changed nothing: report the current revision
		}
		close(r.done)
	}
}

// apply checks r's conditions and applies its operations at revision rev.
// It reports whether anything was written; a failed condition is recorded
// in r.err and writes nothing.
func apply(kvb, logb *bbolt.Bucket, r *request, rev int64) (bool, error) {
	for _, c := range r.conds {
		v := kvb.Get([]byte(c.Key))
		var mod int64
		if len(v) >= header {
			mod = int64(binary.BigEndian.Uint64(v[8:]))
		}
		if !c.Holds(v != nil, mod) {
			r.err = &store.ConflictError{Cond: c}
			return false, nil
		}
	}
	var seq uint32
	logEvent := func(ev store.Event) error {
		err := logb.Put(logKey(rev, seq), encodeEvent(ev))
		seq++
		return err
	}
	del := func(key []byte) error {
		if kvb.Get(key) == nil {
			return nil
		}
		if err := kvb.Delete(key); err != nil {
			return err
		}
		return logEvent(store.Event{Type: store.EventDelete, KV: store.KV{Key: string(key), ModRevision: rev}})
	}
	for _, op := range r.ops {
		key := []byte(op.Key)
		switch op.Kind {
		case store.OpPut:
			create, version := rev, int64(1)
			if old := kvb.Get(key); len(old) >= header {
				create = int64(binary.BigEndian.Uint64(old[0:]))
				version = int64(binary.BigEndian.Uint64(old[16:])) + 1
			}
			if err := kvb.Put(key, encodeEntry(create, rev, version, op.Value)); err != nil {
				return false, err
			}
			kv := store.KV{Key: op.Key, Value: op.Value, CreateRevision: create, ModRevision: rev, Version: version}
			if err := logEvent(store.Event{Type: store.EventPut, KV: kv}); err != nil {
				return false, err
			}
		case store.OpDelete:
			if err := del(key); err != nil {
				return false, err
			}
		case store.OpDeletePrefix:
			var doomed [][]byte
			c := kvb.Cursor()
			for k, _ := c.Seek(key); k != nil && strings.HasPrefix(string(k), op.Key); k, _ = c.Next() {
				doomed = append(doomed, append([]byte(nil), k...))
			}
			for _, k := range doomed {
				if err := del(k); err != nil {
					return false, err
				}
			}
		}
	}
	return seq > 0, nil
}

// trimLog deletes log records of revisions up to and including upTo.
func trimLog(logb *bbolt.Bucket, upTo int64) error {
	c := logb.Cursor()
	for k, _ := c.First(); k != nil && int64(binary.BigEndian.Uint64(k)) <= upTo; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
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
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, store.ErrClosed
	}
	if fromRev == 0 {
		fromRev = s.rev.Load() + 1
	} else if c := s.compacted.Load(); fromRev <= c {
		return backend.Failed(fmt.Errorf("%w: watch from %d, history kept from %d", store.ErrCompacted, fromRev, c+1)), nil
	}
	return backend.Start(ctx, s.hub, prefix, fromRev, s.read), nil
}

// Compact implements store.Compactor. It goes through the committer, like
// any write, and is durable when it returns.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rev < 0 {
		return &store.InvalidError{Reason: fmt.Sprintf("compact to revision %d", rev)}
	}
	_, err := s.submit(ctx, &request{compact: rev, done: make(chan struct{})})
	return err
}

func (s *Store) read(prefix string, from int64, batch int) ([]store.Event, int64, bool, error) {
	var evs []store.Event
	next, more := from, false
	err := s.view(func(tx *bbolt.Tx) error {
		if from <= getInt(tx.Bucket(bucketMeta).Get(metaComp)) {
			return store.ErrCompacted
		}
		c := tx.Bucket(bucketLog).Cursor()
		for k, v := c.Seek(logKey(from, 0)); k != nil; k, v = c.Next() {
			rev := int64(binary.BigEndian.Uint64(k))
			if len(evs) >= batch && rev != next-1 {
				more = true
				return nil
			}
			next = rev + 1
			if !strings.HasPrefix(keyOf(v), prefix) {
				continue
			}
			ev, err := decodeEvent(v)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		if cur := getInt(tx.Bucket(bucketMeta).Get(metaRev)); next <= cur {
			next = cur + 1
		}
		return nil
	})
	if err != nil {
		return nil, from, false, err
	}
	return evs, next, more, nil
}

// keyOf returns the key of an encoded log record, or "" if it is corrupt
// (decodeEvent then reports the corruption).
func keyOf(b []byte) string {
	if len(b) < 1 {
		return ""
	}
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || uint64(len(b)-1-w) < n {
		return ""
	}
	return string(b[1+w : 1+w+int(n)])
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
	return s.rev.Load(), nil
}

// Close implements store.Store: it waits for the commit under way, fails
// writes still queued with store.ErrClosed, ends watches and closes the
// file. Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.stopped
	s.hub.Close()
	return s.db.Close()
}
