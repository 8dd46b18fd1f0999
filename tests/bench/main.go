// Command bench compiles a synthetic fleet of -apps apps for the example
// environments into -out, and prints the number of objects and files, the
// wall time and the peak memory, so that outside tools (kubeconform's CLI,
// helm template) can be run over the same tree for comparison.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/cli"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/tests/bench/fleet"
)

func main() {
	n := flag.Int("apps", 1000, "the number of apps")
	out := flag.String("out", "", "the `dir` to compile into")
	seed := flag.Uint64("seed", 1, "the fleet's seed")
	schemaDir := flag.String("schemas", "schemas", "the schema `dir`")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the compile to `file`")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the compile to `file`")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "bench: -out is required")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	res, err := compile.Compile(context.Background(), fleet.Apps(*n, *seed), apps.Envs(), compile.Options{Schemas: *schemaDir, Sized: cli.SizeMemory})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if finding.HasErrors(res.Findings) {
		_ = finding.WriteText(os.Stderr, res.Findings)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	compiled := time.Since(start)
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
	}
	wr, err := tree.Write(*out, res.Tree, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	wall := time.Since(start)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("apps %d  environments %d  objects %d  files %d (written %d)  compile %.2fs  total %.2fs  %.0f objects/s  peak RSS %d MB  warnings %d\n",
		*n, len(res.Tree.Envs), len(res.Objects), len(res.Tree.Files), len(wr.Written),
		compiled.Seconds(), wall.Seconds(), float64(len(res.Objects))/wall.Seconds(), ru.Maxrss/1024, len(res.Findings))
}
