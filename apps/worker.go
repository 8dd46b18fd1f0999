package apps

import (
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// Worker is an internal background worker with no ingress. It processes
// myapp's jobs and reports back to myapp's API; myapp calls it to enqueue.
var Worker = model.Define(model.App{
	Name: "worker",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		s := model.Spec{
			Image: model.Image{Repository: "registry.example.com/shop/worker", Tag: "0.9.2"},
			Args:  []string{"--concurrency=$(CONCURRENCY)"},
			Ports: []model.Port{{Name: "http", Container: 9090}},
			// myapp enqueues jobs; nothing else may call the worker.
			Callers: []model.Caller{{App: "myapp", Methods: []string{"POST"}, Paths: []string{"/enqueue"}}},
			Metrics: &model.Metrics{Port: "http", Interval: 60 * time.Second},
			Resources: model.Resources{
				Requests: model.Compute{CPU: "200m", Memory: "256Mi"},
				Limits:   model.Compute{Memory: "512Mi"},
			},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/livez", Port: "http", Period: 15 * time.Second},
				Readiness: &model.Probe{Path: "/readyz", Port: "http", Period: 10 * time.Second},
			},
			Shutdown: &model.Shutdown{PreStop: 2 * time.Second, GracePeriod: 120 * time.Second},
			Config: model.Config{
				Data:      map[string]string{"worker.yaml": "queue: jobs\nconcurrency: 4\nretry:\n  max: 5\n  backoff: 10s\n"},
				MountPath: "/etc/worker",
			},
			Secrets: []model.Secret{{
				Name: "worker-queue",
				Keys: []model.SecretKey{{Key: "token", Remote: "shop/worker/" + env.Name + "/queue", Property: "token"}},
			}},
			Vars: []model.Var{
				{Name: "CONFIG_FILE", Value: model.Literal("/etc/worker/worker.yaml")},
				{Name: "CONCURRENCY", Value: model.Literal("4")},
				{Name: "QUEUE_TOKEN", Value: model.SecretRef{Secret: "worker-queue", Key: "token"}},
				{Name: "MYAPP_URL", Value: model.ServiceURL{App: "myapp", Port: "http"}},
				{Name: "QUEUE_URL", Value: model.ServiceURL{App: "queue", Port: "client", Scheme: "nats"}},
			},
			Scaling: model.Replicas(1),
		}
		if env.Name == "prod" {
			s.Scaling = model.Replicas(3)
			s.Disruption = model.MinAvailable(2)
			s.Spread = []model.Spread{{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1}}
			s.Vars[1].Value = model.Literal("16")
		}
		return s
	},
})
