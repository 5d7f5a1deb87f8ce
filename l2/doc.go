// Package l2 is netslice's forwarding core: slices (isolated virtual L2
// networks), their bindings, MAC learning and aging per slice, the
// forwarding decision, and the topology of switches with paths between
// them. It is pure logic — no I/O and no goroutines of its own — driven by
// an OpenFlow controller app, a software bridge or a test.
//
// # Model
//
// A Fabric holds slices, named by the caller (the Sliceable API uses
// "tenant/network"). A slice has port bindings — a Location (datapath,
// port, VLAN; VLAN Untagged for untagged frames) whose frames belong to it
// — and MAC bindings: a port attachment admits a MAC on one bound port (a
// port with attachments admits no other MAC), a network attachment claims
// a MAC for the slice on whatever port it appears. Decide classifies a
// frame most specific first — port attachment, network attachment, port
// binding — learns its source in that slice's table and decides: drop,
// forward to the destination's location, or flood to the slice's other
// ports (FloodTargets). Slices may overlap in MAC addresses and VLAN ids;
// each learns on its own.
//
// Configuration changes go through Update, which applies a Tx atomically
// while Decide runs: a frame is decided wholly under the old bindings or
// wholly under the new, and what was learned through a removed binding is
// forgotten and reported.
//
// # Time
//
// The fabric has no clock of its own: Advance sets its time and expires
// what was not seen for the aging time, so tests drive time by hand and
// the hot path never reads a clock. Call Advance about once a second.
//
// # Performance
//
// Decide does not allocate and takes no lock for a known source. The
// learning tables of all slices are one open addressing hash table keyed
// by (slice, MAC), with 32-byte slots (under 64 bytes a learned entry in
// all), in shards with a lock each; a MAC's slot depends on the MAC alone,
// so Decide loads it while it looks up the frame's port (BenchmarkDecide
// reports what a random decision in a large fabric costs in memory
// misses). A caller holding several frames at once (a software switch
// reading a batch) decides them with DecideAll, whose table lookups
// overlap: on a table larger than the caches a frame then costs less
// than one memory miss, where alone it costs more. Each slice ages its
// entries on a lazy timing wheel: its work is what expires, not the table
// size.
//
// # Bounds
//
// Everything an attacker's frames can grow is bounded. Each slice holds at
// most Options.MaxPerSlice learned entries and evicts its least recently
// seen to learn more, so a flood of random source addresses never grows
// memory past the bound. The fabric holds at most MaxEntries; at that
// bound the slice holding the most entries gives one back, so a flooding
// slice evicts its own and every other slice keeps learning its share.
// Locations (a switch port and VLAN) are interned, at most MaxLocations of
// them, and forgotten when no binding or entry names them any more.
//
// # Topology
//
// Topology is the graph of switches and the links between them, with
// shortest paths between two ports.
package l2
