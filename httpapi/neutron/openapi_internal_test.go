package neutron

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/internal/openapitest"
	"github.com/netslice/netslice/store/memory"
)

// The document covers every collection the handler serves, with its
// tags where the kind has them.
func TestOpenAPICovers(t *testing.T) {
	routes := document().Routes()
	for _, ex := range examples {
		assert.Contains(t, allKinds, ex.k)
	}
	assert.Len(t, examples, len(allKinds), "every kind has its example")
	for name, k := range collections {
		for _, r := range []string{"GET /v2.0/" + name, "POST /v2.0/" + name, "GET /v2.0/" + name + "/{" + k.singular + "_id}",
			"DELETE /v2.0/" + name + "/{" + k.singular + "_id}"} {
			assert.Contains(t, routes, r)
		}
		assert.Equal(t, k.tagged, slices.Contains(routes, "PUT /v2.0/"+name+"/{"+k.singular+"_id}/tags/{tag}"), name)
	}
}

// Every documented operation answers as documented, and nothing else is
// served.
func TestOpenAPIWalk(t *testing.T) {
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	svc, err := NewService(st, Options{})
	require.NoError(t, err)
	running(t, svc)
	h := NewHandler(svc, HandlerOptions{}) // noauth: an admin of the project X-Project-Id names
	openapitest.Walk(t, h, document(), openapitest.Options{
		Prepare:       func(r *http.Request) { r.Header.Set("X-Project-Id", "demo") },
		IgnoresAccept: true,
		AnyValue:      []string{"project_id", "tag"},
		Missing:       "00000000-0000-0000-0000-000000000000",
		Order: []string{"create_network", "create_subnet", "create_port", "create_security_group",
			"create_security_group_rule", "create_router", "create_floatingip",
			"add_router_interface", "remove_router_interface",
			"delete_floatingip", "delete_router", "delete_security_group_rule", "delete_security_group",
			"delete_port", "delete_subnet", "delete_network"},
	})
}
