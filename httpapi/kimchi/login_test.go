package kimchi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// TestLogin: Wok's login as Kimchi's UI uses it — a session cookie, an
// admin who may do anything, a user who may only look (and not at the
// host's admin pages), logout, throttled guessing — and what a hostile
// page in the same browser could send refused.
func TestLogin(t *testing.T) {
	hash := func(pw string) string {
		h, err := httpapi.HashPassword(pw)
		require.NoError(t, err)
		return h
	}
	users, err := httpapi.NewUsers(map[string]httpapi.User{
		"root": {Password: hash("toor"), Roles: []string{httpapi.RoleAdmin}},
		"ann":  {Password: hash("ann"), Roles: []string{httpapi.RoleMember}},
		"bob":  {Password: hash("bob"), Roles: []string{httpapi.RoleAdmin}},
	}, &httpapi.Throttle{MaxFailures: 3, Backoff: time.Minute})
	require.NoError(t, err)
	sessions := &httpapi.Sessions{}
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	svc, err := kimchi.NewService(st, kimchi.Options{Driver: libvirttest.Open(t), DebugReportDir: t.TempDir()})
	require.NoError(t, err)
	running(t, svc)
	mux := http.NewServeMux()
	httpapi.Mount(mux, kimchi.NewHandler(svc, kimchi.HandlerOptions{Authenticator: &httpapi.Login{Users: users, Sessions: sessions}}))
	login := kimchi.Login(users, sessions)
	mux.Handle("/login", login)
	mux.Handle("/logout", login)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	type answer struct {
		status int
		header http.Header
		body   string
	}
	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	do := func(c *http.Client, method, path, body string, hdr ...string) answer {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Requested-With", "XMLHttpRequest") // as jQuery does
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := c.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return answer{res.StatusCode, res.Header, b.String()}
	}

	admin := browser()
	a := do(admin, "GET", "/plugins/kimchi/vms", "")
	assert.Equal(t, 401, a.status)
	assert.NotEmpty(t, a.header.Get("WWW-Authenticate"))
	assert.NotContains(t, a.header.Get("WWW-Authenticate"), "Basic", "no browser login box over Kimchi's page")
	a = do(admin, "POST", "/login", `{"username":"root","password":"toor"}`)
	require.Equal(t, 200, a.status, a.body)
	var info kimchi.LoginInfo
	require.NoError(t, json.Unmarshal([]byte(a.body), &info))
	assert.Equal(t, kimchi.LoginInfo{Username: "root", Groups: []string{}, Role: "admin"}, info)
	cookie := a.header.Get("Set-Cookie")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Strict")
	do(admin, "POST", "/plugins/kimchi/templates", `{"name":"t","memory":512}`)
	a = do(admin, "POST", "/plugins/kimchi/vms", `{"name":"vm","template":"/plugins/kimchi/templates/t"}`)
	require.Equal(t, 202, a.status, a.body)
	require.Eventually(t, func() bool {
		return strings.Contains(do(admin, "GET", "/plugins/kimchi/vms/vm", "").body, `"name":"vm"`)
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, do(admin, "POST", "/plugins/kimchi/vms/vm/start", "").status)

	// What another site's page makes the same browser send.
	a = do(admin, "POST", "/plugins/kimchi/vms/vm/poweroff", "", "Origin", "http://evil.example", "Content-Type", "text/plain")
	assert.Equal(t, 403, a.status, a.body)
	a = do(admin, "POST", "/plugins/kimchi/vms/vm/poweroff", "", "Content-Type", "text/plain")
	assert.Equal(t, 415, a.status, a.body)
	assert.Contains(t, do(admin, "GET", "/plugins/kimchi/vms/vm", "").body, `"state":"running"`, "the VM runs on")

	// A user who is not an admin looks, and only at what Wok shows them.
	user := browser()
	a = do(user, "POST", "/login", `{"username":"ann","password":"ann"}`)
	require.Equal(t, 200, a.status)
	assert.Contains(t, a.body, `"role":"user"`)
	assert.Equal(t, 200, do(user, "GET", "/plugins/kimchi/vms", "").status)
	a = do(user, "POST", "/plugins/kimchi/vms/vm/poweroff", "")
	assert.Equal(t, 403, a.status)
	assert.Contains(t, a.body, "KCHAPI0009E")
	for _, p := range []string{"/plugins/kimchi/debugreports", "/plugins/kimchi/host/devices", "/plugins/kimchi/host/partitions"} {
		a = do(user, "GET", p, "")
		assert.Equal(t, 403, a.status, p)
		assert.Contains(t, a.body, "KCHAPI0009E", p)
	}
	assert.Equal(t, 200, do(admin, "GET", "/plugins/kimchi/debugreports", "").status)

	// Logout ends the session at once.
	assert.Equal(t, 200, do(user, "POST", "/logout", "").status)
	assert.Equal(t, 401, do(user, "GET", "/plugins/kimchi/vms", "").status)

	// Wrong, missing, guessed.
	a = do(browser(), "POST", "/login", `{"username":"root"}`)
	assert.Equal(t, 400, a.status)
	assert.Contains(t, a.body, "WOKAUTH0007E")
	for range 3 {
		a = do(browser(), "POST", "/login", `{"username":"bob","password":"guess"}`)
		assert.Equal(t, 401, a.status)
		assert.Contains(t, a.body, "WOKAUTH0008E")
	}
	a = do(browser(), "POST", "/login", `{"username":"bob","password":"bob"}`)
	assert.Equal(t, 403, a.status)
	assert.Contains(t, a.body, "WOKAUTH0004E")
	assert.NotEmpty(t, a.header.Get("Retry-After"))
	assert.Equal(t, 200, do(admin, "GET", "/plugins/kimchi/vms", "").status, "a session that was open stays open")
}
