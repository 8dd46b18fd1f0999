// Package apps holds the example applications and the environments they
// are compiled for. It is the user's side of manifold: pure data and small
// functions over the model in lib/model.
package apps

import "github.com/manifold-dev/manifold/lib/model"

// Facts every environment shares: the platform pinned in the clusters, the
// identities that live outside the tree, and where Argo CD reads the tree.
var (
	versions = model.Versions{Istio: "1.32.0", PrometheusOperator: "0.85.0", ArgoCD: "3.5.7", ExternalSecrets: "1.3.2", VerticalPodAutoscaler: "1.8.1"}
	ingress  = model.IngressController{Principal: "cluster.local/ns/ingress-nginx/sa/ingress-nginx"}
	metrics  = model.Monitoring{
		Principal:           "cluster.local/ns/monitoring/sa/prometheus",
		CertDir:             "/etc/prom-certs",
		KubeletJob:          "kubelet",
		KubeStateMetricsJob: "kube-state-metrics",
	}
	gitops = model.GitOps{
		RepoURL:   "https://github.com/example/platform-manifests.git",
		Revision:  "main",
		Path:      "out",
		Namespace: "argocd",
		Server:    "https://kubernetes.default.svc",
	}
	runbooks = "https://runbooks.example.com/shop"
	// identities outside the tree that apps admit: Grafana queries the
	// team Prometheus servers.
	identities = []string{grafana}
)

// The environments. dev and staging share the non-production cluster, so
// their namespaces carry the environment's name; prod has its own cluster.
// One Argo CD, in the prod cluster, deploys all three.
var (
	Dev     = model.DefineEnv(nonprod("dev", 100))
	Staging = model.DefineEnv(nonprod("staging", 10))
	Prod    = model.DefineEnv(model.Env{
		Name:        "prod",
		Production:  true,
		Cluster:     model.Cluster{Name: "prod", Server: "https://kubernetes.default.svc"},
		Kubernetes:  "1.36.3",
		SecretStore: "vault-prod",
		Versions:    versions,
		Ingress:     ingress,
		Monitoring:  metrics,
		GitOps:      gitops,
		RunbookURL:  runbooks,
		Tracing:     &model.Tracing{Provider: "otel-tracing", Sampling: 1},
		Identities:  identities,
	})
)

// nonprod is an environment of the shared non-production cluster, tracing
// the given percentage of requests.
func nonprod(name string, sampling float64) model.Env {
	return model.Env{
		Name:          name,
		SharedCluster: true,
		Cluster:       model.Cluster{Name: "nonprod", Server: "https://nonprod.k8s.example.com"},
		Kubernetes:    "1.37.2",
		SecretStore:   "vault-nonprod",
		Versions:      versions,
		Ingress:       ingress,
		Monitoring:    metrics,
		GitOps:        gitops,
		RunbookURL:    runbooks,
		Tracing:       &model.Tracing{Provider: "otel-tracing", Sampling: sampling},
		Identities:    identities,
	}
}

// Envs returns every environment, in the order they are promoted through.
func Envs() []model.Env { return []model.Env{Dev, Staging, Prod} }

// All returns every app, the platform components last.
func All() []model.App {
	return []model.App{MyApp, Frontend, Worker, Queue, Reports, PrometheusShop, PrometheusPlatform, Fluentd}
}
