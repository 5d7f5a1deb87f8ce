package neutron_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

func TestPagingSortingFiltering(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, neutron.Options{})
		ctx := context.Background()
		c := e.client("alice-token")
		var names []string
		for i := range 23 {
			name := fmt.Sprintf("net-%02d", (i*7)%23)
			names = append(names, name)
			up := i%2 == 0
			_, err := networks.Create(ctx, c, networks.CreateOpts{Name: name, AdminStateUp: &up}).Extract()
			require.NoError(t, err)
		}
		// Every page through next links, ten at a time, by name descending.
		pages := 0
		var got []string
		err := networks.List(c, networks.ListOpts{Limit: 10, SortKey: "name", SortDir: "desc"}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
			pages++
			ns, err := networks.ExtractNetworks(p)
			for _, n := range ns {
				got = append(got, n.Name)
			}
			return true, err
		})
		require.NoError(t, err)
		sort.Sort(sort.Reverse(sort.StringSlice(names)))
		assert.Equal(t, names, got)
		assert.Equal(t, 3, pages)

		// Filters: a key ANDs, a repeated one ORs, booleans as neutron
		// writes them.
		_, body := e.raw("alice-token", "GET", "/v2.0/networks?name=net-03&name=net-05&admin_state_up=True", nil)
		assert.Len(t, body["networks"], 1)
		_, body = e.raw("alice-token", "GET", "/v2.0/networks?name=net-03&name=net-05", nil)
		assert.Len(t, body["networks"], 2)
		status, body := e.raw("alice-token", "GET", "/v2.0/networks?colour=blue", nil)
		assert.Equal(t, 400, status, "%v", body)
		status, _ = e.raw("alice-token", "GET", "/v2.0/networks?sort_key=colour&sort_dir=asc", nil)
		assert.Equal(t, 400, status)
		status, _ = e.raw("alice-token", "GET", "/v2.0/networks?sort_key=name", nil)
		assert.Equal(t, 400, status, "sort_key without sort_dir")
		status, _ = e.raw("alice-token", "GET", "/v2.0/networks?limit=-1", nil)
		assert.Equal(t, 400, status)

		// fields: only those keys.
		_, body = e.raw("alice-token", "GET", "/v2.0/networks.json?fields=id&fields=name&limit=1", nil)
		items := apitest.Field[[]any](t, body, "networks")
		require.Len(t, items, 1)
		assert.Len(t, apitest.Field[map[string]any](t, items, 0), 2)

		// Links are absolute, through a proxy too, and the last page has
		// no next.
		req, _ := http.NewRequest("GET", e.url+"/v2.0/networks?limit=20", nil)
		req.Header.Set("X-Auth-Token", "alice-token")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "api.example.com")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var lb struct {
			Links []gophercloud.Link `json:"networks_links"`
		}
		require.NoError(t, decode(resp, &lb))
		require.NotEmpty(t, lb.Links)
		assert.True(t, strings.HasPrefix(lb.Links[0].Href, "https://api.example.com/neutron/v2.0/networks?"), lb.Links[0].Href)
		next := lb.Links[0].Href
		assert.Equal(t, "next", lb.Links[0].Rel)
		_, body = e.raw("alice-token", "GET", strings.TrimPrefix(next, "https://api.example.com/neutron"), nil)
		assert.Len(t, body["networks"], 3)
		for i := range apitest.Field[[]any](t, body, "networks_links") {
			assert.NotEqual(t, "next", apitest.Field[string](t, body, "networks_links", i, "rel"), "the last page has a next link")
		}
		status, _ = e.raw("alice-token", "GET", "/v2.0/networks?marker=00000000-0000-0000-0000-000000000000", nil)
		assert.Equal(t, 404, status)
	})
}

func TestPortFilters(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	n1, n2 := e.network("alice-token", "a"), e.network("alice-token", "b")
	s1 := e.subnet("alice-token", n1, "10.1.0.0/24")
	e.subnet("alice-token", n2, "10.2.0.0/24")
	for range 3 {
		_, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: n1, DeviceID: "vm1"}).Extract()
		require.NoError(t, err)
		_, err = ports.Create(ctx, c, ports.CreateOpts{NetworkID: n2}).Extract()
		require.NoError(t, err)
	}
	list := func(o ports.ListOpts) []ports.Port {
		all, err := ports.List(c, o).AllPages(ctx)
		require.NoError(t, err)
		ps, err := ports.ExtractPorts(all)
		require.NoError(t, err)
		return ps
	}
	assert.Len(t, list(ports.ListOpts{NetworkID: n1}), 3)
	assert.Len(t, list(ports.ListOpts{DeviceID: "vm1"}), 3)
	assert.Len(t, list(ports.ListOpts{FixedIPs: []ports.FixedIPOpts{{IPAddress: "10.1.0.3"}}}), 1)
	assert.Len(t, list(ports.ListOpts{FixedIPs: []ports.FixedIPOpts{{SubnetID: s1}}}), 3)
	assert.Len(t, list(ports.ListOpts{FixedIPs: []ports.FixedIPOpts{{IPAddressSubstr: "10.2."}}}), 3)
	assert.Len(t, list(ports.ListOpts{NetworkID: n1, Limit: 2}), 3, "paged through next links")
}

func TestExtensions(t *testing.T) {
	e := newEnv(t, memory.New(nil), neutron.Options{})
	ctx := context.Background()
	c := e.client("alice-token")
	all, err := extensions.List(c).AllPages(ctx)
	require.NoError(t, err)
	exts, err := extensions.ExtractExtensions(all)
	require.NoError(t, err)
	var aliases []string
	for _, x := range exts {
		aliases = append(aliases, x.Alias)
	}
	for _, want := range []string{"provider", "external-net", "security-group", "router", "quotas", "standard-attr-revisions",
		"standard-attr-tag", "pagination", "sorting", "filter-validation", "fields", "project-id", "net-mtu",
		"port-security", "allowed-address-pairs", "binding"} {
		assert.Contains(t, aliases, want)
	}
	x, err := extensions.Get(ctx, c, "router").Extract()
	require.NoError(t, err)
	assert.Equal(t, "router", x.Alias)
	_, err = extensions.Get(ctx, c, "no-such").Extract()
	expectFault(t, err, 404, "HTTPNotFound")

	status, body := e.raw("alice-token", "GET", "/", nil)
	assert.Equal(t, 200, status)
	assert.Contains(t, fmt.Sprint(body["versions"]), e.url+"/v2.0/")
	status, body = e.raw("alice-token", "GET", "/v2.0/", nil)
	assert.Equal(t, 200, status)
	assert.Len(t, body["resources"], 7)
}

func (e *env) subnet(token, network, cidr string) string {
	e.t.Helper()
	status, body := e.raw(token, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": network, "cidr": cidr, "ip_version": 4}})
	require.Equal(e.t, 201, status, "%v", body)
	return apitest.Field[string](e.t, body, "subnet", "id")
}
