package lint

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/validate"
	"github.com/manifold-dev/manifold/lib/workers"
)

// Locator returns where the value at a path of an object is.
type Locator func(segs []string) finding.Position

// Object is one Kubernetes object in the graph, wherever it came from.
type Object struct {
	// App is the app the object was compiled from, when known.
	App string
	// File is the path of the object's file in the repository, as Argo CD
	// reads it ("out/prod/myapp/deployment-myapp.yaml").
	File string
	// Value is the object as decoded JSON. The rules only read it. It may
	// be nil while Load is set: the engine loads it before a rule reads it,
	// and a run whose Memo knows every object never does.
	Value map[string]any
	// Load returns Value, for an object whose Value is not loaded yet.
	Load   func() map[string]any
	Locate Locator
	// Sum is the hash of the bytes the object was rendered to or read
	// from, by which a Memo knows it; zero for an object not known so.
	Sum [sha256.Size]byte

	// meta is the object's identity, read from Value once: every rule
	// asks for it, many times. NewGraph reads it for a loaded object, the
	// engine for the others as it first needs it, on the one goroutine
	// that has the object then.
	meta *objectMeta
	// index is the object's index in its graph, on a graph's view.
	index int
}

// objectMeta is what an object's accessors return.
type objectMeta struct {
	apiVersion, kind, name, namespace string
	labels, annotations               map[string]string
}

// identity returns the object's identity, read from Value (loaded for it)
// the first time.
func (o *Object) identity() *objectMeta {
	if o.meta == nil {
		o.load()
		o.meta = metaOf(o.Value)
	}
	return o.meta
}

// ReadIdentity reads the object's identity (apiVersion, kind, name,
// namespace, labels and annotations) from its Value now, as NewGraph
// would: a caller that has just made the value, whose memory is still at
// hand, spares the graph reading it back from memory that is not (a
// cache miss for each of tens of thousands of objects).
func (o *Object) ReadIdentity() { o.identity() }

// metaOf reads an object's identity from its value.
func metaOf(v map[string]any) *objectMeta {
	md := Map(v, "metadata")
	return &objectMeta{
		apiVersion:  str(v, "apiVersion"),
		kind:        str(v, "kind"),
		name:        str(md, "name"),
		namespace:   str(md, "namespace"),
		labels:      stringMap(md, "labels"),
		annotations: stringMap(md, "annotations"),
	}
}

// APIVersion returns the object's apiVersion.
func (o *Object) APIVersion() string { return o.identity().apiVersion }

// Kind returns the object's kind.
func (o *Object) Kind() string { return o.identity().kind }

// load loads the object's Value, if it is not.
func (o *Object) load() {
	if o.Value == nil && o.Load != nil {
		o.Value = o.Load()
	}
}

// Group returns the API group of the object's apiVersion, "" for the core group.
func (o *Object) Group() string {
	g, _, found := strings.Cut(o.APIVersion(), "/")
	if !found {
		return ""
	}
	return g
}

// Name returns metadata.name.
func (o *Object) Name() string { return o.identity().name }

// Namespace returns metadata.namespace.
func (o *Object) Namespace() string { return o.identity().namespace }

// Labels returns metadata.labels: the string values, in a map shared by
// every caller, which must not change it.
func (o *Object) Labels() map[string]string { return o.identity().labels }

// Annotations returns metadata.annotations, in a map shared by every
// caller, which must not change it.
func (o *Object) Annotations() map[string]string { return o.identity().annotations }

