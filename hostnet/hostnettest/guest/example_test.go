package guest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/netslice/netslice/hostnet/hostnettest/guest"
)

// A command run as root on Debian's kernel in a throwaway guest.
func ExampleRun() {
	res, err := guest.Run(context.Background(), []string{"sh", "-c", "modprobe 8021q && uname -r"}, guest.Options{})
	if errors.Is(err, guest.ErrUnavailable) {
		fmt.Println("no guests here:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("guest (%s, booted in %s): exit %d\n%s", res.Accel, res.Boot, res.ExitCode, res.Output)
}

// A test that needs VLAN devices: it runs here when this kernel has
// 8021q, else Kernel runs it again in a guest and reports that run.
func ExampleKernel() {
	_ = func(t *testing.T) {
		if guest.Kernel(t, "8021q") {
			return // it ran in a guest
		}
		// ... make VLAN devices in a network namespace of the test's own
	}
}

// A bootable image for hypervisor tests: Linux that takes a DHCP lease
// and then answers on its serial console.
func ExampleISO() {
	script := "ip link set eth0 up\nudhcpc -i eth0 -q\nexec sh\n"
	if err := guest.ISO("/tmp/linux.iso", "Debian 12", script, "virtio_pci", "virtio_net"); err != nil {
		fmt.Println(err)
	}
}
