package expand

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	typeapi "istio.io/api/type/v1beta1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/manifold-dev/manifold/lib/model"
)

// Names of the namespace-wide mesh policies.
const (
	PeerAuthenticationName = "default"
	DenyAllName            = "default-deny"
)

// Host is the app's Service as the mesh names it, fully qualified so that
// no object reads it relative to its own namespace.
func (in Input) Host() string { return HostOf(in.Env, in.App.Name) }

// HostOf is the fully qualified host of app's Service in env.
func HostOf(env model.Env, app model.AppName) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local", app, env.Namespace(app))
}

// PrincipalOf is the mesh identity of app's pods in env: its service account.
func PrincipalOf(env model.Env, app model.AppName) string {
	return fmt.Sprintf("cluster.local/ns/%s/sa/%s", env.Namespace(app), app)
}

// ServingPort is the port the app's mesh routes apply to: its ingress port,
// else its first port that is not a dedicated metrics port, else its first
// port. ok is false when that port is not HTTP (or there is none).
func (in Input) ServingPort() (p model.Port, ok bool) {
	ports := in.Spec.Ports
	if len(ports) == 0 {
		return p, false
	}
	p = ports[0]
	for _, port := range ports {
		if in.Spec.Ingress != nil {
			if port.Name == in.Spec.Ingress.Port {
				p = port
				break
			}
		} else if in.Spec.Metrics == nil || port.Name != in.Spec.Metrics.Port {
			p = port
			break
		}
	}
	return p, p.AppProtocol() != model.TCP
}

// VirtualService routes calls to the app's serving port: the header route
// and the weighted split when the app has a canary, else one route to the
// stable pods. nil when the app serves no HTTP port.
func VirtualService(in Input) *networkingv1.VirtualService {
	port, ok := in.ServingPort()
	if !ok {
		return nil
	}
	number := uint32(port.ServicePort())
	dest := func(t Track, weight int32) *networkingapi.HTTPRouteDestination {
		return &networkingapi.HTTPRouteDestination{
			Destination: &networkingapi.Destination{Host: in.Host(), Subset: string(t), Port: &networkingapi.PortSelector{Number: number}},
			Weight:      weight,
		}
	}
	onPort := &networkingapi.HTTPMatchRequest{Port: number}
	var routes []*networkingapi.HTTPRoute
	if c := in.Spec.Canary; c != nil {
		if c.Header != nil {
			routes = append(routes, &networkingapi.HTTPRoute{
				Name: "canary-header",
				Match: []*networkingapi.HTTPMatchRequest{{
					Port: number,
					Headers: map[string]*networkingapi.StringMatch{
						c.Header.Name: {MatchType: &networkingapi.StringMatch_Exact{Exact: c.Header.Value}},
					},
				}},
				Route: []*networkingapi.HTTPRouteDestination{dest(Canary, 100)},
			})
		}
		routes = append(routes, &networkingapi.HTTPRoute{
			Name:  "canary-split",
			Match: []*networkingapi.HTTPMatchRequest{onPort},
			Route: []*networkingapi.HTTPRouteDestination{dest(Stable, 100-c.Weight), dest(Canary, c.Weight)},
		})
	} else {
		routes = append(routes, &networkingapi.HTTPRoute{
			Name:  "stable",
			Match: []*networkingapi.HTTPMatchRequest{onPort},
			Route: []*networkingapi.HTTPRouteDestination{dest(Stable, 100)},
		})
	}
	return &networkingv1.VirtualService{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/v1", Kind: "VirtualService"},
		ObjectMeta: in.meta(in.Name()),
		Spec: networkingapi.VirtualService{
			Hosts:    []string{in.Host()},
			Gateways: []string{"mesh"},
			Http:     routes,
		},
	}
}

