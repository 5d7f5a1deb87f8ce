package neutron

import (
	"context"
	"reflect"
	"strings"
)

// Typed attributes for the Service's creates and updates. Each XOptions
// names the attributes a request may give an X, spelled and typed as Go
// has them; a nil field is not given (on create: the default; on update:
// unchanged), and Null names attributes to set to null. The attribute
// tables validate them as they validate a request, so an XOptions is
// refused exactly where the same JSON body would be. Every create and
// update also takes Attrs, the attributes as a request spells them.

// NetworkInput is what CreateNetwork and UpdateNetwork take:
// NetworkOptions, or Attrs.
type NetworkInput interface{ networkAttrs() Attrs }

// SubnetInput is what CreateSubnet and UpdateSubnet take: SubnetOptions,
// or Attrs.
type SubnetInput interface{ subnetAttrs() Attrs }

// PortInput is what CreatePort and UpdatePort take: PortOptions, or
// Attrs.
type PortInput interface{ portAttrs() Attrs }

// RouterInput is what CreateRouter and UpdateRouter take: RouterOptions,
// or Attrs.
type RouterInput interface{ routerAttrs() Attrs }

// FloatingIPInput is what CreateFloatingIP and UpdateFloatingIP take:
// FloatingIPOptions, or Attrs.
type FloatingIPInput interface{ floatingIPAttrs() Attrs }

// SecurityGroupInput is what CreateSecurityGroup and UpdateSecurityGroup
// take: SecurityGroupOptions, or Attrs.
type SecurityGroupInput interface{ securityGroupAttrs() Attrs }

// SecurityGroupRuleInput is what CreateSecurityGroupRule takes:
// SecurityGroupRuleOptions, or Attrs.
type SecurityGroupRuleInput interface{ securityGroupRuleAttrs() Attrs }

// AddressGroupInput is what CreateAddressGroup and UpdateAddressGroup
// take: AddressGroupOptions, or Attrs.
type AddressGroupInput interface{ addressGroupAttrs() Attrs }

// RBACPolicyInput is what CreateRBACPolicy and UpdateRBACPolicy take:
// RBACPolicyOptions, or Attrs.
type RBACPolicyInput interface{ rbacPolicyAttrs() Attrs }

// AddressScopeInput is what CreateAddressScope and UpdateAddressScope
// take: AddressScopeOptions, or Attrs.
type AddressScopeInput interface{ addressScopeAttrs() Attrs }

// SubnetPoolInput is what CreateSubnetPool and UpdateSubnetPool take:
// SubnetPoolOptions, or Attrs.
type SubnetPoolInput interface{ subnetPoolAttrs() Attrs }

func (a Attrs) networkAttrs() Attrs           { return a }
func (a Attrs) subnetAttrs() Attrs            { return a }
func (a Attrs) portAttrs() Attrs              { return a }
func (a Attrs) routerAttrs() Attrs            { return a }
func (a Attrs) floatingIPAttrs() Attrs        { return a }
func (a Attrs) securityGroupAttrs() Attrs     { return a }
func (a Attrs) securityGroupRuleAttrs() Attrs { return a }
func (a Attrs) subnetPoolAttrs() Attrs        { return a }
func (a Attrs) addressScopeAttrs() Attrs      { return a }
func (a Attrs) rbacPolicyAttrs() Attrs        { return a }
func (a Attrs) addressGroupAttrs() Attrs      { return a }

// NetworkOptions are a network's attributes.
type NetworkOptions struct {
	// ProjectID creates the network for another project (admins only).
	ProjectID           *string `json:"project_id"`
	Name                *string `json:"name"`
	Description         *string `json:"description"`
	AdminStateUp        *bool   `json:"admin_state_up"`
	Shared              *bool   `json:"shared"`
	MTU                 *int    `json:"mtu"`
	PortSecurityEnabled *bool   `json:"port_security_enabled"`
	// NetworkType ("flat", "vlan", "vxlan", "local"), PhysicalNetwork and
	// SegmentationID are the provider extension's (admins only).
	NetworkType     *string `json:"provider:network_type"`
	PhysicalNetwork *string `json:"provider:physical_network"`
	SegmentationID  *int    `json:"provider:segmentation_id"`
	External        *bool   `json:"router:external"`
	Null            []string
}

func (o NetworkOptions) networkAttrs() Attrs { return attrsOf(o) }

