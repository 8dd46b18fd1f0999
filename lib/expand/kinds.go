package expand

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	vpav1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"

	"github.com/manifold-dev/manifold/lib/argocd"
	"github.com/manifold-dev/manifold/lib/model"
)

// Annotations on batch pods and hooks.
const (
	// AnnotationNativeSidecar runs Istio's proxy as a native sidecar (an
	// init container with restartPolicy Always), which Kubernetes stops when
	// the main container ends, so that a Job completes.
	AnnotationNativeSidecar = "sidecar.istio.io/nativeSidecar"
)

// Workloads returns the objects that run the app's pods: the stable and
// canary Deployments, or a StatefulSet, a DaemonSet, a CronJob or a Job.
func Workloads(in Input) []Object {
	switch w := in.Spec.Workload.(type) {
	case model.StatefulSet:
		return []Object{StatefulSet(in, w)}
	case model.DaemonSet:
		return []Object{DaemonSet(in, w)}
	case model.CronJob:
		return []Object{CronJob(in, w)}
	case model.Job:
		return []Object{Job(in, w)}
	case model.Prometheus:
		return []Object{PrometheusServer(in, w)}
	}
	objs := []Object{Deployment(in, Stable)}
	if in.Spec.Canary != nil {
		objs = append(objs, Deployment(in, Canary))
	}
	return objs
}

// WorkloadRef is the reference an autoscaler gives to the app's stable
// workload.
func (in Input) WorkloadRef() (apiVersion, kind, name string) {
	kind = model.KindOf(in.Spec.Workload)
	if model.Batch(in.Spec.Workload) {
		return "batch/v1", kind, in.Name()
	}
	return "apps/v1", kind, in.Name()
}

// HeadlessName is the name of a StatefulSet's headless Service.
func (in Input) HeadlessName() string { return in.Name() + "-headless" }

// StatefulSet runs the app's pods with stable names and a volume each,
// created and updated in order.
func StatefulSet(in Input, w model.StatefulSet) *appsv1.StatefulSet {
	claims := make([]corev1.PersistentVolumeClaim, 0, len(w.Volumes))
	for _, v := range w.Volumes {
		claims = append(claims, corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: v.Name, Labels: in.Labels()},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: ptr(v.StorageClass),
				Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(v.Size)}, // validated
				},
			},
		})
	}
	policy := appsv1.OrderedReadyPodManagement
	if w.Parallel {
		policy = appsv1.ParallelPodManagement
	}
	retention := appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	if w.RetainOnDelete {
		retention = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	s := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: in.meta(in.Name()),
		Spec: appsv1.StatefulSetSpec{
			Selector:             &metav1.LabelSelector{MatchLabels: in.TrackSelector(Stable)},
			ServiceName:          in.HeadlessName(),
			PodManagementPolicy:  policy,
			RevisionHistoryLimit: ptr(int32(5)),
			UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			Template:             PodTemplate(in, Stable),
			VolumeClaimTemplates: claims,
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: retention,
				WhenScaled:  retention,
			},
		},
	}
	if r, ok := in.Spec.Scaling.(model.Replicas); ok {
		s.Spec.Replicas = ptr(int32(r))
	}
	return s
}

// HeadlessService gives each pod of a StatefulSet its own DNS name,
// <pod>.<app>-headless.<namespace>.svc; nil for other workloads. It
// publishes pods before they are ready, so that peers can find each other
// while they start.
func HeadlessService(in Input) *corev1.Service {
	if _, ok := in.Spec.Workload.(model.StatefulSet); !ok {
		return nil
	}
	s := Service(in)
	s.Name = in.HeadlessName()
	s.Spec.Type = ""
	s.Spec.ClusterIP = corev1.ClusterIPNone
	s.Spec.PublishNotReadyAddresses = true
	return s
}

// DaemonSet runs one of the app's pods on every node its tolerations admit.
func DaemonSet(in Input, w model.DaemonSet) *appsv1.DaemonSet {
	maxUnavailable := w.MaxUnavailable
	if maxUnavailable == 0 {
		maxUnavailable = 1
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: in.meta(in.Name()),
		Spec: appsv1.DaemonSetSpec{
			Selector:             &metav1.LabelSelector{MatchLabels: in.TrackSelector(Stable)},
			RevisionHistoryLimit: ptr(int32(5)),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt32(maxUnavailable))},
			},
			Template: PodTemplate(in, Stable),
		},
	}
}

// CronJob runs the app's pod to completion on its schedule.
func CronJob(in Input, w model.CronJob) *batchv1.CronJob {
	concurrency := w.Concurrency
	if concurrency == "" {
		concurrency = model.Forbid
	}
	c := &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: in.meta(in.Name()),
		Spec: batchv1.CronJobSpec{
			Schedule:                   w.Schedule,
			TimeZone:                   ptr("Etc/UTC"),
			ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(concurrency),
			SuccessfulJobsHistoryLimit: ptr(orDefault(w.SuccessfulHistory, 3)),
			FailedJobsHistoryLimit:     ptr(orDefault(w.FailedHistory, 1)),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: in.Labels()},
				Spec:       jobSpec(in, w.Run),
			},
		},
	}
	if w.TimeZone != "" {
		c.Spec.TimeZone = ptr(w.TimeZone)
	}
	if w.StartingDeadline > 0 {
		c.Spec.StartingDeadlineSeconds = ptr(seconds64(w.StartingDeadline))
	}
	return c
}

