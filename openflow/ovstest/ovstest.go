// Package ovstest runs a real Open vSwitch for tests: ovsdb-server and
// ovs-vswitchd in userspace, with their database, sockets and logs in a
// temporary directory, stopped and removed when the test ends. Bridges use
// the netdev datapath, and ovs-vswitchd runs with --enable-dummy=override,
// so no kernel module, no root and no host interface is involved: ports
// are dummy devices, and frames are injected with Inject.
//
// StartWith with System instead gives real ports: hosts in network
// namespaces joined by veth pairs (AddHost, LinkBridges). That needs root,
// and its bridges' own ports are tap devices in the host's namespace, under
// unique names (BridgeName). KernelDatapath puts the bridges on the
// kernel's datapath (the openvswitch module) instead.
//
// Tests skip, saying what to install, when Open vSwitch is missing (Debian
// package openvswitch-switch).
package ovstest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Switch is a running Open vSwitch.
type Switch struct {
	Dir    string // state, sockets and logs
	env    []string
	db     *daemon
	vswd   *daemon
	system bool
	dpType string            // datapath_type: netdev or system
	names  map[string]string // bridge names as the test says them → as created
}

var binaries = []string{"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovs-appctl"}

// Start runs Open vSwitch with dummy devices for the duration of tb.
func Start(tb testing.TB) *Switch {
	tb.Helper()
	return StartWith(tb, Options{})
}

// Options for StartWith.
type Options struct {
	// System runs ovs-vswitchd without dummy devices, so ports can be real
	// interfaces: the veths of hosts the test makes with AddHost. It needs
	// root; the test skips without it.
	//
	// The userspace datapath then has a tap device of its own in the host's
	// namespace, under a fixed name ("ovs-netdev"), so only one such
	// Open vSwitch can run on a machine at a time: StartWith waits for the
	// one another test (in any package) holds to stop.
	System bool
	// KernelDatapath puts the bridges on the kernel's datapath
	// (datapath_type=system, the openvswitch module) instead of the
	// userspace one. It implies System.
	KernelDatapath bool
}

// systemLock is the file whose exclusive lock a System Open vSwitch holds
// for its lifetime.
const systemLock = "/run/netslice-ovstest-system.lock"

// StartWith runs Open vSwitch for the duration of tb.
func StartWith(tb testing.TB, opts Options) *Switch {
	tb.Helper()
	opts.System = opts.System || opts.KernelDatapath
	if opts.System && os.Geteuid() != 0 {
		tb.Skip("needs root: network namespaces and veth pairs for the test's hosts")
	}
	if opts.System {
		if _, err := exec.LookPath("ip"); err != nil {
			tb.Skip("ip not found: install the Debian package iproute2")
		}
	}
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			tb.Skipf("%s not found: install the Debian package openvswitch-switch (make test does, as root)", b)
		}
	}
	schema := "/usr/share/openvswitch/vswitch.ovsschema"
	if _, err := os.Stat(schema); err != nil {
		tb.Skipf("Open vSwitch schema %s missing: install openvswitch-switch", schema)
	}
	if opts.System {
		lockSystem(tb)
	}
	dir := tb.TempDir()
	s := &Switch{Dir: dir, system: opts.System, dpType: "netdev", names: map[string]string{}}
	if opts.KernelDatapath {
		s.dpType = "system"
	}
	if opts.System && !opts.KernelDatapath {
		// A bridge's own port on the userspace datapath is a persistent
		// tap device in the host's namespace, which outlives a killed
		// ovs-vswitchd: removed once the daemons stopped (this cleanup
		// runs after theirs).
		tb.Cleanup(func() {
			for _, name := range s.names {
				exec.Command("ip", "link", "del", "dev", name).Run()
			}
		})
	}
	s.env = append(os.Environ(), "OVS_RUNDIR="+dir, "OVS_LOGDIR="+dir, "OVS_DBDIR="+dir, "OVS_SYSCONFDIR="+dir)
	if out, err := s.run("ovsdb-tool", "create", filepath.Join(dir, "conf.db"), schema); err != nil {
		tb.Fatalf("ovstest: ovsdb-tool create: %v\n%s", err, out)
	}
	s.db = s.start(tb, "ovsdb-server", "--remote=punix:"+filepath.Join(dir, "db.sock"),
		"--pidfile="+filepath.Join(dir, "ovsdb-server.pid"), "--unixctl="+filepath.Join(dir, "ovsdb-server.ctl"),
		"--log-file="+filepath.Join(dir, "ovsdb-server.log"), filepath.Join(dir, "conf.db"))
	tb.Cleanup(func() { stop(s.db) })
	if err := s.waitFor(filepath.Join(dir, "db.sock")); err != nil {
		tb.Fatalf("ovstest: ovsdb-server: %v\n%s", err, s.log("ovsdb-server.log"))
	}
	if out, err := s.Vsctl("--no-wait", "init"); err != nil {
		tb.Fatalf("ovstest: ovs-vsctl init: %v\n%s", err, out)
	}
	args := []string{"--pidfile=" + filepath.Join(dir, "ovs-vswitchd.pid"), "--unixctl=" + filepath.Join(dir, "ovs-vswitchd.ctl"),
		"--log-file=" + filepath.Join(dir, "ovs-vswitchd.log"), "unix:" + filepath.Join(dir, "db.sock")}
	if !opts.System {
		args = append([]string{"--enable-dummy=override"}, args...)
	}
	s.vswd = s.start(tb, "ovs-vswitchd", args...)
	tb.Cleanup(func() { stop(s.vswd) })
	if err := s.waitFor(filepath.Join(dir, "ovs-vswitchd.ctl")); err != nil {
		tb.Fatalf("ovstest: ovs-vswitchd: %v\n%s", err, s.log("ovs-vswitchd.log"))
	}
	return s
}

