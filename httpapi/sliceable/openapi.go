package sliceable

import (
	"net/http"

	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// document is the API's OpenAPI 3.1 description, served at
// /openapi.json where the handler is mounted. A test calls every
// operation it names and checks the answers, and checks that it names
// every route the handler serves.
func document() *openapi.Doc {
	d := openapi.New("Sliceable Network Management API", "1.0",
		"Tenants, their networks (slices), the switch ports bound to each network and the MAC addresses attached "+
			"to a port or to a whole network. Changes are accepted (202) and reach the fabric as the store is followed.")
	s := d.Components.Schemas
	id := func(kind string) *openapi.Schema {
		n, m := 1, MaxIDLen
		return &openapi.Schema{Type: "string", Description: kind + " id: UTF-8 without '/' or control characters",
			MinLength: &n, MaxLength: &m}
	}
	desc := &openapi.Schema{Type: "string", Description: "free text"}
	s["Description"] = openapi.Object(map[string]*openapi.Schema{"description": desc}, "description")
	s["DescriptionIn"] = openapi.Object(map[string]*openapi.Schema{"description": desc})
	s["TenantIn"] = openapi.Object(map[string]*openapi.Schema{"id": id("tenant (generated when absent)"), "description": desc})
	s["NetworkIn"] = openapi.Object(map[string]*openapi.Schema{"id": id("network (generated when absent)"), "description": desc})
	s["Identified"] = openapi.Object(map[string]*openapi.Schema{"id": openapi.String("id"), "description": desc}, "id", "description")
	dpid := &openapi.Schema{Type: "string", Pattern: "^0x[0-9a-fA-F]{1,16}$", Description: "datapath id: 0x and 1 to 16 hex digits"}
	port := openapi.Integer("OpenFlow port number", 0, 4294967295)
	vid := &openapi.Schema{Type: "integer", Description: "VLAN id, or 65535 for untagged",
		AnyOf: []*openapi.Schema{openapi.Integer("", 0, 4095), {Type: "integer", Enum: []any{65535}}}}
	s["PortIn"] = openapi.Object(map[string]*openapi.Schema{"id": id("port (generated when absent)"),
		"datapath_id": dpid, "port": port, "vid": vid}, "datapath_id", "port", "vid")
	s["Port"] = openapi.Object(map[string]*openapi.Schema{"id": openapi.String("port id"), "datapath_id": dpid, "port": port,
		"vid": vid}, "id", "datapath_id", "port", "vid")
	s["PortConfig"] = openapi.Object(map[string]*openapi.Schema{"config": openapi.Object(map[string]*openapi.Schema{
		"datapath_id": dpid, "port": port, "vid": vid}, "datapath_id", "port", "vid")}, "config")
	mac := &openapi.Schema{Type: "string", Pattern: "^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$", Description: "MAC address"}
	s["AttachmentIn"] = openapi.Object(map[string]*openapi.Schema{"id": id("attachment"), "mac": mac}, "id", "mac")
	s["Attachment"] = openapi.Object(map[string]*openapi.Schema{"id": openapi.String("attachment id"), "mac": mac}, "id", "mac")
	s["Binding"] = openapi.Object(map[string]*openapi.Schema{
		"type": {Type: "integer", Enum: []any{bindingPort, bindingMAC, bindingPortAttachment},
			Description: "1: a port, 2: a MAC attached to the network, 3: a MAC attached to a port"},
		"id": openapi.String("the port's or attachment's id"), "datapath_id": dpid, "port": port, "vid": vid,
		"mac": mac, "port_id": openapi.String("the port a MAC is attached to (type 3)"),
	}, "type", "id")
	s["Network"] = openapi.Object(map[string]*openapi.Schema{"description": desc,
		"bindings": openapi.Array(openapi.Ref("Binding"))}, "description", "bindings")

	r := d.Components.Responses
	r["NotFound"] = openapi.Text("No such object (or a malformed id, which names none).")
	r["Unprocessable"] = openapi.Text("The body is malformed, a field is wrong, or the object exists or conflicts with another (a location or MAC in use).")
	r["Busy"] = openapi.Text("The object changed under the request too many times; try again.")
	r["TooLarge"] = openapi.Text("The body is larger than the handler takes.")
	r["UnsupportedMediaType"] = openapi.Text("The body is not application/json.")

	param := func(name, description, example string) openapi.Parameter {
		return openapi.Parameter{Name: name, In: "path", Required: true, Description: description,
			Schema: openapi.String(""), Example: example}
	}
	tid := param("tid", "tenant id", "acme")
	nid := param("nid", "network id", "office")
	pid := param("pid", "port id", "p1")
	paid := param("aid", "attachment id", "vm1")
	naid := param("aid", "attachment id", "roamer")
	accepted := func(what string, s *openapi.Schema) *openapi.Response {
		res := openapi.JSON(what+" accepted; Location names it.", s)
		res.Headers = map[string]*openapi.Header{"Location": {Description: "the new object's URL", Schema: openapi.String("")}}
		return res
	}
	jsonBody := func(schema string, example any) *openapi.RequestBody {
		return &openapi.RequestBody{Required: true, Content: map[string]openapi.MediaType{
			"application/json": {Schema: openapi.Ref(schema), Example: example}}}
	}
	list := func(id, summary string, item string, params ...openapi.Parameter) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params,
			Responses: map[string]*openapi.Response{"200": openapi.JSON("The list.", openapi.Array(openapi.Ref(item)))}}
	}
	create := func(id, summary, in string, example any, out string, params ...openapi.Parameter) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params, RequestBody: jsonBody(in, example),
			Responses: map[string]*openapi.Response{"202": accepted("Creation", openapi.Ref(out)),
				"413": openapi.Shared("TooLarge"), "415": openapi.Shared("UnsupportedMediaType"), "422": openapi.Shared("Unprocessable")}}
	}
	get := func(id, summary, out string, params ...openapi.Parameter) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params,
			Responses: map[string]*openapi.Response{"200": openapi.JSON("The object.", openapi.Ref(out))}}
	}
	modify := func(id, summary string, params ...openapi.Parameter) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params,
			RequestBody: jsonBody("DescriptionIn", map[string]any{"description": "changed"}),
			Responses: map[string]*openapi.Response{"202": openapi.Empty("The change is accepted."),
				"413": openapi.Shared("TooLarge"), "415": openapi.Shared("UnsupportedMediaType"), "422": openapi.Shared("Unprocessable")}}
	}
	del := func(id, summary string, params ...openapi.Parameter) *openapi.Operation {
		return &openapi.Operation{OperationID: id, Summary: summary, Parameters: params,
			Responses: map[string]*openapi.Response{"202": openapi.Empty("The deletion is accepted.")}}
	}

	d.Add("GET", tenants, list("listTenants", "List the tenants.", "Identified"))
	d.Add("POST", tenants, create("createTenant", "Create a tenant.", "TenantIn", map[string]any{"id": "acme", "description": "Acme"}, "Identified"))
	d.Add("GET", tenant, get("getTenant", "Show a tenant.", "Description", tid))
	d.Add("PUT", tenant, modify("modifyTenant", "Change a tenant's description.", tid))
	d.Add("DELETE", tenant, del("deleteTenant", "Delete a tenant with its networks.", tid))
	d.Add("GET", nets, list("listNetworks", "List a tenant's networks.", "Identified", tid))
	d.Add("POST", nets, create("createNetwork", "Create a network (a slice).", "NetworkIn", map[string]any{"id": "office"}, "Identified", tid))
	d.Add("GET", net, get("getNetwork", "Show a network with its bindings.", "Network", tid, nid))
	d.Add("PUT", net, modify("modifyNetwork", "Change a network's description.", tid, nid))
	d.Add("DELETE", net, del("deleteNetwork", "Delete a network with its ports and attachments.", tid, nid))
	d.Add("GET", ports, list("listPorts", "List a network's ports.", "Port", tid, nid))
	d.Add("POST", ports, create("createPort", "Bind a switch port (and VLAN) to a network.", "PortIn",
		map[string]any{"id": "p1", "datapath_id": "0xe0", "port": 1, "vid": 65535}, "Port", tid, nid))
	d.Add("GET", portp, get("getPort", "Show a port.", "PortConfig", tid, nid, pid))
	d.Add("DELETE", portp, del("deletePort", "Unbind a port, with its attachments.", tid, nid, pid))
	d.Add("GET", patts, list("listPortAttachments", "List the MACs attached to a port.", "Attachment", tid, nid, pid))
	d.Add("POST", patts, create("createPortAttachment", "Attach a MAC to a port.", "AttachmentIn",
		map[string]any{"id": "vm1", "mac": "52:54:00:00:00:01"}, "Attachment", tid, nid, pid))
	d.Add("GET", patt, get("getPortAttachment", "Show a port attachment.", "Attachment", tid, nid, pid, paid))
	d.Add("DELETE", patt, del("deletePortAttachment", "Detach a MAC from a port.", tid, nid, pid, paid))
	d.Add("GET", natts, list("listNetworkAttachments", "List the MACs attached to a network.", "Attachment", tid, nid))
	d.Add("POST", natts, create("createNetworkAttachment", "Attach a MAC to a network, wherever it appears.", "AttachmentIn",
		map[string]any{"id": "roamer", "mac": "02:00:00:00:00:09"}, "Attachment", tid, nid))
	d.Add("GET", natt, get("getNetworkAttachment", "Show a network attachment.", "Attachment", tid, nid, naid))
	d.Add("DELETE", natt, del("deleteNetworkAttachment", "Detach a MAC from a network.", tid, nid, naid))

	// What any operation on an object (a path with an id) may answer, and
	// what every operation may.
	for path, ops := range d.Paths {
		for _, op := range ops {
			if len(op.Parameters) > 0 {
				op.Responses["404"] = openapi.Shared("NotFound")
			}
			if op.RequestBody != nil || op.Responses["202"] != nil && path != tenants {
				op.Responses["409"] = openapi.Shared("Busy") // a write
			}
		}
	}
	d.Add("GET", "/openapi.json", &openapi.Operation{OperationID: "openapi", Summary: "This document.",
		Responses: map[string]*openapi.Response{"200": openapi.JSON("The API's OpenAPI 3.1 document.", &openapi.Schema{Type: "object",
			AdditionalProperties: &openapi.Schema{}})}})
	d.Respond(map[int]*openapi.Response{
		http.StatusUnauthorized:        openapi.Text("The Authenticator refused the caller (when one is configured)."),
		http.StatusForbidden:           openapi.Text("The caller may not do this (when an Authenticator says so)."),
		http.StatusNotAcceptable:       openapi.Text("The client does not accept application/json."),
		http.StatusInternalServerError: openapi.Text("An internal error."),
		http.StatusServiceUnavailable:  openapi.Text("The store is unavailable or the request took too long; Retry-After says when to try again."),
	})
	return d
}
