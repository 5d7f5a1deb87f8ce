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
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/jsonw"
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
	rt := httpapi.NewRouter(h.fail)
	h.routes(rt)
	// As in Wok, only admins change anything; uploads come as
	// multipart/form-data from Kimchi's own page.
	api := httpapi.Wrap(h.adminReads(rt), httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator,
		Render: render, Timeout: opts.Timeout, Writers: []string{httpapi.RoleAdmin}, FormTypes: []string{"multipart/form-data"}})
	h.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = httpapi.TrimPath(r, "") // "/vms/" is "/vms"
		api.ServeHTTP(w, r)
	})
	return h
}

// adminReads refuses what only an admin may read to everyone else.
func (h *Handler) adminReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, _ := httpapi.IdentityFrom(r.Context()); !id.IsAdmin() && adminOnly(r.URL.Path) {
			h.fail(w, r, errNotAdmin)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Prefix is Kimchi's: /plugins/kimchi (Kimchi is a plugin of Wok).
func (h *Handler) Prefix() string { return "/plugins/kimchi/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// WokTasks serves Wok's task collection from h: /tasks and /tasks/{id} at
// the root of the server, where Kimchi's UI polls the tasks it starts
// (GET tasks/<id>), their targets under /plugins/kimchi as Wok shows
// them. Mount it at "/tasks" and "/tasks/" beside h at its Prefix.
func (h *Handler) WokTasks() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tasks" && !strings.HasPrefix(r.URL.Path, "/tasks/") {
			http.NotFound(w, r)
			return
		}
		// As if it came through the prefix: the answers' links are
		// made from where the API seems mounted.
		uri := r.RequestURI
		if uri == "" {
			uri = r.URL.RequestURI()
		}
		r2 := r.Clone(r.Context())
		r2.RequestURI = strings.TrimSuffix(h.Prefix(), "/") + uri
		h.ServeHTTP(w, r2)
	})
}

type errorBody struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// render writes an error as Kimchi does: {"code": N, "reason": "..."},
// the reason in Kimchi's words — its code first — for the Service's
// errors and for what Wok itself refuses.
func render(w http.ResponseWriter, r *http.Request, e *httpapi.Error) {
	msg := e.Msg
	var ke *Error
	switch {
	case errors.As(e, &ke):
		msg = ke.Error()
	case errors.Is(e, httpapi.ErrNotWriter):
		msg = errNotAdmin.Error()
	case errors.Is(e, httpapi.ErrNoRoute):
		msg = "The path '" + httpapi.MountPoint(r) + r.URL.Path + "' was not found." // as CherryPy says it
	case errors.Is(e, httpapi.ErrMethod):
		msg = notAllowed(r).Error()
	case errors.Is(e, httpapi.ErrMediaType) && !errors.Is(e, httpapi.ErrForeign):
		msg = "KCHAPI0007E: This API only supports JSON"
	case errors.Is(e, httpapi.ErrTooLarge):
		msg = "KCHAPI0006E: Unable to parse JSON request: " + e.Msg
	}
	httpapi.WriteJSON(w, e.Status, errorBody{Code: e.Status, Reason: msg})
}

// errNotAdmin is Wok's refusal of what only an admin may do.
var errNotAdmin = kerr(ErrForbidden, "KCHAPI0009E", "You don't have permission to perform this operation.")

// adminReads are what only an admin may read, as in Kimchi (whose
// resources list their admin_methods): the host's devices, disks,
// software and accounts, the storage servers it sees, and debug reports.
var adminPaths = [][]string{{"debugreports"}, {"host", "devices"}, {"host", "partitions"}, {"host", "packagesupdate"},
	{"host", "repositories"}, {"host", "swupdate"}, {"host", "swupdateprogress"}, {"host", "cpuinfo"}, {"storageservers"}, {"users"}, {"groups"}}

