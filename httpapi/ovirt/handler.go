package ovirt

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/netslice/netslice/httpapi"
)

// HandlerOptions configure the HTTP surface.
type HandlerOptions struct {
	Authenticator httpapi.Authenticator // nil: httpapi.AllowAll
	Logger        *slog.Logger
	Timeout       time.Duration // per request (0: the service's apply timeout plus 10 s)
	MaxBody       int64         // 0: httpapi.DefaultMaxBody
}

// Handler serves the host networking API: the seed's paths and oVirt v4's
// (the same, under /ovirt-engine/api), XML by default and JSON on
// request, faults as <fault><reason/><detail/></fault>.
type Handler struct {
	svc  *Service
	opts HandlerOptions
	h    http.Handler
	doc  http.Handler // the OpenAPI document
}

// NewHandler returns the API over svc, serving paths relative to where
// it is mounted (/api or /ovirt-engine/api).
func NewHandler(svc *Service, opts HandlerOptions) *Handler {
	if opts.Timeout <= 0 {
		opts.Timeout = svc.opts.ApplyTimeout + 10*time.Second
	}
	h := &Handler{svc: svc, opts: opts, doc: document().Handler()}
	rt := httpapi.NewRouter(h.fail)
	h.routes(rt)
	// Only admins change hosts and networks, as in oVirt.
	api := httpapi.Wrap(rt, httpapi.Options{Logger: opts.Logger, Authenticator: opts.Authenticator,
		Render: renderFault, Timeout: opts.Timeout, Writers: []string{httpapi.RoleAdmin}})
	h.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = httpapi.TrimPath(r, "") // "/networks/" is "/networks"
		api.ServeHTTP(w, r)
	})
	return h
}

// routes registers the API's operations.
func (h *Handler) routes(rt *httpapi.Router) {
	rt.Handle("GET /{$}", h.root)
	rt.Handle("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) error {
		h.doc.ServeHTTP(w, r)
		return nil
	})
	rt.Handle("GET /networks", h.listNetworks)
	rt.Handle("POST /networks", h.createNetwork)
	rt.Handle("GET /networks/{id}", h.showNetwork)
	rt.Handle("PUT /networks/{id}", h.updateNetwork)
	rt.Handle("DELETE /networks/{id}", h.deleteNetwork)

	const host = "/hosts/{host}"
	rt.Handle("GET /hosts", h.listHosts)
	rt.Handle("GET "+host, h.showHost)
	rt.Handle("POST "+host+"/setupnetworks", h.setupNetworksAction)
	rt.Handle("POST "+host+"/commitnetconfig", h.commitNetConfig)
	const nic = host + "/nics/{nic}"
	rt.Handle("GET "+host+"/nics", h.listNICs)
	rt.Handle("GET "+nic, h.showNIC)
	rt.Handle("GET "+nic+"/statistics", h.nicStatistics)
	rt.Handle("GET "+nic+"/networks", h.listNICNetworks)
	rt.Handle("POST "+nic+"/networks", h.attachToNIC)
	rt.Handle("GET "+nic+"/networks/{net}", h.showNICNetwork)
	rt.Handle("DELETE "+nic+"/networks/{net}", h.detachFromNIC)
	rt.Handle("GET "+nic+"/networks/{net}/statistics", h.nicNetworkStatistics)
	const conn = host + "/networkconnections"
	rt.Handle("GET "+conn, h.listConnections)
	rt.Handle("POST "+conn, h.createConnection)
	rt.Handle("GET "+conn+"/{id}", h.showConnection)
	rt.Handle("PUT "+conn+"/{id}", h.updateConnection)
	rt.Handle("DELETE "+conn+"/{id}", h.deleteConnection)
	rt.Handle("GET "+conn+"/{id}/statistics", h.connectionStatistics)
	for _, of := range []string{host, nic} { // a host's attachments, and a NIC's
		att := of + "/networkattachments"
		rt.Handle("GET "+att, h.listAttachments)
		rt.Handle("POST "+att, h.createAttachment)
		rt.Handle("GET "+att+"/{id}", h.showAttachment)
		rt.Handle("PUT "+att+"/{id}", h.updateAttachment)
		rt.Handle("DELETE "+att+"/{id}", h.deleteAttachment)
	}
}

// hrefsOf makes the links of an answer to r.
func hrefsOf(r *http.Request) hrefs { return hrefs{base: httpapi.MountPoint(r)} }

// Prefix is oVirt v4's: /ovirt-engine/api. The seed's /api serves the
// same handler (examples/server mounts both).
func (h *Handler) Prefix() string { return "/ovirt-engine/api/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

func wantsJSON(r *http.Request) bool {
	return httpapi.Accepts(r, "application/json") && !httpapi.Accepts(r, "application/xml") ||
		strings.Contains(r.Header.Get("Accept"), "json") && !strings.Contains(r.Header.Get("Accept"), "xml")
}

func write(w http.ResponseWriter, r *http.Request, status int, n *node) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(n.jsonBytes())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(n.xmlBytes())
}

// renderFault writes <fault>: the reason and detail of the Service's
// *Error, or for anything else the status's text and the message.
func renderFault(w http.ResponseWriter, r *http.Request, e *httpapi.Error) {
	reason, detail := http.StatusText(e.Status), e.Msg
	var oe *Error
	switch {
	case errors.As(e, &oe):
		reason, detail = oe.Reason, oe.Detail
	case errors.Is(e, httpapi.ErrNoRoute):
		detail = "no such resource"
	case errors.Is(e, httpapi.ErrMethod):
		detail = "the method is not allowed for this resource"
	}
	write(w, r, e.Status, el("fault", leaf("reason", reason), leaf("detail", detail)))
}

