package lint

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/manifold-dev/manifold/lib/finding"
)

// objectRules are the checks of one object at a time: metadata, API
// versions, workload hygiene and the restricted Pod Security Standard.
func objectRules() []*Rule {
	return []*Rule{
		{ID: "name-invalid", Severity: finding.Error, PerObject: true, Check: checkNames,
			Doc:  "metadata.name is a DNS-1123 subdomain; a Service's or Namespace's is a DNS label.",
			Help: "Use lowercase letters, digits and '-', start and end with a letter or digit, at most 63 characters for labels."},
		{ID: "label-invalid", Severity: finding.Error, PerObject: true, Check: checkLabels,
			Doc:  "Label keys are qualified names and values valid label values.",
			Help: "Keys: an optional DNS prefix and '/', then at most 63 characters of [A-Za-z0-9_.-]; values: at most 63 such characters."},
		{ID: "duplicate-object", Severity: finding.Error, Names: true, Check: checkDuplicates,
			Doc:  "Two objects have the same group, kind, namespace and name.",
			Help: "One overwrites the other when applied: rename or remove one."},
		{ID: "api-removed", Severity: finding.Error, PerObject: true, Check: checkRemovedAPIs,
			Doc:  "The apiVersion is removed in the environment's Kubernetes version.",
			Help: "Move the object to the replacement API version the message names."},
		{ID: "api-deprecated", Severity: finding.Warning, PerObject: true, Check: checkDeprecatedAPIs,
			Doc:  "The apiVersion is deprecated in the environment's Kubernetes version.",
			Help: "Move the object to the replacement API version before it is removed."},
		{ID: "istio-api-version", Severity: finding.Warning, PerObject: true, Check: checkIstioVersions,
			Doc:  "An Istio object uses v1alpha3 or v1beta1 where v1 exists.",
			Help: "Use apiVersion networking.istio.io/v1 or security.istio.io/v1; the fields are the same."},
		{ID: "istio-deprecated-field", Severity: finding.Warning, PerObject: true, Kinds: []string{"DestinationRule"}, Check: checkIstioFields,
			Doc:  "A DestinationRule uses outlierDetection.consecutiveErrors, which Istio deprecated.",
			Help: "Use consecutive5xxErrors (or consecutiveGatewayErrors) instead."},
		{ID: "probe-liveness-missing", Severity: finding.Warning, PerObject: true, Kinds: podKinds, Check: checkProbe("livenessProbe", "liveness"),
			Doc:  "A long-running container has no liveness probe.",
			Help: "Add a livenessProbe so that a hung process is restarted."},
		{ID: "probe-readiness-missing", Severity: finding.Warning, PerObject: true, Kinds: podKinds, Check: checkProbe("readinessProbe", "readiness"),
			Doc:  "A long-running container has no readiness probe.",
			Help: "Add a readinessProbe so that traffic reaches only pods that can serve it."},
		{ID: "probes-identical", Severity: finding.Warning, PerObject: true, Kinds: podKinds, Check: checkIdenticalProbes,
			Doc:  "The liveness probe is identical to the readiness probe.",
			Help: "A pod that is briefly not ready would be killed: make liveness more tolerant (another endpoint, a higher failureThreshold)."},
		{ID: "probe-port-unknown", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkProbePorts,
			Doc:  "A probe names a port that the container does not declare.",
			Help: "Name one of the container's ports, or declare the port."},
		{ID: "resources-missing", Severity: finding.Warning, PerObject: true, Kinds: podKinds, Check: checkResources,
			Doc:  "A container lacks a CPU or memory request, or a memory limit.",
			Help: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory."},
		{ID: "image-not-pinned", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkImages,
			Doc:  "An image has no tag or the tag latest.",
			Help: "Pin a version tag or a digest, so that the same manifest always runs the same code."},
		{ID: "run-as-root", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkRoot,
			Doc:  "A container may run as root (runAsNonRoot is not set, or runAsUser is 0).",
			Help: "Set securityContext.runAsNonRoot: true on the pod or every container, and a non-zero runAsUser if the image's user is root."},
		{ID: "uid-1337", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkUID1337,
			Doc:  "A container runs as UID 1337, which the Istio sidecar uses.",
			Help: "Traffic from UID 1337 bypasses the mesh's interception: pick another UID."},
		{ID: "read-only-root-fs", Severity: finding.Warning, PerObject: true, Kinds: podKinds, Check: checkReadOnlyRoot,
			Doc:  "A container's root filesystem is writable.",
			Help: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process writes."},
		{ID: "privilege-escalation", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkEscalation,
			Doc:  "A container does not set allowPrivilegeEscalation: false.",
			Help: "Set securityContext.allowPrivilegeEscalation: false (the restricted Pod Security Standard requires it)."},
		{ID: "privileged", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkPrivileged,
			Doc:  "A container runs privileged.",
			Help: "Remove securityContext.privileged; grant the one capability the process needs instead."},
		{ID: "capabilities-not-dropped", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkCapabilities,
			Doc:  "A container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE.",
			Help: "Set securityContext.capabilities.drop: [ALL], and add back only NET_BIND_SERVICE if needed."},
		{ID: "seccomp-missing", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkSeccomp,
			Doc:  "A container runs without a seccomp profile (RuntimeDefault or Localhost).",
			Help: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod."},
		{ID: "host-namespaces", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkHostNamespaces,
			Doc:  "A pod shares the node's network, PID or IPC namespace.",
			Help: "Remove hostNetwork, hostPID and hostIPC."},
		{ID: "host-path", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkHostPath,
			Doc:  "A pod mounts a path of the node.",
			Help: "Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret; a node agent that must read host paths declares the exception with a suppression and its reason."},
		{ID: "host-port", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkHostPort,
			Doc:  "A container binds a port of the node.",
			Help: "Remove hostPort and expose the port through a Service."},
		{ID: "env-duplicate", Severity: finding.Error, PerObject: true, Kinds: podKinds, Check: checkEnvDuplicates,
			Doc:  "A container sets the same environment variable twice.",
			Help: "Only the last value counts, which is rarely what the author meant: remove one."},
		{ID: "replicas-too-few", Severity: finding.Warning, Production: true, Scale: true, Reads: scaleReads, Check: checkReplicas,
			Doc:  "A production workload runs fewer than two pods.",
			Help: "Run at least two replicas (or an autoscaler with minReplicas of two) so that one pod can be lost."},
		{ID: "spread-missing", Severity: finding.Warning, Production: true, Scale: true, Reads: scaleReads, Check: checkSpread,
			Doc:  "A production workload with several pods does not spread them over nodes or zones.",
			Help: "Add topologySpreadConstraints (or pod anti-affinity) so that one node or zone cannot take every pod."},
	}
}

func checkNames(p *Pass) {
	for _, o := range p.Graph.Objects {
		name := o.Name()
		var errs []string
		switch o.Kind() {
		case "Service":
			errs = validation.IsDNS1035Label(name)
		case "Namespace":
			errs = validation.IsDNS1123Label(name)
		default:
			errs = validation.IsDNS1123Subdomain(name)
		}
		if len(errs) > 0 {
			p.Report(o, []string{"metadata", "name"}, "%q: %s", name, strings.Join(errs, "; "))
		}
	}
}

func checkLabels(p *Pass) {
	// An environment's objects share a few label keys and values: each is
	// checked once.
	keys, values := &p.Graph.memos.labels[0], &p.Graph.memos.labels[1]
	problems := func(memo *memo[string, string], s string, check func(string) []string) string {
		return memo.get(s, func() string { return strings.Join(check(s), "; ") })
	}
	check := func(o *Object, segs []string, labels map[string]any) {
		bad := false
		for k, v := range labels {
			s, _ := v.(string)
			bad = bad || problems(keys, k, validation.IsQualifiedName) != "" || problems(values, s, validation.IsValidLabelValue) != ""
		}
		if !bad {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			v, _ := labels[k].(string)
			if e := problems(keys, k, validation.IsQualifiedName); e != "" {
				p.Report(o, join(segs, k), "key %q: %s", k, e)
			}
			if e := problems(values, v, validation.IsValidLabelValue); e != "" {
				p.Report(o, join(segs, k), "value %q: %s", v, e)
			}
		}
	}
	for _, o := range p.Graph.Objects {
		check(o, []string{"metadata", "labels"}, Map(Map(o.Value, "metadata"), "labels"))
	}
	for _, pod := range p.Graph.Pods() {
		if len(pod.Segs) < 2 {
			continue // a Pod's labels are its own
		}
		meta := pod.Segs[:len(pod.Segs)-1]
		check(pod.Object, join(meta, "metadata", "labels"), Map(Map(dig(pod.Object.Value, meta), "metadata"), "labels"))
	}
}

func checkDuplicates(p *Pass) {
	seen := map[string]*Object{}
	for _, o := range p.Graph.all() {
		key := o.Group() + "/" + o.Kind() + "/" + o.Namespace() + "/" + o.Name()
		if first, dup := seen[key]; dup {
			// By its file, not its position, which may move with no change
			// to what the rule sees (and a Memo keeps what it found by).
			p.Report(o, nil, "%s %q is also defined in %s", o.Kind(), o.Name(), first.File)
			continue
		}
		seen[key] = o
	}
}

func checkRemovedAPIs(p *Pass) {
	v := minor(p.Graph.Kubernetes)
	for _, o := range p.Graph.Objects {
		if l, ok := lifecycles()[gvkOf(o)]; ok && atOrAfter(v, l.removed) {
			p.Report(o, []string{"apiVersion"}, "%s %s was removed in Kubernetes %d.%d (the environment runs %s)%s",
				o.APIVersion(), o.Kind(), l.removed[0], l.removed[1], p.Graph.Kubernetes, replacement(l))
		}
	}
}

func checkDeprecatedAPIs(p *Pass) {
	v := minor(p.Graph.Kubernetes)
	for _, o := range p.Graph.Objects {
		if l, ok := lifecycles()[gvkOf(o)]; ok && atOrAfter(v, l.deprecated) && !atOrAfter(v, l.removed) {
			p.Report(o, []string{"apiVersion"}, "%s %s is deprecated since Kubernetes %d.%d%s",
				o.APIVersion(), o.Kind(), l.deprecated[0], l.deprecated[1], replacement(l))
		}
	}
}

func replacement(l lifecycle) string {
	if l.replacement.Kind == "" {
		return ""
	}
	return fmt.Sprintf(": use %s %s", l.replacement.GroupVersion(), l.replacement.Kind)
}

func checkIstioVersions(p *Pass) {
	for _, o := range p.Graph.Objects {
		gvk := gvkOf(o)
		if !strings.HasSuffix(gvk.Group, ".istio.io") || (gvk.Version != "v1alpha3" && gvk.Version != "v1beta1") {
			continue
		}
		v1 := gvk.GroupVersion().Group + "/v1"
		if istioV1().Recognizes(gvk.GroupKind().WithVersion("v1")) {
			p.Report(o, []string{"apiVersion"}, "%s %s: use %s, the stable version of the same API", o.APIVersion(), o.Kind(), v1)
		}
	}
}

func checkIstioFields(p *Pass) {
	for _, o := range p.Graph.OfKind("DestinationRule") {
		if !strings.HasPrefix(o.APIVersion(), "networking.istio.io/") {
			continue
		}
		check := func(segs []string, policy map[string]any) {
			if _, ok := Map(policy, "outlierDetection")["consecutiveErrors"]; ok {
				p.Report(o, join(segs, "outlierDetection", "consecutiveErrors"), "consecutiveErrors is deprecated: use consecutive5xxErrors")
			}
		}
		spec := Map(o.Value, "spec")
		check([]string{"spec", "trafficPolicy"}, Map(spec, "trafficPolicy"))
		for i, pl := range List(Map(spec, "trafficPolicy"), "portLevelSettings") {
			m, _ := pl.(map[string]any)
			check([]string{"spec", "trafficPolicy", "portLevelSettings", strconv.Itoa(i)}, m)
		}
		for i, sub := range List(spec, "subsets") {
			m, _ := sub.(map[string]any)
			check([]string{"spec", "subsets", strconv.Itoa(i), "trafficPolicy"}, Map(m, "trafficPolicy"))
		}
	}
}

func checkProbe(field, what string) func(p *Pass) {
	return func(p *Pass) {
		for _, pod := range p.Graph.Pods() {
			if !pod.Long() {
				continue
			}
			for _, c := range pod.Containers() {
				if !c.Init && c.C[field] == nil {
					p.Report(pod.Object, c.Segs, "container %q has no %s probe", c.Name(), what)
				}
			}
		}
	}
}

func checkIdenticalProbes(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			l, r := c.C["livenessProbe"], c.C["readinessProbe"]
			if l != nil && reflect.DeepEqual(l, r) {
				p.Report(pod.Object, c.At("livenessProbe"), "container %q: the liveness probe is the readiness probe", c.Name())
			}
		}
	}
}

func checkProbePorts(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			declared := map[string]bool{}
			for _, port := range List(c.C, "ports") {
				if m, ok := port.(map[string]any); ok {
					declared[str(m, "name")] = true
				}
			}
			for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				for _, action := range []string{"httpGet", "tcpSocket", "grpc"} {
					a := Map(Map(c.C, probe), action)
					if name, isName := a["port"].(string); isName && !declared[name] {
						p.Report(pod.Object, c.At(probe, action, "port"), "container %q has no port named %q", c.Name(), name)
					}
				}
			}
		}
	}
}