// SubnetOptions are a subnet's attributes.
type SubnetOptions struct {
	ProjectID       *string          `json:"project_id"`
	Name            *string          `json:"name"`
	Description     *string          `json:"description"`
	NetworkID       *string          `json:"network_id"`
	IPVersion       *int             `json:"ip_version"`
	CIDR            *string          `json:"cidr"`
	GatewayIP       *string          `json:"gateway_ip"` // Null: "gateway_ip" for none
	AllocationPools []AllocationPool `json:"allocation_pools"`
	DNSNameservers  []string         `json:"dns_nameservers"`
	HostRoutes      []HostRoute      `json:"host_routes"`
	EnableDHCP      *bool            `json:"enable_dhcp"`
	IPv6RAMode      *string          `json:"ipv6_ra_mode"`
	IPv6AddressMode *string          `json:"ipv6_address_mode"`
	SubnetPoolID    *string          `json:"subnetpool_id"`
	// ServiceTypes limit the subnet's addresses to ports of these
	// device owners ("network:floatingip", "compute:nova", ...).
	ServiceTypes []string `json:"service_types"`
	// PrefixLen is the size of the block taken from SubnetPoolID when
	// CIDR is not given (the pool's default_prefixlen unless set);
	// UseDefaultSubnetPool takes it from the default pool of the IP
	// version.
	PrefixLen            *int  `json:"prefixlen"`
	UseDefaultSubnetPool *bool `json:"use_default_subnetpool"`
	Null                 []string
}

func (o SubnetOptions) subnetAttrs() Attrs { return attrsOf(o) }

// PortOptions are a port's attributes.
type PortOptions struct {
	ProjectID           *string       `json:"project_id"`
	Name                *string       `json:"name"`
	Description         *string       `json:"description"`
	NetworkID           *string       `json:"network_id"`
	AdminStateUp        *bool         `json:"admin_state_up"`
	MACAddress          *string       `json:"mac_address"`
	FixedIPs            []FixedIP     `json:"fixed_ips"`
	DeviceID            *string       `json:"device_id"`
	DeviceOwner         *string       `json:"device_owner"`
	SecurityGroups      []string      `json:"security_groups"`
	AllowedAddressPairs []AddressPair `json:"allowed_address_pairs"`
	PortSecurityEnabled *bool         `json:"port_security_enabled"`
	// HostID and Profile bind the port to a switch port (admins only):
	// a datapath id, and {"port": N, "vlan": V}.
	HostID   *string        `json:"binding:host_id"`
	Profile  map[string]any `json:"binding:profile"`
	VNICType *string        `json:"binding:vnic_type"`
	// ExtraDHCPOpts set, change or (with a nil Value) remove extra
	// DHCP options by name and IP version.
	ExtraDHCPOpts []DHCPOptionChange `json:"extra_dhcp_opts"`
	// Trusted marks the port a trusted VIF (admins only).
	Trusted *bool `json:"trusted"`
	Null    []string
}

// DHCPOptionChange is an extra DHCP option in a port's create or update:
// a nil Value removes the option; IPVersion 0 is 4.
type DHCPOptionChange struct {
	Name      string  `json:"opt_name"`
	Value     *string `json:"opt_value"`
	IPVersion int     `json:"ip_version,omitempty"`
}

func (o PortOptions) portAttrs() Attrs { return attrsOf(o) }

// GatewayOptions are a router's external gateway: the external network,
// SNAT (on when not given), and the gateway's addresses.
type GatewayOptions struct {
	NetworkID        string    `json:"network_id"`
	EnableSNAT       *bool     `json:"enable_snat,omitempty"`
	ExternalFixedIPs []FixedIP `json:"external_fixed_ips,omitempty"`
}

// RouterOptions are a router's attributes. Routes are given on update
// only, as neutron takes them.
type RouterOptions struct {
	ProjectID           *string         `json:"project_id"`
	Name                *string         `json:"name"`
	Description         *string         `json:"description"`
	AdminStateUp        *bool           `json:"admin_state_up"`
	ExternalGatewayInfo *GatewayOptions `json:"external_gateway_info"` // Null: "external_gateway_info" to clear
	Routes              []HostRoute     `json:"routes"`
	Null                []string
}

func (o RouterOptions) routerAttrs() Attrs { return attrsOf(o) }

// FloatingIPOptions are a floating IP's attributes: on update, PortID
// (and FixedIPAddress) associate it, and Null: "port_id" frees it.
type FloatingIPOptions struct {
	ProjectID         *string `json:"project_id"`
	Description       *string `json:"description"`
	FloatingNetworkID *string `json:"floating_network_id"`
	FloatingIPAddress *string `json:"floating_ip_address"`
	SubnetID          *string `json:"subnet_id"` // the external subnet to take the address from
	PortID            *string `json:"port_id"`
	FixedIPAddress    *string `json:"fixed_ip_address"`
	Null              []string
}

func (o FloatingIPOptions) floatingIPAttrs() Attrs { return attrsOf(o) }

