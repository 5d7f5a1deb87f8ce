package neutron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/jsonw"
)

// HandlerOptions configure the HTTP surface.
type HandlerOptions struct {
	// Authenticator establishes who calls (X-Auth-Token): StaticTokens, a
	// Keystone, or nil for NoAuth, where everyone is an admin.
	Authenticator httpapi.Authenticator
	Logger        *slog.Logger
	// Timeout bounds each request (0: httpapi.DefaultTimeout).
	Timeout time.Duration
	// MaxLimit is the most items a list returns at once, whatever limit
	// asks (0: 1000; -1: no maximum); a longer list has a next link.
	MaxLimit int
	// MaxBody bounds a request body (0: httpapi.DefaultMaxBody).
	MaxBody int64
}

// Handler serves the Networking API v2.0 over a Service: a thin adapter
// that parses requests, calls the service and renders what it returns.
type Handler struct {
	svc  *Service
	opts HandlerOptions
	h    http.Handler
	doc  http.Handler // the OpenAPI document
}

// NewHandler returns the API over svc. It serves paths relative to where
// it is mounted: "/" (versions) and "/v2.0/...", each with or without a
// ".json" suffix or a trailing "/".
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	if opts.Authenticator == nil {
		opts.Authenticator = NoAuth{}
	}
	if opts.MaxLimit == 0 {
		opts.MaxLimit = 1000
	}
	if opts.MaxLimit < 0 {
		opts.MaxLimit = 0
	}
	h := &Handler{svc: svc, opts: opts, doc: document().Handler()}
	rt := httpapi.NewRouter(h.fail)
	h.routes(rt)
	api := httpapi.Wrap(withCaller(rt), httpapi.Options{
		Logger: opts.Logger, Authenticator: opts.Authenticator, Render: renderFault, Timeout: opts.Timeout,
	})
	// Version discovery needs no token, as with neutron-server: clients
	// ask before they authenticate.
	versions := httpapi.Wrap(rt, httpapi.Options{
		Logger: opts.Logger, Authenticator: httpapi.AllowAll{}, Render: renderFault, Timeout: opts.Timeout,
	})
	h.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = trimPath(r)
		if r.URL.Path == "/" {
			versions.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	return h
}

// routes registers the API's operations.
func (h *Handler) routes(rt *httpapi.Router) {
	rt.Handle("GET /{$}", h.versions)
	rt.Handle("GET /openapi", h.openapi) // .json is trimmed
	rt.Handle("GET /v2.0", h.resources)
	rt.Handle("GET /v2.0/extensions", h.extensions)
	rt.Handle("GET /v2.0/extensions/{alias...}", h.extension)
	rt.Handle("GET /v2.0/quotas", h.listQuotas)
	rt.Handle("GET /v2.0/quotas/tenant", h.quotaTenant)
	rt.Refuse("PUT /v2.0/quotas/tenant") // not a project's id
	rt.Refuse("DELETE /v2.0/quotas/tenant")
	rt.Handle("GET /v2.0/quotas/{project}", h.showQuota)
	rt.Handle("PUT /v2.0/quotas/{project}", h.setQuota)
	rt.Handle("DELETE /v2.0/quotas/{project}", h.resetQuota)
	rt.Handle("GET /v2.0/quotas/{project}/default", h.defaultQuota)
	rt.Handle("GET /v2.0/quotas/{project}/details", h.quotaDetails)
	for coll, k := range collections {
		c := "/v2.0/" + coll
		rt.Handle("GET "+c, func(w http.ResponseWriter, r *http.Request) error { return h.list(w, r, k) })
		rt.Handle("POST "+c, func(w http.ResponseWriter, r *http.Request) error { return h.create(w, r, k) })
		one := c + "/{id}"
		rt.Handle("GET "+one, func(w http.ResponseWriter, r *http.Request) error { return h.show(w, r, k) })
		if kindOps[k].update != nil {
			rt.Handle("PUT "+one, func(w http.ResponseWriter, r *http.Request) error { return h.update(w, r, k) })
		}
		rt.Handle("DELETE "+one, func(w http.ResponseWriter, r *http.Request) error { return h.delete(w, r, k) })
		if k.tagged {
			tags := one + "/tags"
			rt.Handle("GET "+tags, func(w http.ResponseWriter, r *http.Request) error { return h.tags(w, r, k) })
			rt.Handle("PUT "+tags, func(w http.ResponseWriter, r *http.Request) error { return h.setTags(w, r, k) })
			rt.Handle("DELETE "+tags, func(w http.ResponseWriter, r *http.Request) error { return h.clearTags(w, r, k) })
			rt.Handle("GET "+tags+"/{tag}", func(w http.ResponseWriter, r *http.Request) error { return h.hasTag(w, r, k) })
			rt.Handle("PUT "+tags+"/{tag}", func(w http.ResponseWriter, r *http.Request) error { return h.addTag(w, r, k) })
			rt.Handle("DELETE "+tags+"/{tag}", func(w http.ResponseWriter, r *http.Request) error { return h.removeTag(w, r, k) })
		}
	}
	rt.Handle("PUT /v2.0/routers/{id}/add_router_interface", h.routerInterface)
	rt.Handle("PUT /v2.0/routers/{id}/remove_router_interface", h.routerInterface)
	rt.Handle("PUT /v2.0/address-groups/{id}/add_addresses", h.groupAddresses)
	rt.Handle("PUT /v2.0/address-groups/{id}/remove_addresses", h.groupAddresses)
	rt.Handle("PUT /v2.0/subnetpools/{id}/add_prefixes", h.poolPrefixes)
	rt.Handle("PUT /v2.0/subnetpools/{id}/remove_prefixes", h.poolPrefixes)
	rt.Handle("PUT /v2.0/routers/{id}/add_extraroutes", h.extraRoutes)
	rt.Handle("PUT /v2.0/routers/{id}/remove_extraroutes", h.extraRoutes)
}

