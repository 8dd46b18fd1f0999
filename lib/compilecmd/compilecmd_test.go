package compilecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/gcfloor"
	"github.com/manifold-dev/manifold/lib/gittree/gittest"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/model"
)

// compileWith runs the command in-process, with the cache off, and returns
// its exit code, stdout and stderr.
func compileWith(t *testing.T, defs []model.App, args ...string) (int, string, string) {
	t.Helper()
	return cachedWith(t, "", defs, args...)
}

// editByHand changes prod/myapp's Deployment under out as a hand edit
// would, and returns its content before.
func editByHand(t *testing.T, out string) []byte {
	t.Helper()
	dep := filepath.Join(out, "prod/myapp/deployment-myapp.yaml")
	b, err := os.ReadFile(dep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dep, bytes.Replace(b, []byte("revisionHistoryLimit: 5"), []byte("revisionHistoryLimit: 9"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// broken is an app with several definition errors in one environment and
// one in another.
var broken = model.Define(model.App{
	Name: "broken",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		s := model.Spec{
			Image:     model.Image{Repository: "registry.example.com/broken"},
			Ports:     []model.Port{{Name: "http", Container: 8080}, {Name: "http", Container: 8081}},
			Resources: model.Resources{Requests: model.Compute{CPU: "100m", Memory: "64Mi"}, Limits: model.Compute{Memory: "64Mi"}},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/live", Port: "http"},
				Readiness: &model.Probe{Path: "/ready", Port: "http", Period: time.Second},
			},
			Vars:    []model.Var{{Name: "PEER", Value: model.ServiceURL{App: "nonexistent", Port: "http"}}},
			Scaling: model.Replicas(1),
		}
		if env.Name == "prod" {
			s.Scaling = model.Autoscale{Min: 5, Max: 2, CPU: 50}
		}
		return s
	},
})

func TestDefinitionErrorsAreAllReportedAndNothingIsWritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := compileWith(t, append(apps.All(), broken), "-out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	line := broken.Source.String()
	for _, want := range []string{
		line + ": error definition: dev/broken Image: needs a tag or a digest",
		line + ": error definition: prod/broken Image: needs a tag or a digest",
		line + ": error definition: staging/broken Ports[1].Name: port name \"http\" is used twice",
		line + ": error definition: prod/broken Scaling.Max: 2 is less than Min 5",
		line + ": error definition: dev/broken Vars[0].Value.App: app \"nonexistent\" does not exist in environment dev",
	} {
		if !strings.Contains(stdout, want+"\n") && !strings.Contains(stdout, want) {
			t.Errorf("missing finding:\n  %s\nin:\n%s", want, stdout)
		}
	}
	if !strings.HasPrefix(line, "lib/compilecmd/compilecmd_test.go:") && !strings.HasPrefix(line, "compilecmd_test.go:") {
		t.Errorf("source %q does not point at this file", line)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed compile created %s", out)
	}
	if !strings.Contains(stderr, "nothing was written") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestDefinitionErrorsAsJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, _ := compileWith(t, append(apps.All(), broken), "-out", out, "-format", "json", "-env", "prod")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var rep finding.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if rep.Version == "" || len(rep.Findings) < 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range rep.Findings {
		if f.Rule != "definition" || f.Severity != "error" || f.Env != "prod" || f.App != "broken" || f.File == "" || f.Line == 0 || f.Path == "" {
			t.Errorf("finding lacks a field: %+v", f)
		}
	}
}

func TestCompileThenCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatalf("compile exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := compileWith(t, apps.All(), "-out", out, "-check"); code != 0 || stdout != "" {
		t.Fatalf("check after compile: exit %d\n%s", code, stdout)
	}
	editByHand(t, out)
	code, stdout, _ := compileWith(t, apps.All(), "-out", out, "-check")
	if code != 1 || !strings.Contains(stdout, out+"/prod/myapp/deployment-myapp.yaml: error drift: stale: edited by hand") {
		t.Fatalf("check after a hand edit: exit %d\n%s", code, stdout)
	}
	// A compile repairs the hand edit.
	if code, _, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatalf("recompile exit %d", code)
	}
	if code, _, _ := compileWith(t, apps.All(), "-out", out, "-check"); code != 0 {
		t.Fatal("tree not repaired")
	}
}

