package l2

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// ErrNoPath: the two points are not connected.
var ErrNoPath = errors.New("l2: no path")

// Link is an inter-switch link between two switch ports. Links are
// undirected; NewLink orders the ends so equal links compare equal.
type Link struct {
	A, B PortRef
}

// NewLink returns the link between a and b with its ends in order.
func NewLink(a, b PortRef) Link {
	if comparePortRef(b, a) < 0 {
		a, b = b, a
	}
	return Link{a, b}
}

func (l Link) String() string { return l.A.String() + "<->" + l.B.String() }

func comparePortRef(a, b PortRef) int {
	if a.Datapath != b.Datapath {
		return cmpU64(uint64(a.Datapath), uint64(b.Datapath))
	}
	return cmpU64(uint64(a.Port), uint64(b.Port))
}

// Hop is one switch on a path: the frame enters at In and leaves at Out.
type Hop struct {
	Datapath DatapathID
	In, Out  Port
}

// Topology is the graph of switches and the links between them. It is safe
// for concurrent use. Paths are shortest in hops; among equal paths the
// one through lower datapath ids and ports wins, so results are stable.
type Topology struct {
	mu    sync.RWMutex
	ports map[PortRef]PortRef                // link end → other end
	adj   map[DatapathID]map[PortRef]PortRef // switch → its link ends → other ends
	gen   uint64
	bfs   map[DatapathID]*bfsTree // shortest-path trees by root, for gen
}

type bfsTree struct {
	gen    uint64
	parent map[DatapathID]Link // how each switch is reached: the link, A on the root side
}

// NewTopology returns an empty topology.
func NewTopology() *Topology {
	return &Topology{
		ports: map[PortRef]PortRef{},
		adj:   map[DatapathID]map[PortRef]PortRef{},
		bfs:   map[DatapathID]*bfsTree{},
	}
}

// AddLink adds l and reports whether it was new. A port is an end of at
// most one link: a link from a port that already has one replaces it.
func (t *Topology) AddLink(l Link) bool {
	l = NewLink(l.A, l.B)
	t.mu.Lock()
	defer t.mu.Unlock()
	if other, ok := t.ports[l.A]; ok && other == l.B {
		return false
	}
	t.removeEnd(l.A)
	t.removeEnd(l.B)
	t.ports[l.A], t.ports[l.B] = l.B, l.A
	for _, e := range [][2]PortRef{{l.A, l.B}, {l.B, l.A}} {
		m := t.adj[e[0].Datapath]
		if m == nil {
			m = map[PortRef]PortRef{}
			t.adj[e[0].Datapath] = m
		}
		m[e[0]] = e[1]
	}
	t.gen++
	return true
}

// removeEnd removes the link at p, if any. Called with t.mu held.
func (t *Topology) removeEnd(p PortRef) (Link, bool) {
	other, ok := t.ports[p]
	if !ok {
		return Link{}, false
	}
	l := NewLink(p, other)
	delete(t.ports, p)
	delete(t.ports, other)
	for _, e := range []PortRef{p, other} {
		delete(t.adj[e.Datapath], e)
		if len(t.adj[e.Datapath]) == 0 {
			delete(t.adj, e.Datapath)
		}
	}
	t.gen++
	return l, true
}

// RemoveLink removes l and reports whether it was there.
func (t *Topology) RemoveLink(l Link) bool {
	l = NewLink(l.A, l.B)
	t.mu.Lock()
	defer t.mu.Unlock()
	if other, ok := t.ports[l.A]; !ok || other != l.B {
		return false
	}
	t.removeEnd(l.A)
	return true
}

// RemovePort removes the link at p (the port went down) and returns it.
func (t *Topology) RemovePort(p PortRef) (Link, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeEnd(p)
}

// RemoveDatapath removes every link of dp (the switch went away) and
// returns them.
func (t *Topology) RemoveDatapath(dp DatapathID) []Link {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Link
	for _, p := range slices.SortedFunc(maps.Keys(t.adj[dp]), comparePortRef) {
		if l, ok := t.removeEnd(p); ok {
			out = append(out, l)
		}
	}
	return out
}

// IsLinkPort reports whether p is an end of an inter-switch link; frames
// entering there come from another switch, not from a host.
func (t *Topology) IsLinkPort(p PortRef) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, ok := t.ports[p]
	return ok
}

// Links returns every link, sorted.
func (t *Topology) Links() []Link {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Link
	for a, b := range t.ports {
		if comparePortRef(a, b) < 0 {
			out = append(out, Link{a, b})
		}
	}
	slices.SortFunc(out, func(x, y Link) int {
		if c := comparePortRef(x.A, y.A); c != 0 {
			return c
		}
		return comparePortRef(x.B, y.B)
	})
	return out
}

// tree returns the shortest-path tree rooted at root, computing it if the
// topology changed since. Called with t.mu held for writing.
func (t *Topology) tree(root DatapathID) *bfsTree {
	if bt := t.bfs[root]; bt != nil && bt.gen == t.gen {
		return bt
	}
	bt := &bfsTree{gen: t.gen, parent: map[DatapathID]Link{}}
	seen := map[DatapathID]bool{root: true}
	frontier := []DatapathID{root}
	for len(frontier) > 0 {
		var next []DatapathID
		for _, dp := range frontier {
			// Ports in order, so the lowest port and datapath win ties.
			for _, p := range slices.SortedFunc(maps.Keys(t.adj[dp]), comparePortRef) {
				other := t.adj[dp][p]
				if seen[other.Datapath] {
					continue
				}
				seen[other.Datapath] = true
				bt.parent[other.Datapath] = Link{A: p, B: other}
				next = append(next, other.Datapath)
			}
		}
		slices.Sort(next)
		frontier = next
	}
	t.bfs[root] = bt
	return bt
}

// Path returns the shortest path for a frame entering the network at from
// and leaving it at to: the switches it crosses, with the ports it enters
// and leaves each by.
func (t *Topology) Path(from, to PortRef) ([]Hop, error) { return t.AppendPath(nil, from, to) }

// AppendPath is Path appending to dst: with room in dst it does not
// allocate, once the shortest-path tree from from's switch is known.
func (t *Topology) AppendPath(dst []Hop, from, to PortRef) ([]Hop, error) {
	if from.Datapath == to.Datapath {
		return append(dst, Hop{Datapath: from.Datapath, In: from.Port, Out: to.Port}), nil
	}
	t.mu.Lock()
	bt := t.tree(from.Datapath)
	t.mu.Unlock()
	// Walk from the destination back to the source, then put the hops in
	// order in place.
	start := len(dst)
	in := to.Port
	for dp := to.Datapath; dp != from.Datapath; {
		l, ok := bt.parent[dp]
		if !ok {
			return dst[:start], fmt.Errorf("%w from %v to %v", ErrNoPath, from, to)
		}
		dst = append(dst, Hop{Datapath: dp, In: l.B.Port, Out: in})
		in = l.A.Port
		dp = l.A.Datapath
	}
	dst = append(dst, Hop{Datapath: from.Datapath, In: from.Port, Out: in})
	slices.Reverse(dst[start:])
	return dst, nil
}
