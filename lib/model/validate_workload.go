package model

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // CronJob time zones are checked the same on every machine

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// workload checks the workload kind and what the rest of the Spec may ask
// of it.
func (c *specChecker) workload(s Spec) {
	kind := KindOf(s.Workload)
	only := func(field string, set bool, kinds ...string) {
		if set && !strings.Contains(" "+strings.Join(kinds, " ")+" ", " "+kind+" ") {
			c.bad(field, "is not available for a %s (only for %s)", kind, strings.Join(kinds, ", "))
		}
	}
	only("Canary", s.Canary != nil, "Deployment")
	only("Ingress", s.Ingress != nil, "Deployment", "StatefulSet")
	only("Disruption", s.Disruption != nil, "Deployment", "StatefulSet")
	only("Scaling", s.Scaling != nil, "Deployment", "StatefulSet")
	only("Ports", len(s.Ports) > 0, "Deployment", "StatefulSet", "DaemonSet", "Prometheus")
	only("Callers", len(s.Callers) > 0, "Deployment", "StatefulSet", "Prometheus")
	only("Metrics", s.Metrics != nil, "Deployment", "StatefulSet", "DaemonSet")
	only("Spread", len(s.Spread) > 0, "Deployment", "StatefulSet", "Prometheus")
	if Batch(s.Workload) && (s.Probes.Liveness != nil || s.Probes.Readiness != nil || s.Probes.Startup != nil) {
		c.bad("Probes", "a %s's pod runs to completion: its exit status is its health, so it has no probes", kind)
	}
	switch w := s.Workload.(type) {
	case StatefulSet:
		c.statefulSet(w)
		for i, name := range w.PeerPorts {
			if !hasPort(s.Ports, name) {
				c.bad(fmt.Sprintf("Workload.PeerPorts[%d]", i), "%q is not one of the app's ports", name)
			}
		}
	case DaemonSet:
		c.daemonSet(w)
		if w.RunAsRoot != "" && s.RunAsUser != 0 {
			c.bad("RunAsUser", "is set, and Workload.RunAsRoot says the agent runs as root: choose one")
		}
	case CronJob:
		c.cronJob(w)
	case Job:
		c.jobRun("Workload.Run", w.Run)
	case Prometheus:
		c.prometheus(s, w)
	}
}

// prometheus checks a Prometheus run by the operator: the operator writes
// its pod, so the Spec may set only what the Prometheus resource takes.
func (c *specChecker) prometheus(s Spec, w Prometheus) {
	if !c.app.Platform {
		c.bad("Workload", "a Prometheus is a platform component: set Platform on the app")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"Command", len(s.Command) > 0}, {"Args", len(s.Args) > 0}, {"Vars", len(s.Vars) > 0},
		{"Config", len(s.Config.Data) > 0}, {"Secrets", len(s.Secrets) > 0}, {"Shutdown", s.Shutdown != nil},
		{"Probes", s.Probes.Liveness != nil || s.Probes.Readiness != nil || s.Probes.Startup != nil},
		{"VerticalScaling", s.VerticalScaling != nil}, {"ClusterAccess", len(s.ClusterAccess) > 0},
		{"Dependencies", len(s.Dependencies) > 0}, {"ServiceAccountToken", s.ServiceAccountToken},
	} {
		if f.set {
			c.bad(f.name, "is not available for a Prometheus: the operator writes its pod, its probes and its RBAC")
		}
	}
	if errs := validation.IsDNS1123Label(w.Team); len(errs) > 0 {
		c.bad("Workload.Team", "%q is not a team: %s", w.Team, strings.Join(errs, "; "))
	}
	if !promVersion.MatchString(w.Version) {
		c.bad("Workload.Version", "%q is not a Prometheus version such as v3.5.0", w.Version)
	}
	if w.Replicas < 0 {
		c.bad("Workload.Replicas", "must not be negative")
	}
	if w.Retention < time.Minute || w.Retention%time.Minute != 0 {
		c.bad("Workload.Retention", "%s must be a whole number of minutes, at least one", w.Retention)
	}
	if w.RetentionSize != "" && !promSize.MatchString(w.RetentionSize) {
		c.bad("Workload.RetentionSize", "%q is not a size such as 40GB", w.RetentionSize)
	}
	v := w.Storage
	if errs := validation.IsDNS1123Subdomain(v.StorageClass); len(errs) > 0 {
		c.bad("Workload.Storage.StorageClass", "%q is not a StorageClass name: %s", v.StorageClass, strings.Join(errs, "; "))
	}
	if v.Size == "" {
		c.bad("Workload.Storage.Size", "is required")
	}
	c.quantity("Workload.Storage.Size", v.Size)
}

var (
	promVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
	promSize    = regexp.MustCompile(`^[0-9]+(B|KB|MB|GB|TB|PB|EB)$`)
)

