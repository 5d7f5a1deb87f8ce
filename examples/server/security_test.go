package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
)

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:80": true, "localhost:1": true, "127.8.9.1:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:80": false, "192.0.2.1:80": false, "example.com:80": false, "nonsense": false} {
		assert.Equal(t, want, loopback(addr), addr)
	}
}

// TestRefusesOpenNetwork: without authentication the server starts on
// loopback only, unless told it may serve the network open.
func TestRefusesOpenNetwork(t *testing.T) {
	err := run(context.Background(), []string{"-http", "0.0.0.0:0", "-openflow", "127.0.0.1:0", "-data", t.TempDir()}, io.Discard, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-insecure-no-auth")
	acc, err := newAccess(config{}, discard())
	require.NoError(t, err)
	assert.NoError(t, acc.check("0.0.0.0:8080", true, discard()), "told to")
	assert.NoError(t, acc.check("127.0.0.1:8080", false, discard()))
	users := writeUsers(t)
	acc, err = newAccess(config{usersFile: users}, discard())
	require.NoError(t, err)
	assert.NoError(t, acc.check("0.0.0.0:8080", false, discard()), "with accounts, any address")
}

func TestHashPassword(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, hashPassword(strings.NewReader("s3cret\n"), &out))
	u, err := httpapi.NewUsers(map[string]httpapi.User{"a": {Password: strings.TrimSpace(out.String())}}, nil)
	require.NoError(t, err)
	_, err = u.Verify("a", "s3cret", "127.0.0.1:1")
	assert.NoError(t, err)
	assert.Error(t, hashPassword(strings.NewReader(""), &out))
}

// writeUsers writes a -users file: an admin (root:toor) and a member of
// project acme (ann:ann).
func writeUsers(t *testing.T) string {
	t.Helper()
	hash := func(pw string) string {
		h, err := httpapi.HashPassword(pw)
		require.NoError(t, err)
		return h
	}
	path := filepath.Join(t.TempDir(), "users.json")
	b, _ := json.Marshal(map[string]httpapi.User{
		"root": {Password: hash("toor"), Roles: []string{"admin"}},
		"ann":  {Password: hash("ann"), Roles: []string{"member"}, Project: "acme"},
	})
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// TestSecurity runs the server with accounts and tries it as an
// anonymous client, a project member, an admin and a hostile page would.
func TestSecurity(t *testing.T) {
	srv := startServer(t, "-users", writeUsers(t))
	type answer struct {
		status int
		header http.Header
		body   string
	}
	do := func(c *http.Client, method, path, body string, set ...func(*http.Request)) answer {
		t.Helper()
		req, err := http.NewRequest(method, srv.base+path, strings.NewReader(body))
		require.NoError(t, err)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, f := range set {
			f(req)
		}
		res, err := c.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, res.Header, string(b)}
	}
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Nobody gets in unasked, anywhere; every 401 says how.
	for _, p := range []string{"/", "/metrics", "/ui/", "/ui/api/fabric", "/ui/api/events", "/sliceable/tenants",
		"/neutron/v2.0/networks", "/ovirt-engine/api/networks", "/api/networks", "/plugins/kimchi/vms", "/plugins/kimchi/host/devices",
		"/plugins/kimchi/debugreports"} {
		a := do(anon, "GET", p, "")
		assert.Equal(t, 401, a.status, p)
		assert.NotEmpty(t, a.header.Get("WWW-Authenticate"), p)
	}
	assert.Equal(t, 401, do(anon, "POST", "/sliceable/tenants", `{"id":"x"}`).status)
	assert.Equal(t, 200, do(anon, "GET", "/neutron/", "").status, "version discovery needs no token, as with neutron-server")

	// An admin, with Basic.
	root := basic("root", "toor")
	require.Equal(t, 202, do(anon, "POST", "/sliceable/tenants", `{"id":"victim"}`, root).status)
	require.Equal(t, 202, do(anon, "POST", "/sliceable/tenants/victim/networks", `{"id":"secret"}`, root).status)
	assert.Equal(t, 200, do(anon, "GET", "/metrics", "", root).status)

	// A member of acme sees its own project on the fabric page only.
	ann := basic("ann", "ann")
	require.Equal(t, 202, do(anon, "POST", "/sliceable/tenants", `{"id":"acme"}`, ann).status)
	require.Equal(t, 202, do(anon, "POST", "/sliceable/tenants/acme/networks", `{"id":"office"}`, ann).status)
	assert.Equal(t, 403, do(anon, "POST", "/sliceable/tenants", `{"id":"other"}`, ann).status)
	assert.Equal(t, 404, do(anon, "GET", "/sliceable/tenants/victim", "", ann).status)
	require.Eventually(t, func() bool {
		return strings.Contains(do(anon, "GET", "/ui/api/fabric", "", root).body, "sliceable/acme/office")
	}, 5*time.Second, 20*time.Millisecond)
	fab := do(anon, "GET", "/ui/api/fabric", "", ann).body
	assert.Contains(t, fab, "sliceable/acme/office")
	assert.NotContains(t, fab, "victim")
	assert.Contains(t, do(anon, "GET", "/ui/api/fabric", "", root).body, "sliceable/victim/secret")
	assert.Equal(t, 403, do(anon, "POST", "/plugins/kimchi/networks", `{"name":"n","connection":"isolated"}`, ann).status,
		"Kimchi changes need an admin")
	assert.Equal(t, 403, do(anon, "GET", "/plugins/kimchi/debugreports", "", ann).status)

	// Kimchi's UI logs in with a session cookie; oVirt's SDKs with SSO.
	jar, _ := cookiejar.New(nil)
	ui := &http.Client{Jar: jar}
	assert.Equal(t, 200, do(ui, "POST", "/login", `{"username":"root","password":"toor"}`).status)
	assert.Equal(t, 200, do(ui, "GET", "/plugins/kimchi/vms", "").status)
	assert.Equal(t, 200, do(ui, "POST", "/logout", "").status)
	assert.Equal(t, 401, do(ui, "GET", "/plugins/kimchi/vms", "").status)
	res, err := http.PostForm(srv.base+"/ovirt-engine/sso/oauth/token", url.Values{"grant_type": {"password"},
		"scope": {"ovirt-app-api"}, "username": {"root"}, "password": {"toor"}})
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	res.Body.Close()
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.AccessToken) }
	assert.Equal(t, 200, do(anon, "GET", "/ovirt-engine/api/networks", "", bearer).status)
	res, err = http.PostForm(srv.base+"/ovirt-engine/services/sso-logout", url.Values{"token": {tok.AccessToken}})
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 401, do(anon, "GET", "/ovirt-engine/api/networks", "", bearer).status, "revoked")

	// A dot segment never becomes a DELETE of the tenant.
	a := do(anon, "DELETE", "/sliceable/tenants/victim/networks/..", "", root)
	assert.Equal(t, 400, a.status, a.body)
	assert.Equal(t, 200, do(anon, "GET", "/sliceable/tenants/victim", "", root).status, "the tenant is still there")

	// A hostile page in the admin's browser.
	a = do(anon, "POST", "/sliceable/tenants", `{"id":"evil"}`, root, func(r *http.Request) {
		r.Header.Set("Origin", "http://evil.example")
		r.Header.Set("Content-Type", "text/plain")
	})
	assert.Equal(t, 403, a.status)
	assert.Equal(t, 404, do(anon, "GET", "/sliceable/tenants/evil", "", root).status)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestClaimsSurviveRestarts: a Neutron port's MAC, later network-attached