// Graph is every object of one environment, indexed once.
type Graph struct {
	// Env is the environment's name; empty for YAML outside a manifold tree.
	Env string
	// Kubernetes is the cluster's version, "1.37.2".
	Kubernetes string
	// Production turns on the rules that only matter in production.
	Production bool
	// Facts are what the environment declares to exist outside the graph.
	Facts   Facts
	Objects []*Object

	byKind    map[string][]*Object
	kindOnce  sync.Once
	byKindNS  map[kindIn][]*Object
	byName    map[objectKey]*Object // the first of duplicates
	namesOnce sync.Once

	// The indexes below are built on first use, once: the rules of a
	// graph run in parallel.
	pods          []Pod
	podsOnce      sync.Once
	workloads     []Workload
	workloadsOnce sync.Once
	byNS          map[string][]Workload
	byNSOnce      sync.Once
	nsLabels      map[string]labels.Set // namespace -> the labels of its Namespace object
	nsLabelsOnce  sync.Once
	hpas          map[*Object]*Object // target -> autoscaler
	hpasOnce      sync.Once
	drs           map[*Object][]*Object // Service -> DestinationRules for its host
	drsOnce       sync.Once
	promRuleList  []promRule
	promRulesOnce sync.Once
	promCells     map[string]*promCell // by promRule key
	promCellRules []promRule           // the first rule of each key
	promCellsOnce sync.Once
	parsedOnce    sync.Once            // every promCell's expression found
	validatedOnce sync.Once            // every promCell's rulefmt errors found
	services      map[string][]*Object // namespace -> Services
	servicesOnce  sync.Once
	releases      map[string]map[string]bool // namespace -> Helm releases Argo CD deploys there
	releasesOnce  sync.Once
	secrets       map[string]map[string]bool // namespace -> Secrets produced there
	secretsOnce   sync.Once

	// memos are what the graph and the graphs of its single objects find
	// once of a value, whichever object holds it.
	memos *memos
	// single is set on a graph of one object, whose rules run on a
	// goroutine of the whole graph's: it has no index, and finds what it
	// indexes on that one goroutine.
	single bool
	// shows, on a view shown only some kinds (Rule.Reads), are those
	// kinds; nil on a view of every object. A rule there that asks for
	// the objects of another kind strays (see reads).
	shows   map[string]bool
	strayed atomic.Bool
	// named is set on the view of a named group (Rule.Names): its rules
	// may read every object, each by its identity.
	named bool
	one   [1]*Object // a single graph's Objects
}

// memos remember what is found of values, by the value: they hold for
// every graph of one environment's objects.
type memos struct {
	templates memo[templateKey, []error]           // what rulefmt finds of an alert's template
	selectors memo[unsafe.Pointer, parsedSelector] // by the selector's map
	contents  memo[string, parsedSelector]         // by the selector's content (jsonval.AppendCanonical)
	exprs     memo[string, parsedExpr]             // Prometheus expressions, by their text
	labels    [2]memo[string, string]              // the problems of label keys and of label values
}

// NewGraph indexes objects.
func NewGraph(env, kubernetes string, production bool, facts Facts, objs []*Object) *Graph {
	g := &Graph{Env: env, Kubernetes: kubernetes, Production: production, Facts: facts, Objects: objs, memos: new(memos)}
	workers.Each(len(objs), func(i int) {
		if o := objs[i]; o.Value != nil && o.meta == nil {
			o.meta = metaOf(o.Value)
		}
	})
	return g
}

// alone returns the graph of one of g's objects, with g's settings and
// memos: what the per-object rules are given. The caller that knows the
// graph no longer used may free it.
func (g *Graph) alone(o *Object) *Graph {
	a := alones.Get().(*Graph)
	a.Env, a.Kubernetes, a.Production, a.Facts, a.memos, a.single = g.Env, g.Kubernetes, g.Production, g.Facts, g.memos, true
	a.one[0] = o
	a.Objects = a.one[:]
	return a
}

// free returns a graph alone gave to be given again.
func (g *Graph) free() {
	*g = Graph{}
	alones.Put(g)
}

// alones are graphs of one object, to be used again: one is made for
// every object checked, and a graph is large.
var alones = sync.Pool{New: func() any { return new(Graph) }}

// kindIn is a kind in a namespace, and objectKey an object of one by name:
// the keys of a graph's indexes.
type (
	kindIn    struct{ kind, namespace string }
	objectKey struct{ kind, namespace, name string }
)