// lockSystem takes the machine-wide lock for a System Open vSwitch until
// tb ends (Cleanup runs last-registered first, so after the daemons stop).
func lockSystem(tb testing.TB) {
	f, err := os.OpenFile(systemLock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	if err := flock(f, false); err != nil {
		tb.Logf("ovstest: waiting for another test's system-mode Open vSwitch to stop (%s)", systemLock)
		if err := flock(f, true); err != nil {
			f.Close()
			tb.Fatalf("ovstest: lock %s: %v", systemLock, err)
		}
	}
	tb.Cleanup(func() { f.Close() }) // closing releases the lock
}

// daemon is a process the Switch started.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited
}

// start runs a daemon that dies with the test process, even one that is
// killed: the kernel sends it SIGKILL when the thread that started it
// ends, so it is started from a thread held for the daemon's lifetime.
func (s *Switch) start(tb testing.TB, name string, args ...string) *daemon {
	cmd := exec.Command(name, args...)
	cmd.Env = s.env
	cmd.Dir = s.Dir
	cmd.SysProcAttr = dieWithTest()
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		defer close(d.done)
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
	}()
	if err := <-started; err != nil {
		tb.Fatalf("ovstest: start %s: %v", name, err)
	}
	return d
}

func stop(d *daemon) {
	if d != nil {
		d.cmd.Process.Kill()
		<-d.done
	}
}

func (s *Switch) waitFor(path string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Switch) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, name))
	return string(b)
}

// Log returns ovs-vswitchd's log so far, for failure messages.
func (s *Switch) Log() string { return s.log("ovs-vswitchd.log") }

func (s *Switch) run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = s.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// Vsctl runs ovs-vsctl against this switch's database.
func (s *Switch) Vsctl(args ...string) (string, error) {
	return s.run("ovs-vsctl", append([]string{"--timeout=10"}, args...)...)
}

// Ofctl runs ovs-ofctl; name bridges as usual, their management sockets
// are in Dir.
func (s *Switch) Ofctl(args ...string) (string, error) { return s.run("ovs-ofctl", args...) }

// Appctl runs ovs-appctl against ovs-vswitchd.
func (s *Switch) Appctl(args ...string) (string, error) {
	return s.run("ovs-appctl", append([]string{"-t", filepath.Join(s.Dir, "ovs-vswitchd.ctl")}, args...)...)
}

