package kimchi

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
)

// HandlerOptions configure the HTTP surface.
type HandlerOptions struct {
	Authenticator httpapi.Authenticator // nil: httpapi.AllowAll
	Logger        *slog.Logger
	Timeout       time.Duration // per request (0: httpapi.DefaultTimeout)
	MaxBody       int64         // 0: httpapi.DefaultMaxBody
}

// Handler serves the Kimchi API over a Service: JSON only, Kimchi's
// paths relative to where it is mounted (/plugins/kimchi).
type Handler struct {
	svc  *Service
	opts HandlerOptions
	h    http.Handler
	doc  http.Handler // the OpenAPI document
}

// NewHandler returns the API over svc.
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	h := &Handler{svc: svc, opts: opts, doc: document().Handler()}
	// As in Wok, only admins change anything; uploads come as
	// multipart/form-data from Kimchi's own page.
	h.h = httpapi.Wrap(http.HandlerFunc(h.serve), httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator,
		Render: render, Timeout: opts.Timeout, Writers: []string{httpapi.RoleAdmin}, FormTypes: []string{"multipart/form-data"}})
	return h
}

// Prefix is Kimchi's: /plugins/kimchi (Kimchi is a plugin of Wok).
func (h *Handler) Prefix() string { return "/plugins/kimchi/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

type errorBody struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// render writes an error as Kimchi does: {"code": N, "reason": "..."}.
func render(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == http.StatusForbidden && msg == httpapi.MsgNotWriter {
		msg = errNotAdmin.Error()
	}
	httpapi.WriteJSON(w, status, errorBody{Code: status, Reason: msg})
}

// errNotAdmin is Wok's refusal of what only an admin may do.
var errNotAdmin = kerr(http.StatusForbidden, "WOKAPI0009E", "You don't have permission to perform this operation.")

// adminReads are what only an admin may read, as in Kimchi (whose
// resources list their admin_methods): the host's devices, disks,
// software and accounts, the storage servers it sees, and debug reports.
var adminReads = [][]string{{"debugreports"}, {"host", "devices"}, {"host", "partitions"}, {"host", "packagesupdate"},
	{"host", "repositories"}, {"host", "swupdate"}, {"host", "cpuinfo"}, {"storageservers"}, {"users"}, {"groups"}}

func adminOnly(seg []string) bool {
	for _, p := range adminReads {
		if len(seg) >= len(p) && slices.Equal(seg[:len(p)], p) {
			return true
		}
	}
	return false
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ke *Error
	if errors.As(err, &ke) {
		if ke.Status >= 500 && ke.Status != http.StatusServiceUnavailable && !httpapi.Outage(err) && h.opts.Logger != nil {
			h.opts.Logger.Error("kimchi: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		render(w, r, ke.Status, ke.Error())
		return
	}
	var he *httpapi.Error
	if errors.As(err, &he) {
		switch he.Status {
		case http.StatusUnsupportedMediaType:
			he = &httpapi.Error{Status: he.Status, Msg: "WOKAPI0007E: This API only supports JSON"}
		case http.StatusRequestEntityTooLarge:
			he = &httpapi.Error{Status: he.Status, Msg: "WOKAPI0006E: Unable to parse JSON request: " + he.Msg}
		}
		err = he
	}
	httpapi.Fail(w, r, err, render, h.opts.Logger)
}

// decode reads a JSON body strictly: an unknown field is Kimchi's
// KCHAPI0001E, anything else malformed WOKAPI0006E or WOKAPI0008E.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	err := httpapi.DecodeJSON(w, r, v, h.opts.MaxBody, http.StatusBadRequest)
	var he *httpapi.Error
	if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
		return err
	}
	return bodyError(he.Msg)
}

// decodeOptional is decode for actions, whose body may be empty.
func (h *Handler) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return h.decode(w, r, v)
}

func bodyError(msg string) error {
	switch {
	case strings.HasPrefix(msg, "unknown field "):
		return invalid("KCHAPI0001E", "Unknown parameter %s", strings.TrimPrefix(msg, "unknown field "))
	case strings.Contains(msg, "malformed") || strings.Contains(msg, "empty request body") || strings.Contains(msg, "UTF-8"):
		return invalid("WOKAPI0006E", "Unable to parse JSON request: %s", msg)
	}
	return invalid("WOKAPI0008E", "Parameters does not match requirement in schema: %s", msg)
}

