package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/finding"
)

// graphRules check objects against each other: workloads, Services,
// autoscalers, disruption budgets, references, Ingresses and the mesh.
func graphRules() []*Rule {
	return []*Rule{
		{ID: "selector-mismatch", Severity: finding.Error, Reads: coreReads, Check: checkSelectorMismatch,
			Doc:  "A workload's selector does not match its own pod template's labels.",
			Help: "The API server rejects it: make spec.selector select spec.template.metadata.labels."},
		{ID: "service-selects-nothing", Severity: finding.Warning, Reads: coreReads, Check: checkServiceSelects,
			Doc:  "A Service's selector matches no workload in its namespace.",
			Help: "Fix the selector or the pod labels; a Service with no endpoints refuses every connection."},
		{ID: "service-target-port", Severity: finding.Error, Reads: coreReads, Check: checkTargetPorts,
			Doc:  "A Service's targetPort is not a port that every selected workload's containers declare.",
			Help: "Name a declared container port (or its number); a missing port name leaves the Service without endpoints."},
		{ID: "hpa-target-missing", Severity: finding.Error, Reads: coreReads, Check: checkHPATarget,
			Doc:  "A HorizontalPodAutoscaler's scaleTargetRef names no object in the graph.",
			Help: "Point scaleTargetRef at the workload's kind and name."},
		{ID: "hpa-target-replicas", Severity: finding.Warning, Reads: coreReads, Check: checkHPAReplicas,
			Doc:  "An autoscaled workload sets spec.replicas, which every sync resets.",
			Help: "Remove spec.replicas from the workload; the autoscaler owns it."},
		{ID: "hpa-min-max", Severity: finding.Error, PerObject: true, Kinds: []string{"HorizontalPodAutoscaler"}, Check: checkHPAMinMax,
			Doc:  "A HorizontalPodAutoscaler's minReplicas is above its maxReplicas.",
			Help: "Make minReplicas at most maxReplicas."},
		{ID: "hpa-utilization-request", Severity: finding.Error, Reads: coreReads, Check: checkHPARequests,
			Doc:  "A Utilization metric targets a resource that some container of the target does not request.",
			Help: "Utilization is a percentage of the request: set resources.requests for it on every container."},
		{ID: "pdb-selects-nothing", Severity: finding.Warning, Reads: coreReads, Check: checkPDBSelects,
			Doc:  "A PodDisruptionBudget selects no workload.",
			Help: "Fix its selector; it protects nothing."},
		{ID: "pdb-blocks-eviction", Severity: finding.Error, Scale: true, Reads: scaleReads, Check: checkPDBBlocks,
			Doc:  "A PodDisruptionBudget can never allow an eviction (maxUnavailable 0, or minAvailable at least the replicas).",
			Help: "Allow at least one pod to go, or node drains and cluster upgrades hang."},
		{ID: "pdb-vs-hpa", Severity: finding.Warning, Scale: true, Reads: scaleReads, Check: checkPDBvsHPA,
			Doc:  "A PodDisruptionBudget's minAvailable is at least its autoscaler's minReplicas.",
			Help: "At the autoscaler's minimum no pod could be evicted: lower minAvailable or raise minReplicas."},
		{ID: "serviceaccount-missing", Severity: finding.Error, Reads: coreReads, Check: checkServiceAccounts,
			Doc:  "A pod runs as a ServiceAccount that the graph does not define.",
			Help: "Add the ServiceAccount, or fix serviceAccountName; the pod cannot be created without it."},
		{ID: "configmap-missing", Severity: finding.Error, Reads: coreReads, Check: checkConfigMaps,
			Doc:  "A pod reads a ConfigMap that the graph does not define.",
			Help: "Add the ConfigMap or fix the name; the pod does not start (unless the reference is optional)."},
		{ID: "secret-missing", Severity: finding.Error, Reads: coreReads, Check: checkSecrets,
			Doc:  "A pod or Ingress uses a Secret that no Secret, ExternalSecret or cert-manager issuer produces.",
			Help: "Reference a secret produced in the graph: an ExternalSecret's target, or an Ingress TLS secret with a cert-manager issuer annotation."},
		{ID: "ingress-backend-missing", Severity: finding.Error, Reads: coreReads, Check: checkIngressBackends,
			Doc:  "An Ingress sends traffic to a Service or port that does not exist.",
			Help: "Name an existing Service and one of its ports."},
		{ID: "vs-host-unknown", Severity: finding.Error, Reads: coreReads, Check: checkVSHosts,
			Doc:  "A VirtualService routes to a host that is no Service of the graph.",
			Help: "Use the Service's name, name.namespace or its cluster.local name."},
		{ID: "vs-subset-unknown", Severity: finding.Error, Reads: coreReads, Check: checkVSSubsets,
			Doc:  "A VirtualService routes to a subset that no DestinationRule for that host defines.",
			Help: "Define the subset in the host's DestinationRule, or fix its name; Istio returns 503 for it."},
		{ID: "dr-subset-empty", Severity: finding.Error, Reads: coreReads, Check: checkDRSubsets,
			Doc:  "A DestinationRule subset's labels select no pod behind its host.",
			Help: "Match the subset's labels to the pod template's (version: stable|canary)."},
		{ID: "vs-weights", Severity: finding.Warning, PerObject: true, Kinds: []string{"VirtualService"}, Check: checkVSWeights,
			Doc:  "A VirtualService route's weights do not add up to 100.",
			Help: "Istio normalises them, which hides a mistake: make them sum to 100."},
		{ID: "authz-principal-unknown", Severity: finding.Error, Reads: coreReads, Check: checkAuthzPrincipals,
			Doc:  "An AuthorizationPolicy admits a principal whose ServiceAccount is not in the graph nor declared to exist.",
			Help: "Fix the namespace or account name, or declare an outside identity in the Env or -config principals."},
		{ID: "authz-selector-empty", Severity: finding.Warning, Reads: coreReads, Check: checkAuthzSelectors,
			Doc:  "An AuthorizationPolicy's selector matches no workload.",
			Help: "Fix the selector: the policy applies to nothing."},
		{ID: "mtls-conflict", Severity: finding.Error, Reads: coreReads, Check: checkMTLSConflict,
			Doc:  "A DestinationRule disables TLS for a host whose namespace requires STRICT mutual TLS.",
			Help: "Use tls mode ISTIO_MUTUAL (or leave it out); plain-text calls are refused."},
	}
}

