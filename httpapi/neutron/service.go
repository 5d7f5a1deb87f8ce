package neutron

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netslice/netslice/httpapi/internal/uuid"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// Service is the Networking API as Go: networks, subnets, ports, security
// groups, routers, floating IPs and quotas, with neutron's validation,
// IPAM and errors, over a store.Store. Every write is one transaction,
// cascades included; several services (in several processes) may share
// one store. Reads come from memory, which follows the store.
//
// Who a call acts for is in its context (WithCaller); without one it acts
// as an admin, as a program embedding the service is trusted.
//
// What a read returns shares its lists, maps and pointers with the
// service's memory, which other calls read at the same time: treat it as
// read-only, and copy what you change (slices.Clone, maps.Clone) before
// passing it back in an update.
type Service struct {
	st   store.Store
	k    keys
	v    *view
	opts Options

	running   atomic.Bool
	ready     chan struct{} // closed once Run has read the store
	readyOnce sync.Once

	// reserved holds, per "project/plural", the creations of this process
	// that passed their quota check and have not failed or finished: the
	// next creation counts as taken those the view does not have yet.
	resMu    sync.Mutex
	reserved map[string]map[*reservation]struct{}
}

// reservation is a creation's claim on its project's quota; id is the
// resource's once built.
type reservation struct{ id string }

// Options configure a Service.
type Options struct {
	// KeyPrefix is where in the store (default "neutron/").
	KeyPrefix string
	// MACBase is the first three bytes of generated MACs (default
	// "fa:16:3e", neutron's).
	MACBase string
	// MTU is a network's MTU when none is given, and the largest one
	// allowed (default 1500).
	MTU int
	// PhysicalNetworks are the names flat and vlan provider networks may
	// use; empty: any.
	PhysicalNetworks []string
	// Quotas are the default quotas by resource ("network", "port", ...;
	// -1: unlimited). Resources left out keep neutron's defaults.
	Quotas map[string]int
	// Logger receives the service's own warnings; nil: none.
	Logger *slog.Logger
	// Now returns the time stamped on resources (default time.Now).
	Now func() time.Time
	// DataPlane, when set, decides whether a port bound to a switch is
	// ACTIVE: only once the data plane realizes it. Run keeps ports'
	// status in step with it. Nil: a bound port that is up, on a network
	// that is up, is ACTIVE at once. Of several services sharing a store,
	// give it to one that sees every switch, or to none: each writes
	// what its own data plane says.
	DataPlane DataPlane
}

// DataPlane is what realizes bound ports on switches (the slicing app,
// l2/slicing.App).
type DataPlane interface {
	// PortUp reports whether the port at loc is realized: its switch is
	// connected and the port's flows are on it.
	PortUp(loc l2.Location) bool
	// PortChanges is signalled when PortUp's answer may have changed for
	// some port. One reader takes each signal.
	PortChanges() <-chan struct{}
}

// DefaultQuotas returns neutron's default quotas, by resource: a new map
// each call, for the caller to change.
func DefaultQuotas() map[string]int {
	return map[string]int{
		"network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router": 10, "floatingip": 50,
		"security_group": 10, "security_group_rule": 100, "rbac_policy": 10,
	}
}

// NewService returns a service over st; Run makes it follow the store.
func NewService(st store.Store, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("neutron: a store is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "neutron/"
	}
	if opts.MACBase == "" {
		opts.MACBase = "fa:16:3e"
	}
	if b, err := l2.ParseMAC(opts.MACBase + ":00:00:00"); err != nil || b[0]&1 != 0 {
		return nil, fmt.Errorf("neutron: MAC base %q is not three bytes of a unicast MAC", opts.MACBase)
	}
	if opts.MTU == 0 {
		opts.MTU = 1500
	}
	if opts.MTU < 68 {
		return nil, fmt.Errorf("neutron: MTU %d is below 68", opts.MTU)
	}
	q := map[string]int{}
	defaults := DefaultQuotas()
	for k, n := range defaults {
		q[k] = n
	}
	for k, n := range opts.Quotas {
		if _, ok := defaults[k]; !ok {
			return nil, fmt.Errorf("neutron: no quota for %q", k)
		}
		q[k] = n
	}
	opts.Quotas = q
	if opts.Now == nil {
		opts.Now = time.Now
	}
	k := keys(opts.KeyPrefix)
	return &Service{st: st, k: k, v: newView(k, opts.Logger), opts: opts, ready: make(chan struct{})}, nil
}

