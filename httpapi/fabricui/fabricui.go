// Package fabricui serves a live page of a fabric for operators: the
// switches and the links between them drawn as a graph, each slice with
// its ports, attachments and learned MACs, and the path a frame takes
// between two hosts of a slice, highlighted. The page is plain HTML, CSS
// and JavaScript embedded in the binary (no CDN, no build step); it reads
// a JSON snapshot and follows changes as server-sent events.
//
// Mount it where the page should be, with its own prefix stripped:
//
//	mux.Handle("/ui/", http.StripPrefix("/ui", fabricui.New(fabricui.Source{Fabric: f, Topology: app.Topology()}, fabricui.Options{})))
package fabricui

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/l2"
)

//go:embed static
var static embed.FS

// Source is what the page shows.
type Source struct {
	// Fabric holds the slices, their ports and what they learned.
	Fabric *l2.Fabric
	// Topology holds the links between switches and finds paths; nil
	// draws no links and finds only paths within one switch.
	Topology *l2.Topology
	// Switches, when set, lists the connected switches (an OpenFlow
	// controller's); the page also draws every switch a binding, an
	// entry or a link names.
	Switches func() []Switch
}

// Switch is a connected switch.
type Switch struct {
	Datapath l2.DatapathID
	// Label says more about it: its address, its version.
	Label string
}

// Options configure the page.
type Options struct {
	// Interval is how often changes are looked for (default 1s).
	Interval time.Duration
	// Logger receives request failures; nil discards them.
	Logger *slog.Logger
	// Visible, when set, says which slices a request may see (their
	// ports, attachments and learned MACs; switches and links are shown
	// to all): it returns nil for all of them, or a test of a slice's id.
	// A server that shows projects their own networks only decides here
	// from the request's identity (httpapi.IdentityFrom).
	Visible func(r *http.Request) func(slice string) bool
	// MaxStreams bounds the event streams followed at once (default 64),
	// MaxStreamsPerClient those of one client address (default 4); a
	// stream over either is refused 503 with Retry-After. Keep MaxStreams
	// well under the server's connection cap (httpapi.LimitListener), so
	// that the connections left serve the APIs.
	MaxStreams, MaxStreamsPerClient int
	// StreamLifetime ends a stream after this long (default 10 minutes);
	// a browser's EventSource reconnects by itself.
	StreamLifetime time.Duration
}

// Handler serves the page and its data:
//
//	GET /                 the page
//	GET /static/...       its script and style
//	GET /api/fabric       the snapshot (Snapshot, JSON)
//	GET /api/events       the snapshot again on every change, as server-sent events
//	GET /api/path?slice=ID&src=MAC&dst=MAC   the path between two hosts (Path, JSON)
type Handler struct {
	src       Source
	opts      Options
	mux       *http.ServeMux
	done      chan struct{} // closed by Close: event streams end
	closeOnce sync.Once

	snapMu            sync.Mutex // the last snapshot, shared by the streams
	snap              Snapshot
	snapFull, snapKey []byte
	snapAt            time.Time

	streamMu sync.Mutex
	streams  map[string]int // open streams by client address
	nstreams int
}

// New returns the page's handler.
func New(src Source, opts Options) *Handler {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = 64
	}
	if opts.MaxStreamsPerClient <= 0 {
		opts.MaxStreamsPerClient = 4
	}
	if opts.StreamLifetime <= 0 {
		opts.StreamLifetime = 10 * time.Minute
	}
	h := &Handler{src: src, opts: opts, mux: http.NewServeMux(), done: make(chan struct{}), streams: map[string]int{}}
	files, _ := fs.Sub(static, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	})
	h.mux.HandleFunc("GET /api/fabric", h.fabric)
	h.mux.HandleFunc("GET /api/events", h.events)
	h.mux.HandleFunc("GET /api/path", h.path)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close ends the event streams being served (a browser reconnects to
// whatever serves next): for a server shutting down, which otherwise
// waits for them, as in srv.RegisterOnShutdown(ui.Close).
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.done) }) }

// Snapshot is the fabric as the page draws it.
type Snapshot struct {
	Switches []SwitchView `json:"switches"`
	Links    []LinkView   `json:"links"`
	Slices   []SliceView  `json:"slices"`
}

// SwitchView is a switch.
type SwitchView struct {
	Datapath  string `json:"dpid"`
	Label     string `json:"label,omitempty"`
	Connected bool   `json:"connected"`
}

// PortView is a switch port.
type PortView struct {
	Datapath string `json:"dpid"`
	Port     uint32 `json:"port"`
}

// LinkView is a link between two switch ports.
type LinkView struct {
	A PortView `json:"a"`
	B PortView `json:"b"`
}

