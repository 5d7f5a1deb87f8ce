package hostnet

import (
	"errors"
	"fmt"
	"net/netip"
)

// Kind is what a link is.
type Kind string

// Link kinds.
const (
	KindNIC    Kind = "nic" // a physical device
	KindDummy  Kind = "dummy"
	KindVeth   Kind = "veth"
	KindVLAN   Kind = "vlan"
	KindBond   Kind = "bond"
	KindBridge Kind = "bridge"
	KindOther  Kind = "other"
)

// Link is a network interface as the kernel reports it.
type Link struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
	Kind  Kind   `json:"kind"`
	MAC   string `json:"mac"`
	MTU   int    `json:"mtu"`
	// Up is the administrative state; Oper is the kernel's operational
	// state ("up", "down", "unknown", ...).
	Up   bool   `json:"up"`
	Oper string `json:"oper"`
	// Speed is in Mb/s, 0 when unknown.
	Speed int `json:"speed"`
	// Master is the bridge or bond the link is enslaved to ("" none).
	Master string         `json:"master,omitempty"`
	Addrs  []netip.Prefix `json:"addrs"`
	// VLAN is set for a VLAN device: its id and the link it is on.
	VLAN *VLANInfo `json:"vlan,omitempty"`
	// Bond is set for a bond: its mode and options.
	Bond *BondInfo `json:"bond,omitempty"`
}

// VLANInfo describes a VLAN device.
type VLANInfo struct {
	ID     int    `json:"id"`
	Parent string `json:"parent"`
}

// BondInfo describes a bond.
type BondInfo struct {
	Mode    string            `json:"mode"`
	Options map[string]string `json:"options,omitempty"`
	Slaves  []string          `json:"slaves"`
}

// Stats are a link's counters since it was created.
type Stats struct {
	RxBytes   uint64 `json:"rx_bytes"`
	TxBytes   uint64 `json:"tx_bytes"`
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
	RxErrors  uint64 `json:"rx_errors"`
	TxErrors  uint64 `json:"tx_errors"`
	RxDropped uint64 `json:"rx_dropped"`
	TxDropped uint64 `json:"tx_dropped"`
}

// LinkEvent is a change to a link: it appeared or changed (Deleted
// false), or went.
type LinkEvent struct {
	Link    Link
	Deleted bool
}

// Errors a Driver's operations wrap, for errors.Is.
var (
	ErrNotFound     = errors.New("hostnet: not found")
	ErrExists       = errors.New("hostnet: already exists")
	ErrBusy         = errors.New("hostnet: device or resource busy")
	ErrNotPermitted = errors.New("hostnet: operation not permitted")
	ErrNotSupported = errors.New("hostnet: not supported")
	ErrInvalid      = errors.New("hostnet: invalid argument")
)

// OpError is a failed operation: what, on which link, and why.
type OpError struct {
	Op   string
	Link string
	Err  error // one of the sentinel errors when the cause is known
	Sys  error // the kernel's error
}

func (e *OpError) Error() string {
	cause := e.Sys
	if cause == nil {
		cause = e.Err
	}
	if e.Link == "" {
		return fmt.Sprintf("hostnet: %s: %v", e.Op, cause)
	}
	return fmt.Sprintf("hostnet: %s %s: %v", e.Op, e.Link, cause)
}

// Unwrap returns the sentinel and the kernel's error.
func (e *OpError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Sys != nil {
		out = append(out, e.Sys)
	}
	return out
}

// MaxNameLen is the longest interface name the kernel takes (IFNAMSIZ-1).
const MaxNameLen = 15

// ValidName checks an interface name as the kernel does.
func ValidName(name string) error {
	if name == "" || len(name) > MaxNameLen || name == "." || name == ".." {
		return &OpError{Op: "name", Link: name, Err: ErrInvalid, Sys: fmt.Errorf("want 1 to %d bytes", MaxNameLen)}
	}
	for _, c := range []byte(name) {
		if c == '/' || c == ':' || c <= ' ' || c == 0x7f {
			return &OpError{Op: "name", Link: name, Err: ErrInvalid, Sys: fmt.Errorf("byte %q not allowed", c)}
		}
	}
	return nil
}

// opError gives err the operation and link it happened on, unless it is
// an *OpError already (a Driver's errors are).
func opError(op, link string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: op, Link: link, Sys: err}
}
