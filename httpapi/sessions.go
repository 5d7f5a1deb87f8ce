package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Sessions issues, looks up and revokes session tokens: what a login
// endpoint gives a caller who proved who they are (a cookie for Kimchi's
// UI, a bearer token for oVirt's SDKs). Tokens are random (256 bits) and
// kept only as their SHA-256, in memory: a restart, or another server,
// does not know them. The zero value is ready to use; it is safe for
// concurrent use.
type Sessions struct {
	// TTL is how long a session lives at most (default 8 hours), Idle
	// how long it lives unused (default 30 minutes).
	TTL, Idle time.Duration
	// Max bounds the sessions held at once (default 10,000): past it, the
	// least recently used goes.
	Max int

	mu sync.Mutex
	m  map[[32]byte]*session
}

type session struct {
	id               Identity
	expires, touched time.Time
}

// Issue starts a session for id and returns its token and when it ends
// at the latest.
func (s *Sessions) Issue(id Identity) (token string, expires time.Time) {
	var b [32]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	expires = now.Add(or(s.TTL, 8*time.Hour))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[32]byte]*session{}
	}
	if len(s.m) >= or(s.Max, 10000) {
		s.evict(now)
	}
	s.m[sha256.Sum256([]byte(token))] = &session{id: id, expires: expires, touched: now}
	return token, expires
}

// Lookup returns who a live session's token belongs to, and keeps it
// alive.
func (s *Sessions) Lookup(token string) (Identity, bool) {
	if token == "" {
		return Identity{}, false
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.m[key]
	if se == nil {
		return Identity{}, false
	}
	if now.After(se.expires) || now.Sub(se.touched) > or(s.Idle, 30*time.Minute) {
		delete(s.m, key)
		return Identity{}, false
	}
	se.touched = now
	return se.id, true
}

// Revoke ends a session; it reports whether there was one.
func (s *Sessions) Revoke(token string) bool {
	key := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	delete(s.m, key)
	return ok
}

// Len returns how many sessions are held (some may have expired unseen).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// evict drops what has expired and then the least recently used tenth.
func (s *Sessions) evict(now time.Time) {
	idle := or(s.Idle, 30*time.Minute)
	for k, se := range s.m {
		if now.After(se.expires) || now.Sub(se.touched) > idle {
			delete(s.m, k)
		}
	}
	for len(s.m) >= or(s.Max, 10000) {
		var oldest [32]byte
		var at time.Time
		for k, se := range s.m {
			if at.IsZero() || se.touched.Before(at) {
				oldest, at = k, se.touched
			}
		}
		delete(s.m, oldest)
	}
}

// SessionCookie is the cookie a browser session travels in.
const SessionCookie = "session_id"

// SetSessionCookie sets the session cookie on an answer: HttpOnly,
// SameSite=Strict (no other site's page makes the browser send it),
// Secure over TLS.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// Login is the Authenticator of a server where people log in: it takes
//
//   - X-Auth-Token, checked by Tokens (static tokens or Keystone), as
//     OpenStack clients send it;
//   - Authorization: Basic, checked by Users;
//   - Authorization: Bearer, or the session cookie, looked up in
//     Sessions (tokens from Kimchi's /login or oVirt's SSO);
//
// whichever the request carries, in that order. A nil field turns its
// way off.
type Login struct {
	Users    *Users
	Sessions *Sessions
	Tokens   Authenticator
}

// Authenticate implements Authenticator.
func (l *Login) Authenticate(r *http.Request) (Identity, error) {
	if r.Header.Get("X-Auth-Token") != "" && l.Tokens != nil {
		return l.Tokens.Authenticate(r)
	}
	authz := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(authz, " ")
	switch {
	case strings.EqualFold(scheme, "Basic") && l.Users != nil:
		return l.Users.Authenticate(r)
	case strings.EqualFold(scheme, "Bearer") && l.Sessions != nil:
		if id, ok := l.Sessions.Lookup(strings.TrimSpace(cred)); ok {
			return id, nil
		}
		return Identity{}, &Error{Status: http.StatusUnauthorized, Msg: "the token is unknown or expired"}
	}
	if c, err := r.Cookie(SessionCookie); err == nil && l.Sessions != nil {
		if id, ok := l.Sessions.Lookup(c.Value); ok {
			return id, nil
		}
		return Identity{}, &Error{Status: http.StatusUnauthorized, Msg: "the session has ended; log in again"}
	}
	return Identity{}, &Error{Status: http.StatusUnauthorized, Msg: "authentication is required"}
}

// Challenge implements Challenger: Basic when there are users (but not
// to a page's script, X-Requested-With, for which the browser would
// show its own login box over the page's), and Keystone's when Tokens is
// a Keystone.
func (l *Login) Challenge(r *http.Request) []string {
	var cs []string
	if l.Users != nil && r.Header.Get("X-Requested-With") == "" {
		cs = append(cs, DefaultChallenge)
	}
	if c, ok := l.Tokens.(Challenger); ok {
		cs = append(cs, c.Challenge(r)...)
	}
	if len(cs) == 0 {
		cs = append(cs, `Bearer realm="netslice"`)
	}
	return cs
}
