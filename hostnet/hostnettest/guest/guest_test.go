package guest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet/hostnettest/guest"
)

// TestRun: a command runs as root on Debian's kernel, its output and exit
// status come back, it sees the host's files and writes only its own.
func TestRun(t *testing.T) {
	if err := guest.Available(); errors.Is(err, guest.ErrUnavailable) {
		t.Skip(err)
	}
	res, err := guest.Run(context.Background(), []string{"sh", "-c",
		`uname -r; id -u; echo "$NETSLICE_IN_GUEST"; test -x /usr/bin/ip && echo host-files; echo x > /etc/guest-wrote; echo err >&2; exit 3`},
		guest.Options{})
	require.NoError(t, err, "%s", res.Output)
	t.Logf("%s: booted in %s, ran in %s", res.Accel, res.Boot, res.Total)
	lines := strings.Split(strings.TrimSpace(string(res.Output)), "\n")
	require.Len(t, lines, 5, "%q", res.Output)
	assert.True(t, strings.HasSuffix(lines[0], "-amd64"), "Debian's kernel: %s", lines[0])
	assert.Equal(t, []string{"0", "1", "host-files", "err"}, lines[1:])
	assert.Equal(t, 3, res.ExitCode)
	assert.NoFileExists(t, "/etc/guest-wrote", "the host's root is read-only to the guest")
}

// TestKernel runs where 8021q is: here if this kernel has it, else in a
// guest, where the module loads on demand and a VLAN device is made.
func TestKernel(t *testing.T) {
	if guest.Kernel(t, "8021q", "dummy") {
		return
	}
	_, err := os.Stat("/sys/module/8021q")
	require.NoError(t, err, "loaded")
	ns := fmt.Sprintf("nsg-%d", os.Getpid())
	require.NoError(t, exec.Command("ip", "netns", "add", ns).Run())
	defer exec.Command("ip", "netns", "del", ns).Run()
	for _, args := range [][]string{{"link", "add", "d0", "type", "dummy"}, {"link", "add", "link", "d0", "name", "d0.7", "type", "vlan", "id", "7"}} {
		out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
}

func TestRunPattern(t *testing.T) {
	assert.Equal(t, `^TestA$/^integration$/^x\.y$`, guest.RunPattern("TestA/integration/x.y"))
}

// TestISO: the image boots on a PC (QEMU's, emulated) into its script,
// which runs as root on Debian's kernel with the modules asked for.
func TestISO(t *testing.T) {
	if err := guest.Available(); errors.Is(err, guest.ErrUnavailable) {
		t.Skip(err)
	}
	iso := filepath.Join(t.TempDir(), "g.iso")
	err := guest.ISO(iso, "Debian 12", "echo ISO-UP $(id -u) $(uname -r); ls /sys/module | grep -x virtio_net; poweroff -f\n", "virtio_pci", "virtio_net")
	if errors.Is(err, guest.ErrUnavailable) {
		t.Skip(err)
	}
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
		"-accel", "tcg,thread=multi", "-m", "512", "-cdrom", iso, "-boot", "d", "-serial", "stdio", "-no-reboot").CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("booted and ran in %s", time.Since(start))
	assert.Regexp(t, `ISO-UP 0 \S+-amd64\s+virtio_net`, string(out))
}
