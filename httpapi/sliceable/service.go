package sliceable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store"
)

// Service is the Sliceable API as Go: every method validates, then reads
// or writes the store, each write one transaction. It is safe for
// concurrent use, and several services (in several processes) may share
// one store.
type Service struct {
	st store.Store
	k  keys
}

// Options configure a Service.
type Options struct {
	// KeyPrefix is where in the store (default "sliceable/").
	KeyPrefix string
}

// ServiceOptions is the old name of Options.
//
// Deprecated: use Options.
type ServiceOptions = Options

// NewService returns the service over st.
func NewService(st store.Store, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("sliceable: a store is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "sliceable/"
	}
	return &Service{st: st, k: keys(opts.KeyPrefix)}, nil
}

// Tenant is a tenant.
type Tenant struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Network is a tenant's network: a slice.
type Network struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Port binds a location to a network.
type Port struct {
	ID       string
	Location l2.Location
}

// Attachment attaches a MAC to a port or a network.
type Attachment struct {
	ID  string
	MAC l2.MAC
}

// PortAttachment is an attachment with the port it is on.
type PortAttachment struct {
	Port string
	Attachment
}

// NetworkDetail is a network with everything bound to it.
type NetworkDetail struct {
	Network
	Ports              []Port
	PortAttachments    []PortAttachment
	NetworkAttachments []Attachment
}

// get reads key into v, mapping a missing key to ErrNotFound with what.
func (s *Service) get(ctx context.Context, key string, v any, what string, args ...any) (store.KV, error) {
	kv, err := s.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return kv, fail(ErrNotFound, what+" not found", args...)
	}
	if err != nil {
		return kv, err
	}
	return kv, json.Unmarshal(kv.Value, v)
}

// exists reports a missing key as ErrNotFound with what.
func (s *Service) exists(ctx context.Context, key string, what string, args ...any) error {
	_, err := s.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return fail(ErrNotFound, what+" not found", args...)
	}
	return err
}

// scan calls fn with the id after prefix and the value of every key under
// prefix, in order, through store.Scanner when the store has it.
func (s *Service) scan(ctx context.Context, prefix string, fn func(id string, value []byte) error) error {
	return s.scanBytes(ctx, prefix, func(id, v []byte) error { return fn(string(id), v) })
}

// scanBytes is scan handing the id over as bytes, valid only during the
// call: for rendering a list without a string per item.
func (s *Service) scanBytes(ctx context.Context, prefix string, fn func(id, value []byte) error) error {
	return store.ScanAll(ctx, s.st, prefix, func(k, v []byte) error { return fn(k[len(prefix):], v) })
}

// list calls fn for every key under prefix in order, with what the store
// knows of it (revisions): scan without the Scanner's shortcut.
func (s *Service) list(ctx context.Context, prefix string, fn func(id string, kv store.KV) error) error {
	for kv, err := range store.All(ctx, s.st, prefix) {
		if err != nil {
			return err
		}
		if err := fn(kv.Key[len(prefix):], kv); err != nil {
			return err
		}
	}
	return nil
}

// Every write of the service goes through txn, which adds to it the
// change markers of the lists it changes: root+"C" for the list of
// tenants, root+"C/"+tenant for every list under a tenant (its networks,
// their ports, the attachments). A marker's ModRevision is when such a
// list last changed, so the handler keeps a large rendered list until its
// marker moves (a point read) instead of until anything in the store
// changes. A marker goes with its tenant.

// txn is s.st.Txn with the markers of the lists ops change.
func (s *Service) txn(ctx context.Context, conds []store.Cond, ops []store.Op) (int64, error) {
	return s.st.Txn(ctx, conds, s.marked(ops))
}

// marked returns ops with the markers of the lists they change.
func (s *Service) marked(ops []store.Op) []store.Op {
	tenants := false
	var touched []string // tenants whose lists change
	var gone []string    // tenants deleted
	all := false         // an op over every tenant's keys of a kind
	for _, op := range ops {
		rel, ok := strings.CutPrefix(op.Key, string(s.k))
		if !ok {
			continue
		}
		kind, rest, _ := strings.Cut(rel, "/")
		switch kind {
		case "T":
			tenants = true
			if op.Kind != store.OpPut && rest != "" {
				gone = append(gone, rest)
			}
		case "N", "P", "PA", "NA":
			t, _, _ := strings.Cut(rest, "/")
			if t == "" {
				all = true
			} else if !slices.Contains(touched, t) {
				touched = append(touched, t)
			}
		}
	}
	out := slices.Clip(ops)
	if tenants {
		out = append(out, store.PutOp(s.k.changed(""), nil))
	}
	for _, t := range gone {
		out = append(out, store.DeleteOp(s.k.changed(t)))
	}
	if all {
		out = append(out, store.DeletePrefixOp(s.k.changed("")+"/"))
		return out
	}
	for _, t := range touched {
		if !slices.Contains(gone, t) {
			out = append(out, store.PutOp(s.k.changed(t), nil))
		}
	}
	return out
}

