package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/neutron"
)

// access is who may do what, the same on every surface: accounts with
// passwords (-users), static tokens (-tokens) and Keystone (-keystone),
// each optional. With none of them nothing is asked: every caller is an
// admin, which the server allows on loopback only, unless
// -insecure-no-auth says otherwise.
type access struct {
	login    *httpapi.Login // nil: no authentication
	users    *httpapi.Users
	sessions *httpapi.Sessions
	desc     string
}

func newAccess(c config, log *slog.Logger) (*access, error) {
	a := &access{sessions: &httpapi.Sessions{}}
	var ways []string
	usersFile, tokensFile, keystone := c.usersFile, c.tokensFile, c.keystone
	// The older, per-surface flags, kept working.
	if c.neutronAuth != "" {
		kind, arg, _ := strings.Cut(c.neutronAuth, "=")
		switch {
		case kind == "noauth" && arg == "":
		case kind == "tokens" && arg != "" && tokensFile == "":
			tokensFile = arg
		case kind == "keystone" && arg != "" && keystone == "":
			keystone = arg
		default:
			return nil, fmt.Errorf("-neutron-auth %q: want noauth, tokens=FILE or keystone=URL", c.neutronAuth)
		}
		log.Warn("-neutron-auth is deprecated: -tokens and -keystone apply to every surface")
	}
	accounts := map[string]httpapi.User{}
	if usersFile != "" {
		var err error
		if a.users, err = httpapi.LoadUsers(usersFile, nil); err != nil {
			return nil, fmt.Errorf("-users: %w", err)
		}
		ways = append(ways, fmt.Sprintf("%d accounts from %s", len(a.users.Names()), usersFile))
	}
	if c.ovirtUsers != "" {
		if a.users != nil {
			return nil, errors.New("-ovirt-users and -users: give the accounts in -users only")
		}
		for _, up := range strings.Split(c.ovirtUsers, ",") {
			u, p, ok := strings.Cut(up, ":")
			if !ok || u == "" {
				return nil, fmt.Errorf("-ovirt-users: want user:password, got %q", up)
			}
			h, err := httpapi.HashPassword(p)
			if err != nil {
				return nil, err
			}
			accounts[u] = httpapi.User{Password: h, Roles: []string{httpapi.RoleAdmin}}
		}
		var err error
		if a.users, err = httpapi.NewUsers(accounts, nil); err != nil {
			return nil, fmt.Errorf("-ovirt-users: %w", err)
		}
		ways = append(ways, fmt.Sprintf("%d admin accounts from -ovirt-users", len(accounts)))
		log.Warn("-ovirt-users is deprecated: give every surface's accounts, with password hashes, in -users")
	}
	var tokens []httpapi.Authenticator
	if tokensFile != "" {
		st, err := loadTokens(tokensFile)
		if err != nil {
			return nil, fmt.Errorf("-tokens: %w", err)
		}
		tokens = append(tokens, st)
		ways = append(ways, fmt.Sprintf("%d static tokens from %s", len(st), tokensFile))
	}
	if keystone != "" {
		tokens = append(tokens, &httpapi.Keystone{URL: keystone, Logger: log})
		ways = append(ways, "tokens validated by Keystone at "+keystone)
	}
	if len(tokens) > 1 {
		return nil, errors.New("-tokens and -keystone: choose one")
	}
	if a.users == nil && len(tokens) == 0 {
		a.desc = "no authentication: every caller is an admin"
		return a, nil
	}
	a.login = &httpapi.Login{Users: a.users, Sessions: a.sessions}
	if len(tokens) == 1 {
		a.login.Tokens = tokens[0]
	}
	a.desc = strings.Join(ways, "; ")
	return a, nil
}

// loadTokens reads static tokens: {"TOKEN": {"project": "P", "roles": ["admin"]}, ...}.
func loadTokens(path string) (httpapi.StaticTokens, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file map[string]struct {
		Project string   `json:"project"`
		Roles   []string `json:"roles"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	toks := httpapi.StaticTokens{}
	for tok, id := range file {
		toks[tok] = httpapi.Identity{Subject: "token:" + id.Project, Tenant: id.Project, Roles: id.Roles}
	}
	return toks, nil
}

// authenticator is what every surface but Neutron takes.
func (a *access) authenticator() httpapi.Authenticator {
	if a.login == nil {
		return httpapi.AllowAll{}
	}
	return a.login
}

// neutron is Neutron's: without authentication, neutron's own noauth (an
// admin of the project in X-Project-Id).
func (a *access) neutron() httpapi.Authenticator {
	if a.login == nil {
		return neutron.NoAuth{Project: "admin"}
	}
	return a.login
}

// check refuses to serve the network open: without authentication the
// REST listener must be on loopback, unless insecure says so.
func (a *access) check(addr string, insecure bool, log *slog.Logger) error {
	if a.login != nil || loopback(addr) {
		return nil
	}
	if !insecure {
		return fmt.Errorf("-http %s is reachable beyond this machine and no surface would ask who calls: "+
			"give accounts (-users), tokens (-tokens) or Keystone (-keystone), or -insecure-no-auth to serve it open anyway", addr)
	}
	log.Warn("INSECURE: serving every surface without authentication beyond loopback (-insecure-no-auth): anyone who reaches " +
		addr + " may change networks, VMs and hosts")
	return nil
}

// loopback reports whether a listen address is on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hashPassword reads a password (its first line) from in and writes its
// bcrypt hash, for the password of a -users account.
func hashPassword(in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("-hash-password: give the password on standard input")
	}
	h, err := httpapi.HashPassword(pw)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, h)
	return err
}

// guard puts the server's own pages (GET /, /metrics, /ui/) behind the
// same authentication as the surfaces.
func (a *access) guard(h http.Handler, log *slog.Logger) http.Handler {
	return httpapi.Wrap(h, httpapi.Options{Authenticator: a.authenticator(), Logger: log})
}

// visibleTo returns what slices of the fabric a request may see: all for
// an admin; for anyone else, those of its project — its tenant's
// Sliceable networks, its Neutron networks — and no others.
func visibleTo(nsvc *neutron.Service) func(r *http.Request) func(string) bool {
	return func(r *http.Request) func(string) bool {
		id, _ := httpapi.IdentityFrom(r.Context())
		if id.IsAdmin() {
			return nil
		}
		admin := neutron.WithCaller(context.WithoutCancel(r.Context()), neutron.Caller{Admin: true})
		return func(slice string) bool {
			source, rest, _ := strings.Cut(slice, "/")
			switch source {
			case "sliceable":
				tenant, _, _ := strings.Cut(rest, "/")
				return id.Tenant != "" && tenant == id.Tenant
			case "neutron":
				n, err := nsvc.Network(admin, rest)
				return err == nil && id.Tenant != "" && n.TenantID == id.Tenant
			}
			return false
		}
	}
}