func adminOnly(path string) bool {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	for _, p := range adminPaths {
		if len(seg) >= len(p) && slices.Equal(seg[:len(p)], p) {
			return true
		}
	}
	return false
}

// fail answers err: the Service's errors with the status Kimchi gives
// their kind, the rest as every surface does.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ke *Error
	if errors.As(err, &ke) {
		he := &httpapi.Error{Status: statusOf(ke), Msg: ke.Error(), Err: err}
		if ke.Kind == ErrUnavailable {
			he.Kind = httpapi.ErrUnavailable // an outage, not logged per request
		}
		err = he
	}
	httpapi.Fail(w, r, err, render, h.opts.Logger)
}

// decode reads a JSON body: strictly, an unknown field being Kimchi's
// KCHAPI0001E, or, open, with unknown fields ignored, as API.json's
// schemas that do not forbid additional properties take them. Anything
// malformed is KCHAPI0006E, a field of the wrong type its own code or
// KCHAPI0008E.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any, open bool) error {
	var err error
	if open {
		err = httpapi.DecodeJSONOpen(w, r, v, h.opts.MaxBody, http.StatusBadRequest)
	} else {
		err = httpapi.DecodeJSON(w, r, v, h.opts.MaxBody, http.StatusBadRequest)
	}
	var he *httpapi.Error
	if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
		return err
	}
	switch {
	case errors.Is(he, httpapi.ErrUnknownField):
		return invalid("KCHAPI0001E", "Unknown parameter %q", he.Field)
	case errors.Is(he, httpapi.ErrMalformed):
		return invalid("KCHAPI0006E", "Unable to parse JSON request: %s", he.Msg)
	}
	if code := fieldCode(reflect.TypeOf(v), he.Field); code != "" {
		return invalid(code, "%s", he.Msg) // the field's own code, as API.json gives it
	}
	return invalid("KCHAPI0008E", "Parameters does not match requirement in schema: %s", he.Msg)
}

// fieldCode is the code Kimchi's API.json gives a field of a request
// (the "code" tag of the field named by path, "disks[0].size" or
// "disks.size", or of the nearest field above it that has one), or "".
func fieldCode(t reflect.Type, path string) string {
	code := ""
	for part := range strings.SplitSeq(path, ".") {
		if i := strings.IndexByte(part, '['); i >= 0 {
			part = part[:i]
		}
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return code
		}
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == part {
				if c := f.Tag.Get("code"); c != "" {
					code = c
				}
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return code
		}
	}
	return code
}

// decodeOptional is decode for actions, whose body may be empty.
func (h *Handler) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return h.decode(w, r, v, false)
}

var (
	errNoRoute = kerr(ErrNotFound, "", "No such resource")
)

// notAllowed is Wok's refusal of a method a resource does not have.
func notAllowed(r *http.Request) error {
	what := strings.Trim(r.URL.Path, "/")
	switch r.Method {
	case http.MethodDelete:
		return kerr(httpapi.ErrMethod, "KCHAPI0002E", "Delete is not allowed for %s", what)
	case http.MethodPost:
		return kerr(httpapi.ErrMethod, "KCHAPI0005E", "Create is not allowed for %s", what)
	case http.MethodPut:
		return kerr(httpapi.ErrMethod, "KCHAPI0003E", "Update is not allowed for %s", what)
	}
	return kerr(httpapi.ErrMethod, "KCHAPI0002E", "%s is not allowed for %s", r.Method, what)
}