// Tenants.

// CreateTenant creates a tenant; an empty id is generated.
func (s *Service) CreateTenant(ctx context.Context, t Tenant) (Tenant, error) {
	if t.ID == "" {
		t.ID, _ = idOrNew("tenant", nil)
	} else if err := checkID("tenant", t.ID); err != nil {
		return t, err
	}
	if err := checkDescription(t.Description); err != nil {
		return t, err
	}
	key := s.k.tenant(t.ID)
	_, err := s.txn(ctx, []store.Cond{store.IfAbsent(key)}, []store.Op{store.PutOp(key, mustJSON(descValue{t.Description}))})
	if errors.Is(err, store.ErrConflict) {
		return t, fail(ErrExists, "tenant %q already exists", t.ID)
	}
	return t, err
}

// Tenants returns every tenant, ordered by id.
func (s *Service) Tenants(ctx context.Context) ([]Tenant, error) {
	var out []Tenant
	err := s.scan(ctx, s.k.under("T"), func(id string, v []byte) error {
		var d descValue
		json.Unmarshal(v, &d)
		out = append(out, Tenant{ID: id, Description: d.Description})
		return nil
	})
	return out, err
}

// Tenant returns one tenant.
func (s *Service) Tenant(ctx context.Context, id string) (Tenant, error) {
	var d descValue
	_, err := s.get(ctx, s.k.tenant(id), &d, "tenant %q", id)
	return Tenant{ID: id, Description: d.Description}, err
}

// UpdateTenant changes a tenant's description.
func (s *Service) UpdateTenant(ctx context.Context, id, description string) error {
	return s.describe(ctx, s.k.tenant(id), description, "tenant %q", id)
}

// describe replaces the description at key, which must exist.
func (s *Service) describe(ctx context.Context, key, description, what string, args ...any) error {
	if err := checkDescription(description); err != nil {
		return err
	}
	for range 10 {
		var v descValue
		kv, err := s.get(ctx, key, &v, what, args...)
		if err != nil {
			return err
		}
		v.Description = description
		_, err = s.txn(ctx, []store.Cond{store.IfModRevision(key, kv.ModRevision)}, []store.Op{store.PutOp(key, mustJSON(v))})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fail(ErrBusy, what+" is changing too fast; try again", args...)
}

// DeleteTenant deletes a tenant and everything under it, in one
// transaction.
func (s *Service) DeleteTenant(ctx context.Context, id string) error {
	return s.remove(ctx, s.k.tenant(id), []string{"N", "P", "PA", "NA", "M", "MN"}, []string{id}, "tenant %q", id)
}

// remove deletes key and everything under the kinds' prefixes for ids, in
// one transaction.
func (s *Service) remove(ctx context.Context, key string, kinds, ids []string, what string, args ...any) error {
	ops := []store.Op{store.DeleteOp(key)}
	for _, kind := range kinds {
		ops = append(ops, store.DeletePrefixOp(s.k.under(kind, ids...)))
	}
	_, err := s.txn(ctx, []store.Cond{store.IfExists(key)}, ops)
	if errors.Is(err, store.ErrConflict) {
		return fail(ErrNotFound, what+" not found", args...)
	}
	return err
}

// Networks.

// CreateNetwork creates a network; an empty id is generated. A network
// under a tenant that does not exist creates the tenant.
func (s *Service) CreateNetwork(ctx context.Context, tenant string, n Network) (Network, error) {
	if n.ID == "" {
		n.ID, _ = idOrNew("network", nil)
	} else if err := checkID("network", n.ID); err != nil {
		return n, err
	}
	if err := checkID("tenant", tenant); err != nil {
		return n, err
	}
	if err := checkDescription(n.Description); err != nil {
		return n, err
	}
	nk, tk := s.k.network(tenant, n.ID), s.k.tenant(tenant)
	for range 10 {
		conds := []store.Cond{store.IfAbsent(nk)}
		ops := []store.Op{store.PutOp(nk, mustJSON(descValue{n.Description}))}
		tkv, err := s.st.Get(ctx, tk)
		switch {
		case errors.Is(err, store.ErrNotFound):
			conds = append(conds, store.IfAbsent(tk))
			ops = append(ops, store.PutOp(tk, mustJSON(descValue{})))
		case err != nil:
			return n, err
		default:
			conds = append(conds, store.IfModRevision(tk, tkv.ModRevision))
		}
		_, err = s.txn(ctx, conds, ops)
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			if ce.Cond.Key == nk {
				return n, fail(ErrExists, "network %q already exists", n.ID)
			}
			continue // the tenant changed under us: look again
		}
		return n, err
	}
	return n, fail(ErrBusy, "tenant %q is changing too fast; try again", tenant)
}

