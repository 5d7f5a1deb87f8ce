//go:build !linux

package hostnet

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
)

// Netlink is the Driver of a Linux network namespace; there is none on
// this system: Open and every method return an error wrapping
// ErrNotSupported that names it.
type Netlink struct{}

var errOS = &OpError{Op: "open", Err: ErrNotSupported, Sys: errors.New("netlink is Linux's; this is " + runtime.GOOS)}

// Open is not supported off Linux.
func Open() (*Netlink, error) { return nil, errOS }

// OpenNamed is not supported off Linux.
func OpenNamed(string) (*Netlink, error) { return nil, errOS }

func (d *Netlink) Close() error                                        { return errOS }
func (d *Netlink) Namespace() string                                   { return "" }
func (d *Netlink) Links() ([]Link, error)                              { return nil, errOS }
func (d *Netlink) Link(string) (Link, error)                           { return Link{}, errOS }
func (d *Netlink) CreateBridge(string, LinkOptions) error              { return errOS }
func (d *Netlink) CreateDummy(string) error                            { return errOS }
func (d *Netlink) CreateVLAN(string, string, int, LinkOptions) error   { return errOS }
func (d *Netlink) CreateBond(string, string, map[string]string) error  { return errOS }
func (d *Netlink) Delete(string) error                                 { return errOS }
func (d *Netlink) SetMaster(string, string) error                      { return errOS }
func (d *Netlink) Release(string) error                                { return errOS }
func (d *Netlink) SetMTU(string, int) error                            { return errOS }
func (d *Netlink) SetUp(string, bool) error                            { return errOS }
func (d *Netlink) AddAddr(string, netip.Prefix) error                  { return errOS }
func (d *Netlink) DelAddr(string, netip.Prefix) error                  { return errOS }
func (d *Netlink) Stats(string) (Stats, error)                         { return Stats{}, errOS }
func (d *Netlink) AllStats() (map[string]Stats, error)                 { return nil, errOS }
func (d *Netlink) Subscribe(context.Context) (<-chan LinkEvent, error) { return nil, errOS }

var _ Driver = (*Netlink)(nil)
