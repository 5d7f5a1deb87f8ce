package neutron_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

// TestSubnetPools: a pool's prefixes merged; subnets take the CIDR they
// name, or the first free block of prefixlen (the default's unless
// given); nothing is given twice; prefixes grow and shrink where no
// subnet is; a pool in use stays.
func TestSubnetPools(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	pool, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "p",
		Prefixes: []string{"10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25"}, DefaultPrefixLen: 26, MaxPrefixLen: 28}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/23"}, pool.Prefixes, "merged")
	assert.Equal(t, 4, pool.IPversion)
	assert.Equal(t, 8, pool.MinPrefixLen)

	n := e.network("alice-token", "n")
	create := func(opts subnets.CreateOpts) (*subnets.Subnet, error) {
		opts.NetworkID, opts.IPVersion, opts.SubnetPoolID = n, 4, pool.ID
		return subnets.Create(ctx, c, opts).Extract()
	}
	a, err := create(subnets.CreateOpts{})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/26", a.CIDR)
	assert.Equal(t, pool.ID, a.SubnetPoolID)
	b, err := create(subnets.CreateOpts{Prefixlen: 25})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.128/25", b.CIDR, "the first free /25")
	c1, err := create(subnets.CreateOpts{CIDR: "10.0.1.16/28"})
	require.NoError(t, err)
	assert.Equal(t, "10.0.1.16/28", c1.CIDR)
	_, err = create(subnets.CreateOpts{CIDR: "10.0.0.0/27"})
	expectFault(t, err, 400, "SubnetAllocationError")
	_, err = create(subnets.CreateOpts{CIDR: "192.168.0.0/24"})
	expectFault(t, err, 400, "SubnetAllocationError")
	_, err = create(subnets.CreateOpts{CIDR: "10.0.1.0/30"})
	expectFault(t, err, 400, "BadRequest") // longer than max_prefixlen
	_, err = create(subnets.CreateOpts{Prefixlen: 23})
	expectFault(t, err, 400, "SubnetAllocationError")
	_, err = subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n, IPVersion: 6, SubnetPoolID: pool.ID}).Extract()
	expectFault(t, err, 400, "BadRequest")

	// Prefixes: added merged; removed only where no subnet is.
	got, err := subnetpools.AddPrefixes(ctx, c, pool.ID, subnetpools.PrefixesOpsOpts{Prefixes: []string{"10.0.2.0/23", "172.16.0.0/16"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/22", "172.16.0.0/16"}, got)
	_, err = subnetpools.RemovePrefixes(ctx, c, pool.ID, subnetpools.PrefixesOpsOpts{Prefixes: []string{"10.0.1.0/24"}}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolPrefixUpdate")
	got, err = subnetpools.RemovePrefixes(ctx, c, pool.ID, subnetpools.PrefixesOpsOpts{Prefixes: []string{"10.0.2.0/24", "172.16.0.0/16"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/23", "10.0.3.0/24"}, got)
	_, err = subnetpools.Update(ctx, c, pool.ID, subnetpools.UpdateOpts{Prefixes: []string{"10.0.0.0/23"}}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolPrefixUpdate")
	_, err = subnetpools.Update(ctx, c, pool.ID, subnetpools.UpdateOpts{MinPrefixLen: 30}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolPrefixBounds")

	// In use: not deleted until its subnets are.
	err = subnetpools.Delete(ctx, c, pool.ID).ExtractErr()
	expectFault(t, err, 409, "SubnetPoolInUse")
	for _, s := range []string{a.ID, b.ID, c1.ID} {
		require.NoError(t, subnets.Delete(ctx, c, s).ExtractErr())
	}
	require.NoError(t, subnetpools.Delete(ctx, c, pool.ID).ExtractErr())
}

// TestSubnetPoolVisibility: another project neither sees nor allocates
// from a pool that is not shared; an admin's shared pool serves all.
func TestSubnetPoolVisibility(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	private, err := subnetpools.Create(ctx, e.client("alice-token"), subnetpools.CreateOpts{Name: "mine", Prefixes: []string{"10.1.0.0/16"}}).Extract()
	require.NoError(t, err)
	bob := e.client("bob-token")
	_, err = subnetpools.Get(ctx, bob, private.ID).Extract()
	expectFault(t, err, 404, "SubnetPoolNotFound")
	n := e.network("bob-token", "n")
	_, err = subnets.Create(ctx, bob, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: private.ID}).Extract()
	expectFault(t, err, 404, "SubnetPoolNotFound")

	status, _ := e.raw("bob-token", "POST", "/v2.0/subnetpools", map[string]any{"subnetpool": map[string]any{"name": "s", "prefixes": []string{"10.2.0.0/16"}, "shared": true}})
	assert.Equal(t, 403, status, "shared is an admin's")
	shared, err := subnetpools.Create(ctx, e.client("admin-token"), subnetpools.CreateOpts{Name: "shared", Prefixes: []string{"10.2.0.0/16"},
		DefaultPrefixLen: 24, Shared: true, IsDefault: true}).Extract()
	require.NoError(t, err)
	sub, err := subnets.Create(ctx, bob, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: shared.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "10.2.0.0/24", sub.CIDR)
	// use_default_subnetpool: the default pool of the IP version.
	status, body := e.raw("bob-token", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": n, "ip_version": 4, "use_default_subnetpool": true}})
	require.Equal(t, 201, status, "%v", body)
	assert.Equal(t, "10.2.1.0/24", apitest.Field[string](t, body, "subnet", "cidr"))
	assert.Equal(t, shared.ID, apitest.Field[string](t, body, "subnet", "subnetpool_id"))
	_, err = subnetpools.Create(ctx, e.client("admin-token"), subnetpools.CreateOpts{Name: "second", Prefixes: []string{"10.3.0.0/16"}, IsDefault: true}).Extract()
	expectFault(t, err, 400, "BadRequest")
}

// TestSubnetPoolQuota: default_quota bounds what one project takes.
func TestSubnetPoolQuota(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	pool, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "p", Prefixes: []string{"10.0.0.0/16"}, DefaultPrefixLen: 24, DefaultQuota: 512}).Extract()
	require.NoError(t, err)
	n := e.network("alice-token", "n")
	for range 2 {
		_, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
		require.NoError(t, err)
	}
	_, err = subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
	expectFault(t, err, 409, "SubnetPoolQuotaExceeded")
}

// TestSubnetPoolConcurrent: subnets taken from one pool at once, through
// services sharing a store, never overlap.
func TestSubnetPoolConcurrent(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e1 := newEnv(t, st, neutron.Options{})
		e2 := newEnv(t, st, neutron.Options{})
		ctx := context.Background()
		pool, err := subnetpools.Create(ctx, e1.client("alice-token"), subnetpools.CreateOpts{Name: "p", Prefixes: []string{"10.0.0.0/20"}, DefaultPrefixLen: 24}).Extract()
		require.NoError(t, err)
		var wg sync.WaitGroup
		cidrs := make(chan string, 16)
		for i := range 16 {
			e := []*env{e1, e2}[i%2]
			wg.Go(func() {
				// Each subnet on a network of its own: the pool, not the
				// network's overlap check, is what keeps them apart.
				status, body := e.raw("alice-token", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "x"}})
				if status != 201 {
					return
				}
				net := body["network"].(map[string]any)["id"].(string)
				s, err := subnets.Create(ctx, e.client("alice-token"), subnets.CreateOpts{NetworkID: net, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
				if assert.NoError(t, err) {
					cidrs <- s.CIDR
				}
			})
		}
		wg.Wait()
		close(cidrs)
		seen := map[string]bool{}
		for c := range cidrs {
			assert.False(t, seen[c], "%s given twice", c)
			seen[c] = true
		}
		assert.Len(t, seen, 16, "the /20 holds sixteen /24s")
	})
}

// TestAddressScopes: pools of the scope's IP version join it, their
// prefixes never overlapping; a scope with pools stays; a shared one
// stays shared.
func TestAddressScopes(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	scope, err := addressscopes.Create(ctx, c, addressscopes.CreateOpts{Name: "s", IPVersion: 4}).Extract()
	require.NoError(t, err)
	name := "renamed"
	got, err := addressscopes.Update(ctx, c, scope.ID, addressscopes.UpdateOpts{Name: &name}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "renamed", got.Name)

	a, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "a", Prefixes: []string{"10.0.0.0/16"}, AddressScopeID: scope.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, scope.ID, a.AddressScopeID)
	_, err = subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "b", Prefixes: []string{"10.0.128.0/17"}, AddressScopeID: scope.ID}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolAssociationToAddressScope")
	b, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "b", Prefixes: []string{"10.1.0.0/16"}, AddressScopeID: scope.ID}).Extract()
	require.NoError(t, err)
	_, err = subnetpools.AddPrefixes(ctx, c, b.ID, subnetpools.PrefixesOpsOpts{Prefixes: []string{"10.0.5.0/24"}}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolAssociationToAddressScope")
	_, err = subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "v6", Prefixes: []string{"2001:db8::/48"}, AddressScopeID: scope.ID}).Extract()
	expectFault(t, err, 400, "IllegalSubnetPoolIpVersionAssociationToAddressScope")
	_, err = subnetpools.Create(ctx, e.client("bob-token"), subnetpools.CreateOpts{Name: "x", Prefixes: []string{"10.9.0.0/16"}, AddressScopeID: scope.ID}).Extract()
	expectFault(t, err, 404, "AddressScopeNotFound")

	err = addressscopes.Delete(ctx, c, scope.ID).ExtractErr()
	expectFault(t, err, 409, "AddressScopeInUse")
	for _, id := range []string{a.ID, b.ID} {
		require.NoError(t, subnetpools.Delete(ctx, c, id).ExtractErr())
	}
	require.NoError(t, addressscopes.Delete(ctx, c, scope.ID).ExtractErr())

	shared, err := addressscopes.Create(ctx, e.client("admin-token"), addressscopes.CreateOpts{Name: "shared", IPVersion: 6, Shared: true}).Extract()
	require.NoError(t, err)
	_, err = addressscopes.Get(ctx, e.client("bob-token"), shared.ID).Extract()
	require.NoError(t, err, "a shared scope is seen by all")
	no := false
	_, err = addressscopes.Update(ctx, e.client("admin-token"), shared.ID, addressscopes.UpdateOpts{Shared: &no}).Extract()
	expectFault(t, err, 400, "AddressScopeUpdateError")
}
