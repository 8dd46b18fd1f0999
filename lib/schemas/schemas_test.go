package schemas

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/model/modeltest"
)

const swagger = `{"definitions": {
  "io.k8s.api.apps.v1.Deployment": {
    "description": "Deployment enables declarative updates.",
    "properties": {
      "apiVersion": {"type": "string"}, "kind": {"type": "string"},
      "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      "spec": {"$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"}
    },
    "type": "object",
    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}]
  },
  "io.k8s.api.apps.v1.DeploymentList": {
    "properties": {"metadata": {"type": "object"}, "items": {"type": "array"}},
    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "DeploymentList", "version": "v1"}]
  },
  "io.k8s.api.apps.v1.DeploymentSpec": {
    "properties": {
      "replicas": {"type": "integer", "format": "int32", "description": "Number of pods."},
      "maxSurge": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
      "cpu": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"},
      "selector": {"type": "object", "properties": {"description": {"type": "string"}}}
    },
    "required": ["selector"],
    "type": "object"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"properties": {"name": {"type": "string"}}, "type": "object"},
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"format": "int-or-string", "type": "string"},
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
  "io.k8s.api.core.v1.Unused": {"type": "object"},
  "io.k8s.api.core.v1.Service": {
    "properties": {"metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}},
    "x-kubernetes-group-version-kind": [{"group": "", "kind": "Service", "version": "v1"}]
  }
}}`

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKubernetes(t *testing.T) {
	files, err := Kubernetes([]byte(swagger))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files["deployment-apps-v1.json"] == nil || files["service-v1.json"] == nil {
		t.Fatalf("files %v", keys(files))
	}
	raw := string(files["deployment-apps-v1.json"])
	if strings.Contains(raw, "description\":\"") || strings.Contains(raw, "x-kubernetes") || strings.Contains(raw, "Unused") || strings.Contains(raw, "\n ") {
		t.Errorf("not minified, or carries descriptions, extensions or unreachable definitions:\n%s", raw)
	}
	d := decode(t, files["deployment-apps-v1.json"])
	if d["additionalProperties"] != false {
		t.Error("the root is not strict")
	}
	props := d["properties"].(map[string]any)
	if props["kind"].(map[string]any)["enum"].([]any)[0] != "Deployment" || props["apiVersion"].(map[string]any)["enum"].([]any)[0] != "apps/v1" {
		t.Errorf("identity %v %v", props["kind"], props["apiVersion"])
	}
	defs := d["definitions"].(map[string]any)
	spec := defs["io.k8s.api.apps.v1.DeploymentSpec"].(map[string]any)
	sp := spec["properties"].(map[string]any)
	if spec["additionalProperties"] != false {
		t.Error("a referenced definition is not strict")
	}
	if typ := sp["replicas"].(map[string]any)["type"]; !equalJSON(typ, []any{"integer", "null"}) {
		t.Errorf("an optional field is not nullable: %v", typ)
	}
	if typ := sp["selector"].(map[string]any)["type"]; typ != "object" {
		t.Errorf("a required field is nullable: %v", typ)
	}
	if _, kept := sp["selector"].(map[string]any)["properties"].(map[string]any)["description"]; !kept {
		t.Error("a property named description was dropped with the descriptions")
	}
	if ios := defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]; !equalJSON(ios, map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}) {
		t.Errorf("int-or-string %v", ios)
	}
	if q := defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]; !equalJSON(q, map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}) {
		t.Errorf("quantity %v", q)
	}
	if ref := sp["maxSurge"]; !equalJSON(ref, map[string]any{"anyOf": []any{map[string]any{"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}, map[string]any{"type": "null"}}}) {
		t.Errorf("an optional reference is not nullable: %v", ref)
	}
	again, err := Kubernetes([]byte(swagger))
	if err != nil || string(again["deployment-apps-v1.json"]) != raw {
		t.Error("two conversions differ")
	}
}

const crds = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names: {kind: WebApp}
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [image]
            properties:
              image: {type: string, description: "Docker image"}
              replicas: {type: integer, minimum: 1, maximum: 10}
              port: {x-kubernetes-int-or-string: true}
              values: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {known: {type: string}}}
              note: {type: string, nullable: true}
  - name: v2
    schema:
      openAPIV3Schema: {type: object}
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
`

func TestCRDs(t *testing.T) {
	files, err := CRDs("test", []byte(crds))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files["example.com/webapp_v1.json"] == nil || files["example.com/webapp_v2.json"] == nil {
		t.Fatalf("files %v", keys(files))
	}
	d := decode(t, files["example.com/webapp_v1.json"])
	props := d["properties"].(map[string]any)
	if _, ok := props["metadata"]; !ok || d["additionalProperties"] != false {
		t.Error("the root lacks metadata or is not strict")
	}
	spec := props["spec"].(map[string]any)["properties"].(map[string]any)
	if spec["values"].(map[string]any)["additionalProperties"] != nil {
		t.Error("an object that preserves unknown fields was closed")
	}
	if !equalJSON(spec["port"], map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}) {
		t.Errorf("int-or-string %v", spec["port"])
	}
	if !equalJSON(spec["note"].(map[string]any)["type"], []any{"string", "null"}) {
		t.Errorf("nullable %v", spec["note"])
	}
	if !equalJSON(spec["replicas"].(map[string]any)["type"], "integer") {
		t.Error("a CRD field without nullable became nullable")
	}
	if _, err := CRDs("bad", []byte("kind: [")); err == nil {
		t.Error("malformed YAML accepted")
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "api/openapi-spec"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "api/openapi-spec/swagger.json"), []byte(swagger), 0o644))
	for _, p := range []string{"kubernetes/customresourcedefinitions.gen.yaml", "example/prometheus-operator-crd/a.yaml", "manifests/crds/application-crd.yaml", "config/crds/bases/b.yaml", "deploy/vpa-v1-crd-gen.yaml"} {
		must(os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		must(os.WriteFile(filepath.Join(dir, p), []byte(crds), 0o644))
	}
	var asked []string
	find := func(_ context.Context, module, version string) (string, error) {
		asked = append(asked, module+"@"+version)
		return dir, nil
	}
	v := modeltest.Versions
	env := func(k string) model.Env { return model.Env{Kubernetes: k, Versions: v} }
	files, err := Generate(context.Background(), PinsOf([]model.Env{env("1.37.2"), env("1.36.3"), env("1.37.2")}), find)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kubernetes/v1.36.3-standalone-strict/deployment-apps-v1.json",
		"kubernetes/v1.37.2-standalone-strict/service-v1.json",
		"crds/istio-1.32.0/example.com/webapp_v1.json",
		"crds/external-secrets-1.3.2/example.com/webapp_v2.json",
		"crds/vertical-pod-autoscaler-1.8.1/example.com/webapp_v1.json",
	} {
		if files[want] == nil {
			t.Errorf("missing %s in %v", want, keys(files))
		}
	}
	if len(asked) != 7 || asked[0] != "k8s.io/kubernetes@v1.36.3" || asked[2] != "istio.io/api@v1.32.0" {
		t.Errorf("modules asked for: %v", asked)
	}
	locs := Locations("schemas", "1.37.2", v)
	if len(locs) != 6 || !strings.Contains(locs[1], "istio-1.32.0") || !strings.Contains(locs[5], "vertical-pod-autoscaler-1.8.1") {
		t.Errorf("locations %v", locs)
	}
}

func TestNewest(t *testing.T) {
	k, v, err := Newest("../../schemas")
	if err != nil {
		t.Fatal(err)
	}
	if k != "1.37.2" || v.Istio != "1.32.0" || v.ArgoCD != "3.5.7" {
		t.Errorf("newest %s %+v", k, v)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
