package neutron

import (
	"net/http"

	"github.com/netslice/netslice/httpapi"
)

// NoAuth is neutron's auth_strategy = noauth: every caller is an admin,
// of the project named by X-Project-Id (or X-Tenant-Id), else of Project.
// For development and closed test beds only.
type NoAuth struct {
	// Project is the project of callers that name none; without one,
	// creations must give tenant_id, as with neutron's noauth.
	Project string
}

// Authenticate implements httpapi.Authenticator.
func (a NoAuth) Authenticate(r *http.Request) (httpapi.Identity, error) {
	p := r.Header.Get("X-Project-Id")
	if p == "" {
		p = r.Header.Get("X-Tenant-Id")
	}
	if p == "" {
		p = a.Project
	}
	return httpapi.Identity{Subject: "noauth", Tenant: p, Roles: []string{"admin"}}, nil
}

// StaticTokens authenticates X-Auth-Token against a fixed table.
//
// Deprecated: use httpapi.StaticTokens, which every surface takes.
type StaticTokens = httpapi.StaticTokens

// Keystone validates X-Auth-Token with a Keystone v3 server.
//
// Deprecated: use httpapi.Keystone, which every surface takes.
type Keystone = httpapi.Keystone
