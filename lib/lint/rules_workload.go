package lint

import (
	"slices"
	"strings"
	"time"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/model"
)

// workloadRules check the kinds beyond Deployments: StatefulSets' headless
// Services, CronJob schedules, and autoscalers that fight each other.
func workloadRules() []*Rule {
	return []*Rule{
		{ID: "statefulset-service-missing", Severity: finding.Error, Reads: coreReads, Check: checkStatefulSetService,
			Doc:  "A StatefulSet's serviceName names no headless Service (clusterIP: None) in its namespace.",
			Help: "Add a Service with clusterIP: None that selects the StatefulSet's pods; without it the pods get no stable DNS names."},
		{ID: "cronjob-schedule-invalid", Severity: finding.Error, PerObject: true, Kinds: []string{"CronJob"}, Check: checkCronSchedule,
			Doc:  "A CronJob's schedule does not parse, or its time zone is not an IANA zone.",
			Help: "Use five cron fields or a macro such as @daily, and set spec.timeZone instead of TZ= in the schedule."},
		{ID: "hpa-vpa-conflict", Severity: finding.Error, Reads: coreReads, Check: checkHPAVPA,
			Doc:  "A VerticalPodAutoscaler that updates pods controls a resource that a HorizontalPodAutoscaler of the same workload scales on.",
			Help: "Set the VPA's updateMode to Off (recommendations only), or limit its controlledResources to the resources the HPA does not use."},
	}
}

func checkStatefulSetService(p *Pass) {
	for _, sts := range p.Graph.OfKind("StatefulSet") {
		name := str(Map(sts.Value, "spec"), "serviceName")
		if name == "" {
			continue // optional since Kubernetes 1.33; the pods then have no DNS names of their own
		}
		svc := p.Graph.find("Service", sts.Namespace(), name)
		quiet := len(p.Graph.servicesIn(sts.Namespace())) == 0
		switch {
		case svc == nil:
			p.ReportAt(quiet, sts, []string{"spec", "serviceName"}, "no Service %q in namespace %q%s", name, sts.Namespace(), aloneSvcs(quiet))
		case str(Map(svc.Value, "spec"), "clusterIP") != "None":
			p.Report(sts, []string{"spec", "serviceName"}, "Service %q is not headless (clusterIP: None): the pods get no stable DNS names", name)
		}
	}
}

func checkCronSchedule(p *Pass) {
	for _, cj := range p.Graph.OfKind("CronJob") {
		spec := Map(cj.Value, "spec")
		s := str(spec, "schedule")
		switch {
		case strings.Contains(s, "TZ="):
			p.Report(cj, []string{"spec", "schedule"}, "schedule %q sets its time zone inline, which the API server refuses: use spec.timeZone", s)
		default:
			if _, err := model.ParseSchedule(s); err != nil {
				p.Report(cj, []string{"spec", "schedule"}, "schedule %q does not parse: %v", s, err)
			}
		}
		if tz, ok := spec["timeZone"].(string); ok {
			if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
				p.Report(cj, []string{"spec", "timeZone"}, "%q is not an IANA time zone", tz)
			}
		}
	}
}

// vpaUpdates reports whether a VPA changes pods: its update mode is not
// Off (the default mode changes them).
func vpaUpdates(vpa *Object) bool {
	return str(Map(Map(vpa.Value, "spec"), "updatePolicy"), "updateMode") != "Off"
}

// vpaControls returns the resources a VPA controls in the containers it
// does not switch off: controlledResources, or CPU and memory by default.
func vpaControls(vpa *Object) map[string]bool {
	out := map[string]bool{}
	policies := List(Map(Map(vpa.Value, "spec"), "resourcePolicy"), "containerPolicies")
	if len(policies) == 0 {
		return map[string]bool{"cpu": true, "memory": true}
	}
	for _, pol := range policies {
		m := asMap(pol)
		if str(m, "mode") == "Off" {
			continue
		}
		res := List(m, "controlledResources")
		if _, set := m["controlledResources"]; !set {
			res = []any{"cpu", "memory"}
		}
		for _, r := range res {
			if s, ok := r.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

// hpaScalesOn returns the resources an HPA's Resource and ContainerResource
// metrics scale on.
func hpaScalesOn(hpa *Object) []string {
	var out []string
	for _, m := range List(Map(hpa.Value, "spec"), "metrics") {
		mm := asMap(m)
		for _, key := range []string{"resource", "containerResource"} {
			if name := str(Map(mm, key), "name"); name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

func checkHPAVPA(p *Pass) {
	for _, vpa := range p.Graph.OfKind("VerticalPodAutoscaler") {
		if !vpaUpdates(vpa) {
			continue
		}
		ref := Map(Map(vpa.Value, "spec"), "targetRef")
		controls := vpaControls(vpa)
		for _, hpa := range p.Graph.OfKind("HorizontalPodAutoscaler") {
			target := Map(Map(hpa.Value, "spec"), "scaleTargetRef")
			if hpa.Namespace() != vpa.Namespace() || str(target, "kind") != str(ref, "kind") || str(target, "name") != str(ref, "name") {
				continue
			}
			for _, r := range hpaScalesOn(hpa) {
				if controls[r] {
					p.Report(vpa, []string{"spec", "updatePolicy"}, "VerticalPodAutoscaler %q updates the %s requests of %s %q, which HorizontalPodAutoscaler %q scales on: the two fight (raised requests lower the utilization the HPA sees)", vpa.Name(), r, str(ref, "kind"), str(ref, "name"), hpa.Name())
				}
			}
		}
	}
}
