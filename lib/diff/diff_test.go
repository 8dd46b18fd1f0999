package diff

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/gittree/gittest"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/tree"
)

// compiled compiles the example apps with change applied to one app's Spec
// (every environment), and returns the tree.
func compiled(t *testing.T, app model.AppName, change func(env model.Env, s *model.Spec)) tree.Tree {
	t.Helper()
	var defs []model.App
	for _, a := range apps.All() {
		if a.Name == app && change != nil {
			inner := a.Spec
			a.Spec = func(env model.Env) model.Spec {
				s := inner(env)
				change(env, &s)
				return s
			}
		}
		defs = append(defs, a)
	}
	res, err := compile.Compile(context.Background(), defs, apps.Envs(), compile.Options{Schemas: "../../schemas"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Severity == "error" {
			t.Fatalf("compile: %s", f)
		}
	}
	return res.Tree
}

func prodOnly(files map[string][]byte) map[string][]byte {
	return tree.InScope(files, []string{"prod"}, nil)
}

func report(t *testing.T, before, after tree.Tree) Report {
	t.Helper()
	r, err := Trees(prodOnly(before.Files), prodOnly(after.Files), Options{Production: []string{"prod"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// lines renders a report as "op Kind/name path: old → new" lines and risks.
func lines(r Report) []string {
	var out []string
	for _, e := range r.Entries {
		out = append(out, string(e.Op)+" "+e.App+" "+e.title())
		for _, c := range e.Changes {
			out = append(out, "  "+c.String())
		}
		for _, risk := range e.Risks {
			out = append(out, "  ! "+risk)
		}
	}
	return out
}

func expect(t *testing.T, r Report, want ...string) {
	t.Helper()
	got := lines(r)
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReplicasAndImage(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "worker", func(env model.Env, s *model.Spec) {
		if env.Name == "prod" {
			s.Scaling = model.Replicas(2)
			s.Disruption = model.MinAvailable(1)
			s.Image.Tag = "0.9.3"
		}
	})
	expect(t, report(t, base, changed),
		"changed worker Deployment/worker",
		`  spec.replicas: 3 → 2`,
		`  spec.template.spec.containers[name=worker].image: "registry.example.com/shop/worker:0.9.2" → "registry.example.com/shop/worker:0.9.3"`,
		"  ! replicas drop in production: spec.replicas 3 → 2",
		"changed worker PodDisruptionBudget/worker",
		"  spec.minAvailable: 2 → 1",
	)
}

func TestConfigChangeIsOneChangedConfigMap(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "worker", func(_ model.Env, s *model.Spec) {
		s.Config.Data = map[string]string{"worker.yaml": "queue: jobs\nconcurrency: 8\n"}
	})
	r := report(t, base, changed)
	var cm *Entry
	for i := range r.Entries {
		if r.Entries[i].Kind == "ConfigMap" {
			if cm != nil {
				t.Fatal("two ConfigMap entries: a removal and an addition")
			}
			cm = &r.Entries[i]
		}
	}
	if cm == nil || cm.Op != Changed || cm.OldName == "" || cm.OldName == cm.Name || len(cm.Risks) != 0 {
		t.Fatalf("ConfigMap entry %+v", cm)
	}
	if len(cm.Changes) != 2 || cm.Changes[0].Path != `data["worker.yaml"]` || cm.Changes[1].Path != "metadata.name" {
		t.Errorf("changes %v", cm.Changes)
	}
	// The Deployment follows the new name.
	found := false
	for _, e := range r.Entries {
		for _, c := range e.Changes {
			if e.Kind == "Deployment" && c.Path == "spec.template.spec.volumes[name=config].configMap.name" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the Deployment's reference to the new name is not reported:\n%s", strings.Join(lines(r), "\n"))
	}
}

func TestCanaryWeightIsRisky(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "myapp", func(env model.Env, s *model.Spec) {
		if s.Canary != nil {
			s.Canary.Weight = 25
		}
	})
	expect(t, report(t, base, changed),
		"changed myapp VirtualService/myapp",
		`  spec.http[name=canary-split].route[0].weight: 90 → 75`,
		`  spec.http[name=canary-split].route[1].weight: 10 → 25`,
		"  ! canary weight change: spec.http[name=canary-split].route[0].weight 90 → 75",
		"  ! canary weight change: spec.http[name=canary-split].route[1].weight 10 → 25",
	)
}

func TestRemovedFeatureIsPruned(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "frontend", func(_ model.Env, s *model.Spec) { s.Ingress = nil })
	r := report(t, base, changed)
	var removed []string
	for _, e := range r.Entries {
		if e.Op == Removed {
			removed = append(removed, e.title())
			if !slices.Contains(e.Risks, "removed: Argo CD will prune it from the cluster") {
				t.Errorf("%s: risks %v", e.title(), e.Risks)
			}
		}
	}
	if !slices.Equal(removed, []string{"Ingress/frontend"}) {
		t.Errorf("removed %v\n%s", removed, strings.Join(lines(r), "\n"))
	}
	// The AuthorizationPolicy no longer admits the ingress controller: narrower, not risky.
	for _, e := range r.Entries {
		if e.Kind == "AuthorizationPolicy" && len(e.Risks) > 0 {
			t.Errorf("narrowing flagged as risky: %v", e.Risks)
		}
	}
}

func TestWideningAndImmutable(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "worker", func(_ model.Env, s *model.Spec) {
		s.Callers = append(s.Callers, model.Caller{App: "frontend"})
	})
	r := report(t, base, changed)
	if len(r.Risky()) != 1 || r.Risky()[0].Kind != "AuthorizationPolicy" || !strings.HasPrefix(r.Risky()[0].Risks[0], "widening:") {
		t.Errorf("a new caller is not flagged as widening:\n%s", strings.Join(lines(r), "\n"))
	}

	old := map[string][]byte{"prod/a/deployment-a.yaml": []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: a}\nspec:\n  selector: {matchLabels: {app: a}}\n")}
	upd := map[string][]byte{"prod/a/deployment-a.yaml": []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: a}\nspec:\n  selector: {matchLabels: {app: a, track: x}}\n")}
	r, err := Trees(old, upd, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, r,
		"changed a Deployment/a",
		`  spec.selector.matchLabels.track: (none) → "x"`,
		"  ! immutable field spec.selector changes: the apply fails; Argo CD must replace the object",
	)
}

func TestRenamedAppMovesNamespace(t *testing.T) {
	base := compiled(t, "", nil)
	var defs []model.App
	for _, a := range apps.All() {
		if a.Name == "worker" {
			a.Name = "jobs"
		}
		defs = append(defs, withoutWorkerRefs(a))
	}
	res, err := compile.Compile(context.Background(), defs, apps.Envs(), compile.Options{Schemas: "../../schemas"})
	if err != nil || len(res.Findings) > 0 {
		t.Fatalf("%v %v", err, res.Findings)
	}
	r := report(t, base, res.Tree)
	var nsRemoved, nsAdded bool
	for _, e := range r.Entries {
		if e.Kind == "Namespace" && e.Op == Removed && e.Name == "worker" {
			nsRemoved = slices.Contains(e.Risks, "namespace removed: everything in it goes too")
		}
		if e.Kind == "Namespace" && e.Op == Added && e.Name == "jobs" {
			nsAdded = true
		}
	}
	if !nsRemoved || !nsAdded {
		t.Errorf("the namespace move is not reported:\n%s", strings.Join(lines(r), "\n"))
	}
}

// withoutWorkerRefs points myapp's references to the worker at "jobs".
func withoutWorkerRefs(a model.App) model.App {
	inner := a.Spec
	a.Spec = func(env model.Env) model.Spec {
		s := inner(env)
		for i, v := range s.Vars {
			if u, ok := v.Value.(model.ServiceURL); ok && u.App == "worker" {
				u.App = "jobs"
				s.Vars[i].Value = u
			}
		}
		for i, c := range s.Callers {
			if c.App == "worker" {
				s.Callers[i].App = "jobs"
			}
		}
		return s
	}
	return a
}

func TestFormats(t *testing.T) {
	base := compiled(t, "", nil)
	changed := compiled(t, "worker", func(env model.Env, s *model.Spec) {
		if env.Name == "prod" {
			s.Scaling = model.Replicas(2)
			s.Disruption = model.MinAvailable(1)
		}
	})
	r := report(t, base, changed)
	var md, txt, js bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| prod | worker | 0 | 2 | 0 | **1** ⚠️ |", "#### ⚠️ Risky changes", "<details><summary>", "| `spec.replicas` | `3` | `2` |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if err := WriteText(&txt, r); err != nil || !strings.Contains(txt.String(), "prod/worker\n  ~ Deployment/worker\n      ! replicas drop") {
		t.Errorf("text:\n%s", txt.String())
	}
	if err := WriteJSON(&js, "v", r); err != nil || !strings.Contains(js.String(), `"path": "spec.replicas"`) {
		t.Errorf("json:\n%s", js.String())
	}
	md.Reset()
	if err := WriteMarkdown(&md, Report{}); err != nil || !strings.Contains(md.String(), "No object changes.") {
		t.Errorf("empty markdown: %s", md.String())
	}
}

// TestAgainstGit commits a compiled tree in a temporary repository, then
// compares a changed compile with the commit.
func TestAgainstGit(t *testing.T) {
	repo, run := gittest.Repo(t)
	out := filepath.Join(repo, "out")
	if _, err := tree.Write(out, compiled(t, "", nil), nil); err != nil {
		t.Fatal(err)
	}
	run("add", "-A")
	run("commit", "-q", "-m", "base")
	changed := compiled(t, "worker", func(env model.Env, s *model.Spec) {
		if env.Name == "prod" {
			s.Image.Tag = "1.0.0"
		}
	})
	r, err := Compiled(context.Background(), out, "HEAD", changed, nil)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, r,
		"changed worker Deployment/worker",
		`  spec.template.spec.containers[name=worker].image: "registry.example.com/shop/worker:0.9.2" → "registry.example.com/shop/worker:1.0.0"`,
	)
	if _, err := Compiled(context.Background(), out, "no-such-ref", changed, nil); err == nil {
		t.Error("an unknown revision is not an error")
	}
}
