package ovirt

import (
	"net/netip"
	"strconv"

	"github.com/netslice/netslice/hostnet"
)

// hrefs builds the links of one request: the mount point first.
type hrefs struct{ base string }

func (h hrefs) host(id string) string       { return h.base + "/hosts/" + id }
func (h hrefs) nic(host, nic string) string { return h.host(host) + "/nics/" + nic }
func (h hrefs) network(id string) string    { return h.base + "/networks/" + id }
func (h hrefs) attachment(host, id string) string {
	return h.host(host) + "/networkattachments/" + id
}
func (h hrefs) connection(host, id string) string {
	return h.host(host) + "/networkconnections/" + id
}

func link(rel, href string) *node { return (&node{name: "link"}).attr("href", href).attr("rel", rel) }

func ref(name, id, href string) *node { return (&node{name: name}).attr("href", href).attr("id", id) }

func renderHost(u hrefs, h Host) *node {
	href := u.host(h.ID)
	n := (&node{name: "host"}).attr("href", href).attr("id", h.ID)
	n.add(leaf("name", h.Name), leaf("status", hostStatus(h)))
	if h.State.ReadOnly {
		n.add(leaf("comment", "read-only: this server reports the host and never changes it"))
	}
	n.add(el("actions", link("setupnetworks", href+"/setupnetworks"), link("commitnetconfig", href+"/commitnetconfig")))
	n.add(link("nics", href+"/nics"), link("networkattachments", href+"/networkattachments"),
		link("networkconnections", href+"/networkconnections"))
	return n
}

// hostStatus is a host's status as oVirt words it.
func hostStatus(h Host) string {
	if h.Up {
		return "up"
	}
	return "non_responsive"
}

func renderNIC(u hrefs, h Host, nc NIC) *node {
	href := u.nic(h.ID, nc.ID)
	l := nc.Link
	status := "down"
	if l.Up && (l.Oper == "up" || l.Oper == "unknown") {
		status = "up"
	}
	n := (&node{name: "host_nic"}).attr("href", href).attr("id", nc.ID)
	n.add(leaf("name", l.Name), el("mac", leaf("address", l.MAC)), leaf("mtu", strconv.Itoa(l.MTU)), leaf("status", status))
	if l.Speed > 0 {
		n.add(leaf("speed", strconv.FormatInt(int64(l.Speed)*1000000, 10)))
	}
	for _, a := range l.Addrs {
		if a.Addr().Is4() {
			n.add(renderIP(a))
			break
		}
	}
	if l.Bond != nil {
		opts := el("options")
		opts.add(el("option", leaf("name", "mode"), leaf("value", bondModeNumber(l.Bond.Mode))))
		for k, v := range l.Bond.Options {
			opts.add(el("option", leaf("name", k), leaf("value", v)))
		}
		// A dump of the links says a bond's slaves on the slaves only.
		slaves := &node{name: "slaves", list: true}
		for _, s := range h.State.Links {
			if s.Master == l.Name {
				slaves.add(ref("host_nic", stableID("nic", h.Name, s.Name), u.nic(h.ID, stableID("nic", h.Name, s.Name))).add(leaf("name", s.Name)))
			}
		}
		n.add(el("bonding", opts, slaves))
	}
	n.add(ref("host", h.ID, u.host(h.ID)))
	n.add(link("statistics", href+"/statistics"), link("networks", href+"/networks"), link("networkattachments", href+"/networkattachments"))
	return n
}

// bondModeNumber writes a bond mode as oVirt's options do ("4").
func bondModeNumber(mode string) string {
	for i, m := range []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"} {
		if m == mode {
			return strconv.Itoa(i)
		}
	}
	return mode
}

func renderIP(p netip.Prefix) *node {
	version := "v4"
	mask := strconv.Itoa(p.Bits())
	if p.Addr().Is4() {
		m := netip.PrefixFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), p.Bits()).Masked().Addr()
		mask = m.String()
	} else {
		version = "v6"
	}
	return el("ip", leaf("address", p.Addr().String()), leaf("netmask", mask), leaf("version", version))
}

