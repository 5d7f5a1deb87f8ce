package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/fabricui"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/cluster"
	"github.com/netslice/netslice/store"
)

// run serves until ctx ends. ready, if set, receives the REST and
// OpenFlow addresses once both listen.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- [2]string) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	if c.hashPassword {
		return hashPassword(os.Stdin, out)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	acc, err := newAccess(c, log)
	if err != nil {
		return err
	}
	if err := acc.check(c.http, c.insecureNoAuth, log); err != nil {
		return err
	}
	if acc.login == nil {
		log.Warn("no authentication: every caller of every surface is an admin; give -users, -tokens or -keystone beyond a closed test bed")
	}
	st, desc, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	s, err := newServer(ctx, c, log, acc, st)
	if err != nil {
		return err
	}
	defer s.close()
	s.banner = append(s.banner, "store "+desc, "authentication: "+acc.desc)
	for _, add := range []func(context.Context) error{s.sliceable, s.neutron, s.ovirt, s.kimchi, s.pages} {
		if err := add(ctx); err != nil {
			return err
		}
	}
	return s.serve(ctx, out, ready)
}

// server is what run wires together: the data plane (a fabric, the
// slicing app on the switches, the fabric following each surface's
// slices), the surfaces over one store, and the server's own pages, on
// one mux.
type server struct {
	c   config
	log *slog.Logger
	acc *access
	st  store.Store
	m   *metrics

	app      *slicing.App
	ctrl     *openflow.Controller
	follower *sources.Follower

	mux     *http.ServeMux
	mounts  []mount
	feeds   []sources.Source              // the surfaces' slices
	runs    []func(context.Context) error // long-running work, until ctx ends
	closers []func() error
	banner  []string // what is served, said at start
	ui      *fabricui.Handler
	nsvc    *neutron.Service
	cl      *cluster.Cluster // nil unless -cluster-id
}

// mount is a path prefix the server serves.
type mount struct {
	prefix string
	name   string // the surface, for metrics
	doc    bool   // prefix+"openapi.json" is its OpenAPI document
}

func newServer(ctx context.Context, c config, log *slog.Logger, acc *access, st store.Store) (*server, error) {
	m := newMetrics()
	obs := m.observer()
	obs.Logger = log // an outage is logged once, not per request
	s := &server{c: c, log: log, acc: acc, st: store.Observe(st, obs), m: m, mux: http.NewServeMux()}
	opts := slicing.Options{Logger: log}
	if c.clusterID != "" {
		if err := s.joinCluster(ctx, &opts); err != nil {
			s.close()
			return nil, err
		}
	}
	app, err := slicing.New(l2.Options{}, opts)
	if err != nil {
		s.close()
		return nil, err
	}
	s.app = app
	s.ctrl = &openflow.Controller{Handler: app, Logger: log}
	s.follower = sources.New(app.Update, sources.Options{Logger: log})
	if s.cl != nil {
		s.runs = append(s.runs, func(ctx context.Context) error { return s.cl.Run(ctx, app) })
	}
	return s, nil
}

// joinCluster makes this server one of the cluster -cluster-id on etcd:
// the app stands by until elected, shares the cluster's discovery key,
// and publishes each switch it becomes master of.
func (s *server) joinCluster(ctx context.Context, opts *slicing.Options) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(s.c.etcd, ","), DialTimeout: 5 * time.Second,
		Logger: zap.NewNop(), DialKeepAliveTime: time.Second, DialKeepAliveTimeout: time.Second, PermitWithoutStream: true})
	if err != nil {
		return fmt.Errorf("-cluster-id: etcd: %w", err)
	}
	s.closers = append(s.closers, cli.Close)
	name, addr := s.c.advertise, s.c.clusterAddr
	host, port, err := net.SplitHostPort(s.c.openflow)
	if err != nil {
		return fmt.Errorf("-openflow %q: %w", s.c.openflow, err)
	}
	if name == "" {
		h := host
		if h == "" || net.ParseIP(h).IsUnspecified() {
			h, _ = os.Hostname()
		}
		name = net.JoinHostPort(h, port)
	}
	if addr == "" {
		addr = net.JoinHostPort(host, "0")
	}
	connected := func() []uint64 {
		var dps []uint64
		for _, sw := range s.ctrl.Switches() {
			dps = append(dps, sw.DatapathID())
		}
		return dps
	}
	cl, err := cluster.New(cli, cluster.Options{ID: s.c.clusterID, Name: name, Addr: addr, Lease: s.c.clusterLease,
		Connected: connected, Logger: s.log})
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	secret, err := cl.Secret(sctx)
	if err != nil {
		return err
	}
	s.cl = cl
	opts.Standby, opts.LLDPSecret = true, secret
	opts.RoleChanged = func(r slicing.SwitchRole) {
		if r.Role != openflow.RoleMaster {
			return
		}
		go func() {
			pctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := cl.Publish(pctx, uint64(r.Datapath), r.Generation, r.Since); err != nil {
				s.log.Warn("cluster: publishing a switch's master", "dpid", r.Datapath.String(), "err", err)
			}
		}()
	}
	s.banner = append(s.banner, fmt.Sprintf("cluster %s: this server is %s; switches connect to every server of the cluster", s.c.clusterID, name))
	return nil
}