func checkSelectorMismatch(p *Pass) {
	for _, w := range p.Graph.Workloads() {
		if w.Object.Kind() == "Pod" || w.Object.Kind() == "CronJob" {
			continue
		}
		sel, ok := selector(Map(Map(w.Object.Value, "spec"), "selector"))
		if !ok {
			continue
		}
		if !sel.Matches(labels.Set(w.Labels)) {
			p.Report(w.Object, []string{"spec", "selector"}, "selector %s does not match the template's labels %v", sel, w.Labels)
		}
	}
}

func checkServiceSelects(p *Pass) {
	quiet := !p.Graph.hasWorkloads()
	for _, svc := range p.Graph.OfKind("Service") {
		sel, ok := mapSelector(Map(Map(svc.Value, "spec"), "selector"))
		if !ok {
			continue // no selector: endpoints are managed by hand
		}
		if len(p.Graph.selected(svc.Namespace(), sel)) == 0 {
			p.ReportAt(quiet, svc, []string{"spec", "selector"}, "selector %s matches no workload in namespace %q%s", sel, svc.Namespace(), alone(quiet))
		}
	}
}

func alone(quiet bool) string {
	if quiet {
		return " (no workload was linted with it)"
	}
	return ""
}

// Ports are a workload's declared container ports (init containers'
// aside): the number of each named port, and every number.
type Ports struct {
	ByName  map[string]string
	Numbers map[string]bool
}

