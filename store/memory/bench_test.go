package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/netslice/netslice/store/memory"
)

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s := memory.New(nil)
	defer s.Close()
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprintf("tenants/t%d/networks/n%d", i%100, i)
		if _, err := s.Put(ctx, keys[i], []byte(`{"description":"a network"}`)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	value := []byte(`{"description":"a network"}`)
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("overwrite/keys=%d", n), func(b *testing.B) {
			s := memory.New(nil)
			defer s.Close()
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("tenants/t%d/networks/n%d", i%100, i)
				if _, err := s.Put(ctx, keys[i], value); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Put(ctx, keys[i%n], value); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("new", func(b *testing.B) {
		s := memory.New(nil)
		defer s.Close()
		keys := make([]string, b.N)
		for i := range keys {
			keys[i] = fmt.Sprintf("tenants/t%d/networks/n%d", i%100, i)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.Put(ctx, keys[i], value); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkList100(b *testing.B) {
	ctx := context.Background()
	s := memory.New(nil)
	defer s.Close()
	for i := range 100000 {
		if _, err := s.Put(ctx, fmt.Sprintf("k/%08d", i), []byte("v")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		page, _, err := s.List(ctx, "k/", fmt.Sprintf("k/%08d", (i*7919)%99000), 100)
		if err != nil || len(page) != 100 {
			b.Fatal(err, len(page))
		}
		i++
	}
}