// ErrNotRunning: the service was asked something before its Run began.
var ErrNotRunning = errors.New("neutron: the service is not running (call Run)")

// Run keeps the service's view of the store — what every read and write
// consults — in step with it until ctx ends, and returns ctx.Err(). Calls
// wait for its first reading of the store; without Run they fail with
// ErrNotRunning once their context ends.
func (s *Service) Run(ctx context.Context) error {
	if s.running.Swap(true) {
		return errors.New("neutron: Run called twice")
	}
	defer s.running.Store(false)
	if s.opts.DataPlane != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() {
			defer close(done)
			s.followDataPlane(ctx)
		}()
	}
	s.v.follow(ctx, s.st, func() { s.readyOnce.Do(func() { close(s.ready) }) })
	return ctx.Err()
}

// Ready returns once Run has read the store the first time.
func (s *Service) Ready(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		if !s.running.Load() {
			return ErrNotRunning
		}
		return ctx.Err()
	}
}

// Caller is who a call acts for: a project, and whether it is an admin
// (who sees and may act for every project) or an advanced service
// (neutron's advsvc role: it may choose ports' addresses and MACs on
// other projects' networks).
type Caller struct {
	Project string
	Admin   bool
	AdvSvc  bool
}

type callerKey struct{}

// WithCaller returns a context whose calls act for c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) Caller {
	if c, ok := ctx.Value(callerKey{}).(Caller); ok {
		return c
	}
	return Caller{Admin: true}
}

// sees reports whether c may see a resource of project p.
func (c Caller) sees(p string) bool { return c.Admin || c.Project == p }

// Attrs are a resource's attributes as a request gives them: names as
// the API spells them ("admin_state_up", "binding:host_id"), values as
// JSON would carry them (a map for a dictionary, []any or a typed slice
// for a list).
type Attrs map[string]any

// raw is the JSON of each attribute.
func (a Attrs) raw() (input, error) {
	in := input{}
	for k, v := range a {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, badRequest("attribute %s: %v", k, err)
		}
		in[k] = b
	}
	return in, nil
}

// input is a request's attributes, validated and converted.
type input map[string]json.RawMessage

func (in input) has(name string) bool {
	_, ok := in[name]
	return ok
}

// get decodes an attribute given into v, reporting whether it was given.
func (in input) get(name string, v any) bool {
	raw, ok := in[name]
	if !ok {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// into decodes every attribute given, but those named in skip, into obj
// (a pointer to a resource): what was not given keeps obj's value. An
// attribute given replaces the value, never fills in what obj's points
// to: obj is a copy of an object the view holds, sharing its lists, maps
// and pointers, and encoding/json would write into them (appending into
// a list's array, adding to a map, storing through a pointer) — changing
// the view's object under its readers, even for a request that fails.
func (in input) into(obj any, skip ...string) {
	m := make(map[string]json.RawMessage, len(in))
	for k, v := range in {
		if !slices.Contains(skip, k) {
			m[k] = v
		}
	}
	unshare(reflect.ValueOf(obj).Elem(), m)
	b, _ := json.Marshal(m)
	json.Unmarshal(b, obj)
}

// unshare zeroes the fields of struct v (and of the structs it embeds)
// that m gives and that refer to memory or hold what does: slices, maps,
// pointers, structs (a nested object given replaces the whole value).
func unshare(v reflect.Value, m map[string]json.RawMessage) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			unshare(v.Field(i), m)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if _, given := m[name]; !given || !f.IsExported() {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Struct:
			v.Field(i).SetZero()
		}
	}
}

