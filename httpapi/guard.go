package httpapi

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Safe reports whether a method only reads (RFC 9110 9.2.1): GET, HEAD,
// OPTIONS, TRACE.
func Safe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// formTypes are the media types a page can make a browser send to
// another site without asking it first (a "simple" request).
var formTypes = []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}

// CheckRequest refuses what Wrap refuses before authenticating: for a
// request that changes something (not Safe), a foreign Origin or
// Sec-Fetch-Site (403), a body of a type a cross-site form can send that
// formOK does not list (415), and for any method but GET and HEAD, "."
// or ".." segments in the path (400). trusted lists origins besides the
// request's own that may change things. A surface that serves outside
// Wrap (a login endpoint) calls it itself.
func CheckRequest(r *http.Request, formOK, trusted []string) *Error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && dotSegments(r) {
		return errDotSegments
	}
	if Safe(r.Method) {
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		if !trustedOrigin(r, trusted) {
			return &Error{Status: http.StatusForbidden, Msg: "a request from another site may not change anything here", Kind: ErrForeign}
		}
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(r, o) && !trustedOrigin(r, trusted) {
		return &Error{Status: http.StatusForbidden, Msg: "a request from origin " + o + " may not change anything here", Kind: ErrForeign}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return &Error{Status: http.StatusUnsupportedMediaType, Msg: "the Content-Type cannot be read: " + ct, Kind: ErrMediaType}
		}
		if slices.Contains(formTypes, mt) && !slices.Contains(formOK, mt) {
			return &Error{Status: http.StatusUnsupportedMediaType, Msg: "a request that changes something must not be " + mt +
				" (a type any web page can make a browser send)", Kind: ErrForeign}
		}
	}
	return nil
}

var errDotSegments = &Error{Status: http.StatusBadRequest, Msg: `the path has "." or ".." or empty segments`}

// dotSegments reports whether the path the client sent has "." or ".."
// segments, escaped or not, or an empty one inside it ("a//b"): what a
// ServeMux cleans away with a redirect.
func dotSegments(r *http.Request) bool {
	p := r.URL.EscapedPath()
	if r.RequestURI != "" && !strings.HasPrefix(r.RequestURI, "*") {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			p = u.EscapedPath()
		}
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		if seg == "." || seg == ".." || seg == "" && i > 0 && i < len(segs)-1 {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin is the request's own: the host the
// client asked for, over the scheme it used.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Host, r.Host) && u.Scheme == scheme
}

func trustedOrigin(r *http.Request, trusted []string) bool {
	o := r.Header.Get("Origin")
	return o != "" && slices.ContainsFunc(trusted, func(t string) bool { return strings.EqualFold(strings.TrimSuffix(t, "/"), o) })
}

// Guard refuses, before h (a mux) sees it, a request that changes
// something with "." or ".." segments in its path: a ServeMux answers it
// with a redirect to the cleaned path, which some clients follow with the
// same method — DELETE /tenants/victim/networks/.. would delete the
// tenant. NewServer guards its handler so.
func Guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && dotSegments(r) {
			PlainText(w, r, errDotSegments)
			return
		}
		h.ServeHTTP(w, r)
	})
}
