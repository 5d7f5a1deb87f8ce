package neutron

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/netslice/netslice/l2"
)

// flags say what a caller may do with an attribute, as neutron-lib's
// attribute maps do (allow_post, allow_put, is_filter, is_sort, policy).
type flags uint16

const (
	post     flags = 1 << iota // may be set at creation
	put                        // may be updated
	required                   // must be given at creation
	adminSet                   // only an admin may set it
	adminSee                   // only an admin sees it
	filter                     // may filter lists
	sorted                     // may order lists
)

// check validates an attribute's value and returns it converted to its
// JSON type ("true" for a boolean given as the string "True", as
// neutron's convert_to functions do), or a reason it is refused.
type check func(v json.RawMessage) (json.RawMessage, error)

type attr struct {
	name  string
	flags flags
	check check
	index []int // the field in the resource's struct
	typ   reflect.Type
}

// kind is one resource type: its names and attributes.
type kind struct {
	singular, plural string
	fault            string // "Network": NetworkNotFound
	typ              reflect.Type
	attrs            map[string]*attr
	tagged           bool
}

func (k *kind) has(f flags, name string) bool {
	a := k.attrs[name]
	return a != nil && a.flags&f != 0
}

// newKind describes a resource type from its struct (whose JSON names the
// attributes carry) and the attributes' rules. Every attribute must name
// a field; standard ones are added here.
func newKind(singular, plural, fault string, sample any, tagged bool, attrs ...*attr) *kind {
	k := &kind{singular: singular, plural: plural, fault: fault, typ: reflect.TypeOf(sample), attrs: map[string]*attr{}, tagged: tagged}
	std := []*attr{
		{name: "id", flags: filter | sorted},
		{name: "tenant_id", flags: post | filter | sorted, check: vString(255)},
		{name: "project_id", flags: post | filter | sorted, check: vString(255)},
		{name: "description", flags: post | put | filter | sorted, check: vString(255)},
		{name: "created_at", flags: filter | sorted},
		{name: "updated_at", flags: filter | sorted},
		{name: "revision_number", flags: filter | sorted},
	}
	fields := map[string]reflect.StructField{}
	collectFields(k.typ, nil, fields)
	for _, a := range append(std, attrs...) {
		f, ok := fields[a.name]
		if !ok {
			panic("neutron: " + plural + " has no field for " + a.name)
		}
		a.index, a.typ = f.Index, f.Type
		k.attrs[a.name] = a
	}
	return k
}

func collectFields(t reflect.Type, prefix []int, out map[string]reflect.StructField) {
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		if f.Anonymous {
			collectFields(f.Type, idx, out)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			f.Index = idx
			out[name] = f
		}
	}
}

func a(name string, f flags, c check) *attr { return &attr{name: name, flags: f, check: c} }

