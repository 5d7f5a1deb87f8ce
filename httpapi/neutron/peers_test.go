package neutron_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// What OpenStack's own suites (gophercloud's acceptance tests, tempest)
// expect of neutron-server and found different here.

// external makes an external network with an IPv4 subnet, as an admin.
func (e *env) external(cidr string) (network, subnet string) {
	e.t.Helper()
	status, body := e.raw("admin-token", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "public", "router:external": true}})
	require.Equal(e.t, 201, status, "%v", body)
	network = apitest.Field[string](e.t, body, "network", "id")
	return network, e.subnet("admin-token", network, cidr)
}

// TestGatewayInfoNoData: external_gateway_info is dict_or_nodata — {} on
// create is no gateway, and on update removes it, as null does.
func TestGatewayInfoNoData(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ext, _ := e.external("172.24.4.0/24")
	status, body := e.raw("alice-token", "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r", "external_gateway_info": map[string]any{}}})
	require.Equal(t, 201, status, "%v", body)
	gw, ok := apitest.Field[map[string]any](t, body, "router")["external_gateway_info"]
	assert.True(t, ok && gw == nil, "external_gateway_info: %v", gw)
	id := apitest.Field[string](t, body, "router", "id")

	ctx := context.Background()
	c := e.client("alice-token")
	r, err := routers.Update(ctx, c, id, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: ext}}).Extract()
	require.NoError(t, err)
	require.Equal(t, ext, r.GatewayInfo.NetworkID)
	status, body = e.raw("alice-token", "PUT", "/v2.0/routers/"+id, map[string]any{"router": map[string]any{"external_gateway_info": map[string]any{}}})
	require.Equal(t, 200, status, "%v", body)
	gw, ok = apitest.Field[map[string]any](t, body, "router")["external_gateway_info"]
	assert.True(t, ok && gw == nil, "external_gateway_info: %v", gw)
	all, err := ports.List(e.client("admin-token"), ports.ListOpts{DeviceID: id}).AllPages(ctx)
	require.NoError(t, err)
	ps, _ := ports.ExtractPorts(all)
	assert.Empty(t, ps, "the gateway port went with the gateway")

	// A gateway without a network is still refused.
	status, _ = e.raw("alice-token", "PUT", "/v2.0/routers/"+id, map[string]any{"router": map[string]any{"external_gateway_info": map[string]any{"enable_snat": false}}})
	assert.Equal(t, 400, status)
}

// TestExternalNetworkTakesItsFloatingIPs: deleting an external network
// deletes the floating IPs on it that no port uses; one in use keeps the
// network (NetworkInUse).
func TestExternalNetworkTakesItsFloatingIPs(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	admin, alice := e.client("admin-token"), e.client("alice-token")
	ext, _ := e.external("172.24.4.0/24")
	idle, err := floatingips.Create(ctx, alice, floatingips.CreateOpts{FloatingNetworkID: ext}).Extract()
	require.NoError(t, err)
	require.NoError(t, networks.Delete(ctx, admin, ext).ExtractErr())
	_, err = floatingips.Get(ctx, alice, idle.ID).Extract()
	expectFault(t, err, 404, "FloatingIPNotFound")

	// In use: a port of alice's behind a router to the external network.
	ext, _ = e.external("172.24.5.0/24")
	priv := e.network("alice-token", "private")
	sub := e.subnet("alice-token", priv, "10.0.0.0/24")
	r, err := routers.Create(ctx, alice, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: ext}}).Extract()
	require.NoError(t, err)
	_, err = routers.AddInterface(ctx, alice, r.ID, routers.AddInterfaceOpts{SubnetID: sub}).Extract()
	require.NoError(t, err)
	p, err := ports.Create(ctx, alice, ports.CreateOpts{NetworkID: priv}).Extract()
	require.NoError(t, err)
	used, err := floatingips.Create(ctx, alice, floatingips.CreateOpts{FloatingNetworkID: ext, PortID: p.ID}).Extract()
	require.NoError(t, err)
	err = networks.Delete(ctx, admin, ext).ExtractErr()
	expectFault(t, err, 409, "NetworkInUse")
	got, err := floatingips.Get(ctx, alice, used.ID).Extract()
	require.NoError(t, err, "a refused delete changes nothing")
	assert.Equal(t, p.ID, got.PortID)
}

