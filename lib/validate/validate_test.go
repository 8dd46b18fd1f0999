package validate

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/lib/model/modeltest"
	"github.com/manifold-dev/manifold/lib/schemas"
)

const schemaDir = "../../schemas"

var versions = modeltest.Versions

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: api
spec:
  %s
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0.0
        %s
`

// dep returns the Deployment above with a line added to its spec and one
// to its container.
func dep(spec, container string) string {
	return strings.Replace(strings.Replace(deployment, "%s", spec, 1), "%s", container, 1)
}

func doc(y string) Doc {
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		panic(err)
	}
	obj, err := Decode(j)
	if err != nil {
		panic(err)
	}
	return Doc{Object: obj, Kubernetes: "1.37.2", Versions: versions}
}

// gateFixtures are objects and what the gate must say of each.
var gateFixtures = []struct {
	name string
	yaml string
	path string // "" and msg "" mean valid
	msg  string
}{
	{"valid", dep("replicas: 3", "ports: [{name: http, containerPort: 8080}]"), "", ""},
	{"unknown field", dep("replica: 3", ""), "spec.replica", `unknown field "replica"`},
	{"wrong type", dep(`replicas: "three"`, ""), "spec.replicas", "got string, want null or integer"},
	{"missing required field", dep("", "ports: [{name: http}]"), "spec.template.spec.containers[0].ports[0]", "missing property 'containerPort'"},
	// The built-in kinds' OpenAPI has no enums; the CRDs do.
	{"bad enum", "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec: {mtls: {mode: STRICTEST}}\n", "spec.mtls.mode", `'UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'`},
	{"int-or-string as int", dep("strategy: {rollingUpdate: {maxSurge: 1}}", ""), "", ""},
	{"int-or-string as string", dep("strategy: {rollingUpdate: {maxSurge: 25%}}", ""), "", ""},
	{"int-or-string as bool", dep("strategy: {rollingUpdate: {maxSurge: true}}", ""), "spec.strategy.rollingUpdate.maxSurge", ""},
	{"quantity as string", dep("", "resources: {limits: {cpu: 500m, memory: 512Mi}}"), "", ""},
	{"quantity as number", dep("", "resources: {limits: {cpu: 1, memory: 1073741824}}"), "", ""},
	{"quantity as list", dep("", "resources: {limits: {cpu: [1]}}"), "spec.template.spec.containers[0].resources.limits.cpu", ""},
	{"null for an optional field", dep("replicas: null", ""), "", ""},
	{"kind missing from schemas", "apiVersion: example.com/v1\nkind: WebApp\nmetadata: {name: my-webapp}\nspec: {image: myapp:v1.0, replicas: 3}\n", "", "no schema for example.com/v1 WebApp"},
	{"removed apiVersion", "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: x}\n", "", "no schema for extensions/v1beta1 Ingress"},
	{"CRD unknown field", "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\nspec:\n  host: x\n  trafficPolicy:\n    outlierDetection:\n      consecutiveErrorz: 3\n", "spec.trafficPolicy.outlierDetection.consecutiveErrorz", "unknown field"},
	{"CRD wrong type", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  selector: {}\n  endpoints: [{port: 9090}]\n", "spec.endpoints[0].port", "got number, want string"},
	{"CRD preserves unknown fields", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n  project: default\n  destination: {server: https://k}\n  source: {repoURL: https://charts, chart: redis, targetRevision: 1.0.0, helm: {valuesObject: {anything: {goes: here}}}}\n", "", ""},
}

func TestGate(t *testing.T) {
	tests := gateFixtures
	g := New(schemaDir)
	docs := make([]Doc, len(tests))
	for i, tt := range tests {
		docs[i] = doc(tt.yaml)
	}
	results, err := g.Validate(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		probs := results[i]
		if tt.path == "" && tt.msg == "" {
			if len(probs) != 0 {
				t.Errorf("%s: want valid, got %+v", tt.name, probs)
			}
			continue
		}
		found := false
		for _, p := range probs {
			if p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want a problem at %q containing %q, got %+v", tt.name, tt.path, tt.msg, probs)
		}
	}
}

func TestKubernetesVersionMatters(t *testing.T) {
	// volumeMounts[].bindMountOptions exists in Kubernetes 1.37, not in 1.36.
	d := doc(dep("", "volumeMounts: [{name: data, mountPath: /data, bindMountOptions: [ro]}]"))
	old := d
	old.Kubernetes = "1.36.3"
	results, err := New(schemaDir).Validate(context.Background(), []Doc{d, old})
	if err != nil {
		t.Fatal(err)
	}
	if len(results[0]) != 0 {
		t.Errorf("1.37.2: want valid, got %+v", results[0])
	}
	if len(results[1]) != 1 || results[1][0].Path != "spec.template.spec.containers[0].volumeMounts[0].bindMountOptions" {
		t.Errorf("1.36.3: want the unknown field, got %+v", results[1])
	}
}

func TestIdenticalSchemasCompileOnce(t *testing.T) {
	// A ConfigMap's schema file is the same in Kubernetes 1.36 and 1.37, a
	// Deployment's is not (TestKubernetesVersionMatters): three files, two
	// contents, two compiled schemas.
	cm := Doc{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "data": map[string]any{"k": "v"}}, Kubernetes: "1.37.2", Versions: versions}
	oldCM := cm
	oldCM.Kubernetes = "1.36.3"
	d := doc(dep("", ""))
	oldD := d
	oldD.Kubernetes = "1.36.3"
	g := New(schemaDir)
	results, err := g.Validate(context.Background(), []Doc{cm, oldCM, d, oldD})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if len(r) != 0 {
			t.Errorf("doc %d: want valid, got %+v", i, r)
		}
	}
	if len(g.kinds) != 4 || len(g.schemas) != 3 {
		t.Errorf("%d kinds found, %d schemas compiled; want 4 and 3", len(g.kinds), len(g.schemas))
	}
}

func TestIdenticalDocsShareOneResult(t *testing.T) {
	d := doc(dep("replica: 3", ""))
	results, err := New(schemaDir).Validate(context.Background(), []Doc{d, d, d})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if len(r) != 1 {
			t.Errorf("doc %d: %+v", i, r)
		}
	}
}

// TestEverySchemaCompiles compiles every file under schemas/ with the
// engine and draft kubeconform uses.
func TestEverySchemaCompiles(t *testing.T) {
	n := 0
	err := filepath.WalkDir(schemaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		s, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		if err := c.AddResource(p, s); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if _, err := c.Compile(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 250 {
		t.Errorf("only %d schemas compiled", n)
	}
}

func TestJSONPath(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "x", "0": "y"}},
		"spec":     map[string]any{"containers": []any{map[string]any{"ports": []any{map[string]any{}}}}},
	}
	tests := []struct {
		segs []string
		want string
	}{
		{[]string{"spec", "containers", "0", "ports", "0", "name"}, "spec.containers[0].ports[0].name"},
		{[]string{"metadata", "labels", "app.kubernetes.io/name"}, `metadata.labels["app.kubernetes.io/name"]`},
		{[]string{"metadata", "labels", "0"}, `metadata.labels["0"]`},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := JSONPath(obj, tt.segs); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.segs, got, tt.want)
		}
	}
}

// TestAgreesWithKubeconform checks that the gate's in-memory path and
// kubeconform's own ValidateResource, given the same schemas, accept and
// reject the same documents: every fixture, and every file of out/.
func TestAgreesWithKubeconform(t *testing.T) {
	type sample struct {
		name       string
		yaml       []byte
		kubernetes string
	}
	var samples []sample
	for _, f := range gateFixtures {
		samples = append(samples, sample{f.name, []byte(f.yaml), "1.37.2"})
	}
	for _, f := range outFiles(t) {
		samples = append(samples, sample{f.path, f.raw, f.kubernetes})
	}
	if len(samples) < 100 {
		t.Fatalf("only %d samples", len(samples))
	}
	g := New(schemaDir)
	kc := map[string]validator.Validator{}
	for _, s := range samples {
		val, ok := kc[s.kubernetes]
		if !ok {
			var err error
			val, err = validator.New(schemas.Locations(schemaDir, s.kubernetes, versions), validator.Opts{Strict: true, KubernetesVersion: s.kubernetes})
			if err != nil {
				t.Fatal(err)
			}
			kc[s.kubernetes] = val
		}
		theirs := val.ValidateResource(resource.Resource{Path: s.name, Bytes: s.yaml})
		d := doc(string(s.yaml))
		d.Kubernetes = s.kubernetes
		ours := g.One(d)
		if (theirs.Status == validator.Valid) != (len(ours) == 0) {
			t.Errorf("%s: kubeconform says %v (%v), the gate says %+v", s.name, theirs.Status, theirs.Err, ours)
		}
	}
}

// outFile is a file of the committed out/ tree and its Kubernetes version.
type outFile struct {
	path       string
	raw        []byte
	kubernetes string
}

// outFiles reads every object file of the committed tree.
func outFiles(tb testing.TB) []outFile {
	tb.Helper()
	pins := map[string]string{"dev": "1.37.2", "staging": "1.37.2", "prod": "1.36.3"}
	var out []outFile
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		env := strings.Split(filepath.ToSlash(p), "/")[3]
		out = append(out, outFile{p, b, pins[env]})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
