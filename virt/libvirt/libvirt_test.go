//go:build cgo

package libvirt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	golibvirt "libvirt.org/go/libvirt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
	"github.com/netslice/netslice/virt/virttest"
)

var ctx = context.Background()

// TestConformance: the driver on libvirt's test hypervisor passes the
// virt.Driver conformance suite.
func TestConformance(t *testing.T) {
	virttest.Run(t, func(t *testing.T) virt.Driver { return libvirttest.Open(t) })
}

func TestCapabilities(t *testing.T) {
	d := libvirttest.Open(t)
	c, err := d.Capabilities(ctx)
	require.NoError(t, err)
	assert.Equal(t, "TEST", c.Driver)
	assert.True(t, c.Screenshot)
	assert.False(t, c.Migrate)
	assert.Contains(t, c.URI, "test://")
}

// TestReconnect: a hypervisor behind a daemon that dies. Calls fail with
// ErrUnavailable at once while it is gone, and the driver reconnects by
// itself when it is back.
func TestIntegrationReconnect(t *testing.T) {
	lv := libvirttest.StartDaemon(t)
	d, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	defer d.Close()
	_, err = d.Domain(ctx, "test")
	require.NoError(t, err)
	events, err := d.Events(t.Context())
	require.NoError(t, err)

	lv.Stop()
	start := time.Now()
	require.Eventually(t, func() bool {
		_, err := d.Domains(ctx)
		return errors.Is(err, virt.ErrUnavailable)
	}, 5*time.Second, 10*time.Millisecond, "calls on a dead connection")
	_, err = d.Domains(ctx)
	assert.ErrorIs(t, err, virt.ErrUnavailable)
	assert.Less(t, time.Since(start), 5*time.Second)

	lv.Start(t)
	require.Eventually(t, func() bool {
		doms, err := d.Domains(ctx)
		return err == nil && len(doms) == 1
	}, 15*time.Second, 20*time.Millisecond, "the driver did not reconnect")
	dom, err := d.Domain(ctx, "test")
	require.NoError(t, err)
	assert.Equal(t, virt.Running, dom.State)
	select {
	case e := <-events:
		assert.Equal(t, virt.EventOther, e.Kind, "subscribers hear that anything may have changed")
	case <-time.After(5 * time.Second):
		t.Fatal("no event after reconnecting")
	}
}

// TestIntegrationDomainsKept: the domain list is kept between calls,
// and is new after a change made through the driver (at once), one made
// by another client (once its event arrives) and after a second (the
// running domains' CPU time).
func TestIntegrationDomainsKept(t *testing.T) {
	lv := libvirttest.StartDaemon(t)
	d, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	defer d.Close()
	other, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	defer other.Close()

	names := func(sum []virt.DomainSummary) []string {
		var out []string
		for _, s := range sum {
			out = append(out, s.Name+"/"+string(s.State))
		}
		return out
	}
	first, err := d.Domains(ctx)
	require.NoError(t, err)
	again, err := d.Domains(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, again, "nothing changed: the same list, read at the same time")
	again[0].Name = "changed by the caller"
	again, _ = d.Domains(ctx)
	assert.Equal(t, first, again, "callers get copies")

	_, err = d.DefineDomain(ctx, virt.DomainSpec{Name: "mine", MemoryMiB: 64, CPUs: 1})
	require.NoError(t, err)
	sum, err := d.Domains(ctx)
	require.NoError(t, err)
	assert.Contains(t, names(sum), "mine/shutoff", "a domain defined here is listed at once")
	require.NoError(t, d.Start(ctx, "mine"))
	sum, _ = d.Domains(ctx)
	assert.Contains(t, names(sum), "mine/running", "started here: listed running at once")

	_, err = other.DefineDomain(ctx, virt.DomainSpec{Name: "theirs", MemoryMiB: 64, CPUs: 1})
	require.NoError(t, err)
	assert.Eventually(t, func() bool {
		sum, err := d.Domains(ctx)
		return err == nil && slices.Contains(names(sum), "theirs/shutoff")
	}, 5*time.Second, 5*time.Millisecond, "defined by another client: listed once its event arrives")

	// Only what changed is read anew: the others keep when they were read
	// (the list read whole now, its second starting).
	time.Sleep(1100 * time.Millisecond)
	before, _ := d.Domains(ctx)
	require.NoError(t, other.Undefine(ctx, "theirs", false))
	assert.Eventually(t, func() bool {
		sum, err := d.Domains(ctx)
		return err == nil && !slices.Contains(names(sum), "theirs/shutoff")
	}, 5*time.Second, 5*time.Millisecond, "undefined by another client: gone once its event arrives")
	require.NoError(t, d.Suspend(ctx, "mine"))
	sum, _ = d.Domains(ctx)
	assert.Contains(t, names(sum), "mine/paused")
	for _, s := range sum {
		if s.Name != "mine" {
			i := slices.IndexFunc(before, func(b virt.DomainSummary) bool { return b.Name == s.Name })
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, before[i], s, "%s was not read again", s.Name)
		}
	}

	sum, _ = d.Domains(ctx)
	time.Sleep(1100 * time.Millisecond)
	later, err := d.Domains(ctx)
	require.NoError(t, err)
	assert.True(t, later[0].At.After(sum[0].At), "read again after a second")
}