// SliceView is a slice.
type SliceView struct {
	ID                 string        `json:"id"`
	Ports              []BindingView `json:"ports"`
	NetworkAttachments []string      `json:"network_attachments"`
	Learned            []EntryView   `json:"learned"`
}

// BindingView is a port bound to a slice, with the MACs attached to it.
type BindingView struct {
	PortView
	VLAN     string   `json:"vlan"`
	Attached []string `json:"attached"`
}

// EntryView is an entry of a slice's learning table.
type EntryView struct {
	MAC string `json:"mac"`
	PortView
	VLAN   string `json:"vlan"`
	Static bool   `json:"static"`
	// Age is how long ago the MAC was last seen, in seconds (static
	// entries do not age).
	Age float64 `json:"age,omitempty"`
}

// Path is the way a frame goes between two hosts of a slice.
type Path struct {
	From EntryView `json:"from"`
	To   EntryView `json:"to"`
	Hops []HopView `json:"hops"`
}

// HopView is one switch on a path.
type HopView struct {
	Datapath string `json:"dpid"`
	In       uint32 `json:"in"`
	Out      uint32 `json:"out"`
}

func portView(p l2.PortRef) PortView {
	return PortView{Datapath: p.Datapath.String(), Port: uint32(p.Port)}
}

func entryView(e l2.Entry, now time.Time) EntryView {
	v := EntryView{MAC: e.MAC.String(), PortView: portView(e.Location.PortRef()), VLAN: e.Location.VLAN.String(), Static: e.Static}
	if !e.Static && !e.LastSeen.IsZero() {
		v.Age = max(now.Sub(e.LastSeen).Seconds(), 0)
	}
	return v
}

// Snapshot returns the fabric as the page draws it.
func (h *Handler) Snapshot() Snapshot {
	f := h.src.Fabric
	snap := Snapshot{Switches: []SwitchView{}, Links: []LinkView{}, Slices: []SliceView{}}
	seen := map[l2.DatapathID]int{}
	addSwitch := func(dp l2.DatapathID, label string, connected bool) {
		if i, ok := seen[dp]; ok {
			if connected {
				snap.Switches[i].Connected, snap.Switches[i].Label = true, label
			}
			return
		}
		seen[dp] = len(snap.Switches)
		snap.Switches = append(snap.Switches, SwitchView{Datapath: dp.String(), Label: label, Connected: connected})
	}
	if h.src.Switches != nil {
		for _, s := range h.src.Switches() {
			addSwitch(s.Datapath, s.Label, true)
		}
	}
	if h.src.Topology != nil {
		for _, l := range h.src.Topology.Links() {
			snap.Links = append(snap.Links, LinkView{portView(l.A), portView(l.B)})
			addSwitch(l.A.Datapath, "", false)
			addSwitch(l.B.Datapath, "", false)
		}
	}
	now := f.Now()
	for _, id := range f.Slices() {
		sv := SliceView{ID: id, Ports: []BindingView{}, NetworkAttachments: []string{}, Learned: []EntryView{}}
		bs, err := f.Bindings(id)
		if err != nil {
			continue // removed since Slices
		}
		for _, b := range bs {
			bv := BindingView{PortView: portView(b.Location.PortRef()), VLAN: b.Location.VLAN.String(), Attached: []string{}}
			for _, m := range b.Attached {
				bv.Attached = append(bv.Attached, m.String())
			}
			sv.Ports = append(sv.Ports, bv)
			addSwitch(b.Location.Datapath, "", false)
		}
		if macs, err := f.NetworkAttachments(id); err == nil {
			for _, m := range macs {
				sv.NetworkAttachments = append(sv.NetworkAttachments, m.String())
			}
		}
		if es, err := f.Entries(id); err == nil {
			for _, e := range es {
				sv.Learned = append(sv.Learned, entryView(e, now))
				addSwitch(e.Location.Datapath, "", false)
			}
		}
		snap.Slices = append(snap.Slices, sv)
	}
	slices.SortFunc(snap.Switches, func(a, b SwitchView) int {
		return compareDPID(a.Datapath, b.Datapath)
	})
	return snap
}

// compareDPID orders formatted datapath ids by value.
func compareDPID(a, b string) int {
	da, _ := l2.ParseDatapathID(a)
	db, _ := l2.ParseDatapathID(b)
	switch {
	case da < db:
		return -1
	case da > db:
		return 1
	}
	return 0
}

