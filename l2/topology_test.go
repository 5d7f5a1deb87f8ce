package l2_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
)

func pr(dp l2.DatapathID, port l2.Port) l2.PortRef { return l2.PortRef{Datapath: dp, Port: port} }

// ring builds 1 - 2 - 3 - 4 - 1 with port 10+n towards switch n.
func ring(t *testing.T) *l2.Topology {
	topo := l2.NewTopology()
	for _, l := range [][2]l2.DatapathID{{1, 2}, {2, 3}, {3, 4}, {4, 1}} {
		a, b := l[0], l[1]
		require.True(t, topo.AddLink(l2.NewLink(pr(a, 10+l2.Port(b)), pr(b, 10+l2.Port(a)))))
	}
	return topo
}

func TestPath(t *testing.T) {
	topo := ring(t)
	tests := []struct {
		name     string
		from, to l2.PortRef
		want     []l2.Hop
	}{
		{"same switch", pr(1, 1), pr(1, 2), []l2.Hop{{1, 1, 2}}},
		{"neighbour", pr(1, 1), pr(2, 1), []l2.Hop{{1, 1, 12}, {2, 11, 1}}},
		{"two hops, lower datapath wins the tie", pr(1, 1), pr(3, 1), []l2.Hop{{1, 1, 12}, {2, 11, 13}, {3, 12, 1}}},
		{"other direction", pr(3, 1), pr(1, 1), []l2.Hop{{3, 1, 12}, {2, 13, 11}, {1, 12, 1}}},
		{"around the short side", pr(1, 1), pr(4, 1), []l2.Hop{{1, 1, 14}, {4, 11, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := topo.Path(tt.from, tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	// Cut 1-2: the path to 3 goes the other way.
	require.True(t, topo.RemoveLink(l2.NewLink(pr(2, 11), pr(1, 12))))
	got, err := topo.Path(pr(1, 1), pr(3, 1))
	require.NoError(t, err)
	assert.Equal(t, []l2.Hop{{1, 1, 14}, {4, 11, 13}, {3, 14, 1}}, got)

	// Cut 3-4 too: 3 is cut off from 1.
	_, ok := topo.RemovePort(pr(3, 14))
	require.True(t, ok)
	_, err = topo.Path(pr(1, 1), pr(3, 1))
	assert.ErrorIs(t, err, l2.ErrNoPath)
	_, err = topo.Path(pr(1, 1), pr(99, 1))
	assert.ErrorIs(t, err, l2.ErrNoPath)
}

func TestLinks(t *testing.T) {
	topo := ring(t)
	assert.False(t, topo.AddLink(l2.NewLink(pr(2, 11), pr(1, 12))), "the same link, ends swapped")
	assert.Len(t, topo.Links(), 4)
	assert.True(t, topo.IsLinkPort(pr(1, 12)))
	assert.False(t, topo.IsLinkPort(pr(1, 1)))

	// A port is the end of one link: re-cabling replaces the old one.
	assert.True(t, topo.AddLink(l2.NewLink(pr(1, 12), pr(3, 99))))
	assert.False(t, topo.IsLinkPort(pr(2, 11)))
	assert.Len(t, topo.Links(), 4)

	removed := topo.RemoveDatapath(1)
	assert.Len(t, removed, 2)
	for _, l := range topo.Links() {
		assert.NotEqual(t, l2.DatapathID(1), l.A.Datapath)
		assert.NotEqual(t, l2.DatapathID(1), l.B.Datapath)
	}
	assert.False(t, topo.RemoveLink(l2.NewLink(pr(1, 12), pr(3, 99))))
}
