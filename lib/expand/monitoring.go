package expand

import (
	"fmt"
	"path"
	"strings"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	prommodel "github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/model"
)

// Selectors returns the PromQL label matchers that select the app in its
// environment: its own job (the Service name, which is the ServiceMonitor's
// default job label), its namespace, and its containers and pods in the
// cluster-wide jobs the environment declares.
func (in Input) Selectors() model.Selectors {
	ns := in.Namespace()
	mon := in.Env.Monitoring
	container, pods := in.Name(), in.Name()+"-.*"
	if _, ok := in.Spec.Workload.(model.Prometheus); ok {
		container, pods = "prometheus", "prometheus-"+in.Name()+"-.*" // the operator's names
	}
	return model.Selectors{
		App:       fmt.Sprintf(`job=%q,namespace=%q`, in.Name(), ns),
		Container: fmt.Sprintf(`job=%q,namespace=%q,container=%q`, mon.KubeletJob, ns, container),
		Pods:      fmt.Sprintf(`job=%q,namespace=%q,pod=~%q`, mon.KubeStateMetricsJob, ns, pods),
		Limits:    fmt.Sprintf(`job=%q,namespace=%q,container=%q`, mon.KubeStateMetricsJob, ns, container),
		Jobs:      fmt.Sprintf(`job=%q,namespace=%q,job_name=~%q`, mon.KubeStateMetricsJob, ns, in.Name()+"(-[0-9]+)?"),
		CronJob:   fmt.Sprintf(`job=%q,namespace=%q,cronjob=%q`, mon.KubeStateMetricsJob, ns, in.Name()),
	}
}

// ServiceMonitor has the team's Prometheus scrape the app's metrics port on
// every pod behind its Service. Under STRICT mutual TLS Prometheus scrapes
// over HTTPS with the mesh certificates its sidecar writes to CertDir.
func ServiceMonitor(in Input) *monitoringv1.ServiceMonitor {
	m := in.Spec.Metrics
	if m == nil {
		return nil
	}
	certs := in.Env.Monitoring.CertDir
	return &monitoringv1.ServiceMonitor{
		TypeMeta:   metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "ServiceMonitor"},
		ObjectMeta: in.meta(in.Name()),
		Spec: monitoringv1.ServiceMonitorSpec{
			Selector: metav1.LabelSelector{MatchLabels: in.Selector()},
			Endpoints: []monitoringv1.Endpoint{{
				Port:     m.Port,
				Path:     m.MetricsPath(),
				Interval: monitoringv1.Duration(promDuration(m.Interval)),
				Scheme:   "https",
				TLSConfig: &monitoringv1.TLSConfig{
					// The mesh's certificates name the workload by SPIFFE ID, not by
					// host name, so the host name is not verified; the chain is.
					SafeTLSConfig: monitoringv1.SafeTLSConfig{InsecureSkipVerify: ptr(true)},
					CAFile:        path.Join(certs, "root-cert.pem"),
					CertFile:      path.Join(certs, "cert-chain.pem"),
					KeyFile:       path.Join(certs, "key.pem"),
				},
			}},
		},
	}
}

