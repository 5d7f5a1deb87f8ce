package ovirt

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
)

// Users authenticates as oVirt does: HTTP Basic with a user name and
// password, or a bearer token that SSO (mounted at /ovirt-engine/sso/)
// issued for them, which is how the v4 SDKs log in.
type Users struct {
	// Passwords maps user names ("admin@internal") to passwords.
	Passwords map[string]string
	// TTL is how long an issued token is good for (default 1 hour).
	TTL time.Duration

	mu     sync.Mutex
	tokens map[string]token
}

type token struct {
	user    string
	expires time.Time
}

func (u *Users) check(user, pass string) bool {
	want, ok := u.Passwords[user]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1
}

// Authenticate implements httpapi.Authenticator.
func (u *Users) Authenticate(r *http.Request) (httpapi.Identity, error) {
	if user, pass, ok := r.BasicAuth(); ok {
		if u.check(user, pass) {
			return httpapi.Identity{Subject: user, Roles: []string{"admin"}}, nil
		}
		return httpapi.Identity{}, &httpapi.Error{Status: 401, Msg: "the user name or password is wrong"}
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		u.mu.Lock()
		t, found := u.tokens[tok]
		if found && time.Now().After(t.expires) {
			delete(u.tokens, tok)
			found = false
		}
		u.mu.Unlock()
		if found {
			return httpapi.Identity{Subject: t.user, Roles: []string{"admin"}}, nil
		}
		return httpapi.Identity{}, &httpapi.Error{Status: 401, Msg: "the token is unknown or expired"}
	}
	return httpapi.Identity{}, &httpapi.Error{Status: 401, Msg: "authentication is required (Basic, or Bearer from /ovirt-engine/sso/oauth/token)"}
}

// SSO serves oVirt's token endpoint, POST oauth/token with
// grant_type=password, username and password (form-encoded), relative to
// where it is mounted (/ovirt-engine/sso).
func (u *Users) SSO() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := func(status int, v any) {
			b, _ := json.Marshal(v)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write(b)
		}
		if strings.Trim(r.URL.Path, "/") != "oauth/token" || r.Method != "POST" {
			reply(404, map[string]string{"error": "not_found", "error_description": "POST oauth/token"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			reply(400, map[string]string{"error": "invalid_request", "error_description": err.Error()})
			return
		}
		if r.Form.Get("grant_type") != "password" {
			reply(400, map[string]string{"error": "unsupported_grant_type", "error_description": "only grant_type=password"})
			return
		}
		user := r.Form.Get("username")
		if !u.check(user, r.Form.Get("password")) {
			reply(401, map[string]string{"error": "access_denied", "error_description": "Cannot authenticate user " + user})
			return
		}
		var b [24]byte
		rand.Read(b[:])
		tok := hex.EncodeToString(b[:])
		ttl := u.TTL
		if ttl <= 0 {
			ttl = time.Hour
		}
		exp := time.Now().Add(ttl)
		u.mu.Lock()
		if u.tokens == nil {
			u.tokens = map[string]token{}
		}
		now := time.Now()
		for k, t := range u.tokens {
			if now.After(t.expires) {
				delete(u.tokens, k)
			}
		}
		u.tokens[tok] = token{user: user, expires: exp}
		u.mu.Unlock()
		reply(200, map[string]string{"access_token": tok, "scope": "ovirt-app-api", "token_type": "bearer",
			"exp": strconv.FormatInt(exp.UnixMilli(), 10)})
	})
}
