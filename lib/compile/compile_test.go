package compile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/model/modeltest"
)

// schemaDir is the repository's schemas/ folder.
const schemaDir = "../../schemas"

var envs = []model.Env{shared(modeltest.Env("dev", 3)), modeltest.Env("prod", 9)}

func shared(e model.Env) model.Env {
	e.SharedCluster = true
	return e
}

func app(name string, withConfig bool) model.App {
	return model.App{Name: model.AppName(name), Team: "shop", Source: model.Source{File: "apps/x.go", Line: 5}, Spec: func(model.Env) model.Spec {
		s := model.Spec{
			Image:     model.Image{Repository: "example.com/x", Tag: "1"},
			Ports:     []model.Port{{Name: "http", Container: 8080}},
			Resources: model.Resources{Requests: model.Compute{CPU: "10m", Memory: "10Mi"}, Limits: model.Compute{Memory: "20Mi"}},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/live", Port: "http"},
				Readiness: &model.Probe{Path: "/ready", Port: "http", Period: 5 * time.Second},
			},
			Scaling: model.Replicas(1),
		}
		if withConfig {
			s.Config.Data = map[string]string{"k": "v"}
		}
		return s
	}}
}

func TestDerivedNameTooLong(t *testing.T) {
	name := strings.Repeat("a", 50) // valid itself; "<name>-config-<hash>" is 68 characters
	res, err := Compile(context.Background(), []model.App{app(name, true)}, envs, Options{Schemas: schemaDir})
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, f := range res.Findings {
		if f.Rule == "definition" && f.Kind == "ConfigMap" && f.Path == "metadata.name" && strings.Contains(f.Message, "68 characters, more than 63") {
			if f.File != "apps/x.go" || f.Line != 5 || f.App != name {
				t.Errorf("finding not located at the app: %+v", f)
			}
			found++
		}
	}
	if found != 2 {
		t.Errorf("want the ConfigMap name reported in both environments, got %+v", res.Findings)
	}
	if len(res.Tree.Files) != 0 || len(res.Objects) != 0 {
		t.Error("a failed compile produced a tree")
	}
}

func TestNamespaceNameTooLongInSharedCluster(t *testing.T) {
	name := strings.Repeat("b", 61) // "<name>-dev" is 65 characters; prod's namespace "<name>" is fine
	res, err := Compile(context.Background(), []model.App{app(name, false)}, envs, Options{Schemas: schemaDir})
	if err != nil {
		t.Fatal(err)
	}
	// The namespace "<name>-dev" is too long; so are the Applications
	// "<name>-dev" and "<name>-prod" (Argo CD puts the name in a label).
	got := map[string]bool{}
	for _, f := range res.Findings {
		got[f.Env+" "+f.Kind] = true
	}
	if len(res.Findings) != 3 || !got["dev Namespace"] || !got["dev Application"] || !got["prod Application"] {
		t.Fatalf("findings %+v", res.Findings)
	}
}

func TestEnvironmentProblemsPointAtTheEnvironment(t *testing.T) {
	bad := envs[1]
	bad.Kubernetes = "latest"
	res, err := Compile(context.Background(), []model.App{app("x", false)}, []model.Env{envs[0], bad}, Options{Schemas: schemaDir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings %+v", res.Findings)
	}
	f := res.Findings[0]
	if f.File != "apps/envs.go" || f.Line != 9 || f.Env != "prod" || f.Path != "Kubernetes" {
		t.Errorf("finding %+v", f)
	}
	if got := f.String(); got != `apps/envs.go:9: error definition: prod Kubernetes: "latest" is not a Kubernetes version such as 1.37.2` {
		t.Errorf("text form %q", got)
	}
}

func TestOptionsSelectAndScope(t *testing.T) {
	apps := []model.App{app("x", false), app("y", false)}
	res, err := Compile(context.Background(), apps, envs, Options{Schemas: schemaDir, Envs: []string{"prod"}, Apps: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	for p := range res.Tree.Files {
		if !strings.HasPrefix(p, "prod/y/") && !strings.HasPrefix(p, "prod/argocd/") {
			t.Errorf("unselected file %s", p)
		}
	}
	if _, ok := res.Tree.Files["prod/argocd/application-x-prod.yaml"]; ok {
		t.Error("the unselected app's Application was compiled")
	}
	want := []string{"prod/y/", "prod/argocd/application-root-prod.yaml", "prod/argocd/appproject-shop-prod.yaml", "prod/argocd/application-y-prod.yaml"}
	if strings.Join(res.Scope, " ") != strings.Join(want, " ") {
		t.Errorf("scope %v, want %v", res.Scope, want)
	}
	if _, ok := res.Tree.Envs["dev"]; ok {
		t.Error("unselected environment recorded")
	}
	if _, err := Compile(context.Background(), apps, envs, Options{Schemas: schemaDir, Envs: []string{"qa"}}); err == nil {
		t.Error("unknown environment accepted")
	}
}

func TestCancelledCompile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compile(ctx, []model.App{app("x", false)}, envs, Options{Schemas: schemaDir}); err == nil {
		t.Error("a cancelled compile succeeded")
	}
}

func TestDuplicateObjectsAcrossApps(t *testing.T) {
	// An app named "x-redis" derives the Application "x-redis-prod", and so
	// does the Redis dependency of the app "x".
	x := app("x", false)
	inner := x.Spec
	x.Spec = func(e model.Env) model.Spec {
		s := inner(e)
		s.Secrets = []model.Secret{{Name: "x-redis", Keys: []model.SecretKey{{Key: "password", Remote: "x/redis"}}}}
		s.Dependencies = []model.Dependency{{Kind: model.Redis, Secret: "x-redis", Storage: "1Gi"}}
		return s
	}
	other := app("x-redis", false)
	other.Source.Line = 40
	res, err := Compile(context.Background(), []model.App{x, other}, envs, Options{Schemas: schemaDir, Envs: []string{"prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Kind != "Application" || res.Findings[0].Name != "x-redis-prod" ||
		!strings.Contains(res.Findings[0].Message, "also derived from apps/x.go:5 (app x)") {
		t.Fatalf("findings %v", res.Findings)
	}
}