// containerPorts returns a workload's declared ports.
func containerPorts(w Workload) Ports {
	ps := Ports{ByName: map[string]string{}, Numbers: map[string]bool{}}
	if w.Object.Kind() == "Prometheus" {
		// The operator's prometheus container serves port web, 9090.
		ps.ByName["web"], ps.Numbers["9090"] = "9090", true
	}
	for _, c := range w.Pod.Containers() {
		if c.Init {
			continue
		}
		for _, port := range List(c.C, "ports") {
			m := asMap(port)
			n := fmt.Sprint(m["containerPort"])
			if name := str(m, "name"); name != "" {
				ps.ByName[name] = n
			}
			ps.Numbers[n] = true
		}
	}
	return ps
}

func checkTargetPorts(p *Pass) {
	for _, svc := range p.Graph.OfKind("Service") {
		sel, ok := mapSelector(Map(Map(svc.Value, "spec"), "selector"))
		if !ok {
			continue
		}
		ws := p.Graph.selected(svc.Namespace(), sel)
		for i, port := range List(Map(svc.Value, "spec"), "ports") {
			m := asMap(port)
			target, ok := m["targetPort"]
			if !ok {
				target = m["port"]
			}
			key := fmt.Sprint(target)
			for _, w := range ws {
				ps := containerPorts(w)
				_, isName := ps.ByName[key]
				_, named := target.(string)
				if (named && !isName) || (!named && !ps.Numbers[key]) {
					p.Report(svc, []string{"spec", "ports", strconv.Itoa(i), "targetPort"}, "port %s of %s %q declares no container port %s", key, w.Object.Kind(), w.Object.Name(), key)
				}
			}
		}
	}
}

// hpaTarget returns an autoscaler's target object, or nil.
func hpaTarget(g *Graph, hpa *Object) *Object {
	ref := Map(Map(hpa.Value, "spec"), "scaleTargetRef")
	return g.find(str(ref, "kind"), hpa.Namespace(), str(ref, "name"))
}

func checkHPATarget(p *Pass) {
	quiet := !p.Graph.hasWorkloads()
	for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
		if hpaTarget(p.Graph, hpa) == nil {
			ref := Map(Map(hpa.Value, "spec"), "scaleTargetRef")
			p.ReportAt(quiet, hpa, []string{"spec", "scaleTargetRef", "name"}, "no %s %q in namespace %q%s", str(ref, "kind"), str(ref, "name"), hpa.Namespace(), alone(quiet))
		}
	}
}

func checkHPAReplicas(p *Pass) {
	for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
		if t := hpaTarget(p.Graph, hpa); t != nil {
			if _, set := Map(t.Value, "spec")["replicas"]; set {
				p.Report(t, []string{"spec", "replicas"}, "%s %q is scaled by HorizontalPodAutoscaler %q and sets replicas: every sync fights the autoscaler", t.Kind(), t.Name(), hpa.Name())
			}
		}
	}
}

func checkHPAMinMax(p *Pass) {
	for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
		spec := Map(hpa.Value, "spec")
		lo := 1
		if v, ok := spec["minReplicas"]; ok {
			lo = toInt(v)
		}
		if hi := toInt(spec["maxReplicas"]); lo > hi {
			p.Report(hpa, []string{"spec", "minReplicas"}, "minReplicas %d is above maxReplicas %d", lo, hi)
		}
	}
}

func checkHPARequests(p *Pass) {
	for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
		t := hpaTarget(p.Graph, hpa)
		if t == nil {
			continue
		}
		segs, ok := podPaths[t.Kind()]
		if !ok {
			continue
		}
		pod := Pod{Object: t, Segs: segs, Spec: dig(t.Value, segs)}
		for i, m := range List(Map(hpa.Value, "spec"), "metrics") {
			res := Map(asMap(m), "resource")
			if str(Map(res, "target"), "type") != "Utilization" {
				continue
			}
			name := str(res, "name")
			for _, c := range pod.Containers() {
				if c.Init {
					continue
				}
				if _, ok := Map(Map(c.C, "resources"), "requests")[name]; !ok {
					p.Report(hpa, []string{"spec", "metrics", strconv.Itoa(i), "resource", "target", "averageUtilization"},
						"utilization of %s, but container %q of %s %q requests no %s", name, c.Name(), t.Kind(), t.Name(), name)
				}
			}
		}
	}
}

