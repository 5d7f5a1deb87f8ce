package hostnet

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strconv"
)

// Network is a logical network as a host carries it, the way oVirt hosts
// do: on NIC (a NIC or a bond), tagged with VLAN when it is not 0, through
// a bridge named after the network when Bridged, with MTU on every device
// it uses. A network without a NIC is a bridge without an uplink; an
// External one is recorded and never touched. The VLAN device is named
// "<nic>.<vlan>"; users never name it.
type Network struct {
	Name     string         `json:"name"`
	NIC      string         `json:"nic,omitempty"`
	VLAN     int            `json:"vlan,omitempty"`
	MTU      int            `json:"mtu,omitempty"` // 0: DefaultMTU
	Bridged  bool           `json:"bridged"`
	External bool           `json:"external,omitempty"`
	Addrs    []netip.Prefix `json:"addrs,omitempty"` // on the network's device
}

// Bond is a bond a host should have: its slaves, mode and options.
type Bond struct {
	Name    string            `json:"name"`
	Mode    string            `json:"mode"` // a name or number; "" balance-rr
	Options map[string]string `json:"options,omitempty"`
	Slaves  []string          `json:"slaves"`
}

// Config is a host's desired network configuration.
type Config struct {
	Networks []Network `json:"networks"`
	Bonds    []Bond    `json:"bonds"`
}

// Clone returns a copy of c that shares nothing with it.
func (c Config) Clone() Config {
	out := Config{Networks: slices.Clone(c.Networks), Bonds: slices.Clone(c.Bonds)}
	for i := range out.Networks {
		out.Networks[i].Addrs = slices.Clone(out.Networks[i].Addrs)
	}
	for i := range out.Bonds {
		out.Bonds[i].Options = maps.Clone(out.Bonds[i].Options)
		out.Bonds[i].Slaves = slices.Clone(out.Bonds[i].Slaves)
	}
	return out
}

// DefaultMTU is a network's MTU when it names none.
const DefaultMTU = 1500

func (n Network) mtu() int {
	if n.MTU == 0 {
		return DefaultMTU
	}
	return n.MTU
}

// bridged reports whether the network is a bridge: asked for, or NIC-less.
func (n Network) bridged() bool { return n.Bridged || n.NIC == "" }

// VLANDevice is the name of the network's VLAN device ("" untagged).
func (n Network) VLANDevice() string {
	if n.VLAN == 0 || n.NIC == "" {
		return ""
	}
	return n.NIC + "." + strconv.Itoa(n.VLAN)
}

// Device is the link the network is on: its bridge, else its VLAN device,
// else its NIC.
func (n Network) Device() string {
	switch {
	case n.bridged():
		return n.Name
	case n.VLAN != 0:
		return n.VLANDevice()
	}
	return n.NIC
}

// uplink is what a bridged network's bridge enslaves ("" none).
func (n Network) uplink() string {
	if n.NIC == "" {
		return ""
	}
	if n.VLAN != 0 {
		return n.VLANDevice()
	}
	return n.NIC
}

// Network returns the network named name.
func (c Config) Network(name string) (Network, bool) {
	for _, n := range c.Networks {
		if n.Name == name {
			return n, true
		}
	}
	return Network{}, false
}

// Bond returns the bond named name.
func (c Config) Bond(name string) (Bond, bool) {
	for _, b := range c.Bonds {
		if b.Name == name {
			return b, true
		}
	}
	return Bond{}, false
}

// ConfigError says what is wrong with a configuration; it wraps
// ErrInvalid.
type ConfigError struct {
	Network, Bond string
	Reason        string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Network != "":
		return "hostnet: network " + e.Network + ": " + e.Reason
	case e.Bond != "":
		return "hostnet: bond " + e.Bond + ": " + e.Reason
	}
	return "hostnet: " + e.Reason
}

// Unwrap returns ErrInvalid.
func (e *ConfigError) Unwrap() error { return ErrInvalid }

