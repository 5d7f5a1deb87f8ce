package sources_test

import (
	"context"
	"fmt"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/sources"
)

// lab is a program's own source of slices: one, fixed.
type lab struct{ reported chan struct{} }

func (lab) Name() string { return "lab" }

func (l lab) Follow(ctx context.Context, r *sources.Reporter) error {
	r.Replace(map[string]l2.SliceSpec{"bench": {Ports: map[l2.Location][]l2.MAC{
		{Datapath: 1, Port: 1, VLAN: l2.Untagged}: nil,
		{Datapath: 1, Port: 2, VLAN: l2.Untagged}: nil,
	}}})
	close(l.reported)
	<-ctx.Done()
	return ctx.Err()
}

// A program adds its own source beside the surfaces'; each keeps to its
// namespace of slice ids.
func Example() {
	fabric := l2.NewFabric(l2.Options{})
	f := sources.New(fabric.Update, sources.Options{}) // or slicing.App.Update
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := lab{reported: make(chan struct{})}
	go f.Run(ctx, src)
	<-src.reported
	fmt.Println(fabric.Slices(), f.Status()[0].Slices)
	// Output: [lab/bench] 1
}
