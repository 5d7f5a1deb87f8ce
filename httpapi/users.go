package httpapi

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is an account of a Users table.
type User struct {
	// Password is the password's bcrypt hash ("$2y$10$…", as HashPassword
	// or `htpasswd -nB` make it); the password itself is never kept.
	Password string `json:"password"`
	// Roles are the account's roles (RoleAdmin, RoleMember, RoleReader).
	Roles []string `json:"roles"`
	// Project is the project the account acts for ("" for none).
	Project string `json:"project,omitempty"`
}

// Users is a table of accounts that log in with a user name and a
// password: over HTTP Basic (it is an Authenticator), and through the
// login endpoints of the surfaces that have them (Kimchi's /login,
// oVirt's SSO), which Verify and then issue a session. It throttles
// password guessing per user name and per client address. It is safe for
// concurrent use.
type Users struct {
	accounts map[string]User
	dummy    []byte // a hash to compare against for unknown users
	throttle *throttle

	// verified remembers pairs checked lately (by their SHA-256), so that
	// a client sending Basic on every request pays bcrypt once a minute,
	// not every time.
	mu       sync.Mutex
	verified map[[32]byte]time.Time
	checking map[[32]byte]chan struct{} // pairs being checked now
}

const (
	verifiedFor = time.Minute
	maxVerified = 4096
)

// HashPassword returns the bcrypt hash of a password, for a User.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// NewUsers returns a table of the accounts, by user name; each
// password must be a bcrypt hash. t bounds password guessing (nil, or
// any zero field: the defaults Throttle names).
func NewUsers(accounts map[string]User, t *Throttle) (*Users, error) {
	u := &Users{accounts: map[string]User{}}
	for name, a := range accounts {
		if name == "" || strings.ContainsAny(name, ":\x00") {
			return nil, fmt.Errorf("httpapi: user name %q: empty, or holds ':'", name)
		}
		if _, err := bcrypt.Cost([]byte(a.Password)); err != nil {
			return nil, fmt.Errorf("httpapi: user %s: the password must be a bcrypt hash (HashPassword, htpasswd -nB): %w", name, err)
		}
		a.Roles = append([]string(nil), a.Roles...)
		u.accounts[name] = a
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	u.dummy = dummy
	if t == nil {
		t = &Throttle{}
	}
	u.throttle = newThrottle(*t)
	return u, nil
}

// LoadUsers reads a table of accounts from a JSON file:
//
//	{"admin": {"password": "$2y$10$…", "roles": ["admin"]},
//	 "ann":   {"password": "$2y$10$…", "roles": ["member"], "project": "acme"}}
func LoadUsers(path string, t *Throttle) (*Users, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var accounts map[string]User
	if err := UnmarshalStrict(b, &accounts, http.StatusBadRequest); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return NewUsers(accounts, t)
}

// Names returns the user names, sorted.
func (u *Users) Names() []string {
	out := make([]string, 0, len(u.accounts))
	for n := range u.accounts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrBadCredentials is what Verify returns for a wrong user name or
// password (inside an *Error with status 401).
var ErrBadCredentials = errors.New("the user name or password is wrong")

// Verify checks a user name and password presented from client (an
// address, as in Request.RemoteAddr) and returns who it is. A wrong pair
// is a 401 *Error wrapping ErrBadCredentials; a user name or client that
// failed too often lately is refused without checking, with a 429 *Error
// whose Retry says when to try again.
func (u *Users) Verify(name, password, client string) (Identity, error) {
	client = clientHost(client)
	now := time.Now()
	throttled := func(wait time.Duration) error {
		secs := int((wait + time.Second - 1) / time.Second)
		return &Error{Status: http.StatusTooManyRequests, Retry: secs,
			Msg: "too many failed logins; try again in " + strconv.Itoa(secs) + " s"}
	}
	a, ok := u.accounts[name]
	id := Identity{Subject: name, Tenant: a.Project, Roles: append([]string(nil), a.Roles...)}
	key := sha256.Sum256([]byte(name + "\x00" + password))
	u.mu.Lock()
	var at time.Time
	var seen bool
	for {
		if at, seen = u.verified[key]; seen && time.Since(at) < verifiedFor {
			break
		}
		// The same pair being checked (a client's first requests, at
		// once): its answer is this one's. Else this one checks it.
		if wait := u.checking[key]; wait != nil {
			u.mu.Unlock()
			<-wait
			u.mu.Lock()
			continue
		}
		mine := make(chan struct{})
		if u.checking == nil {
			u.checking = map[[32]byte]chan struct{}{}
		}
		u.checking[key] = mine
		defer func() {
			u.mu.Lock()
			delete(u.checking, key)
			u.mu.Unlock()
			close(mine)
		}()
		break
	}
	u.mu.Unlock()
	if seen && time.Since(at) < verifiedFor {
		// Verified a moment ago: no bcrypt, but a user name or client
		// held back waits all the same, else guesses could be checked
		// against this memory at full speed.
		if wait := u.throttle.locked(name, client, now); wait > 0 {
			return Identity{}, throttled(wait)
		}
		return id, nil
	}
	if wait := u.throttle.begin(name, client, now); wait > 0 {
		return Identity{}, throttled(wait)
	}
	hash := u.dummy
	if ok {
		hash = []byte(a.Password)
	}
	// The same work for a user that does not exist: no timing tells.
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		u.throttle.end(name, client, false, time.Now())
		return Identity{}, &Error{Status: http.StatusUnauthorized, Msg: ErrBadCredentials.Error(), Err: ErrBadCredentials}
	}
	u.throttle.end(name, client, true, time.Now())
	u.mu.Lock()
	if u.verified == nil || len(u.verified) >= maxVerified {
		u.verified = map[[32]byte]time.Time{}
	}
	u.verified[key] = now
	u.mu.Unlock()
	return id, nil
}

// Authenticate implements Authenticator with HTTP Basic.
func (u *Users) Authenticate(r *http.Request) (Identity, error) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return Identity{}, &Error{Status: http.StatusUnauthorized, Msg: "authentication is required"}
	}
	return u.Verify(name, pass, r.RemoteAddr)
}

func clientHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// Throttle bounds password guessing: after MaxFailures failed logins in
// a row for one user name (default 5), or MaxClientFailures from one
// client address (20), each further try waits Backoff (1 s), doubled
// with every failure up to MaxBackoff (5 min), before it is even
// checked. Failures older than Forget (15 min) are forgotten; a success
// clears its user name and address.
type Throttle struct {
	MaxFailures, MaxClientFailures int
	Backoff, MaxBackoff, Forget    time.Duration
	// MaxTracked bounds the user names and addresses remembered at once
	// (100,000; the oldest are forgotten first).
	MaxTracked int
}

type throttle struct {
	Throttle
	mu   sync.Mutex
	seen map[string]*failures // "u:"+name, "c:"+address
}

type failures struct {
	n       int // failures in a row
	pending int // tries being checked now
	last    time.Time
}

func newThrottle(t Throttle) *throttle {
	d := Throttle{MaxFailures: 5, MaxClientFailures: 20, Backoff: time.Second,
		MaxBackoff: 5 * time.Minute, Forget: 15 * time.Minute, MaxTracked: 100000}
	t.MaxFailures = or(t.MaxFailures, d.MaxFailures)
	t.MaxClientFailures = or(t.MaxClientFailures, d.MaxClientFailures)
	t.Backoff = or(t.Backoff, d.Backoff)
	t.MaxBackoff = or(t.MaxBackoff, d.MaxBackoff)
	t.Forget = or(t.Forget, d.Forget)
	t.MaxTracked = or(t.MaxTracked, d.MaxTracked)
	return &throttle{Throttle: t, seen: map[string]*failures{}}
}

// begin returns how long the user name or client must still wait, or 0
// and counts the try as being checked: tries checked at once count
// against the limit as failures would, so a crowd of concurrent guesses
// cannot pass before the first failures are known.
func (t *throttle) begin(name, client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, c := "u:"+name, "c:"+client
	if w := max(t.waitFor(u, t.MaxFailures, now), t.waitFor(c, t.MaxClientFailures, now)); w > 0 {
		return w
	}
	if len(t.seen) >= t.MaxTracked {
		t.prune(now)
	}
	for _, k := range []string{u, c} {
		f := t.seen[k]
		if f == nil {
			f = &failures{}
			t.seen[k] = f
		}
		f.pending++
	}
	return 0
}

// locked returns how long the user name or client must still wait for
// the failures it had (not counting tries being checked).
func (t *throttle) locked(name, client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := func(key string, limit int) time.Duration {
		f := t.seen[key]
		if f == nil || f.n < limit || now.Sub(f.last) > t.Forget {
			return 0
		}
		return t.backoff(f, limit, now)
	}
	return max(wait("u:"+name, t.MaxFailures), wait("c:"+client, t.MaxClientFailures))
}

// backoff is how long after its last failure f waits.
func (t *throttle) backoff(f *failures, limit int, now time.Time) time.Duration {
	b := t.Backoff << min(f.n-limit, 30)
	if b <= 0 || b > t.MaxBackoff {
		b = t.MaxBackoff
	}
	return max(f.last.Add(b).Sub(now), 0)
}

func (t *throttle) waitFor(key string, limit int, now time.Time) time.Duration {
	f := t.seen[key]
	if f == nil {
		return 0
	}
	if f.n > 0 && now.Sub(f.last) > t.Forget {
		f.n = 0
	}
	if f.n+f.pending < limit {
		return 0
	}
	if f.n < limit {
		// Full of tries being checked: the next waits for them.
		return t.Backoff
	}
	return t.backoff(f, limit, now)
}

// end records the outcome of a try begin let through.
func (t *throttle) end(name, client string, ok bool, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{"u:" + name, "c:" + client} {
		f := t.seen[k]
		if f == nil {
			continue // pruned meanwhile
		}
		f.pending--
		if ok {
			f.n = 0
		} else {
			f.n++
			f.last = now
		}
		if f.n == 0 && f.pending <= 0 {
			delete(t.seen, k)
		}
	}
}

// prune forgets what is old and then, if still full, the older half.
func (t *throttle) prune(now time.Time) {
	for k, f := range t.seen {
		if f.pending <= 0 && now.Sub(f.last) > t.Forget {
			delete(t.seen, k)
		}
	}
	if len(t.seen) < t.MaxTracked {
		return
	}
	times := make([]time.Time, 0, len(t.seen))
	for _, f := range t.seen {
		times = append(times, f.last)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	cut := times[len(times)/2]
	for k, f := range t.seen {
		if !f.last.After(cut) {
			delete(t.seen, k)
		}
	}
}
