package tests

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/lint"
)

// exceptionRule names, for each Pod Security check, the lint rule whose
// suppression (manifold.dev/ignore-<rule>: <reason>) declares an exception
// to it. Checks not listed allow no exception.
var exceptionRule = map[policy.CheckID]string{
	"hostPathVolumes":           "host-path",
	"restrictedVolumes":         "host-path",
	"hostNamespaces":            "host-namespaces",
	"hostPorts":                 "host-port",
	"privileged":                "privileged",
	"allowPrivilegeEscalation":  "privilege-escalation",
	"capabilities_baseline":     "capabilities-not-dropped",
	"capabilities_restricted":   "capabilities-not-dropped",
	"runAsNonRoot":              "run-as-root",
	"runAsUser":                 "run-as-root",
	"seccompProfile_baseline":   "seccomp-missing",
	"seccompProfile_restricted": "seccomp-missing",
}

// violations evaluates a pod template against every check of the
// restricted Pod Security Standard, with k8s.io/pod-security-admission, and
// returns the checks it fails that the annotations do not except with a
// reason; excepted lists the exceptions taken.
func violations(tpl corev1.PodTemplateSpec, annotations map[string]string) (failed, excepted []string) {
	for _, c := range policy.DefaultChecks() {
		v := c.Versions[len(c.Versions)-1] // the check as of the latest policy version
		res := v.CheckPod(&tpl.ObjectMeta, &tpl.Spec)
		if res.Allowed {
			continue
		}
		msg := string(c.ID) + ": " + res.ForbiddenReason + " (" + res.ForbiddenDetail + ")"
		if rule, ok := exceptionRule[c.ID]; ok && strings.TrimSpace(annotations[lint.SuppressPrefix+rule]) != "" {
			excepted = append(excepted, msg+" — "+annotations[lint.SuppressPrefix+rule])
			continue
		}
		failed = append(failed, msg)
	}
	return failed, excepted
}

// TestRestrictedPodSecurity evaluates every pod template of the compiled
// tree with the upstream Pod Security library: each passes the restricted
// profile, but for the exceptions it declares with a reason.
func TestRestrictedPodSecurity(t *testing.T) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	restricted := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	pods := 0
	kinds := map[string]int{}
	walkTree(t, func(path string, data []byte, kind string) {
		tpl, annotations, ok := podTemplate(t, path, data, kind)
		if !ok {
			return
		}
		pods++
		kinds[kind]++
		failed, excepted := violations(tpl, annotations)
		for _, f := range failed {
			t.Errorf("%s: restricted profile: %s", path, f)
		}
		for _, e := range excepted {
			t.Logf("%s: declared exception: %s", path, e)
		}
		if len(excepted) == 0 {
			agg := policy.AggregateCheckResults(evaluator.EvaluatePod(restricted, &tpl.ObjectMeta, &tpl.Spec))
			if !agg.Allowed {
				t.Errorf("%s: the evaluator refuses it: %s", path, agg.ForbiddenDetail())
			}
		}
	})
	if pods < 9 {
		t.Errorf("only %d pod templates evaluated", pods)
	}
	for _, k := range []string{"Deployment", "StatefulSet", "CronJob", "DaemonSet"} {
		if kinds[k] == 0 {
			t.Errorf("no %s evaluated: %v", k, kinds)
		}
	}
}

// podTemplate reads the pod template and the annotations of a workload
// object; ok is false for other kinds.
func podTemplate(t *testing.T, path string, data []byte, kind string) (corev1.PodTemplateSpec, map[string]string, bool) {
	t.Helper()
	switch kind {
	case "Deployment":
		return decodeTemplate(t, path, data, func(o *appsv1.Deployment) (corev1.PodTemplateSpec, metav1.ObjectMeta) {
			return o.Spec.Template, o.ObjectMeta
		})
	case "StatefulSet":
		return decodeTemplate(t, path, data, func(o *appsv1.StatefulSet) (corev1.PodTemplateSpec, metav1.ObjectMeta) {
			return o.Spec.Template, o.ObjectMeta
		})
	case "DaemonSet":
		return decodeTemplate(t, path, data, func(o *appsv1.DaemonSet) (corev1.PodTemplateSpec, metav1.ObjectMeta) {
			return o.Spec.Template, o.ObjectMeta
		})
	case "Job":
		return decodeTemplate(t, path, data, func(o *batchv1.Job) (corev1.PodTemplateSpec, metav1.ObjectMeta) { return o.Spec.Template, o.ObjectMeta })
	case "CronJob":
		return decodeTemplate(t, path, data, func(o *batchv1.CronJob) (corev1.PodTemplateSpec, metav1.ObjectMeta) {
			return o.Spec.JobTemplate.Spec.Template, o.ObjectMeta
		})
	}
	return corev1.PodTemplateSpec{}, nil, false
}

