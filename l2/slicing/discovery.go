package slicing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/netslice/netslice/l2"
)

// Link discovery. Every DiscoveryInterval the app sends an LLDP frame out
// of each port of each switch that is up and not a host port (a port with
// a binding faces hosts: no LLDP goes out of it and none is accepted from
// it). A frame that comes back in at another switch's port is a link. A
// link not heard from for LinkTimeout (three intervals) is gone.
//
// The chassis id names the datapath ("dpid:" and 16 hex digits), the port
// id the port number, both as locally assigned strings, so any LLDP reader
// can tell what they are. An organizationally specific TLV (OUI 02-6e-73,
// a locally administered one, subtype 1) carries the time the frame was
// sent and an HMAC-SHA256 over datapath, port and time, keyed with the
// controller's secret (Options.LLDPSecret): a host cannot forge a link,
// and a frame replayed later than LinkTimeout is refused. What a secret
// cannot stop is a relay in real time between two ports an attacker holds
// that are bound to no slice; bind host ports, and it has nowhere to go.

var (
	lldpMulticast = l2.MAC{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}
	lldpOUI       = [3]byte{0x02, 0x6e, 0x73}
)

const (
	etherTypeLLDP  = 0x88cc
	lldpSubtypeMAC = 1  // our org TLV subtype
	lldpLocal      = 7  // chassis and port id subtype: locally assigned
	lldpTagLen     = 16 // truncated HMAC
)

// lldpTLV appends one TLV.
func lldpTLV(b []byte, typ uint8, value ...[]byte) []byte {
	n := 0
	for _, v := range value {
		n += len(v)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(typ)<<9|uint16(n))
	for _, v := range value {
		b = append(b, v...)
	}
	return b
}

// lldpSum is the frame's authenticator.
func lldpSum(secret []byte, dp uint64, port uint32, sent int64) []byte {
	var msg [20]byte
	binary.BigEndian.PutUint64(msg[0:], dp)
	binary.BigEndian.PutUint32(msg[8:], port)
	binary.BigEndian.PutUint64(msg[12:], uint64(sent))
	h := hmac.New(sha256.New, secret)
	h.Write(msg[:])
	return h.Sum(nil)[:lldpTagLen]
}

// lldpFrame builds the discovery frame for a switch port.
func lldpFrame(secret []byte, dp uint64, port uint32, hw [6]byte, sent time.Time) []byte {
	b := make([]byte, 0, 96)
	b = append(b, lldpMulticast[:]...)
	b = append(b, hw[:]...)
	b = binary.BigEndian.AppendUint16(b, etherTypeLLDP)
	b = lldpTLV(b, 1, []byte{lldpLocal}, fmt.Appendf(nil, "dpid:%016x", dp))
	b = lldpTLV(b, 2, []byte{lldpLocal}, strconv.AppendUint(nil, uint64(port), 10))
	b = lldpTLV(b, 3, []byte{0, 120}) // TTL
	ts := binary.BigEndian.AppendUint64(nil, uint64(sent.UnixNano()))
	b = lldpTLV(b, 127, lldpOUI[:], []byte{lldpSubtypeMAC}, ts, lldpSum(secret, dp, port, sent.UnixNano()))
	return lldpTLV(b, 0)
}

// lldpInfo is what a discovery frame says.
type lldpInfo struct {
	dp   uint64
	port uint32
	sent int64  // Unix ns
	sum  []byte // nil when the frame carries none
}

