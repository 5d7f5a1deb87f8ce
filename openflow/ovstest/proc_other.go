//go:build !linux

package ovstest

import (
	"os"
	"syscall"
)

// dieWithTest is nil where the kernel cannot kill a child with its
// parent: Open vSwitch in userspace runs on Linux only, and Start skips
// elsewhere.
func dieWithTest() *syscall.SysProcAttr { return nil }

// renewSignal is never sent: hosts are network namespaces, Linux only.
var renewSignal os.Signal = os.Interrupt
