package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/netslice/netslice/httpapi"
)

// hash makes a bcrypt hash at the lowest cost, which keeps tests quick
// (HashPassword uses bcrypt's default).
func hash(t testing.TB, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func TestUsersVerify(t *testing.T) {
	users, err := httpapi.NewUsers(map[string]httpapi.User{
		"ann": {Password: hash(t, "s3cret"), Roles: []string{httpapi.RoleMember}, Project: "acme"},
		"bob": {Password: hash(t, "hunter2")},
	}, &httpapi.Throttle{MaxFailures: 3, MaxClientFailures: 5, Backoff: 200 * time.Millisecond})
	require.NoError(t, err)

	id, err := users.Verify("ann", "s3cret", "192.0.2.1:5000")
	require.NoError(t, err)
	assert.Equal(t, httpapi.Identity{Subject: "ann", Tenant: "acme", Roles: []string{"member"}}, id)

	var he *httpapi.Error
	_, err = users.Verify("ann", "wrong", "192.0.2.1:5000")
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 401, he.Status)
	assert.ErrorIs(t, err, httpapi.ErrBadCredentials)
	_, err = users.Verify("nobody", "s3cret", "192.0.2.1:5000")
	assert.ErrorIs(t, err, httpapi.ErrBadCredentials, "an unknown user is refused the same way")

	// Three failures for bob: the right password waits too.
	for range 3 {
		users.Verify("bob", "wrong", "192.0.2.2:1")
	}
	_, err = users.Verify("bob", "hunter2", "192.0.2.3:1")
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusTooManyRequests, he.Status)
	assert.Equal(t, 1, he.Retry)
	_, err = users.Verify("ann", "s3cret", "192.0.2.9:1")
	assert.NoError(t, err, "another account is not held back by the guessing")
	time.Sleep(250 * time.Millisecond)
	_, err = users.Verify("bob", "hunter2", "192.0.2.3:1")
	require.NoError(t, err, "the backoff has passed")

	// A pair verified a moment ago waits like any other while its user is
	// held back: else guesses could be checked against it at full speed.
	for range 3 {
		users.Verify("ann", "wrong", "192.0.2.4:1")
	}
	_, err = users.Verify("ann", "s3cret", "192.0.2.1:5000")
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusTooManyRequests, he.Status)

	// A client guessing many names is held back too.
	for i := range 5 {
		users.Verify("guess"+string(rune('a'+i)), "x", "198.51.100.7:1")
	}
	_, err = users.Verify("ann", "another guess", "198.51.100.7:2")
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusTooManyRequests, he.Status, "the address, not the port, is the client")

	_, err = httpapi.NewUsers(map[string]httpapi.User{"bob": {Password: "plain"}}, nil)
	assert.ErrorContains(t, err, "bcrypt hash")
	_, err = httpapi.NewUsers(map[string]httpapi.User{"a:b": {Password: hash(t, "x")}}, nil)
	assert.Error(t, err)
}

