package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/ovstest"
	"github.com/netslice/netslice/store/etcd/etcdtest"
)

// serverArgsEnv makes the test binary the server: TestMain runs it with
// the arguments this variable holds (JSON), so tests can kill it as a
// process — kill -9 included.
const serverArgsEnv = "NETSLICE_TEST_SERVER_ARGS"

func TestMain(m *testing.M) {
	if v := os.Getenv(serverArgsEnv); v != "" {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			fmt.Fprintln(os.Stderr, "server:", err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, args, os.Stdout, nil)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proc is a server run as a process of its own.
type proc struct {
	args       []string
	http, of   string // addresses
	mu         sync.Mutex
	cmd        *exec.Cmd
	out        *lockedBuffer
	exited     chan struct{}
	killedOnce bool
}

func freeAddr(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().String()
}

func startProc(tb testing.TB, extra ...string) *proc {
	p := &proc{http: freeAddr(tb), of: freeAddr(tb), out: &lockedBuffer{}}
	p.args = append([]string{"-http", p.http, "-openflow", p.of, "-log-level", "warn", "-libvirt", "test:///default"}, extra...)
	tb.Cleanup(p.kill)
	p.start(tb)
	return p
}

func (p *proc) start(tb testing.TB) {
	tb.Helper()
	args, _ := json.Marshal(p.args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverArgsEnv+"="+string(args))
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(tb, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	require.Eventually(tb, func() bool {
		res, err := http.Get("http://" + p.http + "/")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "the server did not start:\n%s", p.out.String())
}

// kill kills the process with SIGKILL, as a crash would, and waits for it.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-exited
	}
}

// clusterView is what GET / says of the cluster.
type clusterView struct {
	Cluster *struct {
		Master     string `json:"master"`
		Generation uint64 `json:"generation"`
		IsMaster   bool   `json:"is_master"`
		Connected  bool   `json:"connected"`
		Switches   []struct {
			DPID   uint64    `json:"dpid"`
			Master string    `json:"master"`
			Since  time.Time `json:"since"`
		} `json:"switches"`
		Roles []struct {
			DPID       string `json:"dpid"`
			Role       string `json:"role"`
			Reconciled struct {
				Kept, Deleted, Added int
			} `json:"reconciled"`
		} `json:"roles"`
	} `json:"cluster"`
}

func (p *proc) view() (clusterView, error) {
	var v clusterView
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get("http://" + p.http + "/")
	if err != nil {
		return v, err
	}
	defer res.Body.Close()
	err = json.NewDecoder(res.Body).Decode(&v)
	if err == nil && v.Cluster == nil {
		err = fmt.Errorf("no cluster in GET /")
	}
	return v, err
}

// bed is three servers on one etcd sharing two linked switches, hosts in
// two slices, made through the Sliceable API.
type bed struct {
	tb     testing.TB
	ovs    *ovstest.Switch
	proto  string
	procs  []*proc
	a1, a2 *ovstest.Host // slice a, on br0 and br1
	a3     *ovstest.Host // slice a, on br1: for conversations that start after a kill
	b1     *ovstest.Host // slice b, on br0
	// proxies are how each server reaches etcd, when newBed was asked
	// for them.
	proxies map[*proc]*etcdtest.Proxy
}

const (
	macA1, macA2, macA3, macA4, macB1 = "02:00:00:0a:00:01", "02:00:00:0a:00:02", "02:00:00:0a:00:03", "02:00:00:0a:00:04", "02:00:00:0b:00:01"
)

// newBed starts the bed; with proxies, each server reaches etcd through a
// proxy of its own the test can cut.
func newBed(tb testing.TB, proto string, proxies bool) *bed {
	if os.Geteuid() != 0 {
		tb.Skip("needs root: network namespaces for the hosts")
	}
	etcd := etcdtest.Start(tb)
	ovs := ovstest.StartWith(tb, ovstest.Options{System: true})
	b := &bed{tb: tb, ovs: ovs, proto: proto, proxies: map[*proc]*etcdtest.Proxy{}}
	for range 3 {
		endpoint := etcd.Endpoint
		var px *etcdtest.Proxy
		if proxies {
			px = etcd.Proxy(tb)
			endpoint = px.Endpoint
		}
		p := startProc(tb, "-store", "etcd", "-etcd", endpoint, "-cluster-id", "test")
		b.procs = append(b.procs, p)
		if px != nil {
			b.proxies[p] = px
		}
	}
	var targets []string
	for _, p := range b.procs {
		targets = append(targets, "tcp:"+p.of)
	}
	for i, br := range []string{"br0", "br1"} {
		require.NoError(tb, ovs.AddBridge(ovstest.Bridge{Name: br, DatapathID: uint64(0xa1 + i), Protocols: []string{proto},
			Controller: targets[0], Controllers: targets[1:]}))
		// A killed server's switch comes back to it within a second of its
		// restart.
		ovs.Vsctl("--", "--all", "set", "controller", "max_backoff=1000")
	}
	ovs.LinkBridges(tb, "br0", 10, "br1", 10)
	b.a1 = ovs.AddHost(tb, ovstest.HostConfig{Bridge: "br0", OFPort: 1, MAC: macA1, Addr: "10.77.0.1/24"})
	b.a2 = ovs.AddHost(tb, ovstest.HostConfig{Bridge: "br1", OFPort: 1, MAC: macA2, Addr: "10.77.0.2/24"})
	b.a3 = ovs.AddHost(tb, ovstest.HostConfig{Bridge: "br1", OFPort: 3, MAC: macA3, Addr: "10.77.0.3/24"})
	b.b1 = ovs.AddHost(tb, ovstest.HostConfig{Bridge: "br0", OFPort: 2, MAC: macB1, Addr: "10.77.0.9/24"})
	api := "http://" + b.procs[0].http + "/sliceable/tenants"
	b.post(api, `{"id":"acme"}`)
	for _, n := range []string{"a", "b"} {
		b.post(api+"/acme/networks", `{"id":"`+n+`"}`)
	}
	b.port(0, "a", "a1", "0xa1", 1)
	b.port(0, "a", "a2", "0xa2", 1)
	b.port(0, "a", "a3", "0xa2", 3)
	b.port(0, "b", "b1", "0xa1", 2)
	b.waitMaster(time.Time{}, b.procs...)
	require.True(tb, b.a1.Ping("10.77.0.2", 10), "a1 → a2 across the switches:\n%s", b.logs())
	return b
}

func (b *bed) post(url, body string) {
	b.tb.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(b.tb, err)
	res.Body.Close()
	require.Equal(b.tb, http.StatusAccepted, res.StatusCode, "POST %s %s", url, body)
}

// port binds a switch port to network net through server i.
func (b *bed) port(i int, net, id, dpid string, port int) {
	b.post(fmt.Sprintf("http://%s/sliceable/tenants/acme/networks/%s/ports", b.procs[i].http, net),
		fmt.Sprintf(`{"id":%q,"datapath_id":%q,"port":%d,"vid":65535}`, id, dpid, port))
}

func (b *bed) logs() string {
	var out []string
	for i, p := range b.procs {
		out = append(out, fmt.Sprintf("server %d (%s):\n%s", i, p.of, p.out.String()))
	}
	return strings.Join(out, "\n")
}

// live returns the servers that run.
func (b *bed) live() []*proc {
	var out []*proc
	for _, p := range b.procs {
		p.mu.Lock()
		if p.cmd != nil {
			out = append(out, p)
		}
		p.mu.Unlock()
	}
	return out
}

// waitMaster waits until the servers (every live one when none is
// given) agree on one master, that master is master of both switches and
// published both since after, and the others are slaves of both. It
// returns the master and when it took the later switch.
func (b *bed) waitMaster(after time.Time, procs ...*proc) (*proc, time.Time) {
	b.tb.Helper()
	if len(procs) == 0 {
		procs = b.live()
	}
	var master *proc
	var since time.Time
	var last string
	ok := assert.Eventually(b.tb, func() bool {
		master, since = nil, time.Time{}
		name := ""
		for _, p := range procs {
			v, err := p.view()
			if err != nil {
				last = err.Error()
				return false
			}
			c := v.Cluster
			last = fmt.Sprintf("%s: %+v", p.of, *c)
			if name == "" {
				name = c.Master
			}
			if c.Master != name || name == "" || len(c.Switches) != 2 || len(c.Roles) != 2 {
				return false
			}
			want := "slave"
			if c.IsMaster {
				if master != nil || p.of != name {
					return false
				}
				master, want = p, "master"
			}
			for _, r := range c.Roles {
				if r.Role != want {
					return false
				}
			}
			for _, sw := range c.Switches {
				if sw.Master != name || !sw.Since.After(after) {
					return false
				}
				if sw.Since.After(since) {
					since = sw.Since
				}
			}
		}
		return master != nil
	}, 20*time.Second, 5*time.Millisecond, "the servers do not agree on one master")
	if !ok {
		b.tb.Fatalf("last: %s\n%s", last, b.logs())
	}
	return master, since
}

// pinger pings from a host every 10 ms and keeps the replies' times.
type pinger struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	replies []time.Time
	first   chan struct{}
	done    chan struct{}
}

var pingReply = regexp.MustCompile(`^\[(\d+)\.(\d+)\] \d+ bytes from`)

func startPinger(tb testing.TB, h *ovstest.Host, addr string) *pinger {
	p := &pinger{first: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command("ip", "netns", "exec", h.NS, "ping", "-n", "-D", "-i", "0.01", addr)
	out, err := p.cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, p.cmd.Start())
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			m := pingReply.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			sec, _ := strconv.ParseInt(m[1], 10, 64)
			usec, _ := strconv.ParseInt((m[2] + "000000")[:6], 10, 64)
			p.mu.Lock()
			p.replies = append(p.replies, time.Unix(sec, usec*1000))
			if len(p.replies) == 1 {
				close(p.first)
			}
			p.mu.Unlock()
		}
	}()
	tb.Cleanup(p.stop)
	return p
}

