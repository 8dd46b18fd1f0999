package model

import "time"

// Spec is the complete configuration of an app in one environment.
type Spec struct {
	// Image is the container image; a tag or a digest is required, and the
	// tag "latest" is refused.
	Image Image
	// Command and Args override the image's entrypoint and its arguments.
	Command, Args []string
	// Ports are the container's named ports; each is also a Service port.
	Ports []Port
	// Resources are the container's requests and limits.
	Resources Resources
	// Probes are the liveness, readiness and startup checks.
	Probes Probes
	// Shutdown, when set, configures graceful termination; when nil the
	// Kubernetes defaults apply (30s grace period, no preStop hook).
	Shutdown *Shutdown
	// Spread lists topology spread constraints over the app's pods.
	Spread []Spread
	// Vars are the container's environment variables, in order. A value may
	// refer to an earlier variable as $(NAME).
	Vars []Var
	// Config is rendered into a ConfigMap whose name carries a hash of its
	// content, so that changing it rolls the pods.
	Config Config
	// Secrets are references to secrets held in the environment's secret
	// store. Each becomes an ExternalSecret; no Secret is ever rendered.
	Secrets []Secret
	// Workload is the controller that runs the pods: nil (a Deployment),
	// StatefulSet, DaemonSet, CronJob or Job.
	Workload Workload
	// Scaling is either a fixed number of replicas (Replicas) or an
	// autoscaler (Autoscale). It is required for a Deployment or a
	// StatefulSet, and not available for the other workloads.
	Scaling Scaling
	// VerticalScaling, when set, becomes a VerticalPodAutoscaler.
	VerticalScaling *VerticalScaling
	// ClusterAccess grants the app's service account read or write access
	// to cluster-wide resources, as a ClusterRole and its binding (a node
	// agent reading pod metadata, say). It needs ServiceAccountToken.
	ClusterAccess []Access
	// Disruption, when set, becomes a PodDisruptionBudget.
	Disruption Disruption
	// Ingress, when set, exposes one port of the app outside the cluster.
	Ingress *Ingress
	// ServiceAccountToken mounts a service-account token into the pods.
	// Off by default: most apps never talk to the Kubernetes API.
	ServiceAccountToken bool
	// RunAsUser, when non-zero, is the UID the container runs as. Zero
	// keeps the image's user; root is never allowed (runAsNonRoot is set).
	RunAsUser int64

	// Canary, when set, runs a canary Deployment and splits traffic to it.
	Canary *Canary
	// Callers are the other apps admitted to call this one through the
	// mesh; every other in-mesh caller is denied.
	Callers []Caller
	// Traffic is the mesh's connection pool and outlier detection for
	// calls to the app.
	Traffic Traffic
	// Metrics, when set, is scraped by the team's Prometheus.
	Metrics *Metrics
	// Alerts are the app's own alerting rules, added to the default set.
	Alerts []Alert
	// Dependencies are databases and caches deployed for the app.
	Dependencies []Dependency
	// Suppress turns lint rules off for the app's objects, each with its
	// reason; the compiler renders them as manifold.dev/ignore-<rule>
	// annotations, so that cmd/lint on out/ agrees with the compiler.
	Suppress []Suppression
}

// Access is one rule of a ClusterRole: verbs on resources of API groups
// ("" is the core group). Wildcards are refused: name what is needed.
type Access struct {
	Groups    []string
	Resources []string
	Verbs     []string
}

// Suppression turns one lint rule off, with the reason it does not apply.
type Suppression struct {
	Rule string
	// Kind, when set, limits the suppression to objects of that kind.
	Kind   string
	Reason string
}

// Image names a container image by repository and tag, digest, or both.
type Image struct {
	Repository string
	Tag        string
	Digest     string // "sha256:<64 hex digits>"
}

// String returns the image reference as the container runtime reads it.
func (i Image) String() string {
	s := i.Repository
	if i.Tag != "" {
		s += ":" + i.Tag
	}
	if i.Digest != "" {
		s += "@" + i.Digest
	}
	return s
}

// Protocol is the application protocol spoken on a port.
type Protocol string

