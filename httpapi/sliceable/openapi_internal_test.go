package sliceable

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/openapitest"
	"github.com/netslice/netslice/store/memory"
)

// The document names exactly the routes the handler serves.
func TestOpenAPIRoutes(t *testing.T) {
	svc, err := NewService(memory.New(nil), Options{})
	require.NoError(t, err)
	h := NewHandler(svc, HandlerOptions{})
	var served []string
	for _, rt := range h.routes() {
		served = append(served, rt.pattern)
	}
	served = append(served, "GET /openapi.json")
	sort.Strings(served)
	assert.Equal(t, served, document().Routes())
}

// Every documented operation answers as documented, and nothing else is
// served.
func TestOpenAPIWalk(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	svc, err := NewService(st, Options{})
	require.NoError(t, err)
	h := NewHandler(svc, HandlerOptions{})
	openapitest.Walk(t, h, document(), openapitest.Options{})

	// The handler serves the document itself, as JSON OpenAPI 3.1.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	assert.Len(t, doc.Paths, 11)
}
