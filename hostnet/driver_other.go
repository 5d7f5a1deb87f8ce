//go:build !linux

package hostnet

import (
	"context"
	"net/netip"
)

// Driver is one host's network stack; only Linux has one here.
type Driver struct{}

var errOS = &OpError{Op: "open", Err: ErrNotSupported}

// Open is not supported off Linux.
func Open() (*Driver, error) { return nil, errOS }

// OpenNamed is not supported off Linux.
func OpenNamed(string) (*Driver, error) { return nil, errOS }

func (d *Driver) Close() error                                        { return errOS }
func (d *Driver) Namespace() string                                   { return "" }
func (d *Driver) Links() ([]Link, error)                              { return nil, errOS }
func (d *Driver) Link(string) (Link, error)                           { return Link{}, errOS }
func (d *Driver) CreateBridge(string) error                           { return errOS }
func (d *Driver) CreateDummy(string) error                            { return errOS }
func (d *Driver) CreateVLAN(string, string, int) error                { return errOS }
func (d *Driver) CreateBond(string, string, map[string]string) error  { return errOS }
func (d *Driver) Delete(string) error                                 { return errOS }
func (d *Driver) SetMaster(string, string) error                      { return errOS }
func (d *Driver) Release(string) error                                { return errOS }
func (d *Driver) SetMTU(string, int) error                            { return errOS }
func (d *Driver) SetUp(string, bool) error                            { return errOS }
func (d *Driver) AddAddr(string, netip.Prefix) error                  { return errOS }
func (d *Driver) DelAddr(string, netip.Prefix) error                  { return errOS }
func (d *Driver) Stats(string) (Stats, error)                         { return Stats{}, errOS }
func (d *Driver) Subscribe(context.Context) (<-chan LinkEvent, error) { return nil, errOS }

// BondMode returns the canonical name of a bond mode.
func BondMode(mode string) (string, error) { return "", errOS }

// ParseBondOptions is not supported off Linux.
func ParseBondOptions(string) (string, map[string]string, error) { return "", nil, errOS }
