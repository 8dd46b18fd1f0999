// Package apps holds the example applications and the environments they
// are compiled for. It is the user's side of manifold: pure data and small
// functions over the model in lib/model.
package apps

import "github.com/manifold-dev/manifold/lib/model"

// The environments. dev and staging share the non-production cluster, so
// their namespaces carry the environment's name; prod has its own cluster.
var (
	Dev = model.DefineEnv(model.Env{
		Name:          "dev",
		SharedCluster: true,
		Cluster:       model.Cluster{Name: "nonprod", Server: "https://nonprod.k8s.example.com"},
		Kubernetes:    "1.37.2",
		SecretStore:   "vault-nonprod",
	})
	Staging = model.DefineEnv(model.Env{
		Name:          "staging",
		SharedCluster: true,
		Cluster:       model.Cluster{Name: "nonprod", Server: "https://nonprod.k8s.example.com"},
		Kubernetes:    "1.37.2",
		SecretStore:   "vault-nonprod",
	})
	Prod = model.DefineEnv(model.Env{
		Name:        "prod",
		Cluster:     model.Cluster{Name: "prod", Server: "https://kubernetes.default.svc"},
		Kubernetes:  "1.36.3",
		SecretStore: "vault-prod",
	})
)

// Envs returns every environment, in the order they are promoted through.
func Envs() []model.Env { return []model.Env{Dev, Staging, Prod} }

// All returns every app.
func All() []model.App { return []model.App{MyApp, Frontend, Worker} }
