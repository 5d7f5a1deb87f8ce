package neutron_test

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/rbacpolicies"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/addressgroups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// TestRBACSharedNetwork: a network shared with one project is that
// project's to see and to put ports on, not to change; the grant is its
// owner's to see, and stays while the project relies on it.
func TestRBACSharedNetwork(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	alice, bob := e.client("alice-token"), e.client("bob-token")
	n := e.network("alice-token", "n")
	sub := e.subnet("alice-token", n, "10.0.0.0/24")
	_, err := networks.Get(ctx, bob, n).Extract()
	expectFault(t, err, 404, "NetworkNotFound")

	pol, err := rbacpolicies.Create(ctx, alice, rbacpolicies.CreateOpts{Action: rbacpolicies.ActionAccessShared,
		ObjectType: "network", ObjectID: n, TargetTenant: "project-b"}).Extract()
	require.NoError(t, err)
	_, err = networks.Get(ctx, bob, n).Extract()
	require.NoError(t, err)
	_, err = subnets.Get(ctx, bob, sub).Extract()
	require.NoError(t, err, "its subnets come with it")
	p, err := ports.Create(ctx, bob, ports.CreateOpts{NetworkID: n}).Extract()
	require.NoError(t, err)
	name := "mine now"
	_, err = networks.Update(ctx, bob, n, networks.UpdateOpts{Name: &name}).Extract()
	assert.Error(t, err, "shared is not owned")
	_, err = rbacpolicies.Get(ctx, bob, pol.ID).Extract()
	expectFault(t, err, 404, "RbacPolicyNotFound")

	_, err = rbacpolicies.Create(ctx, alice, rbacpolicies.CreateOpts{Action: rbacpolicies.ActionAccessShared,
		ObjectType: "network", ObjectID: n, TargetTenant: "project-b"}).Extract()
	expectFault(t, err, 409, "DuplicateRbacPolicy")
	err = rbacpolicies.Delete(ctx, alice, pol.ID).ExtractErr()
	expectFault(t, err, 409, "RbacPolicyInUse")
	_, err = rbacpolicies.Update(ctx, alice, pol.ID, rbacpolicies.UpdateOpts{TargetTenant: "project-c"}).Extract()
	expectFault(t, err, 409, "RbacPolicyInUse")
	// A wildcard grant covers project-b too: now the first may go.
	all, err := rbacpolicies.Create(ctx, alice, rbacpolicies.CreateOpts{Action: rbacpolicies.ActionAccessShared,
		ObjectType: "network", ObjectID: n, TargetTenant: "*"}).Extract()
	require.NoError(t, err)
	require.NoError(t, rbacpolicies.Delete(ctx, alice, pol.ID).ExtractErr())
	require.NoError(t, ports.Delete(ctx, bob, p.ID).ExtractErr())
	require.NoError(t, rbacpolicies.Delete(ctx, alice, all.ID).ExtractErr())
	_, err = networks.Get(ctx, bob, n).Extract()
	expectFault(t, err, 404, "NetworkNotFound")
}

// TestRBACExternalNetwork: access_as_external makes a network external
// to one project: its routers' gateways and its floating IPs.
func TestRBACExternalNetwork(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	admin, bob := e.client("admin-token"), e.client("bob-token")
	status, body := e.raw("admin-token", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "upstream"}})
	require.Equal(t, 201, status)
	up := body["network"].(map[string]any)["id"].(string)
	e.subnet("admin-token", up, "198.51.100.0/24")
	_, err := routers.Create(ctx, bob, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: up}}).Extract()
	assert.Error(t, err)
	pol, err := rbacpolicies.Create(ctx, admin, rbacpolicies.CreateOpts{Action: rbacpolicies.ActionAccessExternal,
		ObjectType: "network", ObjectID: up, TargetTenant: "project-b"}).Extract()
	require.NoError(t, err)
	r, err := routers.Create(ctx, bob, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: up}}).Extract()
	require.NoError(t, err)
	fip, err := floatingips.Create(ctx, bob, floatingips.CreateOpts{FloatingNetworkID: up}).Extract()
	require.NoError(t, err)
	_, err = floatingips.Create(ctx, e.client("alice-token"), floatingips.CreateOpts{FloatingNetworkID: up}).Extract()
	assert.Error(t, err, "not external to project-a")
	err = rbacpolicies.Delete(ctx, admin, pol.ID).ExtractErr()
	expectFault(t, err, 409, "RbacPolicyInUse")
	require.NoError(t, floatingips.Delete(ctx, bob, fip.ID).ExtractErr())
	require.NoError(t, routers.Delete(ctx, bob, r.ID).ExtractErr())
	require.NoError(t, rbacpolicies.Delete(ctx, admin, pol.ID).ExtractErr())
}

