// Package hostnettest is for testing code that uses hostnet: Fake, a
// Driver in memory that behaves as the kernel does; Run, the conformance
// suite every Driver passes (the fake and the netlink driver both); and
// hosts made of network namespaces (NewHost): each with the "NICs" a
// test asks for (veth ends), veth pairs between hosts, and everything
// removed when the test ends. Namespace hosts need Linux, root and
// iproute2; without them the test is skipped with a message saying so.
// Nothing here touches the machine's own interfaces.
package hostnettest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netslice/netslice/hostnet"
)

// Host is a network namespace standing for a host.
type Host struct {
	// Name is the namespace's name (ip netns).
	Name   string
	Driver hostnet.Driver
}

// Require skips the test unless it runs on Linux, as root, with ip(8).
func Require(tb testing.TB) {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("network namespaces are Linux's; this is " + runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		tb.Skip("needs root: network namespaces are made for hosts (run the tests as root, e.g. make test)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("needs ip(8): apt-get install iproute2")
	}
}

// NewHost creates a namespace with the NICs named (veth ends), up, and
// opens a driver on it; all go when the test ends.
func NewHost(tb testing.TB, nics ...string) *Host {
	tb.Helper()
	Require(tb)
	var b [4]byte
	rand.Read(b[:])
	name := "nst-" + hex.EncodeToString(b[:])
	run(tb, "ip", "netns", "add", name)
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	run(tb, "ip", "-n", name, "link", "set", "lo", "up")
	if len(nics) > 0 {
		// NICs are veth ends whose peers wait in a namespace of their own
		// (the "wire"): veth is in every kernel, dummy is not.
		wire := name + "-w"
		run(tb, "ip", "netns", "add", wire)
		tb.Cleanup(func() { exec.Command("ip", "netns", "del", wire).Run() })
		for i, n := range nics {
			peer := "p" + strconv.Itoa(i)
			run(tb, "ip", "-n", name, "link", "add", n, "type", "veth", "peer", "name", peer, "netns", wire)
			run(tb, "ip", "-n", name, "link", "set", n, "up")
			run(tb, "ip", "-n", wire, "link", "set", peer, "up")
		}
	}
	d, err := hostnet.OpenNamed(name)
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	tb.Cleanup(func() { d.Close() })
	return &Host{Name: name, Driver: d}
}

// Veth connects two hosts with a veth pair: name on h, peerName on peer,
// both up.
func (h *Host) Veth(tb testing.TB, name string, peer *Host, peerName string) {
	tb.Helper()
	// Made in h's namespace under temporary names, so the machine's own
	// namespace never holds them.
	var b [3]byte
	rand.Read(b[:])
	ta, tb2 := "nsta"+hex.EncodeToString(b[:]), "nstb"+hex.EncodeToString(b[:])
	run(tb, "ip", "-n", h.Name, "link", "add", ta, "type", "veth", "peer", "name", tb2, "netns", peer.Name)
	run(tb, "ip", "-n", h.Name, "link", "set", ta, "name", name)
	run(tb, "ip", "-n", peer.Name, "link", "set", tb2, "name", peerName)
	run(tb, "ip", "-n", h.Name, "link", "set", name, "up")
	run(tb, "ip", "-n", peer.Name, "link", "set", peerName, "up")
}

// IP runs ip(8) in the host's namespace ("-d", "-j", "link") and returns
// its output.
func (h *Host) IP(tb testing.TB, args ...string) string {
	tb.Helper()
	return run(tb, "ip", append([]string{"-n", h.Name}, args...)...)
}

// IPLink is one link as `ip -d -j link` reports it: what tests check
// with a tool the code under test is not.
type IPLink struct {
	Name      string   `json:"ifname"`
	MTU       int      `json:"mtu"`
	Master    string   `json:"master"`
	Flags     []string `json:"flags"`
	OperState string   `json:"operstate"`
	Link      string   `json:"link"`
	Info      struct {
		Kind string `json:"info_kind"`
		Data struct {
			ID   int    `json:"id"`
			Mode string `json:"mode"`
		} `json:"info_data"`
	} `json:"linkinfo"`
}

// Up reports whether the link is administratively up.
func (l IPLink) Up() bool {
	for _, f := range l.Flags {
		if f == "UP" {
			return true
		}
	}
	return false
}

// Links returns `ip -d -j link` of the host by name.
func (h *Host) Links(tb testing.TB) map[string]IPLink {
	tb.Helper()
	var ls []IPLink
	if err := json.Unmarshal([]byte(h.IP(tb, "-d", "-j", "link")), &ls); err != nil {
		tb.Fatalf("ip -d -j link: %v", err)
	}
	out := map[string]IPLink{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

// Exec runs a command in the host's namespace and returns its combined
// output and error.
func (h *Host) Exec(args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", h.Name}, args...)...).CombinedOutput()
	return string(out), err
}

var (
	probeOnce sync.Once
	probed    map[string]bool
)

// probe finds which link kinds the kernel can make, in a namespace of
// its own.
func probe() map[string]bool {
	probeOnce.Do(func() {
		probed = map[string]bool{}
		var b [4]byte
		rand.Read(b[:])
		ns := "nsp-" + hex.EncodeToString(b[:])
		if exec.Command("ip", "netns", "add", ns).Run() != nil {
			return
		}
		defer exec.Command("ip", "netns", "del", ns).Run()
		try := func(args ...string) bool {
			return exec.Command("ip", append([]string{"-n", ns, "link", "add"}, args...)...).Run() == nil
		}
		probed["veth"] = try("v0", "type", "veth", "peer", "name", "v1")
		probed["vlan"] = probed["veth"] && try("link", "v0", "name", "v0.5", "type", "vlan", "id", "5")
		probed["bond"] = try("b0", "type", "bond")
		probed["bridge"] = try("br0", "type", "bridge")
		probed["dummy"] = try("d0", "type", "dummy")
	})
	return probed
}

// RequireVLAN skips the test unless the kernel makes 802.1Q VLAN devices.
func RequireVLAN(tb testing.TB) {
	tb.Helper()
	Require(tb)
	if !probe()["vlan"] {
		tb.Skip("the kernel makes no 802.1Q VLAN devices: it needs the 8021q module (modprobe 8021q)")
	}
}

// RequireBond skips the test unless the kernel makes bonds.
func RequireBond(tb testing.TB) {
	tb.Helper()
	Require(tb)
	if !probe()["bond"] {
		tb.Skip("the kernel makes no bonds: it needs the bonding module (modprobe bonding)")
	}
}

// Has reports whether the kernel makes links of kind ("vlan", "bond",
// "dummy", "bridge", "veth").
func Has(kind string) bool { return probe()[kind] }

func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
