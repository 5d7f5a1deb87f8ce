module github.com/netslice/netslice/benchmarks

go 1.26.8

require (
	github.com/contiv/libOpenflow v0.0.0-20210609050114-d967b14cc688
	github.com/netrack/openflow v0.1.0
	github.com/netslice/netslice v0.0.0
	github.com/skydive-project/goloxi v0.0.0-20190117172159-db2324197a3e
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/google/btree v1.1.3 // indirect
	github.com/gopacket/gopacket v1.7.7 // indirect
	github.com/mdlayher/ethernet v0.0.0-20220221185849-529eae5b6118 // indirect
	github.com/sirupsen/logrus v1.10.2 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/vishvananda/netlink v1.3.1 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	libvirt.org/go/libvirt v1.11006.0 // indirect
	libvirt.org/go/libvirtxml v1.11006.0 // indirect
)

replace github.com/netslice/netslice => ../
