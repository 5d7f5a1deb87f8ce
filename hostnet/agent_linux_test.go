package hostnet_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/store/memory"
)

// TestAgent: the host follows its desired configuration in the store;
// a configuration that fails leaves the host as it was and says why; a
// restarted agent removes what was dropped while it was away.
func TestAgent(t *testing.T) {
	h := hostnettest.NewHost(t, "eth0", "eth1")
	st := memory.New(nil)
	hosts := hostnet.Hosts{Store: st}
	ctx := context.Background()
	start := func() context.CancelFunc {
		actx, cancel := context.WithCancel(ctx)
		a := &hostnet.Agent{Hosts: hosts, Host: "h1", Driver: h.Driver, Interval: time.Second}
		done := make(chan struct{})
		go func() { a.Run(actx); close(done) }()
		return func() { cancel(); <-done }
	}
	stop := start()
	cfg := hostnet.Config{Networks: []hostnet.Network{
		{Name: "mgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.2/24")}},
		{Name: "lab", Bridged: true},
	}}
	rev, err := hosts.SetDesired(ctx, "h1", cfg, 0)
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	state, err := hosts.WaitApplied(wctx, "h1", rev)
	require.NoError(t, err)
	assert.Empty(t, state.Error)
	assert.Equal(t, cfg, state.Applied)
	assert.Equal(t, "mgmt", h.Links(t)["eth0"].Master)
	names, err := hosts.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"h1"}, names)

	// A network whose bridge would take a NIC's name fails validation on
	// the host: nothing changes, the error is reported.
	bad := cfg
	bad.Networks = append(append([]hostnet.Network(nil), cfg.Networks...), hostnet.Network{Name: "eth1", Bridged: true})
	rev2, err := hosts.SetDesired(ctx, "h1", bad, rev)
	require.NoError(t, err)
	state, err = hosts.WaitApplied(wctx, "h1", rev2)
	require.NoError(t, err)
	assert.Contains(t, state.Error, "eth1")
	assert.Equal(t, cfg, state.Applied)

	// Drop "lab" while the agent is away: it goes when the agent is back.
	stop()
	rev3, err := hosts.SetDesired(ctx, "h1", hostnet.Config{Networks: cfg.Networks[:1]}, rev2)
	require.NoError(t, err)
	stop = start()
	defer stop()
	state, err = hosts.WaitApplied(wctx, "h1", rev3)
	require.NoError(t, err)
	assert.Empty(t, state.Error)
	assert.NotContains(t, h.Links(t), "lab")

	// Drift behind its back shows in the next report.
	h.IP(t, "link", "set", "mgmt", "mtu", "1280")
	require.Eventually(t, func() bool {
		s, err := hosts.State(ctx, "h1")
		return err == nil && len(s.Networks) == 1 && !s.Networks[0].InSync
	}, 5*time.Second, 20*time.Millisecond)
}
