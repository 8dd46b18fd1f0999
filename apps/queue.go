package apps

import (
	"fmt"
	"strings"
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// Queue is the shop's message queue, a NATS JetStream cluster: a
// StatefulSet whose pods keep their streams on their own volumes and find
// each other by their stable names. myapp publishes jobs, the worker
// consumes them.
var Queue = model.Define(model.App{
	Name: "queue",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		replicas := 3
		if env.Name == "dev" {
			replicas = 1
		}
		s := model.Spec{
			Image: model.Image{Repository: "docker.io/library/nats", Tag: "2.11.4-alpine"},
			Args:  []string{"--config=/etc/nats/nats.conf"},
			Ports: []model.Port{
				{Name: "client", Container: 4222, Protocol: model.TCP},
				{Name: "cluster", Container: 6222, Protocol: model.TCP},
				{Name: "monitor", Container: 8222},
			},
			RunAsUser: 1000,
			Resources: model.Resources{
				Requests: model.Compute{CPU: "100m", Memory: "256Mi"},
				Limits:   model.Compute{Memory: "1Gi"},
			},
			Probes: model.Probes{
				Liveness:  &model.Probe{Path: "/healthz", Port: "monitor", Period: 30 * time.Second},
				Readiness: &model.Probe{Path: "/healthz?js-enabled-only=true", Port: "monitor", Period: 10 * time.Second},
				Startup:   &model.Probe{Path: "/healthz", Port: "monitor", Period: 5 * time.Second, FailureThreshold: 60},
			},
			Shutdown: &model.Shutdown{PreStop: 5 * time.Second, GracePeriod: 60 * time.Second},
			Config: model.Config{
				Data:      map[string]string{"nats.conf": natsConfig(env, replicas)},
				MountPath: "/etc/nats",
			},
			Vars: []model.Var{{Name: "POD_NAME", Value: model.FieldRef("metadata.name")}},
			Workload: model.StatefulSet{
				Volumes:        []model.VolumeClaim{{Name: "data", MountPath: "/data", StorageClass: "ssd", Size: "10Gi"}},
				PeerPorts:      []string{"cluster"},
				RetainOnDelete: env.Production,
			},
			Scaling: model.Replicas(replicas),
			Callers: []model.Caller{{App: "myapp"}, {App: "worker"}},
		}
		if replicas > 1 {
			s.Disruption = model.MaxUnavailable(1)
			s.Spread = []model.Spread{{TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, Required: true}}
		}
		return s
	},
})

// natsConfig is the queue's configuration: JetStream on the pod's volume
// and, with several replicas, the cluster routes to every pod by its
// stable name.
func natsConfig(env model.Env, replicas int) string {
	var b strings.Builder
	b.WriteString("server_name: $POD_NAME\nlisten: 0.0.0.0:4222\nhttp: 0.0.0.0:8222\njetstream {\n  store_dir: /data\n  max_file_store: 8GB\n}\n")
	if replicas > 1 {
		fmt.Fprintf(&b, "cluster {\n  name: queue-%s\n  listen: 0.0.0.0:6222\n  routes: [\n", env.Name)
		for i := range replicas {
			fmt.Fprintf(&b, "    nats://queue-%d.queue-headless.%s.svc.cluster.local:6222\n", i, env.Namespace("queue"))
		}
		b.WriteString("  ]\n}\n")
	}
	return b.String()
}
