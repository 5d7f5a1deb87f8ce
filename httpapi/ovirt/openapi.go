package ovirt

import (
	"net/http"
	"strings"

	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// document is the API's OpenAPI 3.1 description, served at
// /openapi.json where the handler is mounted. Every body is XML by default
// (elements, with href and id as attributes) and JSON when the client
// asks for it (Accept, Content-Type: application/json); the schemas give
// the JSON form, in which every value is a string. A test calls every
// operation it names and checks the answers.
func document() *openapi.Doc {
	d := openapi.New("oVirt host networking API (netslice)", "4.4",
		"Logical networks, and the hosts' NICs, network attachments and connections, as oVirt Engine's REST "+
			"API v4 answers them (the v4 SDKs' requests). XML unless the client asks for JSON; in JSON every "+
			"value is a string, an element that may repeat is an array, and an empty list is an empty object.")
	s := d.Components.Schemas
	str := openapi.String
	obj := func(props map[string]*openapi.Schema, required ...string) *openapi.Schema {
		return openapi.Object(props, required...)
	}
	links := openapi.Array(openapi.Ref("Link"))
	// many is an element that repeats: one is an object (JSON), several
	// an array; in a list (one) it is always an array.
	many := func(item *openapi.Schema) *openapi.Schema {
		return &openapi.Schema{AnyOf: []*openapi.Schema{openapi.Array(item), item}}
	}
	listOf := func(elem string, item *openapi.Schema) *openapi.Schema {
		return obj(map[string]*openapi.Schema{elem: openapi.Array(item)})
	}
	s["Link"] = obj(map[string]*openapi.Schema{"href": str(""), "rel": str("")}, "href", "rel")
	s["Ref"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "name": str("")}, "href", "id")
	s["Fault"] = obj(map[string]*openapi.Schema{"reason": str(""), "detail": str("")}, "reason", "detail")
	s["Action"] = obj(map[string]*openapi.Schema{"status": str("complete")}, "status")
	s["IP"] = obj(map[string]*openapi.Schema{"address": str(""), "netmask": str("dotted (v4) or a prefix length"),
		"version": str("v4 or v6")}, "address", "netmask", "version")
	s["Network"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "name": str(""), "description": str(""),
		"vlan": obj(map[string]*openapi.Schema{"id": str("")}, "id"), "mtu": str("0: the default"),
		"usages": obj(map[string]*openapi.Schema{"usage": openapi.Array(str("vm, ..."))}), "required": str("true or false"),
		"in_sync": str("on a NIC: whether the host has it as asked"), "link": links},
		"href", "id", "name", "description", "mtu", "usages", "required")
	s["NetworkIn"] = obj(map[string]*openapi.Schema{"name": str("required to create"), "description": str(""),
		"vlan": obj(map[string]*openapi.Schema{"id": str("")}), "mtu": str(""),
		"usages": obj(map[string]*openapi.Schema{"usage": many(str(""))}), "required": str("")})
	s["Host"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "name": str(""), "status": str("up or non_responsive"),
		"comment": str("read-only: a host this server reports and never changes"),
		"actions": obj(map[string]*openapi.Schema{"link": links}, "link"), "link": links},
		"href", "id", "name", "status", "actions", "link")
	option := obj(map[string]*openapi.Schema{"name": str(""), "value": str("")}, "name", "value")
	s["HostNIC"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "name": str(""),
		"mac": obj(map[string]*openapi.Schema{"address": str("")}, "address"), "mtu": str(""), "status": str("up or down"),
		"speed": str("bits per second"), "ip": openapi.Ref("IP"),
		"bonding": obj(map[string]*openapi.Schema{"options": obj(map[string]*openapi.Schema{"option": many(option)}),
			"slaves": obj(map[string]*openapi.Schema{"host_nic": openapi.Array(openapi.Ref("Ref"))})}),
		"host": openapi.Ref("Ref"), "link": links},
		"href", "id", "name", "mac", "mtu", "status", "host", "link")
	s["NetworkAttachment"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "network": openapi.Ref("Ref"),
		"host_nic": openapi.Ref("Ref"), "in_sync": str(""),
		"reported_configurations": obj(map[string]*openapi.Schema{"reported_configuration": openapi.Array(obj(map[string]*openapi.Schema{
			"name": str("mtu, bridged or vlan"), "expected_value": str(""), "actual_value": str(""), "in_sync": str("")},
			"name", "expected_value", "actual_value", "in_sync"))}),
		"ip_address_assignments": obj(map[string]*openapi.Schema{"ip_address_assignment": openapi.Array(obj(map[string]*openapi.Schema{
			"assignment_method": str("static"), "ip": openapi.Ref("IP")}, "assignment_method", "ip"))}),
		"host": openapi.Ref("Ref")},
		"href", "id", "network", "in_sync", "reported_configurations", "ip_address_assignments", "host")
	refIn := obj(map[string]*openapi.Schema{"id": str(""), "name": str("")})
	s["NetworkAttachmentIn"] = obj(map[string]*openapi.Schema{"network": refIn, "host_nic": refIn,
		"ip_address_assignments": obj(map[string]*openapi.Schema{"ip_address_assignment": many(obj(map[string]*openapi.Schema{
			"assignment_method": str("static (or none)"), "ip": obj(map[string]*openapi.Schema{"address": str(""), "netmask": str("")})}))}),
		"id": str("in setupnetworks: the attachment changed")})
	s["NetworkConnection"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "network": openapi.Ref("Ref"),
		"nic": openapi.Ref("Ref"), "external": str(""), "in_sync": str(""), "host": openapi.Ref("Ref"), "link": links},
		"href", "id", "network", "external", "in_sync", "host", "link")
	s["NetworkConnectionIn"] = obj(map[string]*openapi.Schema{"network": refIn, "nic": refIn, "external": str("")})
	s["Statistic"] = obj(map[string]*openapi.Schema{"href": str(""), "id": str(""), "name": str(""), "description": str(""),
		"kind": str("counter or gauge"), "type": str("integer or decimal"), "unit": str(""),
		"values":   obj(map[string]*openapi.Schema{"value": openapi.Array(obj(map[string]*openapi.Schema{"datum": str("")}, "datum"))}, "value"),
		"host_nic": openapi.Ref("Ref"), "network": openapi.Ref("Ref"), "networkconnection": openapi.Ref("Ref")},
		"href", "id", "name", "description", "kind", "type", "unit", "values")
	bond := obj(map[string]*openapi.Schema{"name": str(""), "bonding": obj(map[string]*openapi.Schema{
		"options": obj(map[string]*openapi.Schema{"option": many(option)}),
		"slaves":  obj(map[string]*openapi.Schema{"host_nic": many(refIn)})})})
	s["SetupNetworks"] = obj(map[string]*openapi.Schema{
		"modified_network_attachments": obj(map[string]*openapi.Schema{"network_attachment": many(openapi.Ref("NetworkAttachmentIn"))}),
		"removed_network_attachments":  obj(map[string]*openapi.Schema{"network_attachment": many(openapi.Ref("NetworkAttachmentIn"))}),
		"modified_bonds":               obj(map[string]*openapi.Schema{"host_nic": many(bond)}),
		"removed_bonds":                obj(map[string]*openapi.Schema{"host_nic": many(refIn)}),
		"check_connectivity":           str("true: roll back what loses the engine's connectivity"),
		"connectivity_timeout":         str("seconds"),
	})
	s["API"] = obj(map[string]*openapi.Schema{"link": links, "product_info": obj(map[string]*openapi.Schema{
		"name": str(""), "vendor": str(""), "version": obj(map[string]*openapi.Schema{"major": str(""), "minor": str(""),
			"build": str(""), "revision": str("")}, "major", "minor", "build", "revision")}, "name", "vendor", "version")},
		"link", "product_info")

	// Bodies in both forms.
	both := func(desc string, schema *openapi.Schema) *openapi.Response {
		return &openapi.Response{Description: desc, Content: map[string]openapi.MediaType{
			"application/xml": {Schema: schema}, "application/json": {Schema: schema}}}
	}
	in := func(schema string, example any) *openapi.RequestBody {
		return &openapi.RequestBody{Required: true, Content: map[string]openapi.MediaType{
			"application/xml": {Schema: openapi.Ref(schema)}, "application/json": {Schema: openapi.Ref(schema), Example: example}}}
	}
	ok := func(desc, schema string) map[string]*openapi.Response {
		return map[string]*openapi.Response{"200": both(desc, openapi.Ref(schema))}
	}
	list := func(desc, elem, schema string) map[string]*openapi.Response {
		return map[string]*openapi.Response{"200": both(desc, listOf(elem, openapi.Ref(schema)))}
	}
	created := func(desc, schema string) map[string]*openapi.Response {
		r := both(desc+"; Location names it.", openapi.Ref(schema))
		r.Headers = map[string]*openapi.Header{"Location": {Schema: str("")}}
		return map[string]*openapi.Response{"201": r}
	}
	gone := map[string]*openapi.Response{"200": openapi.Empty("Removed.")}
	param := func(name, desc, example string) openapi.Parameter {
		return openapi.Parameter{Name: name, In: "path", Required: true, Schema: str(""), Description: desc, Example: example}
	}
	host := param("host_id", "the host's id or name", "host1")
	network := param("network_id", "the network's id or name", "vmnet")
	nic := param("nic_id", "the NIC's id or name", "eth0")
	op := func(id, summary string, params []openapi.Parameter, body *openapi.RequestBody, res map[string]*openapi.Response) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params, RequestBody: body, Responses: res}
	}
	ps := func(p ...openapi.Parameter) []openapi.Parameter { return p }

	d.Add("GET", "/", op("api", "The API's entry point.", nil, nil, ok("The entry point.", "API")))
	d.Add("GET", "/networks", op("listNetworks", "List the logical networks.", nil, nil, list("The networks.", "network", "Network")))
	d.Add("POST", "/networks", op("addNetwork", "Add a logical network.", nil,
		in("NetworkIn", map[string]any{"name": "vmnet", "description": "VMs", "mtu": "1500"}), created("Added", "Network")))
	d.Add("GET", "/networks/{network_id}", op("getNetwork", "Show a logical network.", ps(network), nil, ok("The network.", "Network")))
	d.Add("PUT", "/networks/{network_id}", op("updateNetwork", "Change a logical network (hosts follow).", ps(network),
		in("NetworkIn", map[string]any{"description": "virtual machines"}), ok("The network.", "Network")))
	d.Add("DELETE", "/networks/{network_id}", op("removeNetwork", "Remove a logical network no host has.", ps(network), nil, gone))
	d.Add("GET", "/hosts", op("listHosts", "List the hosts.", nil, nil, list("The hosts.", "host", "Host")))
	d.Add("GET", "/hosts/{host_id}", op("getHost", "Show a host.", ps(host), nil, ok("The host.", "Host")))
	d.Add("GET", "/hosts/{host_id}/nics", op("listNICs", "List a host's NICs.", ps(host), nil, list("The NICs.", "host_nic", "HostNIC")))
	d.Add("GET", "/hosts/{host_id}/nics/{nic_id}", op("getNIC", "Show a NIC.", ps(host, nic), nil, ok("The NIC.", "HostNIC")))
	stats := map[string]*openapi.Response{"200": both("The statistics.", listOf("statistic", openapi.Ref("Statistic")))}
	d.Add("GET", "/hosts/{host_id}/nics/{nic_id}/statistics", op("getNICStatistics", "A NIC's traffic counters.", ps(host, nic), nil, stats))

	// Network attachments, of a host and of one of its NICs.
	for _, at := range []struct {
		prefix, id string
		params     []openapi.Parameter
		create     map[string]any
		attID      string
	}{
		{"/hosts/{host_id}/networkattachments", "", ps(host),
			map[string]any{"network": map[string]any{"name": "vmnet"}, "host_nic": map[string]any{"name": "eth0"}}, "vmnet"},
		{"/hosts/{host_id}/nics/{nic_id}/networkattachments", "NIC", ps(host, param("nic_id", "the NIC's id or name", "eth1")),
			map[string]any{"network": map[string]any{"name": "storage"}}, "storage"},
	} {
		item := at.prefix + "/{attachment_id}"
		att := append(append([]openapi.Parameter{}, at.params...), param("attachment_id", "the attachment's id, or its network's id or name", at.attID))
		d.Add("GET", at.prefix, op("list"+at.id+"NetworkAttachments", "List the networks attached.", at.params, nil,
			list("The attachments.", "network_attachment", "NetworkAttachment")))
		d.Add("POST", at.prefix, op("add"+at.id+"NetworkAttachment", "Attach a network (to a NIC, with static addresses); the host applies it before the answer.",
			at.params, in("NetworkAttachmentIn", at.create), created("Attached", "NetworkAttachment")))
		d.Add("GET", item, op("get"+at.id+"NetworkAttachment", "Show an attachment.", att, nil, ok("The attachment.", "NetworkAttachment")))
		d.Add("PUT", item, op("update"+at.id+"NetworkAttachment", "Move an attachment to another NIC or change its addresses.", att,
			in("NetworkAttachmentIn", map[string]any{"ip_address_assignments": map[string]any{}}), ok("The attachment.", "NetworkAttachment")))
		d.Add("DELETE", item, op("remove"+at.id+"NetworkAttachment", "Detach the network.", att, nil, gone))
	}
	// The seed's NIC networks and network connections.
	nicNets := "/hosts/{host_id}/nics/{nic_id}/networks"
	nic2 := param("nic_id", "the NIC's id or name", "eth2")
	nn := ps(host, nic2, param("network_id", "the network's id or name", "backup"))
	d.Add("GET", nicNets, op("listNICNetworks", "List the networks on a NIC.", ps(host, nic2), nil, list("The networks.", "network", "Network")))
	d.Add("POST", nicNets, op("addNICNetwork", "Attach a network to a NIC.", ps(host, nic2),
		in("NetworkIn", map[string]any{"name": "backup"}), created("Attached", "Network")))
	d.Add("GET", nicNets+"/{network_id}", op("getNICNetwork", "Show a network on a NIC.", nn, nil, ok("The network.", "Network")))
	d.Add("DELETE", nicNets+"/{network_id}", op("removeNICNetwork", "Detach a network from a NIC.", nn, nil, gone))
	d.Add("GET", nicNets+"/{network_id}/statistics", op("getNICNetworkStatistics", "A network's traffic on the host.", nn, nil, stats))
	conns := "/hosts/{host_id}/networkconnections"
	cn := ps(host, param("connection_id", "the connection's id, or its network's id or name", "tenant"))
	d.Add("GET", conns, op("listNetworkConnections", "List the host's network connections.", ps(host), nil,
		list("The connections.", "networkconnection", "NetworkConnection")))
	d.Add("POST", conns, op("addNetworkConnection", "Connect a network (to a NIC, or NIC-less, or external).", ps(host),
		in("NetworkConnectionIn", map[string]any{"network": map[string]any{"name": "tenant"}}), created("Connected", "NetworkConnection")))
	d.Add("GET", conns+"/{connection_id}", op("getNetworkConnection", "Show a connection.", cn, nil, ok("The connection.", "NetworkConnection")))
	d.Add("PUT", conns+"/{connection_id}", op("updateNetworkConnection", "Move a connection to another NIC (<nic/>: none) or make it external.", cn,
		in("NetworkConnectionIn", map[string]any{"external": "false"}), ok("The connection.", "NetworkConnection")))
	d.Add("DELETE", conns+"/{connection_id}", op("removeNetworkConnection", "Disconnect the network.", cn, nil, gone))
	d.Add("GET", conns+"/{connection_id}/statistics", op("getNetworkConnectionStatistics", "The connection's traffic.", cn, nil, stats))
	// Actions.
	d.Add("POST", "/hosts/{host_id}/setupnetworks", op("setupNetworks", "Change the host's networks and bonds in one step, rolled back as a whole.",
		ps(host), in("SetupNetworks", map[string]any{"check_connectivity": "false"}), ok("Applied.", "Action")))
	d.Add("POST", "/hosts/{host_id}/commitnetconfig", op("commitNetConfig", "Make the host's network configuration persistent.",
		ps(host), nil, ok("Committed.", "Action")))
	d.Add("GET", "/openapi.json", op("openapi", "This document.", nil, nil, map[string]*openapi.Response{"200": openapi.JSON(
		"The API's OpenAPI 3.1 document.", &openapi.Schema{Type: "object", AdditionalProperties: &openapi.Schema{}})}))

	fault := func(desc string) *openapi.Response { return both(desc, openapi.Ref("Fault")) }
	for path, ops := range d.Paths {
		for method, o := range ops {
			if strings.Contains(path, "{") {
				o.Responses["404"] = fault("No such host, NIC, network or attachment.")
			}
			if o.RequestBody != nil {
				o.Responses["400"] = fault("The body is malformed or a value is wrong.")
				o.Responses["413"] = fault("The body is larger than the handler takes.")
			}
			if method != "get" {
				o.Responses["409"] = fault("The change conflicts: in use, already there, or the host cannot apply it (it was rolled back), or the host is read-only.")
			}
		}
	}
	d.Respond(map[int]*openapi.Response{
		http.StatusUnauthorized:        fault("No valid credentials (when users are configured)."),
		http.StatusInternalServerError: fault("An internal error."),
		http.StatusServiceUnavailable:  fault("The store is unavailable or the request took too long."),
	})
	return d
}