// TestExternalSubnetsHidden: another project sees a non-shared external
// network but not its subnets (neutron up to 2024.1).
func TestExternalSubnetsHidden(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	ext, sub := e.external("172.24.4.0/24")
	bob := e.client("bob-token")
	_, err := networks.Get(ctx, bob, ext).Extract()
	require.NoError(t, err, "the external network is visible")
	_, err = subnets.Get(ctx, bob, sub).Extract()
	expectFault(t, err, 404, "SubnetNotFound")
	all, err := subnets.List(bob, subnets.ListOpts{}).AllPages(ctx)
	require.NoError(t, err)
	list, _ := subnets.ExtractSubnets(all)
	assert.Empty(t, list)
	// Shared networks' subnets stay visible.
	status, body := e.raw("admin-token", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "shared", "shared": true}})
	require.Equal(t, 201, status)
	shared := e.subnet("admin-token", apitest.Field[string](t, body, "network", "id"), "10.9.0.0/24")
	_, err = subnets.Get(ctx, bob, shared).Extract()
	assert.NoError(t, err)
}

// TestDefaultQuotaHasOnlyResources: the defaults name no project.
func TestDefaultQuotaHasOnlyResources(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	status, body := e.raw("admin-token", "GET", "/v2.0/quotas/project-a/default", nil)
	require.Equal(t, 200, status)
	q := apitest.Field[map[string]any](t, body, "quota")
	assert.NotContains(t, q, "project_id")
	assert.NotContains(t, q, "tenant_id")
	assert.Equal(t, "100", fmt.Sprint(q["network"]))
}

// TestRuleFaults: a port out of range is SecurityGroupInvalidPortValue,
// a remote group that is no group — well-formed or not — is not found.
func TestRuleFaults(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	status, body := e.raw("alice-token", "POST", "/v2.0/security-groups", map[string]any{"security_group": map[string]any{"name": "g"}})
	require.Equal(t, 201, status)
	sg := apitest.Field[string](t, body, "security_group", "id")
	rule := func(extra map[string]any) (int, string, string) {
		r := map[string]any{"security_group_id": sg, "direction": "ingress", "protocol": "tcp"}
		for k, v := range extra {
			r[k] = v
		}
		status, body := e.raw("alice-token", "POST", "/v2.0/security-group-rules", map[string]any{"security_group_rule": r})
		if status == 201 {
			return status, "", ""
		}
		return status, apitest.Field[string](t, body, "NeutronError", "type"), apitest.Field[string](t, body, "NeutronError", "message")
	}
	status, typ, msg := rule(map[string]any{"port_range_min": -16, "port_range_max": 22})
	assert.Equal(t, 400, status)
	assert.Equal(t, "SecurityGroupInvalidPortValue", typ)
	assert.Equal(t, "Invalid value for port -16.", msg)
	status, typ, _ = rule(map[string]any{"port_range_min": 22, "port_range_max": 65536})
	assert.Equal(t, 400, status)
	assert.Equal(t, "SecurityGroupInvalidPortValue", typ)
	for _, id := range []string{"not-a-uuid", "8f1b8e52-3a3c-4f6e-9d3f-8c5a1e2b7d90"} {
		status, typ, _ = rule(map[string]any{"remote_group_id": id})
		assert.Equal(t, 404, status, id)
		assert.Equal(t, "SecurityGroupNotFound", typ, id)
	}
	status, _, _ = rule(map[string]any{"port_range_min": 22, "port_range_max": 22})
	assert.Equal(t, 201, status)
}