// handle serves h at pattern ("/ui/", "GET /metrics"), counted in the
// metrics as name.
func (s *server) handle(pattern, name string, h http.Handler, doc bool) {
	s.mux.Handle(pattern, h)
	_, prefix, ok := strings.Cut(pattern, " ")
	if !ok {
		prefix = pattern
	}
	s.mounts = append(s.mounts, mount{prefix, name, doc})
}

// surface mounts a REST surface at its prefix and says so at start.
func (s *server) surface(sf httpapi.Surface, name, what string) {
	p := sf.Prefix()
	s.handle(p, name, http.StripPrefix(p[:len(p)-1], sf), true)
	s.banner = append(s.banner, "REST on http://{http}"+p+" ("+what+")")
}

func (s *server) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

func (s *server) sliceable(ctx context.Context) error {
	svc, err := sliceable.NewService(s.st, sliceable.Options{})
	if err != nil {
		return err
	}
	if err := svc.Reindex(ctx); err != nil {
		s.log.Warn("sliceable: stored data from an earlier version", "err", err)
	}
	s.surface(sliceable.NewHandler(svc, sliceable.HandlerOptions{Logger: s.log, Timeout: s.c.requestTimeout,
		Authenticator: s.acc.authenticator()}), "sliceable", "Sliceable API")
	s.feeds = append(s.feeds, svc.Source("sliceable"))
	return nil
}

func (s *server) neutron(context.Context) error {
	opts := neutron.Options{Logger: s.log}
	if s.c.store != "etcd" && s.cl == nil {
		// Alone on its store, this server's switches are all the
		// switches: ports' status follows them. Servers sharing etcd
		// each see only the switches connected to them and would
		// overwrite each other's word; there a bound port is ACTIVE
		// as configured.
		opts.DataPlane = s.app
	}
	svc, err := neutron.NewService(s.st, opts)
	if err != nil {
		return err
	}
	s.nsvc = svc
	s.runs = append(s.runs, svc.Run)
	s.surface(neutron.NewHandler(svc, neutron.HandlerOptions{Authenticator: s.acc.neutron(), Logger: s.log,
		Timeout: s.c.requestTimeout}), "neutron", "OpenStack Networking v2.0")
	s.feeds = append(s.feeds, svc.Source("neutron"))
	return nil
}

// ovirt is host networking: an agent per host this server speaks for,
// and the API at oVirt v4's prefix and the seed's /api/. Logging in is
// oVirt's SSO (for its SDKs) and Wok's /login (for Kimchi's UI).
func (s *server) ovirt(context.Context) error {
	svc, err := ovirt.NewService(s.st, ovirt.Options{Logger: s.log})
	if err != nil {
		return err
	}
	if s.acc.users != nil {
		sso := http.StripPrefix("/ovirt-engine", ovirt.SSO(s.acc.users, s.acc.sessions))
		s.handle("/ovirt-engine/sso/", "ovirt", sso, false)
		s.handle("/ovirt-engine/services/", "ovirt", sso, false)
		login := kimchi.Login(s.acc.users, s.acc.sessions)
		s.handle("/login", "kimchi", login, false)
		s.handle("/logout", "kimchi", login, false)
	}
	agents, err := hostAgents(s.c, s.st, s.log)
	if err != nil {
		return err
	}
	for _, a := range agents {
		s.runs = append(s.runs, a.Run)
		s.closers = append(s.closers, a.Driver.Close)
	}
	h := ovirt.NewHandler(svc, ovirt.HandlerOptions{Authenticator: s.acc.authenticator(), Logger: s.log})
	s.surface(h, "ovirt", fmt.Sprintf("oVirt host networking, also at /api/; %d hosts", len(agents)))
	s.handle("/api/", "ovirt", http.StripPrefix("/api", h), false)
	return nil
}

