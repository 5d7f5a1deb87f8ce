package neutron_test

import (
	"context"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

// follow runs a source into f and returns a function that waits until
// the fabric has what the store has: everything up to the revision of
// head (the key every transaction of the source's writer writes), or up
// to the store's revision when head is "".
func follow(t testing.TB, st store.Store, f *sources.Follower, src sources.Source, head string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, src)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() {
		t.Helper()
		rev, err := st.Revision(context.Background())
		if head != "" {
			var kv store.KV
			kv, err = st.Get(context.Background(), head)
			rev = kv.ModRevision
		}
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			for _, s := range f.Status() {
				if s.Name == src.Name() && s.Revision >= rev {
					return true
				}
			}
			return false
		}, 5*time.Second, 2*time.Millisecond, "the fabric did not catch up")
	}
}

// sourceBed is a running service whose source feeds a fabric: wait
// returns once the fabric has the service's last write. ctx acts as an
// admin of project p.
func sourceBed(tb testing.TB, opts neutron.Options) (svc *neutron.Service, ctx context.Context, fabric *l2.Fabric, wait func()) {
	st := memory.New(nil)
	ctx = neutron.WithCaller(context.Background(), neutron.Caller{Project: "p", Admin: true})
	svc, err := neutron.NewService(st, opts)
	require.NoError(tb, err)
	running(tb, svc)
	fabric = l2.NewFabric(l2.Options{})
	wait = follow(tb, st, sources.New(fabric.Update, sources.Options{}), svc.Source(""), "neutron/=head")
	return svc, ctx, fabric, wait
}

