// Package sliceable serves Trema's Sliceable Network Management API:
// tenants, their networks (virtual L2 slices), the networks' ports
// (datapath, port, VLAN) and attachments (MACs), on any store.Store.
// Follow makes an l2 fabric — and so, through the slicing app, real
// switches — follow what the API stores.
//
// Status codes are the specification's: 202 for create, modify and delete,
// 200 for reads, 422 for invalid parameters, duplicates and unparsable
// bodies, 404 for missing objects, 405 for DELETE on the ports collection;
// data in application/json, errors in text/plain. Deleting a tenant,
// network or port deletes everything under it in one store transaction.
//
// Where the specification is silent: ids are 1 to 255 bytes without "/"
// or control characters, and generated when not given (returned in the
// body and the Location header); a location (datapath, port, vid) belongs
// to one network; a MAC is port-attached to one port of a network (any
// well-formed MAC is accepted, but only host addresses forward); a
// network's bindings are listed as {"type": 1, port fields} for ports,
// {"type": 2, "id", "mac"} for network attachments and {"type": 3, port
// fields, "mac"} for port attachments, as Trema's binding types number
// them.
package sliceable

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// Options configure a Handler.
type Options struct {
	// Store keeps the configuration (required).
	Store store.Store
	// KeyPrefix is where in the store (default "sliceable/").
	KeyPrefix string
	// MaxBody bounds request bodies (default httpapi.DefaultMaxBody).
	MaxBody int64
	// Logger and Authenticator, as httpapi.Wrap takes them.
	Logger        *slog.Logger
	Authenticator httpapi.Authenticator
}

// Handler serves the API. Create it with New.
type Handler struct {
	st      store.Store
	p       string
	maxBody int64
	h       http.Handler
}

// New returns the API's handler, serving /tenants... relative to where it
// is mounted.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("sliceable: Options.Store is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "sliceable/"
	}
	h := &Handler{st: opts.Store, p: opts.KeyPrefix, maxBody: opts.MaxBody}
	mux := http.NewServeMux()
	const (
		tenants = "/tenants"
		tenant  = tenants + "/{tid}"
		nets    = tenant + "/networks"
		net     = nets + "/{nid}"
		ports   = net + "/ports"
		port    = ports + "/{pid}"
		patts   = port + "/attachments"
		patt    = patts + "/{aid}"
		natts   = net + "/attachments"
		natt    = natts + "/{aid}"
	)
	routes := []struct {
		pattern string
		fn      func(w http.ResponseWriter, r *http.Request) error
	}{
		{"GET " + tenants, h.listTenants}, {"POST " + tenants, h.createTenant},
		{"GET " + tenant, h.getTenant}, {"PUT " + tenant, h.modifyTenant}, {"DELETE " + tenant, h.deleteTenant},
		{"GET " + nets, h.listNetworks}, {"POST " + nets, h.createNetwork},
		{"GET " + net, h.getNetwork}, {"PUT " + net, h.modifyNetwork}, {"DELETE " + net, h.deleteNetwork},
		{"GET " + ports, h.listPorts}, {"POST " + ports, h.createPort},
		{"GET " + port, h.getPort}, {"DELETE " + port, h.deletePort},
		{"GET " + patts, h.listPortAttachments}, {"POST " + patts, h.createPortAttachment},
		{"GET " + patt, h.getPortAttachment}, {"DELETE " + patt, h.deletePortAttachment},
		{"GET " + natts, h.listNetworkAttachments}, {"POST " + natts, h.createNetworkAttachment},
		{"GET " + natt, h.getNetworkAttachment}, {"DELETE " + natt, h.deleteNetworkAttachment},
	}
	for _, rt := range routes {
		fn := rt.fn
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			// The API's data is JSON only.
			if !httpapi.Accepts(r, "application/json") {
				httpapi.PlainText(w, r, http.StatusNotAcceptable, "this API answers in application/json")
				return
			}
			if err := fn(w, r); err != nil {
				h.fail(w, r, err)
			}
		})
	}
	h.h = httpapi.Wrap(mux, httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator, Render: httpapi.PlainText})
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// Prefix is where the API is conventionally mounted.
func (h *Handler) Prefix() string { return "/sliceable/" }

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpapi.Error
	switch {
	case errors.As(err, &he):
		httpapi.PlainText(w, r, he.Status, he.Msg)
	case errors.Is(err, store.ErrInvalid):
		httpapi.PlainText(w, r, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		httpapi.PlainText(w, r, http.StatusServiceUnavailable, "request cancelled")
	default:
		httpapi.PlainText(w, r, http.StatusInternalServerError, "internal error: "+err.Error())
	}
}