// kimchi is VMs on the hypervisor, their networks slices of the fabric.
func (s *server) kimchi(ctx context.Context) error {
	drv, opts := openHypervisor(s.c.libvirt, s.log)
	what := opts.Notice
	if drv != nil {
		s.closers = append(s.closers, drv.Close)
		opts.Driver = drv
		if what == "" {
			what = drv.URI()
		}
	} else {
		what = "unavailable: " + opts.Unavailable
	}
	if hn, err := hostnet.Open(); err == nil {
		s.closers = append(s.closers, hn.Close)
		opts.Links = hn.Links
		if s.c.ovirtManageSelf {
			opts.HostBridges = hn // a bridge network with a VLAN id makes its bridge here
		}
	}
	opts.Logger = s.log
	if s.c.store == "bolt" {
		opts.DebugReportDir = filepath.Join(s.c.data, "debugreports")
	}
	svc, err := kimchi.NewService(s.st, opts)
	if err != nil {
		return err
	}
	if drv != nil {
		// As Kimchi does at start: the pool and networks new templates
		// refer to exist and are active, so a first template works.
		if err := svc.EnsureDefaults(ctx); err != nil {
			s.log.Warn("kimchi: the default storage pool or network is not ready; templates need one named", "err", err)
		}
	}
	s.runs = append(s.runs, svc.Run)
	h := kimchi.NewHandler(svc, kimchi.HandlerOptions{Logger: s.log, Timeout: s.c.requestTimeout,
		Authenticator: s.acc.authenticator()})
	s.surface(h, "kimchi", "Kimchi; "+what)
	// Wok's /tasks, where Kimchi's UI polls what it started.
	s.handle("/tasks", "kimchi", h.WokTasks(), false)
	s.handle("/tasks/", "kimchi", h.WokTasks(), false)
	s.feeds = append(s.feeds, svc.Source("kimchi"))
	return nil
}

// pages are the server's own: the fabric drawn live (/ui/), the metrics,
// and GET /, what is served and how the fabric stands.
func (s *server) pages(context.Context) error {
	fabric := s.app.Fabric()
	s.ui = fabricui.New(fabricui.Source{Fabric: fabric, Topology: s.app.Topology(), Switches: func() []fabricui.Switch {
		var out []fabricui.Switch
		for _, sw := range s.ctrl.Switches() {
			out = append(out, fabricui.Switch{Datapath: l2.DatapathID(sw.DatapathID()),
				Label: sw.RemoteAddr().String() + ", " + sw.Version().String()})
		}
		return out
	}}, fabricui.Options{Logger: s.log, Visible: visibleTo(s.nsvc)})
	s.m.reg.MustRegister(&collector{ctrl: s.ctrl, fabric: fabric, app: s.app, follower: s.follower, cl: s.cl})
	s.handle("GET /metrics", "metrics", s.acc.guard(s.m.handler(), s.log), false)
	s.handle("/ui/", "ui", s.acc.guard(http.StripPrefix("/ui", s.ui), s.log), false)
	s.mux.Handle("GET /{$}", s.acc.guard(http.HandlerFunc(s.status), s.log))
	return nil
}

// status is what GET / answers.
type status struct {
	Surfaces []string               `json:"surfaces"`
	OpenAPI  []string               `json:"openapi"` // each surface's OpenAPI document
	Fabric   l2.Stats               `json:"fabric"`
	Sources  []sources.SourceStatus `json:"sources"`
	Switches int                    `json:"switches"`
	OpenFlow slicing.Stats          `json:"openflow"`
	// Unenforced are the ports whose security rules the switches cannot
	// enforce (OpenFlow 1.0): their traffic passes unfiltered.
	Unenforced []string `json:"unenforced_rules,omitempty"`
	// Cluster is how the cluster stands (-cluster-id): its master, each
	// switch's master and since when, and this server's own roles.
	Cluster *clusterStatus `json:"cluster,omitempty"`
}

