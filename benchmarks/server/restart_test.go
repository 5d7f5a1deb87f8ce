// Package server measures the all-in-one server (examples/server) as its
// users run it: how soon a restarted server answers, on a bolt store
// holding 100,000 Neutron ports in 1,000 networks, 10,000 Sliceable ports
// and 1,000 oVirt networks.
package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/netslice/netslice/benchmarks/internal/fill"
	"github.com/netslice/netslice/httpapi/neutron"
	"github.com/netslice/netslice/httpapi/ovirt"
	"github.com/netslice/netslice/httpapi/sliceable"
	"github.com/netslice/netslice/store/bolt"
)

// surfaces are what each restart asks for, over and over from the start,
// until each answers 200.
var surfaces = []struct{ name, path string }{
	{"neutron", "/neutron/v2.0/ports?limit=1"},
	{"sliceable", "/sliceable/tenants/bench/networks"},
	{"ovirt", "/ovirt-engine/api/networks"},
}

// BenchmarkRestart starts the server on the filled store b.N times and
// reports, as medians, how long after the process started each surface
// first answered 200 (<surface>-ms), and the last of them (all-ms).
func BenchmarkRestart(b *testing.B) {
	dir := b.TempDir()
	filled(b, dir)
	bin := filepath.Join(dir, "server")
	// Built in the library's own module (this test runs in
	// benchmarks/server), with its dependencies.
	build := exec.Command("go", "build", "-o", bin, "./examples/server")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	times := map[string][]time.Duration{}
	for b.Loop() {
		for name, d := range restart(b, c, bin, dir) {
			times[name] = append(times[name], d)
		}
	}
	for name, ds := range times {
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-ms")
	}
}

// restart runs the server once and returns when each surface first
// answered 200, and all of them ("all").
func restart(b *testing.B, c *http.Client, bin, dir string) map[string]time.Duration {
	addr := freeAddr(b)
	cmd := exec.Command(bin, "-data", dir, "-http", addr, "-openflow", freeAddr(b), "-libvirt", "test:///default")
	logPath := filepath.Join(dir, "server.log")
	log, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	// Each surface asked on its own, so that one that holds its requests
	// until it has read the store delays no other.
	type answer struct {
		name string
		at   time.Duration
		err  error
	}
	answers := make(chan answer, len(surfaces))
	for _, s := range surfaces {
		go func() {
			for time.Since(start) < time.Minute {
				req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://"+addr+s.path, nil)
				req.Header.Set("Accept", "application/json")
				if res, err := c.Do(req); err == nil {
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						answers <- answer{s.name, time.Since(start), nil}
						return
					}
				}
				time.Sleep(2 * time.Millisecond)
			}
			answers <- answer{s.name, 0, fmt.Errorf("%s: no 200 within a minute", s.path)}
		}()
	}
	got := map[string]time.Duration{}
	for range surfaces {
		a := <-answers
		if a.err != nil {
			out, _ := os.ReadFile(logPath)
			b.Fatalf("%v; the server said:\n%s", a.err, out)
		}
		got[a.name] = a.at
	}
	var last time.Duration
	for _, d := range got {
		last = max(last, d)
	}
	got["all"] = last
	return got
}

// filled fills dir's bolt store (where the server keeps it) through the
// services, closed again before the server opens it.
func filled(b *testing.B, dir string) {
	start := time.Now()
	st, err := bolt.Open(filepath.Join(dir, "netslice.db"), &bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	nsvc, err := neutron.NewService(st, neutron.Options{Quotas: map[string]int{"network": -1, "subnet": -1, "port": -1}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { nsvc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if _, err := fill.Neutron(nsvc, 1000, 100); err != nil {
		b.Fatal(err)
	}
	ssvc, err := sliceable.NewService(st, sliceable.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := fill.Sliceable(ssvc, 100, 100); err != nil {
		b.Fatal(err)
	}
	osvc, err := ovirt.NewService(st, ovirt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := fill.OVirt(osvc, 1000); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "restart: store filled in %v\n", time.Since(start).Round(time.Millisecond))
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
