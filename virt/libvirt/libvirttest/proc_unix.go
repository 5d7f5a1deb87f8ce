//go:build unix

package libvirttest

import "syscall"

// asNobody runs a process as nobody (65534).
func asNobody() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}
