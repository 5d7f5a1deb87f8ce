package slicing_test

import (
	"context"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
)

// Run a controller that realizes slices on every switch that connects.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	app, err := slicing.New(l2.Options{}, slicing.Options{})
	if err != nil {
		panic(err)
	}
	app.Update(func(tx *l2.Tx) error {
		tx.AddSlice("acme/office")
		tx.BindPort("acme/office", l2.Location{Datapath: 0xe0, Port: 1, VLAN: l2.Untagged})
		return tx.BindPort("acme/office", l2.Location{Datapath: 0xe0, Port: 2, VLAN: 10})
	})
	ctrl := &openflow.Controller{Handler: app}
	go app.Run(ctx)
	go ctrl.ListenAndServe("127.0.0.1:0") // ":6653" in production
	ctrl.Shutdown(ctx)
}
