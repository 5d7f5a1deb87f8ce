package hostnettest_test

import (
	"testing"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/hostnet/hostnettest/guest"
)

// The fake behaves as the kernel does; any machine runs this.
func TestFake(t *testing.T) {
	hostnettest.Run(t, func(t *testing.T) hostnet.Driver { return hostnettest.NewFake("fake", "eth0", "eth1", "eth2") })
}

// The netlink driver, on hosts of network namespaces (root), on a kernel
// that makes VLAN devices and bonds (a guest's, where this one does not).
func TestIntegrationNetlink(t *testing.T) {
	hostnettest.Require(t)
	if guest.Kernel(t, "8021q", "bonding") {
		return
	}
	hostnettest.Run(t, func(t *testing.T) hostnet.Driver { return hostnettest.NewHost(t, "eth0", "eth1", "eth2").Driver })
}
