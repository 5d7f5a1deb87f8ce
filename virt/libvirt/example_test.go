//go:build cgo

package libvirt_test

import (
	"context"
	"fmt"

	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
)

// Define a domain on libvirt's in-process test hypervisor, boot it and
// read its state back.
func Example() {
	d, err := libvirt.Open("test:///default", libvirt.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	ctx := context.Background()
	_, err = d.DefineDomain(ctx, virt.DomainSpec{Name: "example", MemoryMiB: 256, CPUs: 1,
		Interfaces: []virt.Interface{{Type: "network", Network: "default"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Undefine(ctx, "example", true)
	if err := d.Start(ctx, "example"); err != nil {
		fmt.Println(err)
		return
	}
	dom, _ := d.Domain(ctx, "example")
	fmt.Println(dom.Name, dom.State, dom.MemoryMiB, "MiB,", len(dom.Interfaces), "interface")
	fmt.Println(d.Start(ctx, "example"))
	// Output:
	// example running 256 MiB, 1 interface
	// start example: domain is running
}
