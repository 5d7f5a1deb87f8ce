package neutron

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Ports are what lists hold by the thousand, so they are written by hand
// rather than through encoding/json's reflection (about ten times the
// cost): the bytes are json.Marshal's, field for field (TestPortJSON holds
// them to it), without the admin-only attributes for other callers.

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
	b = appendList(b, p.FixedIPs, func(b []byte, ip FixedIP) []byte {
		b = append(b, `{"subnet_id":`...)
		b = appendString(b, ip.SubnetID)
		b = append(b, `,"ip_address":`...)
		b = appendString(b, ip.IPAddress)
		return append(b, '}')
	})
	b = appendField(b, "device_id", p.DeviceID)
	b = appendField(b, "device_owner", p.DeviceOwner)
	b = append(b, `,"security_groups":`...)
	b = appendList(b, p.SecurityGroups, appendString)
	b = append(b, `,"allowed_address_pairs":`...)
	b = appendList(b, p.AllowedAddressPairs, func(b []byte, ap AddressPair) []byte {
		b = append(b, `{"ip_address":`...)
		b = appendString(b, ap.IPAddress)
		b = append(b, `,"mac_address":`...)
		b = appendString(b, ap.MACAddress)
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
	b = appendList(b, p.ExtraDHCPOpts, func(b []byte, o DHCPOption) []byte {
		b = append(b, `{"opt_name":`...)
		b = appendString(b, o.Name)
		b = append(b, `,"opt_value":`...)
		b = appendString(b, o.Value)
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
	b = appendList(b, p.Tags, appendString)
	return append(b, '}')
}

// appendStandard opens an object with the attributes every resource has.
func appendStandard(b []byte, s *Standard) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, s.ID)
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
	return appendString(b, value)
}

// appendList appends list as a JSON array of what each appends, null for
// a nil slice (as encoding/json writes them).
func appendList[T any](b []byte, list []T, each func([]byte, T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, x)
	}
	return append(b, ']')
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

// plain are the bytes a JSON string holds as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s quoted as encoding/json quotes it: plain
// printable ASCII as is, anything else (escapes, HTML characters,
// non-ASCII) through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			out, _ := json.Marshal(s)
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
