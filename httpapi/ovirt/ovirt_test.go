package ovirt_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	ovirtsdk "github.com/ovirt/go-ovirt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/hostnet"
	"github.com/netslice/netslice/hostnet/hostnettest"
	"github.com/netslice/netslice/hostnet/hostnettest/guest"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/etcd"
	"github.com/netslice/netslice/store/etcd/etcdtest"
	"github.com/netslice/netslice/store/memory"
)

// bed is the API over a store with hosts, each with an agent, served at
// both of the API's roots. Its hosts are fakes (hostnettest.Fake), unless
// made with a kernel: namespaces (root).
type bed struct {
	t       *testing.T
	st      store.Store
	url     string
	hosts   map[string]bedHost
	handler *ovirt.Handler
}

// bedHost is a host of a bed: its driver, and for a namespace host the
// namespace, which ip(8) reads independently of the driver.
type bedHost struct {
	hostnet.Driver
	ns *hostnettest.Host
}

// hostLink is a link as a test checks it.
type hostLink struct {
	Kind, Master string
	MTU          int
	Up           bool
}

// Links returns the host's links: as ip(8) says for a namespace host.
func (h bedHost) Links(t *testing.T) map[string]hostLink {
	out := map[string]hostLink{}
	if h.ns != nil {
		for n, l := range h.ns.Links(t) {
			out[n] = hostLink{Kind: l.Info.Kind, Master: l.Master, MTU: l.MTU, Up: l.Up()}
		}
		return out
	}
	ls, err := h.Driver.Links()
	require.NoError(t, err)
	for _, l := range ls {
		out[l.Name] = hostLink{Kind: string(l.Kind), Master: l.Master, MTU: l.MTU, Up: l.Up}
	}
	return out
}

// Addrs returns a link's addresses.
func (h bedHost) Addrs(t *testing.T, name string) []netip.Prefix {
	l, err := h.Driver.Link(name)
	require.NoError(t, err)
	return l.Addrs
}

func newBed(t *testing.T, st store.Store, hosts ...string) *bed {
	return newBedOf(t, st, false, hosts...)
}

// beds runs f on a bed of fake hosts and, as root, on one of namespace
// hosts (the subtest "integration") on a kernel with the modules named: a
// guest's where this one lacks them.
func beds(t *testing.T, f func(t *testing.T, kernel bool), modules ...string) {
	t.Run("fake", func(t *testing.T) { f(t, false) })
	t.Run("integration", func(t *testing.T) {
		hostnettest.Require(t)
		if guest.Kernel(t, modules...) {
			return
		}
		f(t, true)
	})
}

