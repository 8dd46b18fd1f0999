package apps

import (
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// MyApp is the seed's application: its Helm values and Deployment template,
// its HPA and its PostgreSQL and Redis settings, with the database password
// read from the secret store instead of sitting in values.yaml.
var MyApp = model.Define(model.App{
	Name: "myapp",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		s := model.Spec{
			Image: model.Image{Repository: "registry.example.com/shop/myapp", Tag: "1.2.3"},
			Ports: []model.Port{{Name: "http", Container: 8080, Service: 80}},
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
				"database.host": "myapp-postgresql",
				"database.port": "5432",
				"database.name": "myapp",
				"database.user": "myapp",
				"redis.host":    "myapp-redis-master",
				"redis.port":    "6379",
				"app.debug":     "false",
				"app.logLevel":  "info",
			}},
			Secrets: []model.Secret{{
				Name: "myapp-postgresql",
				Keys: []model.SecretKey{{Key: "password", Remote: "shop/myapp/" + env.Name + "/postgresql", Property: "password"}},
			}},
			Vars: []model.Var{
				{Name: "DATABASE_HOST", Value: model.ConfigRef("database.host")},
				{Name: "DATABASE_PORT", Value: model.ConfigRef("database.port")},
				{Name: "DATABASE_NAME", Value: model.ConfigRef("database.name")},
				{Name: "DATABASE_USER", Value: model.ConfigRef("database.user")},
				{Name: "DATABASE_PASSWORD", Value: model.SecretRef{Secret: "myapp-postgresql", Key: "password"}},
				{Name: "DATABASE_URL", Value: model.Literal("postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@$(DATABASE_HOST):$(DATABASE_PORT)/$(DATABASE_NAME)")},
				{Name: "REDIS_HOST", Value: model.ConfigRef("redis.host")},
				{Name: "REDIS_PORT", Value: model.ConfigRef("redis.port")},
				{Name: "REDIS_URL", Value: model.Literal("redis://$(REDIS_HOST):$(REDIS_PORT)/0")},
				{Name: "DEBUG", Value: model.ConfigRef("app.debug")},
				{Name: "LOG_LEVEL", Value: model.ConfigRef("app.logLevel")},
				{Name: "WORKER_URL", Value: model.ServiceURL{App: "worker", Port: "http"}},
			},
			Ingress: &model.Ingress{
				Host:  "myapp." + env.Name + ".example.com",
				Port:  "http",
				Class: "nginx",
				TLS:   &model.TLS{ClusterIssuer: "letsencrypt-staging"},
			},
			Scaling:    model.Autoscale{Min: 2, Max: 10, CPU: 70},
			Disruption: model.MaxUnavailable(1),
		}
		switch env.Name {
		case "dev":
			s.Image.Tag = "1.3.0-rc.1"
			s.Resources = model.Resources{
				Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
				Limits:   model.Compute{CPU: "250m", Memory: "256Mi"},
			}
			s.Config.Data["app.debug"] = "true"
			s.Config.Data["app.logLevel"] = "debug"
			s.Scaling = model.Replicas(1)
			s.Disruption = nil
		case "prod":
			s.Ingress.Host = "myapp.example.com"
			s.Ingress.TLS.ClusterIssuer = "letsencrypt-prod"
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
