package sliceable_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/memory"
)

// following runs the API's source for the test and returns a function
// that waits until the fabric has caught up with the store.
func following(t *testing.T, st store.Store, fabric *l2.Fabric, update sources.Updater) func() {
	if update == nil {
		update = fabric.Update
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := sources.New(update, sources.Options{})
	svc, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, svc.Source(""))
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() {
		t.Helper()
		rev, err := st.Revision(context.Background())
		require.NoError(t, err)
		require.Eventually(t, func() bool { s := f.Status(); return len(s) == 1 && s[0].Revision >= rev },
			5*time.Second, 5*time.Millisecond, "fabric did not catch up")
	}
}

func TestFollow(t *testing.T) {
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)
	fabric := l2.NewFabric(l2.Options{})
	wait := following(t, st, fabric, nil)

	net := "/tenants/acme/networks/office"
	a.expect("POST", "/tenants/acme/networks", `{"id":"office"}`, 202)
	a.expect("POST", net+"/ports", `{"id":"p1","datapath_id":"0xe0","port":1,"vid":65535}`, 202)
	a.expect("POST", net+"/ports", `{"id":"p2","datapath_id":"0xe0","port":2,"vid":10}`, 202)
	a.expect("POST", net+"/ports/p1/attachments", `{"id":"vm","mac":"52:54:00:00:00:01"}`, 202)
	a.expect("POST", net+"/ports/p2/attachments", `{"id":"group","mac":"11:22:33:44:55:66"}`, 202) // stored, not forwarded
	a.expect("POST", net+"/attachments", `{"id":"roamer","mac":"02:00:00:00:00:09"}`, 202)
	wait()
	assert.Equal(t, []string{"sliceable/acme/office"}, fabric.Slices())
	bs, err := fabric.Bindings("sliceable/acme/office")
	require.NoError(t, err)
	assert.Equal(t, []l2.PortBinding{
		{Location: l2.Location{Datapath: 0xe0, Port: 1, VLAN: l2.Untagged}, Attached: []l2.MAC{l2.MustParseMAC("52:54:00:00:00:01")}},
		{Location: l2.Location{Datapath: 0xe0, Port: 2, VLAN: 10}, Attached: []l2.MAC{}},
	}, bs, "the group address is refused, not forwarded")
	macs, _ := fabric.NetworkAttachments("sliceable/acme/office")
	assert.Equal(t, []l2.MAC{l2.MustParseMAC("02:00:00:00:00:09")}, macs)

	// A host learned on the unchanged port stays learned through changes.
	fabric.Decide(l2.Location{Datapath: 0xe0, Port: 2, VLAN: 10}, l2.MustParseMAC("02:00:00:00:00:02"), l2.Broadcast)
	a.expect("DELETE", net+"/ports/p1", "", 202)
	wait()
	bs, _ = fabric.Bindings("sliceable/acme/office")
	assert.Len(t, bs, 1)
	_, ok := fabric.Lookup("sliceable/acme/office", l2.MustParseMAC("02:00:00:00:00:02"))
	assert.True(t, ok)

	a.expect("DELETE", "/tenants/acme", "", 202)
	wait()
	assert.Empty(t, fabric.Slices())
}

// TestIntegrationRESTTraffic: a slice configured over REST carries real
// traffic through Open vSwitch; deleting the network over REST stops it.
func TestIntegrationRESTTraffic(t *testing.T) {
	ovs := ovstest.StartWith(t, ovstest.Options{System: true})
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)

	app, err := slicing.New(l2.Options{}, slicing.Options{})
	require.NoError(t, err)
	fabric := app.Fabric()
	wait := following(t, st, fabric, app.Update)
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
	h1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 1, MAC: "02:00:00:00:00:01", Addr: "10.99.0.1/24"})
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 2, MAC: "02:00:00:00:00:02", Addr: "10.99.0.2/24"})

	net := "/tenants/acme/networks/office"
	a.expect("POST", "/tenants/acme/networks", `{"id":"office"}`, 202)
	a.expect("POST", net+"/ports", `{"datapath_id":"0xe0","port":1,"vid":65535}`, 202)
	a.expect("POST", net+"/ports", `{"datapath_id":"0xe0","port":2,"vid":65535}`, 202)
	wait()
	assert.True(t, h1.Ping("10.99.0.2", 5), "no traffic in the slice configured over REST")

	a.expect("DELETE", net, "", 202)
	wait()
	assert.False(t, h1.Ping("10.99.0.2", 2), "traffic went on after the network was deleted")
}