func newBedOf(t *testing.T, st store.Store, kernel bool, hosts ...string) *bed {
	b := &bed{t: t, st: st, hosts: map[string]bedHost{}}
	for _, name := range hosts {
		h := bedHost{Driver: hostnettest.NewFake(name, "eth0", "eth1", "eth2")}
		if kernel {
			ns := hostnettest.NewHost(t, "eth0", "eth1", "eth2")
			h = bedHost{Driver: ns.Driver, ns: ns}
		}
		b.hosts[name] = h
		a := &hostnet.Agent{Hosts: hostnet.Hosts{Store: st}, Host: name, Driver: h.Driver, Interval: 500 * time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()
		// Registered after the host's, so it runs before them: the agent
		// stops before its driver closes.
		t.Cleanup(func() { cancel(); <-done })
	}
	svc, err := ovirt.NewService(st, ovirt.Options{ApplyTimeout: 10 * time.Second})
	require.NoError(t, err)
	h := ovirt.NewHandler(svc, ovirt.HandlerOptions{})
	b.handler = h
	mux := http.NewServeMux()
	httpapi.Mount(mux, h)
	mux.Handle("/api/", http.StripPrefix("/api", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	for _, name := range hosts {
		require.Eventually(t, func() bool { s, _ := b.do("GET", "/ovirt-engine/api/hosts/"+name, "", ""); return s == 200 },
			5*time.Second, 20*time.Millisecond, "host %s did not report", name)
	}
	return b
}

// do sends a request as the v4 SDKs do: XML unless ctype says JSON,
// with the Version header.
func (b *bed) do(method, path, ctype, body string) (int, string) {
	b.t.Helper()
	if ctype == "" {
		ctype = "application/xml"
	}
	c := apitest.Client{T: b.t, URL: b.url, Follow: true}.With("Version", "4").With("Accept", ctype).
		With("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin@internal:secret")))
	var payload any
	if body != "" {
		c = c.With("Content-Type", ctype)
		payload = body
	}
	r := c.Do(method, path, payload)
	return r.Status, r.Text()
}

func (b *bed) xml(method, path, body string, want int, v any) string {
	b.t.Helper()
	status, out := b.do(method, path, "", body)
	require.Equal(b.t, want, status, "%s %s: %s", method, path, out)
	if v != nil {
		require.NoError(b.t, xml.Unmarshal([]byte(out), v), out)
	}
	return out
}

type xNetwork struct {
	ID   string `xml:"id,attr"`
	Href string `xml:"href,attr"`
	Name string `xml:"name"`
	VLAN *struct {
		ID int `xml:"id,attr"`
	} `xml:"vlan"`
	MTU    int  `xml:"mtu"`
	InSync bool `xml:"in_sync"`
}

type xNIC struct {
	ID    string `xml:"id,attr"`
	Href  string `xml:"href,attr"`
	Name  string `xml:"name"`
	MTU   int    `xml:"mtu"`
	Speed int64  `xml:"speed"`
	MAC   struct {
		Address string `xml:"address"`
	} `xml:"mac"`
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
}

type xAttachment struct {
	ID      string `xml:"id,attr"`
	InSync  bool   `xml:"in_sync"`
	Network struct {
		ID string `xml:"id,attr"`
	} `xml:"network"`
	Reported []struct {
		Name     string `xml:"name"`
		Expected string `xml:"expected_value"`
		Actual   string `xml:"actual_value"`
		InSync   bool   `xml:"in_sync"`
	} `xml:"reported_configurations>reported_configuration"`
}

type xStats struct {
	Stats []struct {
		Name  string  `xml:"name"`
		Unit  string  `xml:"unit"`
		Datum float64 `xml:"values>value>datum"`
	} `xml:"statistic"`
}

func TestNetworksXMLAndJSON(t *testing.T) {
	b := newBed(t, memory.New(nil))
	var n xNetwork
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>vmnet</name><vlan id="100"/><mtu>1400</mtu><usages><usage>vm</usage></usages></network>`, 201, &n)
	assert.Equal(t, "vmnet", n.Name)
	assert.Equal(t, 100, n.VLAN.ID)
	assert.Equal(t, "/ovirt-engine/api/networks/"+n.ID, n.Href)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>vmnet</name></network>`, 409, nil)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>bad/name</name></network>`, 400, nil)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>x</name><vlan id="5000"/></network>`, 400, nil)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>x</name>`, 400, nil)
	out := b.xml("POST", "/ovirt-engine/api/networks", `<host/>`, 400, nil)
	assert.Contains(t, out, "<fault><reason>")
	// The seed's /api serves the same, with its own links.
	var got xNetwork
	b.xml("GET", "/api/networks/"+n.ID, "", 200, &got)
	assert.Equal(t, "/api/networks/"+n.ID, got.Href)
	// What every surface refuses: invalid UTF-8, numbers no float64
	// holds, data after the value.
	for _, bad := range []string{"{\"name\": \"a\xffb\"}", `{"name": 1e400}`, `{"name": "x", "mtu": -1e999}`, `{"name": "x"} {}`} {
		status, body := b.do("POST", "/ovirt-engine/api/networks", "application/json", bad)
		assert.Equal(t, 400, status, "%q: %s", bad, body)
	}
	b.xml("POST", "/ovirt-engine/api/networks", "<network><name>a\xffb</name></network>", 400, nil)
	// JSON both ways.
	status, body := b.do("POST", "/ovirt-engine/api/networks", "application/json", `{"name": "storage", "mtu": "9000", "vlan": {"id": "200"}}`)
	require.Equal(t, 201, status, body)
	var jn map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &jn))
	assert.Equal(t, "storage", jn["name"])
	assert.Equal(t, "9000", jn["mtu"])
	status, body = b.do("GET", "/ovirt-engine/api/networks", "application/json", "")
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal([]byte(body), &jn))
	assert.Len(t, jn["network"], 2)
	status, body = b.do("PUT", "/ovirt-engine/api/networks/storage", "application/json", `{"description": "SAN"}`)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"description":"SAN"`)
	status, body = b.do("GET", "/ovirt-engine/api/networks/nope", "application/json", "")
	assert.Equal(t, 404, status)
	assert.Contains(t, body, `"reason"`)
	b.xml("DELETE", "/ovirt-engine/api/networks/storage", "", 200, nil)
}

func TestAttachDetach(t *testing.T) { beds(t, testAttachDetach) }

func testAttachDetach(t *testing.T, kernel bool) {
	b := newBedOf(t, memory.New(nil), kernel, "h1")
	h := b.hosts["h1"]
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>vmnet</name><usages><usage>vm</usage></usages></network>`, 201, nil)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>hostonly</name><usages><usage>vm</usage></usages></network>`, 201, nil)
	var nics struct {
		NICs []xNIC `xml:"host_nic"`
	}
	b.xml("GET", "/ovirt-engine/api/hosts/h1/nics", "", 200, &nics)
	require.Len(t, nics.NICs, 3)
	eth0 := nics.NICs[0]
	assert.Equal(t, "eth0", eth0.Name)
	assert.Equal(t, int64(10000000000), eth0.Speed)
	assert.NotEmpty(t, eth0.MAC.Address)
	rels := map[string]bool{}
	for _, l := range eth0.Links {
		rels[l.Rel] = true
	}
	assert.True(t, rels["statistics"] && rels["networks"] && rels["networkattachments"])

	var n xNetwork
	b.xml("POST", eth0.Href+"/networks", `<network><name>vmnet</name></network>`, 201, &n)
	links := h.Links(t)
	assert.Equal(t, "bridge", links["vmnet"].Kind)
	assert.Equal(t, "vmnet", links["eth0"].Master)
	assert.True(t, links["vmnet"].Up)
	b.xml("POST", eth0.Href+"/networks", `<network><name>vmnet</name></network>`, 409, nil)
	var list struct {
		Networks []xNetwork `xml:"network"`
	}
	b.xml("GET", eth0.Href+"/networks", "", 200, &list)
	require.Len(t, list.Networks, 1)
	assert.True(t, list.Networks[0].InSync)
	// A NIC-less network through networkconnections.
	var conn struct {
		ID string `xml:"id,attr"`
	}
	b.xml("POST", "/ovirt-engine/api/hosts/h1/networkconnections", `<networkconnection><network><name>hostonly</name></network></networkconnection>`, 201, &conn)
	assert.Equal(t, "bridge", h.Links(t)["hostonly"].Kind)
	// In use: not deleted.
	b.xml("DELETE", "/ovirt-engine/api/networks/vmnet", "", 409, nil)
	b.xml("DELETE", eth0.Href+"/networks/"+n.ID, "", 200, nil)
	b.xml("DELETE", "/ovirt-engine/api/hosts/h1/networkconnections/"+conn.ID, "", 200, nil)
	links = h.Links(t)
	assert.NotContains(t, links, "vmnet")
	assert.NotContains(t, links, "hostonly")
	assert.Equal(t, "", links["eth0"].Master)
	b.xml("DELETE", "/ovirt-engine/api/networks/vmnet", "", 200, nil)
}

