package neutron

import (
	"net/netip"
	"testing"
)

// BenchmarkAllocate takes and gives back an address of a /16 with 60,000
// of its 65,533 taken: the search walks the bit tree, not the pool.
func BenchmarkAllocate(b *testing.B) {
	p := netip.MustParsePrefix("10.0.0.0/16")
	gw := p.Addr().Next()
	s := newAddrSpace()
	s.setPools(defaultPools(p, gw))
	a := gw.Next()
	for range 60000 {
		s.take(a, "port")
		a = a.Next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ip, ok := s.reserveNext()
		if !ok {
			b.Fatal("pool exhausted")
		}
		s.release(ip)
	}
}

// BenchmarkAllocateNearlyFull is the same with one free address left, the
// farthest from where the search starts.
func BenchmarkAllocateNearlyFull(b *testing.B) {
	p := netip.MustParsePrefix("10.0.0.0/16")
	gw := p.Addr().Next()
	s := newAddrSpace()
	s.setPools(defaultPools(p, gw))
	a := gw.Next()
	last := netip.MustParseAddr("10.0.255.254")
	for a != last {
		s.take(a, "port")
		a = a.Next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ip, ok := s.reserveNext()
		if !ok || ip != last {
			b.Fatalf("got %v %v", ip, ok)
		}
		s.release(ip)
	}
}

// BenchmarkAllocateScanBaseline is the naive allocator the bit tree
// replaces, on the same /16: walk the pool from its start and take the
// first address not in the set of those held.
func BenchmarkAllocateScanBaseline(b *testing.B) {
	p := netip.MustParsePrefix("10.0.0.0/16")
	first := p.Addr().Next().Next()
	held := map[netip.Addr]bool{}
	a := first
	for range 60000 {
		held[a] = true
		a = a.Next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ip := first
		for held[ip] {
			ip = ip.Next()
		}
		held[ip] = true
		delete(held, ip)
	}
}
