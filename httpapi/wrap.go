package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Identity is who is calling, as an Authenticator established it.
type Identity struct {
	Subject string
	Tenant  string
	Roles   []string
}

// Authenticator establishes who is calling. Return an *Error (401 or 403)
// to refuse the request.
type Authenticator interface {
	Authenticate(r *http.Request) (Identity, error)
}

// AllowAll authenticates everyone as anonymous; it is the default.
type AllowAll struct{}

// Authenticate implements Authenticator.
func (AllowAll) Authenticate(*http.Request) (Identity, error) {
	return Identity{Subject: "anonymous"}, nil
}

type identityKey struct{}

// IdentityFrom returns the identity the request was authenticated as.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// DefaultTimeout bounds a request's handling by default: every store call
// under it shares this deadline.
const DefaultTimeout = 10 * time.Second

// Options configure Wrap.
type Options struct {
	Logger        *slog.Logger  // nil: no request log
	Authenticator Authenticator // nil: AllowAll
	Render        Renderer      // nil: PlainText
	// Timeout is the deadline of each request's context (0:
	// DefaultTimeout), so no store call under it waits longer.
	Timeout time.Duration
}

// Wrap adds to h what every surface needs: a deadline on the request's
// context, authentication (refusals rendered with Render), panic recovery
// (500 with a generic message, the details only in the log) and a request
// log line naming the path the client sent.
func Wrap(h http.Handler, opts Options) http.Handler {
	auth := opts.Authenticator
	if auth == nil {
		auth = AllowAll{}
	}
	render := opts.Render
	if render == nil {
		render = PlainText
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	log := opts.Logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				if log != nil {
					log.Error("panic serving request", "method", r.Method, "path", clientPath(r), "panic", fmt.Sprint(p))
				}
				if !sw.wrote {
					render(sw, r, http.StatusInternalServerError, "internal server error")
				}
			}
			if log != nil {
				log.Info("request", "method", r.Method, "path", clientPath(r), "status", sw.status,
					"duration", time.Since(start), "remote", r.RemoteAddr)
			}
		}()
		id, err := auth.Authenticate(r)
		if err != nil {
			var he *Error
			status := http.StatusUnauthorized
			if errors.As(err, &he) {
				status = he.Status
			}
			render(sw, r, status, err.Error())
			return
		}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(ctx, identityKey{}, id)))
	})
}

// clientPath is the path the client asked for, before any prefix was
// stripped.
func clientPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return r.URL.Path
	}
	return p
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
