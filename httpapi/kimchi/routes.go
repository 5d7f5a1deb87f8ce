package kimchi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/netslice/netslice/httpapi"
)

// out is what a route answers: a status and a value, or a redirect.
type out struct {
	status   int
	v        any
	location string
}

func ok(v any) out       { return out{status: http.StatusOK, v: v} }
func created(v any) out  { return out{status: http.StatusCreated, v: v} }
func accepted(v any) out { return out{status: http.StatusAccepted, v: v} }

var noContent = out{status: http.StatusNoContent}

// errWritten says the route wrote the response itself.
var errWritten = errors.New("written")

// call is one request to an operation: its context, the request, and
// its body read strictly (body), with the fields its type does not name
// ignored (open: where Kimchi's API.json allows them), or, for actions,
// maybe empty (optional).
type call struct {
	ctx      context.Context
	w        http.ResponseWriter
	r        *http.Request
	body     decoder
	open     decoder
	optional decoder
}

// decoder reads a request body into v.
type decoder func(v any) error

// param is the path's value of name ("vm" in /vms/{vm}/ifaces).
func (c call) param(name string) string { return c.r.PathValue(name) }

// op is an operation that answers with out.
type op func(c call) (out, error)

// handle serves pattern with fn, writing what it answers.
func (h *Handler) handle(rt *httpapi.Router, pattern string, fn op) {
	rt.Handle(pattern, func(w http.ResponseWriter, r *http.Request) error {
		c := call{ctx: r.Context(), w: w, r: r,
			body:     func(v any) error { return h.decode(w, r, v, false) },
			open:     func(v any) error { return h.decode(w, r, v, true) },
			optional: func(v any) error { return h.decodeOptional(w, r, v) }}
		res, err := fn(c)
		if errors.Is(err, errWritten) {
			return nil
		}
		if err != nil {
			return err
		}
		h.write(w, r, res)
		return nil
	})
}

// get serves GET pattern with a function returning a value.
func (h *Handler) get(rt *httpapi.Router, pattern string, fn func(c call) (any, error)) {
	h.handle(rt, "GET "+pattern, func(c call) (out, error) {
		v, err := fn(c)
		return ok(v), err
	})
}

// collection is one of Kimchi's collections: GET (list) and POST (create)
// on it; GET, PUT and DELETE on its resources ({id}); POST actions on
// those. A nil function is a method the collection does not have (405).
type collection struct {
	list    func(c call) (any, error)
	create  op
	read    func(c call, id string) (any, error)
	update  func(c call, id string) (out, error)
	remove  func(c call, id string) error
	actions map[string]func(c call, id string) (out, error)
}

// mount serves c at path.
func (h *Handler) mount(rt *httpapi.Router, path string, c collection) {
	if c.list != nil {
		h.get(rt, path, c.list)
	}
	if c.create != nil {
		h.handle(rt, "POST "+path, c.create)
	}
	one := path + "/{id}"
	if c.read != nil {
		h.get(rt, one, func(cl call) (any, error) { return c.read(cl, cl.param("id")) })
	}
	if c.update != nil {
		h.handle(rt, "PUT "+one, func(cl call) (out, error) { return c.update(cl, cl.param("id")) })
	}
	if c.remove != nil {
		h.handle(rt, "DELETE "+one, func(cl call) (out, error) { return noContent, c.remove(cl, cl.param("id")) })
	}
	for name, fn := range c.actions {
		h.handle(rt, "POST "+one+"/"+name, func(cl call) (out, error) { return fn(cl, cl.param("id")) })
	}
}

// noBody reads an action's body, which takes no parameters (an empty
// object at most).
func noBody(c call) error { return c.optional(&struct{}{}) }

