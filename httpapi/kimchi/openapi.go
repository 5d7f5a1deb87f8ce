package kimchi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/netslice/netslice/httpapi/internal/openapi"
)

// kop is one operation of the document: its method and path, what it
// takes (a sample of the request type, or a schema) with an example, and
// what it answers (a sample of the response type; nil for no body).
type kop struct {
	method, path, id, summary string
	in                        any
	example                   any
	status                    int
	out                       any
	media                     string // a response that is not JSON (a PNG, a gzip archive)
}

// pathExamples are what the document shows (and its test calls) for each
// path parameter.
var pathExamples = map[string]string{
	"vm": "vm1", "template": "t1", "network": "net1", "pool": "default", "volume": "v1", "mac": "${mac}",
	"dev": "${dev}", "storagepool": "pool1", "snapshot": "s1", "hostdev": "pci_0000_00_19_0", "repository": "${repo_id}", "report": "r1",
	"server": "127.0.0.1", "device": "pci_0000_00_19_0", "partition": "sda1", "package": "bash", "distro": "Debian 12",
	"task": "${id}", "interface": "lo", "holder": "vm1",
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// document is the API's OpenAPI 3.1 description, served at /openapi.json
// where the handler is mounted. A test calls every operation it names
// and checks the answers.
func document() *openapi.Doc {
	d := openapi.New("Kimchi REST API (netslice)", "3.0",
		"Virtual machines and their interfaces, disks, snapshots and host devices; templates; networks; storage "+
			"pools and volumes (with chunked uploads); storage servers; the host's facts, statistics, partitions, "+
			"devices, packages and repositories; debug reports; tasks — as Kimchi (a Wok plugin) answers them. "+
			"Errors are {\"code\": N, \"reason\": \"KCH...E: ...\"}. Lists may be filtered by any field (?state=running).")
	s := d.Components.Schemas
	s["Error"] = openapi.Object(map[string]*openapi.Schema{"code": {Type: "integer"}, "reason": openapi.String("a Kimchi message code and text")}, "code", "reason")
	// schema registers the type of sample (its JSON form) and refers to it;
	// a request's properties are all optional.
	schema := func(sample any, request bool) *openapi.Schema {
		switch v := sample.(type) {
		case *openapi.Schema:
			return v
		case nil:
			return nil
		}
		t := reflect.TypeOf(sample)
		if t.Kind() == reflect.Slice {
			elem := reflect.New(t.Elem()).Elem().Interface()
			return openapi.Array(schemaOf(d, elem, request))
		}
		return schemaOf(d, sample, request)
	}

	obj := func(props map[string]*openapi.Schema) *openapi.Schema { return openapi.Object(props) }
	name := obj(map[string]*openapi.Schema{"name": openapi.String("")})
	empty := obj(map[string]*openapi.Schema{})
	strs := []string{}
	ops := []kop{
		{"GET", "/config", "getConfig", "The server's configuration.", nil, nil, 200, Config{}, ""},
		{"GET", "/config/capabilities", "getCapabilities", "What the hypervisor and the host can do.", nil, nil, 200, Capabilities{}, ""},
		{"GET", "/config/distros", "listDistros", "The distributions templates can be made from.", nil, nil, 200, []Distro{}, ""},
		{"GET", "/config/distros/{distro}", "getDistro", "One distribution.", nil, nil, 200, Distro{}, ""},
		{"GET", "/tasks", "listTasks", "The tasks, running and done.", nil, nil, 200, []Task{}, ""},
		{"GET", "/tasks/{task}", "getTask", "One task.", nil, nil, 200, Task{}, ""},
		{"GET", "/users", "listUsers", "The host's users.", nil, nil, 200, strs, ""},
		{"GET", "/groups", "listGroups", "The host's groups.", nil, nil, 200, strs, ""},
		{"GET", "/plugins", "listPlugins", "Wok's plugins: kimchi.", nil, nil, 200, strs, ""},
		{"GET", "/peers", "listPeers", "Other Kimchi servers.", nil, nil, 200, strs, ""},
		{"GET", "/interfaces", "listInterfaces", "The host's network interfaces.", nil, nil, 200, []HostInterface{}, ""},
		{"GET", "/interfaces/{interface}", "getInterface", "One host interface.", nil, nil, 200, HostInterface{}, ""},

		{"GET", "/host", "getHost", "The host's facts.", nil, nil, 200, Host{}, ""},
		{"POST", "/host/reboot", "rebootHost", "Reboot the host (refused unless the server allows it, or while VMs run).", empty, map[string]any{}, 200, Host{}, ""},
		{"POST", "/host/shutdown", "shutdownHost", "Shut the host down (refused unless the server allows it, or while VMs run).", empty, map[string]any{}, 200, Host{}, ""},
		{"POST", "/host/swupdate", "updateHost", "Update the host's packages (a task; refused unless the server allows it).", empty, map[string]any{}, 202, Task{}, ""},
		{"GET", "/host/swupdateprogress", "followHostUpdate", "A task that follows the package update under way until it ends.", nil, nil, 202, Task{}, ""},
		{"GET", "/host/stats", "getHostStats", "The host's usage now.", nil, nil, 200, HostStats{}, ""},
		{"GET", "/host/stats/history", "getHostStatsHistory", "The host's recent usage.", nil, nil, 200, HostStatsHistory{}, ""},
		{"GET", "/host/cpuinfo", "getHostCPUInfo", "The host's CPUs.", nil, nil, 200, CPUTopology{}, ""},
		{"GET", "/host/partitions", "listPartitions", "The host's disk partitions.", nil, nil, 200, []Partition{}, ""},
		{"GET", "/host/partitions/{partition}", "getPartition", "One partition.", nil, nil, 200, Partition{}, ""},
		{"GET", "/host/devices", "listHostDevices", "The host's devices (?_cap=pci, ?_passthrough=true).", nil, nil, 200, []HostDevice{}, ""},
		{"GET", "/host/devices/{device}", "getHostDevice", "One host device.", nil, nil, 200, HostDevice{}, ""},
		{"GET", "/host/devices/{device}/vmholders", "listVMHolders", "The VMs holding a device.", nil, nil, 200, []VMHolder{}, ""},
		{"GET", "/host/devices/{device}/vmholders/{holder}", "getVMHolder", "One VM holding a device.", nil, nil, 200, VMHolder{}, ""},
		{"GET", "/host/packagesupdate", "listPackageUpdates", "The host's pending package updates.", nil, nil, 200, []PackageUpdate{}, ""},
		{"GET", "/host/packagesupdate/{package}", "getPackageUpdate", "One pending update.", nil, nil, 200, PackageUpdate{}, ""},
		{"GET", "/host/repositories", "listRepositories", "The host's package repositories.", nil, nil, 200, []Repository{}, ""},
		{"POST", "/host/repositories", "addRepository", "Add a repository.", Repository{},
			map[string]any{"baseurl": "http://deb.example/debian", "config": map[string]any{"dist": "bookworm", "comps": []string{"main"}}}, 201, Repository{}, ""},
		{"GET", "/host/repositories/{repository}", "getRepository", "One repository.", nil, nil, 200, Repository{}, ""},
		{"PUT", "/host/repositories/{repository}", "updateRepository", "Change a repository.", Repository{},
			map[string]any{"config": map[string]any{"dist": "bookworm", "comps": []string{"main", "contrib"}}}, 200, Repository{}, ""},
		{"DELETE", "/host/repositories/{repository}", "removeRepository", "Remove a repository.", nil, nil, 204, nil, ""},
		{"POST", "/host/repositories/{repository}/enable", "enableRepository", "Enable a repository.", empty, map[string]any{}, 200, Repository{}, ""},
		{"POST", "/host/repositories/{repository}/disable", "disableRepository", "Disable a repository.", empty, map[string]any{}, 200, Repository{}, ""},

		{"GET", "/templates", "listTemplates", "The templates.", nil, nil, 200, []Template{}, ""},
		{"POST", "/templates", "createTemplate", "Create a template.", TemplateRequest{}, map[string]any{"name": "t1", "memory": 512}, 201, Template{}, ""},
		{"GET", "/templates/{template}", "getTemplate", "One template.", nil, nil, 200, Template{}, ""},
		{"PUT", "/templates/{template}", "updateTemplate", "Change a template (renaming answers 303 to its new URL).", TemplateRequest{},
			map[string]any{"memory": 1024}, 200, Template{}, ""},
		{"DELETE", "/templates/{template}", "deleteTemplate", "Delete a template.", nil, nil, 204, nil, ""},
		{"POST", "/templates/{template}/clone", "cloneTemplate", "Copy a template under a new name.", empty, map[string]any{}, 201, Template{}, ""},

		{"GET", "/vms", "listVMs", "The virtual machines.", nil, nil, 200, []VM{}, ""},
		{"POST", "/vms", "createVM", "Create a VM from a template (a task).", CreateVMRequest{},
			map[string]any{"name": "vm1", "template": "/templates/t1"}, 202, Task{}, ""},
		{"GET", "/vms/{vm}", "getVM", "One VM.", nil, nil, 200, VM{}, ""},
		{"PUT", "/vms/{vm}", "updateVM", "Change a VM (renaming answers 303 to its new URL).", UpdateVMRequest{},
			map[string]any{"memory": 1024}, 200, VM{}, ""},
		{"DELETE", "/vms/{vm}", "deleteVM", "Delete a VM and its disks.", nil, nil, 204, nil, ""},
		{"GET", "/vms/{vm}/screenshot", "getVMScreenshot", "A running VM's screen.", nil, nil, 200, nil, "image/png"},
		{"POST", "/vms/{vm}/clone", "cloneVM", "Copy a stopped VM (a task).", empty, map[string]any{}, 202, Task{}, ""},
		{"POST", "/vms/{vm}/migrate", "migrateVM", "Move a VM to another host (a task).", obj(map[string]*openapi.Schema{
			"remote_host": openapi.String(""), "user": openapi.String(""), "password": openapi.String("")}),
			map[string]any{"remote_host": "peer.example"}, 202, Task{}, ""},
	}
	for _, a := range []string{"start", "poweroff", "shutdown", "reset", "suspend", "resume", "connect"} {
		ops = append(ops, kop{"POST", "/vms/{vm}/" + a, a + "VM", "VM action: " + a + ".", empty, map[string]any{}, 200, VM{}, ""})
	}
	ops = append(ops, []kop{
		{"GET", "/vms/{vm}/ifaces", "listIfaces", "A VM's network interfaces.", nil, nil, 200, []Iface{}, ""},
		{"POST", "/vms/{vm}/ifaces", "attachIface", "Give a VM an interface on a network.", IfaceRequest{},
			map[string]any{"type": "network", "network": "default"}, 201, Iface{}, ""},
		{"GET", "/vms/{vm}/ifaces/{mac}", "getIface", "One interface.", nil, nil, 200, Iface{}, ""},
		{"PUT", "/vms/{vm}/ifaces/{mac}", "updateIface", "Change an interface's network or model.", IfaceRequest{},
			map[string]any{"model": "virtio"}, 200, Iface{}, ""},
		{"DELETE", "/vms/{vm}/ifaces/{mac}", "detachIface", "Remove an interface.", nil, nil, 204, nil, ""},
		{"GET", "/vms/{vm}/storages", "listStorages", "A VM's disks and CD-ROMs.", nil, nil, 200, []Storage{}, ""},
		{"POST", "/vms/{vm}/storages", "attachStorage", "Give a VM a disk (a volume) or a CD-ROM.", StorageRequest{},
			map[string]any{"type": "disk", "pool": "default", "vol": "v1"}, 201, Storage{}, ""},
		{"GET", "/vms/{vm}/storages/{dev}", "getStorage", "One disk.", nil, nil, 200, Storage{}, ""},
		{"PUT", "/vms/{vm}/storages/{dev}", "updateStorage", "Change a CD-ROM's medium.", StorageRequest{},
			map[string]any{"path": ""}, 200, Storage{}, ""},
		{"DELETE", "/vms/{vm}/storages/{dev}", "detachStorage", "Remove a disk.", nil, nil, 204, nil, ""},
		{"GET", "/vms/{vm}/snapshots", "listSnapshots", "A VM's snapshots.", nil, nil, 200, []Snapshot{}, ""},
		{"POST", "/vms/{vm}/snapshots", "createSnapshot", "Take a snapshot (a task).", name, map[string]any{"name": "s1"}, 202, Task{}, ""},
		{"GET", "/vms/{vm}/snapshots/current", "getCurrentSnapshot", "The snapshot the VM is at.", nil, nil, 200, Snapshot{}, ""},
		{"GET", "/vms/{vm}/snapshots/{snapshot}", "getSnapshot", "One snapshot.", nil, nil, 200, Snapshot{}, ""},
		{"DELETE", "/vms/{vm}/snapshots/{snapshot}", "deleteSnapshot", "Delete a snapshot.", nil, nil, 204, nil, ""},
		{"POST", "/vms/{vm}/snapshots/{snapshot}/revert", "revertSnapshot", "Go back to a snapshot.", empty, map[string]any{}, 200, Snapshot{}, ""},
		{"GET", "/vms/{vm}/hostdevs", "listHostDevs", "The host devices a VM holds.", nil, nil, 200, []HostDev{}, ""},
		{"POST", "/vms/{vm}/hostdevs", "attachHostDev", "Pass a host device through to a VM.", name, map[string]any{"name": "pci_0000_00_19_0"}, 201, HostDev{}, ""},
		{"GET", "/vms/{vm}/hostdevs/{hostdev}", "getHostDev", "One passed-through device.", nil, nil, 200, HostDev{}, ""},
		{"DELETE", "/vms/{vm}/hostdevs/{hostdev}", "detachHostDev", "Give a device back to the host.", nil, nil, 204, nil, ""},

		{"GET", "/networks", "listNetworks", "The virtual networks.", nil, nil, 200, []Network{}, ""},
		{"POST", "/networks", "createNetwork", "Create a virtual network (a slice of the fabric).", NetworkRequest{},
			map[string]any{"name": "net1", "connection": "isolated"}, 201, Network{}, ""},
		{"GET", "/networks/{network}", "getNetwork", "One network.", nil, nil, 200, Network{}, ""},
		{"DELETE", "/networks/{network}", "deleteNetwork", "Delete an inactive network.", nil, nil, 204, nil, ""},
		{"POST", "/networks/{network}/activate", "activateNetwork", "Start a network.", empty, map[string]any{}, 200, Network{}, ""},
		{"POST", "/networks/{network}/deactivate", "deactivateNetwork", "Stop a network.", empty, map[string]any{}, 200, Network{}, ""},

		{"GET", "/storagepools", "listStoragePools", "The storage pools.", nil, nil, 200, []StoragePool{}, ""},
		{"POST", "/storagepools", "createStoragePool", "Create a storage pool; type kimchi-iso deep-scans path for ISO images into a new pool, the answer carrying the scan's task_id.", PoolRequest{},
			map[string]any{"name": "pool1", "type": "dir", "path": "/var/lib/netslice-kimchi-test/pool1"}, 201, StoragePool{}, ""},
		{"GET", "/storagepools/{storagepool}", "getStoragePool", "One storage pool.", nil, nil, 200, StoragePool{}, ""},
		{"PUT", "/storagepools/{storagepool}", "updateStoragePool", "Change a pool's autostart (or a logical pool's disks).", PoolUpdate{},
			map[string]any{"autostart": true}, 200, StoragePool{}, ""},
		{"DELETE", "/storagepools/{storagepool}", "deleteStoragePool", "Delete an inactive pool.", nil, nil, 204, nil, ""},
		{"POST", "/storagepools/{storagepool}/activate", "activateStoragePool", "Start a pool.", empty, map[string]any{}, 200, StoragePool{}, ""},
		{"POST", "/storagepools/{storagepool}/deactivate", "deactivateStoragePool", "Stop a pool.", empty, map[string]any{}, 200, StoragePool{}, ""},
		{"GET", "/storagepools/{pool}/storagevolumes", "listStorageVolumes", "A pool's volumes.", nil, nil, 200, []StorageVolume{}, ""},
		{"POST", "/storagepools/{pool}/storagevolumes", "createStorageVolume", "Create a volume (empty, to upload, or from a URL: a task).", VolumeRequest{},
			map[string]any{"name": "v1", "capacity": 1048576, "format": "raw"}, 202, Task{}, ""},
		{"GET", "/storagepools/{pool}/storagevolumes/{volume}", "getStorageVolume", "One volume.", nil, nil, 200, StorageVolume{}, ""},
		{"DELETE", "/storagepools/{pool}/storagevolumes/{volume}", "deleteStorageVolume", "Delete a volume.", nil, nil, 204, nil, ""},
		{"POST", "/storagepools/{pool}/storagevolumes/{volume}/resize", "resizeStorageVolume", "Change a volume's capacity.",
			obj(map[string]*openapi.Schema{"size": {Type: "integer", Description: "bytes"}}), map[string]any{"size": 2097152}, 200, StorageVolume{}, ""},
		{"POST", "/storagepools/{pool}/storagevolumes/{volume}/wipe", "wipeStorageVolume", "Zero a volume.", empty, map[string]any{}, 200, StorageVolume{}, ""},
		{"POST", "/storagepools/{pool}/storagevolumes/{volume}/clone", "cloneStorageVolume", "Copy a volume (a task).",
			obj(map[string]*openapi.Schema{"pool": openapi.String(""), "name": openapi.String("")}), map[string]any{"name": "v2"}, 202, Task{}, ""},

		{"GET", "/storageservers", "listStorageServers", "The remote storage servers pools use (?_target_type=netfs).", nil, nil, 200, []StorageServer{}, ""},
		{"GET", "/storageservers/{server}", "getStorageServer", "One storage server.", nil, nil, 200, StorageServer{}, ""},
		{"GET", "/storageservers/{server}/storagetargets", "listStorageTargets", "What a server exports (?_target_type=netfs|iscsi).", nil, nil, 200, []StorageTarget{}, ""},

		{"GET", "/debugreports", "listDebugReports", "The debug reports.", nil, nil, 200, []DebugReport{}, ""},
		{"POST", "/debugreports", "createDebugReport", "Gather a debug report (a task).", name, map[string]any{"name": "r1"}, 202, Task{}, ""},
		{"GET", "/debugreports/{report}", "getDebugReport", "One report.", nil, nil, 200, DebugReport{}, ""},
		{"PUT", "/debugreports/{report}", "renameDebugReport", "Rename a report (answers 303 to its new URL).", name, map[string]any{"name": "r1"}, 200, DebugReport{}, ""},
		{"DELETE", "/debugreports/{report}", "deleteDebugReport", "Delete a report.", nil, nil, 204, nil, ""},
		{"GET", "/debugreports/{report}/content", "getDebugReportContent", "Download a report.", nil, nil, 200, nil, "application/gzip"},
		{"GET", "/openapi.json", "openapi", "This document.", nil, nil, 200, &openapi.Schema{Type: "object", AdditionalProperties: &openapi.Schema{}}, ""},
	}...)

	errResp := func(desc string) *openapi.Response { return openapi.JSON(desc, openapi.Ref("Error")) }
	for _, o := range ops {
		op := &openapi.Operation{OperationID: o.id, Summary: o.summary, Responses: map[string]*openapi.Response{}}
		for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
			op.Parameters = append(op.Parameters, openapi.Parameter{Name: m[1], In: "path", Required: true,
				Schema: openapi.String(""), Example: pathExamples[m[1]]})
		}
		if o.in != nil {
			op.RequestBody = &openapi.RequestBody{Required: o.method != "POST" || o.example == nil,
				Content: map[string]openapi.MediaType{"application/json": {Schema: schema(o.in, true), Example: o.example}}}
			op.Responses["400"] = errResp("The body is malformed or a value is wrong.")
			op.Responses["413"] = errResp("The body is larger than the handler takes.")
			op.Responses["415"] = errResp("The body is not JSON.")
		}
		var res *openapi.Response
		switch {
		case o.media != "":
			res = &openapi.Response{Description: "The " + o.media + " file.", Content: map[string]openapi.MediaType{o.media: {}}}
		case o.out == nil:
			res = openapi.Empty("Done.")
		default:
			res = openapi.JSON("The answer.", schema(o.out, false))
		}
		op.Responses[strconv.Itoa(o.status)] = res
		if strings.HasPrefix(o.summary, "Change") || strings.HasPrefix(o.summary, "Rename") {
			op.Responses["303"] = &openapi.Response{Description: "Renamed: Location is the new URL.",
				Headers: map[string]*openapi.Header{"Location": {Schema: openapi.String("")}}}
		}
		if o.method != "GET" {
			op.Responses["409"] = errResp("The change conflicts with the state (exists, in use, running).")
		}
		d.Add(o.method, o.path, op)
	}
	// The volume upload, in chunks: multipart, not JSON.
	d.Add("PUT", "/storagepools/{pool}/storagevolumes/{volume}", &openapi.Operation{OperationID: "uploadStorageVolume",
		Summary: "Upload the next chunk of a volume created with upload: true (multipart/form-data: chunk_size, then chunk).",
		Parameters: []openapi.Parameter{
			{Name: "pool", In: "path", Required: true, Schema: openapi.String(""), Example: pathExamples["pool"]},
			{Name: "volume", In: "path", Required: true, Schema: openapi.String(""), Example: pathExamples["volume"]}},
		RequestBody: &openapi.RequestBody{Required: true, Content: map[string]openapi.MediaType{"multipart/form-data": {Schema: obj(
			map[string]*openapi.Schema{"chunk_size": openapi.String("bytes in chunk"), "chunk": {Type: "string", Format: "binary"}})}}},
		Responses: map[string]*openapi.Response{"204": openapi.Empty("Stored."),
			"400": errResp("chunk_size or chunk is missing or wrong."), "409": errResp("The volume is not being uploaded."),
			"413": errResp("The chunk is larger than the server takes."), "415": errResp("The body is not multipart/form-data.")}})
	for path, byMethod := range d.Paths {
		for _, op := range byMethod {
			if strings.Contains(path, "{") {
				op.Responses["404"] = errResp("No such object.")
			}
		}
	}
	d.Respond(map[int]*openapi.Response{
		http.StatusBadRequest:          errResp("A parameter is wrong, or the object is not in a state that allows this (a screenshot of a stopped VM)."),
		http.StatusUnauthorized:        errResp("No valid credentials (when an Authenticator is configured)."),
		http.StatusForbidden:           errResp("Not allowed (a host action the server does not allow, a path outside the allowed roots)."),
		http.StatusInternalServerError: errResp("An internal error."),
		http.StatusNotImplemented:      errResp("The hypervisor cannot do this (libvirt's test hypervisor cannot migrate, for one)."),
		http.StatusServiceUnavailable:  errResp("The hypervisor or the store is unavailable; try again."),
	})
	return d
}

// schemaOf registers sample's type as a named schema (named after the
// type; requests' properties optional) and refers to it.
func schemaOf(d *openapi.Doc, sample any, request bool) *openapi.Schema {
	t := reflect.TypeOf(sample)
	if t.Kind() != reflect.Struct {
		return openapi.FromType(t)
	}
	name := t.Name()
	if _, ok := d.Components.Schemas[name]; !ok {
		s := openapi.FromType(t)
		if request {
			optional(s)
		}
		d.Components.Schemas[name] = s
	}
	return openapi.Ref(name)
}

// optional makes every property of s, and of the objects in it, optional.
func optional(s *openapi.Schema) {
	if s == nil {
		return
	}
	s.Required = nil
	for _, p := range s.Properties {
		optional(p)
	}
	optional(s.Items)
	optional(s.AdditionalProperties)
	for _, a := range s.AnyOf {
		optional(a)
	}
}