var (
	networks = newKind("network", "networks", "Network", Network{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("admin_state_up", post|put|filter|sorted, vBool),
		a("status", filter|sorted, nil),
		a("shared", post|put|adminSet|filter|sorted, vBool),
		a("subnets", filter, nil),
		a("mtu", post|put|filter|sorted, vInt(68, 65535)),
		a("port_security_enabled", post|put|filter, vBool),
		a("provider:network_type", post|put|adminSet|adminSee|filter|sorted, vOneOf("flat", "vlan", "vxlan", "local")),
		a("provider:physical_network", post|put|adminSet|adminSee|filter|sorted, vOrNull(vString(64))),
		a("provider:segmentation_id", post|put|adminSet|adminSee|filter|sorted, vOrNull(vInt(0, 1<<24-1))),
		a("router:external", post|put|adminSet|filter, vBool),
		a("tags", 0, nil),
	)
	subnets = newKind("subnet", "subnets", "Subnet", Subnet{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("network_id", post|required|filter|sorted, vUUID),
		a("ip_version", post|required|filter|sorted, vIntOneOf(4, 6)),
		a("cidr", post|filter|sorted, vString(64)), // or from subnetpool_id
		a("prefixlen", post, vInt(0, 128)),
		a("use_default_subnetpool", post, vBool),
		a("gateway_ip", post|put|filter|sorted, vOrNull(vIP)),
		a("allocation_pools", post|put, vList(vPool)),
		a("dns_nameservers", post|put|filter, vList(vIP)),
		a("host_routes", post|put, vList(vHostRoute)),
		a("enable_dhcp", post|put|filter|sorted, vBool),
		a("ipv6_ra_mode", post|filter|sorted, vOrNull(vOneOf(ipv6Modes...))),
		a("ipv6_address_mode", post|filter|sorted, vOrNull(vOneOf(ipv6Modes...))),
		a("subnetpool_id", post|filter|sorted, vOrNull(vUUID)),
		a("service_types", post|put|filter, vList(vServiceType)),
		a("tags", 0, nil),
	)
	ports = newKind("port", "ports", "Port", Port{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("network_id", post|required|filter|sorted, vUUID),
		a("admin_state_up", post|put|filter|sorted, vBool),
		a("status", filter|sorted, nil),
		a("mac_address", post|put|filter|sorted, vMAC),
		a("fixed_ips", post|put|filter, vList(vFixedIP)),
		a("device_id", post|put|filter|sorted, vString(255)),
		a("device_owner", post|put|filter|sorted, vString(255)),
		a("security_groups", post|put|filter, vList(vUUID)),
		a("allowed_address_pairs", post|put, vList(vAddressPair)),
		a("port_security_enabled", post|put|filter, vBool),
		a("binding:host_id", post|put|adminSet|adminSee|filter, vString(255)),
		a("binding:profile", post|put|adminSet|adminSee, vOrNull(vObject)),
		a("binding:vif_type", adminSee|filter, nil),
		a("binding:vif_details", adminSee, nil),
		a("binding:vnic_type", post|put|filter, vOneOf("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed")),
		a("extra_dhcp_opts", post|put, vOrNull(vList(vDHCPOpt))),
		a("trusted", post|put|adminSet|adminSee, vOrNull(vBool)),
		a("tags", 0, nil),
	)
	securityGroups = newKind("security_group", "security_groups", "SecurityGroup", SecurityGroup{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("stateful", post|put|filter, vBool),
		a("security_group_rules", 0, nil),
		a("tags", 0, nil),
	)
	securityGroupRules = newKind("security_group_rule", "security_group_rules", "SecurityGroupRule", SecurityGroupRule{}, false,
		a("security_group_id", post|required|filter|sorted, vUUID),
		a("direction", post|required|filter|sorted, vOneOf("ingress", "egress")),
		a("ethertype", post|filter|sorted, vOneOf("IPv4", "IPv6")),
		a("protocol", post|filter|sorted, vOrNull(vProtocol)),
		a("port_range_min", post|filter|sorted, vOrNull(vPort)),
		a("port_range_max", post|filter|sorted, vOrNull(vPort)),
		a("remote_ip_prefix", post|filter|sorted, vOrNull(vCIDR)),
		// No validator, as in neutron-lib: an id that is no group's,
		// well-formed or not, is SecurityGroupNotFound (404).
		a("remote_group_id", post|filter|sorted, vOrNull(vString(255))),
		a("remote_address_group_id", post|filter|sorted, vOrNull(vString(255))),
	)
	routers = newKind("router", "routers", "Router", Router{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("admin_state_up", post|put|filter|sorted, vBool),
		a("status", filter|sorted, nil),
		a("external_gateway_info", post|put, vOrNull(vGateway)),
		a("routes", put, vList(vHostRoute)),
		a("tags", 0, nil),
	)
	floatingIPs = newKind("floatingip", "floatingips", "FloatingIP", FloatingIP{}, true,
		a("floating_network_id", post|required|filter|sorted, vUUID),
		a("floating_ip_address", post|adminSet|filter|sorted, vIP),
		a("subnet_id", post, vOrNull(vUUID)), // where the address comes from; not shown, as in neutron
		a("port_id", post|put|filter|sorted, vOrNull(vUUID)),
		a("fixed_ip_address", post|put|filter|sorted, vOrNull(vIP)),
		a("router_id", filter|sorted, nil),
		a("status", filter|sorted, nil),
		a("tags", 0, nil),
	)
	subnetPools = newKind("subnetpool", "subnetpools", "SubnetPool", SubnetPool{}, true,
		a("name", post|put|filter|sorted, vString(255)),
		a("prefixes", post|put|required, vList(vCIDR)),
		a("default_prefixlen", post|put|filter|sorted, vInt(0, 128)),
		a("min_prefixlen", post|put|filter|sorted, vInt(0, 128)),
		a("max_prefixlen", post|put|filter|sorted, vInt(0, 128)),
		a("default_quota", post|put|filter|sorted, vOrNull(vInt(0, 1<<31-1))),
		a("ip_version", filter|sorted, nil),
		a("shared", post|adminSet|filter|sorted, vBool),
		a("is_default", post|put|adminSet|filter|sorted, vBool),
		a("address_scope_id", post|put|filter|sorted, vOrNull(vUUID)),
		a("tags", 0, nil),
	)
	addressScopes = newKind("address_scope", "address_scopes", "AddressScope", AddressScope{}, false,
		a("name", post|put|filter|sorted, vString(255)),
		a("ip_version", post|required|filter|sorted, vIntOneOf(4, 6)),
		a("shared", post|put|adminSet|filter|sorted, vBool),
	)
	rbacPolicies = newKind("rbac_policy", "rbac_policies", "RbacPolicy", RBACPolicy{}, false,
		a("object_type", post|required|filter|sorted, vOneOf("network", "security_group", "subnetpool", "address_scope")),
		a("object_id", post|required|filter|sorted, vUUID),
		a("action", post|required|filter|sorted, vOneOf("access_as_shared", "access_as_external")),
		a("target_tenant", post|put|required|filter|sorted, vNotEmpty),
	)
	addressGroups = newKind("address_group", "address_groups", "AddressGroup", AddressGroup{}, false,
		a("name", post|put|filter|sorted, vString(255)),
		a("addresses", post, vAddresses),
	)
	allKinds = []*kind{networks, subnets, ports, securityGroups, securityGroupRules, routers, floatingIPs, subnetPools, addressScopes, rbacPolicies, addressGroups}
	// kindOps are what the service does with each kind: build a new one
	// in a transaction, update one (nil: never updated, as neutron never
	// updates a security group rule), delete one.
	kindOps = map[*kind]struct {
		build  func(s *Service, v *view, t *txn, c Caller, in input, project string) (any, error)
		update func(s *Service, v *view, t *txn, c Caller, e *entry, in input) (any, error)
		delete func(s *Service, ctx context.Context, id string, ifMatch int64) error
	}{
		networks:       {(*Service).buildNetwork, (*Service).updateNetwork, (*Service).DeleteNetwork},
		subnets:        {(*Service).buildSubnet, (*Service).updateSubnet, (*Service).DeleteSubnet},
		ports:          {(*Service).buildPort, (*Service).updatePort, (*Service).DeletePort},
		securityGroups: {(*Service).buildSecurityGroup, (*Service).updateSecurityGroup, (*Service).DeleteSecurityGroup},
		securityGroupRules: {(*Service).buildRule, nil, func(s *Service, ctx context.Context, id string, _ int64) error {
			return s.DeleteSecurityGroupRule(ctx, id)
		}},
		routers:       {(*Service).buildRouter, (*Service).updateRouter, (*Service).DeleteRouter},
		floatingIPs:   {(*Service).buildFloatingIP, (*Service).updateFloatingIP, (*Service).DeleteFloatingIP},
		subnetPools:   {(*Service).buildSubnetPool, (*Service).updateSubnetPool, (*Service).DeleteSubnetPool},
		addressScopes: {(*Service).buildAddressScope, (*Service).updateAddressScope, (*Service).DeleteAddressScope},
		rbacPolicies:  {(*Service).buildRBACPolicy, (*Service).updateRBACPolicy, (*Service).DeleteRBACPolicy},
		addressGroups: {(*Service).buildAddressGroup, (*Service).updateAddressGroup, (*Service).DeleteAddressGroup},
	}
)

var ipv6Modes = []string{"slaac", "dhcpv6-stateful", "dhcpv6-stateless"}

// Validators. Each returns the value in its JSON type or why not.

func vString(max int) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, fmt.Errorf("'%s' is not a valid string", short(v))
		}
		if n := utf8.RuneCountInString(s); n > max {
			return nil, fmt.Errorf("'%s' exceeds maximum length of %d", s, max)
		}
		return v, nil
	}
}

func vBool(v json.RawMessage) (json.RawMessage, error) {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return v, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if b, ok := parseBool(s); ok {
			return json.RawMessage(strconv.FormatBool(b)), nil
		}
	}
	if string(v) == "0" || string(v) == "1" {
		return json.RawMessage(strconv.FormatBool(string(v) == "1")), nil
	}
	return nil, fmt.Errorf("'%s' cannot be converted to boolean", short(v))
}

// parseBool accepts what neutron's convert_to_boolean does.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

func vInt(min, max int) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("'%s' is not an integer", short(v))
		}
		if n < min || n > max {
			return nil, fmt.Errorf("'%d' is not in range %d through %d", n, min, max)
		}
		return json.RawMessage(strconv.Itoa(n)), nil
	}
}

