package model

import (
	"strings"
	"testing"
	"time"
)

// goodCronJob is the valid Spec of a nightly CronJob.
func goodCronJob() Spec {
	s := goodSpec()
	s.Ports, s.Probes, s.Scaling, s.Disruption, s.Ingress, s.Canary, s.Callers, s.Metrics = nil, Probes{}, nil, nil, nil, nil, nil, nil
	s.Workload = CronJob{Schedule: "30 2 * * *", TimeZone: "Europe/Berlin", Run: JobRun{Deadline: time.Hour}, MaxAge: 26 * time.Hour}
	return s
}

// goodStatefulSet is the valid Spec of a StatefulSet.
func goodStatefulSet() Spec {
	s := goodSpec()
	s.Canary = nil
	s.Workload = StatefulSet{Volumes: []VolumeClaim{{Name: "data", MountPath: "/data", StorageClass: "ssd", Size: "10Gi"}}, PeerPorts: []string{"admin"}}
	return s
}

// goodDaemonSet is the valid Spec of a node agent.
func goodDaemonSet() Spec {
	s := goodSpec()
	s.Scaling, s.Disruption, s.Ingress, s.Canary, s.Callers = nil, nil, nil, nil, nil
	s.Workload = DaemonSet{
		Tolerations: []Toleration{{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}},
		HostPaths:   []HostPath{{Name: "varlog", Path: "/var/log", Reason: "reads the node's container logs"}},
	}
	return s
}

func TestGoodWorkloadsHaveNoProblems(t *testing.T) {
	for name, s := range map[string]Spec{"cronjob": goodCronJob(), "statefulset": goodStatefulSet(), "daemonset": goodDaemonSet()} {
		for _, p := range check(t, s) {
			t.Errorf("%s: %+v", name, p)
		}
	}
	job := goodCronJob()
	job.Workload = Job{Run: JobRun{Deadline: 10 * time.Minute, Retries: 1}}
	for _, p := range check(t, job) {
		t.Errorf("job: %+v", p)
	}
}

