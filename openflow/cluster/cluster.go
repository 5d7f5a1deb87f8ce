// Package cluster lets several controllers share the same switches
// through etcd: one of them is master of the switches and drives them,
// the others stand by as slaves and one takes over within about a lease
// time when the master dies, loses etcd or steps down.
//
// Mastership is one election per cluster id (etcd's concurrency package:
// a lease per server, the lowest key under the election's prefix wins),
// not one per switch. A cluster id is a partition of switches: every
// switch of it has the same master. That is what the slicing app needs —
// it installs a path's flows on every switch of the path from one
// packet-in, and chooses one transport VLAN per slice for all of them —
// and it keeps etcd's load to one lease and one key per server whatever
// the number of switches. Switches that need no common paths may be split
// into several cluster ids, each with a master of its own.
//
// The generation id of a mastership is the create revision of the
// winner's election key: etcd makes it larger for every later winner, so
// switches (OpenFlow 1.3) refuse the role requests of a master that lost
// its lease without knowing. A master stops writing on its own a quarter
// of a lease before its lease can have expired at etcd when its renewals
// stop coming back, so it never writes beside its successor.
//
// The slaves watch the master directly too (Options.Addr): when its
// process dies or hangs they revoke its lease, and the next server takes
// over in milliseconds instead of a lease time; a master cut off etcd,
// once it has stopped writing, closes their connections to the same end.
//
// Which server is master of each switch, and since when, is kept in etcd
// as well (Publish), so every server of the cluster reports the same
// (Status).
//
//	cl, err := cluster.New(client, cluster.Options{ID: "dc1", Name: "ctl-1:6653"})
//	secret, err := cl.Secret(ctx) // the LLDP key every server shares
//	app, err := slicing.New(l2.Options{}, slicing.Options{Standby: true, LLDPSecret: secret,
//		RoleChanged: func(r slicing.SwitchRole) { cl.Publish(...) }})
//	go cl.Run(ctx, app)
package cluster

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Member is what the cluster drives: a controller application that can
// be master of the switches or stand by (slicing.App).
type Member interface {
	// SetRole makes the member master of the switches (master) or a
	// slave, under the mastership of generation.
	SetRole(master bool, generation uint64) error
}

// Options configure a Cluster.
type Options struct {
	// ID names the cluster: the servers with the same ID share the same
	// switches and elect one master (default "default").
	ID string
	// Name is this server as the others report it, e.g. the address its
	// switches connect to. Required.
	Name string
	// Addr is where the other servers reach this one ("host:port"; port
	// 0 for any): Run listens there, and while this server is master the
	// others hold a connection to it, on which it beats ten times a lease.
	// When the connection breaks — the process died, its kernel closed
	// its sockets — or the beats stop for half a lease — the process
	// hangs — they revoke its lease at once instead of waiting for etcd
	// to expire it. Empty: they wait.
	Addr string
	// Lease is the mastership lease: how long after a master dies
	// another takes over (default 1 s). etcd counts whole seconds, at
	// least 1, and raises a lease shorter than its own minimum (one and
	// a half election timeouts): give etcd an election timeout of 500 ms
	// or less for leases of a second.
	Lease time.Duration
	// Connected, when set, returns the switches connected to this server
	// (openflow.Controller.Switches' datapath ids). Every server publishes
	// them, and a master steps down for another server that has reached a
	// strict superset of its switches for SwitchGrace — so a master that
	// lost its connection to a switch the others still reach hands the
	// switches over.
	Connected func() []uint64
	// SwitchGrace is how long a switch may be away from the master while
	// another server reaches it (default 3 s: a switch that reconnects
	// within it costs no handover).
	SwitchGrace time.Duration
	// Prefix of the cluster's keys in etcd (default "/netslice/cluster/").
	Prefix string
	// Logger receives the cluster's events; nil discards them.
	Logger *slog.Logger
}