// vServiceType is a device owner a subnet may serve, or a prefix of
// one ("network:", "compute:", "neutron:"), as neutron takes them.
func vServiceType(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil || !slices.ContainsFunc([]string{"network:", "compute:", "neutron:"}, func(p string) bool { return strings.HasPrefix(s, p) }) {
		return nil, fmt.Errorf("Service type '%s' is not a device owner (network:*, compute:*, neutron:*)", short(v))
	}
	return v, nil
}

// vNotEmpty takes a string that is not empty.
func vNotEmpty(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil || strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("'%s' Blank strings are not permitted", short(v))
	}
	return v, nil
}

// vPort is neutron-lib's convert_validate_port_value: 0 to 65535, else
// SecurityGroupInvalidPortValue (not the generic attribute error).
func vPort(v json.RawMessage) (json.RawMessage, error) {
	n, ok := toInt(v)
	if !ok || n < 0 || n > 65535 {
		return nil, fault(ErrInvalid, "SecurityGroupInvalidPortValue", "Invalid value for port %s.", short(v))
	}
	return json.RawMessage(strconv.Itoa(n)), nil
}

func toInt(v json.RawMessage) (int, bool) {
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil
}

func vIntOneOf(values ...int) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		n, ok := toInt(v)
		for _, w := range values {
			if ok && n == w {
				return json.RawMessage(strconv.Itoa(n)), nil
			}
		}
		return nil, fmt.Errorf("'%s' is not in %v", short(v), values)
	}
}