// TestIntegrationEtcdShared: two servers (each its own etcd client, API
// and fabric) on one etcd share one configuration: what one writes, the
// other serves and forwards for.
func TestIntegrationEtcdShared(t *testing.T) {
	srv := etcdtest.Start(t)
	open := func() (*api, *l2.Fabric, func()) {
		st, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/netslice/"})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		fabric := l2.NewFabric(l2.Options{})
		return newAPI(t, st), fabric, following(t, st, fabric, nil)
	}
	a1, f1, wait1 := open()
	a2, f2, wait2 := open()
	a1.expect("POST", "/tenants/acme/networks", `{"id":"office"}`, 202)
	a1.expect("POST", "/tenants/acme/networks/office/ports", `{"id":"p1","datapath_id":"0xe0","port":1,"vid":10}`, 202)
	a2.expect("GET", "/tenants/acme/networks/office/ports/p1", "", 200)
	// A location taken through one server is taken for the other.
	a2.expect("POST", "/tenants/acme/networks", `{"id":"lab"}`, 202)
	a2.expect("POST", "/tenants/acme/networks/lab/ports", `{"datapath_id":"0xe0","port":1,"vid":10}`, 422)
	wait1()
	wait2()
	for _, f := range []*l2.Fabric{f1, f2} {
		assert.Equal(t, []string{"sliceable/acme/lab", "sliceable/acme/office"}, f.Slices())
		bs, _ := f.Bindings("sliceable/acme/office")
		assert.Len(t, bs, 1)
	}
	a2.expect("DELETE", "/tenants/acme", "", 202)
	wait1()
	assert.Empty(t, f1.Slices(), "the first server's fabric kept a tenant the second deleted")
}

// lab is a second source of slices, as a program embedding the library
// would add: one slice, binding what it is given.
type lab struct {
	ports []l2.Location
}

func (lab) Name() string { return "lab" }

func (l lab) Follow(ctx context.Context, r *sources.Reporter) error {
	spec := l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{}}
	for _, p := range l.ports {
		spec.Ports[p] = nil
	}
	r.Set("bench", spec)
	<-ctx.Done()
	return ctx.Err()
}

// TestIntegrationTwoSources: a Sliceable network and another source's
// slice forward side by side on one switch; deleting the Sliceable network
// cuts its hosts off and leaves the other's pinging, its flows in place.
func TestIntegrationTwoSources(t *testing.T) {
	ovs := ovstest.StartWith(t, ovstest.Options{System: true})
	st := memory.New(nil)
	defer st.Close()
	a := newAPI(t, st)

	app, err := slicing.New(l2.Options{}, slicing.Options{})
	require.NoError(t, err)
	fabric := app.Fabric()
	ctx, cancel := context.WithCancel(context.Background())
	follower := sources.New(app.Update, sources.Options{})
	svc, err := sliceable.NewService(st, sliceable.Options{})
	require.NoError(t, err)
	go follower.Run(ctx, svc.Source(""))
	go follower.Run(ctx, lab{ports: []l2.Location{{Datapath: 0xe0, Port: 3, VLAN: l2.Untagged}, {Datapath: 0xe0, Port: 4, VLAN: l2.Untagged}}})
	ctrl := &openflow.Controller{Handler: app}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go ctrl.Serve(l)
	go app.Run(ctx)
	t.Cleanup(func() {
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		ctrl.Shutdown(sctx)
	})
	require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xe0, Protocols: []string{"OpenFlow13"},
		Controller: "tcp:" + l.Addr().String()}))
	require.Eventually(t, func() bool { _, ok := ctrl.Switch(0xe0); return ok }, 10*time.Second, 20*time.Millisecond)
	// The same addresses in both slices: they must not meet.
	s1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 1, MAC: "02:00:00:00:00:01", Addr: "10.99.0.1/24"})
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 2, MAC: "02:00:00:00:00:02", Addr: "10.99.0.2/24"})
	l1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 3, MAC: "02:00:00:00:00:01", Addr: "10.99.0.1/24"})
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 4, MAC: "02:00:00:00:00:02", Addr: "10.99.0.2/24"})

	net := "/tenants/acme/networks/office"
	a.expect("POST", "/tenants/acme/networks", `{"id":"office"}`, 202)
	a.expect("POST", net+"/ports", `{"datapath_id":"0xe0","port":1,"vid":65535}`, 202)
	a.expect("POST", net+"/ports", `{"datapath_id":"0xe0","port":2,"vid":65535}`, 202)
	require.Eventually(t, func() bool { return len(fabric.Slices()) == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"lab/bench", "sliceable/acme/office"}, fabric.Slices())
	assert.True(t, s1.Ping("10.99.0.2", 5), "the Sliceable slice does not forward")
	assert.True(t, l1.Ping("10.99.0.2", 5), "the other source's slice does not forward")
	flows := func() []string {
		out, err := ovs.DumpFlows("br0", "OpenFlow13")
		require.NoError(t, err)
		return out
	}
	labFlows := func() (n int) {
		for _, f := range flows() {
			if strings.Contains(f, "priority=100") && strings.Contains(f, "in_port=3") {
				n++
			}
		}
		return n
	}
	require.Positive(t, labFlows())

	a.expect("DELETE", net, "", 202)
	require.Eventually(t, func() bool { return len(fabric.Slices()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"lab/bench"}, fabric.Slices())
	assert.Positive(t, labFlows(), "the other source's flows went with the Sliceable network:\n%s", strings.Join(flows(), "\n"))
	assert.True(t, l1.Ping("10.99.0.2", 3), "the other source's hosts were cut off")
	assert.False(t, s1.Ping("10.99.0.2", 1), "traffic went on after the network was deleted")
}
