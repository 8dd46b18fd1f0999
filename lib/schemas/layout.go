package schemas

import (
	"context"
	_ "embed" // the layout's source identifies it to caches
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/manifold-dev/manifold/lib/model"
)

// LayoutSource is this file's source: where a schema is looked for is part
// of what a cached verdict depends on (see validate.Identity).
//
//go:embed layout.go
var LayoutSource []byte

// Source is a Go module that ships CustomResourceDefinitions.
type Source struct {
	// Name names the source's folder, with its version: "istio-1.32.0".
	Name    string
	Module  string
	Version string   // the module version, "v1.32.0"
	Globs   []string // the CRD files inside the module
}

// Folder is the source's folder under schemas/crds/.
func (s Source) Folder() string { return s.Name + "-" + strings.TrimPrefix(s.Version, "v") }

// Files returns the CRD files of the source inside its module's folder dir,
// sorted.
func (s Source) Files(dir string) ([]string, error) {
	var files []string
	for _, glob := range s.Globs {
		matches, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(glob)))
		if err != nil {
			return nil, err
		}
		files = append(files, matches...)
	}
	slices.Sort(files)
	return files, nil
}

// CRDSources returns the modules that hold the CRDs of the components the
// environment pins: Istio, Prometheus Operator, Argo CD, External Secrets and
// the VerticalPodAutoscaler.
func CRDSources(v model.Versions) []Source {
	return []Source{
		{Name: "istio", Module: "istio.io/api", Version: "v" + v.Istio, Globs: []string{"kubernetes/customresourcedefinitions.gen.yaml"}},
		{Name: "prometheus-operator", Module: "github.com/prometheus-operator/prometheus-operator", Version: "v" + v.PrometheusOperator, Globs: []string{"example/prometheus-operator-crd/*.yaml"}},
		{Name: "argocd", Module: "github.com/argoproj/argo-cd/v3", Version: "v" + v.ArgoCD, Globs: []string{"manifests/crds/*-crd.yaml"}},
		{Name: "external-secrets", Module: "github.com/external-secrets/external-secrets", Version: "v" + v.ExternalSecrets, Globs: []string{"config/crds/bases/*.yaml"}},
		{Name: "vertical-pod-autoscaler", Module: "k8s.io/autoscaler/vertical-pod-autoscaler", Version: "v" + v.VerticalPodAutoscaler, Globs: []string{"deploy/vpa-v1-crd-gen.yaml"}},
	}
}

// KubernetesFolder is the folder of one Kubernetes version's built-in
// kinds under schemas/, as kubeconform names it.
func KubernetesFolder(version string) string {
	return path.Join("kubernetes", "v"+version+"-standalone-strict")
}

// Locations returns kubeconform schema-location templates, under dir, that
// find every kind an environment pinned to these versions may hold: the
// built-in kinds of its Kubernetes version, then the CRDs of its components.
func Locations(dir, kubernetes string, v model.Versions) []string {
	locs := []string{filepath.Join(dir, "kubernetes", "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}", "{{ .ResourceKind }}{{ .KindSuffix }}.json")}
	for _, s := range CRDSources(v) {
		locs = append(locs, filepath.Join(dir, "crds", s.Folder(), "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
	}
	return locs
}

// KubeconformFlags returns the flags that point kubeconform's command at
// dir for an environment pinned to these versions: its Kubernetes version
// and a -schema-location for each of Locations.
func KubeconformFlags(dir, kubernetes string, v model.Versions) []string {
	flags := []string{"-kubernetes-version", kubernetes}
	for _, loc := range Locations(dir, kubernetes, v) {
		flags = append(flags, "-schema-location", loc)
	}
	return flags
}

// ModuleDir returns the folder of a module version in the module cache,
// downloading it through the module proxy when needed.
func ModuleDir(ctx context.Context, module, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, err, ee.Stderr)
		}
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no folder in its answer", module, version)
	}
	return info.Dir, nil
}

// Newest returns the newest Kubernetes version and component versions that
// have schemas under dir: the defaults for YAML that names no environment.
func Newest(dir string) (kubernetes string, v model.Versions, err error) {
	kube, err := versionsIn(filepath.Join(dir, "kubernetes"), "v", "-standalone-strict")
	if err != nil {
		return "", v, err
	}
	if len(kube) == 0 {
		return "", v, fmt.Errorf("no Kubernetes schemas in %s: run go run ./cmd/schemas", dir)
	}
	for _, c := range model.Components {
		found, err := versionsIn(filepath.Join(dir, "crds"), c.Name+"-", "")
		if err != nil {
			return "", v, err
		}
		if len(found) > 0 {
			*c.Version(&v) = found[len(found)-1]
		}
	}
	return kube[len(kube)-1], v, nil
}

// versionsIn lists the versions in the names of dir's folders that have
// prefix and suffix, oldest first.
func versionsIn(dir, prefix, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read schemas: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		v := strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix)
		if semver.IsValid("v" + v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return semver.Compare("v"+a, "v"+b) })
	return out, nil
}