// Networks returns a tenant's networks, ordered by id.
func (s *Service) Networks(ctx context.Context, tenant string) ([]Network, error) {
	var out []Network
	err := s.scan(ctx, s.k.under("N", tenant), func(id string, v []byte) error {
		var d descValue
		json.Unmarshal(v, &d)
		out = append(out, Network{ID: id, Description: d.Description})
		return nil
	})
	if err == nil && len(out) == 0 {
		// Networks go with their tenant, so only an empty list needs
		// telling a tenant without networks from no tenant.
		err = s.exists(ctx, s.k.tenant(tenant), "tenant %q", tenant)
	}
	return out, err
}

// Network returns a network with its ports and attachments.
func (s *Service) Network(ctx context.Context, tenant, id string) (NetworkDetail, error) {
	var d descValue
	if _, err := s.get(ctx, s.k.network(tenant, id), &d, "network %q", id); err != nil {
		return NetworkDetail{}, err
	}
	nd := NetworkDetail{Network: Network{ID: id, Description: d.Description}}
	var err error
	if nd.Ports, err = s.ports(ctx, tenant, id); err != nil {
		return nd, err
	}
	err = s.scan(ctx, s.k.under("PA", tenant, id), func(rest string, v []byte) error {
		port, att, _ := strings.Cut(rest, "/")
		var m macValue
		json.Unmarshal(v, &m)
		mac, _ := l2.ParseMAC(m.MAC)
		nd.PortAttachments = append(nd.PortAttachments, PortAttachment{Port: port, Attachment: Attachment{ID: att, MAC: mac}})
		return nil
	})
	if err != nil {
		return nd, err
	}
	nd.NetworkAttachments, err = s.attachments(ctx, s.k.under("NA", tenant, id))
	return nd, err
}

// UpdateNetwork changes a network's description.
func (s *Service) UpdateNetwork(ctx context.Context, tenant, id, description string) error {
	return s.describe(ctx, s.k.network(tenant, id), description, "network %q", id)
}

// DeleteNetwork deletes a network with its ports and attachments, in one
// transaction.
func (s *Service) DeleteNetwork(ctx context.Context, tenant, id string) error {
	return s.remove(ctx, s.k.network(tenant, id), []string{"P", "PA", "NA", "M", "MN"}, []string{tenant, id}, "network %q", id)
}

// Ports.

// CreatePort binds a location to a network; an empty id is generated. A
// location belongs to one port.
func (s *Service) CreatePort(ctx context.Context, tenant, network string, p Port) (Port, error) {
	if p.ID == "" {
		p.ID, _ = idOrNew("port", nil)
	} else if err := checkID("port", p.ID); err != nil {
		return p, err
	}
	if err := p.Location.Validate(); err != nil {
		return p, fail(ErrInvalid, "%v", strings.TrimPrefix(err.Error(), "l2: invalid argument: "))
	}
	nk, pk := s.k.network(tenant, network), s.k.port(tenant, network, p.ID)
	if err := s.exists(ctx, nk, "network %q", network); err != nil {
		return p, err
	}
	err := s.claim(ctx, []store.Cond{store.IfExists(nk), store.IfAbsent(pk)}, []store.Op{store.PutOp(pk, mustJSON(valueOf(p.Location)))},
		s.k.loc(p.Location), mustJSON(locHolder{tenant + "/" + network + "/" + p.ID}), func(ctx context.Context, v []byte) (string, bool, error) {
			var h locHolder
			if json.Unmarshal(v, &h) != nil {
				return "", false, nil
			}
			t, rest, _ := strings.Cut(h.Port, "/")
			n, id, _ := strings.Cut(rest, "/")
			var pv portValue
			_, err := s.get(ctx, s.k.port(t, n, id), &pv, "port")
			if errors.Is(err, ErrNotFound) {
				return "", false, nil
			}
			l, _ := pv.location()
			return h.Port, err == nil && l == p.Location, err
		})
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce) && ce.Cond.Key == pk:
		return p, fail(ErrExists, "port %q already exists", p.ID)
	case errors.As(err, &ce) && ce.Cond.Key == nk:
		return p, fail(ErrNotFound, "network %q not found", network)
	case errors.Is(err, ErrInUse):
		return p, fail(ErrInUse, "%v is already bound (%s)", p.Location, err.Error())
	}
	return p, err
}

