package guest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ISOPackages are the Debian packages ISO needs beside Packages.
const ISOPackages = "isolinux syslinux-common xorriso"

// ISO writes to dst a CD image a PC boots (isolinux): Debian's kernel and
// an initramfs of busybox and the named modules (and what they need),
// whose init mounts /proc, /sys and /dev, loads the modules and runs
// script with sh, its standard streams on the first serial port (the
// kernel's console too). Busybox's udhcpc configures what it leases. It is
// for tests of hypervisors, which need a guest that really runs Linux;
// volumeID names the image (Kimchi reads the distribution from it).
func ISO(dst, volumeID, script string, modules ...string) error {
	k, err := setup()
	if err != nil {
		return err
	}
	isolinux := "/usr/lib/ISOLINUX/isolinux.bin"
	ldlinux := "/usr/lib/syslinux/modules/bios/ldlinux.c32"
	for _, f := range []string{isolinux, ldlinux} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w: no %s (apt-get install %s)", ErrUnavailable, f, ISOPackages)
		}
	}
	if _, err := exec.LookPath("xorriso"); err != nil {
		return fmt.Errorf("%w: no xorriso (apt-get install %s)", ErrUnavailable, ISOPackages)
	}
	mods, err := moduleClosure(k.version, modules)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := &cpioWriter{w: &buf}
	for _, d := range []string{"bin", "sbin", "dev", "proc", "sys", "tmp", "etc", "lib", "lib/mods", "usr", "usr/share", "usr/share/udhcpc", "etc/udhcpc"} {
		w.add(d, 0o40755, nil)
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	w.add("bin/busybox", 0o100755, bb)
	if err := w.addModules(k.version, mods); err != nil {
		return err
	}
	w.add("init", 0o100755, []byte(isoInit))
	w.add("script", 0o100644, []byte(script))
	// Where busybox's udhcpc looks for it, as built upstream and by Debian.
	w.add("usr/share/udhcpc/default.script", 0o100755, []byte(udhcpcScript))
	w.add("etc/udhcpc/default.script", 0o100755, []byte(udhcpcScript))
	if err := w.close(); err != nil {
		return err
	}

	stage, err := os.MkdirTemp("", "guest-iso")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.Mkdir(filepath.Join(stage, "isolinux"), 0o755); err != nil {
		return err
	}
	kernelImage, err := os.ReadFile(k.vmlinuz)
	if err != nil {
		return err
	}
	files := map[string][]byte{"vmlinuz": kernelImage, "initrd.img": buf.Bytes(), "isolinux/isolinux.cfg": []byte(isolinuxCfg)}
	for _, f := range []string{isolinux, ldlinux} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		files["isolinux/"+filepath.Base(f)] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(stage, name), b, 0o644); err != nil {
			return err
		}
	}
	cmd := exec.Command("xorriso", "-as", "mkisofs", "-quiet", "-o", dst, "-V", volumeID,
		"-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4",
		"-boot-info-table", "-R", "-J", stage)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xorriso: %v: %s", err, out)
	}
	return nil
}

const isolinuxCfg = `SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.img console=ttyS0 quiet panic=-1
`

const isoInit = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules); do insmod /lib/mods/$m; done
ip link set lo up
exec sh /script </dev/ttyS0 >/dev/ttyS0 2>&1
`

// udhcpcScript applies a lease, as the script busybox's udhcpc runs.
const udhcpcScript = `#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route add default via "$r" dev "$interface"; break; done
	;;
esac
`
