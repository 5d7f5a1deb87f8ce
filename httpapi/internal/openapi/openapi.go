// Package openapi builds the OpenAPI 3.1 documents the REST surfaces
// serve at …/openapi.json, and checks a JSON value against a document's
// schemas (JSON Schema 2020-12, the subset the documents use) for the
// tests that hold each surface to its document.
package openapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/netslice/netslice/httpapi"
)

// Doc is an OpenAPI 3.1 document.
type Doc struct {
	OpenAPI    string                           `json:"openapi"`
	Info       Info                             `json:"info"`
	Servers    []Server                         `json:"servers,omitempty"`
	Paths      map[string]map[string]*Operation `json:"paths"`
	Components Components                       `json:"components"`
}

// Info describes the API.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// Server is where the API is. A relative URL is relative to the document.
type Server struct {
	URL string `json:"url"`
}

// Components hold the named schemas and responses operations refer to.
type Components struct {
	Schemas   map[string]*Schema   `json:"schemas,omitempty"`
	Responses map[string]*Response `json:"responses,omitempty"`
}

// Operation is one method on one path.
type Operation struct {
	OperationID string               `json:"operationId"`
	Summary     string               `json:"summary"`
	Parameters  []Parameter          `json:"parameters,omitempty"`
	RequestBody *RequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*Response `json:"responses"`
}

// Parameter is a path, query or header parameter. Example is a value the
// surface's tests call the operation with.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required"`
	Schema      *Schema `json:"schema"`
	Example     any     `json:"example,omitempty"`
}

// RequestBody is what an operation takes.
type RequestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]MediaType `json:"content"`
}

// MediaType is a body in one media type. Example is what the surface's
// tests send.
type MediaType struct {
	Schema  *Schema `json:"schema,omitempty"`
	Example any     `json:"example,omitempty"`
}

// Response is an answer, or (with Ref) a reference to a shared one.
type Response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Headers     map[string]*Header   `json:"headers,omitempty"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// Header is a response header.
type Header struct {
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema"`
}

// Schema is a JSON Schema (2020-12): the keywords the documents use.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Description          string             `json:"description,omitempty"`
	Format               string             `json:"format,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
}

// New starts a document served next to the API it describes.
func New(title, version, description string) *Doc {
	return &Doc{OpenAPI: "3.1.0", Info: Info{Title: title, Version: version, Description: description},
		Servers: []Server{{URL: "."}}, Paths: map[string]map[string]*Operation{},
		Components: Components{Schemas: map[string]*Schema{}, Responses: map[string]*Response{}}}
}

// Add documents method on path (a ServeMux pattern's path, {name} for a
// parameter) and returns the operation.
func (d *Doc) Add(method, path string, op *Operation) *Operation {
	if d.Paths[path] == nil {
		d.Paths[path] = map[string]*Operation{}
	}
	d.Paths[path][strings.ToLower(method)] = op
	return op
}

// Respond adds responses to every operation that does not document the
// status yet: the answers every operation may give (401, 406, 500, 503...).
func (d *Doc) Respond(statuses map[int]*Response) {
	for _, ops := range d.Paths {
		for _, op := range ops {
			for code, r := range statuses {
				if _, ok := op.Responses[strconv.Itoa(code)]; !ok {
					op.Responses[strconv.Itoa(code)] = r
				}
			}
		}
	}
}

// Routes lists the documented operations as ServeMux patterns
// ("GET /tenants/{tid}"), sorted.
func (d *Doc) Routes() []string {
	var out []string
	for path, ops := range d.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// Handler serves the document as JSON (406 to a client that does not
// take it).
func (d *Doc) Handler() http.Handler {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // the document is built from literals
	}
	b = append(b, '\n')
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !httpapi.Accepts(r, "application/json") {
			httpapi.PlainText(w, r, &httpapi.Error{Status: http.StatusNotAcceptable, Msg: "the document is application/json"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
}

// Helpers for building schemas.

// Ref refers to a named schema of the document.
func Ref(name string) *Schema { return &Schema{Ref: "#/components/schemas/" + name} }

// String is a string schema.
func String(description string) *Schema { return &Schema{Type: "string", Description: description} }

// Integer is an integer schema within [min, max].
func Integer(description string, min, max float64) *Schema {
	return &Schema{Type: "integer", Description: description, Minimum: &min, Maximum: &max}
}

// Array is an array of items.
func Array(items *Schema) *Schema { return &Schema{Type: "array", Items: items} }

// Object is an object with the given properties, of which required must
// be there.
func Object(props map[string]*Schema, required ...string) *Schema {
	return &Schema{Type: "object", Properties: props, Required: required}
}

// JSON is a response with a JSON body of schema s.
func JSON(description string, s *Schema) *Response {
	return &Response{Description: description, Content: map[string]MediaType{"application/json": {Schema: s}}}
}

// Text is a response with a plain-text body (the surfaces' errors).
func Text(description string) *Response {
	return &Response{Description: description, Content: map[string]MediaType{"text/plain": {Schema: String("what went wrong")}}}
}

// Empty is a response without a body.
func Empty(description string) *Response { return &Response{Description: description} }

// Shared refers to a response of the document's components.
func Shared(name string) *Response { return &Response{Ref: "#/components/responses/" + name} }
