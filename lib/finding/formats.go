package finding

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// InformationURI is where manifold's rules are documented.
const InformationURI = "https://github.com/manifold-dev/manifold"

// SARIF returns the findings as a SARIF 2.1.0 report: one run per
// environment (and one for findings outside any), every rule described,
// results with relative URIs and real regions.
func SARIF(version string, fs []Finding, rules []RuleDoc) (*sarif.Report, error) {
	rep := report.NewV210Report()
	var envs []string
	byEnv := map[string][]Finding{}
	for _, f := range fs {
		if _, seen := byEnv[f.Env]; !seen {
			envs = append(envs, f.Env)
		}
		byEnv[f.Env] = append(byEnv[f.Env], f)
	}
	if len(envs) == 0 {
		envs = []string{""}
	}
	for _, env := range envs {
		run := sarif.NewRunWithInformationURI("manifold", InformationURI)
		run.Tool.Driver.WithVersion(version)
		for _, r := range rules {
			run.AddRule(r.ID).
				WithName(r.ID).
				WithShortDescription(sarif.NewMultiformatMessageString().WithText(r.Doc)).
				WithFullDescription(sarif.NewMultiformatMessageString().WithText(r.Doc)).
				WithHelp(sarif.NewMultiformatMessageString().WithText(r.Help)).
				WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(r.Severity)))
		}
		if env != "" {
			run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID("manifold/" + env + "/"))
		}
		for _, f := range byEnv[env] {
			res := run.CreateResultForRule(f.Rule).
				WithLevel(sarifLevel(f.Severity)).
				WithMessage(sarif.NewTextMessage(f.Subject() + ": " + f.Message))
			if f.File != "" {
				loc := sarif.NewArtifactLocation().WithURI(relativeURI(f.File))
				phys := sarif.NewPhysicalLocation().WithArtifactLocation(loc)
				if f.Line > 0 {
					region := sarif.NewRegion().WithStartLine(f.Line)
					if f.Column > 0 {
						region.WithStartColumn(f.Column)
					}
					if f.EndLine >= f.Line && f.EndLine > 0 {
						region.WithEndLine(f.EndLine)
						if f.EndColumn > 0 {
							region.WithEndColumn(f.EndColumn)
						}
					}
					phys.WithRegion(region)
				}
				res.AddLocation(sarif.NewLocationWithPhysicalLocation(phys))
			}
		}
		rep.AddRun(run)
	}
	if err := rep.Validate(); err != nil {
		return nil, fmt.Errorf("SARIF report does not validate: %w", err)
	}
	return rep, nil
}

// WriteSARIF writes the SARIF report of the findings.
func WriteSARIF(w io.Writer, version string, fs []Finding, rules []RuleDoc) error {
	rep, err := SARIF(version, fs, rules)
	if err != nil {
		return err
	}
	return rep.PrettyWrite(w)
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// relativeURI writes a file path as a relative URI with forward slashes,
// relative to the working directory when the path is absolute.
func relativeURI(p string) string {
	if filepath.IsAbs(p) {
		if wd, err := filepath.Abs("."); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
				p = rel
			}
		}
	}
	p = filepath.ToSlash(p)
	return strings.TrimPrefix(p, "./")
}

// WriteGitHub writes the findings as GitHub Actions workflow commands,
// which the runner turns into annotations on the pull request:
//
//	::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=RULE::MESSAGE
func WriteGitHub(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		cmd := "notice"
		switch f.Severity {
		case Error:
			cmd = "error"
		case Warning:
			cmd = "warning"
		}
		var props []string
		if f.File != "" {
			props = append(props, "file="+escapeProperty(relativeURI(f.File)))
		}
		for _, kv := range []struct {
			k string
			v int
		}{{"line", f.Line}, {"col", f.Column}, {"endLine", f.EndLine}, {"endColumn", f.EndColumn}} {
			if kv.v > 0 {
				props = append(props, fmt.Sprintf("%s=%d", kv.k, kv.v))
			}
		}
		props = append(props, "title="+escapeProperty(f.Rule))
		msg := f.Message
		if subj := f.Subject(); subj != "" {
			msg = subj + ": " + msg
		}
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg)); err != nil {
			return err
		}
	}
	return nil
}

// escapeData escapes a workflow command's message: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as data,
// and also : and , which separate properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
