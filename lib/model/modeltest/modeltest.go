// Package modeltest provides complete, valid model values for tests, so
// that a test changes only what it is about.
package modeltest

import "github.com/manifold-dev/manifold/lib/model"

// Versions are the component versions that schemas/ holds.
var Versions = model.Versions{Istio: "1.32.0", PrometheusOperator: "0.85.0", ArgoCD: "3.5.7", ExternalSecrets: "1.3.2", VerticalPodAutoscaler: "1.8.1"}

// Env returns a valid environment named name, in its own cluster on
// Kubernetes 1.37.2, defined at apps/envs.go:line.
func Env(name string, line int) model.Env {
	return model.Env{
		Name:        name,
		Cluster:     model.Cluster{Name: name, Server: "https://" + name + ".example.com"},
		Kubernetes:  "1.37.2",
		SecretStore: "vault",
		Versions:    Versions,
		Ingress:     model.IngressController{Principal: "cluster.local/ns/ingress-nginx/sa/ingress-nginx"},
		Monitoring: model.Monitoring{
			Principal: "cluster.local/ns/monitoring/sa/prometheus", CertDir: "/etc/prom-certs",
			KubeletJob: "kubelet", KubeStateMetricsJob: "kube-state-metrics",
		},
		GitOps:     model.GitOps{RepoURL: "https://git.example.com/m.git", Revision: "main", Path: "out", Namespace: "argocd", Server: "https://kubernetes.default.svc"},
		RunbookURL: "https://runbooks.example.com",
		Source:     model.Source{File: "apps/envs.go", Line: line},
	}
}
