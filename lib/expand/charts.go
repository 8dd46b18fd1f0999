package expand

import "github.com/manifold-dev/manifold/lib/model"

// The typed values of the dependency charts: only what manifold sets.

// postgresValues are values of the bitnami/postgresql chart.
type postgresValues struct {
	FullnameOverride string       `json:"fullnameOverride"`
	Auth             postgresAuth `json:"auth"`
	Primary          chartPod     `json:"primary"`
}

type postgresAuth struct {
	Username       string             `json:"username"`
	Database       string             `json:"database"`
	ExistingSecret string             `json:"existingSecret"`
	SecretKeys     postgresSecretKeys `json:"secretKeys"`
}

type postgresSecretKeys struct {
	AdminPasswordKey string `json:"adminPasswordKey"`
	UserPasswordKey  string `json:"userPasswordKey"`
}

// redisValues are values of the bitnami/redis chart.
type redisValues struct {
	FullnameOverride string    `json:"fullnameOverride"`
	Architecture     string    `json:"architecture"`
	Auth             redisAuth `json:"auth"`
	Master           chartPod  `json:"master"`
}

type redisAuth struct {
	Enabled                   bool   `json:"enabled"`
	ExistingSecret            string `json:"existingSecret"`
	ExistingSecretPasswordKey string `json:"existingSecretPasswordKey"`
}

// chartPod is the persistence and security settings of a chart's pod,
// asking for the restricted Pod Security profile the namespace enforces.
type chartPod struct {
	Persistence              persistence              `json:"persistence"`
	PodSecurityContext       podSecurityContext       `json:"podSecurityContext"`
	ContainerSecurityContext containerSecurityContext `json:"containerSecurityContext"`
}

type persistence struct {
	Enabled bool   `json:"enabled"`
	Size    string `json:"size"`
}

type podSecurityContext struct {
	Enabled bool  `json:"enabled"`
	FSGroup int64 `json:"fsGroup"`
}

type containerSecurityContext struct {
	Enabled                  bool           `json:"enabled"`
	RunAsUser                int64          `json:"runAsUser"`
	RunAsNonRoot             bool           `json:"runAsNonRoot"`
	AllowPrivilegeEscalation bool           `json:"allowPrivilegeEscalation"`
	Capabilities             capabilities   `json:"capabilities"`
	SeccompProfile           seccompProfile `json:"seccompProfile"`
}

type capabilities struct {
	Drop []string `json:"drop"`
}

type seccompProfile struct {
	Type string `json:"type"`
}

// Secret keys the dependency charts read.
const (
	KeyPassword      = "password"          // the app user's (PostgreSQL) or the only (Redis) password
	KeyAdminPassword = "postgres-password" // PostgreSQL's admin password
)

func restrictedPod(size string) chartPod {
	const uid = 1001 // the bitnami images' user
	return chartPod{
		Persistence:        persistence{Enabled: true, Size: size},
		PodSecurityContext: podSecurityContext{Enabled: true, FSGroup: uid},
		ContainerSecurityContext: containerSecurityContext{
			Enabled: true, RunAsUser: uid, RunAsNonRoot: true,
			Capabilities:   capabilities{Drop: []string{"ALL"}},
			SeccompProfile: seccompProfile{Type: "RuntimeDefault"},
		},
	}
}

// chartValues returns the Helm values of one dependency of the app.
func chartValues(in Input, d model.Dependency) any {
	release := d.ReleaseName(in.App.Name)
	if d.Kind == model.Redis {
		return redisValues{
			FullnameOverride: release,
			Architecture:     "standalone",
			Auth:             redisAuth{Enabled: true, ExistingSecret: d.Secret, ExistingSecretPasswordKey: KeyPassword},
			Master:           restrictedPod(d.Storage),
		}
	}
	return postgresValues{
		FullnameOverride: release,
		Auth: postgresAuth{
			Username: d.User, Database: d.Database, ExistingSecret: d.Secret,
			SecretKeys: postgresSecretKeys{AdminPasswordKey: KeyAdminPassword, UserPasswordKey: KeyPassword},
		},
		Primary: restrictedPod(d.Storage),
	}
}
