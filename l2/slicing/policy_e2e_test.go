package slicing_test

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
)

// setSlice makes slice id look like spec, creating it when need be.
func (e *env) setSlice(id string, spec l2.SliceSpec) {
	e.t.Helper()
	e.update(func(tx *l2.Tx) error {
		if !tx.HasSlice(id) {
			if err := tx.AddSlice(id); err != nil {
				return err
			}
		}
		return tx.SetSlice(id, spec)
	})
}

// The policy scenarios' hosts: h1 at port 1 of br0 (datapath 0xa1) with
// MAC mac1, h2 at port 2 with mac2 and 10.99.0.2/24.
var (
	mac1, mac2 = l2.MustParseMAC("02:00:00:00:00:01"), l2.MustParseMAC("02:00:00:00:00:02")
	p1, p2     = loc(0xa1, 1, U), loc(0xa1, 2, U)
)

// hosts starts a switch br0 with h1 (addr1, "" for none) and, when two,
// h2.
func hosts(t *testing.T, v openflow.Version, addr1 string, two bool) (e *env, h1, h2 *ovstest.Host) {
	e = newEnv(t, v)
	e.bridge("br0", 0xa1)
	h1 = e.host("br0", 1, mac1.String(), addr1, 0)
	if two {
		h2 = e.host("br0", 2, mac2.String(), "10.99.0.2/24", 0)
	}
	return e, h1, h2
}

// isDHCPRequest reports whether frame is an untagged IPv4 UDP datagram
// to port 67.
func isDHCPRequest(frame []byte) bool {
	var f l2.Frame
	if f.UnmarshalBinary(frame) != nil || f.EtherType != l2.EtherTypeIPv4 || len(f.Payload) < 28 || f.Payload[9] != 17 {
		return false
	}
	ihl := int(f.Payload[0]&0x0f) * 4
	return len(f.Payload) >= ihl+4 && f.Payload[ihl+2] == 0 && f.Payload[ihl+3] == 67
}

// sshOnly checks h2 (10.99.0.2) behind rules that let TCP 22 in and
// anything out: h1 (10.99.0.1) reaches its port 22 and not 23, h2's own
// connection to h1's port 80 and its ping get their replies, an
// unsolicited ping does not get in. br is the bridge whose flows a
// failure shows.
func sshOnly(t *testing.T, e *env, h1, h2 *ovstest.Host, br string) {
	t.Helper()
	h2.ServeTCP(t, 22)
	h2.ServeTCP(t, 23)
	h1.ServeTCP(t, 80)
	require.True(t, h2.Ping("10.99.0.1", patience(5)), "h2's ping out and its reply")
	assert.True(t, h1.ConnectsTCP("10.99.0.2", 22), "TCP 22 is allowed in:\n%s", strings.Join(e.flows(br), "\n"))
	assert.False(t, h1.ConnectsTCP("10.99.0.2", 23), "TCP 23 is not")
	assert.True(t, h2.ConnectsTCP("10.99.0.1", 80), "h2's connection out gets its replies")
	assert.False(t, h1.Ping("10.99.0.2", 1), "an unsolicited ping got in")
}

// inHost runs a command in h's namespace.
func inHost(t *testing.T, h *ovstest.Host, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", h.NS}, args...)...).CombinedOutput()
	require.NoError(t, err, "%v: %s", args, out)
}