// DestinationRule defines the app's subsets by track label, mutual TLS,
// and its connection pool and outlier detection.
func DestinationRule(in Input) *networkingv1.DestinationRule {
	subsets := []*networkingapi.Subset{{Name: string(Stable), Labels: in.TrackSelector(Stable)}}
	if in.Spec.Canary != nil {
		subsets = append(subsets, &networkingapi.Subset{Name: string(Canary), Labels: in.TrackSelector(Canary)})
	}
	policy := &networkingapi.TrafficPolicy{
		Tls: &networkingapi.ClientTLSSettings{Mode: networkingapi.ClientTLSSettings_ISTIO_MUTUAL},
	}
	if p := in.Spec.Traffic.ConnectionPool; p != nil {
		policy.ConnectionPool = &networkingapi.ConnectionPoolSettings{
			Tcp: &networkingapi.ConnectionPoolSettings_TCPSettings{MaxConnections: p.MaxConnections},
			Http: &networkingapi.ConnectionPoolSettings_HTTPSettings{
				Http1MaxPendingRequests:  p.MaxPendingRequests,
				MaxRequestsPerConnection: p.MaxRequestsPerConnection,
			},
		}
	}
	if o := in.Spec.Traffic.Outlier; o != nil {
		policy.OutlierDetection = &networkingapi.OutlierDetection{
			Consecutive_5XxErrors: wrapperspb.UInt32(uint32(o.Consecutive5xx)),
			Interval:              durationpb.New(o.Interval),
			BaseEjectionTime:      durationpb.New(o.Ejection),
		}
	}
	return &networkingv1.DestinationRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/v1", Kind: "DestinationRule"},
		ObjectMeta: in.meta(in.Name()),
		Spec: networkingapi.DestinationRule{
			Host:          in.Host(),
			TrafficPolicy: policy,
			Subsets:       subsets,
		},
	}
}

// PeerAuthentication requires mutual TLS for every workload of the app's
// namespace.
func PeerAuthentication(in Input) *securityv1.PeerAuthentication {
	return &securityv1.PeerAuthentication{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication"},
		ObjectMeta: in.meta(PeerAuthenticationName),
		Spec: securityapi.PeerAuthentication{
			Mtls: &securityapi.PeerAuthentication_MutualTLS{Mode: securityapi.PeerAuthentication_MutualTLS_STRICT},
		},
	}
}

// DenyAll is the namespace's default: an ALLOW policy with no rules, whose
// empty spec denies every request that no other policy allows.
func DenyAll(in Input) *securityv1.AuthorizationPolicy {
	return &securityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
		ObjectMeta: in.meta(DenyAllName),
	}
}

// Admission is one source the app admits: a mesh identity, where its pods
// run, the container ports it may reach, and (for HTTP) the methods, paths
// and conditions. The AuthorizationPolicy (L7) and the NetworkPolicy
// (L3/L4) of the app are both derived from the same list, so they cannot
// disagree.
type Admission struct {
	Principal string
	Namespace string
	// Pods are the labels of the source's pods, or nil when its pods are
	// not in the tree (the namespace is then admitted whole).
	Pods    map[string]string
	Ports   []string // container port numbers
	Methods []string
	Paths   []string
	When    []model.Condition
}

// Admissions lists what the app admits: its callers (their service
// accounts, with their methods, paths and conditions), a StatefulSet's own
// pods on its peer ports, the ingress controller on the ingress port, and
// its team's Prometheus on the metrics port.
func (in Input) Admissions() []Admission {
	env := in.Env
	var out []Admission
	servicePorts := in.callerPorts()
	for _, c := range in.Spec.Callers {
		a := Admission{Ports: servicePorts, Methods: c.Methods, Paths: c.Paths, When: c.When}
		if c.Principal != "" {
			a.Principal, a.Namespace = c.Principal, principalNamespace(c.Principal)
		} else {
			a.Principal, a.Namespace, a.Pods = PrincipalOf(env, c.App), env.Namespace(c.App), map[string]string{LabelApp: string(c.App)}
		}
		out = append(out, a)
	}
	if sts, ok := in.Spec.Workload.(model.StatefulSet); ok && len(sts.PeerPorts) > 0 {
		ports := make([]string, 0, len(sts.PeerPorts))
		for _, p := range sts.PeerPorts {
			ports = append(ports, containerPort(in.Spec, p))
		}
		out = append(out, Admission{Principal: PrincipalOf(env, in.App.Name), Namespace: in.Namespace(), Pods: in.Selector(), Ports: ports})
	}
	if ing := in.Spec.Ingress; ing != nil {
		out = append(out, Admission{
			Principal: env.Ingress.Principal, Namespace: principalNamespace(env.Ingress.Principal),
			Ports: []string{containerPort(in.Spec, ing.Port)},
		})
	}
	if m := in.Spec.Metrics; m != nil {
		a := Admission{
			Ports:   []string{containerPort(in.Spec, m.Port)},
			Methods: []string{"GET"},
			Paths:   []string{m.MetricsPath()},
		}
		if prom := in.Prometheus; prom != "" {
			a.Principal, a.Namespace, a.Pods = PrincipalOf(env, prom), env.Namespace(prom), map[string]string{LabelApp: string(prom)}
		} else {
			a.Principal, a.Namespace = env.Monitoring.Principal, principalNamespace(env.Monitoring.Principal)
		}
		out = append(out, a)
	}
	return out
}