// claim writes ops under conds together with a unique index key idx (its
// value val), in one transaction. When idx is taken, live says whether its
// holder (the key's value) still holds it: if so the claim fails with
// ErrInUse naming the holder; if not, the key is taken over as long as it
// stays as it was. Another condition that fails is returned as the
// store's *ConflictError.
func (s *Service) claim(ctx context.Context, conds []store.Cond, ops []store.Op, idx string, val []byte,
	live func(ctx context.Context, holder []byte) (string, bool, error)) error {
	ops = append(ops, store.PutOp(idx, val))
	cond := store.IfAbsent(idx)
	for range 10 {
		_, err := s.txn(ctx, append(conds, cond), ops)
		var ce *store.ConflictError
		if !errors.As(err, &ce) || ce.Cond.Key != idx {
			return err
		}
		kv, err := s.st.Get(ctx, idx)
		if errors.Is(err, store.ErrNotFound) {
			cond = store.IfAbsent(idx)
			continue // let go meanwhile
		}
		if err != nil {
			return err
		}
		holder, ok, err := live(ctx, kv.Value)
		if err != nil {
			return err
		}
		if ok {
			return &Error{Kind: ErrInUse, Msg: holder}
		}
		cond = store.IfModRevision(idx, kv.ModRevision) // stale: take it over
	}
	return fail(ErrBusy, "changing too fast; try again")
}

// ports returns a network's ports.
func (s *Service) ports(ctx context.Context, tenant, network string) ([]Port, error) {
	var out []Port
	err := s.scan(ctx, s.k.under("P", tenant, network), func(id string, v []byte) error {
		var pv portValue
		json.Unmarshal(v, &pv)
		l, _ := pv.location()
		out = append(out, Port{ID: id, Location: l})
		return nil
	})
	return out, err
}

// Ports returns a network's ports, ordered by id.
func (s *Service) Ports(ctx context.Context, tenant, network string) ([]Port, error) {
	if err := s.exists(ctx, s.k.network(tenant, network), "network %q", network); err != nil {
		return nil, err
	}
	return s.ports(ctx, tenant, network)
}

// Port returns one port.
func (s *Service) Port(ctx context.Context, tenant, network, id string) (Port, error) {
	var pv portValue
	if _, err := s.get(ctx, s.k.port(tenant, network, id), &pv, "port %q", id); err != nil {
		return Port{}, err
	}
	l, err := pv.location()
	return Port{ID: id, Location: l}, err
}

