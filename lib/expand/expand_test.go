package expand

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/model/modeltest"
)

var env = func() model.Env {
	e := modeltest.Env("prod", 1)
	e.Kubernetes = "1.36.3"
	e.SecretStore = "vault-prod"
	return e
}()

func spec() model.Spec {
	return model.Spec{
		Image: model.Image{Repository: "registry.example.com/shop/api", Tag: "1.0.0"},
		Ports: []model.Port{{Name: "http", Container: 8080, Service: 80}, {Name: "grpc", Container: 9000, Protocol: model.GRPC}, {Name: "metrics", Container: 9090}},
		Resources: model.Resources{
			Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
			Limits:   model.Compute{Memory: "256Mi"},
		},
		Probes: model.Probes{
			Liveness:  &model.Probe{Path: "/healthz", Port: "http", InitialDelay: 5 * time.Second, Period: 10 * time.Second},
			Readiness: &model.Probe{Port: "grpc"},
		},
		Shutdown: &model.Shutdown{PreStop: 5 * time.Second, GracePeriod: 40 * time.Second},
		Config:   model.Config{Data: map[string]string{"app.yaml": "a: 1\n", "level": "info"}, MountPath: "/etc/api"},
		Secrets:  []model.Secret{{Name: "api-db", Keys: []model.SecretKey{{Key: "password", Remote: "api/db", Property: "pw"}}}},
		Vars: []model.Var{
			{Name: "LEVEL", Value: model.ConfigRef("level")},
			{Name: "DB_PASSWORD", Value: model.SecretRef{Secret: "api-db", Key: "password"}},
			{Name: "PEER", Value: model.ServiceURL{App: "api", Port: "http"}},
			{Name: "NS", Value: model.FieldRef("metadata.namespace")},
			{Name: "MODE", Value: model.Literal("fast")},
		},
		Spread:     []model.Spread{{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1, Required: true}},
		Scaling:    model.Autoscale{Min: 2, Max: 20, CPU: 70, Memory: 80, PerPod: []model.PodMetric{{Name: "rps", AverageValue: "1000"}}},
		Disruption: model.MaxUnavailable(1),
		Ingress:    &model.Ingress{Host: "api.example.com", Port: "http", Class: "nginx", TLS: &model.TLS{ClusterIssuer: "letsencrypt-prod"}},
		Canary:     &model.Canary{Tag: "1.1.0", Weight: 10, Header: &model.HeaderMatch{Name: "canary", Value: "true"}, Replicas: 2},
		Callers:    []model.Caller{{App: "web", Methods: []string{"GET"}, Paths: []string{"/api/*"}, When: []model.Condition{{Key: "request.headers[user-role]", Values: []string{"admin"}}}}},
		Traffic: model.Traffic{
			ConnectionPool: &model.ConnectionPool{MaxConnections: 10, MaxPendingRequests: 10, MaxRequestsPerConnection: 2},
			Outlier:        &model.Outlier{Consecutive5xx: 3, Interval: 30 * time.Second, Ejection: 30 * time.Second},
		},
		Metrics: &model.Metrics{Port: "metrics", Interval: 30 * time.Second},
		Alerts: []model.Alert{{
			Name: "Custom", Expr: func(sel model.Selectors) string { return "up{" + sel.App + "} == 0" },
			For: 2 * time.Minute, Severity: model.Critical, Summary: "s", Description: "d",
		}},
		Dependencies: []model.Dependency{{Kind: model.PostgreSQL, Secret: "api-db", Database: "api", User: "api", Storage: "5Gi"}},
	}
}

// input is the app "api" with Spec s, next to the app "web" that calls it.
func input(s model.Spec) Input { return NewInput(world(s), model.App{Name: "api", Team: "shop"}) }

