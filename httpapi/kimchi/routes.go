package kimchi

import (
	"context"
	"net/http"
	"net/url"
)

// decoder reads a request body into v (strictly; an action's may be
// empty).
type decoder func(v any) error

// collection routes one of Kimchi's collections: GET (list) and POST
// (create) on it; GET, PUT and DELETE on its resources; POST actions on
// those; and, with sub, what lies deeper. A nil function is a method the
// collection does not have (405).
type collection struct {
	what    string // named in 405 answers
	list    func(ctx context.Context) (any, error)
	create  func(ctx context.Context, body decoder) (out, error)
	get     func(ctx context.Context, id string) (any, error)
	update  func(ctx context.Context, id string, body decoder) (out, error)
	remove  func(ctx context.Context, id string) error
	actions map[string]func(ctx context.Context, id string, body decoder) (out, error)
	sub     func(id string, rest []string) (out, error)
}

func (h *Handler) collection(w http.ResponseWriter, r *http.Request, seg []string, c collection) (out, error) {
	ctx := r.Context()
	body := decoder(func(v any) error { return h.decode(w, r, v) })
	optional := decoder(func(v any) error { return h.decodeOptional(w, r, v) })
	switch {
	case len(seg) == 0:
		switch {
		case r.Method == http.MethodGet && c.list != nil:
			v, err := c.list(ctx)
			return ok(v), err
		case r.Method == http.MethodPost && c.create != nil:
			return c.create(ctx, body)
		}
		return out{}, notAllowed(r.Method, c.what)
	case len(seg) == 1:
		switch {
		case r.Method == http.MethodGet && c.get != nil:
			v, err := c.get(ctx, seg[0])
			return ok(v), err
		case r.Method == http.MethodPut && c.update != nil:
			return c.update(ctx, seg[0], body)
		case r.Method == http.MethodDelete && c.remove != nil:
			return noContent, c.remove(ctx, seg[0])
		}
		return out{}, notAllowed(r.Method, c.what+" "+seg[0])
	case len(seg) == 2 && c.actions[seg[1]] != nil:
		if r.Method != http.MethodPost {
			return out{}, notAllowed(r.Method, "action "+seg[1])
		}
		return c.actions[seg[1]](ctx, seg[0], optional)
	case c.sub != nil:
		return c.sub(seg[0], seg[1:])
	}
	return out{}, errNoRoute
}

// noBody is an action that takes no parameters (an empty object at most).
func noBody(body decoder) error { return body(&struct{}{}) }

func (h *Handler) ifaces(w http.ResponseWriter, r *http.Request, vm string, seg []string) (out, error) {
	s := h.svc
	return h.collection(w, r, seg, collection{what: "ifaces",
		list: func(ctx context.Context) (any, error) { return s.Ifaces(ctx, vm) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req IfaceRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			i, err := s.AttachIface(ctx, vm, req)
			return created(i), err
		},
		get: func(ctx context.Context, mac string) (any, error) { return s.Iface(ctx, vm, mac) },
		update: func(ctx context.Context, mac string, body decoder) (out, error) {
			var req IfaceRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			i, err := s.UpdateIface(ctx, vm, mac, req)
			return ok(i), err
		},
		remove: func(ctx context.Context, mac string) error { return s.DetachIface(ctx, vm, mac) },
	})
}

func (h *Handler) storages(w http.ResponseWriter, r *http.Request, vm string, seg []string) (out, error) {
	s := h.svc
	return h.collection(w, r, seg, collection{what: "storages",
		list: func(ctx context.Context) (any, error) { return s.Storages(ctx, vm) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req StorageRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			st, err := s.AttachStorage(ctx, vm, req)
			return created(st), err
		},
		get: func(ctx context.Context, dev string) (any, error) { return s.Storage(ctx, vm, dev) },
		update: func(ctx context.Context, dev string, body decoder) (out, error) {
			var req StorageRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			st, err := s.UpdateStorage(ctx, vm, dev, req)
			return ok(st), err
		},
		remove: func(ctx context.Context, dev string) error { return s.DetachStorage(ctx, vm, dev) },
	})
}

func (h *Handler) hostdevs(w http.ResponseWriter, r *http.Request, vm string, seg []string) (out, error) {
	s := h.svc
	return h.collection(w, r, seg, collection{what: "hostdevs",
		list: func(ctx context.Context) (any, error) { return s.HostDevs(ctx, vm) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := body(&req); err != nil {
				return out{}, err
			}
			d, err := s.AttachHostDev(ctx, vm, req.Name)
			return created(d), err
		},
		get:    func(ctx context.Context, dev string) (any, error) { return s.HostDev(ctx, vm, dev) },
		remove: func(ctx context.Context, dev string) error { return s.DetachHostDev(ctx, vm, dev) },
	})
}

