//go:build cgo

package kimchi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	golibvirt "libvirt.org/go/libvirt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet/hostnettest/guest"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// guestUp is what the boot ISO's guest writes to its serial port.
const guestUp = "NETSLICE-GUEST-UP"

// bootISO is an ISO 9660 image a PC boots from (El Torito, no
// emulation): its boot image writes guestUp to the first serial port and
// halts, the machine still running — a guest that really runs, without a
// kernel.
func bootISO(volumeID string) []byte {
	const sector = 2048
	img := make([]byte, 21*sector)
	desc := func(n int, typ byte) []byte {
		d := img[n*sector : (n+1)*sector]
		d[0], d[6] = typ, 1
		copy(d[1:6], "CD001")
		return d
	}
	pvd := desc(16, 1)
	copy(pvd[40:72], fmt.Sprintf("%-32s", volumeID))
	binary.LittleEndian.PutUint32(pvd[80:], 21) // volume space size, both byte orders
	binary.BigEndian.PutUint32(pvd[84:], 21)
	boot := desc(17, 0)
	copy(boot[7:39], "EL TORITO SPECIFICATION")
	binary.LittleEndian.PutUint32(boot[71:], 19) // the boot catalog's sector
	desc(18, 255)
	// The catalog: a validation entry whose words sum to zero, then the
	// default entry: bootable, no emulation, four 512-byte sectors from
	// sector 20, loaded at 0000:7C00.
	cat := img[19*sector:]
	cat[0], cat[30], cat[31] = 1, 0x55, 0xaa
	var sum uint16
	for i := 0; i < 32; i += 2 {
		sum += binary.LittleEndian.Uint16(cat[i:])
	}
	binary.LittleEndian.PutUint16(cat[28:], -sum)
	cat[32] = 0x88
	binary.LittleEndian.PutUint16(cat[38:], 4)
	binary.LittleEndian.PutUint32(cat[40:], 20)
	// cli; xor ax,ax; mov ds,ax; mov si,msg; mov dx,0x3f8;
	// loop: lodsb; test al,al; jz halt; out dx,al; jmp loop;
	// halt: hlt; jmp halt; msg: ...
	code := []byte{0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0xbe, 0x16, 0x7c, 0xba, 0xf8, 0x03,
		0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xf4, 0xeb, 0xfd}
	copy(img[20*sector:], append(code, guestUp+"\r\n\x00"...))
	return img
}

// TestBootISOReadsAsBootable: the boot ISO is what Kimchi's probe calls
// a bootable image.
func TestBootISOReadsAsBootable(t *testing.T) {
	e := newEnv(t, kimchi.Options{})
	dir := t.TempDir()
	e.must(201, "POST", "/storagepools", map[string]any{"name": "isos", "type": "dir", "path": dir})
	e.must(200, "POST", "/storagepools/isos/activate", nil)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "boot.iso"), bootISO("Debian 12"), 0o644))
	var tm kimchi.Template
	e.must(201, "POST", "/templates", map[string]any{"cdrom": filepath.Join(dir, "boot.iso")}).json(t, &tm)
	assert.Equal(t, "debian", tm.OSDistro)
}

// qemuEnv is Kimchi over libvirt's QEMU driver (emulated, TCG) in a
// libvirtd of the test's own, with an active directory pool "images"
// holding the boot ISO.
func qemuEnv(t *testing.T) (e *env, uri, iso string) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not found: apt-get install qemu-system-x86 (make test does as root)")
	}
	lv := libvirttest.StartStorageDaemon(t)
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { drv.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e = startEnv(t, drv, st, kimchi.Options{})
	dir := lv.Dir(t, "images")
	iso = filepath.Join(dir, "boot.iso")
	require.NoError(t, os.WriteFile(iso, bootISO("Debian 12"), 0o644))
	require.NoError(t, os.Chown(iso, 65534, 65534))
	e.must(201, "POST", "/storagepools", map[string]any{"name": "images", "type": "dir", "path": dir})
	e.must(200, "POST", "/storagepools/images/activate", nil)
	return e, lv.URI(), iso
}

