package cache

import (
	"bytes"
	"crypto/sha256"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/tree"
)

func TestKeyCoversEveryInput(t *testing.T) {
	schemas := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(schemas, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(schemas, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kubernetes/deployment.json", `{"type":"object"}`)
	key := func(defs string, envs, apps []string) [32]byte {
		t.Helper()
		k, err := (&Cache{dir: t.TempDir()}).Key(defs, schemas, envs, apps) // a Cache per run: the schemas are read again
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key("apps", nil, nil)
	if key("apps", nil, nil) != base {
		t.Fatal("the same inputs give two keys")
	}
	seen := map[[32]byte]string{base: "base"}
	differs := func(what string, k [32]byte) {
		t.Helper()
		if prev, dup := seen[k]; dup {
			t.Errorf("%s gives the key of %s", what, prev)
		}
		seen[k] = what
	}
	differs("other definitions", key("fleet", nil, nil))
	differs("an environment", key("apps", []string{"dev"}, nil))
	differs("an app", key("apps", nil, []string{"dev"}))
	write("kubernetes/deployment.json", `{"type":"array"}`)
	differs("a changed schema", key("apps", nil, nil))
	write("crds/x.json", `{}`)
	differs("a new schema", key("apps", nil, nil))
	if err := os.Rename(filepath.Join(schemas, "crds/x.json"), filepath.Join(schemas, "crds/y.json")); err != nil {
		t.Fatal(err)
	}
	differs("a renamed schema", key("apps", nil, nil))
	if _, err := (&Cache{dir: t.TempDir()}).Key("apps", filepath.Join(schemas, "nowhere"), nil, nil); err == nil {
		t.Error("a missing schema folder keys")
	}
}

func TestPutGetAndTrim(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	if _, ok := c.Get([32]byte{1}); ok {
		t.Fatal("an empty cache hits")
	}
	d := tree.Digest{
		Files: map[string]tree.Sum{"dev/a/x.yaml": tree.Hash([]byte("x")), "dev/a/y.yaml": tree.Hash([]byte("y"))},
		Envs:  map[string]map[string]string{"dev": {"kubernetes": "1.37.2"}},
	}
	warning := []finding.Finding{{Rule: "spread-missing", Severity: finding.Warning, File: "apps/worker.go", Line: 3, Message: "m"}}
	e, err := NewEntry(2, warning, d, tree.Scope{"dev/a/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Put([32]byte{1}, e); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get([32]byte{1})
	if !ok || got.Objects != 2 || got.Files != 2 || !slices.Equal(got.Findings, warning) || !slices.Equal(got.Scope, e.Scope) {
		t.Fatalf("got %+v, %v", got, ok)
	}
	gd, err := got.Digest()
	if err != nil || !maps.Equal(gd.Files, d.Files) || gd.Envs["dev"]["kubernetes"] != "1.37.2" {
		t.Fatalf("digest %+v, %v", gd, err)
	}
	if _, err := (Entry{Tree: []byte("garbage")}).Digest(); err == nil {
		t.Error("a corrupt tree decodes")
	}
	// Beyond Keep entries, the least recently used go; a Get counts as a use.
	old := time.Now().Add(-time.Hour)
	keys := [][32]byte{{1}}
	for i := range Keep - 1 {
		keys = append(keys, [32]byte{byte(10 + i)})
		if err := c.Put(keys[len(keys)-1], e); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range keys {
		at := old.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(c.entryFile(k), at, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := c.Get([32]byte{1}); !ok { // the oldest, used again
		t.Fatal("entry 1 gone early")
	}
	if err := c.Put([32]byte{99}, e); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(c.dir, "compile-*"))
	if len(names) != Keep {
		t.Errorf("%d entries kept, want %d", len(names), Keep)
	}
	for k, want := range map[byte]bool{1: true, 99: true, 10: false, 11: true} {
		if _, ok := c.Get([32]byte{k}); ok != want {
			t.Errorf("entry %d kept: %v, want %v", k, ok, want)
		}
	}
	// A corrupt entry is a miss.
	if err := os.WriteFile(c.entryFile([32]byte{99}), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get([32]byte{99}); ok {
		t.Error("a corrupt entry hits")
	}
}

func TestOpen(t *testing.T) {
	t.Setenv(Variable, "off")
	if c, err := Open(); c != nil || err != nil {
		t.Errorf("off: %v %v", c, err)
	}
	var off *Cache
	if _, ok := off.Get([32]byte{}); ok || off.Put([32]byte{}, Entry{}) != nil {
		t.Error("a cache that is off keeps something")
	}
	if k, save := off.Known("out"); k != nil || save() != nil {
		t.Error("a cache that is off knows files")
	}
	dir := t.TempDir()
	t.Setenv(Variable, dir)
	if c, err := Open(); err != nil || c.dir != dir {
		t.Errorf("named: %v %v", c, err)
	}
	t.Setenv(Variable, "")
	t.Setenv("XDG_CACHE_HOME", dir)
	if c, err := Open(); err != nil || c.dir != filepath.Join(dir, "manifold") {
		t.Errorf("default: %v %v", c, err)
	}
}

// TestExecutableHashIsRecorded: the executable's hash is recorded by its
// fingerprint once that has settled, and then believed without reading
// the executable; a change to it is read again.
func TestExecutableHashIsRecorded(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	exe := filepath.Join(t.TempDir(), "compile")
	if err := os.WriteFile(exe, []byte("version one"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := selfExe
	defer func() { selfExe = old; exeOnce = sync.Once{} }()
	selfExe = func() (*os.File, string, error) {
		f, err := os.Open(exe)
		return f, exe, err
	}
	hash := func() []byte {
		t.Helper()
		exeOnce = sync.Once{}
		sum, err := c.executable()
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	records := func() []string {
		names, _ := filepath.Glob(filepath.Join(c.dir, "exe-*"))
		return names
	}
	one := sha256.Sum256([]byte("version one"))
	if got := hash(); !bytes.Equal(got, one[:]) || len(records()) != 0 {
		t.Fatalf("just written: %x, records %v", got, records())
	}
	time.Sleep(tree.RacyWindow + 100*time.Millisecond)
	if got := hash(); !bytes.Equal(got, one[:]) || len(records()) != 1 {
		t.Fatalf("settled: %x, records %v", got, records())
	}
	// The record is believed: planted, its hash is what the run uses.
	rec := records()[0]
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	planted := sha256.Sum256([]byte("planted"))
	if err := os.WriteFile(rec, append(b[:len(b)-sha256.Size], planted[:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := hash(); !bytes.Equal(got, planted[:]) {
		t.Fatalf("the record was not believed: %x", got)
	}
	// A new executable (a rebuild) is read again.
	if err := os.WriteFile(exe, []byte("version two"), 0o755); err != nil {
		t.Fatal(err)
	}
	two := sha256.Sum256([]byte("version two"))
	if got := hash(); !bytes.Equal(got, two[:]) {
		t.Fatalf("after a rebuild: %x", got)
	}
}