// Cluster is this server's membership of a cluster. Create it with New,
// run it with Run.
type Cluster struct {
	cli  *clientv3.Client
	opts Options
	ttl  int // the lease in seconds
	log  *slog.Logger
	pfx  string // Prefix + ID + "/"

	mu       sync.Mutex
	status   Status
	switches map[uint64]SwitchMaster
	lease    clientv3.LeaseID  // this term's, 0 between terms
	addr     string            // where Run listens
	watchers map[net.Conn]bool // the other servers' connections to Addr
}

// Status is how the cluster stands, as this server sees it.
type Status struct {
	ID   string `json:"id"`
	Name string `json:"name"` // this server
	// Master is the server that is master, empty when none is.
	Master     string `json:"master"`
	MasterAddr string `json:"master_addr,omitempty"`
	Generation uint64 `json:"generation,omitempty"`
	// IsMaster says whether this server is master.
	IsMaster bool `json:"is_master"`
	// Since is when the current master was elected.
	Since time.Time `json:"since,omitzero"`
	// Connected says whether this server holds a live lease in etcd.
	Connected bool `json:"connected"`
	// Switches are each switch's master, as the masters published them.
	Switches []SwitchMaster `json:"switches"`
}

// SwitchMaster is the master of one switch.
type SwitchMaster struct {
	Datapath   uint64    `json:"dpid"`
	Master     string    `json:"master"`
	Generation uint64    `json:"generation"`
	Since      time.Time `json:"since"`
}

// ErrNotMaster is returned by Publish when this server is not the master.
var ErrNotMaster = errors.New("cluster: not the master")

// New returns this server's membership of the cluster opts.ID on cli.
func New(cli *clientv3.Client, opts Options) (*Cluster, error) {
	if opts.Name == "" {
		return nil, errors.New("cluster: a Name is required: how the other servers report this one")
	}
	if opts.ID == "" {
		opts.ID = "default"
	}
	if strings.Contains(opts.ID, "/") {
		return nil, fmt.Errorf("cluster: ID %q: no slashes", opts.ID)
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Second
	}
	if opts.Prefix == "" {
		opts.Prefix = "/netslice/cluster/"
	}
	if opts.SwitchGrace <= 0 {
		opts.SwitchGrace = 3 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ttl := max(1, int((opts.Lease+time.Second-1)/time.Second))
	c := &Cluster{cli: cli, opts: opts, ttl: ttl, log: log, pfx: opts.Prefix + opts.ID + "/",
		switches: map[uint64]SwitchMaster{}, watchers: map[net.Conn]bool{}}
	c.status = Status{ID: opts.ID, Name: opts.Name}
	return c, nil
}

// Secret returns the key the cluster's servers share for authenticating
// link discovery (slicing.Options.LLDPSecret): the first server to ask
// makes it.
func (c *Cluster) Secret(ctx context.Context) ([]byte, error) {
	key := c.pfx + "lldp-secret"
	fresh := make([]byte, 32)
	rand.Read(fresh)
	resp, err := c.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(fresh))).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return nil, fmt.Errorf("cluster: the shared secret: %w", err)
	}
	if resp.Succeeded {
		return fresh, nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return nil, errors.New("cluster: the shared secret vanished")
	}
	return kvs[0].Value, nil
}

// Status returns how the cluster stands.
func (c *Cluster) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.status
	st.Switches = make([]SwitchMaster, 0, len(c.switches))
	for _, sm := range c.switches {
		st.Switches = append(st.Switches, sm)
	}
	slices.SortFunc(st.Switches, func(a, b SwitchMaster) int { return cmp.Compare(a.Datapath, b.Datapath) })
	return st
}