func TestSource(t *testing.T) {
	svc, ctx, fabric, wait := sourceBed(t, neutron.Options{})

	n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	require.NoError(t, err)
	vlan, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "v", "provider:network_type": "vlan",
		"provider:physical_network": "physnet1", "provider:segmentation_id": 42})
	require.NoError(t, err)
	bound, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "binding:host_id": "0x00000000000000e0",
		"binding:profile": map[string]any{"port": 1}, "allowed_address_pairs": []any{map[string]any{"ip_address": "10.0.0.99", "mac_address": "02:00:00:00:00:99"}}})
	require.NoError(t, err)
	assert.Equal(t, "ovs", bound.VIFType)
	assert.Equal(t, "ACTIVE", bound.Status)
	roaming, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID})
	require.NoError(t, err)
	assert.Equal(t, "unbound", roaming.VIFType)
	tagged, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": vlan.ID, "binding:host_id": "00000000000000e0",
		"binding:profile": map[string]any{"port": 2}})
	require.NoError(t, err)
	broken, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": vlan.ID, "binding:host_id": "compute-1"})
	require.NoError(t, err)
	assert.Equal(t, "binding_failed", broken.VIFType)
	wait()

	assert.ElementsMatch(t, []string{"neutron/" + n.ID, "neutron/" + vlan.ID}, fabric.Slices())
	bs, err := fabric.Bindings("neutron/" + n.ID)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, l2.Location{Datapath: 0xe0, Port: 1, VLAN: l2.Untagged}, bs[0].Location)
	assert.ElementsMatch(t, []l2.MAC{l2.MustParseMAC(bound.MACAddress), l2.MustParseMAC("02:00:00:00:00:99")}, bs[0].Attached)
	// Port security: its MAC with any address (it has no fixed IP), the
	// address pair with its MAC.
	require.NotNil(t, bs[0].Policy)
	assert.Equal(t, []l2.AddressPair{{MAC: l2.MustParseMAC(bound.MACAddress)},
		{MAC: l2.MustParseMAC("02:00:00:00:00:99"), Prefix: netip.MustParsePrefix("10.0.0.99/32")}}, bs[0].Policy.Sources)
	macs, _ := fabric.NetworkAttachments("neutron/" + n.ID)
	assert.Equal(t, []l2.MAC{l2.MustParseMAC(roaming.MACAddress)}, macs)
	bs, _ = fabric.Bindings("neutron/" + vlan.ID)
	require.Len(t, bs, 1)
	assert.Equal(t, l2.Location{Datapath: 0xe0, Port: 2, VLAN: 42}, bs[0].Location, "the provider VLAN tags a bound port")
	require.NotNil(t, bs[0].Policy)
	assert.Equal(t, []l2.AddressPair{{MAC: l2.MustParseMAC(tagged.MACAddress)}}, bs[0].Policy.Sources)
	// Without port security: every MAC and address, no policy.
	_, err = svc.UpdatePort(ctx, tagged.ID, neutron.Attrs{"port_security_enabled": false, "security_groups": []any{}}, -1)
	require.NoError(t, err)
	wait()
	bs, _ = fabric.Bindings("neutron/" + vlan.ID)
	require.Len(t, bs, 1)
	assert.Empty(t, bs[0].Attached)
	assert.Nil(t, bs[0].Policy)

	// DHCP: a port's first address on a subnet with DHCP; a change of
	// the subnet reaches the fabric.
	sub, err := svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4, "enable_dhcp": false})
	require.NoError(t, err)
	served, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "binding:host_id": "0x00000000000000e0",
		"binding:profile": map[string]any{"port": 3}, "fixed_ips": []any{map[string]any{"ip_address": "10.0.0.7"}}})
	require.NoError(t, err)
	servedAt := l2.Location{Datapath: 0xe0, Port: 3, VLAN: l2.Untagged}
	policy := func() *l2.PortPolicy {
		wait()
		bs, err := fabric.Bindings("neutron/" + n.ID)
		require.NoError(t, err)
		for _, b := range bs {
			if b.Location == servedAt {
				return b.Policy
			}
		}
		t.Fatalf("%v is not bound", servedAt)
		return nil
	}
	require.NotNil(t, policy())
	assert.Nil(t, policy().DHCP, "a subnet without DHCP")
	assert.Equal(t, []l2.AddressPair{{MAC: l2.MustParseMAC(served.MACAddress), Prefix: netip.MustParsePrefix("10.0.0.7/32")}},
		policy().Addresses, "ARP is answered for its fixed IP")
	_, err = svc.UpdateSubnet(ctx, sub.ID, neutron.Attrs{"enable_dhcp": true, "dns_nameservers": []any{"10.0.0.53"}}, -1)
	require.NoError(t, err)
	if d := policy().DHCP; assert.NotNil(t, d) {
		assert.Equal(t, netip.MustParsePrefix("10.0.0.7/24"), d.Address)
		assert.Equal(t, netip.MustParseAddr("10.0.0.1"), d.Router)
		assert.Equal(t, netip.MustParseAddr("10.0.0.1"), d.Server)
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.0.53")}, d.DNS)
	}
	_, err = svc.UpdateSubnet(ctx, sub.ID, neutron.Attrs{"gateway_ip": nil}, -1)
	require.NoError(t, err)
	if d := policy().DHCP; assert.NotNil(t, d) {
		assert.False(t, d.Router.IsValid(), "no gateway, no router")
		assert.Equal(t, netip.MustParseAddr("10.0.0.1"), d.Server, "the server is the subnet's first address then")
	}
	require.NoError(t, svc.DeletePort(ctx, served.ID, -1))

	// Router advertisements: a port's first IPv6 address on a SLAAC
	// subnet.
	v6, err := svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "2001:db8:7::/64", "ip_version": 6,
		"ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac", "dns_nameservers": []any{"2001:db8:7::53"}})
	require.NoError(t, err)
	slaac, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "binding:host_id": "0x00000000000000e0",
		"binding:profile": map[string]any{"port": 3}, "fixed_ips": []any{map[string]any{"subnet_id": v6.ID}}})
	require.NoError(t, err)
	if ra := policy().RA; assert.NotNil(t, ra) {
		assert.Equal(t, l2.RouterAdvertisement{Prefix: netip.MustParsePrefix("2001:db8:7::/64"), SLAAC: true, MTU: uint16(n.MTU),
			DNS: []netip.Addr{netip.MustParseAddr("2001:db8:7::53")}}, *ra)
	}
	require.NoError(t, svc.DeletePort(ctx, slaac.ID, -1))

	// DHCPv6, stateful: the port's address is leased.
	v6s, err := svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "2001:db8:8::/64", "ip_version": 6,
		"ipv6_ra_mode": "dhcpv6-stateful", "ipv6_address_mode": "dhcpv6-stateful"})
	require.NoError(t, err)
	stateful, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "binding:host_id": "0x00000000000000e0",
		"binding:profile": map[string]any{"port": 3}, "fixed_ips": []any{map[string]any{"subnet_id": v6s.ID}}})
	require.NoError(t, err)
	if d := policy().DHCPv6; assert.NotNil(t, d) {
		assert.Equal(t, netip.MustParseAddr(stateful.FixedIPs[0].IPAddress), d.Address)
	}
	if ra := policy().RA; assert.NotNil(t, ra) {
		assert.True(t, ra.Managed)
		assert.False(t, ra.SLAAC)
	}
	require.NoError(t, svc.DeletePort(ctx, stateful.ID, -1))

	// Down, deleted: gone from the fabric.
	_, err = svc.UpdatePort(ctx, bound.ID, neutron.Attrs{"admin_state_up": false}, -1)
	require.NoError(t, err)
	wait()
	bs, _ = fabric.Bindings("neutron/" + n.ID)
	assert.Empty(t, bs)
	require.NoError(t, svc.DeletePort(ctx, roaming.ID, -1))
	require.NoError(t, svc.DeletePort(ctx, bound.ID, -1))
	require.NoError(t, svc.DeleteNetwork(ctx, n.ID, -1))
	wait()
	assert.Equal(t, []string{"neutron/" + vlan.ID}, fabric.Slices())
}

