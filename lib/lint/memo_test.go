package lint

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/manifold-dev/manifold/lib/finding"
)

// corpus is every object the lint tests know, each object known by its
// file's hash where the file holds one: the example tree's environments,
// a graph each, and the fixtures, a graph per file, as they are linted.
func corpus(t *testing.T) []*Graph {
	t.Helper()
	files, _, err := Read([]string{"../../out", "../../tests/lint"}, Options{Schemas: schemaDir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	var tree []File
	var gs []*Graph
	for _, f := range files {
		if f.Env != "" {
			tree = append(tree, f)
		} else {
			gs = append(gs, graphs([]File{f}, true)...)
		}
	}
	gs = append(gs, graphs(tree, true)...)
	sums := 0
	for _, g := range gs {
		for _, o := range g.Objects {
			if o.Sum != ([sha256.Size]byte{}) {
				sums++
			}
		}
	}
	if sums < 400 {
		t.Fatalf("only %d objects known by their bytes", sums)
	}
	return gs
}

// TestPerObjectRulesNeedNoOtherObject holds every per-object rule to its
// name: over the whole corpus, what it finds on a graph of each object
// alone (what the engine hands it) is what it finds on the whole graph.
// A rule that looks at another object belongs with the graph rules.
func TestPerObjectRulesNeedNoOtherObject(t *testing.T) {
	gs := corpus(t)
	cfg := &Config{}
	rules := Rules()
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	engine := Run(gs, rules, cfg)
	perObject := 0
	for _, r := range rules {
		if !r.PerObject {
			continue
		}
		perObject++
		var whole []finding.Finding
		for _, g := range gs {
			suppressed, _ := suppressions(g, cfg, known)
			whole = append(whole, runRule(g, r, cfg, suppressed)...)
		}
		finding.Sort(whole)
		alone := slices.DeleteFunc(slices.Clone(engine), func(f finding.Finding) bool { return f.Rule != r.ID })
		if diff := cmp.Diff(whole, alone, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: alone (+) against the whole graph (-):\n%s", r.ID, diff)
		}
	}
	if perObject < 30 {
		t.Errorf("only %d per-object rules", perObject)
	}
}

// TestMemoReplaysWhatItKept: a run with a memo finds what a run without
// one does, and a second run from the memo read back finds it again
// without checking any object; the memo answers for an object only under
// the settings it was found under.
func TestMemoReplaysWhatItKept(t *testing.T) {
	gs := corpus(t)
	rules := Rules()
	want := Run(gs, rules, nil)
	m := NewMemo()
	if diff := cmp.Diff(want, m.Run(gs, rules, nil)); diff != "" {
		t.Fatalf("with a memo (+) against without (-):\n%s", diff)
	}
	if !m.Changed() {
		t.Fatal("the memo kept nothing")
	}
	back := LoadMemo(m.Bytes())
	if got := back.Run(corpus(t), rules, nil); !cmp.Equal(want, got) {
		t.Errorf("from the memo read back (+) against without (-):\n%s", cmp.Diff(want, got))
	}
	if back.Changed() {
		t.Error("the second run checked an object again")
	}

	// A note planted for one object is what the memo says of it: the
	// rules do not run for it; under other settings they do.
	g := gs[len(gs)-1] // an environment of the example tree
	o := g.Objects[0]
	var perObject []*Rule
	for _, r := range rules {
		if r.PerObject {
			perObject = append(perObject, r)
		}
	}
	key, ok := back.key(back.context(g, perObject, &Config{}), o)
	if !ok {
		t.Fatalf("%s has no sum", o.File)
	}
	back.put(key, true, []note{{Rule: "image-not-pinned", Segs: []string{"metadata", "name"}, Message: "planted"}})
	one := []*Graph{NewGraph(g.Env, g.Kubernetes, g.Production, g.Facts, []*Object{o})}
	if fs := back.Run(one, rules, nil); !slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Message == "planted" }) {
		t.Errorf("the planted note was not replayed: %v", fs)
	}
	other := []*Graph{NewGraph(g.Env, "1.20.0", g.Production, g.Facts, []*Object{o})}
	if fs := back.Run(other, rules, nil); slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Message == "planted" }) {
		t.Error("the memo answered for another Kubernetes version")
	}
	cfg := &Config{Severities: []string{"page"}}
	if fs := back.Run(one, rules, cfg); slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Message == "planted" }) {
		t.Error("the memo answered for another configuration")
	}
}

// TestLoadMemoOfDamagedBytes: a memo cut anywhere, or with its header
// changed, reads as entries the whole one has, never more and never
// altered, and never panics.
func TestLoadMemoOfDamagedBytes(t *testing.T) {
	m := NewMemo()
	m.put([sha256.Size]byte{1}, true, nil)
	m.put([sha256.Size]byte{2}, true, []note{{Rule: "r", Segs: []string{"spec", "x"}, Message: "m", Quiet: true}, {Rule: "s", Message: ""}})
	m.put([sha256.Size]byte{3}, true, []note{{Rule: "t", Segs: []string{""}, Message: "ü"}})
	b := m.Bytes()
	if whole := LoadMemo(b); !cmp.Equal(whole.entries, unconfirmed(m.entries), cmp.AllowUnexported(memoEntry{}, note{})) {
		t.Fatalf("read back: %v, want %v", whole.entries, m.entries)
	}
	for n := range len(b) {
		got := LoadMemo(b[:n])
		for k, e := range got.entries {
			if w, ok := m.entries[k]; !ok || !cmp.Equal(e.notes, w.notes, cmp.AllowUnexported(note{})) {
				t.Errorf("cut at %d: %x: %v, want %v", n, k, e.notes, w.notes)
			}
		}
	}
	if got := LoadMemo(bytes.Replace(b, []byte("memo 1"), []byte("memo 0"), 1)); len(got.entries) != 0 {
		t.Errorf("another layout read as %d entries", len(got.entries))
	}
}

// unconfirmed is the entries as a new run reads them.
func unconfirmed(es map[[sha256.Size]byte]memoEntry) map[[sha256.Size]byte]memoEntry {
	out := map[[sha256.Size]byte]memoEntry{}
	for k, e := range es {
		out[k] = memoEntry{notes: e.notes}
	}
	return out
}

// TestMemoBytesDropsTheUnused: entries no run used are kept while they do
// not outnumber the used ones.
func TestMemoBytesDropsTheUnused(t *testing.T) {
	m := NewMemo()
	for i := range 3 {
		m.put([sha256.Size]byte{byte(i)}, true, nil)
	}
	back := LoadMemo(m.Bytes())
	back.get([sha256.Size]byte{0}, true)
	if got := len(LoadMemo(back.Bytes()).entries); got != 1 {
		t.Errorf("one used of three: %d kept, want 1", got)
	}
	back.get([sha256.Size]byte{1}, true)
	back.get([sha256.Size]byte{2}, true)
	if got := len(LoadMemo(back.Bytes()).entries); got != 3 {
		t.Errorf("all used: %d kept, want 3", got)
	}
}
