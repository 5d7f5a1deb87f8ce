package neutron_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// TestTypedAPI: the whole L3 model through typed options and typed
// results, with nothing spelled as a request would.
func TestTypedAPI(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	admin := neutron.WithCaller(context.Background(), neutron.Caller{Project: "ops", Admin: true})
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p1"})
	svc := e.svc
	ptr := neutron.Ptr[string]

	ext, err := svc.CreateNetwork(admin, neutron.NetworkOptions{Name: ptr("public"), External: neutron.Ptr(true)})
	require.NoError(t, err)
	_, err = svc.CreateSubnet(admin, neutron.SubnetOptions{NetworkID: &ext.ID, IPVersion: neutron.Ptr(4), CIDR: ptr("203.0.113.0/24")})
	require.NoError(t, err)

	n, err := svc.CreateNetwork(ctx, neutron.NetworkOptions{Name: ptr("web"), MTU: neutron.Ptr(1400)})
	require.NoError(t, err)
	assert.Equal(t, 1400, n.MTU)
	assert.True(t, n.AdminStateUp, "not given: the default")
	sub, err := svc.CreateSubnet(ctx, neutron.SubnetOptions{NetworkID: &n.ID, IPVersion: neutron.Ptr(4), CIDR: ptr("10.0.0.0/24"),
		AllocationPools: []neutron.AllocationPool{{Start: "10.0.0.10", End: "10.0.0.20"}}, DNSNameservers: []string{"10.0.0.1"}})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.1", *sub.GatewayIP)
	sub, err = svc.UpdateSubnet(ctx, sub.ID, neutron.SubnetOptions{Null: []string{"gateway_ip"}, DNSNameservers: []string{}}, -1)
	require.NoError(t, err)
	assert.Nil(t, sub.GatewayIP, "Null sets null")
	assert.Empty(t, sub.DNSNameservers, "an empty list is given, not left out")

	p, err := svc.CreatePort(ctx, neutron.PortOptions{NetworkID: &n.ID, Name: ptr("vm1"),
		FixedIPs: []neutron.FixedIP{{SubnetID: sub.ID, IPAddress: "10.0.0.15"}}})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.15", p.FixedIPs[0].IPAddress)
	assert.Len(t, p.SecurityGroups, 1, "the project's default group")
	p, err = svc.UpdatePort(ctx, p.ID, neutron.PortOptions{SecurityGroups: []string{}, PortSecurityEnabled: neutron.Ptr(false)}, p.RevisionNumber)
	require.NoError(t, err)
	assert.Empty(t, p.SecurityGroups)

	_, err = svc.CreatePort(ctx, neutron.PortOptions{NetworkID: &n.ID, MACAddress: ptr("not a mac")})
	assert.ErrorIs(t, err, neutron.ErrInvalid, "the attribute tables validate typed options as a request")
	_, err = svc.CreatePort(ctx, neutron.PortOptions{NetworkID: &n.ID, HostID: ptr("00000000000000e0")})
	assert.ErrorIs(t, err, neutron.ErrForbidden, "and the policy applies")

	r, err := svc.CreateRouter(ctx, neutron.RouterOptions{Name: ptr("gw"), ExternalGatewayInfo: &neutron.GatewayOptions{NetworkID: ext.ID}})
	require.NoError(t, err)
	require.NotNil(t, r.ExternalGatewayInfo)
	assert.True(t, r.ExternalGatewayInfo.EnableSNAT, "SNAT not given: on")
	_, err = svc.AddRouterInterface(ctx, r.ID, sub.ID, "")
	assert.ErrorIs(t, err, neutron.ErrInvalid, "a subnet without a gateway")
	sub, err = svc.UpdateSubnet(ctx, sub.ID, neutron.SubnetOptions{GatewayIP: ptr("10.0.0.1")}, -1)
	require.NoError(t, err)
	_, err = svc.AddRouterInterface(ctx, r.ID, sub.ID, "")
	require.NoError(t, err)

	fip, err := svc.CreateFloatingIP(ctx, neutron.FloatingIPOptions{FloatingNetworkID: &ext.ID, PortID: &p.ID})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.15", *fip.FixedIPAddress)
	fip, err = svc.UpdateFloatingIP(ctx, fip.ID, neutron.FloatingIPOptions{Null: []string{"port_id"}}, -1)
	require.NoError(t, err)
	assert.Nil(t, fip.PortID, "freed")

	sg, err := svc.CreateSecurityGroup(ctx, neutron.SecurityGroupOptions{Name: ptr("web")})
	require.NoError(t, err)
	rule, err := svc.CreateSecurityGroupRule(ctx, neutron.SecurityGroupRuleOptions{SecurityGroupID: &sg.ID,
		Direction: ptr("ingress"), Protocol: ptr("tcp"), PortRangeMin: neutron.Ptr(443), PortRangeMax: neutron.Ptr(443)})
	require.NoError(t, err)
	assert.Equal(t, "IPv4", rule.EtherType)

	// Typed lists.
	rs, err := svc.Routers(ctx, neutron.Query{})
	require.NoError(t, err)
	assert.Equal(t, []string{"gw"}, []string{rs[0].Name})
	fips, err := svc.FloatingIPs(ctx, neutron.Query{})
	require.NoError(t, err)
	assert.Len(t, fips, 1)
	sgs, err := svc.SecurityGroups(ctx, neutron.Query{Filters: map[string][]string{"name": {"web"}}})
	require.NoError(t, err)
	require.Len(t, sgs, 1)
	assert.Len(t, sgs[0].Rules, 3, "two egress rules and ours")
	rules, err := svc.SecurityGroupRules(ctx, neutron.Query{Filters: map[string][]string{"security_group_id": {sg.ID}}})
	require.NoError(t, err)
	assert.Len(t, rules, 3)
}

// TestListPage: pages of typed items, and whether more follow.
func TestListPage(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p1"})
	for i := range 5 {
		_, err := e.svc.CreateNetwork(ctx, neutron.NetworkOptions{Name: neutron.Ptr(fmt.Sprintf("n%d", i))})
		require.NoError(t, err)
	}
	var names []string
	q := neutron.Query{Limit: 2, Sort: []neutron.SortKey{{Key: "name"}}}
	for {
		page, err := neutron.ListPage[neutron.Network](ctx, e.svc, q)
		require.NoError(t, err)
		for _, n := range page.Items {
			names = append(names, n.Name)
		}
		if !page.Next {
			break
		}
		q.Marker = page.Items[len(page.Items)-1].ID
	}
	assert.Equal(t, []string{"n0", "n1", "n2", "n3", "n4"}, names)
}
