//go:build cgo

package libvirt

import (
	"context"
	"sort"
	"strconv"
	"time"

	golibvirt "libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/netslice/netslice/virt"
)

// Snapshots lists a domain's snapshots, oldest first.
func (d *Driver) Snapshots(ctx context.Context, dom string) ([]virt.Snapshot, error) {
	vm, err := d.lookup("list snapshots", dom)
	if err != nil {
		return nil, err
	}
	defer vm.Free()
	snaps, err := vm.ListAllSnapshots(0)
	if err != nil {
		return nil, wrap("list snapshots", dom, err)
	}
	var out []virt.Snapshot
	for i := range snaps {
		s, err := snapshotOf(&snaps[i])
		snaps[i].Free()
		if err == nil {
			out = append(out, s)
		}
	}
	// Oldest first; creation times are in seconds, so within one second
	// a parent comes before its children.
	parent := map[string]string{}
	for _, s := range out {
		parent[s.Name] = s.Parent
	}
	depth := map[string]int{}
	for _, s := range out {
		n := 0
		for p := s.Parent; p != "" && n < len(out); p = parent[p] {
			n++
		}
		depth[s.Name] = n
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		if depth[a.Name] != depth[b.Name] {
			return depth[a.Name] < depth[b.Name]
		}
		return a.Name < b.Name
	})
	return out, nil
}

func snapshotOf(s *golibvirt.DomainSnapshot) (virt.Snapshot, error) {
	x, err := s.GetXMLDesc(0)
	if err != nil {
		return virt.Snapshot{}, err
	}
	var sx libvirtxml.DomainSnapshot
	if err := sx.Unmarshal(x); err != nil {
		return virt.Snapshot{}, err
	}
	out := virt.Snapshot{Name: sx.Name, State: virt.State(sx.State)}
	if sx.Parent != nil {
		out.Parent = sx.Parent.Name
	}
	if secs, err := strconv.ParseInt(sx.CreationTime, 10, 64); err == nil {
		out.Created = time.Unix(secs, 0)
	}
	out.Current, _ = s.IsCurrent(0)
	return out, nil
}

// CreateSnapshot takes a snapshot ("" names it by the time).
func (d *Driver) CreateSnapshot(ctx context.Context, dom, name string) (virt.Snapshot, error) {
	if name == "" {
		name = strconv.FormatInt(time.Now().Unix(), 10)
	}
	vm, err := d.lookup("create snapshot", dom)
	if err != nil {
		return virt.Snapshot{}, err
	}
	defer vm.Free()
	if s, err := vm.SnapshotLookupByName(name, 0); err == nil {
		s.Free()
		return virt.Snapshot{}, &virt.Error{Op: "create snapshot", Object: dom, Kind: virt.ErrExists, Msg: "snapshot " + name + " exists"}
	}
	x, err := (&libvirtxml.DomainSnapshot{Name: name}).Marshal()
	if err != nil {
		return virt.Snapshot{}, wrap("create snapshot", dom, err)
	}
	s, err := vm.CreateSnapshotXML(x, 0)
	if err != nil {
		return virt.Snapshot{}, wrap("create snapshot", dom, err)
	}
	defer s.Free()
	return snapshotOf(s)
}

func (d *Driver) snapshot(op, dom, name string, f func(*golibvirt.DomainSnapshot) error) error {
	return d.act(op, dom, func(vm *golibvirt.Domain) error {
		s, err := vm.SnapshotLookupByName(name, 0)
		if err != nil {
			return err
		}
		defer s.Free()
		return f(s)
	})
}

// RevertSnapshot reverts a domain to a snapshot.
func (d *Driver) RevertSnapshot(ctx context.Context, dom, name string) error {
	return d.snapshot("revert snapshot", dom, name, func(s *golibvirt.DomainSnapshot) error { return s.RevertToSnapshot(0) })
}

// DeleteSnapshot deletes a snapshot; its children are merged into its
// parent.
func (d *Driver) DeleteSnapshot(ctx context.Context, dom, name string) error {
	return d.snapshot("delete snapshot", dom, name, func(s *golibvirt.DomainSnapshot) error { return s.Delete(0) })
}
