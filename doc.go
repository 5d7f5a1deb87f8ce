// Package netslice is a Go SDK for building network virtualization
// applications: SDN controllers, cloud network services and virtualization
// managers. This package holds only this overview; the work is done by the
// packages below, which a program imports as it needs them.
//
// # The model
//
// A slice is an isolated virtual L2 network. Tenants own networks (slices);
// a network binds switch ports (datapath, port, VLAN) and MAC addresses
// (attachments). Frames are classified to a slice, MAC addresses are
// learned and aged per slice, and forwarding never leaves the slice —
// overlapping MAC addresses and VLAN ids across slices do not interfere.
//
// Desired configuration lives in a store; runtimes watch the store and make
// the data plane follow it (OpenFlow switches, host bridges and VLANs,
// libvirt domains). What the data plane observes (learned MACs, link
// statistics, VM state) is read back live.
//
// # The packages
//
//   - store: an ordered key/value interface with revisions, transactions
//     and watches; store/memory, store/bolt (embedded, durable, the
//     default) and store/etcd (distributed); store/storetest, the
//     conformance suite any backend can run.
//   - l2: the forwarding core — MAC, VLAN and datapath types, slices and
//     their bindings, the learning table, the forwarding decision, topology
//     and paths. Pure logic, allocation-free on the hot path.
//   - l2/slicing: the OpenFlow app that realizes the fabric's slices on
//     switches; l2/sources: several sources of slices (each REST surface,
//     a program's own) feeding one fabric.
//   - openflow: OpenFlow 1.0 and 1.3 encoding and a controller runtime.
//   - hostnet: host networking through netlink, and a provisioner for
//     logical networks on host NICs.
//   - virt: virtualization through libvirt.
//   - httpapi: REST surfaces (Sliceable API, Neutron v2.0, oVirt host
//     networking, Kimchi), each an http.Handler to mount on any mux.
//
// examples/server wires every package into one program — the REST
// surfaces on one mux, the OpenFlow controller with the slicing app, the
// fabric following the store — and is the place to see how they fit.
//
// # A short tour
//
// Open the embedded store and keep configuration in it:
//
//	s, err := bolt.Open("netslice.db", nil)
//	...
//	rev, err := s.Txn(ctx,
//		[]store.Cond{store.IfAbsent("tenants/acme")},
//		[]store.Op{store.PutOp("tenants/acme", []byte(`{"description":"Acme"}`))})
//
// and follow it from a runtime, resuming from the last revision seen:
//
//	events, err := s.Watch(ctx, "tenants/", rev)
//	for ev := range events { ... }
package netslice