// Publish records that this server became master of the switch dpid with
// generation, since then, for every server's Status. Only the master
// whose generation it is may publish; the record goes when its lease
// does.
func (c *Cluster) Publish(ctx context.Context, dpid, generation uint64, since time.Time) error {
	c.mu.Lock()
	lease := c.lease
	c.mu.Unlock()
	if lease == 0 {
		return ErrNotMaster
	}
	// The election key is this lease's (as concurrency.Election names
	// it); while it exists with the generation's revision, it is the
	// lowest, the master's.
	v, _ := json.Marshal(SwitchMaster{Datapath: dpid, Master: c.opts.Name, Generation: generation, Since: since.UTC()})
	resp, err := c.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(c.electionKey(lease)), "=", int64(generation))).
		Then(clientv3.OpPut(c.switchKey(dpid), string(v), clientv3.WithLease(lease))).Commit()
	if err != nil {
		return err
	}
	if !resp.Succeeded {
		return ErrNotMaster
	}
	return nil
}

func (c *Cluster) electionKey(lease clientv3.LeaseID) string {
	return fmt.Sprintf("%smaster/%x", c.pfx, int64(lease))
}

func (c *Cluster) switchKey(dpid uint64) string {
	return c.pfx + "switches/" + fmt.Sprintf("%016x", dpid)
}

// Run takes part in the cluster until ctx ends: it keeps a lease, stands
// for master, and tells m its role each time it changes. When etcd cannot
// be reached it makes m a slave before its lease can expire, and stands
// again once etcd is back. When ctx ends it steps down, so another server
// takes over at once. It returns ctx's error, or at once the error of
// listening on Options.Addr.
func (c *Cluster) Run(ctx context.Context, m Member) error {
	if err := c.listen(ctx); err != nil {
		return err
	}
	go c.watchSwitches(ctx)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := c.term(ctx, m)
		if ctx.Err() != nil {
			break
		}
		c.log.Warn("cluster: membership lost; standing again", "err", err)
		if time.Since(start) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
	return ctx.Err()
}

// role is what the member was told last.
type role struct {
	master     bool
	generation uint64
	told       bool
}