// parseLLDP reads the TLVs of an LLDP frame (the Ethernet header
// included), without allocating beyond what it returns.
func parseLLDP(frame []byte) (lldpInfo, bool) {
	var info lldpInfo
	if len(frame) < 14 || binary.BigEndian.Uint16(frame[12:14]) != etherTypeLLDP {
		return info, false
	}
	b := frame[14:]
	haveDP, havePort := false, false
	for len(b) >= 2 {
		h := binary.BigEndian.Uint16(b)
		typ, n := uint8(h>>9), int(h&0x1ff)
		if len(b) < 2+n {
			return info, false
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		switch typ {
		case 0:
			b = nil
		case 1:
			if len(v) < 2 || v[0] != lldpLocal || len(v) != 1+5+16 || string(v[1:6]) != "dpid:" {
				return info, false
			}
			dp, err := strconv.ParseUint(string(v[6:]), 16, 64)
			if err != nil {
				return info, false
			}
			info.dp, haveDP = dp, true
		case 2:
			if len(v) < 2 || v[0] != lldpLocal {
				return info, false
			}
			p, err := strconv.ParseUint(string(v[1:]), 10, 32)
			if err != nil {
				return info, false
			}
			info.port, havePort = uint32(p), true
		case 127:
			if len(v) == 4+8+lldpTagLen && [3]byte(v[0:3]) == lldpOUI && v[3] == lldpSubtypeMAC {
				info.sent = int64(binary.BigEndian.Uint64(v[4:12]))
				info.sum = v[12:]
			}
		}
	}
	return info, haveDP && havePort
}

// verify checks the frame's authenticator and that it is fresh.
func (i lldpInfo) verify(secret []byte, now time.Time, maxAge time.Duration) error {
	if i.sum == nil {
		return fmt.Errorf("no authenticator")
	}
	if !hmac.Equal(i.sum, lldpSum(secret, i.dp, i.port, i.sent)) {
		return fmt.Errorf("authenticator does not match")
	}
	if age := now.Sub(time.Unix(0, i.sent)); age > maxAge || age < -maxAge {
		return fmt.Errorf("sent %v ago, outside %v", age.Round(time.Millisecond), maxAge)
	}
	return nil
}

// discover sends LLDP out of every eligible port of every switch.
func (a *App) discover() {
	for _, s := range a.switchList() {
		a.discoverOn(s)
	}
}

// discoverOn sends LLDP out of every port of one switch that is up, is a
// switch port and faces no host.
func (a *App) discoverOn(s *swState) {
	dp := s.sw.DatapathID()
	now := time.Now()
	for _, p := range s.sw.Ports() {
		if p.Down || !s.d.physical(p.No) || a.fabric.PortBound(l2.PortRef{Datapath: l2.DatapathID(dp), Port: l2.Port(p.No)}) {
			continue
		}
		a.sendOther(s, s.d.rawPacketOut(l2.Port(p.No), lldpFrame(a.secret, dp, p.No, p.HWAddr, now)))
	}
}

// lldpIn handles a discovery frame that came in at in.
func (a *App) lldpIn(in l2.PortRef, data []byte) {
	if a.fabric.PortBound(in) {
		a.stats.lldpRefused.Add(1)
		a.log.Debug("LLDP from a host port ignored", "port", in.String())
		return
	}
	info, ok := parseLLDP(data)
	if !ok {
		a.stats.lldpRefused.Add(1)
		return
	}
	if err := info.verify(a.secret, time.Now(), a.opts.LinkTimeout); err != nil {
		a.stats.lldpRefused.Add(1)
		a.log.Debug("LLDP refused", "port", in.String(), "err", err)
		return
	}
	from := l2.PortRef{Datapath: l2.DatapathID(info.dp), Port: l2.Port(info.port)}
	if a.switchState(from.Datapath) == nil || from.Datapath == in.Datapath && from.Port == in.Port {
		return
	}
	l := l2.NewLink(from, in)
	a.mu.Lock()
	a.links[l] = time.Now()
	a.mu.Unlock()
	if a.topo.AddLink(l) {
		a.log.Info("link discovered", "link", l.String())
		// What was learned at either end came from another switch, not a
		// host behind the port: forget it (and its flows).
		a.fabric.ForgetPort(l.A)
		a.fabric.ForgetPort(l.B)
	}
}

// expireLinks forgets the links not heard from for LinkTimeout.
func (a *App) expireLinks(now time.Time) {
	a.mu.Lock()
	var stale []l2.Link
	for l, seen := range a.links {
		if now.Sub(seen) > a.opts.LinkTimeout {
			stale = append(stale, l)
			delete(a.links, l)
		}
	}
	a.mu.Unlock()
	for _, l := range stale {
		if a.topo.RemoveLink(l) {
			a.log.Info("link lost", "link", l.String())
			a.pathsChanged()
		}
	}
}

// portDown handles a port that went down: a link port takes its link with
// it; a host port, what was learned behind it.
func (a *App) portDown(p l2.PortRef) {
	if _, ok := a.topo.RemovePort(p); ok {
		a.mu.Lock()
		for l := range a.links {
			if l.A == p || l.B == p {
				delete(a.links, l)
			}
		}
		a.mu.Unlock()
		a.pathsChanged()
		return
	}
	a.fabric.ForgetPort(p)
}
