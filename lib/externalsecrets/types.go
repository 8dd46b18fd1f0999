// Package externalsecrets holds the few fields of the External Secrets
// Operator's ExternalSecret (external-secrets.io/v1) that manifold emits.
// The operator's own module is far too heavy to import for one type; the
// schema gate checks these objects against the operator's real CRD.
package externalsecrets

import (
	"embed"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Code is this package's source: what an app renders to, and so what a
// cached render holds, depends on it (see compile's renders).
//
//go:embed *.go
var Code embed.FS

// APIVersion is the group and version of the types in this package.
const APIVersion = "external-secrets.io/v1"

// ExternalSecret asks the operator to create a Secret from a secret store.
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              Spec `json:"spec"`
}

// Spec is the desired state of an ExternalSecret.
type Spec struct {
	// RefreshInterval is how often the operator re-reads the store, "1h".
	RefreshInterval string         `json:"refreshInterval,omitempty"`
	SecretStoreRef  SecretStoreRef `json:"secretStoreRef"`
	Target          Target         `json:"target"`
	Data            []Data         `json:"data"`
}

// SecretStoreRef names the store to read from.
type SecretStoreRef struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // SecretStore or ClusterSecretStore
}

// Target describes the Secret the operator creates.
type Target struct {
	Name string `json:"name"`
	// CreationPolicy "Owner" makes the ExternalSecret own the Secret, so it
	// is deleted with it.
	CreationPolicy string `json:"creationPolicy,omitempty"`
	// DeletionPolicy "Retain" keeps the Secret when the remote value is gone.
	DeletionPolicy string `json:"deletionPolicy,omitempty"`
}

// Data is one key of the Secret and where it comes from.
type Data struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef"`
}

// RemoteRef is the location of a value in the store.
type RemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}
