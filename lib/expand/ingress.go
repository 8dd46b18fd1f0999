package expand

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnnotationClusterIssuer asks cert-manager for the certificate of an
// Ingress's TLS entries.
const AnnotationClusterIssuer = "cert-manager.io/cluster-issuer"

// The ingress controller runs in the mesh. These annotations make it send
// each request to the Service, with the Service's mesh host name, instead
// of straight to pod IPs, so that the app's VirtualService (the canary
// split and header route) applies to traffic from outside too.
const (
	AnnotationServiceUpstream = "nginx.ingress.kubernetes.io/service-upstream"
	AnnotationUpstreamVhost   = "nginx.ingress.kubernetes.io/upstream-vhost"
)

// Ingress routes the app's public host to its Service; nil when the app has
// no ingress.
func Ingress(in Input) *networkingv1.Ingress {
	ing := in.Spec.Ingress
	if ing == nil {
		return nil
	}
	path := ing.Path
	if path == "" {
		path = "/"
	}
	obj := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: in.meta(in.Name()),
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr(ing.Class),
			Rules: []networkingv1.IngressRule{{
				Host: ing.Host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     path,
						PathType: ptr(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: in.Name(),
							Port: networkingv1.ServiceBackendPort{Name: ing.Port},
						}},
					}},
				}},
			}},
		},
	}
	obj.Annotations = map[string]string{
		AnnotationServiceUpstream: "true",
		AnnotationUpstreamVhost:   in.Host(),
	}
	if ing.TLS != nil {
		obj.Annotations[AnnotationClusterIssuer] = ing.TLS.ClusterIssuer
		obj.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{ing.Host}, SecretName: in.TLSSecretName()}}
	}
	return obj
}
