// Package openapitest holds a surface's handler to its OpenAPI document:
// every documented operation is called and must answer as documented, and
// what the document does not name must not be served.
package openapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// Options adjust Walk to a surface.
type Options struct {
	// Prepare, when set, is called on every request before it is sent
	// (credentials, headers the surface wants).
	Prepare func(*http.Request)
	// Missing is a path parameter value that names nothing ("missing" by
	// default).
	Missing string
	// AnyValue names path parameters that take any value (a project a
	// quota is kept for, a tag to add): they are not probed with one
	// that names nothing.
	AnyValue []string
	// IgnoresAccept says the surface answers JSON whatever Accept says
	// (as neutron-server does): GETs are not probed with an Accept it
	// cannot meet.
	IgnoresAccept bool
	// Settle, when set, is called after each successful call with the
	// operation's id and the answer's body: a surface whose creates finish
	// later (a task) waits for them here.
	Settle func(operationID string, body []byte)
	// MayFail lists operation ids whose success cannot be had where the
	// test runs (a host action refused by default, a device the test
	// machine lacks): their answer must still be documented, but need not
	// be the success.
	MayFail []string
	// Order lists operation ids to call first, in this order, among
	// the operations of their kind (creates, changes, reads, deletes):
	// what depends on what.
	Order []string
}

// T is what Walk reports to: a *testing.T.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

// op is one documented operation with its path and method.
type op struct {
	method, path string
	*openapi.Operation
}

var param = regexp.MustCompile(`\{([^}]+)\}`)

// Walk calls every operation of doc on h with its parameters' and body's
// examples — creating before changing, changing before reading, reading
// before deleting (deepest first), in opts.Order where it says — and
// checks that each answers its first documented success with the
// documented body. An example may name a value an earlier answer gave as
// ${path}: ${network.id} is the "id" of the "network" a create answered.
// Then, before the deletes, it probes each operation but creates with a
// path parameter that names nothing, each body with malformed JSON, each
// GET with an Accept it cannot meet, and each path with every method it
// does not document (which must be 405): every answer's status must be
// documented for the operation, and its body as documented.
func Walk(t T, h http.Handler, doc *openapi.Doc, opts Options) {
	t.Helper()
	if opts.Missing == "" {
		opts.Missing = "missing"
	}
	w := &walker{t: t, h: h, doc: doc, opts: opts, vars: map[string]string{}}
	var ops []op
	for path, byMethod := range doc.Paths {
		for m, o := range byMethod {
			ops = append(ops, op{strings.ToUpper(m), path, o})
		}
	}
	depth := func(o op) int { return strings.Count(o.path, "/") }
	rank := map[string]int{"POST": 0, "PUT": 1, "PATCH": 1, "GET": 2, "DELETE": 3}
	order := func(o op) int {
		if i := slices.Index(opts.Order, o.OperationID); i >= 0 {
			return i
		}
		return len(opts.Order)
	}
	slices.SortFunc(ops, func(a, b op) int {
		if rank[a.method] != rank[b.method] {
			return rank[a.method] - rank[b.method]
		}
		if a.method == "DELETE" && depth(a) != depth(b) {
			return depth(b) - depth(a) // what is under an object goes first
		}
		if order(a) != order(b) {
			return order(a) - order(b)
		}
		if depth(a) != depth(b) {
			return depth(a) - depth(b)
		}
		return strings.Compare(a.path, b.path)
	})
	deletes := slices.IndexFunc(ops, func(o op) bool { return o.method == "DELETE" })
	if deletes < 0 {
		deletes = len(ops)
	}
	for _, o := range ops[:deletes] {
		w.call(o, w.fill(o, ""), w.body(o), "", true)
	}
	for _, o := range ops {
		// (A create under a parent that is not there may create the
		// parent too: that is the surface's to say, not this probe's.)
		if target, ok := w.missing(o); ok && o.method != "POST" {
			w.call(o, target, w.body(o), "", false)
		}
		if o.RequestBody != nil {
			if _, ok := o.RequestBody.Content["application/json"]; ok {
				w.call(o, w.fill(o, ""), []byte("{"), "", false)
			}
		}
		if o.method == "GET" && !opts.IgnoresAccept {
			w.call(o, w.fill(o, ""), nil, "application/x-no-such-type", false)
		}
	}
	for path, byMethod := range doc.Paths {
		o := op{path: path}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if _, ok := byMethod[strings.ToLower(m)]; ok {
				continue
			}
			for _, any := range byMethod {
				o.Operation = any
				break
			}
			req := httptest.NewRequest(m, w.fill(o, ""), nil)
			if opts.Prepare != nil {
				opts.Prepare(req)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, "%s %s is not documented, so it must not be served", m, path)
		}
	}
	for _, o := range ops[deletes:] {
		w.call(o, w.fill(o, ""), w.body(o), "", true)
	}
}

