package ovstest

import "syscall"

// dieWithTest makes a daemon get SIGKILL when the thread that started it
// ends: a test killed leaves nothing running.
func dieWithTest() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// renewSignal makes udhcpc renew its lease.
const renewSignal = syscall.SIGUSR1
