package neutron

// Standard is what every Neutron resource carries (neutron's standard
// attributes, with project-id's project_id beside tenant_id).
type Standard struct {
	ID             string `json:"id"`
	TenantID       string `json:"tenant_id"`
	ProjectID      string `json:"project_id"`
	Description    string `json:"description"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	RevisionNumber int64  `json:"revision_number"`
}

func (s *Standard) std() *Standard { return s }

// Network is a virtual L2 network: an l2 slice of its project.
type Network struct {
	Standard
	Name                string   `json:"name"`
	AdminStateUp        bool     `json:"admin_state_up"`
	Status              string   `json:"status"`
	Shared              bool     `json:"shared"`
	Subnets             []string `json:"subnets"`
	MTU                 int      `json:"mtu"`
	PortSecurityEnabled bool     `json:"port_security_enabled"`
	NetworkType         string   `json:"provider:network_type"`
	PhysicalNetwork     *string  `json:"provider:physical_network"`
	SegmentationID      *int     `json:"provider:segmentation_id"`
	External            bool     `json:"router:external"`
	Tags                []string `json:"tags"`
}

// Subnet is an IP address block on a network, the pools its ports'
// addresses come from.
type Subnet struct {
	Standard
	Name            string           `json:"name"`
	NetworkID       string           `json:"network_id"`
	IPVersion       int              `json:"ip_version"`
	CIDR            string           `json:"cidr"`
	GatewayIP       *string          `json:"gateway_ip"`
	AllocationPools []AllocationPool `json:"allocation_pools"`
	DNSNameservers  []string         `json:"dns_nameservers"`
	HostRoutes      []HostRoute      `json:"host_routes"`
	EnableDHCP      bool             `json:"enable_dhcp"`
	IPv6RAMode      *string          `json:"ipv6_ra_mode"`
	IPv6AddressMode *string          `json:"ipv6_address_mode"`
	SubnetPoolID    *string          `json:"subnetpool_id"`
	// ServiceTypes are the device owners the subnet gives addresses
	// to (subnet-service-types); none: any port.
	ServiceTypes []string `json:"service_types"`
	Tags         []string `json:"tags"`
	// PrefixLen and UseDefaultSubnetPool are a create's choices of a
	// CIDR from a pool: not kept, so never shown, as in neutron.
	PrefixLen            *int  `json:"prefixlen,omitempty"`
	UseDefaultSubnetPool *bool `json:"use_default_subnetpool,omitempty"`
}

// RBACPolicy grants a project (TargetTenant, or "*" for all) access to
// an object another project owns.
type RBACPolicy struct {
	Standard
	ObjectType   string `json:"object_type"` // network, security_group, subnetpool, address_scope
	ObjectID     string `json:"object_id"`
	Action       string `json:"action"` // access_as_shared, access_as_external
	TargetTenant string `json:"target_tenant"`
}

// AddressScope is a space of addresses its subnet pools share without
// overlapping.
type AddressScope struct {
	Standard
	Name      string `json:"name"`
	IPVersion int    `json:"ip_version"`
	Shared    bool   `json:"shared"`
}

// SubnetPool is a set of prefixes subnets take their CIDRs from.
type SubnetPool struct {
	Standard
	Name string `json:"name"`
	// Prefixes are the pool's address space, merged (adjacent and
	// overlapping prefixes joined), as neutron shows them.
	Prefixes         []string `json:"prefixes"`
	DefaultPrefixLen int      `json:"default_prefixlen"`
	MinPrefixLen     int      `json:"min_prefixlen"`
	MaxPrefixLen     int      `json:"max_prefixlen"`
	// DefaultQuota bounds what one project may take from the pool, in
	// addresses (IPv4) or /64s (IPv6); nil: no bound.
	DefaultQuota   *int     `json:"default_quota"`
	IPVersion      int      `json:"ip_version"`
	Shared         bool     `json:"shared"`
	IsDefault      bool     `json:"is_default"`
	AddressScopeID *string  `json:"address_scope_id"`
	Tags           []string `json:"tags"`
}

// AllocationPool is an inclusive range of addresses.
type AllocationPool struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// HostRoute is a route handed to hosts (subnets) or installed (routers).
type HostRoute struct {
	Destination string `json:"destination"`
	NextHop     string `json:"nexthop"`
}

// Port is a network's attachment point: a MAC and its addresses, bound to
// a switch port through binding:host_id (a datapath id) and
// binding:profile ({"port": N, "vlan": V}).
type Port struct {
	Standard
	Name                string         `json:"name"`
	NetworkID           string         `json:"network_id"`
	AdminStateUp        bool           `json:"admin_state_up"`
	Status              string         `json:"status"`
	MACAddress          string         `json:"mac_address"`
	FixedIPs            []FixedIP      `json:"fixed_ips"`
	DeviceID            string         `json:"device_id"`
	DeviceOwner         string         `json:"device_owner"`
	SecurityGroups      []string       `json:"security_groups"`
	AllowedAddressPairs []AddressPair  `json:"allowed_address_pairs"`
	PortSecurityEnabled bool           `json:"port_security_enabled"`
	HostID              string         `json:"binding:host_id"`
	Profile             map[string]any `json:"binding:profile"`
	VIFType             string         `json:"binding:vif_type"`
	VIFDetails          map[string]any `json:"binding:vif_details"`
	VNICType            string         `json:"binding:vnic_type"`
	// ExtraDHCPOpts are DHCP options given to the port beyond the
	// subnet's (extra_dhcp_opt).
	ExtraDHCPOpts []DHCPOption `json:"extra_dhcp_opts"`
	// Trusted marks a trusted VIF (port-trusted-vif); it is kept in
	// binding:profile as "trusted", where neutron keeps it. Nil: unset.
	Trusted *bool    `json:"trusted"`
	Tags    []string `json:"tags"`
}

// DHCPOption is an extra DHCP option of a port: its name (or number)
// and value, for IPv4 or IPv6.
type DHCPOption struct {
	Name      string `json:"opt_name"`
	Value     string `json:"opt_value"`
	IPVersion int    `json:"ip_version"`
}

// FixedIP is one of a port's addresses.
type FixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// AddressPair is an address (or CIDR) a port may also send from, with the
// MAC it uses (the port's own when empty).
type AddressPair struct {
	IPAddress  string `json:"ip_address"`
	MACAddress string `json:"mac_address"`
}

// SecurityGroup is a named set of rules; its rules are their own
// resources and are listed with it.
type SecurityGroup struct {
	Standard
	Name     string              `json:"name"`
	Stateful bool                `json:"stateful"`
	Rules    []SecurityGroupRule `json:"security_group_rules"`
	Tags     []string            `json:"tags"`
}

// SecurityGroupRule allows traffic in one direction.
type SecurityGroupRule struct {
	Standard
	SecurityGroupID string  `json:"security_group_id"`
	Direction       string  `json:"direction"`
	EtherType       string  `json:"ethertype"`
	Protocol        *string `json:"protocol"`
	PortRangeMin    *int    `json:"port_range_min"`
	PortRangeMax    *int    `json:"port_range_max"`
	RemoteIPPrefix  *string `json:"remote_ip_prefix"`
	RemoteGroupID   *string `json:"remote_group_id"`
	// RemoteAddressGroupID names an address group as the remote end.
	RemoteAddressGroupID *string `json:"remote_address_group_id"`
}

// AddressGroup is a named list of CIDRs security group rules may name.
type AddressGroup struct {
	Standard
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
}

// Router connects subnets and, through its gateway, an external network.
type Router struct {
	Standard
	Name                string       `json:"name"`
	AdminStateUp        bool         `json:"admin_state_up"`
	Status              string       `json:"status"`
	ExternalGatewayInfo *GatewayInfo `json:"external_gateway_info"`
	Routes              []HostRoute  `json:"routes"`
	Tags                []string     `json:"tags"`
}

// GatewayInfo is a router's external gateway.
type GatewayInfo struct {
	NetworkID        string    `json:"network_id"`
	EnableSNAT       bool      `json:"enable_snat"`
	ExternalFixedIPs []FixedIP `json:"external_fixed_ips"`
}

// RouterInterface is what adding or removing a router interface answers.
type RouterInterface struct {
	ID        string   `json:"id"`
	TenantID  string   `json:"tenant_id"`
	ProjectID string   `json:"project_id"`
	PortID    string   `json:"port_id"`
	SubnetID  string   `json:"subnet_id"`
	SubnetIDs []string `json:"subnet_ids"`
	NetworkID string   `json:"network_id"`
}

// FloatingIP is an address of an external network, associated with a
// port's fixed address or free.
type FloatingIP struct {
	Standard
	FloatingNetworkID string `json:"floating_network_id"`
	FloatingIPAddress string `json:"floating_ip_address"`
	// SubnetID is a create's choice of external subnet: not kept, so
	// never shown, as neutron does not show it.
	SubnetID       *string  `json:"subnet_id,omitempty"`
	PortID         *string  `json:"port_id"`
	FixedIPAddress *string  `json:"fixed_ip_address"`
	RouterID       *string  `json:"router_id"`
	Status         string   `json:"status"`
	Tags           []string `json:"tags"`
}

// Device owners neutron and its clients use.
const (
	OwnerDHCP            = "network:dhcp"
	OwnerRouterInterface = "network:router_interface"
	OwnerRouterGateway   = "network:router_gateway"
	OwnerFloatingIP      = "network:floatingip"
)

// autoDeleted are the ports a network's deletion takes with it (neutron's
// AUTO_DELETE_PORT_OWNERS, of those we know).
func autoDeleted(owner string) bool { return owner == OwnerDHCP }