// TestIntegrationTraffic: Neutron networks forward real traffic through
// Open vSwitch beside a Sliceable API network on the same bridge: two
// ports of one network reach each other; a port of another network of the
// same project, and a Sliceable host in the same IP subnet, do not; a
// host gets its port's address by DHCP; port security cuts off a host
// that takes another address until an allowed address pair names it;
// deleting a port over the API cuts its host off within a second.
// trafficBed is Neutron and Sliceable services on one store driving Open
// vSwitch (bridge br0, datapath 0xe0) through the slicing app, and
// Neutron's API as a client uses it.
type trafficBed struct {
	*env
	ovs    *ovstest.Switch
	sl     *sliceable.Service
	app    *slicing.App
	wait   func() // until the fabric has Neutron's last write
	waitSl func() // and Sliceable's
}

func newTrafficBed(t *testing.T) *trafficBed {
	ovs := ovstest.StartWith(t, ovstest.Options{System: true})
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Skip("busybox (Debian: busybox-static) is not installed: no DHCP client, arping or nc")
	}
	st := memory.New(nil)
	app, err := slicing.New(l2.Options{}, slicing.Options{})
	require.NoError(t, err)
	svc, err := neutron.NewService(st, neutron.Options{DataPlane: app})
	require.NoError(t, err)
	running(t, svc)
	sl, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)

	f := sources.New(app.Update, sources.Options{})
	b := &trafficBed{ovs: ovs, sl: sl, app: app}
	b.wait = follow(t, st, f, svc.Source(""), "neutron/=head")
	b.waitSl = follow(t, st, f, sl.Source(""), "")
	ctrl := &openflow.Controller{Handler: app}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go ctrl.Serve(l)
	ctx, cancel := context.WithCancel(context.Background())
	go app.Run(ctx)
	t.Cleanup(func() {
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		ctrl.Shutdown(sctx)
	})
	require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xe0, Controller: "tcp:" + l.Addr().String()}))
	require.Eventually(t, func() bool { _, ok := ctrl.Switch(0xe0); return ok }, 10*time.Second, 20*time.Millisecond)

	mux := http.NewServeMux()
	httpapi.Mount(mux, neutron.NewHandler(svc, neutron.HandlerOptions{Authenticator: tokens}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.env = &env{t: t, st: st, svc: svc, url: srv.URL + "/neutron"}
	return b
}

// port creates a port with ip on network, bound to ofport (attrs adds
// to or overrides the request's), and its host.
func (b *trafficBed) port(network string, ofport int, ip string, attrs map[string]any) (string, *ovstest.Host) {
	port := map[string]any{"network_id": network, "fixed_ips": []any{map[string]any{"ip_address": ip}},
		"binding:host_id": "0x00000000000000e0", "binding:profile": map[string]any{"port": ofport}}
	maps.Copy(port, attrs)
	status, body := b.raw("admin-token", "POST", "/v2.0/ports", map[string]any{"port": port})
	require.Equal(b.t, 201, status, "%v", body)
	mac := apitest.Field[string](b.t, body, "port", "mac_address")
	h := b.ovs.AddHost(b.t, ovstest.HostConfig{Bridge: "br0", OFPort: ofport, MAC: mac, Addr: ip + "/24"})
	require.NoError(b.t, h.DisableTxChecksum())
	return apitest.Field[string](b.t, body, "port", "id"), h
}

func TestIntegrationTraffic(t *testing.T) {
	b := newTrafficBed(t)
	e, ovs, sl, wait := b.env, b.ovs, b.sl, b.wait
	netA := e.network("admin-token", "a")
	subA := e.subnet("admin-token", netA, "10.99.0.0/24")
	netB := e.network("admin-token", "b")
	e.subnet("admin-token", netB, "10.99.0.0/24")
	hosts := map[int]*ovstest.Host{}
	port := func(network string, ofport int, ip string) string {
		id, h := b.port(network, ofport, ip, nil)
		hosts[ofport] = h
		return id
	}
	a1 := port(netA, 1, "10.99.0.1")
	a2 := port(netA, 2, "10.99.0.2")
	port(netB, 3, "10.99.0.3")
	// A Sliceable network on port 4, its host in the same IP subnet.
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 4, MAC: "02:00:00:00:00:04", Addr: "10.99.0.4/24"})
	_, err := sl.CreateTenant(context.Background(), sliceable.Tenant{ID: "acme"})
	require.NoError(t, err)
	_, err = sl.CreateNetwork(context.Background(), "acme", sliceable.Network{ID: "office"})
	require.NoError(t, err)
	_, err = sl.CreatePort(context.Background(), "acme", "office", sliceable.Port{Location: l2.Location{Datapath: 0xe0, Port: 4, VLAN: l2.Untagged}})
	require.NoError(t, err)
	wait()
	b.waitSl()

	h1 := hosts[1]
	assert.True(t, h1.Ping("10.99.0.2", 5), "two ports of one network do not reach each other")
	assert.False(t, h1.Ping("10.99.0.3", 2), "a port of another network is reachable")
	assert.False(t, h1.Ping("10.99.0.4", 2), "a Sliceable host is reachable from a Neutron network")

	// DHCP: a host without an address gets its port's from the
	// controller, with the subnet's options and the port's extra ones.
	status, body := e.raw("admin-token", "PUT", "/v2.0/subnets/"+subA, map[string]any{"subnet": map[string]any{
		"dns_nameservers": []any{"10.99.0.53"}, "host_routes": []any{map[string]any{"destination": "10.200.0.0/16", "nexthop": "10.99.0.254"}}}})
	require.Equal(t, 200, status, "%v", body)
	status, body = e.raw("admin-token", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": netA, "fixed_ips": []any{map[string]any{"ip_address": "10.99.0.5"}},
		"extra_dhcp_opts": []any{map[string]any{"opt_name": "mtu", "opt_value": "1400"}, map[string]any{"opt_name": "domain-name", "opt_value": "example.test"}},
		"binding:host_id": "0x00000000000000e0", "binding:profile": map[string]any{"port": 5}}})
	require.Equal(t, 201, status, "%v", body)
	h5 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 5, MAC: apitest.Field[string](t, body, "port", "mac_address")})
	wait()
	events := h5.StartDHCPClient(t).Events(t, 2)
	assert.Equal(t, "bound ip=10.99.0.5 mask=24 router=10.99.0.1 dns=10.99.0.53 domain=example.test mtu=1400 lease=86400 "+
		"staticroutes=10.200.0.0/16 10.99.0.254 0.0.0.0/0 10.99.0.1", events[1], "%q", events)
	assert.True(t, h5.Ping("10.99.0.2", 5), "a host with its address from DHCP")

	// Port security: from an address the port does not have, cut off;
	// with it as an allowed address pair, through again.
	in := func(h *ovstest.Host, args ...string) {
		out, err := exec.Command("ip", append([]string{"netns", "exec", h.NS}, args...)...).CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	in(h1, "ip", "addr", "flush", "dev", h1.Dev)
	in(h1, "ip", "addr", "add", "10.99.0.12/24", "dev", h1.Dev)
	assert.False(t, h1.Ping("10.99.0.2", 2), "a host reached its network from an address its port does not have")
	status, body = e.raw("admin-token", "PUT", "/v2.0/ports/"+a1, map[string]any{"port": map[string]any{
		"allowed_address_pairs": []any{map[string]any{"ip_address": "10.99.0.8/29"}}}})
	require.Equal(t, 200, status, "%v", body)
	wait()
	assert.True(t, h1.Ping("10.99.0.2", 5), "an allowed address pair does not let the host through")
	status, body = e.raw("admin-token", "PUT", "/v2.0/ports/"+a1, map[string]any{"port": map[string]any{
		"allowed_address_pairs": []any{}, "security_groups": []any{}, "port_security_enabled": false}})
	require.Equal(t, 200, status, "%v", body)
	wait()
	in(h1, "ip", "link", "set", h1.Dev, "address", "02:00:00:00:00:77")
	// It says so (h2 no longer hears its requests: the fabric answers
	// for h2's address).
	in(h1, "busybox", "arping", "-U", "-c", "1", "-I", h1.Dev, "10.99.0.12")
	// (h2 pings: its security group admits its members only, and h1's
	// port left it.)
	assert.True(t, hosts[2].Ping("10.99.0.12", 5), "a port without port security does not let another MAC through")

	status, _ = e.raw("admin-token", "DELETE", "/v2.0/ports/"+a2, nil)
	require.Equal(t, 204, status)
	deleted := time.Now()
	wait()
	took := time.Since(deleted)
	assert.Less(t, took, time.Second, "the fabric let the port go only after %v", took)
	t.Logf("port deleted over the API: out of the fabric after %v", took)
	assert.False(t, h1.Ping("10.99.0.2", 1), "the host stayed reachable after its port was deleted")
}

