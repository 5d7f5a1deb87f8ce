package neutron_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/memory"
)

// tokens are the test bed's users: an admin and two projects' members.
var tokens = neutron.StaticTokens{
	"admin-token": {Subject: "admin", Tenant: "admin-project", Roles: []string{"admin"}},
	"alice-token": {Subject: "alice", Tenant: "project-a", Roles: []string{"member"}},
	"bob-token":   {Subject: "bob", Tenant: "project-b", Roles: []string{"member"}},
}

type env struct {
	t   *testing.T
	st  store.Store
	svc *neutron.Service
	url string
}

// running runs svc for the test's duration.
func running(tb testing.TB, svc *neutron.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// newEnv serves the API over st through httptest, mounted under
// /neutron as the all-in-one server mounts it.
func newEnv(t *testing.T, st store.Store, opts neutron.Options) *env {
	t.Helper()
	svc, err := neutron.NewService(st, opts)
	require.NoError(t, err)
	running(t, svc)
	mux := http.NewServeMux()
	httpapi.Mount(mux, neutron.NewHandler(svc, neutron.HandlerOptions{Authenticator: tokens}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, svc: svc, url: srv.URL + "/neutron"}
}

// client is gophercloud's networking client for a token.
func (e *env) client(token string) *gophercloud.ServiceClient {
	pc := &gophercloud.ProviderClient{}
	pc.SetToken(token)
	pc.EndpointLocator = func(gophercloud.EndpointOpts) (string, error) { return e.url + "/", nil }
	sc, err := openstack.NewNetworkV2(pc, gophercloud.EndpointOpts{})
	require.NoError(e.t, err)
	return sc
}

// stores runs f on each backend: memory, bolt, and etcd when it is
// installed.
func stores(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) { f(t, memory.New(nil)) })
	t.Run("bolt", func(t *testing.T) {
		st, err := bolt.Open(filepath.Join(t.TempDir(), "db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	t.Run("etcd", func(t *testing.T) {
		if testing.Short() {
			t.Skip("short: etcd skipped")
		}
		srv := etcdtest.Start(t)
		st, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/netslice/"})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
}

// neutronError is the fault a request failed with: its status and type.
func neutronError(t *testing.T, err error) (int, string) {
	t.Helper()
	var ue gophercloud.ErrUnexpectedResponseCode
	require.True(t, errors.As(err, &ue), "want an error response, got %v", err)
	var body struct {
		NeutronError struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
	}
	require.NoError(t, json.Unmarshal(ue.Body, &body), "not a NeutronError: %s", ue.Body)
	require.NotEmpty(t, body.NeutronError.Message)
	return ue.Actual, body.NeutronError.Type
}

// raw sends a request as a client would, returning status and body.
func (e *env) raw(token, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var res map[string]any
	opts := &gophercloud.RequestOpts{OkCodes: []int{200, 201, 202, 204}, KeepResponseBody: false}
	if body != nil {
		opts.JSONBody = body
	}
	opts.JSONResponse = &res
	sc := e.client(token)
	resp, err := sc.Request(context.Background(), method, e.url+path, opts)
	if err != nil {
		var ue gophercloud.ErrUnexpectedResponseCode
		if errors.As(err, &ue) {
			json.Unmarshal(ue.Body, &res)
			return ue.Actual, res
		}
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, res
}

func decode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
