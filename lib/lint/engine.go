package lint

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
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
	// Value is the object as decoded JSON. The rules only read it.
	Value  map[string]any
	Locate Locator
	// Sum is the hash of the bytes the object was rendered to or read
	// from, by which a Memo knows it; zero for an object not known so.
	Sum [sha256.Size]byte

	// meta is the object's identity, read from Value once by NewGraph:
	// every rule asks for it, many times.
	meta *objectMeta
}

// objectMeta is what an object's accessors return.
type objectMeta struct {
	apiVersion, kind, name, namespace string
	labels, annotations               map[string]string
}

// identity returns the object's identity, from Value unless NewGraph
// read it already.
func (o *Object) identity() *objectMeta {
	if o.meta != nil {
		return o.meta
	}
	md := Map(o.Value, "metadata")
	return &objectMeta{
		apiVersion:  str(o.Value, "apiVersion"),
		kind:        str(o.Value, "kind"),
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

	byKind   map[string][]*Object
	byKindNS map[string][]*Object // kind/namespace
	byName   map[string]*Object   // kind/namespace/name, the first of duplicates

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
}

// memos remember what is found of values, by the value: they hold for
// every graph of one environment's objects.
type memos struct {
	templates memo[templateKey, []error]           // what rulefmt finds of an alert's template
	selectors memo[unsafe.Pointer, parsedSelector] // by the selector's map
	exprs     memo[string, parsedExpr]             // Prometheus expressions, by their text
	labels    [2]memo[string, string]              // the problems of label keys and of label values
}

// NewGraph indexes objects.
func NewGraph(env, kubernetes string, production bool, facts Facts, objs []*Object) *Graph {
	g := &Graph{Env: env, Kubernetes: kubernetes, Production: production, Facts: facts, Objects: objs, memos: new(memos)}
	workers.Each(len(objs), func(i int) { objs[i].meta = objs[i].identity() })
	g.index()
	return g
}

// alone returns the graph of one of g's objects, with g's settings and
// memos: what the per-object rules are given.
func (g *Graph) alone(o *Object) *Graph {
	return &Graph{Env: g.Env, Kubernetes: g.Kubernetes, Production: g.Production, Facts: g.Facts, Objects: []*Object{o}, memos: g.memos, single: true}
}

// index indexes the graph's objects by kind and name.
func (g *Graph) index() {
	g.byKind, g.byKindNS, g.byName = map[string][]*Object{}, map[string][]*Object{}, map[string]*Object{}
	for _, o := range g.Objects {
		g.byKind[o.Kind()] = append(g.byKind[o.Kind()], o)
		g.byKindNS[o.Kind()+"/"+o.Namespace()] = append(g.byKindNS[o.Kind()+"/"+o.Namespace()], o)
		key := o.Kind() + "/" + o.Namespace() + "/" + o.Name()
		if _, dup := g.byName[key]; !dup {
			g.byName[key] = o
		}
	}
}

// OfKind returns the objects of a kind, in graph order.
func (g *Graph) OfKind(kind string) []*Object {
	if g.single {
		return g.only(kind, g.Objects[0].Namespace(), g.Objects[0].Name())
	}
	return g.byKind[kind]
}

// ofKindIn returns the objects of a kind in a namespace, in graph order.
func (g *Graph) ofKindIn(kind, ns string) []*Object {
	if g.single {
		return g.only(kind, ns, g.Objects[0].Name())
	}
	return g.byKindNS[kind+"/"+ns]
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
// help text with the fix, and a function over a whole environment's graph.
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
	Check     func(p *Pass)
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
	p.add(o, note{Rule: p.rule.ID, Segs: segs, Message: fmt.Sprintf(format, args...), Quiet: quiet})
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
// besides the object, the graph and the configuration, and what a Memo
// keeps.
type note struct {
	Rule    string
	Segs    []string
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
		Path:      validate.JSONPath(o.Value, n.Segs),
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

// Run is the package's Run, with what the per-object rules find of each
// object that has a Sum taken from m when m has it, and kept in m when not.
// The findings are the same either way.
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
	// First each graph's suppressions; then every graph rule over every
	// graph and the per-object rules over every object, a task each, on as
	// many goroutines as cores.
	suppressed := make([]map[*Object]map[string]bool, len(graphs))
	contexts := make([][sha256.Size]byte, len(graphs))
	results := make([][]finding.Finding, len(graphs)*(len(perGraph)+1))
	workers.Each(len(graphs), func(i int) {
		suppressed[i], results[i*(len(perGraph)+1)] = suppressions(graphs[i], cfg, known)
		contexts[i] = m.context(graphs[i], perObject, cfg)
	})
	var objs []graphObject
	for i, g := range graphs {
		for _, o := range g.Objects {
			objs = append(objs, graphObject{i, o})
		}
	}
	byObject := make([][]finding.Finding, len(objs))
	tasks := len(graphs) * len(perGraph)
	workers.Each(tasks+len(objs), func(t int) {
		if t < tasks {
			i, r := t/len(perGraph), t%len(perGraph)
			results[i*(len(perGraph)+1)+1+r] = runRule(graphs[i], perGraph[r], cfg, suppressed[i])
			return
		}
		i, o := objs[t-tasks].graph, objs[t-tasks].object
		byObject[t-tasks] = m.checkObject(graphs[i], o, contexts[i], perObject, cfg, suppressed[i])
	})
	out := slices.Concat(slices.Concat(results...), slices.Concat(byObject...))
	finding.Sort(out)
	return out
}

// graphObject is an object and the index of its graph.
type graphObject struct {
	graph  int
	object *Object
}

// checkObject runs the per-object rules over one object of g, on a graph
// of its own, or replays what m kept of them, and keeps what is neither
// suppressed nor accepted by the configuration.
func (m *Memo) checkObject(g *Graph, o *Object, ctx [sha256.Size]byte, rules []*Rule, cfg *Config, suppressed map[*Object]map[string]bool) []finding.Finding {
	key, keyed := m.key(ctx, o)
	notes, hit := m.get(key, keyed)
	if !hit {
		p := &Pass{Graph: g.alone(o), Config: cfg}
		for _, r := range rules {
			if r.Production && !g.Production {
				continue
			}
			p.rule, p.reported = r, p.reported[:0]
			r.Check(p)
			for _, rep := range p.reported {
				notes = append(notes, rep.note)
			}
		}
		m.put(key, keyed, notes)
	}
	var out []finding.Finding
	for _, n := range notes {
		i := slices.IndexFunc(rules, func(r *Rule) bool { return r.ID == n.Rule })
		if i < 0 || cfg.disabled(rules[i]) || suppressed[o][n.Rule] {
			continue
		}
		p := &Pass{Graph: g, Config: cfg, rule: rules[i]}
		p.add(o, n)
		if f := p.reported[0].Finding; !cfg.accepted(f) {
			out = append(out, f)
		}
	}
	return out
}

// suppressions reads the suppression annotations of a graph's objects:
// the rules each suppresses, and the findings of those that name no rule
// or give no reason.
func suppressions(g *Graph, cfg *Config, known map[string]bool) (map[*Object]map[string]bool, []finding.Finding) {
	suppressed := map[*Object]map[string]bool{}
	sp := &Pass{Graph: g, Config: cfg, rule: suppressionRule}
	for _, o := range g.Objects {
		for key, reason := range o.Annotations() {
			id, ok := strings.CutPrefix(key, SuppressPrefix)
			if !ok {
				continue
			}
			segs := []string{"metadata", "annotations", key}
			switch {
			case !known[id]:
				sp.Report(o, segs, "suppresses %q, which is not a rule (see -rules)", id)
			case strings.TrimSpace(reason) == "":
				sp.Report(o, segs, "suppresses %s without a reason: the annotation's value must say why", id)
			default:
				if suppressed[o] == nil {
					suppressed[o] = map[string]bool{}
				}
				suppressed[o][id] = true
			}
		}
	}
	var out []finding.Finding
	for _, r := range sp.reported {
		out = append(out, r.Finding)
	}
	return suppressed, out
}

// runRule runs one rule over one graph, and keeps what is neither
// suppressed nor accepted by the configuration.
func runRule(g *Graph, r *Rule, cfg *Config, suppressed map[*Object]map[string]bool) []finding.Finding {
	if cfg.disabled(r) || (r.Production && !g.Production) {
		return nil
	}
	p := &Pass{Graph: g, Config: cfg, rule: r}
	r.Check(p)
	var out []finding.Finding
	for _, f := range p.reported {
		if suppressed[f.object][f.Rule] || cfg.accepted(f.Finding) {
			continue
		}
		out = append(out, f.Finding)
	}
	return out
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
