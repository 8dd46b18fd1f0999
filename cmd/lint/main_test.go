package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

func runLint(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"-schemas", "../../schemas"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUnknownFieldUnderSpec(t *testing.T) {
	code, out, _ := runLint("../../tests/lint/schema/unknown-field.yaml")
	want := `../../tests/lint/schema/unknown-field.yaml:8:3: error schema: Deployment/api spec.replica: unknown field "replica"`
	if code != 1 || strings.TrimSpace(out) != want {
		t.Errorf("exit %d\n got %s\nwant %s", code, out, want)
	}
}

func TestJSONFormat(t *testing.T) {
	code, out, _ := runLint("-format", "json", "../../tests/lint/schema/unknown-field.yaml")
	var rep finding.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	f := rep.Findings[0]
	if f.Rule != "schema" || f.Line != 8 || f.Column != 3 || f.Kind != "Deployment" || f.Name != "api" || f.Namespace != "api" || f.Path != "spec.replica" {
		t.Errorf("finding %+v", f)
	}
}

func TestExitCodes(t *testing.T) {
	if code, out, _ := runLint("../../tests/lint/schema/valid.json"); code != 0 || out != "" {
		t.Errorf("valid file: exit %d %q", code, out)
	}
	if code, _, _ := runLint("../../out"); code != 0 {
		t.Error("the committed tree does not lint clean")
	}
	for _, args := range [][]string{{}, {"no-such-file.yaml"}, {"-format", "xml", "../../out"}, {"-bogus"}} {
		if code, _, _ := runLint(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestRulesConfigAndProfile(t *testing.T) {
	code, out, _ := runLint("-rules")
	if code != 0 || !strings.Contains(out, "image-not-pinned") || !strings.Contains(out, "(production)") {
		t.Errorf("-rules: exit %d\n%s", code, out)
	}
	fixture := "../../tests/lint/rules/replicas-too-few/fail.yaml"
	if code, out, _ := runLint(fixture); code != 0 || out != "" {
		t.Errorf("production rule without the profile: exit %d %q", code, out)
	}
	if code, out, _ := runLint("-profile", "production", fixture); code != 0 || !strings.Contains(out, "warning replicas-too-few") {
		t.Errorf("with the profile: exit %d %q", code, out)
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("rules:\n  replicas-too-few: {severity: error}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runLint("-profile", "production", "-config", cfg, fixture); code != 1 || !strings.Contains(out, "error replicas-too-few") {
		t.Errorf("severity raised by config: exit %d %q", code, out)
	}
	for _, args := range [][]string{{"-profile", "staging", fixture}, {"-config", "missing.yaml", fixture}} {
		if code, _, _ := runLint(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestGitHubFormat(t *testing.T) {
	code, out, _ := runLint("-format", "github", "../../tests/lint/schema/unknown-field.yaml")
	want := "::error file=../../tests/lint/schema/unknown-field.yaml,line=8,col=3,endLine=8,endColumn=10,title=schema::Deployment/api spec.replica: unknown field \"replica\"\n"
	if code != 1 || out != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, out, want)
	}
}

// TestLeavesTheCompilersSet: cmd/lint reads the cache's objects known valid
// but never writes them, so a lint of other files cannot push the
// compiler's objects out of the set.
func TestLeavesTheCompilersSet(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MANIFOLD_CACHE", dir)
	if code, out, errs := runLint("../../tests/lint/rules/label-invalid/pass.yaml"); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "valid-*")); len(names) != 0 {
		t.Errorf("cmd/lint wrote the set: %v", names)
	}
}
