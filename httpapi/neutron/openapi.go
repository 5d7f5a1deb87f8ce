package neutron

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// urlNames are the collections as URLs spell them.
var urlNames = func() map[*kind]string {
	m := map[*kind]string{}
	for name, k := range collections {
		m[k] = name
	}
	return m
}()

// examples are what the document shows for creating each kind (and what
// its test creates, in this order: each may name what an earlier one
// answered, as ${network.id}).
var examples = []struct {
	k      *kind
	create map[string]any
	update map[string]any
}{
	{networks, map[string]any{"name": "ext", "router:external": true}, map[string]any{"name": "ext-net"}},
	{subnets, map[string]any{"network_id": "${network.id}", "ip_version": 4, "cidr": "203.0.113.0/24"}, map[string]any{"name": "ext-v4"}},
	{ports, map[string]any{"network_id": "${network.id}", "name": "vm1"}, map[string]any{"name": "vm1-eth0"}},
	{securityGroups, map[string]any{"name": "web"}, map[string]any{"description": "web servers"}},
	{securityGroupRules, map[string]any{"security_group_id": "${security_group.id}", "direction": "ingress",
		"ethertype": "IPv4", "protocol": "tcp", "port_range_min": 80, "port_range_max": 80}, nil}, // rules are never updated
	{routers, map[string]any{"name": "r1"}, map[string]any{"name": "r1-edge"}},
	{floatingIPs, map[string]any{"floating_network_id": "${network.id}"}, map[string]any{"port_id": nil}},
	{addressGroups, map[string]any{"name": "office", "addresses": []string{"192.0.2.0/24"}}, map[string]any{"name": "offices"}},
	{rbacPolicies, map[string]any{"object_type": "network", "object_id": "${network.id}", "action": "access_as_shared", "target_tenant": "*"}, map[string]any{"target_tenant": "demo"}},
	{addressScopes, map[string]any{"name": "tenants-v4", "ip_version": 4}, map[string]any{"name": "tenants"}},
	{subnetPools, map[string]any{"name": "tenants", "prefixes": []string{"10.128.0.0/12"}, "default_prefixlen": 24}, map[string]any{"name": "tenant-v4"}},
}

