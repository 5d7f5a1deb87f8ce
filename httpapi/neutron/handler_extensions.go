package neutron

// What the API has beside its collections' create, read, update and
// delete: router interfaces and extra routes, tags, quotas and the list
// of extensions.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

func (h *Handler) routerInterface(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var subnetID, portID string
	for key, raw := range body {
		var s string
		if key != "subnet_id" && key != "port_id" {
			return badRequest("Unrecognized attribute(s) '%s'", key)
		}
		if _, err := vUUID(raw); err != nil {
			return invalidAttr(key, err.Error())
		}
		json.Unmarshal(raw, &s)
		if key == "subnet_id" {
			subnetID = s
		} else {
			portID = s
		}
	}
	var info RouterInterface
	id := r.PathValue("id")
	if strings.HasSuffix(r.URL.Path, "/add_router_interface") {
		info, err = h.svc.AddRouterInterface(r.Context(), id, subnetID, portID)
	} else {
		info, err = h.svc.RemoveRouterInterface(r.Context(), id, subnetID, portID)
	}
	if err != nil {
		return err
	}
	b, _ := json.Marshal(info)
	writeJSON(w, 200, b)
	return nil
}

// extraRoutes is extraroute-atomic's add_extraroutes and
// remove_extraroutes: {"router": {"routes": [...]}} in, the router out.
func (h *Handler) extraRoutes(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var in map[string]json.RawMessage
	raw, ok := body["router"]
	if !ok || len(body) != 1 || json.Unmarshal(raw, &in) != nil || in == nil {
		return badRequest("Unable to find 'router' in request body")
	}
	for k := range in {
		if k != "routes" {
			return badRequest("Unrecognized attribute(s) '%s'", k)
		}
	}
	var routes []HostRoute
	if _, err := vList(vHostRoute)(in["routes"]); err != nil {
		return invalidAttr("routes", err.Error())
	}
	json.Unmarshal(in["routes"], &routes)
	var rt Router
	if strings.HasSuffix(r.URL.Path, "/add_extraroutes") {
		rt, err = h.svc.AddExtraRoutes(r.Context(), r.PathValue("id"), routes)
	} else {
		rt, err = h.svc.RemoveExtraRoutes(r.Context(), r.PathValue("id"), routes)
	}
	if err != nil {
		return err
	}
	writeOne(w, 200, routers, &rt, callerFrom(r.Context()), nil)
	return nil
}

// groupAddresses is address-group's add_addresses and remove_addresses:
// {"addresses": [...]} in, the group out ({"address_group": {...}}).
func (h *Handler) groupAddresses(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var given []string
	raw, ok := body["addresses"]
	if !ok || len(body) != 1 || json.Unmarshal(raw, &given) != nil {
		return badRequest("Unable to find 'addresses' in request body")
	}
	var g AddressGroup
	if strings.HasSuffix(r.URL.Path, "/add_addresses") {
		g, err = h.svc.AddAddresses(r.Context(), r.PathValue("id"), given)
	} else {
		g, err = h.svc.RemoveAddresses(r.Context(), r.PathValue("id"), given)
	}
	if err != nil {
		return err
	}
	writeOne(w, 200, addressGroups, &g, callerFrom(r.Context()), nil)
	return nil
}

// poolPrefixes is subnetpool-prefix-ops' add_prefixes and
// remove_prefixes: {"prefixes": [...]} in, the pool's prefixes out.
func (h *Handler) poolPrefixes(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var given []string
	raw, ok := body["prefixes"]
	if !ok || len(body) != 1 || json.Unmarshal(raw, &given) != nil {
		return badRequest("Unable to find 'prefixes' in request body")
	}
	var out []string
	if strings.HasSuffix(r.URL.Path, "/add_prefixes") {
		out, err = h.svc.AddSubnetPoolPrefixes(r.Context(), r.PathValue("id"), given)
	} else {
		out, err = h.svc.RemoveSubnetPoolPrefixes(r.Context(), r.PathValue("id"), given)
	}
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string][]string{"prefixes": out})
	writeJSON(w, 200, b)
	return nil
}

// writeTags answers with a resource's tags.
func writeTags(w http.ResponseWriter, tags []string) {
	b, _ := json.Marshal(map[string][]string{"tags": tags})
	writeJSON(w, 200, b)
}