func (p *pinger) stop() {
	p.cmd.Process.Kill()
	<-p.done
	p.cmd.Wait()
}

// gap returns the longest time between two replies in [from, to].
func (p *pinger) gap(from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var g time.Duration
	var prev time.Time
	for _, r := range p.replies {
		if r.After(to) {
			g = max(g, r.Sub(prev)) // the silence that runs past to
			break
		}
		if !prev.IsZero() && !r.Before(from) {
			g = max(g, r.Sub(prev))
		}
		prev = r
	}
	return g
}

// failover is what one kill of the master measured.
type failover struct {
	// mastership: from the kill to the new master holding both switches.
	mastership time.Duration
	// newFlow: from the kill to the first reply of a conversation that
	// needs the controller (its flows deleted before the kill).
	newFlow time.Duration
	// gap: the longest silence of a conversation going on through the
	// kill, pinging every 10 ms.
	gap time.Duration
}

// Ways a master goes.
const (
	kill      = "kill"      // SIGKILL: its sockets close
	hang      = "hang"      // SIGSTOP: its sockets stay open, it says nothing
	partition = "partition" // its etcd proxy cut: it lives and keeps its switches
)

// killMaster makes the master go (how: kill, hang or partition) and
// measures the failover; during it, change (if set) is made through a
// surviving server. A hung master is killed once the failover is over; a
// partitioned one gets etcd back (and stays a slave).
func (b *bed) killMaster(change func(survivor int), how string) (failover, *proc) {
	b.tb.Helper()
	master, _ := b.waitMaster(time.Time{})
	// The conversation a1 → a3 will need the controller again.
	for _, br := range []string{"br0", "br1"} {
		for _, f := range []string{"dl_src=" + macA1 + ",dl_dst=" + macA3, "dl_src=" + macA3 + ",dl_dst=" + macA1} {
			out, err := b.ovs.Ofctl("-O", b.proto, "del-flows", b.ovs.BridgeName(br), f)
			require.NoError(b.tb, err, "%s", out)
		}
	}
	going := startPinger(b.tb, b.a1, "10.77.0.2")
	<-going.first
	time.Sleep(300 * time.Millisecond)
	killed := time.Now()
	switch how {
	case hang:
		master.mu.Lock()
		master.cmd.Process.Signal(syscall.SIGSTOP)
		master.mu.Unlock()
		defer master.kill()
	case partition:
		px := b.proxies[master]
		px.Cut()
		defer px.Restore(b.tb)
	default:
		master.kill()
	}
	fresh := startPinger(b.tb, b.a1, "10.77.0.3")
	if change != nil {
		for i, p := range b.procs {
			if p != master {
				change(i)
				break
			}
		}
	}
	var f failover
	select {
	case <-fresh.first:
		fresh.mu.Lock()
		f.newFlow = fresh.replies[0].Sub(killed)
		fresh.mu.Unlock()
	case <-time.After(10 * time.Second):
		var views []string
		for _, p := range b.procs {
			if p != master {
				v, err := p.view()
				views = append(views, fmt.Sprintf("%s: %+v %v", p.of, v.Cluster, err))
			}
		}
		f0, _ := b.ovs.DumpFlows("br0", b.proto)
		f1, _ := b.ovs.DumpFlows("br1", b.proto)
		b.tb.Errorf("a conversation that starts after the kill got no reply in 10 s\n%s\n%s\nbr0:\n%s\nbr1:\n%s",
			strings.Join(views, "\n"), b.logs(), strings.Join(f0, "\n"), strings.Join(f1, "\n"))
	}
	var survivors []*proc
	for _, p := range b.procs {
		if p != master {
			survivors = append(survivors, p)
		}
	}
	_, since := b.waitMaster(killed, survivors...)
	f.mastership = since.Sub(killed)
	time.Sleep(200 * time.Millisecond)
	going.stop()
	fresh.stop()
	f.gap = going.gap(killed.Add(-200*time.Millisecond), killed.Add(f.mastership+100*time.Millisecond))
	return f, master
}