func checkResources(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			res := Map(c.C, "resources")
			var missing []string
			for _, need := range [][2]string{{"requests", "cpu"}, {"requests", "memory"}, {"limits", "memory"}} {
				if _, ok := Map(res, need[0])[need[1]]; !ok {
					missing = append(missing, need[0]+"."+need[1])
				}
			}
			if len(missing) > 0 {
				p.Report(pod.Object, c.Segs, "container %q sets no %s", c.Name(), strings.Join(missing, ", "))
			}
		}
	}
}

func checkImages(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			img := str(c.C, "image")
			if strings.Contains(img, "@") {
				continue // pinned by digest
			}
			tag := ""
			if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
				tag = img[i+1:]
			}
			switch tag {
			case "":
				p.Report(pod.Object, c.At("image"), "image %q has no tag: it runs whatever latest is at pull time", img)
			case "latest":
				p.Report(pod.Object, c.At("image"), "image %q uses the tag latest: pin a version or a digest", img)
			}
		}
	}
}

// securityField returns a container's securityContext field, or the pod's
// when the container does not set it (both levels accept the fields that
// this applies to); segs is where the effective value is set.
func securityField(c Container, field string) (v any, segs []string) {
	if v, ok := Map(c.C, "securityContext")[field]; ok {
		return v, c.At("securityContext", field)
	}
	if v, ok := Map(c.Pod.Spec, "securityContext")[field]; ok {
		return v, c.Pod.At("securityContext", field)
	}
	return nil, nil
}