type clusterStatus struct {
	cluster.Status
	Roles []switchRole `json:"roles"` // this server's, on the switches connected to it
}

type switchRole struct {
	Datapath   string             `json:"dpid"`
	Role       string             `json:"role"`
	Generation uint64             `json:"generation"`
	Since      time.Time          `json:"since,omitzero"`
	Reconciled slicing.Reconciled `json:"reconciled,omitzero"`
}

func (s *server) clusterStatus() *clusterStatus {
	if s.cl == nil {
		return nil
	}
	st := &clusterStatus{Status: s.cl.Status(), Roles: []switchRole{}}
	for _, r := range s.app.Roles() {
		st.Roles = append(st.Roles, switchRole{Datapath: r.Datapath.String(), Role: r.Role.String(), Generation: r.Generation,
			Since: r.Since, Reconciled: r.Reconciled})
	}
	return st
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	st := status{
		Fabric:   s.app.Fabric().Stats(),
		Sources:  s.follower.Status(),
		Switches: len(s.ctrl.Switches()),
		OpenFlow: s.app.Stats(),
		Cluster:  s.clusterStatus(),
	}
	if id, _ := httpapi.IdentityFrom(r.Context()); id.IsAdmin() {
		for _, loc := range s.app.Unenforced() {
			st.Unenforced = append(st.Unenforced, loc.String())
		}
	}
	for _, m := range s.mounts {
		if m.doc || m.prefix == "/api/" || m.name == "ui" || m.name == "metrics" {
			st.Surfaces = append(st.Surfaces, m.prefix)
		}
		if m.doc {
			st.OpenAPI = append(st.OpenAPI, m.prefix+"openapi.json")
		}
	}
	if id, _ := httpapi.IdentityFrom(r.Context()); !id.IsAdmin() {
		// The refused claims name other projects' slices and MACs.
		for i := range st.Sources {
			st.Sources[i].Refused = nil
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, st)
}

// serve listens, runs everything, and stops it all when ctx ends or any
// of it fails.
func (s *server) serve(ctx context.Context, out io.Writer, ready chan<- [2]string) error {
	hl, err := net.Listen("tcp", s.c.http)
	if err != nil {
		return err
	}
	ol, err := net.Listen("tcp", s.c.openflow)
	if err != nil {
		hl.Close()
		return err
	}
	for _, line := range s.banner {
		fmt.Fprintf(out, "netslice: %s\n", strings.ReplaceAll(line, "{http}", hl.Addr().String()))
	}
	fmt.Fprintf(out, "netslice: OpenFlow 1.0/1.3 controller on %s\n", ol.Addr())
	if ready != nil {
		ready <- [2]string{hl.Addr().String(), ol.Addr().String()}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var surfaces []surface
	for _, m := range s.mounts {
		surfaces = append(surfaces, surface{m.prefix, m.name})
	}
	srv := httpapi.NewServer(s.m.instrument(s.mux, surfaces), httpapi.ServerOptions{ReadTimeout: s.c.readTimeout,
		WriteTimeout: s.c.writeTimeout, IdleTimeout: s.c.idleTimeout, Logger: s.log})
	srv.RegisterOnShutdown(s.ui.Close) // open pages' event streams would hold the shutdown
	errs := make(chan error, 2+len(s.feeds))
	go func() { errs <- srv.Serve(httpapi.LimitListener(hl, s.c.maxConns)) }()
	go func() { errs <- s.ctrl.Serve(ol) }()
	for _, src := range s.feeds {
		// A source follows its store through outages by itself; it returns
		// only when ctx ends.
		go func() { errs <- s.follower.Run(ctx, src) }()
	}
	runs := append(s.runs, func(ctx context.Context) error { s.app.Run(ctx); return nil })
	stopped := make(chan struct{}, len(runs))
	for _, fn := range runs {
		go func() { fn(ctx); stopped <- struct{}{} }()
	}

	select {
	case <-ctx.Done():
	case err = <-errs:
		s.log.Error("stopping", "err", err)
	}
	fmt.Fprintln(out, "netslice: shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	srv.Shutdown(sctx)
	s.ctrl.Shutdown(sctx)
	cancel()
	for range runs {
		select {
		case <-stopped:
		case <-sctx.Done():
		}
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, openflow.ErrControllerClosed) && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
