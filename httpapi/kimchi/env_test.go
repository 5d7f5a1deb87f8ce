package kimchi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/internal/apitest"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// env is a Kimchi server over a private libvirt test hypervisor.
type env struct {
	t    *testing.T
	drv  virt.Driver
	st   store.Store
	svc  *kimchi.Service
	srv  *httptest.Server
	base string
}

func newEnv(t *testing.T, opts kimchi.Options) *env {
	t.Helper()
	drv := libvirttest.Open(t)
	st := memory.New(nil)
	t.Cleanup(func() { st.Close() })
	return startEnv(t, drv, st, opts)
}

// running runs svc for the test's duration, from when it is Ready.
func running(tb testing.TB, svc *kimchi.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	if err := svc.Ready(ctx); err != nil {
		tb.Fatal(err)
	}
}

func startEnv(t *testing.T, drv virt.Driver, st store.Store, opts kimchi.Options) *env {
	t.Helper()
	opts.Driver = drv
	svc, err := kimchi.NewService(st, opts)
	require.NoError(t, err)
	running(t, svc)
	mux := http.NewServeMux()
	h := kimchi.NewHandler(svc, kimchi.HandlerOptions{})
	httpapi.Mount(mux, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, drv: drv, st: st, svc: svc, srv: srv, base: srv.URL + "/plugins/kimchi"}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), string(r.body))
}

// reason is a Kimchi error's reason, checked for its shape.
func (r resp) reason(t *testing.T) string {
	t.Helper()
	var e struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	}
	r.json(t, &e)
	assert.Equal(t, r.status, e.Code)
	return e.Reason
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	r := apitest.Client{T: e.t, URL: e.base}.With("Accept", "application/json").Do(method, path, body)
	return resp{status: r.Status, header: r.Header, body: r.Body}
}

// must does a request that must answer want.
func (e *env) must(want int, method, path string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, body)
	require.Equal(e.t, want, r.status, "%s %s: %s", method, path, r.body)
	return r
}

// wait polls a task until it ends and returns it.
func (e *env) wait(r resp) kimchi.Task {
	e.t.Helper()
	require.Equal(e.t, http.StatusAccepted, r.status, string(r.body))
	var t kimchi.Task
	r.json(e.t, &t)
	require.NotEmpty(e.t, t.ID)
	deadline := time.Now().Add(60 * time.Second)
	for t.Status == kimchi.TaskRunning {
		require.True(e.t, time.Now().Before(deadline), "task %s still running", t.ID)
		time.Sleep(5 * time.Millisecond)
		e.must(http.StatusOK, "GET", "/tasks/"+t.ID, nil).json(e.t, &t)
	}
	return t
}

func (e *env) template(name string, extra map[string]any) {
	e.t.Helper()
	body := map[string]any{"name": name, "memory": 512}
	for k, v := range extra {
		body[k] = v
	}
	e.must(http.StatusCreated, "POST", "/templates", body)
}

func (e *env) vm(name, template string) kimchi.VM {
	e.t.Helper()
	task := e.wait(e.do("POST", "/vms", map[string]any{"name": name, "template": "/templates/" + template}))
	require.Equal(e.t, kimchi.TaskFinished, task.Status, task.Message)
	var vm kimchi.VM
	e.must(http.StatusOK, "GET", "/vms/"+name, nil).json(e.t, &vm)
	return vm
}