// clusterAccess checks the ClusterRole rules an app asks for.
func (c *specChecker) clusterAccess(s Spec) {
	if len(s.ClusterAccess) > 0 && !s.ServiceAccountToken {
		c.bad("ClusterAccess", "needs ServiceAccountToken: without a token the access cannot be used")
	}
	for i, a := range s.ClusterAccess {
		f := fmt.Sprintf("ClusterAccess[%d]", i)
		if len(a.Groups) == 0 || len(a.Resources) == 0 || len(a.Verbs) == 0 {
			c.bad(f, "needs Groups, Resources and Verbs")
		}
		for _, list := range []struct {
			name string
			vals []string
		}{{"Groups", a.Groups}, {"Resources", a.Resources}, {"Verbs", a.Verbs}} {
			for _, v := range list.vals {
				if strings.Contains(v, "*") {
					c.bad(f+"."+list.name, "%q is a wildcard: name what the app needs", v)
				}
			}
		}
		for _, v := range a.Verbs {
			if !slices.Contains(kubeVerbs, v) {
				c.bad(f+".Verbs", "%q is not one of %s", v, strings.Join(kubeVerbs, ", "))
			}
		}
	}
}

var kubeVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

func (c *specChecker) statefulSet(w StatefulSet) {
	if len(w.Volumes) == 0 {
		c.bad("Workload.Volumes", "is empty: a StatefulSet without its own volumes is a Deployment")
	}
	seen := map[string]bool{}
	for i, v := range w.Volumes {
		f := fmt.Sprintf("Workload.Volumes[%d]", i)
		c.volumeName(f+".Name", v.Name, seen)
		if !strings.HasPrefix(v.MountPath, "/") {
			c.bad(f+".MountPath", "%q must be an absolute path", v.MountPath)
		}
		if errs := validation.IsDNS1123Subdomain(v.StorageClass); len(errs) > 0 {
			c.bad(f+".StorageClass", "%q is not a StorageClass name (required, so that no cluster default is picked by accident): %s", v.StorageClass, strings.Join(errs, "; "))
		}
		if v.Size == "" {
			c.bad(f+".Size", "is required")
		}
		c.quantity(f+".Size", v.Size)
	}
}

// volumeName checks a volume's name: a DNS label, unique in the pod, and
// none of the names manifold's own volumes take.
func (c *specChecker) volumeName(field, name string, seen map[string]bool) {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		c.bad(field, "%q is not a DNS label: %s", name, strings.Join(errs, "; "))
	}
	if name == "tmp" || name == "config" {
		c.bad(field, "%q is the name of the pod's own %s volume", name, name)
	}
	if seen[name] {
		c.bad(field, "volume %q is defined twice", name)
	}
	seen[name] = true
}

func (c *specChecker) daemonSet(w DaemonSet) {
	for i, t := range w.Tolerations {
		f := fmt.Sprintf("Workload.Tolerations[%d]", i)
		if errs := validation.IsQualifiedName(t.Key); len(errs) > 0 {
			c.bad(f+".Key", "%q is not a taint key: %s", t.Key, strings.Join(errs, "; "))
		}
		switch t.Effect {
		case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
		default:
			c.bad(f+".Effect", "%q is not one of NoSchedule, PreferNoSchedule, NoExecute", t.Effect)
		}
	}
	seen := map[string]bool{}
	for i, h := range w.HostPaths {
		f := fmt.Sprintf("Workload.HostPaths[%d]", i)
		c.volumeName(f+".Name", h.Name, seen)
		if !strings.HasPrefix(h.Path, "/") || h.Path == "/" {
			c.bad(f+".Path", "%q must be an absolute path below /", h.Path)
		}
		if h.MountPath != "" && !strings.HasPrefix(h.MountPath, "/") {
			c.bad(f+".MountPath", "%q must be an absolute path", h.MountPath)
		}
		if strings.TrimSpace(h.Reason) == "" {
			c.bad(f+".Reason", "is required: a host path is an exception to the restricted Pod Security profile; say why the agent needs it")
		}
	}
	if w.MaxUnavailable < 0 {
		c.bad("Workload.MaxUnavailable", "must not be negative")
	}
}

// cronParser reads schedules as the CronJob controller does: five fields
// or a macro.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a CronJob schedule as the CronJob controller does
// (robfig/cron's standard parser): five fields or a macro such as @daily.
func ParseSchedule(s string) (cron.Schedule, error) { return cronParser.Parse(s) }