// Port security: a host may send only from the MAC and addresses its
// port's policy names. One that takes another address, or another MAC, is
// cut off; an address pair added to the policy lets it back; a port with
// no policy and no attachment lets anything through.
func TestIntegrationPortSecurity(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, _ := hosts(t, v, "10.99.0.1/24", true)
		other := l2.MustParseMAC("02:00:00:00:00:09")
		set := func(spec l2.SliceSpec) {
			e.setSlice("a", spec)
		}
		pair := func(mac l2.MAC, prefix string) l2.AddressPair {
			return l2.AddressPair{MAC: mac, Prefix: netip.MustParsePrefix(prefix)}
		}
		guarded := func(pairs ...l2.AddressPair) l2.SliceSpec {
			return l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}, p2: {mac2}},
				Policies: map[l2.Location]*l2.PortPolicy{p1: {Sources: pairs}}}
		}
		set(guarded(pair(mac1, "10.99.0.1/32")))
		require.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 from its own address")
		// Its flows name the address they were checked for.
		assert.NotEmpty(t, e.flowsWith("br0", "priority=100", "in_port=1", "nw_src=10.99.0.1"), "%s", strings.Join(e.flows("br0"), "\n"))
		assert.Empty(t, e.flowsWith("br0", "priority=100", "in_port=1", "arp"), "ARP from a guarded port is checked frame by frame")

		// Another address: cut off, ARP and IP (h2's neighbor entry is
		// made permanent so that h1 sends IP, which gets a drop flow).
		inHost(t, h1, "ip", "addr", "flush", "dev", h1.Dev)
		inHost(t, h1, "ip", "addr", "add", "10.99.0.9/24", "dev", h1.Dev)
		assert.False(t, h1.Ping("10.99.0.2", 1), "h1's ARP from an address its policy does not name got an answer")
		inHost(t, h1, "ip", "neigh", "replace", "10.99.0.2", "lladdr", mac2.String(), "dev", h1.Dev)
		assert.False(t, h1.Ping("10.99.0.2", 2), "h1 reached h2 from an address its policy does not name")
		assert.NotZero(t, e.app.Stats().Spoofed)
		assert.NotEmpty(t, e.flowsWith("br0", "in_port=1", "nw_src=10.99.0.9", "actions=drop"), "%s", strings.Join(e.flows("br0"), "\n"))

		// An address pair for it: through again.
		set(guarded(pair(mac1, "10.99.0.1/32"), pair(mac1, "10.99.0.8/29")))
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 from an address pair")

		// Another MAC: cut off.
		inHost(t, h1, "ip", "link", "set", h1.Dev, "address", other.String())
		assert.False(t, h1.Ping("10.99.0.2", 2), "h1 reached h2 from a MAC its port does not attach")

		// No policy, no attachment (port security off): anything goes.
		set(l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: nil, p2: {mac2}}})
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "h1 on a port without port security")
		assert.Empty(t, e.flowsWith("br0", "nw_src=10.99.0.9", "actions=drop"), "the drop flows went with the policy")
	})
}

// DHCP: a host on a port whose policy has DHCP gets its address, router,
// DNS server, MTU and routes from the controller, reaches the slice with
// them, and renews; its requests reach no other host.
func TestIntegrationDHCP(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, h2 := hosts(t, v, "", true)
		e.setSlice("a", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}, p2: {mac2}},
			Policies: map[l2.Location]*l2.PortPolicy{p1: {
				Sources: []l2.AddressPair{{MAC: mac1, Prefix: netip.MustParsePrefix("10.99.0.1/32")}},
				DHCP: &l2.DHCPv4{Address: netip.MustParsePrefix("10.99.0.1/24"), Server: netip.MustParseAddr("10.99.0.254"),
					Router: netip.MustParseAddr("10.99.0.254"), DNS: []netip.Addr{netip.MustParseAddr("10.99.0.53")},
					Routes: []l2.Route{{Dst: netip.MustParsePrefix("10.200.0.0/16"), Via: netip.MustParseAddr("10.99.0.254")}},
					MTU:    1400, Lease: time.Hour, Domain: "example.test"},
			}}})
		stop, err := h2.Capture(isDHCPRequest)
		require.NoError(t, err)
		c := h1.StartDHCPClient(t)
		events := c.Events(t, 2)
		assert.Equal(t, "deconfig", strings.Fields(events[0])[0], "%q", events)
		bound := "bound ip=10.99.0.1 mask=24 router=10.99.0.254 dns=10.99.0.53 domain=example.test mtu=1400 lease=3600 " +
			"staticroutes=10.200.0.0/16 10.99.0.254 0.0.0.0/0 10.99.0.254"
		assert.Equal(t, bound, events[1])
		// A renewal, now: unicast to the server first (which nothing
		// answers ARP for), then broadcast (rebinding).
		require.NoError(t, c.Renew())
		events = c.Events(t, 3)
		assert.Equal(t, strings.Replace(bound, "bound", "renew", 1), events[2])
		seen, err := stop()
		require.NoError(t, err)
		assert.Zero(t, seen, "a DHCP request reached another host")
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "the host with its DHCP address")
		st := e.app.Stats()
		assert.GreaterOrEqual(t, st.DHCPAnswers, uint64(3), "an offer, an ack, an ack to the renewal")
	})
}

