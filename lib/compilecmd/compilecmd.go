// Package compilecmd is the compile command (cmd/compile), given the
// definitions to compile: it compiles them for every environment into the
// tree under out/ (or -out DIR), or with -check tells whether that tree is
// current, or with -diff reports what a compile would change.
//
// Exit status: 0 all good; 1 the input has problems (definition errors, an
// ownership conflict, a stale tree under -check); 2 the tool could not run.
package compilecmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/manifold-dev/manifold/lib/cache"
	"github.com/manifold-dev/manifold/lib/cli"
	"github.com/manifold-dev/manifold/lib/compile"
	"github.com/manifold-dev/manifold/lib/diff"
	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/gcfloor"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/version"
	"github.com/manifold-dev/manifold/lib/workers"
)

// Program is what the command compiles.
type Program struct {
	Apps []model.App
	Envs []model.Env
	// Cache names the definitions in the cache's key, next to the hash of
	// the running executable: in one executable, one name must always mean
	// the same definitions (cmd/compile compiles the apps/ built into it).
	// Empty turns the cache off.
	Cache string
}

// Run runs the command with args, and returns its exit status.
func Run(ctx context.Context, prog Program, args []string, stdout, stderr io.Writer) int {
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
	var common cli.Common
	common.Register(fl)
	if code, done := common.Parse(fl, args, stdout, stderr); done {
		return code
	}
	server, output := &common.Server, &common.Output
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "compile: unexpected argument %q\n", fl.Arg(0))
		return 2
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
	// A compile that writes or checks the tree is cached: the same
	// compiler, schemas and selection give the same result, and a tree
	// that is current needs neither compiling nor writing. The diff and
	// the server's verdict depend on more than that, and always compile.
	var store *cache.Cache
	if prog.Cache != "" && !*diffMode && !server.Enabled {
		var err error
		if store, err = cache.Open(); err != nil {
			fmt.Fprintln(stderr, "compile: warning:", err, "(compiling without the cache)")
		}
	}
	// What is known of out/ loads while the compile's key is computed and
	// its entry looked up, and while a compile runs: getKnown waits for it.
	var known *tree.Known
	saveKnown := func() error { return nil }
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		known, saveKnown = store.Known(*out)
	}()
	getKnown := func() *tree.Known { <-loaded; return known }
	var key [sha256.Size]byte
	var done cache.Entry
	hit, keyed := false, false
	if store != nil {
		var err error
		if key, err = store.Key(prog.Cache, *schemaDir, envNames, appNames); err != nil {
			fmt.Fprintln(stderr, "compile: warning:", err, "(compiling without the cache)")
		} else {
			keyed = true
			done, hit = store.Get(key)
		}
	}
	defer func() {
		<-loaded
		if err := saveKnown(); err != nil {
			fmt.Fprintln(stderr, "compile: warning:", err)
		}
	}()
	// A hit whose tree is current needs nothing more; -check reports the
	// differences from the entry's tree; a write needs the files: compile.
	stamp := hex.EncodeToString(key[:])
	current := hit && getKnown().Unchanged(*out, stamp)
	var digest tree.Digest
	if hit && !current {
		var err error
		if digest, err = done.Digest(); err == nil {
			current, err = tree.Current(*out, digest, done.Scope, getKnown(), stamp)
		}
		hit = err == nil && (current || *check)
	}
	var res compile.Result
	surveyed := make(chan *tree.Survey, 1)
	if !hit {
		// A write of the whole tree surveys it while the compile runs.
		if !*check && !*diffMode && !server.Enabled && len(envNames)+len(appNames) == 0 {
			go func() { surveyed <- getKnown().Survey(*out) }()
		} else {
			surveyed <- nil
		}
		valid, saveValid, err := store.Valid(*schemaDir)
		if err != nil {
			fmt.Fprintln(stderr, "compile: warning:", err, "(validating every object)")
		}
		memo, saveMemo := store.Lint()
		opts := compile.Options{Envs: envNames, Apps: appNames, Schemas: *schemaDir, Valid: valid, Memo: memo}
		renders := store.Renders(compile.RenderIdentity())
		if renders != nil {
			opts.Renders = renders
		}
		res, err = compile.Compile(ctx, prog.Apps, prog.Envs, opts)
		if err != nil {
			fmt.Fprintln(stderr, "compile:", err)
			return 2
		}
		// What the compile learned is saved while the tree is written, each
		// part to its own files at once; every return waits for it.
		saved := make(chan []error, 1)
		go func() {
			saves := []func() error{saveValid, saveMemo, renders.Save}
			errs := make([]error, len(saves))
			workers.EachOn(len(saves), len(saves), func(i int) {
				if saves[i] != nil {
					errs[i] = saves[i]()
				}
			})
			saved <- slices.DeleteFunc(errs, func(err error) bool { return err == nil })
		}()
		defer func() {
			for _, err := range <-saved {
				fmt.Fprintln(stderr, "compile: warning:", err)
			}
		}()
		digest = res.Digest
		// The entry's encoding of the tree is made when it is stored.
		done = cache.Entry{Objects: len(res.Objects), Files: len(digest.Files), Findings: res.Findings, Scope: res.Scope}
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
			res.Tree, digest = tree.Tree{}, tree.Digest{} // a rejected compile writes nothing
		}
	}
	if *diffMode && !finding.HasErrors(res.Findings) {
		for _, f := range res.Findings {
			fmt.Fprintln(stderr, f) // warnings: the report goes to stdout
		}
		return runDiff(ctx, *out, *base, *format, *output, *exitCode, res, stdout, stderr)
	}
	if !hit {
		done.Findings = res.Findings // and the server's
	}
	findings := done.Findings
	// The entry is stored while the tree is written: it is keyed by the
	// inputs, and a later run checks the tree against it either way.
	stored := make(chan error, 1)
	if keyed && !hit && !finding.HasErrors(done.Findings) {
		go func(e cache.Entry) {
			e, err := cache.NewEntry(e.Objects, e.Findings, digest, e.Scope)
			if err == nil {
				err = store.Put(key, e)
			}
			stored <- err
		}(done)
	} else {
		stored <- nil
	}
	// Every return waits for it: the process must not exit mid-write.
	waitStored := sync.OnceValue(func() error { return <-stored })
	defer waitStored()
	code := 0
	if finding.HasErrors(findings) {
		code = 1
	} else if *check {
		var diffs []tree.Difference
		if !current {
			var err error
			if diffs, err = tree.Check(*out, digest, done.Scope, getKnown(), res.Tree.Files); err != nil {
				fmt.Fprintln(stderr, "compile:", err)
				return 2
			}
		}
		for _, d := range diffs {
			findings = append(findings, treeFinding(*out, d.Path, "drift", string(d.State)+": "+d.Reason))
		}
		if len(diffs) > 0 {
			code = 1
			fmt.Fprintf(stderr, "compile: %s is not current: %d file(s) differ; run go run ./cmd/compile\n", *out, len(diffs))
		} else {
			fmt.Fprintf(stderr, "compile: %s is current (%d files)\n", *out, done.Files)
		}
	} else if hit {
		fmt.Fprintf(stderr, "compile: %d objects; %d files written, %d removed, %d unchanged in %s\n",
			done.Objects, 0, 0, done.Files, *out)
	} else {
		wr := tree.Writer{Fsync: *fsync, Known: getKnown(), Digest: digest, Survey: <-surveyed}
		if keyed {
			wr.Key = stamp // the next run with this key finds the tree as written
		}
		written, err := wr.Write(*out, res.Tree, res.Scope)
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
				len(res.Objects), len(written.Written), len(written.Removed), written.Unchanged, *out)
		}
	}
	if err := waitStored(); err != nil {
		fmt.Fprintln(stderr, "compile: warning:", err)
	}
	if err := cli.WriteFindings(stdout, *output, *format, findings); err != nil {
		fmt.Fprintln(stderr, "compile:", err)
		return 2
	}
	if code == 1 && finding.HasErrors(done.Findings) {
		fmt.Fprintf(stderr, "compile: %d problem(s); nothing was written\n", len(done.Findings))
	}
	return code
}

// Collector sets the garbage collector for a process that runs the
// command (cmd/compile, the benchmark), and returns the function that
// restores it: a compile's memory may grow to gcfloor.Floor before the
// collector runs, and past it the collector runs as GOGC=200 would
// (package gcfloor), unless GOGC or GOMEMLIMIT is set. Run leaves the
// collector alone: a process that runs many compiles, such as a test,
// keeps its own setting.
func Collector() (restore func()) { return gcfloor.Start(gcfloor.Floor, 200) }

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
