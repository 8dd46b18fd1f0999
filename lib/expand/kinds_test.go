package expand

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/manifold-dev/manifold/lib/model"
)

func kindsOf(objs []Object) string {
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetObjectKind().GroupVersionKind().Kind)
	}
	return strings.Join(kinds, " ")
}

func statefulSpec() model.Spec {
	s := spec()
	s.Canary, s.Ingress, s.Dependencies = nil, nil, nil
	s.Scaling = model.Replicas(3)
	s.Workload = model.StatefulSet{
		Volumes:   []model.VolumeClaim{{Name: "data", MountPath: "/data", StorageClass: "ssd", Size: "10Gi"}},
		PeerPorts: []string{"grpc"},
	}
	return s
}

func TestStatefulSet(t *testing.T) {
	in := input(statefulSpec())
	objs := App(in)
	if got := kindsOf(objs); !strings.Contains(got, "ExternalSecret StatefulSet Service DestinationRule Service ") {
		t.Fatalf("kinds: %s", got)
	}
	sts := StatefulSet(in, in.Spec.Workload.(model.StatefulSet))
	if sts.Spec.ServiceName != "api-headless" || *sts.Spec.Replicas != 3 || sts.Spec.PodManagementPolicy != "OrderedReady" {
		t.Errorf("spec %+v", sts.Spec)
	}
	claim := sts.Spec.VolumeClaimTemplates[0]
	if claim.Name != "data" || *claim.Spec.StorageClassName != "ssd" || claim.Spec.Resources.Requests.Storage().String() != "10Gi" {
		t.Errorf("claim %+v", claim)
	}
	mounts := sts.Spec.Template.Spec.Containers[0].VolumeMounts
	if !slices.ContainsFunc(mounts, func(m corev1.VolumeMount) bool { return m.Name == "data" && m.MountPath == "/data" }) {
		t.Errorf("mounts %+v", mounts)
	}
	if sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted != "Delete" {
		t.Errorf("retention %+v", sts.Spec.PersistentVolumeClaimRetentionPolicy)
	}
	hs := HeadlessService(in)
	if hs.Name != "api-headless" || hs.Spec.ClusterIP != "None" || !hs.Spec.PublishNotReadyAddresses || len(hs.Spec.Ports) != 3 {
		t.Errorf("headless %+v", hs.Spec)
	}
	if HeadlessService(input(spec())) != nil {
		t.Error("a Deployment got a headless Service")
	}
	// Peers are admitted on their peer port, and only there.
	allow := AllowPolicy(in)
	found := false
	for _, r := range allow.Spec.Rules {
		if slices.Contains(r.From[0].Source.Principals, PrincipalOf(env, "api")) {
			found = true
			if got := r.To[0].Operation.Ports; !slices.Equal(got, []string{"9000"}) {
				t.Errorf("peer ports %v", got)
			}
		}
	}
	if !found {
		t.Error("the StatefulSet's own pods are not admitted to each other")
	}
	// The HPA of an autoscaled StatefulSet targets it.
	s := statefulSpec()
	s.Scaling = model.Autoscale{Min: 3, Max: 5, CPU: 70}
	if ref := HorizontalPodAutoscaler(input(s)).Spec.ScaleTargetRef; ref.Kind != "StatefulSet" || ref.Name != "api" {
		t.Errorf("HPA target %+v", ref)
	}
}

func daemonSpec() model.Spec {
	s := spec()
	s.Canary, s.Ingress, s.Scaling, s.Disruption, s.Callers, s.Dependencies = nil, nil, nil, nil, nil, nil
	s.Workload = model.DaemonSet{
		Tolerations: []model.Toleration{{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}, {Key: "dedicated", Value: "logging"}},
		HostPaths:   []model.HostPath{{Name: "varlog", Path: "/var/log", Reason: "reads container logs"}},
	}
	return s
}

func TestDaemonSet(t *testing.T) {
	in := input(daemonSpec())
	objs := App(in)
	if got := kindsOf(objs); !strings.Contains(got, " DaemonSet Service ") || strings.Contains(got, "PodDisruptionBudget") || strings.Contains(got, "HorizontalPodAutoscaler") {
		t.Fatalf("kinds: %s", got)
	}
	var ds Object
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind == "DaemonSet" {
			ds = o
		}
	}
	if reason := ds.GetAnnotations()[SuppressPrefix+"host-path"]; reason != "/var/log: reads container logs" {
		t.Errorf("host-path exception %q", reason)
	}
	d := DaemonSet(in, in.Spec.Workload.(model.DaemonSet))
	pod := d.Spec.Template.Spec
	if len(pod.Tolerations) != 2 || pod.Tolerations[0].Operator != "Exists" || pod.Tolerations[1].Operator != "Equal" || pod.Tolerations[1].Value != "logging" {
		t.Errorf("tolerations %+v", pod.Tolerations)
	}
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.HostPath != nil && v.HostPath.Path == "/var/log" }) {
		t.Errorf("volumes %+v", pod.Volumes)
	}
	if !slices.ContainsFunc(pod.Containers[0].VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "varlog" && m.ReadOnly && m.MountPath == "/var/log" }) {
		t.Errorf("host paths must be mounted read-only: %+v", pod.Containers[0].VolumeMounts)
	}
	if d.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.IntValue() != 1 {
		t.Errorf("maxUnavailable %v", d.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable)
	}
	ns := Namespace(in)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" || ns.Labels["pod-security.kubernetes.io/audit"] != "restricted" {
		t.Errorf("a host-path agent's namespace: %v", ns.Labels)
	}
}

