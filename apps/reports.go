package apps

import (
	"time"

	"github.com/manifold-dev/manifold/lib/model"
)

// Reports is the nightly sales report: a CronJob that reads the day's
// orders from myapp's API and mails the report. It runs in the mesh with a
// native sidecar, so its calls keep mTLS and the Job still completes.
var Reports = model.Define(model.App{
	Name: "reports",
	Team: "shop",
	Spec: func(env model.Env) model.Spec {
		return model.Spec{
			Image: model.Image{Repository: "registry.example.com/shop/reports", Tag: "1.0.4"},
			Args:  []string{"--since=24h", "--api=$(MYAPP_URL)"},
			Resources: model.Resources{
				Requests: model.Compute{CPU: "100m", Memory: "128Mi"},
				Limits:   model.Compute{Memory: "512Mi"},
			},
			Vars: []model.Var{
				{Name: "MYAPP_URL", Value: model.ServiceURL{App: "myapp", Port: "http"}},
				{Name: "SMTP_PASSWORD", Value: model.SecretRef{Secret: "reports-smtp", Key: "password"}},
			},
			Secrets: []model.Secret{{
				Name: "reports-smtp",
				Keys: []model.SecretKey{{Key: "password", Remote: "shop/reports/" + env.Name + "/smtp", Property: "password"}},
			}},
			Workload: model.CronJob{
				Schedule:         "30 2 * * *",
				TimeZone:         "Europe/Berlin",
				StartingDeadline: 10 * time.Minute,
				Run:              model.JobRun{Deadline: time.Hour, Retries: 2, TTL: 24 * time.Hour},
				// A nightly run: a day and two hours without success is late.
				MaxAge: 26 * time.Hour,
			},
		}
	},
})
