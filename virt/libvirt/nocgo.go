//go:build !cgo

// Package libvirt implements virt.Driver with libvirt; this build has no
// cgo, so Open says so.
package libvirt

import "github.com/netslice/netslice/virt"

// Options configure a Driver.
type Options struct {
	MetadataNS, MetadataKey string
}

// Driver is not available without cgo.
type Driver struct{ virt.Driver }

// Open returns virt.ErrUnavailable: this program was built without cgo.
func Open(uri string, opts Options) (*Driver, error) {
	return nil, &virt.Error{Op: "connect", Kind: virt.ErrUnavailable,
		Msg: "built without cgo: install a C compiler (apt-get install gcc) and build again"}
}

// URI is empty.
func (d *Driver) URI() string { return "" }
