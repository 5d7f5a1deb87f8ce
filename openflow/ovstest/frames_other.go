//go:build !linux

package ovstest

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("ovstest: hosts in network namespaces need Linux, not " + runtime.GOOS)

// SendFrame needs Linux.
func (h *Host) SendFrame([]byte) error { return errNotLinux }

// RxPackets needs Linux.
func (h *Host) RxPackets() (uint64, error) { return 0, errNotLinux }

// SetPort needs Linux.
func (h *Host) SetPort(bool) error { return errNotLinux }

// DisableTxChecksum needs Linux.
func (h *Host) DisableTxChecksum() error { return errNotLinux }

// Capture needs Linux.
func (h *Host) Capture(func([]byte) bool) (func() (int, error), error) { return nil, errNotLinux }