// DefaultAlerts are the alerts every app gets: its 5xx ratio when it
// exposes metrics, its memory against its limit, and its pods not ready;
// for a batch workload a failed Job instead of pods not ready, and for a
// CronJob a last successful run older than its MaxAge.
func DefaultAlerts(s model.Spec) []model.Alert {
	var alerts []model.Alert
	if s.Metrics != nil {
		alerts = append(alerts, model.Alert{
			Name: "HighErrorRatio",
			Expr: func(sel model.Selectors) string {
				return fmt.Sprintf(`sum(rate(http_requests_total{%s,status=~"5.."}[5m])) / sum(rate(http_requests_total{%s}[5m])) > 0.05`, sel.App, sel.App)
			},
			For:         5 * time.Minute,
			Severity:    model.Critical,
			Summary:     "More than 5% of requests fail with a 5xx status",
			Description: "{{ $value | humanizePercentage }} of requests to {{ $labels.namespace }} fail with a 5xx status.",
		})
	}
	alerts = append(alerts, model.Alert{
		Name: "HighMemoryVsLimit",
		Expr: func(sel model.Selectors) string {
			return fmt.Sprintf(`max by (pod) (container_memory_working_set_bytes{%s}) / max by (pod) (kube_pod_container_resource_limits{%s,resource="memory"}) > 0.9`, sel.Container, sel.Limits)
		},
		For:         10 * time.Minute,
		Severity:    model.Warning,
		Summary:     "A container uses more than 90% of its memory limit",
		Description: "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit; it will be OOM-killed at 100%.",
	})
	if !model.Batch(s.Workload) {
		// A finished batch pod is never ready: the alert is for servers.
		return append(alerts, model.Alert{
			Name: "PodsNotReady",
			Expr: func(sel model.Selectors) string {
				return fmt.Sprintf(`sum(kube_pod_status_ready{%s,condition="false"}) > 0`, sel.Pods)
			},
			For:         10 * time.Minute,
			Severity:    model.Warning,
			Summary:     "Pods have not been ready for 10 minutes",
			Description: "{{ $value }} pod(s) in {{ $labels.namespace }} are not ready.",
		})
	}
	alerts = append(alerts, model.Alert{
		Name: "JobFailed",
		Expr: func(sel model.Selectors) string {
			return fmt.Sprintf(`sum by (job_name) (kube_job_status_failed{%s}) > 0`, sel.Jobs)
		},
		For:         time.Minute,
		Severity:    model.Warning,
		Summary:     "A Job failed",
		Description: "Job {{ $labels.job_name }} in {{ $labels.namespace }} failed; its pods' logs say why.",
	})
	if cj, ok := s.Workload.(model.CronJob); ok {
		alerts = append(alerts, model.Alert{
			Name: "CronJobLate",
			Expr: func(sel model.Selectors) string {
				return fmt.Sprintf(`time() - max(kube_cronjob_status_last_successful_time{%s}) > %d`, sel.CronJob, int64(cj.MaxAge/time.Second))
			},
			For:         5 * time.Minute,
			Severity:    model.Critical,
			Summary:     "The last successful run is older than " + promDuration(cj.MaxAge),
			Description: "The CronJob in {{ $labels.namespace }} last succeeded {{ $value | humanizeDuration }} ago.",
		})
	}
	return alerts
}

// PrometheusRule holds the app's default alerts and its own, in one group.
func PrometheusRule(in Input) *monitoringv1.PrometheusRule {
	sel := in.Selectors()
	defaults := DefaultAlerts(in.Spec)
	exprs := make([]string, 0, len(defaults)+len(in.Exprs))
	for _, a := range defaults {
		exprs = append(exprs, a.Expr(sel))
	}
	exprs = append(exprs, in.Exprs...)
	alerts := append(defaults, in.Spec.Alerts...)
	rules := make([]monitoringv1.Rule, 0, len(alerts))
	for i, a := range alerts {
		rules = append(rules, monitoringv1.Rule{
			Alert: a.Name,
			Expr:  intstr.FromString(exprs[i]),
			For:   ptr(monitoringv1.Duration(promDuration(a.For))),
			Labels: map[string]string{
				"severity":  string(a.Severity),
				"team":      in.App.Team,
				"namespace": in.Namespace(),
			},
			Annotations: map[string]string{
				"summary":     a.Summary,
				"description": a.Description,
				"runbook_url": strings.TrimSuffix(in.Env.RunbookURL, "/") + "/" + strings.ToLower(a.Name),
			},
		})
	}
	return &monitoringv1.PrometheusRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "PrometheusRule"},
		ObjectMeta: in.meta(in.Name()),
		Spec: monitoringv1.PrometheusRuleSpec{
			Groups: []monitoringv1.RuleGroup{{Name: in.Name() + ".rules", Rules: rules}},
		},
	}
}

// promDuration writes a duration as Prometheus does: "30s", "5m", "2h".
func promDuration(d time.Duration) string { return prommodel.Duration(d).String() }
