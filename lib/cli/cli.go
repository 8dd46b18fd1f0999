// Package cli holds what manifold's commands share on the command line:
// repeatable flags and the writing of findings in the format asked for.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

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
