package model

import "time"

// Workload is the kind of controller that runs an app's pods: nil or
// Deployment (the default), StatefulSet, DaemonSet, CronJob or Job. Every
// kind gets the same pod: the restricted Pod Security profile, probes,
// resources, the hashed config, the mesh sidecar.
type Workload interface{ isWorkload() }

// Deployment runs interchangeable pods; the default.
type Deployment struct{}

// StatefulSet runs pods with a stable network identity (pod-0, pod-1, …,
// resolvable through a headless Service named "<app>-headless") and a
// volume of their own each, created from Volumes. Pods start and update in
// order, one at a time.
type StatefulSet struct {
	// Volumes are the per-pod persistent volumes; at least one.
	Volumes []VolumeClaim
	// Parallel starts and stops pods all at once instead of in order
	// (podManagementPolicy: Parallel); updates stay one at a time.
	Parallel bool
	// RetainOnDelete keeps the volumes when the StatefulSet is deleted or
	// scaled down; otherwise they are deleted with their pods.
	RetainOnDelete bool
	// PeerPorts name the ports the pods reach each other on (replication,
	// cluster gossip); the app's own identity is admitted to them.
	PeerPorts []string
}

// VolumeClaim is a persistent volume each pod of a StatefulSet gets.
type VolumeClaim struct {
	// Name names the volume (a DNS label).
	Name string
	// MountPath is where the container mounts it.
	MountPath string
	// StorageClass is the StorageClass that provisions it; required, so
	// that a cluster's default class is never picked by accident.
	StorageClass string
	// Size is the requested capacity, a quantity ("10Gi").
	Size string
}

// DaemonSet runs one pod on every node (that Tolerations admit): node
// agents such as log shippers.
type DaemonSet struct {
	// Tolerations admit the pods on tainted nodes (control-plane nodes,
	// dedicated pools).
	Tolerations []Toleration
	// HostPaths are node folders mounted into the pod, always read-only.
	// A host path breaks the restricted Pod Security profile, so each
	// must give its reason; the namespace is then labelled for the
	// baseline profile and the pod-security lint rule is suppressed with
	// the reasons.
	HostPaths []HostPath
	// MaxUnavailable is how many nodes' pods a rollout replaces at once;
	// zero means 1.
	MaxUnavailable int32
	// RunAsRoot, when set, is the reason the agent runs as root (reading
	// the node's root-owned log files, say); every capability is still
	// dropped. It is rendered as the run-as-root exception.
	RunAsRoot string
}

// Toleration admits pods on nodes with a matching taint. An empty Value
// tolerates the key with any value (operator Exists).
type Toleration struct {
	Key    string
	Value  string
	Effect string // "NoSchedule", "PreferNoSchedule", "NoExecute" or "" for all
}

// HostPath mounts a node folder into the pod, read-only.
type HostPath struct {
	// Name names the volume (a DNS label).
	Name string
	// Path is the folder on the node.
	Path string
	// MountPath is where the container sees it; empty means Path.
	MountPath string
	// Reason says why the agent needs the node's files.
	Reason string
	// Writable mounts the folder read-write (a position database); the
	// folder is created when missing. Read-only otherwise.
	Writable bool
}

// Concurrency is what a CronJob does when a run is due while the last one
// still runs.
type Concurrency string

// Concurrency policies; the zero value is Forbid.
const (
	Forbid  Concurrency = "Forbid"  // skip the new run
	Allow   Concurrency = "Allow"   // run both
	Replace Concurrency = "Replace" // stop the old run, start the new
)

