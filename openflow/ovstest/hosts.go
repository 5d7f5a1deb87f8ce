package ovstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Host is a network namespace the test made, joined to a bridge port by a
// veth pair: a machine that can send real traffic through the switch.
type Host struct {
	NS   string // namespace name
	Dev  string // the interface in the namespace that has the address
	Link string // the veth end in the namespace (Dev, or what Dev's VLAN sits on)
	Port string // the veth end on the bridge
}

// HostConfig describes a host.
type HostConfig struct {
	Bridge string
	OFPort int    // the OpenFlow port number of its bridge port
	MAC    string // of the host's interface
	Addr   string // CIDR, e.g. "10.99.0.1/24"; "" for none (DHCP)
	VLAN   int    // tag the host's frames with this VLAN id; 0 sends them untagged
}

// uniq returns a short random suffix for names that must not collide with
// anything on the machine (interface names have at most 15 bytes).
func uniq() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// veth makes a veth pair whose ends send nothing of their own: no IPv6
// link-local chatter (neighbour and router solicitations, MLD reports)
// from the ends that stay in the host's namespace, where it is on.
func veth(a, b string) error {
	if err := ip("link", "add", a, "type", "veth", "peer", "name", b); err != nil {
		return err
	}
	for _, dev := range []string{a, b} {
		os.WriteFile("/proc/sys/net/ipv6/conf/"+dev+"/disable_ipv6", []byte("1"), 0)
	}
	return nil
}

// AddHost makes a namespace with a veth pair, puts one end in the
// namespace with the MAC, address and VLAN of cfg and the other on the
// bridge, and removes all of it when the test ends. It needs StartWith
// with System.
func (s *Switch) AddHost(tb testing.TB, cfg HostConfig) *Host {
	tb.Helper()
	cfg.Bridge = s.BridgeName(cfg.Bridge)
	id := uniq()
	h := &Host{NS: "nsl-" + id, Dev: "nsh" + id, Link: "nsh" + id, Port: "nsp" + id}
	tb.Cleanup(func() {
		s.Vsctl("--if-exists", "del-port", cfg.Bridge, h.Port)
		ip("netns", "del", h.NS)
		ip("link", "del", h.Port)
	})
	if err := ip("netns", "add", h.NS); err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	// No IPv6 chatter (router solicitations, DAD, MLD) to muddy what is
	// tested: off before any interface arrives, so every one inherits it.
	for _, conf := range []string{"all", "default"} {
		exec.Command("ip", "netns", "exec", h.NS, "sysctl", "-qw", "net.ipv6.conf."+conf+".disable_ipv6=1").Run()
	}
	if err := veth(h.Dev, h.Port); err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	steps := [][]string{
		{"link", "set", h.Dev, "netns", h.NS},
		{"-n", h.NS, "link", "set", h.Dev, "address", cfg.MAC},
		{"-n", h.NS, "link", "set", "lo", "up"},
		{"-n", h.NS, "link", "set", h.Dev, "up"},
		{"link", "set", h.Port, "up"},
	}
	for _, st := range steps {
		if err := ip(st...); err != nil {
			tb.Fatalf("ovstest: %v", err)
		}
	}
	port := h.Port
	if cfg.VLAN != 0 {
		vdev := fmt.Sprintf("%s.%d", h.Dev[:min(len(h.Dev), 9)], cfg.VLAN)
		err := ip("-n", h.NS, "link", "add", "link", h.Dev, "name", vdev, "type", "vlan", "id", fmt.Sprint(cfg.VLAN))
		if err == nil {
			for _, st := range [][]string{
				{"-n", h.NS, "link", "set", vdev, "address", cfg.MAC},
				{"-n", h.NS, "link", "set", vdev, "up"},
			} {
				if err := ip(st...); err != nil {
					tb.Fatalf("ovstest: %v", err)
				}
			}
			h.Dev = vdev
		} else {
			// A kernel without 802.1Q: let Open vSwitch tag instead. The
			// host sits on an access port of a helper bridge whose trunk
			// leads to the bridge under test, so frames arrive tagged.
			port = s.tagger(tb, id, h.Port, cfg.VLAN)
			h.Port = port
		}
	}
	if cfg.Addr != "" {
		if err := ip("-n", h.NS, "addr", "add", cfg.Addr, "dev", h.Dev); err != nil {
			tb.Fatalf("ovstest: %v", err)
		}
	}
	if out, err := s.Vsctl("add-port", cfg.Bridge, port, "--", "set", "interface", port,
		fmt.Sprintf("ofport_request=%d", cfg.OFPort)); err != nil {
		tb.Fatalf("ovstest: add port %s: %v: %s", port, err, out)
	}
	return h
}

