// Package httpapi measures the Sliceable API over loopback HTTP with
// keep-alive, on the durable bolt store: GETs side by side with a bare
// net/http handler that returns the same bytes (the ceiling of any Go
// HTTP service on this machine), and creates.
package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/httpapi/sliceable"
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
	api, err := sliceable.New(sliceable.Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
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

func BenchmarkListNetworks100(b *testing.B) {
	srv := serve(b)
	url := srv.URL + "/sliceable/tenants/t/networks"
	b.Run("sliceable", func(b *testing.B) { get(b, url) })
	b.Run("bare-net-http", func(b *testing.B) { get(b, bare(b, fetch(b, url))) })
}

// BenchmarkCreateDurable creates networks from 16 clients on bolt with
// fsync on: creates/s.
func BenchmarkCreateDurable(b *testing.B) {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	api, err := sliceable.New(sliceable.Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
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
