package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store/etcd/etcdtest"
)

// BenchmarkShareLearning weighs the two ways a slave can know the MACs
// the master learned, per MAC learned: packet-in, the slave learns from
// the copy of the packet-in the switch sends every controller (its own
// fabric's Decide, which learns); etcd, the master writes each learned
// MAC to etcd under its lease for the slaves to read (one put; the
// watch that carries it to the slaves comes on top).
func BenchmarkShareLearning(b *testing.B) {
	b.Run("packet-in", func(b *testing.B) {
		f := l2.NewFabric(l2.Options{})
		in := l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}
		_, err := f.Update(func(tx *l2.Tx) error {
			tx.AddSlice("s")
			return tx.BindPort("s", in)
		})
		require.NoError(b, err)
		i := uint64(0)
		b.ReportAllocs()
		for b.Loop() {
			i++
			f.Decide(in, l2.MACFromUint64(0x020000000000|i%100000), l2.MACFromUint64(0x020000000000|(i+1)%100000))
		}
	})
	b.Run("etcd", func(b *testing.B) {
		etcd := etcdtest.Start(b)
		cli := etcd.Client(b)
		ctx := context.Background()
		lease, err := cli.Grant(ctx, 10)
		require.NoError(b, err)
		loc := `{"dpid":1,"port":1,"vlan":0,"seen":"` + time.Now().Format(time.RFC3339Nano) + `"}`
		i := uint64(0)
		b.ReportAllocs()
		for b.Loop() {
			i++
			key := fmt.Sprintf("/netslice/cluster/test/macs/s/%012x", 0x020000000000|i%100000)
			if _, err := cli.Put(ctx, key, loc, clientv3.WithLease(lease.ID)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
