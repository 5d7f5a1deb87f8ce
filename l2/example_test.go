package l2_test

import (
	"fmt"
	"time"

	"github.com/netslice/netslice/l2"
)

// Two tenants' slices share a switch; each host reaches only its own
// slice.
func Example() {
	f := l2.NewFabric(l2.Options{})
	sw := l2.DatapathID(0xe0)
	port := func(n l2.Port) l2.Location { return l2.Location{Datapath: sw, Port: n, VLAN: l2.Untagged} }
	_, err := f.Update(func(tx *l2.Tx) error {
		for _, step := range []error{
			tx.AddSlice("acme/office"), tx.BindPort("acme/office", port(1)), tx.BindPort("acme/office", port(2)),
			tx.AddSlice("globex/lab"), tx.BindPort("globex/lab", port(3)),
		} {
			if step != nil {
				return step
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	alice, bob := l2.MustParseMAC("02:00:00:00:00:01"), l2.MustParseMAC("02:00:00:00:00:02")

	d := f.Decide(port(1), alice, l2.Broadcast) // alice's ARP request
	fmt.Println(d.Slice, d.Action, f.FloodTargets(d, port(1), l2.Broadcast, nil))
	d = f.Decide(port(2), bob, alice) // bob's reply
	fmt.Println(d.Action, d.Out)
	d = f.Decide(port(3), l2.MustParseMAC("02:00:00:00:00:03"), alice) // from the other slice
	fmt.Println(d.Slice, d.Action, f.FloodTargets(d, port(3), alice, nil))
	// Output:
	// acme/office flood [0x00000000000000e0:2/untagged]
	// forward 0x00000000000000e0:1/untagged
	// globex/lab flood []
}

// A software switch that reads frames in batches decides them together:
// on a large fabric the table lookups of the batch overlap.
func ExampleFabric_DecideAll() {
	f := l2.NewFabric(l2.Options{})
	a, b := l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}, l2.Location{Datapath: 1, Port: 2, VLAN: l2.Untagged}
	f.Update(func(tx *l2.Tx) error {
		tx.AddSlice("s")
		tx.BindPort("s", a)
		return tx.BindPort("s", b)
	})
	alice, bob := l2.MustParseMAC("02:00:00:00:00:01"), l2.MustParseMAC("02:00:00:00:00:02")
	frames := []l2.Arrival{
		{In: a, Src: alice, Dst: l2.Broadcast},
		{In: b, Src: bob, Dst: alice},
		{In: a, Src: alice, Dst: bob},
	}
	ds := make([]l2.Decision, len(frames))
	f.DecideAll(frames, ds)
	for _, d := range ds {
		if d.Action == l2.Forward {
			fmt.Println(d.Action, d.Out)
		} else {
			fmt.Println(d.Action, d.Reason)
		}
	}
	// Output:
	// flood broadcast
	// forward 0x0000000000000001:1/untagged
	// forward 0x0000000000000001:2/untagged
}

// Aging is driven by the caller's clock: here, by hand.
func ExampleFabric_Advance() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := l2.NewFabric(l2.Options{Now: start, Aging: 60 * time.Second, Events: func(ev l2.Event) {
		fmt.Println(ev.Kind, ev.MAC)
	}})
	in := l2.Location{Datapath: 1, Port: 1, VLAN: 10}
	f.Update(func(tx *l2.Tx) error {
		tx.AddSlice("s")
		return tx.BindPort("s", in)
	})
	f.Decide(in, l2.MustParseMAC("02:00:00:00:00:01"), l2.Broadcast)
	f.Advance(start.Add(30 * time.Second)) // nothing yet
	f.Advance(start.Add(2 * time.Minute))
	// Output:
	// learned 02:00:00:00:00:01
	// expired 02:00:00:00:00:01
}

// A port attachment pins a MAC to a port: it is known before it speaks,
// never ages, and no other MAC may use that port.
func ExampleTx_AttachPort() {
	f := l2.NewFabric(l2.Options{})
	vm := l2.MustParseMAC("52:54:00:12:34:56")
	tap := l2.Location{Datapath: 1, Port: 7, VLAN: l2.Untagged}
	uplink := l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}
	f.Update(func(tx *l2.Tx) error {
		tx.AddSlice("s")
		tx.BindPort("s", tap)
		tx.BindPort("s", uplink)
		return tx.AttachPort("s", tap, vm)
	})
	fmt.Println(f.Decide(uplink, l2.MustParseMAC("02:00:00:00:00:09"), vm).Out)
	fmt.Println(f.Decide(tap, l2.MustParseMAC("02:00:00:00:00:66"), l2.Broadcast).Reason)
	// Output:
	// 0x0000000000000001:7/untagged
	// source not admitted on port
}

// SetSlice applies a slice's whole configuration, kept elsewhere, and
// changes only what differs: here one port goes, another comes, and the
// host learned on the port that stays is still known.
func ExampleTx_SetSlice() {
	f := l2.NewFabric(l2.Options{})
	p1 := l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}
	p2 := l2.Location{Datapath: 1, Port: 2, VLAN: l2.Untagged}
	p3 := l2.Location{Datapath: 1, Port: 3, VLAN: l2.Untagged}
	f.Update(func(tx *l2.Tx) error {
		return tx.SetSlice("s", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: nil, p2: nil}})
	})
	host := l2.MustParseMAC("02:00:00:00:00:01")
	f.Decide(p1, host, l2.Broadcast)

	f.Update(func(tx *l2.Tx) error {
		return tx.SetSlice("s", l2.SliceSpec{Ports: map[l2.Location][]l2.MAC{p1: nil, p3: nil}})
	})
	bs, _ := f.Bindings("s")
	for _, b := range bs {
		fmt.Println(b.Location)
	}
	e, _ := f.Lookup("s", host)
	fmt.Println(host, "at", e.Location)
	// Output:
	// 0x0000000000000001:1/untagged
	// 0x0000000000000001:3/untagged
	// 02:00:00:00:00:01 at 0x0000000000000001:1/untagged
}

// Shortest paths over inter-switch links.
func ExampleTopology() {
	topo := l2.NewTopology()
	topo.AddLink(l2.NewLink(l2.PortRef{Datapath: 1, Port: 10}, l2.PortRef{Datapath: 2, Port: 10}))
	topo.AddLink(l2.NewLink(l2.PortRef{Datapath: 2, Port: 11}, l2.PortRef{Datapath: 3, Port: 10}))
	path, _ := topo.Path(l2.PortRef{Datapath: 1, Port: 1}, l2.PortRef{Datapath: 3, Port: 2})
	for _, h := range path {
		fmt.Printf("dp %d: in %d out %d\n", h.Datapath, h.In, h.Out)
	}
	// Output:
	// dp 1: in 1 out 10
	// dp 2: in 10 out 11
	// dp 3: in 10 out 2
}

// Decode a frame's header without allocating.
func ExampleFrame_UnmarshalBinary() {
	raw := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source
		0x81, 0x00, 0x00, 0x64, // 802.1Q, VLAN 100
		0x08, 0x06, // ARP
	}
	var f l2.Frame
	if err := f.UnmarshalBinary(raw); err != nil {
		panic(err)
	}
	fmt.Println(f.Src, f.Dst.IsBroadcast(), f.VLAN, f.EtherType)
	// Output: 02:00:00:00:00:01 true 100 EtherTypeARP
}