func TestDriftAndSetupNetworks(t *testing.T) { beds(t, testDriftAndSetupNetworks) }

func testDriftAndSetupNetworks(t *testing.T, kernel bool) {
	b := newBedOf(t, memory.New(nil), kernel, "h1")
	h := b.hosts["h1"]
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>red</name><mtu>1400</mtu><usages><usage>vm</usage></usages></network>`, 201, nil)
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>blue</name><usages/></network>`, 201, nil)
	var a xAttachment
	b.xml("POST", "/ovirt-engine/api/hosts/h1/networkattachments", `<network_attachment><network><name>red</name></network><host_nic><name>eth0</name></host_nic>
		<ip_address_assignments><ip_address_assignment><assignment_method>static</assignment_method><ip><address>192.0.2.5</address><netmask>255.255.255.0</netmask></ip></ip_address_assignment></ip_address_assignments></network_attachment>`, 201, &a)
	assert.True(t, a.InSync)
	assert.Contains(t, h.Addrs(t, "red"), netip.MustParsePrefix("192.0.2.5/24"))

	// Behind the API's back: the MTU.
	require.NoError(t, h.SetMTU("red", 1300))
	require.Eventually(t, func() bool {
		var x xAttachment
		b.xml("GET", "/ovirt-engine/api/hosts/h1/networkattachments/"+a.ID, "", 200, &x)
		return !x.InSync
	}, 5*time.Second, 50*time.Millisecond)
	var x xAttachment
	b.xml("GET", "/ovirt-engine/api/hosts/h1/networkattachments/"+a.ID, "", 200, &x)
	for _, r := range x.Reported {
		if r.Name == "mtu" {
			assert.Equal(t, "1400", r.Expected)
			assert.Equal(t, "1300", r.Actual)
			assert.False(t, r.InSync)
		}
	}
	// setupnetworks with the attachment as it is: re-synced.
	b.xml("POST", "/ovirt-engine/api/hosts/h1/setupnetworks", `<action><modified_network_attachments><network_attachment id="`+a.ID+`"/></modified_network_attachments></action>`, 200, nil)
	require.Eventually(t, func() bool { return h.Links(t)["red"].MTU == 1400 }, 5*time.Second, 50*time.Millisecond)

	// One setupnetworks: move red to eth1, add blue on eth2, all at once.
	before := h.Links(t)
	b.xml("POST", "/ovirt-engine/api/hosts/h1/setupnetworks", `<action><modified_network_attachments>
		<network_attachment><network><name>red</name></network><host_nic><name>eth1</name></host_nic></network_attachment>
		<network_attachment><network><name>blue</name></network><host_nic><name>eth2</name></host_nic></network_attachment>
		</modified_network_attachments><check_connectivity>true</check_connectivity><connectivity_timeout>5</connectivity_timeout></action>`, 200, nil)
	links := h.Links(t)
	assert.Equal(t, "red", links["eth1"].Master)
	assert.Equal(t, "", links["eth0"].Master)
	assert.Equal(t, 1500, links["eth2"].MTU)
	// A setupnetworks that cannot be applied (a network named like a NIC
	// would take its name for a bridge) changes nothing.
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>eth2</name><usages><usage>vm</usage></usages></network>`, 201, nil)
	before = h.Links(t)
	out := b.xml("POST", "/ovirt-engine/api/hosts/h1/setupnetworks", `<action><modified_network_attachments>
		<network_attachment><network><name>eth2</name></network><host_nic><name>eth0</name></host_nic></network_attachment>
		</modified_network_attachments><removed_network_attachments><network_attachment><network><name>red</name></network></network_attachment></removed_network_attachments></action>`, 400, nil)
	assert.Contains(t, out, "eth2")
	assert.Equal(t, before, h.Links(t))
	b.xml("POST", "/ovirt-engine/api/hosts/h1/commitnetconfig", `<action/>`, 200, nil)
}

func TestStatistics(t *testing.T) {
	b := newBed(t, memory.New(nil), "h1")
	var st xStats
	b.xml("GET", "/ovirt-engine/api/hosts/h1/nics/eth0/statistics", "", 200, &st)
	names := map[string]string{}
	for _, s := range st.Stats {
		names[s.Name] = s.Unit
	}
	for _, want := range []string{"data.current.rx", "data.current.tx", "data.total.rx", "data.total.tx", "errors.total.rx", "errors.total.tx"} {
		assert.Contains(t, names, want)
	}
	assert.Equal(t, "bytes_per_second", names["data.current.rx"])
}

func TestBadRequests(t *testing.T) {
	b := newBed(t, memory.New(nil), "h1")
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/ovirt-engine/api/hosts/nope", "", 404},
		{"GET", "/ovirt-engine/api/hosts/h1/nics/eth9", "", 404},
		{"POST", "/ovirt-engine/api/hosts/h1/nics/eth0/networks", `<network><name>ghost</name></network>`, 404},
		{"POST", "/ovirt-engine/api/hosts/h1/nics/eth0/networks", `<network/>`, 400},
		{"POST", "/ovirt-engine/api/hosts/h1/setupnetworks", `<action><check_connectivity>maybe</check_connectivity></action>`, 400},
		{"POST", "/ovirt-engine/api/networks", `<!DOCTYPE x [<!ENTITY a "b">]><network><name>&a;</name></network>`, 400},
		{"PATCH", "/ovirt-engine/api/networks", ``, 405},
		{"GET", "/ovirt-engine/api/nothing", ``, 404},
	} {
		status, body := b.do(c.method, c.path, "", c.body)
		assert.Equal(t, c.want, status, "%s %s %s: %s", c.method, c.path, c.body, body)
		assert.Contains(t, body, "<fault>", "%s %s", c.method, c.path)
	}
}

// TestRoundTrips reads every kind of resource in XML and in JSON and
// wants the same resource both ways, each with its href and links.
func TestRoundTrips(t *testing.T) {
	b := newBed(t, memory.New(nil), "h1")
	b.xml("POST", "/ovirt-engine/api/networks", `<network><name>vmnet</name><vlan id="0"/><usages><usage>vm</usage></usages></network>`, 201, nil)
	b.xml("POST", "/ovirt-engine/api/hosts/h1/nics/eth0/networks", `<network><name>vmnet</name></network>`, 201, nil)
	var conns struct {
		C []struct {
			ID string `xml:"id,attr"`
		} `xml:"networkconnection"`
	}
	b.xml("GET", "/ovirt-engine/api/hosts/h1/networkconnections", "", 200, &conns)
	require.Len(t, conns.C, 1)
	id := conns.C[0].ID
	for _, path := range []string{
		"", "/hosts", "/hosts/h1", "/hosts/h1/nics", "/hosts/h1/nics/eth0", "/hosts/h1/nics/eth0/statistics",
		"/hosts/h1/nics/eth0/networks", "/hosts/h1/nics/eth0/networks/vmnet", "/hosts/h1/nics/eth0/networks/vmnet/statistics",
		"/hosts/h1/networkconnections", "/hosts/h1/networkconnections/" + id, "/hosts/h1/networkconnections/" + id + "/statistics",
		"/hosts/h1/networkattachments", "/hosts/h1/networkattachments/" + id, "/hosts/h1/nics/eth0/networkattachments",
		"/networks", "/networks/vmnet",
	} {
		status, x := b.do("GET", "/ovirt-engine/api"+path, "application/xml", "")
		require.Equal(t, 200, status, "%s: %s", path, x)
		status, j := b.do("GET", "/ovirt-engine/api"+path, "application/json", "")
		require.Equal(t, 200, status, "%s: %s", path, j)
		var fromJSON any
		require.NoError(t, json.Unmarshal([]byte(j), &fromJSON), "%s", path)
		fromXML := xmlToJSONish(t, x)
		if !strings.HasSuffix(path, "statistics") && !strings.HasPrefix(path, "/hosts") || strings.Count(path, "/") <= 2 && path != "/hosts" {
			// Statistics and hosts change between the two reads (the
			// agent reports twice a second); the rest must agree.
			assert.Equal(t, normalize(fromXML), normalize(fromJSON), "%s: XML and JSON differ", path)
		}
		if !strings.HasSuffix(path, "statistics") && path != "" && !strings.HasPrefix(path, "/hosts/h1/nics/eth0/networks/vmnet") {
			assert.Contains(t, x, `href="/ovirt-engine/api`, "%s has no href", path)
		}
	}
}