func checkRoot(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			nonRoot, segs := securityField(c, "runAsNonRoot")
			if nonRoot != true {
				if segs == nil {
					segs = c.Segs
				}
				p.Report(pod.Object, segs, "container %q does not set runAsNonRoot: true", c.Name())
			}
			if uid, segs := securityField(c, "runAsUser"); isNumber(uid, 0) {
				p.Report(pod.Object, segs, "container %q runs as UID 0 (root)", c.Name())
			}
		}
	}
}

func checkUID1337(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			if uid, segs := securityField(c, "runAsUser"); isNumber(uid, 1337) {
				p.Report(pod.Object, segs, "container %q runs as UID 1337, the Istio sidecar's", c.Name())
			}
		}
	}
}

func checkReadOnlyRoot(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			if Map(c.C, "securityContext")["readOnlyRootFilesystem"] != true {
				p.Report(pod.Object, c.Segs, "container %q has a writable root filesystem", c.Name())
			}
		}
	}
}

func checkEscalation(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			if Map(c.C, "securityContext")["allowPrivilegeEscalation"] != false {
				p.Report(pod.Object, c.Segs, "container %q does not set allowPrivilegeEscalation: false", c.Name())
			}
		}
	}
}

func checkPrivileged(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			if Map(c.C, "securityContext")["privileged"] == true {
				p.Report(pod.Object, c.At("securityContext", "privileged"), "container %q runs privileged", c.Name())
			}
		}
	}
}