// SecurityGroupOptions are a security group's attributes.
type SecurityGroupOptions struct {
	ProjectID   *string `json:"project_id"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Stateful    *bool   `json:"stateful"`
	Null        []string
}

func (o SecurityGroupOptions) securityGroupAttrs() Attrs { return attrsOf(o) }

// SecurityGroupRuleOptions are a rule's attributes (a rule is never
// updated).
type SecurityGroupRuleOptions struct {
	ProjectID       *string `json:"project_id"`
	Description     *string `json:"description"`
	SecurityGroupID *string `json:"security_group_id"`
	Direction       *string `json:"direction"` // "ingress" or "egress"
	EtherType       *string `json:"ethertype"` // "IPv4" or "IPv6"
	Protocol        *string `json:"protocol"`
	PortRangeMin    *int    `json:"port_range_min"`
	PortRangeMax    *int    `json:"port_range_max"`
	RemoteIPPrefix  *string `json:"remote_ip_prefix"`
	RemoteGroupID   *string `json:"remote_group_id"`
	// RemoteAddressGroupID names an address group as the remote end.
	RemoteAddressGroupID *string `json:"remote_address_group_id"`
	Null                 []string
}

func (o SecurityGroupRuleOptions) securityGroupRuleAttrs() Attrs { return attrsOf(o) }

// Ptr returns a pointer to v, for the options' fields:
// NetworkOptions{Name: neutron.Ptr("web")}.
func Ptr[T any](v T) *T { return &v }

// attrsOf turns XOptions into Attrs: every field that is not nil, under
// its JSON name, and the attributes Null names, as null.
func attrsOf(opts any) Attrs {
	a := Attrs{}
	v := reflect.ValueOf(opts)
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "Null" {
			for _, name := range v.Field(i).Interface().([]string) {
				a[name] = nil
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Pointer:
			if !fv.IsNil() {
				a[name] = fv.Elem().Interface()
			}
		case reflect.Slice, reflect.Map:
			if !fv.IsNil() {
				a[name] = fv.Interface()
			}
		}
	}
	return a
}

// Resource is a type the Service keeps: Network, Subnet, Port, Router,
// FloatingIP, SecurityGroup, SecurityGroupRule, SubnetPool, AddressScope,
// RBACPolicy or AddressGroup.
type Resource interface {
	Network | Subnet | Port | Router | FloatingIP | SecurityGroup | SecurityGroupRule | SubnetPool | AddressScope | RBACPolicy | AddressGroup
}

// ListPage returns one page of the resources of type T the caller sees,
// as q selects, orders and pages them:
//
//	page, err := neutron.ListPage[neutron.Port](ctx, svc, neutron.Query{Limit: 100})
func ListPage[T Resource](ctx context.Context, s *Service, q Query) (Page[T], error) {
	var k *kind
	for _, kk := range allKinds {
		if kk.typ == reflect.TypeFor[T]() {
			k = kk
		}
	}
	page, err := s.List(ctx, k.plural, q)
	if err != nil {
		return Page[T]{}, err
	}
	out := Page[T]{Items: make([]T, len(page.Items)), Next: page.Next, Before: page.Before}
	for i, o := range page.Items {
		out.Items[i] = *o.(*T)
	}
	return out, nil
}

// SubnetPoolOptions are a subnet pool's attributes.
type SubnetPoolOptions struct {
	ProjectID        *string  `json:"project_id"`
	Name             *string  `json:"name"`
	Description      *string  `json:"description"`
	Prefixes         []string `json:"prefixes"`
	DefaultPrefixLen *int     `json:"default_prefixlen"`
	MinPrefixLen     *int     `json:"min_prefixlen"`
	MaxPrefixLen     *int     `json:"max_prefixlen"`
	DefaultQuota     *int     `json:"default_quota"` // Null: "default_quota" for none
	// Shared and IsDefault are admins' to set.
	Shared         *bool   `json:"shared"`
	IsDefault      *bool   `json:"is_default"`
	AddressScopeID *string `json:"address_scope_id"`
	Null           []string
}

func (o SubnetPoolOptions) subnetPoolAttrs() Attrs { return attrsOf(o) }

// AddressScopeOptions are an address scope's attributes.
type AddressScopeOptions struct {
	ProjectID   *string `json:"project_id"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	IPVersion   *int    `json:"ip_version"`
	Shared      *bool   `json:"shared"` // admins only
	Null        []string
}

func (o AddressScopeOptions) addressScopeAttrs() Attrs { return attrsOf(o) }

// RBACPolicyOptions are an RBAC policy's attributes.
type RBACPolicyOptions struct {
	ProjectID    *string `json:"project_id"`
	Description  *string `json:"description"`
	ObjectType   *string `json:"object_type"`
	ObjectID     *string `json:"object_id"`
	Action       *string `json:"action"`
	TargetTenant *string `json:"target_tenant"`
	Null         []string
}

func (o RBACPolicyOptions) rbacPolicyAttrs() Attrs { return attrsOf(o) }

// AddressGroupOptions are an address group's attributes: addresses are
// given on create only (AddAddresses and RemoveAddresses change them).
type AddressGroupOptions struct {
	ProjectID   *string  `json:"project_id"`
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Addresses   []string `json:"addresses"`
	Null        []string
}

func (o AddressGroupOptions) addressGroupAttrs() Attrs { return attrsOf(o) }
