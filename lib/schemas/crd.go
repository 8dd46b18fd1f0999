package schemas

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// CRDFileName is the path of a custom resource's schema inside its
// source's folder: "<group>/<kind>_<version>.json", lowercase, which is
// kubeconform's "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json".
func CRDFileName(group, version, kind string) string {
	return path.Join(strings.ToLower(group), strings.ToLower(kind)+"_"+strings.ToLower(version)+".json")
}

// CRDs converts every CustomResourceDefinition in a multi-document YAML
// stream into one strict schema per kind and version. Documents that are
// not CRDs (a kustomization.yaml, say) are skipped. It returns file
// contents by path; name is used in errors.
func CRDs(name string, data []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, doc, err)
		}
		j, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, doc, err)
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(j, &crd); err != nil || crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if len(v.Schema.OpenAPIV3Schema) == 0 {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(v.Schema.OpenAPIV3Schema))
			dec.UseNumber()
			var s schema
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", name, crd.Spec.Names.Kind, v.Name, err)
			}
			s = convert(s, options{})
			props, _ := s["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
				s["properties"] = props
			}
			// The API server serves every custom resource with these
			// three, whether or not the CRD's schema lists them.
			if _, ok := props["metadata"]; !ok {
				props["metadata"] = schema{"type": "object"}
			}
			props["apiVersion"] = schema{"type": "string", "enum": []any{crd.Spec.Group + "/" + v.Name}}
			props["kind"] = schema{"type": "string", "enum": []any{crd.Spec.Names.Kind}}
			b, err := marshal(s)
			if err != nil {
				return nil, err
			}
			file := CRDFileName(crd.Spec.Group, v.Name, crd.Spec.Names.Kind)
			if _, dup := out[file]; dup {
				return nil, fmt.Errorf("%s: %s is defined twice", name, file)
			}
			out[file] = b
		}
	}
	return out, nil
}