// kinds indexes the graph's objects by kind, once, when first asked: the
// graph the caller makes is not the one the rules are given, and a view
// whose rules ask only for kinds needs no more.
func (g *Graph) kinds() {
	g.kindOnce.Do(func() {
		g.byKind = map[string][]*Object{}
		for _, o := range g.Objects {
			g.byKind[o.Kind()] = append(g.byKind[o.Kind()], o)
		}
	})
}

// names indexes the graph's objects by kind and namespace, and by name,
// once, when first asked.
func (g *Graph) names() {
	g.namesOnce.Do(func() {
		g.byKindNS, g.byName = map[kindIn][]*Object{}, make(map[objectKey]*Object, len(g.Objects))
		for _, o := range g.Objects {
			in := kindIn{o.Kind(), o.Namespace()}
			g.byKindNS[in] = append(g.byKindNS[in], o)
			key := objectKey{in.kind, in.namespace, o.Name()}
			if _, dup := g.byName[key]; !dup {
				g.byName[key] = o
			}
		}
	})
}

// reads notes that a rule asks for the objects of kinds. On a view shown
// only some kinds, asking for another makes the run stray: the engine runs
// the rules again on a view of every object, so that what they find never
// depends on what Rule.Reads leaves out.
func (g *Graph) reads(kinds ...string) {
	for _, k := range kinds {
		if g.shows != nil && !g.shows[k] {
			g.strayed.Store(true)
		}
	}
}

// all returns every object of the graph, for a rule that reads them all:
// on a view shown only some kinds, the run strays (see reads); on a named
// view, it has them all, by their identity.
func (g *Graph) all() []*Object {
	if g.shows != nil && !g.named {
		g.strayed.Store(true)
	}
	return g.Objects
}

// OfKind returns the objects of a kind, in graph order.
func (g *Graph) OfKind(kind string) []*Object {
	if g.single {
		if g.Objects[0].Kind() == kind {
			return g.Objects
		}
		return nil
	}
	g.reads(kind)
	g.kinds()
	return g.byKind[kind]
}

// ofKindIn returns the objects of a kind in a namespace, in graph order.
func (g *Graph) ofKindIn(kind, ns string) []*Object {
	if g.single {
		return g.only(kind, ns, g.Objects[0].Name())
	}
	g.reads(kind)
	g.names()
	return g.byKindNS[kindIn{kind, ns}]
}

// only returns the object of a graph of one, if it has the kind,
// namespace and name; else nothing.
func (g *Graph) only(kind, ns, name string) []*Object {
	if o := g.Objects[0]; o.Kind() == kind && o.Namespace() == ns && o.Name() == name {
		return g.Objects
	}
	return nil
}

// Rule is one check: a stable ID, a default severity, a one-line doc, a
// help text with the fix, and a function over a graph: of one object, for
// a per-object rule, or the view of a whole environment's.
type Rule struct {
	ID       string
	Severity finding.Severity
	Doc      string
	Help     string
	// Production rules run only under -profile production (or for an
	// environment marked Production).
	Production bool
	// PerObject rules check each object on its own: the engine hands
	// Check a graph of that one object (with the environment's settings),
	// so what they find depends on nothing else, and a Memo keeps it by
	// the object's content. The rest see the whole graph.
	PerObject bool
	// Kinds, for a per-object rule, are the kinds of the objects it
	// checks: it is handed no other (empty: every kind).
	Kinds []string
	// Scale, for a graph rule, says that it reads how many pods a
	// workload or an autoscaler asks for (scaleCounts). The other graph
	// rules are shown the graph without those counts, so that what they
	// find holds across a scaling edit and a Memo keeps it so.
	Scale bool
	// Names, for a graph rule, says that it reads of every object only
	// its identity: its API version, kind, namespace, name, file and
	// position; and the values of the kinds Reads names. With a Memo it
	// is shown every other object as just that (identityOf), so that what
	// it finds holds across any edit of them but a rename.
	Names bool
	// Reads, for a graph rule, are the kinds of the objects it reads
	// (empty: every kind). With a Memo, the rules of a viewing that read
	// the same kinds run together, shown only the objects of those kinds,
	// so that what they find holds across an edit of any other kind, whose
	// objects are not looked at. A rule that asks for another kind all the
	// same strays, and runs again on a view of every object (Graph.reads):
	// Reads decides what a run costs, never what it finds.
	Reads []string
	Check func(p *Pass)
}

