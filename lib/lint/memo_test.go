package lint

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestRulesNeedOnlyWhatTheySee holds every rule to what the engine shows
// it, over the whole corpus: a per-object rule finds on a graph of each
// object alone what it finds on the whole graph, and a graph rule finds on
// the graph's view (without images, commands, arguments and literal
// environment values; with replica counts null unless it reads them, see
// Rule.Scale; of only the kinds it reads, see Rule.Reads) what it finds
// on the whole values. A rule that looks at another object belongs with
// the graph rules; a graph rule that reads what the view leaves out needs
// it kept.
func TestRulesNeedOnlyWhatTheySee(t *testing.T) {
	gs := corpus(t)
	cfg := &Config{}
	rules := Rules()
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	// A memo, even an empty one, makes the engine run the graph rules on
	// the graph's view; without one they see the whole graph.
	engine := NewMemo().Run(gs, rules, cfg)
	perObject := 0
	for _, r := range rules {
		if r.PerObject {
			perObject++
		}
		var whole []finding.Finding
		for _, g := range gs {
			whole = append(whole, runRule(g, r, cfg)...)
		}
		finding.Sort(whole)
		seen := slices.DeleteFunc(slices.Clone(engine), func(f finding.Finding) bool { return f.Rule != r.ID })
		if diff := cmp.Diff(whole, seen, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (per-object %v): as the engine runs it (+) against on the whole graph (-):\n%s", r.ID, r.PerObject, diff)
		}
	}
	if perObject < 30 {
		t.Errorf("only %d per-object rules", perObject)
	}
	// The suppressions are checked object by object: as over each graph.
	var whole []finding.Finding
	for _, g := range gs {
		p := &Pass{Graph: g, Config: cfg, rule: suppressionRule}
		for _, o := range g.Objects {
			checkSuppressions(p, o, known)
		}
		for _, r := range p.reported {
			whole = append(whole, r.Finding)
		}
	}
	finding.Sort(whole)
	seen := slices.DeleteFunc(slices.Clone(engine), func(f finding.Finding) bool { return f.Rule != suppressionRule.ID })
	if diff := cmp.Diff(whole, seen, cmpopts.EquateEmpty()); diff != "" || len(seen) == 0 {
		t.Errorf("suppressions as the engine checks them (+) against over each graph (-):\n%s", diff)
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
	key, ok := back.key(back.context(g, rules, &Config{}), o)
	if !ok {
		t.Fatalf("%s has no sum", o.File)
	}
	back.put(key, true, memoEntry{notes: []note{{Rule: "image-not-pinned", Segs: []string{"metadata", "name"}, Path: "metadata.name", Message: "planted"}}})
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

// TestMemoLoadedLaterIsWaitedFor: a memo whose bytes are still being read
// answers nothing before they are, then what they hold: a run started
// meanwhile waits, and checks no object the memo knew.
func TestMemoLoadedLaterIsWaitedFor(t *testing.T) {
	rules := Rules()
	m := NewMemo()
	want := m.Run(corpus(t), rules, nil)
	release := make(chan []byte)
	later := LoadMemoLater(func() []byte { return <-release })
	got := make(chan []finding.Finding)
	go func() { got <- later.Run(corpus(t), rules, nil) }()
	select {
	case fs := <-got:
		t.Fatalf("the run did not wait for the memo: %d findings", len(fs))
	case <-time.After(50 * time.Millisecond):
	}
	release <- m.Bytes()
	if fs := <-got; !cmp.Equal(want, fs) {
		t.Errorf("from the memo loaded later (+) against without (-):\n%s", cmp.Diff(want, fs))
	}
	if later.Changed() {
		t.Error("the run checked again an object the memo knew")
	}
}

// memoCmp compares what memos hold.
var memoCmp = cmp.AllowUnexported(memoEntry{}, kept[memoEntry]{}, kept[[]indexedNote]{}, note{}, objectView{}, indexedNote{})

// TestLoadMemoOfDamagedBytes: a memo reads back as it was written; cut
// anywhere, or with its header changed, it reads as empty, and never
// panics.
func TestLoadMemoOfDamagedBytes(t *testing.T) {
	m := NewMemo()
	m.put([sha256.Size]byte{1}, true, memoEntry{})
	m.put([sha256.Size]byte{2}, true, memoEntry{view: objectView{sum: [sha256.Size]byte{9}, ok: true}, notes: []note{{Rule: "r", Segs: []string{"spec", "x"}, Path: "spec.x", Message: "m", Quiet: true}, {Rule: "s", Message: ""}}})
	m.put([sha256.Size]byte{3}, true, memoEntry{notes: []note{{Rule: "t", Segs: []string{""}, Message: "ü"}}})
	m.put([sha256.Size]byte{5}, true, memoEntry{view: objectView{sum: [sha256.Size]byte{7}, blind: [sha256.Size]byte{7}, ok: true}})
	m.putGraph([sha256.Size]byte{4}, true, []indexedNote{{Object: 70000, note: note{Rule: "g", Message: "far"}}, {Object: 0}})
	b := m.Bytes()
	whole := LoadMemo(b)
	if !cmp.Equal(whole.entries, unconfirmed(m.entries), memoCmp) || !cmp.Equal(whole.graphs, unconfirmed(m.graphs), memoCmp) {
		t.Fatalf("read back: %v %v, want %v %v", whole.entries, whole.graphs, m.entries, m.graphs)
	}
	for n := range len(b) {
		got := LoadMemo(b[:n])
		if len(got.entries)+len(got.graphs) != 0 {
			t.Errorf("cut at %d of %d: read as %d entries", n, len(b), len(got.entries)+len(got.graphs))
		}
	}
	if got := LoadMemo(bytes.Replace(b, []byte("memo 4"), []byte("memo 3"), 1)); len(got.entries) != 0 {
		t.Errorf("another layout read as %d entries", len(got.entries))
	}
	// A view's tag that is none of unknown, one hash or two.
	bad, key := NewMemo(), [sha256.Size]byte{6}
	bad.put(key, true, memoEntry{})
	b = bad.Bytes()
	if i := bytes.Index(b, key[:]) + sha256.Size; b[i] != 0 {
		t.Fatalf("byte %d is %d, not the view's tag", i, b[i])
	} else {
		b[i] = 3
	}
	if got := LoadMemo(b); len(got.entries) != 0 {
		t.Errorf("a bad view's tag read as %d entries", len(got.entries))
	}
	// A kind's index past the list of kinds.
	b = bad.Bytes()
	if i := bytes.Index(b, key[:]) + sha256.Size + 1; b[i] != 0 {
		t.Fatalf("byte %d is %d, not the kind's index", i, b[i])
	} else {
		b[i] = 1
	}
	if got := LoadMemo(b); len(got.entries) != 0 {
		t.Errorf("a bad kind's index read as %d entries", len(got.entries))
	}
}

// unconfirmed is the entries as a new run reads them.
func unconfirmed[E any](es map[[sha256.Size]byte]*kept[E]) map[[sha256.Size]byte]*kept[E] {
	out := map[[sha256.Size]byte]*kept[E]{}
	for k, e := range es {
		out[k] = &kept[E]{e: e.e}
	}
	return out
}

// TestMemoBytesDropsTheUnused: entries no run used are kept while they do
// not outnumber the used ones.
func TestMemoBytesDropsTheUnused(t *testing.T) {
	m := NewMemo()
	for i := range 3 {
		m.put([sha256.Size]byte{byte(i)}, true, memoEntry{})
	}
	back := LoadMemo(m.Bytes())
	use := func(keys ...byte) {
		objs := make([]graphObject, len(keys))
		for i, k := range keys {
			objs[i] = graphObject{key: [sha256.Size]byte{k}, keyed: true}
		}
		back.getAll(objs)
	}
	use(0)
	if got := len(LoadMemo(back.Bytes()).entries); got != 1 {
		t.Errorf("one used of three: %d kept, want 1", got)
	}
	use(1, 2)
	if got := len(LoadMemo(back.Bytes()).entries); got != 3 {
		t.Errorf("all used: %d kept, want 3", got)
	}
}

// runRule runs one rule over one graph, and keeps what is neither
// suppressed nor accepted by the configuration.
func runRule(g *Graph, r *Rule, cfg *Config) []finding.Finding {
	if cfg.disabled(r) || (r.Production && !g.Production) {
		return nil
	}
	p := &Pass{Graph: g, Config: cfg, rule: r}
	r.Check(p)
	var out []finding.Finding
	for _, f := range p.reported {
		// Suppressed: the annotation that names the rule, with a reason.
		reason, named := f.object.Annotations()[SuppressPrefix+f.Rule]
		if named && strings.TrimSpace(reason) != "" || cfg.accepted(f.Finding) {
			continue
		}
		out = append(out, f.Finding)
	}
	return out
}

// TestGraphMemoOutlivesAnImageChange: after an object's image, an
// environment variable's value, a probe, its security context and its
// resource quantities change, the graph rules' notes come from the memo
// (what they see is the same); after its replicas change, those of the
// rules that do not read replica counts do; after a port changes, those
// of every group that reads Deployments run again, and no other. A graph
// has an entry for each group of graph rules.
func TestGraphMemoOutlivesAnImageChange(t *testing.T) {
	g := corpus(t)[len(corpus(t))-1] // an environment of the example tree
	m := NewMemo()
	rules := Rules()
	want := m.Run([]*Graph{g}, rules, nil)
	groups := grouped(slices.DeleteFunc(slices.Clone(rules), func(r *Rule) bool { return r.PerObject }))
	counting, readers := 0, 0 // the groups that read replica counts, and Deployments
	for _, gr := range groups {
		if gr.viewing == counted {
			counting++
		}
		if len(gr.shows) == 0 && gr.viewing != named || gr.shows["Deployment"] {
			readers++ // a named group reads only the identity of other kinds
		}
	}
	if counting == 0 || counting == len(groups) || readers == len(groups) {
		t.Fatalf("%d of %d groups read replica counts, %d Deployments", counting, len(groups), readers)
	}
	if len(m.graphs) != len(groups) {
		t.Fatalf("%d graph entries, want %d", len(m.graphs), len(groups))
	}
	edit := func(change func(c map[string]any)) *Graph {
		return editDeployment(t, g, func(v map[string]any) {
			change(List(dig(v, podPaths["Deployment"]), "containers")[0].(map[string]any))
		})
	}
	image := edit(func(c map[string]any) {
		c["image"] = "registry.example.com/other:9.9.9"
		if Map(c, "readinessProbe") == nil || Map(c, "securityContext") == nil {
			t.Fatal("the container has no probe or security context to edit")
		}
		Map(c, "readinessProbe")["periodSeconds"] = json.Number("7")
		Map(c, "securityContext")["runAsUser"] = json.Number("4242")
		res := Map(c, "resources")
		if len(Map(res, "requests")) == 0 || len(Map(res, "limits")) == 0 {
			t.Fatal("the container has no requests or limits to edit")
		}
		for _, f := range []string{"requests", "limits"} {
			for name := range Map(res, f) {
				Map(res, f)[name] = "3Gi"
			}
		}
		for _, e := range List(c, "env") {
			if v, ok := e.(map[string]any)["value"]; ok {
				e.(map[string]any)["value"] = fmt.Sprint(v, "-edited")
			}
		}
	})
	if got := m.Run([]*Graph{image}, rules, nil); !cmp.Equal(got, want) {
		t.Errorf("after an image, probe, security and resources change (+), before (-):\n%s", cmp.Diff(want, got))
	}
	if len(m.graphs) != len(groups) {
		t.Errorf("after an image, probe, security and resources change: %d graph entries, want the same %d", len(m.graphs), len(groups))
	}
	scaled := editDeployment(t, g, func(v map[string]any) { Map(v, "spec")["replicas"] = json.Number("7") })
	if got, fresh := m.Run([]*Graph{scaled}, rules, nil), Run([]*Graph{scaled}, rules, nil); !cmp.Equal(got, fresh) {
		t.Errorf("after a replicas change, with the memo (+) and without (-):\n%s", cmp.Diff(fresh, got))
	}
	if len(m.graphs) != len(groups)+counting {
		t.Errorf("after a replicas change: %d graph entries, want %d (the rules that read it run again)", len(m.graphs), len(groups)+counting)
	}
	port := edit(func(c map[string]any) {
		List(c, "ports")[0].(map[string]any)["containerPort"] = json.Number("9999")
	})
	m.Run([]*Graph{port}, rules, nil)
	if len(m.graphs) != len(groups)+counting+readers {
		t.Errorf("after a port change: %d graph entries, want %d", len(m.graphs), len(groups)+counting+readers)
	}
}

// editDeployment returns g with a copy of its first Deployment, which
// change has changed.
func editDeployment(t *testing.T, g *Graph, change func(v map[string]any)) *Graph {
	t.Helper()
	for i, o := range g.Objects {
		if o.Kind() == "Deployment" {
			return edited(t, g, i, change)
		}
	}
	t.Fatal("no Deployment to edit")
	return nil
}

// edited returns g with a copy of its object i, which change has changed,
// known by the copy's bytes.
func edited(t *testing.T, g *Graph, i int, change func(v map[string]any)) *Graph {
	t.Helper()
	o := g.Objects[i]
	var v map[string]any // a copy, with numbers as the reader's
	b, _ := json.Marshal(o.Value)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	change(v)
	b, _ = json.Marshal(v)
	objs := slices.Clone(g.Objects)
	objs[i] = &Object{App: o.App, File: o.File, Value: v, Locate: o.Locate, Sum: sha256.Sum256(b)}
	return NewGraph(g.Env, g.Kubernetes, g.Production, g.Facts, objs)
}

// TestLazyValuesLoadOnlyWhenChecked: objects known by a loader alone find
// what loaded objects do; with a memo that knows every object and graph,
// none is loaded but those a finding is about or that suppress one (in a
// graph with an object that has no sum, which the memo cannot know, all
// are checked).
func TestLazyValuesLoadOnlyWhenChecked(t *testing.T) {
	gs := corpus(t)
	want := Run(gs, Rules(), nil)
	noted := map[string]bool{} // the files findings are about
	for _, f := range want {
		noted[f.File] = true
	}
	var loads, known atomic.Int64
	var mu sync.Mutex
	var loaded []*Object // of fully known graphs
	lazy := func() []*Graph {
		var out []*Graph
		for _, g := range gs {
			summed := !slices.ContainsFunc(g.Objects, func(o *Object) bool { return o.Sum == ([sha256.Size]byte{}) })
			objs := make([]*Object, len(g.Objects))
			for i, o := range g.Objects {
				v := o.Value
				objs[i] = &Object{App: o.App, File: o.File, Locate: o.Locate, Sum: o.Sum,
					Load: func() map[string]any {
						loads.Add(1)
						if summed {
							known.Add(1)
							mu.Lock()
							loaded = append(loaded, o)
							mu.Unlock()
						}
						return v
					}}
			}
			out = append(out, NewGraph(g.Env, g.Kubernetes, g.Production, g.Facts, objs))
		}
		return out
	}
	m := NewMemo()
	if got := m.Run(lazy(), Rules(), nil); !cmp.Equal(got, want) {
		t.Fatalf("lazy objects (+) against loaded ones (-):\n%s", cmp.Diff(want, got))
	}
	if known.Load() < 400 {
		t.Fatalf("%d objects loaded for a memo that knew nothing", known.Load())
	}
	loads.Store(0)
	known.Store(0)
	loaded = nil
	if got := m.Run(lazy(), Rules(), nil); !cmp.Equal(got, want) {
		t.Fatalf("from the memo (+) against loaded (-):\n%s", cmp.Diff(want, got))
	}
	suppressing := func(o *Object) bool {
		return slices.ContainsFunc(slices.Collect(maps.Keys(o.Annotations())), func(k string) bool { return strings.HasPrefix(k, SuppressPrefix) })
	}
	for _, o := range loaded {
		if !noted[o.File] && !suppressing(o) {
			t.Errorf("with the memo warm, %s was loaded: no finding is about it", o.File)
		}
	}
	if int(known.Load()) > len(want) || loads.Load() == known.Load() {
		t.Errorf("with the memo warm: %d objects of fully known graphs loaded (%d findings), %d in all", known.Load(), len(want), loads.Load())
	}
}

// TestGraphMemoFollowsTheIndexes: the notes of the rules that are shown
// only some kinds (Rule.Reads) are about the same objects after an object
// of another kind comes before those: the memo knows what they see by
// each object's index in its graph too, not by their order alone.
func TestGraphMemoFollowsTheIndexes(t *testing.T) {
	rules := Rules()
	var g *Graph
	for _, c := range corpus(t) {
		for _, f := range Run([]*Graph{c}, rules, nil) {
			if i := slices.IndexFunc(rules, func(r *Rule) bool { return r.ID == f.Rule }); i >= 0 && len(rules[i].Reads) > 0 && len(c.Objects) > 1 {
				g = c
			}
		}
	}
	if g == nil {
		t.Fatal("no graph of several objects where a rule shown only some kinds finds something")
	}
	m := NewMemo()
	m.Run([]*Graph{g}, rules, nil)
	extra := &Object{App: "extra", File: "extra.yaml", Sum: sha256.Sum256([]byte("extra")), Value: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "extra", "namespace": "default"},
	}}
	shifted := func() *Graph {
		return NewGraph(g.Env, g.Kubernetes, g.Production, g.Facts, append([]*Object{extra}, g.Objects...))
	}
	want := Run([]*Graph{shifted()}, rules, nil)
	if got := m.Run([]*Graph{shifted()}, rules, nil); !cmp.Equal(got, want) {
		t.Errorf("with an object before the others, from the memo (+) and without one (-):\n%s", cmp.Diff(want, got))
	}
}

