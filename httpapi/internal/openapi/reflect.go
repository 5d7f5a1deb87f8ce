package openapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// FromType returns the schema of what encoding/json writes for a value of
// type t: an object's properties from its fields' JSON names (embedded
// structs' too), every property not marked omitempty required, a pointer
// also null. A type with its own MarshalJSON may be anything.
func FromType(t reflect.Type) *Schema {
	if t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
		return &Schema{}
	}
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return &Schema{Type: "string"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return &Schema{AnyOf: []*Schema{FromType(t.Elem()), {Type: "null"}}}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}
		}
		// A nil slice is null.
		return &Schema{AnyOf: []*Schema{Array(FromType(t.Elem())), {Type: "null"}}}
	case reflect.Map:
		return &Schema{AnyOf: []*Schema{{Type: "object", AdditionalProperties: FromType(t.Elem())}, {Type: "null"}}}
	case reflect.Struct:
		s := &Schema{Type: "object", Properties: map[string]*Schema{}}
		addFields(s, t)
		return s
	}
	return &Schema{} // interfaces: anything
}

func addFields(s *Schema, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.Properties[name] = FromType(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
}
