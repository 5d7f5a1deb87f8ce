package neutron_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

func TestBulkAllOrNothing(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, neutron.Options{})
		ctx := context.Background()
		c := e.client("alice-token")
		status, body := e.raw("alice-token", "POST", "/v2.0/networks", map[string]any{"networks": []any{
			map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "c"}}})
		require.Equal(t, 201, status, "%v", body)
		require.Len(t, body["networks"], 3)
		net := apitest.Field[string](t, body, "networks", 0, "id")
		e.subnet("alice-token", net, "10.0.0.0/24")
		// Two ports asking for one address: neither is created.
		ip9 := map[string]any{"network_id": net, "fixed_ips": []any{map[string]any{"ip_address": "10.0.0.9"}}}
		status, body = e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"ports": []any{ip9, ip9}})
		assert.Equal(t, 409, status)
		assert.Equal(t, "IpAddressAlreadyAllocated", apitest.Field[string](t, body, "NeutronError", "type"))
		status, body = e.raw("alice-token", "POST", "/v2.0/networks", map[string]any{"networks": []any{
			map[string]any{"name": "d"}, map[string]any{"name": 7},
		}})
		assert.Equal(t, 400, status, "%v", body)
		all, err := networks.List(c, nil).AllPages(ctx)
		require.NoError(t, err)
		got, _ := networks.ExtractNetworks(all)
		assert.Len(t, got, 3)
		all, err = ports.List(c, nil).AllPages(ctx)
		require.NoError(t, err)
		ps, _ := ports.ExtractPorts(all)
		assert.Empty(t, ps)
		// Bulk ports get distinct addresses.
		one := map[string]any{"network_id": net}
		status, body = e.raw("alice-token", "POST", "/v2.0/ports", map[string]any{"ports": []any{one, one, one}})
		require.Equal(t, 201, status, "%v", body)
		seen := map[string]bool{}
		for i := range apitest.Field[[]any](t, body, "ports") {
			seen[apitest.Field[string](t, body, "ports", i, "fixed_ips", 0, "ip_address")] = true
		}
		assert.Len(t, seen, 3)
	})
}

func TestRevisionIfMatch(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	net := e.network("alice-token", "n")
	name := "x"
	_, err := networks.Update(ctx, c, net, networks.UpdateOpts{Name: &name, RevisionNumber: ptr(5)}).Extract()
	expectFault(t, err, 412, "RevisionNumberConstraintFailed")
	n, err := networks.Update(ctx, c, net, networks.UpdateOpts{Name: &name, RevisionNumber: ptr(1)}).Extract()
	require.NoError(t, err)
	assert.Equal(t, 2, n.RevisionNumber)
	status, _ := e.rawWith("alice-token", "DELETE", "/v2.0/networks/"+net, "", map[string]string{"If-Match": "revision_number=1"})
	assert.Equal(t, 412, status)
	status, _ = e.rawWith("alice-token", "DELETE", "/v2.0/networks/"+net, "", map[string]string{"If-Match": "revision_number=2"})
	assert.Equal(t, 204, status)
}

func ptr[T any](v T) *T { return &v }

// rawWith sends a body as given, with headers.
func (e *env) rawWith(token, method, path, body string, hdr map[string]string) (int, string) {
	e.t.Helper()
	c := apitest.Client{T: e.t, URL: e.url}
	if token != "" {
		c = c.With("X-Auth-Token", token)
	}
	for k, v := range hdr {
		c = c.With(k, v)
	}
	var b any
	if body != "" {
		b = body
	}
	r := c.Do(method, path, b)
	return r.Status, r.Text()
}

