package neutron_test

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// TestPortPolicy: neutron's default policy on what a project may claim
// with a port — no other project's router as its device (409
// DeviceIDNotOwnedByTenant), no chosen MAC or address on another
// project's shared network (403).
func TestPortPolicy(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	alice, bob := e.client("alice-token"), e.client("bob-token")

	// Bob's router, on Bob's network, which he shares.
	bnet, err := networks.Create(ctx, bob, networks.CreateOpts{Name: "shared"}).Extract()
	require.NoError(t, err)
	status, body := e.raw("admin-token", "PUT", "/v2.0/networks/"+bnet.ID, map[string]any{"network": map[string]any{"shared": true}})
	require.Equal(t, 200, status, "%v", body)
	bsub := e.subnet("bob-token", bnet.ID, "10.0.0.0/24")
	r, err := routers.Create(ctx, bob, routers.CreateOpts{Name: "r"}).Extract()
	require.NoError(t, err)

	// Alice claims it as the device of her port.
	anet := e.network("alice-token", "mine")
	for _, owner := range []string{"network:router_interface", "network:router_gateway"} {
		_, err = ports.Create(ctx, alice, ports.CreateOpts{NetworkID: anet, DeviceOwner: owner, DeviceID: r.ID}).Extract()
		expectFault(t, err, 409, "DeviceIDNotOwnedByTenant")
	}
	p, err := ports.Create(ctx, alice, ports.CreateOpts{NetworkID: anet}).Extract()
	require.NoError(t, err)
	owner, dev := "network:router_interface", r.ID
	_, err = ports.Update(ctx, alice, p.ID, ports.UpdateOpts{DeviceOwner: &owner, DeviceID: &dev}).Extract()
	expectFault(t, err, 409, "DeviceIDNotOwnedByTenant")
	require.NoError(t, routers.Delete(ctx, bob, r.ID).ExtractErr(), "Bob can still delete his router")

	// On Bob's shared network, Alice may have a port, not choose its MAC
	// or address.
	_, err = ports.Create(ctx, alice, ports.CreateOpts{NetworkID: bnet.ID, MACAddress: "fa:16:3e:00:00:01"}).Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	_, err = ports.Create(ctx, alice, ports.CreateOpts{NetworkID: bnet.ID, FixedIPs: []ports.IP{{SubnetID: bsub, IPAddress: "10.0.0.1"}}}).Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	onShared, err := ports.Create(ctx, alice, ports.CreateOpts{NetworkID: bnet.ID, FixedIPs: []ports.IP{{SubnetID: bsub}}}).Extract()
	require.NoError(t, err, "a subnet, not an address, she may name")
	_, err = ports.Update(ctx, alice, onShared.ID, ports.UpdateOpts{FixedIPs: []ports.IP{{SubnetID: bsub, IPAddress: "10.0.0.1"}}}).Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	// The network's owner and an admin may.
	_, err = ports.Create(ctx, bob, ports.CreateOpts{NetworkID: bnet.ID, MACAddress: "fa:16:3e:00:00:02", FixedIPs: []ports.IP{{SubnetID: bsub, IPAddress: "10.0.0.9"}}}).Extract()
	assert.NoError(t, err)
	_, err = ports.Create(ctx, e.client("admin-token"), ports.CreateOpts{NetworkID: bnet.ID, MACAddress: "fa:16:3e:00:00:03"}).Extract()
	assert.NoError(t, err)
}
