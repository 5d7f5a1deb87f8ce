package openapi

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Validate checks v (as encoding/json decodes into an any) against s,
// resolving references in d. The error names where v breaks the schema.
func (d *Doc) Validate(s *Schema, v any) error { return d.validate(s, v, "$") }

// ValidateJSON decodes b and checks it against s.
func (d *Doc) ValidateJSON(s *Schema, b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return d.Validate(s, v)
}

// Resolve follows s's reference, if it has one.
func (d *Doc) Resolve(s *Schema) (*Schema, error) {
	for s != nil && s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		if !ok || d.Components.Schemas[name] == nil {
			return nil, fmt.Errorf("unresolved reference %q", s.Ref)
		}
		s = d.Components.Schemas[name]
	}
	return s, nil
}

// ResolveResponse follows r's reference, if it has one.
func (d *Doc) ResolveResponse(r *Response) (*Response, error) {
	if r == nil || r.Ref == "" {
		return r, nil
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	if !ok || d.Components.Responses[name] == nil {
		return nil, fmt.Errorf("unresolved reference %q", r.Ref)
	}
	return d.Components.Responses[name], nil
}

func (d *Doc) validate(s *Schema, v any, at string) error {
	s, err := d.Resolve(s)
	if err != nil || s == nil {
		return err
	}
	if len(s.AnyOf) > 0 {
		var errs []string
		for _, alt := range s.AnyOf {
			err := d.validate(alt, v, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: matches none of anyOf: %s", at, strings.Join(errs, "; "))
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return equal(e, v) }) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, s.Enum)
	}
	switch s.Type {
	case "":
		return nil
	case "null":
		if v != nil {
			return fmt.Errorf("%s: %v is not null", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, v)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %v is not a string", at, v)
		}
		n := len([]rune(str))
		if s.MinLength != nil && n < *s.MinLength || s.MaxLength != nil && n > *s.MaxLength {
			return fmt.Errorf("%s: %q has a length out of bounds", at, str)
		}
		if s.Pattern != "" {
			re, err := regexp.Compile(s.Pattern)
			if err != nil {
				return fmt.Errorf("%s: pattern %q: %v", at, s.Pattern, err)
			}
			if !re.MatchString(str) {
				return fmt.Errorf("%s: %q does not match %s", at, str, s.Pattern)
			}
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok {
			return fmt.Errorf("%s: %v is not a number", at, v)
		}
		if s.Type == "integer" && f != math.Trunc(f) {
			return fmt.Errorf("%s: %v is not an integer", at, v)
		}
		if s.Minimum != nil && f < *s.Minimum || s.Maximum != nil && f > *s.Maximum {
			return fmt.Errorf("%s: %v is out of bounds", at, v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an array", at, v)
		}
		for i, item := range a {
			if err := d.validate(s.Items, item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an object", at, v)
		}
		for _, r := range s.Required {
			if _, ok := o[r]; !ok {
				return fmt.Errorf("%s: %q is missing", at, r)
			}
		}
		for k, val := range o {
			ps, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties == nil {
					return fmt.Errorf("%s: %q is not documented", at, k)
				}
				ps = s.AdditionalProperties
			}
			if err := d.validate(ps, val, at+"."+k); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: schema type %q is not supported", at, s.Type)
	}
	return nil
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case int:
		f, ok := b.(float64)
		return ok && float64(a) == f
	}
	return a == b
}
