package main

// /metrics: what the server's parts count, as Prometheus metrics. The
// library packages count in plain numbers (Switch.Stats, Controller.Stats,
// Fabric.Stats, App.Stats, Follower.Status, store.Observe); this file is
// where they become metrics, which is where a program embedding netslice
// would do the same.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/l2/slicing"
	"github.com/netslice/netslice/l2/sources"
	"github.com/netslice/netslice/openflow"
	"github.com/netslice/netslice/openflow/cluster"
	"github.com/netslice/netslice/openflow/of10"
	"github.com/netslice/netslice/openflow/of13"
	"github.com/netslice/netslice/store"
)

// metrics holds the server's registry and the metrics that are counted as
// things happen (HTTP requests, store calls); the rest are read from the
// parts when scraped (collector).
type metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	storeCalls   *prometheus.HistogramVec
	watchLag     *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "netslice_http_requests_total",
			Help: "HTTP requests answered, by surface, method and status code.",
		}, []string{"surface", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "netslice_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by surface and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"surface", "method"}),
		storeCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "netslice_store_operation_duration_seconds",
			Help:    "Time a store call took, by operation and result (ok or error).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"op", "result"}),
		watchLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "netslice_store_watch_lag_revisions",
			Help: "How many revisions the store was past the last change a watch delivered, by watched prefix.",
		}, []string{"prefix"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.storeCalls, m.watchLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observer is what store.Observe reports to.
func (m *metrics) observer() store.Observer {
	return store.Observer{
		Call: func(op string, d time.Duration, err error) {
			result := "ok"
			if err != nil {
				result = "error"
			}
			m.storeCalls.WithLabelValues(op, result).Observe(d.Seconds())
		},
		WatchLag: func(prefix string, lag int64) { m.watchLag.WithLabelValues(prefix).Set(float64(lag)) },
	}
}

// handler serves the registry.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// A surface is a path prefix the metrics name.
type surface struct{ prefix, name string }

// instrument counts and times the requests h answers, by the surface whose
// prefix the path starts with (the longest; "other" for none).
func (m *metrics) instrument(h http.Handler, surfaces []surface) http.Handler {
	byName := map[string]http.Handler{}
	wrap := func(name string) http.Handler {
		if w, ok := byName[name]; ok {
			return w
		}
		labels := prometheus.Labels{"surface": name}
		w := promhttp.InstrumentHandlerDuration(m.httpDuration.MustCurryWith(labels),
			promhttp.InstrumentHandlerCounter(m.httpRequests.MustCurryWith(labels), h))
		byName[name] = w
		return w
	}
	type route struct {
		prefix string
		h      http.Handler
	}
	var routes []route
	for _, s := range surfaces {
		routes = append(routes, route{s.prefix, wrap(s.name)})
	}
	other := wrap("other")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		best, h := -1, other
		for _, rt := range routes {
			if len(rt.prefix) > best && strings.HasPrefix(r.URL.Path, rt.prefix) {
				best, h = len(rt.prefix), rt.h
			}
		}
		h.ServeHTTP(w, r)
	})
}

// collector reads the controller, the fabric, the slicing app and the
// sources when scraped.
type collector struct {
	ctrl     *openflow.Controller
	fabric   *l2.Fabric
	app      *slicing.App
	follower *sources.Follower
	cl       *cluster.Cluster // nil unless -cluster-id
}

