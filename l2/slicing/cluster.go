package slicing

// Several controllers on the same switches: one master, the others slaves
// that learn from what the switches send and take over when told to,
// reconciling each switch's flows with what the app would have installed
// instead of clearing them.

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/of13"
)

// SwitchRole is the app's role on one switch.
type SwitchRole struct {
	Datapath l2.DatapathID
	// Role is what the switch granted last: RoleMaster when the app
	// drives it, RoleSlave when it stands by, RoleEqual before either
	// (and always without Options.Standby).
	Role openflow.Role
	// Generation is the mastership's generation id the role was asked
	// with.
	Generation uint64
	// Since is when the switch granted the role.
	Since time.Time
	// Reconciled is what the takeover of the switch found and did, for a
	// master.
	Reconciled Reconciled
}

// Reconciled is what a takeover did to a switch's flows: it kept the
// flows that were right (forwarding flows of slices that exist, adopted
// so that later changes delete them; the table miss and filter flows as
// they should be), deleted the others of the app's and added what was
// missing. Flows that are not the app's (another cookie) are left alone.
type Reconciled struct {
	Kept    int           `json:"kept"`
	Deleted int           `json:"deleted"`
	Added   int           `json:"added"`
	Took    time.Duration `json:"took_ns"`
}

// roleTimeout bounds a role request and a takeover's reads.
const roleTimeout = 10 * time.Second

// asyncConfig asks, in both roles, for packet-ins (no match, action),
// every port status, and as master the flow removals: a slave learns what
// the master learns.
var asyncConfig = of13.AsyncConfig{PacketInMask: [2]uint32{3, 3}, PortStatusMask: [2]uint32{7, 7}, FlowRemovedMask: [2]uint32{0xf, 0}}

// cluster is the app's standing among controllers sharing the switches.
type cluster struct {
	mu         sync.Mutex // serializes role changes
	master     bool
	generation uint64
	// demotions counts the calls to SetRole(false), made before they
	// wait for mu: a takeover in progress does not start forwarding
	// once one came.
	demotions atomic.Uint64
}

// SetRole tells an app made with Options.Standby whether it is the master
// of the switches, and the generation id of the current mastership (its
// own, or the other master's that it learned). It asks every connected
// switch for the role (and every switch that connects later). As master
// it takes each switch over: it reads the switch's flows, reconciles them
// (see Reconciled) and only then forwards, discovers links and answers
// for the switch. As slave it stops writing to the switches at once, and
// goes on learning MACs and links from the packet-ins every controller
// receives.
//
// A switch that refuses the generation as stale (another master took
// over since) is left as a slave. SetRole returns once every switch
// answered or failed; the errors are joined. Options.RoleChanged hears of
// each role granted.
func (a *App) SetRole(master bool, generation uint64) error {
	if !master {
		// Stop writing before anything else: a lost mastership must not
		// wait on a switch, nor on a takeover in progress.
		a.cl.demotions.Add(1)
		for _, s := range a.switchList() {
			s.active.Store(false)
		}
	}
	a.cl.mu.Lock()
	defer a.cl.mu.Unlock()
	a.cl.master, a.cl.generation = master, generation
	ss := a.switchList()
	if !master {
		var errs []error
		for _, s := range ss {
			errs = append(errs, a.becomeSlave(s, generation))
		}
		return errors.Join(errs...)
	}
	return a.takeOver(ss, generation)
}

// Roles returns the app's role on every connected switch, by datapath id.
func (a *App) Roles() []SwitchRole {
	var out []SwitchRole
	for _, s := range a.switchList() {
		s.roleMu.Lock()
		out = append(out, s.role)
		s.roleMu.Unlock()
	}
	slices.SortFunc(out, func(x, y SwitchRole) int { return cmp.Compare(x.Datapath, y.Datapath) })
	return out
}

// joinSwitch gives a switch that connected to a standby app its role:
// slave, or master and taken over.
func (a *App) joinSwitch(s *swState) {
	ctx, cancel := context.WithTimeout(context.Background(), roleTimeout)
	defer cancel()
	if err := s.sw.SetAsync(ctx, asyncConfig); err != nil {
		a.log.Warn("switch refused the async configuration: as slave it will not tell what it sees", "dpid", dpString(s), "err", err)
	}
	a.cl.mu.Lock()
	defer a.cl.mu.Unlock()
	if a.switchState(l2.DatapathID(s.sw.DatapathID())) != s {
		return // gone, or replaced, meanwhile
	}
	var err error
	if a.cl.master {
		err = a.takeOver([]*swState{s}, a.cl.generation)
	} else {
		err = a.becomeSlave(s, a.cl.generation)
	}
	if err != nil {
		a.log.Warn("switch role", "dpid", dpString(s), "err", err)
	}
}

func dpString(s *swState) string { return l2.DatapathID(s.sw.DatapathID()).String() }

func (a *App) granted(s *swState, role openflow.Role, gen uint64, rec Reconciled) {
	r := SwitchRole{Datapath: l2.DatapathID(s.sw.DatapathID()), Role: role, Generation: gen, Since: time.Now(), Reconciled: rec}
	s.roleMu.Lock()
	s.role = r
	s.roleMu.Unlock()
	if a.opts.RoleChanged != nil {
		a.opts.RoleChanged(r)
	}
}

func (a *App) becomeSlave(s *swState, gen uint64) error {
	s.active.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), roleTimeout)
	defer cancel()
	if err := s.sw.SetRole(ctx, openflow.RoleSlave, gen); err != nil {
		return err
	}
	a.granted(s, openflow.RoleSlave, gen, Reconciled{})
	return nil
}

// takeOver makes the app master of the switches with generation gen,
// reconciles their flows and starts forwarding for them. The caller holds
// a.cl.mu.
func (a *App) takeOver(ss []*swState, gen uint64) error {
	demotions := a.cl.demotions.Load()
	still := func() bool { return a.cl.demotions.Load() == demotions }
	ctx, cancel := context.WithTimeout(context.Background(), roleTimeout)
	defer cancel()
	var errs []error
	var won []*swState
	for _, s := range ss {
		if err := s.sw.SetRole(ctx, openflow.RoleMaster, gen); err != nil {
			errs = append(errs, err)
			continue
		}
		won = append(won, s)
	}
	recs, err := a.reconcile(ctx, won, still)
	if err != nil {
		errs = append(errs, err)
	}
	for _, s := range won {
		rec, ok := recs[s]
		if !ok || !still() {
			continue
		}
		a.granted(s, openflow.RoleMaster, gen, rec)
		a.log.Info("switch taken over", "dpid", dpString(s), "generation", gen, "kept", rec.Kept,
			"deleted", rec.Deleted, "added", rec.Added, "took", rec.Took)
		a.discoverOn(s)
	}
	a.portsChanged()
	return errors.Join(errs...)
}

// learnOnly is a standby app's packet-in: it learns the source and the
// links, and does nothing else.
func (a *App) learnOnly(port l2.PortRef, f *l2.Frame, data []byte) {
	if f.EtherType == etherTypeLLDP {
		a.lldpIn(port, data)
		return
	}
	if a.topo.IsLinkPort(port) {
		return
	}
	a.fabric.Decide(l2.Location{Datapath: port.Datapath, Port: port.Port, VLAN: f.VLAN}, f.Src, f.Dst)
}