func (h *Handler) templates(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	s := h.svc
	return h.collection(w, r, seg, collection{what: "templates",
		list: func(ctx context.Context) (any, error) { return s.Templates(ctx) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req TemplateRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateTemplate(ctx, req)
			return created(t), err
		},
		get: func(ctx context.Context, name string) (any, error) { return s.Template(ctx, name) },
		update: func(ctx context.Context, name string, body decoder) (out, error) {
			var req TemplateRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			t, err := s.UpdateTemplate(ctx, name, req)
			if err == nil && t.Name != name {
				return out{status: http.StatusSeeOther, location: "/templates/" + url.PathEscape(t.Name)}, nil
			}
			return ok(t), err
		},
		remove: func(ctx context.Context, name string) error { return s.DeleteTemplate(ctx, name) },
		actions: map[string]func(context.Context, string, decoder) (out, error){
			"clone": func(ctx context.Context, name string, body decoder) (out, error) {
				if err := noBody(body); err != nil {
					return out{}, err
				}
				t, err := s.CloneTemplate(ctx, name)
				return created(t), err
			},
		},
	})
}

func (h *Handler) networks(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	s := h.svc
	action := func(ctx context.Context, name, act string, body decoder) (out, error) {
		if err := noBody(body); err != nil {
			return out{}, err
		}
		if err := s.NetworkAction(ctx, name, act); err != nil {
			return out{}, err
		}
		n, err := s.Network(ctx, name)
		return ok(n), err
	}
	return h.collection(w, r, seg, collection{what: "networks",
		list: func(ctx context.Context) (any, error) { return s.Networks(ctx) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req NetworkRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			n, err := s.CreateNetwork(ctx, req)
			return created(n), err
		},
		get:    func(ctx context.Context, name string) (any, error) { return s.Network(ctx, name) },
		remove: func(ctx context.Context, name string) error { return s.DeleteNetwork(ctx, name) },
		actions: map[string]func(context.Context, string, decoder) (out, error){
			"activate": func(ctx context.Context, name string, body decoder) (out, error) {
				return action(ctx, name, "activate", body)
			},
			"deactivate": func(ctx context.Context, name string, body decoder) (out, error) {
				return action(ctx, name, "deactivate", body)
			},
		},
	})
}

func (h *Handler) storagepools(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	s := h.svc
	action := func(ctx context.Context, name, act string, body decoder) (out, error) {
		if err := noBody(body); err != nil {
			return out{}, err
		}
		if err := s.PoolAction(ctx, name, act); err != nil {
			return out{}, err
		}
		p, err := s.StoragePool(ctx, name)
		return ok(p), err
	}
	return h.collection(w, r, seg, collection{what: "storagepools",
		list: func(ctx context.Context) (any, error) { return s.StoragePools(ctx) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req PoolRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			p, err := s.CreateStoragePool(ctx, req)
			return created(p), err
		},
		get: func(ctx context.Context, name string) (any, error) { return s.StoragePool(ctx, name) },
		update: func(ctx context.Context, name string, body decoder) (out, error) {
			var req PoolUpdate
			if err := body(&req); err != nil {
				return out{}, err
			}
			p, err := s.UpdateStoragePool(ctx, name, req)
			return ok(p), err
		},
		remove: func(ctx context.Context, name string) error { return s.DeleteStoragePool(ctx, name) },
		actions: map[string]func(context.Context, string, decoder) (out, error){
			"activate": func(ctx context.Context, name string, body decoder) (out, error) {
				return action(ctx, name, "activate", body)
			},
			"deactivate": func(ctx context.Context, name string, body decoder) (out, error) {
				return action(ctx, name, "deactivate", body)
			},
		},
		sub: func(pool string, rest []string) (out, error) {
			if rest[0] != "storagevolumes" {
				return out{}, errNoRoute
			}
			return h.storagevolumes(w, r, pool, rest[1:])
		},
	})
}

