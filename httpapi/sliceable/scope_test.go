package sliceable_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/store/memory"
)

// TestProjectScope: with an Authenticator, a caller that is not an admin
// sees and changes only the tenant named as its project; a reader only
// looks.
func TestProjectScope(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	svc, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)
	h := sliceable.NewHandler(svc, sliceable.HandlerOptions{Authenticator: httpapi.StaticTokens{
		"admin": {Subject: "admin", Roles: []string{httpapi.RoleAdmin}},
		"ann":   {Subject: "ann", Tenant: "acme", Roles: []string{httpapi.RoleMember}},
		"rita":  {Subject: "rita", Tenant: "acme", Roles: []string{httpapi.RoleReader}},
		"eve":   {Subject: "eve", Tenant: "evil", Roles: []string{httpapi.RoleMember}},
	}})
	do := func(token, method, path, body string) (int, string) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("X-Auth-Token", token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	must := func(want int, token, method, path, body string) string {
		t.Helper()
		code, b := do(token, method, path, body)
		require.Equal(t, want, code, "%s %s %s as %s: %s", method, path, body, token, b)
		return b
	}
	must(202, "admin", "POST", "/tenants", `{"id":"victim"}`)
	must(202, "admin", "POST", "/tenants/victim/networks", `{"id":"secret"}`)
	must(202, "ann", "POST", "/tenants", `{"id":"acme"}`)
	must(202, "ann", "POST", "/tenants/acme/networks", `{"id":"office"}`)

	assert.JSONEq(t, `[{"id":"acme","description":""}]`, must(200, "ann", "GET", "/tenants", ""))
	assert.JSONEq(t, `[]`, must(200, "eve", "GET", "/tenants", ""))
	assert.Contains(t, must(200, "admin", "GET", "/tenants", ""), `"victim"`)
	must(404, "ann", "GET", "/tenants/victim", "")
	must(404, "ann", "GET", "/tenants/victim/networks", "")
	must(404, "ann", "DELETE", "/tenants/victim/networks/secret", "")
	must(404, "eve", "POST", "/tenants/acme/networks", `{"id":"x"}`)
	must(403, "eve", "POST", "/tenants", `{"id":"victim2"}`)
	must(200, "rita", "GET", "/tenants/acme/networks", "")
	must(403, "rita", "POST", "/tenants/acme/networks", `{"id":"y"}`)
	must(401, "nobody", "GET", "/tenants", "")
	must(200, "admin", "GET", "/tenants/victim/networks/secret", "")
}
