package compile

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/model"
)

// memRenders keeps renders in memory, and counts what it is asked.
type memRenders struct {
	mu         sync.Mutex
	m          map[[sha256.Size]byte][]byte
	hits, puts int
}

func (r *memRenders) Get(k [sha256.Size]byte) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.m[k]
	if ok {
		r.hits++
	}
	return b, ok
}

func (r *memRenders) Put(k [sha256.Size]byte, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[[sha256.Size]byte][]byte{}
	}
	r.m[k] = b
	r.puts++
}

// compiled compiles the definitions for the example environments.
func compiled(t *testing.T, defs []model.App, r Renders) Result {
	t.Helper()
	opts := Options{Schemas: schemaDir}
	if r != nil {
		opts.Renders = r
	}
	res, err := Compile(context.Background(), defs, apps.Envs(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tree.Files) > 0 {
		if diff := cmp.Diff(res.Tree.Digest(), res.Digest); diff != "" {
			t.Errorf("the compile's digest (+) against its tree's (-):\n%s", diff)
		}
	}
	return res
}

// same requires two compiles to have given the same tree, objects and
// findings.
func same(t *testing.T, what string, got, want Result) {
	t.Helper()
	if diff := cmp.Diff(want.Tree, got.Tree); diff != "" {
		t.Errorf("%s: tree (+) against a compile without renders (-):\n%s", what, diff)
	}
	if diff := cmp.Diff(want.Digest, got.Digest); diff != "" {
		t.Errorf("%s: digest (+) against a compile without renders (-):\n%s", what, diff)
	}
	type obj struct{ Env, App, Folder, Kind, Namespace, Name, Path string }
	objs := func(r Result) []obj {
		var out []obj
		for _, o := range r.Objects {
			out = append(out, obj{o.Env.Name, string(o.App.Name), o.Folder, o.GVK.String(), o.Namespace, o.Name, o.Path})
		}
		return out
	}
	if diff := cmp.Diff(objs(want), objs(got)); diff != "" {
		t.Errorf("%s: objects (+/-):\n%s", what, diff)
	}
	if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
		t.Errorf("%s: findings (+/-):\n%s", what, diff)
	}
}

// TestRendersChangeNothing: a compile that takes every app from the
// renders gives what rendering them does.
func TestRendersChangeNothing(t *testing.T) {
	r := &memRenders{}
	cold := compiled(t, apps.All(), nil)
	if len(cold.Tree.Files) < 100 {
		t.Fatalf("%d files: %v", len(cold.Tree.Files), cold.Findings)
	}
	first := compiled(t, apps.All(), r)
	same(t, "keeping renders", first, cold)
	units := len(apps.All()) * len(apps.Envs())
	if r.puts != units || r.hits != 0 {
		t.Fatalf("first compile: %d kept, %d found; want %d kept", r.puts, r.hits, units)
	}
	same(t, "from the renders", compiled(t, apps.All(), r), cold)
	if r.hits != units {
		t.Errorf("second compile: %d of %d found", r.hits, units)
	}
}

// TestRendersFollowWhatAnAppReads: after an edit that changes what other
// apps render (an app's Service ports, which the apps that hold its URL
// read; a team's Prometheus, which its apps admit), a compile from the
// renders of the definitions before it gives what a compile without them
// does (the tree, or the findings of a compile the edit breaks).
func TestRendersFollowWhatAnAppReads(t *testing.T) {
	r := &memRenders{}
	compiled(t, apps.All(), r)
	edits := map[string][]model.App{}
	for _, a := range apps.All() {
		spec := a.Spec
		b := a
		b.Spec = func(env model.Env) model.Spec {
			s := spec(env)
			s.Ports = slices.Clone(s.Ports)
			for i := range s.Ports {
				s.Ports[i].Service = s.Ports[i].ServicePort() + 1000
			}
			return s
		}
		edits["ports of "+string(a.Name)] = replaced(b)
		if a.Platform {
			edits["without "+string(a.Name)] = slices.DeleteFunc(apps.All(), func(c model.App) bool { return c.Name == a.Name })
		}
	}
	for what, defs := range edits {
		before := r.hits
		same(t, what, compiled(t, defs, r), compiled(t, defs, nil))
		if r.hits == before {
			t.Errorf("%s: no app was taken from the renders", what)
		}
	}
}

// replaced returns the example apps with one replaced.
func replaced(a model.App) []model.App {
	out := apps.All()
	for i := range out {
		if out[i].Name == a.Name {
			out[i] = a
		}
	}
	return out
}

// TestDamagedRendersAreMisses: a render with any byte changed, or cut
// short, does not decode (its CRC tells); a compile over damaged renders
// renders the apps again, and gives what a compile without them does.
func TestDamagedRendersAreMisses(t *testing.T) {
	r := &memRenders{}
	cold := compiled(t, apps.All(), r)
	env := apps.Envs()[0]
	for k, b := range r.m {
		if _, _, err := decodeRender(b, &env, model.App{}); err != nil {
			t.Fatalf("a render as kept: %v", err)
		}
		for _, at := range []int{0, len(renderHeader), len(b) / 2, len(b) - 5, len(b) - 1} {
			d := slices.Clone(b)
			d[at] ^= 0x40
			if _, _, err := decodeRender(d, &env, model.App{}); err == nil {
				t.Errorf("byte %d of %d changed: decoded", at, len(b))
			}
		}
		if _, _, err := decodeRender(b[:len(b)-1], &env, model.App{}); err == nil {
			t.Error("cut short: decoded")
		}
		d := slices.Clone(b)
		d[len(b)/2] ^= 0x40
		r.m[k] = d
	}
	same(t, "damaged renders", compiled(t, apps.All(), r), cold)
}

// TestRendersKeepWhatNamesFound: an app taken from the renders has its
// names' findings again, whether its render says they all passed or not.
func TestRendersKeepWhatNamesFound(t *testing.T) {
	defs := []model.App{app(strings.Repeat("a", 50), true), app("short", true)}
	compile := func(r Renders) Result {
		t.Helper()
		res, err := Compile(context.Background(), defs, envs, Options{Schemas: schemaDir, Renders: r})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want := compile(nil)
	if !slices.ContainsFunc(want.Findings, func(f finding.Finding) bool { return f.Path == "metadata.name" }) {
		t.Fatalf("no name finding: %v", want.Findings)
	}
	r := &memRenders{}
	compile(r)
	got := compile(r)
	if r.hits != len(defs)*len(envs) {
		t.Fatalf("%d renders found, want %d", r.hits, len(defs)*len(envs))
	}
	if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
		t.Errorf("from the renders (+) against without (-):\n%s", diff)
	}
}
