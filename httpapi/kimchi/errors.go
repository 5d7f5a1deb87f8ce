package kimchi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/netslice/netslice/httpapi"
	"github.com/netslice/netslice/virt"
)

// Kinds of the Service's errors, for errors.Is; each is wrapped in an
// *Error with Kimchi's code and words. The Handler answers each with the
// status Kimchi gives (in parentheses); an *Error without one is the
// server's fault (500).
var (
	// ErrInvalid: a request Kimchi refuses — malformed, inconsistent,
	// or what the object's state does not allow (400).
	ErrInvalid = errors.New("kimchi: invalid request")
	// ErrUnauthenticated: a login that failed (401).
	ErrUnauthenticated = errors.New("kimchi: not authenticated")
	// ErrForbidden: what the caller, or this server, may not do (403).
	ErrForbidden = errors.New("kimchi: forbidden")
	// ErrNotFound: an object that does not exist (404).
	ErrNotFound = errors.New("kimchi: not found")
	// ErrConflict: an object that changed meanwhile (409).
	ErrConflict = errors.New("kimchi: conflict")
	// ErrNotImplemented: what the hypervisor cannot do (501).
	ErrNotImplemented = errors.New("kimchi: not implemented")
	// ErrUnavailable: no connection to the hypervisor (503).
	ErrUnavailable = errors.New("kimchi: unavailable")
)

// statuses are the statuses the kinds are answered with; the handler's
// refusals of a request's form are among them.
var statuses = map[error]int{
	ErrInvalid: http.StatusBadRequest, ErrUnauthenticated: http.StatusUnauthorized, ErrForbidden: http.StatusForbidden,
	ErrNotFound: http.StatusNotFound, ErrConflict: http.StatusConflict, ErrNotImplemented: http.StatusNotImplemented,
	ErrUnavailable:       http.StatusServiceUnavailable,
	httpapi.ErrMethod:    http.StatusMethodNotAllowed,
	httpapi.ErrMediaType: http.StatusUnsupportedMediaType,
	httpapi.ErrTooLarge:  http.StatusRequestEntityTooLarge,
}

// statusOf is the status an *Error is answered with.
func statusOf(e *Error) int {
	if s, ok := statuses[e.Kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a refusal as Kimchi words it: its Kind, and a message that
// starts with Kimchi's code ("KCHVM0002E: Virtual machine x does not
// exist"). Every Service method returns one for a client's mistake.
type Error struct {
	Kind error
	Code string // "KCHVM0002E"
	Msg  string
	Err  error // the driver's error, if one caused it
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Msg
	}
	return e.Code + ": " + e.Msg
}

// Unwrap returns Kind and the driver's error.
func (e *Error) Unwrap() []error {
	return slices.DeleteFunc([]error{e.Kind, e.Err}, func(err error) bool { return err == nil })
}

func kerr(kind error, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(code, format string, args ...any) *Error {
	return kerr(ErrInvalid, code, format, args...)
}

func notFound(code, format string, args ...any) *Error {
	return kerr(ErrNotFound, code, format, args...)
}

// fromVirt turns a driver error into Kimchi's words: a missing object is
// 404 with notFoundCode, an action in the wrong state or a refusal 400
// with code, a hypervisor without the feature 400 (Kimchi answers its own
// "not supported" that way), a connection that is gone 503, anything
// else 500 with code.
func fromVirt(err error, code, notFoundCode, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return err
	}
	msg := fmt.Sprintf(format, args...)
	detail := err.Error()
	var ve *virt.Error
	if errors.As(err, &ve) {
		detail = ve.Msg
	}
	e := &Error{Code: code, Msg: msg + " Details: " + detail, Err: err}
	switch {
	case errors.Is(err, virt.ErrNotFound) && notFoundCode != "":
		e.Kind, e.Code = ErrNotFound, notFoundCode
	case errors.Is(err, virt.ErrNotFound), errors.Is(err, virt.ErrExists), errors.Is(err, virt.ErrInvalidState),
		errors.Is(err, virt.ErrInvalid), errors.Is(err, virt.ErrNotSupported), errors.Is(err, virt.ErrBusy):
		e.Kind = ErrInvalid
	case errors.Is(err, virt.ErrUnavailable):
		e.Kind = ErrUnavailable
	}
	return e
}
