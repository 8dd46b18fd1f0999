package fleet

import (
	"context"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compile"
	
)

func BenchmarkProf(b *testing.B) {
	defs := Apps(300, 1)
	for b.Loop() {
		if _, err := compile.Compile(context.Background(), defs, apps.Envs(), compile.Options{Schemas: "../../schemas"}); err != nil {
			b.Fatal(err)
		}
	}
}