// pdbWorkloads returns the workloads a disruption budget selects.
func pdbWorkloads(g *Graph, pdb *Object) ([]Workload, bool) {
	sel, ok := g.selector(Map(Map(pdb.Value, "spec"), "selector"))
	if !ok {
		return nil, false
	}
	return g.selected(pdb.Namespace(), sel), true
}

func checkPDBSelects(p *Pass) {
	quiet := !p.Graph.hasWorkloads()
	for _, pdb := range p.Graph.OfKind("PodDisruptionBudget") {
		if ws, ok := pdbWorkloads(p.Graph, pdb); ok && len(ws) == 0 {
			p.ReportAt(quiet, pdb, []string{"spec", "selector"}, "selects no workload in namespace %q%s", pdb.Namespace(), alone(quiet))
		}
	}
}

func checkPDBBlocks(p *Pass) {
	for _, pdb := range p.Graph.OfKind("PodDisruptionBudget") {
		spec := Map(pdb.Value, "spec")
		if v, ok := spec["maxUnavailable"]; ok && (isNumber(v, 0) || v == "0%") {
			p.Report(pdb, []string{"spec", "maxUnavailable"}, "maxUnavailable %v never allows an eviction", v)
			continue
		}
		minAvail, ok := spec["minAvailable"]
		if !ok {
			continue
		}
		if minAvail == "100%" {
			p.Report(pdb, []string{"spec", "minAvailable"}, "minAvailable 100%% never allows an eviction")
			continue
		}
		if _, isString := minAvail.(string); isString {
			continue
		}
		ws, _ := pdbWorkloads(p.Graph, pdb)
		total := 0
		for _, w := range ws {
			if w.Object.Kind() != "Deployment" && w.Object.Kind() != "StatefulSet" {
				total = -1
				break
			}
			n, _, _ := minReplicas(p.Graph, w.Object)
			total += n
		}
		if total > 0 && toInt(minAvail) >= total {
			p.Report(pdb, []string{"spec", "minAvailable"}, "minAvailable %d with %d pod(s) never allows an eviction", toInt(minAvail), total)
		}
	}
}

func checkPDBvsHPA(p *Pass) {
	for _, pdb := range p.Graph.OfKind("PodDisruptionBudget") {
		minAvail, ok := Map(pdb.Value, "spec")["minAvailable"]
		if _, isString := minAvail.(string); !ok || isString {
			continue
		}
		ws, _ := pdbWorkloads(p.Graph, pdb)
		for _, w := range ws {
			if hpa := p.Graph.autoscaler(w.Object); hpa != nil {
				lo := 1
				if v, ok := Map(hpa.Value, "spec")["minReplicas"]; ok {
					lo = toInt(v)
				}
				if toInt(minAvail) >= lo {
					p.Report(pdb, []string{"spec", "minAvailable"}, "minAvailable %d is at least the minReplicas %d of HorizontalPodAutoscaler %q", toInt(minAvail), lo, hpa.Name())
				}
			}
		}
	}
}

func checkServiceAccounts(p *Pass) {
	quiet := len(p.Graph.OfKind("ServiceAccount")) == 0 && len(p.Graph.OfKind("Namespace")) == 0
	for _, pod := range p.Graph.Pods() {
		name := str(pod.Spec, "serviceAccountName")
		if name == "" || name == "default" {
			continue
		}
		if p.Graph.find("ServiceAccount", pod.Object.Namespace(), name) == nil {
			p.ReportAt(quiet, pod.Object, pod.At("serviceAccountName"), "no ServiceAccount %q in namespace %q%s", name, pod.Object.Namespace(), aloneSA(quiet))
		}
	}
}

