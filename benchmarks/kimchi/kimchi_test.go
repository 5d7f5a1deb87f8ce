// Package kimchi measures the Kimchi API over loopback HTTP with
// keep-alive, on libvirt's test hypervisor holding 1,000 defined domains:
// GET /vms (all of them, with stats), GET /vms/{name}, and 100 VMs
// created from one template by 16 concurrent clients (every task must
// finish, no domain lost or made twice). The template's disk is a copy of
// a base image (as Kimchi's templates from a disk image are): the test
// hypervisor's pools hold 100 GiB whatever they are told, which 100 new
// 10 GiB disks would not fit. Reads report their median and
// 99th percentile beside ns/op; the same bytes written by a bare net/http
// handler are the ceiling any Go service reaches here. The driver keeps
// lists between calls; "kimchi-changed" times a list right after a change
// made through it, which the list must read from libvirt again.
package kimchi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/kimchi"
	"github.com/netslice/netslice/store/memory"
	"github.com/netslice/netslice/virt"
	"github.com/netslice/netslice/virt/libvirt"
	"github.com/netslice/netslice/virt/libvirt/libvirttest"
)

const domains = 1000

type testbed struct {
	drv  *libvirt.Driver
	svc  *kimchi.Service
	stop context.CancelFunc // ends svc.Run
	srv  *httptest.Server
}

var (
	once   sync.Once
	bed    *testbed
	bedErr error
	dir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bed != nil {
		bed.srv.Close()
		bed.stop()
		bed.drv.Close()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// tb makes the test hypervisor's files in a directory that outlives one
// benchmark (libvirttest's are per test).
type tb struct{ testing.TB }

func (t tb) TempDir() string {
	d, err := os.MkdirTemp(dir, "h")
	if err != nil {
		panic(err)
	}
	return d
}

func setup(b *testing.B) *testbed {
	once.Do(func() {
		var err error
		if dir, err = os.MkdirTemp("", "kimchi-bench"); err != nil {
			bedErr = err
			return
		}
		drv, err := libvirt.Open(libvirttest.URI(tb{b}), libvirt.Options{})
		if err != nil {
			bedErr = err
			return
		}
		ctx := context.Background()
		for i := range domains {
			_, err := drv.DefineDomain(ctx, virt.DomainSpec{Name: fmt.Sprintf("vm-%04d", i), MemoryMiB: 512, CPUs: 1,
				Graphics:   &virt.Graphics{Type: "vnc", Listen: "127.0.0.1"},
				Interfaces: []virt.Interface{{Type: "network", Network: "default", Model: "virtio"}},
				Metadata:   "<kimchi><icon>images/icon-debian.png</icon></kimchi>"})
			if err != nil {
				bedErr = err
				return
			}
			if i%4 == 0 {
				drv.Start(ctx, fmt.Sprintf("vm-%04d", i))
			}
		}
		svc, err := kimchi.NewService(memory.New(nil), kimchi.Options{Driver: drv})
		if err != nil {
			bedErr = err
			return
		}
		if _, err := svc.CreateTemplate(ctx, kimchi.TemplateRequest{Name: ptr("bench"), Memory: ptr(512),
			Disks: &[]kimchi.TemplateDisk{{Index: 0, Volume: "base.img"}}}); err != nil {
			bedErr = err
			return
		}
		run, stop := context.WithCancel(ctx)
		go svc.Run(run)
		mux := http.NewServeMux()
		httpapi.Mount(mux, kimchi.NewHandler(svc, kimchi.HandlerOptions{}))
		bed = &testbed{drv: drv, svc: svc, stop: stop, srv: httptest.NewServer(mux)}
	})
	if bedErr != nil {
		b.Skipf("libvirt test hypervisor unavailable (needs cgo and libvirt): %v", bedErr)
	}
	return bed
}

func ptr[T any](v T) *T { return &v }

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

func get(b *testing.B, c *http.Client, url string) []byte {
	res, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return body
}

// timed runs b.N requests and reports their median and 99th percentile.
func timed(b *testing.B, do func()) { timedAfter(b, nil, do) }

// timedAfter is timed with prep run, untimed, before each request.
func timedAfter(b *testing.B, prep, do func()) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if prep != nil {
			b.StopTimer()
			prep()
			b.StartTimer()
		}
		t := time.Now()
		do()
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// bare serves body as a handler that does nothing else would.
func bare(body []byte) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}

func BenchmarkListVMs(b *testing.B) {
	bed := setup(b)
	c := client()
	url := bed.srv.URL + "/plugins/kimchi/vms"
	body := get(b, c, url)
	var vms []kimchi.VM
	if err := json.Unmarshal(body, &vms); err != nil || len(vms) != domains {
		b.Fatalf("%d VMs, %v", len(vms), err)
	}
	sideBySide(b, c, url, body, func() {
		// A change through the driver: the list is read from libvirt again.
		if err := bed.drv.SetMetadata(context.Background(), "vm-0001", "<kimchi/>"); err != nil {
			b.Fatal(err)
		}
	})
}

// sideBySide times GETs of url, then of a bare handler writing the same
// body: the ceiling any Go service reaches here. "kimchi-changed" makes
// change, untimed, before each GET.
func sideBySide(b *testing.B, c *http.Client, url string, body []byte, change func()) {
	b.Run("kimchi", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		timed(b, func() { get(b, c, url) })
	})
	b.Run("kimchi-changed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		timedAfter(b, change, func() { get(b, c, url) })
	})
	b.Run("bare", func(b *testing.B) {
		srv := bare(body)
		defer srv.Close()
		b.SetBytes(int64(len(body)))
		timed(b, func() { get(b, c, srv.URL) })
	})
}

