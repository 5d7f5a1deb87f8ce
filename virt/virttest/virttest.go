package virttest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/virt"
)

// Run is the conformance suite of virt.Driver, in the manner of
// testing/fstest: what a driver must do for the Kimchi API above it to be
// right. newDriver returns a driver on a fresh hypervisor that has an
// active NAT network "default" and an active directory pool "default"
// (libvirttest's test hypervisor; a QEMU one set up so). What a
// hypervisor cannot do (ErrNotSupported) is skipped, saying so.
func Run(t *testing.T, newDriver func(t *testing.T) virt.Driver) {
	for _, c := range []struct {
		name string
		f    func(t *testing.T, d virt.Driver)
	}{
		{"Lifecycle", testLifecycle}, {"Metadata", testMetadata}, {"Rename", testRename}, {"Clone", testClone},
		{"Devices", testDevices}, {"Snapshots", testSnapshots}, {"ScreenshotStatsEvents", testScreenshotStatsEvents},
		{"Networks", testNetworks}, {"Storage", testStorage}, {"NodeDevices", testNodeDevices},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, newDriver(t)) })
	}
}

var ctx = context.Background()

// define defines a domain with a 1 GiB qcow2 disk in the pool "default"
// and an interface on the network "default".
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

// supported skips t for an error that says the hypervisor cannot.
func supported(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, virt.ErrNotSupported) {
		t.Skipf("the hypervisor cannot: %v", err)
	}
}

func testLifecycle(t *testing.T, d virt.Driver) {
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
	assert.WithinDuration(t, time.Now(), sum[0].At, time.Minute, "when it was read")
	sum[0].At = time.Time{}
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

func testMetadata(t *testing.T, d virt.Driver) {
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

func testRename(t *testing.T, d virt.Driver) {
	define(t, d, "a")
	define(t, d, "b")
	assert.ErrorIs(t, d.Rename(ctx, "a", "b"), virt.ErrExists)
	require.NoError(t, d.Start(ctx, "a"))
	assert.ErrorIs(t, d.Rename(ctx, "a", "c"), virt.ErrInvalidState)
}

func testClone(t *testing.T, d virt.Driver) {
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

func testDevices(t *testing.T, d virt.Driver) {
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

func testSnapshots(t *testing.T, d virt.Driver) {
	define(t, d, "vm")
	require.NoError(t, d.Start(ctx, "vm"))
	s1, err := d.CreateSnapshot(ctx, "vm", "one")
	supported(t, err)
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

func testScreenshotStatsEvents(t *testing.T, d virt.Driver) {
	events, err := d.Events(t.Context())
	require.NoError(t, err)
	define(t, d, "vm")
	_, _, err = d.Screenshot(ctx, "vm")
	assert.ErrorIs(t, err, virt.ErrInvalidState)
	require.NoError(t, d.Start(ctx, "vm"))
	data, mime, err := d.Screenshot(ctx, "vm")
	supported(t, err)
	require.NoError(t, err)
	assert.NotEmpty(t, data)
	if mime == "image/png" {
		_, err = png.Decode(bytes.NewReader(data))
		assert.NoError(t, err)
	}

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

func testNetworks(t *testing.T, d virt.Driver) {
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

func testStorage(t *testing.T, d virt.Driver) {
	def, err := d.Pool(ctx, "default")
	require.NoError(t, err)
	assert.Equal(t, "dir", def.Type)
	assert.True(t, def.Active)
	before, err := d.Volumes(ctx, "default")
	require.NoError(t, err)
	assert.Equal(t, def.Volumes, len(before))

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
	assert.Len(t, vols, len(before)+2)
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

// testNodeDevices: the host's devices, each but the root under a parent
// that is listed too, and listing them again and again is safe (a
// binding once freed a string libvirt owned, which aborted the process).
func testNodeDevices(t *testing.T, d virt.Driver) {
	var devs []virt.NodeDevice
	var err error
	for range 20 {
		devs, err = d.NodeDevices(ctx)
		supported(t, err)
		require.NoError(t, err)
	}
	names := map[string]bool{}
	for _, dev := range devs {
		names[dev.Name] = true
	}
	roots := 0
	for _, dev := range devs {
		if dev.Parent == "" {
			roots++
			continue
		}
		assert.True(t, names[dev.Parent], "%s's parent %s is listed", dev.Name, dev.Parent)
	}
	if len(devs) > 0 {
		assert.Equal(t, 1, roots, "one root, the computer")
	}
}
