package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/store"
)

// serve runs h on a loopback listener with opts and a connection cap.
func serve(t *testing.T, h http.Handler, opts httpapi.ServerOptions, maxConns int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httpapi.NewServer(h, opts)
	go srv.Serve(httpapi.LimitListener(l, maxConns))
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// closedWithin reports whether the server closes conn within d.
func closedWithin(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestServerCutsSlowBody(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }),
		httpapi.ServerOptions{ReadTimeout: 300 * time.Millisecond}, 0)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 50 ms: headers in time, the body never
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	assert.True(t, closedWithin(conn, 3*time.Second), "a slow body held the connection")
}

func TestServerClosesIdle(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		httpapi.ServerOptions{IdleTimeout: 200 * time.Millisecond}, 0)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	res.Body.Close()
	start := time.Now()
	assert.True(t, closedWithin(conn, 3*time.Second), "an idle keep-alive stayed open")
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestLimitListener(t *testing.T) {
	release := make(chan struct{})
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }), httpapi.ServerOptions{}, 3)
	var held []net.Conn
	for range 3 {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		held = append(held, conn)
	}
	time.Sleep(100 * time.Millisecond)
	// The fourth is told at once.
	res, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "1", res.Header.Get("Retry-After"))
	assert.Contains(t, string(body), "too many connections")
	// Once the held ones finish, there is room again.
	close(release)
	for _, c := range held {
		c.Close()
	}
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + addr + "/")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 3*time.Second, 20*time.Millisecond)
}

func TestStatusOf(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		retry  int
		hidden string
	}{
		{httpapi.Errorf(404, "no such tenant"), 404, 0, ""},
		{fmt.Errorf("etcd get: %w", store.ErrUnavailable), 503, 1, "etcd"},
		{context.DeadlineExceeded, 503, 1, ""},
		{&store.InvalidError{Key: "sliceable/T/x", Reason: "value is 2000000 bytes"}, 413, 0, "sliceable/T"},
		{errors.New("bolt: page 7 corrupt"), 500, 0, "page 7"},
		{fmt.Errorf("bolt commit: %w: %w", store.ErrNoSpace, syscall.ENOSPC), 507, 30, "bolt"},
	} {
		he := httpapi.StatusOf(tt.err)
		assert.Equal(t, tt.status, he.Status, "%v", tt.err)
		assert.Equal(t, tt.retry, he.Retry, "%v", tt.err)
		if tt.hidden != "" {
			assert.NotContains(t, he.Msg, tt.hidden, "internals reach the client")
		}
	}
	w := httptest.NewRecorder()
	httpapi.Fail(w, httptest.NewRequest("GET", "/", nil), store.ErrUnavailable, nil, nil)
	assert.Equal(t, 503, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))

	// An outage is not logged per request (store.Observe logs it once);
	// a fault of the server is.
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for range 100 {
		httpapi.Fail(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), fmt.Errorf("etcd: %w", store.ErrUnavailable), nil, log)
		httpapi.Fail(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), store.ErrNoSpace, nil, log)
	}
	assert.Empty(t, logs.String())
	httpapi.Fail(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), errors.New("bug"), nil, log)
	assert.Contains(t, logs.String(), "bug")
}

func TestLocation(t *testing.T) {
	mux := http.NewServeMux()
	var loc string
	mux.Handle("/api/", http.StripPrefix("/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc = httpapi.Location(r, "tenants", "q?x=1", "h#frag", "p%41", "ü")
	})))
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/anything", nil))
	assert.Equal(t, "/api/tenants/q%3Fx=1/h%23frag/p%2541/%C3%BC", loc)
	u, err := url.Parse("http://x" + loc)
	require.NoError(t, err)
	assert.Equal(t, "/api/tenants/q?x=1/h#frag/p%41/ü", u.Path, "the Location does not lead back to the ids")
}