// document is the API's OpenAPI 3.1 description, served at
// /openapi.json where the handler is mounted, built from the same
// attribute tables the handler validates with. A test calls every
// operation it names and checks the answers.
func document() *openapi.Doc {
	d := openapi.New("OpenStack Networking API v2.0 (netslice)", "2.0",
		"Networks, subnets, ports, security groups and rules, routers and floating IPs, with tags, quotas and "+
			"extensions, as neutron-server answers them (neutron-lib's attribute definitions). Errors are "+
			"NeutronError objects. Resources are listed with filters (any filterable attribute), fields, sorting "+
			"(sort_key, sort_dir) and pagination (limit, marker, page_reverse).")
	s := d.Components.Schemas
	s["NeutronError"] = openapi.Object(map[string]*openapi.Schema{"NeutronError": openapi.Object(map[string]*openapi.Schema{
		"type": openapi.String("the error's name"), "message": openapi.String("what went wrong"), "detail": openapi.String(""),
	}, "type", "message", "detail")}, "NeutronError")
	s["Link"] = openapi.Object(map[string]*openapi.Schema{"href": openapi.String(""), "rel": openapi.String("")}, "href", "rel")
	errs := map[int]string{
		http.StatusBadRequest:            "The request or its body is malformed, or an attribute is invalid.",
		http.StatusUnauthorized:          "No valid token (with keystone or static tokens).",
		http.StatusForbidden:             "The caller may not do this (policy).",
		http.StatusConflict:              "The change conflicts with the state (in use, overlapping, quota exceeded).",
		http.StatusPreconditionFailed:    "If-Match names another revision_number.",
		http.StatusRequestEntityTooLarge: "The body is larger than the handler takes.",
		http.StatusUnsupportedMediaType:  "The body is not application/json.",
		http.StatusInternalServerError:   "An internal error.",
		http.StatusServiceUnavailable:    "The store is unavailable or the request took too long.",
	}
	r := d.Components.Responses
	fault := func(desc string) *openapi.Response { return openapi.JSON(desc, openapi.Ref("NeutronError")) }
	r["NotFound"] = fault("No such resource.")
	for code, desc := range errs {
		r[http.StatusText(code)] = fault(desc)
	}
	ok := func(desc string, s *openapi.Schema) map[string]*openapi.Response {
		return map[string]*openapi.Response{"200": openapi.JSON(desc, s)}
	}
	wrap := func(name string, s *openapi.Schema) *openapi.Schema {
		return openapi.Object(map[string]*openapi.Schema{name: s}, name)
	}
	body := func(s *openapi.Schema, example any) *openapi.RequestBody {
		return &openapi.RequestBody{Required: true, Content: map[string]openapi.MediaType{"application/json": {Schema: s, Example: example}}}
	}
	idParam := func(k *kind) openapi.Parameter {
		return openapi.Parameter{Name: k.singular + "_id", In: "path", Required: true, Schema: openapi.String(""),
			Description: "the " + k.singular + "'s id", Example: "${" + k.singular + ".id}"}
	}

	for _, ex := range examples {
		k := ex.k
		name := k.fault
		out := openapi.FromType(k.typ)
		for _, a := range k.attrs {
			if a.flags&adminSee != 0 { // only an admin sees it
				out.Required = slices.DeleteFunc(out.Required, func(n string) bool { return n == a.name })
			}
		}
		s[name] = out
		in := func(f flags) *openapi.Schema {
			obj := &openapi.Schema{Type: "object", Properties: map[string]*openapi.Schema{}}
			for _, n := range slices.Sorted(maps.Keys(k.attrs)) {
				a := k.attrs[n]
				if a.flags&f == 0 {
					continue
				}
				obj.Properties[n] = out.Properties[n]
				if f == post && a.flags&required != 0 {
					obj.Required = append(obj.Required, n)
				}
			}
			return obj
		}
		s[name+"Create"] = in(post)
		s[name+"Update"] = in(put)

		coll := "/v2.0/" + urlNames[k]
		item := coll + "/{" + k.singular + "_id}"
		var query []openapi.Parameter
		for _, n := range slices.Sorted(maps.Keys(k.attrs)) {
			if k.attrs[n].flags&filter != 0 {
				query = append(query, openapi.Parameter{Name: n, In: "query", Schema: openapi.String(""),
					Description: "only the resources whose " + n + " is this (repeat for any of several)"})
			}
		}
		query = append(query,
			openapi.Parameter{Name: "fields", In: "query", Schema: openapi.String(""), Description: "return only these attributes (repeat)"},
			openapi.Parameter{Name: "sort_key", In: "query", Schema: openapi.String(""), Description: "a sortable attribute (repeat)"},
			openapi.Parameter{Name: "sort_dir", In: "query", Schema: &openapi.Schema{Type: "string", Enum: []any{"asc", "desc"}}},
			openapi.Parameter{Name: "limit", In: "query", Schema: openapi.Integer("", 0, 1<<31-1), Example: 10},
			openapi.Parameter{Name: "marker", In: "query", Schema: openapi.String(""), Description: "the id the page starts after"},
			openapi.Parameter{Name: "page_reverse", In: "query", Schema: &openapi.Schema{Type: "string"}, Description: "True: the page before the marker"})
		listSchema := openapi.Object(map[string]*openapi.Schema{k.plural: openapi.Array(openapi.Ref(name)),
			k.plural + "_links": openapi.Array(openapi.Ref("Link"))}, k.plural)
		d.Add("GET", coll, &openapi.Operation{OperationID: "list_" + k.plural, Summary: "List " + k.plural + ".",
			Parameters: query, Responses: ok("The "+k.plural+" the caller may see.", listSchema)})
		d.Add("POST", coll, &openapi.Operation{OperationID: "create_" + k.singular, Summary: "Create a " + k.singular + " (or several: {\"" + k.plural + "\": [...]}).",
			RequestBody: body(&openapi.Schema{AnyOf: []*openapi.Schema{wrap(k.singular, openapi.Ref(name+"Create")),
				wrap(k.plural, openapi.Array(openapi.Ref(name+"Create")))}}, map[string]any{k.singular: ex.create}),
			Responses: map[string]*openapi.Response{"201": openapi.JSON("Created.", &openapi.Schema{AnyOf: []*openapi.Schema{
				wrap(k.singular, openapi.Ref(name)), wrap(k.plural, openapi.Array(openapi.Ref(name)))}})}})
		d.Add("GET", item, &openapi.Operation{OperationID: "show_" + k.singular, Summary: "Show a " + k.singular + ".",
			Parameters: []openapi.Parameter{idParam(k), {Name: "fields", In: "query", Schema: openapi.String("")}},
			Responses:  ok("The "+k.singular+".", wrap(k.singular, openapi.Ref(name)))})
		if ex.update != nil {
			d.Add("PUT", item, &openapi.Operation{OperationID: "update_" + k.singular, Summary: "Update a " + k.singular + ".",
				Parameters: []openapi.Parameter{idParam(k), {Name: "If-Match", In: "header", Schema: openapi.String(""),
					Description: "revision_number=N: only if the " + k.singular + " is at that revision"}},
				RequestBody: body(wrap(k.singular, openapi.Ref(name+"Update")), map[string]any{k.singular: ex.update}),
				Responses:   ok("The updated "+k.singular+".", wrap(k.singular, openapi.Ref(name)))})
		}
		d.Add("DELETE", item, &openapi.Operation{OperationID: "delete_" + k.singular, Summary: "Delete a " + k.singular + ".",
			Parameters: []openapi.Parameter{idParam(k)},
			Responses:  map[string]*openapi.Response{"204": openapi.Empty("Deleted.")}})
		if k.tagged {
			tags := item + "/tags"
			tagsSchema := openapi.Object(map[string]*openapi.Schema{"tags": openapi.Array(openapi.String(""))}, "tags")
			tag := openapi.Parameter{Name: "tag", In: "path", Required: true, Schema: openapi.String(""), Example: "blue"}
			d.Add("GET", tags, &openapi.Operation{OperationID: "list_" + k.singular + "_tags", Summary: "List the " + k.singular + "'s tags.",
				Parameters: []openapi.Parameter{idParam(k)}, Responses: ok("The tags.", tagsSchema)})
			d.Add("PUT", tags, &openapi.Operation{OperationID: "replace_" + k.singular + "_tags", Summary: "Replace the " + k.singular + "'s tags.",
				Parameters: []openapi.Parameter{idParam(k)}, RequestBody: body(tagsSchema, map[string]any{"tags": []string{"red", "green"}}),
				Responses: ok("The tags.", tagsSchema)})
			d.Add("DELETE", tags, &openapi.Operation{OperationID: "clear_" + k.singular + "_tags", Summary: "Remove all the " + k.singular + "'s tags.",
				Parameters: []openapi.Parameter{idParam(k)}, Responses: map[string]*openapi.Response{"204": openapi.Empty("Removed.")}})
			d.Add("GET", tags+"/{tag}", &openapi.Operation{OperationID: "check_" + k.singular + "_tag", Summary: "Whether the " + k.singular + " has a tag.",
				Parameters: []openapi.Parameter{idParam(k), tag}, Responses: map[string]*openapi.Response{"204": openapi.Empty("It has.")}})
			d.Add("PUT", tags+"/{tag}", &openapi.Operation{OperationID: "add_" + k.singular + "_tag", Summary: "Add a tag to the " + k.singular + ".",
				Parameters: []openapi.Parameter{idParam(k), tag}, Responses: map[string]*openapi.Response{"201": openapi.Empty("Added.")}})
			d.Add("DELETE", tags+"/{tag}", &openapi.Operation{OperationID: "remove_" + k.singular + "_tag", Summary: "Remove a tag from the " + k.singular + ".",
				Parameters: []openapi.Parameter{idParam(k), tag}, Responses: map[string]*openapi.Response{"204": openapi.Empty("Removed.")}})
		}
	}

	// Router interfaces.
	s["RouterInterface"] = openapi.FromType(reflect.TypeOf(RouterInterface{}))
	ifaceIn := openapi.Object(map[string]*openapi.Schema{"subnet_id": openapi.String(""), "port_id": openapi.String("")})
	for _, action := range []string{"add_router_interface", "remove_router_interface"} {
		d.Add("PUT", "/v2.0/routers/{router_id}/"+action, &openapi.Operation{OperationID: action,
			Summary:     map[string]string{"add_router_interface": "Connect a subnet (or a port) to a router.", "remove_router_interface": "Disconnect a subnet (or a port) from a router."}[action],
			Parameters:  []openapi.Parameter{idParam(routers)},
			RequestBody: body(ifaceIn, map[string]any{"subnet_id": "${subnet.id}"}),
			Responses:   ok("The interface.", openapi.Ref("RouterInterface"))})
	}

	// Discovery.
	d.Add("GET", "/", &openapi.Operation{OperationID: "list_versions", Summary: "The API's versions (no token needed).",
		Responses: ok("The versions.", openapi.Object(map[string]*openapi.Schema{"versions": openapi.Array(openapi.Object(
			map[string]*openapi.Schema{"id": openapi.String(""), "status": openapi.String(""), "links": openapi.Array(openapi.Ref("Link"))},
			"id", "status", "links"))}, "versions"))})
	d.Add("GET", "/v2.0", &openapi.Operation{OperationID: "list_resources", Summary: "The API's collections.",
		Responses: ok("The collections.", openapi.Object(map[string]*openapi.Schema{"resources": openapi.Array(openapi.Object(
			map[string]*openapi.Schema{"name": openapi.String(""), "collection": openapi.String(""), "links": openapi.Array(openapi.Ref("Link"))},
			"name", "collection", "links"))}, "resources"))})
	s["Extension"] = openapi.FromType(reflect.TypeOf(Extension{}))
	d.Add("GET", "/v2.0/extensions", &openapi.Operation{OperationID: "list_extensions", Summary: "The extensions the API implements.",
		Responses: ok("The extensions.", wrap("extensions", openapi.Array(openapi.Ref("Extension"))))})
	d.Add("GET", "/v2.0/extensions/{alias}", &openapi.Operation{OperationID: "show_extension", Summary: "One extension.",
		Parameters: []openapi.Parameter{{Name: "alias", In: "path", Required: true, Schema: openapi.String(""), Example: "router"}},
		Responses:  ok("The extension.", wrap("extension", openapi.Ref("Extension")))})

	// Quotas.
	limits := &openapi.Schema{Type: "object", AdditionalProperties: &openapi.Schema{AnyOf: []*openapi.Schema{{Type: "integer"}, {Type: "string"}}},
		Description: "a limit (-1: none) for each resource, and project_id and tenant_id in lists"}
	project := openapi.Parameter{Name: "project_id", In: "path", Required: true, Schema: openapi.String(""), Example: "demo"}
	d.Add("GET", "/v2.0/quotas", &openapi.Operation{OperationID: "list_quotas", Summary: "The projects whose quotas differ from the default.",
		Responses: ok("The quotas.", wrap("quotas", openapi.Array(limits)))})
	d.Add("GET", "/v2.0/quotas/tenant", &openapi.Operation{OperationID: "show_quota_tenant", Summary: "The caller's project.",
		Responses: ok("The project.", wrap("tenant", openapi.Object(map[string]*openapi.Schema{"tenant_id": openapi.String("")}, "tenant_id")))})
	d.Add("GET", "/v2.0/quotas/{project_id}", &openapi.Operation{OperationID: "show_quota", Summary: "A project's quota.",
		Parameters: []openapi.Parameter{project}, Responses: ok("The quota.", wrap("quota", limits))})
	d.Add("PUT", "/v2.0/quotas/{project_id}", &openapi.Operation{OperationID: "update_quota", Summary: "Change a project's quota (admin).",
		Parameters: []openapi.Parameter{project}, RequestBody: body(wrap("quota", limits), map[string]any{"quota": map[string]any{"network": 20}}),
		Responses: ok("The quota.", wrap("quota", limits))})
	d.Add("DELETE", "/v2.0/quotas/{project_id}", &openapi.Operation{OperationID: "reset_quota", Summary: "Reset a project's quota to the default (admin).",
		Parameters: []openapi.Parameter{project}, Responses: map[string]*openapi.Response{"204": openapi.Empty("Reset.")}})
	d.Add("GET", "/v2.0/quotas/{project_id}/default", &openapi.Operation{OperationID: "show_quota_default", Summary: "The default quota.",
		Parameters: []openapi.Parameter{project}, Responses: ok("The quota.", wrap("quota", limits))})
	detail := &openapi.Schema{Type: "object", AdditionalProperties: openapi.Object(map[string]*openapi.Schema{
		"limit": {Type: "integer"}, "used": {Type: "integer"}, "reserved": {Type: "integer"}}, "limit", "used", "reserved")}
	d.Add("GET", "/v2.0/quotas/{project_id}/details", &openapi.Operation{OperationID: "show_quota_details", Summary: "A project's quota with its use.",
		Parameters: []openapi.Parameter{project}, Responses: ok("The quota and use.", wrap("quota", detail))})

	d.Add("GET", "/openapi.json", &openapi.Operation{OperationID: "openapi", Summary: "This document.",
		Responses: map[string]*openapi.Response{"200": openapi.JSON("The API's OpenAPI 3.1 document.",
			&openapi.Schema{Type: "object", AdditionalProperties: &openapi.Schema{}})}})

	// What any operation may answer.
	codes := make([]int, 0, len(errs))
	for c := range errs {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	shared := map[int]*openapi.Response{}
	for _, c := range codes {
		shared[c] = openapi.Shared(http.StatusText(c))
	}
	for path, ops := range d.Paths {
		for _, op := range ops {
			if strings.Contains(path, "{") {
				op.Responses["404"] = openapi.Shared("NotFound")
			}
		}
	}
	d.Respond(shared)
	return d
}
