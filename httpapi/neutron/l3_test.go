package neutron_test

import (
	"context"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

func TestSecurityGroups(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	// Listing creates the project's default group, as neutron does.
	all, err := groups.List(c, groups.ListOpts{}).AllPages(ctx)
	require.NoError(t, err)
	gs, _ := groups.ExtractGroups(all)
	require.Len(t, gs, 1)
	def := gs[0]
	assert.Equal(t, "default", def.Name)
	assert.Len(t, def.Rules, 4)
	err = groups.Delete(ctx, c, def.ID).ExtractErr()
	expectFault(t, err, 409, "SecurityGroupCannotRemoveDefault")

	web, err := groups.Create(ctx, c, groups.CreateOpts{Name: "web"}).Extract()
	require.NoError(t, err)
	assert.Len(t, web.Rules, 2, "egress IPv4 and IPv6")
	_, err = groups.Create(ctx, c, groups.CreateOpts{Name: "default"}).Extract()
	expectFault(t, err, 409, "SecurityGroupDefaultAlreadyExists")

	r, err := rules.Create(ctx, c, rules.CreateOpts{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4,
		Protocol: rules.ProtocolTCP, PortRangeMin: 80, PortRangeMax: 443, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	require.NoError(t, err)
	assert.Equal(t, 80, r.PortRangeMin)
	_, err = rules.Create(ctx, c, rules.CreateOpts{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4,
		Protocol: rules.ProtocolTCP, PortRangeMin: 80, PortRangeMax: 443, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	expectFault(t, err, 409, "SecurityGroupRuleExists")
	bad := []rules.CreateOpts{
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolTCP, PortRangeMin: 90, PortRangeMax: 80},
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolICMP, PortRangeMin: 300},
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType6, RemoteIPPrefix: "10.0.0.0/8"},
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, RemoteIPPrefix: "10.0.0.0/8", RemoteGroupID: def.ID},
		{SecGroupID: web.ID, Direction: "sideways", EtherType: rules.EtherType4},
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: "carrier-pigeon"},
	}
	for _, o := range bad {
		_, err := rules.Create(ctx, c, o).Extract()
		status, _ := neutronError(t, err)
		assert.Equal(t, 400, status, "%+v", o)
	}
	// Bulk rules, all or nothing.
	_, err = rules.CreateBulk(ctx, c, []rules.CreateOpts{
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolUDP, PortRangeMin: 53, PortRangeMax: 53},
		{SecGroupID: web.ID, Direction: rules.DirIngress, EtherType: rules.EtherType4, Protocol: rules.ProtocolUDP, PortRangeMin: 53, PortRangeMax: 53},
	}).Extract()
	expectFault(t, err, 409, "SecurityGroupRuleExists")

	// In use by a port: not deleted.
	net := e.network("alice-token", "n")
	p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, SecurityGroups: &[]string{web.ID}}).Extract()
	require.NoError(t, err)
	err = groups.Delete(ctx, c, web.ID).ExtractErr()
	expectFault(t, err, 409, "SecurityGroupInUse")
	_, err = ports.Update(ctx, c, p.ID, ports.UpdateOpts{SecurityGroups: &[]string{}}).Extract()
	require.NoError(t, err)
	require.NoError(t, groups.Delete(ctx, c, web.ID).ExtractErr())
	_, err = rules.Get(ctx, c, r.ID).Extract()
	expectFault(t, err, 404, "SecurityGroupRuleNotFound")
	// Port security off: no groups, no address pairs.
	_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: net, SecurityGroups: &[]string{def.ID}}).Extract()
	require.NoError(t, err)
	status, body := e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": net, "port_security_enabled": false, "security_groups": []string{def.ID}}})
	assert.Equal(t, 400, status, "%v", body)
	status, body = e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": net, "port_security_enabled": false}})
	assert.Equal(t, 201, status, "%v", body)
	assert.Empty(t, apitest.Field[[]any](t, body, "port", "security_groups"))
}

