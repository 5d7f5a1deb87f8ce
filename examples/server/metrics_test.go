package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/openflow/ovstest"
)

// testServer is the server run by a test, on loopback and an empty
// bolt store.
type testServer struct {
	base, openflow string // its HTTP base URL and OpenFlow address
	out            *lockedBuffer
	cancel         context.CancelFunc
	done           chan error
}

// startServer runs the server for the test; it is stopped when the test
// ends, if the test has not stopped it.
func startServer(t *testing.T, extra ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{out: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan [2]string, 1)
	args := append([]string{"-http", "127.0.0.1:0", "-openflow", "127.0.0.1:0", "-data", t.TempDir(), "-log-level", "warn"}, extra...)
	go func() { s.done <- run(ctx, args, s.out, ready) }()
	t.Cleanup(func() { s.stop(t) })
	select {
	case addrs := <-ready:
		s.base, s.openflow = "http://"+addrs[0], addrs[1]
	case err := <-s.done:
		t.Fatalf("server ended: %v\n%s", err, s.out.String())
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	return s
}

// stop shuts the server down and returns what run returned.
func (s *testServer) stop(t *testing.T) error {
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(15 * time.Second):
		t.Error("server did not shut down")
		return nil
	}
}

// scrape reads /metrics with Prometheus' own text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err, "the scrape does not parse")
	return fams
}

// value returns the sum of the family's samples whose labels include
// every pair of labels (name, value, name, value...), and whether any did.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
	for _, m := range f.GetMetric() {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			has := false
			for _, l := range m.GetLabel() {
				has = has || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			match = match && has
		}
		if !match {
			continue
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// officeSlice creates the network acme/office over the Sliceable API with
// a port at each dpid:port, and returns the network's URL.
func officeSlice(t *testing.T, base string, ports ...string) string {
	t.Helper()
	net := base + "/sliceable/tenants/acme/networks/office"
	post(t, base+"/sliceable/tenants", `{"id":"acme"}`, http.StatusAccepted)
	post(t, base+"/sliceable/tenants/acme/networks", `{"id":"office"}`, http.StatusAccepted)
	for _, p := range ports {
		addPort(t, net, p)
	}
	return net
}

// addPort binds dpid:port, untagged, to the network at net.
func addPort(t *testing.T, net, at string) {
	t.Helper()
	dpid, port, _ := strings.Cut(at, ":")
	post(t, net+"/ports", `{"datapath_id":"`+dpid+`","port":`+port+`,"vid":65535}`, http.StatusAccepted)
}

func post(t *testing.T, url, body string, want int) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, want, res.StatusCode, "POST %s", url)
}

// The scrape parses, names its units as Prometheus wants, and the HTTP,
// store and fabric metrics follow REST calls.
func TestMetrics(t *testing.T) {
	base := startServer(t).base
	post(t, base+"/sliceable/tenants", `{"id":"acme"}`, http.StatusAccepted)
	post(t, base+"/sliceable/tenants/acme/networks", `{"id":"office"}`, http.StatusAccepted)
	post(t, base+"/sliceable/tenants", `{"id":`, http.StatusUnprocessableEntity)
	require.Eventually(t, statusHas(base, `{"name":"sliceable","slices":1`), 5*time.Second, 20*time.Millisecond)

	fams := scrape(t, base)
	for name, f := range fams {
		assert.True(t, strings.HasPrefix(name, "netslice_") || strings.HasPrefix(name, "go_") ||
			strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "promhttp_"), name)
		if f.GetType() == dto.MetricType_COUNTER {
			assert.True(t, strings.HasSuffix(name, "_total"), "counter %s", name)
		}
		if strings.Contains(name, "duration") {
			assert.True(t, strings.HasSuffix(name, "_seconds"), "%s", name)
		}
		assert.NotEmpty(t, f.GetHelp(), "%s has no help", name)
	}
	n, ok := value(fams, "netslice_http_requests_total", "surface", "sliceable", "method", "post", "code", "202")
	assert.True(t, ok)
	assert.Equal(t, 2.0, n)
	n, _ = value(fams, "netslice_http_requests_total", "surface", "sliceable", "code", "422")
	assert.Equal(t, 1.0, n)
	n, _ = value(fams, "netslice_http_request_duration_seconds", "surface", "sliceable")
	assert.Equal(t, 3.0, n)
	n, _ = value(fams, "netslice_store_operation_duration_seconds", "result", "ok")
	assert.GreaterOrEqual(t, n, 2.0, "each accepted POST reads and writes the store")
	// A change the sources' watches deliver (what they loaded at the
	// start came from a listing) gives the watch lag a sample.
	post(t, base+"/sliceable/tenants/acme/networks", `{"id":"lab"}`, http.StatusAccepted)
	assert.Eventually(t, func() bool {
		_, ok := value(scrape(t, base), "netslice_store_watch_lag_revisions")
		return ok
	}, 5*time.Second, 20*time.Millisecond, "the sources watch the store")
	n, _ = value(fams, "netslice_source_slices", "source", "sliceable")
	assert.Equal(t, 1.0, n)
	n, _ = value(fams, "netslice_fabric_slices")
	assert.GreaterOrEqual(t, n, 1.0) // Kimchi's default network may be one too
	n, _ = value(fams, "netslice_openflow_switches")
	assert.Equal(t, 0.0, n)

	// A method nobody serves still counts, under one label.
	req, _ := http.NewRequest("BREW", base+"/sliceable/tenants", nil)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	n, _ = value(scrape(t, base), "netslice_http_requests_total", "surface", "sliceable", "method", "unknown")
	assert.Equal(t, 1.0, n)
}