// ARP and neighbor discovery at the edge: a request for an address a
// port's policy gives it is answered by the controller. h2 answers
// neither itself here, so h1 reaches it only through the controller's
// answers.
func TestIntegrationARPAnswered(t *testing.T) {
	if _, err := exec.LookPath("ip6tables"); err != nil {
		t.Skip("ip6tables (Debian: iptables) is not installed: a host cannot be kept from answering neighbor discovery")
	}
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, h2 := hosts(t, v, "10.99.0.1/24", true)
		for _, h := range []*ovstest.Host{h1, h2} {
			inHost(t, h, "sysctl", "-qw", "net.ipv6.conf."+h.Dev+".disable_ipv6=0")
		}
		inHost(t, h1, "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", h1.Dev, "nodad")
		inHost(t, h2, "ip", "-6", "addr", "add", "2001:db8::2/64", "dev", h2.Dev, "nodad")
		inHost(t, h2, "ip", "link", "set", h2.Dev, "arp", "off")
		// Nor neighbor solicitations (which NOARP does not stop).
		inHost(t, h2, "ip6tables", "-A", "INPUT", "-p", "icmpv6", "--icmpv6-type", "neighbour-solicitation", "-j", "DROP")
		inHost(t, h2, "ip", "neigh", "replace", "10.99.0.1", "lladdr", mac1.String(), "dev", h2.Dev)
		inHost(t, h2, "ip", "-6", "neigh", "replace", "2001:db8::1", "lladdr", mac1.String(), "dev", h2.Dev)
		spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}, p2: {mac2}}}
		e.setSlice("a", spec)
		assert.False(t, h1.Ping("10.99.0.2", 1), "h2 answered ARP with ARP off")
		assert.False(t, h1.Ping("2001:db8::2", 1), "h2 answered a neighbor solicitation with ARP off")
		spec.Policies = map[l2.Location]*l2.PortPolicy{p2: {Addresses: []l2.AddressPair{
			{MAC: mac2, Prefix: netip.MustParsePrefix("10.99.0.2/32")}, {MAC: mac2, Prefix: netip.MustParsePrefix("2001:db8::2/128")}}}}
		e.setSlice("a", spec)
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "the controller did not answer ARP for h2")
		assert.True(t, h1.Ping("2001:db8::2", patience(5)), "the controller did not answer a neighbor solicitation for h2")
		assert.NotZero(t, e.app.Stats().ARPAnswers)
	})
}

