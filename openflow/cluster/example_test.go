package cluster_test

import (
	"context"
	"log"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/cluster"
)

// Three servers run this, each with its own -name and -addr; every switch
// connects to all three (ovs-vsctl set-controller br0 tcp:a:6653
// tcp:b:6653 tcp:c:6653). One slicing app drives the switches, the others
// stand by and take over when it dies.
func Example() {
	ctx := context.Background()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}, DialTimeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	cl, err := cluster.New(cli, cluster.Options{ID: "dc1", Name: "ctl-a", Addr: "10.0.0.1:6654"})
	if err != nil {
		log.Fatal(err)
	}
	secret, err := cl.Secret(ctx) // the same discovery key on every server
	if err != nil {
		log.Fatal(err)
	}
	app, err := slicing.New(l2.Options{}, slicing.Options{Standby: true, LLDPSecret: secret,
		RoleChanged: func(r slicing.SwitchRole) {
			if r.Role == openflow.RoleMaster {
				cl.Publish(ctx, uint64(r.Datapath), r.Generation, r.Since)
			}
		}})
	if err != nil {
		log.Fatal(err)
	}
	ctrl := &openflow.Controller{Handler: app}
	go app.Run(ctx)
	go ctrl.ListenAndServe(":6653")
	go cl.Run(ctx, app)
	// cl.Status() says which server is master of each switch, the same on
	// every server.
}
