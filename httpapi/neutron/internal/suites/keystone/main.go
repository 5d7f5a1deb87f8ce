// Command keystone is a small stand-in for OpenStack's Identity service
// (Keystone v3), enough for OpenStack's own test suites to run against
// netslice's Neutron: password and token authentication scoped to a
// project, token validation (as keystonemiddleware and httpapi.Keystone
// do it), and a catalog whose "network" endpoint is the server under
// test, and projects an admin creates and deletes. Two users exist from
// the start: admin (project admin, roles admin, member, reader) and demo
// (project demo, roles member, reader), each with the password given by
// -password.
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
	"strings"
	"sync"
	"time"
)

type user struct {
	ID, Name, Password string
	Project            string // the project's name, which is also its id
	Roles              []string
}

type token struct {
	user    *user
	project string
	expires time.Time
}

type project struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DomainID    string `json:"domain_id"`
	Enabled     bool   `json:"enabled"`
}

type server struct {
	self, neutron string
	mu            sync.Mutex
	users         map[string]*user // by name and by id
	tokens        map[string]token
	projects      map[string]*project
}

func main() {
	listen := flag.String("listen", "127.0.0.1:35357", "address to serve on")
	neutron := flag.String("neutron", "http://127.0.0.1:8080/neutron/", "the network endpoint in the catalog")
	password := flag.String("password", "secret", "the users' password")
	flag.Parse()
	s := &server{self: "http://" + *listen, neutron: strings.TrimSuffix(*neutron, "/"), users: map[string]*user{}, tokens: map[string]token{},
		projects: map[string]*project{}}
	for _, u := range []*user{
		{ID: "u-admin", Name: "admin", Password: *password, Project: "admin", Roles: []string{"admin", "member", "reader"}},
		{ID: "u-demo", Name: "demo", Password: *password, Project: "demo", Roles: []string{"member", "reader"}},
	} {
		s.users[u.Name], s.users[u.ID] = u, u
		s.projects[u.Project] = &project{ID: u.Project, Name: u.Project, DomainID: "default", Enabled: true}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v3", s.version)
	mux.HandleFunc("GET /v3/{$}", s.version)
	mux.HandleFunc("POST /v3/auth/tokens", s.issue)
	mux.HandleFunc("GET /v3/auth/tokens", s.validate)
	mux.HandleFunc("HEAD /v3/auth/tokens", s.validate)
	mux.HandleFunc("DELETE /v3/auth/tokens", s.revoke)
	mux.HandleFunc("GET /v3/projects", s.listProjects)
	mux.HandleFunc("POST /v3/projects", s.createProject)
	mux.HandleFunc("GET /v3/projects/{id}", s.showProject)
	mux.HandleFunc("DELETE /v3/projects/{id}", s.deleteProject)
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
	case len(id.Methods) == 1 && id.Methods[0] == "password":
		key := id.Password.User.ID
		if key == "" {
			key = id.Password.User.Name
		}
		if c := s.users[key]; c != nil && c.Password == id.Password.User.Password {
			u = c
		}
	case len(id.Methods) == 1 && id.Methods[0] == "token":
		if t, ok := s.tokens[id.Token.ID]; ok && time.Now().Before(t.expires) {
			u = t.user
		}
	}
	if u == nil {
		fail(w, 401, "The request you have made requires authentication.")
		return
	}
	project := u.Project
	if sc := req.Auth.Scope; sc != nil && sc.Project != nil {
		want := sc.Project.ID
		if want == "" {
			want = sc.Project.Name
		}
		if want != u.Project {
			fail(w, 401, "the user has no role on project "+want)
			return
		}
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	t := token{user: u, project: project, expires: time.Now().Add(24 * time.Hour)}
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
	if !ok || time.Now().After(t.expires) {
		fail(w, 404, "Could not find token.")
		return token{}, false
	}
	return t, true
}

func (s *server) validate(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.lookup(w, r); ok {
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		reply(w, 200, map[string]any{"token": s.tokenDoc(t)})
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

// admin returns the caller's token when it has the admin role, else
// answers 401 or 403 and returns false.
func (s *server) admin(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	t, ok := s.tokens[r.Header.Get("X-Auth-Token")]
	s.mu.Unlock()
	switch {
	case !ok || time.Now().After(t.expires):
		fail(w, 401, "The request you have made requires authentication.")
		return false
	case !slices.Contains(t.user.Roles, "admin"):
		fail(w, 403, "You are not authorized to perform the requested action.")
		return false
	}
	return true
}

func (s *server) listProjects(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*project{}
	for _, p := range s.projects {
		out = append(out, p)
	}
	reply(w, 200, map[string]any{"projects": out})
}

func (s *server) createProject(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	var req struct {
		Project project `json:"project"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Project.Name == "" {
		fail(w, 400, "a project needs a name")
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	p := req.Project
	p.ID, p.Enabled = hex.EncodeToString(b), true
	if p.DomainID == "" {
		p.DomainID = "default"
	}
	s.mu.Lock()
	s.projects[p.ID] = &p
	s.mu.Unlock()
	reply(w, 201, map[string]any{"project": p})
}

func (s *server) showProject(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
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
	if !s.admin(w, r) {
		return
	}
	s.mu.Lock()
	_, ok := s.projects[r.PathValue("id")]
	delete(s.projects, r.PathValue("id"))
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "Could not find project: "+r.PathValue("id"))
		return
	}
	w.WriteHeader(204)
}

func (s *server) tokenDoc(t token) map[string]any {
	domain := map[string]any{"id": "default", "name": "Default"}
	var roles []any
	for _, r := range t.user.Roles {
		roles = append(roles, map[string]any{"id": "r-" + r, "name": r})
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
		"user":      map[string]any{"id": t.user.ID, "name": t.user.Name, "domain": domain},
		"project":   map[string]any{"id": t.project, "name": t.project, "domain": domain},
		"roles":     roles,
		"catalog": []any{
			map[string]any{"id": "s-network", "type": "network", "name": "neutron", "endpoints": endpoints(s.neutron)},
			map[string]any{"id": "s-identity", "type": "identity", "name": "keystone", "endpoints": endpoints(s.self + "/v3")},
		},
	}
}
