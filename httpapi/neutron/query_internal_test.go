package neutron

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/store/memory"
)

// TestNameIndexAgreesWithHeap pages through ports sorted by name both
// ways a list can be computed — the name index, and the heap over every
// candidate (forced by naming id as a second key) — forward and
// backward, from every marker, and wants the same pages.
func TestNameIndexAgreesWithHeap(t *testing.T) {
	svc, err := NewService(memory.New(nil), Options{Quotas: map[string]int{"port": -1}})
	require.NoError(t, err)
	running(t, svc)
	ctx := WithCaller(context.Background(), Caller{Project: "p", Admin: true})
	n, err := svc.CreateNetwork(ctx, Attrs{"name": "n"})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 1))
	for range 60 {
		_, err := svc.CreatePort(ctx, Attrs{"network_id": n.ID, "name": fmt.Sprintf("p%d", r.IntN(20))})
		require.NoError(t, err)
	}
	ids := func(p Page[any]) []string {
		var out []string
		for _, o := range p.Items {
			out = append(out, o.(*Port).ID)
		}
		return out
	}
	all, err := svc.Ports(ctx, Query{})
	require.NoError(t, err)
	svc.v.mu.RLock()
	defer svc.v.mu.RUnlock()
	c := Caller{Admin: true}
	for _, desc := range []bool{false, true} {
		for _, reverse := range []bool{false, true} {
			for _, m := range append([]Port{{}}, all...) {
				for _, limit := range []int{0, 1, 7} {
					q := Query{Sort: []SortKey{{Key: "name", Desc: desc}}, Marker: m.ID, PageReverse: reverse, Limit: limit}
					byIndex, err := svc.v.list(c, ports, q, 0)
					require.NoError(t, err)
					q.Sort = append(q.Sort, SortKey{Key: "id", Desc: desc})
					byHeap, err := svc.v.list(c, ports, q, 0)
					require.NoError(t, err)
					require.Equal(t, ids(byHeap), ids(byIndex), "desc %v reverse %v marker %s limit %d", desc, reverse, m.ID, limit)
					require.Equal(t, byHeap.Next, byIndex.Next)
					require.Equal(t, byHeap.Before, byIndex.Before)
				}
			}
		}
	}
}