// term is one lease's life: campaign, observe, and tell m.
func (c *Cluster) term(ctx context.Context, m Member) error {
	lease, err := c.cli.Grant(ctx, int64(c.ttl))
	if err != nil {
		return fmt.Errorf("grant a lease: %w", err)
	}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Our own view of the renewals, to stop before the lease can expire.
	renewals, err := c.cli.KeepAlive(tctx, lease.ID)
	if err != nil {
		return fmt.Errorf("keep the lease alive: %w", err)
	}
	session, err := concurrency.NewSession(c.cli, concurrency.WithLease(lease.ID), concurrency.WithContext(tctx))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	election := concurrency.NewElection(session, c.pfx+"master")
	c.mu.Lock()
	c.lease = lease.ID
	c.status.Connected = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.lease = 0
		c.status.Connected, c.status.IsMaster = false, false
		c.mu.Unlock()
	}()

	var mu sync.Mutex // serializes what m is told
	var last role
	lastGeneration := func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		return last.generation
	}
	tell := func(master bool, gen uint64) {
		mu.Lock()
		defer mu.Unlock()
		if last.told && last.master == master && last.generation == gen {
			return
		}
		last = role{master, gen, true}
		c.mu.Lock()
		c.status.IsMaster = master
		c.mu.Unlock()
		if err := m.SetRole(master, gen); err != nil {
			c.log.Warn("cluster: role", "master", master, "generation", gen, "err", err)
		}
	}

	// abandon ends the term's mastership: stop writing first, then let
	// the servers watching this one know — they revoke its lease when
	// their connections break, and one takes over now.
	abandon := func() {
		tell(false, lastGeneration())
		c.mu.Lock()
		c.status.Connected = false
		watchers := c.watchers
		c.watchers = map[net.Conn]bool{}
		c.mu.Unlock()
		for conn := range watchers {
			conn.Close()
		}
	}
	lost := make(chan error, 2)
	go c.watchdog(tctx, renewals, func(err error) {
		abandon()
		lost <- err
	})
	c.mu.Lock()
	me, _ := json.Marshal(candidate{Name: c.opts.Name, Addr: c.addr})
	c.mu.Unlock()
	// The campaign: stand, and stand again at the back after stepping
	// down for a server that reaches more switches. Only this goroutine
	// touches the election.
	stepDown := make(chan struct{}, 1)
	go func() {
		for {
			if err := election.Campaign(tctx, string(me)); err != nil {
				if tctx.Err() == nil {
					lost <- fmt.Errorf("campaign: %w", err)
				}
				return
			}
			select {
			case <-tctx.Done():
				return
			case <-stepDown:
			}
			if err := election.Resign(tctx); err != nil {
				if tctx.Err() == nil {
					lost <- fmt.Errorf("step down: %w", err)
				}
				return
			}
		}
	}()
	if c.opts.Connected != nil {
		go c.publishSwitches(tctx, lease.ID)
		go c.checkCoverage(tctx, lease.ID, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return last.master
		}, func() {
			select {
			case stepDown <- struct{}{}:
			default:
			}
		})
	}
	leaders := election.Observe(tctx)
	var stopWatch context.CancelFunc
	defer func() {
		if stopWatch != nil {
			stopWatch()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			// Step down: another takes over at once.
			tell(false, lastGeneration())
			rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
			c.cli.Revoke(rctx, lease.ID) // its keys go: the election's, the switches' records
			rcancel()
			return ctx.Err()
		case err := <-lost:
			abandon()
			cancel()
			rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
			c.cli.Revoke(rctx, lease.ID) // if etcd hears it: the others need not wait
			rcancel()
			return err
		case resp, ok := <-leaders:
			if !ok {
				abandon()
				rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
				c.cli.Revoke(rctx, lease.ID)
				rcancel()
				return errors.New("observing the election ended")
			}
			if len(resp.Kvs) == 0 {
				continue
			}
			kv := resp.Kvs[0]
			gen := uint64(kv.CreateRevision)
			mine := kv.Lease == int64(lease.ID)
			var who candidate
			if json.Unmarshal(kv.Value, &who) != nil {
				who.Name = string(kv.Value)
			}
			c.mu.Lock()
			if c.status.Generation != gen {
				c.status.Since = time.Now()
			}
			c.status.Master, c.status.MasterAddr, c.status.Generation = who.Name, who.Addr, gen
			c.mu.Unlock()
			if mine {
				c.log.Info("cluster: master", "generation", gen)
			} else {
				c.log.Info("cluster: slave", "master", who.Name, "generation", gen)
			}
			tell(mine, gen)
			if stopWatch != nil {
				stopWatch()
				stopWatch = nil
			}
			if !mine && who.Addr != "" {
				stopWatch = c.startWatch(tctx, who, clientv3.LeaseID(kv.Lease))
			}
		}
	}
}

// member is what a server publishes of itself under its lease: the
// switches connected to it.
type member struct {
	Name     string   `json:"name"`
	Switches []uint64 `json:"switches"`
}

func (c *Cluster) memberKey(lease clientv3.LeaseID) string {
	return fmt.Sprintf("%smembers/%x", c.pfx, int64(lease))
}

// connected returns Options.Connected's switches, sorted.
func (c *Cluster) connected() []uint64 {
	sw := slices.Clone(c.opts.Connected())
	slices.Sort(sw)
	return slices.Compact(sw)
}

