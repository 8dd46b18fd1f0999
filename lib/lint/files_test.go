package lint

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/tree"
)

const schemaDir = "../../schemas"

func lintPaths(t *testing.T, opts Options, paths ...string) []finding.Finding {
	t.Helper()
	opts.Schemas = schemaDir
	fs, err := Files(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// short renders a finding as "file:line:col rule path".
func short(f finding.Finding) string {
	return filepath.Base(f.File) + ":" + f.Location()[len(f.File)+1:] + " " + f.Rule + " " + f.Path
}

func TestSchemaFixtures(t *testing.T) {
	var got []string
	var fs []finding.Finding
	for _, f := range lintPaths(t, Options{}, "../../tests/lint/schema") {
		if f.Rule == finding.RuleSchema || f.Rule == finding.RuleYAML {
			got = append(got, short(f))
			fs = append(fs, f)
		}
	}
	want := []string{
		"mixed.yaml:16:7 schema spec.ports[0].port",
		"mixed.yaml:26:5 schema automountToken",
		"mixed.yaml:28:1 yaml ",
		"unknown-field.yaml:8:3 schema spec.replica",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range fs {
		if f.Severity != finding.Error {
			t.Errorf("%s is not an error", short(f))
		}
	}
}

// TestTreePinsPickTheSchemas writes a small manifold tree whose two
// environments pin different Kubernetes versions: a field that only the
// newer version has passes in one and fails in the other.
func TestTreePinsPickTheSchemas(t *testing.T) {
	dir := t.TempDir()
	dep := `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        volumeMounts: [{name: d, mountPath: /d, bindMountOptions: [ro]}]
`
	files := tree.Tree{
		Files: map[string][]byte{"new/api/deployment-api.yaml": []byte(dep), "old/api/deployment-api.yaml": []byte(dep)},
		Envs: map[string]map[string]string{
			"new": {"kubernetes": "1.37.2"},
			"old": {"kubernetes": "1.36.3"},
		},
	}
	if _, err := tree.Write(dir, files, nil); err != nil {
		t.Fatal(err)
	}
	fs := schemaOnly(lintPaths(t, Options{}, dir))
	if len(fs) != 1 || !strings.HasSuffix(fs[0].File, "old/api/deployment-api.yaml") || fs[0].Env != "old" || fs[0].Line != 12 {
		t.Fatalf("findings %v", fs)
	}
	// -kubernetes-version overrides the tree's pins.
	if fs := schemaOnly(lintPaths(t, Options{Kubernetes: "1.36.3"}, dir)); len(fs) != 2 {
		t.Errorf("with 1.36.3 everywhere: %v", fs)
	}
}

func TestUnreadableInput(t *testing.T) {
	if _, err := Files(context.Background(), []string{"does-not-exist.yaml"}, Options{Schemas: schemaDir}); err == nil {
		t.Error("a missing path is not an error")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "binary.yaml")
	if err := os.WriteFile(bin, []byte{0xff, 0xfe, 0x00, 0x01}, 0o644); err != nil {
		t.Fatal(err)
	}
	fs := lintPaths(t, Options{}, bin)
	if len(fs) != 1 || fs[0].Rule != finding.RuleYAML || !strings.Contains(fs[0].Message, "not UTF-8") {
		t.Errorf("binary file: %v", fs)
	}
	if fs := lintPaths(t, Options{Skip: []string{"*.yaml"}}, bin); len(fs) != 0 {
		t.Errorf("skipped file linted: %v", fs)
	}
}

func schemaOnly(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Rule == finding.RuleSchema {
			out = append(out, f)
		}
	}
	return out
}

func TestManifestFilesSkipsInterruptedCompiles(t *testing.T) {
	dir := t.TempDir()
	half := filepath.Join(dir, "dev", ".manifold-tmp-app")
	for _, p := range []string{filepath.Join(dir, "dev", "app"), half} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "x.yaml"), []byte("kind: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !tree.IsTemp(filepath.Base(half)) {
		t.Fatal("the folder is not named as the writer names its temp folders")
	}
	got, err := manifestFiles([]string{dir}, nil)
	if err != nil || !slices.Equal(got, []string{filepath.Join(dir, "dev", "app", "x.yaml")}) {
		t.Errorf("files %v, %v", got, err)
	}
}

// TestFilesOneGraphAtATime lints the example tree and the lint fixtures a
// graph at a time, as Files does, and all at once, as Read and Check do:
// the findings are the same, and each batch is one graph.
func TestFilesOneGraphAtATime(t *testing.T) {
	ctx := context.Background()
	opts := Options{Schemas: schemaDir}
	paths := []string{"../../out", "../../tests/lint"}
	streamed, err := Files(ctx, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	files, whole, err := Read(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	more, err := Check(ctx, files, opts)
	if err != nil {
		t.Fatal(err)
	}
	whole = append(whole, more...)
	finding.Sort(whole)
	if len(whole) < 50 {
		t.Fatalf("only %d findings: the fixtures are not being linted", len(whole))
	}
	if diff := cmp.Diff(whole, streamed); diff != "" {
		t.Errorf("a graph at a time (+) against all at once (-):\n%s", diff)
	}
	var batches []string
	err = readEach(paths, opts, true, func(files []File, _ []finding.Finding) error {
		envs := map[string]bool{}
		for _, f := range files {
			envs[f.Env] = true
		}
		batches = append(batches, strings.Join(slices.Sorted(maps.Keys(envs)), ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The tree's environments, then the fixtures (no environment; a
	// fixture that pins -kubernetes-version by itself would add one).
	if len(batches) < 4 || !slices.Equal(batches[:3], []string{"dev", "prod", "staging"}) || slices.Contains(batches[3:], "dev") {
		t.Errorf("batches by environment: %q", batches)
	}
}

// TestEmptyFileLintsItsGraphOnce: a file of no object (a comment, say)
// read before the files of its graph does not make the graph twice, so
// that a finding is reported once.
func TestEmptyFileLintsItsGraphOnce(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a-empty.yaml": "# nothing here yet\n",
		"b-cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: default\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var names []finding.Finding
	for _, f := range lintPaths(t, Options{}, dir) {
		if f.Rule == "name-invalid" {
			names = append(names, f)
		}
	}
	if len(names) != 1 {
		t.Errorf("%d name-invalid findings, want 1: %v", len(names), names)
	}
}
