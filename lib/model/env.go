package model

import "strings"

// Env is one environment (dev, staging, prod, ...): the cluster it runs in,
// the versions pinned there, and the facts about that cluster that the
// compiler and the linter need but that no app defines.
type Env struct {
	// Name is the environment's name, a DNS-1035 label; it names the folder
	// out/<name>/.
	Name string
	// SharedCluster says that several environments share one cluster, so
	// an app's namespace is "<app>-<env>"; otherwise it is "<app>".
	SharedCluster bool
	// Cluster is where the environment's objects are deployed.
	Cluster Cluster
	// Kubernetes is the Kubernetes version the cluster runs, "1.37.2".
	Kubernetes string
	// Production turns on the lint rules that only matter in production
	// (enough replicas, spread over zones).
	Production bool
	// SecretStore is the name of the External Secrets ClusterSecretStore
	// that secret references are read from.
	SecretStore string
	// Versions pins what the cluster runs besides Kubernetes.
	Versions Versions
	// Ingress is the ingress controller: its identity in the mesh.
	Ingress IngressController
	// Monitoring is the team Prometheus and the cluster-wide scrape jobs.
	Monitoring Monitoring
	// GitOps is where Argo CD reads the tree from, and where it runs.
	GitOps GitOps
	// RunbookURL is the base of every alert's runbook_url; the alert's
	// name is appended.
	RunbookURL string
	// Identities are mesh identities outside the tree that apps may admit
	// as callers (Grafana querying Prometheus, say), as principals
	// cluster.local/ns/<namespace>/sa/<name>.
	Identities []string
	// Tracing, when set, has every namespace of the environment report
	// traces to a provider of the mesh.
	Tracing *Tracing
	// Source is where the environment is defined; DefineEnv sets it.
	Source Source
}

// DefineEnv returns e with its Source set to the caller's position, so that
// findings about the environment point at the line that defines it.
func DefineEnv(e Env) Env {
	e.Source = callerSource()
	return e
}

// Tracing is where the mesh's proxies send spans, and how many.
type Tracing struct {
	// Provider is an extension provider of the mesh's configuration
	// (meshConfig.extensionProviders), such as "otel-collector".
	Provider string
	// Sampling is the percentage of requests traced, 0 to 100.
	Sampling float64
}

// Cluster is the cluster an environment deploys to.
type Cluster struct {
	// Name is a short name for the cluster, used in Argo CD.
	Name string
	// Server is the API server URL Argo CD deploys to.
	Server string
}

// Pins returns the versions the environment pins, by name, and whether it
// is production, as the ownership record of the tree keeps them for
// cmd/lint.
func (e Env) Pins() map[string]string {
	pins := map[string]string{"kubernetes": e.Kubernetes}
	for _, c := range Components {
		pins[c.Name] = *c.Version(&e.Versions)
	}
	if e.Production {
		pins["production"] = "true"
	}
	f := e.Outside()
	pins["principals"] = strings.Join(f.Principals, ",")
	pins["namespaces"] = strings.Join(f.Namespaces, ",")
	pins["cluster-jobs"] = strings.Join(f.ClusterJobs, ",")
	return pins
}

// Outside are the facts an environment declares about what exists in its
// cluster outside the tree.
type Outside struct {
	Principals, Namespaces, ClusterJobs []string
}

// Outside returns the identities, namespaces and scrape jobs the
// environment declares to exist outside the tree.
func (e Env) Outside() Outside {
	return Outside{
		Principals:  nonEmpty(append([]string{e.Ingress.Principal, e.Monitoring.Principal}, e.Identities...)...),
		Namespaces:  nonEmpty(e.GitOps.Namespace),
		ClusterJobs: nonEmpty(e.Monitoring.KubeletJob, e.Monitoring.KubeStateMetricsJob),
	}
}

// OutsideFromPins reads back the facts Pins recorded.
func OutsideFromPins(pins map[string]string) Outside {
	split := func(s string) []string { return nonEmpty(strings.Split(s, ",")...) }
	return Outside{Principals: split(pins["principals"]), Namespaces: split(pins["namespaces"]), ClusterJobs: split(pins["cluster-jobs"])}
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// FromPins reads back what Pins returned.
func FromPins(pins map[string]string) (kubernetes string, v Versions) {
	for _, c := range Components {
		*c.Version(&v) = pins[c.Name]
	}
	return pins["kubernetes"], v
}

// Namespace returns the namespace of app in env.
func (e Env) Namespace(app AppName) string {
	if e.SharedCluster {
		return string(app) + "-" + e.Name
	}
	return string(app)
}

// Versions are the versions of the platform components a cluster runs.
type Versions struct {
	Istio              string // "1.32.0"
	PrometheusOperator string // "0.85.0"
	ArgoCD             string // "3.5.7"
	ExternalSecrets    string // "1.3.2"
	// VerticalPodAutoscaler is the version of the autoscaler's
	// k8s.io/autoscaler/vertical-pod-autoscaler module, whose CRD it serves.
	VerticalPodAutoscaler string // "1.8.1"
}

// Component is a platform component whose version an environment pins.
type Component struct {
	// Name names it in the ownership record and in schemas/crds/.
	Name string
	// Version returns the field of v that holds its version.
	Version func(v *Versions) *string
}

// Components are the pinned platform components, in a fixed order.
var Components = []Component{
	{"istio", func(v *Versions) *string { return &v.Istio }},
	{"prometheus-operator", func(v *Versions) *string { return &v.PrometheusOperator }},
	{"argocd", func(v *Versions) *string { return &v.ArgoCD }},
	{"external-secrets", func(v *Versions) *string { return &v.ExternalSecrets }},
	{"vertical-pod-autoscaler", func(v *Versions) *string { return &v.VerticalPodAutoscaler }},
}

// IngressController is the cluster's ingress controller. It runs in the
// mesh (with a sidecar) and sends each request to the Service rather than
// to pod IPs, so that the mesh's routing (the canary split) applies to
// traffic from outside too.
type IngressController struct {
	// Principal is the controller's mesh identity,
	// "cluster.local/ns/ingress-nginx/sa/ingress-nginx". It is declared
	// here because it lives outside the tree.
	Principal string
}

// Monitoring describes the Prometheus that scrapes the apps.
type Monitoring struct {
	// Principal is Prometheus's mesh identity,
	// "cluster.local/ns/monitoring/sa/prometheus", admitted to the
	// metrics port of every app.
	Principal string
	// CertDir is where Prometheus mounts the mesh certificates it uses
	// to scrape under STRICT mTLS ("/etc/prom-certs").
	CertDir string
	// KubeletJob is the job label of the cluster-wide scrape of the
	// kubelets' cAdvisor metrics, "kubelet".
	KubeletJob string
	// KubeStateMetricsJob is the job label of kube-state-metrics,
	// "kube-state-metrics".
	KubeStateMetricsJob string
}

// GitOps says where Argo CD reads the tree and where it runs.
type GitOps struct {
	// RepoURL is the Git repository holding out/.
	RepoURL string
	// Revision is the branch or tag Argo CD follows, never HEAD.
	Revision string
	// Path is the folder of the tree in the repository, "out".
	Path string
	// Namespace is Argo CD's namespace, "argocd".
	Namespace string
	// Server is the API server of the cluster Argo CD runs in, where the
	// Application objects live.
	Server string
}