// DeletePort deletes a port with its attachments, in one transaction, and
// frees its location.
func (s *Service) DeletePort(ctx context.Context, tenant, network, id string) error {
	pk := s.k.port(tenant, network, id)
	for range 10 {
		var pv portValue
		kv, err := s.get(ctx, pk, &pv, "port %q", id)
		if err != nil {
			return err
		}
		ops := []store.Op{store.DeleteOp(pk), store.DeletePrefixOp(s.k.under("PA", tenant, network, id))}
		if l, err := pv.location(); err == nil {
			// The index key is this port's, unless another took it over
			// (it cannot while this port holds the location, but check).
			var h locHolder
			if ikv, err := s.st.Get(ctx, s.k.loc(l)); err == nil && json.Unmarshal(ikv.Value, &h) == nil &&
				h.Port == tenant+"/"+network+"/"+id {
				ops = append(ops, store.DeleteOp(s.k.loc(l)))
			}
		}
		_, err = s.txn(ctx, []store.Cond{store.IfModRevision(pk, kv.ModRevision)}, ops)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fail(ErrBusy, "port %q is changing too fast; try again", id)
}

// Attachments.

func (s *Service) attachments(ctx context.Context, prefix string) ([]Attachment, error) {
	var out []Attachment
	err := s.scan(ctx, prefix, func(id string, v []byte) error {
		var m macValue
		json.Unmarshal(v, &m)
		mac, _ := l2.ParseMAC(m.MAC)
		out = append(out, Attachment{ID: id, MAC: mac})
		return nil
	})
	return out, err
}

func (s *Service) attachment(ctx context.Context, key, id string) (Attachment, error) {
	var m macValue
	if _, err := s.get(ctx, key, &m, "attachment %q", id); err != nil {
		return Attachment{}, err
	}
	mac, err := l2.ParseMAC(m.MAC)
	return Attachment{ID: id, MAC: mac}, err
}

// macHeld returns live for an M or MN key: whether the attachment its
// holder names (under prefix, through key) still has mac.
func (s *Service) macHeld(mac l2.MAC, key func(h macHolder) string) func(context.Context, []byte) (string, bool, error) {
	return func(ctx context.Context, v []byte) (string, bool, error) {
		var h macHolder
		if json.Unmarshal(v, &h) != nil {
			return "", false, nil
		}
		var m macValue
		_, err := s.get(ctx, key(h), &m, "attachment")
		if errors.Is(err, ErrNotFound) {
			return "", false, nil
		}
		return h.Attachment, err == nil && strings.EqualFold(m.MAC, mac.String()), err
	}
}

// AttachToPort attaches a MAC to a port. Within a network a MAC is
// port-attached once.
func (s *Service) AttachToPort(ctx context.Context, tenant, network, port string, a Attachment) (Attachment, error) {
	if err := checkID("attachment", a.ID); err != nil {
		return a, err
	}
	nk, pk, ak := s.k.network(tenant, network), s.k.port(tenant, network, port), s.k.pattach(tenant, network, port, a.ID)
	if err := s.exists(ctx, nk, "network %q", network); err != nil {
		return a, err
	}
	err := s.claim(ctx, []store.Cond{store.IfExists(pk), store.IfAbsent(ak)}, []store.Op{store.PutOp(ak, mustJSON(macValue{a.MAC.String()}))},
		s.k.pmac(tenant, network, a.MAC), mustJSON(macHolder{Port: port, Attachment: a.ID}),
		s.macHeld(a.MAC, func(h macHolder) string { return s.k.pattach(tenant, network, h.Port, h.Attachment) }))
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce) && ce.Cond.Key == pk:
		return a, fail(ErrNotFound, "port %q not found", port)
	case errors.As(err, &ce) && ce.Cond.Key == ak:
		return a, fail(ErrExists, "attachment %q already exists", a.ID)
	case errors.Is(err, ErrInUse):
		return a, fail(ErrInUse, "%v is already attached to a port of this network (attachment %s)", a.MAC, err.Error())
	}
	return a, err
}

// PortAttachments returns a port's attachments, ordered by id.
func (s *Service) PortAttachments(ctx context.Context, tenant, network, port string) ([]Attachment, error) {
	if err := s.exists(ctx, s.k.network(tenant, network), "network %q", network); err != nil {
		return nil, err
	}
	if err := s.exists(ctx, s.k.port(tenant, network, port), "port %q", port); err != nil {
		return nil, err
	}
	return s.attachments(ctx, s.k.under("PA", tenant, network, port))
}

// PortAttachment returns one attachment of a port.
func (s *Service) PortAttachment(ctx context.Context, tenant, network, port, id string) (Attachment, error) {
	return s.attachment(ctx, s.k.pattach(tenant, network, port, id), id)
}

// DetachFromPort deletes an attachment of a port.
func (s *Service) DetachFromPort(ctx context.Context, tenant, network, port, id string) error {
	return s.remove(ctx, s.k.pattach(tenant, network, port, id), nil, nil, "attachment %q", id)
}

// AttachToNetwork attaches a MAC to a network. Within a network a MAC is
// network-attached once.
func (s *Service) AttachToNetwork(ctx context.Context, tenant, network string, a Attachment) (Attachment, error) {
	if err := checkID("attachment", a.ID); err != nil {
		return a, err
	}
	nk, ak := s.k.network(tenant, network), s.k.nattach(tenant, network, a.ID)
	err := s.claim(ctx, []store.Cond{store.IfExists(nk), store.IfAbsent(ak)}, []store.Op{store.PutOp(ak, mustJSON(macValue{a.MAC.String()}))},
		s.k.nmac(tenant, network, a.MAC), mustJSON(macHolder{Attachment: a.ID}),
		s.macHeld(a.MAC, func(h macHolder) string { return s.k.nattach(tenant, network, h.Attachment) }))
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce) && ce.Cond.Key == nk:
		return a, fail(ErrNotFound, "network %q not found", network)
	case errors.As(err, &ce) && ce.Cond.Key == ak:
		return a, fail(ErrExists, "attachment %q already exists", a.ID)
	case errors.Is(err, ErrInUse):
		return a, fail(ErrInUse, "%v is already attached to this network (attachment %s)", a.MAC, err.Error())
	}
	return a, err
}

