package fabricui_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/fabricui"
	"github.com/netslice/netslice/l2"
)

var (
	h1 = l2.MustParseMAC("02:00:00:00:00:01")
	h2 = l2.MustParseMAC("02:00:00:00:00:02")
)

// twoSwitches: switches 1 and 2 linked 1:3 <-> 2:3, a slice with a port
// on each and a host learned behind each.
func twoSwitches(t *testing.T) (*l2.Fabric, *l2.Topology) {
	f := l2.NewFabric(l2.Options{})
	topo := l2.NewTopology()
	topo.AddLink(l2.NewLink(l2.PortRef{Datapath: 1, Port: 3}, l2.PortRef{Datapath: 2, Port: 3}))
	_, err := f.Update(func(tx *l2.Tx) error {
		if err := tx.AddSlice("office"); err != nil {
			return err
		}
		if err := tx.BindPort("office", l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}); err != nil {
			return err
		}
		if err := tx.BindPort("office", l2.Location{Datapath: 2, Port: 1, VLAN: 10}); err != nil {
			return err
		}
		return tx.AttachNetwork("office", l2.MustParseMAC("02:00:00:00:00:09"))
	})
	require.NoError(t, err)
	f.Decide(l2.Location{Datapath: 1, Port: 1, VLAN: l2.Untagged}, h1, l2.Broadcast)
	f.Decide(l2.Location{Datapath: 2, Port: 1, VLAN: 10}, h2, h1)
	return f, topo
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func TestSnapshot(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo,
		Switches: func() []fabricui.Switch { return []fabricui.Switch{{Datapath: 2, Label: "br2"}} }}, fabricui.Options{})
	rec := get(t, h, "/api/fabric")
	require.Equal(t, http.StatusOK, rec.Code)
	var snap fabricui.Snapshot
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &snap))
	assert.Equal(t, []fabricui.SwitchView{{Datapath: "0x0000000000000001"}, {Datapath: "0x0000000000000002", Label: "br2", Connected: true}},
		snap.Switches, "switch 1 is named by the link and the slice, 2 is connected")
	assert.Len(t, snap.Links, 1)
	require.Len(t, snap.Slices, 1)
	s := snap.Slices[0]
	assert.Equal(t, "office", s.ID)
	assert.Len(t, s.Ports, 2)
	assert.Equal(t, []string{"02:00:00:00:00:09"}, s.NetworkAttachments)
	assert.Len(t, s.Learned, 2)
}

func TestPath(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{})
	rec := get(t, h, "/api/path?slice=office&src="+h1.String()+"&dst="+h2.String())
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var p fabricui.Path
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	assert.Equal(t, []fabricui.HopView{{Datapath: "0x0000000000000001", In: 1, Out: 3}, {Datapath: "0x0000000000000002", In: 3, Out: 1}}, p.Hops)

	for target, want := range map[string]int{
		"/api/path?slice=office&src=nope&dst=" + h2.String():                   http.StatusBadRequest,
		"/api/path?src=" + h1.String() + "&dst=" + h2.String():                 http.StatusBadRequest,
		"/api/path?slice=office&src=" + h1.String() + "&dst=02:00:00:00:00:77": http.StatusNotFound,
		"/api/path?slice=other&src=" + h1.String() + "&dst=" + h2.String():     http.StatusNotFound,
	} {
		assert.Equal(t, want, get(t, h, target).Code, target)
	}
	// Without the link, no path.
	topo.RemoveLink(l2.NewLink(l2.PortRef{Datapath: 1, Port: 3}, l2.PortRef{Datapath: 2, Port: 3}))
	assert.Equal(t, http.StatusNotFound, get(t, h, "/api/path?slice=office&src="+h1.String()+"&dst="+h2.String()).Code)
}

