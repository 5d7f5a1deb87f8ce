// Package httpapi is what netslice's REST surfaces share: strict JSON
// decoding with a body limit, content negotiation, error rendering hooks
// and one mapping of errors to statuses, panic recovery, request logging
// and deadlines, an authentication hook, Mount, which puts surfaces on a
// mux at their conventional prefixes, and NewServer and LimitListener,
// which bound what clients can hold. Each surface is a subpackage
// (httpapi/sliceable, ...) whose constructor returns an http.Handler
// serving paths relative to where it is mounted.
//
// # Surfaces
//
// Every surface is built the same way:
//
//	svc, err := neutron.NewService(st, neutron.Options{}) // the API as Go, over a store
//	go svc.Run(ctx)                                       // its own work beside requests, if it has any
//	h := neutron.NewHandler(svc, neutron.HandlerOptions{}) // the API over HTTP
//	httpapi.Mount(mux, h)                                 // at h.Prefix()
//	follower.Run(ctx, svc.Source("neutron"))              // its networks as slices of the l2 fabric
//
// No constructor starts a goroutine: what runs beside the requests —
// Neutron's view of the store, Kimchi's host sampling — runs in Run, until
// its context ends.
//
// # Serving
//
// A program that mounts surfaces on a server of its own gets the same
// protection as the all-in-one server with
//
//	srv := httpapi.NewServer(mux, httpapi.ServerOptions{})
//	l, _ := net.Listen("tcp", ":8080")
//	srv.Serve(httpapi.LimitListener(l, 0))
//
// timeouts for reading a request (headers and body), writing a response
// and idling between requests, and a cap on connections held at once.
//
// # Errors
//
// Every surface routes with a Router (ServeMux patterns, handlers that
// return errors) and has one error path: its service's errors become an
// *Error with the status its specification gives, and StatusOf maps the
// rest the same way for every surface: store.ErrUnavailable and a request
// past its deadline are 503 with Retry-After, a value too large for the
// store is 413, anything else a 500 whose details go to the log only.
// Fail logs and renders the result in the surface's dialect (Renderer).
// httpapi's own refusals carry a Kind (ErrUnknownField, ErrTooLarge, ...)
// for errors.Is.
package httpapi

import (
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Surface is a REST surface: a handler with the prefix it is
// conventionally mounted at ("/sliceable/").
type Surface interface {
	http.Handler
	Prefix() string
}

// Mount mounts each surface on mux at its prefix, the prefix stripped, so
// it serves its paths relative to it.
func Mount(mux *http.ServeMux, surfaces ...Surface) {
	for _, s := range surfaces {
		p := "/" + strings.Trim(s.Prefix(), "/")
		mux.Handle(p+"/", http.StripPrefix(p, s))
	}
}

// Renderer writes an error the way a surface's specification wants
// (text/plain for the Sliceable API, a JSON fault for Neutron, ...): e
// holds the status and the message, its Kind, and what caused it, which
// errors.As finds (the surface's own error, with its dialect's words).
type Renderer func(w http.ResponseWriter, r *http.Request, e *Error)

// PlainText renders errors as text/plain: the message.
func PlainText(w http.ResponseWriter, r *http.Request, e *Error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	io.WriteString(w, e.Msg+"\n")
}

// MountPoint returns the path prefix a handler mounted with
// http.StripPrefix (as Mount does) lives under, "" at the root, so that
// links it hands out (a Location header) are right wherever it is mounted.
func MountPoint(r *http.Request) string {
	orig := r.RequestURI
	if i := strings.IndexAny(orig, "?#"); i >= 0 {
		orig = orig[:i]
	}
	if p := r.URL.RawPath; p != "" && strings.HasSuffix(orig, p) {
		return strings.TrimSuffix(orig, p)
	}
	if strings.HasSuffix(orig, r.URL.Path) {
		return strings.TrimSuffix(orig, r.URL.Path)
	}
	return ""
}

// Location returns the path of a resource under the surface r was served
// by: the mount point, then each segment escaped, so an id with "?", "#"
// or "%" in it names the resource it belongs to.
func Location(r *http.Request, segments ...string) string {
	var b strings.Builder
	b.WriteString(MountPoint(r))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}
