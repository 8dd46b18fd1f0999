package expand

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/externalsecrets"
	"github.com/manifold-dev/manifold/lib/model"
)

// Namespace is the app's own namespace, enforcing the restricted Pod
// Security Standard, with Istio's sidecar injected into every pod (the
// mesh runs with its CNI node agent, so pods need no privileged init
// container).
//
// A DaemonSet's host paths are beyond even the baseline profile, so its
// namespace enforces none and audits at restricted; the DaemonSet carries
// the reasons (see agentExceptions).
func Namespace(in Input) *corev1.Namespace {
	labels := in.Labels()
	labels[LabelEnv] = in.Env.Name
	labels["pod-security.kubernetes.io/enforce"] = "restricted"
	if ds, ok := in.Spec.Workload.(model.DaemonSet); ok && len(ds.HostPaths) > 0 {
		// Audited at restricted, but not warned about: the exception is
		// declared, with its reasons, on the DaemonSet.
		labels["pod-security.kubernetes.io/enforce"] = "privileged"
		labels["pod-security.kubernetes.io/audit"] = "restricted"
	}
	labels["istio-injection"] = "enabled"
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: in.Namespace(), Labels: labels},
	}
}

// ServiceAccount is the identity of the app's pods. Its token is mounted
// only when the app asks for it.
func ServiceAccount(in Input) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   in.meta(in.Name()),
		AutomountServiceAccountToken: ptr(in.Spec.ServiceAccountToken),
	}
}

// ConfigMap holds the app's Config under a content-hashed name; nil when
// the app has no config.
func ConfigMap(in Input) *corev1.ConfigMap {
	if len(in.Spec.Config.Data) == 0 {
		return nil
	}
	data := make(map[string]string, len(in.Spec.Config.Data))
	for k, v := range in.Spec.Config.Data {
		data[k] = v
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: in.meta(in.ConfigMapName()),
		Immutable:  ptr(true), // a new content is a new name
		Data:       data,
	}
}

// Service exposes every port of the app, selecting its pods of all tracks.
func Service(in Input) *corev1.Service {
	ports := make([]corev1.ServicePort, 0, len(in.Spec.Ports))
	for _, p := range in.Spec.Ports {
		ports = append(ports, corev1.ServicePort{
			Name:        p.Name,
			Port:        p.ServicePort(),
			TargetPort:  intstr.FromString(p.Name),
			Protocol:    corev1.ProtocolTCP,
			AppProtocol: ptr(string(p.AppProtocol())),
		})
	}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: in.meta(in.Name()),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: in.Selector(),
			Ports:    ports,
		},
	}
}

// ExternalSecret makes the External Secrets Operator create the Secret s
// in the app's namespace from the environment's secret store.
func ExternalSecret(in Input, s model.Secret) *externalsecrets.ExternalSecret {
	data := make([]externalsecrets.Data, 0, len(s.Keys))
	for _, k := range s.Keys {
		data = append(data, externalsecrets.Data{
			SecretKey: k.Key,
			RemoteRef: externalsecrets.RemoteRef{Key: k.Remote, Property: k.Property},
		})
	}
	return &externalsecrets.ExternalSecret{
		TypeMeta:   metav1.TypeMeta{APIVersion: externalsecrets.APIVersion, Kind: "ExternalSecret"},
		ObjectMeta: in.meta(s.Name),
		Spec: externalsecrets.Spec{
			RefreshInterval: "1h",
			SecretStoreRef:  externalsecrets.SecretStoreRef{Name: in.Env.SecretStore, Kind: "ClusterSecretStore"},
			Target:          externalsecrets.Target{Name: s.Name, CreationPolicy: "Owner"},
			Data:            data,
		},
	}
}
