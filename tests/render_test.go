package tests

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/jsonval/jsonvaltest"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/render"
	"github.com/manifold-dev/manifold/tests/bench/fleet"
)

// envObjects expands defs in env as the compiler does: the environment's
// own objects, then each app's and its Argo CD Application.
func envObjects(t *testing.T, defs []model.App, env model.Env) []expand.Object {
	t.Helper()
	w, probs := model.Resolve(env, defs)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	objs := expand.Env(w)
	for _, a := range defs {
		in := expand.NewInput(w, a)
		objs = append(objs, expand.App(in)...)
		objs = append(objs, expand.Argo(in)...)
	}
	return objs
}

// TestCleanIsEncodingJSON holds render.Clean, which marshals and decodes
// on the JSON v2 implementation, to what encoding/json makes of every
// object of the example apps and of a 100-app synthetic fleet (every
// workload kind, canaries, autoscalers, alerts): the typed object marshalled
// by encoding/json and decoded with UseNumber gives the same clean value.
func TestCleanIsEncodingJSON(t *testing.T) {
	objects := 0
	for _, defs := range [][]model.App{apps.All(), fleet.Apps(100, 1)} {
		for _, env := range apps.Envs() {
			for _, o := range envObjects(t, defs, env) {
				got, err := render.Clean(o)
				if err != nil {
					t.Fatal(err)
				}
				v1, err := jsonvaltest.EncodingJSON(o)
				if err != nil {
					t.Fatal(err)
				}
				want, err := render.Clean(v1)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("%s %s/%s: Clean differs from encoding/json (-want +got):\n%s", env.Name, o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), d)
				}
				objects++
			}
		}
	}
	if objects < 6000 {
		t.Fatalf("only %d objects compared", objects)
	}
}

// TestCleanWritesNumbersAsEncodingJSON: a json.Number among generic values
// stays the number it holds, and one that is not a number is an error.
func TestCleanWritesNumbersAsEncodingJSON(t *testing.T) {
	v, err := render.Clean(map[string]any{"kind": "X", "n": json.Number("1.50"), "z": json.Number("")})
	if err != nil {
		t.Fatal(err)
	}
	if v["n"] != json.Number("1.50") || v["z"] != json.Number("0") {
		t.Errorf("numbers: %#v", v)
	}
	if _, err := render.Clean(map[string]any{"n": json.Number("nope")}); err == nil {
		t.Error("a Number that is no number was written")
	}
}

// TestCleanReplacesInvalidUTF8AsEncodingJSON: invalid UTF-8 in a name or a
// value becomes U+FFFD, as encoding/json writes it, and HTML characters
// stay as they are.
func TestCleanReplacesInvalidUTF8AsEncodingJSON(t *testing.T) {
	got, err := render.Clean(map[string]any{"kind": "X", "a": "bad\xffx", "b\xfe": "<&>\u2028"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"kind": "X", "a": "bad\uFFFDx", "b\uFFFD": "<&>\u2028"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
