package neutron

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/httpapi"
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
// it is mounted: "/" (versions) and "/v2.0/...".
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
	api := httpapi.Wrap(http.HandlerFunc(h.serve), httpapi.Options{
		Logger: opts.Logger, Authenticator: opts.Authenticator, Render: renderFault, Timeout: opts.Timeout,
	})
	// Version discovery needs no token, as with neutron-server: clients
	// ask before they authenticate.
	versions := httpapi.Wrap(http.HandlerFunc(h.serve), httpapi.Options{
		Logger: opts.Logger, Authenticator: httpapi.AllowAll{}, Render: renderFault, Timeout: opts.Timeout,
	})
	h.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimSuffix(r.URL.Path, ".json"); p == "/" || p == "" {
			versions.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	return h
}

// Prefix is where the all-in-one server mounts the API.
func (h *Handler) Prefix() string { return "/neutron/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// renderFault writes a NeutronError for a status, its type named after
// the status as webob names its exceptions.
func renderFault(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeFault(w, &Error{Status: status, Type: statusType(status), Message: msg})
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

func writeFault(w http.ResponseWriter, e *Error) {
	body, _ := json.Marshal(map[string]any{"NeutronError": map[string]string{"type": e.Type, "message": e.Message, "detail": ""}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	w.Write(body)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ne *Error
	if errors.As(err, &ne) {
		writeFault(w, ne)
		return
	}
	he := httpapi.StatusOf(err)
	if he.Status >= 500 && !httpapi.Outage(err) && h.opts.Logger != nil {
		h.opts.Logger.Error("neutron: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if he.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
	}
	writeFault(w, &Error{Status: he.Status, Type: statusType(he.Status), Message: he.Msg})
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
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	id, _ := httpapi.IdentityFrom(r.Context())
	c := Caller{Project: id.Tenant, Admin: id.IsAdmin(), AdvSvc: id.HasRole("advsvc")}
	r = r.WithContext(WithCaller(r.Context(), c))
	path := strings.TrimSuffix(r.URL.Path, "/")
	path = strings.TrimSuffix(path, ".json")
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range seg {
		if u, err := url.PathUnescape(s); err == nil {
			seg[i] = u
		}
	}
	if len(seg) == 1 && seg[0] == "" {
		h.only(w, r, "GET", h.versions)
		return
	}
	if len(seg) == 1 && seg[0] == "openapi" { // .json is trimmed
		h.only(w, r, "GET", h.doc.ServeHTTP)
		return
	}
	if seg[0] != "v2.0" {
		h.fail(w, r, fault(404, "HTTPNotFound", "The resource could not be found."))
		return
	}
	seg = seg[1:]
	switch {
	case len(seg) == 0:
		h.only(w, r, "GET", h.resources)
	case seg[0] == "extensions":
		h.only(w, r, "GET", func(w http.ResponseWriter, r *http.Request) { h.extensions(w, r, seg[1:]) })
	case seg[0] == "quotas":
		h.quotas(w, r, seg[1:])
	case collections[seg[0]] != nil:
		h.collection(w, r, collections[seg[0]], seg[1:])
	default:
		h.fail(w, r, fault(404, "HTTPNotFound", "The resource could not be found."))
	}
}

func (h *Handler) only(w http.ResponseWriter, r *http.Request, method string, fn http.HandlerFunc) {
	if r.Method != method && !(method == "GET" && r.Method == "HEAD") {
		w.Header().Set("Allow", method)
		h.fail(w, r, fault(405, "HTTPMethodNotAllowed", "The method %s is not allowed for this resource.", r.Method))
		return
	}
	fn(w, r)
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

func (h *Handler) versions(w http.ResponseWriter, r *http.Request) {
	body, _ := json.Marshal(map[string]any{"versions": []any{map[string]any{
		"id": "v2.0", "status": "CURRENT",
		"links": []any{map[string]string{"href": base(r) + "/v2.0/", "rel": "self"}},
	}}})
	writeJSON(w, 200, body)
}

func (h *Handler) resources(w http.ResponseWriter, r *http.Request) {
	var res []any
	for _, coll := range []string{"subnets", "networks", "ports", "security-groups", "security-group-rules", "routers", "floatingips"} {
		k := collections[coll]
		res = append(res, map[string]any{"name": k.singular, "collection": k.plural,
			"links": []any{map[string]string{"href": base(r) + "/v2.0/" + coll, "rel": "self"}}})
	}
	body, _ := json.Marshal(map[string]any{"resources": res})
	writeJSON(w, 200, body)
}

func (h *Handler) collection(w http.ResponseWriter, r *http.Request, k *kind, rest []string) {
	switch {
	case len(rest) == 0:
		switch r.Method {
		case "GET", "HEAD":
			h.list(w, r, k)
		case "POST":
			h.create(w, r, k)
		default:
			w.Header().Set("Allow", "GET, POST")
			h.fail(w, r, fault(405, "HTTPMethodNotAllowed", "The method %s is not allowed for this resource.", r.Method))
		}
	case len(rest) == 1:
		switch {
		case r.Method == "GET" || r.Method == "HEAD":
			h.show(w, r, k, rest[0])
		case r.Method == "PUT" && !immutable[k]:
			h.update(w, r, k, rest[0])
		case r.Method == "DELETE":
			h.delete(w, r, k, rest[0])
		default:
			allow := "GET, PUT, DELETE"
			if immutable[k] {
				allow = "GET, DELETE"
			}
			w.Header().Set("Allow", allow)
			h.fail(w, r, fault(405, "HTTPMethodNotAllowed", "The method %s is not allowed for this resource.", r.Method))
		}
	case rest[1] == "tags" && len(rest) <= 3:
		h.tags(w, r, k, rest[0], rest[2:])
	case k == routers && len(rest) == 2 && (rest[1] == "add_router_interface" || rest[1] == "remove_router_interface"):
		h.only(w, r, "PUT", func(w http.ResponseWriter, r *http.Request) { h.routerInterface(w, r, rest[0], rest[1]) })
	default:
		h.fail(w, r, fault(404, "HTTPNotFound", "The resource could not be found."))
	}
}

// readBody reads a JSON object body into its top-level members.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := httpapi.DecodeJSON(w, r, &m, h.opts.MaxBody, http.StatusBadRequest); err != nil {
		var he *httpapi.Error
		if errors.As(err, &he) {
			return nil, &Error{Status: he.Status, Type: statusType(he.Status), Message: "Body contains invalid data: " + he.Msg}
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

func (h *Handler) create(w http.ResponseWriter, r *http.Request, k *kind) {
	body, err := h.readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ins []input
	bulk := false
	if raw, ok := body[k.plural]; ok && len(body) == 1 {
		bulk = true
		var items []json.RawMessage
		if httpapi.UnmarshalStrict(raw, &items, 400) != nil {
			h.fail(w, r, badRequest("Body contains invalid data: '%s' must be a list", k.plural))
			return
		}
		if len(items) == 0 {
			h.fail(w, r, badRequest("Resources required"))
			return
		}
		for _, it := range items {
			in, err := object(it, k.singular)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			ins = append(ins, in)
		}
	} else if raw, ok := body[k.singular]; ok && len(body) == 1 {
		in, err := object(raw, k.singular)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ins = []input{in}
	} else {
		h.fail(w, r, badRequest("Unable to find '%s' in request body", k.singular))
		return
	}
	objs, err := h.svc.createInputs(r.Context(), k, ins)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	var buf bytes.Buffer
	if bulk {
		buf.WriteString(`{"` + k.plural + `":[`)
		for i, o := range objs {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(render(k, o, c, nil))
		}
		buf.WriteString("]}")
	} else {
		buf.WriteString(`{"` + k.singular + `":`)
		buf.Write(render(k, objs[0], c, nil))
		buf.WriteString("}")
	}
	writeJSON(w, http.StatusCreated, buf.Bytes())
}

// render writes obj as c may see it, with only fields when some are
// named.
func render(k *kind, obj any, c Caller, fields []string) []byte {
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

func (h *Handler) show(w http.ResponseWriter, r *http.Request, k *kind, id string) {
	_, fields, err := parseQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	var obj any
	err = h.svc.read(r.Context(), func(v *view) error {
		var err error
		obj, err = v.visible(c, k, id)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"` + k.singular + `":`)
	buf.Write(render(k, obj, c, fields))
	buf.WriteString("}")
	writeJSON(w, 200, buf.Bytes())
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, k *kind) {
	q, fields, err := parseQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	if k == securityGroups && c.Project != "" && !c.Admin {
		if err := h.svc.EnsureDefaultSecurityGroup(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	var buf bytes.Buffer
	var page Page[any]
	err = h.svc.read(r.Context(), func(v *view) error {
		var err error
		page, err = v.list(c, k, q, h.opts.MaxLimit)
		if err != nil {
			return err
		}
		buf.WriteString(`{"` + k.plural + `":[`)
		for i, o := range page.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(render(k, o, c, fields))
		}
		buf.WriteString("]")
		return nil
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if links := pageHrefs(r, k, q, page); len(links) > 0 {
		b, _ := json.Marshal(links)
		buf.WriteString(`,"` + k.plural + `_links":`)
		buf.Write(b)
	}
	buf.WriteString("}")
	writeJSON(w, 200, buf.Bytes())
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
		return base(r) + strings.TrimSuffix(r.URL.Path, "/") + "?" + vals.Encode()
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

func (h *Handler) update(w http.ResponseWriter, r *http.Request, k *kind, id string) {
	rev, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	raw, ok := body[k.singular]
	if !ok || len(body) != 1 {
		h.fail(w, r, badRequest("Unable to find '%s' in request body", k.singular))
		return
	}
	in, err := object(raw, k.singular)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	obj, err := h.svc.updateInput(r.Context(), k, id, in, rev)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"` + k.singular + `":`)
	buf.Write(render(k, obj, callerFrom(r.Context()), nil))
	buf.WriteString("}")
	writeJSON(w, 200, buf.Bytes())
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, k *kind, id string) {
	rev, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	switch k {
	case networks:
		err = h.svc.DeleteNetwork(ctx, id, rev)
	case subnets:
		err = h.svc.DeleteSubnet(ctx, id, rev)
	case ports:
		err = h.svc.DeletePort(ctx, id, rev)
	case securityGroups:
		err = h.svc.DeleteSecurityGroup(ctx, id, rev)
	case securityGroupRules:
		err = h.svc.DeleteSecurityGroupRule(ctx, id)
	case routers:
		err = h.svc.DeleteRouter(ctx, id, rev)
	case floatingIPs:
		err = h.svc.DeleteFloatingIP(ctx, id, rev)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