// flowsOK checks the switches' forwarding flows: each one's MACs are two
// hosts of one slice, and no flow is there twice.
func (b *bed) flowsOK(slices map[string][]string) {
	b.tb.Helper()
	sliceOf := map[string]string{}
	for s, macs := range slices {
		for _, m := range macs {
			sliceOf[m] = s
		}
	}
	re := regexp.MustCompile(`dl_src=([0-9a-f:]+),dl_dst=([0-9a-f:]+)`)
	for _, br := range []string{"br0", "br1"} {
		flows, err := b.ovs.DumpFlows(br, b.proto)
		require.NoError(b.tb, err)
		seen := map[string]bool{}
		for _, f := range flows {
			if !strings.Contains(f, "priority=100") || !strings.Contains(f, "dl_dst=") {
				continue
			}
			assert.False(b.tb, seen[f], "%s: a flow twice: %s", br, f)
			seen[f] = true
			m := re.FindStringSubmatch(f)
			if !assert.NotNil(b.tb, m, "%s: %s", br, f) {
				continue
			}
			src, dst := sliceOf[m[1]], sliceOf[m[2]]
			assert.True(b.tb, src != "" && src == dst, "%s: a stale flow, or one across slices: %s", br, f)
		}
	}
}

// TestIntegrationCluster runs three servers on one etcd sharing two
// switches, kills the master with SIGKILL while hosts ping every 10 ms,
// and checks that another takes over within the lease, that a
// conversation going on never stops and one starting after the kill gets
// its flows from the new master, that a Sliceable change made through
// another server during the failover reaches the switches, that the flows
// are neither stale nor doubled and the slices stay isolated, and that
// the killed server rejoins as a slave.
func TestIntegrationCluster(t *testing.T) {
	for _, proto := range []string{"OpenFlow13", "OpenFlow10"} {
		t.Run(proto, func(t *testing.T) {
			b := newBed(t, proto, false)
			require.True(t, b.a1.Ping("10.77.0.3", 5), "a1 → a3")
			a4 := b.ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 4, MAC: macA4, Addr: "10.77.0.4/24"})
			f, killed := b.killMaster(func(i int) { b.port(i, "a", "a4", "0xa1", 4) }, kill)
			t.Logf("%s: mastership after %v, first reply of a new conversation after %v, longest silence of a going one %v",
				proto, f.mastership, f.newFlow, f.gap)
			assert.Less(t, f.mastership, 2*time.Second)
			assert.Less(t, f.newFlow, 2*time.Second)
			assert.Less(t, f.gap, 500*time.Millisecond, "the conversation going on stopped")

			assert.True(t, a4.Ping("10.77.0.1", 5), "the port bound during the failover:\n%s", b.logs())
			assert.False(t, b.b1.Ping("10.77.0.2", 1), "slice b reached slice a")
			b.flowsOK(map[string][]string{"a": {macA1, macA2, macA3, macA4}, "b": {macB1}})

			killed.start(t)
			master, _ := b.waitMaster(time.Time{}, b.procs...)
			assert.NotEqual(t, killed, master, "the restarted server rejoins as a slave")

			// /metrics of every server says the same of each switch's
			// master, and each server its own role.
			var first string
			for _, p := range b.procs {
				fams := scrape(t, "http://"+p.http)
				var lines []string
				for _, name := range []string{"netslice_cluster_switch_master", "netslice_cluster_switch_master_since_seconds", "netslice_cluster_master"} {
					for _, m := range fams[name].GetMetric() {
						lines = append(lines, fmt.Sprintf("%s %v %v", name, m.GetLabel(), m.GetGauge().GetValue()))
					}
				}
				sort.Strings(lines)
				got := strings.Join(lines, "\n")
				assert.Len(t, lines, 5, "%s", got)
				if first == "" {
					first = got
				}
				assert.Equal(t, first, got, "server %s", p.of)
				is, _ := value(fams, "netslice_cluster_is_master")
				assert.Equal(t, p == master, is == 1, "server %s", p.of)
				role := "slave"
				if p == master {
					role = "master"
				}
				n, _ := value(fams, "netslice_openflow_switch_role", "role", role)
				assert.Equal(t, 2.0, n, "server %s is %s of both switches", p.of, role)
			}
		})
	}
}

