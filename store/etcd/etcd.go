// Package etcd is the distributed store.Store, on an etcd v3 cluster
// through go.etcd.io/etcd/client/v3. Several netslice processes, on one
// machine or many, that open the same cluster and prefix share one
// configuration and see each other's changes through Watch.
//
// # Semantics
//
// Revisions are etcd's: shared by the whole cluster, so the revisions one
// Store hands out strictly increase but skip those written under other
// prefixes. A write that returned is committed by a quorum. The history
// Watch can resume from is what the cluster has not compacted.
//
// Keys live under Options.Prefix (through the client's namespace), so
// several applications can share one cluster without seeing each other.
//
// # Availability
//
// Every call has a deadline (Options.RequestTimeout, two seconds), and
// while the connection to the cluster is known to be down a call fails at
// once: either way with an error wrapping store.ErrUnavailable, which a
// server turns into 503. Keepalives find a dead connection within about
// two seconds, and reconnection is retried at most a second apart, so
// service resumes within about a second of the cluster's return.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/namespace"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/internal/backend"
)

// Options say which cluster to use.
type Options struct {
	// Endpoints of the cluster, e.g. "127.0.0.1:2379". Ignored when Client
	// is set.
	Endpoints []string
	// Prefix under which every key is stored, e.g. "/netslice/". Empty
	// means the whole keyspace.
	Prefix string
	// DialTimeout bounds connecting in Open; 0 means five seconds.
	DialTimeout time.Duration
	// RequestTimeout bounds each call (under the caller's own deadline);
	// 0 means two seconds.
	RequestTimeout time.Duration
	// Username and Password authenticate, when the cluster requires it.
	Username, Password string
	// Client is an existing client to use instead of dialling; Close then
	// leaves it open.
	Client *clientv3.Client
}

// Store is an etcd-backed store.Store. Create it with Open.
type Store struct {
	cli     *clientv3.Client
	own     bool
	kv      clientv3.KV
	w       clientv3.Watcher
	timeout time.Duration
	closed  atomic.Bool
	cancel  context.CancelFunc // ends every watch at Close
	ctx     context.Context
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Compactor = (*Store)(nil)
	_ store.Scanner   = (*Store)(nil)
)

// Open connects to the cluster and checks that it answers within
// DialTimeout.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 2 * time.Second
	}
	cli, own := opts.Client, false
	if cli == nil {
		if len(opts.Endpoints) == 0 {
			return nil, &store.InvalidError{Reason: "store/etcd: no endpoints"}
		}
		var err error
		cli, err = clientv3.New(clientv3.Config{
			Endpoints:   opts.Endpoints,
			DialTimeout: opts.DialTimeout,
			Username:    opts.Username,
			Password:    opts.Password,
			Logger:      zap.NewNop(),
			// Find a dead connection in about two seconds, and try again
			// at most a second apart once it is gone.
			DialKeepAliveTime:    time.Second,
			DialKeepAliveTimeout: time.Second,
			PermitWithoutStream:  true,
			DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
				MinConnectTimeout: time.Second,
			})},
		})
		if err != nil {
			return nil, fmt.Errorf("store/etcd: connect %v: %w", opts.Endpoints, err)
		}
		own = true
	}
	s := &Store{cli: cli, own: own, kv: cli.KV, w: cli.Watcher, timeout: opts.RequestTimeout}
	if opts.Prefix != "" {
		s.kv = namespace.NewKV(cli.KV, opts.Prefix)
		s.w = namespace.NewWatcher(cli.Watcher, opts.Prefix)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	pctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	if _, err := s.kv.Get(pctx, "\x00", clientv3.WithCountOnly()); err != nil {
		s.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("store/etcd: cluster %v does not answer: %w", cli.Endpoints(), err)
	}
	return s, nil
}

// check returns the error a call must fail with before it starts: a done
// context, a closed store, or a connection known to be down.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	if conn := s.cli.ActiveConnection(); conn != nil && conn.GetState() == connectivity.TransientFailure {
		return fmt.Errorf("%w: etcd %v: not connected", store.ErrUnavailable, s.cli.Endpoints())
	}
	return nil
}

