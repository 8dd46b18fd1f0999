package lint

import (
	"maps"
	"slices"
	"strconv"
)

// podPaths are where each workload kind keeps its pod spec.
var podPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
	// The Prometheus Operator writes a Prometheus's pod from its spec: the
	// pod's security context, volumes and service account are there.
	"Prometheus": {"spec"},
}

// podKinds are the kinds podPaths knows, sorted: the kinds of the rules
// that check pods.
var podKinds = slices.Sorted(maps.Keys(podPaths))

// scaleReads are the kinds the rules that read replica counts read: the
// workloads, their autoscalers and their disruption budgets.
var scaleReads = append(slices.Clone(podKinds), "HorizontalPodAutoscaler", "PodDisruptionBudget")

// monitoringReads are the kinds the rules about what is scraped and
// alerted on read: the Prometheus Operator's, and the Services and
// Namespaces they select.
var monitoringReads = []string{"Namespace", "PodMonitor", "Probe", "Prometheus", "PrometheusRule", "Service", "ServiceMonitor"}

// coreReads are the kinds the other graph rules read, about workloads,
// the mesh, secrets and Argo CD: every kind the compiler writes but the
// monitors and rules the Prometheus Operator reads, so that an alert's
// edit does not run them again.
var coreReads = append(slices.Clone(podKinds),
	"AppProject", "Application", "AuthorizationPolicy", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore",
	"ConfigMap", "DestinationRule", "ExternalSecret", "Gateway", "HorizontalPodAutoscaler", "Ingress", "Namespace",
	"NetworkPolicy", "PeerAuthentication", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service",
	"ServiceAccount", "ServiceEntry", "Sidecar", "Telemetry", "VerticalPodAutoscaler", "VirtualService")

// Pod is the pod spec of a workload.
type Pod struct {
	Object *Object
	Segs   []string // the path of the pod spec in the object
	Spec   map[string]any
}

// At returns the path of a field of the pod spec.
func (p Pod) At(segs ...string) []string { return join(p.Segs, segs...) }

// Long reports whether the pod runs a long-lived service rather than a
// task that completes (a Job's or CronJob's).
func (p Pod) Long() bool {
	k := p.Object.Kind()
	return k != "Job" && k != "CronJob" && k != "Pod" && k != "Prometheus"
}

// Pods returns the pod specs of the graph's workloads, found once.
func (g *Graph) Pods() []Pod {
	g.podsOnce.Do(func() { g.pods = g.findPods() })
	return g.pods
}

func (g *Graph) findPods() []Pod {
	out := []Pod{}
	g.reads(podKinds...)
	for _, o := range g.Objects {
		segs, ok := podPaths[o.Kind()]
		if !ok || o.Kind() == "Prometheus" && o.Group() != "monitoring.coreos.com" {
			continue
		}
		spec := dig(o.Value, segs)
		if spec == nil {
			continue
		}
		out = append(out, Pod{Object: o, Segs: segs, Spec: spec})
	}
	return out
}

// Container is one container of a pod.
type Container struct {
	Pod  Pod
	Segs []string // the path of the container in the object
	C    map[string]any
	// Init is set for init and ephemeral containers.
	Init bool
}

// Name returns the container's name.
func (c Container) Name() string { return str(c.C, "name") }

// At returns the path of a field of the container.
func (c Container) At(segs ...string) []string { return join(c.Segs, segs...) }

// Containers returns the pod's containers, init and ephemeral ones after
// the others.
func (p Pod) Containers() []Container {
	var out []Container
	for _, key := range []string{"containers", "initContainers", "ephemeralContainers"} {
		for i, c := range List(p.Spec, key) {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, Container{Pod: p, Segs: p.At(key, strconv.Itoa(i)), C: m, Init: key != "containers"})
		}
	}
	return out
}

// dig follows keys through nested maps.
func dig(m map[string]any, segs []string) map[string]any {
	cur := m
	for _, s := range segs {
		cur = Map(cur, s)
		if cur == nil {
			return nil
		}
	}
	return cur
}

func join(base []string, more ...string) []string {
	out := make([]string, 0, len(base)+len(more))
	return append(append(out, base...), more...)
}
