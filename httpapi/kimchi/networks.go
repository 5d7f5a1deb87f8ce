package kimchi

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/virt"
)

// DHCP is a network's DHCP range.
type DHCP struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Network is a virtual network as Kimchi shows it.
type Network struct {
	Name       string   `json:"name"`
	Connection string   `json:"connection"` // isolated, nat, bridge, macvtap
	Interface  string   `json:"interface"`  // bridge or macvtap: the host's
	Interfaces []string `json:"interfaces"`
	VLANID     int      `json:"vlan_id,omitempty"`
	Subnet     string   `json:"subnet"`
	DHCP       DHCP     `json:"dhcp"`
	State      string   `json:"state"` // active, inactive
	Autostart  bool     `json:"autostart"`
	InUse      bool     `json:"in_use"`
	VMs        []string `json:"vms"`
	Persistent bool     `json:"persistent"`
}

// NetworkRequest is POST /networks.
type NetworkRequest struct {
	Name       string   `json:"name" code:"KCHNET0011E"`
	Connection string   `json:"connection" code:"KCHNET0012E"`
	Subnet     string   `json:"subnet" code:"KCHNET0013E"`
	Interface  string   `json:"interface" code:"KCHNET0014E"`
	Interfaces []string `json:"interfaces" code:"KCHNET0014E"` // newer clients send a list of one
	VLANID     int      `json:"vlan_id" code:"KCHNET0015E"`
}

func netNotFound(name string) error {
	return notFound("KCHNET0002E", "Network %s does not exist", name)
}

func (s *Service) networkView(n virt.Network, users map[string][]string, templates []string) Network {
	out := Network{Name: n.Name, Subnet: n.Subnet, DHCP: DHCP{Start: n.DHCPStart, End: n.DHCPEnd}, State: "inactive",
		Autostart: n.Autostart, Persistent: n.Persistent, VLANID: n.VLAN, VMs: users[n.Name], Interfaces: []string{}}
	if n.Active {
		out.State = "active"
	}
	switch n.Forward {
	case "":
		out.Connection = "isolated"
	case "nat", "route":
		out.Connection = "nat"
	case "bridge":
		out.Connection, out.Interface = "bridge", n.Bridge
		if n.Interface != "" {
			out.Connection, out.Interface = "macvtap", n.Interface
		}
	default:
		out.Connection = n.Forward
	}
	if out.Interface != "" {
		out.Interfaces = []string{out.Interface}
	}
	if out.VMs == nil {
		out.VMs = []string{}
	}
	out.InUse = len(out.VMs) > 0 || len(templates) > 0
	return out
}

// netUsers maps each network to the VMs with an interface on it.
func (s *Service) netUsers(ctx context.Context) (map[string][]string, error) {
	sum, err := s.drv.Domains(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHNET0008E", "", "Unable to list virtual machines.")
	}
	all := map[string][]string{}
	for _, d := range sum {
		dom, err := s.drv.Domain(ctx, d.Name)
		if err != nil {
			continue
		}
		for _, i := range dom.Interfaces {
			if i.Type == "network" && !slices.Contains(all[i.Network], d.Name) {
				all[i.Network] = append(all[i.Network], d.Name)
			}
		}
	}
	return all, nil
}

// Networks lists the virtual networks.
func (s *Service) Networks(ctx context.Context) ([]Network, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	nets, err := drv.Networks(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHNET0008E", "", "Unable to list networks.")
	}
	users, err := s.netUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Network, 0, len(nets))
	for _, n := range nets {
		tmpls, err := s.templatesUsing(ctx, n.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, s.networkView(n, users, tmpls))
	}
	return out, nil
}

// Network returns one network.
func (s *Service) Network(ctx context.Context, name string) (Network, error) {
	drv, err := s.driver()
	if err != nil {
		return Network{}, err
	}
	n, err := drv.Network(ctx, name)
	if errors.Is(err, virt.ErrNotFound) {
		return Network{}, netNotFound(name)
	}
	if err != nil {
		return Network{}, fromVirt(err, "KCHNET0008E", "KCHNET0002E", "Unable to read network %s.", name)
	}
	users, err := s.netUsers(ctx)
	if err != nil {
		return Network{}, err
	}
	tmpls, err := s.templatesUsing(ctx, name)
	if err != nil {
		return Network{}, err
	}
	return s.networkView(n, users, tmpls), nil
}