// TestDeleteAutoAddressSubnet: a SLAAC or DHCPv6-stateless subnet goes
// with the addresses ports made on it; a router's interface keeps it.
func TestDeleteAutoAddressSubnet(t *testing.T) {
	for _, mode := range []string{"slaac", "dhcpv6-stateless"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, memory.New(nil), neutron.Options{})
			ctx := context.Background()
			c := e.client("alice-token")
			n := e.network("alice-token", "v6")
			v4 := e.subnet("alice-token", n, "10.0.0.0/24")
			status, body := e.raw("alice-token", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": n,
				"cidr": "2001:db8::/64", "ip_version": 6, "ipv6_address_mode": mode, "ipv6_ra_mode": mode}})
			require.Equal(t, 201, status, "%v", body)
			v6 := apitest.Field[string](t, body, "subnet", "id")
			p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: n}).Extract()
			require.NoError(t, err)
			require.Len(t, p.FixedIPs, 2)

			r, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r"}).Extract()
			require.NoError(t, err)
			_, err = routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{SubnetID: v6}).Extract()
			require.NoError(t, err)
			err = subnets.Delete(ctx, c, v6).ExtractErr()
			expectFault(t, err, 409, "SubnetInUse")
			_, err = routers.RemoveInterface(ctx, c, r.ID, routers.RemoveInterfaceOpts{SubnetID: v6}).Extract()
			require.NoError(t, err)

			require.NoError(t, subnets.Delete(ctx, c, v6).ExtractErr())
			p, err = ports.Get(ctx, c, p.ID).Extract()
			require.NoError(t, err)
			require.Len(t, p.FixedIPs, 1)
			assert.Equal(t, v4, p.FixedIPs[0].SubnetID, "the IPv4 address stays")
		})
	}
}

// TestExtGwModeListed: enable_snat works, so ext-gw-mode is listed.
func TestExtGwModeListed(t *testing.T) {
	assert.Contains(t, aliases(neutron.Extensions()), "ext-gw-mode")
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ext, _ := e.external("172.24.4.0/24")
	status, body := e.raw("admin-token", "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r",
		"external_gateway_info": map[string]any{"network_id": ext, "enable_snat": false}}})
	require.Equal(t, 201, status, "%v", body)
	assert.Equal(t, false, apitest.Field[bool](t, body, "router", "external_gateway_info", "enable_snat"))
}

func aliases(xs []neutron.Extension) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Alias)
	}
	return out
}

// TestExtraRoutesAtomic: add_extraroutes and remove_extraroutes change
// only the routes they name.
func TestExtraRoutesAtomic(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	n := e.network("alice-token", "n")
	sub := e.subnet("alice-token", n, "10.0.0.0/24")
	r, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r"}).Extract()
	require.NoError(t, err)
	_, err = routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{SubnetID: sub}).Extract()
	require.NoError(t, err)
	route := func(dst string) map[string]any { return map[string]any{"destination": dst, "nexthop": "10.0.0.10"} }
	put := func(op string, routes ...map[string]any) (int, []any) {
		status, body := e.raw("alice-token", "PUT", "/v2.0/routers/"+r.ID+"/"+op, map[string]any{"router": map[string]any{"routes": routes}})
		if status != 200 {
			return status, nil
		}
		return status, apitest.Field[[]any](t, body, "router", "routes")
	}
	status, routes := put("add_extraroutes", route("192.168.1.0/24"), route("192.168.2.0/24"))
	require.Equal(t, 200, status)
	assert.Len(t, routes, 2)
	_, routes = put("add_extraroutes", route("192.168.2.0/24"), route("192.168.3.0/24"))
	assert.Len(t, routes, 3, "one already there, one new")
	_, routes = put("remove_extraroutes", route("192.168.1.0/24"), route("192.168.9.0/24"))
	assert.Len(t, routes, 2, "one removed, one that was not there ignored")
	got, err := routers.Get(ctx, c, r.ID).Extract()
	require.NoError(t, err)
	assert.Len(t, got.Routes, 2)
	status, _ = put("add_extraroutes", map[string]any{"destination": "192.168.4.0/24", "nexthop": "172.16.0.1"})
	assert.Equal(t, 400, status, "a nexthop the router does not reach")
	status, _ = e.raw("alice-token", "PUT", "/v2.0/routers/"+r.ID+"/add_extraroutes", map[string]any{"router": map[string]any{"name": "x"}})
	assert.Equal(t, 400, status)
	status, _ = e.raw("bob-token", "PUT", "/v2.0/routers/"+r.ID+"/add_extraroutes", map[string]any{"router": map[string]any{"routes": []any{route("192.168.5.0/24")}}})
	assert.Equal(t, 404, status, "another project's router")
}

