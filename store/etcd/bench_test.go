package etcd_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
)

func openBench(b *testing.B) *etcd.Store {
	srv := etcdtest.Start(b)
	s, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/bench/"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkIntegration runs Put, Get and List against a local etcd
// server started for the benchmark.
func BenchmarkIntegration(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	value := []byte(`{"description":"a network","bindings":[]}`)
	ops := make([]store.Op, 0, 100)
	for i := range 1000 {
		ops = append(ops, store.PutOp(fmt.Sprintf("k/%08d", i), value))
		if len(ops) == cap(ops) {
			if _, err := s.Txn(ctx, nil, ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Get(ctx, fmt.Sprintf("k/%08d", i%1000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("List100", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			page, _, err := s.List(ctx, "k/", fmt.Sprintf("k/%08d", (i*7)%900), 100)
			if err != nil || len(page) != 100 {
				b.Fatal(err, len(page))
			}
			i++
		}
	})
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("Put/writers=%d", writers), func(b *testing.B) {
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ReportAllocs()
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if _, err := s.Put(ctx, fmt.Sprintf("p/%010d", i), value); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
		})
	}
}
