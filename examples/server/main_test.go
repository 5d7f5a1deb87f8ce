package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServer runs the server as the README's first command does, on its
// embedded default store, and uses the REST surface, then stops it.
func TestServer(t *testing.T) {
	srv := startServer(t)
	base := srv.base
	res, err := http.Post(base+"/sliceable/tenants", "application/json", strings.NewReader(`{"id":"acme"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusAccepted, res.StatusCode)
	assert.Equal(t, "/sliceable/tenants/acme", res.Header.Get("Location"), "the Location must name the mounted path")
	res, err = http.Post(base+"/sliceable/tenants/acme/networks", "application/json", strings.NewReader(`{"id":"office"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusAccepted, res.StatusCode)
	require.Eventually(t, statusHas(base, `"slices":1`, `{"name":"sliceable","slices":1`), 5*time.Second, 20*time.Millisecond, "the fabric did not follow the REST call")
	// Neutron, as a client without a token reaches it under noauth.
	res, err = http.Post(base+"/neutron/v2.0/networks", "application/json", strings.NewReader(`{"network": {"name": "web"}}`))
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", b)
	assert.Contains(t, string(b), `"tenant_id":"admin"`)
	require.Eventually(t, statusHas(base, `{"name":"neutron","slices":1`, `"/neutron/"`), 5*time.Second, 20*time.Millisecond, "the fabric did not follow Neutron")
	res, err = http.Get(base + "/neutron/")
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(b), `"href":"`+base+`/neutron/v2.0/"`)

	// oVirt: this machine, read-only.
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/ovirt-engine/api/hosts")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode == 200 && strings.Contains(string(b), "<host ") && strings.Contains(string(b), "read-only")
	}, 5*time.Second, 20*time.Millisecond, "the oVirt API does not list this machine")
	res, err = http.Post(base+"/api/networks", "application/xml", strings.NewReader(`<network><name>vmnet</name></network>`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode)
	host, _ := os.Hostname()
	res, err = http.Post(base+"/api/hosts/"+host+"/networkconnections", "application/xml",
		strings.NewReader(`<networkconnection><network><name>vmnet</name></network></networkconnection>`))
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusConflict, res.StatusCode, "this machine is read-only: %s", b)
	assert.Contains(t, string(b), "read-only")

	// Kimchi: on this machine, the system's hypervisor if there is one,
	// else libvirt's test hypervisor; a VM from a template, as a client
	// does it, and its network a slice of the fabric.
	var caps struct {
		Available bool   `json:"libvirt_available"`
		URI       string `json:"libvirt_uri"`
		Notice    string `json:"notice"`
	}
	getJSON(t, base+"/plugins/kimchi/config/capabilities", &caps)
	if !caps.Available {
		assert.Contains(t, caps.Notice, "unavailable", "no libvirt: Kimchi says why")
		res, err = http.Get(base + "/plugins/kimchi/vms")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	} else if strings.HasPrefix(caps.URI, "test:") {
		assert.Contains(t, caps.Notice, "test hypervisor")
		res, err = http.Post(base+"/plugins/kimchi/templates", "application/json", strings.NewReader(`{"name":"srv-t","memory":512,"storagepool":"/storagepools/default-pool"}`))
		require.NoError(t, err)
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", b)
		res, err = http.Post(base+"/plugins/kimchi/vms", "application/json", strings.NewReader(`{"name":"srv-vm","template":"/plugins/kimchi/templates/srv-t"}`))
		require.NoError(t, err)
		var task struct{ ID, Status, Message string }
		require.NoError(t, json.NewDecoder(res.Body).Decode(&task))
		res.Body.Close()
		require.Equal(t, http.StatusAccepted, res.StatusCode)
		require.Eventually(t, func() bool {
			getJSON(t, base+"/plugins/kimchi/tasks/"+task.ID, &task)
			return task.Status != "running"
		}, 10*time.Second, 20*time.Millisecond)
		assert.Equal(t, "finished", task.Status, task.Message)
		// Where Kimchi's UI polls it: Wok's /tasks, at the root.
		var wok struct {
			ID, Status string
			Target     string `json:"target_uri"`
		}
		getJSON(t, base+"/tasks/"+task.ID, &wok)
		assert.Equal(t, "/plugins/kimchi/vms/srv-vm", wok.Target)
		assert.Equal(t, "finished", wok.Status)
		require.Eventually(t, statusHas(base, `{"name":"kimchi","slices":1`, `"/plugins/kimchi/"`), 5*time.Second, 20*time.Millisecond, "the fabric did not follow Kimchi's network")
	}

	// Each surface's OpenAPI document, as GET / lists them.
	var st struct {
		OpenAPI []string `json:"openapi"`
	}
	getJSON(t, base+"/", &st)
	require.Len(t, st.OpenAPI, 4)
	for _, doc := range st.OpenAPI {
		var d struct {
			OpenAPI string `json:"openapi"`
		}
		getJSON(t, base+doc, &d)
		assert.Equal(t, "3.1.0", d.OpenAPI, doc)
	}

	res, err = http.Get(base + "/sliceable/tenants/acme/networks/office")
	require.NoError(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.JSONEq(t, `{"bindings":[],"description":""}`, string(b))

	assert.NoError(t, srv.stop(t))
	out := srv.out
	assert.Contains(t, out.String(), "REST on http://")
	assert.Contains(t, out.String(), "authentication: no authentication")
	assert.Contains(t, out.String(), "OpenFlow 1.0/1.3 controller on")
	assert.Contains(t, out.String(), "(Kimchi; ")
	assert.Contains(t, out.String(), "shutting down")
}