// Pass is one rule's run over one graph.
type Pass struct {
	Graph    *Graph
	Config   *Config
	rule     *Rule
	reported []reported
}

// Facts are the graph's outside facts and the configuration's, together.
func (p *Pass) Facts() Facts { return p.Graph.Facts.merge(p.Config.facts()) }

// ReportAt records a finding like Report, at a severity lowered to info
// when quiet is set: a cross-object check on a graph that lacks the other
// side (a file linted on its own) says so without failing the run.
func (p *Pass) ReportAt(quiet bool, o *Object, segs []string, format string, args ...any) {
	p.add(o, note{Rule: p.rule.ID, Segs: segs, Path: validate.JSONPath(o.Value, segs), Message: fmt.Sprintf(format, args...), Quiet: quiet})
}

// Report records a finding of the pass's rule on o at the value that segs
// names (nil for the whole object).
func (p *Pass) Report(o *Object, segs []string, format string, args ...any) {
	p.ReportAt(false, o, segs, format, args...)
}

// reported is a finding, the object it is about and what the rule said.
type reported struct {
	finding.Finding
	object *Object
	note   note
}

// note is what a rule says of an object: all a finding is made of
// besides the object's identity and location, the graph and the
// configuration, and what a Memo keeps.
type note struct {
	Rule    string
	Segs    []string
	Path    string // the segments as a path in the object's value
	Message string
	Quiet   bool
}

// add records the finding of a note about o.
func (p *Pass) add(o *Object, n note) {
	f := finding.Finding{
		Rule:      n.Rule,
		Severity:  p.Config.severity(p.rule),
		Env:       p.Graph.Env,
		App:       o.App,
		Kind:      o.Kind(),
		Namespace: o.Namespace(),
		Name:      o.Name(),
		Path:      n.Path,
		Message:   n.Message,
	}.At(o.Locate(n.Segs))
	if n.Quiet {
		f.Severity = finding.Info
	}
	p.reported = append(p.reported, reported{Finding: f, object: o, note: n})
}

// SuppressPrefix starts the annotations that name a rule and give the
// reason it does not apply to their object.
const SuppressPrefix = expand.SuppressPrefix

// Reserved rules of the engine itself.
var (
	suppressionRule = &Rule{
		ID: "suppression-reason", Severity: finding.Error,
		Doc:  "A suppression must give its reason and name a rule that exists.",
		Help: `Write the reason as the annotation's value: manifold.dev/ignore-<rule-id>: "why this rule does not apply here".`,
	}
)

// Run runs the rules over each graph, then drops what the objects'
// suppressions and the configuration's disabled rules and baseline accept.
// Findings come back sorted.
func Run(graphs []*Graph, rules []*Rule, cfg *Config) []finding.Finding {
	return (*Memo)(nil).Run(graphs, rules, cfg)
}

