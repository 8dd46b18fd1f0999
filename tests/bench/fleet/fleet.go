// Package fleet generates a synthetic fleet of apps with the variety of the
// examples (canary or not, ingress or not, autoscaling and vertical
// scaling, alerts, dependencies, callers, StatefulSets and CronJobs, and a
// Prometheus per team as platform components), deterministic for a given
// size and seed, for the benchmarks.
package fleet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// Teams is the number of teams the apps belong to.
const Teams = 20

// Apps returns n apps, then the platform: one Prometheus per team that has
// an app, and one for the platform team. Every app is valid in every environment of apps.Envs(); app i
// may call app i-1.
func Apps(n int, seed uint64) []model.App {
	out := make([]model.App, 0, n+Teams+1)
	for i := 0; i < n; i++ {
		out = append(out, app(i, n, seed))
	}
	for t := 0; t < min(n, Teams); t++ {
		out = append(out, prometheus(team(t)))
	}
	// The platform's own Prometheus evaluates the servers' alerts.
	return append(out, prometheus("platform"))
}

// isBatch reports whether app i is a CronJob, which serves no port.
func isBatch(i int) bool { return i%15 == 7 }

// Scalable reports whether app i has replicas (fixed or autoscaled) for
// EditScale to change, alerts for EditAlert and ports for EditPort: a
// CronJob has none of them.
func Scalable(i int) bool { return !isBatch(i) }

func team(i int) string { return fmt.Sprintf("team-%02d", i%Teams) }

// prometheus is a team's Prometheus, a platform component.
func prometheus(team string) model.App {
	return model.App{
		Name:     model.AppName("prometheus-" + team),
		Team:     "platform",
		Platform: true,
		Source:   model.Source{File: "tests/bench/fleet/fleet.go", Line: 40},
		Spec: func(env model.Env) model.Spec {
			return model.Spec{
				Image: model.Image{Repository: "quay.io/prometheus/prometheus", Tag: "v3.5.0"},
				Ports: []model.Port{{Name: "web", Container: 9090}},
				Resources: model.Resources{
					Requests: model.Compute{CPU: "500m", Memory: "2Gi"},
					Limits:   model.Compute{Memory: "4Gi"},
				},
				Workload: model.Prometheus{Team: team, Version: "v3.5.0", Retention: 72 * time.Hour,
					Storage: model.VolumeClaim{StorageClass: "ssd", Size: "20Gi"}},
			}
		},
	}
}

// Edit returns apps with the named one edited as a change to one app would
// be: its LOG_LEVEL variable is debug instead of info.
func Edit(apps []model.App, name model.AppName) []model.App {
	return editSpec(apps, name, func(s *model.Spec) {
		s.Vars = slices.Clone(s.Vars)
		for j, v := range s.Vars {
			if v.Name == "LOG_LEVEL" {
				s.Vars[j].Value = model.Literal("debug")
			}
		}
	})
}

// EditRequest returns apps with the named one's memory request 130Mi
// instead of 128Mi: a change to its objects that, like a LOG_LEVEL's, the
// graph rules do not see (they see which resources are requested, not how
// much).
func EditRequest(apps []model.App, name model.AppName) []model.App {
	return editSpec(apps, name, func(s *model.Spec) { s.Resources.Requests.Memory = "130Mi" })
}

// EditScale returns apps with the named one edited as a change the graph
// rules see would be: one more replica, or for an autoscaled app one more
// at most (the rules compare replicas with disruption budgets and
// autoscalers).
func EditScale(apps []model.App, name model.AppName) []model.App {
	return editSpec(apps, name, func(s *model.Spec) {
		switch sc := s.Scaling.(type) {
		case model.Replicas:
			s.Scaling = sc + 1
		case model.Autoscale:
			sc.Max++
			s.Scaling = sc
		}
	})
}

// EditAlert returns apps with the named one's alerts holding five minutes
// longer before they fire: a change to its PrometheusRule alone, which the
// graph rules see (they check an alert's expression against what is
// scraped).
func EditAlert(apps []model.App, name model.AppName) []model.App {
	return editSpec(apps, name, func(s *model.Spec) {
		s.Alerts = slices.Clone(s.Alerts)
		for j := range s.Alerts {
			s.Alerts[j].For += 5 * time.Minute
		}
	})
}

// EditPort returns apps with the named one's first container port one
// higher, its Service's port unchanged: a change to its Deployment,
// NetworkPolicies and AuthorizationPolicies, which most graph rules see.
func EditPort(apps []model.App, name model.AppName) []model.App {
	return editSpec(apps, name, func(s *model.Spec) {
		s.Ports = slices.Clone(s.Ports)
		if len(s.Ports) > 0 {
			if s.Ports[0].Service == 0 {
				s.Ports[0].Service = s.Ports[0].Container // the Service keeps its port
			}
			s.Ports[0].Container++
		}
	})
}

// editSpec returns apps with the named one's Spec changed by edit in
// every environment.
func editSpec(apps []model.App, name model.AppName, edit func(*model.Spec)) []model.App {
	out := slices.Clone(apps)
	for i, a := range out {
		if a.Name != name {
			continue
		}
		spec := a.Spec
		out[i].Spec = func(env model.Env) model.Spec {
			s := spec(env)
			edit(&s)
			return s
		}
	}
	return out
}

// Name is the name of app i.
func Name(i int) model.AppName { return model.AppName(fmt.Sprintf("svc-%04d", i)) }