// serial is a running domain's serial console, opened by the test.
type serial struct {
	t   *testing.T
	c   *golibvirt.Connect
	d   *golibvirt.Domain
	st  *golibvirt.Stream
	got bytes.Buffer // what it said since the last expect
}

func openSerial(t *testing.T, uri, dom string) *serial {
	t.Helper()
	c, err := golibvirt.NewConnect(uri)
	require.NoError(t, err)
	d, err := c.LookupDomainByName(dom)
	require.NoError(t, err)
	st, err := c.NewStream(golibvirt.STREAM_NONBLOCK)
	require.NoError(t, err)
	require.NoError(t, d.OpenConsole("", st, golibvirt.DOMAIN_CONSOLE_FORCE))
	s := &serial{t: t, c: c, d: d, st: st}
	t.Cleanup(s.close)
	return s
}

func (s *serial) close() {
	if s.st != nil {
		s.st.Abort()
		s.st.Free()
		s.d.Free()
		s.c.Close()
		s.st = nil
	}
}

// expect reads until the console has said a match of re, and returns
// the match's groups; it fails the test after timeout.
func (s *serial) expect(re string, timeout time.Duration) []string {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		n, err := s.st.Recv(buf)
		if n > 0 {
			s.got.Write(buf[:n])
			if loc := rx.FindSubmatchIndex(s.got.Bytes()); loc != nil {
				m := rx.FindSubmatch(s.got.Bytes())
				out := make([]string, len(m))
				for i := range m {
					out[i] = string(m[i])
				}
				s.got.Next(loc[1])
				return out
			}
		}
		if err != nil && n != -2 { // -2: nothing yet (non-blocking)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the guest did not say %q in %s; its console: %q", re, timeout, s.got.String())
	return nil
}

// run types a shell command line into the console and waits for its
// exit status: 0 is true. The marker it prints is computed by the
// shell, so the echo of the line typed is not taken for it.
func (s *serial) run(line string, timeout time.Duration) bool {
	s.t.Helper()
	_, err := s.st.Send([]byte(line + "; echo RC$((1000+$?))\n"))
	require.NoError(s.t, err)
	return s.expect(`RC1(\d{3})`, timeout)[1] == "000"
}

// console reads a running domain's serial console until it has said
// want, or fails the test after the timeout.
func console(t *testing.T, uri, dom, want string, timeout time.Duration) string {
	t.Helper()
	s := openSerial(t, uri, dom)
	defer s.close()
	s.expect(regexp.QuoteMeta(want), timeout)
	return want
}

// TestIntegrationQEMU: Kimchi on a real hypervisor. A template from a
// bootable ISO, a VM made of it that starts and really runs — it writes to
// its serial console, which the test reads — a screenshot that is a real
// frame, its console password changed live, a snapshot taken and
// reverted to, and a poweroff; capabilities as QEMU has them.
func TestIntegrationQEMU(t *testing.T) {
	e, uri, iso := qemuEnv(t)
	var caps map[string]any
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.Equal(t, true, caps["screenshot"])
	assert.Equal(t, true, caps["qemu_spice"], "Debian's QEMU has SPICE")

	e.template("tiny", map[string]any{"cdrom": iso, "networks": []string{}, "storagepool": "/storagepools/images",
		"disks": []map[string]any{{"size": 1}}})
	start := time.Now()
	e.vm("tiny1", "tiny")
	e.must(200, "POST", "/vms/tiny1/start", nil)
	console(t, uri, "tiny1", guestUp, 60*time.Second)
	t.Logf("POST /vms to the guest's first console line: %s", time.Since(start))
	var vm kimchi.VM
	e.must(200, "GET", "/vms/tiny1", nil).json(t, &vm)
	assert.Equal(t, "running", vm.State)

	// A screenshot: a real frame, not one colour.
	shot := e.must(200, "GET", "/vms/tiny1/screenshot", nil)
	img, err := png.Decode(bytes.NewReader(shot.body))
	require.NoError(t, err)
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r<<16|g<<8|bl] = true
		}
	}
	assert.Greater(t, len(colours), 1, "a %v frame of one colour", b)

	// The console password: refused live on a console started without
	// one (QEMU cannot add one), changed live on one started with one.
	reason := e.must(400, "PUT", "/vms/tiny1", map[string]any{"graphics": map[string]any{"passwd": "livesecr"}}).reason(t)
	assert.Contains(t, reason, "started without a password")
	e.must(200, "POST", "/vms/tiny1/poweroff", nil)
	e.must(200, "PUT", "/vms/tiny1", map[string]any{"graphics": map[string]any{"passwd": "bootsecr", "passwdValidTo": 600}})
	e.must(200, "POST", "/vms/tiny1/start", nil)
	console(t, uri, "tiny1", guestUp, 60*time.Second)
	e.must(200, "PUT", "/vms/tiny1", map[string]any{"graphics": map[string]any{"passwd": "livesecr", "passwdValidTo": 600}})
	c, err := golibvirt.NewConnect(uri)
	require.NoError(t, err)
	defer c.Close()
	d, err := c.LookupDomainByName("tiny1")
	require.NoError(t, err)
	defer d.Free()
	live, err := d.GetXMLDesc(golibvirt.DOMAIN_XML_SECURE)
	require.NoError(t, err)
	assert.Contains(t, live, "passwd='livesecr'", "the running domain's")

	// A snapshot of the running guest, reverted to; then off.
	task := e.wait(e.do("POST", "/vms/tiny1/snapshots", map[string]any{"name": "s1"}))
	require.Equal(t, kimchi.TaskFinished, task.Status, task.Message)
	e.must(200, "POST", "/vms/tiny1/snapshots/s1/revert", nil)
	e.must(200, "GET", "/vms/tiny1", nil).json(t, &vm)
	assert.Equal(t, "running", vm.State, "reverted to a running guest's snapshot")
	e.must(200, "POST", "/vms/tiny1/poweroff", nil)
	e.must(200, "GET", "/vms/tiny1", nil).json(t, &vm)
	assert.Equal(t, "shutoff", vm.State)
	e.must(204, "DELETE", "/vms/tiny1", nil)
}

