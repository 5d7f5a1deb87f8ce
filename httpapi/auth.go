package httpapi

import (
	"context"
	"net/http"
	"slices"
)

// Identity is who is calling, as an Authenticator established it.
type Identity struct {
	Subject string
	// Tenant is the project the caller acts for ("" for none).
	Tenant string
	// Roles are the caller's roles in it: RoleAdmin, RoleMember,
	// RoleReader, or others a surface knows (Neutron's "advsvc").
	Roles []string
}

// The roles every surface understands, named as Keystone's defaults: an
// admin may do anything anywhere; a member may change what its project
// owns; a reader may only look.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleReader = "reader"
)

// HasRole reports whether the identity has role.
func (id Identity) HasRole(role string) bool { return slices.Contains(id.Roles, role) }

// IsAdmin reports whether the identity has RoleAdmin.
func (id Identity) IsAdmin() bool { return id.HasRole(RoleAdmin) }

// ReadOnly reports whether the identity may only read: it has neither
// RoleAdmin nor RoleMember.
func (id Identity) ReadOnly() bool { return !id.HasRole(RoleAdmin) && !id.HasRole(RoleMember) }

// Authenticator establishes who is calling. Return an *Error (401 or 403,
// 429 with Retry for a caller that must wait, 503 when the identity
// service cannot be reached) to refuse the request.
type Authenticator interface {
	Authenticate(r *http.Request) (Identity, error)
}

// A Challenger is an Authenticator that says how to authenticate: the
// WWW-Authenticate challenges a 401 carries (RFC 9110 11.6.1). Wrap sends
// DefaultChallenge for authenticators that are not Challengers.
type Challenger interface {
	Challenge(r *http.Request) []string
}

// DefaultChallenge is the WWW-Authenticate a 401 carries when the
// Authenticator says nothing of its own.
const DefaultChallenge = `Basic realm="netslice", charset="UTF-8"`

// AllowAll authenticates everyone as an anonymous admin: nothing is
// asked and everything allowed. It is the default of a surface that is
// given no Authenticator, for programs that authenticate before the
// surface or serve only a trusted caller (loopback).
type AllowAll struct{}

// Authenticate implements Authenticator.
func (AllowAll) Authenticate(*http.Request) (Identity, error) {
	return Identity{Subject: "anonymous", Roles: []string{RoleAdmin}}, nil
}

type identityKey struct{}

// IdentityFrom returns the identity the request was authenticated as.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// WithIdentity returns ctx carrying id, as Wrap gives each request: for
// calling a handler that reads it (tests, a program that authenticates
// by its own means).
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// challenge sets the WWW-Authenticate challenges of a 401.
func challenge(w http.ResponseWriter, r *http.Request, auth Authenticator) {
	if len(w.Header().Values("WWW-Authenticate")) > 0 {
		return
	}
	cs := []string{DefaultChallenge}
	if c, ok := auth.(Challenger); ok {
		cs = c.Challenge(r)
	}
	for _, c := range cs {
		w.Header().Add("WWW-Authenticate", c)
	}
}
