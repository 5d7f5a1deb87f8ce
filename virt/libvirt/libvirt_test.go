//go:build cgo

package libvirt_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

var ctx = context.Background()

func define(t *testing.T, d virt.Driver, name string) virt.Domain {
	t.Helper()
	vol, err := d.CreateVolume(ctx, "default", virt.VolumeSpec{Name: name + ".img", Capacity: 1 << 30, Format: "qcow2"})
	require.NoError(t, err)
	dom, err := d.DefineDomain(ctx, virt.DomainSpec{Name: name, MemoryMiB: 512, CPUs: 1,
		Graphics:   &virt.Graphics{Type: "vnc", Listen: "127.0.0.1"},
		Interfaces: []virt.Interface{{Type: "network", Network: "default", Model: "virtio"}},
		Disks:      []virt.Disk{{Dev: "vda", Type: "disk", Bus: "virtio", Path: vol.Path, Format: "qcow2"}}})
	require.NoError(t, err)
	return dom
}

func TestLifecycle(t *testing.T) {
	d := libvirttest.Open(t)
	dom := define(t, d, "vm1")
	assert.Equal(t, virt.Shutoff, dom.State)
	assert.Equal(t, 512, dom.MemoryMiB)
	assert.True(t, dom.Persistent)
	require.Len(t, dom.Interfaces, 1)
	assert.Regexp(t, `^52:54:00(:[0-9a-f]{2}){3}$`, dom.Interfaces[0].MAC)
	require.Len(t, dom.Disks, 1)
	assert.Equal(t, "default", dom.Disks[0].Pool)
	assert.Equal(t, "vm1.img", dom.Disks[0].Volume)

	_, err := d.DefineDomain(ctx, virt.DomainSpec{Name: "vm1", MemoryMiB: 1, CPUs: 1})
	assert.ErrorIs(t, err, virt.ErrExists)

	for _, step := range []struct {
		op   func(context.Context, string) error
		want virt.State
		bad  func(context.Context, string) error // now invalid
	}{
		{d.Start, virt.Running, d.Start},
		{d.Suspend, virt.Paused, d.Suspend},
		{d.Resume, virt.Running, d.Resume},
		{d.Reset, virt.Running, d.Resume},
		{d.Poweroff, virt.Shutoff, d.Poweroff},
	} {
		require.NoError(t, step.op(ctx, "vm1"))
		got, err := d.Domain(ctx, "vm1")
		require.NoError(t, err)
		assert.Equal(t, step.want, got.State)
		assert.ErrorIs(t, step.bad(ctx, "vm1"), virt.ErrInvalidState)
	}
	assert.ErrorIs(t, d.Shutdown(ctx, "vm1"), virt.ErrInvalidState)
	assert.ErrorIs(t, d.Start(ctx, "nosuch"), virt.ErrNotFound)
	_, err = d.Domain(ctx, "nosuch")
	assert.ErrorIs(t, err, virt.ErrNotFound)

	sum, err := d.Domains(ctx)
	require.NoError(t, err)
	require.Len(t, sum, 1)
	sum[0].CPUTime = 0 // the test driver makes it up
	assert.Equal(t, virt.DomainSummary{Name: "vm1", UUID: dom.UUID, State: virt.Shutoff, MemoryMiB: 512, CPUs: 1}, sum[0])

	require.NoError(t, d.SetResources(ctx, "vm1", 1024, 2))
	got, err := d.Domain(ctx, "vm1")
	require.NoError(t, err)
	assert.Equal(t, 1024, got.MemoryMiB)
	assert.Equal(t, 2, got.CPUs)

	require.NoError(t, d.Rename(ctx, "vm1", "vm2"))
	_, err = d.Domain(ctx, "vm1")
	assert.ErrorIs(t, err, virt.ErrNotFound)
	got, err = d.Domain(ctx, "vm2")
	require.NoError(t, err)
	assert.Equal(t, dom.UUID, got.UUID)

	require.NoError(t, d.Undefine(ctx, "vm2", true))
	_, err = d.Domain(ctx, "vm2")
	assert.ErrorIs(t, err, virt.ErrNotFound)
	_, err = d.Volume(ctx, "default", "vm1.img")
	assert.ErrorIs(t, err, virt.ErrNotFound, "undefine with storage removes the disk's volume")
}