// With Open vSwitch connected and hosts pinging over a slice configured
// over REST, the switch's counters move with the traffic.
func TestIntegrationMetricsWithOVS(t *testing.T) {
	ovs := ovstest.StartWith(t, ovstest.Options{System: true})
	srv := startServer(t)
	base := srv.base
	require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: "br0", DatapathID: 0xe0, Controller: "tcp:" + srv.openflow}))
	h1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 1, MAC: "02:00:00:00:00:01", Addr: "10.98.0.1/24"})
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 2, MAC: "02:00:00:00:00:02", Addr: "10.98.0.2/24"})
	net := officeSlice(t, base, "0xe0:1", "0xe0:2")
	require.Eventually(t, statusHas(base, `"switches":1`), 10*time.Second, 20*time.Millisecond, "the switch did not connect")
	require.Eventually(t, func() bool { return h1.Ping("10.98.0.2", 1) }, 20*time.Second, 100*time.Millisecond, "no traffic over the slice")

	dpid := "00000000000000e0"
	counts := func() (packetIns, flowMods, learned float64) {
		fams := scrape(t, base)
		n, _ := value(fams, "netslice_openflow_switches")
		require.Equal(t, 1.0, n, "%v", fams["netslice_openflow_switches"])
		up, _ := value(fams, "netslice_openflow_switch_connected", "dpid", dpid, "version", "1.3")
		require.Equal(t, 1.0, up)
		packetIns, _ = value(fams, "netslice_openflow_messages_received_total", "dpid", dpid, "type", "packet_in")
		flowMods, _ = value(fams, "netslice_openflow_messages_sent_total", "dpid", dpid, "type", "flow_mod")
		learned, _ = value(fams, "netslice_fabric_events_total", "kind", "learned")
		_, ok := value(fams, "netslice_openflow_send_queue_messages", "dpid", dpid)
		require.True(t, ok)
		return packetIns, flowMods, learned
	}
	pi, fm, learned := counts()
	assert.Positive(t, pi)
	assert.Positive(t, fm)
	assert.GreaterOrEqual(t, learned, 2.0, "both hosts were learned")

	// New hosts' traffic: more packet-ins, more flow_mods.
	h3 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br0", OFPort: 3, MAC: "02:00:00:00:00:03", Addr: "10.98.0.3/24"})
	addPort(t, net, "0xe0:3")
	require.Eventually(t, func() bool { return h3.Ping("10.98.0.1", 1) }, 20*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		pi2, fm2, learned2 := counts()
		return pi2 > pi && fm2 > fm && learned2 > learned
	}, 5*time.Second, 50*time.Millisecond, "the counters did not move with the traffic")
}
