package neutron

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"sync"
)

// addrSpace is one subnet's addresses: who holds each (the store's =ip
// claims, as the view has applied them), the ones being allocated right
// now, and the allocation pools as bit trees so a free address is found in
// a few word reads however full the subnet is. Pools too large for a bit
// tree (IPv6) are sampled at random, where collisions are rare.
type addrSpace struct {
	mu       sync.Mutex
	owners   map[netip.Addr]string // allocated → port id
	reserved map[netip.Addr]struct{}
	ranges   []*addrRange
}

// maxTreeBits bounds a pool kept as a bit tree (2 MiB of bits; a /8).
const maxTreeBits = 1 << 24

type addrRange struct {
	first  netip.Addr
	size   uint64 // addresses; math.MaxUint64 stands for more
	bits   *bitTree
	cursor uint64
}

func newAddrSpace() *addrSpace {
	return &addrSpace{owners: map[netip.Addr]string{}, reserved: map[netip.Addr]struct{}{}}
}

// setPools replaces the pools, marking what is allocated or reserved.
func (s *addrSpace) setPools(pools []AllocationPool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ranges = s.ranges[:0]
	for _, p := range pools {
		first, err1 := netip.ParseAddr(p.Start)
		last, err2 := netip.ParseAddr(p.End)
		if err1 != nil || err2 != nil || last.Less(first) {
			continue
		}
		r := &addrRange{first: first, size: span(first, last)}
		if r.size <= maxTreeBits {
			r.bits = newBitTree(r.size)
		}
		s.ranges = append(s.ranges, r)
	}
	for a := range s.owners {
		s.mark(a, true)
	}
	for a := range s.reserved {
		s.mark(a, true)
	}
}

// span is the number of addresses from first to last, inclusive, capped
// at math.MaxUint64.
func span(first, last netip.Addr) uint64 {
	fh, fl := split128(first)
	lh, ll := split128(last)
	if lh-fh > 1 || lh != fh && ll >= fl {
		return math.MaxUint64
	}
	d := ll - fl // wraps correctly when lh == fh+1
	if d == math.MaxUint64 {
		return d
	}
	return d + 1
}

func split128(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// offset returns a's position in r.
func (r *addrRange) offset(a netip.Addr) (uint64, bool) {
	if a.Is4() != r.first.Is4() || a.Less(r.first) {
		return 0, false
	}
	d := span(r.first, a) - 1
	return d, d < r.size
}

// at returns the address at offset i of r.
func (r *addrRange) at(i uint64) netip.Addr {
	return addAddr(r.first, i)
}

// addAddr returns a + n (within a's family; no overflow checks: callers
// stay inside a range).
func addAddr(a netip.Addr, n uint64) netip.Addr {
	if a.Is4() {
		b := a.As4()
		v := binary.BigEndian.Uint32(b[:]) + uint32(n)
		binary.BigEndian.PutUint32(b[:], v)
		return netip.AddrFrom4(b)
	}
	hi, lo := split128(a)
	nlo := lo + n
	if nlo < lo {
		hi++
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], nlo)
	return netip.AddrFrom16(b)
}

func (s *addrSpace) mark(a netip.Addr, taken bool) {
	for _, r := range s.ranges {
		if i, ok := r.offset(a); ok && r.bits != nil {
			if taken {
				r.bits.set(i)
			} else {
				r.bits.clear(i)
			}
			return
		}
	}
}

// inPools reports whether a is in one of the pools.
func (s *addrSpace) inPools(a netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.ranges {
		if _, ok := r.offset(a); ok {
			return true
		}
	}
	return false
}

// take records a committed allocation.
func (s *addrSpace) take(a netip.Addr, port string) {
	s.mu.Lock()
	s.owners[a] = port
	s.mark(a, true)
	s.mu.Unlock()
}