func TestWorkloadDefinitionErrors(t *testing.T) {
	tests := []struct {
		name  string
		base  func() Spec
		mut   func(s *Spec)
		field string
		msg   string
	}{
		{"canary on a StatefulSet", goodStatefulSet, func(s *Spec) { s.Canary = goodSpec().Canary }, "Canary", "not available for a StatefulSet"},
		{"StatefulSet without volumes", goodStatefulSet, func(s *Spec) { s.Workload = StatefulSet{} }, "Workload.Volumes", "is empty"},
		{"claim without storage class", goodStatefulSet, func(s *Spec) {
			s.Workload = StatefulSet{Volumes: []VolumeClaim{{Name: "data", MountPath: "/data", Size: "1Gi"}}}
		}, "Workload.Volumes[0].StorageClass", "not a StorageClass name"},
		{"claim with a bad size", goodStatefulSet, func(s *Spec) {
			s.Workload = StatefulSet{Volumes: []VolumeClaim{{Name: "data", MountPath: "/data", StorageClass: "ssd", Size: "ten"}}}
		}, "Workload.Volumes[0].Size", "not a quantity"},
		{"claim named like the config volume", goodStatefulSet, func(s *Spec) {
			s.Workload = StatefulSet{Volumes: []VolumeClaim{{Name: "config", MountPath: "/data", StorageClass: "ssd", Size: "1Gi"}}}
		}, "Workload.Volumes[0].Name", "pod's own config volume"},
		{"unknown peer port", goodStatefulSet, func(s *Spec) {
			s.Workload = StatefulSet{Volumes: goodStatefulSet().Workload.(StatefulSet).Volumes, PeerPorts: []string{"gossip"}}
		}, "Workload.PeerPorts[0]", "not one of the app's ports"},
		{"StatefulSet without scaling", goodStatefulSet, func(s *Spec) { s.Scaling = nil }, "Scaling", "is required for a StatefulSet"},
		{"host path without reason", goodDaemonSet, func(s *Spec) {
			s.Workload = DaemonSet{HostPaths: []HostPath{{Name: "varlog", Path: "/var/log"}}}
		}, "Workload.HostPaths[0].Reason", "is required"},
		{"host path of the root", goodDaemonSet, func(s *Spec) {
			s.Workload = DaemonSet{HostPaths: []HostPath{{Name: "root", Path: "/", Reason: "r"}}}
		}, "Workload.HostPaths[0].Path", "absolute path below /"},
		{"bad toleration effect", goodDaemonSet, func(s *Spec) {
			s.Workload = DaemonSet{Tolerations: []Toleration{{Key: "dedicated", Effect: "Never"}}}
		}, "Workload.Tolerations[0].Effect", "not one of"},
		{"scaling on a DaemonSet", goodDaemonSet, func(s *Spec) { s.Scaling = Replicas(2) }, "Scaling", "not available for a DaemonSet"},
		{"PDB on a DaemonSet", goodDaemonSet, func(s *Spec) { s.Disruption = MaxUnavailable(1) }, "Disruption", "not available for a DaemonSet"},
		{"bad schedule", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "every night", Run: JobRun{Deadline: time.Hour}, MaxAge: time.Hour}
		}, "Workload.Schedule", "not a cron schedule"},
		{"six-field schedule", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "0 30 2 * * *", Run: JobRun{Deadline: time.Hour}, MaxAge: 48 * time.Hour}
		}, "Workload.Schedule", "not a cron schedule"},
		{"inline time zone", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "CRON_TZ=UTC 0 2 * * *", Run: JobRun{Deadline: time.Hour}, MaxAge: 48 * time.Hour}
		}, "Workload.Schedule", "set the time zone in TimeZone"},
		{"bad time zone", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "@daily", TimeZone: "Mars/Olympus", Run: JobRun{Deadline: time.Hour}, MaxAge: 48 * time.Hour}
		}, "Workload.TimeZone", "not an IANA time zone"},
		{"no deadline", goodCronJob, func(s *Spec) { s.Workload = CronJob{Schedule: "@daily", MaxAge: 48 * time.Hour} }, "Workload.Run.Deadline", "is required"},
		{"no max age", goodCronJob, func(s *Spec) { s.Workload = CronJob{Schedule: "@daily", Run: JobRun{Deadline: time.Hour}} }, "Workload.MaxAge", "is required"},
		{"max age below the interval", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "0 2 * * 1", Run: JobRun{Deadline: time.Hour}, MaxAge: 48 * time.Hour}
		}, "Workload.MaxAge", "not longer than the 168h0m0s between two runs"},
		{"bad concurrency", goodCronJob, func(s *Spec) {
			s.Workload = CronJob{Schedule: "@daily", Concurrency: "Queue", Run: JobRun{Deadline: time.Hour}, MaxAge: 48 * time.Hour}
		}, "Workload.Concurrency", "not one of Forbid, Allow, Replace"},
		{"probes on a CronJob", goodCronJob, func(s *Spec) { s.Probes = goodSpec().Probes }, "Probes", "runs to completion"},
		{"ports on a CronJob", goodCronJob, func(s *Spec) { s.Ports = goodSpec().Ports }, "Ports", "not available for a CronJob"},
		{"ingress on a Job", goodCronJob, func(s *Spec) {
			s.Workload = Job{Run: JobRun{Deadline: time.Hour}}
			s.Ingress = goodSpec().Ingress
		}, "Ingress", "not available for a Job"},
		{"VPA fights the HPA on CPU", goodSpec, func(s *Spec) {
			s.VerticalScaling = &VerticalScaling{Mode: VPAAuto, CPU: true, Memory: true}
		}, "VerticalScaling.CPU", "both act on CPU"},
		{"VPA fights the HPA on memory", goodSpec, func(s *Spec) {
			s.Scaling = Autoscale{Min: 2, Max: 5, Memory: 80}
			s.VerticalScaling = &VerticalScaling{Mode: VPAInPlaceOrRecreate, Memory: true}
		}, "VerticalScaling.Memory", "both act on memory"},
		{"VPA without resources", goodSpec, func(s *Spec) { s.VerticalScaling = &VerticalScaling{Mode: VPAOff} }, "VerticalScaling", "controls no resource"},
		{"VPA without mode", goodSpec, func(s *Spec) { s.VerticalScaling = &VerticalScaling{CPU: true} }, "VerticalScaling.Mode", "is required"},
		{"VPA bad mode", goodSpec, func(s *Spec) { s.VerticalScaling = &VerticalScaling{Mode: "Sometimes", CPU: true} }, "VerticalScaling.Mode", "not one of"},
		{"VPA max below min", goodSpec, func(s *Spec) {
			s.VerticalScaling = &VerticalScaling{Mode: VPAOff, CPU: true, Min: Compute{CPU: "1"}, Max: Compute{CPU: "500m"}}
		}, "VerticalScaling.Max.CPU", "less than Min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.base()
			tt.mut(&s)
			probs := check(t, s)
			for _, p := range probs {
				if p.Field == tt.field && strings.Contains(p.Message, tt.msg) {
					if p.Env != "prod" || p.App != "api" {
						t.Errorf("problem lacks its location: %+v", p)
					}
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got %+v", tt.field, tt.msg, probs)
		})
	}
}

