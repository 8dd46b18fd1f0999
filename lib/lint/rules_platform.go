package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/finding"
)

// platformRules check the platform under the apps: RBAC, the team
// Prometheus servers' selections, and that L3/L4 and L7 policies agree.
func platformRules() []*Rule {
	return []*Rule{
		{ID: "rbac-wildcard", Severity: finding.Error, PerObject: true, Kinds: []string{"ClusterRole", "Role"}, Check: checkRBACWildcards,
			Doc:  "A ClusterRole or Role grants a wildcard verb, resource or API group.",
			Help: "Name the verbs, resources and groups the subject needs; suppress with a reason where a wildcard is truly meant."},
		{ID: "monitoring-unselected", Severity: finding.Error, Reads: monitoringReads, Check: checkMonitoringSelected,
			Doc:  "A ServiceMonitor or PrometheusRule is selected by no Prometheus of the graph, though the graph has one.",
			Help: "Label it (and its namespace) as a Prometheus's serviceMonitorSelector/ruleSelector and namespace selectors expect; unselected, it is never scraped or evaluated."},
		{ID: "prometheus-selects-nothing", Severity: finding.Warning, Reads: monitoringReads, Check: checkPrometheusSelects,
			Doc:  "A Prometheus selects no ServiceMonitor and no PrometheusRule of the graph.",
			Help: "Check its selectors and namespace selectors against the labels of the teams' objects and namespaces."},
		{ID: "policy-disagreement", Severity: finding.Error, Reads: coreReads, Check: checkPolicyAgreement,
			Doc:  "A source is admitted by a workload's AuthorizationPolicy (L7) but dropped by its NetworkPolicies (L3/L4), or the reverse.",
			Help: "Admit each source in both, on the same ports; manifold derives both from one admission list."},
	}
}

func checkRBACWildcards(p *Pass) {
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, role := range p.Graph.OfKind(kind) {
			if role.Group() != "rbac.authorization.k8s.io" {
				continue
			}
			for i, r := range List(role.Value, "rules") {
				for _, field := range []string{"verbs", "resources", "apiGroups"} {
					for j, v := range List(asMap(r), field) {
						if s, _ := v.(string); strings.Contains(s, "*") {
							p.Report(role, []string{"rules", strconv.Itoa(i), field, strconv.Itoa(j)}, "%s %q grants %q in %s: name what is needed", kind, role.Name(), s, field)
						}
					}
				}
			}
		}
	}
}

// namespaceLabels returns the labels of a namespace: those of its Namespace
// object in the graph, and kubernetes.io/metadata.name, which the API
// server sets on every namespace.
func (g *Graph) namespaceLabels(ns string) labels.Set {
	g.nsLabelsOnce.Do(func() {
		g.nsLabels = map[string]labels.Set{}
		for _, o := range g.OfKind("Namespace") {
			if o.Namespace() != "" {
				continue // as g.find would not see it
			}
			set := labels.Set{corev1.LabelMetadataName: o.Name()}
			for k, v := range o.Labels() {
				set[k] = v
			}
			if _, dup := g.nsLabels[o.Name()]; !dup {
				g.nsLabels[o.Name()] = set
			}
		}
	})
	if set, ok := g.nsLabels[ns]; ok {
		return set
	}
	return labels.Set{corev1.LabelMetadataName: ns}
}

// promSelector is a Prometheus's selection of one kind, parsed once: no
// selector selects nothing, no namespace selector means the Prometheus's
// own namespace, an empty one every namespace.
type promSelector struct {
	prom      *Object
	sel, ns   labels.Selector // sel nil: selects nothing; ns nil: own namespace
	nsInvalid bool
}

func newPromSelector(prom *Object, selKey, nsKey string) promSelector {
	spec := Map(prom.Value, "spec")
	ps := promSelector{prom: prom}
	if raw, ok := spec[selKey].(map[string]any); ok {
		if sel, ok := selector(raw); ok {
			ps.sel = sel
		}
	}
	if raw, ok := spec[nsKey].(map[string]any); ok {
		sel, ok := selector(raw)
		ps.ns, ps.nsInvalid = sel, !ok
	}
	return ps
}

