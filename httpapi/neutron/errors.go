package neutron

import (
	"errors"
	"fmt"
	"net/http"
)

// Kinds of the Service's errors, for errors.Is; each is wrapped in an
// *Error that names neutron's exception. The Handler answers each with
// the status neutron-server gives (in parentheses).
var (
	// ErrInvalid: a request neutron refuses as malformed or inconsistent
	// (400).
	ErrInvalid = errors.New("neutron: invalid request")
	// ErrForbidden: what the caller's policy does not allow (403).
	ErrForbidden = errors.New("neutron: disallowed by policy")
	// ErrNotFound: a resource that does not exist, or that the caller
	// may not see (404).
	ErrNotFound = errors.New("neutron: not found")
	// ErrNotSupported: an operation a resource does not have (405).
	ErrNotSupported = errors.New("neutron: operation not supported")
	// ErrConflict: a resource in use, a quota reached, an address taken,
	// or a resource changing too fast (409).
	ErrConflict = errors.New("neutron: conflict")
	// ErrRevision: a revision_number constraint (If-Match) not met (412).
	ErrRevision = errors.New("neutron: revision number constraint failed")
	// ErrUnavailable: what cannot be done now (503).
	ErrUnavailable = errors.New("neutron: unavailable")
)

// Error is a Neutron fault: the Kind of error, the type neutron names
// (its exception's, "NetworkNotFound"), and the message. Every error the
// Service returns for a caller's mistake is one; errors.As finds it, and
// errors.Is its Kind.
type Error struct {
	Kind    error
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func fault(kind error, typ, format string, args ...any) *Error {
	return &Error{Kind: kind, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// IsType reports whether err is an *Error of type typ.
func IsType(err error, typ string) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == typ
}

// statuses are the statuses neutron-server answers the kinds with.
var statuses = map[error]int{
	ErrInvalid: http.StatusBadRequest, ErrForbidden: http.StatusForbidden, ErrNotFound: http.StatusNotFound,
	ErrNotSupported: http.StatusMethodNotAllowed, ErrConflict: http.StatusConflict,
	ErrRevision: http.StatusPreconditionFailed, ErrUnavailable: http.StatusServiceUnavailable,
}

func badRequest(format string, args ...any) *Error {
	return fault(ErrInvalid, "HTTPBadRequest", format, args...)
}

func invalidInput(format string, args ...any) *Error {
	return fault(ErrInvalid, "InvalidInput", "Invalid input for operation: "+format+".", args...)
}

// invalidAttr is neutron's answer to a value an attribute's validator
// refuses.
func invalidAttr(attr, reason string) *Error {
	return badRequest("Invalid input for %s. Reason: %s.", attr, reason)
}

func notFound(kind, id string) *Error {
	return fault(ErrNotFound, kind+"NotFound", "%s %s could not be found.", kindWords[kind], id)
}

func conflict(typ, format string, args ...any) *Error {
	return fault(ErrConflict, typ, format, args...)
}

func forbidden(rule string) *Error {
	return fault(ErrForbidden, "PolicyNotAuthorized", "(%s) is disallowed by policy", rule)
}

var kindWords = map[string]string{
	"Network":           "Network",
	"Subnet":            "Subnet",
	"Port":              "Port",
	"SecurityGroup":     "Security group",
	"SecurityGroupRule": "Security group rule",
	"Router":            "Router",
	"FloatingIP":        "Floating IP",
	"SubnetPool":        "Subnet pool",
	"AddressScope":      "Address scope",
	"RbacPolicy":        "RBAC policy",
	"AddressGroup":      "Address group",
}

// errBusy is returned when a write keeps losing to concurrent ones.
var errBusy = fault(ErrConflict, "Conflict", "the resource is changing too fast; try again")