// by a Sliceable network (created before the Neutron network), is
// Neutron's — before and after every restart, whichever source reports
// first.
func TestClaimsSurviveRestarts(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, "-data", data)
	post := func(path, body string) string {
		t.Helper()
		res, err := http.Post(srv.base+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		require.Less(t, res.StatusCode, 300, "%s: %s", path, b)
		return string(b)
	}
	post("/sliceable/tenants", `{"id":"acme"}`)
	post("/sliceable/tenants/acme/networks", `{"id":"office"}`)
	var net struct{ Network struct{ ID string } }
	require.NoError(t, json.Unmarshal([]byte(post("/neutron/v2.0/networks", `{"network":{"name":"web"}}`)), &net))
	post("/neutron/v2.0/ports", `{"port":{"network_id":"`+net.Network.ID+`","mac_address":"fa:16:3e:00:00:42"}}`)
	require.Eventually(t, statusHas(srv.base, `{"name":"neutron","slices":1`), 5*time.Second, 20*time.Millisecond)
	post("/sliceable/tenants/acme/networks/office/attachments", `{"id":"vm","mac":"fa:16:3e:00:00:42"}`)
	want := `"held_by":"neutron/` + net.Network.ID + `"`
	require.Eventually(t, statusHas(srv.base, want), 5*time.Second, 20*time.Millisecond, "the later claim, Sliceable's, is refused")
	for i := range 4 {
		require.NoError(t, srv.stop(t))
		srv = startServer(t, "-data", data)
		require.Eventually(t, statusHas(srv.base, want, `{"name":"sliceable","slices":1`), 5*time.Second, 20*time.Millisecond,
			"restart %d: Neutron holds the MAC", i+1)
	}
}
