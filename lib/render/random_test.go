package render

import (
	"encoding/json"
	"math/rand"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"
)

// TestEncodeRandomObjects renders objects of the kinds with the most
// fields, filled with random content (any Unicode in every string) by
// Kubernetes' API fuzzer: yaml.v3 must read back the value Clean made.
func TestEncodeRandomObjects(t *testing.T) {
	f := randfill.New().RandSource(rand.NewSource(2)).NilChance(0.3).NumElements(0, 2).MaxDepth(8).Funcs(
		func(x *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*x = intstr.FromInt32(c.Int31())
			} else {
				*x = intstr.FromString(c.String(0))
			}
		},
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewMilliQuantity(c.Int63n(1e12), resource.DecimalSI)
		},
		func(tm *metav1.Time, c randfill.Continue) { *tm = metav1.Unix(c.Int63n(4e9), 0) },
		func(m *[]metav1.ManagedFieldsEntry, _ randfill.Continue) { *m = nil },
	)
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
