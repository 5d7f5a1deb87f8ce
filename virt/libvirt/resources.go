//go:build cgo

package libvirt

import (
	"context"
	"encoding/xml"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

// Networks lists the virtual networks, by name.
func (d *Driver) Networks(ctx context.Context) ([]virt.Network, error) {
	nets, err := d.c().ListAllNetworks(0)
	if err != nil {
		return nil, wrap("list networks", "", err)
	}
	var out []virt.Network
	for i := range nets {
		n, err := networkOf(&nets[i])
		nets[i].Free()
		if err == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Network returns one virtual network.
func (d *Driver) Network(ctx context.Context, name string) (virt.Network, error) {
	n, err := d.c().LookupNetworkByName(name)
	if err != nil {
		return virt.Network{}, wrap("get network", name, err)
	}
	defer n.Free()
	out, err := networkOf(n)
	return out, wrap("get network", name, err)
}

func networkOf(n *golibvirt.Network) (virt.Network, error) {
	x, err := n.GetXMLDesc(0)
	if err != nil {
		return virt.Network{}, err
	}
	var nx libvirtxml.Network
	if err := nx.Unmarshal(x); err != nil {
		return virt.Network{}, err
	}
	out := virt.Network{Name: nx.Name, UUID: nx.UUID}
	out.Active, _ = n.IsActive()
	out.Persistent, _ = n.IsPersistent()
	out.Autostart, _ = n.GetAutostart()
	if nx.Forward != nil {
		out.Forward = nx.Forward.Mode
		if out.Forward == "" {
			out.Forward = "nat"
		}
		if nx.Forward.Dev != "" {
			out.Interface = nx.Forward.Dev
		}
		for _, fi := range nx.Forward.Interfaces {
			if out.Interface == "" {
				out.Interface = fi.Dev
			}
		}
	}
	if nx.Bridge != nil {
		out.Bridge = nx.Bridge.Name
	}
	if nx.VLAN != nil && len(nx.VLAN.Tags) > 0 {
		out.VLAN = int(nx.VLAN.Tags[0].ID)
	}
	for _, ip := range nx.IPs {
		if ip.Family != "" && ip.Family != "ipv4" {
			continue
		}
		a, err := netip.ParseAddr(ip.Address)
		if err != nil {
			continue
		}
		bits := int(ip.Prefix)
		if ip.Netmask != "" {
			if m, err := netip.ParseAddr(ip.Netmask); err == nil {
				bits, _ = net.IPMask(m.AsSlice()).Size()
			}
		}
		out.Subnet = netip.PrefixFrom(a, bits).String()
		if ip.DHCP != nil && len(ip.DHCP.Ranges) > 0 {
			out.DHCPStart, out.DHCPEnd = ip.DHCP.Ranges[0].Start, ip.DHCP.Ranges[0].End
		}
		break
	}
	return out, nil
}

// DefineNetwork defines a persistent network: isolated (Forward ""),
// nat or route with Subnet (the host's address in it) and a DHCP range,
// bridge to a host bridge (Bridge) or, with Interface, macvtap on a host
// interface; VLAN tags it.
func (d *Driver) DefineNetwork(ctx context.Context, n virt.Network) (virt.Network, error) {
	if existing, err := d.c().LookupNetworkByName(n.Name); err == nil {
		existing.Free()
		return n, &virt.Error{Op: "define network", Object: n.Name, Kind: virt.ErrExists, Msg: "a network of that name exists"}
	}
	nx := libvirtxml.Network{Name: n.Name}
	switch n.Forward {
	case "", "isolated":
	case "nat", "route":
		nx.Forward = &libvirtxml.NetworkForward{Mode: n.Forward}
	case "bridge":
		nx.Forward = &libvirtxml.NetworkForward{Mode: "bridge"}
		if n.Interface != "" {
			nx.Forward.Interfaces = []libvirtxml.NetworkForwardInterface{{Dev: n.Interface}}
		} else {
			nx.Bridge = &libvirtxml.NetworkBridge{Name: n.Bridge}
		}
	default:
		return n, &virt.Error{Op: "define network", Object: n.Name, Kind: virt.ErrInvalid, Msg: "unknown forward mode " + n.Forward}
	}
	if n.Forward == "" || n.Forward == "isolated" || n.Forward == "nat" || n.Forward == "route" {
		if n.Bridge != "" {
			nx.Bridge = &libvirtxml.NetworkBridge{Name: n.Bridge, STP: "on", Delay: "0"}
		}
		if n.Subnet != "" {
			p, err := netip.ParsePrefix(n.Subnet)
			if err != nil {
				return n, &virt.Error{Op: "define network", Object: n.Name, Kind: virt.ErrInvalid, Msg: "subnet " + n.Subnet + " is not address/prefix"}
			}
			ip := libvirtxml.NetworkIP{Address: p.Addr().String(), Prefix: uint(p.Bits())}
			if n.DHCPStart != "" {
				ip.DHCP = &libvirtxml.NetworkDHCP{Ranges: []libvirtxml.NetworkDHCPRange{{Start: n.DHCPStart, End: n.DHCPEnd}}}
			}
			nx.IPs = []libvirtxml.NetworkIP{ip}
		}
	}
	if n.VLAN != 0 {
		nx.VLAN = &libvirtxml.NetworkVLAN{Tags: []libvirtxml.NetworkVLANTag{{ID: uint(n.VLAN)}}}
	}
	x, err := nx.Marshal()
	if err != nil {
		return n, wrap("define network", n.Name, err)
	}
	net, err := d.c().NetworkDefineXML(x)
	if err != nil {
		return n, wrap("define network", n.Name, err)
	}
	defer net.Free()
	out, err := networkOf(net)
	return out, wrap("define network", n.Name, err)
}

func (d *Driver) onNetwork(op, name string, f func(*golibvirt.Network) error) error {
	n, err := d.c().LookupNetworkByName(name)
	if err != nil {
		return wrap(op, name, err)
	}
	defer n.Free()
	return wrap(op, name, f(n))
}

// StartNetwork activates a network.
func (d *Driver) StartNetwork(ctx context.Context, name string) error {
	return d.onNetwork("activate network", name, func(n *golibvirt.Network) error {
		if a, _ := n.IsActive(); a {
			return &virt.Error{Op: "activate network", Object: name, Kind: virt.ErrInvalidState, Msg: "network is active"}
		}
		return n.Create()
	})
}

// StopNetwork deactivates a network (it stays defined).
func (d *Driver) StopNetwork(ctx context.Context, name string) error {
	return d.onNetwork("deactivate network", name, func(n *golibvirt.Network) error {
		if a, _ := n.IsActive(); !a {
			return &virt.Error{Op: "deactivate network", Object: name, Kind: virt.ErrInvalidState, Msg: "network is not active"}
		}
		return n.Destroy()
	})
}

// UndefineNetwork removes an inactive network's definition.
func (d *Driver) UndefineNetwork(ctx context.Context, name string) error {
	return d.onNetwork("delete network", name, func(n *golibvirt.Network) error {
		if a, _ := n.IsActive(); a {
			return &virt.Error{Op: "delete network", Object: name, Kind: virt.ErrInvalidState, Msg: "network is active"}
		}
		return n.Undefine()
	})
}

// SetNetworkAutostart sets whether a network starts with the host.
func (d *Driver) SetNetworkAutostart(ctx context.Context, name string, on bool) error {
	return d.onNetwork("autostart network", name, func(n *golibvirt.Network) error { return n.SetAutostart(on) })
}

// Leases lists the DHCP leases a network handed out (where the driver
// keeps them).
func (d *Driver) Leases(ctx context.Context, name string) ([]virt.Lease, error) {
	var out []virt.Lease
	err := d.onNetwork("leases", name, func(n *golibvirt.Network) error {
		ls, err := n.GetDHCPLeases()
		for _, l := range ls {
			out = append(out, virt.Lease{MAC: l.Mac, IP: l.IPaddr, Hostname: l.Hostname, Expires: l.ExpiryTime})
		}
		return err
	})
	return out, err
}

// Storage pools.

// Pools lists the storage pools, by name.
func (d *Driver) Pools(ctx context.Context) ([]virt.Pool, error) {
	pools, err := d.c().ListAllStoragePools(0)
	if err != nil {
		return nil, wrap("list pools", "", err)
	}
	var out []virt.Pool
	for i := range pools {
		p, err := poolOf(&pools[i])
		pools[i].Free()
		if err == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Pool returns one storage pool, with its volume count when active.
func (d *Driver) Pool(ctx context.Context, name string) (virt.Pool, error) {
	p, err := d.c().LookupStoragePoolByName(name)
	if err != nil {
		return virt.Pool{}, wrap("get pool", name, err)
	}
	defer p.Free()
	out, err := poolOf(p)
	return out, wrap("get pool", name, err)
}

func poolOf(p *golibvirt.StoragePool) (virt.Pool, error) {
	x, err := p.GetXMLDesc(0)
	if err != nil {
		return virt.Pool{}, err
	}
	var px libvirtxml.StoragePool
	if err := px.Unmarshal(x); err != nil {
		return virt.Pool{}, err
	}
	out := virt.Pool{Name: px.Name, UUID: px.UUID, Type: px.Type}
	out.Active, _ = p.IsActive()
	out.Persistent, _ = p.IsPersistent()
	out.Autostart, _ = p.GetAutostart()
	if info, err := p.GetInfo(); err == nil {
		out.Capacity, out.Allocation, out.Available = info.Capacity, info.Allocation, info.Available
	}
	if px.Target != nil {
		out.Path = px.Target.Path
	}
	if s := px.Source; s != nil {
		if len(s.Host) > 0 {
			out.SourceHost = s.Host[0].Name
			out.SourcePort, _ = strconv.Atoi(s.Host[0].Port)
		}
		if s.Dir != nil {
			out.SourcePath = s.Dir.Path
		}
		for _, dev := range s.Device {
			out.SourceDevices = append(out.SourceDevices, dev.Path)
		}
		if len(s.Device) == 1 && px.Type == "iscsi" {
			out.SourceTarget = s.Device[0].Path
		}
		if s.Adapter != nil {
			out.SourceAdapter = s.Adapter.Name
		}
		if s.Auth != nil {
			out.Auth = &virt.PoolAuth{Username: s.Auth.Username}
		}
	}
	if out.Active {
		if n, err := p.NumOfStorageVolumes(); err == nil {
			out.Volumes = n
		}
	}
	return out, nil
}

// DefinePool defines a persistent pool (and builds a dir pool's
// directory).
func (d *Driver) DefinePool(ctx context.Context, p virt.PoolSpec) (virt.Pool, error) {
	defer d.forget() // kept volume lists
	if existing, err := d.c().LookupStoragePoolByName(p.Name); err == nil {
		existing.Free()
		return p, &virt.Error{Op: "define pool", Object: p.Name, Kind: virt.ErrExists, Msg: "a pool of that name exists"}
	}
	px := libvirtxml.StoragePool{Type: p.Type, Name: p.Name}
	if p.Path != "" {
		px.Target = &libvirtxml.StoragePoolTarget{Path: p.Path}
	}
	src := &libvirtxml.StoragePoolSource{}
	if p.SourceHost != "" {
		h := libvirtxml.StoragePoolSourceHost{Name: p.SourceHost}
		if p.SourcePort != 0 {
			h.Port = strconv.Itoa(p.SourcePort)
		}
		src.Host = []libvirtxml.StoragePoolSourceHost{h}
	}
	if p.SourcePath != "" {
		src.Dir = &libvirtxml.StoragePoolSourceDir{Path: p.SourcePath}
	}
	for _, dev := range p.SourceDevices {
		src.Device = append(src.Device, libvirtxml.StoragePoolSourceDevice{Path: dev})
	}
	if p.SourceTarget != "" {
		src.Device = append(src.Device, libvirtxml.StoragePoolSourceDevice{Path: p.SourceTarget})
	}
	if p.SourceAdapter != "" {
		src.Adapter = &libvirtxml.StoragePoolSourceAdapter{Type: "scsi_host", Name: p.SourceAdapter}
	}
	undo := func() {}
	if p.Auth != nil {
		var err error
		if undo, err = d.defineCHAPSecret(p.Name, p.Auth.Password); err != nil {
			return p, wrap("define pool", p.Name, err)
		}
		src.Auth = &libvirtxml.StoragePoolSourceAuth{Type: "chap", Username: p.Auth.Username,
			Secret: &libvirtxml.StoragePoolSourceAuthSecret{Usage: chapUsage(p.Name)}}
	}
	if src.Host != nil || src.Dir != nil || src.Device != nil || src.Adapter != nil || src.Auth != nil {
		px.Source = src
	}
	x, err := px.Marshal()
	if err != nil {
		undo()
		return p, wrap("define pool", p.Name, err)
	}
	pool, err := d.c().StoragePoolDefineXML(x, 0)
	if err != nil {
		undo()
		return p, wrap("define pool", p.Name, err)
	}
	defer pool.Free()
	if p.Type == "dir" {
		pool.Build(golibvirt.STORAGE_POOL_BUILD_NEW)
	}
	out, err := poolOf(pool)
	return out, wrap("define pool", p.Name, err)
}

func (d *Driver) onPool(op, name string, f func(*golibvirt.StoragePool) error) error {
	p, err := d.c().LookupStoragePoolByName(name)
	if err != nil {
		return wrap(op, name, err)
	}
	defer p.Free()
	return wrap(op, name, f(p))
}

// StartPool activates a pool.
func (d *Driver) StartPool(ctx context.Context, name string) error {
	defer d.forget() // kept volume lists
	return d.onPool("activate pool", name, func(p *golibvirt.StoragePool) error {
		if a, _ := p.IsActive(); a {
			return &virt.Error{Op: "activate pool", Object: name, Kind: virt.ErrInvalidState, Msg: "pool is active"}
		}
		return p.Create(0)
	})
}

// StopPool deactivates a pool (it stays defined).
func (d *Driver) StopPool(ctx context.Context, name string) error {
	defer d.forget() // kept volume lists
	return d.onPool("deactivate pool", name, func(p *golibvirt.StoragePool) error {
		if a, _ := p.IsActive(); !a {
			return &virt.Error{Op: "deactivate pool", Object: name, Kind: virt.ErrInvalidState, Msg: "pool is not active"}
		}
		return p.Destroy()
	})
}

// UndefinePool removes an inactive pool's definition (its volumes stay
// where they are).
func (d *Driver) UndefinePool(ctx context.Context, name string) error {
	defer d.forget() // kept volume lists
	return d.onPool("delete pool", name, func(p *golibvirt.StoragePool) error {
		if a, _ := p.IsActive(); a {
			return &virt.Error{Op: "delete pool", Object: name, Kind: virt.ErrInvalidState, Msg: "pool is active"}
		}
		if err := p.Undefine(); err != nil {
			return err
		}
		d.undefineCHAPSecret(name)
		return nil
	})
}

// chapUsage names the secret that holds a pool's CHAP password.
func chapUsage(pool string) string { return "netslice-pool-" + pool }

// defineCHAPSecret keeps a pool's CHAP password in libvirt's secret
// store, private (libvirt never hands it back), replacing one a removed
// pool of that name left behind. undo removes it again.
func (d *Driver) defineCHAPSecret(pool, password string) (undo func(), err error) {
	d.undefineCHAPSecret(pool)
	x, err := (&libvirtxml.Secret{Ephemeral: "no", Private: "yes", Description: "CHAP password of storage pool " + pool,
		Usage: &libvirtxml.SecretUsage{Type: "iscsi", Target: chapUsage(pool)}}).Marshal()
	if err != nil {
		return nil, err
	}
	sec, err := d.c().SecretDefineXML(x, 0)
	if err != nil {
		return nil, err
	}
	defer sec.Free()
	if err := sec.SetValue([]byte(password), 0); err != nil {
		sec.Undefine()
		return nil, err
	}
	return func() { d.undefineCHAPSecret(pool) }, nil
}

func (d *Driver) undefineCHAPSecret(pool string) {
	sec, err := d.c().LookupSecretByUsage(golibvirt.SECRET_USAGE_TYPE_ISCSI, chapUsage(pool))
	if err != nil {
		return
	}
	defer sec.Free()
	sec.Undefine()
}

// SetPoolAutostart sets whether a pool starts with the host.
func (d *Driver) SetPoolAutostart(ctx context.Context, name string, on bool) error {
	return d.onPool("autostart pool", name, func(p *golibvirt.StoragePool) error { return p.SetAutostart(on) })
}

// FindPoolSources runs libvirt's source discovery on a storage server.
func (d *Driver) FindPoolSources(ctx context.Context, typ, host string, port int) ([]virt.PoolSource, error) {
	spec := struct {
		XMLName xml.Name `xml:"source"`
		libvirtxml.StoragePoolSource
	}{}
	h := libvirtxml.StoragePoolSourceHost{Name: host}
	if port > 0 {
		h.Port = strconv.Itoa(port)
	}
	spec.Host = []libvirtxml.StoragePoolSourceHost{h}
	x, err := xml.Marshal(spec)
	if err != nil {
		return nil, wrap("find pool sources", host, err)
	}
	res, err := d.c().FindStoragePoolSources(typ, string(x), 0)
	if err != nil {
		return nil, wrap("find pool sources", host, err)
	}
	var list struct {
		Sources []libvirtxml.StoragePoolSource `xml:"source"`
	}
	if err := xml.Unmarshal([]byte(res), &list); err != nil {
		return nil, wrap("find pool sources", host, err)
	}
	out := []virt.PoolSource{}
	for _, src := range list.Sources {
		ps := virt.PoolSource{Host: host, Port: port}
		if len(src.Host) > 0 {
			ps.Host = src.Host[0].Name
			ps.Port, _ = strconv.Atoi(src.Host[0].Port)
		}
		if src.Dir != nil {
			ps.Path = src.Dir.Path
		}
		for _, dev := range src.Device {
			ps.Target = dev.Path
		}
		if src.Format != nil {
			ps.Format = src.Format.Type
		}
		out = append(out, ps)
	}
	return out, nil
}

// RefreshPool rescans an active pool.
func (d *Driver) RefreshPool(ctx context.Context, name string) error {
	defer d.forget()    // kept volume lists
	d.forgetFormats("") // files may have changed behind libvirt's back
	return d.onPool("refresh pool", name, func(p *golibvirt.StoragePool) error { return p.Refresh(0) })
}

var volTypes = map[golibvirt.StorageVolType]string{golibvirt.STORAGE_VOL_FILE: "file", golibvirt.STORAGE_VOL_BLOCK: "block",
	golibvirt.STORAGE_VOL_DIR: "dir", golibvirt.STORAGE_VOL_NETWORK: "network", golibvirt.STORAGE_VOL_NETDIR: "netdir",
	golibvirt.STORAGE_VOL_PLOOP: "ploop"}

// volume reads a volume: name, path and sizes from libvirt each time,
// its format from the XML once per path (a file keeps its format; lists of
// a thousand volumes would otherwise parse a thousand documents).
func (d *Driver) volume(pool string, v *golibvirt.StorageVol) (virt.Volume, error) {
	name, err := v.GetName()
	if err != nil {
		return virt.Volume{}, err
	}
	path, err := v.GetPath()
	if err != nil {
		return virt.Volume{}, err
	}
	info, err := v.GetInfo()
	if err != nil {
		return virt.Volume{}, err
	}
	out := virt.Volume{Name: name, Pool: pool, Path: path, Type: volTypes[info.Type], Capacity: info.Capacity, Allocation: info.Allocation}
	d.mu.Lock()
	format, ok := d.formats[path]
	d.mu.Unlock()
	if !ok {
		x, err := v.GetXMLDesc(0)
		if err != nil {
			return virt.Volume{}, err
		}
		var vx libvirtxml.StorageVolume
		if err := vx.Unmarshal(x); err != nil {
			return virt.Volume{}, err
		}
		if vx.Target != nil && vx.Target.Format != nil {
			format = vx.Target.Format.Type
		}
		d.mu.Lock()
		if len(d.formats) > 100000 {
			clear(d.formats)
		}
		d.formats[path] = format
		d.mu.Unlock()
	}
	out.Format = format
	return out, nil
}

// forgetFormats drops what is known of volume formats (under a path
// prefix; "" all).
func (d *Driver) forgetFormats(prefix string) {
	d.mu.Lock()
	for p := range d.formats {
		if strings.HasPrefix(p, prefix) {
			delete(d.formats, p)
		}
	}
	d.mu.Unlock()
}

// Volumes lists an active pool's volumes, by name. An answer is kept
// and served again — a pool of thousands costs a few calls into libvirt
// per volume — until a change made through this driver (to any storage or
// domain) or for at most a second: libvirt tells no one of volumes that
// other clients make or delete, so their changes show within a second.
func (d *Driver) Volumes(ctx context.Context, pool string) ([]virt.Volume, error) {
	d.mu.Lock()
	gen := d.gen
	k, ok := d.vols[pool]
	d.mu.Unlock()
	if ok && k.gen == gen && time.Since(k.at) < listMaxAge && d.alive() {
		return slices.Clone(k.list), nil
	}
	at := time.Now()
	var out []virt.Volume
	err := d.onPool("list volumes", pool, func(p *golibvirt.StoragePool) error {
		if a, _ := p.IsActive(); !a {
			return &virt.Error{Op: "list volumes", Object: pool, Kind: virt.ErrInvalidState, Msg: "pool is not active"}
		}
		vols, err := p.ListAllStorageVolumes(0)
		if err != nil {
			return err
		}
		for i := range vols {
			v, err := d.volume(pool, &vols[i])
			vols[i].Free()
			if err == nil {
				out = append(out, v)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if err == nil {
		d.mu.Lock()
		if d.gen == gen { // nothing changed while it was read
			if len(d.vols) >= maxKeptPools {
				clear(d.vols)
			}
			d.vols[pool] = keptVolumes{list: slices.Clone(out), gen: gen, at: at}
		}
		d.mu.Unlock()
	}
	return out, err
}

// maxKeptPools bounds how many pools' volume lists are kept.
const maxKeptPools = 64

// keptVolumes is a pool's last Volumes answer, read at at while the
// driver's changes counted gen.
type keptVolumes struct {
	list []virt.Volume
	gen  uint64
	at   time.Time
}

func (d *Driver) onVolume(op, pool, name string, f func(*golibvirt.StoragePool, *golibvirt.StorageVol) error) error {
	return d.onPool(op, pool, func(p *golibvirt.StoragePool) error {
		v, err := p.LookupStorageVolByName(name)
		if err != nil {
			return err
		}
		defer v.Free()
		return f(p, v)
	})
}

// Volume returns one volume of a pool.
func (d *Driver) Volume(ctx context.Context, pool, name string) (virt.Volume, error) {
	var out virt.Volume
	err := d.onVolume("get volume", pool, name, func(_ *golibvirt.StoragePool, v *golibvirt.StorageVol) error {
		var err error
		out, err = d.volume(pool, v)
		return err
	})
	return out, err
}

// CreateVolume makes a volume of spec.Capacity bytes in spec.Format.
func (d *Driver) CreateVolume(ctx context.Context, pool string, spec virt.VolumeSpec) (virt.Volume, error) {
	defer d.forget() // kept volume lists
	var out virt.Volume
	err := d.onPool("create volume", pool, func(p *golibvirt.StoragePool) error {
		if a, _ := p.IsActive(); !a {
			return &virt.Error{Op: "create volume", Object: pool, Kind: virt.ErrInvalidState, Msg: "pool is not active"}
		}
		if v, err := p.LookupStorageVolByName(spec.Name); err == nil {
			v.Free()
			return &virt.Error{Op: "create volume", Object: spec.Name, Kind: virt.ErrExists, Msg: "a volume of that name exists in " + pool}
		}
		vx := libvirtxml.StorageVolume{Name: spec.Name, Capacity: &libvirtxml.StorageVolumeSize{Value: spec.Capacity, Unit: "bytes"}}
		if spec.Allocation > 0 {
			vx.Allocation = &libvirtxml.StorageVolumeSize{Value: spec.Allocation, Unit: "bytes"}
		}
		if b := spec.Backing; b != nil {
			vx.BackingStore = &libvirtxml.StorageVolumeBackingStore{Path: b.Path, Format: &libvirtxml.StorageVolumeTargetFormat{Type: b.Format}}
		}
		if spec.Format != "" {
			vx.Target = &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: spec.Format}}
		}
		x, err := vx.Marshal()
		if err != nil {
			return err
		}
		v, err := p.StorageVolCreateXML(x, 0)
		if err != nil {
			return err
		}
		defer v.Free()
		out, err = d.volume(pool, v)
		return err
	})
	return out, err
}

// CloneVolume copies a volume to newName in toPool.
func (d *Driver) CloneVolume(ctx context.Context, pool, name, toPool, newName string) (virt.Volume, error) {
	defer d.forget() // kept volume lists
	var out virt.Volume
	err := d.onVolume("clone volume", pool, name, func(_ *golibvirt.StoragePool, src *golibvirt.StorageVol) error {
		return d.onPool("clone volume", toPool, func(dst *golibvirt.StoragePool) error {
			if v, err := dst.LookupStorageVolByName(newName); err == nil {
				v.Free()
				return &virt.Error{Op: "clone volume", Object: newName, Kind: virt.ErrExists, Msg: "a volume of that name exists in " + toPool}
			}
			x, err := src.GetXMLDesc(0)
			if err != nil {
				return err
			}
			var vx libvirtxml.StorageVolume
			if err := vx.Unmarshal(x); err != nil {
				return err
			}
			nv := libvirtxml.StorageVolume{Name: newName, Capacity: vx.Capacity}
			if vx.Target != nil && vx.Target.Format != nil {
				nv.Target = &libvirtxml.StorageVolumeTarget{Format: vx.Target.Format}
			}
			nx, err := nv.Marshal()
			if err != nil {
				return err
			}
			v, err := dst.StorageVolCreateXMLFrom(nx, src, 0)
			if err != nil {
				return err
			}
			defer v.Free()
			out, err = d.volume(toPool, v)
			return err
		})
	})
	return out, err
}

// ResizeVolume changes a volume's capacity.
func (d *Driver) ResizeVolume(ctx context.Context, pool, name string, capacity uint64) error {
	defer d.forget() // kept volume lists
	return d.onVolume("resize volume", pool, name, func(_ *golibvirt.StoragePool, v *golibvirt.StorageVol) error {
		return v.Resize(capacity, 0)
	})
}

// WipeVolume overwrites a volume's content with zeros.
func (d *Driver) WipeVolume(ctx context.Context, pool, name string) error {
	defer d.forget() // kept volume lists
	return d.onVolume("wipe volume", pool, name, func(_ *golibvirt.StoragePool, v *golibvirt.StorageVol) error {
		return v.Wipe(0)
	})
}

// DeleteVolume removes a volume and its storage.
func (d *Driver) DeleteVolume(ctx context.Context, pool, name string) error {
	defer d.forget() // kept volume lists
	return d.onVolume("delete volume", pool, name, func(_ *golibvirt.StoragePool, v *golibvirt.StorageVol) error {
		if path, err := v.GetPath(); err == nil {
			d.forgetFormats(path)
		}
		return v.Delete(0)
	})
}

var _ virt.Driver = (*Driver)(nil)
