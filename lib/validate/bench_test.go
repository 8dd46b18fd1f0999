package validate

import (
	"context"
	"testing"

	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/lib/schemas"
)

// BenchmarkGate validates every object of the committed out/ tree, as the
// compiler does, with the schema cache warm; objects/s is the throughput
// of one goroutine (Validate runs one per core).
func BenchmarkGate(b *testing.B) {
	var docs []Doc
	for _, f := range outFiles(b) {
		j, err := yaml.YAMLToJSON(f.raw)
		if err != nil {
			b.Fatal(err)
		}
		obj, err := Decode(j)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, Doc{Object: obj, Kubernetes: f.kubernetes, Versions: versions})
	}
	g := New(schemaDir)
	if _, err := g.Validate(context.Background(), docs); err != nil { // warm the schema cache
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			if probs := g.One(d); len(probs) > 0 {
				b.Fatal(probs)
			}
		}
	}
	b.ReportMetric(float64(len(docs))*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkKubeconform validates the same objects with kubeconform's own
// ValidateResource on the YAML files, for comparison with BenchmarkGate.
func BenchmarkKubeconform(b *testing.B) {
	files := outFiles(b)
	vals := map[string]validator.Validator{}
	for _, k := range []string{"1.37.2", "1.36.3"} {
		v, err := validator.New(schemas.Locations(schemaDir, k, versions), validator.Opts{Strict: true, KubernetesVersion: k})
		if err != nil {
			b.Fatal(err)
		}
		vals[k] = v
	}
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			if r := vals[f.kubernetes].ValidateResource(resource.Resource{Bytes: f.raw}); r.Status != validator.Valid {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
