package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi/fabricui"
	"github.com/netslice/netslice/openflow/ovstest"
)

// browser is a headless Chromium driven through chromedriver (the W3C
// WebDriver protocol), so the page runs as in a real browser, live
// updates included, while the test reads its DOM.
type browser struct {
	t       *testing.T
	base    string // chromedriver's URL
	session string
}

// newBrowser starts chromedriver and a headless Chromium session,
// skipping the test when they are not installed.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	driver, err1 := exec.LookPath("chromedriver")
	chrome, err2 := exec.LookPath("chromium")
	if err1 != nil || err2 != nil {
		t.Skip("chromium or chromedriver not found: install the Debian packages chromium and chromium-driver (make test does, as root)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	b := &browser{t: t, base: "http://127.0.0.1:" + strconv.Itoa(port)}
	require.Eventually(t, func() bool {
		res, err := http.Get(b.base + "/status")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "chromedriver did not start")
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	b.call("POST", "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": chrome, "args": []string{"--headless", "--no-sandbox", "--disable-gpu",
			"--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,900", "--user-data-dir=" + t.TempDir()}},
	}}}, &sess)
	b.session = "/session/" + sess.SessionID
	t.Cleanup(func() { b.call("DELETE", b.session, nil, nil) })
	return b
}

// call makes one WebDriver request and decodes its value into out.
func (b *browser) call(method, path string, in, out any) {
	b.t.Helper()
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		require.NoError(b.t, err)
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	require.Equal(b.t, http.StatusOK, res.StatusCode, "webdriver %s %s: %s", method, path, raw)
	if out != nil {
		var v struct{ Value json.RawMessage }
		require.NoError(b.t, json.Unmarshal(raw, &v))
		require.NoError(b.t, json.Unmarshal(v.Value, out), "%s", v.Value)
	}
}

// open loads url.
func (b *browser) open(url string) {
	b.call("POST", b.session+"/url", map[string]any{"url": url}, nil)
}

// eval runs script (a function body) in the page and decodes what it
// returns into out.
func (b *browser) eval(script string, out any) {
	b.call("POST", b.session+"/execute/sync", map[string]any{"script": script, "args": []any{}}, out)
}

// count returns how many elements match a CSS selector.
func (b *browser) count(selector string) int {
	var n int
	b.eval("return document.querySelectorAll("+strconv.Quote(selector)+").length", &n)
	return n
}

// screenshot returns the page as a PNG.
func (b *browser) screenshot() []byte {
	var s string
	b.call("GET", b.session+"/screenshot", nil, &s)
	png, err := base64.StdEncoding.DecodeString(s)
	require.NoError(b.t, err)
	return png
}

// artifact is where a test keeps a file for people to look at:
// $NETSLICE_ARTIFACTS when set, else the test's temporary directory.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("NETSLICE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return filepath.Join(dir, name)
}

