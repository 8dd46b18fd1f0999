package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/render"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/validate"
)

const schemaDir = "../../../schemas"

var sizes = []int{100, 1000, 5000}

// stage is the input each stage benchmark starts from: the fleet expanded
// and rendered once.
type stage struct {
	worlds []model.World
	apps   []model.App
	objs   []expand.Object
	envOf  []model.Env
	values []map[string]any
	raw    [][]byte // the rendered values
	tree   tree.Tree
}

func prepare(b *testing.B, n int) stage {
	b.Helper()
	var s stage
	s.apps = Apps(n, 1)
	for _, env := range apps.Envs() {
		w, probs := model.Resolve(env, s.apps)
		if len(probs) > 0 {
			b.Fatal(probs)
		}
		s.worlds = append(s.worlds, w)
	}
	enc := new(render.Encoder)
	s.tree = tree.Tree{Files: map[string][]byte{}, Envs: map[string]map[string]string{}}
	for _, w := range s.worlds {
		s.tree.Envs[w.Env.Name] = w.Env.Pins()
		for _, a := range s.apps {
			for _, o := range expand.App(expand.NewInput(w, a)) {
				v, err := render.Clean(o)
				if err != nil {
					b.Fatal(err)
				}
				raw, err := enc.Encode(v)
				if err != nil {
					b.Fatal(err)
				}
				s.objs = append(s.objs, o)
				s.envOf = append(s.envOf, w.Env)
				s.values = append(s.values, v)
				s.raw = append(s.raw, raw)
				s.tree.Files[fmt.Sprintf("%s/%s/%s", w.Env.Name, a.Name, render.FileName(o.GetObjectKind().GroupVersionKind().Kind, "", o.GetName(), false))] = raw
			}
		}
	}
	return s
}

func perObject(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkStages measures each stage on its own, for fleets of 100,
// 1,000 and 5,000 apps in the three example environments.
func BenchmarkStages(b *testing.B) {
	for _, n := range sizes {
		if testing.Short() && n > 100 {
			continue
		}
		s := prepare(b, n)
		objects := len(s.objs)
		b.Run(fmt.Sprintf("expand/apps=%d", n), func(b *testing.B) {
			for b.Loop() {
				for _, w := range s.worlds {
					for _, a := range s.apps {
						expand.App(expand.NewInput(w, a))
					}
				}
			}
			perObject(b, objects)
		})
		b.Run(fmt.Sprintf("render/apps=%d", n), func(b *testing.B) {
			for b.Loop() {
				enc := new(render.Encoder)
				for _, o := range s.objs {
					v, _ := render.Clean(o)
					if _, err := enc.Encode(v); err != nil {
						b.Fatal(err)
					}
				}
			}
			perObject(b, objects)
		})
		b.Run(fmt.Sprintf("validate/apps=%d", n), func(b *testing.B) {
			docs := make([]validate.Doc, len(s.values))
			for i, v := range s.values {
				docs[i] = validate.Doc{Object: v, Kubernetes: s.envOf[i].Kubernetes, Versions: s.envOf[i].Versions, Encoded: s.raw[i]}
			}
			for b.Loop() {
				if _, err := validate.New(schemaDir).Validate(context.Background(), docs); err != nil {
					b.Fatal(err)
				}
			}
			perObject(b, objects)
		})
		b.Run(fmt.Sprintf("lint/apps=%d", n), func(b *testing.B) {
			for b.Loop() {
				byEnv := map[string][]*lint.Object{}
				for i, v := range s.values {
					byEnv[s.envOf[i].Name] = append(byEnv[s.envOf[i].Name], &lint.Object{Value: v, Locate: func([]string) finding.Position { return finding.Position{} }})
				}
				var graphs []*lint.Graph
				for _, w := range s.worlds {
					graphs = append(graphs, lint.NewGraph(w.Env.Name, w.Env.Kubernetes, w.Env.Production, lint.Facts{}, byEnv[w.Env.Name]))
				}
				lint.Run(graphs, lint.Rules(), nil)
			}
			perObject(b, objects)
		})
		b.Run(fmt.Sprintf("write/apps=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := tree.Write(filepath.Join(b.TempDir(), "out"), s.tree, nil); err != nil {
					b.Fatal(err)
				}
			}
			perObject(b, len(s.tree.Files))
		})
	}
}

// BenchmarkCompile measures the whole compile (all but the write), for
// the same fleets. It prepares nothing: the stages' prepared fleet, held in
// memory, would weigh on the collector and on the figure.
func BenchmarkCompile(b *testing.B) {
	for _, n := range sizes {
		if testing.Short() && n > 100 {
			continue
		}
		defs := Apps(n, 1)
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			objects := 0
			for b.Loop() {
				res, err := compile.Compile(context.Background(), defs, apps.Envs(), compile.Options{Schemas: schemaDir})
				if err != nil || finding.HasErrors(res.Findings) {
					b.Fatal(err, res.Findings)
				}
				objects = len(res.Objects)
			}
			perObject(b, objects)
		})
	}
}
