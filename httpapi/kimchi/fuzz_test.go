package kimchi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

// FuzzBodies throws arbitrary bodies at every endpoint that reads one:
// the answer is never a server error, and a refusal is a Kimchi error.
// Each run changes a hypervisor, so minimizing an input is slow: run it
// with -fuzzminimizetime 2s.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"t","memory":512}`,
		`{"name":"v","template":"/templates/t"}`,
		`{"name":"n","connection":"nat","subnet":"192.168.7.0/24"}`,
		`{"name":"n","connection":"macvtap","interface":"eth0","vlan_id":4095}`,
		`{"type":"network","network":"default","mac":"52:54:00:00:00:01"}`,
		`{"type":"cdrom","path":"/x.iso"}`,
		`{"memory":-1,"cpus":1e30,"graphics":{"passwdValidTo":-5}}`,
		`{"name":"../../etc","cpu_info":{"topology":{"sockets":0}}}`,
		`{"disks":[{"index":99,"size":1}]}`, `[]`, `null`, `{`, "\xff", `{"name":{}}`,
	} {
		for _, path := range []int{0, 1, 2, 3, 4, 5, 6} {
			f.Add(path, seed)
		}
	}
	drv := libvirttest.Open(f)
	st := memory.New(nil)
	f.Cleanup(func() { st.Close() })
	svc, err := kimchi.NewService(st, kimchi.Options{Driver: drv})
	if err != nil {
		f.Fatal(err)
	}
	running(f, svc)
	mux := http.NewServeMux()
	httpapi.Mount(mux, kimchi.NewHandler(svc, kimchi.HandlerOptions{}))
	// A template and a VM for the bodies that change one.
	for _, r := range []struct{ m, p, b string }{
		{"POST", "/plugins/kimchi/templates", `{"name":"base","memory":512}`},
		{"POST", "/plugins/kimchi/vms", `{"name":"vm","template":"/templates/base"}`},
	} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(r.m, r.p, strings.NewReader(r.b))
		req.Header.Set("Content-Type", "application/json")
		mux.ServeHTTP(w, req)
		if w.Code >= 300 {
			f.Fatalf("%s %s: %d %s", r.m, r.p, w.Code, w.Body)
		}
	}
	if _, err := svc.WaitTask(context.Background(), "1"); err != nil {
		f.Fatal(err)
	}
	targets := []struct{ method, path string }{
		{"POST", "/templates"}, {"POST", "/vms"}, {"POST", "/networks"}, {"POST", "/vms/vm/ifaces"},
		{"POST", "/vms/vm/storages"}, {"PUT", "/vms/vm"}, {"PUT", "/templates/base"},
	}
	f.Fuzz(func(t *testing.T, which int, body string) {
		tg := targets[(which%len(targets)+len(targets))%len(targets)]
		w := httptest.NewRecorder()
		req := httptest.NewRequest(tg.method, "/plugins/kimchi"+tg.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		mux.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"reason":"`) {
			t.Fatalf("%s %s %q: %d without a reason: %s", tg.method, tg.path, body, w.Code, w.Body)
		}
	})
}
