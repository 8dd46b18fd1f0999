package expand

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/model"
)

// These tests check that the objects of one app agree with each other:
// the labels, ports, subsets, hosts and principals that tie them together.

func TestCanaryDeployment(t *testing.T) {
	in := input(spec())
	stable, canary := Deployment(in, Stable), Deployment(in, Canary)
	if canary.Name != "api-canary" || *canary.Spec.Replicas != 2 {
		t.Errorf("canary %s replicas %v", canary.Name, canary.Spec.Replicas)
	}
	if got := canary.Spec.Template.Spec.Containers[0].Image; got != "registry.example.com/shop/api:1.1.0" {
		t.Errorf("canary image %q", got)
	}
	if canary.Spec.Template.Labels[LabelVersion] != "canary" || stable.Spec.Template.Labels[LabelVersion] != "stable" {
		t.Error("track labels")
	}
	// The two selectors must not overlap, or the Deployments fight over pods.
	if labels.SelectorFromSet(stable.Spec.Selector.MatchLabels).Matches(labels.Set(canary.Spec.Template.Labels)) {
		t.Error("the stable selector selects canary pods")
	}
	if HorizontalPodAutoscaler(in).Spec.ScaleTargetRef.Name != stable.Name {
		t.Error("the autoscaler does not target the stable Deployment")
	}
}

func subsetLabels(dr []*networkingapi.Subset, name string) map[string]string {
	for _, s := range dr {
		if s.Name == name {
			return s.Labels
		}
	}
	return nil
}

func TestVirtualServiceAgreesWithDestinationRuleAndPods(t *testing.T) {
	in := input(spec())
	vs, dr, svc := VirtualService(in), DestinationRule(in), Service(in)
	host := svc.Name + "." + svc.Namespace + ".svc.cluster.local"
	if vs.Spec.Hosts[0] != host || dr.Spec.Host != host {
		t.Errorf("hosts %v / %s, want %s", vs.Spec.Hosts, dr.Spec.Host, host)
	}
	if len(vs.Spec.Http) != 2 || vs.Spec.Http[0].Match[0].Headers["canary"].GetExact() != "true" {
		t.Fatalf("routes %v", vs.Spec.Http)
	}
	split := vs.Spec.Http[1].Route
	if split[0].Weight != 90 || split[1].Weight != 10 || split[0].Weight+split[1].Weight != 100 {
		t.Errorf("weights %d/%d", split[0].Weight, split[1].Weight)
	}
	tracks := map[string]Track{"stable": Stable, "canary": Canary}
	for _, r := range vs.Spec.Http {
		for _, d := range r.Route {
			if d.Destination.Host != host || d.Destination.Port.Number != uint32(svc.Spec.Ports[0].Port) {
				t.Errorf("destination %v", d.Destination)
			}
			sel := subsetLabels(dr.Spec.Subsets, d.Destination.Subset)
			if sel == nil {
				t.Fatalf("subset %q not in the DestinationRule", d.Destination.Subset)
			}
			pods := Deployment(in, tracks[d.Destination.Subset]).Spec.Template.Labels
			if !labels.SelectorFromSet(sel).Matches(labels.Set(pods)) {
				t.Errorf("subset %s labels %v do not select its pods %v", d.Destination.Subset, sel, pods)
			}
		}
	}
	tp := dr.Spec.TrafficPolicy
	if tp.ConnectionPool.Tcp.MaxConnections != 10 || tp.ConnectionPool.Http.Http1MaxPendingRequests != 10 || tp.ConnectionPool.Http.MaxRequestsPerConnection != 2 {
		t.Errorf("connection pool %v", tp.ConnectionPool)
	}
	if tp.OutlierDetection.Consecutive_5XxErrors.GetValue() != 3 || tp.OutlierDetection.Interval.AsDuration().Seconds() != 30 || tp.OutlierDetection.BaseEjectionTime.AsDuration().Seconds() != 30 {
		t.Errorf("outlier detection %v", tp.OutlierDetection)
	}
	if tp.Tls.Mode != networkingapi.ClientTLSSettings_ISTIO_MUTUAL {
		t.Error("the DestinationRule does not use mesh mTLS")
	}
	if Ingress(in).Annotations[AnnotationUpstreamVhost] != host {
		t.Error("the ingress does not send the mesh host name")
	}

	s := spec()
	s.Canary = nil
	vs = VirtualService(input(s))
	if len(vs.Spec.Http) != 1 || len(vs.Spec.Http[0].Route) != 1 || vs.Spec.Http[0].Route[0].Destination.Subset != "stable" {
		t.Errorf("without a canary: %v", vs.Spec.Http)
	}
	if len(DestinationRule(input(s)).Spec.Subsets) != 1 {
		t.Error("a canary subset without a canary")
	}
	s.Ports = []model.Port{{Name: "pg", Container: 5432, Protocol: model.TCP}}
	s.Ingress, s.Metrics = nil, nil
	if VirtualService(input(s)) != nil {
		t.Error("an HTTP route for a TCP-only app")
	}
}