// call returns the context of one call: the caller's, with the store's
// request timeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// fail turns a client error into the store's contract: the caller's
// context error if it ended, store.ErrUnavailable for a timeout of the
// store's own or a cluster that cannot be reached.
func (s *Store) fail(ctx, callCtx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	if callCtx.Err() != nil || status.Code(err) == codes.Unavailable || status.Code(err) == codes.DeadlineExceeded ||
		errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: etcd %s: %v", store.ErrUnavailable, op, err)
	}
	if errors.Is(err, rpctypes.ErrNoSpace) || errors.Is(err, rpctypes.ErrGRPCNoSpace) || status.Code(err) == codes.ResourceExhausted {
		return fmt.Errorf("%w: etcd %s: %v", store.ErrNoSpace, op, err)
	}
	return fmt.Errorf("store/etcd: %s: %w", op, err)
}

func toKV(kv *clientv3.GetResponse, i int) store.KV {
	k := kv.Kvs[i]
	return store.KV{Key: string(k.Key), Value: k.Value, CreateRevision: k.CreateRevision, ModRevision: k.ModRevision, Version: k.Version}
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (store.KV, error) {
	if err := s.check(ctx); err != nil {
		return store.KV{}, err
	}
	if err := store.ValidateKey(key); err != nil {
		return store.KV{}, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.kv.Get(cctx, key)
	if err != nil {
		return store.KV{}, s.fail(ctx, cctx, "get", err)
	}
	if len(resp.Kvs) == 0 {
		return store.KV{}, store.ErrNotFound
	}
	return toKV(resp, 0), nil
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
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := store.ValidateKey(key); err != nil {
		return 0, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.kv.Delete(cctx, key)
	if err != nil {
		return 0, s.fail(ctx, cctx, "delete", err)
	}
	if resp.Deleted == 0 {
		return 0, store.ErrNotFound
	}
	return resp.Header.Revision, nil
}

// rangeOf returns the key and options that select every key with prefix;
// the empty prefix selects the whole keyspace.
func rangeOf(prefix string) (string, []clientv3.OpOption) {
	if prefix == "" {
		return "\x00", []clientv3.OpOption{clientv3.WithFromKey()}
	}
	return prefix, []clientv3.OpOption{clientv3.WithPrefix()}
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, prefix, startAfter string, limit int) ([]store.KV, bool, error) {
	if err := s.check(ctx); err != nil {
		return nil, false, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, false, err
	}
	limit = store.ClampLimit(limit)
	from := prefix
	if startAfter >= prefix {
		from = startAfter + "\x00"
	}
	if from == "" {
		from = "\x00"
	}
	end := store.PrefixEnd(prefix)
	opts := []clientv3.OpOption{clientv3.WithLimit(int64(limit) + 1)}
	if end == "" {
		opts = append(opts, clientv3.WithFromKey())
	} else {
		if from >= end {
			return nil, false, nil
		}
		opts = append(opts, clientv3.WithRange(end))
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.kv.Get(cctx, from, opts...)
	if err != nil {
		return nil, false, s.fail(ctx, cctx, "list", err)
	}
	n := min(len(resp.Kvs), limit)
	page := make([]store.KV, 0, n)
	for i := range n {
		page = append(page, toKV(resp, i))
	}
	return page, len(resp.Kvs) > limit || resp.More && len(resp.Kvs) == limit, nil
}

// Scan implements store.Scanner (a List, handed over item by item).
func (s *Store) Scan(ctx context.Context, prefix, startAfter string, limit int, fn func(key, value []byte) error) (bool, error) {
	page, more, err := s.List(ctx, prefix, startAfter, limit)
	if err != nil {
		return false, err
	}
	for _, kv := range page {
		if err := fn([]byte(kv.Key), kv.Value); err != nil {
			return false, err
		}
	}
	return more, nil
}

// Txn implements store.Store.
func (s *Store) Txn(ctx context.Context, conds []store.Cond, ops []store.Op) (int64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := store.ValidateTxn(conds, ops); err != nil {
		return 0, err
	}
	cmps := make([]clientv3.Cmp, 0, len(conds))
	for _, c := range conds {
		switch c.Kind {
		case store.CondExists:
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(c.Key), ">", 0))
		case store.CondAbsent:
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(c.Key), "=", 0))
		case store.CondModRevision:
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(c.Key), "=", c.Revision))
		}
	}
	thens := make([]clientv3.Op, 0, len(ops))
	for _, op := range ops {
		switch op.Kind {
		case store.OpPut:
			thens = append(thens, clientv3.OpPut(op.Key, string(op.Value)))
		case store.OpDelete:
			thens = append(thens, clientv3.OpDelete(op.Key))
		case store.OpDeletePrefix:
			thens = append(thens, clientv3.OpDelete(op.Key, clientv3.WithPrefix()))
		}
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.kv.Txn(cctx).If(cmps...).Then(thens...).Commit()
	if err != nil {
		return 0, s.fail(ctx, cctx, "txn", err)
	}
	if !resp.Succeeded {
		return 0, s.conflict(cctx, conds)
	}
	return resp.Header.Revision, nil
}