// switchRoles returns the role Open vSwitch gives each controller of a
// bridge, by target.
func (b *bed) switchRoles(br string) map[string]string {
	b.tb.Helper()
	out, err := b.ovs.Vsctl("--format=csv", "--data=bare", "--no-headings", "--columns=target,role", "list", "controller")
	require.NoError(b.tb, err, "%s", out)
	roles := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		target, role, _ := strings.Cut(line, ",")
		roles[target] = role
	}
	return roles
}

// TestIntegrationClusterPartition cuts the master off etcd while it keeps
// its switches: within its lease the switches hold it a slave (it asked
// to be one, and stopped writing), another server becomes master with a
// newer generation and forwards new conversations, and once etcd is back
// the old master rejoins as a slave.
func TestIntegrationClusterPartition(t *testing.T) {
	b := newBed(t, "OpenFlow13", true)
	master, _ := b.waitMaster(time.Time{})
	target := "tcp:" + master.of
	require.Eventually(t, func() bool { return b.switchRoles("br0")[target] == "master" }, 10*time.Second, 5*time.Millisecond,
		"Open vSwitch's database does not say the master is")

	cut := time.Now()
	b.proxies[master].Cut()
	// The server's word first: the switches' own (Open vSwitch's
	// database) is refreshed only every few seconds.
	require.Eventually(t, func() bool {
		v, err := master.view()
		if err != nil || v.Cluster.IsMaster || len(v.Cluster.Roles) != 2 {
			return false
		}
		for _, r := range v.Cluster.Roles {
			if r.Role != "slave" {
				return false
			}
		}
		return true
	}, 3*time.Second, 5*time.Millisecond, "the cut-off server still drives the switches")
	stopped := time.Since(cut)
	t.Logf("cut off etcd at 0: the server is a slave of both switches (granted by them) after %v", stopped)
	assert.Less(t, stopped, time.Second, "it stops within its lease")
	v, err := master.view()
	require.NoError(t, err)
	assert.False(t, v.Cluster.Connected)
	next, since := b.waitMaster(cut, b.procs[1:]...)
	t.Logf("the next master holds both switches after %v", since.Sub(cut))
	assert.Eventually(t, func() bool {
		for _, br := range []string{"br0", "br1"} {
			roles := b.switchRoles(br)
			if roles["tcp:"+next.of] != "master" || roles[target] != "slave" {
				return false
			}
		}
		return true
	}, 15*time.Second, 100*time.Millisecond, "Open vSwitch's database does not say so")
	for _, br := range []string{"br0", "br1"} {
		for _, f := range []string{"dl_dst=" + macA3, "dl_src=" + macA3} {
			_, err := b.ovs.Ofctl("-O", b.proto, "del-flows", b.ovs.BridgeName(br), f)
			require.NoError(t, err)
		}
	}
	assert.True(t, b.a1.Ping("10.77.0.3", 5), "a conversation through the new master")

	b.proxies[master].Restore(t)
	m, _ := b.waitMaster(time.Time{}, b.procs...)
	assert.Equal(t, next, m, "the old master rejoins as a slave")
}

