package sliceable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/memory"
)

// backends runs fn against every store backend available.
func backends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) {
		st := memory.New(nil)
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("bolt", func(t *testing.T) {
		st, err := bolt.Open(filepath.Join(t.TempDir(), "db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("etcd", func(t *testing.T) {
		srv := etcdtest.Start(t)
		st, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/t/"})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

type api struct {
	t *testing.T
	c apitest.Client
}

type resp struct {
	status int
	ctype  string
	body   string
	header http.Header
}

func (a *api) do(method, path, body string) resp {
	a.t.Helper()
	var b any
	if body != "" {
		b = body
	}
	r := a.c.Do(method, path, b)
	return resp{status: r.Status, ctype: r.Header.Get("Content-Type"), body: r.Text(), header: r.Header}
}

// expect checks a response's status, and that data comes as JSON and
// errors as text/plain.
func (a *api) expect(method, path, body string, status int) resp {
	a.t.Helper()
	r := a.do(method, path, body)
	require.Equal(a.t, status, r.status, "%s %s %s: %s", method, path, body, r.body)
	switch {
	case status >= 400:
		assert.True(a.t, strings.HasPrefix(r.ctype, "text/plain"), "%s %s: error as %q", method, path, r.ctype)
	case r.body != "":
		assert.Equal(a.t, "application/json", r.ctype, "%s %s", method, path)
	}
	return r
}

func (a *api) json(method, path, body string, status int) any {
	a.t.Helper()
	return jsonAs[any](a, method, path, body, status)
}

// jsonAs is json decoded as a T: the test fails on a body of another
// shape.
func jsonAs[T any](a *api, method, path, body string, status int) T {
	a.t.Helper()
	r := a.expect(method, path, body, status)
	var v T
	require.NoError(a.t, json.Unmarshal([]byte(r.body), &v), r.body)
	return v
}

func newAPI(t *testing.T, st store.Store) *api {
	svc, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)
	return &api{t: t, c: apitest.Client{T: t, Handler: sliceable.NewHandler(svc, sliceable.HandlerOptions{})}}
}

func TestTenants(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		// Tables 1-2: create.
		r := a.expect("POST", "/tenants", `{"id":"tenant-1","description":"our organization"}`, 202)
		assert.Equal(t, "/tenants/tenant-1", r.header.Get("Location"))
		assert.JSONEq(t, `{"id":"tenant-1","description":"our organization"}`, r.body)
		a.expect("POST", "/tenants", `{"id":"tenant-1"}`, 422)
		gen := jsonAs[map[string]any](a, "POST", "/tenants", `{}`, 202)
		require.NotEmpty(t, gen["id"], "no id generated")
		// Tables 3-4: list.
		list := jsonAs[[]any](a, "GET", "/tenants", "", 200)
		assert.Len(t, list, 2)
		assert.Contains(t, list, map[string]any{"id": "tenant-1", "description": "our organization"})
		// Tables 5-7: read.
		assert.Equal(t, map[string]any{"description": "our organization"}, a.json("GET", "/tenants/tenant-1", "", 200))
		a.expect("GET", "/tenants/nope", "", 404)
		// Tables 9-10: modify.
		a.expect("PUT", "/tenants/tenant-1", `{"description":"another organization"}`, 202)
		assert.Equal(t, map[string]any{"description": "another organization"}, a.json("GET", "/tenants/tenant-1", "", 200))
		a.expect("PUT", "/tenants/nope", `{"description":"x"}`, 404)
		a.expect("PUT", "/tenants/tenant-1", `{"description":`, 422)
		a.expect("PUT", "/tenants/tenant-1", `{"description":5}`, 422)
		// Table 8: delete.
		a.expect("DELETE", "/tenants/tenant-1", "", 202)
		a.expect("DELETE", "/tenants/tenant-1", "", 404)
		a.expect("GET", "/tenants/tenant-1", "", 404)
		assert.Len(t, a.json("GET", "/tenants", "", 200), 1)
	})
}

func TestNetworks(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		// Table 11-12: create; an unknown tenant is created on the way.
		r := a.expect("POST", "/tenants/tenant-1/networks", `{"id":"net-1","description":"marketing department"}`, 202)
		assert.Equal(t, "/tenants/tenant-1/networks/net-1", r.header.Get("Location"))
		a.expect("GET", "/tenants/tenant-1", "", 200)
		a.expect("POST", "/tenants/tenant-1/networks", `{"id":"net-1"}`, 422)
		a.expect("POST", "/tenants/tenant-1/networks", `{"id":"net-2","description":"development department"}`, 202)
		// Tables 13-14: list.
		assert.Equal(t, []any{
			map[string]any{"id": "net-1", "description": "marketing department"},
			map[string]any{"id": "net-2", "description": "development department"},
		}, a.json("GET", "/tenants/tenant-1/networks", "", 200))
		a.expect("GET", "/tenants/nope/networks", "", 404)
		// Tables 15-17: read, with bindings.
		assert.Equal(t, map[string]any{"bindings": []any{}, "description": "development department"},
			a.json("GET", "/tenants/tenant-1/networks/net-2", "", 200))
		a.expect("GET", "/tenants/tenant-1/networks/nope", "", 404)
		a.expect("GET", "/tenants/nope/networks/net-1", "", 404)
		// Tables 19-20: modify.
		a.expect("PUT", "/tenants/tenant-1/networks/net-1", `{"description":"another department"}`, 202)
		assert.Equal(t, "another department", jsonAs[map[string]any](a, "GET", "/tenants/tenant-1/networks/net-1", "", 200)["description"])
		a.expect("PUT", "/tenants/tenant-1/networks/nope", `{"description":"x"}`, 404)
		a.expect("PUT", "/tenants/tenant-1/networks/net-1", `not json`, 422)
		// Table 18: delete.
		a.expect("DELETE", "/tenants/tenant-1/networks/net-1", "", 202)
		a.expect("DELETE", "/tenants/tenant-1/networks/net-1", "", 404)
		assert.Len(t, a.json("GET", "/tenants/tenant-1/networks", "", 200), 1)
	})
}