func aloneSA(quiet bool) string {
	if quiet {
		return " (no ServiceAccount was linted with it)"
	}
	return ""
}

func aloneSvcs(quiet bool) string {
	if quiet {
		return " (no Service was linted with it)"
	}
	return ""
}

// ref is a reference from a pod to a ConfigMap or Secret.
type ref struct {
	name     string
	segs     []string
	optional bool
}

// podRefs returns a pod's references to objects of kind ConfigMap or Secret.
func podRefs(pod Pod, kind string) []ref {
	var out []ref
	keyRef, fromRef, volKey, volName := "configMapKeyRef", "configMapRef", "configMap", "name"
	if kind == "Secret" {
		keyRef, fromRef, volKey, volName = "secretKeyRef", "secretRef", "secret", "secretName"
	}
	for _, c := range pod.Containers() {
		for i, e := range List(c.C, "env") {
			if r := Map(Map(asMap(e), "valueFrom"), keyRef); r != nil {
				out = append(out, ref{str(r, "name"), c.At("env", strconv.Itoa(i), "valueFrom", keyRef, "name"), r["optional"] == true})
			}
		}
		for i, e := range List(c.C, "envFrom") {
			if r := Map(asMap(e), fromRef); r != nil {
				out = append(out, ref{str(r, "name"), c.At("envFrom", strconv.Itoa(i), fromRef, "name"), r["optional"] == true})
			}
		}
	}
	for i, v := range List(pod.Spec, "volumes") {
		if r := Map(asMap(v), volKey); r != nil {
			out = append(out, ref{str(r, volName), pod.At("volumes", strconv.Itoa(i), volKey, volName), r["optional"] == true})
		}
		for j, src := range List(Map(asMap(v), "projected"), "sources") {
			if r := Map(asMap(src), volKey); r != nil {
				out = append(out, ref{str(r, "name"), pod.At("volumes", strconv.Itoa(i), "projected", "sources", strconv.Itoa(j), volKey, "name"), r["optional"] == true})
			}
		}
	}
	if kind == "Secret" {
		for i, s := range List(pod.Spec, "imagePullSecrets") {
			out = append(out, ref{str(asMap(s), "name"), pod.At("imagePullSecrets", strconv.Itoa(i), "name"), false})
		}
	}
	return out
}

func checkConfigMaps(p *Pass) {
	quiet := len(p.Graph.OfKind("ConfigMap")) == 0 && len(p.Graph.OfKind("Namespace")) == 0
	for _, pod := range p.Graph.Pods() {
		for _, r := range podRefs(pod, "ConfigMap") {
			if !r.optional && p.Graph.find("ConfigMap", pod.Object.Namespace(), r.name) == nil {
				p.ReportAt(quiet, pod.Object, r.segs, "no ConfigMap %q in namespace %q", r.name, pod.Object.Namespace())
			}
		}
	}
}

// producedSecrets returns the Secrets of a namespace that the graph
// defines or makes: Secret objects, ExternalSecret targets and the TLS
// secrets cert-manager issues for annotated Ingresses. They are found once
// for every namespace.
func producedSecrets(g *Graph, ns string) map[string]bool {
	g.secretsOnce.Do(func() {
		g.secrets = map[string]map[string]bool{}
		add := func(ns, name string) {
			if g.secrets[ns] == nil {
				g.secrets[ns] = map[string]bool{}
			}
			g.secrets[ns][name] = true
		}
		for _, s := range g.OfKind("Secret") {
			add(s.Namespace(), s.Name())
		}
		for _, es := range g.OfKind("ExternalSecret") {
			name := str(Map(Map(es.Value, "spec"), "target"), "name")
			if name == "" {
				name = es.Name()
			}
			add(es.Namespace(), name)
		}
		for _, ing := range g.OfKind("Ingress") {
			a := ing.Annotations()
			if a["cert-manager.io/cluster-issuer"] == "" && a["cert-manager.io/issuer"] == "" {
				continue
			}
			for _, tls := range List(Map(ing.Value, "spec"), "tls") {
				add(ing.Namespace(), str(asMap(tls), "secretName"))
			}
		}
	})
	return g.secrets[ns]
}

