package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// DefaultMaxBody is the largest request body a surface reads by default.
const DefaultMaxBody = 1 << 20

// DecodeJSON decodes the request body into v, strictly: the body must be
// one JSON value of v's shape within maxBytes (0: DefaultMaxBody), in
// UTF-8, with every object key spelled exactly as one of the fields it
// fills (encoding/json alone would take "ID" for "id" and ignore what it
// does not know), and not null where v is a struct. A body too large is a
// 413 (ErrTooLarge), one that is not JSON by its content type a 415
// (ErrMediaType); anything else wrong is an *Error with status bad (the
// surface's choice: 400 or 422), a message that says what and where, and
// the Kind of mistake (ErrMalformed, ErrUnknownField, ErrType).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, maxBytes int64, bad int) error {
	body, err := readJSON(w, r, maxBytes, bad)
	if err != nil {
		return err
	}
	return UnmarshalStrict(body, v, bad)
}

// DecodeJSONOpen is DecodeJSON for a body whose schema allows what it
// does not name (a JSON schema's additional properties): an object key
// no field is spelled as is dropped, at any depth, not refused. All else
// is checked alike.
func DecodeJSONOpen(w http.ResponseWriter, r *http.Request, v any, maxBytes int64, bad int) error {
	body, err := readJSON(w, r, maxBytes, bad)
	if err != nil {
		return err
	}
	return unmarshal(body, v, bad, true)
}

func readJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, bad int) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return nil, &Error{Status: http.StatusUnsupportedMediaType, Msg: "request body must be application/json", Kind: ErrMediaType}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body exceeds %d bytes", maxBytes), Kind: ErrTooLarge}
		}
		return nil, &Error{Status: bad, Msg: "reading the request body", Kind: ErrMalformed, Err: err}
	}
	return body, nil
}

// UnmarshalStrict is DecodeJSON's check and decoding of a body already
// read.
func UnmarshalStrict(body []byte, v any, bad int) error { return unmarshal(body, v, bad, false) }

func unmarshal(body []byte, v any, bad int, open bool) error {
	doc, err := CheckJSON(body, bad)
	if err != nil {
		return err
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if open && dropUnknown(doc, t) {
		// What remains, as encoding/json would otherwise match the
		// dropped keys to fields case-insensitively.
		if body, err = json.Marshal(doc); err != nil {
			return &Error{Status: bad, Msg: "malformed JSON", Kind: ErrMalformed, Err: err}
		}
	}
	if err := checkShape(doc, t, ""); err != nil {
		err.Status = bad
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return &Error{Status: bad, Msg: typeMessage(typ), Kind: ErrType, Field: typ.Field}
		}
		return &Error{Status: bad, Msg: "malformed JSON", Kind: ErrMalformed, Err: err}
	}
	return nil
}

// CheckJSON checks what every surface requires of a JSON body, whatever
// shape it must have: one value, in UTF-8, with nothing but white space
// after it, and every number one a float64 holds (1e400 is none). It
// returns the value decoded (numbers as json.Number), or an *Error with
// status bad and Kind ErrMalformed. A surface that reads JSON its own way
// (oVirt's, into its document model) calls it first, so that every
// surface refuses alike.
func CheckJSON(body []byte, bad int) (any, error) {
	fail := func(format string, args ...any) error {
		return &Error{Status: bad, Msg: fmt.Sprintf(format, args...), Kind: ErrMalformed}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, fail("empty request body")
	}
	if !utf8.Valid(body) {
		return nil, fail("request body is not valid UTF-8")
	}
	// One value, and nothing but white space after it.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, syntaxError(fail, err, body)
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fail("malformed JSON: unexpected data after the value, at offset %d", len(body)-len(rest))
	}
	if n, ok := hugeNumber(doc); ok {
		return nil, fail("malformed JSON: the number %s is out of range", n)
	}
	return doc, nil
}

