// Package apitest is how the surfaces' tests call a handler: in process
// or over HTTP, one request shape, and answers decoded into typed values,
// so that a test fails — never panics — on a body of the wrong shape.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Client calls a surface as its tests' client: Handler in process, or
// the server at URL. Every call sends Header; a redirect is returned
// unless Follow says to follow it (as most clients do).
type Client struct {
	T       testing.TB
	Handler http.Handler // in process, when set
	URL     string       // the server's base URL otherwise ("http://127.0.0.1:1234/neutron")
	Header  http.Header
	Follow  bool
}

// With returns a client that also sends the header k: v (a token, an
// Accept).
func (c Client) With(k, v string) Client {
	h := c.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(k, v)
	c.Header = h
	return c
}

// Do sends a request. body is nil, a string or []byte sent as it is, or
// any other value sent as JSON; a body goes as application/json unless
// the client's or the call's header (key, value pairs) says otherwise.
func (c Client) Do(method, path string, body any, header ...string) Response {
	c.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(c.T, err)
		rd = bytes.NewReader(j)
	}
	var req *http.Request
	if c.Handler != nil {
		req = httptest.NewRequest(method, path, rd)
	} else {
		var err error
		req, err = http.NewRequest(method, c.URL+path, rd)
		require.NoError(c.T, err)
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	require.Zero(c.T, len(header)%2, "header: key, value pairs")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c.Handler != nil {
		w := httptest.NewRecorder()
		c.Handler.ServeHTTP(w, req)
		return Response{t: c.T, req: method + " " + path, Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if c.Follow {
		hc.CheckRedirect = nil
	}
	res, err := hc.Do(req)
	require.NoError(c.T, err, "%s %s", method, path)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.T, err, "%s %s", method, path)
	return Response{t: c.T, req: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: b}
}

// Response is what the surface answered.
type Response struct {
	t      testing.TB
	req    string
	Status int
	Header http.Header
	Body   []byte
}

// Want fails the test unless the status is want.
func (r Response) Want(want int) Response {
	r.t.Helper()
	require.Equal(r.t, want, r.Status, "%s: %s", r.req, r.Body)
	return r
}

// JSON decodes the body into v, failing the test when it does not fit.
func (r Response) JSON(v any) Response {
	r.t.Helper()
	require.NoError(r.t, json.Unmarshal(r.Body, v), "%s: %s", r.req, r.Body)
	return r
}

// Text is the body.
func (r Response) Text() string { return string(r.Body) }

// Decode decodes a response's body as a T, failing the test when it
// does not fit: apitest.Decode[[]Tenant](c.Do("GET", "/tenants", nil).Want(200)).
func Decode[T any](r Response) T {
	r.t.Helper()
	var v T
	r.JSON(&v)
	return v
}

// Field is the value at path in a decoded JSON document (map keys and
// slice indexes: Field[string](t, body, "networks", 0, "id")), failing
// the test when the document has no such value or it is no T.
func Field[T any](t testing.TB, doc any, path ...any) T {
	t.Helper()
	v := doc
	for i, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "at %v: want an object, have %T", path[:i], v)
			v, ok = m[k]
			require.True(t, ok, "at %v: no %q", path[:i], k)
		case int:
			s, ok := v.([]any)
			require.True(t, ok, "at %v: want an array, have %T", path[:i], v)
			require.Less(t, k, len(s), "at %v: %d items", path[:i], len(s))
			v = s[k]
		default:
			require.Failf(t, "bad path", "step %v is neither a key nor an index", step)
		}
	}
	out, ok := v.(T)
	require.True(t, ok, "at %v: want %T, have %T (%v)", path, out, v, v)
	return out
}