// world is the World of input: the app "api" with Spec s and "web".
func world(s model.Spec) model.World {
	app := model.App{Name: "api", Team: "shop"}
	web := model.App{Name: "web", Team: "front"}
	specs := map[model.AppName]model.Spec{"api": s, "web": {Ports: []model.Port{{Name: "http", Container: 3000}}}}
	return model.World{Env: env, Apps: []model.App{app, web}, Specs: specs}
}

func TestAppExpandsEveryKindInOrder(t *testing.T) {
	var kinds []string
	for _, o := range App(input(spec())) {
		kinds = append(kinds, o.GetObjectKind().GroupVersionKind().Kind)
	}
	want := "Namespace ServiceAccount PeerAuthentication AuthorizationPolicy AuthorizationPolicy AuthorizationPolicy NetworkPolicy NetworkPolicy NetworkPolicy ConfigMap ExternalSecret Deployment Deployment Service DestinationRule VirtualService PodDisruptionBudget HorizontalPodAutoscaler Ingress ServiceMonitor PrometheusRule"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("kinds:\n got %s\nwant %s", got, want)
	}
	s := spec()
	s.Config = model.Config{}
	s.Secrets = nil
	s.Vars = nil
	s.Scaling = model.Replicas(3)
	s.Disruption = nil
	s.Ingress = nil
	s.Canary = nil
	s.Callers = nil
	s.Metrics = nil
	s.Dependencies = nil
	kinds = nil
	for _, o := range App(input(s)) {
		kinds = append(kinds, o.GetObjectKind().GroupVersionKind().Kind)
	}
	if got := strings.Join(kinds, " "); got != "Namespace ServiceAccount PeerAuthentication AuthorizationPolicy NetworkPolicy Deployment Service DestinationRule VirtualService PrometheusRule" {
		t.Fatalf("minimal app: got %s", got)
	}
}

func TestNamespace(t *testing.T) {
	ns := Namespace(input(spec()))
	if ns.Name != "api" || ns.Namespace != "" {
		t.Errorf("name %q namespace %q", ns.Name, ns.Namespace)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("labels %v", ns.Labels)
	}
}

func TestServiceAccountTokenOffByDefault(t *testing.T) {
	in := input(spec())
	if sa := ServiceAccount(in); *sa.AutomountServiceAccountToken {
		t.Error("token mounted by default")
	}
	if pod := PodTemplate(in, Stable); *pod.Spec.AutomountServiceAccountToken {
		t.Error("pod mounts a token by default")
	}
	s := spec()
	s.ServiceAccountToken = true
	if sa := ServiceAccount(input(s)); !*sa.AutomountServiceAccountToken {
		t.Error("token not mounted when asked for")
	}
}

func TestConfigMapNameFollowsContent(t *testing.T) {
	a := input(spec())
	cm := ConfigMap(a)
	if !strings.HasPrefix(cm.Name, "api-config-") || len(cm.Name) != len("api-config-")+10 {
		t.Fatalf("name %q", cm.Name)
	}
	if cm.Immutable == nil || !*cm.Immutable {
		t.Error("ConfigMap is not immutable")
	}
	s := spec()
	s.Config.Data["level"] = "debug"
	if b := ConfigMap(input(s)); b.Name == cm.Name {
		t.Errorf("content changed but name %q did not", b.Name)
	}
	// Every consumer uses the hashed name.
	pod := PodTemplate(a, Stable)
	if got := pod.Spec.Volumes[1].ConfigMap.Name; got != cm.Name {
		t.Errorf("volume refers to %q, want %q", got, cm.Name)
	}
	if got := pod.Spec.Containers[0].Env[0].ValueFrom.ConfigMapKeyRef.Name; got != cm.Name {
		t.Errorf("env refers to %q, want %q", got, cm.Name)
	}
}