func unprocessable(format string, args ...any) error {
	return httpapi.Errorf(http.StatusUnprocessableEntity, format, args...)
}

func notFound(format string, args ...any) error {
	return httpapi.Errorf(http.StatusNotFound, format, args...)
}

// Keys: one prefix per kind, so a kind's children are one prefix scan and
// a cascade is a few prefix deletes.
func (h *Handler) tenantKey(t string) string { return h.p + "T/" + t }
func (h *Handler) netKey(t, n string) string { return h.p + "N/" + t + "/" + n }
func (h *Handler) portKey(t, n, p string) string {
	return h.p + "P/" + t + "/" + n + "/" + p
}
func (h *Handler) pattKey(t, n, p, a string) string {
	return h.p + "PA/" + t + "/" + n + "/" + p + "/" + a
}
func (h *Handler) nattKey(t, n, a string) string { return h.p + "NA/" + t + "/" + n + "/" + a }
func (h *Handler) portsVersionKey() string       { return h.p + "V/ports" }
func (h *Handler) macsVersionKey(t, n string) string {
	return h.p + "V/macs/" + t + "/" + n
}

// validID checks a client-given id.
func validID(kind, id string) error {
	switch {
	case id == "":
		return unprocessable("%s id must not be empty", kind)
	case len(id) > 255:
		return unprocessable("%s id is longer than 255 bytes", kind)
	case !utf8.ValidString(id):
		return unprocessable("%s id is not UTF-8", kind)
	case strings.ContainsAny(id, "/"):
		return unprocessable("%s id %q contains a slash", kind, id)
	case id == "." || id == "..":
		return unprocessable("%s id %q is not allowed", kind, id)
	}
	for _, c := range id {
		if unicode.IsControl(c) {
			return unprocessable("%s id contains a control character", kind)
		}
	}
	return nil
}

// pathIDs validates the path's ids; a malformed one names nothing: 404.
func pathIDs(r *http.Request, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v := r.PathValue(n)
		if validID(n, v) != nil {
			return nil, notFound("no such object")
		}
		out[i] = v
	}
	return out, nil
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Stored values.
type (
	descValue struct {
		Description string `json:"description"`
	}
	portValue struct {
		DatapathID string `json:"datapath_id"`
		Port       uint32 `json:"port"`
		VID        uint16 `json:"vid"`
	}
	macValue struct {
		MAC string `json:"mac"`
	}
)

func (h *Handler) get(ctx context.Context, key string, v any) (store.KV, error) {
	kv, err := h.st.Get(ctx, key)
	if err != nil {
		return kv, err
	}
	return kv, json.Unmarshal(kv.Value, v)
}

// list returns every key under prefix, ordered, with the id that follows
// the prefix.
func (h *Handler) list(ctx context.Context, prefix string) ([]store.KV, error) {
	var out []store.KV
	after := ""
	for {
		page, more, err := h.st.List(ctx, prefix, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !more {
			return out, nil
		}
		after = page[len(page)-1].Key
	}
}

func (h *Handler) exists(ctx context.Context, key string, what string) error {
	if _, err := h.st.Get(ctx, key); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("%s not found", what)
		}
		return err
	}
	return nil
}

// revision returns key's ModRevision, 0 when it does not exist.
func (h *Handler) revision(ctx context.Context, key string) (int64, error) {
	kv, err := h.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return kv.ModRevision, err
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func accepted(w http.ResponseWriter, r *http.Request, location string, body any) error {
	if location != "" {
		w.Header().Set("Location", httpapi.MountPoint(r)+location)
	}
	if body == nil {
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusAccepted, body)
	return nil
}

func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, v, h.maxBody, http.StatusUnprocessableEntity)
}