// tagger puts hostPort on an access port (VLAN vlan) of a standalone
// helper bridge and returns the end of a trunk veth to attach where the
// host should appear.
func (s *Switch) tagger(tb testing.TB, id, hostPort string, vlan int) string {
	tb.Helper()
	br, trunk, out := "nsb"+id, "nsu"+id, "nst"+id
	tb.Cleanup(func() {
		s.Vsctl("--if-exists", "del-br", br)
		ip("link", "del", trunk)
	})
	if o, err := s.Vsctl("add-br", br, "--", "set", "bridge", br, "datapath_type="+s.dpType, "fail-mode=standalone"); err != nil {
		tb.Fatalf("ovstest: helper bridge: %v: %s", err, o)
	}
	if err := veth(trunk, out); err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	for _, st := range [][]string{{"link", "set", trunk, "up"}, {"link", "set", out, "up"}} {
		if err := ip(st...); err != nil {
			tb.Fatalf("ovstest: %v", err)
		}
	}
	if o, err := s.Vsctl("add-port", br, hostPort, "tag="+fmt.Sprint(vlan), "--", "add-port", br, trunk); err != nil {
		tb.Fatalf("ovstest: helper bridge ports: %v: %s", err, o)
	}
	return out
}

// Ping reports whether the host reaches addr, trying again until about
// timeoutSec seconds have passed (ping alone gives up at the first
// "Destination Host Unreachable", three seconds in).
func (h *Host) Ping(addr string, timeoutSec int) bool {
	deadline := time.Now().Add(time.Duration(timeoutSec) * time.Second)
	for {
		left := int(time.Until(deadline).Round(time.Second) / time.Second)
		err := exec.Command("ip", "netns", "exec", h.NS, "ping", "-q", "-c", "1", "-w", fmt.Sprint(max(left, 1)), addr).Run()
		if err == nil {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// LinkBridges joins port aPort of bridge a and bPort of bridge b with a
// veth pair: an inter-switch link. It needs StartWith with System.
func (s *Switch) LinkBridges(tb testing.TB, a string, aPort int, b string, bPort int) {
	tb.Helper()
	id := uniq()
	ea, eb := "nsla"+id, "nslb"+id
	tb.Cleanup(func() { ip("link", "del", ea) })
	if err := veth(ea, eb); err != nil {
		tb.Fatalf("ovstest: %v", err)
	}
	for _, st := range [][]string{{"link", "set", ea, "up"}, {"link", "set", eb, "up"}} {
		if err := ip(st...); err != nil {
			tb.Fatalf("ovstest: %v", err)
		}
	}
	for _, p := range []struct {
		br, dev string
		no      int
	}{{s.BridgeName(a), ea, aPort}, {s.BridgeName(b), eb, bPort}} {
		if out, err := s.Vsctl("add-port", p.br, p.dev, "--", "set", "interface", p.dev, fmt.Sprintf("ofport_request=%d", p.no)); err != nil {
			tb.Fatalf("ovstest: add port %s: %v: %s", p.dev, err, out)
		}
	}
}
