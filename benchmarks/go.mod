module github.com/netslice/netslice/benchmarks

go 1.26.8

require (
	github.com/netslice/netslice v0.0.0
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/mdlayher/ethernet v0.0.0-20220221185849-529eae5b6118 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/netslice/netslice => ../
