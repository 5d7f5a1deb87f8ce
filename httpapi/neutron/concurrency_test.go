package neutron_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

// TestConcurrentPorts: two services on one store (two processes, say)
// create ports on one network from 16 goroutines: every port gets its
// own address and MAC, and both services list them all.
func TestConcurrentPorts(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p", Admin: true})
		a, err := neutron.NewService(st, neutron.Options{})
		require.NoError(t, err)
		running(t, a)
		b, err := neutron.NewService(st, neutron.Options{})
		require.NoError(t, err)
		running(t, b)
		n, err := a.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
		require.NoError(t, err)
		_, err = b.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4})
		require.NoError(t, err, "the second service sees the first's network at once")
		const workers, each = 16, 8
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			svc := a
			if w%2 == 1 {
				svc = b
			}
			wg.Go(func() {
				for range each {
					_, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for _, svc := range []*neutron.Service{a, b} {
			ps, err := svc.Ports(ctx, neutron.Query{Filters: map[string][]string{"network_id": {n.ID}}})
			require.NoError(t, err)
			require.Len(t, ps, workers*each)
			ips, macs := map[string]bool{}, map[string]bool{}
			for _, p := range ps {
				ips[p.FixedIPs[0].IPAddress] = true
				macs[p.MACAddress] = true
			}
			assert.Len(t, ips, workers*each)
			assert.Len(t, macs, workers*each)
		}
	})
}

// TestDeleteRacesCreate: deleting a network while ports are being created
// on it leaves either the network with its ports, or neither: never a
// port on a network that is gone.
func TestDeleteRacesCreate(t *testing.T) {
	st := memory.New(nil)
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p", Admin: true})
	a, err := neutron.NewService(st, neutron.Options{})
	require.NoError(t, err)
	running(t, a)
	b, err := neutron.NewService(st, neutron.Options{})
	require.NoError(t, err)
	running(t, b)
	for round := range 20 {
		n, err := a.CreateNetwork(ctx, neutron.Attrs{"name": fmt.Sprint(round)})
		require.NoError(t, err)
		var wg sync.WaitGroup
		var delErr error
		wg.Go(func() { delErr = b.DeleteNetwork(ctx, n.ID, -1) })
		for range 4 {
			wg.Go(func() { a.CreatePort(ctx, neutron.Attrs{"network_id": n.ID}) })
		}
		wg.Wait()
		ps, err := a.Ports(ctx, neutron.Query{Filters: map[string][]string{"network_id": {n.ID}}})
		require.NoError(t, err)
		_, getErr := a.Network(ctx, n.ID)
		if delErr == nil {
			assert.True(t, neutron.IsType(getErr, "NetworkNotFound"))
			assert.Empty(t, ps, "round %d: ports outlived their network", round)
		} else {
			assert.True(t, neutron.IsType(delErr, "NetworkInUse"), "round %d: %v", round, delErr)
			assert.NoError(t, getErr)
			assert.NotEmpty(t, ps)
		}
	}
}

// TestQuotaRace: 16 goroutines create networks against a quota of 10:
// one process never creates more than the quota; two servers racing for
// the last slots with one creation each in flight never both get one.
func TestQuotaRace(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p"})
		a, err := neutron.NewService(st, neutron.Options{Quotas: map[string]int{"network": 10}})
		require.NoError(t, err)
		running(t, a)
		count := func() int {
			ns, err := a.Networks(ctx, neutron.Query{})
			require.NoError(t, err)
			return len(ns)
		}
		race := func(svcs []*neutron.Service, workers, each int) (created, refused int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for range each {
						_, err := svcs[w%len(svcs)].CreateNetwork(ctx, neutron.Attrs{"name": "n"})
						mu.Lock()
						switch {
						case err == nil:
							created++
						case neutron.IsType(err, "OverQuota"):
							refused++
						default:
							t.Error(err)
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return
		}
		created, refused := race([]*neutron.Service{a}, 16, 2)
		assert.Equal(t, 10, created)
		assert.Equal(t, 22, refused)
		assert.Equal(t, 10, count())

		// Two servers, each with one creation in flight at a time, for the
		// last slots, many times over.
		b, err := neutron.NewService(st, neutron.Options{Quotas: map[string]int{"network": 10}})
		require.NoError(t, err)
		running(t, b)
		ns, err := a.Networks(ctx, neutron.Query{})
		require.NoError(t, err)
		for round := range 5 {
			for _, n := range ns[:2] {
				require.NoError(t, a.DeleteNetwork(ctx, n.ID, -1))
			}
			ns = ns[2:]
			created, _ := race([]*neutron.Service{a, b}, 2, 3)
			assert.Equal(t, 2, created, "round %d", round)
			require.Equal(t, 10, count(), "round %d", round)
			ns, err = a.Networks(ctx, neutron.Query{})
			require.NoError(t, err)
		}
	})
}
