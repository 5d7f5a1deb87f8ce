package virt_test

import (
	"errors"
	"fmt"

	"github.com/netslice/netslice/virt"
)

// A driver's error says what it did, on what, and which kind of failure
// it is: callers branch with errors.Is, whatever the hypervisor said.
func ExampleError() {
	var err error = &virt.Error{Op: "start", Object: "web1", Kind: virt.ErrInvalidState, Msg: "domain is running"}
	fmt.Println(err)
	switch {
	case errors.Is(err, virt.ErrNotFound):
		fmt.Println("404")
	case errors.Is(err, virt.ErrInvalidState), errors.Is(err, virt.ErrExists):
		fmt.Println("400")
	case errors.Is(err, virt.ErrUnavailable):
		fmt.Println("503")
	}
	// Output:
	// start web1: domain is running
	// 400
}
