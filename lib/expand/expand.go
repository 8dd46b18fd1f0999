// Package expand turns an app's Spec in one environment into upstream typed
// Kubernetes objects. There is one small function per kind; names, labels
// and selectors come from the helpers in this file, so that every object of
// an app agrees with every other by construction.
package expand

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/manifold-dev/manifold/lib/argocd"
	"github.com/manifold-dev/manifold/lib/model"
)

// Object is a typed Kubernetes object as the expanders produce it: an
// upstream type (k8s.io/api, ...) or one of manifold's small CRD structs.
type Object interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}

// Label keys set by manifold.
const (
	LabelApp       = "app"     // the app's name; selects its pods (Istio reads it too)
	LabelVersion   = "version" // the track, stable or canary, as in the seed
	LabelTeam      = "team"    // the owning team
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "manifold"
)

// Track is the release track of a set of pods.
type Track string

// The release tracks.
const (
	Stable Track = "stable"
	Canary Track = "canary"
)

// Input is all an app's expansion reads: the environment, the app, its
// Spec there, and what it refers to of other apps. NewInput makes it of a
// World; it holds no function (the app's alerts' expressions are
// evaluated), so that it can be hashed, and what an app expands to is
// known by that hash (see compile's renders).
type Input struct {
	Env  model.Env
	App  model.App  // without its Spec function
	Spec model.Spec // with no alert's Expr: Exprs holds what they return
	// Exprs are the expressions of Spec's alerts, in order, as their Expr
	// returns them for the app's Selectors.
	Exprs []string
	// Peers are the ports of the apps that the app's variables give the
	// URL of (model.ServiceURL).
	Peers map[model.AppName][]model.Port
	// Prometheus is the platform app that runs the team's Prometheus, ""
	// when none does.
	Prometheus model.AppName
}

// NewInput returns the input of app a in the World w: its Spec there, and
// what its expansion reads of the other apps.
func NewInput(w model.World, a model.App) Input {
	in := Input{Env: w.Env, App: a, Spec: w.Specs[a.Name]}
	in.App.Spec = nil
	in.Prometheus, _ = w.PrometheusOf(a.Team)
	for _, v := range in.Spec.Vars {
		if u, ok := v.Value.(model.ServiceURL); ok {
			if in.Peers == nil {
				in.Peers = map[model.AppName][]model.Port{}
			}
			in.Peers[u.App] = w.Specs[u.App].Ports
		}
	}
	sel := in.Selectors()
	in.Spec.Alerts = slices.Clone(in.Spec.Alerts)
	for i, al := range in.Spec.Alerts {
		in.Exprs = append(in.Exprs, al.Expr(sel))
		in.Spec.Alerts[i].Expr = nil
	}
	return in
}

// Source is this package's source: what an app expands to, and so what a
// cached render holds, depends on it.
//
//go:embed *.go
var Source embed.FS

// Namespace is the app's namespace in the environment.
func (in Input) Namespace() string { return in.Env.Namespace(in.App.Name) }

// Name is the base name of the app's objects.
func (in Input) Name() string { return string(in.App.Name) }

// Labels returns the labels every object of the app carries.
func (in Input) Labels() map[string]string {
	return map[string]string{
		LabelApp:       in.Name(),
		LabelTeam:      in.App.Team,
		LabelManagedBy: ManagedBy,
	}
}

// Selector returns the labels that select every pod of the app, whatever
// its track.
func (in Input) Selector() map[string]string {
	return map[string]string{LabelApp: in.Name()}
}

// TrackSelector returns the labels that select the app's pods of one track.
func (in Input) TrackSelector(t Track) map[string]string {
	return map[string]string{LabelApp: in.Name(), LabelVersion: string(t)}
}

// meta returns the ObjectMeta of a namespaced object of the app.
func (in Input) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: in.Namespace(), Labels: in.Labels()}
}

// ConfigMapName returns the name of the app's ConfigMap: the app's name and
// a hash of the content, so that a change of content is a new name and
// rolls every pod that mounts it.
func (in Input) ConfigMapName() string {
	b, err := json.Marshal(in.Spec.Config.Data) // map keys are sorted
	if err != nil {
		panic(fmt.Sprintf("marshal string map: %v", err)) // cannot happen
	}
	sum := sha256.Sum256(b)
	return in.Name() + "-config-" + hex.EncodeToString(sum[:])[:10]
}

