package model

import "time"

// Scaling is how many pods an app runs: Replicas or Autoscale.
type Scaling interface{ isScaling() }

// Replicas is a fixed number of pods.
type Replicas int32

// Autoscale runs between Min and Max pods, scaled by a
// HorizontalPodAutoscaler on the given metrics. The Deployment then has no
// replicas field, so that a sync does not fight the autoscaler.
type Autoscale struct {
	Min, Max int32
	// CPU and Memory are target average utilizations in percent of the
	// requests; zero (never a useful target) means no such metric.
	CPU, Memory int32
	// PerPod are custom per-pod metrics with a target average value.
	PerPod []PodMetric
	// ScaleUp and ScaleDown, when set, replace the autoscaler's default
	// behaviour in that direction; every field of them is rendered as given.
	ScaleUp, ScaleDown *ScalingRules
}

// PodMetric is a per-pod custom metric target, such as the seed's
// http_requests_per_second averaging 1000 per pod.
type PodMetric struct {
	Name         string
	AverageValue string // a quantity, e.g. "1000"
}

// ScalingRules configure how fast the autoscaler moves in one direction.
type ScalingRules struct {
	// StabilizationWindow looks back this far before acting; whole seconds.
	StabilizationWindow time.Duration
	Policies            []ScalingPolicy
	// Select picks among the policies: "Max" (the default when empty),
	// "Min" or "Disabled".
	Select string
}

// ScalingPolicy allows a change of Value pods or Value percent per Period.
type ScalingPolicy struct {
	Percent bool // Value is a percentage of the current pods, not a pod count
	Value   int32
	Period  time.Duration
}

func (Replicas) isScaling()  {}
func (Autoscale) isScaling() {}

// Disruption is a PodDisruptionBudget: MaxUnavailable or MinAvailable.
type Disruption interface{ isDisruption() }

// MaxUnavailable allows at most this many of the app's pods to be evicted
// at once.
type MaxUnavailable int32

// MinAvailable keeps at least this many of the app's pods during evictions.
type MinAvailable int32

func (MaxUnavailable) isDisruption() {}
func (MinAvailable) isDisruption()   {}

// Var is one environment variable of the container.
type Var struct {
	Name  string
	Value Value
}

// Value is the value of an environment variable: Literal, SecretRef,
// ConfigRef, FieldRef or ServiceURL.
type Value interface{ isValue() }

// Literal is a plain value. It must not hold a credential: use SecretRef.
// It may refer to an earlier variable as $(NAME).
type Literal string

// SecretRef reads a key of one of the app's Secrets.
type SecretRef struct {
	Secret string
	Key    string
}

// ConfigRef reads a key of the app's Config.
type ConfigRef string

// FieldRef reads a field of the pod, such as "metadata.namespace".
type FieldRef string

// ServiceURL is the in-cluster URL of a port of another app (or of this one),
// "<scheme>://<service>.<namespace>.svc.cluster.local:<port>". The app and
// the port are checked to exist in every environment.
type ServiceURL struct {
	App    AppName
	Port   string // the name of one of that app's ports
	Scheme string // "http" when empty
}

func (Literal) isValue()    {}
func (SecretRef) isValue()  {}
func (ConfigRef) isValue()  {}
func (FieldRef) isValue()   {}
func (ServiceURL) isValue() {}