// principalNamespace is the namespace of a principal
// cluster.local/ns/<namespace>/sa/<name>.
func principalNamespace(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) == 5 && parts[1] == "ns" {
		return parts[2]
	}
	return ""
}

// AllowPolicy admits exactly the app's Admissions. nil when nothing is
// admitted.
func AllowPolicy(in Input) *securityv1.AuthorizationPolicy {
	var rules []*securityapi.Rule
	for _, a := range in.Admissions() {
		rule := &securityapi.Rule{
			From: []*securityapi.Rule_From{{Source: &securityapi.Source{Principals: []string{a.Principal}}}},
			To:   []*securityapi.Rule_To{{Operation: &securityapi.Operation{Ports: a.Ports, Methods: a.Methods, Paths: a.Paths}}},
		}
		for _, w := range a.When {
			rule.When = append(rule.When, &securityapi.Condition{Key: w.Key, Values: w.Values})
		}
		rules = append(rules, rule)
	}
	if len(rules) == 0 {
		return nil
	}
	return &securityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
		ObjectMeta: in.meta(in.Name()),
		Spec: securityapi.AuthorizationPolicy{
			Selector: &typeapi.WorkloadSelector{MatchLabels: in.Selector()},
			Action:   securityapi.AuthorizationPolicy_ALLOW,
			Rules:    rules,
		},
	}
}

// callerPorts are the container ports callers may reach: every port but a
// dedicated metrics port, which only Prometheus may reach.
func (in Input) callerPorts() []string {
	var ports []string
	for _, p := range in.Spec.Ports {
		if m := in.Spec.Metrics; m == nil || p.Name != m.Port || len(in.Spec.Ports) == 1 {
			ports = append(ports, strconv.Itoa(int(p.Container)))
		}
	}
	return ports
}

// DependencyPolicy admits the app to its dependency's port.
func DependencyPolicy(in Input, d model.Dependency) *securityv1.AuthorizationPolicy {
	return &securityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
		ObjectMeta: in.meta(d.ReleaseName(in.App.Name)),
		Spec: securityapi.AuthorizationPolicy{
			Selector: &typeapi.WorkloadSelector{MatchLabels: map[string]string{LabelHelmInstance: d.ReleaseName(in.App.Name)}},
			Action:   securityapi.AuthorizationPolicy_ALLOW,
			Rules: []*securityapi.Rule{{
				From: []*securityapi.Rule_From{{Source: &securityapi.Source{Principals: []string{PrincipalOf(in.Env, in.App.Name)}}}},
				To:   []*securityapi.Rule_To{{Operation: &securityapi.Operation{Ports: []string{strconv.Itoa(int(d.Port()))}}}},
			}},
		},
	}
}

// LabelHelmInstance is the label Helm charts put on a release's pods.
const LabelHelmInstance = "app.kubernetes.io/instance"

// containerPort returns the container port number of the named port, as
// an authorization policy matches it (after the Service has translated it).
func containerPort(s model.Spec, name string) string {
	for _, p := range s.Ports {
		if p.Name == name {
			return strconv.Itoa(int(p.Container))
		}
	}
	return ""
}
