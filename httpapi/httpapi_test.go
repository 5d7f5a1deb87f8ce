package httpapi_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
)

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	tests := []struct {
		name, ctype, in string
		status          int
	}{
		{"good", "application/json", `{"name":"a","n":1}`, 0},
		{"good, no content type", "", `{"name":"a"}`, 0},
		{"good, +json", "application/vnd.x+json; charset=utf-8", `{"n":2}`, 0},
		{"empty", "application/json", ``, 422},
		{"malformed", "application/json", `{"name":`, 422},
		{"unknown field", "application/json", `{"nom":"a"}`, 422},
		{"wrong type", "application/json", `{"n":"1"}`, 422},
		{"trailing value", "application/json", `{} {}`, 422},
		{"trailing garbage", "application/json", `{}x`, 422},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 200) + `"}`, 413},
		{"not JSON", "text/plain", `{}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			var v body
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &v, 100, 422)
			if tt.status == 0 {
				assert.NoError(t, err)
				return
			}
			var he *httpapi.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.status, he.Status, he.Msg)
		})
	}
}

func TestAccepts(t *testing.T) {
	for _, tt := range []struct {
		accept string
		ok     bool
	}{
		{"", true}, {"*/*", true}, {"application/json", true}, {"application/*", true},
		{"text/html, application/json;q=0.9", true}, {"text/html", false}, {"application/json;q=0", false},
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