func TestForeignFileStopsTheCompile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	dir := filepath.Join(out, "dev/myapp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "service-myapp.yaml")
	if err := os.WriteFile(foreign, []byte("hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := compileWith(t, apps.All(), "-out", out)
	if code != 1 || !strings.Contains(stdout, "dev/myapp/service-myapp.yaml: error ownership: exists but was not written by manifold") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the refused compile wrote files: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(out, ".manifold-owned")); !os.IsNotExist(err) {
		t.Error("the refused compile wrote the record")
	}
}

func TestRemovedAppIsPruned(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatal("compile failed")
	}
	notes := filepath.Join(out, "prod/README.md")
	if err := os.WriteFile(notes, []byte("ours\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Remove the worker, and the other apps' references to it (its URL,
	// its admission).
	var rest []model.App
	for _, a := range apps.All() {
		if a.Name == "worker" {
			continue
		}
		inner := a.Spec
		a.Spec = func(env model.Env) model.Spec {
			s := inner(env)
			s.Vars = slices.DeleteFunc(slices.Clone(s.Vars), func(v model.Var) bool {
				u, ok := v.Value.(model.ServiceURL)
				return ok && u.App == "worker"
			})
			s.Callers = slices.DeleteFunc(slices.Clone(s.Callers), func(c model.Caller) bool { return c.App == "worker" })
			return s
		}
		rest = append(rest, a)
	}
	code, stdout, stderr := compileWith(t, rest, "-out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		if _, err := os.Stat(filepath.Join(out, env, "worker")); !os.IsNotExist(err) {
			t.Errorf("%s/worker not pruned", env)
		}
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "ours\n" {
		t.Errorf("foreign file touched: %q %v", b, err)
	}
	rec, _ := os.ReadFile(filepath.Join(out, ".manifold-owned"))
	if strings.Contains(string(rec), "worker") {
		t.Error("record still owns the worker's files")
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		if _, err := os.Stat(filepath.Join(out, env, "argocd/application-worker-"+env+".yaml")); !os.IsNotExist(err) {
			t.Errorf("%s: the worker's Application was not pruned", env)
		}
		if _, err := os.Stat(filepath.Join(out, env, "argocd/application-myapp-"+env+".yaml")); err != nil {
			t.Errorf("%s: myapp's Application is gone: %v", env, err)
		}
	}
	// myapp's policy no longer admits the removed worker.
	b, err := os.ReadFile(filepath.Join(out, "prod/myapp/authorizationpolicy-myapp.yaml"))
	if err != nil || strings.Contains(string(b), "sa/worker") {
		t.Errorf("myapp still admits the removed worker (%v)", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-env", "nowhere"},
		{"-app", "nothing"},
		{"-format", "xml"},
		{"-bogus"},
		{"stray-arg"},
	} {
		if code, _, _ := compileWith(t, apps.All(), append(args, "-out", t.TempDir())...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, stdout, _ := compileWith(t, apps.All(), "-version"); code != 0 || !strings.HasPrefix(stdout, "manifold ") {
		t.Errorf("-version: exit %d %q", code, stdout)
	}
}

func TestNarrowedCompileTouchesOnlyItsScope(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, _ := compileWith(t, apps.All(), "-out", out, "-env", "dev", "-app", "frontend"); code != 0 {
		t.Fatal("compile failed")
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != ".manifold-owned dev" {
		t.Errorf("out/ holds %v", names)
	}
	if _, err := os.Stat(filepath.Join(out, "dev/frontend/deployment-frontend.yaml")); err != nil {
		t.Error(err)
	}
	// Compiling everything afterwards does not count the earlier files as foreign.
	if code, stdout, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatalf("full compile after a narrowed one: exit %d\n%s", code, stdout)
	}
	// Compiling only prod leaves dev alone.
	if code, _, _ := compileWith(t, apps.All(), "-out", out, "-env", "prod", "-check"); code != 0 {
		t.Fatal("-env prod -check failed")
	}
}

// withSpec returns app a with change applied to its Spec in every environment.
func withSpec(a model.App, change func(env model.Env, s *model.Spec)) model.App {
	inner := a.Spec
	a.Spec = func(env model.Env) model.Spec {
		s := inner(env)
		change(env, &s)
		return s
	}
	return a
}

// replace returns the example apps with one replaced.
func replace(a model.App) []model.App {
	var out []model.App
	for _, b := range apps.All() {
		if b.Name == a.Name {
			b = a
		}
		out = append(out, b)
	}
	return out
}

func TestLintErrorsStopTheCompile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	worker := withSpec(apps.Worker, func(_ model.Env, s *model.Spec) { s.RunAsUser = 1337 })
	code, stdout, _ := compileWith(t, replace(worker), "-out", out)
	want := apps.Worker.Source.String() + ": error uid-1337: prod/worker Deployment/worker spec.template.spec.securityContext.runAsUser: container \"worker\" runs as UID 1337, the Istio sidecar's"
	if code != 1 || !strings.Contains(stdout, want) {
		t.Fatalf("exit %d, want 1 and\n%s\nin\n%s", code, want, stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a compile with lint errors wrote the tree")
	}
}

func TestLintWarningsArePrinted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	worker := withSpec(apps.Worker, func(env model.Env, s *model.Spec) {
		if env.Production {
			s.Spread = nil
		}
	})
	code, stdout, _ := compileWith(t, replace(worker), "-out", out)
	if code != 0 || !strings.Contains(stdout, "warning spread-missing: prod/worker Deployment/worker") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "prod/worker/deployment-worker.yaml")); err != nil {
		t.Error("warnings stopped the compile")
	}
}

// TestSuppressionInGoAgreesWithLint suppresses a rule in the app's Go
// definition: the compile passes, the suppression is rendered as an
// annotation with its reason, and cmd/lint's engine over the written
// tree agrees.
func TestSuppressionInGoAgreesWithLint(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	worker := withSpec(apps.Worker, func(_ model.Env, s *model.Spec) {
		s.RunAsUser = 1337
		s.Suppress = []model.Suppression{{Rule: "uid-1337", Kind: "Deployment", Reason: "the worker runs outside the mesh's interception on purpose"}}
	})
	if code, stdout, _ := compileWith(t, replace(worker), "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, "prod/worker/deployment-worker.yaml"))
	if err != nil || !strings.Contains(string(b), "manifold.dev/ignore-uid-1337: the worker runs outside the mesh's interception on purpose") {
		t.Fatalf("annotation missing (%v):\n%s", err, b)
	}
	fs, err := lint.Files(context.Background(), []string{out}, lint.Options{Schemas: "../../schemas"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 {
		t.Errorf("cmd/lint disagrees with the compiler: %v", fs)
	}
	// Without the suppression, cmd/lint reports the rule at the file's line.
	b = []byte(strings.Replace(string(b), "manifold.dev/ignore-uid-1337", "example.com/note", 1))
	if err := os.WriteFile(filepath.Join(out, "prod/worker/deployment-worker.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	fs, _ = lint.Files(context.Background(), []string{out}, lint.Options{Schemas: "../../schemas"})
	if len(fs) != 1 || fs[0].Rule != "uid-1337" || fs[0].Line == 0 || !strings.HasSuffix(fs[0].File, "prod/worker/deployment-worker.yaml") {
		t.Errorf("findings %v", fs)
	}
}

func TestSARIFReport(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.sarif")
	worker := withSpec(apps.Worker, func(_ model.Env, s *model.Spec) { s.RunAsUser = 1337 })
	if code, _, _ := compileWith(t, replace(worker), "-out", filepath.Join(t.TempDir(), "out"), "-format", "sarif", "-o", report); code != 1 {
		t.Fatalf("exit %d", code)
	}
	rep, err := sarif.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Validate(); err != nil {
		t.Fatalf("report does not validate: %v", err)
	}
	if len(rep.Runs) != 3 || len(rep.Runs[0].Results) == 0 {
		t.Errorf("want one run per environment with the results, got %d runs", len(rep.Runs))
	}
}

func TestDiffAfterAHandEdit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatal("compile failed")
	}
	if code, stdout, _ := compileWith(t, apps.All(), "-out", out, "-diff", "-exit-code"); code != 0 || stdout != "no differences\n" {
		t.Fatalf("fresh tree: exit %d %q", code, stdout)
	}
	dep := filepath.Join(out, "prod/worker/deployment-worker.yaml")
	b, _ := os.ReadFile(dep)
	if err := os.WriteFile(dep, bytes.Replace(b, []byte("replicas: 3"), []byte("replicas: 5"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := compileWith(t, apps.All(), "-out", out, "-diff")
	if code != 0 || !strings.Contains(stdout, "prod/worker\n  ~ Deployment/worker\n      ! replicas drop in production: spec.replicas 5 → 3\n      spec.replicas: 5 → 3\n") {
		t.Fatalf("-diff: exit %d\n%s", code, stdout)
	}
	if code, _, _ := compileWith(t, apps.All(), "-out", out, "-diff", "-exit-code"); code != 1 {
		t.Errorf("-diff -exit-code with differences: exit %d", code)
	}
	code, stdout, _ = compileWith(t, apps.All(), "-out", out, "-diff", "-format", "markdown")
	if code != 0 || !strings.Contains(stdout, "| prod | worker | 0 | 1 | 0 | **1** ⚠️ |") {
		t.Errorf("markdown: exit %d\n%s", code, stdout)
	}
	for _, args := range [][]string{{"-base", "HEAD"}, {"-diff", "-check"}, {"-diff", "-format", "sarif"}} {
		if code, _, _ := compileWith(t, apps.All(), append(args, "-out", out)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestCheckAfterDeleteAndStrayFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatal("compile failed")
	}
	if err := os.Remove(filepath.Join(out, "dev/frontend/service-frontend.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "dev/frontend/extra.yaml"), []byte("kind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := compileWith(t, apps.All(), "-out", out, "-check")
	for _, want := range []string{
		out + "/dev/frontend/extra.yaml: error drift: unexpected: stray file in a generated folder",
		out + "/dev/frontend/service-frontend.yaml: error drift: missing: not on disk",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q in\n%s", want, stdout)
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
}

// TestDiffAgainstACommit commits a compiled tree in a temporary Git
// repository, changes an app and commits again: -diff -base HEAD~1 shows the
// field-level change of that commit.
func TestDiffAgainstACommit(t *testing.T) {
	repo, git := gittest.Repo(t)
	out := filepath.Join(repo, "out")
	if code, _, _ := compileWith(t, apps.All(), "-out", out); code != 0 {
		t.Fatal("compile failed")
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	bumped := replace(withSpec(apps.Frontend, func(_ model.Env, s *model.Spec) { s.Image.Tag = "2.5.0" }))
	if code, _, _ := compileWith(t, bumped, "-out", out); code != 0 {
		t.Fatal("compile failed")
	}
	git("add", "-A")
	git("commit", "-q", "-m", "frontend 2.5.0")
	code, stdout, _ := compileWith(t, bumped, "-out", out, "-diff", "-base", "HEAD~1", "-env", "prod")
	want := "prod/frontend\n  ~ Deployment/frontend\n      spec.template.spec.containers[name=frontend].image: \"registry.example.com/shop/frontend:2.4.1\" → \"registry.example.com/shop/frontend:2.5.0\"\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, stdout, want)
	}
}

func TestLiteralCredentialIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	worker := withSpec(apps.Worker, func(_ model.Env, s *model.Spec) {
		s.Vars = append(s.Vars, model.Var{Name: "BROKER_URL", Value: model.Literal("amqp://jobs:s3cret@broker:5672/")})
	})
	code, stdout, _ := compileWith(t, replace(worker), "-out", out)
	want := apps.Worker.Source.String() + ": error secret-literal: prod/worker Deployment/worker spec.template.spec.containers[0].env[5].value: container \"worker\": BROKER_URL holds a URL with a password"
	if code != 1 || !strings.Contains(stdout, want) {
		t.Fatalf("exit %d, want 1 and\n%s\nin\n%s", code, want, stdout)
	}
}

func TestNamesCannotEscapeTheirFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	evil := model.Define(model.App{Name: "../../etc", Team: "shop", Spec: apps.Worker.Spec})
	code, stdout, _ := compileWith(t, append(apps.All(), evil), "-out", out)
	if code != 1 || !strings.Contains(stdout, `error definition: ../../etc Name: "../../etc" is not a DNS-1035 label`) {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("something was written")
	}
}

// TestSeedVPAConflictIsRefused: the seed's VPA (Auto, CPU and memory) next
// to myapp's CPU autoscaler is a definition error in every environment
// with an autoscaler, named at the app's line, and nothing is written.
func TestSeedVPAConflictIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	myapp := withSpec(apps.MyApp, func(_ model.Env, s *model.Spec) {
		s.VerticalScaling = &model.VerticalScaling{Mode: model.VPAAuto, CPU: true, Memory: true}
	})
	code, stdout, _ := compileWith(t, replace(myapp), "-out", out)
	want := apps.MyApp.Source.String() + ": error definition: prod/myapp VerticalScaling.CPU: the VerticalPodAutoscaler (mode Auto) and the HorizontalPodAutoscaler both act on CPU"
	if code != 1 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "staging/myapp VerticalScaling.CPU") || strings.Contains(stdout, "dev/myapp VerticalScaling") {
		t.Fatalf("exit %d, want 1 and\n%s\n(in staging and prod, not in dev, which has no autoscaler) in\n%s", code, want, stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("something was written")
	}
}

func TestRunLeavesTheCollectorAloneAndCollectorSetsIt(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(3 << 30))
	var out, errs bytes.Buffer
	if code := Run(context.Background(), Program{Apps: apps.All(), Envs: apps.Envs()}, []string{"-version"}, &out, &errs); code != 0 {
		t.Fatalf("-version: exit %d: %s", code, errs.String())
	}
	if gogc, limit := debug.SetGCPercent(77), debug.SetMemoryLimit(-1); gogc != 77 || limit != 3<<30 {
		t.Errorf("after Run GOGC is %d and the memory limit %d, want the 77 and 3 GiB set before it", gogc, limit)
	}
	floor := int64(gcfloor.Floor)
	if budget := gcfloor.Budget(os.DirFS("/")); budget > 0 {
		floor = min(floor, int64(budget/2))
	}
	restore := Collector()
	if gogc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); gogc != -1 || limit != floor {
		t.Errorf("under Collector GOGC is %d and the memory limit %d, want off and %d", gogc, limit, floor)
	}
	restore()
	if gogc, limit := debug.SetGCPercent(77), debug.SetMemoryLimit(-1); gogc != 77 || limit != 3<<30 {
		t.Errorf("after Collector's restore GOGC is %d and the memory limit %d, want 77 and 3 GiB", gogc, limit)
	}
}
