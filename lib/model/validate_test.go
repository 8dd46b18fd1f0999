package model

import (
	"strings"
	"testing"
	"time"
)

var testEnv = Env{Name: "prod", Cluster: Cluster{Name: "prod", Server: "https://k"}, Kubernetes: "1.36.3", SecretStore: "vault"}

// goodSpec is a valid Spec; the table below breaks one thing at a time.
func goodSpec() Spec {
	return Spec{
		Image: Image{Repository: "registry.example.com/shop/api", Tag: "1.0.0"},
		Ports: []Port{{Name: "http", Container: 8080, Service: 80}, {Name: "admin", Container: 9090}},
		Resources: Resources{
			Requests: Compute{CPU: "100m", Memory: "128Mi"},
			Limits:   Compute{CPU: "200m", Memory: "256Mi"},
		},
		Probes: Probes{
			Liveness:  &Probe{Path: "/healthz", Port: "http", Period: 10 * time.Second},
			Readiness: &Probe{Path: "/ready", Port: "http"},
		},
		Config:  Config{Data: map[string]string{"level": "info"}},
		Secrets: []Secret{{Name: "db", Keys: []SecretKey{{Key: "password", Remote: "api/db"}}}},
		// other is the app that calls this one.
		Vars: []Var{
			{Name: "LEVEL", Value: ConfigRef("level")},
			{Name: "DB_PASSWORD", Value: SecretRef{Secret: "db", Key: "password"}},
			{Name: "OTHER", Value: ServiceURL{App: "other", Port: "http"}},
		},
		Scaling:    Autoscale{Min: 2, Max: 5, CPU: 70},
		Disruption: MaxUnavailable(1),
		Ingress:    &Ingress{Host: "api.example.com", Port: "http", Class: "nginx", TLS: &TLS{ClusterIssuer: "le"}},
		Canary:     &Canary{Tag: "1.1.0", Weight: 10, Header: &HeaderMatch{Name: "canary", Value: "true"}, Replicas: 1},
		Callers:    []Caller{{App: "other", Methods: []string{"GET"}, Paths: []string{"/api/*"}, When: []Condition{{Key: "request.headers[user-role]", Values: []string{"admin"}}}}},
		Traffic: Traffic{
			ConnectionPool: &ConnectionPool{MaxConnections: 10, MaxPendingRequests: 10, MaxRequestsPerConnection: 2},
			Outlier:        &Outlier{Consecutive5xx: 3, Interval: 30 * time.Second, Ejection: 30 * time.Second},
		},
		Metrics: &Metrics{Port: "admin", Interval: 30 * time.Second},
		Alerts: []Alert{{
			Name: "QueueStuck", Expr: func(sel Selectors) string { return "x" }, For: time.Minute,
			Severity: Critical, Summary: "s", Description: "d",
		}},
		Dependencies: []Dependency{{Kind: Redis, Secret: "db", Storage: "1Gi"}},
	}
}

func otherApp() App {
	return App{Name: "other", Team: "shop", Spec: func(Env) Spec {
		s := goodSpec()
		s.Vars, s.Callers = nil, nil
		return s
	}}
}

// check validates an app whose Spec is s, next to the app "other".
func check(t *testing.T, s Spec) []Problem {
	t.Helper()
	app := App{Name: "api", Team: "shop", Source: Source{File: "apps/api.go", Line: 7}, Spec: func(Env) Spec { return s }}
	apps := []App{app, otherApp()}
	w, probs := Resolve(testEnv, apps)
	if len(probs) > 0 {
		t.Fatalf("resolve: %v", probs)
	}
	return ValidateSpec(w, app)
}

func TestGoodSpecHasNoProblems(t *testing.T) {
	if probs := check(t, goodSpec()); len(probs) != 0 {
		t.Fatalf("want no problems, got %+v", probs)
	}
}

func TestDefinitionErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *Spec)
		field  string
		msg    string
	}{
		{"missing image", func(s *Spec) { s.Image = Image{} }, "Image.Repository", "is required"},
		{"unpinned image", func(s *Spec) { s.Image.Tag = "" }, "Image", "needs a tag or a digest"},
		{"latest tag", func(s *Spec) { s.Image.Tag = "latest" }, "Image.Tag", `"latest" is not a version`},
		{"bad digest", func(s *Spec) { s.Image.Digest = "sha256:abc" }, "Image.Digest", "is not a digest"},
		{"negative replicas", func(s *Spec) { s.Scaling = Replicas(-1) }, "Scaling", "must not be negative"},
		{"no scaling", func(s *Spec) { s.Scaling = nil }, "Scaling", "is required"},
		{"min greater than max", func(s *Spec) { s.Scaling = Autoscale{Min: 5, Max: 2, CPU: 70} }, "Scaling.Max", "is less than Min 5"},
		{"autoscale without metric", func(s *Spec) { s.Scaling = Autoscale{Min: 1, Max: 2} }, "Scaling", "at least one metric"},
		{"port name used twice", func(s *Spec) { s.Ports[1].Name = "http" }, "Ports[1].Name", `port name "http" is used twice`},
		{"port number used twice", func(s *Spec) { s.Ports[1].Container = 8080 }, "Ports[1].Container", "already declared"},
		{"bad port name", func(s *Spec) { s.Ports[1].Name = "Admin_Port" }, "Ports[1].Name", "is not a port name"},
		{"bad protocol", func(s *Spec) { s.Ports[0].Protocol = "udp" }, "Ports[0].Protocol", "is not one of"},
		{"reference to a missing app", func(s *Spec) { s.Vars[2].Value = ServiceURL{App: "nope", Port: "http"} }, "Vars[2].Value.App", `app "nope" does not exist`},
		{"reference to a missing port", func(s *Spec) { s.Vars[2].Value = ServiceURL{App: "other", Port: "grpc"} }, "Vars[2].Value.Port", `has no port "grpc"`},
		{"reference to a missing secret", func(s *Spec) { s.Vars[1].Value = SecretRef{Secret: "nope", Key: "password"} }, "Vars[1].Value.Secret", `"nope" is not one of the app's Secrets`},
		{"reference to a missing secret key", func(s *Spec) { s.Vars[1].Value = SecretRef{Secret: "db", Key: "user"} }, "Vars[1].Value.Key", `has no key "user"`},
		{"reference to a missing config key", func(s *Spec) { s.Vars[0].Value = ConfigRef("nope") }, "Vars[0].Value", `config key "nope"`},
		{"duplicate variable", func(s *Spec) { s.Vars[1].Name = "LEVEL" }, "Vars[1].Name", "is set twice"},
		{"variable without value", func(s *Spec) { s.Vars[0].Value = nil }, "Vars[0].Value", "is required"},
		{"bad quantity", func(s *Spec) { s.Resources.Requests.CPU = "lots" }, "Resources.Requests.CPU", "is not a quantity"},
		{"limit below request", func(s *Spec) { s.Resources.Limits.Memory = "64Mi" }, "Resources.Limits.Memory", "is less than the request"},
		{"no memory limit", func(s *Spec) { s.Resources.Limits.Memory = "" }, "Resources.Limits.Memory", "is required"},
		{"cpu target without request", func(s *Spec) { s.Resources.Requests.CPU = "" }, "Scaling.CPU", "needs Resources.Requests.CPU"},
		{"no readiness probe", func(s *Spec) { s.Probes.Readiness = nil }, "Probes.Readiness", "is required"},
		{"probe on unknown port", func(s *Spec) { s.Probes.Readiness.Port = "web" }, "Probes.Readiness.Port", `"web" is not one of the app's ports`},
		{"identical probes", func(s *Spec) { p := *s.Probes.Liveness; s.Probes.Readiness = &p }, "Probes.Liveness", "identical to the readiness probe"},
		{"fractional seconds", func(s *Spec) { s.Probes.Liveness.Period = 1500 * time.Millisecond }, "Probes.Liveness.Period", "not a whole number of seconds"},
		{"grace period shorter than preStop", func(s *Spec) { s.Shutdown = &Shutdown{PreStop: 10 * time.Second, GracePeriod: 5 * time.Second} }, "Shutdown.GracePeriod", "must be longer than PreStop"},
		{"pdb blocks evictions", func(s *Spec) { s.Disruption = MaxUnavailable(0) }, "Disruption", "blocks every eviction"},
		{"ingress on unknown port", func(s *Spec) { s.Ingress.Port = "web" }, "Ingress.Port", "is not one of the app's ports"},
		{"bad ingress host", func(s *Spec) { s.Ingress.Host = "API.example.com" }, "Ingress.Host", "is not a host name"},
		{"secret without keys", func(s *Spec) { s.Secrets[0].Keys = nil; s.Vars = s.Vars[:1] }, "Secrets[0].Keys", "is empty"},
		{"secret key without remote", func(s *Spec) { s.Secrets[0].Keys[0].Remote = "" }, "Secrets[0].Keys[0].Remote", "is required"},
		{"relative mount path", func(s *Spec) { s.Config.MountPath = "etc" }, "Config.MountPath", "must be an absolute path"},
		{"bad spread", func(s *Spec) { s.Spread = []Spread{{TopologyKey: "zone", MaxSkew: 0}} }, "Spread[0].MaxSkew", "at least 1"},
		{"canary weight over 100", func(s *Spec) { s.Canary.Weight = 101 }, "Canary.Weight", "not a percentage"},
		{"canary without replicas", func(s *Spec) { s.Canary.Replicas = 0 }, "Canary.Replicas", "at least 1"},
		{"canary on the stable tag", func(s *Spec) { s.Canary.Tag = "1.0.0" }, "Canary.Tag", "is the stable tag"},
		{"canary header with capitals", func(s *Spec) { s.Canary.Header.Name = "Canary" }, "Canary.Header.Name", "lowercase"},
		{"caller that does not exist", func(s *Spec) { s.Callers[0].App = "ghost" }, "Callers[0].App", `app "ghost" does not exist`},
		{"caller listed twice", func(s *Spec) { s.Callers = append(s.Callers, Caller{App: "other"}) }, "Callers[1].App", "listed twice"},
		{"caller method in lowercase", func(s *Spec) { s.Callers[0].Methods = []string{"get"} }, "Callers[0].Methods[0]", "not an HTTP method"},
		{"condition without values", func(s *Spec) { s.Callers[0].When[0].Values = nil }, "Callers[0].When[0].Values", "could never hold"},
		{"metrics on an unknown port", func(s *Spec) { s.Metrics.Port = "prom" }, "Metrics.Port", "not one of the app's ports"},
		{"metrics without interval", func(s *Spec) { s.Metrics.Interval = 0 }, "Metrics.Interval", "at least 1s"},
		{"zero connection limit", func(s *Spec) { s.Traffic.ConnectionPool.MaxConnections = 0 }, "Traffic.ConnectionPool", "at least 1"},
		{"outlier without threshold", func(s *Spec) { s.Traffic.Outlier.Consecutive5xx = 0 }, "Traffic.Outlier.Consecutive5xx", "at least 1"},
		{"alert name not CamelCase", func(s *Spec) { s.Alerts[0].Name = "queue-stuck" }, "Alerts[0].Name", "not a CamelCase"},
		{"alert shadowing a default", func(s *Spec) { s.Alerts[0].Name = "PodsNotReady" }, "Alerts[0].Name", "one of the default alerts"},
		{"alert without expression", func(s *Spec) { s.Alerts[0].Expr = nil }, "Alerts[0].Expr", "is required"},
		{"alert with a bad severity", func(s *Spec) { s.Alerts[0].Severity = "page" }, "Alerts[0].Severity", "not one of critical"},
		{"alert without summary", func(s *Spec) { s.Alerts[0].Summary = "" }, "Alerts[0].Summary", "is required"},
		{"dependency on a missing secret", func(s *Spec) { s.Dependencies[0].Secret = "nope" }, "Dependencies[0].Secret", `"nope" is not one of the app's Secrets`},
		{"postgres secret without admin key", func(s *Spec) {
			s.Dependencies[0] = Dependency{Kind: PostgreSQL, Secret: "db", Database: "api", User: "api", Storage: "1Gi"}
		}, "Dependencies[0].Secret", `no key "postgres-password"`},
		{"dependency of unknown kind", func(s *Spec) { s.Dependencies[0].Kind = "mysql" }, "Dependencies[0].Kind", "not one of postgresql, redis"},
		{"dependency without storage", func(s *Spec) { s.Dependencies[0].Storage = "" }, "Dependencies[0].Storage", "is required"},
		{"scale policy period", func(s *Spec) {
			s.Scaling = Autoscale{Min: 1, Max: 2, CPU: 50, ScaleUp: &ScalingRules{Policies: []ScalingPolicy{{Value: 1, Period: time.Hour}}}}
		}, "Scaling.ScaleUp.Policies[0].Period", "between 1s and 30m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodSpec()
			tt.change(&s)
			probs := check(t, s)
			for _, p := range probs {
				if p.Field == tt.field && strings.Contains(p.Message, tt.msg) {
					if p.Env != "prod" || p.App != "api" || p.Source.String() != "apps/api.go:7" {
						t.Errorf("problem lacks its location: %+v", p)
					}
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got %+v", tt.field, tt.msg, probs)
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	s := goodSpec()
	s.Image.Tag = ""
	s.Scaling = Replicas(-2)
	s.Ports[1].Name = "http"
	s.Vars[2].Value = ServiceURL{App: "ghost", Port: "http"}
	probs := check(t, s)
	fields := map[string]bool{}
	for _, p := range probs {
		fields[p.Field] = true
	}
	for _, f := range []string{"Image", "Scaling", "Ports[1].Name", "Vars[2].Value.App"} {
		if !fields[f] {
			t.Errorf("missing problem at %s; got %+v", f, probs)
		}
	}
}

func TestValidateApps(t *testing.T) {
	spec := func(Env) Spec { return goodSpec() }
	apps := []App{
		{Name: "Bad_Name", Team: "shop", Spec: spec},
		{Name: "dup", Team: "shop", Spec: spec},
		{Name: "dup", Team: "shop", Spec: spec},
		{Name: "argocd", Team: "shop", Spec: spec},
		{Name: "nospec", Team: "shop"},
		{Name: "noteam", Spec: spec},
		{Name: "1abc", Team: "shop", Spec: spec},
	}
	want := map[AppName]string{
		"Bad_Name": "not a DNS-1035 label",
		"dup":      "defined twice",
		"argocd":   "reserved",
		"nospec":   "Spec",
		"noteam":   "Team",
		"1abc":     "not a DNS-1035 label",
	}
	probs := ValidateApps(apps)
	for app, msg := range want {
		found := false
		for _, p := range probs {
			if p.App == app && (strings.Contains(p.Message, msg) || p.Field == msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want a problem about %q; got %+v", app, msg, probs)
		}
	}
}

func TestValidateEnvs(t *testing.T) {
	envs := []Env{testEnv, testEnv, {Name: "Dev", Kubernetes: "v1.30"}}
	probs := ValidateEnvs(envs)
	want := []string{"defined twice", "not a DNS-1035 label", "not a Kubernetes version", "SecretStore", "Cluster.Server"}
	for _, w := range want {
		found := false
		for _, p := range probs {
			if strings.Contains(p.Message, w) || p.Field == w {
				found = true
			}
		}
		if !found {
			t.Errorf("want a problem about %q; got %+v", w, probs)
		}
	}
}

func TestSpecPanicIsAProblem(t *testing.T) {
	app := App{Name: "boom", Team: "shop", Spec: func(Env) Spec {
		var ports []Port
		return Spec{Ports: ports[:1]} // a bug in the user's code: index out of range
	}}
	_, probs := Resolve(testEnv, []App{app})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "panicked") {
		t.Fatalf("want one problem about the panic, got %+v", probs)
	}
}

func TestNamespace(t *testing.T) {
	if got := testEnv.Namespace("api"); got != "api" {
		t.Errorf("own cluster: got %q", got)
	}
	shared := testEnv
	shared.SharedCluster = true
	if got := shared.Namespace("api"); got != "api-prod" {
		t.Errorf("shared cluster: got %q", got)
	}
}

func TestDefineRecordsTheCallersLine(t *testing.T) {
	a := Define(App{Name: "x"})
	if a.Source.File != "validate_test.go" || a.Source.Line == 0 {
		t.Fatalf("got %+v", a.Source)
	}
	if got := moduleRelative("/home/u/src/manifold/apps/myapp.go"); got != "apps/myapp.go" {
		t.Errorf("absolute path: got %q", got)
	}
	if got := moduleRelative("github.com/manifold-dev/manifold/apps/myapp.go"); got != "apps/myapp.go" {
		t.Errorf("trimmed path: got %q", got)
	}
}
