package neutron_test

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

func (e *env) network(token, name string) string {
	e.t.Helper()
	n, err := networks.Create(context.Background(), e.client(token), networks.CreateOpts{Name: name}).Extract()
	require.NoError(e.t, err)
	return n.ID
}

// expectFault asserts err is a NeutronError of status and type.
func expectFault(t *testing.T, err error, status int, typ string) {
	t.Helper()
	require.Error(t, err)
	s, ty := neutronError(t, err)
	assert.Equal(t, status, s, "status of %v", err)
	assert.Equal(t, typ, ty, "type of %v", err)
}

func TestSubnetValidation(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	net := e.network("alice-token", "n")
	create := func(o subnets.CreateOpts) (*subnets.Subnet, error) {
		o.NetworkID = net
		if o.IPVersion == 0 {
			o.IPVersion = 4
		}
		return subnets.Create(ctx, c, o).Extract()
	}
	_, err := create(subnets.CreateOpts{CIDR: "10.0.0.1/24"})
	expectFault(t, err, 400, "HTTPBadRequest") // not the network address: 10.0.0.0/24 is
	_, err = create(subnets.CreateOpts{CIDR: "not-a-cidr"})
	expectFault(t, err, 400, "HTTPBadRequest")
	_, err = create(subnets.CreateOpts{CIDR: "2001:db8::/64"})
	expectFault(t, err, 400, "InvalidInput") // IPv6 CIDR with ip_version 4
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/24", AllocationPools: []subnets.AllocationPool{{Start: "10.0.1.2", End: "10.0.1.9"}}})
	expectFault(t, err, 400, "OutOfBoundsAllocationPool")
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/24", AllocationPools: []subnets.AllocationPool{{Start: "10.0.0.1", End: "10.0.0.9"}}})
	expectFault(t, err, 409, "GatewayConflictWithAllocationPools")
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/24", AllocationPools: []subnets.AllocationPool{{Start: "10.0.0.2", End: "10.0.0.9"}, {Start: "10.0.0.9", End: "10.0.0.20"}}})
	expectFault(t, err, 400, "OverlappingAllocationPools")
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/24", AllocationPools: []subnets.AllocationPool{{Start: "10.0.0.9", End: "10.0.0.2"}}})
	expectFault(t, err, 400, "InvalidAllocationPool")
	gw := "10.0.9.1"
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/24", GatewayIP: &gw})
	expectFault(t, err, 400, "InvalidInput")

	// Nothing was stored by the refusals.
	all, err := subnets.List(c, nil).AllPages(ctx)
	require.NoError(t, err)
	got, _ := subnets.ExtractSubnets(all)
	assert.Empty(t, got)

	// A custom pool and no gateway.
	none := ""
	sub, err := create(subnets.CreateOpts{CIDR: "10.0.0.0/24", GatewayIP: &none, AllocationPools: []subnets.AllocationPool{{Start: "10.0.0.10", End: "10.0.0.20"}}})
	require.NoError(t, err)
	assert.Empty(t, sub.GatewayIP)
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.128/25"})
	expectFault(t, err, 400, "InvalidInput") // overlaps the first
	p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.10", p.FixedIPs[0].IPAddress)
}

func TestAllocation(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	net := e.network("alice-token", "n")
	sub, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: net, CIDR: "192.168.5.0/29", IPVersion: 4}).Extract()
	require.NoError(t, err)
	// .2 to .6: five addresses.
	var got []string
	for range 3 {
		p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net}).Extract()
		require.NoError(t, err)
		got = append(got, p.FixedIPs[0].IPAddress)
	}
	assert.Equal(t, []string{"192.168.5.2", "192.168.5.3", "192.168.5.4"}, got)
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{{IPAddress: "192.168.5.3"}}}).Extract()
	expectFault(t, err, 409, "IpAddressAlreadyAllocated")
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{{SubnetID: sub.ID, IPAddress: "10.1.1.1"}}}).Extract()
	expectFault(t, err, 400, "InvalidIpForSubnet")
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{{IPAddress: "10.1.1.1"}}}).Extract()
	expectFault(t, err, 400, "InvalidIpForNetwork")
	five, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{{IPAddress: "192.168.5.6"}}}).Extract()
	require.NoError(t, err)
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net}).Extract() // .5
	require.NoError(t, err)
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net}).Extract()
	expectFault(t, err, 409, "IpAddressGenerationFailure")
	// fixed_ips: [] is a port without addresses.
	bare, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{}}).Extract()
	require.NoError(t, err)
	assert.Empty(t, bare.FixedIPs)
	// Moving an address: the old one is free in the same transaction.
	moved, err := ports.Update(ctx, c, five.ID, ports.UpdateOpts{FixedIPs: []ports.IP{}}).Extract()
	require.NoError(t, err)
	assert.Empty(t, moved.FixedIPs)
	bare, err = ports.Update(ctx, c, bare.ID, ports.UpdateOpts{FixedIPs: []ports.IP{{IPAddress: "192.168.5.6"}}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "192.168.5.6", bare.FixedIPs[0].IPAddress)
	// A MAC is unique on its network.
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, MACAddress: bare.MACAddress, FixedIPs: []ports.IP{}}).Extract()
	expectFault(t, err, 409, "MacAddressInUse")
	other := e.network("alice-token", "other")
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: other, MACAddress: bare.MACAddress}).Extract()
	assert.NoError(t, err, "the same MAC on another network")
}

func TestSLAAC(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	net := e.network("alice-token", "n")
	_, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: net, CIDR: "10.0.0.0/24", IPVersion: 4}).Extract()
	require.NoError(t, err)
	v6, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: net, CIDR: "2001:db8:1::/64", IPVersion: 6,
		IPv6AddressMode: "slaac", IPv6RAMode: "slaac"}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "2001:db8:1::1", v6.GatewayIP)
	p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, MACAddress: "fa:16:3e:11:22:33"}).Extract()
	require.NoError(t, err)
	var addrs []string
	for _, f := range p.FixedIPs {
		addrs = append(addrs, f.IPAddress)
	}
	assert.ElementsMatch(t, []string{"10.0.0.2", "2001:db8:1:0:f816:3eff:fe11:2233"}, addrs)
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, FixedIPs: []ports.IP{{SubnetID: v6.ID, IPAddress: "2001:db8:1::99"}}}).Extract()
	expectFault(t, err, 400, "AllocationOnAutoAddressSubnet")
	_, err = subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: net, CIDR: "2001:db8:2::/80", IPVersion: 6, IPv6AddressMode: "slaac"}).Extract()
	expectFault(t, err, 400, "InvalidInput")
}
