package cluster_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/netslice/netslice/openflow/cluster"
	"github.com/netslice/netslice/store/etcd/etcdtest"
)

// recorder is a Member that remembers what it was told.
type recorder struct {
	mu     sync.Mutex
	master bool
	gen    uint64
	calls  int
	at     time.Time
}

func (r *recorder) SetRole(master bool, gen uint64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.master, r.gen, r.at = master, gen, time.Now()
	r.calls++
	return nil
}

func (r *recorder) role() (bool, uint64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.master, r.gen, r.at
}

type node struct {
	name string
	cl   *cluster.Cluster
	rec  *recorder
	cli  *clientv3.Client
	stop context.CancelFunc
	done chan struct{}
}

func client(t *testing.T, endpoint string) *clientv3.Client {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop(),
		DialKeepAliveTime: time.Second, DialKeepAliveTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close() })
	return cli
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func start(t *testing.T, endpoint, name string) *node {
	return startWith(t, endpoint, cluster.Options{Name: name})
}

func startWith(t *testing.T, endpoint string, opts cluster.Options) *node {
	cli := client(t, endpoint)
	name := opts.Name
	opts.ID, opts.Lease, opts.Addr = "test", time.Second, freeAddr(t)
	if os.Getenv("CLUSTER_DEBUG") != "" {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil)).With("node", name)
	}
	cl, err := cluster.New(cli, opts)
	require.NoError(t, err)
	n := &node{name: name, cl: cl, rec: &recorder{}, cli: cli, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = func() { cancel(); <-n.done }
	go func() { defer close(n.done); cl.Run(ctx, n.rec) }()
	t.Cleanup(n.stop)
	return n
}

