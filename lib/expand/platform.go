package expand

import (
	"path"
	"slices"
	"strconv"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"google.golang.org/protobuf/types/known/wrapperspb"
	telemetryapi "istio.io/api/telemetry/v1alpha1"
	telemetryv1 "istio.io/client-go/pkg/apis/telemetry/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/argocd"
	"github.com/manifold-dev/manifold/lib/model"
)

// PlatformFolder is the folder of each environment that holds the
// platform components, one subfolder each.
const PlatformFolder = "platform"

// LabelEnv labels every Namespace with its environment, so that a team's
// Prometheus selects the namespaces of its own environment where
// environments share a cluster.
const LabelEnv = "manifold.dev/env"

// FolderOf is the app's folder under out/<env>/: its name, or
// platform/<name> for a platform component.
func FolderOf(a model.App) string {
	if a.Platform {
		return path.Join(PlatformFolder, string(a.Name))
	}
	return string(a.Name)
}

// PlatformApplication syncs the environment's platform folder, every
// component in it; nil when the environment has no platform component.
func PlatformApplication(w model.World) *argocd.Application {
	i := slices.IndexFunc(w.Apps, func(a model.App) bool { return a.Platform })
	if i < 0 {
		return nil
	}
	env := w.Env
	return application(
		argoMeta(env, PlatformFolder+"-"+env.Name, map[string]string{LabelTeam: w.Apps[i].Team, LabelManagedBy: ManagedBy}),
		waveDependencies, ProjectName(env, w.Apps[i].Team),
		argocd.Source{RepoURL: env.GitOps.RepoURL, TargetRevision: env.GitOps.Revision, Path: Folder(env, PlatformFolder),
			Directory: &argocd.Dir{Recurse: true}},
		argocd.Destination{Server: env.Cluster.Server},
	)
}

// needsClusterRBAC reports whether an app gets a ClusterRole: it asks for
// ClusterAccess, or it is a Prometheus.
func needsClusterRBAC(s model.Spec) bool {
	_, prom := s.Workload.(model.Prometheus)
	return prom || len(s.ClusterAccess) > 0
}

// clusterRBACName names an app's ClusterRole and ClusterRoleBinding: its
// namespace, which is unique in the cluster even where environments share
// one.
func (in Input) clusterRBACName() string { return in.Namespace() }

// ClusterRBAC grants the app's service account its ClusterAccess, or a
// Prometheus the read access its service discovery needs; nil when the app
// needs no cluster-wide access.
func ClusterRBAC(in Input) []Object {
	if !needsClusterRBAC(in.Spec) {
		return nil
	}
	var rules []rbacv1.PolicyRule
	for _, a := range in.Spec.ClusterAccess {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: a.Groups, Resources: a.Resources, Verbs: a.Verbs})
	}
	if _, ok := in.Spec.Workload.(model.Prometheus); ok {
		read := []string{"get", "list", "watch"}
		rules = []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes", "nodes/metrics", "services", "endpoints", "pods"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses"}, Verbs: read},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}},
			{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
		}
	}
	name := in.clusterRBACName()
	meta := metav1.ObjectMeta{Name: name, Labels: in.Labels()}
	return []Object{
		&rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: meta,
			Rules:      rules,
		},
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: meta,
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: in.Name(), Namespace: in.Namespace()}},
		},
	}
}

// Istio's annotations that make a Prometheus's sidecar write its mesh
// certificates to a shared volume and leave its outbound traffic alone, so
// that Prometheus scrapes STRICT mTLS targets directly with them. Inbound
// traffic (queries) still goes through the sidecar, under STRICT mTLS and
// the AuthorizationPolicy.
const (
	annotationUserVolumeMount = "sidecar.istio.io/userVolumeMount"
	annotationProxyConfig     = "proxy.istio.io/config"
	annotationOutboundRanges  = "traffic.sidecar.istio.io/includeOutboundIPRanges"
	istioCertsVolume          = "istio-certs"
	istioCertsPath            = "/etc/istio-output-certs"
)

