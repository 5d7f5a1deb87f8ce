package kimchi_test

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
)

// recorder is a HostActions that records what it was asked.
type recorder struct {
	mu   sync.Mutex
	done []string
}

func (r *recorder) add(s string) { r.mu.Lock(); r.done = append(r.done, s); r.mu.Unlock() }
func (r *recorder) Reboot(context.Context) error {
	r.add("reboot")
	return nil
}
func (r *recorder) Shutdown(context.Context) error {
	r.add("shutdown")
	return nil
}
func (r *recorder) Update(_ context.Context, progress func(string)) error {
	progress("3 packages to upgrade")
	r.add("update")
	return nil
}

// field reads "key: value" from a /proc-style file, as a test would.
func field(t *testing.T, path, key, sep string) string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), sep); ok && strings.TrimSpace(k) == key {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

func TestHost(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	var h kimchi.Host
	e.must(200, "GET", "/host", nil).json(t, &h)
	kb, _ := strconv.ParseUint(strings.Fields(field(t, "/proc/meminfo", "MemTotal", ":"))[0], 10, 64)
	assert.Equal(t, kb*1024, h.Memory, "what /proc/meminfo says")
	assert.Equal(t, field(t, "/proc/cpuinfo", "model name", ":"), h.CPUModel)
	assert.Equal(t, runtime.NumCPU(), h.CPUs)
	assert.Equal(t, field(t, "/etc/os-release", "ID", "="), h.OSDistro)
	assert.Equal(t, field(t, "/etc/os-release", "VERSION_ID", "="), h.OSVersion)
	assert.Equal(t, field(t, "/etc/os-release", "VERSION_CODENAME", "="), h.OSCodename)

	var c kimchi.CPUTopology
	e.must(200, "GET", "/host/cpuinfo", nil).json(t, &c)
	assert.Equal(t, h.CPUs, c.Sockets*c.Cores*c.ThreadsPerCore)

	var st kimchi.HostStats
	e.must(200, "GET", "/host/stats", nil).json(t, &st)
	assert.Equal(t, h.Memory, st.Memory.Total)
	assert.GreaterOrEqual(t, st.CPUUtilization, 0.0)
	assert.LessOrEqual(t, st.CPUUtilization, 100.0)
	assert.Positive(t, st.Memory.Avail)

	// Actions that would change the machine are refused by default.
	assert.Contains(t, e.must(403, "POST", "/host/reboot", nil).reason(t), "KCHAPI0009E")
	assert.Contains(t, e.must(403, "POST", "/host/shutdown", nil).reason(t), "KCHAPI0009E")
	assert.Contains(t, e.must(403, "POST", "/host/swupdate", nil).reason(t), "KCHAPI0009E")
	e.must(405, "PUT", "/host", map[string]any{})
	e.must(404, "GET", "/host/nothing", nil)

	var users, groups, plugins, peers []string
	e.must(200, "GET", "/users", nil).json(t, &users)
	assert.Contains(t, users, "root")
	e.must(200, "GET", "/users?_user_id=root", nil).json(t, &users)
	assert.Equal(t, []string{"root"}, users)
	assert.Contains(t, e.must(404, "GET", "/users?_user_id=no-such-user", nil).reason(t), "KCHAUTH0004E")
	e.must(200, "GET", "/groups", nil).json(t, &groups)
	assert.Contains(t, groups, "root")
	e.must(200, "GET", "/plugins", nil).json(t, &plugins)
	assert.Equal(t, []string{"kimchi"}, plugins)
	e.must(200, "GET", "/peers", nil).json(t, &peers)
	assert.Empty(t, peers)
}

func TestHostActions(t *testing.T) {
	rec := &recorder{}
	e := newEnv(t, kimchi.Options{HostActions: rec})
	e.must(200, "POST", "/host/reboot", nil)
	e.must(200, "POST", "/host/shutdown", nil)
	task := e.wait(e.do("POST", "/host/swupdate", nil))
	assert.Equal(t, kimchi.TaskFinished, task.Status)
	assert.Equal(t, []string{"reboot", "shutdown", "update"}, rec.done)
	assert.Equal(t, "/plugins/kimchi/host/swupdate", task.Target)
	// Nothing to follow: the progress task ends at once.
	progress := e.wait(e.do("GET", "/host/swupdateprogress", nil))
	assert.Equal(t, kimchi.TaskFinished, progress.Status)
	assert.Equal(t, "/plugins/kimchi/host/swupdateprogress", progress.Target)
	// Not while a VM runs.
	e.template("t", nil)
	e.vm("vm", "t")
	e.must(200, "POST", "/vms/vm/start", nil)
	assert.Contains(t, e.must(400, "POST", "/host/reboot", nil).reason(t), "KCHHOST0002E")
	assert.Contains(t, e.must(400, "POST", "/host/shutdown", nil).reason(t), "KCHHOST0001E")
	assert.Len(t, rec.done, 3)
}

func TestHostStatsHistoryBounded(t *testing.T) {
	e := newEnv(t, kimchi.Options{StatsInterval: 5 * time.Millisecond, StatsHistory: 4})
	var hist kimchi.HostStatsHistory
	require.Eventually(t, func() bool {
		e.must(200, "GET", "/host/stats/history", nil).json(t, &hist)
		return len(hist.CPUUtilization) == 4
	}, 5*time.Second, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	e.must(200, "GET", "/host/stats/history", nil).json(t, &hist)
	assert.Len(t, hist.CPUUtilization, 4, "no more than StatsHistory samples")
	assert.Len(t, hist.Memory, 4)
	assert.Len(t, hist.NetRecvRate, 4)
}

func TestHostDevicesAndPartitions(t *testing.T) {
	e := newEnv(t, kimchi.Options{Distros: []kimchi.Distro{{Name: "Debian 12", OSDistro: "debian", OSVersion: "12", Path: "https://cdimage.example/debian-12.iso"}}})
	var devs []kimchi.HostDevice
	e.must(200, "GET", "/host/devices", nil).json(t, &devs)
	require.Len(t, devs, 9, "libvirttest's node: the computer, four PCI functions, a NIC, two USB devices, a SCSI host")
	names := func() (out []string) {
		for _, d := range devs {
			out = append(out, d.Name)
		}
		return out
	}
	e.must(200, "GET", "/host/devices?_cap=system", nil).json(t, &devs)
	assert.Equal(t, []string{"computer"}, names())
	e.must(200, "GET", "/host/devices?_cap=pci", nil).json(t, &devs)
	assert.Equal(t, []string{"pci_0000_00_19_0", "pci_0000_00_19_1", "pci_0000_00_1d_0", "pci_0000_00_1f_2"}, names())
	e.must(200, "GET", "/host/devices?_cap=usb_device", nil).json(t, &devs)
	assert.Equal(t, []string{"usb_1_1", "usb_usb1"}, names())
	e.must(200, "GET", "/host/devices?_passthrough=true", nil).json(t, &devs)
	assert.Len(t, devs, 6, "PCI and USB devices")
	e.must(200, "GET", "/host/devices?_passthrough=false", nil).json(t, &devs)
	assert.Equal(t, []string{"computer", "net_eth0_52_54_00_0a_19_00", "scsi_host0"}, names())
	var net kimchi.HostDevice
	e.must(200, "GET", "/host/devices/net_eth0_52_54_00_0a_19_00", nil).json(t, &net)
	assert.Equal(t, "pci_0000_00_19_0", net.Parent)
	var d kimchi.HostDevice
	e.must(200, "GET", "/host/devices/pci_0000_00_19_0", nil).json(t, &d)
	assert.Equal(t, "pci", d.DeviceType)
	assert.Equal(t, 25, *d.Slot)
	assert.Equal(t, &kimchi.IDName{ID: "0x8086", Description: "Intel Corporation"}, d.Vendor)
	assert.Equal(t, 7, *d.IOMMUGroup)
	e.must(200, "GET", "/host/devices?_passthrough_affected_by=pci_0000_00_19_0", nil).json(t, &devs)
	require.Len(t, devs, 1)
	assert.Equal(t, "pci_0000_00_19_1", devs[0].Name, "the other function of its IOMMU group")
	assert.Contains(t, e.must(400, "GET", "/host/devices?_cap=pci&_passthrough_affected_by=pci_0000_00_19_0", nil).reason(t), "KCHHOST0004E")

	// Assigned to a VM (the test driver edits the definition), it has a
	// holder.
	e.template("t", nil)
	e.vm("vm", "t")
	var hd kimchi.HostDev
	e.must(201, "POST", "/vms/vm/hostdevs", map[string]any{"name": "pci_0000_00_19_0"}).json(t, &hd)
	assert.Equal(t, kimchi.HostDev{Name: "pci_0000_00_19_0", Type: "pci"}, hd)
	var holders []kimchi.VMHolder
	e.must(200, "GET", "/host/devices/pci_0000_00_19_0/vmholders", nil).json(t, &holders)
	assert.Equal(t, []kimchi.VMHolder{{Name: "vm", State: "shutdown"}}, holders)
	e.must(200, "GET", "/host/devices/pci_0000_00_19_0/vmholders/vm", nil)
	e.must(200, "GET", "/vms/vm/hostdevs/pci_0000_00_19_0", nil)
	// The add-device dialog offers what no VM holds.
	devNames := func(q string) []string {
		e.must(200, "GET", "/host/devices?"+q, nil).json(t, &devs)
		var out []string
		for _, d := range devs {
			out = append(out, d.Name)
		}
		return out
	}
	assert.NotContains(t, devNames("_passthrough=true&_cap=pci&_available_only=true"), "pci_0000_00_19_0")
	assert.Contains(t, devNames("_passthrough=true&_cap=pci&_available_only=true"), "pci_0000_00_19_1")
	assert.Contains(t, devNames("_passthrough=true&_cap=pci"), "pci_0000_00_19_0")
	assert.Contains(t, e.must(400, "GET", "/host/devices?_available_only=yes", nil).reason(t), "KCHDEVS0004E")
	e.must(204, "DELETE", "/vms/vm/hostdevs/pci_0000_00_19_0", nil)
	assert.Contains(t, devNames("_passthrough=true&_cap=pci&_available_only=true"), "pci_0000_00_19_0")
	e.must(200, "GET", "/host/devices/pci_0000_00_19_0/vmholders", nil).json(t, &holders)
	assert.Empty(t, holders)
	assert.Contains(t, e.must(400, "GET", "/host/devices?_cap=toaster", nil).reason(t), "KCHDEVS0001E")
	assert.Contains(t, e.must(400, "GET", "/host/devices?_passthrough=maybe", nil).reason(t), "KCHDEVS0002E")
	assert.Contains(t, e.must(404, "GET", "/host/devices/nosuch", nil).reason(t), "KCHHOST0003E")

	var parts []kimchi.Partition
	e.must(200, "GET", "/host/partitions", nil).json(t, &parts)
	require.NotEmpty(t, parts)
	for _, p := range parts {
		_, err := os.Stat(p.Path)
		assert.NoError(t, err, "a real device: %s", p.Path)
		if p.MountPoint == "/" {
			assert.False(t, p.Available, "the root file system's device is in use")
		}
	}
	var one kimchi.Partition
	e.must(200, "GET", "/host/partitions/"+parts[0].Name, nil).json(t, &one)
	assert.Equal(t, parts[0], one)
	assert.Contains(t, e.must(404, "GET", "/host/partitions/nosuch", nil).reason(t), "KCHPART0001E")

	var distros []kimchi.Distro
	e.must(200, "GET", "/config/distros", nil).json(t, &distros)
	assert.Len(t, distros, 1)
	e.must(200, "GET", "/config/distros/Debian%2012", nil)
	assert.Contains(t, e.must(404, "GET", "/config/distros/Hurd", nil).reason(t), "KCHDISTRO0001E")
}

// vgRecorder is HostActions that can also extend volume groups.
type vgRecorder struct{ recorder }

func (r *vgRecorder) ExtendVolumeGroup(_ context.Context, vg string, disks []string) error {
	r.add("vgextend " + vg + " " + strings.Join(disks, " "))
	return nil
}

func TestExtendLogicalPool(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	e.must(201, "POST", "/storagepools", map[string]any{"name": "vg0", "type": "logical", "source": map[string]any{"devices": []string{"/dev/sdb"}}})
	assert.Contains(t, e.must(403, "PUT", "/storagepools/vg0", map[string]any{"disks": []string{"/dev/sdc"}}).reason(t), "KCHAPI0009E",
		"vgextend changes the machine: refused unless the program allows it")

	rec := &vgRecorder{}
	e2 := startEnv(t, e.drv, e.st, kimchi.Options{HostActions: rec})
	e2.must(200, "POST", "/storagepools/vg0/activate", nil)
	assert.Contains(t, e2.must(400, "PUT", "/storagepools/vg0", map[string]any{"disks": []string{"sdc"}}).reason(t), "KCHPOOL0027E")
	e2.must(200, "PUT", "/storagepools/vg0", map[string]any{"disks": []string{"/dev/sdc", "/dev/sdd"}})
	assert.Equal(t, []string{"vgextend vg0 /dev/sdc /dev/sdd"}, rec.done)
}