// CreateNetwork defines a persistent network, inactive until activated.
// Isolated and NAT networks get the subnet asked for or the first free
// 192.168.X.0/24, the host at .1 and DHCP over the upper half; a bridge
// network joins a host bridge, a macvtap network a host NIC or bond.
func (s *Service) CreateNetwork(ctx context.Context, req NetworkRequest) (_ Network, err error) {
	var undoBridge func() // a host bridge made for the network
	defer func() {
		if err != nil && undoBridge != nil { // the network was not made
			undoBridge()
		}
	}()
	drv, err := s.driver()
	if err != nil {
		return Network{}, err
	}
	if req.Name == "" || req.Connection == "" {
		return Network{}, invalid("KCHNET0016E", "Specify name and type to create a Network")
	}
	if !validName(req.Name) {
		return Network{}, invalid("KCHNET0011E", "Network name must be a string without slashes (/) or quotes (\")")
	}
	iface := req.Interface
	if len(req.Interfaces) > 1 || len(req.Interfaces) == 1 && iface != "" && iface != req.Interfaces[0] {
		return Network{}, invalid("KCHNET0030E", "Only one interface is allowed for 'bridge' and 'macvtap' networks.")
	}
	if len(req.Interfaces) == 1 {
		iface = req.Interfaces[0]
	}
	spec := virt.Network{Name: req.Name}
	switch req.Connection {
	case "isolated", "nat":
		if iface != "" || req.VLANID != 0 {
			return Network{}, invalid("KCHNET0032E", "VLAN ID and interfaces are not valid parameters for this type of virtual network.")
		}
		if req.Connection == "nat" {
			spec.Forward = "nat"
		}
		if err := s.subnet(ctx, &spec, req.Subnet); err != nil {
			return Network{}, err
		}
	case "bridge", "macvtap":
		if req.Subnet != "" {
			return Network{}, invalid("KCHNET0031E", "Subnet is not a valid parameter for this type of virtual network.")
		}
		if iface == "" {
			return Network{}, invalid("KCHNET0004E", "Specify a network interface to create bridged or macvtap networks.")
		}
		if req.VLANID != 0 && (req.VLANID < 1 || req.VLANID > 4094) {
			return Network{}, invalid("KCHNET0015E", "Network VLAN ID must be an integer between 1 and 4094")
		}
		kind, err := s.linkKind(iface)
		if err != nil {
			return Network{}, err
		}
		spec.Forward = "bridge"
		nicLike := ifaceTypes[kind] == "nic" || kind == hostnet.KindBond
		switch {
		case req.Connection == "bridge" && kind == hostnet.KindBridge:
			if req.VLANID != 0 {
				return Network{}, invalid("KCHNET0019E", "Bridge device %s can not be the trunk device of a VLAN.", iface)
			}
			spec.Bridge = iface
		case req.Connection == "bridge" && nicLike && req.VLANID != 0:
			// As Kimchi: a VLAN device on the NIC, in a bridge of its own.
			br, undo, verr := s.vlanBridge(iface, req.VLANID)
			if verr != nil {
				return Network{}, verr
			}
			spec.Bridge, undoBridge = br, undo
		case req.Connection == "bridge" && nicLike:
			spec.Interface = iface // as Kimchi: on a bare NIC, macvtap
		case req.Connection == "bridge":
			return Network{}, invalid("KCHNET0007E", "Interface should be bare NIC, bonding or bridge device.")
		case nicLike || kind == hostnet.KindVLAN:
			spec.Interface, spec.VLAN = iface, req.VLANID
		default:
			return Network{}, invalid("KCHNET0028E", "Interface should be bare NIC or bonding.")
		}
	default:
		return Network{}, invalid("KCHNET0012E", "Supported network types are isolated, nat, bridge and macvtap.")
	}
	if _, err := drv.DefineNetwork(ctx, spec); errors.Is(err, virt.ErrExists) {
		return Network{}, invalid("KCHNET0001E", "Network %s already exists", req.Name)
	} else if err != nil {
		return Network{}, fromVirt(err, "KCHNET0008E", "", "Unable to create or update network %s.", req.Name)
	}
	return s.Network(ctx, req.Name)
}

// linkKind is what the host says an interface is.
func (s *Service) linkKind(name string) (hostnet.Kind, error) {
	if s.opts.Links == nil {
		return "", invalid("KCHIFACE0001E", "Interface %s does not exist: this server offers no host interfaces", name)
	}
	links, err := s.opts.Links()
	if err != nil {
		return "", err
	}
	for _, l := range links {
		if l.Name == name {
			return l.Kind, nil
		}
	}
	return "", invalid("KCHIFACE0001E", "Interface %s does not exist", name)
}

