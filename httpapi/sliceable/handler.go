package sliceable

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	// MaxBody bounds request bodies (default httpapi.DefaultMaxBody).
	MaxBody int64
	// Timeout bounds each request (default httpapi.DefaultTimeout).
	Timeout time.Duration
	// Logger and Authenticator, as httpapi.Wrap takes them.
	Logger        *slog.Logger
	Authenticator httpapi.Authenticator
}

// Handler serves the API over HTTP. Create it with NewHandler.
type Handler struct {
	svc     *Service
	maxBody int64
	log     *slog.Logger
	h       http.Handler
	lists   listCache
}

// listCache keeps large rendered lists while the change marker of their
// lists (see Service.txn) stays where it was: a collection of thousands
// that nobody changes is rendered once, not on every GET, however much
// the rest of the store changes. Bounded in total size; lists under
// minCached are not kept.
type listCache struct {
	mu    sync.Mutex
	byKey map[string]cachedList
	size  int
}

type cachedList struct {
	marker int64 // the marker's ModRevision when the list was read
	body   []byte
}

const (
	minCached    = 16 << 10
	maxCacheSize = 32 << 20
)

func (c *listCache) get(key string, marker int64) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok && e.marker == marker {
		return e.body
	}
	return nil
}

func (c *listCache) put(key string, marker int64, body []byte) {
	if len(body) < minCached || len(body) > maxCacheSize/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil || c.size+len(body) > maxCacheSize {
		c.byKey, c.size = map[string]cachedList{}, 0 // start afresh rather than track use
	}
	if old, ok := c.byKey[key]; ok {
		c.size -= len(old.body)
	}
	c.byKey[key] = cachedList{marker, body}
	c.size += len(body)
}

// NewHandler returns the API over svc, serving /tenants... relative to
// where it is mounted.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	h := &Handler{svc: svc, maxBody: opts.MaxBody, log: opts.Logger}
	rt := httpapi.NewRouter(h.fail)
	for _, op := range h.routes() {
		fn := op.fn
		rt.Handle(op.pattern, func(w http.ResponseWriter, r *http.Request) error {
			// The API's data is JSON only.
			if !httpapi.Accepts(r, "application/json") {
				return &httpapi.Error{Status: http.StatusNotAcceptable, Msg: "this API answers in application/json"}
			}
			if err := scope(r); err != nil {
				return err
			}
			return fn(w, r)
		})
	}
	doc := document().Handler()
	rt.Handle("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) error {
		doc.ServeHTTP(w, r)
		return nil
	})
	h.h = httpapi.Wrap(rt, httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator, Render: httpapi.PlainText,
		Timeout: opts.Timeout})
	return h
}

// The API's paths.
const (
	tenants = "/tenants"
	tenant  = tenants + "/{tid}"
	nets    = tenant + "/networks"
	net     = nets + "/{nid}"
	ports   = net + "/ports"
	portp   = ports + "/{pid}"
	patts   = portp + "/attachments"
	patt    = patts + "/{aid}"
	natts   = net + "/attachments"
	natt    = natts + "/{aid}"
)

// route is one operation the handler serves.
type route struct {
	pattern string
	fn      func(w http.ResponseWriter, r *http.Request) error
}

// routes are the API's operations, each documented in document().
func (h *Handler) routes() []route {
	return []route{
		{"GET " + tenants, h.listTenants}, {"POST " + tenants, h.createTenant},
		{"GET " + tenant, h.getTenant}, {"PUT " + tenant, h.modifyTenant}, {"DELETE " + tenant, h.deleteTenant},
		{"GET " + nets, h.listNetworks}, {"POST " + nets, h.createNetwork},
		{"GET " + net, h.getNetwork}, {"PUT " + net, h.modifyNetwork}, {"DELETE " + net, h.deleteNetwork},
		{"GET " + ports, h.listPorts}, {"POST " + ports, h.createPort},
		{"GET " + portp, h.getPort}, {"DELETE " + portp, h.deletePort},
		{"GET " + patts, h.listPortAttachments}, {"POST " + patts, h.createPortAttachment},
		{"GET " + patt, h.getPortAttachment}, {"DELETE " + patt, h.deletePortAttachment},
		{"GET " + natts, h.listNetworkAttachments}, {"POST " + natts, h.createNetworkAttachment},
		{"GET " + natt, h.getNetworkAttachment}, {"DELETE " + natt, h.deleteNetworkAttachment},
	}
}

