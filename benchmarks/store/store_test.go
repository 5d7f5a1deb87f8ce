// Package store benchmarks netslice's durable store against bbolt used
// directly: one fsync'd transaction per write (db.Update) and bbolt's own
// write coalescing (db.Batch), with 16 concurrent writers.
package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/netslice/netslice/store/bolt"
)

const writers = 16

var value = []byte(`{"description":"a network","bindings":[]}`)

// run calls put from writers goroutines until b.N writes are done and
// reports the rate.
func run(b *testing.B, put func(key string) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := put(fmt.Sprintf("k/%010d", i)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

func BenchmarkDurablePut16(b *testing.B) {
	b.Run("netslice-bolt", func(b *testing.B) {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		run(b, func(k string) error { _, err := s.Put(ctx, k, value); return err })
	})
	raw := func(b *testing.B) *bbolt.DB {
		db, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("kv")); return err }); err != nil {
			b.Fatal(err)
		}
		return db
	}
	b.Run("bbolt-Update", func(b *testing.B) {
		db := raw(b)
		run(b, func(k string) error {
			return db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("kv")).Put([]byte(k), value) })
		})
	})
	b.Run("bbolt-Batch", func(b *testing.B) {
		db := raw(b)
		run(b, func(k string) error {
			return db.Batch(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("kv")).Put([]byte(k), value) })
		})
	})
}
