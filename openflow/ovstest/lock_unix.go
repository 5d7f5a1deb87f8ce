//go:build unix

package ovstest

import (
	"os"
	"syscall"
)

// flock takes an exclusive lock on f: at once when block is false (an
// error when held), else waiting for it.
func flock(f *os.File, block bool) error {
	how := syscall.LOCK_EX
	if !block {
		how |= syscall.LOCK_NB
	}
	return syscall.Flock(int(f.Fd()), how)
}
