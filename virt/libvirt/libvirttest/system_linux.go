package libvirttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// systemRoot prepares dir to be a system daemon's /run (dir/run), /var
// (dir/var), /etc/libvirt (dir/etc) and its /etc/passwd and /etc/group,
// which add the users Debian's libvirt runs QEMU and dnsmasq as (the
// QEMU driver refuses to start when its configured user does not exist,
// whatever qemu.conf says). It returns an error naming what is missing
// when a system daemon cannot run here.
func systemRoot(dir string) error {
	for _, p := range []string{"qemu-system-x86_64", "dnsmasq", "iptables", "unshare"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%s not found: apt-get install qemu-system-x86 dnsmasq-base iptables util-linux (make test does as root)", p)
		}
	}
	for _, sub := range []string{"run", "etc", "var/lib/libvirt", "var/cache/libvirt", "var/log/libvirt", "var/tmp", "var/lock", "pools"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := os.Symlink("/run", filepath.Join(dir, "var", "run")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "nokvm"), nil, 0); err != nil {
		return err
	}
	// What libvirt learns of QEMU's binaries (seconds of probing each
	// time) is kept between tests; libvirt checks it is still right.
	if base, err := os.UserCacheDir(); err == nil {
		cache := filepath.Join(base, "netslice-libvirttest", "cache")
		if err := os.MkdirAll(cache, 0o755); err == nil {
			os.Remove(filepath.Join(dir, "var", "cache", "libvirt"))
			if err := os.Symlink(cache, filepath.Join(dir, "var", "cache", "libvirt")); err != nil {
				return err
			}
		}
	}
	// Guests run as nobody, emulated (TCG: see systemCommand; on some
	// hosts /dev/kvm exists and cannot run a stock guest), unconfined, without cgroups, their output in log files (no
	// virtlogd), with the host's /dev (no per-guest namespace).
	qemu := "user = \"nobody\"\ngroup = \"nogroup\"\nsecurity_driver = \"none\"\nstdio_handler = \"file\"\nremember_owner = 0\nnamespaces = [ ]\ncgroup_controllers = [ ]\n"
	if err := os.WriteFile(filepath.Join(dir, "etc", "qemu.conf"), []byte(qemu), 0o644); err != nil {
		return err
	}
	for _, f := range []struct{ name, add string }{
		{"passwd", "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\nlibvirt-dnsmasq:x:64056:64056::/var/lib/libvirt/dnsmasq:/usr/sbin/nologin\n"},
		{"group", "libvirt-qemu:x:64055:\nlibvirt-dnsmasq:x:64056:\nlibvirt:x:64057:\n"},
	} {
		b, err := os.ReadFile("/etc/" + f.name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), append(b, f.add...), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// systemCommand is a libvirtd in new network and mount namespaces, where
// dir's directories are bound over the system's (mounts made private
// first, so none leaks to the host) and /sys is the namespace's own.
//
// /dev/kvm, where there is one, is covered by an empty file nobody may
// open: libvirt probes QEMU keeping CAP_DAC_OVERRIDE (so the probe finds
// KVM whatever the device's mode) but then checks the device as the QEMU
// user, who cannot open a root:kvm 0660 device; the two disagree, and
// libvirt, taking its cached capabilities for stale, probes again on every
// call, forever. Without the device both say emulation (TCG), which is
// what the guests of the tests use anyway.
func systemCommand(dir string) *exec.Cmd {
	script := `set -e
mount --make-rprivate /
mount --bind "$1/run" /run
mount --bind "$1/var" /var
mount --bind "$1/etc" /etc/libvirt
mount --bind "$1/passwd" /etc/passwd
mount --bind "$1/group" /etc/group
mount -t sysfs sysfs /sys
if [ -e /dev/kvm ]; then mount --bind "$1/nokvm" /dev/kvm; fi
ip link set lo up
exec libvirtd -f "$1/libvirtd.conf" -p "$1/pid"
`
	cmd := exec.Command("sh", "-c", script, "sh", dir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS}
	return cmd
}

// killNetNS kills every process in pid's network namespace but pid.
func killNetNS(pid int) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	own, _ := os.Readlink("/proc/self/ns/net")
	if err != nil || ns == own {
		return // never the host's
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pid {
			continue
		}
		if n, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", p)); err == nil && n == ns {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}
