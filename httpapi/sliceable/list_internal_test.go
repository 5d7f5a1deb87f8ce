package sliceable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store/memory"
)

// TestListKeptUntilItsListsChange: a large list stays rendered while the
// store changes elsewhere (the tenant's own description, another tenant),
// and every change to it — made through this server's service or another
// server's over the same store — shows in the next GET.
func TestListKeptUntilItsListsChange(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	ctx := context.Background()
	mine, err := NewService(st, Options{})
	require.NoError(t, err)
	other, err := NewService(st, Options{}) // another server's
	require.NoError(t, err)
	h := NewHandler(mine, HandlerOptions{})
	const n = 300 // well over minCached rendered
	for i := range n {
		_, err := mine.CreateNetwork(ctx, "t", Network{ID: fmt.Sprintf("net-%03d", i), Description: "a network of the benchmark's size"})
		require.NoError(t, err)
	}
	list := func() map[string]string {
		t.Helper()
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/tenants/t/networks", nil)
		r.Header.Set("Accept", "application/json")
		h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var items []struct{ ID, Description string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &items))
		out := map[string]string{}
		for _, it := range items {
			out[it.ID] = it.Description
		}
		return out
	}
	kept := func() bool {
		kv, err := st.Get(ctx, mine.k.changed("t"))
		require.NoError(t, err)
		return h.lists.get(mine.k.under("N", "t"), kv.ModRevision) != nil
	}
	require.Len(t, list(), n)
	require.True(t, kept(), "a large list is kept")

	require.NoError(t, mine.UpdateTenant(ctx, "t", "renamed"))
	_, err = other.CreateNetwork(ctx, "u", Network{ID: "elsewhere"})
	require.NoError(t, err)
	assert.True(t, kept(), "changes outside the list keep it")
	assert.Len(t, list(), n)

	require.NoError(t, mine.UpdateNetwork(ctx, "t", "net-007", "changed here"))
	assert.False(t, kept(), "a change to the list drops it")
	assert.Equal(t, "changed here", list()["net-007"])

	require.NoError(t, other.UpdateNetwork(ctx, "t", "net-008", "changed by another server"))
	assert.Equal(t, "changed by another server", list()["net-008"])
	_, err = other.CreateNetwork(ctx, "t", Network{ID: "net-new"})
	require.NoError(t, err)
	assert.Contains(t, list(), "net-new")
	require.NoError(t, other.DeleteNetwork(ctx, "t", "net-000"))
	assert.NotContains(t, list(), "net-000")

	// A tenant deleted and made again starts from nothing; its marker went
	// with it and the new one is newer.
	require.NoError(t, other.DeleteTenant(ctx, "t"))
	_, err = other.CreateNetwork(ctx, "t", Network{ID: "only"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"only": ""}, list())
}
