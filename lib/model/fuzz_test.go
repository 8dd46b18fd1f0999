package model

import (
	"testing"
	"time"
)

// FuzzValidateSpec validates arbitrary definitions: never a panic, and a
// problem always names its field.
func FuzzValidateSpec(f *testing.F) {
	f.Add("registry.example.com/api", "1.0.0", "http", int32(8080), int32(80), "100m", "128Mi", "256Mi", "/healthz", int64(10), int32(2), int32(5), int32(70), "api.example.com", "LEVEL", "info")
	f.Add("", "latest", "Http_Port", int32(-1), int32(70000), "lots", "-1", "", "health", int64(-3), int32(5), int32(2), int32(0), "API..com", "1BAD", "")
	f.Fuzz(func(t *testing.T, repo, tag, port string, container, service int32, cpu, mem, limit, path string, period int64, lo, hi, target int32, host, varName, varValue string) {
		s := Spec{
			Image:     Image{Repository: repo, Tag: tag},
			Ports:     []Port{{Name: port, Container: container, Service: service}},
			Resources: Resources{Requests: Compute{CPU: cpu, Memory: mem}, Limits: Compute{Memory: limit}},
			Probes: Probes{
				Liveness:  &Probe{Path: path, Port: port, Period: time.Duration(period) * time.Millisecond},
				Readiness: &Probe{Path: path, Port: port},
			},
			Vars:    []Var{{Name: varName, Value: Literal(varValue)}},
			Scaling: Autoscale{Min: lo, Max: hi, CPU: target},
			Ingress: &Ingress{Host: host, Port: port, Class: "nginx"},
			Canary:  &Canary{Tag: tag + "-rc", Weight: target, Replicas: lo},
		}
		app := App{Name: "api", Team: "shop", Spec: func(Env) Spec { return s }}
		w, _ := Resolve(testEnv, []App{app})
		for _, p := range ValidateSpec(w, app) {
			if p.Field == "" || p.Message == "" || p.App != "api" || p.Env != testEnv.Name {
				t.Errorf("problem without its field or location: %+v", p)
			}
		}
	})
}
