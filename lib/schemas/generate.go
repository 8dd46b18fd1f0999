package schemas

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/manifold-dev/manifold/lib/model"
)

// Pins are the versions the schema set must cover: every Kubernetes
// version and every component version some environment pins.
type Pins struct {
	Kubernetes []string
	Components []model.Versions
}

// PinsOf collects the pins of the environments, without repeats, sorted.
func PinsOf(envs []model.Env) Pins {
	var p Pins
	for _, e := range envs {
		if !slices.Contains(p.Kubernetes, e.Kubernetes) {
			p.Kubernetes = append(p.Kubernetes, e.Kubernetes)
		}
		if !slices.Contains(p.Components, e.Versions) {
			p.Components = append(p.Components, e.Versions)
		}
	}
	slices.Sort(p.Kubernetes)
	return p
}

// ModuleFinder returns the folder of a module version.
type ModuleFinder func(ctx context.Context, module, version string) (string, error)

// Generate builds every schema file for the pins, by slash path relative
// to schemas/.
func Generate(ctx context.Context, pins Pins, find ModuleFinder) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, v := range pins.Kubernetes {
		dir, err := find(ctx, "k8s.io/kubernetes", "v"+v)
		if err != nil {
			return nil, err
		}
		swagger, err := os.ReadFile(filepath.Join(dir, "api", "openapi-spec", "swagger.json"))
		if err != nil {
			return nil, fmt.Errorf("kubernetes %s: %w", v, err)
		}
		kinds, err := Kubernetes(swagger)
		if err != nil {
			return nil, fmt.Errorf("kubernetes %s: %w", v, err)
		}
		for name, b := range kinds {
			files[path.Join(KubernetesFolder(v), name)] = b
		}
	}
	done := map[string]bool{}
	for _, comp := range pins.Components {
		for _, src := range CRDSources(comp) {
			if done[src.Folder()] {
				continue
			}
			done[src.Folder()] = true
			dir, err := find(ctx, src.Module, src.Version)
			if err != nil {
				return nil, err
			}
			n := 0
			matches, err := src.Files(dir)
			if err != nil {
				return nil, err
			}
			for _, m := range matches {
				data, err := os.ReadFile(m)
				if err != nil {
					return nil, err
				}
				rel, _ := filepath.Rel(dir, m)
				crds, err := CRDs(src.Module+"@"+src.Version+"/"+filepath.ToSlash(rel), data)
				if err != nil {
					return nil, err
				}
				for name, b := range crds {
					p := path.Join("crds", src.Folder(), name)
					if _, dup := files[p]; dup {
						return nil, fmt.Errorf("%s is defined twice in %s", name, src.Folder())
					}
					files[p] = b
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("%s@%s: no CRDs in %v", src.Module, src.Version, src.Globs)
			}
		}
	}
	return files, nil
}