// jsonSuffix marks a request whose path ended in ".json", so that links
// in its answer do too.
type jsonSuffix struct{}

// trimPath returns r with its path's trailing "/" and ".json" suffix
// removed, as neutron-server takes paths, marking a ".json" request.
func trimPath(r *http.Request) *http.Request {
	r, json := httpapi.TrimPath(r, ".json")
	if json {
		r = r.WithContext(context.WithValue(r.Context(), jsonSuffix{}, true))
	}
	return r
}

// withCaller puts the neutron Caller the identity makes into the context.
func withCaller(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := httpapi.IdentityFrom(r.Context())
		c := Caller{Project: id.Tenant, Admin: id.IsAdmin(), AdvSvc: id.HasRole("advsvc")}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// Prefix is where the all-in-one server mounts the API.
func (h *Handler) Prefix() string { return "/neutron/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// renderFault writes a NeutronError: the type and message of the
// Service's *Error, or for anything else a type named after the status as
// webob names its exceptions.
func renderFault(w http.ResponseWriter, r *http.Request, e *httpapi.Error) {
	typ, msg := statusType(e.Status), e.Msg
	var ne *Error
	switch {
	case errors.As(e, &ne):
		typ, msg = ne.Type, ne.Message
	case errors.Is(e, httpapi.ErrNoRoute):
		msg = "The resource could not be found."
	case errors.Is(e, httpapi.ErrMethod):
		msg = "The method " + r.Method + " is not allowed for this resource."
	}
	body, _ := json.Marshal(map[string]any{"NeutronError": map[string]string{"type": typ, "message": msg, "detail": ""}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	w.Write(body)
}

func statusType(status int) string {
	switch status {
	case 400:
		return "HTTPBadRequest"
	case 401:
		return "HTTPUnauthorized"
	case 403:
		return "HTTPForbidden"
	case 404:
		return "HTTPNotFound"
	case 405:
		return "HTTPMethodNotAllowed"
	case 409:
		return "HTTPConflict"
	case 412:
		return "HTTPPreconditionFailed"
	case 413:
		return "HTTPRequestEntityTooLarge"
	case 415:
		return "HTTPUnsupportedMediaType"
	case 429:
		return "HTTPTooManyRequests"
	case 507:
		return "HTTPInsufficientStorage"
	case 503:
		return "ServiceUnavailable"
	}
	return "HTTPInternalServerError"
}

// fail answers err: the Service's errors with the status neutron-server
// gives their kind, the rest as every surface does.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ne *Error
	if errors.As(err, &ne) {
		status, ok := statuses[ne.Kind]
		if !ok {
			status = http.StatusInternalServerError
		}
		err = &httpapi.Error{Status: status, Msg: ne.Message, Err: err}
	}
	httpapi.Fail(w, r, err, renderFault, h.opts.Logger)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// collections maps a URL's collection to its kind (the URL spells
// security groups with hyphens, the bodies with underscores).
var collections = map[string]*kind{
	"networks": networks, "subnets": subnets, "ports": ports, "security-groups": securityGroups,
	"security-group-rules": securityGroupRules, "routers": routers, "floatingips": floatingIPs,
	"subnetpools": subnetPools, "address-scopes": addressScopes, "rbac-policies": rbacPolicies,
	"address-groups": addressGroups,
}

func (h *Handler) openapi(w http.ResponseWriter, r *http.Request) error {
	h.doc.ServeHTTP(w, r)
	return nil
}

// base is the absolute URL the API is mounted at, as the client reached
// it (through a proxy: X-Forwarded-Proto and X-Forwarded-Host).
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host, _, _ = strings.Cut(fh, ",")
		host = strings.TrimSpace(host)
	}
	return scheme + "://" + host + httpapi.MountPoint(r)
}

func (h *Handler) versions(w http.ResponseWriter, r *http.Request) error {
	body, _ := json.Marshal(map[string]any{"versions": []any{map[string]any{
		"id": "v2.0", "status": "CURRENT",
		"links": []any{map[string]string{"href": base(r) + "/v2.0/", "rel": "self"}},
	}}})
	writeJSON(w, 200, body)
	return nil
}

func (h *Handler) resources(w http.ResponseWriter, r *http.Request) error {
	var res []any
	for _, coll := range []string{"subnets", "networks", "ports", "security-groups", "security-group-rules", "routers", "floatingips"} {
		k := collections[coll]
		res = append(res, map[string]any{"name": k.singular, "collection": k.plural,
			"links": []any{map[string]string{"href": base(r) + "/v2.0/" + coll, "rel": "self"}}})
	}
	body, _ := json.Marshal(map[string]any{"resources": res})
	writeJSON(w, 200, body)
	return nil
}

// readBody reads a JSON object body into its top-level members.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := httpapi.DecodeJSON(w, r, &m, h.opts.MaxBody, http.StatusBadRequest); err != nil {
		var he *httpapi.Error
		if errors.As(err, &he) {
			return nil, &httpapi.Error{Status: he.Status, Msg: "Body contains invalid data: " + he.Msg, Kind: he.Kind, Field: he.Field}
		}
		return nil, err
	}
	if m == nil {
		return nil, badRequest("Body contains invalid data: the body must be a JSON object")
	}
	return m, nil
}