func TestDeployment(t *testing.T) {
	in := input(spec())
	d := Deployment(in, Stable)
	if d.Spec.Replicas != nil {
		t.Errorf("autoscaled Deployment sets replicas %d", *d.Spec.Replicas)
	}
	sel, err := metaSelector(d)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("selector %v does not match template labels %v", sel, d.Spec.Template.Labels)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example.com/shop/api:1.0.0" {
		t.Errorf("image %q", c.Image)
	}
	sc := c.SecurityContext
	if *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || !*sc.RunAsNonRoot || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container security context %+v", sc)
	}
	psc := d.Spec.Template.Spec.SecurityContext
	if !*psc.RunAsNonRoot || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", psc)
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port.StrVal != "http" || c.LivenessProbe.PeriodSeconds != 10 || c.LivenessProbe.InitialDelaySeconds != 5 {
		t.Errorf("liveness %+v", c.LivenessProbe)
	}
	if c.ReadinessProbe.TCPSocket == nil || c.ReadinessProbe.TCPSocket.Port.StrVal != "grpc" {
		t.Errorf("readiness %+v", c.ReadinessProbe)
	}
	if c.Lifecycle.PreStop.Sleep.Seconds != 5 || *d.Spec.Template.Spec.TerminationGracePeriodSeconds != 40 {
		t.Errorf("shutdown: preStop %+v grace %d", c.Lifecycle.PreStop, *d.Spec.Template.Spec.TerminationGracePeriodSeconds)
	}
	tsc := d.Spec.Template.Spec.TopologySpreadConstraints[0]
	if tsc.WhenUnsatisfiable != corev1.DoNotSchedule || !labels.SelectorFromSet(tsc.LabelSelector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("spread %+v", tsc)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if env["DB_PASSWORD"].ValueFrom.SecretKeyRef.Name != "api-db" || env["DB_PASSWORD"].Value != "" {
		t.Errorf("secret var %+v", env["DB_PASSWORD"])
	}
	if env["PEER"].Value != "http://api.api.svc.cluster.local:80" {
		t.Errorf("service URL %q", env["PEER"].Value)
	}
	if env["NS"].ValueFrom.FieldRef.FieldPath != "metadata.namespace" || env["MODE"].Value != "fast" {
		t.Errorf("field/literal vars %+v %+v", env["NS"], env["MODE"])
	}

	s := spec()
	s.Scaling = model.Replicas(0)
	if d := Deployment(input(s), Stable); d.Spec.Replicas == nil || *d.Spec.Replicas != 0 {
		t.Errorf("Replicas(0) must render replicas: 0, got %v", d.Spec.Replicas)
	}
}

func metaSelector(d *appsv1.Deployment) (labels.Selector, error) {
	return labels.ValidatedSelectorFromSet(d.Spec.Selector.MatchLabels)
}

func TestServiceSelectsThePodsAndNamesTheirPorts(t *testing.T) {
	in := input(spec())
	svc := Service(in)
	pod := PodTemplate(in, Stable)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
		t.Errorf("selector %v does not match pod labels %v", svc.Spec.Selector, pod.Labels)
	}
	declared := map[string]bool{}
	for _, p := range pod.Spec.Containers[0].Ports {
		declared[p.Name] = true
	}
	for _, p := range svc.Spec.Ports {
		if !declared[p.TargetPort.StrVal] {
			t.Errorf("service port %s targets %q, not a container port", p.Name, p.TargetPort.StrVal)
		}
	}
	if svc.Spec.Ports[0].Port != 80 || svc.Spec.Ports[1].Port != 9000 || *svc.Spec.Ports[1].AppProtocol != "grpc" {
		t.Errorf("ports %+v", svc.Spec.Ports)
	}
}