func TestPortsAndAttachments(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		net := "/tenants/tenant-1/networks/net-1"
		a.expect("POST", "/tenants/tenant-1/networks", `{"id":"net-1"}`, 202)
		// Tables 21-22: create a port.
		r := a.expect("POST", net+"/ports", `{"id":"port-1","datapath_id":"0x0000000000001234","port":1,"vid":1024}`, 202)
		assert.Equal(t, net+"/ports/port-1", r.header.Get("Location"))
		a.expect("POST", net+"/ports", `{"id":"port-1","datapath_id":"0x1234","port":2,"vid":1024}`, 422)
		a.expect("POST", "/tenants/tenant-1/networks/nope/ports", `{"datapath_id":"0x1","port":1,"vid":1}`, 404)
		gen := jsonAs[struct {
			ID         string `json:"id"`
			DatapathID string `json:"datapath_id"`
		}](a, "POST", net+"/ports", `{"datapath_id":"0xe0","port":3,"vid":65535}`, 202)
		assert.Equal(t, "0x00000000000000e0", gen.DatapathID)
		// The same location in another network is refused.
		a.expect("POST", "/tenants/tenant-1/networks", `{"id":"net-2"}`, 202)
		a.expect("POST", "/tenants/tenant-1/networks/net-2/ports", `{"datapath_id":"0x1234","port":1,"vid":1024}`, 422)
		// Tables 23-25: list ports.
		ports := jsonAs[[]any](a, "GET", net+"/ports", "", 200)
		require.Len(t, ports, 2)
		assert.Contains(t, ports, map[string]any{"vid": float64(1024), "datapath_id": "0x0000000000001234", "id": "port-1", "port": float64(1)})
		a.expect("GET", "/tenants/tenant-1/networks/nope/ports", "", 404)
		// Tables 26-28: read a port.
		assert.Equal(t, map[string]any{"config": map[string]any{"vid": float64(1024), "datapath_id": "0x0000000000001234", "port": float64(1)}},
			a.json("GET", net+"/ports/port-1", "", 200))
		a.expect("GET", net+"/ports/nope", "", 404)
		// Table 29: no batched delete of ports.
		r = a.expect("DELETE", net+"/ports", "", 405)
		assert.Contains(t, r.header.Get("Allow"), "GET")

		// Tables 30-31: attach a MAC to a port.
		a.expect("POST", net+"/ports/port-1/attachments", `{"id":"attachment-1","mac":"11:22:33:44:55:66"}`, 202)
		a.expect("POST", net+"/ports/port-1/attachments", `{"id":"attachment-1","mac":"00:00:00:00:00:01"}`, 422)
		a.expect("POST", net+"/ports/nope/attachments", `{"id":"a","mac":"00:00:00:00:00:02"}`, 422)
		a.expect("POST", "/tenants/tenant-1/networks/nope/ports/port-1/attachments", `{"id":"a","mac":"00:00:00:00:00:02"}`, 404)
		a.expect("POST", net+"/ports/port-1/attachments", `{"id":"a2"}`, 422)
		a.expect("POST", net+"/ports/"+gen.ID+"/attachments", `{"id":"a3","mac":"11:22:33:44:55:66"}`, 422) // one port per MAC
		// Tables 32-33: list them.
		assert.Equal(t, []any{map[string]any{"id": "attachment-1", "mac": "11:22:33:44:55:66"}},
			a.json("GET", net+"/ports/port-1/attachments", "", 200))
		a.expect("GET", "/tenants/nope/networks/net-1/ports/port-1/attachments", "", 404)
		// Tables 34-35: read one.
		assert.Equal(t, map[string]any{"id": "attachment-1", "mac": "11:22:33:44:55:66"},
			a.json("GET", net+"/ports/port-1/attachments/attachment-1", "", 200))
		a.expect("GET", net+"/ports/port-1/attachments/nope", "", 404)

		// Tables 37-38: attach a MAC to the network.
		a.expect("POST", net+"/attachments", `{"id":"test-attachment","mac":"00:00:00:00:00:01"}`, 202)
		a.expect("POST", net+"/attachments", `{"id":"test-attachment","mac":"00:00:00:00:00:09"}`, 422)
		a.expect("POST", "/tenants/tenant-1/networks/nope/attachments", `{"id":"x","mac":"00:00:00:00:00:09"}`, 404)
		// Tables 39-41: list and read.
		assert.Equal(t, []any{map[string]any{"id": "test-attachment", "mac": "00:00:00:00:00:01"}}, a.json("GET", net+"/attachments", "", 200))
		assert.Equal(t, map[string]any{"id": "test-attachment", "mac": "00:00:00:00:00:01"}, a.json("GET", net+"/attachments/test-attachment", "", 200))
		a.expect("GET", net+"/attachments/nope", "", 404)
		a.expect("GET", "/tenants/tenant-1/networks/nope/attachments", "", 404)

		// Table 16: the network's bindings list all of it.
		bindings := jsonAs[struct {
			Bindings []any `json:"bindings"`
		}](a, "GET", net, "", 200).Bindings
		assert.Len(t, bindings, 4)
		assert.Contains(t, bindings, map[string]any{"type": float64(1), "id": "port-1", "datapath_id": "0x0000000000001234", "port": float64(1), "vid": float64(1024)})
		assert.Contains(t, bindings, map[string]any{"type": float64(2), "id": "test-attachment", "mac": "00:00:00:00:00:01"})
		assert.Contains(t, bindings, map[string]any{"type": float64(3), "id": "attachment-1", "port_id": "port-1",
			"datapath_id": "0x0000000000001234", "port": float64(1), "vid": float64(1024), "mac": "11:22:33:44:55:66"})

		// Tables 36, 42: delete attachments; table 29: delete a port.
		a.expect("DELETE", net+"/ports/port-1/attachments/attachment-1", "", 202)
		a.expect("DELETE", net+"/ports/port-1/attachments/attachment-1", "", 404)
		a.expect("DELETE", net+"/attachments/test-attachment", "", 202)
		a.expect("DELETE", net+"/attachments/test-attachment", "", 404)
		a.expect("POST", net+"/ports/port-1/attachments", `{"id":"attachment-2","mac":"11:22:33:44:55:66"}`, 202)
		a.expect("DELETE", net+"/ports/port-1", "", 202)
		a.expect("DELETE", net+"/ports/port-1", "", 404)
		a.expect("GET", net+"/ports/port-1/attachments/attachment-2", "", 404) // went with its port
		// The location is free again.
		a.expect("POST", "/tenants/tenant-1/networks/net-2/ports", `{"datapath_id":"0x1234","port":1,"vid":1024}`, 202)
	})
}

