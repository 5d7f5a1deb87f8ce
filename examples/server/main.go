// Command server is netslice all in one process: the REST surfaces on one
// HTTP mux (the Sliceable API at /sliceable/, OpenStack Networking v2.0 at
// /neutron/, oVirt's host networking at /ovirt-engine/api/ and /api/,
// Kimchi at /plugins/kimchi/) and the OpenFlow controller
// running the slicing app, with configuration in a store the fabric
// follows. On its defaults it needs nothing but a directory: the store is
// bolt in ./netslice-data, and both listeners are on loopback.
//
//	go run -tags libvirt_dlopen ./examples/server [flags]
//
// The libvirt_dlopen tag loads libvirt (libvirt.so.0) when the server
// starts instead of linking it, so the server builds without libvirt-dev;
// built without cgo (no C compiler), it runs all the same and Kimchi
// answers 503 saying why.
//
// Flags, each also an environment variable:
//
//	-http ADDR          NETSLICE_HTTP           REST listener (127.0.0.1:8080)
//	-openflow ADDR      NETSLICE_OPENFLOW       OpenFlow listener for switches (127.0.0.1:6653)
//	-store KIND         NETSLICE_STORE          memory, bolt or etcd (bolt)
//	-data DIR           NETSLICE_DATA           bolt's directory (netslice-data)
//	-etcd ENDPOINTS     NETSLICE_ETCD           etcd endpoints, comma separated
//	-cluster-id ID      NETSLICE_CLUSTER_ID     share the switches with the servers of this id on the same etcd (-store etcd)
//	-advertise NAME     NETSLICE_ADVERTISE      how the other servers of the cluster name this one (host:OpenFlow port)
//	-cluster-addr ADDR  NETSLICE_CLUSTER_ADDR   where they reach this one to notice its death at once (-openflow's host, any port)
//	-cluster-lease D    NETSLICE_CLUSTER_LEASE  the mastership lease: a master cut off etcd is replaced after it (1s)
//	-log-level LEVEL    NETSLICE_LOG_LEVEL      debug, info, warn or error (info)
//	-read-timeout D     NETSLICE_READ_TIMEOUT   to read a request, body included (30s)
//	-write-timeout D    NETSLICE_WRITE_TIMEOUT  to write a response (60s)
//	-idle-timeout D     NETSLICE_IDLE_TIMEOUT   an idle keep-alive connection lives (30s)
//	-max-conns N        NETSLICE_MAX_CONNS      HTTP connections open at once (1024)
//	-request-timeout D  NETSLICE_REQUEST_TIMEOUT  to handle a request, store calls included (10s)
//	-users FILE         NETSLICE_USERS          accounts with bcrypt password hashes and roles, for every surface
//	-tokens FILE        NETSLICE_TOKENS         static tokens (X-Auth-Token) and their projects and roles
//	-keystone URL       NETSLICE_KEYSTONE       validate X-Auth-Token with this Keystone (v3)
//	-insecure-no-auth   NETSLICE_INSECURE_NO_AUTH  serve without authentication beyond loopback
//	-hash-password                              print the bcrypt hash of the password on standard input
//	-ovirt-hosts NS,... NETSLICE_OVIRT_HOSTS    network namespaces the oVirt API may change, as hosts
//	-ovirt-manage-self  NETSLICE_OVIRT_MANAGE_SELF  let the oVirt API, and Kimchi's VLAN-tagged bridge networks, change this machine's interfaces
//	-libvirt URI        NETSLICE_LIBVIRT        the hypervisor Kimchi manages (the system's, else test:///default)
//	-neutron-auth, -ovirt-users                 deprecated: -tokens/-keystone, -users
//
// # Who may do what
//
// Every surface, and the server's own pages (GET /, /metrics, /ui/),
// authenticate the same way: accounts from -users (a JSON file, {"ann":
// {"password": "$2y$10$…", "roles": ["member"], "project": "acme"}}, the
// hashes made with -hash-password or htpasswd -nB) log in with HTTP Basic,
// with Kimchi's POST /login (a session cookie, as Wok gives Kimchi's UI) or
// with oVirt's SSO (/ovirt-engine/sso/oauth/token, a bearer token, as the
// v4 SDKs do; revoked by /ovirt-engine/services/sso-logout); tokens from
// -tokens or Keystone (-keystone) come as X-Auth-Token, as OpenStack
// clients send them. Password guessing is throttled per user name and per
// client address.
//
// Roles: admin may do anything; member changes what its project owns (its
// Sliceable tenant, its Neutron resources) and sees only that on the
// fabric page; reader only looks. Kimchi and oVirt changes need admin, as
// in Wok and oVirt.
//
// With none of -users, -tokens and -keystone nothing is asked and every
// caller is an admin: the server serves that on loopback only, and refuses
// to start on another address unless -insecure-no-auth says so (it then
// warns at start). Whatever the authentication, a request that changes
// something from another site's page (a foreign Origin, or a body of a
// type a cross-site form can send) is refused.
//
// Kimchi manages the hypervisor at -libvirt. Without one it tries the
// system's (qemu:///system) and, when there is none, libvirt's in-process
// test hypervisor (test:///default, simulated VMs), saying so in its log
// and in /plugins/kimchi/config/capabilities. When libvirt itself is not
// installed, Kimchi answers 503 with what to install.
//
// The oVirt API is safe by default: it lists this machine as a host,
// read-only (it reports its NICs and never changes them) unless
// -ovirt-manage-self says otherwise, and it changes only the network
// namespaces -ovirt-hosts names (ip netns), each a host of that name.
//
// Without authentication Neutron takes the project from X-Project-Id
// ("admin" without one), as neutron's own noauth does. -tokens reads
// static tokens from a JSON file {"TOKEN": {"project": "P", "roles":
// ["admin"]}, ...}; -keystone validates each X-Auth-Token with that
// Keystone (v3), as keystonemiddleware does.
//
// # Several servers
//
// Servers on one etcd (-store etcd) share the configuration; with the same
// -cluster-id they share the switches too. Every switch connects to every
// server (ovs-vsctl set-controller BR tcp:A tcp:B tcp:C); one server,
// elected through etcd, is master of them and drives them, the others are
// slaves (OpenFlow roles) that learn what the master learns. When the
// master's process dies the others notice at once and one takes over;
// when it is cut off etcd it stops driving the switches before its lease
// (-cluster-lease) can expire, and another takes over then; when it loses
// a switch that another server still reaches, it hands over to it after
// three seconds. The new
// master reconciles each switch's flows instead of clearing them, so
// traffic that flows keeps flowing. Without -cluster-id a server drives
// whatever switches connect to it, alone.
//
// GET / answers what is served and how the fabric stands: the slices of
// each source, what they were refused, the switches connected, and in a
// cluster which server is master of each switch and since when (the same
// on every server). GET /metrics answers the same and more in the Prometheus text format: per
// switch message and byte counts, send queues and disconnects by reason;
// the fabric's slices, learned entries and learning events; each source's
// slices and revision; store call latency and watch lag; HTTP requests by
// surface, method and code, and their latency. /ui/ draws the fabric live
// in a browser: switches and links, each slice's ports, attachments and
// learned MACs, the path between two hosts. It stops gracefully on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h: the usage went to stderr; asking for it is no failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