// PrometheusServer is a team's Prometheus: it selects the ServiceMonitors
// and PrometheusRules labelled with the team, in the team's namespaces of
// this environment, and mounts the mesh certificates at the environment's
// Monitoring.CertDir.
func PrometheusServer(in Input, p model.Prometheus) *monitoringv1.Prometheus {
	team := map[string]string{LabelTeam: p.Team}
	namespaces := map[string]string{LabelTeam: p.Team, LabelEnv: in.Env.Name}
	replicas := p.Replicas
	if replicas == 0 {
		replicas = 1
	}
	image := in.Spec.Image.String()
	return &monitoringv1.Prometheus{
		TypeMeta:   metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "Prometheus"},
		ObjectMeta: in.meta(in.Name()),
		Spec: monitoringv1.PrometheusSpec{
			CommonPrometheusFields: monitoringv1.CommonPrometheusFields{
				PodMetadata: &monitoringv1.EmbeddedObjectMetadata{
					Labels: in.podLabels(Stable),
					Annotations: map[string]string{
						annotationUserVolumeMount: `[{"name": "` + istioCertsVolume + `", "mountPath": "` + istioCertsPath + `"}]`,
						annotationProxyConfig:     `{"proxyMetadata": {"OUTPUT_CERTS": "` + istioCertsPath + `"}}`,
						annotationOutboundRanges:  "",
					},
				},
				ServiceMonitorSelector:          &metav1.LabelSelector{MatchLabels: team},
				ServiceMonitorNamespaceSelector: &metav1.LabelSelector{MatchLabels: namespaces},
				Version:                         p.Version,
				Image:                           &image,
				Replicas:                        &replicas,
				Resources:                       resources(in.Spec.Resources),
				ServiceAccountName:              in.Name(),
				AutomountServiceAccountToken:    ptr(true), // service discovery reads the API
				SecurityContext: &corev1.PodSecurityContext{
					RunAsNonRoot:   ptr(true),
					RunAsUser:      ptr(int64(65534)),
					FSGroup:        ptr(int64(65534)),
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
				},
				Volumes: []corev1.Volume{{
					Name:         istioCertsVolume,
					VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}},
				}},
				VolumeMounts: []corev1.VolumeMount{{Name: istioCertsVolume, MountPath: in.Env.Monitoring.CertDir, ReadOnly: true}},
				Storage: &monitoringv1.StorageSpec{VolumeClaimTemplate: monitoringv1.EmbeddedPersistentVolumeClaim{
					Spec: corev1.PersistentVolumeClaimSpec{
						AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
						StorageClassName: ptr(p.Storage.StorageClass),
						Resources: corev1.VolumeResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(p.Storage.Size)}, // validated
						},
					},
				}},
			},
			Retention:             monitoringv1.Duration(promDuration(p.Retention)),
			RetentionSize:         monitoringv1.ByteSize(p.RetentionSize),
			RuleSelector:          &metav1.LabelSelector{MatchLabels: team},
			RuleNamespaceSelector: &metav1.LabelSelector{MatchLabels: namespaces},
		},
	}
}

// Telemetry has the mesh's proxies in the app's namespace report traces to
// the environment's provider at its sampling rate; nil when the
// environment does not trace. It is namespace-wide rather than mesh-wide
// (Istio allows one mesh-wide Telemetry per cluster), so environments that
// share a cluster each keep their own provider and rate.
func Telemetry(in Input) *telemetryv1.Telemetry {
	t := in.Env.Tracing
	if t == nil {
		return nil
	}
	return &telemetryv1.Telemetry{
		TypeMeta:   metav1.TypeMeta{APIVersion: "telemetry.istio.io/v1", Kind: "Telemetry"},
		ObjectMeta: in.meta(TelemetryName),
		Spec: telemetryapi.Telemetry{Tracing: []*telemetryapi.Tracing{{
			Providers:                []*telemetryapi.ProviderRef{{Name: t.Provider}},
			RandomSamplingPercentage: wrapperspb.Double(t.Sampling),
		}}},
	}
}

// TelemetryName is the name of every namespace's Telemetry.
const TelemetryName = "default"

// NetworkPolicies isolate the app's namespace at L3/L4: a default deny of
// every ingress, the app's Admissions (the very list its
// AuthorizationPolicy admits), and each dependency's admission of the app.
func NetworkPolicies(in Input) []Object {
	objs := []Object{&networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: in.meta(DenyAllName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}}
	var rules []networkingv1.NetworkPolicyIngressRule
	for _, a := range in.Admissions() {
		rules = append(rules, ingressRule(a.Namespace, a.Pods, a.Ports))
	}
	if len(rules) > 0 {
		objs = append(objs, &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: in.meta(in.Name()),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: in.Selector()},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     rules,
			},
		})
	}
	for _, d := range in.Spec.Dependencies {
		release := d.ReleaseName(in.App.Name)
		objs = append(objs, &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: in.meta(release),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{LabelHelmInstance: release}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{ingressRule(in.Namespace(), in.Selector(), []string{strconv.Itoa(int(d.Port()))})},
			},
		})
	}
	return objs
}

// ingressRule admits pods (all of the namespace when pods is nil) of a
// namespace, by its kubernetes.io/metadata.name label, on TCP ports.
func ingressRule(ns string, pods map[string]string, ports []string) networkingv1.NetworkPolicyIngressRule {
	peer := networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
	}
	if pods != nil {
		peer.PodSelector = &metav1.LabelSelector{MatchLabels: pods}
	}
	rule := networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{peer}}
	for _, p := range ports {
		n, _ := strconv.Atoi(p) // container port numbers
		rule.Ports = append(rule.Ports, networkingv1.NetworkPolicyPort{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt(n))})
	}
	return rule
}