// TestCascade: deleting a tenant deletes everything under it, and nothing
// else, in one store transaction (one revision).
func TestCascade(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		a := newAPI(t, st)
		for _, tenant := range []string{"t1", "t10"} {
			for n := range 3 {
				net := fmt.Sprintf("/tenants/%s/networks/n%d", tenant, n)
				a.expect("POST", fmt.Sprintf("/tenants/%s/networks", tenant), fmt.Sprintf(`{"id":"n%d"}`, n), 202)
				a.expect("POST", net+"/ports", fmt.Sprintf(`{"id":"p","datapath_id":"0x%d","port":%d,"vid":1}`, len(tenant), n+1), 202)
				a.expect("POST", net+"/ports/p/attachments", fmt.Sprintf(`{"id":"a","mac":"02:00:00:00:%02d:%02d"}`, len(tenant), n), 202)
				a.expect("POST", net+"/attachments", `{"id":"b","mac":"02:00:00:00:99:99"}`, 202)
			}
		}
		before, err := st.Revision(context.Background())
		require.NoError(t, err)
		a.expect("DELETE", "/tenants/t1", "", 202)
		after, err := st.Revision(context.Background())
		require.NoError(t, err)
		page, _, err := st.List(context.Background(), "", "", 1000)
		require.NoError(t, err)
		for _, kv := range page {
			assert.NotContains(t, kv.Key, "/t1/", "left behind: %s", kv.Key)
			if kv.ModRevision > before {
				assert.Equal(t, after, kv.ModRevision)
			}
		}
		assert.Len(t, a.json("GET", "/tenants/t10/networks", "", 200), 3, "another tenant lost networks")
		a.expect("GET", "/tenants/t1/networks/n0/ports/p", "", 404)
	})
}