// publishSwitches keeps this server's connected switches in etcd, under
// its lease, until ctx ends.
func (c *Cluster) publishSwitches(ctx context.Context, lease clientv3.LeaseID) {
	tick := time.NewTicker(coverageInterval)
	defer tick.Stop()
	var published []uint64
	first := true
	for {
		if sw := c.connected(); first || !slices.Equal(sw, published) {
			v, _ := json.Marshal(member{Name: c.opts.Name, Switches: sw})
			pctx, cancel := context.WithTimeout(ctx, time.Duration(c.ttl)*time.Second)
			_, err := c.cli.Put(pctx, c.memberKey(lease), string(v), clientv3.WithLease(lease))
			cancel()
			if err == nil {
				published, first = sw, false
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// coverageInterval is how often a server publishes its switches and the
// master compares them with the others'.
const coverageInterval = 250 * time.Millisecond

// checkCoverage, while master() says this server is master, steps down
// (stepDown) once another server has reached a strict superset of its
// switches for SwitchGrace: the switches this one lost are not left
// without a master. The server stands again at the back; a server that
// reaches every switch any server reaches never steps down, so mastership
// settles there.
func (c *Cluster) checkCoverage(ctx context.Context, lease clientv3.LeaseID, master func() bool, stepDown func()) {
	tick := time.NewTicker(coverageInterval)
	defer tick.Stop()
	var worseSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !master() {
			worseSince = time.Time{}
			continue
		}
		gctx, cancel := context.WithTimeout(ctx, time.Duration(c.ttl)*time.Second)
		resp, err := c.cli.Get(gctx, c.pfx+"members/", clientv3.WithPrefix())
		cancel()
		if err != nil {
			continue
		}
		mine := c.connected()
		var better *member
		for _, kv := range resp.Kvs {
			var m member
			if string(kv.Key) == c.memberKey(lease) || json.Unmarshal(kv.Value, &m) != nil {
				continue
			}
			if len(m.Switches) > len(mine) && !slices.ContainsFunc(mine, func(dp uint64) bool { _, ok := slices.BinarySearch(m.Switches, dp); return !ok }) {
				better = &m
				break
			}
		}
		switch {
		case better == nil:
			worseSince = time.Time{}
		case worseSince.IsZero():
			worseSince = time.Now()
		case time.Since(worseSince) >= c.opts.SwitchGrace:
			c.log.Warn("cluster: another server reaches switches this master does not: stepping down",
				"other", better.Name, "its", len(better.Switches), "mine", len(mine))
			worseSince = time.Time{}
			stepDown()
		}
	}
}

// candidate is what a server stands with: the election key's value.
type candidate struct {
	Name string `json:"name"`
	Addr string `json:"addr,omitempty"`
}

func (c *Cluster) startWatch(ctx context.Context, master candidate, lease clientv3.LeaseID) context.CancelFunc {
	ctx, cancel := context.WithCancel(ctx)
	go c.watchMaster(ctx, master, lease)
	return cancel
}

// watchMaster holds a connection to the master's address until ctx ends.
// The master writes a byte on it every tenth of a lease. When the
// connection breaks, the master's process is gone; when nothing comes for
// half a lease, it hangs (stopped, or starved). Either way its lease is
// revoked so that the next server takes over now rather than when the
// lease expires at etcd (a lease and up to half a second more). A master
// that cannot be reached at all is left to its lease: a wrong address
// must not depose every master.
func (c *Cluster) watchMaster(ctx context.Context, master candidate, lease clientv3.LeaseID) {
	ttl := time.Duration(c.ttl) * time.Second
	d := net.Dialer{Timeout: ttl}
	conn, err := d.DialContext(ctx, "tcp", master.Addr)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Info("cluster: the master's address does not answer; its death will take a lease to notice", "master", master.Name, "err", err)
		}
		return
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	var b [64]byte
	for {
		conn.SetReadDeadline(time.Now().Add(ttl / 2))
		if _, err = conn.Read(b[:]); err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return
	}
	c.revoke(ctx, master, lease, err)
}

func (c *Cluster) revoke(ctx context.Context, master candidate, lease clientv3.LeaseID, why error) {
	c.log.Warn("cluster: the master's process is gone: revoking its lease", "master", master.Name, "err", why)
	rctx, cancel := context.WithTimeout(ctx, time.Duration(c.ttl)*time.Second)
	defer cancel()
	if _, err := c.cli.Revoke(rctx, lease); err != nil && ctx.Err() == nil {
		c.log.Info("cluster: revoking the master's lease", "err", err)
	}
}

// listen accepts the other servers' connections on Addr and holds them
// open until ctx ends: they are how the others learn at once that this
// process is gone.
func (c *Cluster) listen(ctx context.Context) error {
	if c.opts.Addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", c.opts.Addr)
	if err != nil {
		return fmt.Errorf("cluster: listen on %s: %w", c.opts.Addr, err)
	}
	c.mu.Lock()
	c.addr = l.Addr().String() // the port, when Addr left it to the system
	c.mu.Unlock()
	context.AfterFunc(ctx, func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			go func() {
				stop := context.AfterFunc(ctx, func() { conn.Close() })
				defer stop()
				c.mu.Lock()
				c.watchers[conn] = true
				c.mu.Unlock()
				go c.heartbeat(conn)
				io.Copy(io.Discard, conn) // until the peer goes or ctx ends
				conn.Close()
				c.mu.Lock()
				delete(c.watchers, conn)
				c.mu.Unlock()
			}()
		}
	}()
	return nil
}

// heartbeat writes a byte to a server watching this one every tenth of
// a lease, until the connection ends.
func (c *Cluster) heartbeat(conn net.Conn) {
	ttl := time.Duration(c.ttl) * time.Second
	tick := time.NewTicker(ttl / 10)
	defer tick.Stop()
	for range tick.C {
		conn.SetWriteDeadline(time.Now().Add(ttl))
		if _, err := conn.Write([]byte{0}); err != nil {
			return
		}
	}
}

// watchdog calls lost once the lease's renewals have stopped for so long
// that etcd may expire it within a quarter of its time, or the renewals
// end.
func (c *Cluster) watchdog(ctx context.Context, renewals <-chan *clientv3.LeaseKeepAliveResponse, lost func(error)) {
	ttl := time.Duration(c.ttl) * time.Second
	limit := ttl - ttl/4
	tick := time.NewTicker(ttl / 20)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case r, ok := <-renewals:
			if !ok {
				if ctx.Err() == nil {
					lost(errors.New("the lease expired"))
				}
				return
			}
			if r.TTL <= 0 {
				lost(errors.New("the lease is gone"))
				return
			}
			last = time.Now()
		case now := <-tick.C:
			if now.Sub(last) > limit {
				lost(fmt.Errorf("no lease renewal for %v", now.Sub(last).Round(time.Millisecond)))
				return
			}
		}
	}
}

