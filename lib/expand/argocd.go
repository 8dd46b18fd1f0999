package expand

import (
	"path"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/manifold-dev/manifold/lib/argocd"
	"github.com/manifold-dev/manifold/lib/model"
)

// ArgoFolder is the folder of each environment that holds its Argo CD
// objects, synced by the environment's root Application.
const ArgoFolder = "argocd"

// RootName is the name of the environment's root Application.
func RootName(env model.Env) string { return "root-" + env.Name }

// ApplicationName is the name of an app's Application in env. Names carry
// the environment, because environments may share one Argo CD.
func ApplicationName(env model.Env, app model.AppName) string { return string(app) + "-" + env.Name }

// ProjectName is the name of a team's AppProject in env.
func ProjectName(env model.Env, team string) string { return team + "-" + env.Name }

// Chart is a pinned Helm chart.
type Chart struct {
	Repo, Name, Version string
}

// ChartOf returns the pinned chart of a dependency kind (the seed's
// Chart.yaml).
func ChartOf(k model.DependencyKind) Chart {
	if k == model.Redis {
		return Chart{Repo: "https://charts.bitnami.com/bitnami", Name: "redis", Version: "16.9.11"}
	}
	return Chart{Repo: "https://charts.bitnami.com/bitnami", Name: "postgresql", Version: "11.6.12"}
}

// Sync waves: what must exist before the workloads that use it.
const (
	waveProjects     = "-3" // AppProjects before the Applications in them
	waveNamespace    = "-2"
	waveDependencies = "-1" // dependency Applications, and what pods need
	waveApps         = "0"
)

func (in Input) argoMeta(name string) metav1.ObjectMeta {
	return argoMeta(in.Env, name, in.Labels())
}

func argoMeta(env model.Env, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: env.GitOps.Namespace, Labels: labels}
}

// syncPolicy is the seed's: automated with prune and self-heal, namespaces
// created, foreground pruning, pruning last, and retries with backoff.
func syncPolicy() *argocd.SyncPolicy {
	return &argocd.SyncPolicy{
		Automated:   &argocd.Automated{Prune: true, SelfHeal: true, AllowEmpty: ptr(false)},
		SyncOptions: []string{"CreateNamespace=true", "PrunePropagationPolicy=foreground", "PruneLast=true"},
		Retry: &argocd.Retry{
			Limit:   5,
			Backoff: &argocd.Backoff{Duration: "5s", Factor: ptr(int64(2)), MaxDuration: "3m"},
		},
	}
}

func application(meta metav1.ObjectMeta, wave, project string, src argocd.Source, dst argocd.Destination) *argocd.Application {
	meta.Annotations = map[string]string{argocd.AnnotationSyncWave: wave}
	meta.Finalizers = []string{argocd.FinalizerResources}
	return &argocd.Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: argocd.APIVersion, Kind: "Application"},
		ObjectMeta: meta,
		Spec: argocd.ApplicationSpec{
			Project:              project,
			Source:               src,
			Destination:          dst,
			SyncPolicy:           syncPolicy(),
			RevisionHistoryLimit: ptr(int64(10)),
		},
	}
}

// Folder returns the repository path of a folder of env's tree.
func Folder(env model.Env, folder string) string {
	return path.Join(env.GitOps.Path, env.Name, folder)
}

// Application syncs the app's folder into its namespace.
func Application(in Input) *argocd.Application {
	env := in.Env
	return application(
		in.argoMeta(ApplicationName(env, in.App.Name)), waveApps, ProjectName(env, in.App.Team),
		argocd.Source{RepoURL: env.GitOps.RepoURL, TargetRevision: env.GitOps.Revision, Path: Folder(env, in.Name())},
		argocd.Destination{Server: env.Cluster.Server, Namespace: in.Namespace()},
	)
}

