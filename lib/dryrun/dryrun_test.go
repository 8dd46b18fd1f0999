package dryrun

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/manifold-dev/manifold/lib/manifest"
)

func TestFieldSegments(t *testing.T) {
	for field, want := range map[string][]string{
		"metadata.name":                           {"metadata", "name"},
		"spec.template.spec.containers[0].image":  {"spec", "template", "spec", "containers", "0", "image"},
		"metadata.labels[app.kubernetes.io/name]": {"metadata", "labels", "app.kubernetes.io/name"},
		`metadata.annotations["a.b/c"]`:           {"metadata", "annotations", "a.b/c"},
		`spec.ports[port=80,protocol="TCP"].name`: {"spec", "ports", `port=80,protocol="TCP"`, "name"},
		"spec.unterminated[3":                     {"spec", "unterminated", "3"},
		"":                                        nil,
	} {
		if got := FieldSegments(field); !cmp.Equal(got, want) {
			t.Errorf("FieldSegments(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	docs, probs := manifest.Read([]byte(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports:
    - {name: http, port: 80, protocol: TCP}
    - {name: metrics, port: 9090, protocol: TCP}
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	obj := docs[0].Object
	for field, want := range map[string][]string{
		`spec.ports[port=9090,protocol="TCP"].protocoll`: {"spec", "ports", "1", "protocoll"},
		"spec.ports[0].name":                             {"spec", "ports", "0", "name"},
		`spec.ports[port=1].name`:                        {"spec", "ports"},              // no such item: stop at the list
		`spec.ports[port=80,appProtocol="http"].name`:    {"spec", "ports", "0", "name"}, // a defaulted key matches
		"spec.ports[7]":                                  {"spec", "ports"},
	} {
		if got := resolve(obj, FieldSegments(field)); !cmp.Equal(got, want) {
			t.Errorf("resolve(%q) = %q, want %q", field, got, want)
		}
	}
	o := Object{File: "svc.yaml", Doc: docs[0]}
	f := o.finding("error", resolve(obj, FieldSegments(`spec.ports[port=9090,protocol="TCP"].name`)), "spec.ports[1].name", "bad")
	if f.Line != 7 || f.Rule != "server" || f.Kind != "Service" || f.Name != "web" {
		t.Errorf("finding at %d: %+v", f.Line, f)
	}
}
