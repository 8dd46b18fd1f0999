package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "manifold.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigRefusesMistakes(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"rules:\n  no-such-rule: {disabled: true}\n", "rules.no-such-rule: no such rule"},
		{"rules:\n  host-port: {severity: fatal}\n", `"fatal" is not error, warning or info`},
		{"baseline:\n  - {rule: host-port, name: x}\n", "baseline[0].reason"},
		{"rulez: {}\n", "unknown field"},
	} {
		if _, err := LoadConfig(writeConfig(t, tt.text)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error containing %q", tt.text, err, tt.want)
		}
	}
}

func TestConfigChangesFindings(t *testing.T) {
	fixture := "../../tests/lint/rules/host-port/fail.yaml"
	lintWith := func(text string) []finding.Finding {
		cfg, err := LoadConfig(writeConfig(t, text))
		if err != nil {
			t.Fatal(err)
		}
		return lintPaths(t, Options{Config: cfg}, fixture)
	}
	if fs := lintWith("rules:\n  host-port: {disabled: true}\n"); len(fs) != 0 {
		t.Errorf("disabled rule reported: %v", fs)
	}
	if fs := lintWith("rules:\n  host-port: {severity: warning}\n"); len(fs) != 1 || fs[0].Severity != finding.Warning {
		t.Errorf("severity override: %v", fs)
	}
	base := "baseline:\n  - {rule: host-port, kind: Deployment, namespace: shop, name: api, path: 'spec.template.spec.containers[0].ports[0].hostPort', reason: the node-local cache}\n"
	if fs := lintWith(base); len(fs) != 0 {
		t.Errorf("baseline did not accept the finding: %v", fs)
	}
	if fs := lintWith(strings.Replace(base, "name: api", "name: other", 1)); len(fs) != 1 {
		t.Errorf("baseline accepted another object's finding: %v", fs)
	}
}