func TestAuthorizationPoliciesAdmitExactlyTheListed(t *testing.T) {
	in := input(spec())
	if PeerAuthentication(in).Spec.Mtls.Mode != securityapi.PeerAuthentication_MutualTLS_STRICT {
		t.Error("PeerAuthentication is not STRICT")
	}
	if deny := DenyAll(in); deny.Spec.Selector != nil || len(deny.Spec.Rules) != 0 {
		t.Error("the default-deny policy has a selector or rules")
	}
	allow := AllowPolicy(in)
	for _, tr := range []Track{Stable, Canary} {
		if !labels.SelectorFromSet(allow.Spec.Selector.MatchLabels).Matches(labels.Set(Deployment(in, tr).Spec.Template.Labels)) {
			t.Errorf("the allow policy does not cover the %s pods", tr)
		}
	}
	if len(allow.Spec.Rules) != 3 {
		t.Fatalf("rules %v", allow.Spec.Rules)
	}
	w := world(spec())
	web := PodTemplate(NewInput(w, w.Apps[1]), Stable)
	wantWeb := "cluster.local/ns/web/sa/" + web.Spec.ServiceAccountName
	caller := allow.Spec.Rules[0]
	if caller.From[0].Source.Principals[0] != wantWeb {
		t.Errorf("caller principal %v, want %s", caller.From[0].Source.Principals, wantWeb)
	}
	op := caller.To[0].Operation
	if !slices.Equal(op.Methods, []string{"GET"}) || !slices.Equal(op.Paths, []string{"/api/*"}) || caller.When[0].Key != "request.headers[user-role]" {
		t.Errorf("caller rule %v", caller)
	}
	if slices.Contains(op.Ports, "9090") || !slices.Contains(op.Ports, "8080") {
		t.Errorf("callers reach ports %v: the metrics port is Prometheus's only", op.Ports)
	}
	ingress := allow.Spec.Rules[1]
	if ingress.From[0].Source.Principals[0] != env.Ingress.Principal || !slices.Equal(ingress.To[0].Operation.Ports, []string{"8080"}) {
		t.Errorf("ingress rule %v", ingress)
	}
	prom := allow.Spec.Rules[2]
	if prom.From[0].Source.Principals[0] != env.Monitoring.Principal || !slices.Equal(prom.To[0].Operation.Ports, []string{"9090"}) || prom.To[0].Operation.Paths[0] != "/metrics" {
		t.Errorf("prometheus rule %v", prom)
	}

	s := spec()
	s.Callers, s.Ingress, s.Metrics = nil, nil, nil
	if AllowPolicy(input(s)) != nil {
		t.Error("an allow policy that admits nobody")
	}
	dep := DependencyPolicy(in, in.Spec.Dependencies[0])
	if dep.Spec.Selector.MatchLabels[LabelHelmInstance] != "api-postgresql" || dep.Spec.Rules[0].To[0].Operation.Ports[0] != "5432" ||
		dep.Spec.Rules[0].From[0].Source.Principals[0] != "cluster.local/ns/api/sa/"+ServiceAccount(in).Name {
		t.Errorf("dependency policy %v", &dep.Spec)
	}
}

func TestServiceMonitorScrapesTheMetricsPort(t *testing.T) {
	in := input(spec())
	sm, svc := ServiceMonitor(in), Service(in)
	if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
		t.Errorf("selector %v does not select the Service's labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	ep := sm.Spec.Endpoints[0]
	var port *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Name == ep.Port {
			port = &svc.Spec.Ports[i]
		}
	}
	if port == nil {
		t.Fatalf("endpoint port %q is not a Service port", ep.Port)
	}
	if ep.Path != "/metrics" || ep.Interval != "30s" || ep.Scheme != "https" || ep.TLSConfig.CAFile != "/etc/prom-certs/root-cert.pem" {
		t.Errorf("endpoint %+v", ep)
	}
	if sm.Labels[LabelTeam] != "shop" {
		t.Error("the team's Prometheus selects by the team label")
	}
	// Prometheus is admitted to the container port behind that Service port.
	prom := AllowPolicy(in).Spec.Rules[2].To[0].Operation.Ports[0]
	for _, p := range PodTemplate(in, Stable).Spec.Containers[0].Ports {
		if p.Name == port.TargetPort.StrVal && strconv.Itoa(int(p.ContainerPort)) != prom {
			t.Errorf("Prometheus admitted to %s, metrics are on %d", prom, p.ContainerPort)
		}
	}
	s := spec()
	s.Metrics = nil
	if ServiceMonitor(input(s)) != nil {
		t.Error("a ServiceMonitor without metrics")
	}
}

