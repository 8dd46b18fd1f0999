package model

import "time"

// Canary runs a second, smaller Deployment of a new image tag next to the
// stable one, and routes a share of the traffic to it through the mesh.
type Canary struct {
	// Tag is the canary's image tag, in the stable image's repository.
	Tag string
	// Weight is the percentage of traffic the canary receives, 0..100.
	// Zero is meaningful: the canary runs and only the header route
	// reaches it.
	Weight int32
	// Header, when set, sends every request carrying it to the canary,
	// whatever the weight (the seed's canary: "true").
	Header *HeaderMatch
	// Replicas is the canary's fixed number of pods; at least 1.
	Replicas int32
}

// HeaderMatch matches requests whose header Name equals Value exactly.
type HeaderMatch struct {
	Name  string
	Value string
}

// Caller admits another app to call this one through the mesh. Everything
// the caller may do is listed; what is not listed is denied.
type Caller struct {
	// App is the calling app; its service account is the admitted principal.
	App AppName
	// Principal, instead of App, admits a mesh identity that lives outside
	// the tree ("cluster.local/ns/grafana/sa/grafana"); its namespace is
	// what the NetworkPolicy admits.
	Principal string
	// Methods, when set, limits the HTTP methods ("GET", "POST").
	Methods []string
	// Paths, when set, limits the request paths ("/api/*").
	Paths []string
	// When adds conditions on request attributes, such as the seed's
	// request.headers[user-role] in [admin, user].
	When []Condition
}

// Condition is an Istio authorization condition: Key is one of Values.
type Condition struct {
	Key    string
	Values []string
}

// Metrics says where the app exposes Prometheus metrics.
type Metrics struct {
	// Port is the name of one of the app's ports.
	Port string
	// Path is the HTTP path; empty means "/metrics".
	Path string
	// Interval is the scrape interval; whole seconds, at least 1s.
	Interval time.Duration
}

// MetricsPath returns the metrics path, "/metrics" when none is given.
func (m Metrics) MetricsPath() string {
	if m.Path == "" {
		return "/metrics"
	}
	return m.Path
}

// Traffic is the mesh's client-side policy for calls to the app.
type Traffic struct {
	// ConnectionPool, when set, limits connections and requests.
	ConnectionPool *ConnectionPool
	// Outlier, when set, ejects pods that keep failing.
	Outlier *Outlier
}

// ConnectionPool limits the connections and requests to the app, per
// calling proxy (the seed's 10/10/2).
type ConnectionPool struct {
	MaxConnections           int32
	MaxPendingRequests       int32
	MaxRequestsPerConnection int32
}

// Outlier ejects a pod after ConsecutiveErrors 5xx responses in a row,
// checked every Interval, for at least Ejection.
type Outlier struct {
	Consecutive5xx int32
	Interval       time.Duration
	Ejection       time.Duration
}

// Severity is an alert's severity label.
type Severity string

// Alert severities.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Alert is a Prometheus alerting rule of the app.
type Alert struct {
	// Name is the alert's name, in CamelCase.
	Name string
	// Expr returns the PromQL expression; sel holds the label selectors
	// that restrict it to this app in this environment, so that the rule
	// and the scrape configuration agree by construction.
	Expr func(sel Selectors) string
	// For is how long the expression must hold before the alert fires.
	For         time.Duration
	Severity    Severity
	Summary     string
	Description string
}

// Selectors are PromQL label matchers (without braces) that select one app
// in one environment.
type Selectors struct {
	// App selects the app's own metrics, scraped by its ServiceMonitor:
	// job="<app>",namespace="<ns>".
	App string
	// Container selects the app's containers in cluster metrics from the
	// kubelet (cAdvisor): job="kubelet",namespace="<ns>",container="<app>".
	Container string
	// Pods selects the app's pods in kube-state-metrics:
	// job="kube-state-metrics",namespace="<ns>",pod=~"<app>-.*".
	Pods string
	// Limits selects the app's containers' resource limits in
	// kube-state-metrics.
	Limits string
	// Jobs selects the app's Jobs in kube-state-metrics: its own Job, or
	// those its CronJob creates.
	Jobs string
	// CronJob selects the app's CronJob in kube-state-metrics.
	CronJob string
}

// DependencyKind is a kind of stateful dependency deployed from a Helm chart.
type DependencyKind string

// The supported dependencies, as in the seed's Chart.yaml.
const (
	PostgreSQL DependencyKind = "postgresql"
	Redis      DependencyKind = "redis"
)

// Dependency is a database or cache the app owns, deployed into the app's
// namespace by an Argo CD Application from a pinned Helm chart. Its
// credentials come from one of the app's Secrets.
type Dependency struct {
	Kind DependencyKind
	// Secret is the name of one of the app's Secrets holding the
	// credentials: for PostgreSQL the keys "password" (the app's user) and
	// "postgres-password" (the admin); for Redis the key "password".
	Secret string
	// Database and User are PostgreSQL's database and user; unused for Redis.
	Database string
	User     string
	// Storage is the size of the persistent volume, "20Gi".
	Storage string
}

// ServiceName is the in-namespace host name of the dependency's primary:
// "<app>-postgresql" or "<app>-redis-master", as the charts name them.
func (d Dependency) ServiceName(app AppName) string {
	if d.Kind == Redis {
		return string(app) + "-redis-master"
	}
	return string(app) + "-postgresql"
}

// ReleaseName is the Helm release (and Argo CD Application base) name.
func (d Dependency) ReleaseName(app AppName) string { return string(app) + "-" + string(d.Kind) }

// Port is the dependency's service port.
func (d Dependency) Port() int32 {
	if d.Kind == Redis {
		return 6379
	}
	return 5432
}