// serve serves svc's API over loopback until the benchmark ends.
func serve(b *testing.B, svc *kimchi.Service) *httptest.Server {
	mux := http.NewServeMux()
	httpapi.Mount(mux, kimchi.NewHandler(svc, kimchi.HandlerOptions{}))
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkGetVM(b *testing.B) {
	bed := setup(b)
	c := client()
	url := bed.srv.URL + "/plugins/kimchi/vms/vm-0500"
	body := get(b, c, url)
	b.Run("kimchi", func(b *testing.B) { timed(b, func() { get(b, c, url) }) })
	b.Run("bare", func(b *testing.B) {
		srv := bare(body)
		defer srv.Close()
		timed(b, func() { get(b, c, srv.URL) })
	})
}

// BenchmarkCreate100 creates 100 VMs from one template with 16 clients
// per op, waits for every task, checks that each VM exists once, and
// deletes them again (untimed).
func BenchmarkCreate100(b *testing.B) {
	bed := setup(b)
	c := client()
	ctx := context.Background()
	base := bed.srv.URL + "/plugins/kimchi"
	b.ReportAllocs()
	b.StopTimer()
	for i := range b.N {
		names := make(chan string, 100)
		for j := range 100 {
			names <- fmt.Sprintf("new-%d-%03d", i, j)
		}
		close(names)
		var mu sync.Mutex
		var tasks []string
		var wg sync.WaitGroup
		b.StartTimer()
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range names {
					body, _ := json.Marshal(map[string]string{"name": n, "template": "/templates/bench"})
					res, err := c.Post(base+"/vms", "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					var t kimchi.Task
					json.NewDecoder(res.Body).Decode(&t)
					res.Body.Close()
					if res.StatusCode != http.StatusAccepted {
						b.Errorf("POST /vms %s: %d", n, res.StatusCode)
						return
					}
					mu.Lock()
					tasks = append(tasks, t.ID)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for _, id := range tasks {
			t, err := bed.svc.WaitTask(ctx, id)
			if err != nil || t.Status != kimchi.TaskFinished {
				b.Fatalf("task %s: %v %+v", id, err, t)
			}
		}
		b.StopTimer()
		sum, err := bed.drv.Domains(ctx)
		if err != nil {
			b.Fatal(err)
		}
		made := 0
		for _, d := range sum {
			var k, j int
			if n, _ := fmt.Sscanf(d.Name, "new-%d-%d", &k, &j); n == 2 && k == i {
				made++
				bed.drv.Undefine(ctx, d.Name, true)
			}
		}
		if made != 100 || len(tasks) != 100 {
			b.Fatalf("%d tasks, %d domains made, want 100 of each", len(tasks), made)
		}
	}
}
