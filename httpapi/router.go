package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// HandlerFunc serves one operation of a surface; the error it returns is
// the router's to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Router routes a surface's operations with Go's ServeMux patterns
// ("GET /networks/{id}"; a GET pattern serves HEAD too), each served by a
// HandlerFunc, and sends every error to one place, Fail, which renders it
// in the surface's dialect — a path no pattern matches too (ErrNoRoute,
// 404), and a method its path does not take (ErrMethod, 405, with Allow
// naming those it does).
type Router struct {
	mux  http.ServeMux
	fail func(w http.ResponseWriter, r *http.Request, err error)
	// methods seen in patterns, in the order first registered: the
	// candidates for Allow.
	methods []string
	refused map[string]bool // patterns Refuse registered
}

// NewRouter returns a router whose errors go to fail.
func NewRouter(fail func(w http.ResponseWriter, r *http.Request, err error)) *Router {
	rt := &Router{fail: fail}
	rt.mux.HandleFunc("/", rt.unrouted)
	return rt
}

// Handle serves pattern, which names a method, with fn. It panics, as
// ServeMux does, on a pattern that is malformed or conflicts with one
// already registered.
func (rt *Router) Handle(pattern string, fn HandlerFunc) {
	method, _, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || strings.HasPrefix(method, "/") {
		panic("httpapi: route " + pattern + " names no method")
	}
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			rt.fail(w, r, err)
		}
	})
	if !slices.Contains(rt.methods, method) {
		rt.methods = append(rt.methods, method)
	}
}

// Refuse answers pattern, which names a method, with 405: for a literal
// path a wildcard of another pattern would match ("DELETE
// /snapshots/current" beside "DELETE /snapshots/{id}"), which does not
// take that method.
func (rt *Router) Refuse(pattern string) {
	if rt.refused == nil {
		rt.refused = map[string]bool{}
	}
	rt.refused[pattern] = true
	rt.mux.HandleFunc(pattern, rt.unrouted)
}

// ServeHTTP routes r.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// Allowed returns the methods the path of r is served for, GET's HEAD
// included, in alphabetical order.
func (rt *Router) Allowed(r *http.Request) []string {
	var allow []string
	probe := *r
	for _, m := range rt.methods {
		probe.Method = m
		if _, p := rt.mux.Handler(&probe); p != "/" && p != "" && !rt.refused[p] {
			allow = append(allow, m)
			if m == http.MethodGet && !slices.Contains(rt.methods, http.MethodHead) {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	slices.Sort(allow) // as ServeMux's own 405 has them
	return allow
}

// unrouted answers what no pattern matched: 405 when the path is served
// for other methods, else 404.
func (rt *Router) unrouted(w http.ResponseWriter, r *http.Request) {
	if allow := rt.Allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		rt.fail(w, r, &Error{Status: http.StatusMethodNotAllowed, Kind: ErrMethod,
			Msg: "the method " + r.Method + " is not allowed for this resource"})
		return
	}
	rt.fail(w, r, &Error{Status: http.StatusNotFound, Kind: ErrNoRoute, Msg: "no such resource"})
}

// TrimPath returns r with a trailing "/" and then suffix (".json", or
// "") removed from its path — "/" when nothing is left — for surfaces
// whose specification takes "/networks/" and "/networks.json" for
// "/networks", and reports whether suffix was there. Its RequestURI is
// trimmed alike, so MountPoint still finds where the surface is mounted.
func TrimPath(r *http.Request, suffix string) (*http.Request, bool) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	had := suffix != "" && strings.HasSuffix(p, suffix)
	p = strings.TrimSuffix(p, suffix)
	if p == "" {
		p = "/"
	}
	if p == r.URL.Path {
		return r, had
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = p
	if raw := strings.TrimSuffix(strings.TrimSuffix(u.RawPath, "/"), suffix); raw != u.RawPath {
		u.RawPath = raw
		if u.RawPath == "" || u.RawPath == "/" {
			u.RawPath = ""
		}
	}
	r2.URL = &u
	uri := MountPoint(r) + u.RawPath
	if u.RawPath == "" {
		uri = MountPoint(r) + u.Path
	}
	if _, query, ok := strings.Cut(r.RequestURI, "?"); ok {
		uri += "?" + query
	}
	r2.RequestURI = uri
	return r2, had
}
