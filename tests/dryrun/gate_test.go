//go:build apiserver

package dryrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/lint"
)

// root is the repository, from this package's folder.
const root = "../.."

// build builds a command of the repository into a temporary folder.
func build(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// findings runs a command with -format json and returns its findings and
// exit status.
func findings(t *testing.T, bin string, args ...string) ([]finding.Finding, int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-format", "json"}, args...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Findings []finding.Finding }
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", filepath.Base(bin), err, stdout.String(), stderr.String())
	}
	return rep.Findings, code, stderr.String()
}

// TestOutAccepted: the API server accepts every object of every
// environment in the committed out/, sent by both commands.
func TestOutAccepted(t *testing.T) {
	lintBin := build(t, "cmd/lint")
	fs, code, stderr := findings(t, lintBin, "-server-dry-run", "-server-create-missing", "-kubeconfig", kubeconfig, "out")
	for _, f := range fs {
		if f.Rule == finding.RuleServer {
			t.Errorf("lint: %s", f)
		}
	}
	if code != 0 {
		t.Errorf("lint exit %d\n%s", code, stderr)
	}
	files, _, err := lint.Read([]string{filepath.Join(root, "out")}, lint.Options{Schemas: filepath.Join(root, "schemas")})
	if err != nil {
		t.Fatal(err)
	}
	objects := 0
	for _, f := range files {
		objects += len(f.Docs)
	}
	if want := fmt.Sprintf("server dry run: %d objects sent", objects); objects == 0 || !strings.Contains(stderr, want) {
		t.Errorf("lint did not send all %d objects of out/: %s", objects, stderr)
	}
	t.Log(strings.TrimSpace(stderr))

	compileBin := build(t, "cmd/compile")
	fs, code, stderr = findings(t, compileBin, "-check", "-server-dry-run", "-kubeconfig", kubeconfig)
	for _, f := range fs {
		t.Errorf("compile: %s", f)
	}
	if code != 0 {
		t.Errorf("compile -check -server-dry-run exit %d\n%s", code, stderr)
	}
	t.Log(strings.TrimSpace(stderr))
}

// TestRejections: each fixture is reported at its file and line with the
// server's reason.
func TestRejections(t *testing.T) {
	cases := []struct {
		file     string
		severity finding.Severity
		line     int
		path     string
		reason   string
	}{
		{"selector-mismatch.yaml", finding.Error, 13, "spec.template.metadata.labels", "`selector` does not match template `labels`"},
		{"hpa-min-max.yaml", finding.Error, 10, "spec.maxReplicas", "must be greater than or equal to `minReplicas`"},
		{"removed-api.yaml", finding.Error, 1, "", "does not serve policy/v1beta1 PodDisruptionBudget"},
		{"privileged.yaml", finding.Error, 17, "spec.template.spec.containers[0].securityContext.privileged", "disallowed by cluster policy"},
		{"restricted-namespace.yaml", finding.Warning, 8, "", `would violate PodSecurity "restricted:latest"`},
		{"invalid-name.yaml", finding.Error, 4, "metadata.name", "a lowercase RFC 1123 subdomain"},
		{"unknown-field.yaml", finding.Error, 11, "spec.ports[0].protocoll", "field not declared in schema"},
	}
	c, err := dryrun.Connect(kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			name := filepath.Join("testdata", tc.file)
			files, probs, err := lint.Read([]string{name}, lint.Options{Schemas: filepath.Join(root, "schemas")})
			if err != nil || len(probs) > 0 {
				t.Fatalf("read %s: %v %v", name, err, probs)
			}
			var objs []dryrun.Object
			for _, f := range files {
				for _, d := range f.Docs {
					objs = append(objs, dryrun.Object{File: f.Path, Doc: d})
				}
			}
			fs, err := c.Run(context.Background(), objs, dryrun.Options{CreateMissing: true})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range fs {
				if f.Rule == finding.RuleServer && f.Severity == tc.severity && f.File == name && f.Line == tc.line &&
					f.Path == tc.path && strings.Contains(f.Message, tc.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("want a %s at %s:%d %s with %q; got:", tc.severity, name, tc.line, tc.path, tc.reason)
				for _, f := range fs {
					t.Errorf("  %s (path %q)", f, f.Path)
				}
			}
		})
	}
}