func TestMetadata(t *testing.T) {
	d := libvirttest.Open(t)
	_, err := d.DefineDomain(ctx, virt.DomainSpec{Name: "m", MemoryMiB: 64, CPUs: 1, Metadata: "<app><icon>a.png</icon></app>"})
	require.NoError(t, err)
	dom, err := d.Domain(ctx, "m")
	require.NoError(t, err)
	var md struct {
		Icon string `xml:"icon"`
	}
	require.NoError(t, xml.Unmarshal([]byte(dom.Metadata), &md), dom.Metadata)
	assert.Equal(t, "a.png", md.Icon)
	require.NoError(t, d.SetMetadata(ctx, "m", "<app><icon>b.png</icon></app>"))
	dom, _ = d.Domain(ctx, "m")
	require.NoError(t, xml.Unmarshal([]byte(dom.Metadata), &md), dom.Metadata)
	assert.Equal(t, "b.png", md.Icon)
	_, err = d.DefineDomain(ctx, virt.DomainSpec{Name: "bad", MemoryMiB: 64, CPUs: 1, Metadata: "<unclosed>"})
	assert.Error(t, err)
	_, err = d.Domain(ctx, "bad")
	assert.ErrorIs(t, err, virt.ErrNotFound, "a refused definition leaves nothing behind")
}

func TestRenameRunningRefused(t *testing.T) {
	d := libvirttest.Open(t)
	define(t, d, "a")
	define(t, d, "b")
	assert.ErrorIs(t, d.Rename(ctx, "a", "b"), virt.ErrExists)
	require.NoError(t, d.Start(ctx, "a"))
	assert.ErrorIs(t, d.Rename(ctx, "a", "c"), virt.ErrInvalidState)
}

func TestClone(t *testing.T) {
	d := libvirttest.Open(t)
	src := define(t, d, "src")
	c, err := d.Clone(ctx, "src", "copy")
	require.NoError(t, err)
	assert.NotEqual(t, src.UUID, c.UUID)
	require.Len(t, c.Interfaces, 1)
	assert.NotEqual(t, src.Interfaces[0].MAC, c.Interfaces[0].MAC)
	require.Len(t, c.Disks, 1)
	assert.NotEqual(t, src.Disks[0].Path, c.Disks[0].Path)
	vol, err := d.Volume(ctx, "default", c.Disks[0].Volume)
	require.NoError(t, err)
	assert.Equal(t, uint64(1<<30), vol.Capacity)

	_, err = d.Clone(ctx, "src", "copy")
	assert.ErrorIs(t, err, virt.ErrExists)
	require.NoError(t, d.Start(ctx, "src"))
	_, err = d.Clone(ctx, "src", "copy2")
	assert.ErrorIs(t, err, virt.ErrInvalidState)
}

func TestDevices(t *testing.T) {
	d := libvirttest.Open(t)
	define(t, d, "vm")

	// The test driver cannot attach devices: the definition is edited.
	i, err := d.AttachInterface(ctx, "vm", virt.Interface{Type: "network", Network: "default", Model: "e1000"})
	require.NoError(t, err)
	_, err = d.AttachInterface(ctx, "vm", virt.Interface{Type: "network", Network: "default", MAC: i.MAC})
	assert.ErrorIs(t, err, virt.ErrExists)
	dom, err := d.Domain(ctx, "vm")
	require.NoError(t, err)
	require.Len(t, dom.Interfaces, 2)
	assert.Equal(t, "e1000", dom.Interfaces[1].Model)

	i.Model = "virtio"
	require.NoError(t, d.UpdateInterface(ctx, "vm", i))
	dom, _ = d.Domain(ctx, "vm")
	assert.Equal(t, "virtio", dom.Interfaces[1].Model)
	require.NoError(t, d.DetachInterface(ctx, "vm", i.MAC))
	assert.ErrorIs(t, d.DetachInterface(ctx, "vm", i.MAC), virt.ErrNotFound)
	dom, _ = d.Domain(ctx, "vm")
	assert.Len(t, dom.Interfaces, 1)

	cd, err := d.AttachDisk(ctx, "vm", virt.Disk{Type: "cdrom", Path: "/isos/a.iso"})
	require.NoError(t, err)
	assert.Equal(t, "hda", cd.Dev)
	require.NoError(t, d.UpdateDisk(ctx, "vm", virt.Disk{Dev: "hda", Path: "/isos/b.iso"}))
	dom, _ = d.Domain(ctx, "vm")
	require.Len(t, dom.Disks, 2)
	assert.Equal(t, "/isos/b.iso", dom.Disks[1].Path)
	assert.ErrorIs(t, d.UpdateDisk(ctx, "vm", virt.Disk{Dev: "vda", Path: "/x"}), virt.ErrInvalid)
	require.NoError(t, d.DetachDisk(ctx, "vm", "hda"))
	assert.ErrorIs(t, d.DetachDisk(ctx, "vm", "hda"), virt.ErrNotFound)

	// Running: the persistent definition still changes.
	require.NoError(t, d.Start(ctx, "vm"))
	_, err = d.AttachInterface(ctx, "vm", virt.Interface{Type: "network", Network: "default"})
	require.NoError(t, err)
	require.NoError(t, d.Poweroff(ctx, "vm"))
	dom, _ = d.Domain(ctx, "vm")
	assert.Len(t, dom.Interfaces, 2)
}

