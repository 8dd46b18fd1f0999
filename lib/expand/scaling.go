package expand

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/model"
)

// PodDisruptionBudget limits voluntary evictions of the app's pods of every
// track; nil when the app sets no Disruption.
func PodDisruptionBudget(in Input) *policyv1.PodDisruptionBudget {
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: in.meta(in.Name()),
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: in.Selector()},
			// Evict pods that are not running anyway, so a crash-looping
			// pod never blocks a node drain.
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		},
	}
	switch d := in.Spec.Disruption.(type) {
	case model.MaxUnavailable:
		pdb.Spec.MaxUnavailable = ptr(intstr.FromInt32(int32(d)))
	case model.MinAvailable:
		pdb.Spec.MinAvailable = ptr(intstr.FromInt32(int32(d)))
	default:
		return nil
	}
	return pdb
}

// HorizontalPodAutoscaler scales the app's stable Deployment (or its
// StatefulSet); nil when the
// app runs a fixed number of replicas.
func HorizontalPodAutoscaler(in Input) *autoscalingv2.HorizontalPodAutoscaler {
	a, ok := in.Spec.Scaling.(model.Autoscale)
	if !ok {
		return nil
	}
	var metrics []autoscalingv2.MetricSpec
	utilization := func(name corev1.ResourceName, percent int32) {
		if percent == 0 {
			return
		}
		metrics = append(metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name:   name,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(percent)},
			},
		})
	}
	utilization(corev1.ResourceCPU, a.CPU)
	utilization(corev1.ResourceMemory, a.Memory)
	for _, m := range a.PerPod {
		metrics = append(metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.PodsMetricSourceType,
			Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: m.Name},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse(m.AverageValue))},
			},
		})
	}
	apiVersion, kind, name := in.WorkloadRef()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: in.meta(in.Name()),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: apiVersion, Kind: kind, Name: name},
			MinReplicas:    ptr(a.Min),
			MaxReplicas:    a.Max,
			Metrics:        metrics,
		},
	}
	if a.ScaleUp != nil || a.ScaleDown != nil {
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp:   scalingRules(a.ScaleUp),
			ScaleDown: scalingRules(a.ScaleDown),
		}
	}
	return hpa
}

func scalingRules(r *model.ScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return nil
	}
	out := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(seconds(r.StabilizationWindow))}
	if r.Select != "" {
		out.SelectPolicy = ptr(autoscalingv2.ScalingPolicySelect(r.Select))
	}
	for _, p := range r.Policies {
		typ := autoscalingv2.PodsScalingPolicy
		if p.Percent {
			typ = autoscalingv2.PercentScalingPolicy
		}
		out.Policies = append(out.Policies, autoscalingv2.HPAScalingPolicy{Type: typ, Value: p.Value, PeriodSeconds: seconds(p.Period)})
	}
	return out
}
