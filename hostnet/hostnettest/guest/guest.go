// Package guest runs a command as root on Debian's own kernel in a
// throwaway QEMU guest, for the tests that need what the kernel they run
// on lacks (8021q, bonding, dummy, Open vSwitch's datapath): in the
// manner of virtme-ng, QEMU boots the distribution kernel (/boot's, from
// linux-image-amd64) with an initramfs made here from busybox-static, the
// host's root shared read-only over 9p under a tmpfs overlay, runs one
// command and powers off. The command sees the host's files (the test
// binary, Go's caches, ip, ovs-vswitchd) and writes only to the guest's
// memory; the guest has no network but its loopback.
//
// KVM is used where it can run the kernel, else TCG (-accel tcg). Kernel
// returns the same guest to a test: it re-runs the test there when this
// kernel lacks the modules it needs.
package guest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape a guest; zero values take the defaults.
type Options struct {
	MemoryMiB int           // 2048
	CPUs      int           // 2
	Timeout   time.Duration // 10 minutes, from QEMU's start to its end
	// Dir is the command's working directory (the caller's by default).
	Dir string
	// Env is the command's environment (the caller's by default).
	Env []string
}

// Result is how a command ran in a guest.
type Result struct {
	// Output is what the command wrote, stdout and stderr as one.
	Output []byte
	// ExitCode is the command's exit status.
	ExitCode int
	// Accel is what ran the guest: "kvm" or "tcg".
	Accel string
	// Boot is the time from QEMU's start to the command's, Total to the
	// guest's end.
	Boot, Total time.Duration
	// Console is the kernel's console, for when something went wrong.
	Console []byte
}

// ErrUnavailable is returned, wrapped with what is missing, when guests
// cannot run here.
var ErrUnavailable = errors.New("guest: cannot run a guest here")

// Packages are the Debian packages guests need.
const Packages = "qemu-system-x86 linux-image-amd64 busybox-static"

const (
	startMarker = "NETSLICE-GUEST-START"
	exitMarker  = "NETSLICE-GUEST-EXIT "
)

// Run boots a guest and runs argv in it as root.
func Run(ctx context.Context, argv []string, opts Options) (Result, error) {
	k, err := setup()
	if err != nil {
		return Result{}, err
	}
	if opts.MemoryMiB <= 0 {
		opts.MemoryMiB = 2048
	}
	if opts.CPUs <= 0 {
		opts.CPUs = 2
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.Dir == "" {
		opts.Dir, _ = os.Getwd()
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	return k.run(ctx, argv, opts, k.accel())
}

// Available returns nil when guests can run here, else an error naming
// what is missing (wrapping ErrUnavailable).
func Available() error {
	_, err := setup()
	return err
}

// kernel is what every guest boots: the kernel, its modules, and the
// initramfs made for it.
type kernel struct {
	version   string
	vmlinuz   string
	image     string // vmlinux when it could be extracted, else the vmlinuz
	initramfs string // the base archive; each run appends its command
	qemu      string

	accelOnce sync.Once
	accelName string
}

var (
	setupOnce sync.Once
	setupK    *kernel
	setupErr  error
)

func setup() (*kernel, error) {
	setupOnce.Do(func() { setupK, setupErr = prepare() })
	return setupK, setupErr
}

func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s (apt-get install %s)", ErrUnavailable, fmt.Sprintf(format, args...), Packages)
}

func prepare() (*kernel, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: a guest's 9p root is read as root; run as root", ErrUnavailable)
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return nil, unavailable("no qemu-system-x86_64")
	}
	vmlinuz, _ := filepath.Glob("/boot/vmlinuz-*")
	sort.Strings(vmlinuz)
	var k *kernel
	for i := len(vmlinuz) - 1; i >= 0; i-- {
		v := strings.TrimPrefix(filepath.Base(vmlinuz[i]), "vmlinuz-")
		if st, err := os.Stat(filepath.Join("/lib/modules", v, "modules.dep")); err == nil && !st.IsDir() {
			k = &kernel{version: v, vmlinuz: vmlinuz[i], image: vmlinuz[i], qemu: qemu}
			break
		}
	}
	if k == nil {
		return nil, unavailable("no kernel in /boot with its modules in /lib/modules")
	}
	busybox := "/bin/busybox"
	if b, err := os.ReadFile(busybox); err != nil || !staticELF(b) {
		return nil, unavailable("no static /bin/busybox")
	}
	cache, err := cacheDir()
	if err != nil {
		return nil, err
	}
	if vmlinux, err := extractVmlinux(k.image, filepath.Join(cache, "vmlinux-"+k.version)); err == nil {
		k.image = vmlinux
	}
	if k.initramfs, err = buildInitramfs(cache, k.version, busybox); err != nil {
		return nil, err
	}
	return k, nil
}

