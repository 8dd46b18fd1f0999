package lint

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/jsonval"
)

// Facts are what exists outside the linted objects: mesh identities (the
// ingress controller's, Prometheus's), namespaces (argocd) and
// cluster-wide scrape jobs (kubelet, kube-state-metrics). An environment
// declares them; -config adds to them.
type Facts struct {
	Principals  []string
	Namespaces  []string
	ClusterJobs []string
	// Folders are Git paths of the tree that hold objects not in the graph
	// (the other apps' folders, in a compile narrowed to some apps).
	Folders []string
}

func (f Facts) merge(o Facts) Facts {
	return Facts{
		Principals:  slices.Concat(f.Principals, o.Principals),
		Namespaces:  slices.Concat(f.Namespaces, o.Namespaces),
		ClusterJobs: slices.Concat(f.ClusterJobs, o.ClusterJobs),
		Folders:     slices.Concat(f.Folders, o.Folders),
	}
}

// Workload is an object that runs pods, with its pod template's labels.
type Workload struct {
	Object *Object
	Pod    Pod
	Labels map[string]string
}

// Workloads returns the graph's objects that run pods: Pods and the
// controllers with a pod template, found once.
func (g *Graph) Workloads() []Workload {
	g.workloadsOnce.Do(func() { g.workloads = g.findWorkloads() })
	return g.workloads
}

func (g *Graph) findWorkloads() []Workload {
	out := []Workload{}
	for _, p := range g.Pods() {
		var l map[string]string
		switch p.Object.Kind() {
		case "Pod":
			l = p.Object.Labels()
		case "Prometheus":
			l = stringMap(Map(Map(p.Object.Value, "spec"), "podMetadata"), "labels")
		default:
			meta := p.Segs[:len(p.Segs)-1]
			l = stringMap(Map(dig(p.Object.Value, meta), "metadata"), "labels")
		}
		out = append(out, Workload{Object: p.Object, Pod: p, Labels: l})
	}
	return out
}

// selector reads a label selector ({matchLabels, matchExpressions}); ok is
// false when there is none or it does not parse.
func selector(m map[string]any) (labels.Selector, bool) {
	if m == nil {
		return nil, false
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	var ls metav1.LabelSelector
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, false
	}
	s, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, false
	}
	return s, true
}

// selector is the package's selector of m, parsed once per graph: the
// cross-object rules ask for the same policy's selectors once for every
// workload they consider. The graph's values do not change while its rules
// run, so a selector is known by its map; and a map is known by its
// content, as the same selector is in many objects (a workload's, its
// disruption budget's, the policies' that admit its pods): of 24,600 maps
// a fleet of 1,000 apps asks for, 4,000 differ.
func (g *Graph) selector(m map[string]any) (labels.Selector, bool) {
	if m == nil {
		return nil, false
	}
	parse := func() parsedSelector {
		sel, ok := selector(m)
		return parsedSelector{sel, ok}
	}
	p := g.memos.selectors.get(reflect.ValueOf(m).UnsafePointer(), func() parsedSelector {
		key, ok := jsonval.AppendCanonical(nil, m)
		if !ok {
			return parse()
		}
		return g.memos.contents.get(string(key), parse)
	})
	return p.sel, p.ok
}

// parsedSelector is what selector returned.
type parsedSelector struct {
	sel labels.Selector
	ok  bool
}

// memo remembers what a function found for each key. It is safe for
// concurrent use: two callers may find one key at once, and both get the
// value stored first.
type memo[K comparable, V any] struct{ m sync.Map }

// get returns the value remembered for k, or finds it with find.
func (c *memo[K, V]) get(k K, find func() V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v, _ := c.m.LoadOrStore(k, find())
	return v.(V)
}

// mapSelector reads a plain map of labels (a Service's selector).
func mapSelector(m map[string]any) (labels.Selector, bool) {
	if len(m) == 0 {
		return nil, false
	}
	set := labels.Set{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		set[k] = s
	}
	return labels.SelectorFromSet(set), true
}

// inNamespace returns the workloads of a namespace, indexed once.
func (g *Graph) inNamespace(ns string) []Workload {
	g.byNSOnce.Do(func() {
		g.byNS = map[string][]Workload{}
		for _, w := range g.Workloads() {
			g.byNS[w.Object.Namespace()] = append(g.byNS[w.Object.Namespace()], w)
		}
	})
	return g.byNS[ns]
}

// namespaces returns the namespaces that hold workloads, sorted.
func (g *Graph) namespaces() []string {
	g.inNamespace("")
	return slices.Sorted(maps.Keys(g.byNS))
}

// selected returns the workloads of a namespace whose pods sel selects.
func (g *Graph) selected(ns string, sel labels.Selector) []Workload {
	g.inNamespace(ns)
	var out []Workload
	for _, w := range g.byNS[ns] {
		if sel.Matches(labels.Set(w.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// find returns the object of a kind, namespace and name, or nil.
func (g *Graph) find(kind, ns, name string) *Object {
	if g.single {
		if only := g.only(kind, ns, name); only != nil {
			return only[0]
		}
		return nil
	}
	g.reads(kind)
	g.names()
	return g.byName[objectKey{kind, ns, name}]
}

// autoscaler returns the HorizontalPodAutoscaler that scales o, or nil.
func (g *Graph) autoscaler(o *Object) *Object {
	g.hpasOnce.Do(func() {
		g.hpas = map[*Object]*Object{}
		for _, hpa := range g.OfKind("HorizontalPodAutoscaler") {
			if t := hpaTarget(g, hpa); t != nil {
				g.hpas[t] = hpa
			}
		}
	})
	return g.hpas[o]
}

// serviceOfHost resolves a mesh host name, as written in an object of
// namespace ns, to a Service of the graph: "name", "name.ns",
// "name.ns.svc" or "name.ns.svc.cluster.local".
func (g *Graph) serviceOfHost(host, ns string) *Object {
	parts := strings.Split(strings.TrimSuffix(host, ".cluster.local"), ".")
	switch {
	case len(parts) == 1:
		return g.find("Service", ns, parts[0])
	case len(parts) == 2, len(parts) == 3 && parts[2] == "svc":
		return g.find("Service", parts[1], parts[0])
	}
	return nil
}

// hasWorkloads reports whether the graph runs any pods: a Service or a
// rule checked against a graph with none (a file on its own) is reported
// at info severity, as there is nothing to compare it with.
func (g *Graph) hasWorkloads() bool { return len(g.Pods()) > 0 }

// servicesIn returns the Services of a namespace.
func (g *Graph) servicesIn(ns string) []*Object {
	g.servicesOnce.Do(func() {
		g.services = map[string][]*Object{}
		for _, svc := range g.OfKind("Service") {
			g.services[svc.Namespace()] = append(g.services[svc.Namespace()], svc)
		}
	})
	return g.services[ns]
}
