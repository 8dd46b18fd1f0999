package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// immutable lists, by kind, the fields the API server refuses to change:
// applying the change fails, and Argo CD must delete and recreate.
var immutable = map[string][]string{
	"Deployment":            {"spec.selector"},
	"ReplicaSet":            {"spec.selector"},
	"DaemonSet":             {"spec.selector"},
	"StatefulSet":           {"spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"},
	"Job":                   {"spec.selector", "spec.template"},
	"Service":               {"spec.clusterIP"},
	"PersistentVolumeClaim": {"spec.storageClassName", "spec.accessModes", "spec.selector"},
	"ConfigMap":             {"data", "binaryData"}, // manifold's ConfigMaps are immutable: a change must come with a new name
}

// risks says what is risky about applying one entry.
func risks(e Entry, oldV, newV map[string]any, production bool) []string {
	var out []string
	switch e.Op {
	case Removed:
		out = append(out, "removed: Argo CD will prune it from the cluster")
		if e.Kind == "Namespace" {
			out = append(out, "namespace removed: everything in it goes too")
		}
		if e.Kind == "AuthorizationPolicy" && isDenyAll(oldV) {
			out = append(out, "widening: the namespace's default-deny policy is removed")
		}
	case Added:
		if e.Kind == "AuthorizationPolicy" && !isDenyAll(newV) {
			out = append(out, "widening: a new AuthorizationPolicy admits more callers")
		}
		if e.Kind == "Namespace" {
			out = append(out, "new namespace")
		}
	case Changed:
		for _, c := range e.Changes {
			out = append(out, changeRisks(e, c, production)...)
		}
		if e.OldName != "" {
			out = append(out[:0:0], filterImmutableConfig(out)...)
		}
	}
	return dedupe(out)
}

func changeRisks(e Entry, c Change, production bool) []string {
	var out []string
	for _, f := range immutable[e.Kind] {
		if c.Path == f || strings.HasPrefix(c.Path, f+".") || strings.HasPrefix(c.Path, f+"[") {
			out = append(out, fmt.Sprintf("immutable field %s changes: the apply fails; Argo CD must replace the object", f))
		}
	}
	if c.Path == "metadata.namespace" {
		out = append(out, "namespace change: the object moves, the old one is pruned")
	}
	if production && (c.Path == "spec.replicas" || (e.Kind == "HorizontalPodAutoscaler" && c.Path == "spec.minReplicas")) {
		if o, n, ok := numbers(c); ok && n < o {
			out = append(out, fmt.Sprintf("replicas drop in production: %s %v → %v", c.Path, o, n))
		}
	}
	if e.Kind == "VirtualService" && strings.HasSuffix(c.Path, ".weight") {
		out = append(out, fmt.Sprintf("canary weight change: %s %s → %s", c.Path, orNone(c.Old), orNone(c.New)))
	}
	if e.Kind == "AuthorizationPolicy" && widens(c) {
		out = append(out, "widening: "+c.Path+" admits more")
	}
	if (e.Kind == "Role" || e.Kind == "ClusterRole") && strings.HasPrefix(c.Path, "rules") && c.New != "" && c.Old == "" {
		out = append(out, "widening: RBAC rule grants more: "+c.Path)
	}
	return out
}

// widens reports whether a change to an AuthorizationPolicy admits more:
// a rule, source or principal added, or a constraint removed.
func widens(c Change) bool {
	p := c.Path
	switch {
	case strings.HasPrefix(p, "spec.rules") && c.Old == "" && c.New != "":
		return !strings.Contains(p, ".to") && !strings.Contains(p, ".when") // new rules, sources, principals
	case (strings.Contains(p, ".to") || strings.Contains(p, ".when")) && c.New == "" && c.Old != "":
		return true // a constraint removed
	case strings.Contains(p, ".principals") || strings.Contains(p, ".namespaces"):
		return len(c.New) > len(c.Old)
	case p == "spec.selector" || strings.HasPrefix(p, "spec.selector."):
		return true
	case p == "spec.action":
		return c.New == `"ALLOW"` || c.New == ""
	}
	return false
}

func isDenyAll(v map[string]any) bool {
	spec, _ := v["spec"].(map[string]any)
	return len(spec) == 0
}

// filterImmutableConfig drops the immutable-data risk of a ConfigMap whose
// name changed with its content: that is the safe way to change it.
func filterImmutableConfig(rs []string) []string {
	var out []string
	for _, r := range rs {
		if !strings.Contains(r, "immutable field data") && !strings.Contains(r, "immutable field binaryData") {
			out = append(out, r)
		}
	}
	return out
}

func numbers(c Change) (o, n float64, ok bool) {
	o, err1 := strconv.ParseFloat(c.Old, 64)
	n, err2 := strconv.ParseFloat(c.New, 64)
	return o, n, err1 == nil && err2 == nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func dedupe(rs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
