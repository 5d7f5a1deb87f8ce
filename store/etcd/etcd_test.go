package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/storetest"
)

func TestIntegrationConformance(t *testing.T) {
	srv := etcdtest.Start(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := etcd.Open(context.Background(), etcd.Options{
			Endpoints: []string{srv.Endpoint},
			Prefix:    fmt.Sprintf("/conformance/%d/", n.Add(1)),
		})
		require.NoError(t, err)
		return s
	})
}

// TestIntegrationTwoProcessesShare: two stores on one cluster and prefix
// see each other's writes and changes.
func TestIntegrationTwoProcessesShare(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	open := func() *etcd.Store {
		s, err := etcd.Open(ctx, etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/shared/"})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	ch, err := b.Watch(ctx, "net/", 0)
	require.NoError(t, err)
	rev, err := a.Put(ctx, "net/1", []byte("x"))
	require.NoError(t, err)
	ev := storetest.Next(t, ch)
	require.NoError(t, ev.Err)
	assert.Equal(t, "net/1", ev.KV.Key)
	assert.Equal(t, rev, ev.KV.ModRevision)
	kv, err := b.Get(ctx, "net/1")
	require.NoError(t, err)
	assert.Equal(t, "x", string(kv.Value))

	// Prefixes isolate: another prefix sees nothing.
	other, err := etcd.Open(ctx, etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/other/"})
	require.NoError(t, err)
	defer other.Close()
	_, err = other.Get(ctx, "net/1")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestOpenNoServer(t *testing.T) {
	ctx := context.Background()
	_, err := etcd.Open(ctx, etcd.Options{})
	assert.ErrorIs(t, err, store.ErrInvalid)
}

// TestIntegrationUnavailable: with etcd down, calls fail with
// ErrUnavailable within the request timeout and, once the connection is
// known to be down, at once; when etcd is back, service resumes within
// about a second.
func TestIntegrationUnavailable(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/avail/", RequestTimeout: time.Second})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Put(ctx, "k", []byte("v"))
	require.NoError(t, err)

	srv.Stop()
	start := time.Now()
	_, err = s.Get(ctx, "k")
	assert.ErrorIs(t, err, store.ErrUnavailable)
	assert.Less(t, time.Since(start), 1500*time.Millisecond, "a call waited past its request timeout")
	_, err = s.Put(ctx, "k2", nil)
	assert.ErrorIs(t, err, store.ErrUnavailable)
	// Once the keepalive has noticed, calls fail at once.
	require.Eventually(t, func() bool {
		t0 := time.Now()
		_, err := s.Get(ctx, "k")
		return errors.Is(err, store.ErrUnavailable) && time.Since(t0) < 50*time.Millisecond
	}, 5*time.Second, 50*time.Millisecond, "calls kept waiting on a cluster known to be down")
	// The caller's own deadline is the caller's error, not the store's.
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	_, err = s.Get(short, "k")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	srv.Restart(t)
	back := time.Now()
	require.Eventually(t, func() bool { _, err := s.Get(ctx, "k"); return err == nil }, 10*time.Second, 10*time.Millisecond)
	resumed := time.Since(back)
	t.Logf("service resumed %v after etcd answered again", resumed)
	assert.Less(t, resumed, 2*time.Second)
	kv, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(kv.Value))
}
