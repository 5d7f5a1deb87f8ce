//go:build linux

package l2

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks the kernel to back a large table with huge pages, so a
// random probe costs a cache miss but rarely a TLB miss as well. Advice
// only: an error (no transparent huge pages) changes nothing.
func adviseHuge(s []slot) {
	const huge = 2 << 20
	size := uintptr(len(s)) * unsafe.Sizeof(slot{})
	if size < 2*huge {
		return
	}
	p := unsafe.Pointer(&s[0])
	start := uintptr(p)
	first := (start + huge - 1) &^ (huge - 1)
	last := (start + size) &^ (huge - 1)
	if last <= first {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, first-start)), last-first)
	syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