// object decodes one resource's attributes.
func object(raw json.RawMessage, what string) (input, error) {
	var in input
	if err := httpapi.UnmarshalStrict(raw, &in, http.StatusBadRequest); err != nil || in == nil {
		return nil, badRequest("Body contains invalid data: '%s' must be an object", what)
	}
	return in, nil
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, k *kind) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var ins []input
	bulk := false
	if raw, ok := body[k.plural]; ok && len(body) == 1 {
		bulk = true
		var items []json.RawMessage
		if httpapi.UnmarshalStrict(raw, &items, 400) != nil {
			return badRequest("Body contains invalid data: '%s' must be a list", k.plural)
		}
		if len(items) == 0 {
			return badRequest("Resources required")
		}
		for _, it := range items {
			in, err := object(it, k.singular)
			if err != nil {
				return err
			}
			ins = append(ins, in)
		}
	} else if raw, ok := body[k.singular]; ok && len(body) == 1 {
		in, err := object(raw, k.singular)
		if err != nil {
			return err
		}
		ins = []input{in}
	} else {
		return badRequest("Unable to find '%s' in request body", k.singular)
	}
	objs, err := h.svc.createInputs(r.Context(), k, ins)
	if err != nil {
		return err
	}
	c := callerFrom(r.Context())
	if !bulk {
		writeOne(w, http.StatusCreated, k, objs[0], c, nil)
		return nil
	}
	var buf bytes.Buffer
	buf.WriteString(`{"` + k.plural + `":[`)
	for i, o := range objs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(render(k, o, c, nil))
	}
	buf.WriteString("]}")
	writeJSON(w, http.StatusCreated, buf.Bytes())
	return nil
}

// render writes obj as c may see it, with only fields when some are
// named.
func render(k *kind, obj any, c Caller, fields []string) []byte {
	return appendRender(nil, k, obj, c, fields)
}

// appendRender is render appending to b.
func appendRender(b []byte, k *kind, obj any, c Caller, fields []string) []byte {
	if p, ok := obj.(*Port); ok && len(fields) == 0 {
		return appendPort(b, p, c.Admin)
	}
	return append(b, renderReflect(k, obj, c, fields)...)
}

