package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/bolt"
)

// BenchmarkPutDurable measures fsync'd Puts with several concurrent
// writers; group commit lets them share fsyncs. puts/s is the figure.
func BenchmarkPutDurable(b *testing.B) {
	value := []byte(`{"description":"a network","bindings":[]}`)
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "b.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if _, err := s.Put(ctx, fmt.Sprintf("k/%010d", i), value); err != nil {
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

var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
)

// bigStore returns a store file holding 1,000,000 keys, built once per
// process (with NoSync: it is test data) in a directory removed at exit.
func bigStore(b *testing.B) string {
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "netslice-bolt-bench")
		if err != nil {
			bigErr = err
			return
		}
		bigPath = filepath.Join(dir, "big.db")
		s, err := bolt.Open(bigPath, &bolt.Options{NoSync: true, History: 1})
		if err != nil {
			bigErr = err
			return
		}
		defer s.Close()
		ctx := context.Background()
		ops := make([]store.Op, 0, store.MaxTxnOps)
		for i := range 1000000 {
			ops = append(ops, store.PutOp(fmt.Sprintf("k/%08d", i), []byte(`{"description":"x"}`)))
			if len(ops) == cap(ops) {
				if _, bigErr = s.Txn(ctx, nil, ops); bigErr != nil {
					return
				}
				ops = ops[:0]
			}
		}
		if len(ops) > 0 {
			_, bigErr = s.Txn(ctx, nil, ops)
		}
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath
}

// BenchmarkList100of1M lists one 100-key page at a random marker out of a
// million keys.
func BenchmarkList100of1M(b *testing.B) {
	s, err := bolt.Open(bigStore(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		after := fmt.Sprintf("k/%08d", (i*7919)%999000)
		page, _, err := s.List(ctx, "k/", after, 100)
		if err != nil || len(page) != 100 {
			b.Fatal(err, len(page))
		}
		i++
	}
}

func BenchmarkGet(b *testing.B) {
	s, err := bolt.Open(bigStore(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, fmt.Sprintf("k/%08d", (i*7919)%1000000)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigPath != "" {
		os.RemoveAll(filepath.Dir(bigPath))
	}
	os.Exit(code)
}