func app(i, n int, seed uint64) model.App {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	name := Name(i)
	team := team(i)
	stateful := i%10 == 5
	batch := isBatch(i)
	public := r.IntN(3) == 0
	canary := r.IntN(3) == 0
	autoscale := r.IntN(2) == 0
	withDB := r.IntN(4) == 0
	withRedis := r.IntN(5) == 0
	calls := i > 0 && r.IntN(2) == 0 && !isBatch(i-1)
	tag := fmt.Sprintf("1.%d.%d", r.IntN(20), r.IntN(10))
	return model.App{
		Name:   name,
		Team:   team,
		Source: model.Source{File: "tests/bench/fleet/fleet.go", Line: 40},
		Spec: func(env model.Env) model.Spec {
			s := model.Spec{
				Image: model.Image{Repository: "registry.example.com/" + team + "/" + string(name), Tag: tag},
				Ports: []model.Port{{Name: "http", Container: 8080, Service: 80}, {Name: "metrics", Container: 9090}},
				Resources: model.Resources{
					Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
					Limits:   model.Compute{CPU: "500m", Memory: "256Mi"},
				},
				Probes: model.Probes{
					Liveness:  &model.Probe{Path: "/healthz", Port: "http", Period: 20 * time.Second},
					Readiness: &model.Probe{Path: "/ready", Port: "http", Period: 5 * time.Second},
				},
				Shutdown: &model.Shutdown{PreStop: 5 * time.Second, GracePeriod: 30 * time.Second},
				Config:   model.Config{Data: map[string]string{"app.yaml": fmt.Sprintf("name: %s\nenv: %s\nworkers: %d\n", name, env.Name, 2+i%7)}, MountPath: "/etc/app"},
				Secrets:  []model.Secret{{Name: string(name) + "-api", Keys: []model.SecretKey{{Key: "token", Remote: string(team) + "/" + string(name) + "/" + env.Name}}}},
				Vars: []model.Var{
					{Name: "LOG_LEVEL", Value: model.Literal("info")},
					{Name: "API_TOKEN", Value: model.SecretRef{Secret: string(name) + "-api", Key: "token"}},
					{Name: "WORKERS", Value: model.ConfigRef("app.yaml")},
				},
				Scaling:    model.Replicas(2),
				Disruption: model.MaxUnavailable(1),
				Metrics:    &model.Metrics{Port: "metrics", Interval: 30 * time.Second},
				Spread:     []model.Spread{{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1}},
				Alerts: []model.Alert{{
					Name: "SlowRequests",
					Expr: func(sel model.Selectors) string {
						return fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m]))) > 0.5`, sel.App)
					},
					For: 10 * time.Minute, Severity: model.Warning,
					Summary: "p99 latency above 500ms", Description: "p99 is {{ $value }}s",
				}},
			}
			if autoscale {
				s.Scaling = model.Autoscale{Min: 2, Max: 10, CPU: 70}
				s.VerticalScaling = &model.VerticalScaling{Mode: model.VPAOff, CPU: true, Memory: true}
			}
			switch {
			case batch:
				// A nightly job: no ports, no probes, no traffic.
				s.Ports, s.Probes, s.Scaling, s.Disruption, s.Metrics, s.Spread, s.Shutdown, s.VerticalScaling = nil, model.Probes{}, nil, nil, nil, nil, nil, nil
				s.Alerts = nil
				s.Workload = model.CronJob{Schedule: fmt.Sprintf("%d 2 * * *", i%60), Run: model.JobRun{Deadline: time.Hour, Retries: 1}, MaxAge: 26 * time.Hour}
				if calls {
					s.Vars = append(s.Vars, model.Var{Name: "UPSTREAM_URL", Value: model.ServiceURL{App: Name(i - 1), Port: "http"}})
				}
				return s
			case stateful:
				s.Scaling = model.Replicas(3)
				s.Workload = model.StatefulSet{Volumes: []model.VolumeClaim{{Name: "data", MountPath: "/data", StorageClass: "ssd", Size: "10Gi"}}}
				public, canary = false, false
			}
			if public {
				s.Ingress = &model.Ingress{Host: string(name) + "." + env.Name + ".example.com", Port: "http", Class: "nginx", TLS: &model.TLS{ClusterIssuer: "letsencrypt"}}
			}
			if canary && env.Name != "dev" {
				s.Canary = &model.Canary{Tag: tag + "-rc.1", Weight: 10, Header: &model.HeaderMatch{Name: "canary", Value: "true"}, Replicas: 1}
			}
			if calls {
				s.Vars = append(s.Vars, model.Var{Name: "UPSTREAM_URL", Value: model.ServiceURL{App: Name(i - 1), Port: "http"}})
			}
			if i+1 < n && !isBatch(i+1) {
				// app i+1 may call this one; admit it whether or not it does.
				s.Callers = []model.Caller{{App: Name(i + 1), Methods: []string{"GET", "POST"}}}
			}
			if withDB {
				s.Secrets = append(s.Secrets, model.Secret{Name: string(name) + "-db", Keys: []model.SecretKey{
					{Key: "password", Remote: string(name) + "/db", Property: "password"},
					{Key: "postgres-password", Remote: string(name) + "/db", Property: "admin"},
				}})
				s.Dependencies = append(s.Dependencies, model.Dependency{Kind: model.PostgreSQL, Secret: string(name) + "-db", Database: "app", User: "app", Storage: "10Gi"})
			}
			if withRedis {
				s.Secrets = append(s.Secrets, model.Secret{Name: string(name) + "-redis", Keys: []model.SecretKey{{Key: "password", Remote: string(name) + "/redis"}}})
				s.Dependencies = append(s.Dependencies, model.Dependency{Kind: model.Redis, Secret: string(name) + "-redis", Storage: "1Gi"})
			}
			return s
		},
	}
}
