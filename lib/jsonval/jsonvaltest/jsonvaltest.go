// Package jsonvaltest holds what tests hold package jsonval and its users
// to: what encoding/json makes of a value, and Kubernetes objects filled
// with random content.
package jsonvaltest

import (
	"bytes"
	"encoding/json"
	"math/rand"

	istiometa "istio.io/api/meta/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"
)

// EncodingJSON returns what encoding/json's Marshal, then a Decoder with
// UseNumber, make of v.
func EncodingJSON(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	err = dec.Decode(&m)
	return m, err
}

// WithoutNulls returns v, generic JSON values, without the members whose
// value is null, at any depth; a null in a list stays. v is changed.
func WithoutNulls(v map[string]any) map[string]any {
	var drop func(any)
	drop = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if e == nil {
					delete(v, k)
				} else {
					drop(e)
				}
			}
		case []any:
			for _, e := range v {
				drop(e)
			}
		}
	}
	drop(v)
	return v
}

// Filler returns Kubernetes' own API fuzzer (sigs.k8s.io/randfill),
// seeded, filling every field a user's definitions could set. The types
// whose random state is no value at all get valid values, as Kubernetes'
// fuzzer gives them (IntOrString, Quantity, Time); the fields the compiler
// never sets (managedFields, an Istio status) are left empty.
func Filler(seed int64) *randfill.Filler {
	return randfill.New().RandSource(rand.NewSource(seed)).NilChance(0.3).NumElements(0, 2).MaxDepth(8).Funcs(
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
		func(*istiometa.IstioStatus, randfill.Continue) {},
	)
}