// routes registers the API's operations.
func (h *Handler) routes(rt *httpapi.Router) {
	h.vmRoutes(rt)
	h.mount(rt, "/templates", h.templates())
	h.mount(rt, "/networks", h.networks())
	h.mount(rt, "/storagepools", h.storagepools())
	h.mount(rt, "/storagepools/{pool}/storagevolumes", h.storagevolumes())
	h.hostRoutes(rt)
	h.mount(rt, "/debugreports", h.debugreports())
	h.get(rt, "/debugreports/{id}/content", h.debugreportContent)
	s := h.svc
	h.get(rt, "/storageservers", func(c call) (any, error) {
		return s.StorageServers(c.ctx, c.r.URL.Query().Get("_target_type"))
	})
	h.get(rt, "/storageservers/{id}", func(c call) (any, error) { return s.StorageServer(c.ctx, c.param("id")) })
	h.get(rt, "/storageservers/{id}/storagetargets", h.storageTargets)
	h.get(rt, "/users", func(c call) (any, error) { return s.Users(c.r.URL.Query().Get("_user_id")) })
	h.get(rt, "/groups", func(call) (any, error) { return s.Groups() })
	h.get(rt, "/plugins", func(call) (any, error) { return []string{"kimchi"}, nil })
	h.get(rt, "/peers", func(call) (any, error) { return append([]string{}, s.opts.Peers...), nil })
	h.get(rt, "/interfaces", func(c call) (any, error) { return s.Interfaces(c.ctx) })
	h.get(rt, "/interfaces/{id}", func(c call) (any, error) { return s.Interface(c.ctx, c.param("id")) })
	h.get(rt, "/tasks", func(c call) (any, error) {
		l, err := s.Tasks(c.ctx, "")
		if l == nil {
			l = []Task{}
		}
		return l, err
	})
	h.get(rt, "/tasks/{id}", func(c call) (any, error) { return s.Task(c.ctx, c.param("id")) })
	h.get(rt, "/config", func(call) (any, error) { return s.Config(), nil })
	h.get(rt, "/config/capabilities", func(c call) (any, error) { return s.Capabilities(c.ctx) })
	h.get(rt, "/config/distros", func(call) (any, error) { return s.Distros(), nil })
	h.get(rt, "/config/distros/{name}", func(c call) (any, error) { return s.Distro(c.param("name")) })
	h.handle(rt, "GET /openapi.json", func(c call) (out, error) {
		h.doc.ServeHTTP(c.w, c.r)
		return out{}, errWritten
	})
}

// The virtual machines and what they hold.

func (h *Handler) vmRoutes(rt *httpapi.Router) {
	s := h.svc
	vmAction := func(act string) func(c call, name string) (out, error) {
		return func(c call, name string) (out, error) {
			if err := noBody(c); err != nil {
				return out{}, err
			}
			if err := s.VMAction(c.ctx, name, act); err != nil {
				return out{}, err
			}
			vm, err := s.VM(c.ctx, name)
			return ok(vm), err
		}
	}
	vms := collection{
		list: func(c call) (any, error) { return s.VMs(c.ctx) },
		create: func(c call) (out, error) {
			var req CreateVMRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateVM(c.ctx, req)
			return accepted(t), err
		},
		read: func(c call, name string) (any, error) { return s.VM(c.ctx, name) },
		update: func(c call, name string) (out, error) {
			var req UpdateVMRequest
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			newName, err := s.UpdateVM(c.ctx, name, req)
			if err != nil {
				return out{}, err
			}
			if newName != name {
				return out{status: http.StatusSeeOther, location: "/vms/" + url.PathEscape(newName)}, nil
			}
			vm, err := s.VM(c.ctx, name)
			return ok(vm), err
		},
		remove: func(c call, name string) error { return s.DeleteVM(c.ctx, name) },
		actions: map[string]func(call, string) (out, error){
			"clone": func(c call, name string) (out, error) {
				if err := noBody(c); err != nil {
					return out{}, err
				}
				t, err := s.CloneVM(c.ctx, name)
				return accepted(t), err
			},
			"migrate": func(c call, name string) (out, error) {
				var req struct {
					RemoteHost string `json:"remote_host"`
					User       string `json:"user"`
					Password   string `json:"password"`
				}
				if err := c.body(&req); err != nil {
					return out{}, err
				}
				t, err := s.MigrateVM(c.ctx, name, req.RemoteHost, req.User)
				return accepted(t), err
			},
		},
	}
	for _, act := range []string{"start", "poweroff", "shutdown", "reset", "suspend", "resume", "connect"} {
		vms.actions[act] = vmAction(act)
	}
	h.mount(rt, "/vms", vms)
	h.handle(rt, "GET /vms/{id}/screenshot", func(c call) (out, error) {
		data, mime, err := s.Screenshot(c.ctx, c.param("id"))
		if err != nil {
			return out{}, err
		}
		c.w.Header().Set("Content-Type", mime)
		c.w.Header().Set("Cache-Control", "no-store")
		c.w.Write(data)
		return out{}, errWritten
	})
	h.mount(rt, "/vms/{vm}/ifaces", h.ifaces())
	h.mount(rt, "/vms/{vm}/storages", h.storages())
	h.mount(rt, "/vms/{vm}/hostdevs", h.hostdevs())
	h.mount(rt, "/vms/{vm}/snapshots", h.snapshots())
	h.get(rt, "/vms/{vm}/snapshots/current", func(c call) (any, error) { return s.CurrentSnapshot(c.ctx, c.param("vm")) })
	rt.Refuse("DELETE /vms/{vm}/snapshots/current") // not a snapshot's name
}