// staticELF reports whether b is an ELF executable with no interpreter.
func staticELF(b []byte) bool {
	return len(b) > 4 && string(b[:4]) == "\x7fELF" && !bytes.Contains(b[:min(len(b), 4096)], []byte("/ld-linux"))
}

func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "netslice-guest")
	return dir, os.MkdirAll(dir, 0o755)
}

// extractVmlinux writes the uncompressed kernel inside a bzImage to dst
// (once): QEMU starts it at its PVH entry, which skips the decompressor —
// slow under TCG.
func extractVmlinux(vmlinuz, dst string) (string, error) {
	if st, err := os.Stat(dst); err == nil && st.Size() > 0 {
		return dst, nil
	}
	b, err := os.ReadFile(vmlinuz)
	if err != nil {
		return "", err
	}
	for _, f := range []struct {
		magic string
		cmd   []string
	}{
		{"\xfd7zXZ\x00", []string{"xz", "-dc", "--single-stream"}},
		{"\x28\xb5\x2f\xfd", []string{"zstd", "-dc"}},
		{"\x1f\x8b\x08", []string{"gzip", "-dc"}},
	} {
		i := bytes.Index(b, []byte(f.magic))
		if i < 0 {
			continue
		}
		cmd := exec.Command(f.cmd[0], f.cmd[1:]...)
		cmd.Stdin = bytes.NewReader(b[i:])
		out, _ := cmd.Output() // trailing data makes some complain; the output is what counts
		if len(out) > 4 && string(out[:4]) == "\x7fELF" {
			tmp := dst + ".tmp"
			if err := os.WriteFile(tmp, out, 0o644); err != nil {
				return "", err
			}
			return dst, os.Rename(tmp, dst)
		}
	}
	return "", errors.New("no compressed ELF kernel found in " + vmlinuz)
}

// guestModules are loaded by the initramfs, before the host's root is
// there: what reaching it takes. Everything else loads on demand from the
// host's /lib/modules.
var guestModules = []string{"virtio_pci", "9pnet_virtio", "9p", "overlay"}

