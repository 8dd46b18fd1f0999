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

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
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
		"horizontalpodautoscaler", "ingress", "namespace", "peerauthentication", "poddisruptionbudget",
		"prometheusrule", "service", "serviceaccount", "servicemonitor", "virtualservice",
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("prod/myapp kinds (-want +got):\n%s", diff)
	}
	hpa := files["prod/myapp/horizontalpodautoscaler-myapp.yaml"]
	for _, s := range []string{
		"maxReplicas: 20\n", "minReplicas: 2\n",
		"name: cpu\n      target:\n        averageUtilization: 70\n",
		"name: memory\n      target:\n        averageUtilization: 80\n",
		"name: http_requests_per_second\n      target:\n        averageValue: 1k\n        type: AverageValue\n",
		"scaleDown:\n      policies:\n      - periodSeconds: 60\n        type: Percent\n        value: 10\n      stabilizationWindowSeconds: 300\n",
		"selectPolicy: Max\n      stabilizationWindowSeconds: 60\n",
	} {
		if !strings.Contains(hpa, s) {
			t.Errorf("HPA lacks %q:\n%s", s, hpa)
		}
	}
	dep := files["prod/myapp/deployment-myapp.yaml"]
	if strings.Contains(dep, "replicas:") {
		t.Error("the autoscaled Deployment sets replicas")
	}
	for _, s := range []string{"image: registry.example.com/shop/myapp:1.2.3\n", "path: /health\n", "path: /ready\n", "secretKeyRef:\n              key: password\n              name: myapp-postgresql\n"} {
		if !strings.Contains(dep, s) {
			t.Errorf("Deployment lacks %q", s)
		}
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
		cmd.Dir = ".." // the repository root, where schemas/ is
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
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