// snapshotJSON returns the snapshot as JSON and, as key, the same
// without the entries' ages, which change every moment: what tells
// whether anything changed. One is made per half Interval at most, however
// many pages follow the fabric. visible, when not nil, leaves out the
// slices it refuses.
func (h *Handler) snapshotJSON(visible func(string) bool) (full, key []byte) {
	h.snapMu.Lock()
	if h.snapFull == nil || time.Since(h.snapAt) >= h.opts.Interval/2 {
		h.snap = h.Snapshot()
		h.snapFull, h.snapKey = encode(h.snap)
		h.snapAt = time.Now()
	}
	snap, full, key := h.snap, h.snapFull, h.snapKey
	h.snapMu.Unlock()
	if visible == nil {
		return full, key
	}
	snap.Slices = slices.DeleteFunc(slices.Clone(snap.Slices), func(s SliceView) bool { return !visible(s.ID) })
	return encode(snap)
}

func encode(snap Snapshot) (full, key []byte) {
	full, _ = json.Marshal(snap)
	snap.Slices = slices.Clone(snap.Slices)
	for i := range snap.Slices {
		learned := slices.Clone(snap.Slices[i].Learned)
		for j := range learned {
			learned[j].Age = 0
		}
		snap.Slices[i].Learned = learned
	}
	key, _ = json.Marshal(snap)
	return full, key
}

func (h *Handler) visible(r *http.Request) func(string) bool {
	if h.opts.Visible == nil {
		return nil
	}
	return h.opts.Visible(r)
}

func (h *Handler) fabric(w http.ResponseWriter, r *http.Request) {
	full, _ := h.snapshotJSON(h.visible(r))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(full)
}

// events sends the snapshot at once and again whenever it changes, until
// the client goes, the stream's lifetime ends or the server shuts down.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	client := r.RemoteAddr
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	if !h.openStream(client) {
		// Refused, the connection is let go too: kept alive, it would
		// hold the slot the cap is there to free.
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "10")
		httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusServiceUnavailable, Msg: "too many event streams are followed; try again shortly"})
		return
	}
	defer h.closeStream(client)
	visible := h.visible(r)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(h.opts.Interval)
	defer t.Stop()
	end := time.NewTimer(h.opts.StreamLifetime)
	defer end.Stop()
	var last []byte
	for {
		full, key := h.snapshotJSON(visible)
		if !bytes.Equal(key, last) {
			last = key
			// A stream outlives any write timeout the server has: each
			// event gets its own.
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			w.Write([]byte("event: fabric\ndata: "))
			w.Write(full)
			w.Write([]byte("\n\n"))
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-end.C:
			return
		case <-t.C:
		}
	}
}

// openStream counts a stream of client in, if the caps allow it.
func (h *Handler) openStream(client string) bool {
	h.streamMu.Lock()
	defer h.streamMu.Unlock()
	if h.nstreams >= h.opts.MaxStreams || h.streams[client] >= h.opts.MaxStreamsPerClient {
		return false
	}
	h.nstreams++
	h.streams[client]++
	return true
}

func (h *Handler) closeStream(client string) {
	h.streamMu.Lock()
	defer h.streamMu.Unlock()
	h.nstreams--
	if h.streams[client]--; h.streams[client] <= 0 {
		delete(h.streams, client)
	}
}

// path answers the path between two MACs of a slice.
func (h *Handler) path(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slice := q.Get("slice")
	src, err1 := l2.ParseMAC(q.Get("src"))
	dst, err2 := l2.ParseMAC(q.Get("dst"))
	if slice == "" || err1 != nil || err2 != nil {
		httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusBadRequest, Msg: "want ?slice=ID&src=MAC&dst=MAC"})
		return
	}
	if visible := h.visible(r); visible != nil && !visible(slice) {
		httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotFound, Msg: "the slice does not know where both hosts are"})
		return
	}
	from, ok1 := h.src.Fabric.Lookup(slice, src)
	to, ok2 := h.src.Fabric.Lookup(slice, dst)
	if !ok1 || !ok2 {
		httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotFound, Msg: "the slice does not know where both hosts are"})
		return
	}
	now := h.src.Fabric.Now()
	p := Path{From: entryView(from, now), To: entryView(to, now), Hops: []HopView{}}
	var hops []l2.Hop
	if h.src.Topology != nil {
		hops, err1 = h.src.Topology.Path(from.Location.PortRef(), to.Location.PortRef())
	} else if from.Location.Datapath == to.Location.Datapath {
		hops = []l2.Hop{{Datapath: from.Location.Datapath, In: from.Location.Port, Out: to.Location.Port}}
	} else {
		err1 = l2.ErrNoPath
	}
	if errors.Is(err1, l2.ErrNoPath) {
		httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotFound, Msg: "the two hosts' switches are not connected"})
		return
	} else if err1 != nil {
		httpapi.Fail(w, r, err1, httpapi.PlainText, h.opts.Logger)
		return
	}
	for _, hp := range hops {
		p.Hops = append(p.Hops, HopView{Datapath: hp.Datapath.String(), In: uint32(hp.In), Out: uint32(hp.Out)})
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
}
