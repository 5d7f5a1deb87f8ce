package kimchi

import (
	"context"
	"errors"
	"slices"

	"github.com/netslice/netslice/virt"
)

// StorageServer is a server some pool gets its storage from.
type StorageServer struct {
	Host       string `json:"host"`
	Port       int    `json:"port,omitempty"`
	TargetType string `json:"target_type"` // netfs, iscsi
}

// StorageTarget is what a server offers.
type StorageTarget struct {
	Host       string `json:"host"`
	TargetType string `json:"target_type"` // "nfs" or "iscsi"
	Target     string `json:"target"`
}

// StorageServers lists the servers the pools use (typ filters: netfs,
// iscsi).
func (s *Service) StorageServers(ctx context.Context, typ string) ([]StorageServer, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	if typ != "" && typ != "netfs" && typ != "iscsi" {
		return nil, invalid("KCHAPI0001E", "Unknown parameter _target_type=%s: netfs or iscsi", typ)
	}
	pools, err := drv.Pools(ctx)
	if err != nil {
		return nil, fromVirt(err, "KCHPOOL0006E", "", "Unable to list storage pools.")
	}
	out := []StorageServer{}
	for _, p := range pools {
		if p.SourceHost == "" || (p.Type != "netfs" && p.Type != "iscsi") || typ != "" && p.Type != typ {
			continue
		}
		srv := StorageServer{Host: p.SourceHost, TargetType: p.Type}
		if p.Type == "iscsi" {
			srv.Port = p.SourcePort
		}
		if !slices.Contains(out, srv) {
			out = append(out, srv)
		}
	}
	return out, nil
}

// StorageServer returns a server the pools use.
func (s *Service) StorageServer(ctx context.Context, host string) (StorageServer, error) {
	all, err := s.StorageServers(ctx, "")
	if err != nil {
		return StorageServer{}, err
	}
	for _, srv := range all {
		if srv.Host == host {
			return srv, nil
		}
	}
	return StorageServer{}, notFound("KCHSR0001E", "Storage server %s was not used by Kimchi", host)
}

// StorageTargets asks a server what it offers (typ netfs, the default,
// or iscsi; port for iscsi).
func (s *Service) StorageTargets(ctx context.Context, host, typ string, port int) ([]StorageTarget, error) {
	drv, err := s.driver()
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = "netfs"
	}
	if typ != "netfs" && typ != "iscsi" {
		return nil, invalid("KCHAPI0001E", "Unknown parameter _target_type=%s: netfs or iscsi", typ)
	}
	if !validHost(host) {
		return nil, invalid("KCHPOOL0019E", "Storage pool host must be a IP or hostname")
	}
	if port < 0 || port > 65535 {
		return nil, invalid("KCHPOOL0023E", "Port of a remote storage server must be an integer between 1 and 65535")
	}
	srcs, err := drv.FindPoolSources(ctx, typ, host, port)
	if errors.Is(err, virt.ErrNotSupported) {
		return nil, invalid("KCHISCSI0001E", "Unable to discover %s targets of %s. Details: not supported by this hypervisor", typ, host)
	}
	if err != nil {
		return nil, fromVirt(err, "KCHISCSI0001E", "", "Unable to discover %s targets of %s.", typ, host)
	}
	out := []StorageTarget{}
	for _, src := range srcs {
		t := StorageTarget{Host: src.Host, TargetType: "nfs", Target: src.Path}
		if typ == "iscsi" {
			t.TargetType, t.Target = "iscsi", src.Target
		}
		out = append(out, t)
	}
	return out, nil
}