// subnet fills a network's addresses from the subnet asked for, or the
// first free 192.168.X.0/24.
func (s *Service) subnet(ctx context.Context, spec *virt.Network, asked string) error {
	nets, err := s.drv.Networks(ctx)
	if err != nil {
		return fromVirt(err, "KCHNET0008E", "", "Unable to list networks.")
	}
	var used []netip.Prefix
	for _, n := range nets {
		if p, err := netip.ParsePrefix(n.Subnet); err == nil {
			used = append(used, p.Masked())
		}
	}
	if s.opts.Links != nil {
		if links, err := s.opts.Links(); err == nil {
			for _, l := range links {
				for _, a := range l.Addrs {
					used = append(used, a.Masked())
				}
			}
		}
	}
	overlaps := func(p netip.Prefix) bool {
		return slices.ContainsFunc(used, func(u netip.Prefix) bool { return u.Overlaps(p) })
	}
	var p netip.Prefix
	if asked != "" {
		p, err = parseSubnet(asked)
		if err != nil || !p.Addr().Is4() || p.Bits() > 28 || p.Bits() < 8 {
			return invalid("KCHNET0003E", "Subnet %s specified for network %s is not valid.", asked, spec.Name)
		}
		p = p.Masked()
		if overlaps(p) {
			return invalid("KCHNET0003E", "Subnet %s specified for network %s is not valid: it overlaps a subnet in use.", asked, spec.Name)
		}
	} else {
		for x := 100; x < 256; x++ {
			c := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(x), 0}), 24)
			if !overlaps(c) {
				p = c
				break
			}
		}
		if !p.IsValid() {
			return invalid("KCHNET0009E", "Unable to find a free IP address for network '%s'", spec.Name)
		}
	}
	base := p.Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint32(1) << (32 - p.Bits())
	addr := func(v uint32) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	spec.Subnet = netip.PrefixFrom(addr(n+1), p.Bits()).String()
	spec.DHCPStart, spec.DHCPEnd = addr(n+size/2+1).String(), addr(n+size-2).String()
	return nil
}

// parseSubnet reads "192.168.5.0/24" or "192.168.5.0/255.255.255.0".
func parseSubnet(s string) (netip.Prefix, error) {
	a, m, ok := strings.Cut(s, "/")
	if !ok || !strings.Contains(m, ".") {
		return netip.ParsePrefix(s)
	}
	addr, err1 := netip.ParseAddr(a)
	mask, err2 := netip.ParseAddr(m)
	if err1 != nil || err2 != nil || !mask.Is4() {
		return netip.Prefix{}, errors.New("bad subnet")
	}
	ones, bits := net.IPMask(mask.AsSlice()).Size()
	if bits == 0 {
		return netip.Prefix{}, errors.New("mask is not contiguous")
	}
	return netip.PrefixFrom(addr, ones), nil
}

// NetworkAction activates or deactivates a network; deactivating one
// running VMs use is refused.
func (s *Service) NetworkAction(ctx context.Context, name, action string) error {
	n, err := s.Network(ctx, name)
	if err != nil {
		return err
	}
	switch action {
	case "activate":
		if n.State == "active" {
			return nil
		}
		if err := s.drv.StartNetwork(ctx, name); err != nil {
			return fromVirt(err, "KCHNET0022E", "KCHNET0002E", "Failed to start network %s.", name)
		}
	case "deactivate":
		if n.State != "active" {
			return nil
		}
		// As Kimchi: not while any VM, running or not, or any template
		// uses it.
		if n.InUse {
			return invalid("KCHNET0018E", "Unable to deactivate network %s. There are some virtual machines %s and/or templates linked to this network.", name, strings.Join(n.VMs, ", "))
		}
		if err := s.drv.StopNetwork(ctx, name); err != nil {
			return fromVirt(err, "KCHNET0008E", "KCHNET0002E", "Unable to deactivate network %s.", name)
		}
	default:
		return errNoRoute
	}
	s.netsChanged([]string{name})
	return nil
}

// DeleteNetwork undefines an inactive network no VM or template uses.
func (s *Service) DeleteNetwork(ctx context.Context, name string) error {
	n, err := s.Network(ctx, name)
	if err != nil {
		return err
	}
	if n.State == "active" {
		return invalid("KCHNET0005E", "Unable to delete or update active network %s", name)
	}
	if n.InUse {
		tmpls, _ := s.templatesUsing(ctx, name)
		return invalid("KCHNET0017E", "Unable to delete or update network %s. There are some virtual machines %s and/or templates %s linked to this network.",
			name, strings.Join(n.VMs, ", "), strings.Join(tmpls, ", "))
	}
	if err := s.drv.UndefineNetwork(ctx, name); err != nil {
		return fromVirt(err, "KCHNET0008E", "KCHNET0002E", "Unable to delete network %s.", name)
	}
	if n.Connection == "bridge" {
		s.removeVLANBridge(n.Interface)
	}
	s.netsChanged([]string{name})
	return nil
}

// vlanBridgePrefix names the bridges vlanBridge makes.
const vlanBridgePrefix = "kimchi-"