// TestVPAWithoutConflicts: a VPA that only recommends, or that controls
// only what the HPA does not scale on, is allowed next to an HPA.
func TestVPAWithoutConflicts(t *testing.T) {
	for _, v := range []*VerticalScaling{
		{Mode: VPAOff, CPU: true, Memory: true},
		{Mode: VPAAuto, Memory: true}, // the HPA of goodSpec scales on CPU only
	} {
		s := goodSpec()
		s.VerticalScaling = v
		for _, p := range check(t, s) {
			t.Errorf("%+v: %+v", v, p)
		}
	}
}

// goodPrometheus is a team Prometheus.
func goodPrometheus() Spec {
	return Spec{
		Image: Image{Repository: "quay.io/prometheus/prometheus", Tag: "v3.5.0"},
		Ports: []Port{{Name: "web", Container: 9090}},
		Resources: Resources{
			Requests: Compute{CPU: "500m", Memory: "2Gi"},
			Limits:   Compute{Memory: "4Gi"},
		},
		Workload: Prometheus{Team: "shop", Version: "v3.5.0", Retention: 72 * time.Hour, Storage: VolumeClaim{StorageClass: "ssd", Size: "20Gi"}},
	}
}

// checkPlatform validates the platform app "prom" with Spec s in an
// environment that declares Grafana's identity, next to a second
// Prometheus "other" with the Spec second (none when nil).
func checkPlatform(t *testing.T, s Spec, platform bool, second *Spec) []Problem {
	t.Helper()
	env := testEnv
	env.Identities = []string{"cluster.local/ns/grafana/sa/grafana"}
	app := App{Name: "prom", Team: "platform", Platform: platform, Spec: func(Env) Spec { return s }}
	apps := []App{app}
	if second != nil {
		apps = append([]App{{Name: "first", Team: "platform", Platform: true, Spec: func(Env) Spec { return *second }}}, apps...)
	}
	w, probs := Resolve(env, apps)
	if len(probs) > 0 {
		t.Fatalf("resolve: %v", probs)
	}
	return ValidateSpec(w, app)
}

