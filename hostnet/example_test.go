package hostnet_test

import (
	"errors"
	"fmt"

	"github.com/netslice/netslice/hostnet"
)

// A host's desired configuration, checked against the links it has
// before a Provisioner applies it: a tagged bridged network on eth0 and
// a network on a NIC the host does not have.
func ExampleConfig_Validate() {
	links := []hostnet.Link{{Name: "eth0", Kind: hostnet.KindNIC}, {Name: "eth1", Kind: hostnet.KindNIC}}
	vm := hostnet.Network{Name: "vmnet", NIC: "eth0", VLAN: 10, Bridged: true}
	fmt.Println(vm.VLANDevice(), vm.Device())

	cfg := hostnet.Config{Networks: []hostnet.Network{vm}}
	fmt.Println(cfg.Validate(links))

	cfg.Networks = append(cfg.Networks, hostnet.Network{Name: "storage", NIC: "eth9"})
	err := cfg.Validate(links)
	fmt.Println(errors.Is(err, hostnet.ErrInvalid))
	// Output:
	// eth0.10 vmnet
	// <nil>
	// true
}

// oVirt's bonding options as hosts take them.
func ExampleParseBondOptions() {
	mode, opts, err := hostnet.ParseBondOptions("mode=4 miimon=100")
	fmt.Println(mode, opts, err)
	// Output: 802.3ad map[miimon:100] <nil>
}
