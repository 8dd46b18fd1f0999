// Command bench runs the compile command (package compilecmd, what
// cmd/compile runs) over a synthetic fleet of -apps apps for the example
// environments, into -out, and prints what the command says, the wall time
// and the peak memory, so that outside tools (kubeconform's CLI, helm
// template) can be run over the same tree for comparison. With -check it
// checks the tree instead; with -cache=false it compiles cold. The cache
// is the command's: $MANIFOLD_CACHE, or manifold/ in the user's cache
// folder.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/compilecmd"
	"github.com/manifold-dev/manifold/tests/bench/fleet"
	"github.com/manifold-dev/manifold/tests/bench/peakrss"
)

func main() {
	n := flag.Int("apps", 1000, "the number of apps")
	out := flag.String("out", "", "the `dir` to compile into")
	seed := flag.Uint64("seed", 1, "the fleet's seed")
	schemaDir := flag.String("schemas", "schemas", "the schema `dir`")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the compile to `file`")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the compile to `file`")
	traceFile := flag.String("trace", "", "write an execution trace of the compile to `file` (go tool trace)")
	check := flag.Bool("check", false, "check the tree under -out instead of writing it")
	cached := flag.Bool("cache", true, "use the compile cache (false: compile cold)")
	edit := flag.Int("edit", -1, "edit app `i` as a change to one app would (its LOG_LEVEL becomes debug)")
	request := flag.Bool("edit-request", false, "with -edit, raise the app's memory request instead (the graph rules do not see it either)")
	scale := flag.Bool("edit-scale", false, "with -edit, raise the app's replicas (or its autoscaler's maximum) instead: a change the graph rules see")
	alert := flag.Bool("edit-alert", false, "with -edit, make the app's alerts wait five minutes longer instead: a change to its PrometheusRule, which the graph rules see")
	port := flag.Bool("edit-port", false, "with -edit, make the app's first container port one higher instead: a change to its Deployment and policies, which most graph rules see")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "bench: -out is required")
		os.Exit(2)
	}
	kinds := 0 // of edit
	for _, k := range []bool{*request, *scale, *alert, *port} {
		if k {
			kinds++
		}
	}
	if *edit >= *n || kinds > 0 && *edit < 0 || kinds > 1 {
		// An edit of no app would change nothing but the cache's key.
		fmt.Fprintf(os.Stderr, "bench: -edit %d: want an app from 0 to %d (and -edit with at most one of -edit-request, -edit-scale, -edit-alert and -edit-port)\n", *edit, *n-1)
		os.Exit(2)
	}
	if (*scale || *alert || *port) && !fleet.Scalable(*edit) {
		fmt.Fprintf(os.Stderr, "bench: -edit %d: app %d is a CronJob, with no replicas to scale, no alerts and no ports\n", *edit, *edit)
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
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
	}
	args := []string{"-out", *out, "-schemas", *schemaDir}
	if *check {
		args = append(args, "-check")
	}
	prog := compilecmd.Program{Apps: fleet.Apps(*n, *seed), Envs: apps.Envs()}
	switch {
	case *edit >= 0 && *request:
		prog.Apps = fleet.EditRequest(prog.Apps, fleet.Name(*edit))
	case *edit >= 0 && *scale:
		prog.Apps = fleet.EditScale(prog.Apps, fleet.Name(*edit))
	case *edit >= 0 && *alert:
		prog.Apps = fleet.EditAlert(prog.Apps, fleet.Name(*edit))
	case *edit >= 0 && *port:
		prog.Apps = fleet.EditPort(prog.Apps, fleet.Name(*edit))
	case *edit >= 0:
		prog.Apps = fleet.Edit(prog.Apps, fleet.Name(*edit))
	}
	if *cached {
		// The definitions' name changes with them, as the compiler's
		// executable does when an app in apps/ changes.
		prog.Cache = fmt.Sprintf("bench fleet apps=%d seed=%d edit=%d request=%v scale=%v alert=%v port=%v", *n, *seed, *edit, *request, *scale, *alert, *port)
	}
	compilecmd.Collector() // as cmd/compile sets it, for the life of the process
	var said bytes.Buffer
	start := time.Now()
	code := compilecmd.Run(context.Background(), prog, args, io.Discard, &said)
	wall := time.Since(start)
	pprof.StopCPUProfile()
	trace.Stop()
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
	rss := "unknown"
	if mb, ok := peakrss.Self(); ok {
		rss = fmt.Sprintf("%d MB", mb)
	}
	os.Stdout.Write(said.Bytes())
	fmt.Printf("apps %d  wall %.2fs  peak RSS %s  cache %v\n", *n, wall.Seconds(), rss, *cached)
	os.Exit(code)
}
