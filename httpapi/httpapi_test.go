package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
)

func TestDecodeJSON(t *testing.T) {
	type inner struct {
		VLAN uint16 `json:"vlan"`
	}
	type body struct {
		Name  string   `json:"name"`
		N     int      `json:"n"`
		Port  uint32   `json:"port"`
		Tags  []string `json:"tags"`
		Inner *inner   `json:"inner"`
	}
	tests := []struct {
		name, ctype, in string
		status          int
		msg             string
		kind            error // for errors.Is
	}{
		{"good", "application/json", `{"name":"a","n":1}`, 0, "", nil},
		{"good, no content type", "", `{"name":"a"}`, 0, "", nil},
		{"good, +json", "application/vnd.x+json; charset=utf-8", `{"n":2}`, 0, "", nil},
		{"good, nested and null", "", `{"inner":{"vlan":3},"tags":null}`, 0, "", nil},
		{"empty", "application/json", ``, 422, "empty request body", httpapi.ErrMalformed},
		{"malformed", "application/json", `{"name":`, 422, "malformed JSON", httpapi.ErrMalformed},
		{"unknown field", "application/json", `{"nom":"a"}`, 422, `unknown field "nom"`, httpapi.ErrUnknownField},
		{"field in another case", "application/json", `{"NAME":"a"}`, 422, `unknown field "NAME"`, httpapi.ErrUnknownField},
		{"nested unknown field", "application/json", `{"inner":{"vid":3}}`, 422, `unknown field "inner.vid"`, httpapi.ErrUnknownField},
		{"wrong type", "application/json", `{"n":"1"}`, 422, `field "n" must be an integer, not string`, httpapi.ErrType},
		{"negative port", "application/json", `{"port":-1}`, 422, `field "port" must be an integer from 0 to 4294967295, not -1`, httpapi.ErrType},
		{"vlan too large", "application/json", `{"inner":{"vlan":70000}}`, 422, `field "inner.vlan" must be an integer from 0 to 65535, not 70000`, httpapi.ErrType},
		{"array for an object", "application/json", `[1,2]`, 422, "request body must be a JSON object, not an array", httpapi.ErrType},
		{"object for an array", "application/json", `{"tags":{}}`, 422, `field "tags" must be a JSON array, not an object`, httpapi.ErrType},
		{"null body", "application/json", `null`, 422, "request body must be a JSON object, not null", httpapi.ErrType},
		{"invalid UTF-8", "application/json", "{\"name\":\"a\xffb\"}", 422, "not valid UTF-8", httpapi.ErrMalformed},
		{"trailing value", "application/json", `{} {}`, 422, "unexpected data after the value, at offset 3", httpapi.ErrMalformed},
		{"trailing garbage", "application/json", `{"name":"x"}xyz`, 422, "unexpected data after the value, at offset 12", httpapi.ErrMalformed},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 200) + `"}`, 413, "exceeds 100 bytes", httpapi.ErrTooLarge},
		{"not JSON", "text/plain", `{}`, 415, "must be application/json", httpapi.ErrMediaType},
		{"number out of range", "application/json", `{"inner":{"vlan":1e400}}`, 422, "the number 1e400 is out of range", httpapi.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			var v body
			max := int64(100)
			if tt.status != 413 {
				max = 1000
			}
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &v, max, 422)
			if tt.status == 0 {
				assert.NoError(t, err)
				return
			}
			var he *httpapi.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.status, he.Status, he.Msg)
			assert.Contains(t, he.Msg, tt.msg)
			assert.ErrorIs(t, err, tt.kind)
			if tt.kind == httpapi.ErrUnknownField {
				assert.Contains(t, tt.msg, strconv.Quote(he.Field), "the field named")
			}
		})
	}
}

// TestDecodeJSONOpen: a schema that allows what it does not name drops
// unknown keys at any depth — a key in another case is unknown, not a
// field's — and checks the rest as DecodeJSON does.
func TestDecodeJSONOpen(t *testing.T) {
	type inner struct {
		VLAN uint16 `json:"vlan"`
	}
	type body struct {
		Name  string  `json:"name"`
		Inner []inner `json:"inner"`
	}
	decode := func(in string) (body, error) {
		var v body
		r := httptest.NewRequest("POST", "/", strings.NewReader(in))
		return v, httpapi.DecodeJSONOpen(httptest.NewRecorder(), r, &v, 0, 400)
	}
	v, err := decode(`{"name":"a","ips":"","NAME":"b","inner":[{"vlan":3,"vid":4}]}`)
	require.NoError(t, err)
	assert.Equal(t, body{Name: "a", Inner: []inner{{VLAN: 3}}}, v)
	v, err = decode(`{"NAME":"b"}`)
	require.NoError(t, err)
	assert.Empty(t, v.Name, "not filled from another case")
	_, err = decode(`{"name":1,"x":2}`)
	assert.ErrorIs(t, err, httpapi.ErrType)
	_, err = decode(`{"inner":[{"vlan":70000}]}`)
	assert.ErrorIs(t, err, httpapi.ErrType)
	_, err = decode(`{"x":`)
	assert.ErrorIs(t, err, httpapi.ErrMalformed)
}

