package ovirt

// The hosts: their NICs, the networks attached to them (oVirt's network
// attachments and the seed's NIC networks and network connections), and
// setupnetworks.

import (
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/netslice/netslice/hostnet"
)

// Hosts.

// hostOf returns the host the path names.
func (h *Handler) hostOf(r *http.Request) (Host, error) {
	return h.svc.Host(r.Context(), r.PathValue("host"))
}

// nicOf returns the host and the NIC the path names.
func (h *Handler) nicOf(r *http.Request) (Host, NIC, error) {
	host, err := h.hostOf(r)
	if err != nil {
		return host, NIC{}, err
	}
	nc, err := host.NIC(r.PathValue("nic"))
	return host, nc, err
}

func (h *Handler) listHosts(w http.ResponseWriter, r *http.Request) error {
	q, err := searchOf(r, "name", "id", "status")
	if err != nil {
		return err
	}
	hs, err := h.svc.Hosts(r.Context())
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "hosts", list: true}
	for _, x := range hs {
		if q.full(len(out.children)) {
			break
		}
		if q.match(func(f string) string {
			switch f {
			case "name":
				return x.Name
			case "id":
				return x.ID
			}
			return hostStatus(x)
		}) {
			out.add(renderHost(u, x))
		}
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showHost(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	write(w, r, 200, renderHost(hrefsOf(r), host))
	return nil
}

func (h *Handler) setupNetworksAction(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	return h.setupNetworks(w, r, host)
}

func (h *Handler) commitNetConfig(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	if err := h.svc.CommitNetConfig(r.Context(), host.Name); err != nil {
		return err
	}
	write(w, r, 200, el("action", leaf("status", "complete")))
	return nil
}

// NICs.

func (h *Handler) listNICs(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	q, err := searchOf(r, "name", "id")
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "host_nics", list: true}
	for _, nc := range host.NICs() {
		if q.full(len(out.children)) {
			break
		}
		if q.match(func(f string) string {
			if f == "id" {
				return nc.ID
			}
			return nc.Link.Name
		}) {
			out.add(renderNIC(u, host, nc))
		}
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showNIC(w http.ResponseWriter, r *http.Request) error {
	host, nc, err := h.nicOf(r)
	if err != nil {
		return err
	}
	write(w, r, 200, renderNIC(hrefsOf(r), host, nc))
	return nil
}

func (h *Handler) nicStatistics(w http.ResponseWriter, r *http.Request) error {
	host, nc, err := h.nicOf(r)
	if err != nil {
		return err
	}
	href := hrefsOf(r).nic(host.ID, nc.ID)
	write(w, r, 200, renderStatistics("host_nic", nc.ID, href, href+"/statistics", h.svc.Statistics(host, nc.Link.Name)))
	return nil
}

// The seed's /nics/{nic}/networks: the logical networks on a NIC,
// attached by POST and detached by DELETE.

// nicNetworks returns the host, the NIC, where its networks are, and the
// attachments on it.
func (h *Handler) nicNetworks(r *http.Request) (Host, NIC, string, []Attachment, error) {
	host, nc, err := h.nicOf(r)
	if err != nil {
		return host, nc, "", nil, err
	}
	base := hrefsOf(r).nic(host.ID, nc.ID) + "/networks"
	as, err := h.svc.Attachments(r.Context(), host)
	if err != nil {
		return host, nc, base, nil, err
	}
	var on []Attachment
	for _, a := range as {
		if a.NIC == nc.Link.Name {
			on = append(on, a)
		}
	}
	return host, nc, base, on, nil
}

// nicNetwork returns the attachment on the path's NIC of the network the
// path names (by id or name), with the host and where it is.
func (h *Handler) nicNetwork(r *http.Request) (Host, string, Attachment, error) {
	host, nc, base, on, err := h.nicNetworks(r)
	if err != nil {
		return host, base, Attachment{}, err
	}
	id := r.PathValue("net")
	for _, a := range on {
		if a.Network.ID == id || a.Network.Name == id {
			return host, base, a, nil
		}
	}
	return host, base, Attachment{}, notFound("network on "+nc.Link.Name, id)
}

func (h *Handler) attachToNIC(w http.ResponseWriter, r *http.Request) error {
	host, nc, base, _, err := h.nicNetworks(r)
	if err != nil {
		return err
	}
	b, err := h.body(w, r, "network")
	if err != nil {
		return err
	}
	ref, err := refOf(b)
	if err != nil {
		return err
	}
	a, err := h.svc.Attach(r.Context(), host.Name, ref, nc.Link.Name, false, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", base+"/"+a.Network.ID)
	write(w, r, http.StatusCreated, renderNICNetwork(hrefsOf(r), base, a))
	return nil
}

func (h *Handler) listNICNetworks(w http.ResponseWriter, r *http.Request) error {
	_, _, base, on, err := h.nicNetworks(r)
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "networks", list: true}
	for _, a := range on {
		out.add(renderNICNetwork(u, base, a))
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showNICNetwork(w http.ResponseWriter, r *http.Request) error {
	_, base, a, err := h.nicNetwork(r)
	if err != nil {
		return err
	}
	write(w, r, 200, renderNICNetwork(hrefsOf(r), base, a))
	return nil
}

func (h *Handler) detachFromNIC(w http.ResponseWriter, r *http.Request) error {
	host, _, a, err := h.nicNetwork(r)
	if err != nil {
		return err
	}
	if err := h.svc.Detach(r.Context(), host.Name, a.Network.Name); err != nil {
		return err
	}
	w.WriteHeader(200)
	return nil
}

func (h *Handler) nicNetworkStatistics(w http.ResponseWriter, r *http.Request) error {
	host, base, a, err := h.nicNetwork(r)
	if err != nil {
		return err
	}
	href := base + "/" + a.Network.ID
	write(w, r, 200, renderStatistics("network", a.Network.ID, href, href+"/statistics", h.svc.Statistics(host, a.State.Name)))
	return nil
}

func renderNICNetwork(u hrefs, base string, a Attachment) *node {
	href := base + "/" + a.Network.ID
	n := renderNetwork(u, a.Network, href)
	n.add(leaf("in_sync", strconv.FormatBool(a.InSync)), link("statistics", href+"/statistics"))
	return n
}

// refOf reads a reference to a resource: its id attribute (or element) or
// its name.
func refOf(b *node) (string, error) {
	if b == nil {
		return "", badRequest("a reference (id or name) is required")
	}
	if id, ok := b.get("id"); ok && id != "" {
		return id, nil
	}
	if name, ok := b.get("name"); ok && name != "" {
		return name, nil
	}
	return "", badRequest("<%s> needs an id or a name", b.name)
}

// The seed's network connections.

// connection returns the host and the attachment the path names.
func (h *Handler) connection(r *http.Request) (Host, Attachment, error) {
	host, err := h.hostOf(r)
	if err != nil {
		return host, Attachment{}, err
	}
	a, err := h.svc.Attachment(r.Context(), host, r.PathValue("id"))
	return host, a, err
}

func (h *Handler) createConnection(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	b, err := h.body(w, r, "networkconnection")
	if err != nil {
		return err
	}
	net, err := refOf(b.child("network"))
	if err != nil {
		return err
	}
	nic := ""
	if c := b.child("nic"); c != nil {
		if nic, err = refOf(c); err != nil {
			return err
		}
	}
	external, err := boolOf(b, "external")
	if err != nil {
		return err
	}
	a, err := h.svc.Attach(r.Context(), host.Name, net, nic, external, nil)
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	w.Header().Set("Location", u.connection(host.ID, a.ID))
	write(w, r, http.StatusCreated, renderConnection(u, host, a))
	return nil
}

func (h *Handler) listConnections(w http.ResponseWriter, r *http.Request) error {
	host, err := h.hostOf(r)
	if err != nil {
		return err
	}
	as, err := h.svc.Attachments(r.Context(), host)
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "networkconnections", list: true}
	for _, a := range as {
		out.add(renderConnection(u, host, a))
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showConnection(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.connection(r)
	if err != nil {
		return err
	}
	write(w, r, 200, renderConnection(hrefsOf(r), host, a))
	return nil
}

func (h *Handler) updateConnection(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.connection(r)
	if err != nil {
		return err
	}
	b, err := h.body(w, r, "networkconnection")
	if err != nil {
		return err
	}
	var perr error
	a, err = h.svc.UpdateAttachment(r.Context(), host.Name, a.ID, func(x *Attachment) {
		if c := b.child("nic"); c != nil {
			x.NIC, perr = refOf(c)
			if len(c.children) == 0 && len(c.attrs) == 0 {
				x.NIC, perr = "", nil // <nic/>: NIC-less
			}
		}
		if _, ok := b.get("external"); ok && perr == nil {
			x.External, perr = boolOf(b, "external")
		}
	})
	if perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	write(w, r, 200, renderConnection(hrefsOf(r), host, a))
	return nil
}

func (h *Handler) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.connection(r)
	if err != nil {
		return err
	}
	if err := h.svc.Detach(r.Context(), host.Name, a.Network.Name); err != nil {
		return err
	}
	w.WriteHeader(200)
	return nil
}

func (h *Handler) connectionStatistics(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.connection(r)
	if err != nil {
		return err
	}
	href := hrefsOf(r).connection(host.ID, a.ID)
	write(w, r, 200, renderStatistics("networkconnection", a.ID, href, href+"/statistics", h.svc.Statistics(host, a.State.Name)))
	return nil
}

func boolOf(b *node, name string) (bool, error) {
	v, ok := b.get(name)
	if !ok {
		return false, nil
	}
	x, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("%s %q is not a boolean", name, v)
	}
	return x, nil
}

// oVirt's network attachments, of a host or of one of its NICs.

// attachmentsOf returns the host and the NIC ("": any) of the path.
func (h *Handler) attachmentsOf(r *http.Request) (Host, string, error) {
	if r.PathValue("nic") == "" {
		host, err := h.hostOf(r)
		return host, "", err
	}
	host, nc, err := h.nicOf(r)
	return host, nc.Link.Name, err
}

// attachment returns the host and the attachment the path names.
func (h *Handler) attachment(r *http.Request) (Host, Attachment, error) {
	host, nic, err := h.attachmentsOf(r)
	if err != nil {
		return host, Attachment{}, err
	}
	id := r.PathValue("id")
	a, err := h.svc.Attachment(r.Context(), host, id)
	if err != nil || nic != "" && a.NIC != nic {
		return host, a, notFound("network attachment", id)
	}
	return host, a, nil
}

func (h *Handler) createAttachment(w http.ResponseWriter, r *http.Request) error {
	host, nic, err := h.attachmentsOf(r)
	if err != nil {
		return err
	}
	b, err := h.body(w, r, "network_attachment")
	if err != nil {
		return err
	}
	a, err := attachmentFrom(b)
	if err != nil {
		return err
	}
	if nic != "" {
		a.NIC = nic
	}
	out, err := h.svc.Attach(r.Context(), host.Name, a.Network.Name, a.NIC, false, a.Addrs)
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	w.Header().Set("Location", u.attachment(host.ID, out.ID))
	write(w, r, http.StatusCreated, renderAttachment(u, host, out))
	return nil
}

func (h *Handler) listAttachments(w http.ResponseWriter, r *http.Request) error {
	host, nic, err := h.attachmentsOf(r)
	if err != nil {
		return err
	}
	as, err := h.svc.Attachments(r.Context(), host)
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "network_attachments", list: true}
	for _, a := range as {
		if nic == "" || a.NIC == nic {
			out.add(renderAttachment(u, host, a))
		}
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showAttachment(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.attachment(r)
	if err != nil {
		return err
	}
	write(w, r, 200, renderAttachment(hrefsOf(r), host, a))
	return nil
}

func (h *Handler) updateAttachment(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.attachment(r)
	if err != nil {
		return err
	}
	b, err := h.body(w, r, "network_attachment")
	if err != nil {
		return err
	}
	in, err := attachmentFrom(b)
	if err != nil {
		return err
	}
	a, err = h.svc.UpdateAttachment(r.Context(), host.Name, a.ID, func(x *Attachment) {
		if in.NIC != "" {
			x.NIC = in.NIC
		}
		if b.child("ip_address_assignments") != nil {
			x.Addrs = in.Addrs
		}
	})
	if err != nil {
		return err
	}
	write(w, r, 200, renderAttachment(hrefsOf(r), host, a))
	return nil
}

func (h *Handler) deleteAttachment(w http.ResponseWriter, r *http.Request) error {
	host, a, err := h.attachment(r)
	if err != nil {
		return err
	}
	if err := h.svc.Detach(r.Context(), host.Name, a.Network.Name); err != nil {
		return err
	}
	w.WriteHeader(200)
	return nil
}

// attachmentFrom reads a <network_attachment>: the network, the NIC, the
// static addresses.
func attachmentFrom(b *node) (Attachment, error) {
	var a Attachment
	if c := b.child("network"); c != nil {
		ref, err := refOf(c)
		if err != nil {
			return a, err
		}
		a.Network.Name = ref
		a.Network.ID = ref
	}
	if c := b.child("host_nic"); c != nil {
		ref, err := refOf(c)
		if err != nil {
			return a, err
		}
		a.NIC = ref
	}
	for _, ia := range b.child("ip_address_assignments").all("ip_address_assignment") {
		method, _ := ia.get("assignment_method")
		if method == "none" {
			continue
		}
		if method != "static" && method != "" {
			return a, badRequest("ip_address_assignment %q: only static addresses are supported", method)
		}
		p, err := prefixOf(ia.child("ip"))
		if err != nil {
			return a, err
		}
		a.Addrs = append(a.Addrs, p)
	}
	return a, nil
}

// prefixOf reads an <ip>: address and netmask (dotted or a prefix
// length).
func prefixOf(ip *node) (netip.Prefix, error) {
	addr, _ := ip.get("address")
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, badRequest("ip address %q is not valid", addr)
	}
	mask, _ := ip.get("netmask")
	bits := a.BitLen()
	if mask != "" {
		if n, err := strconv.Atoi(mask); err == nil && n >= 0 && n <= a.BitLen() {
			bits = n
		} else if m, err := netip.ParseAddr(mask); err == nil && m.Is4() && a.Is4() {
			b := m.As4()
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			ones := 0
			for v&0x80000000 != 0 {
				ones++
				v <<= 1
			}
			if v != 0 {
				return netip.Prefix{}, badRequest("netmask %q is not contiguous", mask)
			}
			bits = ones
		} else {
			return netip.Prefix{}, badRequest("netmask %q is not valid", mask)
		}
	}
	return netip.PrefixFrom(a, bits), nil
}

func (h *Handler) setupNetworks(w http.ResponseWriter, r *http.Request, host Host) error {
	b, err := h.body(w, r, "action")
	if err != nil {
		return err
	}
	var req Setup
	for _, c := range b.child("modified_network_attachments").all("network_attachment") {
		a, err := attachmentFrom(c)
		if err != nil {
			return err
		}
		if a.Network.Name == "" {
			// A change to an existing attachment names it by id.
			id, _ := c.get("id")
			ex, err := h.svc.Attachment(r.Context(), host, id)
			if err != nil {
				return err
			}
			a.Network = ex.Network
			if a.NIC == "" {
				a.NIC = ex.NIC
			}
		}
		req.Modified = append(req.Modified, a)
	}
	for _, c := range b.child("removed_network_attachments").all("network_attachment") {
		ref, err := refOf(c)
		if err != nil {
			if n := c.child("network"); n != nil {
				ref, err = refOf(n)
			}
			if err != nil {
				return err
			}
		}
		req.Removed = append(req.Removed, ref)
	}
	for _, c := range b.child("modified_bonds").all("host_nic") {
		bond, err := bondFrom(c)
		if err != nil {
			return err
		}
		for i, sl := range bond.Slaves {
			if nc, err := host.NIC(sl); err == nil {
				bond.Slaves[i] = nc.Link.Name
			}
		}
		req.ModifiedBonds = append(req.ModifiedBonds, bond)
	}
	for _, c := range b.child("removed_bonds").all("host_nic") {
		name, err := refOf(c)
		if err != nil {
			return err
		}
		if nc, err := host.NIC(name); err == nil {
			name = nc.Link.Name
		}
		req.RemovedBonds = append(req.RemovedBonds, name)
	}
	if req.CheckConnectivity, err = boolOf(b, "check_connectivity"); err != nil {
		return err
	}
	if v, ok := b.get("connectivity_timeout"); ok {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return badRequest("connectivity_timeout %q is not a number of seconds", v)
		}
		req.ConnectivityTimeout = time.Duration(secs) * time.Second
	}
	if err := h.svc.SetupNetworks(r.Context(), host.Name, req); err != nil {
		return err
	}
	write(w, r, 200, el("action", leaf("status", "complete")))
	return nil
}

// bondFrom reads a bond as setupnetworks gives it: a <host_nic> with a
// name and <bonding> options and slaves.
func bondFrom(c *node) (hostnet.Bond, error) {
	name, _ := c.get("name")
	if name == "" {
		return hostnet.Bond{}, badRequest("a modified bond needs a name")
	}
	bond := hostnet.Bond{Name: name, Mode: "balance-rr", Options: map[string]string{}}
	bd := c.child("bonding")
	for _, o := range bd.child("options").all("option") {
		k, _ := o.get("name")
		v, _ := o.get("value")
		if k == "mode" {
			mode, err := hostnet.BondMode(v)
			if err != nil {
				return bond, badRequest("bond %s: unknown mode %q", name, v)
			}
			bond.Mode = mode
			continue
		}
		bond.Options[k] = v
	}
	for _, s := range bd.child("slaves").all("host_nic") {
		sn, err := refOf(s)
		if err != nil {
			return bond, err
		}
		bond.Slaves = append(bond.Slaves, sn)
	}
	return bond, nil
}