// Run is the package's Run, with what the rules find taken from m when m
// has it, and kept in m when not: what the per-object rules find of each
// object by its Sum, and what the graph rules find of a graph by the Sums
// of what they see of its objects (see graphView). The findings are the
// same either way.
func (m *Memo) Run(graphs []*Graph, rules []*Rule, cfg *Config) []finding.Finding {
	if cfg == nil {
		cfg = &Config{}
	}
	known := map[string]bool{}
	var perObject, perGraph []*Rule
	for _, r := range rules {
		known[r.ID] = true
		if r.PerObject {
			perObject = append(perObject, r)
		} else {
			perGraph = append(perGraph, r)
		}
	}
	groups := grouped(perGraph)
	// First what m knows of each object: what the per-object rules and
	// its suppressions found, and the hash of what the graph rules see of
	// it. Whether a suppression names a rule depends on them all.
	objCtx := make([][sha256.Size]byte, len(graphs))
	results := make([][]finding.Finding, 0, len(graphs)+1)
	workers.Each(len(graphs), func(i int) { objCtx[i] = m.context(graphs[i], rules, cfg) })
	n := 0
	for _, g := range graphs {
		n += len(g.Objects)
	}
	objs := make([]graphObject, 0, n)
	for i, g := range graphs {
		for _, o := range g.Objects {
			objs = append(objs, graphObject{graph: i, object: o})
		}
	}
	workers.Each(len(objs), func(t int) { objs[t].key, objs[t].keyed = m.key(objCtx[objs[t].graph], objs[t].object) })
	m.getAll(objs)
	workers.Each(len(objs), func(t int) { objs[t].see() })
	// Then what m knows of each graph, by what each group of graph rules
	// sees.
	// A graph to a goroutine: its groups share its objects.
	views := make([][]graphRun, len(graphs))
	starts := make([]int, len(graphs)+1)
	for i, g := range graphs {
		starts[i+1] = starts[i] + len(g.Objects)
	}
	workers.Each(len(graphs), func(i int) {
		if m == nil {
			// Every group runs on the graph itself (see graphRun).
			g := graphs[i]
			workers.Each(len(g.Objects), func(j int) {
				g.Objects[j].identity() // the graph rules read it in parallel
				g.Objects[j].index = j
			})
		}
		views[i] = make([]graphRun, len(groups))
		for k, gr := range groups {
			views[i][k] = m.graphRun(graphs[i], objs[starts[i]:starts[i+1]], gr, cfg)
		}
	})
	// Then, a task each on as many goroutines as cores, the graph rules
	// over each graph's view that m does not know (the longer tasks
	// first), and the per-object rules over each object.
	var tasks []graphTask
	for i := range views {
		for k := range views[i] {
			if v := &views[i][k]; !v.hit {
				v.byRule = make([][]indexedNote, len(groups[k].rules))
				for r := range groups[k].rules {
					tasks = append(tasks, graphTask{i, k, r})
				}
			}
		}
	}
	workers.Each(len(tasks)+len(objs), func(t int) {
		if t < len(tasks) {
			k := tasks[t]
			v := &views[k.graph][k.group]
			v.byRule[k.rule] = runOnView(v.graph, groups[k.group].rules[k.rule], cfg)
			return
		}
		o := &objs[t-len(tasks)]
		o.findings = m.checkObject(graphs[o.graph], o, perObject, cfg, known)
	})
	m.runStrayed(graphs, views, groups, cfg)
	for i := range views {
		for k := range views[i] {
			v := &views[i][k]
			if !v.hit {
				v.notes = slices.Concat(v.byRule...)
				m.putGraph(v.key, v.keyed, v.notes)
			}
			results = append(results, replay(graphs[i], v.notes, groups[k].rules, cfg))
		}
	}
	for _, o := range objs {
		results = append(results, o.findings)
	}
	out := slices.Concat(results...)
	finding.Sort(out)
	return out
}

// graphObject is an object, the index of its graph, what m knows of it,
// and its findings.
type graphObject struct {
	graph      int
	object     *Object
	key        [sha256.Size]byte
	keyed, hit bool
	entry      memoEntry
	views      [named]map[string]any // what the graph rules see of it, by viewing, when see made them
	findings   []finding.Finding
}

// A viewing is one of the ways the graph rules are shown a graph: without
// the replica counts of workloads and autoscalers (blindView), for the
// rules that do not read them; with them, for those that do (Rule.Scale);
// or every object by its identity alone, but those of the kinds its rules
// read (Rule.Names).
type viewing int

const (
	blind viewing = iota
	counted
	named
)

// see makes, for an object m does not know, what the graph rules see of
// it and the hashes of that.
func (o *graphObject) see() {
	if !o.hit && o.keyed {
		o.object.load()
		var part, blinded bool
		o.views[counted], part = graphView(o.object)
		o.views[blind], blinded = blindView(o.object, o.views[counted])
		o.entry.view = viewOf(o.object, o.views[counted], part, o.views[blind], blinded)
		o.entry.kind = o.object.Kind()
	}
}