func checkSecrets(p *Pass) {
	quiet := len(p.Graph.OfKind("Namespace")) == 0 && len(p.Graph.OfKind("ExternalSecret")) == 0 && len(p.Graph.OfKind("Secret")) == 0
	producedIn := func(ns string) map[string]bool { return producedSecrets(p.Graph, ns) }
	for _, pod := range p.Graph.Pods() {
		have := producedIn(pod.Object.Namespace())
		for _, r := range podRefs(pod, "Secret") {
			if !r.optional && !have[r.name] {
				p.ReportAt(quiet, pod.Object, r.segs, "no Secret %q is produced in namespace %q (by a Secret, an ExternalSecret or cert-manager)", r.name, pod.Object.Namespace())
			}
		}
	}
	for _, ing := range p.Graph.OfKind("Ingress") {
		have := producedIn(ing.Namespace())
		for i, tls := range List(Map(ing.Value, "spec"), "tls") {
			if name := str(asMap(tls), "secretName"); name != "" && !have[name] {
				p.ReportAt(quiet, ing, []string{"spec", "tls", strconv.Itoa(i), "secretName"}, "no Secret %q is produced in namespace %q: add a cert-manager issuer annotation or the Secret", name, ing.Namespace())
			}
		}
	}
}

func checkIngressBackends(p *Pass) {
	for _, ing := range p.Graph.OfKind("Ingress") {
		spec := Map(ing.Value, "spec")
		check := func(segs []string, backend map[string]any) {
			svc := Map(backend, "service")
			if svc == nil {
				return
			}
			target := p.Graph.find("Service", ing.Namespace(), str(svc, "name"))
			if target == nil {
				p.Report(ing, append(segs, "service", "name"), "no Service %q in namespace %q", str(svc, "name"), ing.Namespace())
				return
			}
			port := Map(svc, "port")
			for _, sp := range List(Map(target.Value, "spec"), "ports") {
				m := asMap(sp)
				if (str(port, "name") != "" && str(m, "name") == str(port, "name")) || (port["number"] != nil && fmt.Sprint(m["port"]) == fmt.Sprint(port["number"])) {
					return
				}
			}
			p.Report(ing, append(segs, "service", "port"), "Service %q has no port %v", target.Name(), portString(port))
		}
		if b := Map(spec, "defaultBackend"); b != nil {
			check([]string{"spec", "defaultBackend"}, b)
		}
		for i, rule := range List(spec, "rules") {
			for j, path := range List(Map(asMap(rule), "http"), "paths") {
				check([]string{"spec", "rules", strconv.Itoa(i), "http", "paths", strconv.Itoa(j), "backend"}, Map(asMap(path), "backend"))
			}
		}
	}
}

func portString(port map[string]any) string {
	if n := str(port, "name"); n != "" {
		return strconv.Quote(n)
	}
	return fmt.Sprint(port["number"])
}

// routes calls f for every destination of a VirtualService's routes.
func routes(vs *Object, f func(segs []string, dest map[string]any)) {
	spec := Map(vs.Value, "spec")
	for _, kind := range []string{"http", "tcp", "tls"} {
		for i, r := range List(spec, kind) {
			for j, d := range List(asMap(r), "route") {
				f([]string{"spec", kind, strconv.Itoa(i), "route", strconv.Itoa(j), "destination"}, Map(asMap(d), "destination"))
			}
		}
	}
}

func isIstio(o *Object) bool { return strings.HasSuffix(o.Group(), ".istio.io") }