func TestSnapshots(t *testing.T) {
	d := libvirttest.Open(t)
	define(t, d, "vm")
	require.NoError(t, d.Start(ctx, "vm"))
	s1, err := d.CreateSnapshot(ctx, "vm", "one")
	require.NoError(t, err)
	assert.Equal(t, virt.Running, s1.State)
	_, err = d.CreateSnapshot(ctx, "vm", "one")
	assert.ErrorIs(t, err, virt.ErrExists)
	require.NoError(t, d.Poweroff(ctx, "vm"))
	s2, err := d.CreateSnapshot(ctx, "vm", "two")
	require.NoError(t, err)
	assert.Equal(t, "one", s2.Parent)
	assert.Equal(t, virt.Shutoff, s2.State)

	require.NoError(t, d.RevertSnapshot(ctx, "vm", "one"))
	dom, _ := d.Domain(ctx, "vm")
	assert.Equal(t, virt.Running, dom.State, "reverting to a running snapshot runs the domain")
	snaps, err := d.Snapshots(ctx, "vm")
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	for _, s := range snaps {
		assert.Equal(t, s.Name == "one", s.Current, s.Name)
	}
	require.NoError(t, d.DeleteSnapshot(ctx, "vm", "two"))
	assert.ErrorIs(t, d.DeleteSnapshot(ctx, "vm", "two"), virt.ErrNotFound)
	assert.ErrorIs(t, d.RevertSnapshot(ctx, "vm", "nosuch"), virt.ErrNotFound)
}

func TestScreenshotStatsEvents(t *testing.T) {
	d := libvirttest.Open(t)
	events, err := d.Events(t.Context())
	require.NoError(t, err)
	define(t, d, "vm")
	_, _, err = d.Screenshot(ctx, "vm")
	assert.ErrorIs(t, err, virt.ErrInvalidState)
	require.NoError(t, d.Start(ctx, "vm"))
	data, mime, err := d.Screenshot(ctx, "vm")
	require.NoError(t, err)
	assert.Equal(t, "image/png", mime)
	_, err = png.Decode(bytes.NewReader(data))
	assert.NoError(t, err)

	st, err := d.Stats(ctx, "vm")
	require.NoError(t, err)
	assert.Equal(t, 1, st["vm"].VCPUs)
	assert.Positive(t, st["vm"].CPUTime)

	var kinds []virt.EventKind
	timeout := time.After(5 * time.Second)
	for len(kinds) < 2 {
		select {
		case e := <-events:
			if e.Domain == "vm" {
				kinds = append(kinds, e.Kind)
			}
		case <-timeout:
			t.Fatalf("events seen: %v", kinds)
		}
	}
	assert.Equal(t, []virt.EventKind{virt.EventDefined, virt.EventStarted}, kinds)
}