// walker is one walk's state: the values earlier answers gave.
type walker struct {
	t    T
	h    http.Handler
	doc  *openapi.Doc
	opts Options
	vars map[string]string
}

var ref = regexp.MustCompile(`\$\{([^}]+)\}`)

// subst replaces each ${path} in s with the value an answer gave.
func (w *walker) subst(s string) string {
	return ref.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := w.vars[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// learn keeps the values of an answer's body, by their path.
func (w *walker) learn(prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			w.learn(join(prefix, k), x)
		}
	case []any:
		for i, x := range v {
			w.learn(join(prefix, strconv.Itoa(i)), x)
		}
	case string:
		w.vars[prefix] = v
	case float64, bool:
		w.vars[prefix] = toString(v)
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// missing is o's target with the first of its path parameters that
// names something replaced by opts.Missing, if it has one.
func (w *walker) missing(o op) (string, bool) {
	for _, n := range param.FindAllStringSubmatch(o.path, -1) {
		if !slices.Contains(w.opts.AnyValue, n[1]) {
			return w.fill(o, n[1]), true
		}
	}
	return "", false
}

// fill puts the parameters' examples into o's path and query; with
// missing set, that path parameter is opts.Missing instead.
func (w *walker) fill(o op, missing string) string {
	names := param.FindAllStringSubmatch(o.path, -1)
	path := o.path
	for _, n := range names {
		v := ""
		for _, p := range o.Parameters {
			if p.In == "path" && p.Name == n[1] {
				v = toString(p.Example)
			}
		}
		if missing != "" && n[1] == missing {
			v = w.opts.Missing
		}
		path = strings.Replace(path, n[0], url.PathEscape(w.subst(v)), 1)
	}
	var q []string
	for _, p := range o.Parameters {
		if p.In == "query" && p.Example != nil {
			q = append(q, p.Name+"="+url.QueryEscape(w.subst(toString(p.Example))))
		}
	}
	if len(q) > 0 {
		path += "?" + strings.Join(q, "&")
	}
	return path
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// body is o's example request body, as JSON.
func (w *walker) body(o op) []byte {
	if o.RequestBody == nil {
		return nil
	}
	mt, ok := o.RequestBody.Content["application/json"]
	if !ok || mt.Example == nil {
		return nil
	}
	b, _ := json.Marshal(mt.Example)
	return []byte(w.subst(string(b)))
}

// call sends one request and checks the answer against the document;
// success says the first documented 2xx status is expected.
func (w *walker) call(o op, target string, reqBody []byte, accept string, success bool) {
	t, h, doc, opts := w.t, w.h, w.doc, w.opts
	t.Helper()
	var r io.Reader
	if reqBody != nil {
		r = bytes.NewReader(reqBody)
	}
	req := httptest.NewRequest(o.method, target, r)
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if opts.Prepare != nil {
		opts.Prepare(req)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	what := o.method + " " + target
	if accept != "" {
		what += " (Accept: " + accept + ")"
	}
	if reqBody != nil && !success {
		what += " with " + string(reqBody)
	}
	if success && slices.Contains(opts.MayFail, o.OperationID) {
		success = rec.Code < 300 // any documented answer will do
	} else if success {
		want := 0
		for code := range o.Responses {
			if c, _ := strconv.Atoi(code); c >= 200 && c < 300 && (want == 0 || c < want) {
				want = c
			}
		}
		require.Equal(t, want, rec.Code, "%s: %s", what, rec.Body)
	} else {
		assert.GreaterOrEqual(t, rec.Code, 400, "%s should fail: %s", what, rec.Body)
	}
	res, err := doc.ResolveResponse(o.Responses[strconv.Itoa(rec.Code)])
	require.NoError(t, err)
	if !assert.NotNil(t, res, "%s answered %d, which is not documented: %s", what, rec.Code, rec.Body) {
		return
	}
	if len(res.Content) == 0 {
		assert.Empty(t, rec.Body.String(), "%s: %d is documented without a body", what, rec.Code)
		return
	}
	ct, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	mt, ok := res.Content[ct]
	if !assert.True(t, ok, "%s: %d answered %q, documented as %v", what, rec.Code, ct, keys(res.Content)) {
		return
	}
	if ct == "application/json" && mt.Schema != nil {
		assert.NoError(t, doc.ValidateJSON(mt.Schema, rec.Body.Bytes()), "%s: %d: %s", what, rec.Code, rec.Body)
	}
	if success && ct == "application/json" && o.method != "GET" {
		var v any
		if json.Unmarshal(rec.Body.Bytes(), &v) == nil {
			w.learn("", v)
		}
	}
	if success && opts.Settle != nil {
		opts.Settle(o.OperationID, rec.Body.Bytes())
	}
}

func keys(m map[string]openapi.MediaType) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
