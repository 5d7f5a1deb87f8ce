package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Accepts reports whether the request accepts the media type: no Accept
// header, or a media range that matches it with a quality above zero. The
// most specific range that matches decides (RFC 9110 12.5.1), so
// "*/*, application/json;q=0" refuses JSON.
func Accepts(r *http.Request, mediaType string) bool {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return true
	}
	major, _, _ := strings.Cut(mediaType, "/")
	best, q := -1, 0.0 // specificity of the best match so far, and its quality
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			spec := -1
			switch mt {
			case mediaType:
				spec = 2
			case major + "/*":
				spec = 1
			case "*/*":
				spec = 0
			}
			if spec < best || spec < 0 {
				continue
			}
			quality := 1.0
			if v, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					quality = f
				}
			}
			if spec > best || quality > q {
				best, q = spec, quality
			}
		}
	}
	return best >= 0 && q > 0
}