func TestNetworks(t *testing.T) {
	d := libvirttest.Open(t)
	n, err := d.DefineNetwork(ctx, virt.Network{Name: "lab", Forward: "nat", Subnet: "192.168.50.1/24",
		DHCPStart: "192.168.50.129", DHCPEnd: "192.168.50.254"})
	require.NoError(t, err)
	assert.False(t, n.Active)
	assert.Equal(t, "192.168.50.1/24", n.Subnet)
	_, err = d.DefineNetwork(ctx, virt.Network{Name: "lab"})
	assert.ErrorIs(t, err, virt.ErrExists)
	_, err = d.DefineNetwork(ctx, virt.Network{Name: "x", Forward: "warp"})
	assert.ErrorIs(t, err, virt.ErrInvalid)

	require.NoError(t, d.StartNetwork(ctx, "lab"))
	assert.ErrorIs(t, d.StartNetwork(ctx, "lab"), virt.ErrInvalidState)
	require.NoError(t, d.SetNetworkAutostart(ctx, "lab", true))
	n, err = d.Network(ctx, "lab")
	require.NoError(t, err)
	assert.True(t, n.Active)
	assert.True(t, n.Autostart)
	assert.Equal(t, "192.168.50.129", n.DHCPStart)
	require.NoError(t, d.StopNetwork(ctx, "lab"))
	require.NoError(t, d.UndefineNetwork(ctx, "lab"))
	_, err = d.Network(ctx, "lab")
	assert.ErrorIs(t, err, virt.ErrNotFound)

	iso, err := d.DefineNetwork(ctx, virt.Network{Name: "iso", Subnet: "10.9.0.1/24"})
	require.NoError(t, err)
	assert.Equal(t, "", iso.Forward)
	br, err := d.DefineNetwork(ctx, virt.Network{Name: "br", Forward: "bridge", Bridge: "br0"})
	require.NoError(t, err)
	assert.Equal(t, "br0", br.Bridge)
	mv, err := d.DefineNetwork(ctx, virt.Network{Name: "mv", Forward: "bridge", Interface: "eth9", VLAN: 7})
	require.NoError(t, err)
	assert.Equal(t, "eth9", mv.Interface)
	assert.Equal(t, 7, mv.VLAN)
}

func TestStorage(t *testing.T) {
	d := libvirttest.Open(t)
	pools, err := d.Pools(ctx)
	require.NoError(t, err)
	require.Len(t, pools, 1)
	assert.Equal(t, "dir", pools[0].Type)
	assert.True(t, pools[0].Active)
	assert.Equal(t, 1, pools[0].Volumes)

	v, err := d.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "d.qcow2", Capacity: 5 << 30, Format: "qcow2"})
	require.NoError(t, err)
	assert.Equal(t, uint64(5<<30), v.Capacity)
	_, err = d.CreateVolume(ctx, "default", virt.VolumeSpec{Name: "d.qcow2", Capacity: 1})
	assert.ErrorIs(t, err, virt.ErrExists)
	c, err := d.CloneVolume(ctx, "default", "d.qcow2", "default", "e.qcow2")
	require.NoError(t, err)
	assert.Equal(t, v.Capacity, c.Capacity)
	vols, err := d.Volumes(ctx, "default")
	require.NoError(t, err)
	assert.Len(t, vols, 3)
	require.NoError(t, d.DeleteVolume(ctx, "default", "e.qcow2"))
	_, err = d.Volume(ctx, "default", "e.qcow2")
	assert.ErrorIs(t, err, virt.ErrNotFound)
	_, err = d.Volumes(ctx, "nosuch")
	assert.ErrorIs(t, err, virt.ErrNotFound)

	p, err := d.DefinePool(ctx, virt.PoolSpec{Name: "more", Type: "dir", Path: t.TempDir()})
	require.NoError(t, err)
	assert.False(t, p.Active)
	require.NoError(t, d.StartPool(ctx, "more"))
	require.NoError(t, d.SetPoolAutostart(ctx, "more", true))
	p, err = d.Pool(ctx, "more")
	require.NoError(t, err)
	assert.True(t, p.Active)
	assert.True(t, p.Autostart)
	require.NoError(t, d.StopPool(ctx, "more"))
	require.NoError(t, d.UndefinePool(ctx, "more"))
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
func TestReconnect(t *testing.T) {
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

// TestRealStorage: a directory pool on libvirt's real storage driver —
// files made, resized, wiped, cloned and deleted on disk.
func TestRealStorage(t *testing.T) {
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