var (
	errNoRoute = notFound("WOKAPI0001E", "No such resource")
)

func notAllowed(method, what string) error {
	verb := map[string]string{http.MethodDelete: "Delete", http.MethodPost: "Create", http.MethodPut: "Update"}[method]
	code := map[string]string{http.MethodDelete: "WOKAPI0002E", http.MethodPost: "WOKAPI0005E", http.MethodPut: "WOKAPI0003E"}[method]
	if verb == "" {
		verb, code = method, "WOKAPI0002E"
	}
	return kerr(http.StatusMethodNotAllowed, code, "%s is not allowed for %s", verb, what)
}

// out is what a route answers: a status and a value, or a redirect.
type out struct {
	status   int
	v        any
	location string
}

func ok(v any) out      { return out{status: http.StatusOK, v: v} }
func created(v any) out { return out{status: http.StatusCreated, v: v} }

var noContent = out{status: http.StatusNoContent}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i, s := range seg {
		if v, err := url.PathUnescape(s); err == nil {
			seg[i] = v
		}
	}
	if len(seg) == 1 && seg[0] == "" {
		seg = nil
	}
	if id, _ := httpapi.IdentityFrom(r.Context()); !id.IsAdmin() && adminOnly(seg) {
		h.fail(w, r, errNotAdmin)
		return
	}
	res, err := h.route(w, r, seg)
	if errors.Is(err, errWritten) {
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := httpapi.MountPoint(r)
	switch v := res.v.(type) {
	case Task:
		v.Target = base + v.Target
		res.v = v
	case []Task:
		for i := range v {
			v[i].Target = base + v[i].Target
		}
	case VM:
		prefixShot(base, &v)
		res.v = v
	case DebugReport:
		v.URI = base + v.URI
		res.v = v
	case []DebugReport:
		for i := range v {
			v[i].URI = base + v[i].URI
		}
	case []VM:
		for i := range v {
			prefixShot(base, &v[i])
		}
	}
	if res.v != nil && r.Method == http.MethodGet && len(r.URL.Query()) > 0 {
		res.v = filter(res.v, r.URL.Query())
	}
	switch {
	case res.location != "":
		w.Header().Set("Location", base+res.location)
		w.WriteHeader(res.status)
	case res.v == nil:
		w.WriteHeader(res.status)
	default:
		httpapi.WriteJSON(w, res.status, res.v)
	}
}

func prefixShot(base string, vm *VM) {
	if vm.Screenshot != nil {
		s := base + *vm.Screenshot
		vm.Screenshot = &s
	}
}

// filter keeps the items of a list whose fields equal the query's
// parameters, as Wok does (?state=running); parameters starting with "_"
// are the model's own and ignored here.
func filter(v any, q url.Values) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var items []map[string]any
	if json.Unmarshal(b, &items) != nil {
		return v // not a list
	}
	kept := []map[string]any{}
	for _, it := range items {
		match := true
		for k, vals := range q {
			if strings.HasPrefix(k, "_") || len(vals) == 0 {
				continue
			}
			if fmt.Sprint(it[k]) != vals[0] {
				match = false
			}
		}
		if match {
			kept = append(kept, it)
		}
	}
	return kept
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	if len(seg) == 0 {
		return out{}, errNoRoute
	}
	switch seg[0] {
	case "vms":
		return h.vms(w, r, seg[1:])
	case "templates":
		return h.templates(w, r, seg[1:])
	case "networks":
		return h.networks(w, r, seg[1:])
	case "storagepools":
		return h.storagepools(w, r, seg[1:])
	case "host":
		return h.host(w, r, seg[1:])
	case "debugreports":
		return h.debugreports(w, r, seg[1:])
	case "storageservers":
		return h.storageservers(r, seg[1:])
	case "users", "groups", "plugins", "peers":
		if len(seg) != 1 {
			return out{}, errNoRoute
		}
		if r.Method != http.MethodGet {
			return out{}, notAllowed(r.Method, seg[0])
		}
		switch seg[0] {
		case "users":
			l, err := h.svc.Users(r.URL.Query().Get("_user_id"))
			return ok(l), err
		case "groups":
			l, err := h.svc.Groups()
			return ok(l), err
		case "plugins":
			return ok([]string{"kimchi"}), nil
		}
		return ok(append([]string{}, h.svc.opts.Peers...)), nil
	case "interfaces":
		return h.interfaces(r, seg[1:])
	case "tasks":
		return h.tasks(r, seg[1:])
	case "config":
		return h.config(r, seg[1:])
	case "openapi.json":
		if len(seg) != 1 {
			return out{}, errNoRoute
		}
		if r.Method != http.MethodGet {
			return out{}, notAllowed(r.Method, "openapi.json")
		}
		h.doc.ServeHTTP(w, r)
		return out{}, errWritten
	}
	return out{}, errNoRoute
}

