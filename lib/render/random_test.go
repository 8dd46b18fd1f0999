package render

import (
	"encoding/json"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/manifold-dev/manifold/lib/jsonval/jsonvaltest"
)

// TestEncodeRandomObjects renders objects of the kinds with the most
// fields, filled with random content (any Unicode in every string) by
// Kubernetes' API fuzzer: yaml.v3 must read back the value Clean made.
func TestEncodeRandomObjects(t *testing.T) {
	f := jsonvaltest.Filler(2)
	n := 0
	for i := range 60 {
		for _, obj := range []any{&appsv1.Deployment{}, &appsv1.StatefulSet{}, &corev1.Service{}, &corev1.ConfigMap{},
			&networkingv1.NetworkPolicy{}, &monitoringv1.PrometheusRule{}, &monitoringv1.ServiceMonitor{}} {
			f.Fill(obj)
			v, err := Clean(obj)
			if err != nil {
				t.Fatalf("%T #%d: %v", obj, i, err)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Encode(v); err != nil {
				t.Errorf("%T #%d: %v", obj, i, err)
			}
			roundTrip(t, raw)
			n++
		}
	}
	if n < 400 {
		t.Errorf("only %d objects", n)
	}
}