// kind returns the object's kind: as the memo knows it, which spares
// loading an object the memo knows.
func (o *graphObject) kind() string {
	if o.hit {
		return o.entry.kind
	}
	return o.object.Kind()
}

// seen returns what the graph rules of a viewing, blind or counted, see
// of the object: what see made, or else what they see of it now.
func (o *graphObject) seen(s viewing) map[string]any {
	if v := o.views[s]; v != nil {
		return v
	}
	return viewIn(o.object, s)
}

// viewIn returns what the graph rules of a viewing, blind or counted, see
// of o.
func viewIn(o *Object, s viewing) map[string]any {
	v, _ := graphView(o)
	if s == blind {
		v, _ = blindView(o, v)
	}
	return v
}

// graphRun is the graph rules' run over one graph: its key in the memo,
// and the notes the memo had or the rules make on the graph's view.
type graphRun struct {
	key        [sha256.Size]byte
	keyed, hit bool
	graph      *Graph // the view, for a run the memo does not know
	byRule     [][]indexedNote
	notes      []indexedNote
	// whole is the key of the view of every object, for a run shown only
	// some kinds: what the memo keeps it under when it strays.
	whole [sha256.Size]byte
	objs  []graphObject
}

// graphTask is one graph rule of a group over one graph's view.
type graphTask struct{ graph, group, rule int }

// A group is the graph rules that run together on one view of a graph:
// those of one viewing that read the same kinds, or all the named ones.
type group struct {
	rules   []*Rule
	viewing viewing
	shows   map[string]bool // the kinds they read (none: every kind), or a named group's rules read the values of
}

// whole is the viewing of every object's value the group's rules are
// shown when they stray from the kinds they read: that of a named group is
// blind.
func (gr group) whole() group {
	if gr.viewing == named {
		gr.viewing = blind
	}
	return gr
}

// grouped returns the groups of graph rules, in the order of their first
// rules.
func grouped(rules []*Rule) []group {
	var out []group
	for _, r := range rules {
		s := blind
		switch {
		case r.Names:
			s = named
		case r.Scale:
			s = counted
		}
		// The named rules see every object, so one group holds them, shown
		// the values of the kinds any of them reads.
		i := slices.IndexFunc(out, func(g group) bool {
			return g.viewing == s && (s == named || slices.Equal(g.rules[0].Reads, r.Reads))
		})
		if i < 0 {
			out = append(out, group{viewing: s, shows: map[string]bool{}})
			i = len(out) - 1
		}
		for _, k := range r.Reads {
			out[i].shows[k] = true
		}
		out[i].rules = append(out[i].rules, r)
	}
	return out
}

// indexedNote is a note about the object at an index of its graph.
type indexedNote struct {
	Object int
	note
}

// graphRun looks up what a group of graph rules finds of g, by what they
// see of its objects, and when m does not know it returns the view of g
// they are to run on.
func (m *Memo) graphRun(g *Graph, objs []graphObject, gr group, cfg *Config) graphRun {
	var run graphRun
	var shown []int // the objects the rules are shown, when not all of them
	if m != nil && gr.viewing != named {
		shown = reading(objs, gr)
	}
	ctx := m.context(g, gr.rules, cfg)
	run.key, run.keyed = m.graphKey(ctx, g, objs, shown, gr)
	if run.notes, run.hit = m.known(run.key, run.keyed, g); run.hit {
		return run
	}
	if shown != nil || gr.viewing == named {
		// It may have strayed the last time, and been kept by all it saw.
		run.whole, _ = m.graphKey(ctx, g, objs, nil, gr.whole())
		if run.notes, run.hit = m.known(run.whole, run.keyed, g); run.hit {
			return run
		}
	}
	if m == nil {
		// Nothing is kept of this run, so the rules see all of g, as they
		// find on it what they find on its view
		// (TestRulesNeedOnlyWhatTheySee), without the view's copies; Run
		// has read each object's identity and set its index.
		run.graph = g
		return run
	}
	run.graph, run.objs = view(g, objs, shown, gr), objs
	return run
}