// Bridge describes a bridge to create.
type Bridge struct {
	Name       string
	DatapathID uint64   // 0: Open vSwitch picks one
	Protocols  []string // e.g. "OpenFlow13"; empty: OpenFlow10 and OpenFlow13
	Controller string   // e.g. "tcp:127.0.0.1:6653"; empty: none
	// Controllers are more controllers, each connected as well: several
	// controllers sharing the bridge, in roles they ask for.
	Controllers []string
}

// BridgeName returns the name a bridge was created under. With System, a
// bridge's own port is a tap device in the host's namespace, so bridges
// get unique names there (never a host's own "br0"); tests keep using the
// names they chose, and pass BridgeName's to ovs-vsctl or ovs-ofctl.
func (s *Switch) BridgeName(name string) string {
	if real, ok := s.names[name]; ok {
		return real
	}
	return name
}

// AddBridge creates a bridge (on the netdev datapath unless
// KernelDatapath) with fail-mode secure (no flows of its own: only the
// controller's).
func (s *Switch) AddBridge(b Bridge) error {
	if s.system {
		s.names[b.Name] = "nsbr" + uniq()
	}
	b.Name = s.BridgeName(b.Name)
	protos := b.Protocols
	if len(protos) == 0 {
		protos = []string{"OpenFlow10", "OpenFlow13"}
	}
	args := []string{"add-br", b.Name, "--", "set", "bridge", b.Name, "datapath_type=" + s.dpType, "fail-mode=secure",
		"protocols=" + strings.Join(protos, ",")}
	if b.DatapathID != 0 {
		args = append(args, fmt.Sprintf("other-config:datapath-id=%016x", b.DatapathID))
	}
	if targets := slices.DeleteFunc(append([]string{b.Controller}, b.Controllers...), func(t string) bool { return t == "" }); len(targets) > 0 {
		// Out of band: no hidden in-band flows, no route lookups.
		var ids []string
		for i, t := range targets {
			id := fmt.Sprintf("@c%d", i)
			ids = append(ids, id)
			args = append(args, "--", "--id="+id, "create", "controller", "target="+strconv.Quote(t), "connection-mode=out-of-band")
		}
		args = append(args, "--", "set", "bridge", b.Name, "controller="+strings.Join(ids, ","))
	}
	out, err := s.Vsctl(args...)
	if err != nil {
		return fmt.Errorf("ovstest: add bridge %s: %v: %s", b.Name, err, out)
	}
	return nil
}

// AddPort adds a dummy port to a bridge with the given OpenFlow port
// number.
func (s *Switch) AddPort(bridge, name string, ofport int) error {
	out, err := s.Vsctl("add-port", s.BridgeName(bridge), name, "--", "set", "interface", name, "type=dummy",
		fmt.Sprintf("ofport_request=%d", ofport))
	if err != nil {
		return fmt.Errorf("ovstest: add port %s: %v: %s", name, err, out)
	}
	return nil
}

// Inject makes a frame arrive on a dummy port, as if received from the
// wire.
func (s *Switch) Inject(port string, frame []byte) error {
	out, err := s.Appctl("netdev-dummy/receive", port, hex.EncodeToString(frame))
	if err != nil {
		return fmt.Errorf("ovstest: inject on %s: %v: %s", port, err, out)
	}
	return nil
}

// DumpFlows returns the bridge's flows as ovs-ofctl prints them, one a
// line, without statistics (durations, counters), speaking version
// ("OpenFlow13", "OpenFlow10").
func (s *Switch) DumpFlows(bridge, version string) ([]string, error) {
	out, err := s.Ofctl("-O", version, "--no-stats", "dump-flows", s.BridgeName(bridge))
	if err != nil {
		return nil, fmt.Errorf("ovstest: dump-flows %s: %v: %s", bridge, err, out)
	}
	var flows []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "NXST_FLOW") && !strings.HasPrefix(l, "OFPST_FLOW") {
			flows = append(flows, l)
		}
	}
	return flows, nil
}
