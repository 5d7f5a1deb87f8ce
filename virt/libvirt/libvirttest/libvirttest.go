// Package libvirttest gives tests their own libvirt test-driver
// hypervisor: a private, in-process state (no daemon, nothing shared with
// other tests) holding a NAT network "default" and a directory pool
// "default" with one volume, "base.img" (16 MiB), and the host devices of
// a small machine, each under its parent: the computer (system); two PCI
// functions of a NIC in one IOMMU group (pci_0000_00_19_0 and _1), the
// first with its net device (eth0); a USB controller with its root hub
// and a tablet; a SATA controller with its SCSI host. The test driver's
// pools hold 100 GiB, whatever their definition says.
package libvirttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/netslice/netslice/virt/libvirt"
)

// Node is the test driver's node document every Open starts from. The
// pool's path is replaced by a temporary directory.
const Node = `<node>
  <cpu><mhz>2000</mhz><model>x86_64</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
  <memory>8388608</memory>
  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward mode='nat'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
    </ip>
  </network>
  <pool type='dir'>
    <name>default</name>
    <target><path>%[1]s</path></target>
    <volume type='file'><name>base.img</name><capacity unit='MiB'>16</capacity><target><path>%[1]s/base.img</path><format type='qcow2'/></target></volume>
  </pool>
  <device>
    <name>computer</name>
    <capability type='system'>
      <product>Standard PC (Q35 + ICH9, 2009)</product>
      <hardware><vendor>QEMU</vendor><version>pc-q35-7.2</version><serial>0</serial><uuid>4a9b2c1e-5d3f-4e6a-8b7c-9d0e1f2a3b4c</uuid></hardware>
      <firmware><vendor>SeaBIOS</vendor><version>1.16.2</version><release_date>04/01/2014</release_date></firmware>
    </capability>
  </device>
  <device>
    <name>pci_0000_00_19_0</name>
    <parent>computer</parent>
    <capability type='pci'>
      <class>0x020000</class><domain>0</domain><bus>0</bus><slot>25</slot><function>0</function>
      <product id='0x1502'>82579LM Gigabit Network Connection</product>
      <vendor id='0x8086'>Intel Corporation</vendor>
      <iommuGroup number='7'><address domain='0x0000' bus='0x00' slot='0x19' function='0x0'/><address domain='0x0000' bus='0x00' slot='0x19' function='0x1'/></iommuGroup>
    </capability>
  </device>
  <device>
    <name>pci_0000_00_19_1</name>
    <parent>computer</parent>
    <capability type='pci'>
      <class>0x020000</class><domain>0</domain><bus>0</bus><slot>25</slot><function>1</function>
      <product id='0x1502'>82579LM Gigabit Network Connection</product>
      <vendor id='0x8086'>Intel Corporation</vendor>
      <iommuGroup number='7'><address domain='0x0000' bus='0x00' slot='0x19' function='0x0'/><address domain='0x0000' bus='0x00' slot='0x19' function='0x1'/></iommuGroup>
    </capability>
  </device>
  <device>
    <name>net_eth0_52_54_00_0a_19_00</name>
    <parent>pci_0000_00_19_0</parent>
    <capability type='net'>
      <interface>eth0</interface><address>52:54:00:0a:19:00</address><link speed='1000' state='up'/>
      <capability type='80203'/>
    </capability>
  </device>
  <device>
    <name>pci_0000_00_1d_0</name>
    <parent>computer</parent>
    <capability type='pci'>
      <class>0x0c0320</class><domain>0</domain><bus>0</bus><slot>29</slot><function>0</function>
      <product id='0x293a'>82801I (ICH9 Family) USB2 EHCI Controller #1</product>
      <vendor id='0x8086'>Intel Corporation</vendor>
      <iommuGroup number='8'><address domain='0x0000' bus='0x00' slot='0x1d' function='0x0'/></iommuGroup>
    </capability>
  </device>
  <device>
    <name>usb_usb1</name>
    <parent>pci_0000_00_1d_0</parent>
    <capability type='usb_device'>
      <bus>1</bus><device>1</device>
      <product id='0x0002'>2.0 root hub</product>
      <vendor id='0x1d6b'>Linux Foundation</vendor>
    </capability>
  </device>
  <device>
    <name>usb_1_1</name>
    <parent>usb_usb1</parent>
    <capability type='usb_device'>
      <bus>1</bus><device>2</device>
      <product id='0x0001'>QEMU USB Tablet</product>
      <vendor id='0x0627'>Adomax Technology Co., Ltd</vendor>
    </capability>
  </device>
  <device>
    <name>pci_0000_00_1f_2</name>
    <parent>computer</parent>
    <capability type='pci'>
      <class>0x010601</class><domain>0</domain><bus>0</bus><slot>31</slot><function>2</function>
      <product id='0x2922'>82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]</product>
      <vendor id='0x8086'>Intel Corporation</vendor>
      <iommuGroup number='9'><address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></iommuGroup>
    </capability>
  </device>
  <device>
    <name>scsi_host0</name>
    <parent>pci_0000_00_1f_2</parent>
    <capability type='scsi_host'>
      <host>0</host><unique_id>1</unique_id>
    </capability>
  </device>
</node>
`

