package slicing

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/netslice/netslice/l2"
)

// Transport tags. On an inter-switch link a frame carries its slice's
// transport VLAN instead of its edge tag: the first hop sets (or pushes) it,
// the last hop restores the edge encapsulation of the destination's port.
// So two slices with the same MACs, or the same edge VLAN ids, never share
// a flow on a switch in the middle of their paths.
//
// A VLAN id is what both OpenFlow versions can match and rewrite (1.0 has
// no MPLS and no tunnel id), so the pool is VLAN ids: at most 4094 slices
// whose traffic crosses inter-switch links at once. A slice takes a tag
// the first time one of its flows crosses a link and gives it back when the
// slice is removed; freed tags are reused last, after the flows that
// carried them are deleted.

// ErrNoTransportTag: every transport VLAN is in use.
var ErrNoTransportTag = errors.New("slicing: no transport VLAN left")

// VLANRange is a range of VLAN ids, both ends included.
type VLANRange struct {
	First, Last l2.VLAN
}

// DefaultTransportVLANs is every usable VLAN id.
var DefaultTransportVLANs = VLANRange{First: 1, Last: 4094}

type tagPool struct {
	mu    sync.Mutex
	tags  map[string]l2.VLAN // slice → its tag
	owner map[l2.VLAN]string
	free  []l2.VLAN // FIFO: the longest free is reused first
	size  int
}

func newTagPool(r VLANRange) (*tagPool, error) {
	if r == (VLANRange{}) {
		r = DefaultTransportVLANs
	}
	if r.First < 1 || r.Last > 4094 || r.First > r.Last {
		return nil, fmt.Errorf("slicing: transport VLANs %d-%d: want a range within 1-4094", r.First, r.Last)
	}
	p := &tagPool{tags: map[string]l2.VLAN{}, owner: map[l2.VLAN]string{}}
	for v := r.First; v <= r.Last; v++ {
		p.free = append(p.free, v)
	}
	p.size = len(p.free)
	return p, nil
}

// get returns slice's tag, taking one when it has none. When none is left
// it first takes back the tags of slices exists says are gone.
func (p *tagPool) get(slice string, exists func(string) bool) (l2.VLAN, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.tags[slice]; ok {
		return t, nil
	}
	if len(p.free) == 0 {
		for s, t := range p.tags {
			if !exists(s) {
				delete(p.tags, s)
				delete(p.owner, t)
				p.free = append(p.free, t)
			}
		}
	}
	if len(p.free) == 0 {
		return 0, fmt.Errorf("%w for slice %q: all %d are held by slices whose traffic crosses switches",
			ErrNoTransportTag, slice, p.size)
	}
	t := p.free[0]
	p.free = p.free[1:]
	p.tags[slice] = t
	p.owner[t] = slice
	return t, nil
}

// claim makes tag slice's, as another controller chose it, unless slice
// has another tag or tag is another slice's (or outside the pool).
func (p *tagPool) claim(slice string, tag l2.VLAN) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.tags[slice]; ok {
		return t == tag
	}
	i := slices.Index(p.free, tag)
	if i < 0 {
		return false
	}
	p.free = slices.Delete(p.free, i, i+1)
	p.tags[slice] = tag
	p.owner[tag] = slice
	return true
}

// sliceOf returns the slice that holds tag.
func (p *tagPool) sliceOf(tag l2.VLAN) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.owner[tag]
	return s, ok
}

// lookup returns slice's tag, 0 when it has none.
func (p *tagPool) lookup(slice string) l2.VLAN {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tags[slice]
}

// put gives back slice's tag.
func (p *tagPool) put(slice string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tags[slice]
	if !ok {
		return
	}
	delete(p.tags, slice)
	delete(p.owner, t)
	p.free = append(p.free, t)
}

// held returns how many tags are taken.
func (p *tagPool) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.tags)
}

// slices returns the slices holding tags.
func (p *tagPool) slices() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.tags))
	for s := range p.tags {
		out = append(out, s)
	}
	return out
}
