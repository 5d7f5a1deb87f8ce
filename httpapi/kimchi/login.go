package kimchi

import (
	"errors"
	"net/http"
	"strconv"

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
	rt := httpapi.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) {
		var ke *Error
		if errors.As(err, &ke) {
			err = &httpapi.Error{Status: statusOf(ke), Msg: ke.Error(), Err: err}
		}
		httpapi.Fail(w, r, err, render, nil)
	})
	rt.Handle("POST /login", func(w http.ResponseWriter, r *http.Request) error {
		if err := httpapi.CheckRequest(r, nil, nil); err != nil {
			return err
		}
		var req struct {
			Username *string `json:"username"`
			Password *string `json:"password"`
		}
		err := httpapi.DecodeJSON(w, r, &req, 64<<10, http.StatusBadRequest)
		var he *httpapi.Error
		switch {
		case errors.As(err, &he) && he.Status != http.StatusBadRequest:
			return kerr(he.Kind, "KCHAPI0006E", "Unable to parse JSON request")
		case err != nil || req.Username == nil || req.Password == nil:
			return invalid("WOKAUTH0007E", "You need to specify username and password to login into Wok.")
		}
		id, err := users.Verify(*req.Username, *req.Password, r.RemoteAddr)
		switch {
		case errors.As(err, &he) && he.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(he.Retry))
			return kerr(ErrForbidden, "WOKAUTH0004E",
				"You have failed to login in too much attempts. Please, wait for %d seconds to try again.", he.Retry)
		case err != nil:
			return kerr(ErrUnauthenticated, "WOKAUTH0008E", "The username or password you entered is incorrect. Please try again")
		}
		tok, exp := sessions.Issue(id)
		httpapi.SetSessionCookie(w, r, tok, exp)
		role := "user"
		if id.IsAdmin() {
			role = "admin"
		}
		httpapi.WriteJSON(w, http.StatusOK, LoginInfo{Username: id.Subject, Groups: []string{}, Role: role})
		return nil
	})
	rt.Handle("POST /logout", func(w http.ResponseWriter, r *http.Request) error {
		if err := httpapi.CheckRequest(r, nil, nil); err != nil {
			return err
		}
		if c, err := r.Cookie(httpapi.SessionCookie); err == nil {
			sessions.Revoke(c.Value)
		}
		httpapi.ClearSessionCookie(w, r)
		httpapi.WriteJSON(w, http.StatusOK, struct{}{})
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = httpapi.TrimPath(r, "")
		rt.ServeHTTP(w, r)
	})
}
