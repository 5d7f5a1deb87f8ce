package neutron

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/btree"
)

// Query selects and orders a list as neutron's query string does.
type Query struct {
	// Filters map an attribute to the values it may have: one of them
	// (a repeated key ORs), every attribute (different keys AND). On
	// ports "fixed_ips" takes "ip_address=A" and "subnet_id=S". The tag
	// filters are "tags" and "not-tags" (all of), "tags-any" and
	// "not-tags-any" (any of), each value a comma-separated list.
	Filters map[string][]string
	// Sort orders by attributes, ties broken by id (descending when the
	// first key is).
	Sort []SortKey
	// Limit is the page size (0: everything).
	Limit int
	// Marker is the id of the item the page starts after (before, with
	// PageReverse).
	Marker      string
	PageReverse bool
}

// SortKey orders by an attribute.
type SortKey struct {
	Key  string
	Desc bool
}

// Page is one page of a list: its items, and whether items come after
// it and before it.
type Page[T any] struct {
	Items        []T
	Next, Before bool
}

var tagFilters = []string{"tags", "tags-any", "not-tags", "not-tags-any"}

// compiled is a Query checked against a kind.
type compiled struct {
	q       Query
	k       *kind
	filters []func(obj any) bool
	sort    []*attr
	desc    []bool
	index   []*entry // candidates from an index, when a filter names one
	byIndex bool
	// inOrder: the candidates are one set of an index and the list is in
	// id order, so it pages through ordered, the set in id order.
	inOrder bool
	ordered []*entry
}

func (v *view) compile(c Caller, k *kind, q Query) (*compiled, error) {
	cq := &compiled{q: q, k: k}
	names := make([]string, 0, len(q.Filters))
	for name := range q.Filters {
		names = append(names, name)
	}
	slices.Sort(names)
	// Candidates from an index when a filter names the parent: that
	// filter holds for each of them, and is not checked again.
	var ix entryIndex
	var key string
	switch k {
	case ports:
		if _, ok := q.Filters["network_id"]; ok {
			ix, key = v.portsByNet, "network_id"
		} else if _, ok := q.Filters["device_id"]; ok {
			ix, key = v.portsByDevice, "device_id"
		}
	case subnets:
		ix, key = v.subnetsByNet, "network_id"
	case securityGroupRules:
		ix, key = v.rulesBySG, "security_group_id"
	}
	if _, ok := q.Filters[key]; !ok {
		ix = nil
	}
	for _, name := range names {
		values := q.Filters[name]
		if slices.Contains(tagFilters, name) && k.tagged {
			cq.filters = append(cq.filters, tagFilter(name, values))
			continue
		}
		if name == "fixed_ips" && k == ports {
			f, err := fixedIPFilter(values)
			if err != nil {
				return nil, err
			}
			cq.filters = append(cq.filters, f)
			continue
		}
		a := k.attrs[name]
		if a == nil || a.flags&filter == 0 || a.flags&adminSee != 0 && !c.Admin {
			return nil, badRequest("[%s] is invalid attribute for filtering", name)
		}
		f, err := attrFilter(a, values)
		if err != nil {
			return nil, err
		}
		if ix == nil || name != key {
			cq.filters = append(cq.filters, f)
		}
	}
	for _, s := range q.Sort {
		a := k.attrs[s.Key]
		if a == nil || a.flags&sorted == 0 || a.flags&adminSee != 0 && !c.Admin {
			return nil, badRequest("%s is invalid attribute for sort_key", s.Key)
		}
		cq.sort = append(cq.sort, a)
		cq.desc = append(cq.desc, s.Desc)
	}
	if q.Limit < 0 {
		return nil, badRequest("Limit must be an integer 0 or greater and not '%d'", q.Limit)
	}
	if ix != nil {
		cq.byIndex = true
		vals := q.Filters[key]
		byID := len(cq.sort) == 0 || len(cq.sort) == 1 && cq.sort[0].name == "id"
		if byID && len(vals) == 1 {
			cq.inOrder = true
			if set := ix[vals[0]]; set != nil {
				cq.ordered = set.ordered()
			}
			return cq, nil
		}
		for i, val := range vals {
			if slices.Contains(vals[:i], val) {
				continue
			}
			for _, e := range ix.of(val) {
				cq.index = append(cq.index, e)
			}
		}
	}
	return cq, nil
}