// TestBadInput: every mistake is a 4xx NeutronError, and nothing is
// stored.
func TestBadInput(t *testing.T) {
	st := memory.New(nil)
	e := newEnv(t, st, neutron.Options{})
	net := e.network("alice-token", "n")
	rev0, err := st.Revision(context.Background())
	require.NoError(t, err)
	cases := []struct {
		method, path, body string
		status             int
		typ                string
	}{
		{"POST", "/v2.0/networks", `{"network": {"name": "a", "colour": "red"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"id": "8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"admin_state_up": "maybe"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"name": "` + strings.Repeat("x", 256) + `"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"shared": true}}`, 403, "PolicyNotAuthorized"},
		{"POST", "/v2.0/networks", `{"network": {"tenant_id": "project-b"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"tenant_id": "project-a", "project_id": "x"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": {"mtu": 9000}}`, 400, "InvalidInput"},
		{"POST", "/v2.0/networks", `{"network": {"name": "a"`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"netwerk": {}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"network": null}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `{"networks": []}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", `[]`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/networks", "{\"network\": {\"name\": \"\xff\"}}", 400, "HTTPBadRequest"},
		{"POST", "/v2.0/subnets", `{"subnet": {"network_id": "` + net + `", "ip_version": 4}}`, 400, "BadRequest"}, // no cidr, no pool
		{"POST", "/v2.0/subnets", `{"subnet": {"network_id": "` + net + `", "ip_version": 5, "cidr": "10.0.0.0/24"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/subnets", `{"subnet": {"network_id": "nope", "ip_version": 4, "cidr": "10.0.0.0/24"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/subnets", `{"subnet": {"network_id": "8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c", "ip_version": 4, "cidr": "10.0.0.0/24"}}`, 404, "NetworkNotFound"},
		{"POST", "/v2.0/ports", `{"port": {"network_id": "` + net + `", "mac_address": "ff:ff:ff:ff:ff:ff"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/ports", `{"port": {"network_id": "` + net + `", "status": "ACTIVE"}}`, 400, "HTTPBadRequest"},
		{"POST", "/v2.0/ports", `{"port": {"network_id": "` + net + `", "binding:host_id": "0x1"}}`, 403, "PolicyNotAuthorized"},
		{"POST", "/v2.0/ports", `{"port": {"network_id": "` + net + `", "security_groups": ["8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c"]}}`, 404, "SecurityGroupNotFound"},
		{"PUT", "/v2.0/networks/" + net, `{"network": {"status": "DOWN"}}`, 400, "HTTPBadRequest"},
		{"PUT", "/v2.0/networks/" + net, `{"network": {"tenant_id": "x"}}`, 400, "HTTPBadRequest"},
		{"PUT", "/v2.0/networks/8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c", `{"network": {"name": "x"}}`, 404, "NetworkNotFound"},
		{"PATCH", "/v2.0/networks/" + net, `{}`, 405, "HTTPMethodNotAllowed"},
		{"GET", "/v2.0/nothing", ``, 404, "HTTPNotFound"},
		{"GET", "/v3/networks", ``, 404, "HTTPNotFound"},
		{"GET", "/v2.0/networks?fixed_ips=ip_address=1.2.3.4", ``, 400, "HTTPBadRequest"},
		{"GET", "/v2.0/ports?fixed_ips=color=red", ``, 400, "HTTPBadRequest"},
		{"GET", "/v2.0/networks?provider:network_type=vlan", ``, 400, "HTTPBadRequest"},
		{"DELETE", "/v2.0/networks/" + net, ``, 401, "HTTPUnauthorized"},
	}
	for _, tc := range cases {
		token := "alice-token"
		if tc.status == 401 {
			token = "stolen"
		}
		status, body := e.rawWith(token, tc.method, tc.path, tc.body, nil)
		assert.Equal(t, tc.status, status, "%s %s %s: %s", tc.method, tc.path, tc.body, body)
		assert.Contains(t, body, `"type":"`+tc.typ+`"`, "%s %s %s", tc.method, tc.path, tc.body)
	}
	rev1, err := st.Revision(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rev0, rev1, "a refused request wrote to the store")
}

// TestTenantIsolation: a project sees its own resources and shared
// networks, never another project's, and cannot act for it.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	alice, bob, admin := e.client("alice-token"), e.client("bob-token"), e.client("admin-token")
	private := e.network("alice-token", "private")
	shared, err := networks.Create(ctx, admin, networks.CreateOpts{Name: "shared", Shared: ptr(true), TenantID: "project-a"}).Extract()
	require.NoError(t, err)
	e.subnet("admin-token", shared.ID, "10.9.0.0/24")

	_, err = networks.Get(ctx, bob, private).Extract()
	expectFault(t, err, 404, "NetworkNotFound")
	err = networks.Delete(ctx, bob, private).ExtractErr()
	expectFault(t, err, 404, "NetworkNotFound")
	_, err = networks.Update(ctx, bob, shared.ID, networks.UpdateOpts{Name: ptr("mine")}).Extract()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	err = networks.Delete(ctx, bob, shared.ID).ExtractErr()
	expectFault(t, err, 403, "PolicyNotAuthorized")
	all, err := networks.List(bob, nil).AllPages(ctx)
	require.NoError(t, err)
	seen, _ := networks.ExtractNetworks(all)
	require.Len(t, seen, 1)
	assert.Equal(t, shared.ID, seen[0].ID)
	// Bob may put a port on the shared network; it is his.
	p, err := ports.Create(ctx, bob, ports.CreateOpts{NetworkID: shared.ID}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "project-b", p.TenantID)
	_, err = ports.Get(ctx, alice, p.ID).Extract()
	expectFault(t, err, 404, "PortNotFound")
	// ... and not on Alice's private one.
	_, err = ports.Create(ctx, bob, ports.CreateOpts{NetworkID: private}).Extract()
	expectFault(t, err, 404, "NetworkNotFound")
	// Admins see everything, provider attributes included; others not.
	_, body := e.raw("admin-token", "GET", "/v2.0/networks/"+private, nil)
	assert.Contains(t, body["network"], "provider:network_type")
	_, body = e.raw("alice-token", "GET", "/v2.0/networks/"+private, nil)
	assert.NotContains(t, body["network"], "provider:network_type")
	// Without a token: 401.
	pc := &gophercloud.ProviderClient{}
	_ = pc
	status, _ := e.rawWith("", "GET", "/v2.0/networks", "", nil)
	assert.Equal(t, 401, status)
}

var _ = bytes.NewReader