// The live fabric page, in a real browser, while Open vSwitch runs two
// linked switches carrying a slice configured over REST: the rendered DOM
// has both switches, the link, the slice's ports and the path between its
// two hosts highlighted, and follows a change without a reload; a
// screenshot is kept.
func TestIntegrationUIWithOVS(t *testing.T) {
	ovs := ovstest.StartWith(t, ovstest.Options{System: true})
	if _, err := exec.LookPath("chromedriver"); err != nil {
		t.Skip("chromedriver not found: install the Debian packages chromium and chromium-driver (make test does, as root)")
	}
	srv := startServer(t)
	base, ofAddr := srv.base, srv.openflow
	for _, br := range []struct {
		name string
		dpid uint64
	}{{"br1", 0xe1}, {"br2", 0xe2}} {
		require.NoError(t, ovs.AddBridge(ovstest.Bridge{Name: br.name, DatapathID: br.dpid, Controller: "tcp:" + ofAddr}))
	}
	ovs.LinkBridges(t, "br1", 3, "br2", 3)
	h1 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br1", OFPort: 1, MAC: "02:00:00:00:00:01", Addr: "10.97.0.1/24"})
	ovs.AddHost(t, ovstest.HostConfig{Bridge: "br2", OFPort: 1, MAC: "02:00:00:00:00:02", Addr: "10.97.0.2/24"})
	net := officeSlice(t, base, "0xe1:1", "0xe2:1")

	snapshot := func() fabricui.Snapshot {
		var s fabricui.Snapshot
		getJSON(t, base+"/ui/api/fabric", &s)
		return s
	}
	require.Eventually(t, func() bool { return len(snapshot().Links) == 1 }, 30*time.Second, 100*time.Millisecond, "the link was not discovered")
	require.Eventually(t, func() bool { return h1.Ping("10.97.0.2", 1) }, 20*time.Second, 100*time.Millisecond, "no traffic over the slice")
	slice := "sliceable/acme/office"
	require.Eventually(t, func() bool {
		for _, s := range snapshot().Slices {
			if s.ID == slice {
				return len(s.Learned) == 2
			}
		}
		return false
	}, 5*time.Second, 50*time.Millisecond)
	page := base + "/ui/?slice=" + slice + "&src=02:00:00:00:00:01&dst=02:00:00:00:00:02"
	b := newBrowser(t)
	b.open(page)
	ready := func() bool { return b.count("#graph .switch") == 2 && b.count("#graph .link.on-path") == 1 }
	require.Eventually(t, ready, 15*time.Second, 100*time.Millisecond, "the page did not draw the fabric and the path")
	assert.Equal(t, 1, b.count("#graph .link"), "links drawn")
	assert.Equal(t, 2, b.count("#graph .switch.on-path"), "the path crosses both switches")
	assert.Equal(t, 2, b.count("#graph .host.on-path"), "and joins the two hosts")
	sel := `.slice[data-id="` + slice + `"]`
	assert.Equal(t, 2, b.count(sel+" .port"), "the slice's ports")
	assert.Equal(t, 2, b.count(sel+" .mac.learned"), "the slice's learned MACs")
	var summary, status string
	b.eval(`return document.getElementById("summary").textContent`, &summary)
	assert.Contains(t, summary, "2 switches, 1 links")
	require.Eventually(t, func() bool {
		b.eval(`return document.getElementById("status").dataset.state`, &status)
		return status == "live"
	}, 10*time.Second, 100*time.Millisecond, "the event stream did not connect")

	// Live: a third host appears on the page without a reload.
	h3 := ovs.AddHost(t, ovstest.HostConfig{Bridge: "br2", OFPort: 2, MAC: "02:00:00:00:00:03", Addr: "10.97.0.3/24"})
	addPort(t, net, "0xe2:2")
	require.Eventually(t, func() bool { return h3.Ping("10.97.0.1", 1) }, 20*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool { return b.count(sel+" .port") == 3 && b.count(sel+" .mac.learned") == 3 },
		10*time.Second, 100*time.Millisecond, "the page did not follow the change")

	// A screenshot, kept as an artifact.
	shot := artifact(t, "netslice-ui.png")
	raw := b.screenshot()
	require.NoError(t, os.WriteFile(shot, raw, 0o644))
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	assert.Equal(t, 1280, img.Bounds().Dx())
	colors := map[uint32]bool{}
	for x := 0; x < img.Bounds().Dx(); x += 16 {
		for y := 0; y < img.Bounds().Dy(); y += 16 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	assert.Greater(t, len(colors), 5, "the screenshot is not blank")
	t.Logf("screenshot: %s", shot)

	// The page's data follows: the path endpoint says the same.
	var p fabricui.Path
	getJSON(t, base+"/ui/api/path?slice="+slice+"&src=02:00:00:00:00:01&dst=02:00:00:00:00:02", &p)
	hops, _ := json.Marshal(p.Hops)
	assert.Len(t, p.Hops, 2, "%s", hops)
}
