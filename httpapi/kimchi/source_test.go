package kimchi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
)

// TestSource: every virtual network is a slice; the MAC of each VM
// interface on it is attached to it, and follows the VM's changes made
// through the API — and through libvirt behind its back, via events.
func TestSource(t *testing.T) {
	e := newEnv(t, kimchi.Options{Resync: time.Hour})
	fabric := l2.NewFabric(l2.Options{})
	follower := sources.New(fabric.Update, sources.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		follower.Run(ctx, e.svc.Source(""))
	}()
	t.Cleanup(func() { cancel(); <-done })
	macs := func(slice string) func() []l2.MAC {
		return func() []l2.MAC {
			m, _ := fabric.NetworkAttachments(slice)
			slices.SortFunc(m, func(a, b l2.MAC) int { return slices.Compare(a[:], b[:]) })
			return m
		}
	}
	eventually := func(want []l2.MAC, got func() []l2.MAC, msg string) {
		t.Helper()
		require.Eventually(t, func() bool { return slices.Equal(want, got()) }, 5*time.Second, 5*time.Millisecond, "%s: have %v", msg, got())
	}

	require.Eventually(t, func() bool { return slices.Contains(fabric.Slices(), "kimchi/default") }, 5*time.Second, 5*time.Millisecond)
	e.must(201, "POST", "/networks", map[string]any{"name": "lab", "connection": "isolated"})
	e.template("t", map[string]any{"networks": []string{"default", "lab"}})
	e.vm("vm", "t")
	var ifs []kimchi.Iface
	e.must(200, "GET", "/vms/vm/ifaces", nil).json(t, &ifs)
	require.Len(t, ifs, 2)
	onDefault := l2.MustParseMAC(ifs[0].MAC)
	onLab := l2.MustParseMAC(ifs[1].MAC)
	eventually([]l2.MAC{onDefault}, macs("kimchi/default"), "the VM's NIC on default")
	eventually([]l2.MAC{onLab}, macs("kimchi/lab"), "the VM's NIC on lab")

	// Moved to another network, a NIC leaves the first slice.
	e.must(200, "PUT", "/vms/vm/ifaces/"+ifs[1].MAC, map[string]any{"network": "default"})
	want := []l2.MAC{onDefault, onLab}
	slices.SortFunc(want, func(a, b l2.MAC) int { return slices.Compare(a[:], b[:]) })
	eventually(want, macs("kimchi/default"), "both NICs on default")
	eventually(nil, macs("kimchi/lab"), "none on lab")

	// Behind the API's back: a domain defined straight on libvirt.
	_, err := e.drv.Clone(context.Background(), "vm", "twin")
	require.NoError(t, err)
	twin, _ := e.drv.Domain(context.Background(), "twin")
	eventually(func() []l2.MAC {
		out := append(slices.Clone(want), l2.MustParseMAC(twin.Interfaces[0].MAC), l2.MustParseMAC(twin.Interfaces[1].MAC))
		slices.SortFunc(out, func(a, b l2.MAC) int { return slices.Compare(a[:], b[:]) })
		return out
	}(), macs("kimchi/default"), "a domain libvirt reported")

	// Deleted VMs and networks leave the fabric.
	e.must(204, "DELETE", "/vms/vm", nil)
	e.must(204, "DELETE", "/vms/twin", nil)
	eventually(nil, macs("kimchi/default"), "no VM left")
	e.must(200, "PUT", "/templates/t", map[string]any{"networks": []string{"default"}})
	e.must(204, "DELETE", "/networks/lab", nil)
	require.Eventually(t, func() bool { return !slices.Contains(fabric.Slices(), "kimchi/lab") }, 5*time.Second, 5*time.Millisecond)
}