const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
stty -F /dev/ttyS1 raw -echo 2>/dev/null
for m in $(cat /modules); do insmod /lib/mods/$m 2>/dev/ttyS0; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576,ro,cache=loose hostroot /host
mount -t tmpfs -o size=75% tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w /newroot
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
# The kernel loads modules on demand with this, from the host's tree.
echo /sbin/guest-modprobe > /proc/sys/kernel/modprobe
cp /cmd /newroot/run/netslice-guest-cmd
ip link set lo up 2>/dev/null
echo ` + startMarker + ` > /dev/ttyS1
chroot /newroot /bin/sh /run/netslice-guest-cmd > /dev/ttyS1 2>&1 < /dev/null
echo "` + exitMarker + `$?" > /dev/ttyS1
sleep 0.2
reboot -f
`

const modprobeScript = `#!/bin/busybox sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
`

// buildInitramfs makes the base archive (once per kernel, busybox and
// script): busybox, the modules reaching the root takes, init.
func buildInitramfs(cache, version, busybox string) (string, error) {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return "", err
	}
	mods, err := moduleClosure(version, guestModules)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(bb)
	io.WriteString(h, initScript+modprobeScript+version+strings.Join(mods, ","))
	dst := filepath.Join(cache, "initramfs-"+version+"-"+hex.EncodeToString(h.Sum(nil))[:12]+".cpio")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	var buf bytes.Buffer
	w := &cpioWriter{w: &buf}
	for _, d := range []string{"bin", "sbin", "dev", "proc", "sys", "host", "upper", "newroot", "lib", "lib/mods"} {
		w.add(d, 0o40755, nil)
	}
	w.add("bin/busybox", 0o100755, bb)
	w.add("init", 0o100755, []byte(initScript))
	w.add("sbin/guest-modprobe", 0o100755, []byte(modprobeScript))
	if err := w.addModules(version, mods); err != nil {
		return "", err
	}
	if err := w.close(); err != nil {
		return "", err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	return dst, os.Rename(tmp, dst)
}

// moduleClosure returns the files of the named modules and what they
// depend on, dependencies first, from the kernel's modules.dep (modules
// built in are not there, and need nothing).
func moduleClosure(version string, names []string) ([]string, error) {
	f, err := os.Open(filepath.Join("/lib/modules", version, "modules.dep"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	deps := map[string][]string{}
	byName := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[mod] = strings.Fields(rest)
		base := strings.TrimSuffix(filepath.Base(mod), ".ko")
		byName[strings.ReplaceAll(base, "-", "_")] = mod
	}
	var out []string
	seen := map[string]bool{}
	var visit func(mod string)
	visit = func(mod string) {
		if seen[mod] {
			return
		}
		seen[mod] = true
		for _, d := range deps[mod] {
			visit(d)
		}
		out = append(out, mod)
	}
	for _, n := range names {
		if mod, ok := byName[n]; ok {
			visit(mod)
		}
	}
	return out, sc.Err()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// commandArchive is the cpio appended to the base: the command's script.
func commandArchive(argv []string, opts Options) ([]byte, error) {
	var sb strings.Builder
	sb.WriteString("cd " + shellQuote(opts.Dir) + " || exit 125\n")
	for _, kv := range opts.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !envName(k) {
			continue
		}
		sb.WriteString("export " + k + "=" + shellQuote(v) + "\n")
	}
	sb.WriteString("export " + GuestEnv + "=1\nexec")
	for _, a := range argv {
		sb.WriteString(" " + shellQuote(a))
	}
	sb.WriteString("\n")
	var buf bytes.Buffer
	w := &cpioWriter{w: &buf}
	w.add("cmd", 0o100644, []byte(sb.String()))
	return buf.Bytes(), w.close()
}

// envName reports whether k is a name sh exports.
func envName(k string) bool {
	for i, c := range k {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}

// GuestEnv is set (to "1") in a guest's command's environment.
const GuestEnv = "NETSLICE_IN_GUEST"

// InGuest reports whether this process runs in a guest.
func InGuest() bool { return os.Getenv(GuestEnv) == "1" }

func (k *kernel) run(ctx context.Context, argv []string, opts Options, accel string) (Result, error) {
	res := Result{Accel: accel}
	tmp, err := os.MkdirTemp("", "netslice-guest-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	base, err := os.ReadFile(k.initramfs)
	if err != nil {
		return res, err
	}
	extra, err := commandArchive(argv, opts)
	if err != nil {
		return res, err
	}
	initrd := filepath.Join(tmp, "initrd")
	if err := os.WriteFile(initrd, append(base, extra...), 0o644); err != nil {
		return res, err
	}
	console := filepath.Join(tmp, "console")
	args := []string{"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-machine", "q35", "-m", strconv.Itoa(opts.MemoryMiB), "-smp", strconv.Itoa(opts.CPUs),
		"-kernel", k.image, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init",
		"-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
		"-device", "virtio-9p-pci,fsdev=root,mount_tag=hostroot",
		"-serial", "file:" + console, "-serial", "stdio"}
	if accel == "kvm" {
		args = append(args, "-accel", "kvm", "-cpu", "host")
	} else {
		args = append(args, "-accel", "tcg,thread=multi", "-cpu", "max")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.qemu, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	var qemuErr bytes.Buffer
	cmd.Stderr = &qemuErr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	var output bytes.Buffer
	code := -1
	r := bufio.NewReader(out)
	started := false
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			s := strings.TrimRight(string(line), "\r\n")
			switch {
			case !started && s == startMarker:
				started = true
				res.Boot = time.Since(start)
			case started && strings.HasPrefix(s, exitMarker):
				code, _ = strconv.Atoi(strings.TrimPrefix(s, exitMarker))
			case started:
				output.Write(line)
			}
		}
		if err != nil {
			break
		}
	}
	waitErr := cmd.Wait()
	res.Total = time.Since(start)
	res.Output = output.Bytes()
	res.ExitCode = code
	res.Console, _ = os.ReadFile(console)
	if code < 0 {
		why := "the guest ended before the command did"
		switch {
		case ctx.Err() != nil:
			why = fmt.Sprintf("the guest ran past its %s", opts.Timeout)
		case !started:
			why = "the guest did not reach the command"
		}
		return res, fmt.Errorf("guest (%s): %s: %v %s\nconsole:\n%s", accel, why, waitErr, qemuErr.String(), tail(res.Console, 3000))
	}
	return res, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// accel is KVM when it can run the kernel here, else TCG: a nested or
// paravirtual /dev/kvm may refuse a stock kernel (it fails at once, or the
// guest hangs before printing anything). Tried once per machine boot and
// kernel, the answer kept beside the cached kernel.
func (k *kernel) accel() string {
	k.accelOnce.Do(func() {
		k.accelName = "tcg"
		if a := os.Getenv("NETSLICE_GUEST_ACCEL"); a == "tcg" || a == "kvm" {
			k.accelName = a
			return
		}
		f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
		if err != nil {
			return
		}
		f.Close()
		boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
		cache, _ := cacheDir()
		memo := filepath.Join(cache, "accel-"+k.version+"-"+strings.TrimSpace(string(boot)))
		if b, err := os.ReadFile(memo); err == nil {
			k.accelName = strings.TrimSpace(string(b))
			return
		}
		// A guest that works reaches its command in a second or two
		// with KVM (three under TCG); one that hangs is given up early.
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		res, err := k.run(ctx, []string{"true"}, Options{MemoryMiB: 512, CPUs: 1, Timeout: 8 * time.Second, Dir: "/"}, "kvm")
		if err == nil && res.ExitCode == 0 {
			k.accelName = "kvm"
		}
		os.WriteFile(memo, []byte(k.accelName+"\n"), 0o644)
	})
	return k.accelName
}
