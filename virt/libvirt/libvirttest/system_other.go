//go:build !linux

package libvirttest

import (
	"errors"
	"os/exec"
)

func systemRoot(string) error {
	return errors.New("a system libvirtd of a test's own needs Linux's namespaces")
}

func systemCommand(string) *exec.Cmd { return nil }

func killNetNS(int) {}