func TestPrometheusRule(t *testing.T) {
	in := input(spec())
	rule := PrometheusRule(in)
	rules := rule.Spec.Groups[0].Rules
	var names []string
	for _, r := range rules {
		names = append(names, r.Alert)
		for _, k := range []string{"severity", "team"} {
			if r.Labels[k] == "" {
				t.Errorf("%s has no %s label", r.Alert, k)
			}
		}
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if r.Annotations[k] == "" {
				t.Errorf("%s has no %s annotation", r.Alert, k)
			}
		}
		if !strings.Contains(r.Expr.StrVal, `namespace="api"`) {
			t.Errorf("%s does not select the app's namespace: %s", r.Alert, r.Expr.StrVal)
		}
	}
	if strings.Join(names, " ") != "HighErrorRatio HighMemoryVsLimit PodsNotReady Custom" {
		t.Errorf("alerts %v", names)
	}
	// The app's own metrics are selected by its job: the Service's name,
	// which is the ServiceMonitor's default job label.
	if !strings.Contains(rules[0].Expr.StrVal, `job="`+Service(in).Name+`"`) || !strings.Contains(rules[3].Expr.StrVal, `up{job="api",namespace="api"}`) {
		t.Errorf("job selectors: %s / %s", rules[0].Expr.StrVal, rules[3].Expr.StrVal)
	}
	if !strings.Contains(rules[1].Expr.StrVal, `job="kubelet"`) || !strings.Contains(rules[2].Expr.StrVal, `job="kube-state-metrics"`) {
		t.Error("cluster metrics are not selected by the declared cluster jobs")
	}
	if *rules[3].For != "2m" || rules[3].Annotations["runbook_url"] != "https://runbooks.example.com/custom" {
		t.Errorf("custom alert %+v", rules[3])
	}
}

func TestArgoObjects(t *testing.T) {
	in := input(spec())
	objs := Argo(in)
	app := Application(in)
	if app.Name != "api-prod" || app.Namespace != "argocd" || app.Spec.Source.Path != "out/prod/api" || app.Spec.Destination.Namespace != Namespace(in).Name || app.Spec.Destination.Server != env.Cluster.Server {
		t.Errorf("application %+v", app)
	}
	sp := app.Spec.SyncPolicy
	if !sp.Automated.Prune || !sp.Automated.SelfHeal || sp.Retry.Limit != 5 || sp.Retry.Backoff.MaxDuration != "3m" ||
		!slices.Equal(sp.SyncOptions, []string{"CreateNamespace=true", "PrunePropagationPolicy=foreground", "PruneLast=true"}) {
		t.Errorf("sync policy %+v", sp)
	}
	if len(objs) != 2 {
		t.Fatalf("want the app's Application and its dependency's, got %d", len(objs))
	}
	dep := DependencyApplication(in, in.Spec.Dependencies[0])
	if dep.Spec.Source.Chart != "postgresql" || dep.Spec.Source.TargetRevision != "11.6.12" || dep.Spec.Source.Helm.ReleaseName != "api-postgresql" || dep.Spec.Destination.Namespace != "api" {
		t.Errorf("dependency %+v", dep.Spec.Source)
	}
	vals := dep.Spec.Source.Helm.ValuesObject.(postgresValues)
	if vals.Auth.ExistingSecret != "api-db" || vals.FullnameOverride != in.Spec.Dependencies[0].ServiceName("api") {
		t.Errorf("values %+v", vals)
	}
	w := world(spec())
	envObjs := Env(w)
	root := Root(env)
	if root.Spec.Source.Path != "out/prod/argocd" || root.Spec.Destination.Namespace != "argocd" || envObjs[0].GetName() != "root-prod" {
		t.Errorf("root %+v", root.Spec)
	}
	if len(envObjs) != 3 { // root, and one project per team: front, shop
		t.Fatalf("env objects %d", len(envObjs))
	}
	proj := Project(w, "shop")
	if proj.Name != app.Spec.Project || len(proj.Spec.Destinations) != 1 || proj.Spec.Destinations[0].Namespace != "api" ||
		!slices.Equal(proj.Spec.SourceRepos, []string{env.GitOps.RepoURL, "https://charts.bitnami.com/bitnami"}) {
		t.Errorf("project %+v", proj.Spec)
	}
}

func TestSyncWaves(t *testing.T) {
	waves := map[string]string{}
	for _, o := range App(input(spec())) {
		waves[o.GetObjectKind().GroupVersionKind().Kind] = o.GetAnnotations()["argocd.argoproj.io/sync-wave"]
	}
	if waves["Namespace"] != "-2" || waves["ExternalSecret"] != "-1" || waves["AuthorizationPolicy"] != "-1" || waves["Deployment"] != "" {
		t.Errorf("waves %v", waves)
	}
}