func vOneOf(values ...string) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var s string
		if json.Unmarshal(v, &s) == nil {
			for _, w := range values {
				if s == w {
					return v, nil
				}
			}
		}
		return nil, fmt.Errorf("'%s' is not in %s", short(v), quoteList(values))
	}
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + v + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func vOrNull(c check) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		if isNull(v) {
			return v, nil
		}
		return c(v)
	}
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

func vUUID(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil || !uuidRE.MatchString(s) {
		return nil, fmt.Errorf("'%s' is not a valid UUID", short(v))
	}
	return v, nil
}

func vIP(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, fmt.Errorf("'%s' is not a valid IP address", short(v))
	}
	if _, err := parseIP(s); err != nil {
		return nil, err
	}
	return v, nil
}

// parseIP accepts an IPv4 or IPv6 address in its usual forms, not an
// IPv4-mapped or zoned one.
func parseIP(s string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" || ip.Is4In6() {
		return netip.Addr{}, fmt.Errorf("'%s' is not a valid IP address", s)
	}
	return ip, nil
}

func vCIDR(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, fmt.Errorf("'%s' is not a valid IP subnet", short(v))
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		// neutron takes a bare address as its host route.
		ip, err := parseIP(s)
		if err != nil {
			return nil, fmt.Errorf("'%s' is not a valid IP subnet", s)
		}
		p = netip.PrefixFrom(ip, ip.BitLen())
	}
	b, _ := json.Marshal(p.Masked().String())
	return b, nil
}

// vIPOrCIDR takes an address or a subnet, as given.
func vIPOrCIDR(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if _, err := parseIP(s); err == nil {
			return v, nil
		}
		if _, err := netip.ParsePrefix(s); err == nil {
			return v, nil
		}
	}
	return nil, fmt.Errorf("'%s' is neither a valid IP address nor a valid IP subnet", short(v))
}

func vMAC(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, fmt.Errorf("'%s' is not a valid MAC address", short(v))
	}
	m, err := l2.ParseMAC(s)
	if err != nil || m == (l2.MAC{}) || m[0]&1 != 0 {
		return nil, fmt.Errorf("'%s' is not a valid MAC address", s)
	}
	b, _ := json.Marshal(m.String())
	return b, nil
}