// writeList answers a list request with the stored objects, each with its
// id added, without decoding and encoding them again: a stored value is a
// JSON object the API itself wrote, so `{"id":…,` and the rest of it make
// the item. decodeItem builds an item the slow way for a value that is
// not such an object.
func writeList(w http.ResponseWriter, kvs []store.KV, prefix string, decodeItem func(id string, v []byte) any) {
	size := 2
	for _, kv := range kvs {
		size += len(kv.Key) + len(kv.Value) + 16
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		id := strings.TrimPrefix(kv.Key, prefix)
		v := kv.Value
		if len(v) > 2 && v[0] == '{' && v[1] == '"' && v[len(v)-1] == '}' {
			b = append(b, `{"id":`...)
			b = appendJSONString(b, id)
			b = append(b, ',')
			b = append(b, v[1:]...)
			continue
		}
		item, _ := json.Marshal(decodeItem(id, v))
		b = append(b, item...)
	}
	b = append(b, ']', '\n')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// appendJSONString appends s as a JSON string. Ids are valid UTF-8 without
// control characters, but quotes and backslashes need escaping, and
// control characters are escaped all the same.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func descItem(id string, v []byte) any {
	var d descValue
	json.Unmarshal(v, &d)
	return tenantOut{ID: id, Description: d.Description}
}

// Tenants.

type idDesc struct {
	ID          *string `json:"id"`
	Description *string `json:"description"`
}

type tenantOut struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request) error {
	kvs, err := h.list(r.Context(), h.p+"T/")
	if err != nil {
		return err
	}
	writeList(w, kvs, h.p+"T/", descItem)
	return nil
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request) error {
	var in idDesc
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id := newID()
	if in.ID != nil {
		if err := validID("tenant", *in.ID); err != nil {
			return err
		}
		id = *in.ID
	}
	v := descValue{Description: deref(in.Description)}
	if _, err := h.st.Create(r.Context(), h.tenantKey(id), mustJSON(v)); err != nil {
		if errors.Is(err, store.ErrExists) {
			return unprocessable("tenant %q already exists", id)
		}
		return err
	}
	return accepted(w, r, "/tenants/"+id, tenantOut{ID: id, Description: v.Description})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) getTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	var v descValue
	if _, err := h.get(r.Context(), h.tenantKey(ids[0]), &v); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("tenant %q not found", ids[0])
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// modify replaces the description at key, which must exist.
func (h *Handler) modify(w http.ResponseWriter, r *http.Request, key, what string) error {
	var in struct {
		Description *string `json:"description"`
	}
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	for range 10 {
		var v descValue
		kv, err := h.get(r.Context(), key, &v)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("%s not found", what)
		}
		if err != nil {
			return err
		}
		if in.Description != nil {
			v.Description = *in.Description
		}
		_, err = h.st.Txn(r.Context(), []store.Cond{store.IfModRevision(key, kv.ModRevision)},
			[]store.Op{store.PutOp(key, mustJSON(v))})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return accepted(w, r, "", nil)
	}
	return httpapi.Errorf(http.StatusConflict, "%s is changing too fast; try again", what)
}

func (h *Handler) modifyTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	return h.modify(w, r, h.tenantKey(ids[0]), "tenant")
}

// remove deletes key and everything under the prefixes, in one
// transaction.
func (h *Handler) remove(w http.ResponseWriter, r *http.Request, key, what string, prefixes ...string) error {
	ops := []store.Op{store.DeleteOp(key)}
	for _, p := range prefixes {
		ops = append(ops, store.DeletePrefixOp(p))
	}
	if _, err := h.st.Txn(r.Context(), []store.Cond{store.IfExists(key)}, ops); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return notFound("%s not found", what)
		}
		return err
	}
	return accepted(w, r, "", nil)
}

func (h *Handler) deleteTenant(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	t := ids[0] + "/"
	return h.remove(w, r, h.tenantKey(ids[0]), "tenant",
		h.p+"N/"+t, h.p+"P/"+t, h.p+"PA/"+t, h.p+"NA/"+t, h.p+"V/macs/"+t)
}

// Networks.

func (h *Handler) listNetworks(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	prefix := h.p + "N/" + ids[0] + "/"
	kvs, err := h.list(r.Context(), prefix)
	if err != nil {
		return err
	}
	if len(kvs) == 0 {
		// Networks go with their tenant, so only an empty list needs
		// telling a tenant without networks from no tenant.
		if err := h.exists(r.Context(), h.tenantKey(ids[0]), "tenant"); err != nil {
			return err
		}
	}
	writeList(w, kvs, prefix, descItem)
	return nil
}