// Security rules, stateful: h2 admits TCP 22 from 10.99.0.0/24 and
// nothing else, and may send anything. h1 connects on 22 and not on 23;
// h2's own connections out get their replies; h1's ping, unsolicited, is
// dropped; without the rule, 22 closes. On OpenFlow 1.0 the port is
// reported unenforced.
func TestIntegrationSecurityRules(t *testing.T) {
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Skip("busybox (Debian: busybox-static) is not installed: no nc")
	}
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, h2 := hosts(t, v, "10.99.0.1/24", true)
		for _, h := range []*ovstest.Host{h1, h2} {
			require.NoError(t, h.DisableTxChecksum())
		}
		v4 := uint16(l2.EtherTypeIPv4)
		ssh := l2.Rule{EtherType: v4, Protocol: 6, PortMin: 22, PortMax: 22, Remote: netip.MustParsePrefix("10.99.0.0/24")}
		stateless := false
		set := func(ingress ...l2.Rule) {
			e.setSlice("a", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}, p2: {mac2}},
				Policies: map[l2.Location]*l2.PortPolicy{p2: {Filtered: true, Stateless: stateless, Ingress: ingress, Egress: []l2.Rule{{EtherType: v4}},
					Sources: []l2.AddressPair{{MAC: mac2, Prefix: netip.MustParsePrefix("10.99.0.2/32")}}}}})
		}
		set(ssh)
		if v == openflow.Version10 {
			assert.Equal(t, []l2.Location{p2}, e.app.Unenforced())
			return
		}
		assert.Empty(t, e.app.Unenforced())
		sshOnly(t, e, h1, h2, "br0")
		assert.NotEmpty(t, e.flowsWith("br0", "table=3", "tp_dst=22", "ct(commit,zone="))

		set() // the rule goes
		// The switch takes the change at once; frames already on a path its
		// datapath cached may follow that path a moment longer, until Open
		// vSwitch revalidates it.
		require.Eventually(t, func() bool { return len(e.flowsWith("br0", "table=3", "tp_dst=22")) == 0 },
			5*time.Second, 20*time.Millisecond, "the rule's flows stay")
		assert.Eventually(t, func() bool { return !h1.ConnectsTCP("10.99.0.2", 22) }, 10*time.Second, 100*time.Millisecond,
			"TCP 22 still open without its rule")
		assert.True(t, h2.ConnectsTCP("10.99.0.1", 80), "h2's connections out still work")

		set(ssh, l2.Rule{EtherType: v4, Protocol: 1}) // and ICMP
		assert.True(t, h1.Ping("10.99.0.2", patience(5)), "ICMP allowed in")
		assert.True(t, h1.ConnectsTCP("10.99.0.2", 22))

		// Stateless: the rules alone decide, replies included. h2's
		// egress allows anything, so its answers on 22 leave; nothing
		// lets the answers to its own connection in.
		stateless = true
		set(ssh)
		assert.True(t, h1.ConnectsTCP("10.99.0.2", 22), "TCP 22 in, stateless")
		assert.False(t, h1.ConnectsTCP("10.99.0.2", 23), "TCP 23 in, stateless")
		assert.False(t, h2.ConnectsTCP("10.99.0.1", 80), "a reply got in with no rule for it")
		assert.NotEmpty(t, e.flowsWith("br0", "table=3", "tp_dst=22", "actions=output:2"), "%s", strings.Join(e.flows("br0"), "\n"))

		// Port security comes first: a connection from an address h2 may
		// not use leaves no trace in the tracker.
		stateless = false
		set(ssh)
		inHost(t, h2, "ip", "addr", "add", "10.99.0.9/24", "dev", h2.Dev)
		inHost(t, h2, "ip", "route", "replace", "10.99.0.1/32", "dev", h2.Dev, "src", "10.99.0.9")
		assert.False(t, h2.ConnectsTCP("10.99.0.1", 80), "a connection from a spoofed address")
		ct, err := e.ovs.Appctl("dpctl/dump-conntrack")
		require.NoError(t, err)
		assert.NotContains(t, ct, "10.99.0.9")
	})
}

// Router advertisements: a host on a port whose policy has an RA forms
// its SLAAC address in the advertised prefix and takes the link's MTU.
func TestIntegrationRouterAdvertisement(t *testing.T) {
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, _ := hosts(t, v, "", false)
		e.setSlice("a", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}},
			Policies: map[l2.Location]*l2.PortPolicy{p1: {RA: &l2.RouterAdvertisement{Prefix: netip.MustParsePrefix("2001:db8:1::/64"),
				SLAAC: true, MTU: 1400, DNS: []netip.Addr{netip.MustParseAddr("2001:db8:1::53")}}}}})
		inHost(t, h1, "sysctl", "-qw", "net.ipv6.conf."+h1.Dev+".disable_ipv6=0", "net.ipv6.conf."+h1.Dev+".accept_ra=1")
		inHost(t, h1, "ip", "link", "set", h1.Dev, "down")
		inHost(t, h1, "ip", "link", "set", h1.Dev, "up") // solicits
		assert.Eventually(t, func() bool {
			out, _ := exec.Command("ip", "netns", "exec", h1.NS, "ip", "-6", "addr", "show", "dev", h1.Dev).Output()
			return strings.Contains(string(out), "2001:db8:1::ff:fe00:1/64")
		}, time.Duration(patience(10))*time.Second, 100*time.Millisecond, "no SLAAC address")
		mtu, err := exec.Command("ip", "netns", "exec", h1.NS, "cat", "/proc/sys/net/ipv6/conf/"+h1.Dev+"/mtu").Output()
		require.NoError(t, err)
		assert.Equal(t, "1400", strings.TrimSpace(string(mtu)))
		assert.NotZero(t, e.app.Stats().RAAnswers)
	})
}

