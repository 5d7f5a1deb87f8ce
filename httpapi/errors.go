package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

	"github.com/netslice/netslice/store"
)

// Kinds of the errors httpapi refuses a request with, for errors.Is: a
// surface that words its errors its own way (Kimchi's codes) tells them
// apart by these, never by their text.
var (
	// ErrMediaType: a body of a type the surface does not take (415).
	ErrMediaType = errors.New("httpapi: unsupported media type")
	// ErrTooLarge: a body over the limit (413).
	ErrTooLarge = errors.New("httpapi: request body too large")
	// ErrMalformed: a body that is not one JSON value in UTF-8.
	ErrMalformed = errors.New("httpapi: malformed JSON")
	// ErrUnknownField: an object key that names no field (Error.Field).
	ErrUnknownField = errors.New("httpapi: unknown field")
	// ErrType: a JSON value of the wrong type for where it is.
	ErrType = errors.New("httpapi: wrong type")
	// ErrNoRoute: a path the surface does not serve (404).
	ErrNoRoute = errors.New("httpapi: no such resource")
	// ErrMethod: a method the path does not take (405, with Allow).
	ErrMethod = errors.New("httpapi: method not allowed")
	// ErrNotWriter: a caller whose roles may not change anything (403).
	ErrNotWriter = errors.New("httpapi: " + MsgNotWriter)
	// ErrForeign: a request that changes something from another site
	// (403), or a form a web page can send unasked (415).
	ErrForeign = errors.New("httpapi: cross-site request")
	// ErrUnavailable: a dependency of the surface (a hypervisor, an
	// identity service) cannot be reached (503). Like the store's, it is
	// an outage: Fail does not log it per request.
	ErrUnavailable = errors.New("httpapi: a dependency is unavailable")
)

// Error is a client or server error with the status it deserves.
type Error struct {
	Status int
	Msg    string // what the client is told
	// Kind, when set, is one of the kinds above.
	Kind error
	// Field is the JSON field (a dotted path) the error is about, if one.
	Field string
	Err   error // what caused it, for the log and errors.As
	// Retry, when positive, is sent as Retry-After (seconds).
	Retry int
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns Kind and Err.
func (e *Error) Unwrap() []error {
	return slices.DeleteFunc([]error{e.Kind, e.Err}, func(err error) bool { return err == nil })
}

// Errorf returns an *Error with status.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// StatusOf maps an error a handler returned to what the client is told.
// An *Error says so itself (its Msg, never its wrapped error); for any
// other error the *Error returned wraps it (Err). A store
// that cannot be reached, or a request past its deadline, is 503 with
// Retry-After: 1; a store out of space 507 with Retry-After: 30. A value
// larger than the store takes is 413. Anything else is a 500 with a
// generic message: internals stay in the log.
func StatusOf(err error) *Error {
	var he *Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, store.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the store is unavailable; try again shortly", Retry: 1, Err: err}
	case errors.Is(err, store.ErrNoSpace):
		return &Error{Status: http.StatusInsufficientStorage, Msg: "the store is out of space; nothing was written", Retry: 30, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the request took too long; try again shortly", Retry: 1, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the request was cancelled", Err: err}
	case errors.Is(err, store.ErrInvalid):
		// What the surface let through is too large for the store.
		return &Error{Status: http.StatusRequestEntityTooLarge, Msg: "the request is too large to store", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Msg: "internal error", Err: err}
}

// Fail writes err as StatusOf maps it, rendered by render (PlainText when
// nil), with Retry-After when it asks for one; errors that are the
// server's (5xx) go to log with their details — but for a dependency
// that is down (the store unreachable or full, a deadline passed), only
// at debug level: an outage is one event, which store.Observe logs once,
// not once per request. A surface whose service has errors of its own
// maps them to an *Error (its status, wrapping the service's error for
// the renderer) before calling Fail.
func Fail(w http.ResponseWriter, r *http.Request, err error, render Renderer, log *slog.Logger) {
	he := StatusOf(err)
	if he.Status >= 500 && log != nil {
		level := slog.LevelError
		if Outage(err) {
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "request failed", "method", r.Method, "path", clientPath(r), "status", he.Status, "err", err)
	}
	if he.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
	}
	if render == nil {
		render = PlainText
	}
	render(w, r, he)
}

// Outage reports whether err is a dependency being down rather than a
// fault of the request or the server: the store unreachable or out of
// space, a deadline passed, or an error of Kind ErrUnavailable.
func Outage(err error) bool {
	return errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNoSpace) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnavailable)
}