// DependencyApplication deploys one of the app's dependencies from its
// pinned chart into the app's namespace, with the credentials of the
// app's Secret.
func DependencyApplication(in Input, d model.Dependency) *argocd.Application {
	env := in.Env
	chart := ChartOf(d.Kind)
	release := d.ReleaseName(in.App.Name)
	labels := in.Labels()
	labels[LabelHelmInstance] = release
	return application(
		in.argoMeta(release+"-"+env.Name), waveDependencies, ProjectName(env, in.App.Team),
		argocd.Source{
			RepoURL: chart.Repo, Chart: chart.Name, TargetRevision: chart.Version,
			Helm: &argocd.Helm{ReleaseName: release, ValuesObject: chartValues(in, d)},
		},
		argocd.Destination{Server: env.Cluster.Server, Namespace: in.Namespace()},
	)
}

// Root is the environment's app of apps: it syncs the argocd folder, which
// holds itself, the projects and every other Application.
func Root(env model.Env) *argocd.Application {
	app := application(
		argoMeta(env, RootName(env), map[string]string{LabelManagedBy: ManagedBy}), waveApps, "default",
		argocd.Source{RepoURL: env.GitOps.RepoURL, TargetRevision: env.GitOps.Revision, Path: Folder(env, ArgoFolder)},
		argocd.Destination{Server: env.GitOps.Server, Namespace: env.GitOps.Namespace},
	)
	// Argo CD's own namespace exists; the root never creates it.
	app.Spec.SyncPolicy.SyncOptions = []string{"PrunePropagationPolicy=foreground", "PruneLast=true"}
	return app
}

// Project limits a team's Applications in env to the team's namespaces in
// the environment's cluster, and to the tree's repository and the charts
// its apps depend on.
func Project(w model.World, team string) *argocd.AppProject {
	env := w.Env
	repos := []string{env.GitOps.RepoURL}
	var dests []argocd.Destination
	rbac := false
	for _, a := range w.Apps {
		if a.Team != team {
			continue
		}
		rbac = rbac || needsClusterRBAC(w.Specs[a.Name])
		dests = append(dests, argocd.Destination{Server: env.Cluster.Server, Namespace: env.Namespace(a.Name)})
		for _, d := range w.Specs[a.Name].Dependencies {
			if r := ChartOf(d.Kind).Repo; !slices.Contains(repos, r) {
				repos = append(repos, r)
			}
		}
	}
	slices.Sort(repos[1:])
	cluster := []argocd.GroupKind{{Group: "", Kind: "Namespace"}}
	if rbac {
		cluster = append(cluster, argocd.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}, argocd.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"})
	}
	meta := argoMeta(env, ProjectName(env, team), map[string]string{LabelTeam: team, LabelManagedBy: ManagedBy})
	meta.Annotations = map[string]string{argocd.AnnotationSyncWave: waveProjects}
	return &argocd.AppProject{
		TypeMeta:   metav1.TypeMeta{APIVersion: argocd.APIVersion, Kind: "AppProject"},
		ObjectMeta: meta,
		Spec: argocd.AppProjectSpec{
			Description:  "Applications of team " + team + " in " + env.Name,
			SourceRepos:  repos,
			Destinations: dests,
			// The only cluster-scoped objects an app owns are its namespace,
			// and the ClusterRoles and bindings a component asks for.
			ClusterResourceWhitelist: cluster,
		},
	}
}

// Env expands the environment-wide objects of the argocd folder: the root
// Application and one AppProject per team, in team order.
func Env(w model.World) []Object {
	objs := []Object{Root(w.Env)}
	var teams []string
	for _, a := range w.Apps {
		if !slices.Contains(teams, a.Team) {
			teams = append(teams, a.Team)
		}
	}
	slices.Sort(teams)
	for _, t := range teams {
		objs = append(objs, Project(w, t))
	}
	if p := PlatformApplication(w); p != nil {
		objs = append(objs, p)
	}
	return objs
}

// Argo returns the app's objects in the argocd folder: its Application
// (none for a platform component, which the platform Application syncs) and
// one per dependency.
func Argo(in Input) []Object {
	var objs []Object
	if !in.App.Platform {
		objs = append(objs, Application(in))
	}
	for _, d := range in.Spec.Dependencies {
		objs = append(objs, DependencyApplication(in, d))
	}
	return objs
}
