package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// StaticTokens authenticates X-Auth-Token against a fixed table: token →
// who it is (Tenant is the project; the role RoleAdmin makes an admin).
type StaticTokens map[string]Identity

// Authenticate implements httpapi.Authenticator.
func (t StaticTokens) Authenticate(r *http.Request) (Identity, error) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		return Identity{}, &Error{Status: 401, Msg: "Authentication required"}
	}
	id, ok := t[tok]
	if !ok {
		return Identity{}, &Error{Status: 401, Msg: "The request you have made requires authentication."}
	}
	return id, nil
}

// Keystone validates X-Auth-Token with a Keystone v3 server (GET
// /v3/auth/tokens with X-Subject-Token), as keystonemiddleware does, and
// remembers what it learnt until the token expires or TTL passes.
type Keystone struct {
	// URL is Keystone's base ("http://keystone:5000") or its v3 API
	// ("http://keystone:5000/v3", as clouds.yaml names it): either works.
	URL string
	// Token is the service's own token, sent as X-Auth-Token (empty: the
	// user's token validates itself, which Keystone allows).
	Token string
	// Client makes the requests (nil: a client with a 5 s timeout).
	Client *http.Client
	// TTL bounds how long a validation is trusted (0: 5 minutes).
	TTL time.Duration
	// Logger hears why a token was refused or could not be checked (nil:
	// nobody).
	Logger *slog.Logger

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	id      Identity
	err     error
	expires time.Time
}

// maxCached bounds the cache; past it, expired entries are dropped and
// then, if needed, everything.
const maxCached = 10000

// Authenticate implements httpapi.Authenticator.
func (k *Keystone) Authenticate(r *http.Request) (Identity, error) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		return Identity{}, &Error{Status: 401, Msg: "Authentication required"}
	}
	now := time.Now()
	k.mu.Lock()
	if c, ok := k.cache[tok]; ok && now.Before(c.expires) {
		k.mu.Unlock()
		return c.id, c.err
	}
	k.mu.Unlock()
	id, expires, err := k.validate(r.Context(), tok)
	ttl := k.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	until := now.Add(ttl)
	if err == nil && !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	var he *Error
	if err != nil && !asHTTPError(err, &he) {
		// Keystone unreachable: refuse now, do not remember it.
		if k.Logger != nil {
			k.Logger.Warn("keystone: cannot validate a token", "url", k.URL, "err", err)
		}
		return id, &Error{Status: 503, Msg: "the identity service is unavailable", Kind: ErrUnavailable, Err: err, Retry: 1}
	}
	if err != nil && k.Logger != nil {
		k.Logger.Info("keystone: token refused", "url", k.URL, "err", err, "remote", r.RemoteAddr)
	}
	k.mu.Lock()
	if k.cache == nil {
		k.cache = map[string]cached{}
	}
	if len(k.cache) >= maxCached {
		for t, c := range k.cache {
			if !now.Before(c.expires) {
				delete(k.cache, t)
			}
		}
		if len(k.cache) >= maxCached {
			clear(k.cache)
		}
	}
	k.cache[tok] = cached{id: id, err: err, expires: until}
	k.mu.Unlock()
	return id, err
}

func asHTTPError(err error, he **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*he = e
	}
	return ok
}

func (k *Keystone) validate(ctx context.Context, tok string) (Identity, time.Time, error) {
	var none Identity
	req, err := http.NewRequestWithContext(ctx, "GET", k.tokensURL(), nil)
	if err != nil {
		return none, time.Time{}, err
	}
	auth := k.Token
	if auth == "" {
		auth = tok
	}
	req.Header.Set("X-Auth-Token", auth)
	req.Header.Set("X-Subject-Token", tok)
	req.Header.Set("Accept", "application/json")
	client := k.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return none, time.Time{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return none, time.Time{}, err
	}
	switch {
	case resp.StatusCode == 404 || resp.StatusCode == 401:
		return none, time.Time{}, &Error{Status: 401, Msg: "The request you have made requires authentication.",
			Err: fmt.Errorf("keystone answered %s", resp.Status)}
	case resp.StatusCode != 200:
		return none, time.Time{}, fmt.Errorf("keystone answered %s", resp.Status)
	}
	var doc struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			Project *struct {
				ID string `json:"id"`
			} `json:"project"`
			Roles []struct {
				Name string `json:"name"`
			} `json:"roles"`
		} `json:"token"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return none, time.Time{}, fmt.Errorf("keystone's answer: %w", err)
	}
	id := Identity{Subject: doc.Token.User.ID}
	if doc.Token.Project != nil {
		id.Tenant = doc.Token.Project.ID
	}
	for _, r := range doc.Token.Roles {
		id.Roles = append(id.Roles, r.Name)
	}
	exp, _ := time.Parse(time.RFC3339Nano, doc.Token.ExpiresAt)
	return id, exp, nil
}

// tokensURL is where tokens are validated: URL with /v3 once.
func (k *Keystone) tokensURL() string {
	base := strings.TrimSuffix(k.URL, "/")
	base = strings.TrimSuffix(base, "/v3")
	return base + "/v3/auth/tokens"
}

// Challenge implements Challenger, as keystonemiddleware words it.
func (k *Keystone) Challenge(*http.Request) []string {
	return []string{`Keystone uri="` + strings.TrimSuffix(strings.TrimSuffix(k.URL, "/"), "/v3") + `"`}
}
