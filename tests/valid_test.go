package tests

import (
	"context"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/validate"
)

// TestLintTrustsTheCompilersVerdicts: cmd/lint over the tree the compiler
// wrote validates none of it again, since each file is known by the bytes
// the compiler validated; with nothing known, it validates every object.
func TestLintTrustsTheCompilersVerdicts(t *testing.T) {
	ctx := context.Background()
	v := validate.NewValid()
	if _, err := compile.Compile(ctx, apps.All(), apps.Envs(), compile.Options{Schemas: "../schemas", Valid: v}); err != nil {
		t.Fatal(err)
	}
	known := validate.LoadValid(v.Bytes()) // as the next command loads it
	fs, err := lint.Files(ctx, []string{golden}, lint.Options{Schemas: "../schemas", Valid: known})
	if err != nil || len(fs) != 0 {
		t.Fatalf("lint of the golden tree: %v %v", fs, err)
	}
	if known.Changed() {
		t.Error("cmd/lint validated objects of the tree the compiler had validated")
	}
	fresh := validate.NewValid()
	if _, err := lint.Files(ctx, []string{golden}, lint.Options{Schemas: "../schemas", Valid: fresh}); err != nil {
		t.Fatal(err)
	}
	if !fresh.Changed() {
		t.Error("with nothing known, cmd/lint validated nothing")
	}
}
