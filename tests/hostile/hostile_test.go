package hostile

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/lint"
)

// corpus is what cmd/lint must say of each committed case: the first
// finding's line (0 for none) and a part of its message.
var corpus = []struct {
	file string
	line int
	want string
}{
	{"malformed.yaml", 4, "not valid YAML"},
	{"binary.yaml", 1, "not UTF-8 text"},
	{"latin1.yaml", 1, "not UTF-8 text"},
	{"bom.yaml", 5, `unknown field "dta"`},
	{"crlf.yaml", 5, `unknown field "dta"`},
	{"tabs.yaml", 4, "not valid YAML"},
	{"empty.yaml", 1, "holds no Kubernetes object"},
	{"empty-docs.yaml", 1, "holds no Kubernetes object"},
	{"list.yaml", 1, "the document is a list"},
	{"scalar.yaml", 1, "the document is a scalar"},
	{"no-kind.yaml", 1, "kind is missing"},
	{"empty-apiversion.yaml", 1, "apiVersion must be a non-empty string"},
	{"unknown-kind.yaml", 1, "no schema for example.com/v1 WebApp"},
	{"duplicate-keys.yaml", 5, `mapping key "name" already defined at line 4`},
	{"alias-bomb.yaml", 1, "excessive aliasing"},
}

func lintOne(t *testing.T, path string) []finding.Finding {
	t.Helper()
	fs, err := lint.Files(context.Background(), []string{path}, lint.Options{Schemas: "../../schemas"})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fs
}

// check requires an error-level finding naming the file, with the message
// and (when want > 0) at the line.
func check(t *testing.T, path string, line int, want string) {
	t.Helper()
	fs := lintOne(t, path)
	for _, f := range fs {
		if f.Severity == finding.Error && f.File == path && strings.Contains(f.Message, want) && (line == 0 || f.Line == line) {
			return
		}
	}
	t.Errorf("%s: want an error at line %d containing %q, got %v", path, line, want, fs)
}

func TestCorpus(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.file, func(t *testing.T) { check(t, filepath.Join("corpus", c.file), c.line, c.want) })
	}
}

func TestLargeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range Large {
		t.Run(c.Name, func(t *testing.T) { check(t, filepath.Join(dir, c.Name), 0, c.Want) })
	}
}
