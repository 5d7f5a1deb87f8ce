package neutron_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// A program uses Neutron's model without serving HTTP: a network, a
// subnet, a port with the first address of its pool.
func Example() {
	svc, err := neutron.NewService(memory.New(nil), neutron.Options{})
	if err != nil {
		panic(err)
	}
	run, stop := context.WithCancel(context.Background())
	defer stop()
	go svc.Run(run) // follows the store: every call waits for its first reading
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "demo"})
	n, _ := svc.CreateNetwork(ctx, neutron.NetworkOptions{Name: neutron.Ptr("web")})
	s, _ := svc.CreateSubnet(ctx, neutron.SubnetOptions{NetworkID: &n.ID, CIDR: neutron.Ptr("10.0.0.0/24"), IPVersion: neutron.Ptr(4)})
	p, _ := svc.CreatePort(ctx, neutron.PortOptions{NetworkID: &n.ID, FixedIPs: []neutron.FixedIP{{SubnetID: s.ID}}})
	fmt.Println(*s.GatewayIP, s.AllocationPools, p.FixedIPs[0].IPAddress)

	// The same attributes as a request spells them.
	_, err = svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "fixed_ips": []neutron.FixedIP{{IPAddress: "10.0.0.2"}}})
	fmt.Println(errors.Is(err, neutron.ErrConflict), neutron.IsType(err, "IpAddressAlreadyAllocated"))
	// Output:
	// 10.0.0.1 [{10.0.0.2 10.0.0.254}] 10.0.0.2
	// true true
}

// Subnets take their CIDRs from a subnet pool, which its owner shares
// with another project through an RBAC policy.
func ExampleService_CreateSubnetPool() {
	svc, err := neutron.NewService(memory.New(nil), neutron.Options{})
	if err != nil {
		panic(err)
	}
	run, stop := context.WithCancel(context.Background())
	defer stop()
	go svc.Run(run)
	ops := neutron.WithCaller(context.Background(), neutron.Caller{Project: "ops"})
	pool, _ := svc.CreateSubnetPool(ops, neutron.SubnetPoolOptions{Name: neutron.Ptr("tenants"),
		Prefixes: []string{"10.64.0.0/16", "10.65.0.0/16"}, DefaultPrefixLen: neutron.Ptr(24)})
	fmt.Println(pool.Prefixes)

	web := neutron.WithCaller(context.Background(), neutron.Caller{Project: "web"})
	n, _ := svc.CreateNetwork(web, neutron.NetworkOptions{Name: neutron.Ptr("front")})
	_, err = svc.CreateSubnet(web, neutron.SubnetOptions{NetworkID: &n.ID, IPVersion: neutron.Ptr(4), SubnetPoolID: &pool.ID})
	fmt.Println(neutron.IsType(err, "SubnetPoolNotFound"))

	svc.CreateRBACPolicy(ops, neutron.RBACPolicyOptions{ObjectType: neutron.Ptr("subnetpool"), ObjectID: &pool.ID,
		Action: neutron.Ptr("access_as_shared"), TargetTenant: neutron.Ptr("web")})
	s, _ := svc.CreateSubnet(web, neutron.SubnetOptions{NetworkID: &n.ID, IPVersion: neutron.Ptr(4), SubnetPoolID: &pool.ID})
	fmt.Println(s.CIDR)
	// Output:
	// [10.64.0.0/15]
	// true
	// 10.64.0.0/24
}