type config struct {
	http, openflow, store, data, etcd, logLevel string
	neutronAuth, ovirtHosts, ovirtUsers         string
	usersFile, tokensFile, keystone             string
	libvirt                                     string
	clusterID, advertise, clusterAddr           string
	clusterLease                                time.Duration
	ovirtManageSelf, insecureNoAuth             bool
	hashPassword                                bool
	readTimeout, writeTimeout, idleTimeout      time.Duration
	requestTimeout                              time.Duration
	maxConns                                    int
}

func parseFlags(args []string) (config, error) {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.http, "http", env("NETSLICE_HTTP", "127.0.0.1:8080"), "REST listener address (NETSLICE_HTTP)")
	fs.StringVar(&c.openflow, "openflow", env("NETSLICE_OPENFLOW", "127.0.0.1:6653"), "OpenFlow listener address (NETSLICE_OPENFLOW)")
	fs.StringVar(&c.store, "store", env("NETSLICE_STORE", "bolt"), "store backend: memory, bolt or etcd (NETSLICE_STORE)")
	fs.StringVar(&c.data, "data", env("NETSLICE_DATA", "netslice-data"), "data directory for bolt (NETSLICE_DATA)")
	fs.StringVar(&c.etcd, "etcd", env("NETSLICE_ETCD", ""), "etcd endpoints, comma separated (NETSLICE_ETCD)")
	fs.StringVar(&c.clusterID, "cluster-id", env("NETSLICE_CLUSTER_ID", ""), "share the switches with the servers of this cluster id on the same etcd; needs -store etcd (NETSLICE_CLUSTER_ID)")
	fs.StringVar(&c.advertise, "advertise", env("NETSLICE_ADVERTISE", ""), "how the other servers of the cluster name this one; default host:port of the OpenFlow listener (NETSLICE_ADVERTISE)")
	fs.StringVar(&c.clusterAddr, "cluster-addr", env("NETSLICE_CLUSTER_ADDR", ""), "where the other servers reach this one to notice at once that it died; default -openflow's host, any port (NETSLICE_CLUSTER_ADDR)")
	fs.StringVar(&c.logLevel, "log-level", env("NETSLICE_LOG_LEVEL", "info"), "debug, info, warn or error (NETSLICE_LOG_LEVEL)")
	fs.StringVar(&c.ovirtHosts, "ovirt-hosts", env("NETSLICE_OVIRT_HOSTS", ""), "network namespaces the oVirt API may change, as hosts (NETSLICE_OVIRT_HOSTS)")
	fs.BoolVar(&c.ovirtManageSelf, "ovirt-manage-self", env("NETSLICE_OVIRT_MANAGE_SELF", "") == "true", "let the oVirt API, and Kimchi's VLAN-tagged bridge networks, change this machine's interfaces (NETSLICE_OVIRT_MANAGE_SELF)")
	fs.StringVar(&c.ovirtUsers, "ovirt-users", env("NETSLICE_OVIRT_USERS", ""), "deprecated: admin accounts, user:password comma separated; use -users (NETSLICE_OVIRT_USERS)")
	fs.StringVar(&c.libvirt, "libvirt", env("NETSLICE_LIBVIRT", ""), "libvirt URI of the hypervisor Kimchi manages; none: the system's, else test:///default (NETSLICE_LIBVIRT)")
	fs.StringVar(&c.neutronAuth, "neutron-auth", env("NETSLICE_NEUTRON_AUTH", ""), "deprecated: noauth, tokens=FILE or keystone=URL; use -tokens or -keystone (NETSLICE_NEUTRON_AUTH)")
	fs.StringVar(&c.usersFile, "users", env("NETSLICE_USERS", ""), "accounts with bcrypt password hashes, roles and projects, for every surface (NETSLICE_USERS)")
	fs.StringVar(&c.tokensFile, "tokens", env("NETSLICE_TOKENS", ""), "static tokens (X-Auth-Token), with their projects and roles (NETSLICE_TOKENS)")
	fs.StringVar(&c.keystone, "keystone", env("NETSLICE_KEYSTONE", ""), "Keystone (v3) that validates X-Auth-Token (NETSLICE_KEYSTONE)")
	fs.BoolVar(&c.insecureNoAuth, "insecure-no-auth", env("NETSLICE_INSECURE_NO_AUTH", "") == "true", "serve without authentication beyond loopback (NETSLICE_INSECURE_NO_AUTH)")
	fs.BoolVar(&c.hashPassword, "hash-password", false, "print the bcrypt hash of the password given on standard input, and exit")
	duration := func(p *time.Duration, name, envName string, def time.Duration, usage string) {
		d := def
		if v := os.Getenv(envName); v != "" {
			if parsed, err := time.ParseDuration(v); err == nil {
				d = parsed
			}
		}
		fs.DurationVar(p, name, d, usage+" ("+envName+")")
	}
	duration(&c.readTimeout, "read-timeout", "NETSLICE_READ_TIMEOUT", httpapi.DefaultReadTimeout, "time to read a request, body included")
	duration(&c.writeTimeout, "write-timeout", "NETSLICE_WRITE_TIMEOUT", httpapi.DefaultWriteTimeout, "time to write a response")
	duration(&c.idleTimeout, "idle-timeout", "NETSLICE_IDLE_TIMEOUT", httpapi.DefaultIdleTimeout, "time an idle keep-alive connection lives")
	duration(&c.clusterLease, "cluster-lease", "NETSLICE_CLUSTER_LEASE", time.Second, "the mastership lease of a cluster: a master cut off etcd is replaced after it")
	duration(&c.requestTimeout, "request-timeout", "NETSLICE_REQUEST_TIMEOUT", httpapi.DefaultTimeout, "time to handle a request, store calls included")
	maxConns := httpapi.DefaultMaxConns
	if v, err := strconv.Atoi(os.Getenv("NETSLICE_MAX_CONNS")); err == nil {
		maxConns = v
	}
	fs.IntVar(&c.maxConns, "max-conns", maxConns, "HTTP connections open at once (NETSLICE_MAX_CONNS)")
	err := fs.Parse(args)
	if err == nil && (c.readTimeout <= 0 || c.writeTimeout <= 0 || c.idleTimeout <= 0 || c.requestTimeout <= 0 || c.maxConns <= 0 || c.clusterLease <= 0) {
		err = errors.New("timeouts, -cluster-lease and -max-conns must be positive")
	}
	if err == nil && c.clusterID != "" && c.store != "etcd" {
		err = errors.New("-cluster-id needs -store etcd: the servers of a cluster share etcd")
	}
	return c, err
}

