package etcd_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
	ev := <-ch
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

func TestIntegrationWatchCompacted(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Options{Endpoints: []string{srv.Endpoint}})
	require.NoError(t, err)
	defer s.Close()
	var first int64
	for i := range 10 {
		r, err := s.Put(ctx, fmt.Sprintf("k%d", i), nil)
		require.NoError(t, err)
		if i == 0 {
			first = r
		}
	}
	cur, err := s.Revision(ctx)
	require.NoError(t, err)
	_, err = srv.Client(t).Compact(ctx, cur)
	require.NoError(t, err)
	ch, err := s.Watch(ctx, "", first)
	require.NoError(t, err)
	ev := <-ch
	assert.ErrorIs(t, ev.Err, store.ErrCompacted)
}

func TestOpenNoServer(t *testing.T) {
	ctx := context.Background()
	_, err := etcd.Open(ctx, etcd.Options{})
	assert.ErrorIs(t, err, store.ErrInvalid)
}
