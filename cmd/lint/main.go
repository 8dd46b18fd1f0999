// Command lint validates Kubernetes manifests on disk (files or folders of
// YAML or JSON, multi-document, List kinds) against the schemas in
// schemas/, and reports every problem at its file, line and column. Given a
// manifold tree (out/), each environment's files are checked against that
// environment's pinned versions.
//
// Exit status: 0 no error-level findings; 1 error-level findings; 2 the
// tool could not run (bad flag, unreadable path).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/manifold-dev/manifold/lib/cache"
	"github.com/manifold-dev/manifold/lib/cli"
	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/gcfloor"
	"github.com/manifold-dev/manifold/lib/lint"
)

func main() {
	// The collector runs at Go's default past a floor, for the life of
	// the process (package gcfloor).
	gcfloor.Start(gcfloor.Floor, 100)
	cli.Main(run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("lint", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: lint [flags] PATH...")
		fl.PrintDefaults()
	}
	var skip cli.Strings
	schemaDir := fl.String("schemas", "schemas", "the `dir` of JSON schemas")
	kube := fl.String("kubernetes-version", "", "check every file against this Kubernetes `version` (default: the tree's pinned versions, else the newest in -schemas)")
	fl.Var(&skip, "skip", "skip files matching this `glob` (repeatable)")
	format := fl.String("format", "text", "findings format: text, json, sarif or github")
	configFile := fl.String("config", "", "a config `file`: rules disabled or with other severities, outside facts, a baseline")
	profile := fl.String("profile", "", "\"production\" turns on the rules that only matter in production")
	listRules := fl.Bool("rules", false, "list every rule and exit")
	var common cli.Common
	common.Register(fl)
	if code, done := common.Parse(fl, args, stdout, stderr); done {
		return code
	}
	server, output := &common.Server, &common.Output
	if *listRules {
		if err := cli.WriteRules(stdout); err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
		return 0
	}
	if *profile != "" && *profile != "production" {
		fmt.Fprintf(stderr, "lint: -profile %q: the only profile is production\n", *profile)
		return 2
	}
	var cfg *lint.Config
	if *configFile != "" {
		var err error
		if cfg, err = lint.LoadConfig(*configFile); err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	if err := cli.CheckFormat(*format); err != nil {
		fmt.Fprintln(stderr, "lint:", err)
		return 2
	}
	opts := lint.Options{Schemas: *schemaDir, Kubernetes: *kube, Skip: skip, Config: cfg, Production: *profile == "production"}
	// The objects known valid are the compiler's: a tree it wrote is not
	// validated twice. The set is only read: the compiler keeps it to its
	// own objects, and a lint of other files saving its own would push
	// them out.
	// The lint memo is the command's own (the compiler's objects are
	// known by other names), read and saved.
	saveMemo := func() error { return nil }
	if store, err := cache.Open(); err != nil {
		fmt.Fprintln(stderr, "lint: warning:", err, "(validating every object)")
	} else {
		if opts.Valid, _, err = store.Valid(*schemaDir); err != nil {
			fmt.Fprintln(stderr, "lint: warning:", err, "(validating every object)")
		}
		opts.Memo, saveMemo = store.Lint()
	}
	var fs []finding.Finding
	if !server.Enabled {
		// One environment's objects at a time.
		var err error
		if fs, err = lint.Files(ctx, fl.Args(), opts); err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
	} else {
		// The server's dry-run takes every object at once.
		files, read, err := lint.Read(fl.Args(), opts)
		if err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
		more, err := lint.Check(ctx, files, opts)
		if err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
		fs = append(read, more...)
		var objs []dryrun.Object
		for _, f := range files {
			for _, d := range f.Docs {
				objs = append(objs, dryrun.Object{File: f.Path, Env: f.Env, App: f.App, Doc: d})
			}
		}
		if more, err = server.Run(ctx, objs, stderr); err != nil {
			fmt.Fprintln(stderr, "lint:", err)
			return 2
		}
		fs = append(fs, more...)
	}
	if err := saveMemo(); err != nil {
		fmt.Fprintln(stderr, "lint: warning:", err)
	}
	finding.Sort(fs)
	if err := cli.WriteFindings(stdout, *output, *format, fs); err != nil {
		fmt.Fprintln(stderr, "lint:", err)
		return 2
	}
	if finding.HasErrors(fs) {
		return 1
	}
	return 0
}
