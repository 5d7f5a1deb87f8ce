package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	// Writers are the roles that may change things (POST, PUT, PATCH,
	// DELETE); nil: RoleAdmin and RoleMember. A caller with none of them
	// is refused 403 before the handler runs.
	Writers []string
	// FormTypes lists the media types a browser form can send
	// (multipart/form-data, ...) that the surface takes in a request that
	// changes something; see Wrap.
	FormTypes []string
	// TrustedOrigins lists browser origins ("https://ui.example:8443")
	// besides the server's own that may send requests that change
	// something.
	TrustedOrigins []string
}

// MsgNotWriter is the message of Wrap's 403 for a caller without one of
// the Writers roles.
const MsgNotWriter = "this account may not change anything here"

// Wrap adds to h what every surface needs: a deadline on the request's
// context, authentication (refusals rendered with Render, a 401 with
// WWW-Authenticate), the Writers rule, panic recovery (500 with a generic
// message, the details only in the log) and a request log line naming the
// path the client sent.
//
// It also refuses what a hostile web page could make a browser send: a
// request that changes something with an Origin other than the server's
// own (or TrustedOrigins), or one a browser marks Sec-Fetch-Site:
// cross-site, is 403; one whose body is of a type a cross-site form can
// send without asking (text/plain, application/x-www-form-urlencoded,
// multipart/form-data) is 415 unless FormTypes takes it; and one whose
// path holds "." or ".." segments is 400, so that no mux redirects it
// to another resource.
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
	writers := opts.Writers
	if writers == nil {
		writers = []string{RoleAdmin, RoleMember}
	}
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
					render(sw, r, &Error{Status: http.StatusInternalServerError, Msg: "internal server error"})
				}
			}
			if log != nil {
				log.Info("request", "method", r.Method, "path", clientPath(r), "status", sw.status,
					"duration", time.Since(start), "remote", r.RemoteAddr)
			}
		}()
		if err := CheckRequest(r, opts.FormTypes, opts.TrustedOrigins); err != nil {
			render(sw, r, err)
			return
		}
		id, err := auth.Authenticate(r)
		if err != nil {
			he := &Error{Status: http.StatusUnauthorized, Msg: err.Error(), Err: err}
			errors.As(err, &he)
			if he.Status == http.StatusUnauthorized {
				challenge(sw, r, auth)
			}
			if he.Retry > 0 {
				sw.Header().Set("Retry-After", strconv.Itoa(he.Retry))
			}
			render(sw, r, he)
			return
		}
		if !Safe(r.Method) && !slices.ContainsFunc(writers, id.HasRole) {
			render(sw, r, &Error{Status: http.StatusForbidden, Msg: MsgNotWriter, Kind: ErrNotWriter})
			return
		}
		h.ServeHTTP(sw, r.WithContext(WithIdentity(ctx, id)))
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