// master waits until exactly one of nodes is master, every one of them
// agrees on it, and returns it.
func master(t *testing.T, nodes ...*node) *node {
	t.Helper()
	var m *node
	require.Eventually(t, func() bool {
		m = nil
		var gen uint64
		for _, n := range nodes {
			is, g, _ := n.rec.role()
			st := n.cl.Status()
			if is {
				if m != nil {
					return false
				}
				m = n
			}
			if gen == 0 {
				gen = g
			}
			if g != gen || st.Generation != g || !st.Connected {
				return false
			}
		}
		if m == nil {
			return false
		}
		for _, n := range nodes {
			if n.cl.Status().Master != m.name {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "no single master all agree on")
	return m
}

func without(nodes []*node, x *node) []*node {
	var out []*node
	for _, n := range nodes {
		if n != x {
			out = append(out, n)
		}
	}
	return out
}

// TestElection: servers elect one master; it steps down when stopped and
// another takes over at once with a newer generation; a master whose etcd
// client is gone stops being master and tells the others, which revoke
// its lease; a master whose process dies (its sockets closed) is replaced
// at once as well.
func TestElection(t *testing.T) {
	etcd := etcdtest.Start(t)
	nodes := []*node{start(t, etcd.Endpoint, "a"), start(t, etcd.Endpoint, "b"), start(t, etcd.Endpoint, "c"),
		start(t, etcd.Endpoint, "d")}
	m := master(t, nodes...)
	_, gen, _ := m.rec.role()

	stopped := time.Now()
	m.stop()
	is, _, _ := m.rec.role()
	assert.False(t, is, "a master that stops is told it is a slave first")
	nodes = without(nodes, m)
	m2 := master(t, nodes...)
	_, gen2, at := m2.rec.role()
	assert.Greater(t, gen2, gen, "the generation grows")
	assert.Less(t, at.Sub(stopped), 500*time.Millisecond, "a master that steps down is replaced at once")

	cutOff := time.Now()
	m2.cli.Close() // no renewals, no resignation, no revocation; the process lives
	nodes = without(nodes, m2)
	m3 := master(t, nodes...)
	_, gen3, at3 := m3.rec.role()
	assert.Greater(t, gen3, gen2)
	is, _, _ = m2.rec.role()
	assert.False(t, is, "a master without etcd is a slave")
	t.Logf("takeover from a master whose etcd client is gone: %v", at3.Sub(cutOff))
	assert.Less(t, at3.Sub(cutOff), 2500*time.Millisecond, "within the lease of 1 s")

	died := time.Now()
	m3.cli.Close()
	m3.stop() // its listener and connections close, as a dead process's do
	m4 := master(t, without(nodes, m3)...)
	_, gen4, at4 := m4.rec.role()
	assert.Greater(t, gen4, gen3)
	t.Logf("takeover from a master whose process died: %v", at4.Sub(died))
	assert.Less(t, at4.Sub(died), 500*time.Millisecond, "its lease is revoked at once")
}

// TestSecretAndPublish: the servers share one secret; only the master
// publishes a switch's master, and every server reports it until the
// master's lease goes.
func TestSecretAndPublish(t *testing.T) {
	etcd := etcdtest.Start(t)
	nodes := []*node{start(t, etcd.Endpoint, "a"), start(t, etcd.Endpoint, "b")}
	ctx := context.Background()
	s1, err := nodes[0].cl.Secret(ctx)
	require.NoError(t, err)
	s2, err := nodes[1].cl.Secret(ctx)
	require.NoError(t, err)
	assert.Len(t, s1, 32)
	assert.Equal(t, s1, s2)

	m := master(t, nodes...)
	slave := without(nodes, m)[0]
	_, gen, _ := m.rec.role()
	since := time.Now().Truncate(time.Millisecond)
	require.NoError(t, m.cl.Publish(ctx, 0xa1, gen, since))
	assert.ErrorIs(t, slave.cl.Publish(ctx, 0xa1, gen, since), cluster.ErrNotMaster)
	assert.ErrorIs(t, m.cl.Publish(ctx, 0xa1, gen-1, since), cluster.ErrNotMaster, "an older generation")
	for _, n := range nodes {
		require.Eventually(t, func() bool { return len(n.cl.Status().Switches) == 1 }, 5*time.Second, 10*time.Millisecond)
		sw := n.cl.Status().Switches[0]
		assert.Equal(t, cluster.SwitchMaster{Datapath: 0xa1, Master: m.name, Generation: gen, Since: since.UTC()}, sw)
	}
	m.stop()
	require.Eventually(t, func() bool { return len(slave.cl.Status().Switches) == 0 }, 5*time.Second, 10*time.Millisecond,
		"the record goes with its master's lease")
}

// TestPartition: a master cut off etcd stops being master within its
// lease, before another takes over; when etcd is back it stands again
// and stays a slave.
func TestPartition(t *testing.T) {
	etcd := etcdtest.Start(t)
	px := etcd.Proxy(t)
	cut := start(t, px.Endpoint, "cut")
	m := master(t, cut) // first, alone: it is master
	require.Equal(t, cut, m)
	other := start(t, etcd.Endpoint, "other")
	master(t, cut, other)
	_, gen, _ := cut.rec.role()

	at := time.Now()
	px.Cut()
	require.Eventually(t, func() bool { is, _, _ := cut.rec.role(); return !is }, 3*time.Second, 5*time.Millisecond)
	_, _, demoted := cut.rec.role()
	require.Eventually(t, func() bool { is, _, _ := other.rec.role(); return is }, 5*time.Second, 5*time.Millisecond)
	_, gen2, promoted := other.rec.role()
	t.Logf("cut off at 0; demoted itself after %v; the other master after %v", demoted.Sub(at), promoted.Sub(at))
	assert.Less(t, demoted.Sub(at), time.Second, "stops within its lease")
	assert.True(t, demoted.Before(promoted), "stops before another takes over")
	assert.Greater(t, gen2, gen)

	px.Restore(t)
	require.Eventually(t, func() bool { return cut.cl.Status().Connected }, 10*time.Second, 20*time.Millisecond, "back in the cluster")
	m = master(t, cut, other)
	assert.Equal(t, other, m, "the old master rejoins as a slave")
}

// TestStepDown: a master that loses a switch another server still reaches
// steps down for it after the grace time, and the other, reaching more,
// stays master when the first gets the switch back.
func TestStepDown(t *testing.T) {
	etcd := etcdtest.Start(t)
	var mu sync.Mutex
	switches := map[string][]uint64{"a": {1, 2}, "b": {1, 2}}
	connected := func(name string) func() []uint64 {
		return func() []uint64 {
			mu.Lock()
			defer mu.Unlock()
			return switches[name]
		}
	}
	a := startWith(t, etcd.Endpoint, cluster.Options{Name: "a", Connected: connected("a"), SwitchGrace: 500 * time.Millisecond})
	m := master(t, a)
	b := startWith(t, etcd.Endpoint, cluster.Options{Name: "b", Connected: connected("b"), SwitchGrace: 500 * time.Millisecond})
	require.Equal(t, a, master(t, a, b))
	time.Sleep(time.Second)
	require.Equal(t, a, master(t, a, b), "equal reach: no handover")
	_, gen, _ := m.rec.role()

	mu.Lock()
	switches["a"] = []uint64{1}
	mu.Unlock()
	lostAt := time.Now()
	require.Eventually(t, func() bool { is, _, _ := b.rec.role(); return is }, 5*time.Second, 10*time.Millisecond)
	_, gen2, at := b.rec.role()
	t.Logf("handed over %v after the master lost a switch", at.Sub(lostAt))
	assert.Greater(t, gen2, gen)
	assert.Equal(t, b, master(t, a, b))

	mu.Lock()
	switches["a"] = []uint64{1, 2}
	mu.Unlock()
	time.Sleep(time.Second)
	assert.Equal(t, b, master(t, a, b), "the old master, whole again, does not take back")
}