// TestIntegrationClusterSwitchLost takes one switch away from the master
// (its controller entry removed from the bridge) while the other servers
// keep it: the master hands over to one that reaches both, which forwards
// for both.
func TestIntegrationClusterSwitchLost(t *testing.T) {
	b := newBed(t, "OpenFlow13", false)
	master, _ := b.waitMaster(time.Time{})
	br1 := b.ovs.BridgeName("br1")
	out, err := b.ovs.Vsctl("--format=csv", "--data=bare", "--no-headings", "--columns=_uuid,target", "list", "controller")
	require.NoError(t, err, "%s", out)
	bridgeOut, err := b.ovs.Vsctl("--data=bare", "--no-headings", "--columns=controller", "list", "bridge", br1)
	require.NoError(t, err)
	var gone string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		uuid, target, _ := strings.Cut(line, ",")
		if target == "tcp:"+master.of && strings.Contains(bridgeOut, uuid) {
			gone = uuid
		}
	}
	require.NotEmpty(t, gone, "the master's controller entry of br1")
	lost := time.Now()
	out, err = b.ovs.Vsctl("remove", "bridge", br1, "controller", gone)
	require.NoError(t, err, "%s", out)

	var others []*proc
	for _, p := range b.procs {
		if p != master {
			others = append(others, p)
		}
	}
	next, since := b.waitMaster(lost, others...)
	t.Logf("the master lost a switch at 0; the next holds both after %v", since.Sub(lost))
	assert.NotEqual(t, master, next)
	v, err := master.view()
	require.NoError(t, err)
	assert.False(t, v.Cluster.IsMaster)
	for _, br := range []string{"br0", "br1"} {
		for _, f := range []string{"dl_dst=" + macA3, "dl_src=" + macA3} {
			_, err := b.ovs.Ofctl("-O", b.proto, "del-flows", b.ovs.BridgeName(br), f)
			require.NoError(t, err)
		}
	}
	assert.True(t, b.a1.Ping("10.77.0.3", 5), "a conversation through the new master, across both switches")
}