// renderReflect is render through encoding/json.
func renderReflect(k *kind, obj any, c Caller, fields []string) []byte {
	b, _ := json.Marshal(obj)
	if c.Admin && len(fields) == 0 {
		return b
	}
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	for name := range m {
		a := k.attrs[name]
		if a != nil && a.flags&adminSee != 0 && !c.Admin || len(fields) > 0 && !slices.Contains(fields, name) {
			delete(m, name)
		}
	}
	b, _ = json.Marshal(m)
	return b
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request, k *kind) error {
	id := r.PathValue("id")
	_, fields, err := parseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	c := callerFrom(r.Context())
	var obj any
	err = h.svc.read(r.Context(), func(v *view) error {
		var err error
		obj, err = v.visible(c, k, id)
		return err
	})
	if err != nil {
		return err
	}
	writeOne(w, 200, k, obj, c, fields)
	return nil
}

// writeOne answers with one resource, {"<singular>": {...}}, as c may see
// it (fields: only those).
func writeOne(w http.ResponseWriter, status int, k *kind, obj any, c Caller, fields []string) {
	var buf bytes.Buffer
	buf.WriteString(`{"` + k.singular + `":`)
	buf.Write(render(k, obj, c, fields))
	buf.WriteString("}")
	writeJSON(w, status, buf.Bytes())
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, k *kind) error {
	q, fields, err := parseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	c := callerFrom(r.Context())
	if k == securityGroups && c.Project != "" && !c.Admin {
		if err := h.svc.EnsureDefaultSecurityGroup(r.Context()); err != nil {
			return err
		}
	}
	// Rendered into a buffer kept between lists: a page of ports is
	// ~100 KB, and growing it afresh each time made garbage the collector
	// then had to find among every resource the view holds.
	bp := jsonw.Buffer()
	defer jsonw.Release(bp)
	b := *bp
	var page Page[any]
	err = h.svc.read(r.Context(), func(v *view) error {
		var err error
		page, err = v.list(c, k, q, h.opts.MaxLimit)
		if err != nil {
			return err
		}
		b = append(b, `{"`+k.plural+`":[`...)
		if k == ports && len(fields) == 0 {
			warmPorts(page.Items)
		}
		for i, o := range page.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRender(b, k, o, c, fields)
		}
		b = append(b, ']')
		return nil
	})
	*bp = b
	if err != nil {
		return err
	}
	if links := pageHrefs(r, k, q, page); len(links) > 0 {
		lb, _ := json.Marshal(links)
		b = append(b, `,"`+k.plural+`_links":`...)
		b = append(b, lb...)
	}
	b = append(b, '}')
	*bp = b
	writeJSON(w, 200, b)
	return nil
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// pageHrefs are a page's next and previous links: the request's URL with
// the marker moved to the page's last (first) item.
func pageHrefs(r *http.Request, k *kind, q Query, page Page[any]) []link {
	var links []link
	limit := q.Limit
	mk := func(marker string, reverse bool) string {
		vals := r.URL.Query()
		vals.Del("marker")
		vals.Del("page_reverse")
		if limit > 0 {
			vals.Set("limit", strconv.Itoa(limit))
		}
		if marker != "" {
			vals.Set("marker", marker)
		}
		if reverse {
			vals.Set("page_reverse", "True")
		}
		path := r.URL.Path
		if r.Context().Value(jsonSuffix{}) != nil {
			path += ".json"
		}
		return base(r) + path + "?" + vals.Encode()
	}
	idOf := func(o any) string { return o.(resource).std().ID }
	if page.Next {
		m := q.Marker
		if n := len(page.Items); n > 0 {
			m = idOf(page.Items[n-1])
		}
		links = append(links, link{Href: mk(m, false), Rel: "next"})
	}
	if page.Before {
		m := q.Marker
		if len(page.Items) > 0 {
			m = idOf(page.Items[0])
		}
		links = append(links, link{Href: mk(m, true), Rel: "previous"})
	}
	return links
}

// ifMatch reads If-Match: revision_number=N (-1: none).
func ifMatch(r *http.Request) (int64, error) {
	for _, v := range r.Header.Values("If-Match") {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if n, ok := strings.CutPrefix(part, "revision_number="); ok {
				rev, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return 0, badRequest("If-Match header has an invalid revision_number: %s", n)
				}
				return rev, nil
			}
		}
	}
	return -1, nil
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, k *kind) error {
	id := r.PathValue("id")
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	raw, ok := body[k.singular]
	if !ok || len(body) != 1 {
		return badRequest("Unable to find '%s' in request body", k.singular)
	}
	in, err := object(raw, k.singular)
	if err != nil {
		return err
	}
	obj, err := h.svc.updateInput(r.Context(), k, id, in, rev)
	if err != nil {
		return err
	}
	writeOne(w, 200, k, obj, callerFrom(r.Context()), nil)
	return nil
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, k *kind) error {
	id := r.PathValue("id")
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := kindOps[k].delete(h.svc, r.Context(), id, rev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
