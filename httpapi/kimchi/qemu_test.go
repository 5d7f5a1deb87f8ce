package kimchi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	golibvirt "libvirt.org/go/libvirt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/kimchi"
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

// console reads a running domain's serial console until it has said
// want, or fails the test after the timeout.
func console(t *testing.T, uri, dom, want string, timeout time.Duration) string {
	t.Helper()
	c, err := golibvirt.NewConnect(uri)
	require.NoError(t, err)
	defer c.Close()
	d, err := c.LookupDomainByName(dom)
	require.NoError(t, err)
	defer d.Free()
	st, err := c.NewStream(golibvirt.STREAM_NONBLOCK)
	require.NoError(t, err)
	defer st.Free()
	require.NoError(t, d.OpenConsole("", st, golibvirt.DOMAIN_CONSOLE_FORCE))
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		n, err := st.Recv(buf)
		if n > 0 {
			got.Write(buf[:n])
			if strings.Contains(got.String(), want) {
				st.Abort()
				return got.String()
			}
		}
		if err != nil && n != -2 { // -2: nothing yet (non-blocking)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	st.Abort()
	t.Fatalf("the guest did not say %q in %s; its console: %q", want, timeout, got.String())
	return ""
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
	out := console(t, uri, "tiny1", guestUp, 60*time.Second)
	t.Logf("POST /vms to the guest's first console line: %s; console: %q", time.Since(start), out)
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