func (h *Handler) createNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid")
	if err != nil {
		return err
	}
	t := ids[0]
	var in idDesc
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id := newID()
	if in.ID != nil {
		if err := validID("network", *in.ID); err != nil {
			return err
		}
		id = *in.ID
	}
	v := descValue{Description: deref(in.Description)}
	nk, tk := h.netKey(t, id), h.tenantKey(t)
	for range 10 {
		// A network under an unknown tenant creates the tenant.
		conds := []store.Cond{store.IfAbsent(nk)}
		ops := []store.Op{store.PutOp(nk, mustJSON(v))}
		tkv, err := h.st.Get(r.Context(), tk)
		switch {
		case errors.Is(err, store.ErrNotFound):
			conds = append(conds, store.IfAbsent(tk))
			ops = append(ops, store.PutOp(tk, mustJSON(descValue{})))
		case err != nil:
			return err
		default:
			conds = append(conds, store.IfModRevision(tk, tkv.ModRevision))
		}
		_, err = h.st.Txn(r.Context(), conds, ops)
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			if ce.Cond.Key == nk {
				return unprocessable("network %q already exists", id)
			}
			continue // the tenant changed under us: look again
		}
		if err != nil {
			return err
		}
		return accepted(w, r, "/tenants/"+t+"/networks/"+id, tenantOut{ID: id, Description: v.Description})
	}
	return httpapi.Errorf(http.StatusConflict, "tenant is changing too fast; try again")
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

func (h *Handler) getNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	t, n := ids[0], ids[1]
	var v descValue
	if _, err := h.get(r.Context(), h.netKey(t, n), &v); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("network %q not found", n)
		}
		return err
	}
	bindings := []binding{}
	ports, err := h.list(r.Context(), h.p+"P/"+t+"/"+n+"/")
	if err != nil {
		return err
	}
	byPort := map[string]portValue{}
	for _, kv := range ports {
		var p portValue
		json.Unmarshal(kv.Value, &p)
		pid := kv.Key[strings.LastIndexByte(kv.Key, '/')+1:]
		byPort[pid] = p
		bindings = append(bindings, binding{Type: bindingPort, ID: pid, DatapathID: &p.DatapathID, Port: &p.Port, VID: &p.VID})
	}
	patts, err := h.list(r.Context(), h.p+"PA/"+t+"/"+n+"/")
	if err != nil {
		return err
	}
	for _, kv := range patts {
		var m macValue
		json.Unmarshal(kv.Value, &m)
		rest := strings.TrimPrefix(kv.Key, h.p+"PA/"+t+"/"+n+"/")
		pid, aid, _ := strings.Cut(rest, "/")
		p := byPort[pid]
		bindings = append(bindings, binding{Type: bindingPortAttachment, ID: aid, PortID: pid,
			DatapathID: &p.DatapathID, Port: &p.Port, VID: &p.VID, MAC: m.MAC})
	}
	natts, err := h.list(r.Context(), h.p+"NA/"+t+"/"+n+"/")
	if err != nil {
		return err
	}
	for _, kv := range natts {
		var m macValue
		json.Unmarshal(kv.Value, &m)
		bindings = append(bindings, binding{Type: bindingMAC, ID: kv.Key[strings.LastIndexByte(kv.Key, '/')+1:], MAC: m.MAC})
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Bindings    []binding `json:"bindings"`
		Description string    `json:"description"`
	}{bindings, v.Description})
	return nil
}

func (h *Handler) modifyNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	return h.modify(w, r, h.netKey(ids[0], ids[1]), "network")
}

func (h *Handler) deleteNetwork(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	tn := ids[0] + "/" + ids[1] + "/"
	return h.remove(w, r, h.netKey(ids[0], ids[1]), "network",
		h.p+"P/"+tn, h.p+"PA/"+tn, h.p+"NA/"+tn)
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
	if err := h.exists(r.Context(), h.netKey(ids[0], ids[1]), "network"); err != nil {
		return err
	}
	prefix := h.p + "P/" + ids[0] + "/" + ids[1] + "/"
	kvs, err := h.list(r.Context(), prefix)
	if err != nil {
		return err
	}
	writeList(w, kvs, prefix, func(id string, v []byte) any {
		var p portValue
		json.Unmarshal(v, &p)
		return portOut{VID: p.VID, DatapathID: p.DatapathID, ID: id, Port: p.Port}
	})
	return nil
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
	loc := l2.Location{Datapath: dp, Port: l2.Port(*p.Port), VLAN: l2.VLAN(*p.VID)}
	if err := loc.Validate(); err != nil {
		return l2.Location{}, unprocessable("%v", err)
	}
	return loc, nil
}