// Service returns the service the handler serves.
func (h *Handler) Service() *Service { return h.svc }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// Prefix is where the API is conventionally mounted.
func (h *Handler) Prefix() string { return "/sliceable/" }

// fail maps the service's errors to the specification's statuses (404 for
// what is missing, 422 for the rest of a client's mistakes); the others as
// every surface does (503 for an unreachable store, 500).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	switch {
	case errors.Is(err, httpapi.ErrNoRoute):
		err = &httpapi.Error{Status: http.StatusNotFound, Msg: "404 page not found", Err: err} // as ServeMux words it
	case errors.Is(err, httpapi.ErrMethod):
		err = &httpapi.Error{Status: http.StatusMethodNotAllowed, Msg: "Method Not Allowed", Err: err}
	case errors.As(err, &e):
		status := http.StatusUnprocessableEntity
		switch e.Kind {
		case ErrNotFound:
			status = http.StatusNotFound
		case ErrBusy:
			status = http.StatusConflict
		}
		err = &httpapi.Error{Status: status, Msg: e.Msg, Err: err}
	}
	httpapi.Fail(w, r, err, httpapi.PlainText, h.log)
}

func unprocessable(format string, args ...any) error {
	return httpapi.Errorf(http.StatusUnprocessableEntity, format, args...)
}

// pathIDs validates the path's ids; a malformed one names nothing: 404.
func pathIDs(r *http.Request, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v := r.PathValue(n)
		if checkID(n, v) != nil {
			return nil, httpapi.Errorf(http.StatusNotFound, "no such object")
		}
		out[i] = v
	}
	return out, nil
}

func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, v, h.maxBody, http.StatusUnprocessableEntity)
}

func accepted(w http.ResponseWriter, r *http.Request, location []string, body any) error {
	if location != nil {
		w.Header().Set("Location", httpapi.Location(r, location...))
	}
	if body == nil {
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusAccepted, body)
	return nil
}

// Lists are written straight from the stored values: each is a JSON
// object the service itself wrote, so `{"id":…,` and the rest of it make
// the item.

var listBufs = sync.Pool{New: func() any { return new([]byte) }}