// selects reports whether the Prometheus selects obj, as the operator does.
func (ps promSelector) selects(g *Graph, obj *Object) bool {
	if ps.sel == nil || ps.nsInvalid || !ps.sel.Matches(labels.Set(obj.Labels())) {
		return false
	}
	if ps.ns == nil {
		return obj.Namespace() == ps.prom.Namespace()
	}
	return ps.ns.Matches(g.namespaceLabels(obj.Namespace()))
}

// promSelectors parses the selectors of every Prometheus for one kind.
func promSelectors(g *Graph, selKey, nsKey string) []promSelector {
	var out []promSelector
	for _, prom := range prometheuses(g) {
		out = append(out, newPromSelector(prom, selKey, nsKey))
	}
	return out
}

// monitored are the kinds a Prometheus selects, with its selector fields.
var monitored = []struct{ kind, sel, ns string }{
	{"ServiceMonitor", "serviceMonitorSelector", "serviceMonitorNamespaceSelector"},
	{"PrometheusRule", "ruleSelector", "ruleNamespaceSelector"},
}

// prometheuses returns the graph's Prometheus servers.
func prometheuses(g *Graph) []*Object {
	var out []*Object
	for _, o := range g.OfKind("Prometheus") {
		if o.Group() == "monitoring.coreos.com" {
			out = append(out, o)
		}
	}
	return out
}

func checkMonitoringSelected(p *Pass) {
	proms := prometheuses(p.Graph)
	if len(proms) == 0 {
		return // the Prometheus servers live outside the graph
	}
	for _, m := range monitored {
		sels := promSelectors(p.Graph, m.sel, m.ns)
		for _, o := range p.Graph.OfKind(m.kind) {
			if !slices.ContainsFunc(sels, func(ps promSelector) bool { return ps.selects(p.Graph, o) }) {
				p.Report(o, []string{"metadata", "labels"}, "no Prometheus of the graph selects %s %q in namespace %q: it is never %s", m.kind, o.Name(), o.Namespace(), map[string]string{"ServiceMonitor": "scraped", "PrometheusRule": "evaluated"}[m.kind])
			}
		}
	}
}

