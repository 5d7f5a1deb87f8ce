package ovirt

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/httpapi"
)

// HandlerOptions configure the HTTP surface.
type HandlerOptions struct {
	Authenticator httpapi.Authenticator // nil: httpapi.AllowAll
	Logger        *slog.Logger
	Timeout       time.Duration // per request (0: the service's apply timeout plus 10 s)
	MaxBody       int64         // 0: httpapi.DefaultMaxBody
}

// Handler serves the host networking API: the seed's paths and oVirt v4's
// (the same, under /ovirt-engine/api), XML by default and JSON on
// request, faults as <fault><reason/><detail/></fault>.
type Handler struct {
	svc  *Service
	opts HandlerOptions
	h    http.Handler
	doc  http.Handler // the OpenAPI document
}

// NewHandler returns the API over svc, serving paths relative to where
// it is mounted (/api or /ovirt-engine/api).
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	if opts.Timeout <= 0 {
		opts.Timeout = svc.opts.ApplyTimeout + 10*time.Second
	}
	h := &Handler{svc: svc, opts: opts, doc: document().Handler()}
	// Only admins change hosts and networks, as in oVirt.
	h.h = httpapi.Wrap(http.HandlerFunc(h.serve), httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator,
		Render: renderFault, Timeout: opts.Timeout, Writers: []string{httpapi.RoleAdmin}})
	return h
}

// Prefix is oVirt v4's: /ovirt-engine/api. The seed's /api serves the
// same handler (examples/server mounts both).
func (h *Handler) Prefix() string { return "/ovirt-engine/api/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

func wantsJSON(r *http.Request) bool {
	return httpapi.Accepts(r, "application/json") && !httpapi.Accepts(r, "application/xml") ||
		strings.Contains(r.Header.Get("Accept"), "json") && !strings.Contains(r.Header.Get("Accept"), "xml")
}

func write(w http.ResponseWriter, r *http.Request, status int, n *node) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(n.jsonBytes())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(n.xmlBytes())
}

func renderFault(w http.ResponseWriter, r *http.Request, status int, msg string) {
	reason := http.StatusText(status)
	write(w, r, status, el("fault", leaf("reason", reason), leaf("detail", msg)))
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if errors.As(err, &e) {
		write(w, r, e.Status, el("fault", leaf("reason", e.Reason), leaf("detail", e.Detail)))
		return
	}
	he := httpapi.StatusOf(err)
	if he.Status >= 500 && !httpapi.Outage(err) && h.opts.Logger != nil {
		h.opts.Logger.Error("ovirt: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if he.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
	}
	write(w, r, he.Status, el("fault", leaf("reason", http.StatusText(he.Status)), leaf("detail", he.Msg)))
}

// body reads the request as a node: XML unless Content-Type says JSON.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, root string) (*node, error) {
	max := h.opts.MaxBody
	if max <= 0 {
		max = httpapi.DefaultMaxBody
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fault(http.StatusRequestEntityTooLarge, "Request Entity Too Large", "the body exceeds %d bytes", max)
		}
		return nil, badRequest("reading the body: %v", err)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var n *node
	if mt == "application/json" {
		n, err = parseJSON(b, root)
	} else {
		n, err = parseXML(b)
		if err == nil && n.name != root {
			err = errors.New("the body must be a <" + root + "> element, not <" + n.name + ">")
		}
	}
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return n, nil
}