func (h *Handler) vms(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	ctx, s := r.Context(), h.svc
	switch len(seg) {
	case 0:
		switch r.Method {
		case http.MethodGet:
			vms, err := s.VMs(ctx)
			return ok(vms), err
		case http.MethodPost:
			var req CreateVMRequest
			if err := h.decode(w, r, &req); err != nil {
				return out{}, err
			}
			t, err := s.CreateVM(ctx, req)
			return out{status: http.StatusAccepted, v: t}, err
		}
		return out{}, notAllowed(r.Method, "vms")
	case 1:
		name := seg[0]
		switch r.Method {
		case http.MethodGet:
			vm, err := s.VM(ctx, name)
			return ok(vm), err
		case http.MethodPut:
			var req UpdateVMRequest
			if err := h.decode(w, r, &req); err != nil {
				return out{}, err
			}
			newName, err := s.UpdateVM(ctx, name, req)
			if err != nil {
				return out{}, err
			}
			if newName != name {
				return out{status: http.StatusSeeOther, location: "/vms/" + url.PathEscape(newName)}, nil
			}
			vm, err := s.VM(ctx, name)
			return ok(vm), err
		case http.MethodDelete:
			return noContent, s.DeleteVM(ctx, name)
		}
		return out{}, notAllowed(r.Method, "vm "+name)
	}
	name, sub := seg[0], seg[1]
	switch sub {
	case "ifaces":
		return h.ifaces(w, r, name, seg[2:])
	case "storages":
		return h.storages(w, r, name, seg[2:])
	case "snapshots":
		return h.snapshots(w, r, name, seg[2:])
	case "hostdevs":
		return h.hostdevs(w, r, name, seg[2:])
	}
	if len(seg) != 2 {
		return out{}, errNoRoute
	}
	if sub == "screenshot" {
		if r.Method != http.MethodGet {
			return out{}, notAllowed(r.Method, "screenshot")
		}
		data, mime, err := s.Screenshot(ctx, name)
		if err != nil {
			return out{}, err
		}
		w.Header().Set("Content-Type", mime)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(data)
		return out{status: http.StatusOK, v: nil}, errWritten
	}
	switch sub {
	case "start", "poweroff", "shutdown", "reset", "suspend", "resume", "connect", "clone", "migrate":
	default:
		return out{}, errNoRoute
	}
	if r.Method != http.MethodPost {
		return out{}, notAllowed(r.Method, "action "+sub)
	}
	switch sub {
	case "clone":
		if err := h.decodeOptional(w, r, &struct{}{}); err != nil {
			return out{}, err
		}
		t, err := s.CloneVM(ctx, name)
		return out{status: http.StatusAccepted, v: t}, err
	case "migrate":
		var req struct {
			RemoteHost string `json:"remote_host"`
			User       string `json:"user"`
			Password   string `json:"password"`
		}
		if err := h.decode(w, r, &req); err != nil {
			return out{}, err
		}
		t, err := s.MigrateVM(ctx, name, req.RemoteHost, req.User)
		return out{status: http.StatusAccepted, v: t}, err
	}
	if err := h.decodeOptional(w, r, &struct{}{}); err != nil {
		return out{}, err
	}
	if err := s.VMAction(ctx, name, sub); err != nil {
		return out{}, err
	}
	vm, err := s.VM(ctx, name)
	return ok(vm), err
}

// errWritten says the route wrote the response itself.
var errWritten = errors.New("written")

