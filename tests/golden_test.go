// Package tests holds manifold's end-to-end tests: the golden tree of the
// example apps, determinism across runs and GOMAXPROCS, and the shape of the
// seed application's output.
package tests

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/cache"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/tree"
)

var update = flag.Bool("update", false, "rewrite the golden tree (out/ at the repository root)")

// golden is the committed tree: the golden files of the example apps are
// out/ itself, so the test and the -check gate can never disagree.
const golden = "../out"

func compileExamples(t *testing.T) compile.Result {
	t.Helper()
	res, err := compile.Compile(context.Background(), apps.All(), apps.Envs(), compile.Options{Schemas: "../schemas"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) > 0 {
		t.Fatalf("the example apps have findings: %v", res.Findings)
	}
	return res
}

// readTree reads every file under dir except the ownership record.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == tree.RecordName {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGoldenTree(t *testing.T) {
	res := compileExamples(t)
	if *update {
		if _, err := tree.Write(golden, res.Tree, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := readTree(t, golden)
	got := map[string]string{}
	for p, b := range res.Tree.Files {
		got[p] = string(b)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("compiled tree differs from %s (-committed +compiled); run `make golden` and review the diff:\n%s", golden, diff)
	}
}

func TestSeedAppInProd(t *testing.T) {
	files := readTree(t, golden)
	var kinds []string
	for p := range files {
		if dir, name := filepath.Split(p); dir == "prod/myapp/" {
			kinds = append(kinds, name[:strings.Index(name, "-")])
		}
	}
	slices.Sort(kinds)
	want := []string{
		"authorizationpolicy", "authorizationpolicy", "authorizationpolicy", "authorizationpolicy",
		"configmap", "deployment", "deployment", "destinationrule", "externalsecret", "externalsecret",
		"horizontalpodautoscaler", "ingress", "namespace", "networkpolicy", "networkpolicy", "networkpolicy", "networkpolicy", "peerauthentication", "poddisruptionbudget",
		"prometheusrule", "service", "serviceaccount", "servicemonitor", "telemetry", "verticalpodautoscaler", "virtualservice",
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("prod/myapp kinds (-want +got):\n%s", diff)
	}
	var hpa autoscalingv2.HorizontalPodAutoscaler
	if err := yaml.UnmarshalStrict([]byte(files["prod/myapp/horizontalpodautoscaler-myapp.yaml"]), &hpa); err != nil {
		t.Fatal(err)
	}
	// The seed's hpa.yaml.
	m := hpa.Spec.Metrics
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 20 || len(m) != 3 ||
		m[0].Resource.Name != "cpu" || *m[0].Resource.Target.AverageUtilization != 70 ||
		m[1].Resource.Name != "memory" || *m[1].Resource.Target.AverageUtilization != 80 ||
		m[2].Pods.Metric.Name != "http_requests_per_second" || m[2].Pods.Target.AverageValue.Value() != 1000 {
		t.Errorf("HPA spec %+v", hpa.Spec)
	}
	up, down := hpa.Spec.Behavior.ScaleUp, hpa.Spec.Behavior.ScaleDown
	if *up.StabilizationWindowSeconds != 60 || *up.SelectPolicy != "Max" || len(up.Policies) != 2 ||
		up.Policies[0].Type != "Percent" || up.Policies[0].Value != 100 || up.Policies[1].Type != "Pods" || up.Policies[1].Value != 2 ||
		*down.StabilizationWindowSeconds != 300 || len(down.Policies) != 1 || down.Policies[0].Value != 10 || down.Policies[0].PeriodSeconds != 60 {
		t.Errorf("HPA behaviour %+v / %+v", up, down)
	}
	dep := files["prod/myapp/deployment-myapp.yaml"]
	if strings.Contains(dep, "replicas:") {
		t.Error("the autoscaled Deployment sets replicas")
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(dep), &d); err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example.com/shop/myapp:1.2.3" || c.LivenessProbe.HTTPGet.Path != "/health" || c.ReadinessProbe.HTTPGet.Path != "/ready" {
		t.Errorf("container %+v", c)
	}
	var password *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "DATABASE_PASSWORD" {
			password = &c.Env[i]
		}
	}
	if password == nil || password.Value != "" || password.ValueFrom.SecretKeyRef.Name != "myapp-postgresql" {
		t.Errorf("the database password is not a secret reference: %+v", password)
	}
	for p, b := range files {
		if strings.Contains(b, "kind: Secret\n") {
			t.Errorf("%s renders a Secret", p)
		}
	}
}