// TestReadsAreWhatRulesRead: over every graph of the corpus, each graph
// rule given Reads runs on the view of just those kinds (and a named one
// on every other object's identity) without asking for another. One that does strays, and runs again on the whole view:
// what it finds is right, but the edits it was to be spared rerun it.
func TestReadsAreWhatRulesRead(t *testing.T) {
	restricted := 0
	for _, g := range corpus(t) {
		objs := make([]graphObject, len(g.Objects))
		for i, o := range g.Objects {
			objs[i].object = o
		}
		for _, gr := range grouped(slices.DeleteFunc(Rules(), func(r *Rule) bool { return r.PerObject })) {
			shown := reading(objs, gr)
			if shown == nil && gr.viewing != named {
				continue
			}
			for _, r := range gr.rules {
				restricted++
				v := view(g, objs, shown, group{rules: []*Rule{r}, viewing: gr.viewing, shows: gr.shows})
				runOnView(v, r, &Config{})
				if v.strayed.Load() {
					t.Errorf("%s strays from the kinds it reads, %v, on a graph of %d objects", r.ID, r.Reads, len(g.Objects))
				}
			}
		}
	}
	if restricted == 0 {
		t.Fatal("no rule was shown only the kinds it reads")
	}
}

// TestStrayingRulesRunOnTheWholeView: a graph rule whose Reads leave out a
// kind it asks for finds what it finds on the whole graph, and the memo
// keeps that by every object: a second run from it runs nothing.
func TestStrayingRulesRunOnTheWholeView(t *testing.T) {
	runs := 0
	var mu sync.Mutex
	targets := &Rule{ID: "hpa-targets", Severity: finding.Warning, Reads: []string{"HorizontalPodAutoscaler"}, Check: func(p *Pass) {
		mu.Lock()
		runs++
		mu.Unlock()
		for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
			if t := hpaTarget(p.Graph, hpa); t != nil {
				p.Report(t, nil, "scaled by %s", hpa.Name())
			}
		}
	}}
	rules := []*Rule{targets}
	// The graphs the memo can know: every object known by its bytes.
	known := func() []*Graph {
		return slices.DeleteFunc(corpus(t), func(g *Graph) bool {
			return slices.ContainsFunc(g.Objects, func(o *Object) bool { return o.Sum == [sha256.Size]byte{} })
		})
	}
	want := Run(known(), rules, nil)
	if len(want) == 0 {
		t.Fatal("the rule finds nothing in the corpus")
	}
	m := NewMemo()
	if got := m.Run(known(), rules, nil); !cmp.Equal(got, want) {
		t.Errorf("with the memo (+) and without (-):\n%s", cmp.Diff(want, got))
	}
	back := LoadMemo(m.Bytes())
	runs = 0
	if got := back.Run(known(), rules, nil); !cmp.Equal(got, want) {
		t.Errorf("from the memo read back (+) and without one (-):\n%s", cmp.Diff(want, got))
	}
	if runs != 0 {
		t.Errorf("from the memo read back, the rule ran %d times", runs)
	}
}

