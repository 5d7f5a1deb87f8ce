package kimchi

import (
	"context"
)

// Config is /config.
type Config struct {
	DisplayProxyPort int    `json:"display_proxy_port"`
	Version          string `json:"version"`
	Federation       string `json:"federation"`
}

// Config returns the service's configuration.
func (s *Service) Config() Config {
	return Config{DisplayProxyPort: s.opts.DisplayProxyPort, Version: s.opts.Version, Federation: "off"}
}

// Capabilities is /config/capabilities: what this server and its
// hypervisor really do.
type Capabilities struct {
	LibvirtStreamProtocols []string `json:"libvirt_stream_protocols"`
	QemuSpice              bool     `json:"qemu_spice"`
	QemuStream             bool     `json:"qemu_stream"`
	Screenshot             *bool    `json:"screenshot"`
	SystemReportTool       bool     `json:"system_report_tool"`
	UpdateTool             bool     `json:"update_tool"`
	RepoMngtTool           *string  `json:"repo_mngt_tool"`
	Federation             string   `json:"federation"`
	Auth                   string   `json:"auth"`
	// What netslice adds: the hypervisor behind the API.
	Hypervisor   string `json:"hypervisor"`
	URI          string `json:"libvirt_uri"`
	Available    bool   `json:"libvirt_available"`
	Notice       string `json:"notice,omitempty"`
	LiveAttach   bool   `json:"live_attach"`
	Migration    bool   `json:"migration"`
	DHCPLeases   bool   `json:"dhcp_leases"`
	VolumeClone  bool   `json:"volume_clone"`
	Architecture string `json:"arch"`
}

// Capabilities answers from what the driver says it supports.
func (s *Service) Capabilities(ctx context.Context) (Capabilities, error) {
	out := Capabilities{LibvirtStreamProtocols: []string{}, Federation: "off", Auth: "pam", Notice: s.opts.Notice}
	if sys := s.packageSystem(); sys != "" {
		out.RepoMngtTool = &sys
		_, refuse := s.opts.HostActions.(RefuseHostActions)
		out.UpdateTool = !refuse
	}
	out.SystemReportTool = true // debug reports are made here
	if s.drv == nil {
		out.Notice = "Kimchi is unavailable: " + s.opts.Unavailable
		return out, nil
	}
	c, err := s.drv.Capabilities(ctx)
	if err != nil {
		return out, fromVirt(err, "KCHCONN0001E", "", "Unable to establish connection with libvirt.")
	}
	shot := c.Screenshot
	out.Available = true
	out.QemuSpice, out.Screenshot = c.Spice, &shot
	out.Hypervisor, out.URI = c.Driver, c.URI
	out.LiveAttach, out.Migration, out.DHCPLeases, out.VolumeClone, out.Architecture = c.LiveAttach, c.Migrate, c.DHCPLeases, c.VolumeClone, c.Arch
	return out, nil
}