// Job runs the app's pod to completion at every sync: an Argo CD Sync hook,
// deleted before it is created again, since a Job's pod template cannot
// change in place.
func Job(in Input, w model.Job) *batchv1.Job {
	meta := in.meta(in.Name())
	meta.Annotations = map[string]string{
		argocd.AnnotationHook:             "Sync",
		argocd.AnnotationHookDeletePolicy: "BeforeHookCreation",
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec:       jobSpec(in, w.Run),
	}
}

func jobSpec(in Input, r model.JobRun) batchv1.JobSpec {
	s := batchv1.JobSpec{
		BackoffLimit:          ptr(r.Retries),
		ActiveDeadlineSeconds: ptr(seconds64(r.Deadline)),
		Template:              PodTemplate(in, Stable),
	}
	if r.TTL > 0 {
		s.TTLSecondsAfterFinished = ptr(seconds(r.TTL))
	}
	return s
}

func orDefault(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// workloadPod adds to a pod template what its workload kind needs: the
// volumes of a StatefulSet, a DaemonSet's host paths and tolerations, and a
// batch pod's restart policy and native sidecar.
func workloadPod(in Input, tpl *corev1.PodTemplateSpec) {
	c := &tpl.Spec.Containers[0]
	switch w := in.Spec.Workload.(type) {
	case model.StatefulSet:
		for _, v := range w.Volumes {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: v.Name, MountPath: v.MountPath})
		}
	case model.DaemonSet:
		for _, t := range w.Tolerations {
			tol := corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffect(t.Effect)}
			if t.Value != "" {
				tol.Operator, tol.Value = corev1.TolerationOpEqual, t.Value
			}
			tpl.Spec.Tolerations = append(tpl.Spec.Tolerations, tol)
		}
		for _, h := range w.HostPaths {
			typ := corev1.HostPathDirectory
			if h.Writable {
				typ = corev1.HostPathDirectoryOrCreate
			}
			tpl.Spec.Volumes = append(tpl.Spec.Volumes, corev1.Volume{
				Name:         h.Name,
				VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: h.Path, Type: ptr(typ)}},
			})
			mount := h.MountPath
			if mount == "" {
				mount = h.Path
			}
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: h.Name, MountPath: mount, ReadOnly: !h.Writable})
		}
		if w.RunAsRoot != "" {
			// Root reads the node's root-owned files by their owner bits; every
			// capability stays dropped.
			tpl.Spec.SecurityContext.RunAsNonRoot = ptr(false)
			tpl.Spec.SecurityContext.RunAsUser = ptr(int64(0))
			c.SecurityContext.RunAsNonRoot = ptr(false)
		}
	case model.CronJob, model.Job:
		tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		tpl.Annotations = map[string]string{AnnotationNativeSidecar: "true"}
	}
}

// VerticalPodAutoscaler sizes the app's container from its usage; nil when
// the app sets no VerticalScaling. The mesh's proxy is left alone.
func VerticalPodAutoscaler(in Input) *vpav1.VerticalPodAutoscaler {
	v := in.Spec.VerticalScaling
	if v == nil {
		return nil
	}
	var controlled []corev1.ResourceName
	if v.CPU {
		controlled = append(controlled, corev1.ResourceCPU)
	}
	if v.Memory {
		controlled = append(controlled, corev1.ResourceMemory)
	}
	values := vpav1.ContainerControlledValuesRequestsAndLimits
	if v.RequestsOnly {
		values = vpav1.ContainerControlledValuesRequestsOnly
	}
	apiVersion, kind, name := in.WorkloadRef()
	return &vpav1.VerticalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling.k8s.io/v1", Kind: "VerticalPodAutoscaler"},
		ObjectMeta: in.meta(in.Name()),
		Spec: vpav1.VerticalPodAutoscalerSpec{
			TargetRef:    &autoscalingv1.CrossVersionObjectReference{APIVersion: apiVersion, Kind: kind, Name: name},
			UpdatePolicy: &vpav1.PodUpdatePolicy{UpdateMode: ptr(vpav1.UpdateMode(v.Mode))},
			ResourcePolicy: &vpav1.PodResourcePolicy{ContainerPolicies: []vpav1.ContainerResourcePolicy{
				{
					ContainerName:       in.Name(),
					Mode:                ptr(vpav1.ContainerScalingModeAuto),
					MinAllowed:          compute(v.Min),
					MaxAllowed:          compute(v.Max),
					ControlledResources: &controlled,
					ControlledValues:    &values,
				},
				{ContainerName: "istio-proxy", Mode: ptr(vpav1.ContainerScalingModeOff)},
			}},
		},
	}
}