// vlanBridge makes, on the host, a VLAN device for id on nic and a bridge
// holding it, as Kimchi makes them for a bridge network with a vlan_id;
// it returns the bridge and how to take both away again.
func (s *Service) vlanBridge(nic string, id int) (string, func(), error) {
	h := s.opts.HostBridges
	if h == nil {
		return "", nil, invalid("KCHNET0010E", "Unable to create VLAN tagged bridge using interface %s. Details: this server does not change the host's interfaces unless the program running it allows it", nic)
	}
	br := fmt.Sprintf("%s%s-%d", vlanBridgePrefix, nic, id)
	vlan := fmt.Sprintf("%s.%d", nic, id)
	if len(br) > 15 || len(vlan) > 15 { // IFNAMSIZ
		sum := crc32.ChecksumIEEE([]byte(fmt.Sprintf("%s/%d", nic, id)))
		br, vlan = fmt.Sprintf("%s%08x", vlanBridgePrefix, sum), fmt.Sprintf("kv%08x", sum)
	}
	if _, err := h.Link(br); err == nil {
		return "", nil, invalid("KCHNET0006E", "Interface %s specified for network %s is already in use", nic, br)
	}
	if err := h.CreateBridge(br, hostnet.LinkOptions{Up: true}); err != nil {
		return "", nil, invalid("KCHNET0010E", "Unable to create VLAN tagged bridge using interface %s. Details: %v", nic, err)
	}
	if err := h.CreateVLAN(vlan, nic, id, hostnet.LinkOptions{Up: true, Master: br}); err != nil {
		h.Delete(br)
		return "", nil, invalid("KCHNET0010E", "Unable to create VLAN tagged bridge using interface %s. Details: %v", nic, err)
	}
	return br, func() { h.Delete(vlan); h.Delete(br) }, nil
}

// removeVLANBridge takes away a bridge vlanBridge made, with the VLAN
// devices in it; any other bridge stays.
func (s *Service) removeVLANBridge(br string) {
	h := s.opts.HostBridges
	if h == nil || !strings.HasPrefix(br, vlanBridgePrefix) {
		return
	}
	links, err := h.Links()
	if err != nil {
		return
	}
	for _, l := range links {
		if l.Master == br && l.Kind == hostnet.KindVLAN {
			if err := h.Delete(l.Name); err != nil {
				s.log().Warn("kimchi: a VLAN device of a removed network stays", "link", l.Name, "err", err)
			}
		}
	}
	if err := h.Delete(br); err != nil {
		s.log().Warn("kimchi: the bridge of a removed network stays", "bridge", br, "err", err)
	}
}

// HostInterface is one of the host's network interfaces.
type HostInterface struct {
	Name    string `json:"name"`
	Type    string `json:"type"`   // nic, vlan, bonding, bridge
	Status  string `json:"status"` // active, inactive
	IPAddr  string `json:"ipaddr"`
	Netmask string `json:"netmask"`
	MAC     string `json:"mac"`
}

// ifaceTypes are Kimchi's names of the link kinds it lists. A veth or
// dummy link stands for a NIC, as in the oVirt API: on a host made of a
// network namespace it is one.
var ifaceTypes = map[hostnet.Kind]string{hostnet.KindNIC: "nic", hostnet.KindVeth: "nic", hostnet.KindDummy: "nic",
	hostnet.KindVLAN: "vlan", hostnet.KindBond: "bonding", hostnet.KindBridge: "bridge"}

// Interfaces lists the host's NICs, VLANs, bonds and bridges.
func (s *Service) Interfaces(ctx context.Context) ([]HostInterface, error) {
	out := []HostInterface{}
	if s.opts.Links == nil {
		return out, nil
	}
	links, err := s.opts.Links()
	if err != nil {
		return nil, kerr(nil, "KCHIFACE0001E", "Unable to list host interfaces: %v", err)
	}
	for _, l := range links {
		typ := ifaceTypes[l.Kind]
		if typ == "" || l.Name == "lo" {
			continue
		}
		hi := HostInterface{Name: l.Name, Type: typ, Status: "inactive", MAC: l.MAC}
		if l.Up && l.Oper != "down" {
			hi.Status = "active"
		}
		for _, a := range l.Addrs {
			if a.Addr().Is4() {
				hi.IPAddr = a.Addr().String()
				hi.Netmask = net.IP(net.CIDRMask(a.Bits(), 32)).String()
				break
			}
		}
		out = append(out, hi)
	}
	slices.SortFunc(out, func(a, b HostInterface) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Interface returns one host interface.
func (s *Service) Interface(ctx context.Context, name string) (HostInterface, error) {
	all, err := s.Interfaces(ctx)
	if err != nil {
		return HostInterface{}, err
	}
	for _, i := range all {
		if i.Name == name {
			return i, nil
		}
	}
	return HostInterface{}, notFound("KCHIFACE0001E", "Interface %s does not exist", name)
}
