package apps

import (
	"fmt"
	"strings"
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// The platform under the apps, compiled into out/<env>/platform/ and synced
// by one platform Application per environment: a Prometheus per team, and
// the seed's log pipeline, Fluentd on every node shipping container logs to
// Elasticsearch.
var (
	// PrometheusShop scrapes the shop team's ServiceMonitors and evaluates
	// its rules; the team's apps admit its identity on their metrics ports.
	PrometheusShop = model.Define(prometheusFor("shop"))
	// PrometheusPlatform does the same for the platform's own components
	// (Fluentd's metrics, the Prometheus servers' alerts).
	PrometheusPlatform = model.Define(prometheusFor("platform"))
	// Fluentd is the seed's log shipper.
	Fluentd = model.Define(model.App{Name: "fluentd", Team: "platform", Platform: true, Spec: fluentd})
)

// grafana is the identity that queries the Prometheus servers; it runs
// outside the tree.
const grafana = "cluster.local/ns/grafana/sa/grafana"

func prometheusFor(team string) model.App {
	return model.App{
		Name:     model.AppName("prometheus-" + team),
		Team:     "platform",
		Platform: true,
		Spec: func(env model.Env) model.Spec {
			p := model.Prometheus{
				Team:      team,
				Version:   "v3.5.0",
				Retention: 3 * 24 * time.Hour,
				Storage:   model.VolumeClaim{Name: "data", StorageClass: "ssd", Size: "20Gi"},
			}
			if env.Production {
				p.Replicas, p.Retention, p.RetentionSize = 2, 15*24*time.Hour, "90GB"
				p.Storage.Size = "100Gi"
			}
			return model.Spec{
				Image:    model.Image{Repository: "quay.io/prometheus/prometheus", Tag: "v3.5.0"},
				Ports:    []model.Port{{Name: "web", Container: 9090}},
				Workload: p,
				Resources: model.Resources{
					Requests: model.Compute{CPU: "500m", Memory: "2Gi"},
					Limits:   model.Compute{Memory: "4Gi"},
				},
				Callers: []model.Caller{{Principal: grafana, Methods: []string{"GET", "POST"}, Paths: []string{"/api/v1/*"}}},
			}
		},
	}
}

// elasticsearch is where each environment's logs go.
func elasticsearch(env model.Env) (host string, port int, scheme string) {
	if env.Production {
		return "logs.example.com", 9243, "https"
	}
	return "logs-nonprod.example.com", 9243, "https"
}

func fluentd(env model.Env) model.Spec {
	host, port, scheme := elasticsearch(env)
	state := "/var/lib/fluentd/" + env.Name
	return model.Spec{
		Image: model.Image{Repository: "docker.io/fluent/fluentd-kubernetes-daemonset", Tag: "v1.18.0-debian-elasticsearch8-1.1"},
		Args:  []string{"-c", "/fluentd/etc/fluent.conf"},
		Ports: []model.Port{{Name: "metrics", Container: 24231}},
		Resources: model.Resources{
			Requests: model.Compute{CPU: "100m", Memory: "200Mi"},
			Limits:   model.Compute{Memory: "512Mi"},
		},
		Probes: model.Probes{
			Liveness:  &model.Probe{Port: "metrics", Period: 30 * time.Second},
			Readiness: &model.Probe{Path: "/metrics", Port: "metrics", Period: 10 * time.Second},
		},
		Metrics: &model.Metrics{Port: "metrics", Interval: 60 * time.Second},
		Config: model.Config{
			Data:      map[string]string{"fluent.conf": fluentConf(env, host, port, scheme)},
			MountPath: "/fluentd/etc",
		},
		Secrets: []model.Secret{{
			Name: "fluentd-elasticsearch",
			Keys: []model.SecretKey{{Key: "password", Remote: "platform/logging/" + env.Name + "/elasticsearch", Property: "password"}},
		}},
		Vars: []model.Var{
			{Name: "K8S_NODE_NAME", Value: model.FieldRef("spec.nodeName")},
			{Name: "ELASTICSEARCH_PASSWORD", Value: model.SecretRef{Secret: "fluentd-elasticsearch", Key: "password"}},
		},
		// The kubernetes_metadata filter reads pods and namespaces.
		ServiceAccountToken: true,
		ClusterAccess: []model.Access{
			{Groups: []string{""}, Resources: []string{"pods", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
		},
		Workload: model.DaemonSet{
			Tolerations: []model.Toleration{{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}},
			HostPaths: []model.HostPath{
				{Name: "varlog", Path: "/var/log", Reason: "reads the node's container logs"},
				{Name: "state", Path: state, MountPath: "/var/lib/fluentd", Writable: true, Reason: "keeps read positions and the send buffer across restarts, so no line is lost or shipped twice"},
			},
			RunAsRoot: "the container runtime writes the logs under /var/log/pods as root, mode 0640",
		},
	}
}

// fluentConf tails the container logs of the environment's namespaces
// (all of them in a cluster of its own; those ending in -<env> in a shared
// cluster), adds the pods' metadata and ships them to Elasticsearch.
func fluentConf(env model.Env, host string, port int, scheme string) string {
	files := "/var/log/containers/*.log"
	if env.SharedCluster {
		files = "/var/log/containers/*_*-" + env.Name + "_*.log"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<system>
  root_dir /var/lib/fluentd
</system>
<source>
  @type prometheus
  port 24231
  metrics_path /metrics
</source>
<source>
  @type tail
  path %s
  pos_file /var/lib/fluentd/containers.pos
  tag kubernetes.*
  read_from_head true
  <parse>
    @type cri
  </parse>
</source>
<filter kubernetes.**>
  @type kubernetes_metadata
</filter>
<match kubernetes.**>
  @type elasticsearch
  host %s
  port %d
  scheme %s
  user fluentd
  password "#{ENV['ELASTICSEARCH_PASSWORD']}"
  logstash_format true
  logstash_prefix logs-%s
  <buffer>
    @type file
    path /var/lib/fluentd/buffer
    flush_interval 5s
    retry_max_interval 30s
  </buffer>
</match>
`, files, host, port, scheme, env.Name)
	return b.String()
}