// TestExtraDHCPOpts: options given on create, changed, added and removed
// (a null value) by name and IP version on update.
func TestExtraDHCPOpts(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	n := e.network("alice-token", "n")
	e.subnet("alice-token", n, "10.0.0.0/24")
	status, body := e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": n,
		"extra_dhcp_opts": []any{map[string]any{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"},
			map[string]any{"opt_name": "tftp-server", "opt_value": "10.0.0.5"},
			map[string]any{"opt_name": "bootfile-name", "opt_value": "ipxe.efi", "ip_version": 6}}}})
	require.Equal(t, 201, status, "%v", body)
	id := apitest.Field[string](t, body, "port", "id")
	assert.Len(t, apitest.Field[[]any](t, body, "port", "extra_dhcp_opts"), 3)
	status, body = e.raw("alice-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{
		"extra_dhcp_opts": []any{map[string]any{"opt_name": "bootfile-name", "opt_value": nil},
			map[string]any{"opt_name": "tftp-server", "opt_value": "10.0.0.6"},
			map[string]any{"opt_name": "mtu", "opt_value": "1450"}}}})
	require.Equal(t, 200, status, "%v", body)
	var opts []neutron.DHCPOption
	for _, o := range apitest.Field[[]any](t, body, "port", "extra_dhcp_opts") {
		m := o.(map[string]any)
		v, _ := m["ip_version"].(json.Number).Int64()
		opts = append(opts, neutron.DHCPOption{Name: m["opt_name"].(string), Value: m["opt_value"].(string), IPVersion: int(v)})
	}
	assert.ElementsMatch(t, []neutron.DHCPOption{{Name: "tftp-server", Value: "10.0.0.6", IPVersion: 4},
		{Name: "bootfile-name", Value: "ipxe.efi", IPVersion: 6}, {Name: "mtu", Value: "1450", IPVersion: 4}}, opts)
	for _, bad := range []any{
		[]any{map[string]any{"opt_value": "x"}},
		[]any{map[string]any{"opt_name": "", "opt_value": "x"}},
		[]any{map[string]any{"opt_name": "a", "opt_value": "x", "ip_version": 5}},
		[]any{map[string]any{"opt_name": "a", "opt_value": "x", "colour": "red"}},
	} {
		status, _ = e.raw("alice-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"extra_dhcp_opts": bad}})
		assert.Equal(t, 400, status, "%v", bad)
	}
}