func renderNetwork(u hrefs, n Network, href string) *node {
	if href == "" {
		href = u.network(n.ID)
	}
	out := (&node{name: "network"}).attr("href", href).attr("id", n.ID)
	out.add(leaf("name", n.Name), leaf("description", n.Description))
	if n.VLAN != 0 {
		out.add((&node{name: "vlan"}).attr("id", strconv.Itoa(n.VLAN)))
	}
	mtu := n.MTU
	out.add(leaf("mtu", strconv.Itoa(mtu)))
	usages := &node{name: "usages", list: true}
	for _, us := range n.Usages {
		usages.add(leaf("usage", us))
	}
	out.add(usages, leaf("required", strconv.FormatBool(n.Required)))
	return out
}

func renderAttachment(u hrefs, h Host, a Attachment) *node {
	n := (&node{name: "network_attachment"}).attr("href", u.attachment(h.ID, a.ID)).attr("id", a.ID)
	n.add(ref("network", a.Network.ID, u.network(a.Network.ID)))
	if a.NIC != "" {
		id := stableID("nic", h.Name, a.NIC)
		n.add(ref("host_nic", id, u.nic(h.ID, id)).add(leaf("name", a.NIC)))
	}
	n.add(leaf("in_sync", strconv.FormatBool(a.InSync)))
	n.add(renderReported(a))
	assign := &node{name: "ip_address_assignments", list: true}
	for _, p := range a.Addrs {
		assign.add(el("ip_address_assignment", leaf("assignment_method", "static"), renderIP(p)))
	}
	n.add(assign)
	n.add(ref("host", h.ID, u.host(h.ID)))
	return n
}

// renderReported lists, per property, what the logical network asks and
// what the host has: oVirt's reported configurations.
func renderReported(a Attachment) *node {
	rc := &node{name: "reported_configurations", list: true}
	if a.External {
		return rc
	}
	rep := a.State.Reported
	item := func(name, expected, actual string) {
		rc.add(el("reported_configuration", leaf("name", name), leaf("expected_value", expected),
			leaf("actual_value", actual), leaf("in_sync", strconv.FormatBool(expected == actual))))
	}
	mtu := a.Network.MTU
	if mtu == 0 {
		mtu = hostnet.DefaultMTU
	}
	item("mtu", strconv.Itoa(mtu), strconv.Itoa(rep.MTU))
	item("bridged", strconv.FormatBool(a.Network.Bridged() || a.NIC == ""), strconv.FormatBool(rep.Bridged))
	item("vlan", strconv.Itoa(a.Network.VLAN), strconv.Itoa(rep.VLAN))
	return rc
}

func renderConnection(u hrefs, h Host, a Attachment) *node {
	href := u.connection(h.ID, a.ID)
	n := (&node{name: "networkconnection"}).attr("href", href).attr("id", a.ID)
	n.add(ref("network", a.Network.ID, u.network(a.Network.ID)).add(leaf("name", a.Network.Name)))
	if a.NIC != "" {
		id := stableID("nic", h.Name, a.NIC)
		n.add(ref("nic", id, u.nic(h.ID, id)).add(leaf("name", a.NIC)))
	}
	n.add(leaf("external", strconv.FormatBool(a.External)), leaf("in_sync", strconv.FormatBool(a.InSync)))
	n.add(ref("host", h.ID, u.host(h.ID)), link("statistics", href+"/statistics"))
	return n
}

func renderStatistics(parentName, parentID, parentHref, base string, stats []Statistic) *node {
	out := &node{name: "statistics", list: true}
	for _, st := range stats {
		id := stableID("statistic", parentID, st.Name)
		typ := "integer"
		datum := strconv.FormatFloat(st.Value, 'f', -1, 64)
		if st.Kind == "gauge" {
			typ = "decimal"
			datum = strconv.FormatFloat(st.Value, 'f', 2, 64)
		}
		s := (&node{name: "statistic"}).attr("href", base+"/"+id).attr("id", id)
		s.add(leaf("name", st.Name), leaf("description", st.Description), leaf("kind", st.Kind), leaf("type", typ),
			leaf("unit", st.Unit), el("values", (&node{name: "value"}).add(leaf("datum", datum))).setList())
		s.add(ref(parentName, parentID, parentHref))
		out.add(s)
	}
	return out
}

func (n *node) setList() *node {
	n.list = true
	return n
}
