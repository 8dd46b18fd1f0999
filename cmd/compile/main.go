// Command compile compiles the apps in apps/ for every environment into the
// tree under out/ (or -out DIR), or with -check tells whether that tree is
// current. See package compilecmd for the flags and exit status.
package main

import (
	"context"
	"io"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/cli"
	"github.com/manifold-dev/manifold/lib/compilecmd"
)

func main() {
	compilecmd.Collector() // for the life of the process
	cli.Main(func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		// apps/ is built into this executable: its hash keys the cache.
		return compilecmd.Run(ctx, compilecmd.Program{Apps: apps.All(), Envs: apps.Envs(), Cache: "apps"}, args, stdout, stderr)
	})
}
