package ovirt

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
)

// SSO serves oVirt's single sign-on endpoints, as the v4 SDKs use them,
// relative to where it is mounted (/ovirt-engine):
//
//	POST /sso/oauth/token        grant_type=password, username, password → a bearer token
//	POST /sso/oauth/revoke       token → the token revoked
//	POST /services/sso-logout    token → the token revoked (the SDKs' Close)
//
// Passwords are checked by users (which throttles guessing: a user name
// or address that failed too often waits, answered 429 with
// Retry-After), tokens issued and revoked in sessions; the handler's
// Authenticator is then an httpapi.Login over the same two, so that a
// revoked token is refused at once. Form bodies only.
func SSO(users *httpapi.Users, sessions *httpapi.Sessions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := func(status int, v any) {
			b, _ := json.Marshal(v)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			w.Write(b)
		}
		fail := func(status int, code, desc string) {
			reply(status, map[string]string{"error_code": code, "error": desc})
		}
		path := strings.TrimSuffix(r.URL.Path, "/")
		if path != "/sso/oauth/token" && path != "/sso/oauth/revoke" && path != "/services/sso-logout" {
			fail(http.StatusNotFound, "not_found", "no such endpoint")
			return
		}
		if r.Method != http.MethodPost && !(r.Method == http.MethodGet && path == "/services/sso-logout") {
			w.Header().Set("Allow", "POST")
			fail(http.StatusMethodNotAllowed, "invalid_request", "POST only")
			return
		}
		if err := httpapi.CheckRequest(r, []string{"application/x-www-form-urlencoded"}, nil); err != nil {
			fail(err.Status, "invalid_request", err.Msg)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			fail(http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		if path != "/sso/oauth/token" {
			// Revoking a token that is unknown is no error (RFC 7009 2.2).
			sessions.Revoke(r.Form.Get("token"))
			reply(http.StatusOK, map[string]string{})
			return
		}
		if r.Form.Get("grant_type") != "password" {
			fail(http.StatusBadRequest, "unsupported_grant_type", "only grant_type=password")
			return
		}
		user := r.Form.Get("username")
		id, err := users.Verify(user, r.Form.Get("password"), r.RemoteAddr)
		var he *httpapi.Error
		switch {
		case errors.As(err, &he) && he.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
			fail(he.Status, "access_denied", "Cannot authenticate user "+user+": "+he.Msg)
			return
		case err != nil:
			fail(http.StatusUnauthorized, "access_denied", "Cannot authenticate user "+user)
			return
		}
		tok, exp := sessions.Issue(id)
		reply(http.StatusOK, map[string]string{"access_token": tok, "scope": "ovirt-app-api", "token_type": "bearer",
			"exp": strconv.FormatInt(exp.UnixMilli(), 10)})
	})
}

// Users authenticates as oVirt does, from plain passwords.
//
// Deprecated: keep bcrypt hashes in an httpapi.Users, serve SSO over it
// and an httpapi.Sessions, and authenticate with an httpapi.Login over
// both. Users does that itself, hashing Passwords when first used.
type Users struct {
	// Passwords maps user names ("admin@internal") to passwords.
	Passwords map[string]string
	// TTL is how long an issued token is good for (default 1 hour).
	TTL time.Duration

	once     sync.Once
	login    *httpapi.Login
	sso      http.Handler
	buildErr error
}

func (u *Users) build() error {
	u.once.Do(func() {
		accounts := map[string]httpapi.User{}
		for name, pw := range u.Passwords {
			h, err := httpapi.HashPassword(pw)
			if err != nil {
				u.buildErr = err
				return
			}
			accounts[name] = httpapi.User{Password: h, Roles: []string{httpapi.RoleAdmin}}
		}
		users, err := httpapi.NewUsers(accounts, nil)
		if err != nil {
			u.buildErr = err
			return
		}
		sessions := &httpapi.Sessions{TTL: u.TTL}
		if sessions.TTL <= 0 {
			sessions.TTL = time.Hour
		}
		u.login = &httpapi.Login{Users: users, Sessions: sessions}
		u.sso = SSO(users, sessions)
	})
	return u.buildErr
}

// Authenticate implements httpapi.Authenticator.
func (u *Users) Authenticate(r *http.Request) (httpapi.Identity, error) {
	if err := u.build(); err != nil {
		return httpapi.Identity{}, err
	}
	return u.login.Authenticate(r)
}

// SSO serves the token endpoint relative to /ovirt-engine/sso (oauth/token
// and oauth/revoke).
func (u *Users) SSO() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := u.build(); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		r2 := *r
		u2 := *r.URL
		u2.Path = "/sso" + r.URL.Path
		r2.URL = &u2
		u.sso.ServeHTTP(w, &r2)
	})
}