// Validate checks a configuration against the links a host has: names
// the kernel takes, NICs and bond slaves that exist (a bond may be named
// as a network's NIC), one untagged network per NIC, VLAN ids unique per
// NIC, MTUs in range, and no link named by two things.
func (c Config) Validate(links []Link) error {
	have := map[string]Link{}
	for _, l := range links {
		have[l.Name] = l
	}
	bonds := map[string]bool{}
	slaveOf := map[string]string{}
	for _, b := range c.Bonds {
		if err := ValidName(b.Name); err != nil {
			return &ConfigError{Bond: b.Name, Reason: err.Error()}
		}
		if bonds[b.Name] {
			return &ConfigError{Bond: b.Name, Reason: "named twice"}
		}
		bonds[b.Name] = true
		if l, ok := have[b.Name]; ok && l.Kind != KindBond {
			return &ConfigError{Bond: b.Name, Reason: fmt.Sprintf("a %s of that name exists", l.Kind)}
		}
		if b.Mode != "" {
			if _, err := BondMode(b.Mode); err != nil {
				return &ConfigError{Bond: b.Name, Reason: "unknown mode " + b.Mode}
			}
		}
		if len(b.Slaves) == 0 {
			return &ConfigError{Bond: b.Name, Reason: "a bond needs at least one slave"}
		}
		for _, s := range b.Slaves {
			l, ok := have[s]
			switch {
			case !ok:
				return &ConfigError{Bond: b.Name, Reason: "no NIC " + s}
			case l.Kind != KindNIC && l.Kind != KindDummy && l.Kind != KindVeth:
				return &ConfigError{Bond: b.Name, Reason: s + " is a " + string(l.Kind) + ", not a NIC"}
			case slaveOf[s] != "":
				return &ConfigError{Bond: b.Name, Reason: s + " is a slave of " + slaveOf[s] + " already"}
			}
			slaveOf[s] = b.Name
		}
	}
	names := map[string]bool{}
	untagged := map[string]string{}
	vlans := map[string]string{}
	for _, n := range c.Networks {
		if names[n.Name] {
			return &ConfigError{Network: n.Name, Reason: "named twice"}
		}
		names[n.Name] = true
		if n.External {
			continue
		}
		if err := ValidName(n.Name); err != nil {
			return &ConfigError{Network: n.Name, Reason: "the name must be a valid interface name (1 to 15 bytes, no '/', ':' or spaces)"}
		}
		if n.MTU != 0 && (n.MTU < 68 || n.MTU > 65535) {
			return &ConfigError{Network: n.Name, Reason: "MTU must be 68 to 65535"}
		}
		if n.VLAN < 0 || n.VLAN > 4094 {
			return &ConfigError{Network: n.Name, Reason: "VLAN must be 1 to 4094 (0: untagged)"}
		}
		if n.NIC == "" {
			if n.VLAN != 0 {
				return &ConfigError{Network: n.Name, Reason: "a network without a NIC cannot be tagged"}
			}
			if l, ok := have[n.Name]; ok && l.Kind != KindBridge {
				return &ConfigError{Network: n.Name, Reason: fmt.Sprintf("a %s named like the network exists", l.Kind)}
			}
			continue
		}
		if l, ok := have[n.NIC]; !ok && !bonds[n.NIC] {
			return &ConfigError{Network: n.Name, Reason: "no NIC " + n.NIC}
		} else if ok && !bonds[n.NIC] && l.Kind != KindNIC && l.Kind != KindDummy && l.Kind != KindVeth && l.Kind != KindBond {
			return &ConfigError{Network: n.Name, Reason: n.NIC + " is a " + string(l.Kind) + ", not a NIC or bond"}
		}
		if slaveOf[n.NIC] != "" {
			return &ConfigError{Network: n.Name, Reason: n.NIC + " is a slave of " + slaveOf[n.NIC]}
		}
		if n.VLAN == 0 {
			if other := untagged[n.NIC]; other != "" {
				return &ConfigError{Network: n.Name, Reason: n.NIC + " carries untagged network " + other + " already"}
			}
			untagged[n.NIC] = n.Name
		} else {
			key := n.NIC + "/" + strconv.Itoa(n.VLAN)
			if other := vlans[key]; other != "" {
				return &ConfigError{Network: n.Name, Reason: fmt.Sprintf("VLAN %d on %s is network %s's", n.VLAN, n.NIC, other)}
			}
			vlans[key] = n.Name
			if err := ValidName(n.VLANDevice()); err != nil {
				return &ConfigError{Network: n.Name, Reason: "VLAN device name " + n.VLANDevice() + " is too long"}
			}
		}
		if n.bridged() {
			if l, ok := have[n.Name]; ok && l.Kind != KindBridge {
				return &ConfigError{Network: n.Name, Reason: fmt.Sprintf("a %s named like the network exists", l.Kind)}
			}
		}
	}
	return nil
}