func TestPlatformDefinitionErrors(t *testing.T) {
	if probs := checkPlatform(t, goodPrometheus(), true, nil); len(probs) > 0 {
		t.Fatalf("good Prometheus: %+v", probs)
	}
	withCaller := goodPrometheus()
	withCaller.Callers = []Caller{{Principal: "cluster.local/ns/grafana/sa/grafana", Methods: []string{"GET"}}}
	if probs := checkPlatform(t, withCaller, true, nil); len(probs) > 0 {
		t.Fatalf("declared outside caller: %+v", probs)
	}
	other := goodPrometheus()
	tests := []struct {
		name     string
		mut      func(s *Spec)
		platform bool
		second   *Spec
		field    string
		msg      string
	}{
		{"not a platform app", func(*Spec) {}, false, nil, "Workload", "set Platform"},
		{"two Prometheus for one team", func(*Spec) {}, true, &other, "Workload.Team", `already has its Prometheus, app "first"`},
		{"undeclared outside caller", func(s *Spec) { s.Callers = []Caller{{Principal: "cluster.local/ns/x/sa/y"}} }, true, nil, "Callers[0].Principal", "Env.Identities"},
		{"caller with app and principal", func(s *Spec) { s.Callers = []Caller{{App: "prom", Principal: "cluster.local/ns/grafana/sa/grafana"}} }, true, nil, "Callers[0]", "both an App and a Principal"},
		{"bad version", func(s *Spec) { w := s.Workload.(Prometheus); w.Version = "3.5"; s.Workload = w }, true, nil, "Workload.Version", "not a Prometheus version"},
		{"bad retention", func(s *Spec) { w := s.Workload.(Prometheus); w.Retention = 90 * time.Second; s.Workload = w }, true, nil, "Workload.Retention", "whole number of minutes"},
		{"bad retention size", func(s *Spec) { w := s.Workload.(Prometheus); w.RetentionSize = "40G"; s.Workload = w }, true, nil, "Workload.RetentionSize", "not a size"},
		{"probes on a Prometheus", func(s *Spec) { s.Probes = goodSpec().Probes }, true, nil, "Probes", "operator writes its pod"},
		{"wildcard access", func(s *Spec) {
			*s = goodDaemonSet()
			s.ServiceAccountToken = true
			s.ClusterAccess = []Access{{Groups: []string{""}, Resources: []string{"*"}, Verbs: []string{"get"}}}
		}, true, nil, "ClusterAccess[0].Resources", "wildcard"},
		{"access without a token", func(s *Spec) {
			*s = goodDaemonSet()
			s.ClusterAccess = []Access{{Groups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}
		}, true, nil, "ClusterAccess", "needs ServiceAccountToken"},
		{"unknown verb", func(s *Spec) {
			*s = goodDaemonSet()
			s.ServiceAccountToken = true
			s.ClusterAccess = []Access{{Groups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"read"}}}
		}, true, nil, "ClusterAccess[0].Verbs", "not one of"},
		{"root and a user", func(s *Spec) {
			*s = goodDaemonSet()
			s.Workload = DaemonSet{RunAsRoot: "logs"}
			s.RunAsUser = 1000
		}, true, nil, "RunAsUser", "choose one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodPrometheus()
			tt.mut(&s)
			probs := checkPlatform(t, s, tt.platform, tt.second)
			for _, p := range probs {
				if p.Field == tt.field && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got %+v", tt.field, tt.msg, probs)
		})
	}
}

func TestPlatformEnvAndTeam(t *testing.T) {
	e := testEnv
	e.Tracing = &Tracing{Provider: "otel", Sampling: 120}
	e.Identities = []string{"grafana"}
	fields := map[string]bool{}
	for _, p := range ValidateEnvs([]Env{e}) {
		fields[p.Field] = true
	}
	for _, f := range []string{"Tracing.Sampling", "Identities[0]"} {
		if !fields[f] {
			t.Errorf("no problem at %s: %v", f, fields)
		}
	}
	spec := func(Env) Spec { return goodSpec() }
	probs := ValidateApps([]App{{Name: "a", Team: "platform", Platform: true, Spec: spec}, {Name: "b", Team: "infra", Platform: true, Spec: spec}})
	if len(probs) != 1 || probs[0].App != "b" || !strings.Contains(probs[0].Message, "one team") {
		t.Errorf("platform components of two teams: %+v", probs)
	}
}

func TestScheduleGapIsPerSchedule(t *testing.T) {
	// Asked twice each, in turn: the memo answers for the schedule asked.
	for range 2 {
		for text, want := range map[string]time.Duration{"0 * * * *": time.Hour, "0 2 * * *": 24 * time.Hour, "0 2 * * 1": 7 * 24 * time.Hour} {
			s, err := ParseSchedule(text)
			if err != nil {
				t.Fatal(err)
			}
			if got := scheduleGap(text, s); got != want {
				t.Errorf("scheduleGap(%q) = %s, want %s", text, got, want)
			}
		}
	}
	if got := scheduleGap("", nil); got != 0 {
		t.Errorf("no schedule: %s", got)
	}
}
