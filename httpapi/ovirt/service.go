package ovirt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/httpapi/internal/uuid"
	"github.com/netslice/netslice/store"
)

// Kinds of the Service's errors, for errors.Is; each is wrapped in an
// *Error with oVirt's words. The Handler answers each with the status in
// parentheses.
var (
	// ErrInvalid: a request oVirt refuses as malformed or inconsistent
	// (400).
	ErrInvalid = errors.New("ovirt: invalid request")
	// ErrNotFound: a host, NIC, network or attachment that does not
	// exist (404).
	ErrNotFound = errors.New("ovirt: not found")
	// ErrConflict: what the state of things does not allow now — a name
	// taken, a network in use, a host that did not apply a change (409).
	ErrConflict = errors.New("ovirt: conflict")
)

// Error is a fault: its Kind, and oVirt's reason and detail.
type Error struct {
	Kind   error
	Reason string
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// statuses are the statuses the kinds are answered with.
var statuses = map[error]int{ErrInvalid: http.StatusBadRequest, ErrNotFound: http.StatusNotFound, ErrConflict: http.StatusConflict}

func fault(kind error, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return fault(ErrInvalid, "Operation Failed", format, args...)
}

func notFound(what, id string) *Error {
	return fault(ErrNotFound, "Not Found", "%s %q not found", what, id)
}

func conflict(format string, args ...any) *Error {
	return fault(ErrConflict, "Operation Failed", format, args...)
}

// Network is a logical network: what oVirt's /networks holds. A network
// with the "vm" usage is bridged on hosts.
type Network struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	VLAN        int      `json:"vlan,omitempty"`
	MTU         int      `json:"mtu,omitempty"`
	Usages      []string `json:"usages"`
	Required    bool     `json:"required"`
}

// Bridged reports whether hosts carry the network on a bridge (a VM
// network).
func (n Network) Bridged() bool { return slices.Contains(n.Usages, "vm") }

// Options configure a Service.
type Options struct {
	// KeyPrefix is where logical networks live in the store ("ovirt/").
	KeyPrefix string
	// HostPrefix is the hostnet.Hosts prefix ("hostnet/").
	HostPrefix string
	// ApplyTimeout bounds the wait for a host to apply a change (30 s).
	ApplyTimeout time.Duration
	// Logger receives the service's own warnings (a stored network it
	// cannot read); nil: none.
	Logger *slog.Logger
}

// Service is oVirt's host networking as Go: logical networks in a store,
// and each host's networks as its desired hostnet.Config there, applied
// by the host's hostnet.Agent (in this process or another). A change
// returns once the host applied it; one the host could not apply is
// undone and returned as an error.
type Service struct {
	st    store.Store
	hosts hostnet.Hosts
	opts  Options

	mu    sync.Mutex
	rates map[string]rateSample // host/link → last counters, for current rates
}

type rateSample struct {
	at time.Time
	s  hostnet.Stats
}

// NewService returns the service over st.
func NewService(st store.Store, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("ovirt: a store is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "ovirt/"
	}
	if opts.ApplyTimeout <= 0 {
		opts.ApplyTimeout = 30 * time.Second
	}
	return &Service{st: st, hosts: hostnet.Hosts{Store: st, Prefix: opts.HostPrefix}, opts: opts, rates: map[string]rateSample{}}, nil
}

// stableID derives a UUID-shaped id from a name, so hosts, NICs and
// attachments keep their ids across restarts and processes.
func stableID(parts ...string) string {
	return uuid.FromName("netslice-ovirt", strings.Join(parts, "\x00"))
}

// Logical networks.

func (s *Service) netKey(id string) string    { return s.opts.KeyPrefix + "networks/" + id }
func (s *Service) nameKey(name string) string { return s.opts.KeyPrefix + "names/" + name }

