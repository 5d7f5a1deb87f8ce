package neutron

import (
	"encoding/json"
	"strconv"
	"sync/atomic"

	"github.com/netslice/netslice/httpapi/internal/jsonw"
)

// Ports are what lists hold by the thousand, so they are written by hand
// rather than through encoding/json's reflection (about ten times the
// cost): the bytes are json.Marshal's, field for field (TestPortJSON holds
// them to it), without the admin-only attributes for other callers.

// warmPorts reads every cache line a page of ports is written from
// before any is written. The ports of a list sit far apart in memory, and
// writing them one after another waits for each miss in turn; here the
// loads are independent, so their misses overlap (for 100 ports of a
// random network among 100,000: about a third of the list's time).
func warmPorts(items []any) {
	var x int
	first := func(s string) int {
		if s == "" {
			return 0
		}
		return int(s[0])
	}
	// The structs first, then what they point to: its addresses are then
	// at hand.
	for _, o := range items {
		if p, ok := o.(*Port); ok {
			x += len(p.ID) + len(p.UpdatedAt) + len(p.Status) + len(p.DeviceID) + len(p.AllowedAddressPairs) +
				len(p.HostID) + len(p.VNICType) + len(p.Tags)
		}
	}
	for _, o := range items {
		if p, ok := o.(*Port); ok {
			x += first(p.ID) + first(p.Name) + first(p.MACAddress) + first(p.DeviceID) + first(p.Description) +
				len(p.Profile) + len(p.VIFDetails)
			for _, f := range p.FixedIPs {
				x += first(f.IPAddress)
			}
			for _, sg := range p.SecurityGroups {
				x += first(sg)
			}
		}
	}
	warmed.Store(int64(x))
}

// warmed keeps warmPorts' reads from being optimized away.
var warmed atomic.Int64

// appendPort appends p as JSON; without admin, the attributes only an
// admin sees are left out.
func appendPort(b []byte, p *Port, admin bool) []byte {
	b = appendStandard(b, &p.Standard)
	b = appendField(b, "name", p.Name)
	b = appendField(b, "network_id", p.NetworkID)
	b = append(b, `,"admin_state_up":`...)
	b = strconv.AppendBool(b, p.AdminStateUp)
	b = appendField(b, "status", p.Status)
	b = appendField(b, "mac_address", p.MACAddress)
	b = append(b, `,"fixed_ips":`...)
	b = jsonw.List(b, p.FixedIPs, func(b []byte, ip FixedIP) []byte {
		b = append(b, `{"subnet_id":`...)
		b = jsonw.String(b, ip.SubnetID)
		b = append(b, `,"ip_address":`...)
		b = jsonw.String(b, ip.IPAddress)
		return append(b, '}')
	})
	b = appendField(b, "device_id", p.DeviceID)
	b = appendField(b, "device_owner", p.DeviceOwner)
	b = append(b, `,"security_groups":`...)
	b = jsonw.List(b, p.SecurityGroups, jsonw.String)
	b = append(b, `,"allowed_address_pairs":`...)
	b = jsonw.List(b, p.AllowedAddressPairs, func(b []byte, ap AddressPair) []byte {
		b = append(b, `{"ip_address":`...)
		b = jsonw.String(b, ap.IPAddress)
		b = append(b, `,"mac_address":`...)
		b = jsonw.String(b, ap.MACAddress)
		return append(b, '}')
	})
	b = append(b, `,"port_security_enabled":`...)
	b = strconv.AppendBool(b, p.PortSecurityEnabled)
	if admin {
		b = appendField(b, "binding:host_id", p.HostID)
		b = append(b, `,"binding:profile":`...)
		b = appendAny(b, p.Profile)
		b = appendField(b, "binding:vif_type", p.VIFType)
		b = append(b, `,"binding:vif_details":`...)
		b = appendAny(b, p.VIFDetails)
	}
	b = appendField(b, "binding:vnic_type", p.VNICType)
	b = append(b, `,"extra_dhcp_opts":`...)
	b = jsonw.List(b, p.ExtraDHCPOpts, func(b []byte, o DHCPOption) []byte {
		b = append(b, `{"opt_name":`...)
		b = jsonw.String(b, o.Name)
		b = append(b, `,"opt_value":`...)
		b = jsonw.String(b, o.Value)
		b = append(b, `,"ip_version":`...)
		b = strconv.AppendInt(b, int64(o.IPVersion), 10)
		return append(b, '}')
	})
	if admin {
		b = append(b, `,"trusted":`...)
		if p.Trusted == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendBool(b, *p.Trusted)
		}
	}
	b = append(b, `,"tags":`...)
	b = jsonw.List(b, p.Tags, jsonw.String)
	return append(b, '}')
}

// appendStandard opens an object with the attributes every resource has.
func appendStandard(b []byte, s *Standard) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.String(b, s.ID)
	b = appendField(b, "tenant_id", s.TenantID)
	b = appendField(b, "project_id", s.ProjectID)
	b = appendField(b, "description", s.Description)
	b = appendField(b, "created_at", s.CreatedAt)
	b = appendField(b, "updated_at", s.UpdatedAt)
	b = append(b, `,"revision_number":`...)
	return strconv.AppendInt(b, s.RevisionNumber, 10)
}

// appendField appends ,"name":"value".
func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonw.String(b, value)
}

// appendAny appends v, a map of what a request decoded to, as
// encoding/json does: rarely more than empty.
func appendAny(b []byte, v map[string]any) []byte {
	switch {
	case v == nil:
		return append(b, "null"...)
	case len(v) == 0:
		return append(b, "{}"...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}