// decodeTemplate decodes a workload of type T strictly and returns its pod
// template and annotations.
func decodeTemplate[T any](t *testing.T, path string, data []byte, get func(*T) (corev1.PodTemplateSpec, metav1.ObjectMeta)) (corev1.PodTemplateSpec, map[string]string, bool) {
	t.Helper()
	var o T
	if err := yaml.UnmarshalStrict(data, &o); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tpl, meta := get(&o)
	return tpl, meta.Annotations, true
}

// TestViolationsAreCaught shows the check above can fail: a seed-shaped
// pod fails, and an exception covers only the control it names.
func TestViolationsAreCaught(t *testing.T) {
	tpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "fluentd", Image: "fluent/fluentd:v1"}},
		Volumes:    []corev1.Volume{{Name: "varlog", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}}},
	}}
	failed, _ := violations(tpl, nil)
	if len(failed) < 4 {
		t.Fatalf("the seed's Fluentd pod passes: %v", failed)
	}
	withException, excepted := violations(tpl, map[string]string{lint.SuppressPrefix + "host-path": "reads the node's logs"})
	// One exception covers both checks of host paths (hostPathVolumes,
	// restrictedVolumes), and nothing else.
	if len(excepted) != 2 || len(withException) != len(failed)-2 {
		t.Errorf("an exception for host paths excepted %v, left %v", excepted, withException)
	}
}

// TestNamespacesAreLockedDown requires, for every namespace of the tree, a
// STRICT PeerAuthentication, a default-deny AuthorizationPolicy and a
// default-deny NetworkPolicy; and no Secret object and no literal credential
// anywhere.
func TestNamespacesAreLockedDown(t *testing.T) {
	byFolder := map[string][]string{}
	walkTree(t, func(path string, data []byte, kind string) {
		var obj map[string]any
		if err := yaml.Unmarshal(data, &obj); err != nil {
			t.Fatal(err)
		}
		spec, _ := obj["spec"].(map[string]any)
		switch kind {
		case "Secret":
			t.Errorf("%s: a Secret in the tree", path)
		case "PeerAuthentication":
			mtls, _ := spec["mtls"].(map[string]any)
			if spec["selector"] == nil && mtls["mode"] == "STRICT" {
				byFolder[filepath.Dir(path)] = append(byFolder[filepath.Dir(path)], "strict")
			}
		case "AuthorizationPolicy":
			if len(spec) == 0 {
				byFolder[filepath.Dir(path)] = append(byFolder[filepath.Dir(path)], "deny")
			}
		case "NetworkPolicy":
			pods, _ := spec["podSelector"].(map[string]any)
			types, _ := spec["policyTypes"].([]any)
			if len(pods) == 0 && spec["ingress"] == nil && slices.Contains(types, any("Ingress")) {
				byFolder[filepath.Dir(path)] = append(byFolder[filepath.Dir(path)], "l3-deny")
			}
		case "Namespace":
			byFolder[filepath.Dir(path)] = append(byFolder[filepath.Dir(path)], "namespace")
		}
	})
	namespaces := 0
	for dir, has := range byFolder {
		if !slices.Contains(has, "namespace") {
			continue
		}
		namespaces++
		if !slices.Contains(has, "strict") || !slices.Contains(has, "deny") || !slices.Contains(has, "l3-deny") {
			t.Errorf("%s: namespace without STRICT mTLS, a default-deny AuthorizationPolicy or a default-deny NetworkPolicy: %v", dir, has)
		}
	}
	if want := len(apps.All()) * len(apps.Envs()); namespaces != want {
		t.Errorf("%d namespaces checked, want %d (every app in every environment)", namespaces, want)
	}
	fs, err := lint.Files(context.Background(), []string{golden}, lint.Options{Schemas: "../schemas"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Rule == "secret-literal" || f.Rule == "secret-in-tree" {
			t.Errorf("credential in the tree: %s", f)
		}
	}
}

// walkTree calls f for every object file of the committed tree.
func walkTree(t *testing.T, f func(path string, data []byte, kind string)) {
	t.Helper()
	err := filepath.WalkDir(golden, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(data, &meta); err != nil {
			return err
		}
		f(p, data, meta.Kind)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