// attrFilter matches an attribute against values, compared as the
// attribute's type: booleans and integers parsed, lists by membership.
func attrFilter(a *attr, values []string) (func(obj any) bool, error) {
	t := a.typ
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := map[string]bool{}
	for _, val := range values {
		switch t.Kind() {
		case reflect.Bool:
			b, ok := parseBool(val)
			if !ok {
				return nil, invalidAttr(a.name, fmt.Sprintf("'%s' cannot be converted to boolean", val))
			}
			val = strconv.FormatBool(b)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if err != nil {
				return nil, invalidAttr(a.name, fmt.Sprintf("'%s' is not an integer", val))
			}
			val = strconv.FormatInt(n, 10)
		}
		want[val] = true
	}
	idx := a.index
	return func(obj any) bool {
		f := reflect.ValueOf(obj).Elem().FieldByIndex(idx)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return want[""] || want["None"] || want["null"]
			}
			f = f.Elem()
		}
		switch f.Kind() {
		case reflect.String:
			return want[f.String()]
		case reflect.Bool:
			return want[strconv.FormatBool(f.Bool())]
		case reflect.Int, reflect.Int64:
			return want[strconv.FormatInt(f.Int(), 10)]
		case reflect.Slice:
			if f.Type().Elem().Kind() != reflect.String {
				return false
			}
			for i := range f.Len() {
				if want[f.Index(i).String()] {
					return true
				}
			}
		}
		return false
	}, nil
}

func tagFilter(name string, values []string) func(obj any) bool {
	var want []string
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if t != "" {
				want = append(want, t)
			}
		}
	}
	return func(obj any) bool {
		have := tagsOf(obj)
		all, any := true, false
		for _, t := range want {
			if slices.Contains(have, t) {
				any = true
			} else {
				all = false
			}
		}
		switch name {
		case "tags":
			return all
		case "tags-any":
			return any
		case "not-tags":
			return !all
		}
		return !any
	}
}

// fixedIPFilter matches ports on "ip_address=A" and "subnet_id=S" values
// (ip_address_substr=X matching part of an address).
func fixedIPFilter(values []string) (func(obj any) bool, error) {
	ips, subs, substrs := map[string]bool{}, map[string]bool{}, []string{}
	for _, val := range values {
		k, x, ok := strings.Cut(val, "=")
		switch {
		case ok && k == "ip_address":
			ips[x] = true
		case ok && k == "subnet_id":
			subs[x] = true
		case ok && k == "ip_address_substr":
			substrs = append(substrs, x)
		default:
			return nil, badRequest("Invalid fixed_ips filter '%s': want ip_address=, subnet_id= or ip_address_substr=", val)
		}
	}
	return func(obj any) bool {
		p := obj.(*Port)
		match := func(pred func(FixedIP) bool) bool { return slices.ContainsFunc(p.FixedIPs, pred) }
		if len(ips) > 0 && !match(func(f FixedIP) bool { return ips[f.IPAddress] }) {
			return false
		}
		if len(subs) > 0 && !match(func(f FixedIP) bool { return subs[f.SubnetID] }) {
			return false
		}
		for _, sub := range substrs {
			if !match(func(f FixedIP) bool { return strings.Contains(f.IPAddress, sub) }) {
				return false
			}
		}
		return true
	}, nil
}

// sortVal is one sort key's value, extracted once per item.
type sortVal struct {
	null bool
	s    string
	n    int64
}

type cand struct {
	obj  any
	id   string
	keys []sortVal
}

func (cq *compiled) extract(obj any) cand {
	c := cand{keys: make([]sortVal, len(cq.sort))}
	cq.extractInto(&c, obj)
	return c
}

// extractInto fills c (whose keys has room) with obj's sort keys.
func (cq *compiled) extractInto(c *cand, obj any) {
	c.obj, c.id = obj, obj.(resource).std().ID
	clear(c.keys)
	for i, a := range cq.sort {
		f := reflect.ValueOf(obj).Elem().FieldByIndex(a.index)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				c.keys[i].null = true
				continue
			}
			f = f.Elem()
		}
		switch f.Kind() {
		case reflect.String:
			c.keys[i].s = f.String()
		case reflect.Bool:
			if f.Bool() {
				c.keys[i].n = 1
			}
		case reflect.Int, reflect.Int64:
			c.keys[i].n = f.Int()
		}
	}
}

