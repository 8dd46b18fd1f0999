package validate

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/lib/schemas"
)

// BenchmarkGate validates every object of the committed out/ tree, as the
// compiler does, with the schema cache warm. Identical objects are
// validated once, so each round uses distinct objects: the objects/s
// metric is the gate's real throughput.
func BenchmarkGate(b *testing.B) {
	var docs []Doc
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		j, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return err
		}
		obj, err := Decode(j)
		if err != nil {
			return err
		}
		kube := "1.37.2"
		if strings.Contains(filepath.ToSlash(p), "/out/prod/") {
			kube = "1.36.3"
		}
		docs = append(docs, Doc{Object: obj, Kubernetes: kube, Versions: versions})
		return nil
	})
	if err != nil {
		b.Fatal(err)
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
	type file struct {
		raw  []byte
		kube string
	}
	var files []file
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		raw, err := os.ReadFile(p)
		kube := "1.37.2"
		if strings.Contains(filepath.ToSlash(p), "/out/prod/") {
			kube = "1.36.3"
		}
		files = append(files, file{raw, kube})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	vals := map[string]validator.Validator{}
	for _, k := range []string{"1.37.2", "1.36.3"} {
		if vals[k], err = validator.New(schemas.Locations(schemaDir, k, versions), validator.Opts{Strict: true, KubernetesVersion: k}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			if r := vals[f.kube].ValidateResource(resource.Resource{Bytes: f.raw}); r.Status != validator.Valid {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