// xmlToJSONish reads XML the way oVirt writes JSON: attributes and
// leaves as strings, repeated children as arrays, the root dropped.
func xmlToJSONish(t *testing.T, s string) any {
	dec := xml.NewDecoder(strings.NewReader(s))
	type frame struct {
		m    map[string]any
		text string
		name string
	}
	var stack []*frame
	var root any
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch e := tok.(type) {
		case xml.StartElement:
			f := &frame{m: map[string]any{}, name: e.Name.Local}
			for _, a := range e.Attr {
				f.m[a.Name.Local] = a.Value
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(e)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var v any = f.m
			if len(f.m) == 0 {
				v = strings.TrimSpace(f.text)
			}
			if len(stack) == 0 {
				root = v
				break
			}
			p := stack[len(stack)-1].m
			if old, ok := p[f.name]; ok {
				if arr, ok := old.([]any); ok {
					p[f.name] = append(arr, v)
				} else {
					p[f.name] = []any{old, v}
				}
			} else {
				p[f.name] = v
			}
		}
	}
	return root
}

// normalize makes a single item and a one-item array alike, and empty
// collections alike ("" or {}), for comparing the two renderings.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		if len(x) == 1 {
			return normalize(x[0])
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// TestTwoServersOneEtcd: two servers, each with its own etcd client and a
// namespace-host of its own, share one etcd: a network created through
// one is attached through either, and each host applies what is asked of
// it, whichever server was asked.
func TestTwoServersOneEtcd(t *testing.T) {
	srv := etcdtest.Start(t)
	open := func() store.Store {
		st, err := etcd.Open(context.Background(), etcd.Options{Endpoints: []string{srv.Endpoint}, Prefix: "/netslice/"})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := newBed(t, open(), "h1")
	b := newBed(t, open(), "h2")
	a.xml("POST", "/ovirt-engine/api/networks", `<network><name>shared</name><usages><usage>vm</usage></usages></network>`, 201, nil)
	b.xml("POST", "/ovirt-engine/api/hosts/h2/nics/eth1/networks", `<network><name>shared</name></network>`, 201, nil)
	a.xml("POST", "/ovirt-engine/api/hosts/h1/nics/eth0/networks", `<network><name>shared</name></network>`, 201, nil)
	assert.Equal(t, "shared", b.hosts["h2"].Links(t)["eth1"].Master)
	assert.Equal(t, "shared", a.hosts["h1"].Links(t)["eth0"].Master)
	// Through the other server: h2's agent applies what a asked.
	a.xml("DELETE", "/ovirt-engine/api/hosts/h2/nics/eth1/networks/shared", "", 200, nil)
	assert.NotContains(t, b.hosts["h2"].Links(t), "shared")
	var hosts struct {
		H []struct {
			Name string `xml:"name"`
		} `xml:"host"`
	}
	b.xml("GET", "/ovirt-engine/api/hosts", "", 200, &hosts)
	assert.Len(t, hosts.H, 2)
	b.xml("DELETE", "/ovirt-engine/api/networks/shared", "", 409, nil)
}

// TestLogin: as the v4 SDKs log in, a token from SSO for a password, then
// Bearer; Basic works too; anything else is 401.
func TestLogin(t *testing.T) {
	users := &ovirt.Users{Passwords: map[string]string{"admin@internal": "secret"}}
	svc, err := ovirt.NewService(memory.New(nil), ovirt.Options{})
	require.NoError(t, err)
	mux := http.NewServeMux()
	httpapi.Mount(mux, ovirt.NewHandler(svc, ovirt.HandlerOptions{Authenticator: users}))
	mux.Handle("/ovirt-engine/sso/", http.StripPrefix("/ovirt-engine/sso", users.SSO()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/ovirt-engine/sso/oauth/token", map[string][]string{
		"grant_type": {"password"}, "scope": {"ovirt-app-api"}, "username": {"admin@internal"}, "password": {"secret"}})
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	require.NotEmpty(t, tok.AccessToken)
	get := func(set func(*http.Request)) int {
		req, _ := http.NewRequest("GET", srv.URL+"/ovirt-engine/api/networks", nil)
		set(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.AccessToken) }))
	assert.Equal(t, 200, get(func(r *http.Request) { r.SetBasicAuth("admin@internal", "secret") }))
	assert.Equal(t, 401, get(func(r *http.Request) { r.SetBasicAuth("admin@internal", "guess") }))
	assert.Equal(t, 401, get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer forged") }))
	assert.Equal(t, 401, get(func(r *http.Request) {}))
	resp, err = http.PostForm(srv.URL+"/ovirt-engine/sso/oauth/token", map[string][]string{
		"grant_type": {"password"}, "username": {"admin@internal"}, "password": {"guess"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
}

// TestSSO: the server's way — users with bcrypt hashes, sessions, a Login
// over both — driven by the official v4 Go SDK and by hand: tokens
// revoked are refused, password guessing is throttled, a reader cannot
// change anything, and every 401 says how to authenticate.
func TestSSO(t *testing.T) {
	hash := func(pw string) string {
		h, err := httpapi.HashPassword(pw)
		require.NoError(t, err)
		return h
	}
	users, err := httpapi.NewUsers(map[string]httpapi.User{
		"admin@internal":  {Password: hash("secret"), Roles: []string{httpapi.RoleAdmin}},
		"viewer@internal": {Password: hash("look"), Roles: []string{httpapi.RoleReader}},
		"ops@internal":    {Password: hash("right"), Roles: []string{httpapi.RoleAdmin}},
	}, &httpapi.Throttle{MaxFailures: 3, Backoff: time.Minute})
	require.NoError(t, err)
	sessions := &httpapi.Sessions{}
	svc, err := ovirt.NewService(memory.New(nil), ovirt.Options{})
	require.NoError(t, err)
	mux := http.NewServeMux()
	httpapi.Mount(mux, ovirt.NewHandler(svc, ovirt.HandlerOptions{Authenticator: &httpapi.Login{Users: users, Sessions: sessions}}))
	sso := http.StripPrefix("/ovirt-engine", ovirt.SSO(users, sessions))
	mux.Handle("/ovirt-engine/sso/", sso)
	mux.Handle("/ovirt-engine/services/", sso)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	conn, err := ovirtsdk.NewConnectionBuilder().URL(srv.URL + "/ovirt-engine/api").
		Username("admin@internal").Password("secret").Insecure(true).Build()
	require.NoError(t, err)
	_, err = conn.SystemService().NetworksService().Add().
		Network(ovirtsdk.NewNetworkBuilder().Name("vmnet").MustBuild()).Send()
	require.NoError(t, err)
	list, err := conn.SystemService().NetworksService().List().Send()
	require.NoError(t, err)
	nets, _ := list.Networks()
	require.Len(t, nets.Slice(), 1)
	require.NoError(t, conn.Close(), "the SDK's logout is answered")

	token := func(user, pw string) (int, string) {
		resp, err := http.PostForm(srv.URL+"/ovirt-engine/sso/oauth/token", map[string][]string{
			"grant_type": {"password"}, "scope": {"ovirt-app-api"}, "username": {user}, "password": {pw}})
		require.NoError(t, err)
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		return resp.StatusCode, tok.AccessToken
	}
	call := func(method, path, auth string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`<network><name>n2</name></network>`))
		req.Header.Set("Content-Type", "application/xml")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	status, tok := token("admin@internal", "secret")
	require.Equal(t, 200, status)
	assert.Equal(t, 200, call("GET", "/ovirt-engine/api/networks", "Bearer "+tok).StatusCode)
	for _, logout := range []string{"/ovirt-engine/services/sso-logout", "/ovirt-engine/sso/oauth/revoke"} {
		_, tok = token("admin@internal", "secret")
		resp, err := http.PostForm(srv.URL+logout, map[string][]string{"scope": {""}, "token": {tok}})
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, logout)
		assert.Equal(t, 401, call("GET", "/ovirt-engine/api/networks", "Bearer "+tok).StatusCode, "revoked by %s", logout)
	}

	// A reader reads and changes nothing.
	_, tok = token("viewer@internal", "look")
	assert.Equal(t, 200, call("GET", "/ovirt-engine/api/networks", "Bearer "+tok).StatusCode)
	assert.Equal(t, 403, call("POST", "/ovirt-engine/api/networks", "Bearer "+tok).StatusCode)

	// Every 401 carries a challenge.
	resp := call("GET", "/ovirt-engine/api/networks", "")
	assert.Equal(t, 401, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Basic")

	// Guessing: three failures, then even the right password waits.
	for range 3 {
		status, _ := token("ops@internal", "guess")
		assert.Equal(t, 401, status)
	}
	status, tok = token("ops@internal", "right")
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Empty(t, tok)
	assert.Equal(t, 429, call("GET", "/ovirt-engine/api/networks", "Basic "+base64.StdEncoding.EncodeToString([]byte("ops@internal:right"))).StatusCode)
}

// TestSearch: the SDKs' idiom hosts_service.list(search='name=myhost')[0]
// picks that host, not the first of all; searches name a field with
// = or !=, "*" as a wildcard, joined by and; what is not understood is
// refused, not ignored.
func TestSearch(t *testing.T) {
	b := newBed(t, memory.New(nil), "ovqh2", "ovqh1", "other")
	for _, name := range []string{"red", "blue", "green"} {
		b.xml("POST", "/ovirt-engine/api/networks", "<network><name>"+name+"</name><vlan id='"+map[string]string{"red": "10", "blue": "20", "green": "30"}[name]+"'/></network>", 201, nil)
	}
	names := func(path string) []string {
		var list struct {
			Hosts    []xNetwork `xml:"host"`
			Networks []xNetwork `xml:"network"`
			NICs     []xNetwork `xml:"host_nic"`
		}
		b.xml("GET", path, "", 200, &list)
		var out []string
		for _, x := range append(append(list.Hosts, list.Networks...), list.NICs...) {
			out = append(out, x.Name)
		}
		return out
	}
	q := func(s string) string {
		return strings.NewReplacer(" ", "%20", "=", "%3D", "*", "%2A", "\"", "%22").Replace(s)
	}
	assert.Equal(t, []string{"ovqh1"}, names("/ovirt-engine/api/hosts?search="+q("name=ovqh1")))
	assert.ElementsMatch(t, []string{"ovqh1", "ovqh2"}, names("/ovirt-engine/api/hosts?search="+q("name=ovqh*")))
	assert.Equal(t, []string{"other"}, names("/ovirt-engine/api/hosts?search="+q("name!=ovqh* and status=up")))
	assert.Empty(t, names("/ovirt-engine/api/hosts?search="+q("name=OVQH1")))
	assert.Equal(t, []string{"ovqh1"}, names("/ovirt-engine/api/hosts?case_sensitive=false&search="+q("name=OVQH1")))
	assert.Len(t, names("/ovirt-engine/api/hosts?max=2"), 2)
	assert.Equal(t, []string{"blue"}, names("/ovirt-engine/api/networks?search="+q("vlanid=20")))
	assert.Equal(t, []string{"green"}, names("/ovirt-engine/api/networks?search="+q(`name="gr*" and vlanid!=10`)))
	var h xNetwork
	b.xml("GET", "/ovirt-engine/api/hosts/ovqh1", "", 200, &h)
	assert.Equal(t, []string{"ovqh1"}, names("/ovirt-engine/api/hosts?search="+q("id="+h.ID)))
	assert.Equal(t, []string{"eth1"}, names("/ovirt-engine/api/hosts/ovqh1/nics?search="+q("name=eth1")))
	for _, bad := range []string{"name=a or name=b", "cpu>4", "address=1.2.3.4", "name", "name=two words"} {
		status, body := b.do("GET", "/ovirt-engine/api/hosts?search="+q(bad), "", "")
		assert.Equal(t, 400, status, "%s: %s", bad, body)
	}

	// The official SDK, as its users write it.
	mux := http.NewServeMux()
	httpapi.Mount(mux, b.handler)
	users, err := httpapi.NewUsers(map[string]httpapi.User{"admin@internal": {Password: mustHash(t, "secret"), Roles: []string{httpapi.RoleAdmin}}}, nil)
	require.NoError(t, err)
	sso := http.StripPrefix("/ovirt-engine", ovirt.SSO(users, &httpapi.Sessions{}))
	mux.Handle("/ovirt-engine/sso/", sso)
	mux.Handle("/ovirt-engine/services/", sso)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	conn, err := ovirtsdk.NewConnectionBuilder().URL(srv.URL + "/ovirt-engine/api").
		Username("admin@internal").Password("secret").Insecure(true).Build()
	require.NoError(t, err)
	defer conn.Close()
	res, err := conn.SystemService().HostsService().List().Search("name=ovqh1").Send()
	require.NoError(t, err)
	hosts, _ := res.Hosts()
	require.Len(t, hosts.Slice(), 1)
	name, _ := hosts.Slice()[0].Name()
	assert.Equal(t, "ovqh1", name)
}

func mustHash(t *testing.T, pw string) string {
	h, err := httpapi.HashPassword(pw)
	require.NoError(t, err)
	return h
}

// TestBondsAndVLANs: tagged networks on NICs and on a bond, a 9000-MTU
// VLAN network beside an untagged 1500 one, the bond's mode, options and
// slaves changed, a tagged network's drift re-synced, a VLAN's
// statistics, a setupnetworks the kernel fails half-way that leaves the
// host as it was, and everything removed — on fakes and on a kernel with
// 8021q and bonding.
func TestBondsAndVLANs(t *testing.T) { beds(t, testBondsAndVLANs, "8021q", "bonding") }

func testBondsAndVLANs(t *testing.T, kernel bool) {
	b := newBedOf(t, memory.New(nil), kernel, "h1")
	h := b.hosts["h1"]
	for _, n := range []string{
		`<network><name>mgmt</name><usages><usage>vm</usage></usages></network>`,
		`<network><name>storage</name><vlan id="100"/><mtu>9000</mtu><usages/></network>`,
		`<network><name>vms</name><vlan id="200"/><usages><usage>vm</usage></usages></network>`,
	} {
		b.xml("POST", "/ovirt-engine/api/networks", n, 201, nil)
	}
	bond := func(mode string, opts map[string]string, slaves ...string) string {
		x := `<host_nic><name>bond0</name><bonding><options><option><name>mode</name><value>` + mode + `</value></option>`
		for k, v := range opts {
			x += `<option><name>` + k + `</name><value>` + v + `</value></option>`
		}
		x += `</options><slaves>`
		for _, s := range slaves {
			x += `<host_nic><name>` + s + `</name></host_nic>`
		}
		return x + `</slaves></bonding></host_nic>`
	}
	attach := func(net, nic, extra string) string {
		return `<network_attachment><network><name>` + net + `</name></network><host_nic><name>` + nic + `</name></host_nic>` + extra + `</network_attachment>`
	}
	setup := func(body string, want int) string {
		return b.xml("POST", "/ovirt-engine/api/hosts/h1/setupnetworks", `<action>`+body+`</action>`, want, nil)
	}
	setup(`<modified_bonds>`+bond("1", map[string]string{"miimon": "100"}, "eth1", "eth2")+`</modified_bonds>
		<modified_network_attachments>`+attach("mgmt", "eth0", "")+attach("storage", "eth0", "")+attach("vms", "bond0", "")+`</modified_network_attachments>`, 200)
	links := h.Links(t)
	assert.Equal(t, "bond", links["bond0"].Kind)
	assert.Equal(t, "bond0", links["eth1"].Master)
	assert.Equal(t, "bond0", links["eth2"].Master)
	assert.Equal(t, "vlan", links["eth0.100"].Kind)
	assert.Equal(t, 9000, links["eth0.100"].MTU)
	assert.Equal(t, 9000, links["eth0"].MTU, "the NIC carries its largest network")
	assert.Equal(t, 1500, links["mgmt"].MTU, "the untagged network keeps its 1500")
	assert.Equal(t, "vms", links["bond0.200"].Master)
	var atts struct {
		A []xAttachment `xml:"network_attachment"`
	}
	require.Eventually(t, func() bool {
		b.xml("GET", "/ovirt-engine/api/hosts/h1/networkattachments", "", 200, &atts)
		for _, a := range atts.A {
			if !a.InSync {
				return false
			}
		}
		return len(atts.A) == 3
	}, 5*time.Second, 50*time.Millisecond, "every attachment in sync")
	var nic struct {
		Name    string `xml:"name"`
		Options []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"bonding>options>option"`
		Slaves []xNIC `xml:"bonding>slaves>host_nic"`
	}
	b.xml("GET", "/ovirt-engine/api/hosts/h1/nics/bond0", "", 200, &nic)
	assert.Len(t, nic.Slaves, 2)
	assert.Contains(t, nic.Options, struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	}{"mode", "1"})

	// A VLAN's statistics, through the network on its NIC.
	var eth0nets struct {
		N []xNetwork `xml:"network"`
	}
	b.xml("GET", "/ovirt-engine/api/hosts/h1/nics/eth0/networks", "", 200, &eth0nets)
	var storageID string
	for _, n := range eth0nets.N {
		if n.Name == "storage" {
			storageID = n.ID
		}
	}
	require.NotEmpty(t, storageID)
	var st xStats
	b.xml("GET", "/ovirt-engine/api/hosts/h1/nics/eth0/networks/"+storageID+"/statistics", "", 200, &st)
	assert.NotEmpty(t, st.Stats)

	// The bond's mode, options and slaves changed: eth2 let go.
	setup(`<modified_bonds>`+bond("4", map[string]string{"miimon": "100", "lacp_rate": "fast"}, "eth1")+`</modified_bonds>`, 200)
	bl, err := h.Driver.Link("bond0")
	require.NoError(t, err)
	assert.Equal(t, "802.3ad", bl.Bond.Mode)
	assert.Equal(t, "fast", bl.Bond.Options["lacp_rate"])
	links = h.Links(t)
	assert.Equal(t, "bond0", links["eth1"].Master)
	assert.Equal(t, "", links["eth2"].Master)
	assert.Equal(t, "vms", links["bond0.200"].Master, "its VLAN network kept")

	// A tagged network's drift: its VLAN device deleted behind the API's
	// back, reported, and put back by a setupnetworks of it.
	require.NoError(t, h.Delete("eth0.100"))
	var storageAtt string
	require.Eventually(t, func() bool {
		b.xml("GET", "/ovirt-engine/api/hosts/h1/networkattachments", "", 200, &atts)
		for _, a := range atts.A {
			if a.Network.ID == storageID && !a.InSync {
				storageAtt = a.ID
				return true
			}
		}
		return false
	}, 5*time.Second, 50*time.Millisecond, "the drift reported")
	setup(`<modified_network_attachments><network_attachment id="`+storageAtt+`"/></modified_network_attachments>`, 200)
	assert.Equal(t, 9000, h.Links(t)["eth0.100"].MTU, "re-synced")

	// A setupnetworks the host fails half-way (IPv6 refused on it, after
	// mgmt has moved) changes nothing.
	v6 := `<ip_address_assignments><ip_address_assignment><assignment_method>static</assignment_method><ip><address>2001:db8::5</address><netmask>64</netmask><version>v6</version></ip></ip_address_assignment></ip_address_assignments>`
	if kernel {
		for _, k := range []string{"all", "default"} {
			out, err := h.ns.Exec("sysctl", "-w", "net.ipv6.conf."+k+".disable_ipv6=1")
			require.NoError(t, err, out)
		}
	} else {
		h.Driver.(*hostnettest.Fake).Fail = func(op, link string) error {
			if op == "AddAddr" && link == "vms" {
				return errors.New("permission denied: IPv6 is disabled")
			}
			return nil
		}
	}
	before := h.Links(t)
	status, out := b.do("POST", "/ovirt-engine/api/hosts/h1/setupnetworks", "", `<action><modified_network_attachments>`+
		attach("mgmt", "eth2", "")+attach("vms", "bond0", v6)+`</modified_network_attachments></action>`)
	assert.GreaterOrEqual(t, status, 400, out)
	assert.Contains(t, out, "rolled back")
	assert.Equal(t, before, h.Links(t), "the host as it was")
	assert.Equal(t, "mgmt", h.Links(t)["eth0"].Master)

	// Everything removed: the bond goes, the NICs are free and back at 1500.
	b.xml("GET", "/ovirt-engine/api/hosts/h1/networkattachments", "", 200, &atts)
	removed := ""
	for _, a := range atts.A {
		removed += `<network_attachment id="` + a.ID + `"/>`
	}
	setup(`<removed_network_attachments>`+removed+`</removed_network_attachments><removed_bonds><host_nic><name>bond0</name></host_nic></removed_bonds>`, 200)
	links = h.Links(t)
	for _, gone := range []string{"bond0", "mgmt", "vms", "eth0.100", "bond0.200"} {
		assert.NotContains(t, links, gone)
	}
	for _, nic := range []string{"eth0", "eth1", "eth2"} {
		assert.Equal(t, "", links[nic].Master, nic)
		assert.Equal(t, 1500, links[nic].MTU, nic)
	}
}
