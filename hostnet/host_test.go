package hostnet_test

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/hostnet/hostnettest/guest"
)

// host is a host a test provisions: its driver, what it has as a view of
// its own (ip(8) for a namespace, the driver for a fake), and a way to
// change it behind the provisioner's back.
type host struct {
	hostnet.Driver
	view   func(t *testing.T) map[string]view
	behind hostnet.Driver // changes made by someone else
	kernel bool
}

// view is a link as the test checks it.
type view struct {
	Kind, Master string
	MTU, VLAN    int
	Up           bool
	Addrs        []netip.Prefix
}

// hosts runs f on a fake host and, as root, on a namespace host (the
// subtest "integration"), each
// with the NICs named. vlan and bond say what f needs of the kernel: a
// namespace host without it is skipped, saying why.
func hosts(t *testing.T, vlan, bond bool, nics []string, f func(t *testing.T, h host)) {
	t.Run("fake", func(t *testing.T) {
		d := hostnettest.NewFake("h", nics...)
		f(t, host{Driver: d, behind: d, view: func(t *testing.T) map[string]view { return driverView(t, d) }})
	})
	t.Run("integration", func(t *testing.T) {
		hostnettest.Require(t)
		var need []string
		if vlan {
			need = append(need, "8021q")
		}
		if bond {
			need = append(need, "bonding")
		}
		if guest.Kernel(t, need...) {
			return // it ran on a kernel that has them
		}
		h := hostnettest.NewHost(t, nics...)
		f(t, host{Driver: h.Driver, behind: h.Driver, kernel: true, view: func(t *testing.T) map[string]view { return ipView(t, h) }})
	})
}

func driverView(t *testing.T, d hostnet.Driver) map[string]view {
	ls, err := d.Links()
	require.NoError(t, err)
	out := map[string]view{}
	for _, l := range ls {
		v := view{Kind: string(l.Kind), Master: l.Master, MTU: l.MTU, Up: l.Up, Addrs: slices.Clone(l.Addrs)}
		if l.VLAN != nil {
			v.VLAN = l.VLAN.ID
		}
		switch l.Kind {
		case hostnet.KindNIC:
			v.Kind = "veth" // as the namespace hosts' NICs are
		case hostnet.KindOther:
			v.Kind = "" // lo: ip(8) gives it no kind
		}
		out[l.Name] = global(v)
	}
	return out
}

// ipView is what ip(8) says: a tool the code under test is not.
func ipView(t *testing.T, h *hostnettest.Host) map[string]view {
	out := map[string]view{}
	for name, l := range h.Links(t) {
		out[name] = view{Kind: l.Info.Kind, Master: l.Master, MTU: l.MTU, VLAN: l.Info.Data.ID, Up: l.Up()}
	}
	for _, line := range strings.Split(h.IP(t, "-br", "addr"), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		name := strings.Split(f[0], "@")[0]
		v := out[name]
		for _, a := range f[2:] {
			if p, err := netip.ParsePrefix(a); err == nil {
				v.Addrs = append(v.Addrs, p)
			}
		}
		out[name] = global(v)
	}
	return out
}

// global keeps the addresses a host is given, not those it makes itself
// (IPv6 link-local, loopback).
func global(v view) view {
	v.Addrs = slices.DeleteFunc(v.Addrs, func(p netip.Prefix) bool { return p.Addr().IsLinkLocalUnicast() || p.Addr().IsLoopback() })
	slices.SortFunc(v.Addrs, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	if len(v.Addrs) == 0 {
		v.Addrs = nil
	}
	return v
}

// snapshot is the view as comparable lines, without what the kernel
// renumbers: what "exactly as before" compares.
func snapshot(t *testing.T, h host) []string {
	var out []string
	for name, v := range h.view(t) {
		var as []string
		for _, a := range v.Addrs {
			as = append(as, a.String())
		}
		out = append(out, strings.Join([]string{name, v.Kind, v.Master, strconv.Itoa(v.MTU), strconv.Itoa(v.VLAN),
			strconv.FormatBool(v.Up), strings.Join(as, ",")}, "|"))
	}
	slices.Sort(out)
	return out
}
