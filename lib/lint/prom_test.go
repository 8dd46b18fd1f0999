package lint

import (
	"fmt"
	"slices"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

// TestPromRulesOfDuplicateObjects: two PrometheusRules of one name hold
// rules of the same keys; every lint rule sees the first one's parse and
// rulefmt verdict, the same on every run, and nothing is found twice at
// once (the race detector watches).
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
		if slices.ContainsFunc(got, func(s string) bool { return len(s) > 12 && s[:12] == "promql-inval" }) {
			t.Errorf("run %d: the second object's expression was parsed for the first's rule: %v", run, got)
		}
		if run == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("run %d: %v, run 0: %v", run, got, first)
		}
	}
}
