package neutron

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a Neutron fault: the status neutron-server answers with, the
// type it names (its exception's name, "NetworkNotFound"), and the
// message. Every error the Service returns for a caller's mistake is one;
// errors.As finds it.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func fault(status int, typ, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// IsType reports whether err is an *Error of type typ.
func IsType(err error, typ string) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == typ
}

func badRequest(format string, args ...any) *Error {
	return fault(http.StatusBadRequest, "HTTPBadRequest", format, args...)
}

func invalidInput(format string, args ...any) *Error {
	return fault(http.StatusBadRequest, "InvalidInput", "Invalid input for operation: "+format+".", args...)
}

// invalidAttr is neutron's answer to a value an attribute's validator
// refuses.
func invalidAttr(attr, reason string) *Error {
	return badRequest("Invalid input for %s. Reason: %s.", attr, reason)
}

func notFound(kind, id string) *Error {
	return fault(http.StatusNotFound, kind+"NotFound", "%s %s could not be found.", kindWords[kind], id)
}

func conflict(typ, format string, args ...any) *Error {
	return fault(http.StatusConflict, typ, format, args...)
}

func forbidden(rule string) *Error {
	return fault(http.StatusForbidden, "PolicyNotAuthorized", "(%s) is disallowed by policy", rule)
}

var kindWords = map[string]string{
	"Network":           "Network",
	"Subnet":            "Subnet",
	"Port":              "Port",
	"SecurityGroup":     "Security group",
	"SecurityGroupRule": "Security group rule",
	"Router":            "Router",
	"FloatingIP":        "Floating IP",
}

// errBusy is returned when a write keeps losing to concurrent ones.
var errBusy = fault(http.StatusConflict, "Conflict", "the resource is changing too fast; try again")