// writeList answers with the items under prefix, a list of those marker
// names the changes of; empty says whether an empty list needs a check
// (that its parent exists) before it is an answer. A large list is kept
// (listCache) until its marker moves.
func (h *Handler) writeList(w http.ResponseWriter, ctx context.Context, prefix, marker string, empty func() error) error {
	// Read before the list, so that a change made while it is read moves
	// the marker past what the kept list says.
	var mrev int64 // 0: no marker (data from before markers), nothing kept
	switch kv, err := h.svc.st.Get(ctx, marker); {
	case err == nil:
		mrev = kv.ModRevision
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if body := h.lists.get(prefix, mrev); body != nil && mrev != 0 {
		writeJSONBytes(w, body)
		return nil
	}
	bp := listBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) < 4<<20 {
			listBufs.Put(bp)
		}
	}()
	b := append((*bp)[:0], '[')
	n := 0
	err := h.svc.scanBytes(ctx, prefix, func(id, v []byte) error {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"id":`...)
		b = appendJSONString(b, id)
		if len(v) > 2 && v[0] == '{' && v[len(v)-1] == '}' {
			if v[1] != '}' {
				b = append(b, ',')
			}
			b = append(b, v[1:]...)
		} else {
			b = append(b, '}')
		}
		return nil
	})
	*bp = b
	if err != nil {
		return err
	}
	if n == 0 && empty != nil {
		if err := empty(); err != nil {
			return err
		}
	}
	b = append(b, ']', '\n')
	*bp = b
	if len(b) >= minCached && mrev != 0 {
		h.lists.put(prefix, mrev, bytes.Clone(b))
	}
	writeJSONBytes(w, b)
	return nil
}

func writeJSONBytes(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// appendJSONString appends s as a JSON string. Ids are valid UTF-8
// without control characters, but quotes and backslashes need escaping,
// and control characters are escaped all the same. The common id needs
// none: it goes in whole.
func appendJSONString(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for {
		i := 0
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			return append(b, '"')
		}
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		s = s[i+1:]
	}
}

// Tenants.

type idDesc struct {
	ID          *string `json:"id"`
	Description *string `json:"description"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// givenID checks an id a client gave; nil is generated.
func givenID(kind string, id *string) (string, error) {
	if id == nil {
		return "", nil
	}
	if err := checkID(kind, *id); err != nil {
		return "", err
	}
	return *id, nil
}

// scope keeps a caller who is not an admin to its own project's tenant
// (the tenant named as its project): another tenant is 404, as if it did
// not exist.
func scope(r *http.Request) error {
	id, _ := httpapi.IdentityFrom(r.Context())
	if tid := r.PathValue("tid"); tid != "" && !id.IsAdmin() && tid != id.Tenant {
		return httpapi.Errorf(http.StatusNotFound, "no such object")
	}
	return nil
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request) error {
	if id, _ := httpapi.IdentityFrom(r.Context()); !id.IsAdmin() {
		out := []idDesc{}
		if t, err := h.svc.Tenant(r.Context(), id.Tenant); err == nil {
			out = append(out, idDesc{ID: &t.ID, Description: &t.Description})
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		httpapi.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	return h.writeList(w, r.Context(), h.svc.k.under("T"), h.svc.k.changed(""), nil)
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request) error {
	var in idDesc
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id, err := givenID("tenant", in.ID)
	if err != nil {
		return err
	}
	if caller, _ := httpapi.IdentityFrom(r.Context()); !caller.IsAdmin() && id != caller.Tenant {
		return httpapi.Errorf(http.StatusForbidden, "only an admin creates a tenant other than its own project's")
	}
	t, err := h.svc.CreateTenant(r.Context(), Tenant{ID: id, Description: deref(in.Description)})
	if err != nil {
		return err
	}
	return accepted(w, r, []string{"tenants", t.ID}, t)
}

func (h *Handler) getTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	t, err := h.svc.Tenant(r.Context(), ids[0])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, descValue{t.Description})
	return nil
}

type descIn struct {
	Description *string `json:"description"`
}

func (h *Handler) modifyTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	var in descIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	if in.Description == nil {
		// Nothing to change, but the tenant must be there.
		if _, err := h.svc.Tenant(r.Context(), ids[0]); err != nil {
			return err
		}
	} else if err := h.svc.UpdateTenant(r.Context(), ids[0], *in.Description); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

func (h *Handler) deleteTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTenant(r.Context(), ids[0]); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

// Networks.

func (h *Handler) listNetworks(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	return h.writeList(w, r.Context(), h.svc.k.under("N", ids[0]), h.svc.k.changed(ids[0]), func() error {
		// Networks go with their tenant, so only an empty list needs
		// telling a tenant without networks from no tenant.
		return h.svc.exists(r.Context(), h.svc.k.tenant(ids[0]), "tenant %q", ids[0])
	})
}

func (h *Handler) createNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	var in idDesc
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id, err := givenID("network", in.ID)
	if err != nil {
		return err
	}
	n, err := h.svc.CreateNetwork(r.Context(), ids[0], Network{ID: id, Description: deref(in.Description)})
	if err != nil {
		return err
	}
	return accepted(w, r, []string{"tenants", ids[0], "networks", n.ID}, n)
}

// binding is one entry of a network's bindings.
type binding struct {
	Type       int     `json:"type"`
	ID         string  `json:"id"`
	DatapathID *string `json:"datapath_id,omitempty"`
	Port       *uint32 `json:"port,omitempty"`
	VID        *uint16 `json:"vid,omitempty"`
	MAC        string  `json:"mac,omitempty"`
	PortID     string  `json:"port_id,omitempty"`
}

const (
	bindingPort           = 1
	bindingMAC            = 2
	bindingPortAttachment = 3
)

func portBinding(typ int, id string, l l2.Location) binding {
	v := valueOf(l)
	return binding{Type: typ, ID: id, DatapathID: &v.DatapathID, Port: &v.Port, VID: &v.VID}
}

func (h *Handler) getNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	nd, err := h.svc.Network(r.Context(), ids[0], ids[1])
	if err != nil {
		return err
	}
	bindings := []binding{}
	byPort := map[string]l2.Location{}
	for _, p := range nd.Ports {
		byPort[p.ID] = p.Location
		bindings = append(bindings, portBinding(bindingPort, p.ID, p.Location))
	}
	for _, pa := range nd.PortAttachments {
		b := portBinding(bindingPortAttachment, pa.ID, byPort[pa.Port])
		b.PortID, b.MAC = pa.Port, pa.MAC.String()
		bindings = append(bindings, b)
	}
	for _, a := range nd.NetworkAttachments {
		bindings = append(bindings, binding{Type: bindingMAC, ID: a.ID, MAC: a.MAC.String()})
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Bindings    []binding `json:"bindings"`
		Description string    `json:"description"`
	}{bindings, nd.Description})
	return nil
}