func vObject(v json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if json.Unmarshal(v, &m) != nil {
		return nil, fmt.Errorf("'%s' is not a dictionary", short(v))
	}
	return v, nil
}

var protocols = map[string]int{
	"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "icmpv6": 58,
	"igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59,
	"ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6,
	"udp": 17, "udplite": 136, "vrrp": 112, "any": -1,
}

// vProtocol takes a protocol name or number (0-255), as a string.
func vProtocol(v json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("protocol %s is not supported", short(v))
		}
		s = strconv.Itoa(n)
	}
	if _, ok := protocols[strings.ToLower(s)]; ok {
		b, _ := json.Marshal(strings.ToLower(s))
		return b, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 255 {
		b, _ := json.Marshal(strconv.Itoa(n))
		return b, nil
	}
	return nil, fmt.Errorf("protocol %s is not supported. Only protocol values %s and integer representations [0 to 255] are supported", s, quoteList(protocolNames()))
}

func protocolNames() []string {
	return []string{"ah", "dccp", "egp", "esp", "gre", "icmp", "icmpv6", "igmp", "ipip", "ipv6-encap", "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf", "pgm", "rsvp", "sctp", "tcp", "udp", "udplite", "vrrp"}
}

// vList takes a list whose items each pass c.
func vList(c check) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return nil, fmt.Errorf("'%s' is not a list", short(v))
		}
		out := make([]json.RawMessage, len(items))
		for i, it := range items {
			var err error
			if out[i], err = c(it); err != nil {
				return nil, err
			}
		}
		return json.Marshal(out)
	}
}

// vDict takes an object with only the keys given, each passing its check;
// required keys must be there.
func vDict(what string, keys map[string]check, required ...string) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil || m == nil {
			return nil, fmt.Errorf("'%s' is not a valid %s", short(v), what)
		}
		for k, x := range m {
			c, ok := keys[k]
			if !ok {
				return nil, fmt.Errorf("unrecognized key '%s' in %s", k, what)
			}
			y, err := c(x)
			if err != nil {
				return nil, err
			}
			m[k] = y
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				return nil, fmt.Errorf("%s requires '%s'", what, k)
			}
		}
		return json.Marshal(m)
	}
}

var (
	vPool      = vDict("allocation pool", map[string]check{"start": vIP, "end": vIP}, "start", "end")
	vHostRoute = vDict("host route", map[string]check{"destination": vCIDR, "nexthop": vIP}, "destination", "nexthop")
	vFixedIP   = dropEmpty(vDict("fixed IP", map[string]check{"subnet_id": vUUID, "ip_address": vIP}))
	vDHCPOpt   = vDict("extra DHCP option", map[string]check{
		"opt_name": vNotEmpty, "opt_value": vOrNull(vNotEmpty), "ip_version": vIntOneOf(4, 6),
	}, "opt_name", "opt_value")
	vAddressPair = vDict("allowed address pair", map[string]check{"ip_address": vIPOrCIDR, "mac_address": vMAC}, "ip_address")
	// dict_or_nodata: an empty object is no gateway, as null is.
	vGateway = emptyIsNull(vDict("external gateway info", map[string]check{
		"network_id": vUUID, "enable_snat": vBool, "external_fixed_ips": vList(vFixedIP),
	}, "network_id"))
)

// emptyIsNull passes {} on as null (neutron-lib's type:dict_or_nodata),
// anything else to c.
func emptyIsNull(c check) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) == nil && m != nil && len(m) == 0 {
			return json.RawMessage("null"), nil
		}
		return c(v)
	}
}

// dropEmpty passes an object to c without its members that are "" (a Go
// FixedIP{SubnetID: s} names no address).
func dropEmpty(c check) check {
	return func(v json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) == nil && m != nil {
			for k, x := range m {
				if string(x) == `""` {
					delete(m, k)
				}
			}
			v, _ = json.Marshal(m)
		}
		return c(v)
	}
}

func short(v json.RawMessage) string {
	s := string(bytes.TrimSpace(v))
	if us, err := strconv.Unquote(s); err == nil {
		s = us
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}