// DHCPv6: a host on a port whose policy has a DHCPv6 address leases it
// with ISC dhclient.
func TestIntegrationDHCPv6(t *testing.T) {
	dhclient, err := exec.LookPath("dhclient")
	if err != nil {
		t.Skip("dhclient (Debian: isc-dhcp-client) is not installed: no DHCPv6 client")
	}
	bothVersions(t, func(t *testing.T, v openflow.Version) {
		e, h1, _ := hosts(t, v, "", false)
		e.setSlice("a", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}},
			Policies: map[l2.Location]*l2.PortPolicy{p1: {DHCPv6: &l2.DHCPv6{Address: netip.MustParseAddr("2001:db8:1::5"),
				DNS: []netip.Addr{netip.MustParseAddr("2001:db8:1::53")}}}}})
		// IPv6 on, with its link-local address at once (no duplicate
		// address detection to wait for).
		inHost(t, h1, "sysctl", "-qw", "net.ipv6.conf."+h1.Dev+".accept_dad=0", "net.ipv6.conf."+h1.Dev+".disable_ipv6=0")
		dir := t.TempDir()
		script := dir + "/script"
		require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho \"$reason $new_ip6_address $new_dhcp6_name_servers\" >> "+dir+"/events\n"), 0o755))
		cmd := exec.Command("ip", "netns", "exec", h1.NS, dhclient, "-6", "-1", "-d", "-v",
			"-sf", script, "-lf", dir+"/leases", "-pf", dir+"/pid", h1.Dev)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		bound := func() bool {
			events, _ := os.ReadFile(dir + "/events")
			return strings.Contains(string(events), "BOUND6 2001:db8:1::5 2001:db8:1::53")
		}
		ok := assert.Eventually(t, bound, 10*time.Second, 50*time.Millisecond, "no lease")
		cmd.Process.Kill()
		cmd.Wait()
		if !ok {
			t.Logf("dhclient:\n%s", out.String())
		}
		assert.GreaterOrEqual(t, e.app.Stats().DHCPAnswers, uint64(2), "an advertise and a reply")
	})
}

// Security rules across two switches: h1 on br0 reaches filtered h2 on
// br1 on TCP 22 only; h2's own connection to h1 gets its replies. The
// sender's switch re-injects the first packet, the receiver's tracks the
// connection.
func TestIntegrationSecurityRulesAcrossSwitches(t *testing.T) {
	e, h1, h2 := twoSwitches(t, openflow.Version13)
	for _, h := range []*ovstest.Host{h1, h2} {
		require.NoError(t, h.DisableTxChecksum())
	}
	e.links(1)
	at2 := loc(0xa2, 1, U)
	v4 := uint16(l2.EtherTypeIPv4)
	e.setSlice("a", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: {mac1}, at2: {mac2}},
		Policies: map[l2.Location]*l2.PortPolicy{at2: {Filtered: true, Egress: []l2.Rule{{EtherType: v4}},
			Ingress: []l2.Rule{{EtherType: v4, Protocol: 6, PortMin: 22, PortMax: 22}}}}})
	sshOnly(t, e, h1, h2, "br1")
	assert.NotEmpty(t, e.flowsWith("br1", "table=3", "tp_dst=22"), "the receiver's switch holds its rules")
	assert.Empty(t, e.flowsWith("br0", "table=3"), "the sender's switch holds none")
}