func TestRoutersAndFloatingIPs(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, neutron.Options{})
		ctx := context.Background()
		admin, c := e.client("admin-token"), e.client("alice-token")
		ext, err := networks.Create(ctx, admin, networks.CreateOpts{Name: "public"}).Extract()
		require.NoError(t, err)
		status, body := e.raw("admin-token", "PUT", "/v2.0/networks/"+ext.ID, map[string]any{"network": map[string]any{"router:external": true}})
		require.Equal(t, 200, status, "%v", body)
		e.subnet("admin-token", ext.ID, "203.0.113.0/24")
		net := e.network("alice-token", "inside")
		sub := e.subnet("alice-token", net, "10.0.0.0/24")

		// A router whose gateway is on a network that is not external.
		_, err = routers.Create(ctx, c, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: net}}).Extract()
		expectFault(t, err, 400, "BadRequest")
		r, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: ext.ID}}).Extract()
		require.NoError(t, err)
		require.Len(t, r.GatewayInfo.ExternalFixedIPs, 1)

		// Without an interface on the port's subnet there is no way out.
		vm, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: net}).Extract()
		require.NoError(t, err)
		fip, err := floatingips.Create(ctx, c, floatingips.CreateOpts{FloatingNetworkID: ext.ID}).Extract()
		require.NoError(t, err)
		assert.Equal(t, "DOWN", fip.Status)
		_, err = floatingips.Update(ctx, c, fip.ID, floatingips.UpdateOpts{PortID: &vm.ID}).Extract()
		expectFault(t, err, 404, "ExternalGatewayForFloatingIPNotFound")

		info, err := routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{SubnetID: sub}).Extract()
		require.NoError(t, err)
		assert.Equal(t, sub, info.SubnetID)
		iface, err := ports.Get(ctx, c, info.PortID).Extract()
		require.NoError(t, err)
		assert.Equal(t, "10.0.0.1", iface.FixedIPs[0].IPAddress, "the interface holds the gateway address")
		_, err = routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{SubnetID: sub}).Extract()
		expectFault(t, err, 400, "BadRequest")
		err = ports.Delete(ctx, c, info.PortID).ExtractErr()
		expectFault(t, err, 409, "L3PortInUse")

		fip, err = floatingips.Update(ctx, c, fip.ID, floatingips.UpdateOpts{PortID: &vm.ID}).Extract()
		require.NoError(t, err)
		assert.Equal(t, vm.FixedIPs[0].IPAddress, fip.FixedIP)
		assert.Equal(t, r.ID, fip.RouterID)
		assert.Equal(t, "ACTIVE", fip.Status)
		fip2, err := floatingips.Create(ctx, c, floatingips.CreateOpts{FloatingNetworkID: ext.ID, PortID: vm.ID}).Extract()
		if assert.Error(t, err) {
			expectFault(t, err, 409, "FloatingIPPortAlreadyAssociated")
		} else {
			t.Log(fip2)
		}
		_, err = routers.RemoveInterface(ctx, c, r.ID, routers.RemoveInterfaceOpts{SubnetID: sub}).Extract()
		expectFault(t, err, 409, "RouterInterfaceInUseByFloatingIP")
		err = routers.Delete(ctx, c, r.ID).ExtractErr()
		expectFault(t, err, 409, "RouterInUse")

		// Deleting the port disassociates the floating IP.
		require.NoError(t, ports.Delete(ctx, c, vm.ID).ExtractErr())
		fip, err = floatingips.Get(ctx, c, fip.ID).Extract()
		require.NoError(t, err)
		assert.Empty(t, fip.PortID)
		assert.Equal(t, "DOWN", fip.Status)

		_, err = routers.RemoveInterface(ctx, c, r.ID, routers.RemoveInterfaceOpts{SubnetID: sub}).Extract()
		require.NoError(t, err)
		_, err = routers.RemoveInterface(ctx, c, r.ID, routers.RemoveInterfaceOpts{SubnetID: sub}).Extract()
		expectFault(t, err, 404, "RouterInterfaceNotFoundForSubnet")
		// The external network keeps its gateway and floating IP ports.
		err = networks.Delete(ctx, admin, ext.ID).ExtractErr()
		expectFault(t, err, 409, "NetworkInUse")
		require.NoError(t, floatingips.Delete(ctx, c, fip.ID).ExtractErr())
		require.NoError(t, routers.Delete(ctx, c, r.ID).ExtractErr())
		require.NoError(t, networks.Delete(ctx, admin, ext.ID).ExtractErr())
	})
}

