package ovirt

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// A search is oVirt's query language as its SDKs and documentation use it
// on lists (GET /hosts?search=name=myhost): conditions "field=value" or
// "field!=value" joined by "and", a value quoted when it holds spaces and
// matched as a glob where it has "*". Names match with case unless
// case_sensitive=false. Other fields, operators, "or" and sorting are
// refused (400) rather than ignored: a search ignored lists everything,
// and the SDKs' idiom list(search=...)[0] would act on the wrong object.

type condition struct {
	field, value string
	negate       bool
}

type search struct {
	conds         []condition
	caseSensitive bool
	max           int // 0: no limit
}

// searchOf reads a list's search, max and case_sensitive parameters;
// fields are the searchable fields of what is listed.
func searchOf(r *http.Request, fields ...string) (search, error) {
	q := r.URL.Query()
	s := search{caseSensitive: true}
	if v := q.Get("case_sensitive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, badRequest("case_sensitive must be true or false, not %q", v)
		}
		s.caseSensitive = b
	}
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 {
			return s, badRequest("max must be a number of items, not %q", v)
		}
		if n > 0 {
			s.max = n
		}
	}
	text := strings.TrimSpace(q.Get("search"))
	if text == "" {
		return s, nil
	}
	for _, part := range splitAnd(text) {
		c, err := parseCondition(part)
		if err != nil {
			return s, err
		}
		if !slices.Contains(fields, c.field) {
			return s, badRequest("searching by %q is not supported here; search by %s", c.field, strings.Join(fields, ", "))
		}
		s.conds = append(s.conds, c)
	}
	return s, nil
}

// splitAnd splits a query at its " and "s (any case), outside quotes.
func splitAnd(text string) []string {
	var parts []string
	inQuote, start := false, 0
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '"':
			inQuote = !inQuote
		case !inQuote && i+5 <= len(text) && strings.EqualFold(text[i:i+5], " and "):
			parts = append(parts, strings.TrimSpace(text[start:i]))
			start = i + 5
			i += 4
		}
	}
	return append(parts, strings.TrimSpace(text[start:]))
}

func parseCondition(part string) (condition, error) {
	unsupported := func(why string) error {
		return badRequest("search %q: %s; this server takes field=value and field!=value joined by and", part, why)
	}
	if strings.Contains(strings.ToLower(" "+part+" "), " or ") {
		return condition{}, unsupported("or is not supported")
	}
	i := strings.IndexAny(part, "!=<>")
	if i <= 0 {
		return condition{}, unsupported("no field=value")
	}
	c := condition{field: strings.ToLower(strings.TrimSpace(part[:i]))}
	rest := part[i:]
	switch {
	case strings.HasPrefix(rest, "!="):
		c.negate, rest = true, rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return condition{}, unsupported("comparisons other than = and != are not supported")
	}
	v := strings.TrimSpace(rest)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	} else if strings.ContainsAny(v, "\" ") {
		return condition{}, unsupported("a value with spaces is quoted")
	}
	c.value = v
	return c, nil
}

// match reports whether an object whose fields read as get matches.
func (s search) match(get func(field string) string) bool {
	for _, c := range s.conds {
		if glob(c.value, get(c.field), s.caseSensitive) == c.negate {
			return false
		}
	}
	return true
}

// full reports whether n items are as many as max lets a list hold.
func (s search) full(n int) bool { return s.max > 0 && n >= s.max }

// glob matches s against a pattern whose "*" stands for any run of
// characters.
func glob(pattern, s string, caseSensitive bool) bool {
	if !caseSensitive {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
