//go:build !linux

package etcdtest

import "syscall"

// dieWithTest is nil where the kernel cannot kill a child with its
// parent: a test killed there may leave its etcd running (it stops with
// the test otherwise).
func dieWithTest() *syscall.SysProcAttr { return nil }
