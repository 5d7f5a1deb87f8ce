// Package benchmarks compares netslice side by side with its peers and
// with plain baselines, in one run, on the same machine. It is a module of
// its own so that the peer libraries it imports never enter the library's
// go.mod.
//
// Run everything with
//
//	cd benchmarks && go test -run '^$' -bench . ./...
//
// Each subpackage benchmarks one area; the figures to report are the ratios
// between cases measured in the same run.
package benchmarks
