package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
)

// Create a tenant and a network in one transaction that fails unless the
// tenant is new, then page through the networks.
func Example() {
	ctx := context.Background()
	s := memory.New(nil)
	defer s.Close()

	_, err := s.Txn(ctx,
		[]store.Cond{store.IfAbsent("tenants/acme")},
		[]store.Op{
			store.PutOp("tenants/acme", []byte(`{"description":"Acme"}`)),
			store.PutOp("tenants/acme/networks/net-1", []byte(`{"description":"office"}`)),
			store.PutOp("tenants/acme/networks/net-2", []byte(`{"description":"lab"}`)),
		})
	if err != nil {
		panic(err)
	}
	// The same transaction again conflicts and writes nothing.
	_, err = s.Txn(ctx, []store.Cond{store.IfAbsent("tenants/acme")}, []store.Op{store.PutOp("tenants/acme", nil)})
	fmt.Println(errors.Is(err, store.ErrConflict))

	page, more, _ := s.List(ctx, "tenants/acme/networks/", "", 1)
	fmt.Println(page[0].Key, more)
	page, more, _ = s.List(ctx, "tenants/acme/networks/", page[0].Key, 1)
	fmt.Println(page[0].Key, more)
	// Output:
	// true
	// tenants/acme/networks/net-1 true
	// tenants/acme/networks/net-2 false
}

// Follow changes under a prefix, resuming from a known revision.
func ExampleStore_watch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := memory.New(nil)
	defer s.Close()

	rev, _ := s.Put(ctx, "ports/1", []byte("dp=1 port=1"))
	s.Put(ctx, "ports/2", []byte("dp=1 port=2"))
	s.Delete(ctx, "ports/1")

	events, _ := s.Watch(ctx, "ports/", rev) // replay from rev, then live
	for range 3 {
		ev := <-events
		fmt.Println(ev.Type, ev.KV.Key)
	}
	// Output:
	// put ports/1
	// put ports/2
	// delete ports/1
}

// Count a store's calls by operation and outcome, as a metrics exporter
// would (the example server turns them into Prometheus histograms).
func ExampleObserve() {
	ctx := context.Background()
	calls := map[string]int{}
	s := store.Observe(memory.New(nil), store.Observer{
		Call: func(op string, d time.Duration, err error) {
			if err != nil {
				op += " (failed)"
			}
			calls[op]++
		},
	})
	defer s.Close()

	s.Put(ctx, "a", []byte("1"))
	s.Get(ctx, "a")
	s.Get(ctx, "b")
	fmt.Println(calls)
	// Output: map[get:1 get (failed):1 put:1]
}

// Read every key under a prefix, however many pages it takes.
func ExampleAll() {
	ctx := context.Background()
	s := memory.New(nil)
	defer s.Close()
	for i := range 3 {
		s.Put(ctx, fmt.Sprintf("ports/%d", i), []byte("up"))
	}
	for kv, err := range store.All(ctx, s, "ports/") {
		if err != nil {
			panic(err)
		}
		fmt.Println(kv.Key, string(kv.Value))
	}
	// Output:
	// ports/0 up
	// ports/1 up
	// ports/2 up
}

// Keep a copy of what a store holds under a prefix: read it, then follow
// every change, surviving watches that end and histories that are gone.
func ExampleFollow() {
	ctx, cancel := context.WithCancel(context.Background())
	s := memory.New(nil)
	defer s.Close()
	s.Put(ctx, "ports/1", []byte("up"))

	ports := map[string]string{} // only Follow's goroutine touches it
	synced := make(chan int64, 16)
	f := store.Follow{Store: s, Prefix: "ports/",
		Load: func(ctx context.Context, rev int64) error {
			clear(ports)
			for kv, err := range store.All(ctx, s, "ports/") {
				if err != nil {
					return err
				}
				ports[kv.Key] = string(kv.Value)
			}
			return nil
		},
		Changes: func(ctx context.Context, events []store.Event) error {
			for _, ev := range events {
				if ev.Type == store.EventDelete {
					delete(ports, ev.KV.Key)
				} else {
					ports[ev.KV.Key] = string(ev.KV.Value)
				}
			}
			fmt.Println(ports)
			return nil
		},
		Synced: func(rev int64) { synced <- rev },
	}
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	<-synced // loaded
	rev, _ := s.Put(ctx, "ports/2", []byte("down"))
	for <-synced < rev {
	}
	cancel()
	<-done
	// Output:
	// map[ports/1:up ports/2:down]
}