// NetworkAttachments returns a network's attachments, ordered by id.
func (s *Service) NetworkAttachments(ctx context.Context, tenant, network string) ([]Attachment, error) {
	if err := s.exists(ctx, s.k.network(tenant, network), "network %q", network); err != nil {
		return nil, err
	}
	return s.attachments(ctx, s.k.under("NA", tenant, network))
}

// NetworkAttachment returns one attachment of a network.
func (s *Service) NetworkAttachment(ctx context.Context, tenant, network, id string) (Attachment, error) {
	return s.attachment(ctx, s.k.nattach(tenant, network, id), id)
}

// DetachFromNetwork deletes an attachment of a network.
func (s *Service) DetachFromNetwork(ctx context.Context, tenant, network, id string) error {
	return s.remove(ctx, s.k.nattach(tenant, network, id), nil, nil, "attachment %q", id)
}

// Reindex writes the index keys that objects stored by an earlier version
// of this package lack (it kept none), and drops what that version kept
// instead. It is idempotent and, when there is nothing to do, costs a
// scan of the objects and of the index keys; a server calls it once at
// start. Duplicates an earlier version let in are
// left as they are and returned as an error naming them.
func (s *Service) Reindex(ctx context.Context) error {
	// Read first, write after: a scan must not call the store.
	type entry struct{ idx, val string }
	var want []entry
	err := s.scan(ctx, s.k.under("P"), func(rest string, v []byte) error {
		var pv portValue
		if json.Unmarshal(v, &pv) == nil {
			if l, err := pv.location(); err == nil {
				want = append(want, entry{s.k.loc(l), string(mustJSON(locHolder{rest}))})
			}
		}
		return nil
	})
	if err == nil {
		err = s.scan(ctx, s.k.under("PA"), func(rest string, v []byte) error {
			t, n, pa := split3(rest)
			p, a, _ := strings.Cut(pa, "/")
			if mac, ok := parseStoredMAC(v); ok {
				want = append(want, entry{s.k.pmac(t, n, mac), string(mustJSON(macHolder{Port: p, Attachment: a}))})
			}
			return nil
		})
	}
	if err == nil {
		err = s.scan(ctx, s.k.under("NA"), func(rest string, v []byte) error {
			t, n, a := split3(rest)
			if mac, ok := parseStoredMAC(v); ok {
				want = append(want, entry{s.k.nmac(t, n, mac), string(mustJSON(macHolder{Attachment: a}))})
			}
			return nil
		})
	}
	// The index keys there are, read in one scan a kind: a write (even a
	// Create that finds the key) goes through the store's committer, and
	// one per object made a server with 10,000 ports start 7 s late.
	have := map[string]string{}
	for _, kind := range []string{"L", "M", "MN"} {
		if err != nil {
			break
		}
		prefix := s.k.under(kind)
		err = s.scan(ctx, prefix, func(rest string, v []byte) error {
			have[prefix+rest] = string(v)
			return nil
		})
	}
	if err != nil {
		return err
	}
	var dups []string
	for _, e := range want {
		if v, ok := have[e.idx]; ok {
			if v != e.val {
				dups = append(dups, strings.TrimPrefix(e.idx, string(s.k)))
			}
			continue
		}
		_, err := s.st.Create(ctx, e.idx, []byte(e.val))
		if errors.Is(err, store.ErrExists) {
			if kv, gerr := s.st.Get(ctx, e.idx); gerr == nil && string(kv.Value) != e.val {
				dups = append(dups, strings.TrimPrefix(e.idx, string(s.k)))
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	// The earlier version's version keys: no use any more.
	if _, err := s.st.Get(ctx, s.k.under("V")+"ports"); err == nil {
		if _, err := s.txn(ctx, nil, []store.Op{store.DeletePrefixOp(s.k.under("V"))}); err != nil {
			return err
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("sliceable: stored objects claim the same location or MAC: %s", strings.Join(dups, ", "))
	}
	return nil
}