func (h *Handler) ifaces() collection {
	s := h.svc
	return collection{
		list: func(c call) (any, error) { return s.Ifaces(c.ctx, c.param("vm")) },
		create: func(c call) (out, error) {
			var req IfaceRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			i, err := s.AttachIface(c.ctx, c.param("vm"), req)
			return created(i), err
		},
		read: func(c call, mac string) (any, error) { return s.Iface(c.ctx, c.param("vm"), mac) },
		update: func(c call, mac string) (out, error) {
			var req IfaceRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			i, err := s.UpdateIface(c.ctx, c.param("vm"), mac, req)
			return ok(i), err
		},
		remove: func(c call, mac string) error { return s.DetachIface(c.ctx, c.param("vm"), mac) },
	}
}

func (h *Handler) storages() collection {
	s := h.svc
	return collection{
		list: func(c call) (any, error) { return s.Storages(c.ctx, c.param("vm")) },
		create: func(c call) (out, error) {
			var req StorageRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			st, err := s.AttachStorage(c.ctx, c.param("vm"), req)
			return created(st), err
		},
		read: func(c call, dev string) (any, error) { return s.Storage(c.ctx, c.param("vm"), dev) },
		update: func(c call, dev string) (out, error) {
			var req StorageUpdate
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			st, err := s.UpdateStorage(c.ctx, c.param("vm"), dev, req)
			return ok(st), err
		},
		remove: func(c call, dev string) error { return s.DetachStorage(c.ctx, c.param("vm"), dev) },
	}
}

func (h *Handler) hostdevs() collection {
	s := h.svc
	return collection{
		list: func(c call) (any, error) { return s.HostDevs(c.ctx, c.param("vm")) },
		create: func(c call) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			d, err := s.AttachHostDev(c.ctx, c.param("vm"), req.Name)
			return created(d), err
		},
		read:   func(c call, dev string) (any, error) { return s.HostDev(c.ctx, c.param("vm"), dev) },
		remove: func(c call, dev string) error { return s.DetachHostDev(c.ctx, c.param("vm"), dev) },
	}
}

func (h *Handler) snapshots() collection {
	s := h.svc
	return collection{
		list: func(c call) (any, error) { return s.Snapshots(c.ctx, c.param("vm")) },
		create: func(c call) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := c.optional(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateSnapshot(c.ctx, c.param("vm"), req.Name)
			return accepted(t), err
		},
		read:   func(c call, name string) (any, error) { return s.Snapshot(c.ctx, c.param("vm"), name) },
		remove: func(c call, name string) error { return s.DeleteSnapshot(c.ctx, c.param("vm"), name) },
		actions: map[string]func(call, string) (out, error){
			"revert": func(c call, name string) (out, error) {
				if err := noBody(c); err != nil {
					return out{}, err
				}
				sn, err := s.RevertSnapshot(c.ctx, c.param("vm"), name)
				return ok(sn), err
			},
		},
	}
}

// Templates, networks and storage.

func (h *Handler) templates() collection {
	s := h.svc
	return collection{
		list: func(c call) (any, error) { return s.Templates(c.ctx) },
		create: func(c call) (out, error) {
			var req TemplateRequest
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateTemplate(c.ctx, req)
			return created(t), err
		},
		read: func(c call, name string) (any, error) { return s.Template(c.ctx, name) },
		update: func(c call, name string) (out, error) {
			var req TemplateRequest
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			t, err := s.UpdateTemplate(c.ctx, name, req)
			if err == nil && t.Name != name {
				return out{status: http.StatusSeeOther, location: "/templates/" + url.PathEscape(t.Name)}, nil
			}
			return ok(t), err
		},
		remove: func(c call, name string) error { return s.DeleteTemplate(c.ctx, name) },
		actions: map[string]func(call, string) (out, error){
			"clone": func(c call, name string) (out, error) {
				if err := noBody(c); err != nil {
					return out{}, err
				}
				t, err := s.CloneTemplate(c.ctx, name)
				return created(t), err
			},
		},
	}
}

// activation is the activate and deactivate actions of networks and
// pools: act, then answer what get reads.
func activation(act func(ctx context.Context, name, act string) error, get func(ctx context.Context, name string) (any, error)) map[string]func(call, string) (out, error) {
	actions := map[string]func(call, string) (out, error){}
	for _, a := range []string{"activate", "deactivate"} {
		actions[a] = func(c call, name string) (out, error) {
			if err := noBody(c); err != nil {
				return out{}, err
			}
			if err := act(c.ctx, name, a); err != nil {
				return out{}, err
			}
			v, err := get(c.ctx, name)
			return ok(v), err
		}
	}
	return actions
}

