package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/netslice/netslice/store"
)

// Error is a client or server error with the status it deserves.
type Error struct {
	Status int
	Msg    string
	Err    error
	// Retry, when positive, is sent as Retry-After (seconds).
	Retry int
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

// StatusOf maps an error a handler returned to what the client is told.
// An *Error says so itself (its Msg, never its wrapped error). A store
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
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the store is unavailable; try again shortly", Retry: 1}
	case errors.Is(err, store.ErrNoSpace):
		return &Error{Status: http.StatusInsufficientStorage, Msg: "the store is out of space; nothing was written", Retry: 30}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the request took too long; try again shortly", Retry: 1}
	case errors.Is(err, context.Canceled):
		return &Error{Status: http.StatusServiceUnavailable, Msg: "the request was cancelled"}
	case errors.Is(err, store.ErrInvalid):
		// What the surface let through is too large for the store.
		return &Error{Status: http.StatusRequestEntityTooLarge, Msg: "the request is too large to store"}
	}
	return &Error{Status: http.StatusInternalServerError, Msg: "internal error"}
}

// Fail writes err as StatusOf maps it, rendered by render (PlainText when
// nil), with Retry-After when it asks for one; errors that are the
// server's (5xx) go to log with their details — but for a dependency
// that is down (the store unreachable or full, a deadline passed), only
// at debug level: an outage is one event, which store.Observe logs once,
// not once per request.
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
	render(w, r, he.Status, he.Msg)
}

// Outage reports whether err is a dependency being down rather than a
// fault of the request or the server: the store unreachable or out of
// space, a deadline passed.
func Outage(err error) bool {
	return errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNoSpace) || errors.Is(err, context.DeadlineExceeded)
}