func (h *Handler) modifyNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	var in descIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	if in.Description == nil {
		if err := h.svc.exists(r.Context(), h.svc.k.network(ids[0], ids[1]), "network %q", ids[1]); err != nil {
			return err
		}
	} else if err := h.svc.UpdateNetwork(r.Context(), ids[0], ids[1], *in.Description); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

func (h *Handler) deleteNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteNetwork(r.Context(), ids[0], ids[1]); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

// Ports.

type portOut struct {
	VID        uint16 `json:"vid"`
	DatapathID string `json:"datapath_id"`
	ID         string `json:"id"`
	Port       uint32 `json:"port"`
}

func (h *Handler) listPorts(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	if err := h.svc.exists(r.Context(), h.svc.k.network(ids[0], ids[1]), "network %q", ids[1]); err != nil {
		return err
	}
	return h.writeList(w, r.Context(), h.svc.k.under("P", ids[0], ids[1]), h.svc.k.changed(ids[0]), nil)
}

type portIn struct {
	ID         *string `json:"id"`
	DatapathID *string `json:"datapath_id"`
	Port       *uint32 `json:"port"`
	VID        *uint32 `json:"vid"`
}

// location checks a port's fields and returns its l2 location.
func location(p portIn) (l2.Location, error) {
	if p.DatapathID == nil || p.Port == nil || p.VID == nil {
		return l2.Location{}, unprocessable("datapath_id, port and vid are mandatory")
	}
	dp, err := l2.ParseDatapathID(*p.DatapathID)
	if err != nil {
		return l2.Location{}, unprocessable("datapath_id %q is not 0x and 1 to 16 hex digits", *p.DatapathID)
	}
	if *p.VID > 4095 && *p.VID != 65535 {
		return l2.Location{}, unprocessable("vid %d is not 0-4095 or 65535", *p.VID)
	}
	return l2.Location{Datapath: dp, Port: l2.Port(*p.Port), VLAN: l2.VLAN(*p.VID)}, nil
}

func (h *Handler) createPort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	var in portIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	loc, err := location(in)
	if err != nil {
		return err
	}
	id, err := givenID("port", in.ID)
	if err != nil {
		return err
	}
	p, err := h.svc.CreatePort(r.Context(), ids[0], ids[1], Port{ID: id, Location: loc})
	if err != nil {
		return err
	}
	v := valueOf(p.Location)
	return accepted(w, r, []string{"tenants", ids[0], "networks", ids[1], "ports", p.ID},
		portOut{VID: v.VID, DatapathID: v.DatapathID, ID: p.ID, Port: v.Port})
}

