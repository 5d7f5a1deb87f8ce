package etcd_test

import (
	"context"
	"fmt"

	"github.com/netslice/netslice/store/etcd"
)

// Share one configuration between processes through an etcd cluster. Every
// netslice process that opens the same endpoints and prefix sees the same
// keys and each other's changes.
func Example() {
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Options{
		Endpoints: []string{"127.0.0.1:2379"},
		Prefix:    "/netslice/",
	})
	if err != nil {
		fmt.Println("no etcd here:", err != nil)
		return
	}
	defer s.Close()
	rev, _ := s.Put(ctx, "tenants/acme", []byte(`{}`))
	fmt.Println(rev > 0)
}
