package hostnet_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
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
	hosts(t, false, false, []string{"eth0", "eth1"}, func(t *testing.T, h host) {
		st := memory.New(nil)
		defer st.Close()
		hs := hostnet.Hosts{Store: st}
		start := func() context.CancelFunc {
			actx, cancel := context.WithCancel(ctx)
			a := &hostnet.Agent{Hosts: hs, Host: "h1", Driver: h, Interval: time.Second}
			done := make(chan struct{})
			go func() { a.Run(actx); close(done) }()
			return func() { cancel(); <-done }
		}
		stop := start()
		cfg := hostnet.Config{Networks: []hostnet.Network{
			{Name: "mgmt", NIC: "eth0", Bridged: true, Addrs: []netip.Prefix{pfx("192.0.2.2/24")}},
			{Name: "lab", Bridged: true},
		}}
		rev, err := hs.SetDesired(ctx, "h1", cfg, 0)
		require.NoError(t, err)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		state, err := hs.WaitApplied(wctx, "h1", rev)
		require.NoError(t, err)
		assert.Empty(t, state.Error)
		assert.Equal(t, cfg, state.Applied)
		assert.Equal(t, "mgmt", h.view(t)["eth0"].Master)
		names, err := hs.List(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"h1"}, names)

		// A network whose bridge would take a NIC's name fails validation
		// on the host: nothing changes, the error is reported.
		bad := cfg.Clone()
		bad.Networks = append(bad.Networks, hostnet.Network{Name: "eth1", Bridged: true})
		rev2, err := hs.SetDesired(ctx, "h1", bad, rev)
		require.NoError(t, err)
		state, err = hs.WaitApplied(wctx, "h1", rev2)
		require.NoError(t, err)
		assert.Contains(t, state.Error, "eth1")
		assert.Equal(t, cfg, state.Applied)

		// Drop "lab" while the agent is away: it goes when the agent is
		// back.
		stop()
		rev3, err := hs.SetDesired(ctx, "h1", hostnet.Config{Networks: cfg.Networks[:1]}, rev2)
		require.NoError(t, err)
		stop = start()
		defer stop()
		state, err = hs.WaitApplied(wctx, "h1", rev3)
		require.NoError(t, err)
		assert.Empty(t, state.Error)
		assert.NotContains(t, h.view(t), "lab")

		// Drift behind its back shows in the next report.
		require.NoError(t, h.behind.SetMTU("mgmt", 1280))
		require.Eventually(t, func() bool {
			s, err := hs.State(ctx, "h1")
			return err == nil && len(s.Networks) == 1 && !s.Networks[0].InSync
		}, 5*time.Second, 20*time.Millisecond)
	})
}

// TestAgentIdle: an agent whose configuration (none, or one written long
// ago) is older than the history the store keeps reports once and then
// waits; it used to watch from there, be told "compacted" at once, and
// report again without pause.
func TestAgentIdle(t *testing.T) {
	for _, withConfig := range []bool{false, true} {
		t.Run(map[bool]string{false: "no configuration", true: "old configuration"}[withConfig], func(t *testing.T) {
			st := memory.New(nil)
			defer st.Close()
			hs := hostnet.Hosts{Store: st}
			if withConfig {
				_, err := hs.SetDesired(ctx, "h1", hostnet.Config{}, 0)
				require.NoError(t, err)
			}
			var rev int64
			for i := range 100 {
				r, err := st.Put(ctx, fmt.Sprintf("other/%d", i), []byte("x"))
				require.NoError(t, err)
				rev = r
			}
			require.NoError(t, st.Compact(ctx, rev))
			reports, err := st.Watch(ctx, "hostnet/h1/state", rev+1)
			require.NoError(t, err)

			actx, cancel := context.WithCancel(ctx)
			a := &hostnet.Agent{Hosts: hs, Host: "h1", Driver: hostnettest.NewFake("h1", "eth0"), Interval: time.Minute, ReadOnly: true}
			done := make(chan struct{})
			go func() { a.Run(actx); close(done) }()
			defer func() { cancel(); <-done }()
			n := 0
			deadline := time.After(time.Second)
		count:
			for {
				select {
				case <-reports:
					n++
				case <-deadline:
					break count
				}
			}
			assert.Equal(t, 1, n, "reports in a second with nothing changing")

			// A configuration written now is still seen: the agent reports
			// again.
			_, cur, err := hs.Desired(ctx, "h1")
			require.NoError(t, err)
			_, err = hs.SetDesired(ctx, "h1", hostnet.Config{Networks: []hostnet.Network{{Name: "lab", Bridged: true}}}, cur)
			require.NoError(t, err)
			for {
				select {
				case ev := <-reports:
					if strings.HasSuffix(ev.KV.Key, "/state") {
						return
					}
				case <-time.After(5 * time.Second):
					t.Fatal("no report after the configuration changed")
				}
			}
		})
	}
}
