package openapitest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// recorder is a T that keeps what Walk reports.
type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) FailNow() { panic(r) }

func walk(h http.Handler, d *openapi.Doc) (errs []string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		errs = r.errs
	}()
	Walk(r, h, d, Options{})
	return r.errs
}

// A toy surface: GET /things/{id} answers {"name":…} for "a", 404 else;
// with extra, it serves DELETE too.
func toy(extra ...bool) http.Handler {
	mux := http.NewServeMux()
	if len(extra) > 0 {
		mux.HandleFunc("DELETE /things/{id}", func(w http.ResponseWriter, r *http.Request) {})
	}
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !httpapi.Accepts(r, "application/json") {
			httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotAcceptable, Msg: "json only"})
			return
		}
		if r.PathValue("id") != "a" {
			httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotFound, Msg: "no such thing"})
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"name": "a", "size": 3})
	})
	return mux
}

func toyDoc(thing *openapi.Schema, notFound bool) *openapi.Doc {
	d := openapi.New("toy", "1", "")
	op := d.Add("GET", "/things/{id}", &openapi.Operation{OperationID: "get", Summary: "a thing",
		Parameters: []openapi.Parameter{{Name: "id", In: "path", Required: true, Schema: openapi.String(""), Example: "a"}},
		Responses: map[string]*openapi.Response{"200": openapi.JSON("the thing", thing),
			"406": openapi.Text("not acceptable")}})
	if notFound {
		op.Responses["404"] = openapi.Text("no such thing")
	}
	return d
}

func TestWalk(t *testing.T) {
	size := openapi.Integer("", 0, 10)
	good := openapi.Object(map[string]*openapi.Schema{"name": openapi.String(""), "size": size}, "name")
	assert.Empty(t, walk(toy(), toyDoc(good, true)))

	// What the document gets wrong is found.
	errs := walk(toy(), toyDoc(openapi.Object(map[string]*openapi.Schema{"name": openapi.String("")}), true))
	assert.Len(t, errs, 1, "an undocumented property")
	assert.Contains(t, fmt.Sprint(errs), `"size" is not documented`)
	small := openapi.Integer("", 0, 2)
	errs = walk(toy(), toyDoc(openapi.Object(map[string]*openapi.Schema{"name": openapi.String(""), "size": small}), true))
	assert.Contains(t, fmt.Sprint(errs), "out of bounds")
	errs = walk(toy(), toyDoc(good, false))
	assert.Contains(t, fmt.Sprint(errs), "404, which is not documented")
	d := toyDoc(good, true)
	d.Add("POST", "/things/{id}", &openapi.Operation{OperationID: "post", Summary: "not served",
		Responses: map[string]*openapi.Response{"201": openapi.Empty("created")}})
	assert.NotEmpty(t, walk(toy(), d), "a documented operation the handler does not serve")
	assert.Contains(t, fmt.Sprint(walk(toy(true), toyDoc(good, true))), "DELETE /things/{id} is not documented, so it must not be served")
}
