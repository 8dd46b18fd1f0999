package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// quantityDef is the OpenAPI name of resource.Quantity, which the API
// accepts as a string or a number.
const quantityDef = "io.k8s.apimachinery.pkg.api.resource.Quantity"

// KubernetesFileName is kubeconform's name for a built-in kind's schema:
// "<kind>-<first label of the group>-<version>.json", or
// "<kind>-<version>.json" for the core group.
func KubernetesFileName(group, version, kind string) string {
	name := strings.ToLower(kind)
	if group != "" {
		name += "-" + strings.ToLower(strings.Split(group, ".")[0])
	}
	return name + "-" + strings.ToLower(version) + ".json"
}

type gvk struct {
	Group, Version, Kind string
}

// Kubernetes converts an OpenAPI v2 spec (api/openapi-spec/swagger.json of
// k8s.io/kubernetes) into one standalone strict schema per top-level kind:
// each file holds the kind's schema and the definitions it reaches, so it
// needs no other file. List kinds are left out: manifold reads a List's
// items one by one. It returns file contents by file name.
func Kubernetes(swagger []byte) (map[string][]byte, error) {
	var spec struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	dec := json.NewDecoder(bytes.NewReader(swagger))
	dec.UseNumber()
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("read OpenAPI spec: %w", err)
	}
	defs := make(map[string]any, len(spec.Definitions))
	for name, d := range spec.Definitions {
		defs[name] = d
	}
	out := map[string][]byte{}
	names := make([]string, 0, len(spec.Definitions))
	for name := range spec.Definitions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := spec.Definitions[name]
		props, _ := def["properties"].(map[string]any)
		if _, top := props["metadata"]; !top {
			continue
		}
		for _, k := range kinds(def) {
			if strings.HasSuffix(k.Kind, "List") {
				continue
			}
			file := KubernetesFileName(k.Group, k.Version, k.Kind)
			if _, dup := out[file]; dup {
				return nil, fmt.Errorf("two kinds map to %s", file)
			}
			b, err := kindSchema(name, k, defs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			out[file] = b
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no kinds found in the OpenAPI spec")
	}
	return out, nil
}

func kinds(def map[string]any) []gvk {
	list, _ := def["x-kubernetes-group-version-kind"].([]any)
	var out []gvk
	for _, e := range list {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v != "" && k != "" {
			out = append(out, gvk{g, v, k})
		}
	}
	return out
}

// kindSchema builds the standalone schema of one kind.
func kindSchema(name string, k gvk, defs map[string]any) ([]byte, error) {
	seen := map[string]bool{}
	refs(defs[name], defs, seen)
	root := deepCopy(defs[name]).(map[string]any)
	if len(seen) > 0 {
		local := map[string]any{}
		for ref := range seen {
			if ref == quantityDef {
				local[ref] = schema{"oneOf": []any{schema{"type": "string"}, schema{"type": "number"}}}
				continue
			}
			d, ok := defs[ref]
			if !ok {
				return nil, fmt.Errorf("dangling reference to %s", ref)
			}
			local[ref] = deepCopy(d)
		}
		root["definitions"] = local
	}
	apiVersion := k.Version
	if k.Group != "" {
		apiVersion = k.Group + "/" + k.Version
	}
	root = convert(root, options{nullableOptional: true})
	props := root["properties"].(map[string]any)
	props["apiVersion"] = schema{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = schema{"type": "string", "enum": []any{k.Kind}}
	return marshal(root)
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = deepCopy(e)
		}
		return l
	default:
		return v
	}
}

// marshal writes a schema as minified JSON with sorted keys and a final
// newline.
func marshal(s schema) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