// TestRealStorage: a directory pool on libvirt's real storage driver —
// files made, resized, wiped, cloned and deleted on disk.
func TestIntegrationRealStorage(t *testing.T) {
	lv := libvirttest.StartStorageDaemon(t)
	d, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	defer d.Close()
	dir := lv.Dir(t, "images")
	_, err = d.DefinePool(ctx, virt.PoolSpec{Name: "images", Type: "dir", Path: dir})
	require.NoError(t, err)
	require.NoError(t, d.StartPool(ctx, "images"))
	v, err := d.CreateVolume(ctx, "images", virt.VolumeSpec{Name: "a.img", Capacity: 1 << 20, Format: "raw"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "a.img"), v.Path)
	st, err := os.Stat(v.Path)
	require.NoError(t, err)
	assert.Equal(t, int64(1<<20), st.Size())

	require.NoError(t, os.WriteFile(v.Path, bytes.Repeat([]byte{0xab}, 1<<20), 0o644))
	require.NoError(t, d.WipeVolume(ctx, "images", "a.img"))
	b, err := os.ReadFile(v.Path)
	require.NoError(t, err)
	assert.Equal(t, make([]byte, 1<<20), b, "wiped to zeros")

	require.NoError(t, d.ResizeVolume(ctx, "images", "a.img", 2<<20))
	st, _ = os.Stat(v.Path)
	assert.Equal(t, int64(2<<20), st.Size())
	c, err := d.CloneVolume(ctx, "images", "a.img", "images", "b.img")
	require.NoError(t, err)
	_, err = os.Stat(c.Path)
	require.NoError(t, err)
	require.NoError(t, d.DeleteVolume(ctx, "images", "b.img"))
	_, err = os.Stat(c.Path)
	assert.True(t, os.IsNotExist(err))
}

// TestIntegrationCHAPPool: an iSCSI pool with a CHAP login keeps the
// password in libvirt's secret store, never in the pool's definition, and
// the secret goes with the pool. (Defining needs no target; starting it
// would.)
func TestIntegrationCHAPPool(t *testing.T) {
	lv := libvirttest.StartStorageDaemon(t)
	d, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	defer d.Close()
	c, err := golibvirt.NewConnect(lv.URI())
	require.NoError(t, err)
	defer c.Close()
	spec := virt.PoolSpec{Name: "san", Type: "iscsi", Path: "/dev/disk/by-path", SourceHost: "192.0.2.10",
		SourceTarget: "iqn.2026-12.org.example:san", Auth: &virt.PoolAuth{Username: "alice", Password: "s3cret-chap"}}
	for range 2 { // the second time over a secret the first pool left
		p, err := d.DefinePool(ctx, spec)
		require.NoError(t, err)
		require.NotNil(t, p.Auth)
		assert.Equal(t, "alice", p.Auth.Username)
		assert.Empty(t, p.Auth.Password, "libvirt does not give the password back")

		pool, err := c.LookupStoragePoolByName("san")
		require.NoError(t, err)
		x, _ := pool.GetXMLDesc(0)
		pool.Free()
		assert.Contains(t, x, `<auth type='chap' username='alice'>`)
		assert.NotContains(t, x, "s3cret-chap")
		sec, err := c.LookupSecretByUsage(golibvirt.SECRET_USAGE_TYPE_ISCSI, "netslice-pool-san")
		require.NoError(t, err, "the password is a libvirt secret")
		_, err = sec.GetValue(0)
		sec.Free()
		// Not "has no value": it has one, and libvirt keeps it to itself.
		assert.ErrorContains(t, err, "secret is private")
		assert.Contains(t, x, `<secret usage='netslice-pool-san'/>`)

		require.NoError(t, d.UndefinePool(ctx, "san"))
		_, err = c.LookupSecretByUsage(golibvirt.SECRET_USAGE_TYPE_ISCSI, "netslice-pool-san")
		assert.Error(t, err, "the secret goes with the pool")
	}
	// A pool that cannot be defined leaves no secret.
	spec.Type = "no-such-type"
	_, err = d.DefinePool(ctx, spec)
	require.Error(t, err)
	_, err = c.LookupSecretByUsage(golibvirt.SECRET_USAGE_TYPE_ISCSI, "netslice-pool-san")
	assert.Error(t, err)
}

