package tests

import (
	"bytes"
	"encoding/json"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	istiometa "istio.io/api/meta/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/jsonval"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/tests/bench/fleet"
)

// TestConvertRandomObjectsIsEncodingJSON fills values of every Go type the
// compiler emits (Kubernetes', Istio's, Prometheus Operator's, Argo CD's...)
// with random content, every field a user's definitions could set, with
// Kubernetes' own API fuzzer (sigs.k8s.io/randfill), and holds
// jsonval.Object to encoding/json over each: the same values, or an error
// from both.
func TestConvertRandomObjectsIsEncodingJSON(t *testing.T) {
	types := map[reflect.Type]bool{}
	for _, defs := range [][]model.App{apps.All(), fleet.Apps(30, 1)} {
		for _, env := range apps.Envs() {
			w, probs := model.Resolve(env, defs)
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			objs := expand.Env(w)
			for _, a := range defs {
				in := expand.Input{World: w, App: a, Spec: w.Specs[a.Name]}
				objs = append(objs, expand.App(in)...)
				objs = append(objs, expand.Argo(in)...)
			}
			for _, o := range objs {
				types[reflect.TypeOf(o).Elem()] = true
			}
		}
	}
	if len(types) < 20 {
		t.Fatalf("only %d types of object", len(types))
	}
	// Valid values for the types whose random state is no value at all, as
	// Kubernetes' own API fuzzer fills them; the fields the compiler never
	// sets (managedFields, an Istio status) are left empty.
	f := randfill.New().RandSource(rand.NewSource(1)).NilChance(0.3).NumElements(0, 2).MaxDepth(8).Funcs(
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
	compared, failed := 0, 0
	var unfilled []string
	for _, typ := range slices.SortedFunc(maps.Keys(types), func(a, b reflect.Type) int { return strings.Compare(a.String(), b.String()) }) {
		if !fillable(f, typ) {
			// Protobuf's oneof fields are interfaces the fuzzer cannot fill
			// (Istio's types); TestCleanIsEncodingJSON holds their objects.
			unfilled = append(unfilled, typ.String())
			continue
		}
		for i := range 40 {
			v := reflect.New(typ).Interface()
			f.Fill(v)
			want, wantErr := viaEncodingJSON(v)
			got, err := jsonval.Object(v)
			switch {
			case (err != nil) != (wantErr != nil):
				t.Errorf("%s #%d: jsonval: %v; encoding/json: %v", typ, i, err, wantErr)
			case err != nil:
				failed++
			default:
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s #%d differs from encoding/json (-want +got):\n%s", typ, i, d)
				}
				compared++
			}
		}
	}
	t.Logf("%d types: %d random objects compared, %d refused by both; not filled: %v", len(types), compared, failed, unfilled)
	if filled := len(types) - len(unfilled); filled < 15 || compared < 20*filled {
		t.Errorf("only %d random objects of %d types compared", compared, filled)
	}
}

// fillable reports whether the fuzzer can fill a value of typ.
func fillable(f *randfill.Filler, typ reflect.Type) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for range 20 {
		f.Fill(reflect.New(typ).Interface())
	}
	return true
}

// viaEncodingJSON is encoding/json's Marshal, then a Decoder with UseNumber.
func viaEncodingJSON(v any) (map[string]any, error) {
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
