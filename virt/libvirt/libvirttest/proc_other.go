//go:build !unix

package libvirttest

import "syscall"

// asNobody is nil off Unix, where no libvirtd of the test's own runs.
func asNobody() *syscall.SysProcAttr { return nil }