// hugeNumber finds a number in doc that no float64 holds.
func hugeNumber(doc any) (json.Number, bool) {
	switch x := doc.(type) {
	case json.Number:
		if _, err := x.Float64(); err != nil {
			return x, true
		}
	case map[string]any:
		for _, v := range x {
			if n, ok := hugeNumber(v); ok {
				return n, true
			}
		}
	case []any:
		for _, v := range x {
			if n, ok := hugeNumber(v); ok {
				return n, true
			}
		}
	}
	return "", false
}

func syntaxError(fail func(string, ...any) error, err error, body []byte) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fail("malformed JSON at offset %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fail("malformed JSON: the body ends at offset %d inside a value", len(body))
	}
	return fail("malformed JSON: %v", err)
}

// dropUnknown deletes from doc the object keys that no field of t is
// spelled as, at any depth, and reports whether it deleted any.
func dropUnknown(doc any, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(reflect.TypeFor[json.Unmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return false
	}
	dropped := false
	switch t.Kind() {
	case reflect.Struct:
		obj, _ := doc.(map[string]any)
		fields := jsonFields(t)
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				delete(obj, k)
				dropped = true
				continue
			}
			dropped = dropUnknown(v, ft) || dropped
		}
	case reflect.Map:
		obj, _ := doc.(map[string]any)
		for _, v := range obj {
			dropped = dropUnknown(v, t.Elem()) || dropped
		}
	case reflect.Slice, reflect.Array:
		arr, _ := doc.([]any)
		for _, v := range arr {
			dropped = dropUnknown(v, t.Elem()) || dropped
		}
	}
	return dropped
}

// checkShape compares a decoded document with the type it will fill: an
// object for a struct (not null), keys spelled as the fields' JSON names,
// arrays of arrays, recursively. Type mismatches of scalars are left to
// encoding/json, whose errors typeMessage words.
func checkShape(doc any, t reflect.Type, path string) *Error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(reflect.TypeFor[json.Unmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return nil // its own decoder decides
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return shapeError(ErrType, path, "%s must be a JSON object, not %s", name(path, "request body"), kindOf(doc))
		}
		fields := jsonFields(t)
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				return shapeError(ErrUnknownField, join(path, k), "unknown field %q", join(path, k))
			}
			if v == nil {
				continue // null for a field leaves it as it is
			}
			if err := checkShape(v, ft, join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok {
			if doc == nil && path != "" {
				return nil
			}
			return shapeError(ErrType, path, "%s must be a JSON object, not %s", name(path, "request body"), kindOf(doc))
		}
		for k, v := range obj {
			if v != nil {
				if err := checkShape(v, t.Elem(), join(path, k)); err != nil {
					return err
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // base64 bytes
		}
		arr, ok := doc.([]any)
		if !ok {
			if doc == nil && path != "" {
				return nil
			}
			return shapeError(ErrType, path, "%s must be a JSON array, not %s", name(path, "request body"), kindOf(doc))
		}
		for i, v := range arr {
			if v != nil {
				if err := checkShape(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func shapeError(kind error, field, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Kind: kind, Field: field}
}

func name(path, root string) string {
	if path == "" {
		return root
	}
	return fmt.Sprintf("field %q", path)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// jsonFields returns a struct's fields by their exact JSON names,
// embedded structs' included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && n == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		out[n] = f.Type
	}
	return out
}

// typeMessage words a type mismatch: which field, what it holds, what it
// must hold.
func typeMessage(e *json.UnmarshalTypeError) string {
	field := e.Field
	if field == "" {
		field = "request body"
	} else {
		field = fmt.Sprintf("field %q", field)
	}
	got := e.Value
	if strings.HasPrefix(got, "number ") {
		got = strings.TrimPrefix(got, "number ")
	}
	want := "a " + jsonKind(e.Type)
	switch e.Type.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "a non-negative integer"
		if bits := e.Type.Bits(); bits < 64 {
			want = fmt.Sprintf("an integer from 0 to %d", uint64(1)<<bits-1)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		want = "an integer"
	}
	return fmt.Sprintf("%s must be %s, not %s", field, want, got)
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// WriteJSON writes v as the JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		PlainText(w, nil, &Error{Status: http.StatusInternalServerError, Msg: "internal error", Err: err})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