// compare orders two items: the sort keys (nulls first), then id.
func (cq *compiled) compare(a, b *cand) int {
	for i := range a.keys {
		x, y := a.keys[i], b.keys[i]
		r := 0
		switch {
		case x.null || y.null:
			r = cmpBool(!x.null, !y.null)
		default:
			r = cmp.Compare(x.n, y.n)
			if r == 0 {
				r = strings.Compare(x.s, y.s)
			}
		}
		if cq.desc[i] {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	// Ties by id, in the direction of the first key.
	if len(cq.desc) > 0 && cq.desc[0] {
		return strings.Compare(b.id, a.id)
	}
	return strings.Compare(a.id, b.id)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func (cq *compiled) match(obj any) bool {
	for _, f := range cq.filters {
		if !f(obj) {
			return false
		}
	}
	return true
}

// list returns one page of the objects of kind k that c sees and q
// selects. With no ordering but by id it walks the ids in order and stops
// after the page; otherwise it keeps the page's items in a heap as it
// goes over the candidates, O(n log limit).
func (v *view) list(c Caller, k *kind, q Query, maxLimit int) (Page[any], error) {
	var page Page[any]
	cq, err := v.compile(c, k, q)
	if err != nil {
		return page, err
	}
	limit := q.Limit
	if maxLimit > 0 && (limit == 0 || limit > maxLimit) {
		limit = maxLimit
	}
	var marker *cand
	if q.Marker != "" {
		e := v.get(k, q.Marker)
		if e == nil || !v.canSee(c, e.obj) {
			return page, notFound(k.fault, q.Marker)
		}
		m := cq.extract(e.obj)
		marker = &m
	}
	keep := func(obj any) bool { return v.canSee(c, obj) && cq.match(obj) }
	if cq.inOrder {
		return v.listOrdered(cq, limit, keep), nil
	}
	t := v.tables[k]
	if len(cq.sort) == 0 && !cq.byIndex {
		return v.walk(t, t.ids, q, false, limit, keep), nil
	}
	if len(cq.sort) == 1 && !cq.byIndex && t.sorted[cq.sort[0].name] != nil {
		return v.walk(t, t.sorted[cq.sort[0].name], q, cq.desc[0], limit, keep), nil
	}
	// Forward: the smallest items after the marker; reverse: the largest
	// before it, handed out in order.
	dir := 1
	if q.PageReverse {
		dir = -1
	}
	if cq.byIndex {
		return v.listSet(cq, dir, marker, limit, keep), nil
	}
	h := &candHeap{cq: cq, dir: dir}
	beyond := 0 // items in the page's direction past those kept
	scratch := cand{keys: make([]sortVal, len(cq.sort))}
	for _, e := range t.m {
		obj := e.obj
		if !keep(obj) {
			continue
		}
		cq.extractInto(&scratch, obj)
		if marker != nil && dir*cq.compare(&scratch, marker) <= 0 {
			continue
		}
		if limit == 0 || h.Len() < limit {
			cd := scratch
			cd.keys = slices.Clone(scratch.keys)
			heap.Push(h, cd)
			continue
		}
		beyond++
		if top := &h.items[0]; dir*cq.compare(&scratch, top) < 0 {
			top.obj, top.id = scratch.obj, scratch.id
			copy(top.keys, scratch.keys)
			heap.Fix(h, 0)
		}
	}
	items := make([]cand, h.Len())
	for i := len(items) - 1; i >= 0; i-- {
		items[i] = heap.Pop(h).(cand)
	}
	if dir < 0 {
		slices.Reverse(items)
	}
	for _, it := range items {
		page.Items = append(page.Items, v.complete(it.obj))
	}
	page.Next, page.Before = pageLinks(q, limit, len(items), beyond > 0)
	return page, nil
}

// listSet pages through the candidates of an index (the ports of a
// network, say: tens or hundreds): all of them kept are sorted, rather
// than passed through a heap as the candidates of a whole table are.
func (v *view) listSet(cq *compiled, dir int, marker *cand, limit int, keep func(any) bool) Page[any] {
	var page Page[any]
	warmIDs(cq.index)
	items := make([]cand, 0, len(cq.index))
	keys := make([]sortVal, len(cq.index)*len(cq.sort))
	for _, e := range cq.index {
		if !keep(e.obj) {
			continue
		}
		c := cand{keys: keys[:len(cq.sort):len(cq.sort)]}
		cq.extractInto(&c, e.obj)
		if marker != nil && dir*cq.compare(&c, marker) <= 0 {
			continue
		}
		keys = keys[len(cq.sort):]
		items = append(items, c)
	}
	slices.SortFunc(items, func(a, b cand) int { return dir * cq.compare(&a, &b) })
	more := false
	if limit > 0 && len(items) > limit {
		items, more = items[:limit], true
	}
	if dir < 0 {
		slices.Reverse(items)
	}
	for _, it := range items {
		page.Items = append(page.Items, v.complete(it.obj))
	}
	page.Next, page.Before = pageLinks(cq.q, limit, len(items), more)
	return page
}

// warmIDs reads entries and their ids ahead of a loop that decides on
// them: they sit far apart in memory, and in loops whose loads are
// independent their misses overlap, where the deciding loop would wait
// for each in turn.
func warmIDs(es []*entry) {
	var x int
	for _, e := range es {
		x += len(idOf(e))
	}
	for _, e := range es {
		if id := idOf(e); id != "" {
			x += int(id[0])
		}
	}
	warmed.Store(int64(x))
}

// listOrdered pages through cq.ordered, a set of an index in id order,
// for a list in id order (ascending, or descending when sorted by id
// descending): from the marker to the limit, without looking at the rest.
func (v *view) listOrdered(cq *compiled, limit int, keep func(any) bool) Page[any] {
	q, set := cq.q, cq.ordered
	// The walk goes down the ids when the list descends or the page is
	// the one before the marker — not both.
	back := (len(cq.desc) > 0 && cq.desc[0]) != q.PageReverse
	i, step := 0, 1
	if back {
		i, step = len(set)-1, -1
	}
	if q.Marker != "" {
		// The marker need not be in the set: the page starts at the first
		// id beyond it in the walk's direction.
		j, found := slices.BinarySearchFunc(set, q.Marker, func(e *entry, id string) int {
			return strings.Compare(idOf(e), id)
		})
		switch {
		case back:
			i = j - 1
		case found:
			i = j + 1
		default:
			i = j
		}
	}
	lo, hi := i, len(set)
	if back {
		lo, hi = 0, i+1
		if limit > 0 {
			lo = i - limit
		}
	} else if limit > 0 {
		hi = i + limit + 1
	}
	lo, hi = max(lo, 0), min(hi, len(set))
	if lo < hi {
		warmIDs(set[lo:hi]) // the page's entries
	}
	c := &collector{limit: limit, keep: keep}
	for ; i >= 0 && i < len(set); i += step {
		if !c.visit(set[i]) {
			break
		}
	}
	return v.page(q, c)
}

// pageLinks says which links a page gets, as neutron decides (a next link
// unless the forward page is short, a previous one unless the backward
// page is short), except that a page with nothing beyond it in its
// direction gets no link that way.
func pageLinks(q Query, limit, n int, more bool) (next, before bool) {
	if limit == 0 {
		return false, false
	}
	if q.PageReverse {
		return n > 0 || q.Marker != "", more
	}
	return more, n > 0 || q.Marker != ""
}

// collector gathers a page as a walk offers it entries in the page's
// direction: those kept, but the marker, up to the limit.
type collector struct {
	marker *entry
	limit  int
	keep   func(any) bool
	got    []any
	more   bool // an entry kept beyond the limit
}

// visit takes e, reporting whether the walk goes on.
func (c *collector) visit(e *entry) bool {
	if e == c.marker || !c.keep(e.obj) {
		return true
	}
	if c.limit > 0 && len(c.got) == c.limit {
		c.more = true
		return false
	}
	c.got = append(c.got, e.obj)
	return true
}

// page is what c gathered, in the list's order.
func (v *view) page(q Query, c *collector) Page[any] {
	var page Page[any]
	if q.PageReverse {
		slices.Reverse(c.got)
	}
	for _, o := range c.got {
		page.Items = append(page.Items, v.complete(o))
	}
	page.Next, page.Before = pageLinks(q, c.limit, len(c.got), c.more)
	return page
}

// walk lists in the order of ix, one of t's ordered indexes (ascending,
// or descending when desc), straight from it.
func (v *view) walk(t *table, ix *btree.BTreeG[*entry], q Query, desc bool, limit int, keep func(any) bool) Page[any] {
	c := &collector{limit: limit, keep: keep}
	if q.Marker != "" {
		c.marker = t.m[q.Marker]
	}
	// Forward in the list's order is ascending in the index unless desc;
	// a reverse page walks the other way from the marker.
	up := desc == q.PageReverse
	switch {
	case up && c.marker == nil:
		ix.Ascend(c.visit)
	case up:
		ix.AscendGreaterOrEqual(c.marker, c.visit)
	case c.marker == nil:
		ix.Descend(c.visit)
	default:
		ix.DescendLessOrEqual(c.marker, c.visit)
	}
	return v.page(q, c)
}

// candHeap keeps the page: its top is the item farthest in the page's
// direction, the first to give way.
type candHeap struct {
	cq    *compiled
	dir   int
	items []cand
}

func (h *candHeap) Len() int           { return len(h.items) }
func (h *candHeap) Less(i, j int) bool { return h.dir*h.cq.compare(&h.items[i], &h.items[j]) > 0 }
func (h *candHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *candHeap) Push(x any)         { h.items = append(h.items, x.(cand)) }
func (h *candHeap) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items = h.items[:n]
	return x
}

// List returns one page of a collection ("networks", "ports", ...) as
// the caller sees it.
func (s *Service) List(ctx context.Context, collection string, q Query) (Page[any], error) {
	k := kindsByPlural[collection]
	if k == nil {
		return Page[any]{}, fault(ErrNotFound, "HTTPNotFound", "no collection %q", collection)
	}
	var page Page[any]
	err := s.read(ctx, func(v *view) error {
		var err error
		page, err = v.list(callerFrom(ctx), k, q, 0)
		return err
	})
	return page, err
}

// Networks lists the networks the caller sees, as q selects them (and
// pages them, when it has a Limit: ListPage tells whether more follow).
func (s *Service) Networks(ctx context.Context, q Query) ([]Network, error) {
	return listOf[Network](ctx, s, q)
}

// Subnets lists subnets.
func (s *Service) Subnets(ctx context.Context, q Query) ([]Subnet, error) {
	return listOf[Subnet](ctx, s, q)
}

// Ports lists ports.
func (s *Service) Ports(ctx context.Context, q Query) ([]Port, error) {
	return listOf[Port](ctx, s, q)
}

// Routers lists routers.
func (s *Service) Routers(ctx context.Context, q Query) ([]Router, error) {
	return listOf[Router](ctx, s, q)
}

// FloatingIPs lists floating IPs.
func (s *Service) FloatingIPs(ctx context.Context, q Query) ([]FloatingIP, error) {
	return listOf[FloatingIP](ctx, s, q)
}

// SecurityGroups lists security groups, each with its rules.
func (s *Service) SecurityGroups(ctx context.Context, q Query) ([]SecurityGroup, error) {
	return listOf[SecurityGroup](ctx, s, q)
}

// SecurityGroupRules lists security group rules.
func (s *Service) SecurityGroupRules(ctx context.Context, q Query) ([]SecurityGroupRule, error) {
	return listOf[SecurityGroupRule](ctx, s, q)
}

func listOf[T Resource](ctx context.Context, s *Service, q Query) ([]T, error) {
	page, err := ListPage[T](ctx, s, q)
	return page.Items, err
}

// parseQuery reads a list's query string: filters, fields, sorting and
// paging parameters.
func parseQuery(vals url.Values) (Query, []string, error) {
	q := Query{Filters: map[string][]string{}}
	var fields []string
	keys, dirs := vals["sort_key"], vals["sort_dir"]
	if len(keys) != len(dirs) {
		return q, nil, badRequest("The number of sort_keys and sort_dirs must be same")
	}
	for i, key := range keys {
		switch strings.ToLower(dirs[i]) {
		case "asc":
			q.Sort = append(q.Sort, SortKey{Key: key})
		case "desc":
			q.Sort = append(q.Sort, SortKey{Key: key, Desc: true})
		default:
			return q, nil, badRequest("%s is invalid value for sort_dir", dirs[i])
		}
	}
	for name, vs := range vals {
		switch name {
		case "sort_key", "sort_dir":
		case "fields":
			for _, f := range vs {
				for x := range strings.SplitSeq(f, ",") {
					if x = strings.TrimSpace(x); x != "" {
						fields = append(fields, x)
					}
				}
			}
		case "limit":
			n, err := strconv.Atoi(vs[len(vs)-1])
			if err != nil || n < 0 {
				return q, nil, badRequest("Limit must be an integer 0 or greater and not '%s'", vs[len(vs)-1])
			}
			q.Limit = n
		case "marker":
			q.Marker = vs[len(vs)-1]
		case "page_reverse":
			b, ok := parseBool(vs[len(vs)-1])
			if !ok {
				return q, nil, invalidAttr("page_reverse", fmt.Sprintf("'%s' cannot be converted to boolean", vs[len(vs)-1]))
			}
			q.PageReverse = b
		default:
			q.Filters[name] = vs
		}
	}
	return q, fields, nil
}
