package ovirt

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
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
	rt := httpapi.NewRouter(ssoFail)
	token := func(w http.ResponseWriter, r *http.Request) error {
		if err := ssoForm(w, r); err != nil {
			return err
		}
		if r.Form.Get("grant_type") != "password" {
			return &ssoError{http.StatusBadRequest, "unsupported_grant_type", "only grant_type=password"}
		}
		user := r.Form.Get("username")
		id, err := users.Verify(user, r.Form.Get("password"), r.RemoteAddr)
		var he *httpapi.Error
		switch {
		case errors.As(err, &he) && he.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
			return &ssoError{he.Status, "access_denied", "Cannot authenticate user " + user + ": " + he.Msg}
		case err != nil:
			return &ssoError{http.StatusUnauthorized, "access_denied", "Cannot authenticate user " + user}
		}
		tok, exp := sessions.Issue(id)
		ssoReply(w, http.StatusOK, map[string]string{"access_token": tok, "scope": "ovirt-app-api", "token_type": "bearer",
			"exp": strconv.FormatInt(exp.UnixMilli(), 10)})
		return nil
	}
	revoke := func(w http.ResponseWriter, r *http.Request) error {
		if err := ssoForm(w, r); err != nil {
			return err
		}
		// Revoking a token that is unknown is no error (RFC 7009 2.2).
		sessions.Revoke(r.Form.Get("token"))
		ssoReply(w, http.StatusOK, map[string]string{})
		return nil
	}
	rt.Handle("POST /sso/oauth/token", token)
	rt.Handle("POST /sso/oauth/revoke", revoke)
	rt.Handle("POST /services/sso-logout", revoke)
	rt.Handle("GET /services/sso-logout", revoke)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = httpapi.TrimPath(r, "")
		rt.ServeHTTP(w, r)
	})
}

// ssoError is a refusal as an OAuth token endpoint words it.
type ssoError struct {
	status     int
	code, desc string
}

func (e *ssoError) Error() string { return e.code + ": " + e.desc }

// ssoForm checks a request to the token endpoints and reads its form.
func ssoForm(w http.ResponseWriter, r *http.Request) error {
	if err := httpapi.CheckRequest(r, []string{"application/x-www-form-urlencoded"}, nil); err != nil {
		return &ssoError{err.Status, "invalid_request", err.Msg}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return &ssoError{http.StatusBadRequest, "invalid_request", err.Error()}
	}
	return nil
}

func ssoFail(w http.ResponseWriter, r *http.Request, err error) {
	e := &ssoError{http.StatusInternalServerError, "server_error", "internal error"}
	var he *httpapi.Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, httpapi.ErrNoRoute):
		e = &ssoError{http.StatusNotFound, "not_found", "no such endpoint"}
	case errors.Is(err, httpapi.ErrMethod):
		e = &ssoError{http.StatusMethodNotAllowed, "invalid_request", "POST only"}
	case errors.As(err, &he):
		e = &ssoError{he.Status, "invalid_request", he.Msg}
	}
	ssoReply(w, e.status, map[string]string{"error_code": e.code, "error": e.desc})
}

func ssoReply(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
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