// prepare checks a request's attributes against k's rules, as neutron's
// API layer does before its plugin sees them: unknown attributes, ones
// not allowed in this operation or to this caller, validators, required
// ones, and the project a creation is for (returned).
func (s *Service) prepare(c Caller, k *kind, in input, creating bool) (string, error) {
	var unknown []string
	for name := range in {
		a := k.attrs[name]
		if a == nil || name == "tags" || name == "security_group_rules" {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return "", badRequest("Unrecognized attribute(s) '%s'", strings.Join(unknown, ", "))
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := k.attrs[name]
		switch {
		case creating && a.flags&post == 0:
			return "", badRequest("Attribute '%s' not allowed in POST", name)
		case !creating && a.flags&put == 0:
			return "", badRequest("Cannot update read-only attribute %s", name)
		case a.flags&adminSet != 0 && !c.Admin:
			op := "update_"
			if creating {
				op = "create_"
			}
			return "", forbidden("rule:" + op + k.singular + ":" + name)
		}
		if a.check != nil {
			v, err := a.check(in[name])
			var fe *Error
			if errors.As(err, &fe) {
				return "", fe // a check that raises neutron's own exception
			}
			if err != nil {
				return "", invalidAttr(name, err.Error())
			}
			in[name] = v
		}
	}
	if !creating {
		return "", nil
	}
	for _, name := range sortedAttrNames(k) {
		if k.attrs[name].flags&required != 0 && !in.has(name) {
			return "", badRequest("Failed to parse request. Required attribute '%s' not specified", name)
		}
	}
	var tenant, project string
	tGiven := in.get("tenant_id", &tenant)
	pGiven := in.get("project_id", &project)
	switch {
	case tGiven && pGiven && tenant != project:
		return "", badRequest("'project_id' and 'tenant_id' do not match")
	case pGiven:
		tenant = project
	case !tGiven:
		tenant = c.Project
	}
	if !c.Admin && tenant != c.Project {
		return "", badRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges")
	}
	if tenant == "" {
		return "", badRequest("Running without keystone AuthN requires that tenant_id is specified")
	}
	return tenant, nil
}

func sortedAttrNames(k *kind) []string {
	names := make([]string, 0, len(k.attrs))
	for n := range k.attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newStandard returns the standard attributes of a new resource.
func (s *Service) newStandard(project, description string) Standard {
	now := s.stamp()
	return Standard{ID: uuid.New(), TenantID: project, ProjectID: project, Description: description,
		CreatedAt: now, UpdatedAt: now, RevisionNumber: 1}
}

// touched returns std after an update.
func (s *Service) touched(std Standard) Standard {
	std.UpdatedAt = s.stamp()
	std.RevisionNumber++
	return std
}

func (s *Service) stamp() string { return s.opts.Now().UTC().Format("2006-01-02T15:04:05Z") }

// Transactions.

// txn collects a write: conditions, operations, and reservations to undo
// once it is over.
type txn struct {
	s     *Service
	conds []store.Cond
	ops   []store.Op
	undo  []func()

	objs    map[string]*pendingObj
	claims  map[string]bool
	added   map[*kind]int // resources created, per kind, for quotas
	guarded map[string]bool

	defaultSGs   map[string]string // project → default group created here
	pendingRules []SecurityGroupRule
}

func (t *txn) cond(c ...store.Cond) { t.conds = append(t.conds, c...) }

func (t *txn) put(key string, v any) {
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(v)
	}
	t.ops = append(t.ops, store.PutOp(key, b))
}

func (t *txn) del(key string) { t.ops = append(t.ops, store.DeleteOp(key)) }

func (t *txn) delPrefix(prefix string) { t.ops = append(t.ops, store.DeletePrefixOp(prefix)) }

// putObject writes a resource, on condition it is still at rev (0: it is
// new).
func (t *txn) putObject(k *kind, obj any, rev int64) {
	id := obj.(resource).std().ID
	key := t.s.k.object(k.plural, id)
	t.cond(store.IfModRevision(key, rev))
	t.put(key, obj)
}

func (t *txn) release() {
	for _, f := range t.undo {
		f()
	}
	t.undo = nil
}

// errWait says a write must wait for the view to move on (a deletion it
// depends on is in progress) and try again.
var errWait = errors.New("neutron: waiting for a deletion in progress")

const maxAttempts = 64

// write runs build over the current view and commits what it collects as
// one transaction, again over a fresher view when a condition fails
// (another writer got there first). It returns once readers see the
// write.
func (s *Service) write(ctx context.Context, build func(v *view, t *txn) error) error {
	for attempt := 0; ; attempt++ {
		if err := s.sync(ctx); err != nil {
			return err
		}
		t := &txn{s: s}
		if err := s.v.rlock(ctx); err != nil {
			return err
		}
		wake := s.v.wake
		err := build(s.v, t)
		s.v.mu.RUnlock()
		if err == errWait {
			t.release()
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err != nil || len(t.ops) == 0 {
			t.release()
			return err
		}
		if len(t.ops) >= store.MaxTxnOps || len(t.conds) > store.MaxTxnOps {
			t.release()
			return badRequest("The request changes more than one transaction may (%d writes): make it smaller", store.MaxTxnOps-1)
		}
		t.ops = append(t.ops, store.PutOp(s.k.head(), nil))
		rev, err := s.st.Txn(ctx, t.conds, t.ops)
		if err == nil {
			err = s.v.waitFor(ctx, rev)
			t.release()
			return err
		}
		t.release()
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		if attempt >= maxAttempts {
			return errBusy
		}
	}
}

// sync returns once the view has caught up with the last write to the
// store, by this service or another.
func (s *Service) sync(ctx context.Context) error {
	kv, err := s.st.Get(ctx, s.k.head())
	if errors.Is(err, store.ErrNotFound) {
		return s.Ready(ctx)
	}
	if err != nil {
		return err
	}
	return s.v.waitFor(ctx, kv.ModRevision)
}

// read runs fn over a view that has caught up with the store.
func (s *Service) read(ctx context.Context, fn func(v *view) error) error {
	if err := s.sync(ctx); err != nil {
		return err
	}
	if err := s.v.rlock(ctx); err != nil {
		return err
	}
	defer s.v.mu.RUnlock()
	return fn(s.v)
}

// Deletion guards.
//
// A resource others depend on (a network its ports, a subnet its
// addresses, a security group its ports) must not be deleted while one
// of them is being created. Those creations are many and concurrent, so
// they do not write the parent; instead a deletion first writes a marker
// (=del/<id>) that every such creation conditions on the absence of, then
// looks at the dependents as of the marker, then deletes everything on
// condition the marker is unchanged. A marker outlives a crashed deleter
// only until it expires; a creation that finds an expired one deletes it
// in its own transaction, which makes the slow deleter's commit fail.

const markerLifetime = 30 * time.Second

// guard makes t depend on id (of kind k) existing and not being deleted.
func (t *txn) guard(v *view, k *kind, id string) error {
	if v.get(k, id) == nil {
		if _, ok := t.objs[t.s.k.object(k.plural, id)]; ok {
			return nil // created by this transaction
		}
		return notFound(k.fault, id)
	}
	return t.guardEntry(v, k, id)
}

func (t *txn) guardEntry(v *view, k *kind, id string) error {
	if t.guarded[id] {
		return nil
	}
	if t.guarded == nil {
		t.guarded = map[string]bool{}
	}
	t.guarded[id] = true
	mk := t.s.k.marker(id)
	t.cond(store.IfExists(t.s.k.object(k.plural, id)))
	if m, ok := v.markers[id]; ok {
		if t.s.opts.Now().Before(m.expires) {
			return errWait
		}
		for _, op := range t.ops {
			if op.Key == mk {
				return nil
			}
		}
		t.cond(store.IfModRevision(mk, m.rev))
		t.del(mk)
		return nil
	}
	t.cond(store.IfAbsent(mk))
	return nil
}

// guardedDelete deletes id of kind k: it marks the deletion, then calls
// build over a view that has every dependent created before the mark, to
// refuse (an error) or to add the cascade to t; the commit removes the
// object and the marker.
func (s *Service) guardedDelete(ctx context.Context, k *kind, id string, ifMatch int64, build func(v *view, t *txn, e *entry) error) error {
	key, mk := s.k.object(k.plural, id), s.k.marker(id)
	c := callerFrom(ctx)
	for attempt := 0; ; attempt++ {
		if attempt >= maxAttempts {
			return errBusy
		}
		// Mark.
		var markRev int64
		err := s.write(ctx, func(v *view, t *txn) error {
			e, err := v.owned(c, k, id, "delete")
			if err != nil {
				return err
			}
			if err := checkRevision(e, ifMatch); err != nil {
				return err
			}
			if m, ok := v.markers[id]; ok {
				if s.opts.Now().Before(m.expires) {
					return errWait
				}
				t.cond(store.IfModRevision(mk, m.rev))
			} else {
				t.cond(store.IfAbsent(mk))
			}
			t.cond(store.IfExists(key))
			t.put(mk, strconv.FormatInt(s.opts.Now().Add(markerLifetime).Unix(), 10))
			return nil
		})
		if err != nil {
			return err
		}
		s.v.mu.RLock()
		if m, ok := s.v.markers[id]; ok {
			markRev = m.rev
		}
		s.v.mu.RUnlock()
		if markRev == 0 {
			continue // someone else's deletion, or an expired marker cleared
		}
		// Delete, or refuse and unmark.
		var refused error
		err = s.write(ctx, func(v *view, t *txn) error {
			refused = nil
			m, ok := v.markers[id]
			if !ok || m.rev != markRev {
				return errMarkLost
			}
			t.cond(store.IfModRevision(mk, markRev))
			t.del(mk)
			e := v.get(k, id)
			if e == nil {
				return notFound(k.fault, id)
			}
			if err := build(v, t, e); err != nil {
				refused = err
				t.release()
				t.ops = t.ops[:0]
				t.conds = t.conds[:0]
				t.undo = nil
				t.cond(store.IfModRevision(mk, markRev))
				t.del(mk)
				return nil
			}
			t.del(key)
			return nil
		})
		if errors.Is(err, errMarkLost) {
			continue
		}
		if err != nil {
			return err
		}
		return refused
	}
}

var errMarkLost = errors.New("neutron: deletion marker lost")

// owned returns the object of kind k with id for c to change: not found
// when c cannot see it, forbidden when c sees it (a shared network, say)
// but it is another project's.
func (v *view) owned(c Caller, k *kind, id, op string) (*entry, error) {
	e := v.get(k, id)
	switch {
	case e == nil || !v.canSee(c, e.obj):
		return nil, notFound(k.fault, id)
	case !c.sees(e.obj.(resource).std().TenantID):
		return nil, forbidden("rule:" + op + "_" + k.singular)
	}
	return e, nil
}

// checkRevision is If-Match: revision_number=N.
func checkRevision(e *entry, want int64) error {
	if want < 0 {
		return nil
	}
	if got := e.obj.(resource).std().RevisionNumber; got != want {
		return fault(ErrRevision, "RevisionNumberConstraintFailed", "Constrained to %d, but current revision is %d", want, got)
	}
	return nil
}

// Quotas.

// quota returns project's limit for resource ("port").
func (v *view) quota(s *Service, project, resource string) int {
	if q, ok := v.quotas[project]; ok {
		if n, ok := q.limits[resource]; ok {
			return n
		}
	}
	if n, ok := s.opts.Quotas[resource]; ok {
		return n
	}
	return -1 // a resource neutron keeps no quota for (address scopes)
}

// checkQuota refuses adding n resources of kind k to project beyond its
// quota, as the view counts them.
func (v *view) checkQuota(s *Service, project string, k *kind, n int) error {
	limit := v.quota(s, project, k.singular)
	if limit < 0 {
		return nil
	}
	if v.counts[project][k]+n > limit {
		return conflict("OverQuota", "Quota exceeded for resources: ['%s'].", k.singular)
	}
	return nil
}

// Within one transaction (a bulk request creates many resources in one),
// later items see what earlier ones wrote: t.objs overlays the view, and
// t.claims refuses a claim taken twice.

// lookup returns the object of kind k with id as this transaction left
// it, with the revision to condition a rewrite on, or nil.
func (t *txn) lookup(v *view, k *kind, id string) (any, int64) {
	key := t.s.k.object(k.plural, id)
	if o, ok := t.objs[key]; ok {
		return o.obj, o.rev
	}
	if e := v.get(k, id); e != nil {
		return e.obj, e.rev
	}
	return nil, 0
}

// rewrite writes a changed object; a second rewrite in one transaction
// replaces the first.
func (t *txn) rewrite(k *kind, obj any, rev int64) {
	key := t.s.k.object(k.plural, obj.(resource).std().ID)
	if t.objs == nil {
		t.objs = map[string]*pendingObj{}
	}
	if o, ok := t.objs[key]; ok {
		o.obj = obj
		b, _ := json.Marshal(obj)
		t.ops[o.op].Value = b
		return
	}
	t.objs[key] = &pendingObj{obj: obj, rev: rev, op: len(t.ops)}
	t.putObject(k, obj, rev)
}

type pendingObj struct {
	obj any
	rev int64
	op  int // its put in t.ops
}

// claim creates key (a uniqueness claim) with value; false when this
// transaction claimed it already.
func (t *txn) claim(key, value string) bool {
	if t.claims == nil {
		t.claims = map[string]bool{}
	}
	if t.claims[key] {
		return false
	}
	t.claims[key] = true
	t.cond(store.IfAbsent(key))
	t.put(key, value)
	return true
}

func storeIfModRevision(key string, rev int64) store.Cond { return store.IfModRevision(key, rev) }
