//go:build !unix

package ovstest

import (
	"errors"
	"os"
)

// flock is not there off Unix, where Open vSwitch does not run.
func flock(*os.File, bool) error { return errors.New("ovstest: no file locks on this system") }
