// Package neutron is the OpenStack Networking API v2.0 (Neutron): a Go
// service that owns the resource model and IPAM over a store.Store, an
// http.Handler that is a thin adapter over it, and a source of slices so
// that the l2 fabric forwards for its networks.
//
// # The service
//
// Service has networks, subnets, ports, security groups and their rules,
// routers (interfaces, external gateways, extra routes), floating IPs,
// subnet pools (subnets that take their CIDR from one), address scopes
// (pools that share an address space), RBAC policies (a network,
// security group, subnet pool or address scope shared with one project,
// or a network made external to it), address groups (CIDRs a rule may
// name as its remote end), quotas and tags, with neutron-lib's attributes, defaults, read-only
// rules and validators, and neutron's errors (an *Error names the
// exception neutron raises: NetworkInUse, IpAddressAlreadyAllocated, ...).
// It is usable without HTTP:
//
//	svc, _ := neutron.NewService(st, neutron.Options{})
//	go svc.Run(ctx) // follows the store until ctx ends
//	ctx = neutron.WithCaller(ctx, neutron.Caller{Project: "demo"})
//	n, _ := svc.CreateNetwork(ctx, neutron.NetworkOptions{Name: neutron.Ptr("web")})
//	svc.CreateSubnet(ctx, neutron.SubnetOptions{NetworkID: &n.ID, CIDR: neutron.Ptr("10.0.0.0/24"), IPVersion: neutron.Ptr(4)})
//	p, _ := svc.CreatePort(ctx, neutron.PortOptions{NetworkID: &n.ID}) // 10.0.0.2, fa:16:3e:…
//
// Creates and updates take typed options (NetworkOptions, PortOptions, …)
// or Attrs, the attributes as a request spells them; either way neutron's
// attribute tables validate them. Lists are typed (Networks, Ports, …,
// and ListPage for a page and whether more follow).
//
// Every write is one store transaction, cascades and bulk requests
// included, so a failure leaves nothing half done. A transaction holds at
// most store.MaxTxnOps writes, which bounds a bulk request (about forty
// ports, each its object, its MAC and its address). Uniqueness —
// addresses per subnet, MACs per network, provider segments, a project's
// default security group — is kept by claim keys a transaction creates
// only if absent, so several services sharing a store (etcd) agree.
//
// Reads come from a view in memory that follows the store (a watch), so
// lists filter, sort and page over 100,000 ports without reading the
// store; before answering, a read waits until the view has the last
// write any service made (each transaction writes a head key; reading it
// is one Get). A write built over a stale view fails its conditions and
// is built again. Quotas are checked against the view: two processes may
// both take a project's last slot at once, as with neutron's own
// reservations.
//
// IPAM allocates from each pool's bit tree (a free address in a few word
// reads, however full: see BenchmarkAllocate); pools too large for one
// (IPv6) are sampled at random. A port without fixed_ips gets one address
// from each IPv4 and stateful IPv6 subnet of its network and its EUI-64
// address on SLAAC ones.
//
// # The API
//
// NewHandler serves "/" (versions, without a token as neutron-server does)
// and "/v2.0/...": the collections, /v2.0/extensions (exactly those
// listed in Extensions, each of which works), the tags and quotas APIs,
// and add_router_interface / remove_router_interface. It speaks JSON
// (".json" accepted), answers faults as {"NeutronError": {"type",
// "message", "detail"}}, filters on every filterable attribute (different
// keys AND, a repeated key ORs; an unknown one is a 400), selects fields,
// sorts (sort_key and sort_dir in pairs), pages (limit, marker,
// page_reverse, absolute next and previous links that honour
// X-Forwarded-Proto and -Host and the mount point), creates in bulk, and
// refuses a PUT or DELETE whose If-Match: revision_number=N no longer
// holds (412).
//
// Authentication is an httpapi.Authenticator: NoAuth (every caller an
// admin, for a closed test bed), StaticTokens, or Keystone, which
// validates X-Auth-Token against a Keystone v3 server and caches what it
// learns. A caller without the admin role sees its project's resources
// and shared and external networks; another project's are not found
// (404), as neutron hides them.
//
// # The data plane
//
// Source returns the networks as slices for an l2/sources Follower,
// beside the Sliceable API's: a port bound with binding:host_id (a
// datapath id) and binding:profile ({"port": N, "vlan": V}; the VLAN
// defaults to the network's provider VLAN) binds that switch location
// with its MACs attached; an unbound port's MACs are attached to the
// network. Neutron and Sliceable networks share one fabric and never see
// each other's frames.
//
// A bound port with port_security_enabled sends only from its MAC with
// its fixed IPs (any address, when it has none) and from its
// allowed_address_pairs: the fabric drops the rest (l2.PortPolicy), and
// answers ARP requests and neighbor solicitations for its fixed IPs at
// the edge. A bound port
// without port security admits every MAC and address. A bound
// port with an IPv4 address on a subnet with enable_dhcp gets it from
// DHCP, answered by the controller (l2.DHCPv4): the subnet's prefix,
// gateway (router and server identifier), dns_nameservers and
// host_routes, the network's MTU, a one-day lease, and the port's
// extra_dhcp_opts of IP version 4 (dnsmasq's option names, or numbers).
// A bound port with port security and security groups is filtered by
// its groups' rules on OpenFlow 1.3 switches, statefully (Open vSwitch's
// connection tracker, l2.PortPolicy.Filtered): a connection passes when
// a rule of the sender's (egress) and of the receiver's (ingress) allows
// it, and its replies pass either way. remote_group_id is the group's
// ports' fixed IPs and allowed address pairs, remote_address_group_id
// the address group's addresses; both follow membership. A port whose
// groups have stateful false is filtered packet by packet: replies need
// rules of their own. On OpenFlow 1.0 switches
// the rules are not enforced (the slicing app's Unenforced lists those
// ports). A bound port with an IPv6 address on a subnet whose
// ipv6_ra_mode (or ipv6_address_mode) is slaac, dhcpv6-stateless or
// dhcpv6-stateful gets router advertisements in answer to its
// solicitations (the prefix, the A/M/O flags, MTU, DNS servers; no
// default router); on a subnet with enable_dhcp and an address mode of
// dhcpv6-stateful it leases its address by DHCPv6, and with
// dhcpv6-stateless it gets the DNS servers.
//
// Statuses say what the configuration is, as far as this service can
// know it: a port bound to a switch port is ACTIVE when it and its
// network are up and, with Options.DataPlane (the slicing app, as the
// server wires it), once its switch is connected and its filter flows
// are on it — DOWN again when the switch goes; a router's interface and
// gateway ports are ACTIVE once the router has them, and a floating IP
// once it is associated — but no L3 data plane is behind routers and
// floating IPs yet: they are kept, validated and listed, and nothing
// routes or translates their traffic.
//
// # Against OpenStack's own suites
//
// gophercloud's acceptance tests for Networking v2
// (internal/suites/gophercloud.sh) and tempest's network API tests
// (internal/suites/tempest.sh, Debian's tempest with dynamic credentials)
// run against this package: a server on a memory store beside a Keystone
// stand-in (internal/suites/keystone). What they test and this package
// does not have, and why:
//
//   - agents: listing them, DHCP-agent and L3-agent scheduling, router
//     placement (tempest's test_list_agents_non_admin; gophercloud's
//     router scheduling and agents tests). There are no agents: the
//     fabric's OpenFlow controller is what acts on the configuration.
//   - services outside a Neutron API server, whose extensions are not
//     listed so that clients skip them: metering, DVR, QoS, trunks,
//     segments, BGP, VPN, FWaaS, port forwarding, tap-as-a-service,
//     external-gateway multihoming, service providers, and the old "tag"
//     extension (standard-attr-tag is listed).
//   - port binding tests that need a compute service (tempest skips them
//     without nova).
//
// One gophercloud test fails for a reason of its own:
// TestLayer3ExternalRouterCreateDelete compares the gateway's addresses
// after an update with the request, whose new address names only its
// subnet; neutron, like this package, answers with the address it chose.
package neutron