// TestUsersGuessing: 2,000 concurrent guesses get a handful checked.
func TestUsersGuessing(t *testing.T) {
	users, err := httpapi.NewUsers(map[string]httpapi.User{"admin": {Password: hash(t, "right"), Roles: []string{"admin"}}}, nil)
	require.NoError(t, err)
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range 2000 {
		wg.Go(func() {
			pw := "wrong"
			if i == 1999 {
				pw = "right"
			}
			_, err := users.Verify("admin", pw, "203.0.113.9:1")
			status := 200
			var he *httpapi.Error
			if errors.As(err, &he) {
				status = he.Status
			}
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, counts[401], 60, "checked before the throttle closed: %v", counts)
	assert.GreaterOrEqual(t, counts[429], 1900, "%v", counts)
}

func TestLoadUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"root": {"password": "`+hash(t, "pw")+`", "roles": ["admin"]}}`), 0o600))
	users, err := httpapi.LoadUsers(path, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"root"}, users.Names())
	require.NoError(t, os.WriteFile(path, []byte(`{"root": {"passwd": "x"}}`), 0o600))
	_, err = httpapi.LoadUsers(path, nil)
	assert.ErrorContains(t, err, `unknown field "root.passwd"`)
}

func TestSessions(t *testing.T) {
	s := &httpapi.Sessions{Idle: 100 * time.Millisecond, Max: 3}
	tok, exp := s.Issue(httpapi.Identity{Subject: "ann"})
	assert.WithinDuration(t, time.Now().Add(8*time.Hour), exp, time.Minute)
	assert.GreaterOrEqual(t, len(tok), 43)
	id, ok := s.Lookup(tok)
	require.True(t, ok)
	assert.Equal(t, "ann", id.Subject)
	_, ok = s.Lookup(tok + "x")
	assert.False(t, ok)
	assert.True(t, s.Revoke(tok))
	_, ok = s.Lookup(tok)
	assert.False(t, ok, "revoked")

	tok, _ = s.Issue(httpapi.Identity{Subject: "bob"})
	time.Sleep(150 * time.Millisecond)
	_, ok = s.Lookup(tok)
	assert.False(t, ok, "idle too long")

	for range 10 {
		s.Issue(httpapi.Identity{})
	}
	assert.LessOrEqual(t, s.Len(), 3)
}

func TestLogin(t *testing.T) {
	users, err := httpapi.NewUsers(map[string]httpapi.User{"ann": {Password: hash(t, "pw"), Roles: []string{"admin"}}}, nil)
	require.NoError(t, err)
	sessions := &httpapi.Sessions{}
	login := &httpapi.Login{Users: users, Sessions: sessions, Tokens: httpapi.StaticTokens{"tok": {Subject: "svc", Roles: []string{"reader"}}}}
	h := httpapi.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := httpapi.IdentityFrom(r.Context())
		w.Write([]byte(id.Subject))
	}), httpapi.Options{Authenticator: login})
	do := func(method string, set func(r *http.Request)) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/x", nil)
		set(r)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do("GET", func(r *http.Request) { r.SetBasicAuth("ann", "pw") })
	assert.Equal(t, "ann", w.Body.String())
	w = do("GET", func(r *http.Request) { r.Header.Set("X-Auth-Token", "tok") })
	assert.Equal(t, "svc", w.Body.String())
	tok, _ := sessions.Issue(httpapi.Identity{Subject: "sess", Roles: []string{"admin"}})
	w = do("GET", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) })
	assert.Equal(t, "sess", w.Body.String())
	w = do("DELETE", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: tok}) })
	assert.Equal(t, "sess", w.Body.String())

	// Refusals: 401 with the challenges, 403 for a reader that writes.
	w = do("GET", func(*http.Request) {})
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, []string{httpapi.DefaultChallenge}, w.Header().Values("WWW-Authenticate"))
	w = do("GET", func(r *http.Request) { r.Header.Set("X-Requested-With", "XMLHttpRequest") })
	assert.Equal(t, 401, w.Code)
	assert.NotContains(t, w.Header().Get("WWW-Authenticate"), "Basic", "no browser login box over a page's own")
	assert.NotEmpty(t, w.Header().Get("WWW-Authenticate"))
	w = do("GET", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") })
	assert.Equal(t, 401, w.Code)
	w = do("POST", func(r *http.Request) { r.Header.Set("X-Auth-Token", "tok") })
	assert.Equal(t, 403, w.Code)
	assert.Contains(t, w.Body.String(), httpapi.MsgNotWriter)
	sessions.Revoke(tok)
	w = do("GET", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: tok}) })
	assert.Equal(t, 401, w.Code)
}

// TestCrossSite: what a hostile page can make a browser send to a
// surface is refused before it is authenticated or handled.
func TestCrossSite(t *testing.T) {
	handled := 0
	h := httpapi.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handled++ }),
		httpapi.Options{FormTypes: []string{"multipart/form-data"}, TrustedOrigins: []string{"https://ui.example"}})
	tests := []struct {
		name, method, path, origin, site, ctype string
		status                                  int
	}{
		{"foreign origin", "POST", "/vms/x/poweroff", "http://evil.example", "", "", 403},
		{"foreign origin, text/plain", "POST", "/vms/x/poweroff", "http://evil.example", "", "text/plain", 403},
		{"cross-site fetch", "DELETE", "/x", "", "cross-site", "", 403},
		{"text/plain without origin", "POST", "/x", "", "", "text/plain", 415},
		{"form without origin", "PUT", "/x", "", "", "application/x-www-form-urlencoded", 415},
		{"multipart, taken by this surface", "POST", "/x", "", "", "multipart/form-data; boundary=z", 200},
		{"same origin", "POST", "/x", "http://example.com", "same-origin", "application/json", 200},
		{"trusted origin", "POST", "/x", "https://ui.example", "cross-site", "application/json", 200},
		{"no body, no type", "POST", "/x", "", "", "", 200},
		{"XML", "POST", "/x", "", "", "application/xml", 200},
		{"GET from anywhere", "GET", "/x", "http://evil.example", "cross-site", "text/plain", 200},
		{"dot segments", "DELETE", "/tenants/victim/networks/..", "", "", "", 400},
		{"escaped dot segments", "POST", "/a/%2e%2e/b", "", "", "", 400},
		{"empty segment", "PUT", "/a//b", "", "", "", 400},
		{"trailing slash", "PUT", "/a/b/", "", "", "", 200},
		{"dot segments, GET", "GET", "/a/../b", "", "", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://example.com"+tt.path, strings.NewReader(""))
			r.RequestURI = tt.path
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.site != "" {
				r.Header.Set("Sec-Fetch-Site", tt.site)
			}
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			before := handled
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, tt.status == 200, handled > before)
		})
	}
}

// TestGuard: a mux redirects a path with dot segments; behind Guard, a
// method that changes things never gets that far.
func TestGuard(t *testing.T) {
	mux := http.NewServeMux()
	deleted := ""
	mux.HandleFunc("DELETE /tenants/{t}", func(w http.ResponseWriter, r *http.Request) { deleted = r.PathValue("t") })
	srv := httptest.NewServer(httpapi.NewServer(mux, httpapi.ServerOptions{}).Handler)
	defer srv.Close()
	req, _ := http.NewRequest("DELETE", srv.URL+"/tenants/victim/networks/..", nil)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 400, res.StatusCode)
	assert.Empty(t, deleted, "the redirect was not followed into a DELETE of the tenant")
}

// TestUsersBurst: a client's first requests, many at once with the same
// right password, all pass: one bcrypt check answers them all.
func TestUsersBurst(t *testing.T) {
	users, err := httpapi.NewUsers(map[string]httpapi.User{"ann": {Password: hash(t, "pw"), Roles: []string{"admin"}}}, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := users.Verify("ann", "pw", "192.0.2.1:1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

// TestUsersBurstHeldBack: a burst for a user held back is refused as a
// whole, each try waiting its turn rather than passing uncounted.
func TestUsersBurstHeldBack(t *testing.T) {
	users, err := httpapi.NewUsers(map[string]httpapi.User{"ann": {Password: hash(t, "pw")}}, &httpapi.Throttle{Backoff: time.Minute})
	require.NoError(t, err)
	for range 5 {
		users.Verify("ann", "guess", "198.51.100.1:1")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 30 {
		wg.Go(func() {
			_, err := users.Verify("ann", "pw", "192.0.2.1:1")
			c := 200
			var he *httpapi.Error
			if errors.As(err, &he) {
				c = he.Status
			}
			mu.Lock()
			codes[c]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{429: 30}, codes)
}
