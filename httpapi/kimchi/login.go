package kimchi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/netslice/netslice/httpapi"
)

// LoginInfo is what a login answers, as Wok does: the user, their groups
// and their role ("admin", or "user" for everyone else).
type LoginInfo struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	Role     string   `json:"role"`
}

// Login serves Wok's login and logout, which Kimchi's UI uses, relative
// to where it is mounted (Wok's root, "/"):
//
//	POST /login   {"username": U, "password": P} → LoginInfo, and a session cookie
//	POST /logout  → the session ended
//
// Passwords are checked by users, which throttles guessing (Wok's
// WOKAUTH0004E, 403); the session lives in sessions, so the surfaces'
// Authenticator is an httpapi.Login over the same two. The cookie is
// HttpOnly and SameSite=Strict.
func Login(users *httpapi.Users, sessions *httpapi.Sessions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(err *Error) { render(w, r, err.Status, err.Error()) }
		path := strings.TrimSuffix(r.URL.Path, "/")
		if path != "/login" && path != "/logout" {
			fail(errNoRoute)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			fail(notAllowed(r.Method, strings.TrimPrefix(path, "/")).(*Error))
			return
		}
		if err := httpapi.CheckRequest(r, nil, nil); err != nil {
			render(w, r, err.Status, err.Msg)
			return
		}
		if path == "/logout" {
			if c, err := r.Cookie(httpapi.SessionCookie); err == nil {
				sessions.Revoke(c.Value)
			}
			httpapi.ClearSessionCookie(w, r)
			httpapi.WriteJSON(w, http.StatusOK, struct{}{})
			return
		}
		var req struct {
			Username *string `json:"username"`
			Password *string `json:"password"`
		}
		err := httpapi.DecodeJSON(w, r, &req, 64<<10, http.StatusBadRequest)
		var he *httpapi.Error
		switch {
		case errors.As(err, &he) && he.Status != http.StatusBadRequest:
			fail(kerr(he.Status, "WOKAPI0006E", "Unable to parse JSON request"))
			return
		case err != nil || req.Username == nil || req.Password == nil:
			fail(invalid("WOKAUTH0007E", "You need to specify username and password to login into Wok."))
			return
		}
		id, err := users.Verify(*req.Username, *req.Password, r.RemoteAddr)
		switch {
		case errors.As(err, &he) && he.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
			fail(kerr(http.StatusForbidden, "WOKAUTH0004E",
				"You have failed to login in too much attempts. Please, wait for %d seconds to try again.", he.Retry))
			return
		case err != nil:
			fail(kerr(http.StatusUnauthorized, "WOKAUTH0008E", "The username or password you entered is incorrect. Please try again"))
			return
		}
		tok, exp := sessions.Issue(id)
		httpapi.SetSessionCookie(w, r, tok, exp)
		role := "user"
		if id.IsAdmin() {
			role = "admin"
		}
		httpapi.WriteJSON(w, http.StatusOK, LoginInfo{Username: id.Subject, Groups: []string{}, Role: role})
	})
}