// conflict finds which condition failed, for the error message. The
// transaction has already failed; a condition that holds again by now is
// reported as an unnamed conflict.
func (s *Store) conflict(ctx context.Context, conds []store.Cond) error {
	for _, c := range conds {
		resp, err := s.kv.Get(ctx, c.Key)
		if err != nil {
			break
		}
		found, mod := len(resp.Kvs) > 0, int64(0)
		if found {
			mod = resp.Kvs[0].ModRevision
		}
		if !c.Holds(found, mod) {
			return &store.ConflictError{Cond: c}
		}
	}
	return &store.ConflictError{}
}

// Watch implements store.Store.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan store.Event, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	if fromRev < 0 {
		return nil, &store.InvalidError{Reason: "negative revision"}
	}
	key, opts := rangeOf(prefix)
	if fromRev > 0 {
		opts = append(opts, clientv3.WithRev(fromRev))
	}
	// The watch ends with ctx or with Close, whichever comes first.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	stop := context.AfterFunc(s.ctx, cancel)
	wch := s.w.Watch(wctx, key, opts...)
	out := make(chan store.Event, 256)
	go func() {
		defer close(out)
		defer stop()
		defer cancel()
		send := func(ev store.Event) bool {
			select {
			case out <- ev:
				return true
			case <-wctx.Done():
				return false
			}
		}
		for wr := range wch {
			if wr.CompactRevision != 0 {
				send(store.Event{Err: fmt.Errorf("%w: watch from %d, compacted up to %d", store.ErrCompacted, fromRev, wr.CompactRevision)})
				return
			}
			if err := wr.Err(); err != nil {
				if wctx.Err() == nil {
					send(store.Event{Err: fmt.Errorf("store/etcd: watch: %w", err)})
				}
				return
			}
			for _, e := range wr.Events {
				ev := store.Event{Type: store.EventPut, KV: store.KV{
					Key: string(e.Kv.Key), Value: e.Kv.Value, CreateRevision: e.Kv.CreateRevision,
					ModRevision: e.Kv.ModRevision, Version: e.Kv.Version,
				}}
				if e.Type == clientv3.EventTypeDelete {
					ev.Type, ev.KV.Value = store.EventDelete, nil
				}
				if !send(ev) {
					return
				}
			}
		}
	}()
	return out, nil
}

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.kv.Get(cctx, "\x00", clientv3.WithCountOnly())
	if err != nil {
		return 0, s.fail(ctx, cctx, "revision", err)
	}
	return resp.Header.Revision, nil
}

// Compact implements store.Compactor. etcd's revisions are the cluster's:
// this drops the history of every prefix, not only this store's.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.cli.Compact(cctx, rev, clientv3.WithCompactPhysical()); err != nil {
		if rpctypes.Error(err) == rpctypes.ErrCompacted {
			return nil // already compacted past rev
		}
		if rpctypes.Error(err) == rpctypes.ErrFutureRev {
			return &store.InvalidError{Reason: fmt.Sprintf("compact to revision %d: %v", rev, err)}
		}
		return s.fail(ctx, cctx, "compact", err)
	}
	return nil
}

// Close implements store.Store: it ends every watch and, unless the client
// was given in Options, closes it. Closing twice is a no-op.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	if s.own {
		return s.cli.Close()
	}
	return nil
}