var (
	errNoRoute  = fault(http.StatusNotFound, "Not Found", "no such resource")
	errNoMethod = fault(http.StatusMethodNotAllowed, "Method Not Allowed", "the method is not allowed for this resource")
)

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	u := hrefs{base: httpapi.MountPoint(r)}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i, s := range seg {
		if v, err := url.PathUnescape(s); err == nil {
			seg[i] = v
		}
	}
	if len(seg) == 1 && seg[0] == "" {
		seg = nil
	}
	var err error
	switch {
	case len(seg) == 0:
		err = h.root(w, r, u)
	case seg[0] == "networks":
		err = h.networks(w, r, u, seg[1:])
	case seg[0] == "hosts":
		err = h.hosts(w, r, u, seg[1:])
	case len(seg) == 1 && seg[0] == "openapi.json":
		if err = only(r, "GET"); err == nil {
			h.doc.ServeHTTP(w, r)
		}
	default:
		err = errNoRoute
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

func only(r *http.Request, methods ...string) error {
	for _, m := range methods {
		if r.Method == m || m == "GET" && r.Method == "HEAD" {
			return nil
		}
	}
	return errNoMethod
}

func (h *Handler) root(w http.ResponseWriter, r *http.Request, u hrefs) error {
	if err := only(r, "GET"); err != nil {
		return err
	}
	api := el("api", link("hosts", u.base+"/hosts"), link("networks", u.base+"/networks"),
		el("product_info", leaf("name", "netslice"), leaf("vendor", "netslice"),
			el("version", leaf("major", "4"), leaf("minor", "4"), leaf("build", "0"), leaf("revision", "0"))))
	write(w, r, 200, api)
	return nil
}

// Logical networks.

func (h *Handler) networks(w http.ResponseWriter, r *http.Request, u hrefs, rest []string) error {
	ctx := r.Context()
	switch {
	case len(rest) == 0 && r.Method == "POST":
		b, err := h.body(w, r, "network")
		if err != nil {
			return err
		}
		n, err := networkFrom(b, Network{Usages: []string{"vm"}})
		if err != nil {
			return err
		}
		if n.Name == "" {
			return badRequest("network name is required")
		}
		if n, err = h.svc.CreateNetwork(ctx, n); err != nil {
			return err
		}
		w.Header().Set("Location", u.network(n.ID))
		write(w, r, http.StatusCreated, renderNetwork(u, n, ""))
	case len(rest) == 0:
		if err := only(r, "GET"); err != nil {
			return err
		}
		ns, err := h.svc.Networks(ctx)
		if err != nil {
			return err
		}
		out := &node{name: "networks", list: true}
		for _, n := range ns {
			out.add(renderNetwork(u, n, ""))
		}
		write(w, r, 200, out)
	case len(rest) == 1:
		switch r.Method {
		case "GET", "HEAD":
			n, _, err := h.svc.Network(ctx, rest[0])
			if err != nil {
				return err
			}
			write(w, r, 200, renderNetwork(u, n, ""))
		case "PUT":
			b, err := h.body(w, r, "network")
			if err != nil {
				return err
			}
			var perr error
			n, err := h.svc.UpdateNetwork(ctx, rest[0], func(n *Network) { *n, perr = networkFrom(b, *n) })
			if perr != nil {
				return perr
			}
			if err != nil {
				return err
			}
			write(w, r, 200, renderNetwork(u, n, ""))
		case "DELETE":
			if err := h.svc.DeleteNetwork(ctx, rest[0]); err != nil {
				return err
			}
			w.WriteHeader(200)
		default:
			return errNoMethod
		}
	default:
		return errNoRoute
	}
	return nil
}

// networkFrom reads a <network> over base.
func networkFrom(b *node, base Network) (Network, error) {
	n := base
	if v, ok := b.get("name"); ok {
		n.Name = v
	}
	if v, ok := b.get("description"); ok {
		n.Description = v
	}
	if v := b.child("vlan"); v != nil {
		id, ok := v.get("id")
		if !ok {
			n.VLAN = 0
		} else if x, err := strconv.Atoi(id); err != nil {
			return n, badRequest("vlan id %q is not a number", id)
		} else {
			n.VLAN = x
		}
	}
	if v, ok := b.get("mtu"); ok {
		x, err := strconv.Atoi(v)
		if err != nil {
			return n, badRequest("mtu %q is not a number", v)
		}
		n.MTU = x
	}
	if us := b.child("usages"); us != nil {
		n.Usages = []string{}
		for _, x := range us.all("usage") {
			n.Usages = append(n.Usages, x.text)
		}
	}
	if v, ok := b.get("required"); ok {
		x, err := strconv.ParseBool(v)
		if err != nil {
			return n, badRequest("required %q is not a boolean", v)
		}
		n.Required = x
	}
	return n, nil
}