// hostAgents opens the hosts this server speaks for: this machine
// (read-only unless -ovirt-manage-self) and each -ovirt-hosts namespace.
func hostAgents(c config, st store.Store, log *slog.Logger) ([]*hostnet.Agent, error) {
	var agents []*hostnet.Agent
	hosts := hostnet.Hosts{Store: st}
	if d, err := hostnet.Open(); err == nil {
		name, _ := os.Hostname()
		if name == "" {
			name = "localhost"
		}
		agents = append(agents, &hostnet.Agent{Hosts: hosts, Host: name, Driver: d, Logger: log, ReadOnly: !c.ovirtManageSelf})
	} else {
		log.Warn("ovirt: this machine's network stack cannot be read", "err", err)
	}
	for _, ns := range strings.Split(c.ovirtHosts, ",") {
		if ns = strings.TrimSpace(ns); ns == "" {
			continue
		}
		d, err := hostnet.OpenNamed(ns)
		if err != nil {
			return nil, fmt.Errorf("-ovirt-hosts %s: %w", ns, err)
		}
		agents = append(agents, &hostnet.Agent{Hosts: hosts, Host: ns, Driver: d, Logger: log})
	}
	return agents, nil
}

// openHypervisor connects to uri or, when it is empty, to the system's
// hypervisor and failing that to libvirt's test hypervisor. With no
// connection at all the driver is nil and the options say why.
func openHypervisor(uri string, log *slog.Logger) (*libvirt.Driver, kimchi.Options) {
	var opts kimchi.Options
	if uri != "" {
		d, err := libvirt.Open(uri, libvirt.Options{})
		if err != nil {
			log.Error("kimchi: no hypervisor", "uri", uri, "err", err)
			opts.Unavailable = err.Error()
			return nil, opts
		}
		return d, opts
	}
	d, err := libvirt.Open("qemu:///system", libvirt.Options{})
	if err == nil {
		return d, opts
	}
	sysErr := err
	d, err = libvirt.Open("test:///default", libvirt.Options{})
	if err != nil {
		// libvirt itself is missing, or this build has no cgo.
		log.Warn("kimchi: unavailable", "err", err)
		opts.Unavailable = err.Error()
		return nil, opts
	}
	opts.Notice = "no system hypervisor (" + sysErr.Error() + "): using libvirt's test hypervisor test:///default, whose VMs are simulated; -libvirt URI chooses another"
	log.Warn("kimchi: " + opts.Notice)
	return d, opts
}

func openStore(ctx context.Context, c config) (store.Store, string, error) {
	switch c.store {
	case "memory":
		return memory.New(nil), "memory (not kept)", nil
	case "bolt":
		if err := os.MkdirAll(c.data, 0o755); err != nil {
			return nil, "", err
		}
		path := filepath.Join(c.data, "netslice.db")
		s, err := bolt.Open(path, nil)
		return s, "bolt " + path, err
	case "etcd":
		if c.etcd == "" {
			return nil, "", errors.New("-store etcd needs -etcd endpoints")
		}
		eps := strings.Split(c.etcd, ",")
		s, err := etcd.Open(ctx, etcd.Options{Endpoints: eps, Prefix: "/netslice/"})
		return s, "etcd " + c.etcd, err
	}
	return nil, "", fmt.Errorf("unknown store %q: want memory, bolt or etcd", c.store)
}
