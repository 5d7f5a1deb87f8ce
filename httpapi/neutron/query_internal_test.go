package neutron

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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

// TestOrderedSetAgreesWithCandidates pages through a network's ports in
// id order both ways a list by network can be computed — the set in id
// order, and every candidate sorted (forced by naming the network twice,
// once with a network that has no ports) — forward and backward, from
// every marker (one of them a port of another network), with a filter
// beside the network's, for an admin and for a second project that sees
// only its own ports; and after ports come and go.
func TestOrderedSetAgreesWithCandidates(t *testing.T) {
	svc, err := NewService(memory.New(nil), Options{Quotas: map[string]int{"port": -1}})
	require.NoError(t, err)
	running(t, svc)
	ctx := WithCaller(context.Background(), Caller{Project: "p", Admin: true})
	var nets []string
	for _, name := range []string{"a", "b"} {
		n, err := svc.CreateNetwork(ctx, Attrs{"name": name})
		require.NoError(t, err)
		nets = append(nets, n.ID)
	}
	r := rand.New(rand.NewPCG(1, 1))
	var created []string
	for range 50 {
		a := Attrs{"network_id": nets[r.IntN(2)], "name": fmt.Sprintf("p%d", r.IntN(3))}
		if r.IntN(3) == 0 {
			a["project_id"] = "q" // the second project's
		}
		p, err := svc.CreatePort(ctx, a)
		require.NoError(t, err)
		created = append(created, p.ID)
	}
	ids := func(p Page[any]) []string {
		var out []string
		for _, o := range p.Items {
			out = append(out, o.(*Port).ID)
		}
		return out
	}
	check := func() {
		t.Helper()
		all, err := svc.Ports(ctx, Query{})
		require.NoError(t, err)
		svc.v.mu.RLock()
		defer svc.v.mu.RUnlock()
		seenByQ := 0
		defer func() { assert.NotZero(t, seenByQ, "the second project's ports") }()
		for _, c := range []Caller{{Admin: true}, {Project: "q"}} {
			for _, sort := range [][]SortKey{nil, {{Key: "id"}}, {{Key: "id", Desc: true}}} {
				for _, names := range [][]string{nil, {"p1"}} {
					for _, reverse := range []bool{false, true} {
						for _, m := range append([]Port{{}}, all...) {
							if m.ID != "" && !c.Admin && m.ProjectID != c.Project {
								continue // a marker it cannot see is not found either way
							}
							for _, limit := range []int{0, 1, 7} {
								q := Query{Filters: map[string][]string{"network_id": {nets[0]}}, Sort: sort,
									Marker: m.ID, PageReverse: reverse, Limit: limit}
								if names != nil {
									q.Filters["name"] = names
								}
								inOrder, err := svc.v.list(c, ports, q, 0)
								require.NoError(t, err)
								q.Filters["network_id"] = []string{nets[0], "no-such-network"}
								sorted, err := svc.v.list(c, ports, q, 0)
								require.NoError(t, err)
								what := fmt.Sprintf("caller %+v sort %v names %v reverse %v marker %s limit %d", c, sort, names, reverse, m.ID, limit)
								require.Equal(t, ids(sorted), ids(inOrder), what)
								require.Equal(t, sorted.Next, inOrder.Next, what)
								require.Equal(t, sorted.Before, inOrder.Before, what)
								if !c.Admin {
									for _, o := range inOrder.Items {
										require.Equal(t, c.Project, o.(*Port).ProjectID, what)
									}
									seenByQ += len(inOrder.Items)
								}
							}
						}
					}
				}
			}
		}
	}
	check()
	for _, id := range created[:10] {
		require.NoError(t, svc.DeletePort(ctx, id, -1))
	}
	for range 10 {
		_, err := svc.CreatePort(ctx, Attrs{"network_id": nets[0], "name": "p1"})
		require.NoError(t, err)
	}
	check()
}