// TestDeterminism compiles the examples with the built command under
// different GOMAXPROCS and compares the trees byte for byte, ownership
// record included.
func TestDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "compile")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "../cmd/compile")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var trees []map[string]string
	var records [][]byte
	for _, procs := range []string{"1", "2", "8", "8"} {
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(bin, "-out", out)
		cmd.Dir = ".."                                                             // the repository root, where schemas/ is
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs, cache.Variable+"=off") // every run compiles
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v\n%s", procs, err, b)
		}
		trees = append(trees, readTree(t, out))
		rec, err := os.ReadFile(filepath.Join(out, tree.RecordName))
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, rec)
	}
	for i := 1; i < len(trees); i++ {
		if diff := cmp.Diff(trees[0], trees[i]); diff != "" {
			t.Errorf("run %d differs from run 0:\n%s", i, diff)
		}
		if !bytes.Equal(records[0], records[i]) {
			t.Errorf("run %d's ownership record differs", i)
		}
	}
	if len(trees[0]) < 50 {
		t.Errorf("only %d files compiled", len(trees[0]))
	}
}

// TestWorkloadKindsInEveryEnv: every environment holds the examples'
// StatefulSet with its headless Service, the nightly CronJob, and myapp's
// VerticalPodAutoscaler, in recommendation mode wherever an HPA scales it.
func TestWorkloadKindsInEveryEnv(t *testing.T) {
	files := readTree(t, golden)
	for _, env := range apps.Envs() {
		for _, f := range []string{"queue/statefulset-queue.yaml", "queue/service-queue-headless.yaml", "reports/cronjob-reports.yaml", "myapp/verticalpodautoscaler-myapp.yaml"} {
			if _, ok := files[env.Name+"/"+f]; !ok {
				t.Errorf("%s: no %s", env.Name, f)
			}
		}
		_, hpa := files[env.Name+"/myapp/horizontalpodautoscaler-myapp.yaml"]
		vpa := files[env.Name+"/myapp/verticalpodautoscaler-myapp.yaml"]
		if off := strings.Contains(vpa, `updateMode: "Off"`); hpa && !off {
			t.Errorf("%s: myapp's VPA updates pods next to its HPA:\n%s", env.Name, vpa)
		}
	}
}

// TestPlatformInEveryEnv: every environment holds the team Prometheus
// servers, Fluentd with its ClusterRole and binding, the platform
// Application, and in every namespace a Telemetry and the NetworkPolicies.
func TestPlatformInEveryEnv(t *testing.T) {
	files := readTree(t, golden)
	for _, env := range apps.Envs() {
		for _, f := range []string{
			"platform/prometheus-shop/prometheus-prometheus-shop.yaml",
			"platform/prometheus-platform/prometheus-prometheus-platform.yaml",
			"platform/fluentd/daemonset-fluentd.yaml",
			// Cluster-scoped names carry the environment where clusters are shared.
			"platform/fluentd/clusterrole-" + env.Namespace("fluentd") + ".yaml",
			"platform/fluentd/clusterrolebinding-" + env.Namespace("fluentd") + ".yaml",
			"argocd/application-platform-" + env.Name + ".yaml",
		} {
			if _, ok := files[env.Name+"/"+f]; !ok {
				t.Errorf("%s: no %s", env.Name, f)
			}
		}
		for _, a := range apps.All() {
			dir := env.Name + "/" + expand.FolderOf(a) + "/"
			for _, f := range []string{"telemetry-default.yaml", "networkpolicy-default-deny.yaml"} {
				if _, ok := files[dir+f]; !ok {
					t.Errorf("%s: no %s", dir, f)
				}
			}
		}
		if strings.Contains(files[env.Name+"/platform/fluentd/clusterrole-"+env.Namespace("fluentd")+".yaml"], "*") {
			t.Errorf("%s: Fluentd's ClusterRole has a wildcard", env.Name)
		}
	}
}