// TestRBACSharedGroupAndPool: a security group and a subnet pool shared
// with a project are that project's to use.
func TestRBACSharedGroupAndPool(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	alice, bob := e.client("alice-token"), e.client("bob-token")
	sg, err := groups.Create(ctx, alice, groups.CreateOpts{Name: "web"}).Extract()
	require.NoError(t, err)
	pool, err := subnetpools.Create(ctx, alice, subnetpools.CreateOpts{Name: "p", Prefixes: []string{"10.5.0.0/16"}, DefaultPrefixLen: 24}).Extract()
	require.NoError(t, err)
	n := e.network("bob-token", "n")
	_, err = subnets.Create(ctx, bob, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
	expectFault(t, err, 404, "SubnetPoolNotFound")
	for _, o := range []rbacpolicies.CreateOpts{
		{Action: rbacpolicies.ActionAccessShared, ObjectType: "security_group", ObjectID: sg.ID, TargetTenant: "project-b"},
		{Action: rbacpolicies.ActionAccessShared, ObjectType: "subnetpool", ObjectID: pool.ID, TargetTenant: "project-b"},
	} {
		_, err := rbacpolicies.Create(ctx, alice, o).Extract()
		require.NoError(t, err, o.ObjectType)
	}
	sub, err := subnets.Create(ctx, bob, subnets.CreateOpts{NetworkID: n, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "10.5.0.0/24", sub.CIDR)
	p, err := ports.Create(ctx, bob, ports.CreateOpts{NetworkID: n, SecurityGroups: &[]string{sg.ID}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{sg.ID}, p.SecurityGroups)
	_, err = groups.Get(ctx, bob, sg.ID).Extract()
	assert.NoError(t, err)
}

// TestRBACRefused: what no policy may say.
func TestRBACRefused(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	n := e.network("alice-token", "n")
	sg, err := groups.Create(ctx, e.client("alice-token"), groups.CreateOpts{Name: "g"}).Extract()
	require.NoError(t, err)
	for _, tc := range []struct {
		token  string
		body   map[string]any
		status int
	}{
		{"alice-token", map[string]any{"object_type": "qos_policy", "object_id": n, "action": "access_as_shared", "target_tenant": "*"}, 400},
		{"alice-token", map[string]any{"object_type": "security_group", "object_id": sg.ID, "action": "access_as_external", "target_tenant": "*"}, 400},
		{"alice-token", map[string]any{"object_type": "network", "object_id": n, "action": "access_as_shared"}, 400},
		{"alice-token", map[string]any{"object_type": "network", "object_id": n, "action": "access_as_shared", "target_tenant": ""}, 400},
		{"bob-token", map[string]any{"object_type": "network", "object_id": n, "action": "access_as_shared", "target_tenant": "project-b"}, 404},
		{"alice-token", map[string]any{"object_type": "network", "object_id": "8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c", "action": "access_as_shared", "target_tenant": "*"}, 404},
	} {
		status, body := e.raw(tc.token, "POST", "/v2.0/rbac-policies", map[string]any{"rbac_policy": tc.body})
		assert.Equal(t, tc.status, status, "%v: %v", tc.body, body)
	}
	status, body := e.raw("admin-token", "GET", "/v2.0/quotas/project-a", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, body["quota"], "rbac_policy")
}

// TestAddressGroups: a list of CIDRs in the order added, changed by
// add_addresses and remove_addresses, named by rules as their remote
// end, and kept while a rule names it.
func TestAddressGroups(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	g, err := addressgroups.Create(ctx, c, addressgroups.CreateOpts{Name: "office", Addresses: []string{"192.0.2.7", "198.51.100.0/24"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.7/32", "198.51.100.0/24"}, g.Addresses)
	g, err = addressgroups.AddAddresses(ctx, c, g.ID, addressgroups.UpdateAddressesOpts{Addresses: []string{"2001:db8::/64"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.7/32", "198.51.100.0/24", "2001:db8::/64"}, g.Addresses)
	_, err = addressgroups.AddAddresses(ctx, c, g.ID, addressgroups.UpdateAddressesOpts{Addresses: []string{"198.51.100.0/24"}}).Extract()
	expectFault(t, err, 400, "AddressesAlreadyExist")
	_, err = addressgroups.RemoveAddresses(ctx, c, g.ID, addressgroups.UpdateAddressesOpts{Addresses: []string{"203.0.113.0/24"}}).Extract()
	expectFault(t, err, 404, "AddressesNotFound")
	g, err = addressgroups.RemoveAddresses(ctx, c, g.ID, addressgroups.UpdateAddressesOpts{Addresses: []string{"192.0.2.7"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"198.51.100.0/24", "2001:db8::/64"}, g.Addresses)
	_, err = addressgroups.Create(ctx, c, addressgroups.CreateOpts{Name: "bad", Addresses: []string{"not-an-address"}}).Extract()
	assert.Error(t, err)

	sg, err := groups.Create(ctx, c, groups.CreateOpts{Name: "web"}).Extract()
	require.NoError(t, err)
	rule := func(extra map[string]any) (int, map[string]any) {
		r := map[string]any{"security_group_id": sg.ID, "direction": "ingress", "ethertype": "IPv4", "remote_address_group_id": g.ID}
		for k, v := range extra {
			r[k] = v
		}
		return e.raw("alice-token", "POST", "/v2.0/security-group-rules", map[string]any{"security_group_rule": r})
	}
	status, body := rule(nil)
	require.Equal(t, 201, status, "%v", body)
	assert.Equal(t, g.ID, body["security_group_rule"].(map[string]any)["remote_address_group_id"])
	status, body = rule(map[string]any{"remote_ip_prefix": "10.0.0.0/8"})
	assert.Equal(t, 400, status, "%v", body)
	status, _ = rule(map[string]any{"remote_address_group_id": "8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c"})
	assert.Equal(t, 404, status)
	status, _ = e.raw("bob-token", "POST", "/v2.0/security-group-rules", map[string]any{"security_group_rule": map[string]any{
		"security_group_id": sg.ID, "direction": "ingress", "remote_address_group_id": g.ID}})
	assert.Equal(t, 404, status, "another project's group and address group")

	err = addressgroups.Delete(ctx, c, g.ID).ExtractErr()
	expectFault(t, err, 409, "AddressGroupInUse")
	require.NoError(t, groups.Delete(ctx, c, sg.ID).ExtractErr())
	require.NoError(t, addressgroups.Delete(ctx, c, g.ID).ExtractErr())
}
