// Package hostnet measures the provisioner on a namespace-host beside
// ip -batch making the same changes from one file, in the same run, and
// re-applying and reporting drift for 500 networks. It needs root; the
// tagged workload needs the kernel's 8021q, and runs in a guest on
// Debian's kernel where this one lacks it (guest.Kernel), its figures
// logged.
package hostnet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/hostnet/hostnettest/guest"
)

const count = 500

// tagged is 500 tagged, bridged networks on eth0.
func tagged() hostnet.Config {
	var c hostnet.Config
	for i := range count {
		c.Networks = append(c.Networks, hostnet.Network{Name: fmt.Sprintf("net%d", i), NIC: "eth0", VLAN: i + 1, Bridged: true})
	}
	return c
}

// hostOnly is 500 bridges without an uplink (MTU 1400): what any kernel
// lets us measure.
func hostOnly() hostnet.Config {
	var c hostnet.Config
	for i := range count {
		c.Networks = append(c.Networks, hostnet.Network{Name: fmt.Sprintf("net%d", i), Bridged: true, MTU: 1400})
	}
	return c
}

// batch writes the ip -batch files that make and unmake c.
func batch(b *testing.B, c hostnet.Config) (up, down string) {
	var mk, rm strings.Builder
	for _, n := range c.Networks {
		fmt.Fprintf(&mk, "link add %s mtu %d type bridge\n", n.Name, mtu(n))
		if n.VLAN != 0 {
			dev := n.VLANDevice()
			fmt.Fprintf(&mk, "link add link %s name %s mtu %d type vlan id %d\n", n.NIC, dev, mtu(n), n.VLAN)
			fmt.Fprintf(&mk, "link set %s master %s up\n", dev, n.Name)
			fmt.Fprintf(&rm, "link del %s\n", dev)
		}
		fmt.Fprintf(&mk, "link set %s up\n", n.Name)
		fmt.Fprintf(&rm, "link del %s\n", n.Name)
	}
	dir := b.TempDir()
	up, down = filepath.Join(dir, "up"), filepath.Join(dir, "down")
	os.WriteFile(up, []byte(mk.String()), 0o644)
	os.WriteFile(down, []byte(rm.String()), 0o644)
	return up, down
}

func mtu(n hostnet.Network) int {
	if n.MTU == 0 {
		return hostnet.DefaultMTU
	}
	return n.MTU
}

func provision(b *testing.B, c hostnet.Config) {
	h := hostnettest.NewHost(b, "eth0")
	up, down := batch(b, c)
	b.Run("netslice", func(b *testing.B) {
		p := hostnet.NewProvisioner(h.Driver)
		ctx := context.Background()
		for b.Loop() {
			if _, err := p.Apply(ctx, c); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Apply(ctx, hostnet.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ip-batch", func(b *testing.B) {
		for b.Loop() {
			for _, f := range []string{up, down} {
				if out, err := exec.Command("ip", "-n", h.Name, "-batch", f).CombinedOutput(); err != nil {
					b.Fatalf("ip -batch: %v: %s", err, out)
				}
			}
		}
	})
}

// BenchmarkProvisionTagged: 500 tagged, bridged networks on one NIC, made
// and removed.
func BenchmarkProvisionTagged(b *testing.B) {
	hostnettest.Require(b)
	if guest.Kernel(b, "8021q") {
		return
	}
	provision(b, tagged())
}

// BenchmarkProvisionHostOnly: 500 bridges without uplinks, made and
// removed.
func BenchmarkProvisionHostOnly(b *testing.B) {
	hostnettest.Require(b)
	provision(b, hostOnly())
}

func applied(b *testing.B) (*hostnet.Provisioner, hostnet.Config) {
	h := hostnettest.NewHost(b, "eth0")
	c := hostOnly()
	if hostnettest.Has("vlan") {
		c = tagged()
	}
	p := hostnet.NewProvisioner(h.Driver)
	if _, err := p.Apply(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	return p, c
}

// BenchmarkReapply: applying an unchanged configuration of 500 networks
// (nothing to do but to find that out).
func BenchmarkReapply(b *testing.B) {
	hostnettest.Require(b)
	p, c := applied(b)
	for b.Loop() {
		n, err := p.Apply(context.Background(), c)
		if err != nil || n != 0 {
			b.Fatalf("%d changes, %v", n, err)
		}
	}
}

// BenchmarkDrift: the drift report of 500 networks.
func BenchmarkDrift(b *testing.B) {
	hostnettest.Require(b)
	p, _ := applied(b)
	for b.Loop() {
		st, err := p.Report()
		if err != nil || len(st) != count {
			b.Fatal(err)
		}
	}
}
