package tests

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/randfill"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/jsonval"
	"github.com/manifold-dev/manifold/lib/jsonval/jsonvaltest"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/tests/bench/fleet"
)

// TestConvertRandomObjectsIsEncodingJSON fills values of every Go type the
// compiler emits (Kubernetes', Istio's, Prometheus Operator's, Argo CD's...)
// with random content, every field a user's definitions could set, with
// Kubernetes' own API fuzzer (sigs.k8s.io/randfill), and holds
// jsonval.Object to encoding/json over each: the same values, or an error
// from both; and jsonval.ObjectWithoutNulls to the same values without
// their nulls.
func TestConvertRandomObjectsIsEncodingJSON(t *testing.T) {
	types := map[reflect.Type]bool{}
	for _, defs := range [][]model.App{apps.All(), fleet.Apps(30, 1)} {
		for _, env := range apps.Envs() {
			for _, o := range envObjects(t, defs, env) {
				types[reflect.TypeOf(o).Elem()] = true
			}
		}
	}
	if len(types) < 20 {
		t.Fatalf("only %d types of object", len(types))
	}
	f := jsonvaltest.Filler(1)
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
			want, wantErr := jsonvaltest.EncodingJSON(v)
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
				if got, err = jsonval.ObjectWithoutNulls(v, ""); err != nil {
					t.Errorf("%s #%d without nulls: %v", typ, i, err)
				} else if d := cmp.Diff(jsonvaltest.WithoutNulls(want), got); d != "" {
					t.Errorf("%s #%d without nulls differs from encoding/json's without them (-want +got):\n%s", typ, i, d)
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
