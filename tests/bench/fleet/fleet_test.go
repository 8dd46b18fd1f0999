package fleet

import (
	"context"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/model"
)

// TestEditsChangeOneApp: each edit the benchmark makes changes files of
// the edited app, of the kinds it should, and no other app's: a scaling
// edit changes a fixed app's Deployment and an autoscaled app's
// autoscaler, an alert's edit its PrometheusRule.
func TestEditsChangeOneApp(t *testing.T) {
	const n = 24
	compiled := func(as []model.App) map[string][]byte {
		t.Helper()
		res, err := compile.Compile(context.Background(), as, apps.Envs(), compile.Options{Schemas: schemaDir})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			t.Errorf("%s", f)
		}
		return res.Tree.Files
	}
	base := compiled(Apps(n, 1))
	fixed, scaled := -1, -1
	for i, a := range Apps(n, 1)[:n] { // the apps after them are the teams' Prometheuses
		spec := a.Spec(apps.Envs()[0])
		sc := spec.Scaling
		switch sc.(type) {
		case model.Replicas:
			fixed = i
		case model.Autoscale:
			scaled = i
		}
		if Scalable(i) != (sc != nil) || Scalable(i) != (len(spec.Ports) > 0) {
			t.Errorf("app %d: Scalable says %v, its scaling is %v, its ports %v", i, Scalable(i), sc, spec.Ports)
		}
	}
	if fixed < 0 || scaled < 0 {
		t.Fatalf("the fleet has no app with fixed replicas (%d) or none autoscaled (%d)", fixed, scaled)
	}
	for _, c := range []struct {
		name  string
		edit  func([]model.App, model.AppName) []model.App
		app   int
		kinds []string // the kinds of the files the edit changes
	}{
		{"Edit", Edit, fixed, []string{"deployment"}},
		{"EditRequest", EditRequest, fixed, []string{"deployment"}},
		{"EditScale", EditScale, fixed, []string{"deployment"}},
		{"EditScale", EditScale, scaled, []string{"horizontalpodautoscaler"}},
		{"EditAlert", EditAlert, fixed, []string{"prometheusrule"}},
		{"EditPort", EditPort, fixed, []string{"deployment", "networkpolicy", "authorizationpolicy"}},
	} {
		name := Name(c.app)
		got := compiled(c.edit(Apps(n, 1), name))
		var changed []string
		for p, b := range got {
			if string(base[p]) != string(b) {
				changed = append(changed, p)
			}
		}
		if len(got) != len(base) || len(changed) == 0 {
			t.Errorf("%s of %s: %d files against %d, %d changed", c.name, name, len(got), len(base), len(changed))
		}
		for _, p := range changed {
			kind, _, _ := strings.Cut(path.Base(p), "-")
			if path.Base(path.Dir(p)) != string(name) || !slices.Contains(c.kinds, kind) {
				t.Errorf("%s of %s changed %s", c.name, name, p)
			}
		}
	}
}