func cronSpec() model.Spec {
	s := spec()
	s.Ports, s.Probes, s.Scaling, s.Disruption, s.Ingress, s.Canary, s.Callers, s.Metrics, s.Dependencies = nil, model.Probes{}, nil, nil, nil, nil, nil, nil, nil
	s.Vars = s.Vars[:2]
	s.Workload = model.CronJob{
		Schedule: "30 2 * * *", TimeZone: "Europe/Berlin", StartingDeadline: 10 * time.Minute,
		Run:    model.JobRun{Deadline: time.Hour, Retries: 2, TTL: 24 * time.Hour},
		MaxAge: 26 * time.Hour,
	}
	return s
}

func TestCronJob(t *testing.T) {
	in := input(cronSpec())
	objs := App(in)
	if got := kindsOf(objs); got != "Namespace ServiceAccount PeerAuthentication AuthorizationPolicy NetworkPolicy ConfigMap ExternalSecret CronJob PrometheusRule" {
		t.Fatalf("kinds: %s", got)
	}
	c := CronJob(in, in.Spec.Workload.(model.CronJob))
	if c.Spec.Schedule != "30 2 * * *" || *c.Spec.TimeZone != "Europe/Berlin" || c.Spec.ConcurrencyPolicy != "Forbid" ||
		*c.Spec.StartingDeadlineSeconds != 600 || *c.Spec.SuccessfulJobsHistoryLimit != 3 || *c.Spec.FailedJobsHistoryLimit != 1 {
		t.Errorf("spec %+v", c.Spec)
	}
	job := c.Spec.JobTemplate.Spec
	if *job.ActiveDeadlineSeconds != 3600 || *job.BackoffLimit != 2 || *job.TTLSecondsAfterFinished != 86400 {
		t.Errorf("job %+v", job)
	}
	if job.Template.Spec.RestartPolicy != "Never" || job.Template.Annotations[AnnotationNativeSidecar] != "true" {
		t.Errorf("a batch pod must not restart in place and must run the mesh proxy as a native sidecar: %+v", job.Template)
	}
	// Without a time zone the CronJob says UTC, never the controller's local time.
	s := cronSpec()
	w := s.Workload.(model.CronJob)
	w.TimeZone = ""
	s.Workload = w
	if tz := *CronJob(input(s), w).Spec.TimeZone; tz != "Etc/UTC" {
		t.Errorf("default time zone %q", tz)
	}
	// Batch alerts: failed Jobs and a late CronJob, never PodsNotReady.
	var names []string
	for _, r := range PrometheusRule(in).Spec.Groups[0].Rules {
		names = append(names, r.Alert)
		if r.Alert == "CronJobLate" && !strings.Contains(r.Expr.String(), `kube_cronjob_status_last_successful_time{job="kube-state-metrics",namespace="api",cronjob="api"}) > 93600`) {
			t.Errorf("CronJobLate %s", r.Expr.String())
		}
	}
	if got := strings.Join(names, " "); got != "HighMemoryVsLimit JobFailed CronJobLate Custom" {
		t.Errorf("alerts %s", got)
	}
}

func TestJob(t *testing.T) {
	s := cronSpec()
	s.Workload = model.Job{Run: model.JobRun{Deadline: 10 * time.Minute}}
	in := input(s)
	j := Job(in, s.Workload.(model.Job))
	if j.Annotations["argocd.argoproj.io/hook"] != "Sync" || j.Annotations["argocd.argoproj.io/hook-delete-policy"] != "BeforeHookCreation" {
		t.Errorf("a Job is a sync hook: %v", j.Annotations)
	}
	if *j.Spec.BackoffLimit != 0 || j.Spec.TTLSecondsAfterFinished != nil || j.Spec.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("spec %+v", j.Spec)
	}
}

func TestVerticalPodAutoscaler(t *testing.T) {
	s := spec()
	if VerticalPodAutoscaler(input(s)) != nil {
		t.Error("a VPA without VerticalScaling")
	}
	s.VerticalScaling = &model.VerticalScaling{Mode: model.VPAOff, Memory: true, Min: model.Compute{Memory: "64Mi"}, Max: model.Compute{Memory: "1Gi"}, RequestsOnly: true}
	v := VerticalPodAutoscaler(input(s))
	if v.Spec.TargetRef.Kind != "Deployment" || v.Spec.TargetRef.Name != "api" || string(*v.Spec.UpdatePolicy.UpdateMode) != "Off" {
		t.Errorf("spec %+v", v.Spec)
	}
	pols := v.Spec.ResourcePolicy.ContainerPolicies
	if len(pols) != 2 || pols[0].ContainerName != "api" || !slices.Equal(*pols[0].ControlledResources, []corev1.ResourceName{"memory"}) ||
		string(*pols[0].ControlledValues) != "RequestsOnly" || pols[0].MaxAllowed.Memory().String() != "1Gi" || pols[0].MinAllowed.Cpu().String() != "0" {
		t.Errorf("container policy %+v", pols[0])
	}
	if pols[1].ContainerName != "istio-proxy" || string(*pols[1].Mode) != "Off" {
		t.Errorf("the mesh proxy must be left alone: %+v", pols[1])
	}
	c := cronSpec()
	c.VerticalScaling = s.VerticalScaling
	if ref := VerticalPodAutoscaler(input(c)).Spec.TargetRef; ref.APIVersion != "batch/v1" || ref.Kind != "CronJob" {
		t.Errorf("CronJob target %+v", ref)
	}
}
