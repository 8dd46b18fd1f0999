package model

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
	// SecretStore is the name of the External Secrets ClusterSecretStore
	// that secret references are read from.
	SecretStore string
	// Source is where the environment is defined; DefineEnv sets it.
	Source Source
}

// DefineEnv returns e with its Source set to the caller's position, so that
// findings about the environment point at the line that defines it.
func DefineEnv(e Env) Env {
	e.Source = callerSource()
	return e
}

// Cluster is the cluster an environment deploys to.
type Cluster struct {
	// Name is a short name for the cluster, used in Argo CD.
	Name string
	// Server is the API server URL Argo CD deploys to.
	Server string
}

// Namespace returns the namespace of app in env.
func (e Env) Namespace(app AppName) string {
	if e.SharedCluster {
		return string(app) + "-" + e.Name
	}
	return string(app)
}
