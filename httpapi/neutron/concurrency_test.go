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
		defer a.Close()
		b, err := neutron.NewService(st, neutron.Options{})
		require.NoError(t, err)
		defer b.Close()
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
	defer a.Close()
	b, err := neutron.NewService(st, neutron.Options{})
	require.NoError(t, err)
	defer b.Close()
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