func (h *Handler) networks() collection {
	s := h.svc
	get := func(ctx context.Context, name string) (any, error) { return s.Network(ctx, name) }
	return collection{
		list: func(c call) (any, error) { return s.Networks(c.ctx) },
		create: func(c call) (out, error) {
			var req NetworkRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			n, err := s.CreateNetwork(c.ctx, req)
			return created(n), err
		},
		read:    func(c call, name string) (any, error) { return get(c.ctx, name) },
		remove:  func(c call, name string) error { return s.DeleteNetwork(c.ctx, name) },
		actions: activation(s.NetworkAction, get),
	}
}

func (h *Handler) storagepools() collection {
	s := h.svc
	get := func(ctx context.Context, name string) (any, error) { return s.StoragePool(ctx, name) }
	return collection{
		list: func(c call) (any, error) { return s.StoragePools(c.ctx) },
		create: func(c call) (out, error) {
			var req PoolRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			p, err := s.CreateStoragePool(c.ctx, req)
			return created(p), err
		},
		read: func(c call, name string) (any, error) { return get(c.ctx, name) },
		update: func(c call, name string) (out, error) {
			var req PoolUpdate
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			p, err := s.UpdateStoragePool(c.ctx, name, req)
			return ok(p), err
		},
		remove:  func(c call, name string) error { return s.DeleteStoragePool(c.ctx, name) },
		actions: activation(s.PoolAction, get),
	}
}

func (h *Handler) storagevolumes() collection {
	s := h.svc
	type params struct {
		Size *uint64 `json:"size"`
		Pool string  `json:"pool"`
		Name string  `json:"name"`
	}
	change := func(act string) func(call, string) (out, error) {
		return func(c call, name string) (out, error) {
			var p params
			if err := c.optional(&p); err != nil {
				return out{}, err
			}
			if act == "resize" && p.Size == nil {
				return out{}, invalid("KCHVOL0020E", "Specify size, in bytes, to resize a storage volume.")
			}
			var size uint64
			if p.Size != nil {
				size = *p.Size
			}
			pool := c.param("pool")
			if err := s.VolumeAction(c.ctx, pool, name, act, size); err != nil {
				return out{}, err
			}
			v, err := s.StorageVolume(c.ctx, pool, name)
			return ok(v), err
		}
	}
	return collection{
		list: func(c call) (any, error) { return s.StorageVolumes(c.ctx, c.param("pool")) },
		create: func(c call) (out, error) {
			var req VolumeRequest
			if err := c.open(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateStorageVolume(c.ctx, c.param("pool"), req)
			return accepted(t), err
		},
		read: func(c call, name string) (any, error) { return s.StorageVolume(c.ctx, c.param("pool"), name) },
		update: func(c call, name string) (out, error) {
			return noContent, h.chunk(c.r, c.param("pool"), name) // PUT uploads a chunk
		},
		remove: func(c call, name string) error { return s.DeleteStorageVolume(c.ctx, c.param("pool"), name) },
		actions: map[string]func(call, string) (out, error){
			"resize": change("resize"),
			"wipe":   change("wipe"),
			"clone": func(c call, name string) (out, error) {
				var p params
				if err := c.optional(&p); err != nil {
					return out{}, err
				}
				t, err := s.CloneStorageVolume(c.ctx, c.param("pool"), name, p.Pool, p.Name)
				return accepted(t), err
			},
		},
	}
}

func (h *Handler) storageTargets(c call) (any, error) {
	q := c.r.URL.Query()
	port := 0
	if p := q.Get("_server_port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, invalid("KCHPOOL0023E", "Port of a remote storage server must be an integer between 1 and 65535")
		}
		port = n
	}
	return h.svc.StorageTargets(c.ctx, c.param("id"), q.Get("_target_type"), port)
}

// The host.