func checkVSHosts(p *Pass) {
	quiet := len(p.Graph.OfKind("Service")) == 0
	for _, vs := range p.Graph.OfKind("VirtualService") {
		if !isIstio(vs) {
			continue
		}
		routes(vs, func(segs []string, dest map[string]any) {
			host := str(dest, "host")
			if host != "" && !p.Graph.externalHost(host) && p.Graph.serviceOfHost(host, vs.Namespace()) == nil {
				p.ReportAt(quiet, vs, append(segs, "host"), "host %q is no Service of the graph%s", host, aloneSvcs(quiet))
			}
		})
	}
}

// externalHost reports whether a ServiceEntry of the graph declares host.
func (g *Graph) externalHost(host string) bool {
	for _, se := range g.OfKind("ServiceEntry") {
		if slices.Contains(List(Map(se.Value, "spec"), "hosts"), any(host)) {
			return true
		}
	}
	return false
}

// rulesFor returns the DestinationRules whose host is the Service svc.
func (g *Graph) rulesFor(svc *Object) []*Object {
	g.drsOnce.Do(func() {
		g.drs = map[*Object][]*Object{}
		for _, dr := range g.OfKind("DestinationRule") {
			if s := g.serviceOfHost(str(Map(dr.Value, "spec"), "host"), dr.Namespace()); isIstio(dr) && s != nil {
				g.drs[s] = append(g.drs[s], dr)
			}
		}
	})
	return g.drs[svc]
}

func checkVSSubsets(p *Pass) {
	for _, vs := range p.Graph.OfKind("VirtualService") {
		if !isIstio(vs) {
			continue
		}
		routes(vs, func(segs []string, dest map[string]any) {
			subset := str(dest, "subset")
			svc := p.Graph.serviceOfHost(str(dest, "host"), vs.Namespace())
			if subset == "" || svc == nil {
				return
			}
			for _, dr := range p.Graph.rulesFor(svc) {
				for _, s := range List(Map(dr.Value, "spec"), "subsets") {
					if str(asMap(s), "name") == subset {
						return
					}
				}
			}
			p.Report(vs, append(segs, "subset"), "no DestinationRule for %q defines subset %q", str(dest, "host"), subset)
		})
	}
}

func checkDRSubsets(p *Pass) {
	for _, dr := range p.Graph.OfKind("DestinationRule") {
		if !isIstio(dr) {
			continue
		}
		svc := p.Graph.serviceOfHost(str(Map(dr.Value, "spec"), "host"), dr.Namespace())
		if svc == nil {
			continue
		}
		svcSel, ok := mapSelector(Map(Map(svc.Value, "spec"), "selector"))
		if !ok {
			continue
		}
		behind := p.Graph.selected(svc.Namespace(), svcSel)
		for i, s := range List(Map(dr.Value, "spec"), "subsets") {
			sel, ok := mapSelector(Map(asMap(s), "labels"))
			if !ok {
				continue
			}
			found := slices.ContainsFunc(behind, func(w Workload) bool { return sel.Matches(labels.Set(w.Labels)) })
			if !found {
				p.Report(dr, []string{"spec", "subsets", strconv.Itoa(i), "labels"}, "subset %q selects no pod behind Service %q", str(asMap(s), "name"), svc.Name())
			}
		}
	}
}

func checkVSWeights(p *Pass) {
	for _, vs := range p.Graph.OfKind("VirtualService") {
		if !isIstio(vs) {
			continue
		}
		for _, kind := range []string{"http", "tcp", "tls"} {
			for i, r := range List(Map(vs.Value, "spec"), kind) {
				dests := List(asMap(r), "route")
				if len(dests) < 2 {
					continue
				}
				sum := 0
				for _, d := range dests {
					sum += toInt(asMap(d)["weight"])
				}
				if sum != 100 {
					p.Report(vs, []string{"spec", kind, strconv.Itoa(i), "route"}, "weights add up to %d, not 100", sum)
				}
			}
		}
	}
}

