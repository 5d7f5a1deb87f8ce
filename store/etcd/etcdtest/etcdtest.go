// Package etcdtest starts a real etcd server for tests: a single member on
// loopback ports with its data in a temporary directory, stopped and
// removed when the test ends. It needs the etcd binary (Debian package
// etcd-server) and skips the test, saying so, when it is missing.
package etcdtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Server is a running etcd.
type Server struct {
	// Endpoint is the client URL, e.g. "http://127.0.0.1:40123".
	Endpoint string
	bin      string
	args     []string
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	log      *lockedBuffer
}

// Start runs etcd for the duration of tb, skipping tb when the binary is
// not installed.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		tb.Skip("etcd not found in PATH: install the Debian package etcd-server (make test does, as root)")
	}
	dir := tb.TempDir()
	client, peer := freePort(tb), freePort(tb)
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	s := &Server{Endpoint: clientURL, bin: bin, log: &lockedBuffer{}, args: []string{
		"--name", "test",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "test=" + peerURL,
		"--initial-cluster-state", "new",
		// Leases as short as a second: etcd raises a lease to one and a
		// half election timeouts, 1.5 s at its defaults.
		"--heartbeat-interval", "50",
		"--election-timeout", "500",
		"--log-level", "error",
		"--logger", "zap",
	}}
	tb.Cleanup(s.Stop)
	s.start(tb)
	return s
}

// start runs etcd and waits until it answers. The process gets SIGKILL
// when the thread that started it ends, which is held until it exits, so
// a killed test leaves no etcd behind.
func (s *Server) start(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.Env = append(os.Environ(), "ETCD_UNSUPPORTED_ARCH="+unsupportedArch())
	cmd.SysProcAttr = dieWithTest()
	done := make(chan struct{})
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		defer close(done)
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
	}()
	if err := <-started; err != nil {
		tb.Fatalf("etcdtest: start %s: %v", s.bin, err)
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := s.waitReady(15 * time.Second); err != nil {
		tb.Fatalf("etcdtest: %v\netcd output:\n%s", err, s.log.String())
	}
}

// Stop kills the server, as a crash or an outage would; Restart brings it
// back with its data.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-done
	}
}

// Restart starts a stopped server again, on the same address and data.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Stop()
	s.start(tb)
}

func unsupportedArch() string {
	// etcd refuses to start on some architectures unless told otherwise;
	// the tests only need a working single member.
	out, _ := exec.Command("uname", "-m").Output()
	return strings.TrimSpace(string(out))
}

func (s *Server) waitReady(timeout time.Duration) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint}, DialTimeout: time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "health")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("etcd at %s not ready after %v: %w", s.Endpoint, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Client returns a client of the server, closed when tb ends.
func (s *Server) Client(tb testing.TB) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatalf("etcdtest: client: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("etcdtest: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Proxy passes TCP connections to a server until cut: a client that
// reaches etcd through it can be cut off while the others keep etcd, as
// a network partition would.
type Proxy struct {
	// Endpoint is the proxy's client URL, to give a client instead of the
	// server's.
	Endpoint string
	addr     string
	target   string
	mu       sync.Mutex
	l        net.Listener
	conns    []net.Conn
}

// Proxy starts a proxy to s, closed when tb ends.
func (s *Server) Proxy(tb testing.TB) *Proxy {
	tb.Helper()
	p := &Proxy{target: strings.TrimPrefix(s.Endpoint, "http://")}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("etcdtest: proxy: %v", err)
	}
	p.addr = l.Addr().String()
	p.Endpoint = "http://" + p.addr
	p.serve(l)
	tb.Cleanup(p.Cut)
	return p
}

func (p *Proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
}

// Cut closes the proxy's listener and every connection through it.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Restore listens again, on the same address, after Cut.
func (p *Proxy) Restore(tb testing.TB) {
	tb.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		tb.Fatalf("etcdtest: proxy: %v", err)
	}
	p.serve(l)
}