// TestTrustedVIF: trusted is an admin's to set, kept in binding:profile.
func TestTrustedVIF(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	n := e.network("alice-token", "n")
	status, body := e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": n}})
	require.Equal(t, 201, status)
	id := apitest.Field[string](t, body, "port", "id")
	status, _ = e.raw("alice-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"trusted": true}})
	assert.Equal(t, 403, status)
	status, body = e.raw("admin-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"trusted": true}})
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, true, apitest.Field[bool](t, body, "port", "trusted"))
	assert.Equal(t, true, apitest.Field[bool](t, body, "port", "binding:profile", "trusted"))
	status, body = e.raw("admin-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"trusted": nil}})
	require.Equal(t, 200, status, "%v", body)
	assert.NotContains(t, apitest.Field[map[string]any](t, body, "port", "binding:profile"), "trusted")
	// Set through the profile, it shows as the attribute.
	status, body = e.raw("admin-token", "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"binding:profile": map[string]any{"trusted": false}}})
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, false, apitest.Field[bool](t, body, "port", "trusted"))
}

// TestSubnetServiceTypes: a subnet with service types gives addresses
// only to ports of those device owners, which get them from it first.
func TestSubnetServiceTypes(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	n := e.network("alice-token", "n")
	plain := e.subnet("alice-token", n, "10.0.0.0/24")
	status, body := e.raw("alice-token", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": n,
		"cidr": "10.0.1.0/24", "ip_version": 4, "service_types": []string{"compute:nova"}}})
	require.Equal(t, 201, status, "%v", body)
	nova := apitest.Field[string](t, body, "subnet", "id")
	port := func(owner string, fixed ...map[string]any) (int, map[string]any) {
		p := map[string]any{"network_id": n, "device_owner": owner}
		if fixed != nil {
			p["fixed_ips"] = fixed
		}
		return e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"port": p})
	}
	status, body = port("compute:nova")
	require.Equal(t, 201, status, "%v", body)
	assert.Equal(t, nova, firstSubnet(t, body))
	assert.Len(t, apitest.Field[[]any](t, body, "port", "fixed_ips"), 1)
	status, body = port("")
	require.Equal(t, 201, status, "%v", body)
	assert.Equal(t, plain, firstSubnet(t, body))
	status, body = port("", map[string]any{"subnet_id": nova})
	assert.Equal(t, 400, status)
	assert.Equal(t, "IpAddressGenerationFailureNoMatchingSubnet", apitest.Field[string](t, body, "NeutronError", "type"))

	status, body = e.raw("alice-token", "PUT", "/v2.0/subnets/"+nova, map[string]any{"subnet": map[string]any{"service_types": []string{"network:floatingip"}}})
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, []any{"network:floatingip"}, apitest.Field[[]any](t, body, "subnet", "service_types"))
	status, _ = e.raw("alice-token", "PUT", "/v2.0/subnets/"+nova, map[string]any{"subnet": map[string]any{"service_types": []string{"dhcp"}}})
	assert.Equal(t, 400, status)
}

// firstSubnet is the subnet of a port body's first fixed IP.
func firstSubnet(t *testing.T, body map[string]any) string {
	t.Helper()
	ips := apitest.Field[[]any](t, body, "port", "fixed_ips")
	require.NotEmpty(t, ips)
	return ips[0].(map[string]any)["subnet_id"].(string)
}

// TestRouterPortsActive: a router's interface and gateway ports are
// ACTIVE once the router has them (they bind to no switch port), and a
// floating IP once it is associated.
func TestRouterPortsActive(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	ext, _ := e.external("172.24.4.0/24")
	n := e.network("alice-token", "n")
	sub := e.subnet("alice-token", n, "10.0.0.0/24")
	r, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: ext}}).Extract()
	require.NoError(t, err)
	info, err := routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{SubnetID: sub}).Extract()
	require.NoError(t, err)
	all, err := ports.List(e.client("admin-token"), ports.ListOpts{DeviceID: r.ID}).AllPages(ctx)
	require.NoError(t, err)
	ps, _ := ports.ExtractPorts(all)
	require.Len(t, ps, 2, "interface and gateway")
	for _, p := range ps {
		assert.Equal(t, "ACTIVE", p.Status, p.DeviceOwner)
	}
	vm, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: n}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "DOWN", vm.Status, "a VM's port is ACTIVE only once bound to a switch port")
	fip, err := floatingips.Create(ctx, c, floatingips.CreateOpts{FloatingNetworkID: ext}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "DOWN", fip.Status)
	fip, err = floatingips.Update(ctx, c, fip.ID, floatingips.UpdateOpts{PortID: &vm.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "ACTIVE", fip.Status)
	down := false
	_, err = ports.Update(ctx, c, info.PortID, ports.UpdateOpts{AdminStateUp: &down}).Extract()
	require.NoError(t, err)
	p, err := ports.Get(ctx, c, info.PortID).Extract()
	require.NoError(t, err)
	assert.Equal(t, "DOWN", p.Status, "an interface set down")
}