func (h *Handler) getPort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	p, err := h.svc.Port(r.Context(), ids[0], ids[1], ids[2])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"config": valueOf(p.Location)})
	return nil
}

func (h *Handler) deletePort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	if err := h.svc.DeletePort(r.Context(), ids[0], ids[1], ids[2]); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

// Attachments.

type attIn struct {
	ID  *string `json:"id"`
	MAC *string `json:"mac"`
}

type attOut struct {
	ID  string `json:"id"`
	MAC string `json:"mac"`
}

func parseAttachment(in attIn) (Attachment, error) {
	if in.ID == nil || in.MAC == nil {
		return Attachment{}, unprocessable("id and mac are mandatory")
	}
	if err := checkID("attachment", *in.ID); err != nil {
		return Attachment{}, err
	}
	mac, err := l2.ParseMAC(*in.MAC)
	if err != nil {
		return Attachment{}, unprocessable("mac %q is not a 6-octet MAC address", *in.MAC)
	}
	return Attachment{ID: *in.ID, MAC: mac}, nil
}

func attsOut(as []Attachment) []attOut {
	out := make([]attOut, len(as))
	for i, a := range as {
		out[i] = attOut{ID: a.ID, MAC: a.MAC.String()}
	}
	return out
}

func (h *Handler) listPortAttachments(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	as, err := h.svc.PortAttachments(r.Context(), ids[0], ids[1], ids[2])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, attsOut(as))
	return nil
}

func (h *Handler) createPortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	var in attIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	a, err := parseAttachment(in)
	if err != nil {
		return err
	}
	if err := h.svc.exists(r.Context(), h.svc.k.network(ids[0], ids[1]), "network %q", ids[1]); err != nil {
		return err
	}
	if err := h.svc.exists(r.Context(), h.svc.k.port(ids[0], ids[1], ids[2]), "port %q", ids[2]); err != nil {
		if errors.Is(err, ErrNotFound) {
			return unprocessable("port %q not found", ids[2]) // table 31: a missing port is 422
		}
		return err
	}
	if a, err = h.svc.AttachToPort(r.Context(), ids[0], ids[1], ids[2], a); err != nil {
		return err
	}
	return accepted(w, r, []string{"tenants", ids[0], "networks", ids[1], "ports", ids[2], "attachments", a.ID},
		attOut{ID: a.ID, MAC: a.MAC.String()})
}

func (h *Handler) getPortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid", "aid")
	if err != nil {
		return err
	}
	a, err := h.svc.PortAttachment(r.Context(), ids[0], ids[1], ids[2], ids[3])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, attOut{ID: a.ID, MAC: a.MAC.String()})
	return nil
}

func (h *Handler) deletePortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid", "aid")
	if err != nil {
		return err
	}
	if err := h.svc.DetachFromPort(r.Context(), ids[0], ids[1], ids[2], ids[3]); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}

func (h *Handler) listNetworkAttachments(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	as, err := h.svc.NetworkAttachments(r.Context(), ids[0], ids[1])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, attsOut(as))
	return nil
}

func (h *Handler) createNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	var in attIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	a, err := parseAttachment(in)
	if err != nil {
		return err
	}
	if a, err = h.svc.AttachToNetwork(r.Context(), ids[0], ids[1], a); err != nil {
		return err
	}
	return accepted(w, r, []string{"tenants", ids[0], "networks", ids[1], "attachments", a.ID}, attOut{ID: a.ID, MAC: a.MAC.String()})
}

func (h *Handler) getNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "aid")
	if err != nil {
		return err
	}
	a, err := h.svc.NetworkAttachment(r.Context(), ids[0], ids[1], ids[2])
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, attOut{ID: a.ID, MAC: a.MAC.String()})
	return nil
}

func (h *Handler) deleteNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "aid")
	if err != nil {
		return err
	}
	if err := h.svc.DetachFromNetwork(r.Context(), ids[0], ids[1], ids[2]); err != nil {
		return err
	}
	return accepted(w, r, nil, nil)
}