func checkAuthzPrincipals(p *Pass) {
	declared := p.Facts().Principals
	quiet := len(p.Graph.OfKind("ServiceAccount")) == 0
	for _, ap := range p.Graph.OfKind("AuthorizationPolicy") {
		if !isIstio(ap) {
			continue
		}
		for i, r := range List(Map(ap.Value, "spec"), "rules") {
			for j, from := range List(asMap(r), "from") {
				for k, pr := range List(Map(asMap(from), "source"), "principals") {
					principal, _ := pr.(string)
					if strings.Contains(principal, "*") || slices.Contains(declared, principal) {
						continue
					}
					segs := []string{"spec", "rules", strconv.Itoa(i), "from", strconv.Itoa(j), "source", "principals", strconv.Itoa(k)}
					ns, sa, ok := parsePrincipal(principal)
					if !ok {
						p.Report(ap, segs, "%q is not a principal of the form cluster.local/ns/<namespace>/sa/<account>", principal)
						continue
					}
					if p.Graph.find("ServiceAccount", ns, sa) == nil {
						p.ReportAt(quiet, ap, segs, "no ServiceAccount %q in namespace %q, and the principal is not declared to exist outside the graph%s", sa, ns, aloneSA(quiet))
					}
				}
			}
		}
	}
}

func parsePrincipal(p string) (ns, sa string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 5 || parts[1] != "ns" || parts[3] != "sa" {
		return "", "", false
	}
	return parts[2], parts[4], true
}

func checkAuthzSelectors(p *Pass) {
	quiet := !p.Graph.hasWorkloads()
	for _, ap := range p.Graph.OfKind("AuthorizationPolicy") {
		if !isIstio(ap) {
			continue
		}
		ws := Map(Map(ap.Value, "spec"), "selector")
		sel, ok := mapSelector(Map(ws, "matchLabels"))
		if !ok {
			continue // namespace-wide
		}
		if len(p.Graph.selected(ap.Namespace(), sel)) == 0 && !p.Graph.helmRelease(ap.Namespace(), str(Map(ws, "matchLabels"), helmInstance)) {
			p.ReportAt(quiet, ap, []string{"spec", "selector"}, "selector %s matches no workload in namespace %q%s", sel, ap.Namespace(), alone(quiet))
		}
	}
}

func checkMTLSConflict(p *Pass) {
	strict := map[string]bool{}
	for _, pa := range p.Graph.OfKind("PeerAuthentication") {
		if isIstio(pa) && Map(Map(pa.Value, "spec"), "selector") == nil && str(Map(Map(pa.Value, "spec"), "mtls"), "mode") == "STRICT" {
			strict[pa.Namespace()] = true
		}
	}
	for _, dr := range p.Graph.OfKind("DestinationRule") {
		if !isIstio(dr) {
			continue
		}
		svc := p.Graph.serviceOfHost(str(Map(dr.Value, "spec"), "host"), dr.Namespace())
		if svc == nil || !strict[svc.Namespace()] {
			continue
		}
		if str(Map(Map(Map(dr.Value, "spec"), "trafficPolicy"), "tls"), "mode") == "DISABLE" {
			p.Report(dr, []string{"spec", "trafficPolicy", "tls", "mode"}, "TLS is disabled for %q, but namespace %q requires STRICT mutual TLS", svc.Name(), svc.Namespace())
		}
	}
}

// helmInstance is the label Helm charts put on a release's pods.
const helmInstance = "app.kubernetes.io/instance"

// helmRelease reports whether an Argo CD Application of the graph deploys
// a Helm release of that name into ns: its pods are not in the tree, but
// will exist.
func (g *Graph) helmRelease(ns, release string) bool {
	g.releasesOnce.Do(func() {
		g.releases = map[string]map[string]bool{}
		for _, app := range applications(g) {
			spec := Map(app.Value, "spec")
			src := Map(spec, "source")
			if str(src, "chart") == "" {
				continue
			}
			name := str(Map(src, "helm"), "releaseName")
			if name == "" {
				name = app.Name()
			}
			dst := str(Map(spec, "destination"), "namespace")
			if g.releases[dst] == nil {
				g.releases[dst] = map[string]bool{}
			}
			g.releases[dst][name] = true
		}
	})
	return release != "" && g.releases[ns][release]
}