func TestQuotas(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	admin, c := e.client("admin-token"), e.client("alice-token")
	q, err := quotas.Get(ctx, c, "project-a").Extract()
	require.NoError(t, err)
	assert.Equal(t, 100, q.Network)
	_, err = quotas.Get(ctx, c, "project-b").Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	_, err = quotas.Update(ctx, c, "project-a", quotas.UpdateOpts{Network: ptr(1000)}).Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	q, err = quotas.Update(ctx, admin, "project-a", quotas.UpdateOpts{Network: ptr(2)}).Extract()
	require.NoError(t, err)
	assert.Equal(t, 2, q.Network)
	e.network("alice-token", "one")
	e.network("alice-token", "two")
	_, err = networks.Create(ctx, c, networks.CreateOpts{Name: "three"}).Extract()
	expectFault(t, err, 409, "OverQuota")
	d, err := quotas.GetDetail(ctx, c, "project-a").Extract()
	require.NoError(t, err)
	assert.Equal(t, 2, d.Network.Used)
	assert.Equal(t, 2, d.Network.Limit)
	require.NoError(t, quotas.Delete(ctx, admin, "project-a").ExtractErr())
	e.network("alice-token", "three")
	status, _ := e.raw("admin-token", "PUT", "/v2.0/quotas/project-a", map[string]any{"quota": map[string]any{"widgets": 3}})
	assert.Equal(t, 400, status)
	status, _ = e.raw("admin-token", "PUT", "/v2.0/quotas/project-a", map[string]any{"quota": map[string]any{"network": -5}})
	assert.Equal(t, 400, status)
}

func TestTags(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	a, b := e.network("alice-token", "a"), e.network("alice-token", "b")
	tags, err := attributestags.ReplaceAll(ctx, c, "networks", a, attributestags.ReplaceAllOpts{Tags: []string{"red", "blue"}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{"red", "blue"}, tags)
	require.NoError(t, attributestags.Add(ctx, c, "networks", b, "red").ExtractErr())
	exists, err := attributestags.Confirm(ctx, c, "networks", b, "red").Extract()
	require.NoError(t, err)
	assert.True(t, exists)
	exists, err = attributestags.Confirm(ctx, c, "networks", b, "blue").Extract()
	require.NoError(t, err)
	assert.False(t, exists)
	list := func(o networks.ListOpts) int {
		all, err := networks.List(c, o).AllPages(ctx)
		require.NoError(t, err)
		ns, _ := networks.ExtractNetworks(all)
		return len(ns)
	}
	assert.Equal(t, 2, list(networks.ListOpts{Tags: "red"}))
	assert.Equal(t, 1, list(networks.ListOpts{Tags: "red,blue"}))
	assert.Equal(t, 2, list(networks.ListOpts{TagsAny: "red,blue"}))
	assert.Equal(t, 1, list(networks.ListOpts{NotTags: "blue"}))
	assert.Equal(t, 0, list(networks.ListOpts{NotTagsAny: "red"}))
	err = attributestags.Delete(ctx, c, "networks", b, "green").ExtractErr()
	expectFault(t, err, 404, "TagNotFound")
	n, err := networks.Get(ctx, c, a).Extract()
	require.NoError(t, err)
	assert.Equal(t, 2, n.RevisionNumber, "tags change the revision")
	require.NoError(t, attributestags.DeleteAll(ctx, c, "networks", a).ExtractErr())
	tags, err = attributestags.List(ctx, c, "networks", a).Extract()
	require.NoError(t, err)
	assert.Empty(t, tags)
	_, err = attributestags.List(ctx, e.client("bob-token"), "networks", a).Extract()
	expectFault(t, err, 404, "NetworkNotFound")
}