// runStrayed runs again, on the view of every object, each group of graph
// rules that was shown only some kinds and asked for another (see
// Graph.reads): what it found is not known to hold, and what it finds on
// the whole view is kept by all of it.
func (m *Memo) runStrayed(graphs []*Graph, views [][]graphRun, groups []group, cfg *Config) {
	var tasks []graphTask
	for i := range views {
		for k := range views[i] {
			v := &views[i][k]
			if v.hit || v.graph.shows == nil || !v.graph.strayed.Load() {
				continue
			}
			v.key, v.graph = v.whole, view(graphs[i], v.objs, nil, groups[k].whole())
			for r := range groups[k].rules {
				tasks = append(tasks, graphTask{i, k, r})
			}
		}
	}
	workers.Each(len(tasks), func(t int) {
		k := tasks[t]
		v := &views[k.graph][k.group]
		v.byRule[k.rule] = runOnView(v.graph, groups[k.group].rules[k.rule], cfg)
	})
}

// known returns the notes m kept for the graph rules' run of key k over
// g, if it has them for as many objects.
func (m *Memo) known(k [sha256.Size]byte, keyed bool, g *Graph) ([]indexedNote, bool) {
	notes, hit := m.getGraph(k, keyed)
	if !hit || slices.ContainsFunc(notes, func(n indexedNote) bool { return n.Object >= len(g.Objects) }) {
		return nil, false
	}
	return notes, true
}

// view returns the view of g that a group of graph rules sees: of the
// objects at the indexes shown (nil: all of them), which are those of the
// kinds it reads, or for a named group all of them, those of other kinds
// by their identity.
func view(g *Graph, objs []graphObject, shown []int, gr group) *Graph {
	all, s := shown == nil, gr.viewing
	if all {
		shown = make([]int, len(objs))
		for i := range shown {
			shown[i] = i
		}
	}
	vobjs := make([]*Object, len(shown))
	workers.Each(len(vobjs), func(j int) {
		i := shown[j]
		o := g.Objects[i]
		o.identity() // the view shares it: the graph rules read it in parallel
		v := *o
		switch {
		case s == named && !gr.shows[o.Kind()]:
			// Its identity alone: no labels or annotations either.
			id := o.identity()
			v.Value, v.meta = identityOf(o), &objectMeta{apiVersion: id.apiVersion, kind: id.kind, name: id.name, namespace: id.namespace}
		case s == named:
			v.Value = objs[i].seen(blind)
		default:
			v.Value = objs[i].seen(s)
		}
		v.index = i
		vobjs[j] = &v
	})
	vg := &Graph{Env: g.Env, Kubernetes: g.Kubernetes, Production: g.Production, Facts: g.Facts, Objects: vobjs, memos: g.memos, named: s == named}
	if !all || s == named {
		vg.shows = gr.shows
	}
	return vg
}

// reading returns the indexes of the objects of the kinds a group reads,
// in order; nil for every kind.
func reading(objs []graphObject, gr group) []int {
	if len(gr.shows) == 0 {
		return nil
	}
	shown := []int{}
	for i := range objs {
		if gr.shows[objs[i].kind()] {
			shown = append(shown, i)
		}
	}
	return shown
}

// runOnView runs a graph rule over a graph's view and returns its notes,
// by the index of the object each is about.
func runOnView(g *Graph, r *Rule, cfg *Config) []indexedNote {
	if r.Production && !g.Production {
		return nil
	}
	p := &Pass{Graph: g, Config: cfg, rule: r}
	r.Check(p)
	out := make([]indexedNote, len(p.reported))
	for i, rep := range p.reported {
		out[i] = indexedNote{rep.object.index, rep.note}
	}
	return out
}