// URI writes the node document to a temporary directory and returns its
// test:// URI: every connection to it has a private copy of the state.
func URI(t testing.TB) string {
	dir := t.TempDir()
	pool := filepath.Join(dir, "images")
	if err := os.MkdirAll(pool, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "node.xml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(Node, pool)), 0o644); err != nil {
		t.Fatal(err)
	}
	return "test://" + path
}

// Open connects to a fresh test hypervisor, closed when the test ends. It
// skips the test when the program was built without cgo or libvirt is
// missing.
func Open(t testing.TB) *libvirt.Driver {
	t.Helper()
	d, err := libvirt.Open(URI(t), libvirt.Options{})
	if err != nil {
		t.Skipf("libvirt test driver unavailable (needs cgo and libvirt0; `make test` as root installs libvirt-dev): %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Daemon is a libvirtd of the test's own on a private socket: a remote
// hypervisor the test can kill and start again. It serves libvirt's test
// driver (StartDaemon), real storage (StartStorageDaemon) or everything
// qemu:///system has (StartSystemDaemon).
type Daemon struct {
	dir    string
	scheme string // "test", "qemu" (session) or "system"
	cmd    *exec.Cmd
	done   chan struct{}
}

// StartDaemon starts a libvirtd, stopped when the test ends; it skips the
// test when libvirtd is not installed or the test is not root.
func StartDaemon(t testing.TB) *Daemon { return startDaemon(t, "test") }

// StartStorageDaemon starts a libvirtd whose connection (qemu:///session,
// as nobody) has libvirt's real storage and secret drivers: a directory
// pool made in Dir holds real files that libvirt creates, resizes, wipes
// and clones; secrets (a pool's CHAP password) are kept.
// No VM can run there (no KVM, no QEMU needed).
func StartStorageDaemon(t testing.TB) *Daemon { return startDaemon(t, "qemu") }

// StartSystemDaemon starts a libvirtd serving qemu:///system with all of
// libvirt's drivers — QEMU, networks (bridges, dnsmasq, firewall rules),
// storage, secrets, node devices — as root, in network and mount
// namespaces of its own: its bridges, taps and rules are in its network
// namespace (NetNS), its state in a temporary directory bound over
// /run, /var and /etc/libvirt. Its guests run as nobody, emulated (TCG):
// on some hosts /dev/kvm exists and cannot run a stock guest. It skips
// the test when libvirtd, QEMU, dnsmasq or iptables is not installed or
// the test is not root.
func StartSystemDaemon(t testing.TB) *Daemon { return startDaemon(t, "system") }

// NetNS is the path of the daemon's network namespace (a system daemon's;
// the host's for the others), for nsenter or netlink.
func (d *Daemon) NetNS() string {
	if d.cmd == nil {
		return ""
	}
	return fmt.Sprintf("/proc/%d/ns/net", d.cmd.Process.Pid)
}

// Dir is a directory the daemon may use (for pools), owned by it.
func (d *Daemon) Dir(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(d.dir, "pools", name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if d.scheme == "system" {
		return p
	}
	if err := chownAll(filepath.Join(d.dir, "pools"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return p
}

func startDaemon(t testing.TB, scheme string) *Daemon {
	t.Helper()
	if _, err := exec.LookPath("libvirtd"); err != nil {
		t.Skip("libvirtd not installed: apt-get install libvirt-daemon (make test does as root)")
	}
	if os.Geteuid() != 0 {
		t.Skip("starting libvirtd needs root")
	}
	dir, err := os.MkdirTemp("", "libvirtd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// It runs as nobody, a session daemon whose state stays in dir (as
	// root it would write under /run/libvirt).
	for _, sub := range []string{"run", "drivers", "home", "xdg"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := chownAll(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("unix_sock_dir = %q\nauth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\n", filepath.Join(dir, "run"))
	if err := os.WriteFile(filepath.Join(dir, "libvirtd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if scheme == "system" {
		if err := systemRoot(dir); err != nil {
			t.Skip(err)
		}
	}
	if scheme == "qemu" {
		mods := "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver"
		if m, err := filepath.Glob("/usr/lib/*/libvirt/connection-driver/libvirt_driver_storage.so"); err == nil && len(m) > 0 {
			mods = filepath.Dir(m[0])
		} else {
			t.Skip("libvirt's storage driver is not installed: apt-get install libvirt-daemon-driver-storage (or libvirt-daemon)")
		}
		for _, m := range []string{"qemu", "storage", "secret"} {
			if err := os.Symlink(filepath.Join(mods, "libvirt_driver_"+m+".so"), filepath.Join(dir, "drivers", "libvirt_driver_"+m+".so")); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := &Daemon{dir: dir, scheme: scheme}
	d.Start(t)
	t.Cleanup(d.Stop)
	return d
}

// URI is the daemon's connection over its socket: its test driver,
// qemu:///session for a storage daemon, qemu:///system for a system one.
func (d *Daemon) URI() string {
	switch d.scheme {
	case "qemu":
		return "qemu+unix:///session?socket=" + d.socket()
	case "system":
		return "qemu+unix:///system?socket=" + d.socket()
	}
	return "test+unix:///default?socket=" + d.socket()
}

func (d *Daemon) socket() string {
	return filepath.Join(d.dir, "run", "libvirt-sock")
}

// Start starts the daemon (again) and waits until it takes connections.
func (d *Daemon) Start(t testing.TB) {
	t.Helper()
	sock := d.socket()
	os.Remove(sock)
	var cmd *exec.Cmd
	if d.scheme == "system" {
		cmd = systemCommand(d.dir)
	} else {
		cmd = exec.Command("libvirtd", "-f", filepath.Join(d.dir, "libvirtd.conf"), "-p", filepath.Join(d.dir, "pid"))
		// Only the driver modules linked into dir/drivers (none for the
		// test driver, which libvirt.so has built in).
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LIBVIRT_DRIVER_DIR=" + filepath.Join(d.dir, "drivers"),
			"HOME=" + filepath.Join(d.dir, "home"), "XDG_RUNTIME_DIR=" + filepath.Join(d.dir, "xdg"),
			"XDG_CONFIG_HOME=" + filepath.Join(d.dir, "home"), "XDG_CACHE_HOME=" + filepath.Join(d.dir, "home")}
		cmd.SysProcAttr = asNobody()
	}
	log, _ := os.Create(filepath.Join(d.dir, "log"))
	os.Chown(log.Name(), 65534, 65534)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.cmd, d.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(d.done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The socket file appears when it is bound, before the daemon
		// listens: wait until it takes a connection.
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return
		}
		select {
		case <-d.done:
			b, _ := os.ReadFile(filepath.Join(d.dir, "log"))
			t.Fatalf("libvirtd exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(d.dir, "log"))
			t.Fatalf("libvirtd did not open its socket in 10s: %s", b)
		}
	}
}

// Stop kills the daemon (SIGKILL: it goes as a crash would).
func (d *Daemon) Stop() {
	if d.cmd == nil {
		return
	}
	if d.scheme == "system" {
		// Its guests and dnsmasq outlive it (they daemonize): they
		// go with it, found by its network namespace.
		killNetNS(d.cmd.Process.Pid)
	}
	d.cmd.Process.Kill()
	<-d.done
	d.cmd = nil
}

func chownAll(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}