func (h *Handler) snapshots(w http.ResponseWriter, r *http.Request, vm string, seg []string) (out, error) {
	ctx, s := r.Context(), h.svc
	switch {
	case len(seg) == 0 && r.Method == http.MethodGet:
		l, err := s.Snapshots(ctx, vm)
		return ok(l), err
	case len(seg) == 0 && r.Method == http.MethodPost:
		var req struct {
			Name string `json:"name"`
		}
		if err := h.decodeOptional(w, r, &req); err != nil {
			return out{}, err
		}
		t, err := s.CreateSnapshot(ctx, vm, req.Name)
		return out{status: http.StatusAccepted, v: t}, err
	case len(seg) == 0:
		return out{}, notAllowed(r.Method, "snapshots")
	case len(seg) == 1 && seg[0] == "current":
		if r.Method != http.MethodGet {
			return out{}, notAllowed(r.Method, "the current snapshot")
		}
		sn, err := s.CurrentSnapshot(ctx, vm)
		return ok(sn), err
	case len(seg) == 2 && seg[1] == "revert":
		if r.Method != http.MethodPost {
			return out{}, notAllowed(r.Method, "action revert")
		}
		if err := h.decodeOptional(w, r, &struct{}{}); err != nil {
			return out{}, err
		}
		sn, err := s.RevertSnapshot(ctx, vm, seg[0])
		return ok(sn), err
	case len(seg) > 1:
		return out{}, errNoRoute
	}
	switch r.Method {
	case http.MethodGet:
		sn, err := s.Snapshot(ctx, vm, seg[0])
		return ok(sn), err
	case http.MethodDelete:
		return noContent, s.DeleteSnapshot(ctx, vm, seg[0])
	}
	return out{}, notAllowed(r.Method, "snapshot "+seg[0])
}

func (h *Handler) interfaces(r *http.Request, seg []string) (out, error) {
	if r.Method != http.MethodGet {
		return out{}, notAllowed(r.Method, "interfaces")
	}
	switch len(seg) {
	case 0:
		l, err := h.svc.Interfaces(r.Context())
		return ok(l), err
	case 1:
		i, err := h.svc.Interface(r.Context(), seg[0])
		return ok(i), err
	}
	return out{}, errNoRoute
}

func (h *Handler) tasks(r *http.Request, seg []string) (out, error) {
	if r.Method != http.MethodGet {
		return out{}, notAllowed(r.Method, "tasks")
	}
	switch len(seg) {
	case 0:
		l, err := h.svc.Tasks(r.Context(), "")
		if l == nil {
			l = []Task{}
		}
		return ok(l), err
	case 1:
		t, err := h.svc.Task(r.Context(), seg[0])
		return ok(t), err
	}
	return out{}, errNoRoute
}

func (h *Handler) config(r *http.Request, seg []string) (out, error) {
	if r.Method != http.MethodGet {
		return out{}, notAllowed(r.Method, "config")
	}
	switch {
	case len(seg) == 0:
		return ok(h.svc.Config()), nil
	case len(seg) == 1 && seg[0] == "capabilities":
		c, err := h.svc.Capabilities(r.Context())
		return ok(c), err
	case len(seg) == 1 && seg[0] == "distros":
		return ok(h.svc.Distros()), nil
	case len(seg) == 2 && seg[0] == "distros":
		d, err := h.svc.Distro(seg[1])
		return ok(d), err
	}
	return out{}, errNoRoute
}

var bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}

// chunk reads an upload chunk as Kimchi's UI sends it: multipart form
// data with chunk_size, then chunk (the bytes), streamed to the volume's
// file without holding the chunk in memory.
func (h *Handler) chunk(r *http.Request, pool, name string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return kerr(http.StatusUnsupportedMediaType, "KCHVOL0024E", "Specify chunk data and its size to upload a file: send multipart/form-data with chunk_size and chunk")
	}
	// The multipart reader reads 4 KiB at a time: under it, a large
	// buffer makes those copies rather than system calls.
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(http.MaxBytesReader(nil, r.Body, h.svc.opts.MaxChunk+64<<10))
	defer func() { br.Reset(nil); bufPool.Put(br) }()
	mr := multipart.NewReader(br, params["boundary"])
	size := int64(-1)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file.")
		}
		if err != nil {
			return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file. Details: %v", err)
		}
		switch part.FormName() {
		case "chunk_size":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file: chunk_size must be a number of bytes")
			}
			size = n
		case "chunk":
			if size < 0 {
				return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file: chunk_size must come before chunk")
			}
			return h.svc.UploadChunk(r.Context(), pool, name, size, part)
		}
	}
}