// TestFloatingIPFromSubnet: subnet_id picks the external subnet the
// address comes from; it is not shown.
func TestFloatingIPFromSubnet(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ext, _ := e.external("172.24.4.0/24")
	second := e.subnet("admin-token", ext, "172.24.5.0/24")
	status, body := e.raw("alice-token", "POST", "/v2.0/floatingips", map[string]any{"floatingip": map[string]any{"floating_network_id": ext, "subnet_id": second}})
	require.Equal(t, 201, status, "%v", body)
	assert.Contains(t, apitest.Field[string](t, body, "floatingip", "floating_ip_address"), "172.24.5.")
	assert.NotContains(t, apitest.Field[map[string]any](t, body, "floatingip"), "subnet_id")
	other := e.subnet("alice-token", e.network("alice-token", "n"), "10.0.0.0/24")
	status, _ = e.raw("alice-token", "POST", "/v2.0/floatingips", map[string]any{"floatingip": map[string]any{"floating_network_id": ext, "subnet_id": other}})
	assert.Equal(t, 400, status, "a subnet of another network")
}

// TestFloatingIPOnRouterInterface: a router's interface port may hold a
// floating IP, as in neutron.
func TestFloatingIPOnRouterInterface(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	ext, _ := e.external("172.24.4.0/24")
	n := e.network("alice-token", "n")
	e.subnet("alice-token", n, "10.0.0.0/24")
	r, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: ext}}).Extract()
	require.NoError(t, err)
	p, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: n}).Extract()
	require.NoError(t, err)
	_, err = routers.AddInterface(ctx, c, r.ID, routers.AddInterfaceOpts{PortID: p.ID}).Extract()
	require.NoError(t, err)
	fip, err := floatingips.Create(ctx, c, floatingips.CreateOpts{FloatingNetworkID: ext, PortID: p.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, r.ID, fip.RouterID)
	gwPort, err := ports.List(e.client("admin-token"), ports.ListOpts{DeviceID: r.ID, DeviceOwner: "network:router_gateway"}).AllPages(ctx)
	require.NoError(t, err)
	gps, _ := ports.ExtractPorts(gwPort)
	require.Len(t, gps, 1)
	_, err = floatingips.Create(ctx, e.client("admin-token"), floatingips.CreateOpts{FloatingNetworkID: ext, PortID: gps[0].ID}).Extract()
	expectFault(t, err, 400, "BadRequest")
}

// TestGatewayKeepsItsAddresses: an update naming the gateway's address
// again, with another, keeps the first and adds the second.
func TestGatewayKeepsItsAddresses(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	admin := e.client("admin-token")
	ext, sub := e.external("172.24.4.0/24")
	r, err := routers.Create(ctx, admin, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: ext}}).Extract()
	require.NoError(t, err)
	first := r.GatewayInfo.ExternalFixedIPs[0]
	r, err = routers.Update(ctx, admin, r.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: ext,
		ExternalFixedIPs: []routers.ExternalFixedIP{first, {SubnetID: sub}}}}).Extract()
	require.NoError(t, err)
	require.Len(t, r.GatewayInfo.ExternalFixedIPs, 2)
	assert.Equal(t, first, r.GatewayInfo.ExternalFixedIPs[0])
	assert.NotEqual(t, first.IPAddress, r.GatewayInfo.ExternalFixedIPs[1].IPAddress)
	all, err := ports.List(admin, ports.ListOpts{DeviceID: r.ID}).AllPages(ctx)
	require.NoError(t, err)
	ps, _ := ports.ExtractPorts(all)
	require.Len(t, ps, 1, "the same gateway port")
	assert.Len(t, ps[0].FixedIPs, 2)
	// Back to the first alone: the second is released.
	r, err = routers.Update(ctx, admin, r.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: ext,
		ExternalFixedIPs: []routers.ExternalFixedIP{first}}}).Extract()
	require.NoError(t, err)
	assert.Equal(t, []routers.ExternalFixedIP{first}, r.GatewayInfo.ExternalFixedIPs)
}