// Application protocols; the mesh routes a port by its protocol.
const (
	HTTP  Protocol = "http"
	HTTP2 Protocol = "http2"
	GRPC  Protocol = "grpc"
	TCP   Protocol = "tcp"
)

// Port is a named container port, also exposed on the app's Service.
type Port struct {
	// Name is an IANA service name (at most 15 characters), unique in the app.
	Name string
	// Container is the port the container listens on.
	Container int32
	// Service is the port on the Service; zero (not a valid port) means the
	// same as Container.
	Service int32
	// Protocol is the application protocol; empty means HTTP.
	Protocol Protocol
}

// ServicePort returns the port number on the app's Service.
func (p Port) ServicePort() int32 {
	if p.Service != 0 {
		return p.Service
	}
	return p.Container
}

// AppProtocol returns the port's protocol, HTTP when none is given.
func (p Port) AppProtocol() Protocol {
	if p.Protocol == "" {
		return HTTP
	}
	return p.Protocol
}

// Resources are a container's compute requests and limits. Quantities use
// the Kubernetes notation ("250m", "512Mi"); an empty string means not set.
type Resources struct {
	Requests Compute
	Limits   Compute
}

// Compute is an amount of CPU and memory.
type Compute struct {
	CPU    string
	Memory string
}

// Probes are the container's health checks; nil means no such probe.
type Probes struct {
	Liveness  *Probe
	Readiness *Probe
	Startup   *Probe
}

// Probe is one health check. Durations must be whole seconds; a zero
// duration or threshold is left out, so the Kubernetes default applies
// (zero is not a valid value for any of them except InitialDelay, whose
// default is zero).
type Probe struct {
	// Path, when set, makes this an HTTP GET of that path; otherwise the
	// probe opens a TCP connection.
	Path string
	// Port is the name of one of the app's ports.
	Port             string
	InitialDelay     time.Duration
	Period           time.Duration
	Timeout          time.Duration
	FailureThreshold int32
}

// Shutdown configures graceful termination.
type Shutdown struct {
	// PreStop is how long the container sleeps before it receives SIGTERM,
	// so that endpoints and proxies stop sending it traffic first.
	PreStop time.Duration
	// GracePeriod is the whole time allowed from the start of termination
	// to SIGKILL; it must be longer than PreStop.
	GracePeriod time.Duration
}

// Spread is a topology spread constraint over the app's pods.
type Spread struct {
	// TopologyKey is a node label, e.g. "topology.kubernetes.io/zone".
	TopologyKey string
	// MaxSkew is the largest allowed difference in pod count between two
	// topology domains; at least 1.
	MaxSkew int32
	// Required refuses to schedule a pod that would break the constraint;
	// otherwise the scheduler only prefers to keep it.
	Required bool
}

// Config is the app's configuration files and values, rendered into one
// ConfigMap.
type Config struct {
	// Data maps keys to values. Keys may be file names.
	Data map[string]string
	// MountPath, when set, mounts every key as a file in that directory.
	MountPath string
}

// Secret refers to a secret held in the environment's secret store. The
// compiler emits an ExternalSecret that creates a Secret of this name in
// the app's namespace; the values never pass through Git.
type Secret struct {
	// Name is the name of the Secret in the cluster.
	Name string
	// Keys are the keys of the Secret and where each comes from.
	Keys []SecretKey
}

// SecretKey is one key of a Secret, read from the secret store.
type SecretKey struct {
	// Key is the key in the Kubernetes Secret.
	Key string
	// Remote is the key of the secret in the store.
	Remote string
	// Property, when set, selects one property of a structured remote secret.
	Property string
}

// Ingress exposes one of the app's ports through the cluster's ingress
// controller.
type Ingress struct {
	// Host is the public host name.
	Host string
	// Path is the URL path prefix; empty means "/".
	Path string
	// Port is the name of the app's port that receives the traffic.
	Port string
	// Class is the IngressClass; required.
	Class string
	// TLS, when set, terminates TLS with a certificate from cert-manager.
	TLS *TLS
}

// TLS asks cert-manager for a certificate for the ingress host.
type TLS struct {
	// ClusterIssuer is the cert-manager ClusterIssuer that signs it.
	ClusterIssuer string
}