// BenchmarkFailover makes the master go b.N times (-benchtime=20x), each
// time bringing it back as a slave, and reports the medians and maxima of
// the mastership failover, of the first reply of a conversation that
// starts after, and of the silence of one going on. kill is SIGKILL: the
// others see its connection break and revoke its lease; hang is SIGSTOP:
// its beats stop, and after half a lease the others revoke it; partition
// cuts it off etcd: it demotes itself, and the others wait for etcd to
// expire its lease (1 s).
func BenchmarkFailover(b *testing.B) {
	for _, how := range []string{kill, hang, partition} {
		b.Run(how, func(b *testing.B) {
			bd := newBed(b, "OpenFlow13", how == partition)
			var ms, nf, gaps []time.Duration
			b.ResetTimer()
			for range b.N {
				f, gone := bd.killMaster(nil, how)
				ms, nf, gaps = append(ms, f.mastership), append(nf, f.newFlow), append(gaps, f.gap)
				if how != partition {
					gone.kill()
					gone.start(b)
				}
				bd.waitMaster(time.Time{}, bd.procs...)
			}
			b.StopTimer()
			report := func(name string, ds []time.Duration) {
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				b.ReportMetric(float64(ds[len(ds)/2])/1e6, name+"-median-ms")
				b.ReportMetric(float64(slices.Max(ds))/1e6, name+"-max-ms")
			}
			report("mastership", ms)
			report("new-flow", nf)
			report("gap", gaps)
		})
	}
}
