//go:build !linux

package l2

// adviseHuge is advice for Linux's transparent huge pages; elsewhere there
// is nothing to advise.
func adviseHuge([]slot) {}
