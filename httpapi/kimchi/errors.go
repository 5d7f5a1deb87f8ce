package kimchi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/netslice/netslice/virt"
)

// Error is a refusal as Kimchi words it: an HTTP status and a message
// that starts with Kimchi's code ("KCHVM0002E: Virtual machine x does not
// exist"). Every Service method returns one for a client's mistake.
type Error struct {
	Status int
	Code   string // "KCHVM0002E"
	Msg    string
	Err    error // the driver's error, if one caused it
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// Unwrap returns the driver's error.
func (e *Error) Unwrap() error { return e.Err }

func kerr(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(code, format string, args ...any) *Error {
	return kerr(http.StatusBadRequest, code, format, args...)
}

func notFound(code, format string, args ...any) *Error {
	return kerr(http.StatusNotFound, code, format, args...)
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
	e := &Error{Status: http.StatusInternalServerError, Code: code, Msg: msg + " Details: " + detail, Err: err}
	switch {
	case errors.Is(err, virt.ErrNotFound) && notFoundCode != "":
		e.Status, e.Code = http.StatusNotFound, notFoundCode
	case errors.Is(err, virt.ErrNotFound), errors.Is(err, virt.ErrExists), errors.Is(err, virt.ErrInvalidState),
		errors.Is(err, virt.ErrInvalid), errors.Is(err, virt.ErrNotSupported), errors.Is(err, virt.ErrBusy):
		e.Status = http.StatusBadRequest
	case errors.Is(err, virt.ErrUnavailable):
		e.Status = http.StatusServiceUnavailable
	}
	return e
}