// checkObject runs the per-object rules, and the check of its
// suppressions, over one object of g, on a graph of its own, unless m
// knew what they find of it, and keeps what is neither suppressed nor
// accepted by the configuration. known holds every rule's ID.
func (m *Memo) checkObject(g *Graph, o *graphObject, rules []*Rule, cfg *Config, known map[string]bool) []finding.Finding {
	if !o.hit {
		o.object.load()
		alone := g.alone(o.object)
		defer alone.free()
		p := &Pass{Graph: alone, Config: cfg}
		for _, r := range rules {
			if r.Production && !g.Production || len(r.Kinds) > 0 && !slices.Contains(r.Kinds, o.object.Kind()) {
				continue
			}
			p.rule, p.reported = r, p.reported[:0]
			r.Check(p)
			for _, rep := range p.reported {
				o.entry.notes = append(o.entry.notes, rep.note)
			}
		}
		p.rule, p.reported = suppressionRule, p.reported[:0]
		checkSuppressions(p, o.object, known)
		for _, rep := range p.reported {
			o.entry.notes = append(o.entry.notes, rep.note)
		}
		m.put(o.key, o.keyed, o.entry)
	}
	if len(o.entry.notes) == 0 {
		return nil
	}
	notes := make([]indexedNote, len(o.entry.notes))
	for i, n := range o.entry.notes {
		notes[i] = indexedNote{note: n}
	}
	return replay(g.alone(o.object), notes, rules, cfg)
}

// replay makes the findings of notes about g's objects, but those of
// rules the configuration disables, that a suppression drops, or that the
// baseline accepts. A note of a suppression that names no rule or gives
// no reason is always a finding.
func replay(g *Graph, notes []indexedNote, rules []*Rule, cfg *Config) []finding.Finding {
	if len(notes) == 0 {
		return nil
	}
	var out []finding.Finding
	for _, n := range notes {
		o := g.Objects[n.Object]
		if n.Rule == suppressionRule.ID {
			p := &Pass{Graph: g, Config: cfg, rule: suppressionRule}
			p.add(o, n.note)
			out = append(out, p.reported[0].Finding)
			continue
		}
		i := slices.IndexFunc(rules, func(r *Rule) bool { return r.ID == n.Rule })
		if i < 0 || cfg.disabled(rules[i]) || suppresses(o, n.Rule) {
			continue
		}
		p := &Pass{Graph: g, Config: cfg, rule: rules[i]}
		p.add(o, n.note)
		if f := p.reported[0].Finding; !cfg.accepted(f) {
			out = append(out, f)
		}
	}
	return out
}

// suppresses reports whether o suppresses the rule id: it has the
// annotation that names it, with a reason.
func suppresses(o *Object, id string) bool {
	reason, ok := o.Annotations()[SuppressPrefix+id]
	return ok && strings.TrimSpace(reason) != ""
}

// checkSuppressions reports, in the suppression rule's pass p, each
// suppression annotation of o that names no rule of known or gives no
// reason.
func checkSuppressions(p *Pass, o *Object, known map[string]bool) {
	for key, reason := range o.Annotations() {
		id, ok := strings.CutPrefix(key, SuppressPrefix)
		if !ok {
			continue
		}
		segs := []string{"metadata", "annotations", key}
		switch {
		case !known[id]:
			p.Report(o, segs, "suppresses %q, which is not a rule (see -rules)", id)
		case strings.TrimSpace(reason) == "":
			p.Report(o, segs, "suppresses %s without a reason: the annotation's value must say why", id)
		}
	}
}

// Rules returns every rule, sorted by ID.
func Rules() []*Rule {
	rules := slices.Concat(objectRules(), graphRules(), workloadRules(), platformRules(), promRules(), secretRules(), argoRules())
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

// Descriptors describes every rule: the reserved ones, the engine's own
// and the checks, sorted by ID.
func Descriptors() []finding.RuleDoc {
	out := slices.Clone(finding.Reserved)
	for _, r := range append(Rules(), suppressionRule) {
		out = append(out, finding.RuleDoc{ID: r.ID, Doc: r.Doc, Help: r.Help, Severity: r.Severity, Production: r.Production})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Map returns m[key] as a map, or nil.
func Map(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// List returns m[key] as a list, or nil.
func List(m map[string]any, key string) []any {
	v, _ := m[key].([]any)
	return v
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func stringMap(m map[string]any, key string) map[string]string {
	raw := Map(m, key)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