func checkPrometheusSelects(p *Pass) {
	for _, prom := range prometheuses(p.Graph) {
		found := false
		for _, m := range monitored {
			ps := newPromSelector(prom, m.sel, m.ns)
			for _, o := range p.Graph.OfKind(m.kind) {
				if found = ps.selects(p.Graph, o); found {
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			p.Report(prom, []string{"spec", "serviceMonitorSelector"}, "Prometheus %q selects no ServiceMonitor and no PrometheusRule", prom.Name())
		}
	}
}

// source is a set of pods that may send traffic: a principal's, or a
// NetworkPolicy peer's.
type source struct {
	principal string            // "" when unknown
	namespace string            // the pods' namespace
	labels    map[string]string // nil when the pods are not in the graph
}

// podsOfPrincipal returns the pods that run as a principal's service
// account, or one source with unknown pods when the graph has none.
func podsOfPrincipal(g *Graph, principal string) []source {
	ns, sa, ok := parsePrincipal(principal)
	if !ok {
		return nil
	}
	var out []source
	for _, w := range g.inNamespace(ns) {
		if str(w.Pod.Spec, "serviceAccountName") == sa {
			out = append(out, source{principal: principal, namespace: ns, labels: w.Labels})
		}
	}
	if len(out) == 0 {
		out = append(out, source{principal: principal, namespace: ns})
	}
	return out
}

// peerAdmits reports whether a NetworkPolicy peer admits a source. The pod
// selector of a peer is taken to admit a source whose pods are not in the
// graph: the rule reports only what it can prove.
func peerAdmits(g *Graph, policyNS string, peer map[string]any, src source) bool {
	if _, ip := peer["ipBlock"]; ip {
		return false
	}
	nsRaw, hasNS := peer["namespaceSelector"].(map[string]any)
	if hasNS {
		sel, ok := g.selector(nsRaw)
		if !ok || !sel.Matches(g.namespaceLabels(src.namespace)) {
			return false
		}
	} else if src.namespace != policyNS {
		return false
	}
	podRaw, hasPods := peer["podSelector"].(map[string]any)
	if !hasPods || len(podRaw) == 0 {
		return true
	}
	if src.labels == nil {
		return true
	}
	sel, ok := g.selector(podRaw)
	return ok && sel.Matches(labels.Set(src.labels))
}

// portIn reports whether port (a container port number) is in a list of
// ports, numbers or names of the workload's ports; an empty list is every
// port.
func portIn(list []string, port string, ps Ports) bool {
	if len(list) == 0 || port == "" {
		return true
	}
	for _, p := range list {
		if p == port || ps.ByName[p] == port {
			return true
		}
	}
	return false
}

// netRule is one ingress rule of a NetworkPolicy that selects a workload.
type netRule struct {
	policy *Object
	index  int
	peers  []any
	ports  []string
}

// authzRule is one rule of an ALLOW AuthorizationPolicy that applies to a
// workload.
type authzRule struct {
	policy     *Object
	index      int
	principals []string   // empty: any source
	at         [][]string // the path of each principal
	ports      []string   // empty: any port
}

// policiesOf returns the NetworkPolicy ingress rules and the ALLOW
// AuthorizationPolicy rules that apply to a workload, and whether each
// kind isolates it at all.
func policiesOf(g *Graph, w Workload) (nets []netRule, l3 bool, authz []authzRule, l7 bool) {
	ns, lbls := w.Object.Namespace(), labels.Set(w.Labels)
	for _, np := range g.ofKindIn("NetworkPolicy", ns) {
		spec := Map(np.Value, "spec")
		if np.Group() != "networking.k8s.io" {
			continue
		}
		if sel, ok := g.selector(Map(spec, "podSelector")); !ok && len(Map(spec, "podSelector")) > 0 || ok && !sel.Matches(lbls) {
			continue
		}
		types := List(spec, "policyTypes")
		if len(types) > 0 && !slices.Contains(types, any("Ingress")) {
			continue
		}
		l3 = true
		for i, r := range List(spec, "ingress") {
			rule := netRule{policy: np, index: i, peers: List(asMap(r), "from")}
			for _, port := range List(asMap(r), "ports") {
				rule.ports = append(rule.ports, fmt.Sprint(asMap(port)["port"]))
			}
			nets = append(nets, rule)
		}
	}
	for _, ap := range g.ofKindIn("AuthorizationPolicy", ns) {
		spec := Map(ap.Value, "spec")
		if !isIstio(ap) || str(spec, "action") != "" && str(spec, "action") != "ALLOW" {
			continue
		}
		if raw := Map(Map(spec, "selector"), "matchLabels"); raw != nil {
			if sel, ok := mapSelector(raw); ok && !sel.Matches(lbls) {
				continue
			}
		}
		l7 = true
		for i, r := range List(spec, "rules") {
			rule := authzRule{policy: ap, index: i}
			for j, from := range List(asMap(r), "from") {
				for k, pr := range List(Map(asMap(from), "source"), "principals") {
					if s, ok := pr.(string); ok {
						rule.principals = append(rule.principals, s)
						rule.at = append(rule.at, []string{"spec", "rules", strconv.Itoa(i), "from", strconv.Itoa(j), "source", "principals", strconv.Itoa(k)})
					}
				}
			}
			for _, to := range List(asMap(r), "to") {
				for _, port := range List(Map(asMap(to), "operation"), "ports") {
					rule.ports = append(rule.ports, fmt.Sprint(port))
				}
			}
			authz = append(authz, rule)
		}
	}
	return nets, l3, authz, l7
}

func checkPolicyAgreement(p *Pass) {
	for _, w := range p.Graph.Workloads() {
		nets, l3, authz, l7 := policiesOf(p.Graph, w)
		if !l3 || !l7 {
			continue // one layer admits everything: nothing to disagree with
		}
		ps := containerPorts(w)
		ns := w.Object.Namespace()
		// L7 admits, L3 drops.
		for _, a := range authz {
			for k, principal := range a.principals {
				if strings.Contains(principal, "*") {
					continue
				}
				srcs := podsOfPrincipal(p.Graph, principal)
				for _, port := range orAny(a.ports) {
					for _, src := range srcs {
						if !slices.ContainsFunc(nets, func(n netRule) bool {
							return portIn(n.ports, port, ps) && (len(n.peers) == 0 || slices.ContainsFunc(n.peers, func(peer any) bool { return peerAdmits(p.Graph, ns, asMap(peer), src) }))
						}) {
							p.Report(a.policy, a.at[k],
								"%s admits %s%s to %s %q, but no NetworkPolicy lets its pods in namespace %q through: L3 drops what L7 allows", a.policy.Kind(), principal, onPort(port), w.Object.Kind(), w.Object.Name(), src.namespace)
							break
						}
					}
				}
			}
		}
		// L3 admits, L7 denies.
		for _, n := range nets {
			for j, peer := range n.peers {
				for _, src := range peerSources(p.Graph, ns, asMap(peer)) {
					for _, port := range orAny(n.ports) {
						port = orName(port, ps)
						if !slices.ContainsFunc(authz, func(a authzRule) bool { return portIn(a.ports, port, ps) && admitsSource(a, src) }) {
							who := src.principal
							if who == "" {
								who = "pods of namespace " + src.namespace
							}
							p.Report(n.policy, []string{"spec", "ingress", strconv.Itoa(n.index), "from", strconv.Itoa(j)},
								"NetworkPolicy %q lets %s%s through to %s %q, but no AuthorizationPolicy admits it: L7 denies what L3 allows", n.policy.Name(), who, onPort(port), w.Object.Kind(), w.Object.Name())
							break
						}
					}
				}
			}
		}
	}
}

// peerSources resolves a NetworkPolicy peer into the sources it admits:
// the graph's workloads it selects, each with its principal, or, for a
// namespace with no workload in the graph, the namespace itself.
func peerSources(g *Graph, policyNS string, peer map[string]any) []source {
	var out []source
	seen := map[string]bool{}
	var candidates []string // the namespaces the peer may select
	raw, hasNS := peer["namespaceSelector"].(map[string]any)
	switch name := str(Map(raw, "matchLabels"), corev1.LabelMetadataName); {
	case !hasNS:
		candidates = []string{policyNS}
	case name != "":
		candidates = []string{name}
	default:
		candidates = g.namespaces()
	}
	for _, ns := range candidates {
		for _, w := range g.inNamespace(ns) {
			src := source{namespace: ns, labels: w.Labels}
			if !peerAdmits(g, policyNS, peer, src) {
				continue
			}
			sa := str(w.Pod.Spec, "serviceAccountName")
			if sa == "" {
				sa = "default"
			}
			src.principal = fmt.Sprintf("cluster.local/ns/%s/sa/%s", src.namespace, sa)
			seen[src.namespace] = true
			out = append(out, src)
		}
	}
	if name := str(Map(raw, "matchLabels"), corev1.LabelMetadataName); hasNS && name != "" && !seen[name] {
		out = append(out, source{namespace: name})
	}
	return out
}

// admitsSource reports whether an AuthorizationPolicy rule admits a source:
// its principal, or any principal of its namespace when the pods are
// outside the graph.
func admitsSource(a authzRule, src source) bool {
	if len(a.principals) == 0 {
		return true
	}
	for _, pr := range a.principals {
		switch {
		case pr == "*", src.principal != "" && pr == src.principal:
			return true
		case src.principal == "" && strings.HasPrefix(pr, "cluster.local/ns/"+src.namespace+"/sa/"):
			return true
		}
	}
	return false
}

func orAny(ports []string) []string {
	if len(ports) == 0 {
		return []string{""}
	}
	return ports
}

func orName(port string, ps Ports) string {
	if n, ok := ps.ByName[port]; ok {
		return n
	}
	return port
}

func onPort(port string) string {
	if port == "" {
		return ""
	}
	return " on port " + port
}