func validNetwork(n Network) error {
	if err := hostnet.ValidName(n.Name); err != nil {
		return badRequest("network name %q: 1 to %d characters, no '/', ':' or spaces (it names a bridge on hosts)", n.Name, hostnet.MaxNameLen)
	}
	if n.VLAN < 0 || n.VLAN > 4094 {
		return badRequest("VLAN id %d: must be 1 to 4094", n.VLAN)
	}
	if n.MTU != 0 && (n.MTU < 68 || n.MTU > 65535) {
		return badRequest("MTU %d: must be 68 to 65535 (0: the default)", n.MTU)
	}
	for _, u := range n.Usages {
		switch u {
		case "vm", "management", "display", "migration", "gluster", "default_route":
		default:
			return badRequest("unknown network usage %q", u)
		}
	}
	if len(n.Description) > 4000 {
		return badRequest("description is longer than 4000 characters")
	}
	return nil
}

// CreateNetwork creates a logical network; its name is unique.
func (s *Service) CreateNetwork(ctx context.Context, n Network) (Network, error) {
	n.ID = uuid.New()
	if n.Usages == nil {
		n.Usages = []string{}
	}
	if err := validNetwork(n); err != nil {
		return n, err
	}
	b, _ := json.Marshal(n)
	_, err := s.st.Txn(ctx, []store.Cond{store.IfAbsent(s.nameKey(n.Name))},
		[]store.Op{store.PutOp(s.nameKey(n.Name), []byte(n.ID)), store.PutOp(s.netKey(n.ID), b)})
	if errors.Is(err, store.ErrConflict) {
		return n, conflict("a network named %q exists already", n.Name)
	}
	return n, err
}