// relink makes a's owner the string port when it is that port already.
func (s *addrSpace) relink(a netip.Addr, port string) {
	s.mu.Lock()
	if s.owners[a] == port {
		s.owners[a] = port
	}
	s.mu.Unlock()
}

// drop records a released allocation.
func (s *addrSpace) drop(a netip.Addr) {
	s.mu.Lock()
	delete(s.owners, a)
	if _, ok := s.reserved[a]; !ok {
		s.mark(a, false)
	}
	s.mu.Unlock()
}

// owner returns the port holding a.
func (s *addrSpace) owner(a netip.Addr) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.owners[a]
	return p, ok
}

// allocated returns how many addresses are held.
func (s *addrSpace) allocated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.owners)
}

// reserve claims a for an allocation in flight; false when it is held or
// being claimed.
func (s *addrSpace) reserve(a netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.owners[a]; ok {
		return false
	}
	if _, ok := s.reserved[a]; ok {
		return false
	}
	s.reserved[a] = struct{}{}
	s.mark(a, true)
	return true
}

// reserveNext claims a free address of the pools, next after the last one
// handed out (so addresses a port just freed are not reused at once).
func (s *addrSpace) reserveNext() (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.ranges {
		if r.bits == nil {
			if a, ok := s.sample(r); ok {
				return a, true
			}
			continue
		}
		i, ok := r.bits.next(r.cursor)
		if !ok {
			continue
		}
		r.cursor = i + 1
		a := r.at(i)
		s.reserved[a] = struct{}{}
		r.bits.set(i)
		return a, true
	}
	return netip.Addr{}, false
}

// sample picks a free address of a range too large for a bit tree at
// random: with at most millions of addresses held in 2^64, a few tries
// find one.
func (s *addrSpace) sample(r *addrRange) (netip.Addr, bool) {
	for range 32 {
		a := r.at(rand.Uint64N(r.size))
		if _, ok := s.owners[a]; ok {
			continue
		}
		if _, ok := s.reserved[a]; ok {
			continue
		}
		s.reserved[a] = struct{}{}
		return a, true
	}
	return netip.Addr{}, false
}

// release ends a reservation; the address stays taken if it was
// committed meanwhile.
func (s *addrSpace) release(a netip.Addr) {
	s.mu.Lock()
	delete(s.reserved, a)
	if _, ok := s.owners[a]; !ok {
		s.mark(a, false)
	}
	s.mu.Unlock()
}

// eui64 is the SLAAC address of mac in a /64.
func eui64(prefix netip.Prefix, mac [6]byte) netip.Addr {
	b := prefix.Masked().Addr().As16()
	b[8] = mac[0] ^ 0x02
	b[9], b[10] = mac[1], mac[2]
	b[11], b[12] = 0xff, 0xfe
	b[13], b[14], b[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(b)
}

// defaultPools are neutron's: the CIDR without its first address (and,
// for IPv4, its last, the broadcast), less the gateway.
func defaultPools(p netip.Prefix, gateway netip.Addr) []AllocationPool {
	first := p.Masked().Addr()
	last := lastAddr(p)
	if first == last {
		return []AllocationPool{{first.String(), last.String()}}
	}
	lo := first.Next()
	hi := last
	if p.Addr().Is4() {
		hi = last.Prev()
	}
	if !lo.Less(hi) { // a /31 or /127 has no pool
		return []AllocationPool{}
	}
	var out []AllocationPool
	add := func(a, b netip.Addr) {
		if !b.Less(a) {
			out = append(out, AllocationPool{a.String(), b.String()})
		}
	}
	if gateway.IsValid() && !gateway.Less(lo) && !hi.Less(gateway) {
		if gateway != lo {
			add(lo, gateway.Prev())
		}
		if gateway != hi {
			add(gateway.Next(), hi)
		}
	} else {
		add(lo, hi)
	}
	if out == nil {
		out = []AllocationPool{}
	}
	return out
}

// lastAddr is the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