func (h *Handler) storagevolumes(w http.ResponseWriter, r *http.Request, pool string, seg []string) (out, error) {
	s := h.svc
	var params struct {
		Size *uint64 `json:"size"`
		Pool string  `json:"pool"`
		Name string  `json:"name"`
	}
	change := func(act string) func(context.Context, string, decoder) (out, error) {
		return func(ctx context.Context, name string, body decoder) (out, error) {
			if err := body(&params); err != nil {
				return out{}, err
			}
			if act == "resize" && params.Size == nil {
				return out{}, invalid("KCHVOL0020E", "Specify size, in bytes, to resize a storage volume.")
			}
			var size uint64
			if params.Size != nil {
				size = *params.Size
			}
			if err := s.VolumeAction(ctx, pool, name, act, size); err != nil {
				return out{}, err
			}
			v, err := s.StorageVolume(ctx, pool, name)
			return ok(v), err
		}
	}
	return h.collection(w, r, seg, collection{what: "storagevolumes",
		list: func(ctx context.Context) (any, error) { return s.StorageVolumes(ctx, pool) },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req VolumeRequest
			if err := body(&req); err != nil {
				return out{}, err
			}
			t, err := s.CreateStorageVolume(ctx, pool, req)
			return out{status: http.StatusAccepted, v: t}, err
		},
		get: func(ctx context.Context, name string) (any, error) { return s.StorageVolume(ctx, pool, name) },
		update: func(ctx context.Context, name string, _ decoder) (out, error) {
			return noContent, h.chunk(r, pool, name) // PUT uploads a chunk
		},
		remove: func(ctx context.Context, name string) error { return s.DeleteStorageVolume(ctx, pool, name) },
		actions: map[string]func(context.Context, string, decoder) (out, error){
			"resize": change("resize"),
			"wipe":   change("wipe"),
			"clone": func(ctx context.Context, name string, body decoder) (out, error) {
				if err := body(&params); err != nil {
					return out{}, err
				}
				t, err := s.CloneStorageVolume(ctx, pool, name, params.Pool, params.Name)
				return out{status: http.StatusAccepted, v: t}, err
			},
		},
	})
}

func (h *Handler) repositories(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	s := h.svc
	action := func(act string) func(context.Context, string, decoder) (out, error) {
		return func(ctx context.Context, id string, body decoder) (out, error) {
			if err := noBody(body); err != nil {
				return out{}, err
			}
			if err := s.RepositoryAction(ctx, id, act); err != nil {
				return out{}, err
			}
			repo, err := s.Repository(id)
			return ok(repo), err
		}
	}
	return h.collection(w, r, seg, collection{what: "repositories",
		list: func(context.Context) (any, error) { return s.Repositories() },
		create: func(ctx context.Context, body decoder) (out, error) {
			var req Repository
			if err := body(&req); err != nil {
				return out{}, err
			}
			repo, err := s.AddRepository(ctx, req)
			return created(repo), err
		},
		get: func(_ context.Context, id string) (any, error) { return s.Repository(id) },
		update: func(ctx context.Context, id string, body decoder) (out, error) {
			var req Repository
			if err := body(&req); err != nil {
				return out{}, err
			}
			if err := s.UpdateRepository(ctx, id, req); err != nil {
				return out{}, err
			}
			repo, err := s.Repository(id)
			if err != nil { // its id changed with it
				return ok(req), nil
			}
			return ok(repo), nil
		},
		remove:  func(ctx context.Context, id string) error { return s.DeleteRepository(ctx, id) },
		actions: map[string]func(context.Context, string, decoder) (out, error){"enable": action("enable"), "disable": action("disable")},
	})
}

func (h *Handler) debugreports(w http.ResponseWriter, r *http.Request, seg []string) (out, error) {
	s := h.svc
	return h.collection(w, r, seg, collection{what: "debugreports",
		list: func(context.Context) (any, error) { return s.DebugReports() },
		create: func(ctx context.Context, _ decoder) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := h.decodeOptional(w, r, &req); err != nil {
				return out{}, err
			}
			t, err := s.CreateDebugReport(ctx, req.Name)
			return out{status: http.StatusAccepted, v: t}, err
		},
		get: func(_ context.Context, name string) (any, error) { return s.DebugReport(name) },
		update: func(_ context.Context, name string, body decoder) (out, error) {
			var req struct {
				Name string `json:"name"`
			}
			if err := body(&req); err != nil {
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
		remove: func(_ context.Context, name string) error { return s.DeleteDebugReport(name) },
		sub: func(name string, rest []string) (out, error) {
			if len(rest) != 1 || rest[0] != "content" {
				return out{}, errNoRoute
			}
			if r.Method != http.MethodGet {
				return out{}, notAllowed(r.Method, "debugreport content")
			}
			f, err := s.OpenDebugReport(name)
			if err != nil {
				return out{}, err
			}
			defer f.Close()
			st, _ := f.Stat()
			w.Header().Set("Content-Type", "application/gzip")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+reportExt+`"`)
			http.ServeContent(w, r, name+reportExt, st.ModTime(), f)
			return out{}, errWritten
		},
	})
}