// TestBadInput: the right 4xx, and nothing stored.
func TestBadInput(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	a.expect("POST", "/tenants/t/networks", `{"id":"n"}`, 202)
	rev, _ := st.Revision(context.Background())
	net := "/tenants/t/networks/n"
	huge := `{"description":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed JSON", "POST", "/tenants", `{"id":`, 422},
		{"not JSON", "POST", "/tenants", `hello`, 422},
		{"two values", "POST", "/tenants", `{} {}`, 422},
		{"wrong type", "POST", "/tenants", `{"id":7}`, 422},
		{"unknown field", "POST", "/tenants", `{"id":"x","name":"y"}`, 422},
		{"array body", "POST", "/tenants", `[]`, 422},
		{"huge body", "POST", "/tenants", huge, 413},
		{"id with a slash", "POST", "/tenants", `{"id":"a/b"}`, 422},
		{"id with a control character", "POST", "/tenants", `{"id":"a\u0001b"}`, 422},
		{"empty id", "POST", "/tenants", `{"id":""}`, 422},
		{"long id", "POST", "/tenants", `{"id":"` + strings.Repeat("i", 256) + `"}`, 422},
		{"network id with a slash", "POST", "/tenants/t/networks", `{"id":"../x"}`, 422},
		{"port without vid", "POST", net + "/ports", `{"datapath_id":"0x1","port":1}`, 422},
		{"port with bad datapath id", "POST", net + "/ports", `{"datapath_id":"1234","port":1,"vid":1}`, 422},
		{"port with long datapath id", "POST", net + "/ports", `{"datapath_id":"0x11112222333344445","port":1,"vid":1}`, 422},
		{"port with vid 4096", "POST", net + "/ports", `{"datapath_id":"0x1","port":1,"vid":4096}`, 422},
		{"port with vid 70000", "POST", net + "/ports", `{"datapath_id":"0x1","port":1,"vid":70000}`, 422},
		{"port with negative vid", "POST", net + "/ports", `{"datapath_id":"0x1","port":1,"vid":-1}`, 422},
		{"port 0", "POST", net + "/ports", `{"datapath_id":"0x1","port":0,"vid":1}`, 422},
		{"reserved port", "POST", net + "/ports", `{"datapath_id":"0x1","port":4294967293,"vid":1}`, 422},
		{"fractional port", "POST", net + "/ports", `{"datapath_id":"0x1","port":1.5,"vid":1}`, 422},
		{"port as a string", "POST", net + "/ports", `{"datapath_id":"0x1","port":"1","vid":1}`, 422},
		{"bad MAC", "POST", net + "/attachments", `{"id":"a","mac":"11:22:33:44:55"}`, 422},
		{"MAC with bad digits", "POST", net + "/attachments", `{"id":"a","mac":"11:22:33:44:55:6g"}`, 422},
		{"attachment without id", "POST", net + "/attachments", `{"mac":"02:00:00:00:00:01"}`, 422},
		{"path id with a control character", "GET", "/tenants/a%01b", "", 404},
		{"wrong content type", "POST", "/tenants", `{}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r resp
			if tt.name == "wrong content type" {
				req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
				req.Header.Set("Content-Type", "text/xml")
				w := httptest.NewRecorder()
				a.c.Handler.ServeHTTP(w, req)
				r = resp{status: w.Code, ctype: w.Header().Get("Content-Type")}
			} else {
				r = a.do(tt.method, tt.path, tt.body)
			}
			assert.Equal(t, tt.status, r.status, r.body)
			assert.True(t, strings.HasPrefix(r.ctype, "text/plain"), "error as %q", r.ctype)
		})
	}
	after, _ := st.Revision(context.Background())
	assert.Equal(t, rev, after, "bad input changed the store")
}

// TestListEscapes: ids with quotes and backslashes come out as valid JSON.
func TestListEscapes(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	a.expect("POST", "/tenants", `{"id":"a\"b\\c é"}`, 202)
	assert.Equal(t, []any{map[string]any{"id": "a\"b\\c é", "description": ""}}, a.json("GET", "/tenants", "", 200))
}

func TestNotAcceptable(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	r := httptest.NewRequest("GET", "/tenants", nil)
	r.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	a.c.Handler.ServeHTTP(w, r)
	assert.Equal(t, http.StatusNotAcceptable, w.Code)
	r.Header.Set("Accept", "text/html, application/json;q=0.5")
	w = httptest.NewRecorder()
	a.c.Handler.ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code)
}