// TestIntegrationSecurityGroups: a project's security groups on the wire.
// The default group's members reach each other and a non-member is
// refused; a rule allowing TCP 22 from 10.99.0.0/24 opens 22 and not 23;
// replies to a connection a port made come back though its own group
// would refuse them unsolicited; deleting the rule closes 22; a rule
// whose remote is a group follows that group's membership.
func TestIntegrationSecurityGroups(t *testing.T) {
	b := newTrafficBed(t)
	n := b.network("admin-token", "n")
	b.subnet("admin-token", n, "10.99.0.0/24")
	group := func(name string) string {
		status, body := b.raw("admin-token", "POST", "/v2.0/security-groups", map[string]any{"security_group": map[string]any{"name": name}})
		require.Equal(t, 201, status, "%v", body)
		return apitest.Field[string](t, body, "security_group", "id")
	}
	rule := func(sg string, attrs map[string]any) string {
		r := map[string]any{"security_group_id": sg, "direction": "ingress", "ethertype": "IPv4"}
		maps.Copy(r, attrs)
		status, body := b.raw("admin-token", "POST", "/v2.0/security-group-rules", map[string]any{"security_group_rule": r})
		require.Equal(t, 201, status, "%v", body)
		return apitest.Field[string](t, body, "security_group_rule", "id")
	}
	web, other := group("web"), group("other")
	_, h1 := b.port(n, 1, "10.99.0.1", nil) // the default group
	_, h2 := b.port(n, 2, "10.99.0.2", map[string]any{"security_groups": []any{web}})
	p3, h3 := b.port(n, 3, "10.99.0.3", map[string]any{"security_groups": []any{other}})
	_, h4 := b.port(n, 4, "10.99.0.4", nil) // the default group
	ssh := rule(web, map[string]any{"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "10.99.0.0/24"})
	b.wait()
	h2.ServeTCP(t, 22)
	h2.ServeTCP(t, 23)
	h1.ServeTCP(t, 80)

	assert.True(t, h1.Ping("10.99.0.4", 5), "members of the default group")
	assert.True(t, h4.Ping("10.99.0.1", 5), "members of the default group")
	assert.False(t, h3.Ping("10.99.0.1", 1), "a non-member got into the default group")
	assert.True(t, h1.ConnectsTCP("10.99.0.2", 22), "TCP 22 allowed in")
	assert.False(t, h1.ConnectsTCP("10.99.0.2", 23), "TCP 23 got in")
	assert.False(t, h2.ConnectsTCP("10.99.0.1", 80), "h2 is no member of h1's group")
	assert.False(t, h2.Ping("10.99.0.1", 1), "unsolicited ICMP got in")
	assert.Empty(t, b.app.Unenforced())
	// Realized on the switch, filter flows and all: ACTIVE.
	assert.Eventually(t, func() bool {
		_, body := b.raw("admin-token", "GET", "/v2.0/ports/"+p3, nil)
		return apitest.Field[string](t, body, "port", "status") == "ACTIVE"
	}, 5*time.Second, 20*time.Millisecond)

	status, _ := b.raw("admin-token", "DELETE", "/v2.0/security-group-rules/"+ssh, nil)
	require.Equal(t, 204, status)
	b.wait()
	// wait covers the fabric, not the datapath: frames on a path Open
	// vSwitch cached may follow it a moment longer, until it revalidates
	// (as TestIntegrationSecurityRules in l2/slicing found).
	assert.Eventually(t, func() bool { return !h1.ConnectsTCP("10.99.0.2", 22) }, 10*time.Second, 100*time.Millisecond,
		"TCP 22 open after its rule went")

	// A remote group: the default group's members, whoever they are.
	status, body := b.raw("admin-token", "GET", "/v2.0/security-groups?name=default", nil)
	require.Equal(t, 200, status)
	defID := body["security_groups"].([]any)[0].(map[string]any)["id"].(string)
	rule(web, map[string]any{"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_group_id": defID})
	b.wait()
	assert.True(t, h1.ConnectsTCP("10.99.0.2", 22), "a member of the remote group")
	assert.False(t, h3.ConnectsTCP("10.99.0.2", 22), "a non-member of the remote group")
	status, body = b.raw("admin-token", "PUT", "/v2.0/ports/"+p3, map[string]any{"port": map[string]any{"security_groups": []any{other, defID}}})
	require.Equal(t, 200, status, "%v", body)
	b.wait()
	assert.True(t, h3.ConnectsTCP("10.99.0.2", 22), "a new member of the remote group")

	// The switch goes: its ports are DOWN.
	_, err := b.ovs.Vsctl("del-controller", b.ovs.BridgeName("br0"))
	require.NoError(t, err)
	assert.Eventually(t, func() bool {
		_, body := b.raw("admin-token", "GET", "/v2.0/ports/"+p3, nil)
		return apitest.Field[string](t, body, "port", "status") == "DOWN"
	}, 10*time.Second, 20*time.Millisecond)
}

// BenchmarkRemoteGroupJoin: a port joins group b, which the rules of
// 1,000 ports' group a name as their remote; the benchmark waits until
// the fabric holds all 1,000 ports' new rules.
func BenchmarkRemoteGroupJoin(b *testing.B) {
	svc, ctx, fabric, wait := sourceBed(b, neutron.Options{Quotas: map[string]int{"port": -1}})
	n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	require.NoError(b, err)
	_, err = svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "10.0.0.0/16", "ip_version": 4})
	require.NoError(b, err)
	ga, err := svc.CreateSecurityGroup(ctx, neutron.Attrs{"name": "a"})
	require.NoError(b, err)
	gb, err := svc.CreateSecurityGroup(ctx, neutron.Attrs{"name": "b"})
	require.NoError(b, err)
	_, err = svc.CreateSecurityGroupRule(ctx, neutron.Attrs{"security_group_id": ga.ID, "direction": "ingress", "ethertype": "IPv4",
		"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_group_id": gb.ID})
	require.NoError(b, err)
	for i := range 1000 {
		_, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "security_groups": []any{ga.ID},
			"binding:host_id": "0x00000000000000e0", "binding:profile": map[string]any{"port": i + 1}})
		require.NoError(b, err)
	}
	joiner, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "security_groups": []any{ga.ID},
		"binding:host_id": "0x00000000000000e1", "binding:profile": map[string]any{"port": 1}})
	require.NoError(b, err)
	wait()
	member := l2.Location{Datapath: 0xe0, Port: 1000, VLAN: l2.Untagged}
	rules := func() int {
		if p := fabric.Policy(member); p != nil {
			return len(p.Ingress)
		}
		return -1
	}
	require.Equal(b, 0, rules(), "group b has no members yet")
	groups := [][]any{{ga.ID}, {ga.ID, gb.ID}}
	i := 0
	for b.Loop() {
		i++
		_, err := svc.UpdatePort(ctx, joiner.ID, neutron.Attrs{"security_groups": groups[i%2]}, -1)
		if err != nil {
			b.Fatal(err)
		}
		wait()
		if got := rules(); got != i%2 {
			b.Fatalf("round %d: %d rules on the last port", i, got)
		}
	}
}