func checkCapabilities(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			caps := Map(Map(c.C, "securityContext"), "capabilities")
			if !slices.Contains(List(caps, "drop"), any("ALL")) {
				p.Report(pod.Object, c.Segs, "container %q does not drop ALL capabilities", c.Name())
			}
			for i, add := range List(caps, "add") {
				if add != "NET_BIND_SERVICE" {
					p.Report(pod.Object, c.At("securityContext", "capabilities", "add", strconv.Itoa(i)), "container %q adds capability %v", c.Name(), add)
				}
			}
		}
	}
}

func checkSeccomp(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			prof, segs := securityField(c, "seccompProfile")
			typ := str(asMap(prof), "type")
			switch typ {
			case "RuntimeDefault", "Localhost":
			case "":
				p.Report(pod.Object, c.Segs, "container %q has no seccomp profile", c.Name())
			default:
				p.Report(pod.Object, append(segs, "type"), "container %q runs with seccomp profile %s", c.Name(), typ)
			}
		}
	}
}

func checkHostNamespaces(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, f := range []string{"hostNetwork", "hostPID", "hostIPC"} {
			if pod.Spec[f] == true {
				p.Report(pod.Object, pod.At(f), "the pod sets %s: true", f)
			}
		}
	}
}

func checkHostPath(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for i, v := range List(pod.Spec, "volumes") {
			hp := Map(asMap(v), "hostPath")
			if hp != nil {
				p.Report(pod.Object, pod.At("volumes", strconv.Itoa(i), "hostPath"), "volume %q mounts the node's %s", str(asMap(v), "name"), str(hp, "path"))
			}
		}
	}
}