var (
	descSwitches      = prometheus.NewDesc("netslice_openflow_switches", "Switches connected.", nil, nil)
	descHandshaking   = prometheus.NewDesc("netslice_openflow_handshakes_in_progress", "Connections that have not finished the OpenFlow handshake.", nil, nil)
	descSwitchUp      = prometheus.NewDesc("netslice_openflow_switch_connected", "1 for each connected switch, with its OpenFlow version (1.0, 1.3).", []string{"dpid", "version"}, nil)
	descMsgsIn        = prometheus.NewDesc("netslice_openflow_messages_received_total", "OpenFlow messages received from a switch, by type.", []string{"dpid", "type"}, nil)
	descMsgsOut       = prometheus.NewDesc("netslice_openflow_messages_sent_total", "OpenFlow messages sent to a switch, by type.", []string{"dpid", "type"}, nil)
	descBytesIn       = prometheus.NewDesc("netslice_openflow_received_bytes_total", "Bytes of OpenFlow messages received from a switch.", []string{"dpid"}, nil)
	descBytesOut      = prometheus.NewDesc("netslice_openflow_sent_bytes_total", "Bytes of OpenFlow messages sent to a switch.", []string{"dpid"}, nil)
	descQueue         = prometheus.NewDesc("netslice_openflow_send_queue_messages", "Messages waiting to be written to a switch.", []string{"dpid"}, nil)
	descQueueCap      = prometheus.NewDesc("netslice_openflow_send_queue_capacity_messages", "Size of a switch's send queue.", []string{"dpid"}, nil)
	descDisconnects   = prometheus.NewDesc("netslice_openflow_disconnects_total", "Switch connections that ended, by reason.", []string{"reason"}, nil)
	descSlices        = prometheus.NewDesc("netslice_fabric_slices", "Slices in the fabric.", nil, nil)
	descPorts         = prometheus.NewDesc("netslice_fabric_port_bindings", "Ports bound to slices.", nil, nil)
	descLearned       = prometheus.NewDesc("netslice_fabric_learned_entries", "MAC entries learned across the fabric.", nil, nil)
	descEvents        = prometheus.NewDesc("netslice_fabric_events_total", "Changes to the learning tables, by kind (learned, moved, expired, evicted, removed).", []string{"kind"}, nil)
	descEvictions     = prometheus.NewDesc("netslice_fabric_evictions_total", "Learned entries pushed out because their slice or the fabric was full.", nil, nil)
	descSourceSlices  = prometheus.NewDesc("netslice_source_slices", "Slices a configuration source has in the fabric.", []string{"source"}, nil)
	descSourceRefuse  = prometheus.NewDesc("netslice_source_refused_claims", "Claims of a source's slices left out of the fabric.", []string{"source"}, nil)
	descSourceRev     = prometheus.NewDesc("netslice_source_revision", "Store revision a source has applied up to.", []string{"source"}, nil)
	descSourceUp      = prometheus.NewDesc("netslice_source_following", "1 while a source follows its store, 0 while it cannot.", []string{"source"}, nil)
	descApp           = prometheus.NewDesc("netslice_slicing_messages_total", "What the slicing app did, by kind (packet_in handled, flow_mod, packet_out, delete, drop_flow, quarantine, send_failed, no_transport_tag, lldp_refused, spoofed, dhcp_request, dhcp_answer, arp_answer, ra_answer).", []string{"kind"}, nil)
	descLinks         = prometheus.NewDesc("netslice_slicing_links", "Links between switches the app discovered.", nil, nil)
	descTags          = prometheus.NewDesc("netslice_slicing_transport_vlans", "Transport VLANs held by slices that cross links.", nil, nil)
	descUnenforced    = prometheus.NewDesc("netslice_slicing_unenforced_ports", "Ports with security rules their switch cannot enforce (OpenFlow 1.0): their traffic passes unfiltered.", nil, nil)
	descClusterMaster = prometheus.NewDesc("netslice_cluster_master", "1 for the server that is master of the cluster's switches, with its generation id.", []string{"cluster", "master", "generation"}, nil)
	descIsMaster      = prometheus.NewDesc("netslice_cluster_is_master", "1 while this server is master of the cluster's switches, else 0.", []string{"cluster"}, nil)
	descSwitchMaster  = prometheus.NewDesc("netslice_cluster_switch_master", "1 for each switch's master, as the master published it.", []string{"dpid", "master"}, nil)
	descSwitchSince   = prometheus.NewDesc("netslice_cluster_switch_master_since_seconds", "When a switch's master became its master, in Unix seconds.", []string{"dpid"}, nil)
	descSwitchRole    = prometheus.NewDesc("netslice_openflow_switch_role", "1 for this server's role on each connected switch (equal, master, slave).", []string{"dpid", "role"}, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}

	cs := c.ctrl.Stats()
	gauge(descSwitches, float64(cs.Switches))
	gauge(descHandshaking, float64(cs.Handshaking))
	for reason, n := range cs.Disconnects {
		counter(descDisconnects, n, reason)
	}
	for _, sw := range c.ctrl.Switches() {
		dpid := fmt.Sprintf("%016x", sw.DatapathID())
		st := sw.Stats()
		gauge(descSwitchUp, 1, dpid, strings.TrimPrefix(sw.Version().String(), "OpenFlow "))
		counter(descBytesIn, st.BytesIn, dpid)
		counter(descBytesOut, st.BytesOut, dpid)
		gauge(descQueue, float64(st.Queued), dpid)
		gauge(descQueueCap, float64(st.QueueCap), dpid)
		for t := range openflow.MessageTypes {
			name := messageType(sw.Version(), t)
			if st.In[t] != 0 {
				counter(descMsgsIn, st.In[t], dpid, name)
			}
			if st.Out[t] != 0 {
				counter(descMsgsOut, st.Out[t], dpid, name)
			}
		}
	}

	fs := c.fabric.Stats()
	gauge(descSlices, float64(fs.Slices))
	gauge(descPorts, float64(fs.Ports))
	gauge(descLearned, float64(fs.Learned))
	for k := l2.Learned; int(k) < len(fs.Events); k++ {
		counter(descEvents, fs.Events[k], k.String())
	}
	counter(descEvictions, fs.Events[l2.Evicted])

	for _, s := range c.follower.Status() {
		gauge(descSourceSlices, float64(s.Slices), s.Name)
		gauge(descSourceRefuse, float64(len(s.Refused)), s.Name)
		gauge(descSourceRev, float64(s.Revision), s.Name)
		up := 1.0
		if s.Error != "" {
			up = 0
		}
		gauge(descSourceUp, up, s.Name)
	}

	as := c.app.Stats()
	for _, k := range []struct {
		kind string
		n    uint64
	}{{"packet_in", as.PacketIns}, {"flow_mod", as.FlowMods}, {"packet_out", as.PacketOuts}, {"delete", as.Deletes},
		{"drop_flow", as.DropFlows}, {"quarantine", as.Quarantines}, {"send_failed", as.SendFailed},
		{"no_transport_tag", as.NoTransportTag}, {"lldp_refused", as.LLDPRefused}, {"spoofed", as.Spoofed},
		{"dhcp_request", as.DHCPRequests}, {"dhcp_answer", as.DHCPAnswers}, {"arp_answer", as.ARPAnswers}, {"ra_answer", as.RAAnswers}} {
		counter(descApp, k.n, k.kind)
	}
	gauge(descLinks, float64(as.Links))
	gauge(descTags, float64(as.TransportTags))
	gauge(descUnenforced, float64(len(c.app.Unenforced())))
	if c.cl != nil {
		st := c.cl.Status()
		if st.Master != "" {
			gauge(descClusterMaster, 1, st.ID, st.Master, strconv.FormatUint(st.Generation, 10))
		}
		is := 0.0
		if st.IsMaster {
			is = 1
		}
		gauge(descIsMaster, is, st.ID)
		for _, sm := range st.Switches {
			dpid := fmt.Sprintf("%016x", sm.Datapath)
			gauge(descSwitchMaster, 1, dpid, sm.Master)
			gauge(descSwitchSince, float64(sm.Since.UnixMilli())/1e3, dpid)
		}
		for _, r := range c.app.Roles() {
			gauge(descSwitchRole, 1, fmt.Sprintf("%016x", uint64(r.Datapath)), r.Role.String())
		}
	}
}

// messageType names an OpenFlow message type as a label: packet_in,
// flow_mod, ... ("other" for the types counted together).
func messageType(v openflow.Version, t int) string {
	if t == openflow.MessageTypes-1 {
		return "other"
	}
	name := of13.Type(t).String()
	if v == openflow.Version10 {
		name = of10.Type(t).String()
	}
	return strings.ToLower(name)
}