func (h *Handler) host(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	ctx, s := r.Context(), h.svc
	if len(seg) == 1 && r.Method == http.MethodPost {
		switch seg[0] {
		case "reboot", "shutdown", "swupdate":
			if err := h.decodeOptional(w, r, &struct{}{}); err != nil {
				return out{}, err
			}
			t, err := s.HostAction(ctx, seg[0])
			if err != nil {
				return out{}, err
			}
			if t != nil {
				return out{status: http.StatusAccepted, v: *t}, nil
			}
			hi, err := s.HostInfo()
			return ok(hi), err
		}
	}
	if len(seg) == 1 && (seg[0] == "reboot" || seg[0] == "shutdown" || seg[0] == "swupdate") {
		return out{}, notAllowed(r.Method, "action "+seg[0]) // (POST is above)
	}
	if len(seg) >= 1 && seg[0] == "repositories" {
		return h.repositories(w, r, seg[1:])
	}
	if r.Method != http.MethodGet {
		return out{}, notAllowed(r.Method, "host")
	}
	q := r.URL.Query()
	switch {
	case len(seg) == 0:
		hi, err := s.HostInfo()
		return ok(hi), err
	case len(seg) == 1 && seg[0] == "stats":
		st, err := s.HostStatsNow()
		return ok(st), err
	case len(seg) == 2 && seg[0] == "stats" && seg[1] == "history":
		return ok(s.HostStatsHistory()), nil
	case len(seg) == 1 && seg[0] == "packagesupdate":
		l, err := s.PackageUpdates(ctx)
		return ok(l), err
	case len(seg) == 2 && seg[0] == "packagesupdate":
		p, err := s.PackageUpdate(ctx, seg[1])
		return ok(p), err
	case len(seg) == 1 && seg[0] == "cpuinfo":
		c, err := s.HostCPUInfo()
		return ok(c), err
	case len(seg) == 1 && seg[0] == "partitions":
		l, err := s.Partitions(ctx)
		return ok(l), err
	case len(seg) == 2 && seg[0] == "partitions":
		p, err := s.Partition(ctx, seg[1])
		return ok(p), err
	case len(seg) == 1 && seg[0] == "devices":
		l, err := s.HostDevices(ctx, q.Get("_cap"), q.Get("_passthrough"), q.Get("_passthrough_affected_by"))
		return ok(l), err
	case len(seg) == 2 && seg[0] == "devices":
		d, err := s.HostDevice(ctx, seg[1])
		return ok(d), err
	case len(seg) == 3 && seg[0] == "devices" && seg[2] == "vmholders":
		l, err := s.VMHolders(ctx, seg[1])
		return ok(l), err
	case len(seg) == 4 && seg[0] == "devices" && seg[2] == "vmholders":
		l, err := s.VMHolders(ctx, seg[1])
		if err != nil {
			return out{}, err
		}
		for _, v := range l {
			if v.Name == seg[3] {
				return ok(v), nil
			}
		}
		return out{}, vmNotFound(seg[3])
	}
	return out{}, errNoRoute
}

func (h *Handler) storageservers(r *http.Request, seg []string) (out, error) {
	if r.Method != http.MethodGet {
		return out{}, notAllowed(r.Method, "storageservers")
	}
	q := r.URL.Query()
	switch {
	case len(seg) == 0:
		l, err := h.svc.StorageServers(r.Context(), q.Get("_target_type"))
		return ok(l), err
	case len(seg) == 1:
		srv, err := h.svc.StorageServer(r.Context(), seg[0])
		return ok(srv), err
	case len(seg) == 2 && seg[1] == "storagetargets":
		port := 0
		if p := q.Get("_server_port"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return out{}, invalid("KCHPOOL0023E", "Port of a remote storage server must be an integer between 1 and 65535")
			}
			port = n
		}
		l, err := h.svc.StorageTargets(r.Context(), seg[0], q.Get("_target_type"), port)
		return ok(l), err
	}
	return out{}, errNoRoute
}
