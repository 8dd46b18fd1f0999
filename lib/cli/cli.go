// Package cli holds what manifold's commands share on the command line:
// repeatable flags and the writing of findings in the format asked for.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/manifold-dev/manifold/lib/dryrun"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/version"
)

// Main runs a command's run function with the process's arguments and
// standard streams, cancelled by an interrupt, and exits with its status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Strings is a repeatable string flag.
type Strings []string

// String returns the values, comma-separated.
func (l *Strings) String() string { return strings.Join(*l, ",") }

// Set adds a value.
func (l *Strings) Set(v string) error { *l = append(*l, v); return nil }

// Formats are the findings formats the commands write.
var Formats = []string{"text", "json", "sarif", "github"}

// CheckFormat returns an error naming the formats when f is not one.
func CheckFormat(f string) error {
	for _, ok := range Formats {
		if f == ok {
			return nil
		}
	}
	return fmt.Errorf("-format %q: want one of %s", f, strings.Join(Formats, ", "))
}

// WriteFindings writes the findings in format to the file path, or to
// stdout when path is empty.
func WriteFindings(stdout io.Writer, path, format string, fs []finding.Finding) (err error) {
	w := stdout
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	switch format {
	case "json":
		return finding.WriteJSON(w, version.Version, fs)
	case "sarif":
		return finding.WriteSARIF(w, version.Version, fs, lint.Descriptors())
	case "github":
		return finding.WriteGitHub(w, fs)
	}
	return finding.WriteText(w, fs)
}

// WriteRules lists every rule: ID, default severity, and what it checks.
func WriteRules(w io.Writer) error {
	for _, r := range lint.Descriptors() {
		prod := ""
		if r.Production {
			prod = " (production)"
		}
		if _, err := fmt.Fprintf(w, "%-26s %-7s %s%s\n", r.ID, r.Severity, r.Doc, prod); err != nil {
			return err
		}
	}
	return nil
}

// Common are the flags both commands have: -o, -version and the server-side
// dry run's.
type Common struct {
	Output  string // -o: the findings' file, stdout when empty
	Server  DryRun
	version bool
}

// Register adds the flags to fl.
func (c *Common) Register(fl *flag.FlagSet) {
	fl.StringVar(&c.Output, "o", "", "write findings to `file` instead of stdout")
	fl.BoolVar(&c.version, "version", false, "print the version and exit")
	c.Server.Register(fl)
}

// Parse parses args with fl and checks the common flags. When done is set
// the command exits with code: 2 for a bad flag, 0 once -version printed
// the version.
func (c *Common) Parse(fl *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	if err := fl.Parse(args); err != nil {
		return 2, true
	}
	if err := c.Server.Check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fl.Name(), err)
		return 2, true
	}
	if c.version {
		fmt.Fprintln(stdout, "manifold", version.Version)
		return 0, true
	}
	return 0, false
}

// DryRun is the server-side gate's flags, shared by the commands.
type DryRun struct {
	Enabled       bool
	Kubeconfig    string
	Context       string
	CreateMissing bool
}

// Register adds the flags to fl.
func (d *DryRun) Register(fl *flag.FlagSet) {
	fl.BoolVar(&d.Enabled, "server-dry-run", false, "send every object to the API server of the kubeconfig's context as a server-side dry run (dryRun=All, fieldValidation=Strict); a rejection is an error")
	fl.StringVar(&d.Kubeconfig, "kubeconfig", "", "with -server-dry-run: the kubeconfig `file` ($KUBECONFIG or ~/.kube/config when empty)")
	fl.StringVar(&d.Context, "context", "", "with -server-dry-run: the kubeconfig `context` (its current context when empty)")
	fl.BoolVar(&d.CreateMissing, "server-create-missing", false, "with -server-dry-run: create, for real, the Namespaces and CRDs the objects need that the cluster lacks (a throwaway cluster only)")
}

// Check reports flags given without -server-dry-run.
func (d *DryRun) Check() error {
	if !d.Enabled && (d.Kubeconfig != "" || d.Context != "" || d.CreateMissing) {
		return errors.New("-kubeconfig, -context and -server-create-missing need -server-dry-run")
	}
	return nil
}

// Run dry-runs objs against the cluster, logging progress to stderr.
func (d *DryRun) Run(ctx context.Context, objs []dryrun.Object, stderr io.Writer) ([]finding.Finding, error) {
	c, err := dryrun.Connect(d.Kubeconfig, d.Context)
	if err != nil {
		return nil, err
	}
	fs, err := c.Run(ctx, objs, dryrun.Options{CreateMissing: d.CreateMissing})
	if err != nil {
		return nil, fmt.Errorf("server dry run against %s: %w", c.Host(), err)
	}
	rejected := 0
	for _, f := range fs {
		if f.Severity == finding.Error {
			rejected++
		}
	}
	fmt.Fprintf(stderr, "server dry run: %d objects sent to %s, %d problem(s)\n", len(objs), c.Host(), rejected)
	return fs, nil
}
