// Package argocd holds the few fields of Argo CD's Application and
// AppProject (argoproj.io/v1alpha1) that manifold emits. Argo CD's own Go
// module is far too heavy to import for two types; the schema gate checks
// these objects against Argo CD's real CRDs.
package argocd

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
const APIVersion = "argoproj.io/v1alpha1"

// Annotations and finalizers Argo CD reads.
const (
	// AnnotationSyncWave orders the objects of one sync: lower waves are
	// applied, and must be healthy, first.
	AnnotationSyncWave = "argocd.argoproj.io/sync-wave"
	// AnnotationHook makes an object a hook of a sync phase (PreSync,
	// Sync, PostSync, …) instead of a resource kept in sync.
	AnnotationHook = "argocd.argoproj.io/hook"
	// AnnotationHookDeletePolicy says when a hook object is deleted;
	// BeforeHookCreation deletes the last one before the next is created.
	AnnotationHookDeletePolicy = "argocd.argoproj.io/hook-delete-policy"
	// FinalizerResources makes deleting an Application delete its objects,
	// in foreground (dependents first). It is the domain-qualified form of
	// the bare "resources-finalizer.argocd.argoproj.io", which the API
	// server warns about.
	FinalizerResources = "resources-finalizer.argocd.argoproj.io/foreground"
)

// Application syncs one source into one destination.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSpec `json:"spec"`
}

// ApplicationSpec is what an Application syncs, where, and how.
type ApplicationSpec struct {
	Project     string      `json:"project"`
	Source      Source      `json:"source"`
	Destination Destination `json:"destination"`
	SyncPolicy  *SyncPolicy `json:"syncPolicy,omitempty"`
	// RevisionHistoryLimit is how many synced revisions Argo CD keeps.
	RevisionHistoryLimit *int64 `json:"revisionHistoryLimit,omitempty"`
}

// Source is a folder of a Git repository, or a Helm chart of a chart
// repository (Chart set, Path empty).
type Source struct {
	RepoURL        string `json:"repoURL"`
	TargetRevision string `json:"targetRevision"`
	Path           string `json:"path,omitempty"`
	Chart          string `json:"chart,omitempty"`
	Helm           *Helm  `json:"helm,omitempty"`
	Directory      *Dir   `json:"directory,omitempty"`
}

// Dir configures a plain-manifest folder source.
type Dir struct {
	// Recurse reads subfolders too.
	Recurse bool `json:"recurse"`
}

// Helm configures a Helm chart source.
type Helm struct {
	ReleaseName string `json:"releaseName,omitempty"`
	// ValuesObject is the chart's values, as a typed value marshalled to
	// a JSON object.
	ValuesObject any `json:"valuesObject,omitempty"`
}

// Destination is a cluster and a namespace.
type Destination struct {
	Server    string `json:"server"`
	Namespace string `json:"namespace,omitempty"`
}

// SyncPolicy controls automated sync.
type SyncPolicy struct {
	Automated   *Automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions,omitempty"`
	Retry       *Retry     `json:"retry,omitempty"`
}

// Automated sync: prune deleted objects, undo drift in the cluster.
type Automated struct {
	Prune      bool  `json:"prune"`
	SelfHeal   bool  `json:"selfHeal"`
	AllowEmpty *bool `json:"allowEmpty,omitempty"`
}

// Retry retries a failed sync with backoff.
type Retry struct {
	Limit   int64    `json:"limit"`
	Backoff *Backoff `json:"backoff,omitempty"`
}

// Backoff is an exponential backoff.
type Backoff struct {
	Duration    string `json:"duration"`
	Factor      *int64 `json:"factor,omitempty"`
	MaxDuration string `json:"maxDuration"`
}

// AppProject limits what its Applications may sync, from where, to where.
type AppProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              AppProjectSpec `json:"spec"`
}

// AppProjectSpec is the project's restrictions.
type AppProjectSpec struct {
	Description                string        `json:"description,omitempty"`
	SourceRepos                []string      `json:"sourceRepos"`
	Destinations               []Destination `json:"destinations"`
	ClusterResourceWhitelist   []GroupKind   `json:"clusterResourceWhitelist,omitempty"`
	NamespaceResourceBlacklist []GroupKind   `json:"namespaceResourceBlacklist,omitempty"`
}

// GroupKind names a kind of object.
type GroupKind struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
}