// fail answers err: the Service's errors with the status their kind has
// in oVirt, the rest as every surface does.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *Error
	if errors.As(err, &oe) {
		status, ok := statuses[oe.Kind]
		if !ok {
			status = http.StatusInternalServerError
		}
		err = &httpapi.Error{Status: status, Msg: oe.Error(), Err: err}
	}
	httpapi.Fail(w, r, err, renderFault, h.opts.Logger)
}

// body reads the request as a node: XML unless Content-Type says JSON.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, root string) (*node, error) {
	max := h.opts.MaxBody
	if max <= 0 {
		max = httpapi.DefaultMaxBody
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &httpapi.Error{Status: http.StatusRequestEntityTooLarge, Kind: httpapi.ErrTooLarge,
				Msg: fmt.Sprintf("the body exceeds %d bytes", max)}
		}
		return nil, badRequest("reading the body: %v", err)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var n *node
	if mt == "application/json" {
		n, err = parseJSON(b, root)
	} else {
		n, err = parseXML(b)
		if err == nil && n.name != root {
			err = errors.New("the body must be a <" + root + "> element, not <" + n.name + ">")
		}
	}
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return n, nil
}

func (h *Handler) root(w http.ResponseWriter, r *http.Request) error {
	u := hrefsOf(r)
	api := el("api", link("hosts", u.base+"/hosts"), link("networks", u.base+"/networks"),
		el("product_info", leaf("name", "netslice"), leaf("vendor", "netslice"),
			el("version", leaf("major", "4"), leaf("minor", "4"), leaf("build", "0"), leaf("revision", "0"))))
	write(w, r, 200, api)
	return nil
}

// Logical networks.

func (h *Handler) createNetwork(w http.ResponseWriter, r *http.Request) error {
	b, err := h.body(w, r, "network")
	if err != nil {
		return err
	}
	n, err := networkFrom(b, Network{Usages: []string{"vm"}})
	if err != nil {
		return err
	}
	if n.Name == "" {
		return badRequest("network name is required")
	}
	if n, err = h.svc.CreateNetwork(r.Context(), n); err != nil {
		return err
	}
	u := hrefsOf(r)
	w.Header().Set("Location", u.network(n.ID))
	write(w, r, http.StatusCreated, renderNetwork(u, n, ""))
	return nil
}

func (h *Handler) listNetworks(w http.ResponseWriter, r *http.Request) error {
	q, err := searchOf(r, "name", "id", "description", "vlanid", "mtu")
	if err != nil {
		return err
	}
	ns, err := h.svc.Networks(r.Context())
	if err != nil {
		return err
	}
	u := hrefsOf(r)
	out := &node{name: "networks", list: true}
	for _, n := range ns {
		if q.full(len(out.children)) {
			break
		}
		if q.match(func(f string) string {
			switch f {
			case "name":
				return n.Name
			case "id":
				return n.ID
			case "description":
				return n.Description
			case "vlanid":
				return strconv.Itoa(n.VLAN)
			}
			return strconv.Itoa(n.MTU)
		}) {
			out.add(renderNetwork(u, n, ""))
		}
	}
	write(w, r, 200, out)
	return nil
}

func (h *Handler) showNetwork(w http.ResponseWriter, r *http.Request) error {
	n, _, err := h.svc.Network(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	write(w, r, 200, renderNetwork(hrefsOf(r), n, ""))
	return nil
}

func (h *Handler) updateNetwork(w http.ResponseWriter, r *http.Request) error {
	b, err := h.body(w, r, "network")
	if err != nil {
		return err
	}
	var perr error
	n, err := h.svc.UpdateNetwork(r.Context(), r.PathValue("id"), func(n *Network) { *n, perr = networkFrom(b, *n) })
	if perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	write(w, r, 200, renderNetwork(hrefsOf(r), n, ""))
	return nil
}

func (h *Handler) deleteNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.DeleteNetwork(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(200)
	return nil
}

// networkFrom reads a <network> over base.
func networkFrom(b *node, base Network) (Network, error) {
	n := base
	if v, ok := b.get("name"); ok {
		n.Name = v
	}
	if v, ok := b.get("description"); ok {
		n.Description = v
	}
	if v := b.child("vlan"); v != nil {
		id, ok := v.get("id")
		if !ok {
			n.VLAN = 0
		} else if x, err := strconv.Atoi(id); err != nil {
			return n, badRequest("vlan id %q is not a number", id)
		} else {
			n.VLAN = x
		}
	}
	if v, ok := b.get("mtu"); ok {
		x, err := strconv.Atoi(v)
		if err != nil {
			return n, badRequest("mtu %q is not a number", v)
		}
		n.MTU = x
	}
	if us := b.child("usages"); us != nil {
		n.Usages = []string{}
		for _, x := range us.all("usage") {
			n.Usages = append(n.Usages, x.text)
		}
	}
	if v, ok := b.get("required"); ok {
		x, err := strconv.ParseBool(v)
		if err != nil {
			return n, badRequest("required %q is not a boolean", v)
		}
		n.Required = x
	}
	return n, nil
}