// TestNamedMemoSeesAMove: the rules that read every object's identity
// (Rule.Names) run again when an object moves to another namespace, and
// find there the duplicate it makes.
func TestNamedMemoSeesAMove(t *testing.T) {
	g := corpus(t)[len(corpus(t))-1] // an environment of the example tree
	at := map[string]*Object{}       // by kind and name
	var moved *Graph
	for i, o := range g.Objects {
		key := o.Kind() + "/" + o.Name()
		first, ok := at[key]
		if !ok {
			at[key] = o
			continue
		}
		if first.Namespace() == o.Namespace() {
			continue
		}
		moved = edited(t, g, i, func(v map[string]any) { Map(v, "metadata")["namespace"] = first.Namespace() })
		break
	}
	if moved == nil {
		t.Fatal("no two objects of a kind and name in two namespaces")
	}
	rules := Rules()
	m := NewMemo()
	m.Run([]*Graph{g}, rules, nil)
	want := Run([]*Graph{moved}, rules, nil)
	if !slices.ContainsFunc(want, func(f finding.Finding) bool { return f.Rule == "duplicate-object" }) {
		t.Fatal("the move makes no duplicate")
	}
	if got := m.Run([]*Graph{moved}, rules, nil); !cmp.Equal(got, want) {
		t.Errorf("after the move, with the memo (+) and without (-):\n%s", cmp.Diff(want, got))
	}
}