func (h *Handler) tags(w http.ResponseWriter, r *http.Request, k *kind) error {
	tags, err := h.svc.Tags(r.Context(), k.plural, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeTags(w, tags)
	return nil
}

func (h *Handler) setTags(w http.ResponseWriter, r *http.Request, k *kind) error {
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var tags []string
	raw, ok := body["tags"]
	if !ok || len(body) != 1 || json.Unmarshal(raw, &tags) != nil {
		return badRequest("Invalid input for tags: the body must be {\"tags\": [strings]}")
	}
	if tags, err = h.svc.SetTags(r.Context(), k.plural, r.PathValue("id"), tags); err != nil {
		return err
	}
	writeTags(w, tags)
	return nil
}

func (h *Handler) clearTags(w http.ResponseWriter, r *http.Request, k *kind) error {
	if err := h.svc.ClearTags(r.Context(), k.plural, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (h *Handler) hasTag(w http.ResponseWriter, r *http.Request, k *kind) error {
	tags, err := h.svc.Tags(r.Context(), k.plural, r.PathValue("id"))
	if err != nil {
		return err
	}
	if tag := r.PathValue("tag"); !slices.Contains(tags, tag) {
		return fault(ErrNotFound, "TagNotFound", "Tag %s could not be found.", tag)
	}
	w.WriteHeader(204)
	return nil
}

func (h *Handler) addTag(w http.ResponseWriter, r *http.Request, k *kind) error {
	if err := h.svc.AddTag(r.Context(), k.plural, r.PathValue("id"), r.PathValue("tag")); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

func (h *Handler) removeTag(w http.ResponseWriter, r *http.Request, k *kind) error {
	if err := h.svc.RemoveTag(r.Context(), k.plural, r.PathValue("id"), r.PathValue("tag")); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// quotaBody is a project's limits as the API shows them, with the
// project's id when named.
func quotaBody(project string, q map[string]int) map[string]any {
	m := map[string]any{}
	for k, n := range q {
		m[k] = n
	}
	if project != "" {
		m["project_id"], m["tenant_id"] = project, project
	}
	return m
}

func (h *Handler) listQuotas(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.Quotas(r.Context())
	if err != nil {
		return err
	}
	out := []any{}
	for _, q := range list {
		out = append(out, quotaBody(q.Project, q.Limits))
	}
	b, _ := json.Marshal(map[string]any{"quotas": out})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) quotaTenant(w http.ResponseWriter, r *http.Request) error {
	b, _ := json.Marshal(map[string]any{"tenant": map[string]string{"tenant_id": callerFrom(r.Context()).Project}})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) showQuota(w http.ResponseWriter, r *http.Request) error {
	q, err := h.svc.Quota(r.Context(), r.PathValue("project"))
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"quota": quotaBody("", q)})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) defaultQuota(w http.ResponseWriter, r *http.Request) error {
	project := r.PathValue("project")
	if c := callerFrom(r.Context()); !c.Admin && c.Project != project {
		return forbidden("rule:get_quota")
	}
	// Only the resources: neutron names no project in the defaults.
	b, _ := json.Marshal(map[string]any{"quota": quotaBody("", h.svc.DefaultQuota())})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) quotaDetails(w http.ResponseWriter, r *http.Request) error {
	d, err := h.svc.QuotaUsage(r.Context(), r.PathValue("project"))
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"quota": d})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) setQuota(w http.ResponseWriter, r *http.Request) error {
	project := r.PathValue("project")
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var limits map[string]any
	raw, ok := body["quota"]
	if !ok || len(body) != 1 || json.Unmarshal(raw, &limits) != nil || limits == nil {
		return badRequest("Unable to find 'quota' in request body")
	}
	q, err := h.svc.SetQuota(r.Context(), project, limits)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"quota": quotaBody("", q)})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) resetQuota(w http.ResponseWriter, r *http.Request) error {
	project := r.PathValue("project")
	if err := h.svc.ResetQuota(r.Context(), project); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// Extension is one API extension the server has.
type Extension struct {
	Name        string `json:"name"`
	Alias       string `json:"alias"`
	Description string `json:"description"`
	Updated     string `json:"updated"`
	Links       []any  `json:"links"`
}

// Extensions returns the extensions this API implements, each listed
// because it works: a new slice each call.
func Extensions() []Extension { return slices.Clone(extensions) }

var extensions = []Extension{
	{"Provider Network", "provider", "Expose mapping of virtual networks to physical networks", "2012-09-07T10:00:00-00:00", []any{}},
	{"Neutron external network", "external-net", "Adds external network attribute to network resource.", "2013-01-14T10:00:00-00:00", []any{}},
	{"security-group", "security-group", "The security groups extension.", "2012-10-05T10:00:00-00:00", []any{}},
	{"Stateful security group", "stateful-security-group", "Indicates if the security group is stateful or not", "2019-11-26T09:00:00-00:00", []any{}},
	{"Neutron L3 Router", "router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.", "2012-07-20T10:00:00-00:00", []any{}},
	{"Neutron L3 Configurable external gateway mode", "ext-gw-mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway", "2013-03-28T10:00:00-00:00", []any{}},
	{"Neutron Extra Route", "extraroute", "Extra routes configuration for L3 router", "2013-02-01T10:00:00-00:00", []any{}},
	{"Atomically add/remove extra routes", "extraroute-atomic", "Edit extra routes of a router on server side by atomically adding/removing extra routes", "2019-07-10T00:00:00-00:00", []any{}},
	{"Quota management support", "quotas", "Expose functions for quotas management per project", "2012-07-29T10:00:00-00:00", []any{}},
	{"Quota details management support", "quota_details", "Expose functions for quotas usage statistics per project", "2017-02-10T10:00:00-00:00", []any{}},
	{"Resource revision numbers", "standard-attr-revisions", "This extension will display the revision number of neutron resources.", "2016-04-11T10:00:00-00:00", []any{}},
	{"If-Match constraints based on revision_number", "revision-if-match", "Extension indicating that If-Match based on revision_number is supported.", "2016-12-11T00:00:00-00:00", []any{}},
	{"Tag support for resources with standard attribute", "standard-attr-tag", "Enables to set tag on resources with standard attribute.", "2017-01-01T00:00:00-00:00", []any{}},
	{"standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes", "2016-02-10T10:00:00-00:00", []any{}},
	{"Resource timestamps", "standard-attr-timestamp", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.", "2016-09-12T10:00:00-00:00", []any{}},
	{"Pagination support", "pagination", "Extension that indicates that pagination is enabled.", "2016-06-12T00:00:00-00:00", []any{}},
	{"Sorting support", "sorting", "Extension that indicates that sorting is enabled.", "2016-06-12T00:00:00-00:00", []any{}},
	{"Filter parameters validation", "filter-validation", "Provides validation on filter parameters.", "2018-03-21T10:00:00-00:00", []any{}},
	{"IP address substring filtering", "ip-substring-filtering", "Provides IP address substring filtering when listing ports", "2017-11-28T09:00:00-00:00", []any{}},
	{"Field selection", "fields", "Allows the fields a response returns to be chosen (the fields query parameter).", "2016-01-01T00:00:00-00:00", []any{}},
	{"project_id field enabled", "project-id", "Extension that indicates that project_id field is enabled.", "2016-09-09T09:09:09-09:09", []any{}},
	{"Network MTU", "net-mtu", "Provides MTU attribute for a network resource.", "2015-03-25T10:00:00-00:00", []any{}},
	{"Network MTU (writable)", "net-mtu-writable", "Provides a writable MTU attribute for a network resource.", "2017-07-12T00:00:00-00:00", []any{}},
	{"Port Security", "port-security", "Provides port security", "2012-07-23T10:00:00-00:00", []any{}},
	{"Allowed Address Pairs", "allowed-address-pairs", "Provides allowed address pairs", "2013-07-23T10:00:00-00:00", []any{}},
	{"Neutron Extra DHCP options", "extra_dhcp_opt", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)", "2013-03-17T12:00:00-00:00", []any{}},
	{"Port trusted vif", "port-trusted-vif", "Expose port 'trusted' attribute in the API", "2024-07-11T10:00:00-00:00", []any{}},
	{"Subnet service types", "subnet-service-types", "Provides ability to set the subnet service_types field", "2016-03-03T10:00:00-00:00", []any{}},
	{"Address group", "address-group", "Support address group", "2020-03-26T10:00:00-00:00", []any{}},
	{"Remote address group id field for security group rules", "security-groups-remote-address-group", "Add new field of remote address group id in security group rules", "2020-04-01T10:00:00-00:00", []any{}},
	{"RBAC Policies", "rbac-policies", "Allows creation and modification of policies that control tenant access to resources.", "2015-06-17T12:15:12-00:00", []any{}},
	{"Add security_group type to network RBAC", "rbac-security-groups", "Add security_group type to network RBAC", "2018-06-07T00:00:00-00:00", []any{}},
	{"Add subnetpool type to RBAC", "rbac-subnetpool", "Add subnetpool type to RBAC", "2019-09-23T00:00:00-00:00", []any{}},
	{"Add address_scope type to RBAC", "rbac-address-scope", "Add address_scope type to RBAC", "2019-09-23T00:00:00-00:00", []any{}},
	{"Address scope", "address-scope", "Address scopes extension.", "2015-07-26T10:00:00-00:00", []any{}},
	{"Subnet Allocation", "subnet_allocation", "Enables allocation of subnets from a subnet pool", "2015-03-30T10:00:00-00:00", []any{}},
	{"Default Subnetpools", "default-subnetpools", "Provides ability to mark and use a subnetpool as the default.", "2016-02-18T18:00:00-00:00", []any{}},
	{"Subnet Pool Prefix Operations", "subnetpool-prefix-ops", "Provides support for adjusting the prefix list of subnet pools", "2019-09-10T18:00:00-00:00", []any{}},
	{"Port Binding", "binding", "Expose port bindings of a virtual port to external application", "2014-02-03T10:00:00-00:00", []any{}},
}

func (h *Handler) extensions(w http.ResponseWriter, r *http.Request) error {
	b, _ := json.Marshal(map[string]any{"extensions": extensions})
	writeJSON(w, 200, b)
	return nil
}

func (h *Handler) extension(w http.ResponseWriter, r *http.Request) error {
	alias := r.PathValue("alias")
	for _, e := range extensions {
		if e.Alias == alias {
			b, _ := json.Marshal(map[string]any{"extension": e})
			writeJSON(w, 200, b)
			return nil
		}
	}
	return fault(ErrNotFound, "HTTPNotFound", "Extension with alias %s does not exist", alias)
}
