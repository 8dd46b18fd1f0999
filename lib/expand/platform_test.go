package expand

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/manifold-dev/manifold/lib/model"
)

// platformWorld is env with the app "api" (team shop, spec s), the shop
// team's Prometheus and a node agent, as platform components.
func platformWorld(s model.Spec) model.World {
	e := env
	e.Tracing = &model.Tracing{Provider: "otel", Sampling: 5}
	api := model.App{Name: "api", Team: "shop"}
	web := model.App{Name: "web", Team: "front"}
	prom := model.App{Name: "prometheus-shop", Team: "platform", Platform: true}
	agent := model.App{Name: "agent", Team: "platform", Platform: true}
	return model.World{Env: e, Apps: []model.App{api, web, prom, agent}, Specs: map[model.AppName]model.Spec{
		"api": s,
		"web": {Ports: []model.Port{{Name: "http", Container: 3000}}},
		"prometheus-shop": {
			Image: model.Image{Repository: "quay.io/prometheus/prometheus", Tag: "v3.5.0"},
			Ports: []model.Port{{Name: "web", Container: 9090}},
			Workload: model.Prometheus{Team: "shop", Version: "v3.5.0", Retention: 72 * time.Hour, RetentionSize: "40GB",
				Storage: model.VolumeClaim{StorageClass: "ssd", Size: "20Gi"}},
		},
		"agent": {
			ServiceAccountToken: true,
			ClusterAccess:       []model.Access{{Groups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
			Workload:            model.DaemonSet{RunAsRoot: "reads root-owned logs", HostPaths: []model.HostPath{{Name: "state", Path: "/var/lib/agent", Writable: true, Reason: "positions"}}},
		},
	}}
}

func inputIn(w model.World, name model.AppName) Input {
	i := slices.IndexFunc(w.Apps, func(a model.App) bool { return a.Name == name })
	return NewInput(w, w.Apps[i])
}

func TestPrometheusServer(t *testing.T) {
	w := platformWorld(spec())
	in := inputIn(w, "prometheus-shop")
	if FolderOf(in.App) != "platform/prometheus-shop" || FolderOf(inputIn(w, "api").App) != "api" {
		t.Errorf("folders %s", FolderOf(in.App))
	}
	objs := App(in)
	if got := kindsOf(objs); !strings.HasPrefix(got, "Namespace ServiceAccount ClusterRole ClusterRoleBinding PeerAuthentication AuthorizationPolicy NetworkPolicy Telemetry Prometheus Service") {
		t.Fatalf("kinds %s", got)
	}
	p := PrometheusServer(in, in.Spec.Workload.(model.Prometheus))
	if p.Spec.ServiceMonitorSelector.MatchLabels["team"] != "shop" || p.Spec.RuleSelector.MatchLabels["team"] != "shop" ||
		p.Spec.ServiceMonitorNamespaceSelector.MatchLabels[LabelEnv] != "prod" || p.Spec.RuleNamespaceSelector.MatchLabels["team"] != "shop" {
		t.Errorf("selectors %+v %+v", p.Spec.ServiceMonitorSelector, p.Spec.ServiceMonitorNamespaceSelector)
	}
	if p.Spec.ServiceAccountName != "prometheus-shop" || *p.Spec.Image != "quay.io/prometheus/prometheus:v3.5.0" || p.Spec.Retention != "3d" || p.Spec.RetentionSize != "40GB" || *p.Spec.Replicas != 1 {
		t.Errorf("spec %+v", p.Spec)
	}
	if p.Spec.VolumeMounts[0].MountPath != env.Monitoring.CertDir || p.Spec.PodMetadata.Labels[LabelApp] != "prometheus-shop" {
		t.Errorf("the mesh certificates must be mounted where the ServiceMonitors read them: %+v", p.Spec.VolumeMounts)
	}
	// The team's apps admit this Prometheus, by principal and by pod.
	api := inputIn(w, "api")
	var metrics *Admission
	for _, a := range api.Admissions() {
		if slices.Equal(a.Paths, []string{"/metrics"}) {
			metrics = &a
		}
	}
	if metrics == nil || metrics.Principal != PrincipalOf(w.Env, "prometheus-shop") || metrics.Pods[LabelApp] != "prometheus-shop" {
		t.Errorf("metrics admission %+v", metrics)
	}
}

func TestClusterRBACAndAgent(t *testing.T) {
	w := platformWorld(spec())
	in := inputIn(w, "agent")
	rbac := ClusterRBAC(in)
	if len(rbac) != 2 || rbac[0].GetName() != "agent" || rbac[1].GetName() != "agent" {
		t.Fatalf("rbac %v", rbac)
	}
	if ClusterRBAC(inputIn(w, "api")) != nil {
		t.Error("an app without ClusterAccess got a ClusterRole")
	}
	ds := DaemonSet(in, in.Spec.Workload.(model.DaemonSet))
	pod := ds.Spec.Template.Spec
	if *pod.SecurityContext.RunAsUser != 0 || *pod.SecurityContext.RunAsNonRoot || pod.Containers[0].SecurityContext.Capabilities.Drop[0] != "ALL" {
		t.Errorf("a root agent still drops every capability: %+v", pod.SecurityContext)
	}
	if m := pod.Containers[0].VolumeMounts[len(pod.Containers[0].VolumeMounts)-1]; m.ReadOnly || *pod.Volumes[len(pod.Volumes)-1].HostPath.Type != "DirectoryOrCreate" {
		t.Errorf("writable host path %+v", m)
	}
	var ann map[string]string
	for _, o := range App(in) {
		if o.GetObjectKind().GroupVersionKind().Kind == "DaemonSet" {
			ann = o.GetAnnotations()
		}
	}
	if ann[SuppressPrefix+"run-as-root"] != "reads root-owned logs" || ann[SuppressPrefix+"host-path"] != "/var/lib/agent: positions" {
		t.Errorf("exceptions %v", ann)
	}
	proj := Project(w, "platform")
	if len(proj.Spec.ClusterResourceWhitelist) != 3 {
		t.Errorf("the platform project must allow ClusterRoles: %+v", proj.Spec.ClusterResourceWhitelist)
	}
	if len(Project(w, "shop").Spec.ClusterResourceWhitelist) != 1 {
		t.Error("a team without cluster access may create only its namespaces")
	}
}

func TestPlatformApplication(t *testing.T) {
	w := platformWorld(spec())
	app := PlatformApplication(w)
	if app.Name != "platform-prod" || app.Spec.Source.Path != "out/prod/platform" || !app.Spec.Source.Directory.Recurse || app.Spec.Project != "platform-prod" {
		t.Errorf("platform Application %+v", app.Spec)
	}
	if len(Argo(inputIn(w, "agent"))) != 0 {
		t.Error("a platform component got an Application of its own")
	}
	w.Apps = w.Apps[:2]
	if PlatformApplication(w) != nil {
		t.Error("a platform Application without platform components")
	}
}

func TestTelemetry(t *testing.T) {
	w := platformWorld(spec())
	tel := Telemetry(inputIn(w, "api"))
	if tel.Namespace != "api" || tel.Spec.Tracing[0].Providers[0].Name != "otel" || tel.Spec.Tracing[0].RandomSamplingPercentage.GetValue() != 5 {
		t.Errorf("telemetry %+v", tel)
	}
	if Telemetry(input(spec())) != nil {
		t.Error("telemetry without Env.Tracing")
	}
}

// TestNetworkPolicyAgreesWithAuthorization: every source the
// AuthorizationPolicy admits, the NetworkPolicy admits from its namespace
// (and pods, when known) on the same ports, and nothing else.
func TestNetworkPolicyAgreesWithAuthorization(t *testing.T) {
	s := spec()
	w := platformWorld(s)
	in := inputIn(w, "api")
	allow := AllowPolicy(in)
	nps := NetworkPolicies(in)
	if len(nps) != 3 || nps[0].GetName() != "default-deny" || nps[1].GetName() != "api" || nps[2].GetName() != "api-postgresql" {
		t.Fatalf("network policies %v", kindsOf(nps))
	}
	npRules := nps[1].(*networkingv1.NetworkPolicy).Spec.Ingress
	if len(npRules) != len(allow.Spec.Rules) {
		t.Fatalf("%d L3 rules for %d L7 rules", len(npRules), len(allow.Spec.Rules))
	}
	for i, r := range allow.Spec.Rules {
		ns := principalNamespace(r.From[0].Source.Principals[0])
		peer := npRules[i].From[0]
		if peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != ns {
			t.Errorf("rule %d: L7 admits %s, L3 namespace %v", i, r.From[0].Source.Principals[0], peer.NamespaceSelector)
		}
		var ports []string
		for _, p := range npRules[i].Ports {
			ports = append(ports, strconv.Itoa(p.Port.IntValue()))
		}
		if !slices.Equal(ports, r.To[0].Operation.Ports) {
			t.Errorf("rule %d: L7 ports %v, L3 ports %v", i, r.To[0].Operation.Ports, ports)
		}
	}
}