// Networks returns every logical network, by name.
func (s *Service) Networks(ctx context.Context) ([]Network, error) {
	var out []Network
	for kv, err := range store.All(ctx, s.st, s.opts.KeyPrefix+"networks/") {
		if err != nil {
			return nil, err
		}
		var n Network
		if err := json.Unmarshal(kv.Value, &n); err != nil {
			// Not ours to repair, and one bad record must not hide the
			// others: skipped, and said.
			if s.opts.Logger != nil {
				s.opts.Logger.Warn("ovirt: a stored network cannot be read; it is left out", "key", kv.Key, "err", err)
			}
			continue
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Network returns a logical network by id or name.
func (s *Service) Network(ctx context.Context, idOrName string) (Network, int64, error) {
	kv, err := s.st.Get(ctx, s.netKey(idOrName))
	if errors.Is(err, store.ErrNotFound) {
		var id store.KV
		if id, err = s.st.Get(ctx, s.nameKey(idOrName)); err == nil {
			kv, err = s.st.Get(ctx, s.netKey(string(id.Value)))
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return Network{}, 0, notFound("network", idOrName)
	}
	if err != nil {
		return Network{}, 0, err
	}
	var n Network
	err = json.Unmarshal(kv.Value, &n)
	return n, kv.ModRevision, err
}

// UpdateNetwork changes a logical network; hosts carrying it get the
// change. A network attached to hosts keeps its name.
func (s *Service) UpdateNetwork(ctx context.Context, idOrName string, change func(*Network)) (Network, error) {
	old, rev, err := s.Network(ctx, idOrName)
	if err != nil {
		return old, err
	}
	n := old
	n.Usages = slices.Clone(old.Usages)
	change(&n)
	n.ID = old.ID
	if err := validNetwork(n); err != nil {
		return old, err
	}
	carriers, err := s.carriers(ctx, old.Name)
	if err != nil {
		return old, err
	}
	if n.Name != old.Name && len(carriers) > 0 {
		return old, conflict("network %s is attached to hosts (%s): detach it before renaming it", old.Name, strings.Join(carriers, ", "))
	}
	b, _ := json.Marshal(n)
	conds := []store.Cond{store.IfModRevision(s.netKey(n.ID), rev)}
	ops := []store.Op{store.PutOp(s.netKey(n.ID), b)}
	if n.Name != old.Name {
		conds = append(conds, store.IfAbsent(s.nameKey(n.Name)))
		ops = append(ops, store.DeleteOp(s.nameKey(old.Name)), store.PutOp(s.nameKey(n.Name), []byte(n.ID)))
	}
	if _, err := s.st.Txn(ctx, conds, ops); errors.Is(err, store.ErrConflict) {
		return old, conflict("network %s changed meanwhile, or the name %q is taken", old.Name, n.Name)
	} else if err != nil {
		return old, err
	}
	for _, host := range carriers {
		err := s.change(ctx, host, func(c *hostnet.Config) error {
			for i, hn := range c.Networks {
				if hn.Name == n.Name {
					c.Networks[i] = hostNetwork(n, hn.NIC, hn.External, hn.Addrs)
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("network %s changed, but host %s did not follow: %w", n.Name, host, err)
		}
	}
	return n, nil
}

// DeleteNetwork deletes a logical network no host carries.
func (s *Service) DeleteNetwork(ctx context.Context, idOrName string) error {
	n, rev, err := s.Network(ctx, idOrName)
	if err != nil {
		return err
	}
	carriers, err := s.carriers(ctx, n.Name)
	if err != nil {
		return err
	}
	if len(carriers) > 0 {
		return conflict("network %s is in use on hosts %s", n.Name, strings.Join(carriers, ", "))
	}
	_, err = s.st.Txn(ctx, []store.Cond{store.IfModRevision(s.netKey(n.ID), rev)},
		[]store.Op{store.DeleteOp(s.netKey(n.ID)), store.DeleteOp(s.nameKey(n.Name))})
	if errors.Is(err, store.ErrConflict) {
		return conflict("network %s changed meanwhile; try again", n.Name)
	}
	return err
}

// carriers are the hosts whose desired configuration has the network.
func (s *Service) carriers(ctx context.Context, name string) ([]string, error) {
	hosts, err := s.hosts.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range hosts {
		c, _, err := s.hosts.Desired(ctx, h)
		if err != nil {
			return nil, err
		}
		if _, ok := c.Network(name); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

func hostNetwork(n Network, nic string, external bool, addrs []netip.Prefix) hostnet.Network {
	return hostnet.Network{Name: n.Name, NIC: nic, VLAN: n.VLAN, MTU: n.MTU, Bridged: n.Bridged(), External: external, Addrs: addrs}
}

// Hosts.

// Host is a host whose agent reports to the store.
type Host struct {
	ID    string
	Name  string
	State hostnet.State
	Up    bool // reported within three intervals
}

// Hosts returns every host, by name.
func (s *Service) Hosts(ctx context.Context) ([]Host, error) {
	names, err := s.hosts.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Host
	for _, n := range names {
		h, err := s.Host(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Host returns a host by id or name.
func (s *Service) Host(ctx context.Context, idOrName string) (Host, error) {
	name := idOrName
	st, err := s.hosts.State(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		names, lerr := s.hosts.List(ctx)
		if lerr != nil {
			return Host{}, lerr
		}
		for _, n := range names {
			if stableID("host", n) == idOrName {
				name = n
				st, err = s.hosts.State(ctx, n)
			}
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return Host{}, notFound("host", idOrName)
	}
	if err != nil {
		return Host{}, err
	}
	interval := st.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	return Host{ID: stableID("host", name), Name: name, State: st, Up: time.Since(st.Updated) < 3*interval}, nil
}

// NIC is a host's NIC or bond, as oVirt lists them (VLAN devices and
// bridges are how networks are realized, not NICs).
type NIC struct {
	ID   string
	Link hostnet.Link
}

// NICs returns a host's NICs and bonds.
func (h Host) NICs() []NIC {
	var out []NIC
	for _, l := range h.State.Links {
		switch l.Kind {
		case hostnet.KindNIC, hostnet.KindDummy, hostnet.KindVeth, hostnet.KindBond:
			out = append(out, NIC{ID: stableID("nic", h.Name, l.Name), Link: l})
		}
	}
	return out
}

// NIC returns one NIC by id or name.
func (h Host) NIC(idOrName string) (NIC, error) {
	for _, n := range h.NICs() {
		if n.ID == idOrName || n.Link.Name == idOrName {
			return n, nil
		}
	}
	return NIC{}, notFound("host NIC", idOrName)
}

// Attachment is a network on a host: oVirt's network attachment (and the
// seed's network connection).
type Attachment struct {
	ID       string
	Network  Network
	NIC      string // "" NIC-less
	External bool
	Addrs    []netip.Prefix
	InSync   bool
	State    hostnet.NetworkState
}

// Attachments returns the networks a host carries (desired), with how
// each stands on the host.
func (s *Service) Attachments(ctx context.Context, h Host) ([]Attachment, error) {
	c, _, err := s.hosts.Desired(ctx, h.Name)
	if err != nil {
		return nil, err
	}
	states := map[string]hostnet.NetworkState{}
	for _, st := range h.State.Networks {
		states[st.Name] = st
	}
	var out []Attachment
	for _, hn := range c.Networks {
		n, _, err := s.Network(ctx, hn.Name)
		if err != nil {
			n = Network{ID: stableID("network", hn.Name), Name: hn.Name, VLAN: hn.VLAN, MTU: hn.MTU}
		}
		st, reported := states[hn.Name]
		a := Attachment{ID: stableID("attachment", h.Name, hn.Name), Network: n, NIC: hn.NIC, External: hn.External, Addrs: hn.Addrs, State: st}
		// In sync: the host has what was asked, and what was asked is the
		// logical network as it is defined now.
		a.InSync = reported && st.InSync && sameNetwork(hn, hostNetwork(n, hn.NIC, hn.External, hn.Addrs)) || hn.External
		if !reported && h.State.Revision == 0 {
			a.InSync = false
		}
		out = append(out, a)
	}
	return out, nil
}

func sameNetwork(a, b hostnet.Network) bool {
	return a.Name == b.Name && a.NIC == b.NIC && a.VLAN == b.VLAN && a.MTU == b.MTU && a.Bridged == b.Bridged &&
		a.External == b.External && slices.Equal(a.Addrs, b.Addrs)
}

// Attachment returns one attachment by id or network name/id.
func (s *Service) Attachment(ctx context.Context, h Host, id string) (Attachment, error) {
	as, err := s.Attachments(ctx, h)
	if err != nil {
		return Attachment{}, err
	}
	for _, a := range as {
		if a.ID == id || a.Network.ID == id || a.Network.Name == id {
			return a, nil
		}
	}
	return Attachment{}, notFound("network attachment", id)
}

// change edits a host's desired configuration, waits for the host to
// apply it, and when the host cannot, puts the configuration back and
// returns why.
func (s *Service) change(ctx context.Context, host string, edit func(*hostnet.Config) error) error {
	h, err := s.Host(ctx, host)
	if err != nil {
		return err
	}
	if h.State.ReadOnly {
		return conflict("host %s is read-only: this server may not change its interfaces (see -ovirt-hosts)", h.Name)
	}
	for attempt := 0; ; attempt++ {
		old, rev, err := s.hosts.Desired(ctx, h.Name)
		if err != nil {
			return err
		}
		next := hostnet.Config{Networks: slices.Clone(old.Networks), Bonds: slices.Clone(old.Bonds)}
		if err := edit(&next); err != nil {
			return err
		}
		if err := next.Validate(h.State.Links); err != nil {
			return badRequest("%v", strings.TrimPrefix(err.Error(), "hostnet: "))
		}
		newRev, err := s.hosts.SetDesired(ctx, h.Name, next, rev)
		if errors.Is(err, store.ErrConflict) && attempt < 10 {
			continue
		}
		if err != nil {
			return err
		}
		return s.await(ctx, h.Name, newRev, old)
	}
}

// await waits for the host to apply revision rev; on failure it restores
// old and returns the host's error.
func (s *Service) await(ctx context.Context, host string, rev int64, old hostnet.Config) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.ApplyTimeout)
	defer cancel()
	st, err := s.hosts.WaitApplied(wctx, host, rev)
	if err == nil && st.Error == "" {
		return nil
	}
	// Put the old configuration back (the host rolled back by itself).
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ApplyTimeout)
	defer rcancel()
	if back, rerr := s.hosts.SetDesired(rctx, host, old, rev); rerr == nil {
		s.hosts.WaitApplied(rctx, host, back)
	}
	if err != nil {
		return fault(ErrConflict, "Operation Failed", "host %s did not apply the change within %v; it was withdrawn", host, s.opts.ApplyTimeout)
	}
	return conflict("host %s could not apply the change, which was rolled back: %s", host, strings.TrimPrefix(st.Error, "hostnet: "))
}

// Attach attaches a logical network to a host, on nic ("" NIC-less);
// external networks are recorded only.
func (s *Service) Attach(ctx context.Context, host, network, nic string, external bool, addrs []netip.Prefix) (Attachment, error) {
	n, _, err := s.Network(ctx, network)
	if err != nil {
		return Attachment{}, err
	}
	h, err := s.Host(ctx, host)
	if err != nil {
		return Attachment{}, err
	}
	if nic != "" {
		nc, err := h.NIC(nic)
		if err != nil {
			return Attachment{}, err
		}
		nic = nc.Link.Name
	}
	err = s.change(ctx, h.Name, func(c *hostnet.Config) error {
		if _, ok := c.Network(n.Name); ok {
			return conflict("network %s is attached to host %s already", n.Name, h.Name)
		}
		c.Networks = append(c.Networks, hostNetwork(n, nic, external, addrs))
		return nil
	})
	if err != nil {
		return Attachment{}, err
	}
	h, _ = s.Host(ctx, h.Name)
	return s.Attachment(ctx, h, n.Name)
}

// Detach removes a network from a host.
func (s *Service) Detach(ctx context.Context, host, network string) error {
	h, err := s.Host(ctx, host)
	if err != nil {
		return err
	}
	a, err := s.Attachment(ctx, h, network)
	if err != nil {
		return err
	}
	return s.change(ctx, h.Name, func(c *hostnet.Config) error {
		c.Networks = slices.DeleteFunc(c.Networks, func(x hostnet.Network) bool { return x.Name == a.Network.Name })
		return nil
	})
}

// UpdateAttachment moves an attached network to another NIC, or changes
// whether it is external and its addresses.
func (s *Service) UpdateAttachment(ctx context.Context, host, id string, change func(*Attachment)) (Attachment, error) {
	h, err := s.Host(ctx, host)
	if err != nil {
		return Attachment{}, err
	}
	a, err := s.Attachment(ctx, h, id)
	if err != nil {
		return a, err
	}
	next := a
	change(&next)
	if next.NIC != "" {
		nc, err := h.NIC(next.NIC)
		if err != nil {
			return a, err
		}
		next.NIC = nc.Link.Name
	}
	err = s.change(ctx, h.Name, func(c *hostnet.Config) error {
		for i, x := range c.Networks {
			if x.Name == a.Network.Name {
				c.Networks[i] = hostNetwork(a.Network, next.NIC, next.External, next.Addrs)
			}
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	h, _ = s.Host(ctx, h.Name)
	return s.Attachment(ctx, h, a.Network.Name)
}

// Setup is a setupnetworks request: attachments added or changed (by
// network), removed, bonds added or changed, removed; applied as one
// change. With CheckConnectivity, the host must report every network in
// sync within ConnectivityTimeout, else the change is rolled back.
type Setup struct {
	Modified            []Attachment
	Removed             []string // networks, by id or name
	ModifiedBonds       []hostnet.Bond
	RemovedBonds        []string
	CheckConnectivity   bool
	ConnectivityTimeout time.Duration
}

// SetupNetworks applies a Setup to a host, all or nothing.
func (s *Service) SetupNetworks(ctx context.Context, host string, req Setup) error {
	h, err := s.Host(ctx, host)
	if err != nil {
		return err
	}
	type mod struct {
		n Network
		a Attachment
	}
	var mods []mod
	for _, a := range req.Modified {
		n, _, err := s.Network(ctx, a.Network.Name)
		if err != nil && a.Network.ID != "" {
			n, _, err = s.Network(ctx, a.Network.ID)
		}
		if err != nil {
			return err
		}
		if a.NIC != "" {
			nc, err := h.NIC(a.NIC)
			if err != nil {
				if !slices.ContainsFunc(req.ModifiedBonds, func(b hostnet.Bond) bool { return b.Name == a.NIC }) {
					return err
				}
			} else {
				a.NIC = nc.Link.Name
			}
		}
		mods = append(mods, mod{n, a})
	}
	var removed []string
	for _, r := range req.Removed {
		a, err := s.Attachment(ctx, h, r)
		if err != nil {
			return err
		}
		removed = append(removed, a.Network.Name)
	}
	var old hostnet.Config
	err = s.change(ctx, h.Name, func(c *hostnet.Config) error {
		old = hostnet.Config{Networks: slices.Clone(c.Networks), Bonds: slices.Clone(c.Bonds)}
		c.Networks = slices.DeleteFunc(c.Networks, func(x hostnet.Network) bool { return slices.Contains(removed, x.Name) })
		c.Bonds = slices.DeleteFunc(c.Bonds, func(b hostnet.Bond) bool { return slices.Contains(req.RemovedBonds, b.Name) })
		for _, b := range req.ModifiedBonds {
			c.Bonds = slices.DeleteFunc(c.Bonds, func(x hostnet.Bond) bool { return x.Name == b.Name })
			c.Bonds = append(c.Bonds, b)
		}
		for _, m := range mods {
			c.Networks = slices.DeleteFunc(c.Networks, func(x hostnet.Network) bool { return x.Name == m.n.Name })
			c.Networks = append(c.Networks, hostNetwork(m.n, m.a.NIC, m.a.External, m.a.Addrs))
		}
		return nil
	})
	if err != nil || !req.CheckConnectivity {
		return err
	}
	timeout := req.ConnectivityTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		h, err := s.Host(ctx, h.Name)
		if err == nil && allInSync(h.State.Networks) {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Not connected as configured: back to how it was.
	if err := s.change(ctx, h.Name, func(c *hostnet.Config) error { *c = old; return nil }); err != nil {
		return fmt.Errorf("connectivity check failed, and rolling back failed too: %w", err)
	}
	return conflict("host %s did not have every network in sync within %v; the change was rolled back", h.Name, timeout)
}

func allInSync(st []hostnet.NetworkState) bool {
	for _, s := range st {
		if !s.InSync {
			return false
		}
	}
	return true
}

// CommitNetConfig records the host's configuration as its committed
// one. Changes here are durable once applied (the desired configuration
// is in the store), so this is a marker kept for oVirt's tooling.
func (s *Service) CommitNetConfig(ctx context.Context, host string) error {
	h, err := s.Host(ctx, host)
	if err != nil {
		return err
	}
	c, _, err := s.hosts.Desired(ctx, h.Name)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(c)
	_, err = s.st.Put(ctx, s.opts.KeyPrefix+"committed/"+h.Name, b)
	return err
}

// Statistic is one of oVirt's: a name, what it measures and its value.
type Statistic struct {
	Name, Description, Kind, Unit string
	Value                         float64
}

// Statistics returns a link's statistics as oVirt names them: current
// rates (over the time since the last request) and totals.
func (s *Service) Statistics(h Host, link string) []Statistic {
	st := h.State.Stats[link]
	key := h.Name + "/" + link
	s.mu.Lock()
	prev, ok := s.rates[key]
	now := h.State.Updated
	if !ok || !now.After(prev.at) {
		if !ok {
			s.rates[key] = rateSample{at: now, s: st}
		}
	} else {
		s.rates[key] = rateSample{at: now, s: st}
	}
	s.mu.Unlock()
	rx, tx := 0.0, 0.0
	if ok && now.After(prev.at) {
		dt := now.Sub(prev.at).Seconds()
		rx = float64(st.RxBytes-prev.s.RxBytes) / dt
		tx = float64(st.TxBytes-prev.s.TxBytes) / dt
	}
	return []Statistic{
		{"data.current.rx", "Receive data rate", "gauge", "bytes_per_second", rx},
		{"data.current.tx", "Transmit data rate", "gauge", "bytes_per_second", tx},
		{"data.total.rx", "Total received data", "counter", "bytes", float64(st.RxBytes)},
		{"data.total.tx", "Total transmitted data", "counter", "bytes", float64(st.TxBytes)},
		{"errors.total.rx", "Total received errors", "counter", "none", float64(st.RxErrors)},
		{"errors.total.tx", "Total transmitted errors", "counter", "none", float64(st.TxErrors)},
	}
}
