package apps

import (
	"fmt"
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// The seed's databases, with their credentials in the secret store rather
// than in values.yaml.
var (
	myappPostgres = model.Dependency{Kind: model.PostgreSQL, Secret: "myapp-postgresql", Database: "myapp", User: "myapp", Storage: "20Gi"}
	myappRedis    = model.Dependency{Kind: model.Redis, Secret: "myapp-redis", Storage: "8Gi"}
)

// MyApp is the seed's application: its Helm values and Deployment template,
// its HPA, its PostgreSQL and Redis, its canary (90/10 with a header route),
// its mesh policy and its two alerts.
var MyApp = model.Define(model.App{
	Name: "myapp",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		s := model.Spec{
			Image: model.Image{Repository: "registry.example.com/shop/myapp", Tag: "1.2.3"},
			Ports: []model.Port{
				{Name: "http", Container: 8080, Service: 80},
				{Name: "metrics", Container: 9090},
			},
			Resources: model.Resources{
				Requests: model.Compute{CPU: "250m", Memory: "256Mi"},
				Limits:   model.Compute{CPU: "500m", Memory: "512Mi"},
			},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/health", Port: "http", InitialDelay: 30 * time.Second, Period: 30 * time.Second},
				Readiness: &model.Probe{Path: "/ready", Port: "http", InitialDelay: 5 * time.Second, Period: 10 * time.Second},
			},
			Shutdown: &model.Shutdown{PreStop: 5 * time.Second, GracePeriod: 30 * time.Second},
			Config: model.Config{Data: map[string]string{
				"database.host": myappPostgres.ServiceName("myapp"),
				"database.port": fmt.Sprint(myappPostgres.Port()),
				"database.name": myappPostgres.Database,
				"database.user": myappPostgres.User,
				"redis.host":    myappRedis.ServiceName("myapp"),
				"redis.port":    fmt.Sprint(myappRedis.Port()),
				"app.debug":     "false",
				"app.logLevel":  "info",
			}},
			Secrets: []model.Secret{
				{Name: "myapp-postgresql", Keys: []model.SecretKey{
					{Key: "password", Remote: "shop/myapp/" + env.Name + "/postgresql", Property: "password"},
					{Key: "postgres-password", Remote: "shop/myapp/" + env.Name + "/postgresql", Property: "admin-password"},
				}},
				{Name: "myapp-redis", Keys: []model.SecretKey{
					{Key: "password", Remote: "shop/myapp/" + env.Name + "/redis", Property: "password"},
				}},
			},
			Dependencies: []model.Dependency{myappPostgres, myappRedis},
			Vars: []model.Var{
				{Name: "DATABASE_HOST", Value: model.ConfigRef("database.host")},
				{Name: "DATABASE_PORT", Value: model.ConfigRef("database.port")},
				{Name: "DATABASE_NAME", Value: model.ConfigRef("database.name")},
				{Name: "DATABASE_USER", Value: model.ConfigRef("database.user")},
				{Name: "DATABASE_PASSWORD", Value: model.SecretRef{Secret: "myapp-postgresql", Key: "password"}},
				{Name: "DATABASE_URL", Value: model.Literal("postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@$(DATABASE_HOST):$(DATABASE_PORT)/$(DATABASE_NAME)")},
				{Name: "REDIS_HOST", Value: model.ConfigRef("redis.host")},
				{Name: "REDIS_PORT", Value: model.ConfigRef("redis.port")},
				{Name: "REDIS_PASSWORD", Value: model.SecretRef{Secret: "myapp-redis", Key: "password"}},
				{Name: "REDIS_URL", Value: model.Literal("redis://:$(REDIS_PASSWORD)@$(REDIS_HOST):$(REDIS_PORT)/0")},
				{Name: "DEBUG", Value: model.ConfigRef("app.debug")},
				{Name: "LOG_LEVEL", Value: model.ConfigRef("app.logLevel")},
				{Name: "WORKER_URL", Value: model.ServiceURL{App: "worker", Port: "http"}},
				{Name: "QUEUE_URL", Value: model.ServiceURL{App: "queue", Port: "client", Scheme: "nats"}},
			},
			Ingress: &model.Ingress{
				Host:  "myapp." + env.Name + ".example.com",
				Port:  "http",
				Class: "nginx",
				TLS:   &model.TLS{ClusterIssuer: "letsencrypt-staging"},
			},
			Scaling:    model.Autoscale{Min: 2, Max: 10, CPU: 70},
			Disruption: model.MaxUnavailable(1),
			Canary: &model.Canary{
				Tag:      "1.3.0-rc.1",
				Weight:   10,
				Header:   &model.HeaderMatch{Name: "canary", Value: "true"},
				Replicas: 1,
			},
			// The seed's AuthorizationPolicy, as it was meant: the frontend,
			// for GET and POST on /api/*, for admins and users.
			Callers: []model.Caller{
				{
					App:     "frontend",
					Methods: []string{"GET", "POST"},
					Paths:   []string{"/api/*"},
					When:    []model.Condition{{Key: "request.headers[user-role]", Values: []string{"admin", "user"}}},
				},
				{App: "worker", Methods: []string{"POST"}, Paths: []string{"/api/jobs/*"}},
				{App: "reports", Methods: []string{"GET"}, Paths: []string{"/api/reports/*"}},
			},
			// The seed's DestinationRule.
			Traffic: model.Traffic{
				ConnectionPool: &model.ConnectionPool{MaxConnections: 10, MaxPendingRequests: 10, MaxRequestsPerConnection: 2},
				Outlier:        &model.Outlier{Consecutive5xx: 3, Interval: 30 * time.Second, Ejection: 30 * time.Second},
			},
			Metrics: &model.Metrics{Port: "metrics", Path: "/metrics", Interval: 30 * time.Second},
			// The seed's VerticalPodAutoscaler acted on CPU and memory in
			// mode Auto while an HPA scaled on CPU: the two fight. Here it
			// only recommends where the HPA runs, and acts where it does not.
			VerticalScaling: &model.VerticalScaling{
				Mode: model.VPAOff, CPU: true, Memory: true,
				Min: model.Compute{CPU: "100m", Memory: "128Mi"},
				Max: model.Compute{CPU: "2", Memory: "2Gi"},
			},
			// The seed's PrometheusRule, restricted to this app's job,
			// namespace and containers.
			Alerts: []model.Alert{
				{
					Name: "HighErrorRate",
					Expr: func(sel model.Selectors) string {
						return fmt.Sprintf(`rate(http_requests_total{%s,status=~"5.."}[5m]) > 0.1`, sel.App)
					},
					For:         5 * time.Minute,
					Severity:    model.Critical,
					Summary:     "High error rate detected",
					Description: "Error rate is {{ $value }} requests per second",
				},
				{
					Name: "HighMemoryUsage",
					Expr: func(sel model.Selectors) string {
						return fmt.Sprintf(`container_memory_usage_bytes{%s} / container_spec_memory_limit_bytes{%s} > 0.9`, sel.Container, sel.Container)
					},
					For:         2 * time.Minute,
					Severity:    model.Warning,
					Summary:     "High memory usage",
					Description: "Memory usage is at {{ $value | humanizePercentage }}",
				},
			},
		}
		switch env.Name {
		case "dev":
			s.Image.Tag = "1.3.0-rc.1"
			s.Canary = nil // dev runs the release candidate outright
			s.Resources = model.Resources{
				Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
				Limits:   model.Compute{CPU: "250m", Memory: "256Mi"},
			}
			s.Config.Data["app.debug"] = "true"
			s.Config.Data["app.logLevel"] = "debug"
			s.Scaling = model.Replicas(1)
			s.Disruption = nil
			s.VerticalScaling.Mode = model.VPAInPlaceOrRecreate // no HPA in dev
		case "staging":
			s.Canary.Weight = 50
		case "prod":
			s.Ingress.Host = "myapp.example.com"
			s.Ingress.TLS.ClusterIssuer = "letsencrypt-prod"
			s.Canary.Replicas = 2
			s.Spread = []model.Spread{{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1}}
			// The seed's hpa.yaml.
			s.Scaling = model.Autoscale{
				Min: 2, Max: 20, CPU: 70, Memory: 80,
				PerPod: []model.PodMetric{{Name: "http_requests_per_second", AverageValue: "1000"}},
				ScaleUp: &model.ScalingRules{
					StabilizationWindow: 60 * time.Second,
					Policies: []model.ScalingPolicy{
						{Percent: true, Value: 100, Period: 60 * time.Second},
						{Value: 2, Period: 60 * time.Second},
					},
					Select: "Max",
				},
				ScaleDown: &model.ScalingRules{
					StabilizationWindow: 300 * time.Second,
					Policies:            []model.ScalingPolicy{{Percent: true, Value: 10, Period: 60 * time.Second}},
				},
			}
		}
		return s
	},
})