func TestPage(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{})
	rec := get(t, h, "/")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<script src="static/app.js">`)
	assert.NotContains(t, rec.Body.String(), "://", "nothing from elsewhere")
	for _, f := range []string{"/static/app.js", "/static/style.css"} {
		rec := get(t, h, f)
		assert.Equal(t, http.StatusOK, rec.Code, f)
		assert.NotContains(t, rec.Body.String(), "https://", f)
	}
	assert.Equal(t, http.StatusNotFound, get(t, h, "/static/nothing.js").Code)
}

// The event stream sends the snapshot at once and again on a change.
func TestEvents(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{Interval: 10 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/events")
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	r := bufio.NewReader(res.Body)
	next := func() fabricui.Snapshot {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			require.NoError(t, err)
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var snap fabricui.Snapshot
				require.NoError(t, json.Unmarshal([]byte(data), &snap))
				return snap
			}
		}
	}
	assert.Len(t, next().Slices, 1)
	_, err = f.Update(func(tx *l2.Tx) error { return tx.AddSlice("lab") })
	require.NoError(t, err)
	assert.Len(t, next().Slices, 2)
}

// Close ends the event streams, so a server shutting down need not wait
// for open pages.
func TestCloseEndsStreams(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{Interval: time.Hour})
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/events")
	require.NoError(t, err)
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	_, err = r.ReadString('\n') // the first event is there
	require.NoError(t, err)
	h.Close()
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, r); done <- err }()
	select {
	case err := <-done:
		assert.NoError(t, err, "the stream ends cleanly")
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
}

// Pages share the snapshot: many at once cost one per half interval.
func TestSnapshotShared(t *testing.T) {
	f, topo := twoSwitches(t)
	calls := 0
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo, Switches: func() []fabricui.Switch {
		calls++
		return nil
	}}, fabricui.Options{Interval: time.Hour})
	for range 5 {
		assert.Equal(t, http.StatusOK, get(t, h, "/api/fabric").Code)
	}
	assert.Equal(t, 1, calls)
}

// TestVisible: a request sees only the slices Visible lets it, in the
// snapshot, the event stream and paths.
func TestVisible(t *testing.T) {
	f, topo := twoSwitches(t)
	_, err := f.Update(func(tx *l2.Tx) error { return tx.AddSlice("lab") })
	require.NoError(t, err)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{
		Visible: func(r *http.Request) func(string) bool {
			if r.Header.Get("X-Admin") != "" {
				return nil
			}
			return func(id string) bool { return id == "lab" }
		}})
	var snap fabricui.Snapshot
	require.NoError(t, json.Unmarshal(get(t, h, "/api/fabric").Body.Bytes(), &snap))
	require.Len(t, snap.Slices, 1)
	assert.Equal(t, "lab", snap.Slices[0].ID)
	assert.Len(t, snap.Switches, 2, "switches are shown to all")
	assert.NotContains(t, get(t, h, "/api/fabric").Body.String(), h1.String())
	assert.Equal(t, 404, get(t, h, "/api/path?slice=office&src="+h1.String()+"&dst="+h2.String()).Code)

	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/api/fabric", nil)
	r.Header.Set("X-Admin", "1")
	h.ServeHTTP(rec, r)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &snap))
	assert.Len(t, snap.Slices, 2)

	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/events")
	require.NoError(t, err)
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "event: fabric\n", line)
	line, err = br.ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, `"lab"`)
	assert.NotContains(t, line, `"office"`)
}

// TestStreamCaps: event streams are capped in all and per client, and
// each ends after its lifetime; a stream past a cap is 503.
func TestStreamCaps(t *testing.T) {
	f, topo := twoSwitches(t)
	h := fabricui.New(fabricui.Source{Fabric: f, Topology: topo}, fabricui.Options{
		MaxStreams: 3, MaxStreamsPerClient: 2, StreamLifetime: 300 * time.Millisecond, Interval: 50 * time.Millisecond})
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	// Every connection comes from 127.0.0.1: one client.
	open := func() *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/api/events", nil)
		res, err := (&http.Transport{}).RoundTrip(req)
		require.NoError(t, err)
		return res
	}
	a, b := open(), open()
	assert.Equal(t, 200, a.StatusCode)
	assert.Equal(t, 200, b.StatusCode)
	c := open()
	assert.Equal(t, 503, c.StatusCode, "a third stream from one address")
	assert.Equal(t, "10", c.Header.Get("Retry-After"))
	assert.True(t, c.Close, "the refused stream's connection is let go")
	c.Body.Close()
	start := time.Now()
	io.Copy(io.Discard, a.Body)
	assert.Less(t, time.Since(start), 5*time.Second, "the stream ended at its lifetime")
	a.Body.Close()
	b.Body.Close()
	require.Eventually(t, func() bool {
		res := open()
		defer res.Body.Close()
		return res.StatusCode == 200
	}, 5*time.Second, 20*time.Millisecond, "the slots are given back")

	all := fabricui.New(fabricui.Source{Fabric: f}, fabricui.Options{MaxStreams: 1, MaxStreamsPerClient: 9})
	defer all.Close()
	one := httptest.NewServer(all)
	defer one.Close()
	res, err := http.Get(one.URL + "/api/events")
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	res2, err := http.Get(one.URL + "/api/events")
	require.NoError(t, err)
	res2.Body.Close()
	assert.Equal(t, 503, res2.StatusCode, "past the cap for all clients")
}
