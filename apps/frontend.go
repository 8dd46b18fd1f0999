package apps

import (
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// Frontend is the public web front end; it calls myapp's API.
var Frontend = model.Define(model.App{
	Name: "frontend",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		s := model.Spec{
			Image:   model.Image{Repository: "registry.example.com/shop/frontend", Tag: "2.4.1"},
			Ports:   []model.Port{{Name: "http", Container: 3000, Service: 80}, {Name: "metrics", Container: 9100}},
			Metrics: &model.Metrics{Port: "metrics", Interval: 30 * time.Second},
			Resources: model.Resources{
				Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
				Limits:   model.Compute{CPU: "500m", Memory: "256Mi"},
			},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/healthz", Port: "http", Period: 20 * time.Second},
				Readiness: &model.Probe{Path: "/ready", Port: "http", Period: 5 * time.Second},
				Startup:   &model.Probe{Path: "/healthz", Port: "http", Period: 2 * time.Second, FailureThreshold: 30},
			},
			Shutdown: &model.Shutdown{PreStop: 5 * time.Second, GracePeriod: 20 * time.Second},
			Vars: []model.Var{
				{Name: "API_URL", Value: model.ServiceURL{App: "myapp", Port: "http"}},
				{Name: "POD_NAMESPACE", Value: model.FieldRef("metadata.namespace")},
				{Name: "NODE_ENV", Value: model.Literal("production")},
			},
			Ingress: &model.Ingress{
				Host:  "www." + env.Name + ".example.com",
				Port:  "http",
				Class: "nginx",
				TLS:   &model.TLS{ClusterIssuer: "letsencrypt-staging"},
			},
			Scaling:    model.Replicas(2),
			Disruption: model.MaxUnavailable(1),
		}
		switch env.Name {
		case "dev":
			s.Scaling = model.Replicas(1)
			s.Disruption = nil
			s.Vars[2].Value = model.Literal("development")
		case "staging":
			s.Canary = &model.Canary{Tag: "2.5.0-beta.2", Weight: 0, Header: &model.HeaderMatch{Name: "x-canary", Value: "always"}, Replicas: 1}
		case "prod":
			s.Ingress.Host = "www.example.com"
			s.Ingress.TLS.ClusterIssuer = "letsencrypt-prod"
			s.Scaling = model.Autoscale{Min: 3, Max: 12, CPU: 60}
			s.Spread = []model.Spread{
				{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1},
				{TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, Required: true},
			}
		}
		return s
	},
})
