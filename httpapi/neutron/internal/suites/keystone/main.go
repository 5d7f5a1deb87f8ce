// Command keystone is a small stand-in for OpenStack's Identity service
// (Keystone v3), enough for OpenStack's own test suites to run against
// netslice's Neutron: password and token authentication scoped to a
// project, token validation (as keystonemiddleware and httpapi.Keystone
// do it), a catalog whose "network" endpoint is the server under test,
// and what an admin needs to make test accounts (tempest's dynamic
// credentials, gophercloud's RBAC tests): projects, users, the roles
// admin, member and reader, and role assignments on projects, in the
// default domain. Two users exist from the start: admin (roles admin,
// member, reader on project admin) and demo (member, reader on project
// demo), each with the password given by -password.
//
//	go run ./httpapi/neutron/internal/suites/keystone -listen 127.0.0.1:35357 -neutron http://127.0.0.1:9696/neutron/
//
// It keeps everything in memory and is for test beds only.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

type user struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Password       string `json:"password,omitempty"`
	DomainID       string `json:"domain_id"`
	DefaultProject string `json:"default_project_id,omitempty"`
	Email          string `json:"email,omitempty"`
	Description    string `json:"description,omitempty"`
	Enabled        bool   `json:"enabled"`
}

type project struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DomainID    string `json:"domain_id"`
	Enabled     bool   `json:"enabled"`
	IsDomain    bool   `json:"is_domain"`
	ParentID    string `json:"parent_id"`
}

type token struct {
	user    string // id
	project string // id
	expires time.Time
}

type server struct {
	self, neutron string
	mu            sync.Mutex
	users         map[string]*user    // by id
	projects      map[string]*project // by id
	grants        map[string]map[string][]string
	tokens        map[string]token
}

// roles are the only roles there are; a role's id is its name.
var roles = []string{"admin", "member", "reader"}

func main() {
	listen := flag.String("listen", "127.0.0.1:35357", "address to serve on")
	neutron := flag.String("neutron", "http://127.0.0.1:8080/neutron/", "the network endpoint in the catalog")
	password := flag.String("password", "secret", "the users' password")
	flag.Parse()
	s := &server{self: "http://" + *listen, neutron: strings.TrimSuffix(*neutron, "/"), users: map[string]*user{},
		projects: map[string]*project{}, grants: map[string]map[string][]string{}, tokens: map[string]token{}}
	for _, seed := range []struct {
		name  string
		roles []string
	}{{"admin", roles}, {"demo", []string{"member", "reader"}}} {
		s.projects[seed.name] = &project{ID: seed.name, Name: seed.name, DomainID: "default", Enabled: true, ParentID: "default"}
		s.users["u-"+seed.name] = &user{ID: "u-" + seed.name, Name: seed.name, Password: *password, DomainID: "default",
			DefaultProject: seed.name, Enabled: true}
		s.grants[seed.name] = map[string][]string{"u-" + seed.name: seed.roles}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v3", s.version)
	mux.HandleFunc("GET /v3/{$}", s.version)
	mux.HandleFunc("POST /v3/auth/tokens", s.issue)
	mux.HandleFunc("GET /v3/auth/tokens", s.validate)
	mux.HandleFunc("HEAD /v3/auth/tokens", s.validate)
	mux.HandleFunc("DELETE /v3/auth/tokens", s.revoke)
	mux.HandleFunc("GET /v3/domains", s.admin(s.listDomains))
	mux.HandleFunc("GET /v3/domains/{id}", s.admin(s.showDomain))
	mux.HandleFunc("GET /v3/projects", s.admin(s.listProjects))
	mux.HandleFunc("POST /v3/projects", s.admin(s.createProject))
	mux.HandleFunc("GET /v3/projects/{id}", s.admin(s.showProject))
	mux.HandleFunc("PATCH /v3/projects/{id}", s.admin(s.showProject))
	mux.HandleFunc("DELETE /v3/projects/{id}", s.admin(s.deleteProject))
	mux.HandleFunc("GET /v3/users", s.admin(s.listUsers))
	mux.HandleFunc("POST /v3/users", s.admin(s.createUser))
	mux.HandleFunc("GET /v3/users/{id}", s.admin(s.showUser))
	mux.HandleFunc("PATCH /v3/users/{id}", s.admin(s.showUser))
	mux.HandleFunc("DELETE /v3/users/{id}", s.admin(s.deleteUser))
	mux.HandleFunc("GET /v3/roles", s.admin(s.listRoles))
	mux.HandleFunc("GET /v3/roles/{id}", s.admin(s.showRole))
	mux.HandleFunc("GET /v3/projects/{p}/users/{u}/roles", s.admin(s.userRoles))
	mux.HandleFunc("PUT /v3/projects/{p}/users/{u}/roles/{r}", s.admin(s.grant))
	mux.HandleFunc("HEAD /v3/projects/{p}/users/{u}/roles/{r}", s.admin(s.checkGrant))
	mux.HandleFunc("DELETE /v3/projects/{p}/users/{u}/roles/{r}", s.admin(s.revokeGrant))
	mux.HandleFunc("GET /v3/role_assignments", s.admin(s.assignments))
	log.Printf("keystone stand-in on %s, network endpoint %s", s.self, s.neutron)
	log.Fatal(http.ListenAndServe(*listen, mux))
}

func (s *server) versionDoc() map[string]any {
	return map[string]any{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links":       []any{map[string]any{"rel": "self", "href": s.self + "/v3/"}},
		"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}}
}

func (s *server) versions(w http.ResponseWriter, r *http.Request) {
	reply(w, 300, map[string]any{"versions": map[string]any{"values": []any{s.versionDoc()}}})
}

func (s *server) version(w http.ResponseWriter, r *http.Request) {
	reply(w, 200, map[string]any{"version": s.versionDoc()})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "title": http.StatusText(status)}})
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// findUser returns a user by id or by name (nil: none), under s.mu.
func (s *server) findUser(idOrName string) *user {
	if u := s.users[idOrName]; u != nil {
		return u
	}
	for _, u := range s.users {
		if u.Name == idOrName {
			return u
		}
	}
	return nil
}