// TestNodeDevicesParents lists the host's devices, each with its parent,
// on the stock test hypervisor and on libvirttest's node, many times: the
// binding's GetParent freed a string the device owns, and libvirt freed it
// again with the device (a double free that aborted the process on the
// first or second listing).
func TestNodeDevicesParents(t *testing.T) {
	stock, err := libvirt.Open("test:///default", libvirt.Options{})
	if err != nil {
		t.Skipf("libvirt test driver unavailable (needs cgo and libvirt0): %v", err)
	}
	defer stock.Close()
	for name, d := range map[string]*libvirt.Driver{"test:///default": stock, "libvirttest": libvirttest.Open(t)} {
		t.Run(name, func(t *testing.T) {
			var devs []virt.NodeDevice
			for range 50 {
				devs, err = d.NodeDevices(ctx)
				require.NoError(t, err)
			}
			require.NotEmpty(t, devs)
			parents := map[string]string{}
			for _, dev := range devs {
				parents[dev.Name] = dev.Parent
			}
			assert.Equal(t, "", parents["computer"], "the root has no parent")
			withParent := 0
			for n, p := range parents {
				if p == "" {
					continue
				}
				withParent++
				_, ok := parents[p]
				assert.True(t, ok, "%s's parent %s is listed", n, p)
			}
			assert.Equal(t, len(devs)-1, withParent, "every device but the computer has a parent")
		})
	}
	devs, err := libvirttest.Open(t).NodeDevices(ctx)
	require.NoError(t, err)
	want := map[string]string{"computer": "", "pci_0000_00_19_0": "computer", "net_eth0_52_54_00_0a_19_00": "pci_0000_00_19_0",
		"usb_usb1": "pci_0000_00_1d_0", "usb_1_1": "usb_usb1", "scsi_host0": "pci_0000_00_1f_2"}
	for _, dev := range devs {
		if p, ok := want[dev.Name]; ok {
			assert.Equal(t, p, dev.Parent, dev.Name)
			delete(want, dev.Name)
		}
	}
	assert.Empty(t, want, "devices missing")
}

// TestNoOwnedStringFrees holds the package to not calling the binding
// methods that free a string libvirt owns (see the package doc): each is a
// double free that aborts the process.
func TestNoOwnedStringFrees(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, call := range []string{".GetParent()", ".GetFilterName()", ".GetPortDev()"} {
			assert.NotContains(t, string(b), call, "%s calls %s, whose binding frees a string libvirt owns", f, call)
		}
	}
}

// TestStatsMany: the counters of many running domains come from one call
// for every active domain; asking also for one that is not running, or
// gone, gives what asking for each does.
func TestStatsMany(t *testing.T) {
	d := libvirttest.Open(t)
	running := halfRunning(t, d, "s", 6, 2)
	st, err := d.Stats(ctx, running...)
	require.NoError(t, err)
	require.Len(t, st, len(running))
	for _, n := range running {
		assert.Positive(t, st[n].CPUTime, n)
		assert.Equal(t, 2, st[n].VCPUs, n)
	}
	st, err = d.Stats(ctx, append(running, "s001")...)
	require.NoError(t, err)
	assert.Len(t, st, len(running)+1, "a domain that is not running has counters too")
	_, err = d.Stats(ctx, append(running, "nosuch")...)
	assert.ErrorIs(t, err, virt.ErrNotFound)
}

// halfRunning defines n domains named prefix and a number, with cpus
// vCPUs, starts every other one and returns the names of those running.
func halfRunning(tb testing.TB, d virt.Driver, prefix string, n, cpus int) []string {
	var running []string
	for i := range n {
		name := fmt.Sprintf("%s%03d", prefix, i)
		_, err := d.DefineDomain(ctx, virt.DomainSpec{Name: name, MemoryMiB: 64, CPUs: cpus})
		require.NoError(tb, err)
		if i%2 == 0 {
			require.NoError(tb, d.Start(ctx, name))
			running = append(running, name)
		}
	}
	return running
}

// BenchmarkStatsRunning reads the counters of 100 running domains (of
// 200) through a libvirt daemon, as Kimchi's GET /vms does on a host with
// bulk statistics.
func BenchmarkStatsRunning(b *testing.B) {
	lv := libvirttest.StartDaemon(b)
	d, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(b, err)
	defer d.Close()
	running := halfRunning(b, d, "b", 200, 1)
	b.ReportAllocs()
	for b.Loop() {
		st, err := d.Stats(ctx, running...)
		if err != nil || len(st) != len(running) {
			b.Fatal(len(st), err)
		}
	}
}
