package lint

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

// TestPromRulesOfDuplicateObjects: two PrometheusRules of one name hold
// rules of the same keys; each is checked on its own (the per-object
// rules see one object at a time), so the second's bad expression is
// found, once, the same on every run, and nothing is found twice at once
// (the race detector watches).
func TestPromRulesOfDuplicateObjects(t *testing.T) {
	rule := func(expr string) *Object {
		return &Object{File: "rules.yaml", Value: map[string]any{
			"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
			"metadata": map[string]any{"name": "alerts", "namespace": "shop"},
			"spec": map[string]any{"groups": []any{map[string]any{"name": "g", "rules": []any{
				map[string]any{"alert": "High", "expr": expr, "labels": map[string]any{"severity": "warning"}},
			}}}},
		}, Locate: func([]string) finding.Position { return finding.Position{} }}
	}
	var first []string
	for run := range 5 {
		g := NewGraph("dev", "1.37.2", false, Facts{}, []*Object{rule("up == 0"), rule("sum(")})
		var got []string
		for _, f := range Run([]*Graph{g}, Rules(), nil) {
			got = append(got, fmt.Sprintf("%s %s", f.Rule, f.Message))
		}
		invalid := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return !strings.HasPrefix(s, "promql-invalid ") })
		if len(invalid) != 1 || !slices.Contains(got, `duplicate-object PrometheusRule "alerts" is also defined in rules.yaml`) {
			t.Errorf("run %d: want the second object's expression invalid, once, and the objects duplicates: %v", run, got)
		}
		if run == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("run %d: %v, run 0: %v", run, got, first)
		}
	}
}