func checkHostPort(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			for i, port := range List(c.C, "ports") {
				if hp, ok := asMap(port)["hostPort"]; ok && !isNumber(hp, 0) {
					p.Report(pod.Object, c.At("ports", strconv.Itoa(i), "hostPort"), "container %q binds node port %v", c.Name(), hp)
				}
			}
		}
	}
}

func checkEnvDuplicates(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			seen := map[string]bool{}
			for i, e := range List(c.C, "env") {
				name := str(asMap(e), "name")
				if seen[name] {
					p.Report(pod.Object, c.At("env", strconv.Itoa(i), "name"), "container %q sets %s twice", c.Name(), name)
				}
				seen[name] = true
			}
		}
	}
}

// minReplicas returns how many pods a Deployment or StatefulSet runs at
// least: its autoscaler's minReplicas when one targets it, else its
// replicas (1 when unset), and where that number is set.
func minReplicas(g *Graph, o *Object) (n int, at *Object, segs []string) {
	if hpa := g.autoscaler(o); hpa != nil {
		n = 1
		if v, ok := Map(hpa.Value, "spec")["minReplicas"]; ok {
			n = toInt(v)
		}
		return n, hpa, []string{"spec", "minReplicas"}
	}
	if v, ok := Map(o.Value, "spec")["replicas"]; ok {
		return toInt(v), o, []string{"spec", "replicas"}
	}
	return 1, o, []string{"spec"}
}

func checkReplicas(p *Pass) {
	for _, kind := range []string{"Deployment", "StatefulSet"} {
		for _, o := range p.Graph.OfKind(kind) {
			if n, at, segs := minReplicas(p.Graph, o); n < 2 && !isCanary(o) {
				p.Report(at, segs, "%s %q runs %d pod(s) at least: losing one is an outage", kind, o.Name(), n)
			}
		}
	}
}

// isCanary reports whether a Deployment is a canary track, which runs next
// to a stable one and may be small.
func isCanary(o *Object) bool {
	return Map(Map(Map(Map(o.Value, "spec"), "template"), "metadata"), "labels")["version"] == "canary"
}

func checkSpread(p *Pass) {
	for _, kind := range []string{"Deployment", "StatefulSet"} {
		for _, o := range p.Graph.OfKind(kind) {
			if n, _, _ := minReplicas(p.Graph, o); n < 2 {
				continue
			}
			pod := dig(o.Value, []string{"spec", "template", "spec"})
			if len(List(pod, "topologySpreadConstraints")) == 0 && Map(Map(pod, "affinity"), "podAntiAffinity") == nil {
				p.Report(o, []string{"spec", "template", "spec"}, "%s %q runs several pods with no topology spread or anti-affinity", kind, o.Name())
			}
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// isNumber reports whether v (a json.Number, int or float) equals n.
func isNumber(v any, n int) bool {
	switch x := v.(type) {
	case json.Number:
		return x.String() == strconv.Itoa(n)
	case int:
		return x == n
	case int64:
		return x == int64(n)
	case float64:
		return x == float64(n)
	}
	return false
}

func toInt(v any) int {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return int(n)
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}
