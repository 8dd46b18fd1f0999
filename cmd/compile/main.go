// Command compile compiles the apps in apps/ for every environment into the
// tree under out/ (or -out DIR), or with -check tells whether that tree is
// current.
//
// Exit status: 0 all good; 1 the input has problems (definition errors, an
// ownership conflict, a stale tree under -check); 2 the tool could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/cli"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/diff"
	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/version"
)

func main() {
	cli.Main(func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, apps.All(), apps.Envs(), args, stdout, stderr)
	})
}

// run is the command, given the apps and environments to compile.
func run(ctx context.Context, defs []model.App, envs []model.Env, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("compile", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var envNames, appNames cli.Strings
	out := fl.String("out", "out", "the generated tree's `dir`")
	schemaDir := fl.String("schemas", "schemas", "the `dir` of JSON schemas objects are validated against")
	fl.Var(&envNames, "env", "compile only this environment (repeatable)")
	fl.Var(&appNames, "app", "compile only this app (repeatable)")
	check := fl.Bool("check", false, "write nothing; exit 1 when the tree under -out is not what apps/ compiles to")
	diffMode := fl.Bool("diff", false, "write nothing; report, object by object and field by field, what the compile changes in -out")
	base := fl.String("base", "", "with -diff: compare with -out as Git `revision` holds it, not the files on disk")
	exitCode := fl.Bool("exit-code", false, "with -diff: exit 1 when there are differences")
	fsync := fl.Bool("fsync", false, "sync every written file to disk before its rename (safe against power loss, slower)")
	format := fl.String("format", "text", "output format: text, json, sarif or github for findings; text, json or markdown for -diff")
	output := fl.String("o", "", "write findings to `file` instead of stdout")
	showVersion := fl.Bool("version", false, "print the version and exit")
	var server cli.DryRun
	server.Register(fl)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if err := server.Check(); err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "compile: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "manifold", version.Version)
		return 0
	}
	if *base != "" && !*diffMode {
		fmt.Fprintln(stderr, "compile: -base needs -diff")
		return 2
	}
	if *diffMode && *check {
		fmt.Fprintln(stderr, "compile: -diff and -check are separate modes")
		return 2
	}
	if *diffMode {
		if *format != "text" && *format != "json" && *format != "markdown" {
			fmt.Fprintf(stderr, "compile: -diff -format %q: want text, json or markdown\n", *format)
			return 2
		}
	} else if err := cli.CheckFormat(*format); err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	res, err := compile.Compile(ctx, defs, envs, compile.Options{Envs: envNames, Apps: appNames, Schemas: *schemaDir, Sized: cli.SizeMemory})
	if err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	if server.Enabled && !finding.HasErrors(res.Findings) {
		objs, err := dryrun.FromTree(*out, res.Tree.Files)
		if err != nil {
			fmt.Fprintln(stderr, "compile: internal error: rendered YAML does not read back:", err)
			return 2
		}
		more, err := server.Run(ctx, objs, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "compile:", err)
			return 2
		}
		res.Findings = append(res.Findings, more...)
		if finding.HasErrors(more) {
			res.Tree = tree.Tree{} // a rejected compile writes nothing
		}
	}
	findings := res.Findings
	code := 0
	if *diffMode && !finding.HasErrors(findings) {
		for _, f := range findings {
			fmt.Fprintln(stderr, f) // warnings: the report goes to stdout
		}
		return runDiff(ctx, *out, *base, *format, *output, *exitCode, res, stdout, stderr)
	}
	if finding.HasErrors(findings) {
		code = 1
	} else if *check {
		diffs, err := tree.Check(*out, res.Tree, res.Scope)
		if err != nil {
			fmt.Fprintln(stderr, "compile:", err)
			return 2
		}
		for _, d := range diffs {
			findings = append(findings, treeFinding(*out, d.Path, "drift", string(d.State)+": "+d.Reason))
		}
		if len(diffs) > 0 {
			code = 1
			fmt.Fprintf(stderr, "compile: %s is not current: %d file(s) differ; run go run ./cmd/compile\n", *out, len(diffs))
		} else {
			fmt.Fprintf(stderr, "compile: %s is current (%d files)\n", *out, len(res.Tree.Files))
		}
	} else {
		wr, err := tree.Writer{Fsync: *fsync}.Write(*out, res.Tree, res.Scope)
		var conflict *tree.ConflictError
		switch {
		case errors.As(err, &conflict):
			for _, c := range conflict.Conflicts {
				findings = append(findings, treeFinding(*out, c.Path, finding.RuleOwnership, c.Reason))
			}
			code = 1
			fmt.Fprintf(stderr, "compile: refused to write %s: %d file(s) in the way\n", *out, len(conflict.Conflicts))
		case err != nil:
			fmt.Fprintln(stderr, "compile:", err)
			return 2
		default:
			fmt.Fprintf(stderr, "compile: %d objects; %d files written, %d removed, %d unchanged in %s\n",
				len(res.Objects), len(wr.Written), len(wr.Removed), wr.Unchanged, *out)
		}
	}
	if err := cli.WriteFindings(stdout, *output, *format, findings); err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	if code == 1 && finding.HasErrors(res.Findings) {
		fmt.Fprintf(stderr, "compile: %d problem(s); nothing was written\n", len(res.Findings))
	}
	return code
}

// treeFinding is a finding about a file of the tree on disk.
func treeFinding(out, p, rule, msg string) finding.Finding {
	return finding.Finding{Rule: rule, Severity: finding.Error, File: strings.TrimSuffix(out, "/") + "/" + p, Message: msg}
}

// runDiff writes the report of what the compile changes in out, and
// returns the exit status: 0, or 1 with -exit-code when anything differs.
func runDiff(ctx context.Context, out, base, format, output string, exitCode bool, res compile.Result, stdout, stderr io.Writer) int {
	rep, err := diff.Compiled(ctx, out, base, res.Tree, res.Scope)
	if err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	w := stdout
	if output != "" {
		f, err := os.Create(output)
		if err != nil {
			fmt.Fprintln(stderr, "compile:", err)
			return 2
		}
		defer f.Close()
		w = f
	}
	switch format {
	case "json":
		err = diff.WriteJSON(w, version.Version, rep)
	case "markdown":
		err = diff.WriteMarkdown(w, rep)
	default:
		err = diff.WriteText(w, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	fmt.Fprintf(stderr, "compile: %d object(s) differ, %d risky\n", len(rep.Entries), len(rep.Risky()))
	if exitCode && len(rep.Entries) > 0 {
		return 1
	}
	return 0
}
