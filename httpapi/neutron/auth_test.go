package neutron_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/memory"
)

// keystoneV3 answers GET /v3/auth/tokens as Keystone does for the
// tokens it knows: the token's project and roles, and when it expires.
// (No Keystone runs here; this is its documented answer, no more.)
func keystoneV3(t *testing.T, known map[string][2]string, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v3/auth/tokens" || r.Header.Get("X-Auth-Token") == "" {
			w.WriteHeader(401)
			return
		}
		tok, ok := known[r.Header.Get("X-Subject-Token")]
		if !ok {
			w.WriteHeader(404)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano),
			"user":       map[string]string{"id": "u-" + tok[0]},
			"project":    map[string]string{"id": tok[0]},
			"roles":      []any{map[string]string{"name": tok[1]}},
		}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKeystone(t *testing.T) {
	var calls atomic.Int32
	ks := keystoneV3(t, map[string][2]string{"good": {"project-k", "member"}, "boss": {"ops", "admin"}}, &calls)
	svc, err := neutron.NewService(memory.New(nil), neutron.Options{})
	require.NoError(t, err)
	running(t, svc)
	h := neutron.NewHandler(svc, neutron.HandlerOptions{Authenticator: &neutron.Keystone{URL: ks.URL, Token: "service"}})
	do := func(token, method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	assert.Equal(t, 200, do("good", "GET", "/v2.0/networks").Code)
	assert.Equal(t, 200, do("good", "GET", "/v2.0/networks").Code)
	assert.Equal(t, int32(1), calls.Load(), "a validated token is remembered")
	assert.Equal(t, 401, do("forged", "GET", "/v2.0/networks").Code)
	assert.Equal(t, 401, do("", "GET", "/v2.0/networks").Code)
	assert.Equal(t, 200, do("", "GET", "/").Code, "version discovery needs no token")
	rec := do("good", "GET", "/v2.0/quotas")
	assert.Equal(t, 403, rec.Code, "a member is no admin: %s", rec.Body)
	assert.Equal(t, 200, do("boss", "GET", "/v2.0/quotas").Code)

	// Keystone down: 503, and nothing remembered.
	ks.Close()
	rec = do("other", "GET", "/v2.0/networks")
	assert.Equal(t, 503, rec.Code)
	var _ httpapi.Authenticator = &neutron.Keystone{}
}
