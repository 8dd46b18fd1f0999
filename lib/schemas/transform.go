// Package schemas describes and generates the JSON schemas under schemas/ from data that
// ships inside Go modules: the Kubernetes OpenAPI spec inside k8s.io/kubernetes
// and the CustomResourceDefinitions inside the Istio, Prometheus Operator,
// Argo CD and External Secrets modules. The output follows kubeconform's
// conventions (strict variants with additionalProperties: false, int-or-string
// and quantities accepting both forms, optional fields nullable) and layout,
// so that kubeconform's own CLI can read the same folder.
package schemas

import (
	"slices"
	"strings"
)

// schema is a JSON schema as decoded from JSON: a map of keywords.
type schema = map[string]any

// options say how to convert one source's schemas.
type options struct {
	// nullableOptional allows null for every property that its object does
	// not require, as the built-in API's decoder does.
	nullableOptional bool
}

// subschemaMaps are the keywords whose value maps names to schemas.
var subschemaMaps = []string{"properties", "patternProperties", "definitions"}

// subschemaLists are the keywords whose value is a list of schemas.
var subschemaLists = []string{"allOf", "anyOf", "oneOf"}

// convert rewrites one schema node in place, and its subschemas:
// descriptions and Kubernetes extensions dropped, int-or-string expanded,
// nullable mapped to a null type, and objects with properties closed with
// additionalProperties: false unless they preserve unknown fields.
func convert(s schema, o options) schema {
	if isIntOrString(s) && s["anyOf"] == nil && s["oneOf"] == nil {
		out := schema{"oneOf": []any{schema{"type": "string"}, schema{"type": "integer"}}}
		if s["nullable"] == true {
			out["oneOf"] = append(out["oneOf"].([]any), schema{"type": "null"})
		}
		return out
	}
	preserve := s["x-kubernetes-preserve-unknown-fields"] == true
	if s["nullable"] == true {
		s = allowNull(s)
	}
	for k := range s {
		if k == "description" || k == "nullable" || k == "example" || k == "externalDocs" || strings.HasPrefix(k, "x-kubernetes-") {
			delete(s, k) // keywords of this node; a property named so lives under "properties"
		}
	}
	for _, key := range subschemaMaps {
		m, ok := s[key].(map[string]any)
		if !ok {
			continue
		}
		for name, sub := range m {
			if subSchema, ok := sub.(map[string]any); ok {
				m[name] = convert(subSchema, o)
			}
		}
	}
	for _, key := range subschemaLists {
		if list, ok := s[key].([]any); ok {
			for i, sub := range list {
				if subSchema, ok := sub.(map[string]any); ok {
					list[i] = convert(subSchema, o)
				}
			}
		}
	}
	for _, key := range []string{"additionalProperties", "items", "not"} {
		switch sub := s[key].(type) {
		case map[string]any:
			s[key] = convert(sub, o)
		case []any:
			for i, e := range sub {
				if subSchema, ok := e.(map[string]any); ok {
					sub[i] = convert(subSchema, o)
				}
			}
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		if _, set := s["additionalProperties"]; !set && !preserve {
			s["additionalProperties"] = false
		}
		if o.nullableOptional {
			required := stringList(s["required"])
			for name, p := range props {
				if ps, ok := p.(map[string]any); ok && !slices.Contains(required, name) {
					props[name] = allowNull(ps)
				}
			}
		}
	}
	return s
}

func isIntOrString(s schema) bool {
	return s["format"] == "int-or-string" || s["x-kubernetes-int-or-string"] == true
}

// allowNull returns s accepting null as well.
func allowNull(s schema) schema {
	switch t := s["type"].(type) {
	case string:
		if t != "null" {
			s["type"] = []any{t, "null"}
		}
		return s
	case []any:
		if !slices.Contains(t, any("null")) {
			s["type"] = append(t, "null")
		}
		return s
	}
	if one, ok := s["oneOf"].([]any); ok && len(s) == 1 {
		for _, e := range one {
			if m, ok := e.(map[string]any); ok && m["type"] == "null" {
				return s
			}
		}
		s["oneOf"] = append(one, schema{"type": "null"})
		return s
	}
	if _, isRef := s["$ref"]; isRef {
		// Draft 4 ignores the siblings of $ref, so wrap it.
		return schema{"anyOf": []any{s, schema{"type": "null"}}}
	}
	return s // no type constraint: null is already allowed
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// refs appends to seen the names of the definitions s refers to, directly
// or through other definitions in defs.
func refs(s any, defs map[string]any, seen map[string]bool) {
	switch v := s.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, "#/definitions/")
			if found && !seen[name] {
				seen[name] = true
				refs(defs[name], defs, seen)
			}
		}
		for _, e := range v {
			refs(e, defs, seen)
		}
	case []any:
		for _, e := range v {
			refs(e, defs, seen)
		}
	}
}