func (h *Handler) hostRoutes(rt *httpapi.Router) {
	s := h.svc
	for _, act := range []string{"reboot", "shutdown", "swupdate"} {
		h.handle(rt, "POST /host/"+act, func(c call) (out, error) {
			if err := noBody(c); err != nil {
				return out{}, err
			}
			t, err := s.HostAction(c.ctx, act)
			if err != nil {
				return out{}, err
			}
			if t != nil {
				return accepted(*t), nil
			}
			hi, err := s.HostInfo()
			return ok(hi), err
		})
	}
	h.handle(rt, "GET /host/swupdateprogress", func(c call) (out, error) {
		t, err := s.UpdateProgress(c.ctx)
		return accepted(t), err
	})
	h.mount(rt, "/host/repositories", h.repositories())
	h.get(rt, "/host", func(call) (any, error) { return s.HostInfo() })
	h.get(rt, "/host/stats", func(call) (any, error) { return s.HostStatsNow() })
	h.get(rt, "/host/stats/history", func(call) (any, error) { return s.HostStatsHistory(), nil })
	h.get(rt, "/host/packagesupdate", func(c call) (any, error) { return s.PackageUpdates(c.ctx) })
	h.get(rt, "/host/packagesupdate/{name}", func(c call) (any, error) { return s.PackageUpdate(c.ctx, c.param("name")) })
	h.get(rt, "/host/cpuinfo", func(call) (any, error) { return s.HostCPUInfo() })
	h.get(rt, "/host/partitions", func(c call) (any, error) { return s.Partitions(c.ctx) })
	h.get(rt, "/host/partitions/{name}", func(c call) (any, error) { return s.Partition(c.ctx, c.param("name")) })
	h.get(rt, "/host/devices", func(c call) (any, error) {
		q := c.r.URL.Query()
		return s.HostDevices(c.ctx, DeviceFilter{Cap: q.Get("_cap"), Passthrough: q.Get("_passthrough"),
			AffectedBy: q.Get("_passthrough_affected_by"), AvailableOnly: q.Get("_available_only")})
	})
	h.get(rt, "/host/devices/{id}", func(c call) (any, error) { return s.HostDevice(c.ctx, c.param("id")) })
	h.get(rt, "/host/devices/{id}/vmholders", func(c call) (any, error) { return s.VMHolders(c.ctx, c.param("id")) })
	h.get(rt, "/host/devices/{id}/vmholders/{vm}", func(c call) (any, error) {
		l, err := s.VMHolders(c.ctx, c.param("id"))
		if err != nil {
			return nil, err
		}
		for _, v := range l {
			if v.Name == c.param("vm") {
				return v, nil
			}
		}
		return nil, vmNotFound(c.param("vm"))
	})
}

func (h *Handler) repositories() collection {
	s := h.svc
	action := func(act string) func(call, string) (out, error) {
		return func(c call, id string) (out, error) {
			if err := noBody(c); err != nil {
				return out{}, err
			}
			if err := s.RepositoryAction(c.ctx, id, act); err != nil {
				return out{}, err
			}
			repo, err := s.Repository(id)
			return ok(repo), err
		}
	}
	return collection{
		list: func(call) (any, error) { return s.Repositories() },
		create: func(c call) (out, error) {
			var req Repository
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			repo, err := s.AddRepository(c.ctx, req)
			return created(repo), err
		},
		read: func(_ call, id string) (any, error) { return s.Repository(id) },
		update: func(c call, id string) (out, error) {
			var req Repository
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			if err := s.UpdateRepository(c.ctx, id, req); err != nil {
				return out{}, err
			}
			repo, err := s.Repository(id)
			if err != nil { // its id changed with it
				return ok(req), nil
			}
			return ok(repo), nil
		},
		remove:  func(c call, id string) error { return s.DeleteRepository(c.ctx, id) },
		actions: map[string]func(call, string) (out, error){"enable": action("enable"), "disable": action("disable")},
	}
}

// Debug reports.

func (h *Handler) debugreports() collection {
	s := h.svc
	return collection{
		list: func(call) (any, error) { return s.DebugReports() },
		create: func(c call) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := c.optional(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateDebugReport(c.ctx, req.Name)
			return accepted(t), err
		},
		read: func(_ call, name string) (any, error) { return s.DebugReport(name) },
		update: func(c call, name string) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := c.body(&req); err != nil {
				return out{}, err
			}
			if req.Name == "" || req.Name == name {
				d, err := s.DebugReport(name)
				return ok(d), err
			}
			if err := s.RenameDebugReport(name, req.Name); err != nil {
				return out{}, err
			}
			return out{status: http.StatusSeeOther, location: "/debugreports/" + url.PathEscape(req.Name)}, nil
		},
		remove: func(_ call, name string) error { return s.DeleteDebugReport(name) },
	}
}

func (h *Handler) debugreportContent(c call) (any, error) {
	name := c.param("id")
	f, err := h.svc.OpenDebugReport(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, _ := f.Stat()
	c.w.Header().Set("Content-Type", "application/gzip")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+name+reportExt+`"`)
	http.ServeContent(c.w, c.r, name+reportExt, st.ModTime(), f)
	return nil, errWritten
}
