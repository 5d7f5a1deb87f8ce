package httpapi

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ServerOptions bound what clients can hold of a server; the zero value
// means the defaults below.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers (10 s);
	// ReadTimeout the whole request, body included (30 s), so a client
	// that sends its body slowly is cut off.
	ReadHeaderTimeout, ReadTimeout time.Duration
	// WriteTimeout bounds writing a response (60 s): a client that does
	// not read it is cut off.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long (30 s).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (64 KiB).
	MaxHeaderBytes int
	// Logger receives the server's own errors (nil: discarded).
	Logger *slog.Logger
}

// Defaults of ServerOptions.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 30 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxConns          = 1024
)

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// NewServer returns an http.Server for h with the timeouts of opts, h
// behind Guard. Serve it on LimitListener to cap connections as well.
func NewServer(h http.Handler, opts ServerOptions) *http.Server {
	srv := &http.Server{
		Handler:           Guard(h),
		ReadHeaderTimeout: or(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       or(opts.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      or(opts.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       or(opts.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    or(opts.MaxHeaderBytes, DefaultMaxHeaderBytes),
	}
	if opts.Logger != nil {
		srv.ErrorLog = slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)
	}
	return srv
}

// LimitListener returns a listener that holds at most max connections
// open at once (0: DefaultMaxConns). A connection over the cap is
// answered 503 with Retry-After and closed at once, rather than left to
// wait: a client learns the server is busy, and a crowd of slow clients
// cannot pile up descriptors and memory.
func LimitListener(l net.Listener, max int) net.Listener {
	return &limitListener{Listener: l, max: or(max, DefaultMaxConns)}
}

type limitListener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open int
}

const busyBody = "too many connections; try again shortly\n"

var busy = []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: " + strconv.Itoa(len(busyBody)) + "\r\nConnection: close\r\n\r\n" + busyBody)

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		ok := l.open < l.max
		if ok {
			l.open++
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, l: l}, nil
		}
		go func() {
			// Answer the request, not the connection: an answer that
			// arrives before the client has sent its request is, to Go's
			// client, garbage on an idle connection. So read the request
			// head (within a second, 16 KiB at most), answer, shut the
			// writing side and read what else the client sent until it
			// closes — closing with input unread sends a reset, which
			// can overtake the answer.
			c.SetDeadline(time.Now().Add(time.Second))
			readHead(io.LimitReader(c, 16<<10))
			c.Write(busy)
			if cw, ok := c.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
				io.Copy(io.Discard, io.LimitReader(c, 64<<10))
			}
			c.Close()
		}()
	}
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// readHead reads until the blank line that ends a request's head, or
// until r ends.
func readHead(r io.Reader) {
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull || len(line) <= 2 && err == nil {
			return // the end, or "\r\n": the head is over
		}
	}
}
