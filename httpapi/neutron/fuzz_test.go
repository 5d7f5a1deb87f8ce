package neutron_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// fuzzBed is a handler over a memory store with one network and subnet,
// called directly (no sockets).
func fuzzBed(f *testing.F) (http.Handler, *memory.Store, string) {
	st := memory.New(nil)
	svc, err := neutron.NewService(st, neutron.Options{})
	if err != nil {
		f.Fatal(err)
	}
	running(f, svc)
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p", Admin: true})
	n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4}); err != nil {
		f.Fatal(err)
	}
	return neutron.NewHandler(svc, neutron.HandlerOptions{}), st, n.ID
}

// FuzzQuery: whatever the query string, a list answers 200 or a 4xx.
func FuzzQuery(f *testing.F) {
	h, _, net := fuzzBed(f)
	for _, s := range []string{"", "limit=2&marker=x", "sort_key=name&sort_dir=desc", "fields=id&fields=name",
		"network_id=" + net, "fixed_ips=ip_address=10.0.0.2", "tags=a,b&not-tags-any=c", "page_reverse=True&limit=1",
		"admin_state_up=maybe", "sort_key=id&sort_key=name&sort_dir=asc&sort_dir=desc", "%zz", "limit=99999999999999999999"} {
		f.Add("ports", s)
		f.Add("networks", s)
	}
	f.Fuzz(func(t *testing.T, coll, q string) {
		req := httptest.NewRequest("GET", "/v2.0/ports", nil)
		req.URL.Path = "/v2.0/" + coll
		req.URL.RawQuery = q
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET /v2.0/%s?%s: %d %s", coll, q, rec.Code, rec.Body)
		}
	})
}

// FuzzCreate: whatever the body, a creation answers 201 or a 4xx, and a
// 4xx leaves the store as it was.
func FuzzCreate(f *testing.F) {
	h, st, net := fuzzBed(f)
	for _, s := range []string{
		`{"port": {"network_id": "` + net + `"}}`,
		`{"port": {"network_id": "` + net + `", "fixed_ips": [{"ip_address": "10.0.0.7"}]}}`,
		`{"ports": [{"network_id": "` + net + `"}, {"network_id": "` + net + `", "mac_address": "fa:16:3e:00:00:01"}]}`,
		`{"network": {"name": "x", "provider:network_type": "vlan", "provider:physical_network": "p", "provider:segmentation_id": 7}}`,
		`{"subnet": {"network_id": "` + net + `", "cidr": "10.1.0.0/24", "ip_version": 4, "allocation_pools": [{"start": "10.1.0.9", "end": "10.1.0.20"}]}}`,
		`{"security_group_rule": {"security_group_id": "x", "direction": "ingress", "protocol": "tcp", "port_range_min": 1}}`,
		`{"port": {"network_id": "` + net + `", "binding:host_id": "0x1", "binding:profile": {"port": 3, "vlan": 10}}}`,
		`{"network": {"name": null}}`, `{"network": []}`, `{}`, `null`, `{"network": {"mtu": "1400"}}`,
		`{"subnetpool": {"name": "p", "prefixes": ["10.9.0.0/16", "10.8.0.0/16"], "default_prefixlen": 24, "default_quota": 1024}}`,
		`{"subnet": {"network_id": "` + net + `", "ip_version": 4, "subnetpool_id": "8e6b8f5c-8d4e-4c7e-9a51-4a3b2f1e0d9c", "prefixlen": 26}}`,
		`{"port": {"network_id": "` + net + `", "extra_dhcp_opts": [{"opt_name": "mtu", "opt_value": "1400", "ip_version": 4}], "trusted": true}}`,
	} {
		coll := "network"
		if parts := strings.SplitN(s, `"`, 3); len(parts) == 3 {
			coll = strings.TrimSuffix(parts[1], "s")
		}
		f.Add(coll, s)
	}
	f.Fuzz(func(t *testing.T, coll, body string) {
		path := map[string]string{"port": "ports", "network": "networks", "subnet": "subnets",
			"security_group_rule": "security-group-rules", "security_group": "security-groups",
			"router": "routers", "floatingip": "floatingips", "subnetpool": "subnetpools"}[coll]
		if path == "" {
			path = "ports"
		}
		rev0, _ := st.Revision(context.Background())
		req := httptest.NewRequest("POST", "/v2.0/"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Project-Id", "p")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("POST %s %s took %v", path, body, d)
		}
		switch {
		case rec.Code >= 500:
			t.Fatalf("POST %s %s: %d %s", path, body, rec.Code, rec.Body)
		case rec.Code >= 400:
			if rev1, _ := st.Revision(context.Background()); rev1 != rev0 && !strings.Contains(path, "security") {
				t.Fatalf("POST %s %s: %d, yet the store changed", path, body, rec.Code)
			}
		case rec.Code != 201:
			t.Fatalf("POST %s %s: %d %s", path, body, rec.Code, rec.Body)
		}
	})
}