// findProject returns a project by id or by name, under s.mu.
func (s *server) findProject(idOrName string) *project {
	if p := s.projects[idOrName]; p != nil {
		return p
	}
	for _, p := range s.projects {
		if p.Name == idOrName {
			return p
		}
	}
	return nil
}

func (s *server) issue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						ID       string `json:"id"`
						Name     string `json:"name"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
			} `json:"identity"`
			Scope *struct {
				Project *struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, 400, "malformed request: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *user
	id := req.Auth.Identity
	switch {
	case slices.Contains(id.Methods, "password"):
		key := id.Password.User.ID
		if key == "" {
			key = id.Password.User.Name
		}
		if c := s.findUser(key); c != nil && c.Enabled && c.Password == id.Password.User.Password {
			u = c
		}
	case slices.Contains(id.Methods, "token"):
		if t, ok := s.tokens[id.Token.ID]; ok && time.Now().Before(t.expires) {
			u = s.users[t.user]
		}
	}
	if u == nil {
		fail(w, 401, "The request you have made requires authentication.")
		return
	}
	projectID := u.DefaultProject
	if sc := req.Auth.Scope; sc != nil && sc.Project != nil {
		want := sc.Project.ID
		if want == "" {
			want = sc.Project.Name
		}
		p := s.findProject(want)
		if p == nil {
			fail(w, 401, "no project "+want)
			return
		}
		projectID = p.ID
	}
	if len(s.grants[projectID][u.ID]) == 0 {
		fail(w, 401, "the user has no role on project "+projectID)
		return
	}
	tok := newID()
	t := token{user: u.ID, project: projectID, expires: time.Now().Add(24 * time.Hour)}
	s.tokens[tok] = t
	w.Header().Set("X-Subject-Token", tok)
	reply(w, 201, map[string]any{"token": s.tokenDoc(t)})
}

func (s *server) lookup(w http.ResponseWriter, r *http.Request) (token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[r.Header.Get("X-Auth-Token")]; !ok {
		fail(w, 401, "The request you have made requires authentication.")
		return token{}, false
	}
	t, ok := s.tokens[r.Header.Get("X-Subject-Token")]
	if !ok || time.Now().After(t.expires) || s.users[t.user] == nil || s.projects[t.project] == nil {
		fail(w, 404, "Could not find token.")
		return token{}, false
	}
	return t, true
}

func (s *server) validate(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.lookup(w, r); ok {
		s.mu.Lock()
		doc := s.tokenDoc(t)
		s.mu.Unlock()
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		reply(w, 200, map[string]any{"token": doc})
	}
}

func (s *server) revoke(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.lookup(w, r); ok {
		s.mu.Lock()
		delete(s.tokens, r.Header.Get("X-Subject-Token"))
		s.mu.Unlock()
		w.WriteHeader(204)
	}
}

// admin wraps a handler that only a token with the admin role may call.
func (s *server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		t, ok := s.tokens[r.Header.Get("X-Auth-Token")]
		isAdmin := ok && slices.Contains(s.grants[t.project][t.user], "admin")
		s.mu.Unlock()
		switch {
		case !ok || time.Now().After(t.expires):
			fail(w, 401, "The request you have made requires authentication.")
		case !isAdmin:
			fail(w, 403, "You are not authorized to perform the requested action.")
		default:
			h(w, r)
		}
	}
}

var defaultDomain = map[string]any{"id": "default", "name": "Default", "enabled": true, "description": "The default domain"}

func (s *server) listDomains(w http.ResponseWriter, r *http.Request) {
	out := []any{}
	if n := r.URL.Query().Get("name"); n == "" || n == "Default" {
		out = append(out, defaultDomain)
	}
	reply(w, 200, map[string]any{"domains": out})
}

func (s *server) showDomain(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("id"); id != "default" {
		fail(w, 404, "Could not find domain: "+id)
		return
	}
	reply(w, 200, map[string]any{"domain": defaultDomain})
}

func (s *server) listProjects(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*project{}
	for _, p := range s.projects {
		if n := r.URL.Query().Get("name"); n == "" || n == p.Name {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	reply(w, 200, map[string]any{"projects": out})
}

func (s *server) createProject(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Project project `json:"project"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Project.Name == "" {
		fail(w, 400, "a project needs a name")
		return
	}
	p := req.Project
	p.ID, p.Enabled, p.DomainID, p.ParentID = newID(), true, "default", "default"
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findProject(p.Name) != nil {
		fail(w, 409, "Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : "+p.Name)
		return
	}
	s.projects[p.ID] = &p
	reply(w, 201, map[string]any{"project": p})
}