// TestSourceSecurityGroups: what the fabric is told of a port's groups —
// rules by protocol name or number, ICMP type and code, remote prefixes
// and groups, stateless groups — and that a new rule reaches it.
func TestSourceSecurityGroups(t *testing.T) {
	svc, ctx, fabric, wait := sourceBed(t, neutron.Options{})
	n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	require.NoError(t, err)
	_, err = svc.CreateSubnet(ctx, neutron.Attrs{"network_id": n.ID, "cidr": "10.0.0.0/24", "ip_version": 4})
	require.NoError(t, err)
	sg, err := svc.CreateSecurityGroup(ctx, neutron.Attrs{"name": "g", "stateful": false})
	require.NoError(t, err)
	rule := func(attrs neutron.Attrs) {
		attrs["security_group_id"], attrs["direction"] = sg.ID, "ingress"
		_, err := svc.CreateSecurityGroupRule(ctx, attrs)
		require.NoError(t, err)
	}
	rule(neutron.Attrs{"ethertype": "IPv4", "protocol": "tcp", "port_range_min": 80, "port_range_max": 81, "remote_ip_prefix": "192.0.2.0/24"})
	rule(neutron.Attrs{"ethertype": "IPv4", "protocol": "icmp", "port_range_min": 8, "port_range_max": 0})
	rule(neutron.Attrs{"ethertype": "IPv6", "protocol": "58"})
	rule(neutron.Attrs{"ethertype": "IPv4", "protocol": "udp", "remote_group_id": sg.ID})
	p, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "security_groups": []any{sg.ID},
		"binding:host_id": "0x00000000000000e0", "binding:profile": map[string]any{"port": 1},
		"fixed_ips": []any{map[string]any{"ip_address": "10.0.0.5"}}})
	require.NoError(t, err)
	wait()
	at := l2.Location{Datapath: 0xe0, Port: 1, VLAN: l2.Untagged}
	pol := fabric.Policy(at)
	require.NotNil(t, pol)
	assert.True(t, pol.Filtered)
	assert.True(t, pol.Stateless)
	v4, v6 := uint16(l2.EtherTypeIPv4), uint16(l2.EtherTypeIPv6)
	assert.ElementsMatch(t, []l2.Rule{
		{EtherType: v4, Protocol: 1, TypeSet: true, ICMPType: 8, CodeSet: true, ICMPCode: 0},
		{EtherType: v4, Protocol: 6, PortMin: 80, PortMax: 81, Remote: netip.MustParsePrefix("192.0.2.0/24")},
		{EtherType: v4, Protocol: 17, Remote: netip.MustParsePrefix("10.0.0.5/32")}, // the group's one member
		{EtherType: v6, Protocol: 58},
	}, pol.Ingress)
	assert.Len(t, pol.Egress, 2, "a new group's egress rules, IPv4 and IPv6")

	// A group in use keeps its statefulness (neutron refuses the change).
	_, err = svc.UpdateSecurityGroup(ctx, sg.ID, neutron.Attrs{"stateful": true}, -1)
	require.Error(t, err)
	rule(neutron.Attrs{"ethertype": "IPv4", "protocol": "sctp"})
	wait()
	assert.Len(t, fabric.Policy(at).Ingress, 5, "a new rule reached the fabric")

	_, err = svc.UpdatePort(ctx, p.ID, neutron.Attrs{"port_security_enabled": false, "security_groups": []any{}}, -1)
	require.NoError(t, err)
	wait()
	if pol := fabric.Policy(at); pol != nil { // its DHCP stays
		assert.False(t, pol.Filtered)
		assert.False(t, pol.Guarded())
	}
}

