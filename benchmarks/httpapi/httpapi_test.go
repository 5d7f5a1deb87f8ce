// Package httpapi measures the Sliceable API over loopback HTTP with
// keep-alive, on the durable bolt store: GETs side by side with a bare
// net/http handler that returns the same bytes (the ceiling of any Go
// HTTP service on this machine), and creates.
package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/l2"
	"github.com/netslice/netslice/store/bolt"
)

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

// serve runs the API on a bolt store with tenant "t": network "net-0" with
// 4 ports, and 100 networks in all.
func serve(b *testing.B) *httptest.Server {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "db"), &bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc, err := sliceable.NewService(st, sliceable.Options{})
	if err != nil {
		b.Fatal(err)
	}
	api := sliceable.NewHandler(svc, sliceable.HandlerOptions{})
	mux := http.NewServeMux()
	httpapi.Mount(mux, api)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	c := client()
	post := func(path, body string) {
		res, err := c.Post(srv.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			b.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	for n := range 100 {
		post("/sliceable/tenants/t/networks", fmt.Sprintf(`{"id":"net-%d","description":"network %d"}`, n, n))
	}
	for p := range 4 {
		post("/sliceable/tenants/t/networks/net-0/ports", fmt.Sprintf(`{"datapath_id":"0xe0","port":%d,"vid":65535}`, p+1))
	}
	return srv
}

// get measures GETs of url from 16 goroutines and reports requests/s.
func get(b *testing.B, url string) {
	c := client()
	b.SetParallelism(8) // 16 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// bare serves body as the Sliceable API would, with nothing behind it.
func bare(b *testing.B, body []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func fetch(b *testing.B, url string) []byte {
	res, err := client().Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return body
}

func BenchmarkGetNetwork(b *testing.B) {
	srv := serve(b)
	url := srv.URL + "/sliceable/tenants/t/networks/net-0"
	b.Run("sliceable", func(b *testing.B) { get(b, url) })
	b.Run("bare-net-http", func(b *testing.B) { get(b, bare(b, fetch(b, url))) })
}

// BenchmarkListNetworks lists a tenant's networks at 10, 100, 1,000 and
// 10,000 of them, each beside a bare handler writing the same bytes.
func BenchmarkListNetworks(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("networks=%d", n), func(b *testing.B) {
			st, err := bolt.Open(filepath.Join(b.TempDir(), "db"), &bolt.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			svc, err := sliceable.NewService(st, sliceable.Options{})
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if _, err := svc.CreateNetwork(context.Background(), "t", sliceable.Network{ID: fmt.Sprintf("net-%05d", i),
					Description: fmt.Sprintf("network %d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			api := sliceable.NewHandler(svc, sliceable.HandlerOptions{})
			srv := httptest.NewServer(api)
			b.Cleanup(srv.Close)
			url := srv.URL + "/tenants/t/networks"
			b.Run("sliceable", func(b *testing.B) { get(b, url) })
			// With writes elsewhere all the while (the tenant's own
			// description): the list stays as it was. A writer in a busy
			// loop takes its share of the two cores — which the bare
			// handler gets too, for a fair ceiling; one writing every
			// millisecond (1,000 writes/s, a busy control plane) measures
			// what writes do to the list itself.
			// It reports the writes it made a second (writes/s).
			writing := func(b *testing.B, every time.Duration) {
				ctx, cancel := context.WithCancel(context.Background())
				var writes atomic.Int64
				b.Cleanup(func() {
					cancel()
					b.ReportMetric(float64(writes.Load())/b.Elapsed().Seconds(), "writes/s")
				})
				go func() {
					tick := time.NewTicker(max(every, time.Nanosecond))
					defer tick.Stop()
					for i := 0; ctx.Err() == nil; i++ {
						svc.UpdateTenant(ctx, "t", fmt.Sprint(i))
						writes.Add(1)
						if every > 0 {
							select {
							case <-tick.C:
							case <-ctx.Done():
							}
						}
					}
				}()
			}
			b.Run("sliceable-while-writing", func(b *testing.B) {
				writing(b, 0)
				get(b, url)
			})
			b.Run("sliceable-while-writing-1k/s", func(b *testing.B) {
				writing(b, time.Millisecond)
				get(b, url)
			})
			b.Run("bare-net-http", func(b *testing.B) { get(b, bare(b, fetch(b, url))) })
			b.Run("bare-net-http-while-writing", func(b *testing.B) {
				body := fetch(b, url)
				writing(b, 0)
				get(b, bare(b, body))
			})
		})
	}
}

// BenchmarkCreatePort creates ports in one network, each at a location of
// its own, from 16 clients on bolt with fsync on, after preloading
// ports=N: the latency of a create must not grow with N, and distinct
// creates must never conflict.
func BenchmarkCreatePort(b *testing.B) {
	for _, pre := range []int{0, 10000, 100000} {
		b.Run(fmt.Sprintf("ports=%d", pre), func(b *testing.B) {
			st, err := bolt.Open(filepath.Join(b.TempDir(), "db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			svc, err := sliceable.NewService(st, sliceable.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := svc.CreateNetwork(ctx, "t", sliceable.Network{ID: "n"}); err != nil {
				b.Fatal(err)
			}
			// Preload from many goroutines: bolt commits them together.
			var wg sync.WaitGroup
			var next atomic.Int64
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(pre); i = next.Add(1) {
						svc.CreatePort(ctx, "t", "n", sliceable.Port{Location: l2.Location{Datapath: 1, Port: l2.Port(i), VLAN: 1}})
					}
				}()
			}
			wg.Wait()
			api := sliceable.NewHandler(svc, sliceable.HandlerOptions{})
			srv := httptest.NewServer(api)
			b.Cleanup(srv.Close)
			c := client()
			var port, conflicts atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var local []time.Duration
				for pb.Next() {
					body := fmt.Sprintf(`{"datapath_id":"0x2","port":%d,"vid":1}`, port.Add(1))
					start := time.Now()
					res, err := c.Post(srv.URL+"/tenants/t/networks/n/ports", "application/json", bytes.NewBufferString(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					local = append(local, time.Since(start))
					if res.StatusCode != http.StatusAccepted {
						conflicts.Add(1)
					}
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
			b.ReportMetric(float64(conflicts.Load()), "refused")
		})
	}
}

// BenchmarkCreateDurable creates networks from 16 clients on bolt with
// fsync on: creates/s.
func BenchmarkCreateDurable(b *testing.B) {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := sliceable.NewService(st, sliceable.Options{})
	if err != nil {
		b.Fatal(err)
	}
	api := sliceable.NewHandler(svc, sliceable.HandlerOptions{})
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := client()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"id":"n%d"}`, n.Add(1))
			res, err := c.Post(srv.URL+"/tenants/t/networks", "application/json", bytes.NewBufferString(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