// NetworkState is how a network stands on a host.
type NetworkState struct {
	Name   string `json:"name"`
	InSync bool   `json:"in_sync"`
	// Differs names what is not as desired: "nic", "vlan", "bridged",
	// "mtu", "ip", "state" (down).
	Differs []string `json:"differs,omitempty"`
	// Reported is what the host has: the device's VLAN, MTU, whether it
	// is bridged, its addresses.
	Reported Reported `json:"reported"`
}

// Reported is a network's configuration as the host has it.
type Reported struct {
	VLAN    int            `json:"vlan"`
	MTU     int            `json:"mtu"`
	Bridged bool           `json:"bridged"`
	Addrs   []netip.Prefix `json:"addrs"`
}

// Drift compares each network of c with links (a host's, from Links) and
// says which are in sync and, of the others, what differs. External
// networks are always in sync.
func Drift(c Config, links []Link) []NetworkState {
	have := map[string]Link{}
	for _, l := range links {
		have[l.Name] = l
	}
	out := make([]NetworkState, 0, len(c.Networks))
	for _, n := range c.Networks {
		st := NetworkState{Name: n.Name, InSync: true, Reported: Reported{Addrs: []netip.Prefix{}}}
		differ := func(what string) {
			if !slices.Contains(st.Differs, what) {
				st.Differs = append(st.Differs, what)
			}
			st.InSync = false
		}
		if n.External {
			out = append(out, st)
			continue
		}
		if n.NIC != "" {
			if _, ok := have[n.NIC]; !ok {
				differ("nic")
			}
		}
		if dev := n.VLANDevice(); dev != "" {
			l, ok := have[dev]
			if !ok || l.VLAN == nil || l.VLAN.ID != n.VLAN || l.VLAN.Parent != n.NIC {
				differ("vlan")
			}
			if ok && l.VLAN != nil {
				st.Reported.VLAN = l.VLAN.ID
			}
			if ok && l.MTU != n.mtu() {
				differ("mtu")
			}
		}
		br, hasBridge := have[n.Name]
		hasBridge = hasBridge && br.Kind == KindBridge
		st.Reported.Bridged = hasBridge
		if n.bridged() {
			if !hasBridge || !br.Up {
				differ("bridged")
			} else if up := n.uplink(); up != "" && have[up].Master != n.Name {
				differ("bridged")
			}
		} else if hasBridge {
			differ("bridged")
		}
		dev, ok := have[n.Device()]
		if ok {
			st.Reported.MTU = dev.MTU
			st.Reported.Addrs = dev.Addrs
			if dev.MTU != n.mtu() {
				differ("mtu")
			}
			for _, a := range n.Addrs {
				if !slices.Contains(dev.Addrs, a) {
					differ("ip")
				}
			}
			if !dev.Up {
				differ("state")
			}
		}
		sort.Strings(st.Differs)
		out = append(out, st)
	}
	return out
}