// TLSSecretName is the Secret cert-manager fills with the ingress certificate.
func (in Input) TLSSecretName() string { return in.Name() + "-tls" }

// App expands one app in one environment into the objects of its folder,
// in a fixed order.
func App(in Input) []Object {
	objs := []Object{Namespace(in), ServiceAccount(in)}
	objs = append(objs, ClusterRBAC(in)...)
	objs = append(objs, PeerAuthentication(in), DenyAll(in))
	if p := AllowPolicy(in); p != nil {
		objs = append(objs, p)
	}
	for _, d := range in.Spec.Dependencies {
		objs = append(objs, DependencyPolicy(in, d))
	}
	objs = append(objs, NetworkPolicies(in)...)
	if t := Telemetry(in); t != nil {
		objs = append(objs, t)
	}
	if cm := ConfigMap(in); cm != nil {
		objs = append(objs, cm)
	}
	for _, s := range in.Spec.Secrets {
		objs = append(objs, ExternalSecret(in, s))
	}
	objs = append(objs, Workloads(in)...)
	if len(in.Spec.Ports) > 0 {
		objs = append(objs, Service(in), DestinationRule(in))
	}
	if hs := HeadlessService(in); hs != nil {
		objs = append(objs, hs)
	}
	if vs := VirtualService(in); vs != nil {
		objs = append(objs, vs)
	}
	if pdb := PodDisruptionBudget(in); pdb != nil {
		objs = append(objs, pdb)
	}
	if hpa := HorizontalPodAutoscaler(in); hpa != nil {
		objs = append(objs, hpa)
	}
	if vpa := VerticalPodAutoscaler(in); vpa != nil {
		objs = append(objs, vpa)
	}
	if ing := Ingress(in); ing != nil {
		objs = append(objs, ing)
	}
	if sm := ServiceMonitor(in); sm != nil {
		objs = append(objs, sm)
	}
	objs = append(objs, PrometheusRule(in))
	sups := slices.Concat(in.Spec.Suppress, agentExceptions(in.Spec.Workload))
	for _, o := range objs {
		setWave(o)
		suppress(o, sups)
	}
	return objs
}

// agentExceptions declares a DaemonSet's host paths and its running as
// root, with their reasons, as the exceptions to the restricted Pod
// Security profile that they are.
func agentExceptions(w model.Workload) []model.Suppression {
	ds, ok := w.(model.DaemonSet)
	if !ok {
		return nil
	}
	var sups []model.Suppression
	if len(ds.HostPaths) > 0 {
		reasons := make([]string, 0, len(ds.HostPaths))
		for _, h := range ds.HostPaths {
			reasons = append(reasons, h.Path+": "+h.Reason)
		}
		sups = append(sups, model.Suppression{Rule: "host-path", Kind: "DaemonSet", Reason: strings.Join(reasons, "; ")})
	}
	if ds.RunAsRoot != "" {
		sups = append(sups, model.Suppression{Rule: "run-as-root", Kind: "DaemonSet", Reason: ds.RunAsRoot})
	}
	return sups
}

// SuppressPrefix starts the annotation that turns a lint rule off for one
// object; its value is the reason.
const SuppressPrefix = "manifold.dev/ignore-"

// suppress renders the app's suppressions that apply to o as annotations.
func suppress(o Object, sups []model.Suppression) {
	for _, s := range sups {
		if s.Kind != "" && s.Kind != o.GetObjectKind().GroupVersionKind().Kind {
			continue
		}
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[SuppressPrefix+s.Rule] = s.Reason
		o.SetAnnotations(a)
	}
}

// setWave annotates the objects that others need with an early Argo CD
// sync wave: the namespace first, then identities, policies, config and
// secrets, so that no pod starts without them.
func setWave(o Object) {
	var wave string
	switch o.GetObjectKind().GroupVersionKind().Kind {
	case "Namespace":
		wave = waveNamespace
	case "ServiceAccount", "ConfigMap", "ExternalSecret", "PeerAuthentication", "AuthorizationPolicy", "DestinationRule",
		"NetworkPolicy", "Telemetry", "ClusterRole", "ClusterRoleBinding":
		wave = waveDependencies
	default:
		return
	}
	a := o.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[argocd.AnnotationSyncWave] = wave
	o.SetAnnotations(a)
}

func ptr[T any](v T) *T { return &v }
