// Package neutron measures the Networking API over loopback HTTP with
// keep-alive, on the durable bolt store holding 100,000 ports in 1,000
// networks: a network's ports a page at a time, the whole list sorted by
// name a page at a time, port creates (each allocating an address) from
// 16 clients, and the heap the filled service holds per port. Lists
// report their median and 99th percentile beside ns/op; the same requests
// to a bare net/http handler that writes the same bytes are the ceiling
// any Go service reaches here.
package neutron

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netslice/netslice/benchmarks/internal/fill"
	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/store/bolt"
)

const (
	nets        = 1000
	portsPerNet = 100
)

var (
	once    sync.Once
	bed     *testbed
	bedErr  error
	tmpDirs []string
)

type testbed struct {
	svc  *neutron.Service
	stop context.CancelFunc // ends svc.Run
	srv  *httptest.Server
	nets []string
	// heap is what the service holds in the Go heap once filled: the heap
	// in use after a collection, less that before the store was opened.
	heap uint64
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bed != nil {
		bed.srv.Close()
		bed.stop()
	}
	for _, d := range tmpDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

// setup fills a durable bolt store through the service (fill.Neutron:
// 1,000 networks, each with a /24 subnet and 100 ports), and serves the
// API over it.
func setup(b *testing.B) *testbed {
	once.Do(func() {
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		dir, err := os.MkdirTemp("", "neutron-bench")
		if err != nil {
			bedErr = err
			return
		}
		tmpDirs = append(tmpDirs, dir)
		st, err := bolt.Open(filepath.Join(dir, "db"), nil)
		if err != nil {
			bedErr = err
			return
		}
		unlimited := map[string]int{"network": -1, "subnet": -1, "port": -1}
		svc, err := neutron.NewService(st, neutron.Options{Quotas: unlimited})
		if err != nil {
			bedErr = err
			return
		}
		run, stop := context.WithCancel(context.Background())
		go svc.Run(run)
		t := &testbed{svc: svc, stop: stop}
		start := time.Now()
		if t.nets, err = fill.Neutron(svc, nets, portsPerNet); err != nil {
			bedErr = err
			return
		}
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		t.heap = after.HeapAlloc - before.HeapAlloc
		mux := http.NewServeMux()
		httpapi.Mount(mux, neutron.NewHandler(svc, neutron.HandlerOptions{Authenticator: neutron.NoAuth{Project: "bench"}}))
		t.srv = httptest.NewServer(mux)
		fmt.Fprintf(os.Stderr, "testbed: %d ports in %d networks on durable bolt, filled in %v\n", nets*portsPerNet, nets, time.Since(start).Round(time.Millisecond))
		bed = t
	})
	if bedErr != nil {
		b.Fatal(bedErr)
	}
	return bed
}

// measure GETs the URLs next(i) returns one after another and reports
// the median and 99th percentile latency.
func measure(b *testing.B, c *http.Client, next func(i int) string) {
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		res, err := c.Get(next(i))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(start))
		if res.StatusCode != 200 || n == 0 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
	}
}

// bare serves the body a URL gets from the API, as is: the ceiling.
func bare(b *testing.B, c *http.Client, url string) *httptest.Server {
	res, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkPortsOfNetwork: GET /v2.0/ports?network_id=X&limit=100, X a
// random one of the 1,000 networks.
func BenchmarkPortsOfNetwork(b *testing.B) {
	t := setup(b)
	c := client()
	r := rand.New(rand.NewPCG(1, 2))
	b.Run("netslice", func(b *testing.B) {
		measure(b, c, func(int) string {
			return t.srv.URL + "/neutron/v2.0/ports?network_id=" + t.nets[r.IntN(nets)] + "&limit=100"
		})
	})
	b.Run("bare", func(b *testing.B) {
		srv := bare(b, c, t.srv.URL+"/neutron/v2.0/ports?network_id="+t.nets[0]+"&limit=100")
		measure(b, c, func(int) string { return srv.URL })
	})
}

// BenchmarkPortsSortedByName: GET /v2.0/ports?sort_key=name&sort_dir=asc
// &limit=100, the first page of all 100,000 ports by name.
func BenchmarkPortsSortedByName(b *testing.B) {
	t := setup(b)
	c := client()
	base := t.srv.URL + "/neutron/v2.0/ports?sort_key=name&sort_dir=asc&limit=100"
	b.Run("netslice", func(b *testing.B) {
		measure(b, c, func(int) string { return base })
	})
	b.Run("bare", func(b *testing.B) {
		srv := bare(b, c, base)
		measure(b, c, func(int) string { return srv.URL })
	})
}

// BenchmarkPortsSortedByMAC: the same over a key without an index of its
// own (the MAC): every port is a candidate, the page kept in a heap.
func BenchmarkPortsSortedByMAC(b *testing.B) {
	t := setup(b)
	c := client()
	base := t.srv.URL + "/neutron/v2.0/ports?sort_key=mac_address&sort_dir=asc&limit=100"
	measure(b, c, func(int) string { return base })
}

// BenchmarkMemoryPerPort reports the heap the filled service holds
// (networks, subnets and ports, decoded and indexed, with bolt's own
// heap) per port, measured with runtime.MemStats after a collection.
func BenchmarkMemoryPerPort(b *testing.B) {
	t := setup(b)
	for b.Loop() {
	}
	b.ReportMetric(0, "ns/op") // nothing is timed
	b.ReportMetric(float64(t.heap)/(nets*portsPerNet), "B/port")
}

// BenchmarkPortCreate: 16 clients create ports (each gets an address and
// a MAC) on the 1,000 networks, durably; reports creates/s.
func BenchmarkPortCreate(b *testing.B) {
	t := setup(b)
	c := client()
	var n atomic.Int64
	b.SetParallelism(8) // 16 clients on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 0))
		for pb.Next() {
			body := fmt.Sprintf(`{"port": {"network_id": %q}}`, t.nets[r.IntN(nets)])
			res, err := c.Post(t.srv.URL+"/neutron/v2.0/ports", "application/json", bytes.NewBufferString(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 201 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "creates/s")
}