func TestHelp(t *testing.T) {
	err := run(context.Background(), []string{"-h"}, io.Discard, nil)
	assert.ErrorIs(t, err, flag.ErrHelp, "-h is a request, not a failure: main exits 0 on it")
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-store", "floppy"}, {"-store", "etcd"}, {"-log-level", "loud"}, {"-nope"},
		{"-max-conns", "0"}, {"-read-timeout", "-1s"}, {"-cluster-id", "dc1"}, {"-cluster-lease", "0s"},
		{"-neutron-auth", "magic"}, {"-ovirt-users", "nopassword"}, {"-ovirt-hosts", "no-such-namespace"}, {"-neutron-auth", "tokens=/nonexistent"}, {"-neutron-auth", "keystone="}} {
		err := run(context.Background(), append(args, "-http", "127.0.0.1:0", "-openflow", "127.0.0.1:0", "-data", t.TempDir()), io.Discard, nil)
		assert.Error(t, err, "%v", args)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
}

// statusHas reports whether GET / answers with every one of parts.
func statusHas(base string, parts ...string) func() bool {
	return func() bool {
		res, err := http.Get(base + "/")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, p := range parts {
			if !strings.Contains(string(b), p) {
				return false
			}
		}
		return true
	}
}

// TestFirstTemplate: from a fresh start on libvirt's stock test
// hypervisor (whose own pool is "default-pool"), a newcomer's first
// template — as Kimchi's docs and UI make it, naming no pool — works, and
// a VM comes from it.
func TestFirstTemplate(t *testing.T) {
	if _, err := exec.LookPath("virsh"); err != nil {
		t.Skip("libvirt is not installed (apt-get install libvirt-clients libvirt-daemon)")
	}
	s := startServer(t, "-libvirt", "test:///default")
	c := &http.Client{}
	post := func(path, body string) *http.Response {
		res, err := c.Post(s.base+"/plugins/kimchi"+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := post("/templates", `{"name": "first"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	res = post("/vms", `{"name": "first-vm", "template": "/plugins/kimchi/templates/first"}`)
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	require.Eventually(t, func() bool {
		res, err := c.Get(s.base + "/plugins/kimchi/vms/first-vm")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond)
}
