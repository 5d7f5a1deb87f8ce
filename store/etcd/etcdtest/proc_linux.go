package etcdtest

import "syscall"

// dieWithTest makes etcd get SIGKILL when the thread that started it
// ends: a test killed leaves no etcd behind.
func dieWithTest() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
