package ovirt_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/openapi"
	"github.com/netslice/netslice/httpapi/internal/openapitest"
	"github.com/netslice/netslice/store/memory"
)

// Every operation of the document the handler serves answers as
// documented (in JSON, which the walk validates; XML is the same
// entities), on a host made of a network namespace, and nothing else is
// served.
func TestOpenAPIWalk(t *testing.T) {
	b := newBed(t, memory.New(nil), "host1")
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var doc openapi.Doc
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	// The networks the examples attach besides the one they create.
	for _, name := range []string{"storage", "backup", "tenant"} {
		b.xml("POST", "/ovirt-engine/api/networks", "<network><name>"+name+"</name></network>", http.StatusCreated, nil)
	}
	openapitest.Walk(t, b.handler, &doc, openapitest.Options{
		Prepare:       func(r *http.Request) { r.Header.Set("Accept", "application/json"); r.Header.Set("Version", "4") },
		IgnoresAccept: true, // anything but JSON is answered in XML
	})
}