// watchSwitches keeps the switches' masters as published, until ctx
// ends.
func (c *Cluster) watchSwitches(ctx context.Context) {
	prefix := c.pfx + "switches/"
	for ctx.Err() == nil {
		resp, err := c.cli.Get(ctx, prefix, clientv3.WithPrefix())
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		c.mu.Lock()
		clear(c.switches)
		for _, kv := range resp.Kvs {
			c.putSwitch(string(kv.Key), kv.Value)
		}
		c.mu.Unlock()
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		for w := range c.cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1)) {
			if w.Err() != nil {
				break
			}
			c.mu.Lock()
			for _, ev := range w.Events {
				if ev.Type == clientv3.EventTypeDelete {
					dp, err := strconv.ParseUint(strings.TrimPrefix(string(ev.Kv.Key), prefix), 16, 64)
					if err == nil {
						delete(c.switches, dp)
					}
					continue
				}
				c.putSwitch(string(ev.Kv.Key), ev.Kv.Value)
			}
			c.mu.Unlock()
		}
		cancel()
	}
}

// putSwitch records a published switch master; the caller holds c.mu.
func (c *Cluster) putSwitch(key string, value []byte) {
	var sm SwitchMaster
	if json.Unmarshal(value, &sm) != nil {
		c.log.Warn("cluster: a switch record that is not one", "key", key)
		return
	}
	c.switches[sm.Datapath] = sm
}
