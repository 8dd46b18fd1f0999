// Package finding holds the one shape every problem manifold reports takes,
// and its text and JSON forms (see the command-line section of DESIGN.md).
package finding

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Severity is how bad a finding is.
type Severity string

// Severities, from worst.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Reserved rule IDs.
const (
	RuleDefinition = "definition" // the app definition is wrong
	RuleSchema     = "schema"     // an object fails its JSON schema
	RuleYAML       = "yaml"       // a file is not well-formed Kubernetes YAML
	RuleOwnership  = "ownership"  // out/ holds a file manifold does not own
	RuleDrift      = "drift"      // out/ is not what apps/ compiles to
	RuleServer     = "server"     // the API server rejects an object in a dry run
)

// RuleDoc describes a rule for reports and listings.
type RuleDoc struct {
	ID       string
	Severity Severity
	Doc      string // one line
	Help     string // how to fix it
	// Production rules run only under -profile production.
	Production bool
}

// Reserved describes the reserved rules.
var Reserved = []RuleDoc{
	{ID: RuleDefinition, Severity: Error, Doc: "An app or environment definition in apps/ is wrong.", Help: "Fix the field the message names, at the line it gives."},
	{ID: RuleSchema, Severity: Error, Doc: "An object does not match the JSON schema of its kind for the environment's versions.", Help: "Fix the field the message names; a kind with no schema needs go run ./cmd/schemas or another version."},
	{ID: RuleYAML, Severity: Error, Doc: "A file is not well-formed YAML, or a document is not a Kubernetes object.", Help: "Fix the syntax at the line given, or leave the file out with -skip."},
	{ID: RuleOwnership, Severity: Error, Doc: "The output folder holds a file manifold did not write where it would write one.", Help: "Move the file away or delete it; manifold never overwrites a file it does not own."},
	{ID: RuleServer, Severity: Error, Doc: "A Kubernetes API server rejects the object in a server-side dry run (or warns about it).", Help: "Fix the field the server's message names; an API version it does not serve needs a newer one, a missing CRD needs installing."},
	{ID: RuleDrift, Severity: Error, Doc: "The tree on disk is not what apps/ compiles to.", Help: "Run go run ./cmd/compile and commit the result; never edit out/ by hand."},
}

// Finding is one problem, located either in a file (YAML on disk) or at the
// line in apps/ where the app is defined.
type Finding struct {
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"endLine,omitempty"`
	EndColumn int      `json:"endColumn,omitempty"`
	Env       string   `json:"env"`
	App       string   `json:"app"`
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Path      string   `json:"path"` // JSON path in the object, or field path in the Spec
	Message   string   `json:"message"`
}

// Position is a place in a file: a start and, where known, an end.
type Position struct {
	File               string
	Line, Column       int
	EndLine, EndColumn int
}

// At returns f placed at p.
func (f Finding) At(p Position) Finding {
	f.File, f.Line, f.Column, f.EndLine, f.EndColumn = p.File, p.Line, p.Column, p.EndLine, p.EndColumn
	return f
}

// Location returns "file:line:col", "file:line" or "file", as far as known.
func (f Finding) Location() string {
	loc := f.File
	if loc == "" {
		loc = "-"
	}
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
		if f.Column > 0 {
			loc += ":" + strconv.Itoa(f.Column)
		}
	}
	return loc
}

// Subject returns the start of a message: what applies of
// "<env>/<app> <Kind>/<name> <path>".
func (f Finding) Subject() string {
	s := ""
	add := func(part string) {
		if part == "" {
			return
		}
		if s != "" {
			s += " "
		}
		s += part
	}
	switch {
	case f.Env != "" && f.App != "":
		add(f.Env + "/" + f.App)
	case f.Env != "":
		add(f.Env)
	default:
		add(f.App)
	}
	if f.Kind != "" {
		add(f.Kind + "/" + f.Name)
	}
	add(f.Path)
	return s
}

// String returns the text form: "LOCATION: SEVERITY RULE: SUBJECT: MESSAGE".
func (f Finding) String() string {
	msg := f.Message
	if subj := f.Subject(); subj != "" {
		msg = subj + ": " + msg
	}
	return fmt.Sprintf("%s: %s %s: %s", f.Location(), f.Severity, f.Rule, msg)
}

// Sort orders findings by file, line, column, env, app, kind, name, path,
// rule and message, so that output is the same on every run.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Env, b.Env),
			cmp.Compare(a.App, b.App),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error })
}

// WriteText writes one finding a line.
func WriteText(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	return nil
}

// Report is the JSON form of a run's findings.
type Report struct {
	Version  string    `json:"version"`
	Findings []Finding `json:"findings"`
}

// WriteJSON writes {"version": ..., "findings": [...]}, indented.
func WriteJSON(w io.Writer, version string, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report{Version: version, Findings: fs})
}
