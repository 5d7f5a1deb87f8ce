package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
)

// TestRouter: operations by pattern, and one path for every error —
// the handlers', a path nobody serves (404), a method its path does not
// take (405 with Allow), a literal path refused a method a wildcard
// would have taken.
func TestRouter(t *testing.T) {
	var failed []error
	rt := httpapi.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) {
		failed = append(failed, err)
		httpapi.Fail(w, r, err, nil, nil)
	})
	errGone := errors.New("gone")
	rt.Handle("GET /things", func(w http.ResponseWriter, r *http.Request) error {
		fmt.Fprint(w, "list")
		return nil
	})
	rt.Handle("POST /things", func(w http.ResponseWriter, r *http.Request) error { return errGone })
	rt.Handle("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) error {
		fmt.Fprint(w, "thing ", r.PathValue("id"))
		return nil
	})
	rt.Handle("DELETE /things/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	rt.Refuse("DELETE /things/current")
	require.Panics(t, func() { rt.Handle("/no/method", nil) })

	do := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	w := do("GET", "/things")
	assert.Equal(t, "list", w.Body.String())
	w = do("HEAD", "/things/a%2Fb")
	assert.Equal(t, 200, w.Code, "GET serves HEAD")
	assert.Equal(t, "thing a/b", do("GET", "/things/a%2Fb").Body.String(), "a wildcard holds an escaped slash")

	w = do("POST", "/things")
	assert.Equal(t, 500, w.Code)
	require.Len(t, failed, 1)
	assert.Same(t, errGone, failed[0], "the handler's error, as it was")

	w = do("PUT", "/things")
	assert.Equal(t, 405, w.Code)
	assert.Equal(t, "GET, HEAD, POST", w.Header().Get("Allow"))
	assert.ErrorIs(t, failed[1], httpapi.ErrMethod)

	w = do("DELETE", "/things/current")
	assert.Equal(t, 405, w.Code)
	assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"), "what Refuse refuses is not offered")

	w = do("GET", "/nothing")
	assert.Equal(t, 404, w.Code)
	assert.ErrorIs(t, failed[3], httpapi.ErrNoRoute)
	assert.Empty(t, w.Header().Get("Allow"))
	assert.Equal(t, 404, do("GET", "/things/a/b").Code)
}

// TestTrimPath: a trailing slash and a suffix go from the path, the raw
// path and the request URI alike, so the mount point stays where it is.
func TestTrimPath(t *testing.T) {
	for _, tt := range []struct{ uri, path, mount string }{
		{"/neutron/v2.0/networks/", "/v2.0/networks", "/neutron"},
		{"/neutron/v2.0/networks.json?limit=1", "/v2.0/networks", "/neutron"},
		{"/neutron/v2.0/networks/a%2Fb.json", "/v2.0/networks/a/b", "/neutron"},
		{"/neutron/", "/", "/neutron"},
		{"/neutron", "/", "/neutron"},
	} {
		var got *http.Request
		var json bool
		h := http.StripPrefix("/neutron", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, json = httpapi.TrimPath(r, ".json")
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.uri, nil))
		require.NotNil(t, got, tt.uri)
		assert.Equal(t, tt.path, got.URL.Path, tt.uri)
		assert.Equal(t, tt.mount, httpapi.MountPoint(got), tt.uri)
		assert.Equal(t, tt.uri != "/neutron/" && tt.uri != "/neutron" && tt.uri != "/neutron/v2.0/networks/", json, tt.uri)
	}
}

// A surface routes its operations by pattern; every error, its own and
// the router's, reaches one function that answers in its dialect.
func ExampleRouter() {
	rt := httpapi.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) {
		httpapi.Fail(w, r, err, func(w http.ResponseWriter, r *http.Request, e *httpapi.Error) {
			w.WriteHeader(e.Status)
			fmt.Fprintf(w, "<fault>%s</fault>", e.Msg)
		}, nil)
	})
	rt.Handle("GET /networks/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("id") != "lab" {
			return httpapi.Errorf(http.StatusNotFound, "network %s not found", r.PathValue("id"))
		}
		fmt.Fprint(w, "<network>lab</network>")
		return nil
	})
	for _, req := range []string{"GET /networks/lab", "GET /networks/office", "DELETE /networks/lab"} {
		var method, path string
		fmt.Sscan(req, &method, &path)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		fmt.Println(w.Code, w.Header().Get("Allow"), w.Body)
	}
	// Output:
	// 200  <network>lab</network>
	// 404  <fault>network office not found</fault>
	// 405 GET, HEAD <fault>the method DELETE is not allowed for this resource</fault>
}