// CronJob runs the app's pod to completion on a schedule. Batch pods run
// the mesh sidecar as a native sidecar (an init container that Kubernetes
// stops when the main container ends), so that a Job completes and its
// calls keep mTLS.
type CronJob struct {
	// Schedule is a five-field cron expression, or a macro such as
	// "@daily"; evaluated in TimeZone.
	Schedule string
	// TimeZone is an IANA time zone name; empty means UTC (never the
	// controller's local time).
	TimeZone string
	// Concurrency is the policy for overlapping runs; Forbid when empty.
	Concurrency Concurrency
	// StartingDeadline is how late a missed run may still start; whole
	// seconds, zero for no deadline.
	StartingDeadline time.Duration
	// SuccessfulHistory and FailedHistory are how many finished Jobs are
	// kept; zero means 3 and 1 (the Kubernetes defaults).
	SuccessfulHistory, FailedHistory int32
	// Run is the Job each run creates.
	Run JobRun
	// MaxAge is how old the last successful run may be before the
	// CronJobLate alert fires; required, and longer than the schedule's
	// interval.
	MaxAge time.Duration
}

// Job runs the app's pod to completion once per sync: a migration, say.
// It is an Argo CD Sync hook, deleted and recreated before each sync, since
// a Job's pod template cannot change.
type Job struct {
	Run JobRun
}

// JobRun is how one run of a batch workload behaves.
type JobRun struct {
	// Deadline is the longest a run may take (activeDeadlineSeconds);
	// required, so that a hung run ends.
	Deadline time.Duration
	// Retries is how many times a failed pod is retried (backoffLimit);
	// zero means none.
	Retries int32
	// TTL, when set, deletes a finished Job after this long.
	TTL time.Duration
}

// Prometheus runs a Prometheus server through the Prometheus Operator for
// one team: it scrapes the ServiceMonitors and evaluates the
// PrometheusRules of the team's namespaces in the environment, and its
// identity is the one the team's apps admit on their metrics ports. The
// app's Image pins the server image; its Resources size the server.
type Prometheus struct {
	// Team is the team whose ServiceMonitors and rules it selects.
	Team string
	// Version is the Prometheus version the operator configures for.
	Version string
	// Replicas is the number of servers; zero means 1.
	Replicas int32
	// Retention is how long samples are kept; whole minutes at least.
	Retention time.Duration
	// RetentionSize caps the storage used, a size such as "40GB"; empty
	// for no cap.
	RetentionSize string
	// Storage is each server's persistent volume.
	Storage VolumeClaim
}

func (Deployment) isWorkload()  {}
func (Prometheus) isWorkload()  {}
func (StatefulSet) isWorkload() {}
func (DaemonSet) isWorkload()   {}
func (CronJob) isWorkload()     {}
func (Job) isWorkload()         {}

// KindOf returns the Kubernetes kind of a Workload.
func KindOf(w Workload) string {
	switch w.(type) {
	case StatefulSet:
		return "StatefulSet"
	case DaemonSet:
		return "DaemonSet"
	case CronJob:
		return "CronJob"
	case Job:
		return "Job"
	case Prometheus:
		return "Prometheus"
	}
	return "Deployment"
}

// Batch reports whether the workload runs to completion.
func Batch(w Workload) bool {
	switch w.(type) {
	case CronJob, Job:
		return true
	}
	return false
}

// UpdateMode is how a VerticalPodAutoscaler applies its recommendations.
type UpdateMode string

// The update modes of autoscaling.k8s.io/v1.
const (
	VPAOff               UpdateMode = "Off"               // recommend only
	VPAInitial           UpdateMode = "Initial"           // set resources when pods are created
	VPARecreate          UpdateMode = "Recreate"          // evict pods to apply
	VPAInPlaceOrRecreate UpdateMode = "InPlaceOrRecreate" // resize in place, evict when it cannot
	VPAInPlace           UpdateMode = "InPlace"           // resize in place only, never evict
	VPAAuto              UpdateMode = "Auto"              // deprecated alias of Recreate
)

// VerticalScaling is a VerticalPodAutoscaler for the app's workload.
type VerticalScaling struct {
	// Mode is the update mode; required.
	Mode UpdateMode
	// CPU and Memory choose the resources it controls; at least one.
	// A mode other than Off must not control a resource the app's
	// HorizontalPodAutoscaler scales on: the two would fight.
	CPU, Memory bool
	// Min and Max bound the recommendation for the app's container.
	Min, Max Compute
	// RequestsOnly scales requests and leaves limits as written;
	// otherwise limits keep their ratio to requests.
	RequestsOnly bool
}
