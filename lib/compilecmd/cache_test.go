package compilecmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/cache"
	"github.com/manifold-dev/manifold/lib/model"
)

// cachedWith runs the command in-process with the cache on, the
// definitions named name (off when name is empty), and returns its exit
// code, stdout and stderr.
func cachedWith(t *testing.T, name string, defs []model.App, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), Program{Apps: defs, Envs: apps.Envs(), Cache: name}, append([]string{"-schemas", "../../schemas"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// warned is the example apps with one that draws a lint warning.
func warned() []model.App {
	return replace(withSpec(apps.Worker, func(env model.Env, s *model.Spec) {
		if env.Production {
			s.Spread = nil
		}
	}))
}

func TestCachedRunSaysWhatTheCompileSaid(t *testing.T) {
	t.Setenv(cache.Variable, t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cachedWith(t, "warned", warned(), "-out", out)
	if code != 0 || !strings.Contains(stdout, "warning spread-missing") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The definitions under the same name are taken as the same: given
	// others, the command answers from the cache, which proves it used
	// it. (cmd/compile's definitions are built into its executable, whose
	// hash is in the key.)
	code2, stdout2, stderr2 := cachedWith(t, "warned", apps.All(), "-out", out)
	if code2 != 0 || stdout2 != stdout || !strings.Contains(stderr2, "0 files written, 0 removed, 421 unchanged") {
		t.Fatalf("cached run: exit %d\n%s\n%s\nwant\n%s", code2, stdout2, stderr2, stdout)
	}
	code3, stdout3, _ := cachedWith(t, "warned", apps.All(), "-out", out, "-check")
	if code3 != 0 || stdout3 != stdout {
		t.Fatalf("cached check: exit %d\n%s", code3, stdout3)
	}
	// Another name is another key: a real compile, which rewrites the
	// worker's prod Deployment.
	code4, stdout4, stderr4 := cachedWith(t, "examples", apps.All(), "-out", out)
	if code4 != 0 || strings.Contains(stdout4, "spread-missing") || !strings.Contains(stderr4, "1 files written") {
		t.Fatalf("other name: exit %d\n%s\n%s", code4, stdout4, stderr4)
	}
}

func TestCachedRunSeesTheTreeOnDisk(t *testing.T) {
	t.Setenv(cache.Variable, t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := cachedWith(t, "examples", apps.All(), "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A hand edit with the cache warm: -check reports it from the cached
	// hashes, and a compile repairs it.
	b := editByHand(t, out)
	dep := filepath.Join(out, "prod/myapp/deployment-myapp.yaml")
	stray := filepath.Join(out, "dev/myapp/configmap-stray.yaml")
	if err := os.WriteFile(stray, []byte("kind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := cachedWith(t, "examples", apps.All(), "-out", out, "-check")
	if code != 1 || !strings.Contains(stdout, out+"/prod/myapp/deployment-myapp.yaml: error drift: stale: edited by hand") ||
		!strings.Contains(stdout, out+"/dev/myapp/configmap-stray.yaml: error drift: unexpected: stray file") {
		t.Fatalf("check after a hand edit: exit %d\n%s", code, stdout)
	}
	if err := os.Remove(stray); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cachedWith(t, "examples", apps.All(), "-out", out)
	if code != 0 || !strings.Contains(stderr, "1 files written") {
		t.Fatalf("recompile: exit %d\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(dep); !bytes.Equal(got, b) {
		t.Error("the hand edit was not repaired")
	}
	// A deleted file is found too.
	if err := os.Remove(dep); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = cachedWith(t, "examples", apps.All(), "-out", out, "-check")
	if code != 1 || !strings.Contains(stdout, "missing: not on disk") {
		t.Fatalf("check after a delete: exit %d\n%s", code, stdout)
	}
}

func TestCorruptCacheIsAMiss(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(cache.Variable, dir)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := cachedWith(t, "examples", apps.All(), "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 5 {
		t.Fatalf("cache holds %v, want a compile entry, an output record, the valid objects, the lint memo and the renders", names)
	}
	renders, _ := filepath.Glob(filepath.Join(dir, "renders-*", "*"))
	if len(renders) < 10 {
		t.Fatalf("renders: %v", renders)
	}
	names = append(slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(filepath.Base(n), "renders-") }), renders...)
	for _, n := range names {
		if err := os.WriteFile(n, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := cachedWith(t, "examples", apps.All(), "-out", out, "-check")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "is current (421 files)") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestCacheOff(t *testing.T) {
	t.Setenv(cache.Variable, "off")
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := cachedWith(t, "examples", apps.All(), "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if names, _ := filepath.Glob(filepath.Join(home, "*")); len(names) != 0 {
		t.Errorf("cache off, yet %v", names)
	}
}

func TestCachedNarrowedRunSeesItsScopeOnly(t *testing.T) {
	t.Setenv(cache.Variable, t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := cachedWith(t, "examples", apps.All(), "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for range 2 { // the second from the cache
		if code, stdout, stderr := cachedWith(t, "examples", apps.All(), "-out", out, "-app", "worker", "-check"); code != 0 {
			t.Fatalf("narrowed check: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	// myapp lies outside -app worker's scope: a hand edit there is not its
	// business; one in worker's folder is.
	editByHand(t, out)
	if code, stdout, _ := cachedWith(t, "examples", apps.All(), "-out", out, "-app", "worker", "-check"); code != 0 {
		t.Fatalf("narrowed check sees outside its scope: exit %d\n%s", code, stdout)
	}
	stray := filepath.Join(out, "prod/worker/configmap-stray.yaml")
	if err := os.WriteFile(stray, []byte("kind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := cachedWith(t, "examples", apps.All(), "-out", out, "-app", "worker", "-check")
	if code != 1 || !strings.Contains(stdout, "prod/worker/configmap-stray.yaml: error drift: unexpected") {
		t.Fatalf("narrowed check misses a stray file in its scope: exit %d\n%s", code, stdout)
	}
}

// TestLintMemoKeepsWhatTheRulesFound: a compile whose entry misses (other
// definitions, the same objects) takes every object's per-object findings
// from the lint memo, and says what the first compile said; the memo is
// not written again, which proves no object was checked again. An edit to
// one object adds its findings.
func TestLintMemoKeepsWhatTheRulesFound(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(cache.Variable, dir)
	out := filepath.Join(t.TempDir(), "out")
	// An alert with no comparison: a per-object rule's warning.
	rate := func(_ model.Env, s *model.Spec) {
		s.Alerts = append(s.Alerts, model.Alert{
			Name: "Requests", Severity: model.Warning, For: time.Minute, Summary: "requests", Description: "{{ $value }}/s",
			Expr: func(sel model.Selectors) string { return "rate(http_requests_total{" + sel.App + "}[5m])" },
		})
	}
	defs := replace(withSpec(apps.MyApp, rate))
	code, stdout, stderr := cachedWith(t, "first", defs, "-out", out)
	if code != 0 || !strings.Contains(stdout, "warning alert-no-comparison") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	memo, _ := filepath.Glob(filepath.Join(dir, "lint-*"))
	if len(memo) != 1 {
		t.Fatalf("lint memos %v, want one", memo)
	}
	before, err := os.Stat(memo[0])
	if err != nil {
		t.Fatal(err)
	}
	code, stdout2, stderr := cachedWith(t, "second", defs, "-out", out)
	if code != 0 || stdout2 != stdout {
		t.Fatalf("from the memo: exit %d\n%s\n%s\nwant\n%s", code, stdout2, stderr, stdout)
	}
	if after, err := os.Stat(memo[0]); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the memo was written again (%v): an object was checked again", err)
	}
	// The app's image changes in every environment: its pods are checked
	// again, and the memo grows.
	edited := replace(withSpec(apps.MyApp, func(env model.Env, s *model.Spec) {
		rate(env, s)
		s.Image.Tag += "-edited"
	}))
	code, stdout3, stderr := cachedWith(t, "third", edited, "-out", out)
	if code != 0 || stdout3 != stdout {
		t.Fatalf("after an edit: exit %d\n%s\n%s\nwant\n%s", code, stdout3, stderr, stdout)
	}
	if after, err := os.Stat(memo[0]); err != nil || after.Size() <= before.Size() {
		t.Errorf("the memo did not grow with the edited objects (%v)", err)
	}
}