func (s *server) showProject(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.projects[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "Could not find project: "+r.PathValue("id"))
		return
	}
	reply(w, 200, map[string]any{"project": p})
}

func (s *server) deleteProject(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.projects[r.PathValue("id")]
	delete(s.projects, r.PathValue("id"))
	delete(s.grants, r.PathValue("id"))
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "Could not find project: "+r.PathValue("id"))
		return
	}
	w.WriteHeader(204)
}

func (u user) public() user { u.Password = ""; return u }

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []user{}
	for _, u := range s.users {
		if n := r.URL.Query().Get("name"); n == "" || n == u.Name {
			out = append(out, u.public())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	reply(w, 200, map[string]any{"users": out})
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User user `json:"user"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.User.Name == "" {
		fail(w, 400, "a user needs a name")
		return
	}
	u := req.User
	u.ID, u.DomainID, u.Enabled = newID(), "default", true
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findUser(u.Name) != nil {
		fail(w, 409, "Conflict occurred attempting to store user - Duplicate entry found with name "+u.Name)
		return
	}
	s.users[u.ID] = &u
	reply(w, 201, map[string]any{"user": u.public()})
}

func (s *server) showUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "Could not find user: "+r.PathValue("id"))
		return
	}
	reply(w, 200, map[string]any{"user": u.public()})
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.users[id]
	delete(s.users, id)
	for _, g := range s.grants {
		delete(g, id)
	}
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "Could not find user: "+id)
		return
	}
	w.WriteHeader(204)
}

func roleDoc(name string) map[string]any {
	return map[string]any{"id": name, "name": name, "domain_id": nil}
}

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) {
	out := []any{}
	for _, name := range roles {
		if n := r.URL.Query().Get("name"); n == "" || n == name {
			out = append(out, roleDoc(name))
		}
	}
	reply(w, 200, map[string]any{"roles": out})
}

func (s *server) showRole(w http.ResponseWriter, r *http.Request) {
	if !slices.Contains(roles, r.PathValue("id")) {
		fail(w, 404, "Could not find role: "+r.PathValue("id"))
		return
	}
	reply(w, 200, map[string]any{"role": roleDoc(r.PathValue("id"))})
}

// target checks the project, user and (when named) role of an
// assignment request, under s.mu.
func (s *server) target(w http.ResponseWriter, r *http.Request, withRole bool) bool {
	switch {
	case s.projects[r.PathValue("p")] == nil:
		fail(w, 404, "Could not find project: "+r.PathValue("p"))
	case s.users[r.PathValue("u")] == nil:
		fail(w, 404, "Could not find user: "+r.PathValue("u"))
	case withRole && !slices.Contains(roles, r.PathValue("r")):
		fail(w, 404, "Could not find role: "+r.PathValue("r"))
	default:
		return true
	}
	return false
}

func (s *server) userRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.target(w, r, false) {
		return
	}
	out := []any{}
	for _, name := range s.grants[r.PathValue("p")][r.PathValue("u")] {
		out = append(out, roleDoc(name))
	}
	reply(w, 200, map[string]any{"roles": out})
}

func (s *server) grant(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.target(w, r, true) {
		return
	}
	p, u, role := r.PathValue("p"), r.PathValue("u"), r.PathValue("r")
	if s.grants[p] == nil {
		s.grants[p] = map[string][]string{}
	}
	if !slices.Contains(s.grants[p][u], role) {
		s.grants[p][u] = append(s.grants[p][u], role)
	}
	w.WriteHeader(204)
}

func (s *server) checkGrant(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.target(w, r, true) {
		return
	}
	if !slices.Contains(s.grants[r.PathValue("p")][r.PathValue("u")], r.PathValue("r")) {
		w.WriteHeader(404)
		return
	}
	w.WriteHeader(204)
}

func (s *server) revokeGrant(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.target(w, r, true) {
		return
	}
	p, u := r.PathValue("p"), r.PathValue("u")
	s.grants[p][u] = slices.DeleteFunc(s.grants[p][u], func(x string) bool { return x == r.PathValue("r") })
	w.WriteHeader(204)
}

func (s *server) assignments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for p, byUser := range s.grants {
		if want := q.Get("scope.project.id"); want != "" && want != p {
			continue
		}
		for u, names := range byUser {
			if want := q.Get("user.id"); want != "" && want != u {
				continue
			}
			for _, name := range names {
				if want := q.Get("role.id"); want != "" && want != name {
					continue
				}
				out = append(out, map[string]any{"role": map[string]any{"id": name}, "user": map[string]any{"id": u},
					"scope": map[string]any{"project": map[string]any{"id": p}}})
			}
		}
	}
	reply(w, 200, map[string]any{"role_assignments": out})
}

// tokenDoc is a token as Keystone shows it, under s.mu.
func (s *server) tokenDoc(t token) map[string]any {
	domain := map[string]any{"id": "default", "name": "Default"}
	u, p := s.users[t.user], s.projects[t.project]
	var rs []any
	for _, name := range s.grants[t.project][t.user] {
		rs = append(rs, roleDoc(name))
	}
	endpoints := func(url string) []any {
		var out []any
		for _, i := range []string{"public", "internal", "admin"} {
			out = append(out, map[string]any{"id": i, "interface": i, "region": "RegionOne", "region_id": "RegionOne", "url": url})
		}
		return out
	}
	return map[string]any{
		"methods": []string{"password"}, "expires_at": t.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at": time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		"user":      map[string]any{"id": u.ID, "name": u.Name, "domain": domain, "password_expires_at": nil},
		"project":   map[string]any{"id": p.ID, "name": p.Name, "domain": domain},
		"roles":     rs,
		"catalog": []any{
			map[string]any{"id": "s-network", "type": "network", "name": "neutron", "endpoints": endpoints(s.neutron)},
			map[string]any{"id": "s-identity", "type": "identity", "name": "keystone", "endpoints": endpoints(s.self + "/v3")},
		},
	}
}
