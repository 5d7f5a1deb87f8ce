// Package fill puts the benchmarks' bulk of resources into a store
// through the surfaces' own services, as their users would.
package fill

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
)

// Neutron creates nets networks in project "bench", each with a /24
// subnet and perNet ports (bulk creates of 25, one transaction each),
// from 16 clients, and returns the networks' ids. svc must be running.
func Neutron(svc *neutron.Service, nets, perNet int) ([]string, error) {
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "bench", Admin: true})
	ids := make([]string, 0, nets)
	for i := range nets {
		n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": fmt.Sprintf("net-%04d", i)})
		if err != nil {
			return nil, err
		}
		ids = append(ids, n.ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				if err := neutronNetwork(ctx, svc, ids[i], i, perNet); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range nets {
		work <- i
	}
	close(work)
	wg.Wait()
	return ids, errors.Join(errs...)
}

// neutronNetwork gives network id (the i-th) its subnet and ports.
func neutronNetwork(ctx context.Context, svc *neutron.Service, id string, i, perNet int) error {
	if _, err := svc.CreateSubnet(ctx, neutron.Attrs{"network_id": id, "ip_version": 4,
		"cidr": fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)}); err != nil {
		return err
	}
	for k := 0; k < perNet; k += 25 {
		batch := make([]neutron.PortInput, min(25, perNet-k))
		for j := range batch {
			batch[j] = neutron.PortOptions{NetworkID: &id, Name: neutron.Ptr(fmt.Sprintf("port-%08x", rand.Uint32()))}
		}
		if _, err := svc.CreatePorts(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// Sliceable creates nets networks of tenant "bench" with perNet ports
// each, every port at a location of its own (datapath = network + 1).
func Sliceable(svc *sliceable.Service, nets, perNet int) error {
	ctx := context.Background()
	for n := range nets {
		net := fmt.Sprintf("net-%04d", n)
		if _, err := svc.CreateNetwork(ctx, "bench", sliceable.Network{ID: net}); err != nil {
			return err
		}
		for p := range perNet {
			loc := l2.Location{Datapath: l2.DatapathID(n + 1), Port: l2.Port(p + 1), VLAN: l2.Untagged}
			if _, err := svc.CreatePort(ctx, "bench", net, sliceable.Port{ID: fmt.Sprintf("port-%04d", p), Location: loc}); err != nil {
				return err
			}
		}
	}
	return nil
}

// OVirt creates n logical networks, VM networks on VLANs 1 to n.
func OVirt(svc *ovirt.Service, n int) error {
	for i := range n {
		if _, err := svc.CreateNetwork(context.Background(), ovirt.Network{Name: fmt.Sprintf("net-%04d", i),
			VLAN: i%4094 + 1, Usages: []string{"vm"}}); err != nil {
			return err
		}
	}
	return nil
}
