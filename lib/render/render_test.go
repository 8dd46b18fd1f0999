package render

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMarshalDropsNoiseKeepsMeaning(t *testing.T) {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "api"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "api", Image: "api:1"}},
					Volumes:    []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
	b, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if !strings.HasPrefix(out, Header+"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n") {
		t.Errorf("header or key order:\n%s", out)
	}
	for _, noise := range []string{"status:", "strategy:", "creationTimestamp", "resources: {}", "null"} {
		if strings.Contains(out, noise) {
			t.Errorf("output has %q:\n%s", noise, out)
		}
	}
	if !strings.Contains(out, "- emptyDir: {}\n") {
		t.Errorf("emptyDir: {} was dropped:\n%s", out)
	}
}

func TestMarshalKeepsAnEmptySpecThatMeansSomething(t *testing.T) {
	// An AuthorizationPolicy with spec: {} denies every request; dropping
	// it would allow every request.
	deny := map[string]any{
		"apiVersion": "security.istio.io/v1",
		"kind":       "AuthorizationPolicy",
		"metadata":   map[string]any{"name": "deny-all", "namespace": "api"},
		"spec":       map[string]any{},
	}
	b, err := Marshal(deny)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nspec: {}\n") {
		t.Errorf("spec: {} dropped:\n%s", b)
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "api"}}
	b, err = Marshal(ns)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "spec") {
		t.Errorf("Namespace spec: {} kept:\n%s", b)
	}
}

func TestMarshalIsDeterministic(t *testing.T) {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: map[string]string{"z": "1", "a": "2", "m": "3"}},
		Data:       map[string]string{"b": "1", "a": "2", "c": "3", "d": "4", "e": "5"},
	}
	first, err := Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		b, err := Marshal(cm)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(first) {
			t.Fatalf("output changed between runs:\n%s\n---\n%s", first, b)
		}
	}
	if !strings.Contains(string(first), "data:\n  a: \"2\"\n  b: \"1\"\n") {
		t.Errorf("keys not sorted or strings not quoted:\n%s", first)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		kind, group, name string
		qualify           bool
		want              string
	}{
		{"Deployment", "apps", "api", false, "deployment-api.yaml"},
		{"Gateway", "networking.istio.io", "public", true, "gateway.networking.istio.io-public.yaml"},
		{"Namespace", "", "api", true, "namespace-api.yaml"},
	}
	for _, tt := range tests {
		if got := FileName(tt.kind, tt.group, tt.name, tt.qualify); got != tt.want {
			t.Errorf("FileName(%s, %s, %s) = %s, want %s", tt.kind, tt.group, tt.name, got, tt.want)
		}
	}
}
