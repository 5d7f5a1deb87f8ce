package neutron

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/btree"
)

// The view's indexes: each table's ordered indexes (by id, name, MAC),
// and the sets lists and writes look objects up by.

// table holds one kind's entries, by id and in order.
type table struct {
	m map[string]*entry
	// ids orders the entries by id, and sorted by an attribute (see
	// sortedAttrs), then id: lists page through them instead of over
	// every object. They hold the entries themselves (8 bytes an item,
	// where copies of the keys took 16 or 32), ordered by what the
	// entries' objects say, which never changes (a change is a new entry).
	ids    *btree.BTreeG[*entry]
	sorted map[string]*btree.BTreeG[*entry]
}

func lessID(a, b *entry) bool { return idOf(a) < idOf(b) }

// lessBy orders entries by attribute of, then id.
func lessBy(of func(obj any) (string, bool)) func(a, b *entry) bool {
	return func(a, b *entry) bool {
		x, _ := of(a.obj)
		y, _ := of(b.obj)
		if x != y {
			return x < y
		}
		return idOf(a) < idOf(b)
	}
}

// sortedAttrs are the string attributes lists are often sorted by, each
// with an ordered index where a kind has it: every kind's name, and the
// port's MAC (what the peers' clients sort ports by to page them).
var sortedAttrs = []struct {
	name string
	of   func(obj any) (string, bool)
}{
	{"name", nameOf},
	{"mac_address", func(obj any) (string, bool) {
		if p, ok := obj.(*Port); ok {
			return p.MACAddress, true
		}
		return "", false
	}},
}

// indexSorted adds (add true) or removes e in t's ordered indexes.
func (t *table) indexSorted(e *entry, add bool) {
	for _, ix := range t.sorted {
		if add {
			ix.ReplaceOrInsert(e)
		} else {
			ix.Delete(e)
		}
	}
}

// nameOf is an object's name attribute (ok false for kinds without one).
func nameOf(obj any) (string, bool) {
	switch o := obj.(type) {
	case *Network:
		return o.Name, true
	case *Subnet:
		return o.Name, true
	case *Port:
		return o.Name, true
	case *SecurityGroup:
		return o.Name, true
	case *Router:
		return o.Name, true
	}
	return "", false
}

type index map[string]map[string]struct{}

func (ix index) add(key, id string) {
	if key == "" {
		return
	}
	s := ix[key]
	if s == nil {
		s = map[string]struct{}{}
		ix[key] = s
	}
	s[id] = struct{}{}
}

func (ix index) remove(key, id string) {
	if s := ix[key]; s != nil {
		delete(s, id)
		if len(s) == 0 {
			delete(ix, key)
		}
	}
}

// entryIndex is an index whose sets hold the objects' entries, for the
// lists that page through one of its sets: no lookup by id per item.
type entryIndex map[string]*entrySet

// entrySet is one key's entries by id, and the same entries in id order
// once a list has asked for them (until the set changes): a list of a
// network's ports in id order, the default, then starts at its marker and
// stops at its limit instead of sorting the whole set every time.
type entrySet struct {
	m map[string]*entry
	// byID is built by readers (holding the view's read lock; two may
	// race to store equal slices) and dropped by writers, who hold the
	// write lock.
	byID atomic.Pointer[[]*entry]
}

// of is key's set (nil when empty).
func (ix entryIndex) of(key string) map[string]*entry {
	if s := ix[key]; s != nil {
		return s.m
	}
	return nil
}

func (ix entryIndex) add(key, id string, e *entry) {
	if key == "" {
		return
	}
	s := ix[key]
	if s == nil {
		s = &entrySet{m: map[string]*entry{}}
		ix[key] = s
	}
	s.m[id] = e
	s.byID.Store(nil)
}

func (ix entryIndex) remove(key, id string) {
	if s := ix[key]; s != nil {
		delete(s.m, id)
		s.byID.Store(nil)
		if len(s.m) == 0 {
			delete(ix, key)
		}
	}
}

// ordered is the set's entries in id order.
func (s *entrySet) ordered() []*entry {
	if p := s.byID.Load(); p != nil {
		return *p
	}
	out := make([]*entry, 0, len(s.m))
	for _, e := range s.m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *entry) int { return strings.Compare(idOf(a), idOf(b)) })
	s.byID.Store(&out)
	return out
}

func idOf(e *entry) string { return e.obj.(resource).std().ID }

// buildSorted fills the ordered indexes of every table after a full load,
// each from its keys sorted (an index a core): inserting in order costs a
// fraction of inserting at random.
func (v *view) buildSorted() {
	var wg sync.WaitGroup
	for _, t := range v.tables {
		for _, a := range sortedAttrs {
			ix := t.sorted[a.name]
			if ix == nil || len(t.m) == 0 {
				continue
			}
			wg.Go(func() {
				// Sorted on copies of the keys, side by side, rather than
				// through the entries, scattered.
				type keyed struct {
					key, id string
					e       *entry
				}
				keys := make([]keyed, 0, len(t.m))
				for id, e := range t.m {
					key, _ := a.of(e.obj)
					keys = append(keys, keyed{key, id, e})
				}
				slices.SortFunc(keys, func(x, y keyed) int {
					if c := strings.Compare(x.key, y.key); c != 0 {
						return c
					}
					return strings.Compare(x.id, y.id)
				})
				for _, k := range keys {
					ix.ReplaceOrInsert(k.e)
				}
			})
		}
	}
	wg.Wait()
}
