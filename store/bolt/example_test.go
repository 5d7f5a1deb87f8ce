package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/netslice/netslice/store/bolt"
)

// Open the embedded store in a data directory; what Put acknowledged is on
// disk when it returns.
func Example() {
	dir, _ := os.MkdirTemp("", "netslice")
	defer os.RemoveAll(dir)

	s, err := bolt.Open(filepath.Join(dir, "netslice.db"), nil)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s.Put(ctx, "tenants/acme", []byte(`{"description":"Acme"}`))
	s.Close()

	s, _ = bolt.Open(filepath.Join(dir, "netslice.db"), nil) // e.g. after a restart
	defer s.Close()
	kv, _ := s.Get(ctx, "tenants/acme")
	fmt.Println(string(kv.Value), kv.Version)
	// Output: {"description":"Acme"} 1
}
