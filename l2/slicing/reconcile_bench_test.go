package slicing

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/ovstest"
)

// BenchmarkReconcile takes over an Open vSwitch bridge holding 10,000
// forwarding flows of one slice (100 sources on port 1 × 100 destinations
// on port 2) from another master: keep, all of them right; stale, with
// 1,000 more for destinations the fabric does not know (deleted, then put
// back between rounds). It reports the takeover's time as Reconciled.Took
// measures it: read, compare, delete, barrier.
func BenchmarkReconcile(b *testing.B) {
	ovs := ovstest.Start(b)
	app, err := New(l2.Options{}, Options{Standby: true})
	require.NoError(b, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	ctrl := &openflow.Controller{Handler: app, Versions: []openflow.Version{openflow.Version13}}
	go ctrl.Serve(l)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ctrl.Shutdown(ctx)
	})
	mac := func(side, i int) l2.MAC { return l2.MAC{2, 0, 0, byte(side), 0, byte(i)} }
	var srcs, dsts []l2.MAC
	for i := range 100 {
		srcs = append(srcs, mac(1, i))
	}
	for i := range 110 {
		dsts = append(dsts, mac(2, i))
	}
	p1, p2 := l2.Location{Datapath: 0xa1, Port: 1, VLAN: l2.Untagged}, l2.Location{Datapath: 0xa1, Port: 2, VLAN: l2.Untagged}
	_, err = app.Update(func(tx *l2.Tx) error {
		tx.AddSlice("s")
		return tx.SetSlice("s", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: srcs, p2: dsts[:100]}})
	})
	require.NoError(b, err)
	require.NoError(b, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xa1, Protocols: []string{"OpenFlow13"},
		Controller: "tcp:" + l.Addr().String()}))
	require.Eventually(b, func() bool { return len(app.Roles()) == 1 }, 10*time.Second, 10*time.Millisecond)
	gen := uint64(1)
	require.NoError(b, app.SetRole(true, gen))

	// The flows another master left, as ovs-ofctl adds them.
	flows := func(stale bool) string {
		var sb strings.Builder
		for _, s := range srcs {
			for i, d := range dsts {
				if stale != (i >= 100) {
					continue
				}
				fmt.Fprintf(&sb, "table=2,cookie=%#x,priority=100,idle_timeout=60,in_port=1,vlan_tci=0x0000/0x1fff,dl_src=%s,dl_dst=%s,actions=output:2\n",
					sliceCookie("s"), s, d)
			}
		}
		return sb.String()
	}
	add := func(name, text string) {
		path := filepath.Join(b.TempDir(), name)
		require.NoError(b, os.WriteFile(path, []byte(text), 0o644))
		out, err := ovs.Ofctl("-O", "OpenFlow13", "add-flows", ovs.BridgeName("br0"), path)
		require.NoError(b, err, "%s", out)
	}
	add("known", flows(false))
	for _, mode := range []string{"keep", "stale"} {
		b.Run(mode, func(b *testing.B) {
			var took time.Duration
			var last Reconciled
			for b.Loop() {
				if mode == "stale" {
					b.StopTimer()
					add("stale", flows(true))
					b.StartTimer()
				}
				gen++
				require.NoError(b, app.SetRole(true, gen))
				last = app.Roles()[0].Reconciled
				took += last.Took
			}
			b.ReportMetric(float64(took.Microseconds())/float64(b.N)/1e3, "ms/takeover")
			b.ReportMetric(float64(last.Kept), "kept")
			b.ReportMetric(float64(last.Deleted), "deleted")
		})
	}
}