// dataPlane is a data plane the test decides: which locations are up.
type dataPlane struct {
	mu      sync.Mutex
	up      map[l2.Location]bool
	changes chan struct{}
}

func (d *dataPlane) PortUp(loc l2.Location) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.up[loc]
}

func (d *dataPlane) PortChanges() <-chan struct{} { return d.changes }

func (d *dataPlane) set(loc l2.Location, up bool) {
	d.mu.Lock()
	d.up[loc] = up
	d.mu.Unlock()
	select {
	case d.changes <- struct{}{}:
	default:
	}
}

// TestPortStatusFollowsDataPlane: with a data plane, a bound port is
// ACTIVE only while the data plane realizes it.
func TestPortStatusFollowsDataPlane(t *testing.T) {
	dp := &dataPlane{up: map[l2.Location]bool{}, changes: make(chan struct{}, 1)}
	svc, err := neutron.NewService(memory.New(nil), neutron.Options{DataPlane: dp})
	require.NoError(t, err)
	running(t, svc)
	ctx := neutron.WithCaller(context.Background(), neutron.Caller{Project: "p", Admin: true})
	n, err := svc.CreateNetwork(ctx, neutron.Attrs{"name": "n"})
	require.NoError(t, err)
	p, err := svc.CreatePort(ctx, neutron.Attrs{"network_id": n.ID, "binding:host_id": "0x00000000000000e0",
		"binding:profile": map[string]any{"port": 1}})
	require.NoError(t, err)
	assert.Equal(t, "DOWN", p.Status, "its switch has not realized it")
	status := func() string {
		p, err := svc.Port(ctx, p.ID)
		require.NoError(t, err)
		return p.Status
	}
	at := l2.Location{Datapath: 0xe0, Port: 1, VLAN: l2.Untagged}
	dp.set(at, true)
	assert.Eventually(t, func() bool { return status() == "ACTIVE" }, 5*time.Second, 10*time.Millisecond)
	dp.set(at, false)
	assert.Eventually(t, func() bool { return status() == "DOWN" }, 5*time.Second, 10*time.Millisecond)
	dp.set(at, true)
	assert.Eventually(t, func() bool { return status() == "ACTIVE" }, 5*time.Second, 10*time.Millisecond)
	_, err = svc.UpdatePort(ctx, p.ID, neutron.Attrs{"admin_state_up": false}, -1)
	require.NoError(t, err)
	assert.Equal(t, "DOWN", status(), "down by its admin state whatever the data plane says")
}