// write answers with what a route returned: the links in it made
// absolute to where the API is mounted, a list filtered by the query as
// Wok does, or a redirect.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, res out) {
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
		if r.URL.RawQuery == "" && res.location == "" {
			writeList(w, res.status, func(b []byte) []byte { return appendVMs(b, v, base) })
			return
		}
		for i := range v {
			prefixShot(base, &v[i])
		}
	case []StorageVolume:
		if r.URL.RawQuery == "" && res.location == "" {
			writeList(w, res.status, func(b []byte) []byte { return appendVolumes(b, v) })
			return
		}
	}
	if res.v != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(r.URL.Query()) > 0 {
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

// writeList writes the JSON list render appends, as httpapi.WriteJSON
// writes one.
func writeList(w http.ResponseWriter, status int, render func([]byte) []byte) {
	bp := jsonw.Buffer()
	defer jsonw.Release(bp)
	*bp = append(render(*bp), '\n')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(*bp)
}

func prefixShot(base string, vm *VM) {
	if vm.Screenshot != nil {
		s := base + *vm.Screenshot
		vm.Screenshot = &s
	}
}

// filter keeps the items of a list that match every parameter of the
// query, as Wok does (?status=running&target_uri=^/plugins/kimchi/...):
// the item has the field, and its value equals the parameter's, or one of
// them when it repeats, or — a string — matches it as a regular
// expression from its start. Parameters starting with "_" are the
// model's own and ignored here.
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
			field, ok := it[k]
			match = match && ok && matches(field, vals)
		}
		if match {
			kept = append(kept, it)
		}
	}
	return kept
}

func matches(field any, vals []string) bool {
	s, isString := field.(string)
	if !isString {
		s = fmt.Sprint(field)
	}
	if slices.Contains(vals, s) {
		return true
	}
	if !isString || len(vals) != 1 {
		return false
	}
	re, err := regexp.Compile("^(?:" + vals[0] + ")")
	return err == nil && re.MatchString(s)
}

var bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}

// chunk reads an upload chunk as Kimchi's UI sends it: multipart form
// data with chunk_size, then chunk (the bytes), streamed to the volume's
// file without holding the chunk in memory.
func (h *Handler) chunk(r *http.Request, pool, name string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return kerr(httpapi.ErrMediaType, "KCHVOL0024E", "Specify chunk data and its size to upload a file: send multipart/form-data with chunk_size and chunk")
	}
	// The multipart reader reads 4 KiB at a time: under it, a large
	// buffer makes those copies rather than system calls.
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(http.MaxBytesReader(nil, r.Body, h.svc.opts.MaxChunk+64<<10))
	defer func() { br.Reset(nil); bufPool.Put(br) }()
	mr := multipart.NewReader(br, params["boundary"])
	// next returns the next part of the form that is one of ours.
	next := func() (*multipart.Part, error) {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil, invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file.")
			}
			if err != nil {
				return nil, invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file. Details: %v", err)
			}
			if n := part.FormName(); n == "chunk" || n == "chunk_size" {
				return part, nil
			}
		}
	}
	chunkSize := func(part *multipart.Part) (int64, error) {
		b, _ := io.ReadAll(io.LimitReader(part, 32))
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 {
			return 0, invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file: chunk_size must be a number of bytes")
		}
		return n, nil
	}
	part, err := next()
	if err != nil {
		return err
	}
	if part.FormName() == "chunk_size" {
		size, err := chunkSize(part)
		if err != nil {
			return err
		}
		if part, err = next(); err != nil {
			return err
		}
		if part.FormName() != "chunk" {
			return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file.")
		}
		return h.svc.UploadChunk(r.Context(), pool, name, size, part)
	}
	// The chunk first, as a browser's FormData sends it: its size is
	// checked against chunk_size, which follows, before it counts.
	return h.svc.uploadChunk(r.Context(), pool, name, -1, part, func(n int64) error {
		p, err := next()
		if err != nil {
			return err
		}
		if p.FormName() != "chunk_size" {
			return invalid("KCHVOL0024E", "Specify chunk data and its size to upload a file.")
		}
		size, err := chunkSize(p)
		if err == nil && size != n {
			err = invalid("KCHVOL0026E", "Unable to upload chunk data as it does not match with requested chunk size (%d bytes sent, %d said).", n, size)
		}
		return err
	})
}