type portIn struct {
	ID         *string `json:"id"`
	DatapathID *string `json:"datapath_id"`
	Port       *uint32 `json:"port"`
	VID        *uint32 `json:"vid"`
}

func (h *Handler) createPort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	t, n := ids[0], ids[1]
	var in portIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	loc, err := location(in)
	if err != nil {
		return err
	}
	id := newID()
	if in.ID != nil {
		if err := validID("port", *in.ID); err != nil {
			return err
		}
		id = *in.ID
	}
	pv := portValue{DatapathID: loc.Datapath.String(), Port: uint32(loc.Port), VID: uint16(loc.VLAN)}
	nk, pk, vk := h.netKey(t, n), h.portKey(t, n, id), h.portsVersionKey()
	for range 20 {
		if err := h.exists(r.Context(), nk, "network"); err != nil {
			return err
		}
		// Creations take turns on a version key, so checking for a clash
		// and writing are one step.
		vrev, err := h.revision(r.Context(), vk)
		if err != nil {
			return err
		}
		all, err := h.list(r.Context(), h.p+"P/")
		if err != nil {
			return err
		}
		for _, kv := range all {
			var other portValue
			json.Unmarshal(kv.Value, &other)
			if other.DatapathID == pv.DatapathID && other.Port == pv.Port && other.VID == pv.VID && kv.Key != pk {
				return unprocessable("%v is already bound (%s)", loc, strings.TrimPrefix(kv.Key, h.p+"P/"))
			}
		}
		_, err = h.st.Txn(r.Context(),
			[]store.Cond{store.IfExists(nk), store.IfAbsent(pk), store.IfModRevision(vk, vrev)},
			[]store.Op{store.PutOp(pk, mustJSON(pv)), store.PutOp(vk, nil)})
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			switch ce.Cond.Key {
			case pk:
				return unprocessable("port %q already exists", id)
			case nk:
				return notFound("network %q not found", n)
			}
			continue
		}
		if err != nil {
			return err
		}
		return accepted(w, r, "/tenants/"+t+"/networks/"+n+"/ports/"+id,
			portOut{VID: pv.VID, DatapathID: pv.DatapathID, ID: id, Port: pv.Port})
	}
	return httpapi.Errorf(http.StatusConflict, "ports are changing too fast; try again")
}

func (h *Handler) getPort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	var p portValue
	if _, err := h.get(r.Context(), h.portKey(ids[0], ids[1], ids[2]), &p); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("port %q not found", ids[2])
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"config": map[string]any{"vid": p.VID, "datapath_id": p.DatapathID, "port": p.Port}})
	return nil
}