func FuzzUnmarshalStrict(f *testing.F) {
	for _, s := range []string{`{"name":"a","n":1,"inner":{"vlan":2}}`, `[1]`, `null`, `{"n":1e400}`, "{\"\xff\":1}"} {
		f.Add([]byte(s))
	}
	type inner struct {
		VLAN uint16 `json:"vlan"`
	}
	type body struct {
		Name  string `json:"name"`
		N     int    `json:"n"`
		Inner *inner `json:"inner"`
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v body
		err := httpapi.UnmarshalStrict(b, &v, 400)
		if err != nil {
			var he *httpapi.Error
			if !errors.As(err, &he) || he.Status != 400 || he.Msg == "" {
				t.Fatalf("error %v is not a 400 with a message", err)
			}
			return
		}
		// What is accepted is valid UTF-8 JSON that encoding/json decodes.
		var again body
		if json.Unmarshal(b, &again) != nil || !utf8.Valid(b) {
			t.Fatalf("accepted %q", b)
		}
	})
}

func TestAccepts(t *testing.T) {
	for _, tt := range []struct {
		accept string
		ok     bool
	}{
		{"", true}, {"*/*", true}, {"application/json", true}, {"application/*", true},
		{"text/html, application/json;q=0.9", true}, {"text/html", false}, {"application/json;q=0", false},
		{"application/json;q=0.0", false}, {"*/*, application/json;q=0", false}, {"application/*;q=0, */*", false},
		{"application/json;q=0, */*", false}, {"application/*;q=0, application/json", true}, {"*/*;q=0.1", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		assert.Equal(t, tt.ok, httpapi.Accepts(r, "application/json"), tt.accept)
	}
}

type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (httpapi.Identity, error) {
	return httpapi.Identity{}, &httpapi.Error{Status: http.StatusForbidden, Msg: "nobody may"}
}

type token struct{}

func (token) Authenticate(r *http.Request) (httpapi.Identity, error) {
	if r.Header.Get("X-Token") != "secret" {
		return httpapi.Identity{}, errors.New("missing or wrong token")
	}
	return httpapi.Identity{Subject: "alice", Tenant: "acme"}, nil
}

func TestWrap(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := httpapi.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("secret detail")
		case "/who":
			id, _ := httpapi.IdentityFrom(r.Context())
			w.Write([]byte(id.Subject + "@" + id.Tenant))
		}
	}), httpapi.Options{Logger: log, Authenticator: token{}})

	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/panic", nil)
	r.Header.Set("X-Token", "secret")
	h.ServeHTTP(w, r)
	assert.Equal(t, 500, w.Code)
	assert.NotContains(t, w.Body.String(), "secret detail", "panic details leaked to the client")
	assert.Contains(t, logs.String(), "secret detail", "panic details missing from the log")

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/who", nil))
	assert.Equal(t, 401, w.Code)

	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/who", nil)
	r.Header.Set("X-Token", "secret")
	h.ServeHTTP(w, r)
	assert.Equal(t, "alice@acme", w.Body.String())
	assert.Contains(t, logs.String(), "path=/who status=200")
	// The deadline every store call under the request shares.
	w = httptest.NewRecorder()
	var deadline time.Time
	httpapi.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { deadline, _ = r.Context().Deadline() }),
		httpapi.Options{Timeout: 3 * time.Second}).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	assert.WithinDuration(t, time.Now().Add(3*time.Second), deadline, time.Second)

	w = httptest.NewRecorder()
	httpapi.Wrap(http.NotFoundHandler(), httpapi.Options{Authenticator: denyAll{}}).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, 403, w.Code)
}

type surface struct{ prefix string }

func (s surface) Prefix() string { return s.prefix }
func (s surface) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(s.prefix + " " + r.URL.Path + " " + httpapi.MountPoint(r)))
}

func TestMount(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/mine", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("mine")) })
	httpapi.Mount(mux, surface{"/sliceable/"}, surface{"neutron/v2.0"})
	for path, want := range map[string]string{
		"/sliceable/tenants/x": "/sliceable/ /tenants/x /sliceable",
		"/neutron/v2.0/ports":  "neutron/v2.0 /ports /neutron/v2.0",
		"/mine":                "mine",
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		assert.Equal(t, want, w.Body.String(), path)
	}
}
