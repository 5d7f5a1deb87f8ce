// Package httpapi is what netslice's REST surfaces share: strict JSON
// decoding with a body limit, content negotiation, error rendering hooks,
// panic recovery, request logging, an authentication hook, and Mount,
// which puts surfaces on a mux at their conventional prefixes. Each
// surface is a subpackage (httpapi/sliceable, ...) whose constructor
// returns an http.Handler serving paths relative to where it is mounted.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxBody is the largest request body a surface reads by default.
const DefaultMaxBody = 1 << 20

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

// Error is a client or server error with the status it deserves.
type Error struct {
	Status int
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with status.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// Renderer writes an error the way a surface's specification wants
// (text/plain for the Sliceable API, a JSON fault for Neutron, ...).
type Renderer func(w http.ResponseWriter, r *http.Request, status int, msg string)

// PlainText renders errors as text/plain.
func PlainText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// DecodeJSON decodes the request body into v, strictly: the body must be
// one JSON value of v's shape (unknown fields and wrong types are errors)
// within maxBytes (0: DefaultMaxBody). A body too large is a 413; anything
// else wrong is an *Error with status bad (the surface's choice: 400 or
// 422).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, maxBytes int64, bad int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return &Error{Status: http.StatusUnsupportedMediaType, Msg: "request body must be application/json"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body exceeds %d bytes", maxBytes)}
		case errors.Is(err, io.EOF):
			return &Error{Status: bad, Msg: "empty request body"}
		case errors.As(err, &syn):
			return &Error{Status: bad, Msg: fmt.Sprintf("malformed JSON at offset %d", syn.Offset)}
		case errors.As(err, &typ):
			return &Error{Status: bad, Msg: fmt.Sprintf("field %q must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return &Error{Status: bad, Msg: strings.TrimPrefix(err.Error(), "json: ")}
		}
		return &Error{Status: bad, Msg: "malformed JSON", Err: err}
	}
	if dec.More() {
		return &Error{Status: bad, Msg: "more than one JSON value in the body"}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body exceeds %d bytes", maxBytes)}
		}
		return &Error{Status: bad, Msg: "trailing data after the JSON body"}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "string":
		return "string"
	case goKind == "bool":
		return "boolean"
	case goKind == "slice", goKind == "array":
		return "array"
	}
	return "object"
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

// WriteJSON writes v as the JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		PlainText(w, nil, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Accepts reports whether the request accepts the media type (no Accept
// header, */*, type/*, or the type itself).
func Accepts(r *http.Request, mediaType string) bool {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return true
	}
	major, _, _ := strings.Cut(mediaType, "/")
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if params["q"] == "0" {
				continue
			}
			if mt == "*/*" || mt == mediaType || mt == major+"/*" {
				return true
			}
		}
	}
	return false
}

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

// Options configure Wrap.
type Options struct {
	Logger        *slog.Logger  // nil: no request log
	Authenticator Authenticator // nil: AllowAll
	Render        Renderer      // nil: PlainText
}

// Wrap adds to h what every surface needs: authentication (refusals
// rendered with Render), panic recovery (500 with a generic message, the
// details only in the log) and a request log line.
func Wrap(h http.Handler, opts Options) http.Handler {
	auth := opts.Authenticator
	if auth == nil {
		auth = AllowAll{}
	}
	render := opts.Render
	if render == nil {
		render = PlainText
	}
	log := opts.Logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				if log != nil {
					log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
				}
				if !sw.wrote {
					render(sw, r, http.StatusInternalServerError, "internal server error")
				}
			}
			if log != nil {
				log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
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
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
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
