package lint

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

// wants reads the "# want: rule-a rule-b" markers of a fixture: the rules
// each line must be reported for, as "line rule" strings.
func wants(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		_, marker, found := strings.Cut(sc.Text(), "# want: ")
		if !found {
			continue
		}
		for _, rule := range strings.Fields(marker) {
			out = append(out, fmt.Sprintf("%d %s", line, rule))
		}
	}
	slices.Sort(out)
	return out
}

// checkFixture lints one file, with the production rules on, and requires
// exactly the findings its markers name.
func checkFixture(t *testing.T, path string) []finding.Finding {
	t.Helper()
	fs, err := Files(context.Background(), []string{path}, Options{Schemas: schemaDir, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%d %s", f.Line, f.Rule))
	}
	slices.Sort(got)
	if want := wants(t, path); !slices.Equal(got, want) {
		var all strings.Builder
		for _, f := range fs {
			all.WriteString("\n  " + f.String())
		}
		t.Errorf("%s:\n got  %v\n want %v%s", path, got, want, all.String())
	}
	return fs
}

// TestRuleFixtures runs every rule's failing and passing fixture under
// tests/lint/rules/<rule-id>/, and requires one of each for every rule.
func TestRuleFixtures(t *testing.T) {
	dirs, err := os.ReadDir("../../tests/lint/rules")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, d := range dirs {
		have[d.Name()] = true
		for _, name := range []string{"fail.yaml", "pass.yaml"} {
			path := filepath.Join("../../tests/lint/rules", d.Name(), name)
			t.Run(d.Name()+"/"+name, func(t *testing.T) {
				fs := checkFixture(t, path)
				if name == "fail.yaml" && !slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Rule == d.Name() }) {
					t.Errorf("the failing fixture of %s does not trigger it", d.Name())
				}
				if name == "pass.yaml" && len(fs) > 0 {
					t.Errorf("the passing fixture of %s has findings", d.Name())
				}
			})
		}
	}
	for _, r := range append(Rules(), suppressionRule) {
		if !have[r.ID] {
			t.Errorf("rule %s has no fixtures in tests/lint/rules/%s", r.ID, r.ID)
		}
	}
}

// TestSeedFixtures lints the seed's manifests as its chapter wrote them.
func TestSeedFixtures(t *testing.T) {
	paths, err := filepath.Glob("../../tests/lint/seed/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed fixtures: %v", err)
	}
	for _, p := range paths {
		checkFixture(t, p)
	}
}

func TestRulesAreDescribed(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Descriptors() {
		if seen[d.ID] {
			t.Errorf("rule %s twice", d.ID)
		}
		seen[d.ID] = true
		if d.Doc == "" || d.Help == "" || d.Severity == "" {
			t.Errorf("rule %s lacks a doc, help or severity", d.ID)
		}
		if strings.ToLower(d.ID) != d.ID || strings.ContainsAny(d.ID, " _") {
			t.Errorf("rule %s is not kebab-case", d.ID)
		}
	}
	if len(seen) < 21 {
		t.Errorf("only %d rules", len(seen))
	}
}

// TestCleanCompleteSet lints one app's complete set of compiled objects on
// its own, with the outside facts its environment declares: nothing at all
// may be reported.
func TestCleanCompleteSet(t *testing.T) {
	cfg, err := LoadConfig("../../tests/lint/clean.config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Files(context.Background(), []string{"../../tests/lint/clean"}, Options{Schemas: schemaDir, Config: cfg, Production: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("finding in the clean set: %s", f)
	}
	kinds := map[string]int{}
	docs, _ := os.ReadDir("../../tests/lint/clean")
	for _, d := range docs {
		kinds[strings.SplitN(d.Name(), "-", 2)[0]]++
	}
	for _, k := range []string{"namespace", "serviceaccount", "configmap", "deployment", "service", "horizontalpodautoscaler", "poddisruptionbudget", "virtualservice", "destinationrule", "peerauthentication", "authorizationpolicy", "servicemonitor", "prometheusrule"} {
		if kinds[k] == 0 {
			t.Errorf("the clean set has no %s", k)
		}
	}
	if kinds["deployment"] != 2 {
		t.Error("the clean set needs a stable and a canary Deployment")
	}
}