func (h *Handler) deletePort(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	return h.remove(w, r, h.portKey(ids[0], ids[1], ids[2]), "port",
		h.p+"PA/"+ids[0]+"/"+ids[1]+"/"+ids[2]+"/")
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

func parseAttachment(in attIn) (string, l2.MAC, error) {
	if in.ID == nil || in.MAC == nil {
		return "", l2.MAC{}, unprocessable("id and mac are mandatory")
	}
	if err := validID("attachment", *in.ID); err != nil {
		return "", l2.MAC{}, err
	}
	mac, err := l2.ParseMAC(*in.MAC)
	if err != nil {
		return "", l2.MAC{}, unprocessable("mac %q is not a 6-octet MAC address", *in.MAC)
	}
	// Any 6-octet address is accepted, as the specification's own example
	// (11:22:33:44:55:66, a group address) shows; the fabric forwards for
	// host (unicast) addresses only, and Follow skips the others.
	return *in.ID, mac, nil
}

func (h *Handler) listAttachments(w http.ResponseWriter, r *http.Request, parentKey, parent, prefix string) error {
	if err := h.exists(r.Context(), parentKey, parent); err != nil {
		return err
	}
	kvs, err := h.list(r.Context(), prefix)
	if err != nil {
		return err
	}
	out := make([]attOut, 0, len(kvs))
	for _, kv := range kvs {
		var m macValue
		json.Unmarshal(kv.Value, &m)
		out = append(out, attOut{ID: strings.TrimPrefix(kv.Key, prefix), MAC: m.MAC})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getAttachment(w http.ResponseWriter, r *http.Request, key, id string) error {
	var m macValue
	if _, err := h.get(r.Context(), key, &m); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("attachment %q not found", id)
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, attOut{ID: id, MAC: m.MAC})
	return nil
}

func (h *Handler) listPortAttachments(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	if err := h.exists(r.Context(), h.netKey(ids[0], ids[1]), "network"); err != nil {
		return err
	}
	return h.listAttachments(w, r, h.portKey(ids[0], ids[1], ids[2]), "port",
		h.p+"PA/"+ids[0]+"/"+ids[1]+"/"+ids[2]+"/")
}

func (h *Handler) createPortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid")
	if err != nil {
		return err
	}
	t, n, p := ids[0], ids[1], ids[2]
	var in attIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id, mac, err := parseAttachment(in)
	if err != nil {
		return err
	}
	nk, pk, ak, vk := h.netKey(t, n), h.portKey(t, n, p), h.pattKey(t, n, p, id), h.macsVersionKey(t, n)
	for range 20 {
		if err := h.exists(r.Context(), nk, "network"); err != nil {
			return err
		}
		// Creations take turns on a version key, so checking for a clash
		// and writing are one step.
		vrev, err := h.revision(r.Context(), vk)
		if err != nil {
			return err
		}
		// A MAC is attached to one port of a network.
		others, err := h.list(r.Context(), h.p+"PA/"+t+"/"+n+"/")
		if err != nil {
			return err
		}
		for _, kv := range others {
			var m macValue
			json.Unmarshal(kv.Value, &m)
			if m.MAC == mac.String() && kv.Key != ak {
				return unprocessable("%v is already attached in this network", mac)
			}
		}
		_, err = h.st.Txn(r.Context(),
			[]store.Cond{store.IfExists(pk), store.IfAbsent(ak), store.IfModRevision(vk, vrev)},
			[]store.Op{store.PutOp(ak, mustJSON(macValue{MAC: mac.String()})), store.PutOp(vk, nil)})
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			switch ce.Cond.Key {
			case pk:
				return unprocessable("port %q not found", p) // Table 31: 422 for a missing port
			case ak:
				return unprocessable("attachment %q already exists", id)
			}
			continue
		}
		if err != nil {
			return err
		}
		return accepted(w, r, "/tenants/"+t+"/networks/"+n+"/ports/"+p+"/attachments/"+id, attOut{ID: id, MAC: mac.String()})
	}
	return httpapi.Errorf(http.StatusConflict, "attachments are changing too fast; try again")
}

func (h *Handler) getPortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid", "aid")
	if err != nil {
		return err
	}
	return h.getAttachment(w, r, h.pattKey(ids[0], ids[1], ids[2], ids[3]), ids[3])
}

func (h *Handler) deletePortAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "pid", "aid")
	if err != nil {
		return err
	}
	return h.remove(w, r, h.pattKey(ids[0], ids[1], ids[2], ids[3]), "attachment")
}

func (h *Handler) listNetworkAttachments(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	return h.listAttachments(w, r, h.netKey(ids[0], ids[1]), "network", h.p+"NA/"+ids[0]+"/"+ids[1]+"/")
}

func (h *Handler) createNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid")
	if err != nil {
		return err
	}
	t, n := ids[0], ids[1]
	var in attIn
	if err := h.decode(w, r, &in); err != nil {
		return err
	}
	id, mac, err := parseAttachment(in)
	if err != nil {
		return err
	}
	nk, ak := h.netKey(t, n), h.nattKey(t, n, id)
	_, err = h.st.Txn(r.Context(), []store.Cond{store.IfExists(nk), store.IfAbsent(ak)},
		[]store.Op{store.PutOp(ak, mustJSON(macValue{MAC: mac.String()}))})
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		if ce.Cond.Key == nk {
			return notFound("network %q not found", n)
		}
		return unprocessable("attachment %q already exists", id)
	}
	if err != nil {
		return err
	}
	return accepted(w, r, "/tenants/"+t+"/networks/"+n+"/attachments/"+id, attOut{ID: id, MAC: mac.String()})
}

func (h *Handler) getNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "aid")
	if err != nil {
		return err
	}
	return h.getAttachment(w, r, h.nattKey(ids[0], ids[1], ids[2]), ids[2])
}

func (h *Handler) deleteNetworkAttachment(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "tid", "nid", "aid")
	if err != nil {
		return err
	}
	return h.remove(w, r, h.nattKey(ids[0], ids[1], ids[2]), "attachment")
}
