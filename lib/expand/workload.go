package expand

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/model"
)

// DeploymentName is the name of the app's Deployment of one track.
func (in Input) DeploymentName(t Track) string {
	if t == Stable {
		return in.Name()
	}
	return in.Name() + "-" + string(t)
}

// Deployment runs the app's pods of one track. Under an autoscaler it has no
// replicas field, so that a sync does not reset what the autoscaler chose.
func Deployment(in Input, t Track) *appsv1.Deployment {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: in.meta(in.DeploymentName(t)),
		Spec: appsv1.DeploymentSpec{
			Selector:             &metav1.LabelSelector{MatchLabels: in.TrackSelector(t)},
			RevisionHistoryLimit: ptr(int32(5)),
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr(intstr.FromInt32(0)),
					MaxSurge:       ptr(intstr.FromString("25%")),
				},
			},
			Template: PodTemplate(in, t),
		},
	}
	if t == Canary {
		d.Spec.Replicas = ptr(in.Spec.Canary.Replicas)
	} else if r, ok := in.Spec.Scaling.(model.Replicas); ok {
		d.Spec.Replicas = ptr(int32(r))
	}
	return d
}

// podLabels are the labels of the app's pods of one track: its track
// selector and its team.
func (in Input) podLabels(t Track) map[string]string {
	labels := in.TrackSelector(t)
	labels[LabelTeam] = in.App.Team
	return labels
}

// PodTemplate is the pod of one track: the restricted Pod Security profile,
// no service-account token unless asked for, a writable /tmp and the config
// mounted under its hashed name.
func PodTemplate(in Input, t Track) corev1.PodTemplateSpec {
	s := in.Spec
	volumes := []corev1.Volume{{
		Name:         "tmp",
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
	}}
	mounts := []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}
	if s.Config.MountPath != "" {
		volumes = append(volumes, corev1.Volume{
			Name: "config",
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: in.ConfigMapName()},
			}},
		})
		mounts = append(mounts, corev1.VolumeMount{Name: "config", MountPath: s.Config.MountPath, ReadOnly: true})
	}
	pod := corev1.PodSpec{
		ServiceAccountName:           in.Name(),
		AutomountServiceAccountToken: ptr(s.ServiceAccountToken),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers:                []corev1.Container{container(in, t, mounts)},
		Volumes:                   volumes,
		TopologySpreadConstraints: spread(in, t),
	}
	if s.RunAsUser != 0 {
		pod.SecurityContext.RunAsUser = ptr(s.RunAsUser)
	}
	if s.Shutdown != nil {
		pod.TerminationGracePeriodSeconds = ptr(seconds64(s.Shutdown.GracePeriod))
	}
	tpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: in.podLabels(t)},
		Spec:       pod,
	}
	workloadPod(in, &tpl)
	return tpl
}

func container(in Input, t Track, mounts []corev1.VolumeMount) corev1.Container {
	s := in.Spec
	ports := make([]corev1.ContainerPort, 0, len(s.Ports))
	for _, p := range s.Ports {
		ports = append(ports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Container, Protocol: corev1.ProtocolTCP})
	}
	c := corev1.Container{
		Name:            in.Name(),
		Image:           image(s, t),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         s.Command,
		Args:            s.Args,
		Ports:           ports,
		Env:             envVars(in),
		Resources:       resources(s.Resources),
		VolumeMounts:    mounts,
		LivenessProbe:   probe(s.Probes.Liveness),
		ReadinessProbe:  probe(s.Probes.Readiness),
		StartupProbe:    probe(s.Probes.Startup),
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			RunAsNonRoot:             ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
	if s.Shutdown != nil && s.Shutdown.PreStop > 0 {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
			Sleep: &corev1.SleepAction{Seconds: seconds64(s.Shutdown.PreStop)},
		}}
	}
	return c
}

// image is the image of a track: the canary runs its own tag.
func image(s model.Spec, t Track) string {
	img := s.Image
	if t == Canary {
		img.Tag, img.Digest = s.Canary.Tag, ""
	}
	return img.String()
}

func envVars(in Input) []corev1.EnvVar {
	vars := make([]corev1.EnvVar, 0, len(in.Spec.Vars))
	for _, v := range in.Spec.Vars {
		e := corev1.EnvVar{Name: v.Name}
		switch val := v.Value.(type) {
		case model.Literal:
			e.Value = string(val)
		case model.SecretRef:
			e.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: val.Secret},
				Key:                  val.Key,
			}}
		case model.ConfigRef:
			e.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: in.ConfigMapName()},
				Key:                  string(val),
			}}
		case model.FieldRef:
			e.ValueFrom = &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: string(val)}}
		case model.ServiceURL:
			e.Value = serviceURL(in, val)
		}
		vars = append(vars, e)
	}
	return vars
}

// serviceURL resolves a ServiceURL against the environment; the definition
// has been validated, so the app and port exist.
func serviceURL(in Input, u model.ServiceURL) string {
	scheme := u.Scheme
	if scheme == "" {
		scheme = "http"
	}
	var port int32
	for _, p := range in.Peers[u.App] {
		if p.Name == u.Port {
			port = p.ServicePort()
		}
	}
	return fmt.Sprintf("%s://%s.%s.svc.cluster.local:%d", scheme, u.App, in.Env.Namespace(u.App), port)
}

func resources(r model.Resources) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: compute(r.Requests), Limits: compute(r.Limits)}
}

func compute(c model.Compute) corev1.ResourceList {
	l := corev1.ResourceList{}
	if c.CPU != "" {
		l[corev1.ResourceCPU] = resource.MustParse(c.CPU) // validated
	}
	if c.Memory != "" {
		l[corev1.ResourceMemory] = resource.MustParse(c.Memory)
	}
	if len(l) == 0 {
		return nil
	}
	return l
}

func probe(p *model.Probe) *corev1.Probe {
	if p == nil {
		return nil
	}
	pr := &corev1.Probe{
		InitialDelaySeconds: seconds(p.InitialDelay),
		PeriodSeconds:       seconds(p.Period),
		TimeoutSeconds:      seconds(p.Timeout),
		FailureThreshold:    p.FailureThreshold,
	}
	port := intstr.FromString(p.Port)
	if p.Path != "" {
		pr.HTTPGet = &corev1.HTTPGetAction{Path: p.Path, Port: port}
	} else {
		pr.TCPSocket = &corev1.TCPSocketAction{Port: port}
	}
	return pr
}

func spread(in Input, t Track) []corev1.TopologySpreadConstraint {
	var out []corev1.TopologySpreadConstraint
	for _, s := range in.Spec.Spread {
		when := corev1.ScheduleAnyway
		if s.Required {
			when = corev1.DoNotSchedule
		}
		out = append(out, corev1.TopologySpreadConstraint{
			MaxSkew:           s.MaxSkew,
			TopologyKey:       s.TopologyKey,
			WhenUnsatisfiable: when,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: in.TrackSelector(t)},
		})
	}
	return out
}

func seconds(d time.Duration) int32 { return int32(d / time.Second) }

func seconds64(d time.Duration) int64 { return int64(d / time.Second) }