// guestScript is what the Linux guests of TestIntegrationQEMUNetwork run
// on their serial console: a DHCP lease on eth0, reported, then a shell
// the test types into.
const guestScript = `ip link set eth0 up
udhcpc -i eth0 -n -q -t 15 -T 4 >/dev/null
echo "LEASE $(ip -4 addr show dev eth0 | sed -n 's/.*inet \([0-9.]*\/[0-9]*\).*/\1/p') $(cat /sys/class/net/eth0/address)"
exec sh
`

// TestIntegrationQEMUNetwork: Linux guests on a Kimchi network of a
// system libvirtd (its bridges in a network namespace of the test's
// own). Each guest's NIC is on the network's bridge with the MAC Kimchi
// reports, takes its address from the network's DHCP, and reaches the
// other guest; the l2 source puts both MACs in the network's slice; a NIC
// attached to a running guest appears in it (live attach is real).
func TestIntegrationQEMUNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("boots two Linux guests under emulation (~20 s)")
	}
	lv := libvirttest.StartSystemDaemon(t)
	dir := lv.Dir(t, "images")
	iso := filepath.Join(dir, "linux.iso")
	if err := guest.ISO(iso, "Debian 12", guestScript, "virtio_pci", "virtio_net"); errors.Is(err, guest.ErrUnavailable) {
		t.Skip(err)
	} else {
		require.NoError(t, err)
	}
	drv, err := libvirt.Open(lv.URI(), libvirt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { drv.Close() })
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	e := startEnv(t, drv, st, kimchi.Options{Resync: time.Hour})

	fabric := l2.NewFabric(l2.Options{})
	follower := sources.New(fabric.Update, sources.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); follower.Run(ctx, e.svc.Source("")) }()
	t.Cleanup(func() { cancel(); <-done })

	var caps map[string]any
	e.must(200, "GET", "/config/capabilities", nil).json(t, &caps)
	assert.Equal(t, true, caps["live_attach"])
	assert.Equal(t, true, caps["migration"])

	e.must(201, "POST", "/storagepools", map[string]any{"name": "images", "type": "dir", "path": dir})
	e.must(200, "POST", "/storagepools/images/activate", nil)
	e.must(201, "POST", "/networks", map[string]any{"name": "lab", "connection": "isolated", "subnet": "192.168.150.0/24"})
	e.must(200, "POST", "/networks/lab/activate", nil)
	e.template("linux", map[string]any{"cdrom": iso, "networks": []string{"lab"}, "storagepool": "/storagepools/images",
		"disks": []map[string]any{{"size": 1}}, "memory": 512})

	type guestNIC struct{ ip, mac string }
	nics := map[string]guestNIC{}
	consoles := map[string]*serial{}
	start := time.Now()
	for _, name := range []string{"vm1", "vm2"} {
		e.vm(name, "linux")
		e.must(200, "POST", "/vms/"+name+"/start", nil)
		// Open before the guest says anything: what a serial port says
		// with nobody listening is lost.
		consoles[name] = openSerial(t, lv.URI(), name)
	}
	for _, name := range []string{"vm1", "vm2"} {
		m := consoles[name].expect(`LEASE (192\.168\.150\.\d+)/24 ([0-9a-f:]{17})`, 2*time.Minute)
		nics[name] = guestNIC{ip: m[1], mac: m[2]}
	}
	t.Logf("two guests booted and leased in %s: %v", time.Since(start), nics)

	c, err := golibvirt.NewConnect(lv.URI())
	require.NoError(t, err)
	defer c.Close()
	n, err := c.LookupNetworkByName("lab")
	require.NoError(t, err)
	defer n.Free()
	bridge, err := n.GetBridgeName()
	require.NoError(t, err)
	out, err := exec.Command("nsenter", "--net="+lv.NetNS(), "ip", "-j", "link", "show", "master", bridge).Output()
	require.NoError(t, err)
	var ports []struct {
		Name    string `json:"ifname"`
		Address string `json:"address"`
	}
	require.NoError(t, json.Unmarshal(out, &ports))
	for _, name := range []string{"vm1", "vm2"} {
		var ifs []kimchi.Iface
		e.must(200, "GET", "/vms/"+name+"/ifaces", nil).json(t, &ifs)
		require.Len(t, ifs, 1)
		assert.Equal(t, "lab", ifs[0].Network)
		assert.Equal(t, ifs[0].MAC, nics[name].mac, "%s: the MAC the guest has is the one Kimchi reports", name)
		// libvirt gives the tap the guest's MAC with fe as its first byte.
		tap := "fe" + ifs[0].MAC[2:]
		assert.True(t, slices.ContainsFunc(ports, func(p struct {
			Name    string `json:"ifname"`
			Address string `json:"address"`
		}) bool {
			return p.Address == tap
		}), "%s: a tap with %s on %s: %s", name, tap, bridge, out)
	}

	assert.True(t, consoles["vm1"].run("ping -c 3 -W 5 "+nics["vm2"].ip+" >/dev/null", time.Minute), "vm1 reaches vm2")
	assert.True(t, consoles["vm2"].run("ping -c 3 -W 5 "+nics["vm1"].ip+" >/dev/null", time.Minute), "vm2 reaches vm1")

	want := []l2.MAC{l2.MustParseMAC(nics["vm1"].mac), l2.MustParseMAC(nics["vm2"].mac)}
	slices.SortFunc(want, func(a, b l2.MAC) int { return slices.Compare(a[:], b[:]) })
	assert.Eventually(t, func() bool {
		got, _ := fabric.NetworkAttachments("kimchi/lab")
		slices.SortFunc(got, func(a, b l2.MAC) int { return slices.Compare(a[:], b[:]) })
		return slices.Equal(want, got)
	}, 10*time.Second, 20*time.Millisecond, "both guests' MACs in the network's slice")

	// A NIC attached to the running guest: the guest sees it.
	e.must(201, "POST", "/vms/vm1/ifaces", map[string]any{"type": "network", "network": "lab", "model": "virtio"})
	assert.True(t, consoles["vm1"].run("for i in $(seq 60); do [ -e /sys/class/net/eth1 ] && break; sleep 1; done; [ -e /sys/class/net/eth1 ]", 90*time.Second),
		"the NIC attached live appears in the guest")

	for _, name := range []string{"vm1", "vm2"} {
		e.must(200, "POST", "/vms/"+name+"/poweroff", nil)
		e.must(204, "DELETE", "/vms/"+name, nil)
	}
}