func (c *specChecker) cronJob(w CronJob) {
	var sched cron.Schedule
	switch {
	case w.Schedule == "":
		c.bad("Workload.Schedule", "is required")
	case strings.Contains(w.Schedule, "TZ=") || strings.Contains(w.Schedule, "CRON_TZ="):
		c.bad("Workload.Schedule", "%q: set the time zone in TimeZone, not in the schedule", w.Schedule)
	default:
		var err error
		if sched, err = ParseSchedule(w.Schedule); err != nil {
			c.bad("Workload.Schedule", "%q is not a cron schedule: %v", w.Schedule, err)
		}
	}
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "Local" {
			c.bad("Workload.TimeZone", "%q is not an IANA time zone", w.TimeZone)
		}
	}
	switch w.Concurrency {
	case "", Forbid, Allow, Replace:
	default:
		c.bad("Workload.Concurrency", "%q is not one of Forbid, Allow, Replace", w.Concurrency)
	}
	c.seconds("Workload.StartingDeadline", w.StartingDeadline)
	if w.StartingDeadline != 0 && w.StartingDeadline < 10*time.Second {
		c.bad("Workload.StartingDeadline", "%s is shorter than the controller's 10s check interval: runs may be missed", w.StartingDeadline)
	}
	if w.SuccessfulHistory < 0 {
		c.bad("Workload.SuccessfulHistory", "must not be negative")
	}
	if w.FailedHistory < 0 {
		c.bad("Workload.FailedHistory", "must not be negative")
	}
	c.jobRun("Workload.Run", w.Run)
	c.seconds("Workload.MaxAge", w.MaxAge)
	switch gap := scheduleGap(w.Schedule, sched); {
	case w.MaxAge <= 0:
		c.bad("Workload.MaxAge", "is required: how old the last successful run may be before the CronJobLate alert fires")
	case sched != nil && w.MaxAge <= gap:
		c.bad("Workload.MaxAge", "%s is not longer than the %s between two runs of %q: the alert would fire between healthy runs", w.MaxAge, gap, w.Schedule)
	}
}

// gaps memoizes longestGap by schedule text: a fleet has few schedules,
// each checked once per app and environment, and a schedule that runs
// every minute takes half a million steps to walk.
var gaps sync.Map // string -> time.Duration

// scheduleGap is longestGap of s, the parsed text.
func scheduleGap(text string, s cron.Schedule) time.Duration {
	if s == nil {
		return 0
	}
	if g, ok := gaps.Load(text); ok {
		return g.(time.Duration)
	}
	g := longestGap(s)
	gaps.Store(text, g)
	return g
}

// longestGap is the longest time between two runs of a schedule over a
// year from a fixed start (so the answer is the same on every machine and
// day); zero for a nil schedule.
func longestGap(s cron.Schedule) time.Duration {
	if s == nil {
		return 0
	}
	var gap time.Duration
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := t.AddDate(1, 0, 0)
	for prev := s.Next(t); prev.Before(end) && !prev.IsZero(); {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

func (c *specChecker) jobRun(field string, r JobRun) {
	c.seconds(field+".Deadline", r.Deadline)
	if r.Deadline <= 0 {
		c.bad(field+".Deadline", "is required: the longest a run may take, so that a hung run ends")
	}
	if r.Retries < 0 {
		c.bad(field+".Retries", "must not be negative")
	}
	c.seconds(field+".TTL", r.TTL)
}

// verticalScaling checks the VerticalPodAutoscaler, and that it does not
// fight the HorizontalPodAutoscaler over a resource.
func (c *specChecker) verticalScaling(s Spec) {
	v := s.VerticalScaling
	if v == nil {
		return
	}
	switch v.Mode {
	case VPAOff, VPAInitial, VPARecreate, VPAInPlaceOrRecreate, VPAInPlace, VPAAuto:
	case "":
		c.bad("VerticalScaling.Mode", "is required: Off, Initial, Recreate, InPlaceOrRecreate, InPlace or Auto")
	default:
		c.bad("VerticalScaling.Mode", "%q is not one of Off, Initial, Recreate, InPlaceOrRecreate, InPlace, Auto", v.Mode)
	}
	if !v.CPU && !v.Memory {
		c.bad("VerticalScaling", "controls no resource: set CPU, Memory or both")
	}
	for _, q := range []struct {
		field, min, max string
	}{{"CPU", v.Min.CPU, v.Max.CPU}, {"Memory", v.Min.Memory, v.Max.Memory}} {
		lo := c.quantity("VerticalScaling.Min."+q.field, q.min)
		hi := c.quantity("VerticalScaling.Max."+q.field, q.max)
		if lo != nil && hi != nil && hi.Cmp(*lo) < 0 {
			c.bad("VerticalScaling.Max."+q.field, "%s is less than Min %s", q.max, q.min)
		}
	}
	if a, ok := s.Scaling.(Autoscale); ok && v.Mode != VPAOff {
		if v.CPU && a.CPU > 0 {
			c.bad("VerticalScaling.CPU", "the VerticalPodAutoscaler (mode %s) and the HorizontalPodAutoscaler both act on CPU: the VPA raises requests, which lowers the utilization the HPA scales on, and the two fight. Use mode Off (recommendations only), or let the VPA control only Memory", v.Mode)
		}
		if v.Memory && a.Memory > 0 {
			c.bad("VerticalScaling.Memory", "the VerticalPodAutoscaler (mode %s) and the HorizontalPodAutoscaler both act on memory: the two fight. Use mode Off (recommendations only), or let the VPA control only CPU", v.Mode)
		}
	}
}