func TestHorizontalPodAutoscaler(t *testing.T) {
	in := input(spec())
	s := spec()
	a := s.Scaling.(model.Autoscale)
	a.ScaleDown = &model.ScalingRules{StabilizationWindow: 0, Policies: []model.ScalingPolicy{{Percent: true, Value: 10, Period: time.Minute}}}
	s.Scaling = a
	hpa := HorizontalPodAutoscaler(input(s))
	if hpa.Spec.ScaleTargetRef.Name != Deployment(in, Stable).Name || hpa.Spec.ScaleTargetRef.Kind != "Deployment" {
		t.Errorf("target %+v", hpa.Spec.ScaleTargetRef)
	}
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 20 || len(hpa.Spec.Metrics) != 3 {
		t.Errorf("spec %+v", hpa.Spec)
	}
	if got := hpa.Spec.Metrics[2].Pods.Target.AverageValue.Value(); got != 1000 {
		t.Errorf("per-pod target %d", got)
	}
	// A zero stabilization window is written, not dropped: it is not the default for scale-down.
	if w := hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds; w == nil || *w != 0 {
		t.Errorf("scale-down window %v", w)
	}
	if hpa.Spec.Behavior.ScaleUp != nil {
		t.Error("scale-up behaviour rendered though not given")
	}
	s.Scaling = model.Replicas(2)
	if HorizontalPodAutoscaler(input(s)) != nil {
		t.Error("HPA for a fixed replica count")
	}
}

func TestPodDisruptionBudget(t *testing.T) {
	in := input(spec())
	pdb := PodDisruptionBudget(in)
	if pdb.Spec.MaxUnavailable.IntVal != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("spec %+v", pdb.Spec)
	}
	if !labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels).Matches(labels.Set(PodTemplate(in, Canary).Labels)) {
		t.Error("PDB does not cover the canary pods")
	}
	s := spec()
	s.Disruption = model.MinAvailable(2)
	if pdb := PodDisruptionBudget(input(s)); pdb.Spec.MinAvailable.IntVal != 2 || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("min available %+v", pdb.Spec)
	}
	s.Disruption = nil
	if PodDisruptionBudget(input(s)) != nil {
		t.Error("PDB without Disruption")
	}
}

func TestIngress(t *testing.T) {
	in := input(spec())
	ing := Ingress(in)
	if ing.Annotations[AnnotationClusterIssuer] != "letsencrypt-prod" || *ing.Spec.IngressClassName != "nginx" ||
		ing.Annotations[AnnotationServiceUpstream] != "true" || ing.Annotations[AnnotationUpstreamVhost] != "api.api.svc.cluster.local" {
		t.Errorf("meta %+v class %v", ing.Annotations, ing.Spec.IngressClassName)
	}
	if ing.Spec.TLS[0].SecretName != "api-tls" || ing.Spec.TLS[0].Hosts[0] != "api.example.com" {
		t.Errorf("tls %+v", ing.Spec.TLS)
	}
	path := ing.Spec.Rules[0].HTTP.Paths[0]
	if path.Path != "/" || path.Backend.Service.Name != Service(in).Name || path.Backend.Service.Port.Name != "http" {
		t.Errorf("path %+v", path)
	}
}

func TestExternalSecret(t *testing.T) {
	in := input(spec())
	es := ExternalSecret(in, in.Spec.Secrets[0])
	if es.Spec.Target.Name != "api-db" || es.Spec.SecretStoreRef.Name != "vault-prod" || es.Spec.SecretStoreRef.Kind != "ClusterSecretStore" {
		t.Errorf("spec %+v", es.Spec)
	}
	if d := es.Spec.Data[0]; d.SecretKey != "password" || d.RemoteRef.Key != "api/db" || d.RemoteRef.Property != "pw" {
		t.Errorf("data %+v", d)
	}
}

func TestEveryObjectIsLabelledAndNamespaced(t *testing.T) {
	for _, o := range App(input(spec())) {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		if o.GetLabels()[LabelApp] != "api" || o.GetLabels()[LabelManagedBy] != ManagedBy || o.GetLabels()[LabelTeam] != "shop" {
			t.Errorf("%s labels %v", kind, o.GetLabels())
		}
		if kind != "Namespace" && o.GetNamespace() != "api" {
			t.Errorf("%s in namespace %q", kind, o.GetNamespace())
		}
	}
}
