package diff

import (
	"context"
	"maps"
	"slices"

	"github.com/manifold-dev/manifold/lib/gittree"
	"github.com/manifold-dev/manifold/lib/tree"
)

// Compiled compares a compiled tree with the tree under dir: on disk when
// base is empty (only the files manifold owns there, since it never touches
// the others), or as Git revision base holds it. Only the environments
// compiled, and the part of them in scope, are compared.
func Compiled(ctx context.Context, dir, base string, compiled tree.Tree, scope tree.Scope) (Report, error) {
	envs := slices.Sorted(maps.Keys(compiled.Envs))
	var old map[string][]byte
	if base == "" {
		files, err := tree.ReadFiles(dir, envs, scope)
		if err != nil {
			return Report{}, err
		}
		rec, err := tree.ReadRecord(dir)
		if err != nil {
			return Report{}, err
		}
		old = map[string][]byte{}
		for p, b := range files {
			if _, owned := rec.Files[p]; owned {
				old[p] = b
			}
		}
	} else {
		files, err := gittree.Read(ctx, base, dir)
		if err != nil {
			return Report{}, err
		}
		old = tree.InScope(files, envs, scope)
	}
	var prod []string
	for _, env := range envs {
		if compiled.Envs[env]["production"] == "true" {
			prod = append(prod, env)
		}
	}
	return Trees(old, tree.InScope(compiled.Files, envs, scope), Options{Production: prod})
}
