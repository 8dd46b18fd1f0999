package cache

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRendersKeepAndDrop: what Put keeps, a later run's Get finds; a file
// written again keeps the renders its run used, and the others while they
// do not outnumber them; a damaged file is empty; a write that fails is
// Save's error.
func TestRendersKeepAndDrop(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	key := func(i int) [sha256.Size]byte { return [sha256.Size]byte{7, byte(i)} } // one file
	r := c.Renders(version)
	for i := range 6 {
		r.Put(key(i), []byte{byte('a' + i)})
	}
	r.Put([sha256.Size]byte{8}, []byte("other file"))
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(r.dir); len(files) != 2 {
		t.Fatalf("%d files, want 2", len(files))
	}
	r = c.Renders(version)
	for i := range 6 {
		if b, ok := r.Get(key(i)); !ok || string(b) != string(rune('a'+i)) {
			t.Fatalf("render %d: %q %v", i, b, ok)
		}
	}
	if _, ok := r.Get(key(9)); ok {
		t.Fatal("a render never kept was found")
	}
	if err := r.Save(); err != nil { // nothing added: nothing written
		t.Fatal(err)
	}
	// A run that uses one and adds one keeps the two and drops the five
	// others; the other file is not written.
	other := filepath.Join(r.dir, "08")
	before, _ := os.Stat(other)
	r = c.Renders(version)
	r.Get(key(0))
	r.Put(key(6), []byte("g"))
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	r = c.Renders(version)
	for i := range 7 {
		if _, ok := r.Get(key(i)); ok != (i == 0 || i == 6) {
			t.Errorf("render %d kept: %v", i, ok)
		}
	}
	if after, _ := os.Stat(other); !after.ModTime().Equal(before.ModTime()) {
		t.Error("a file the run added nothing to was written again")
	}
	// A damaged file is an empty one.
	if err := os.WriteFile(other, []byte("manifold renders 1\nshort"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = c.Renders(version)
	if _, ok := r.Get([sha256.Size]byte{8}); ok {
		t.Error("a damaged file gave a render")
	}
	// A render put there replaces it.
	r.Put([sha256.Size]byte{8, 1}, []byte("replaced"))
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	if b, ok := c.Renders(version).Get([sha256.Size]byte{8, 1}); !ok || string(b) != "replaced" {
		t.Errorf("after a damaged file: %q %v", b, ok)
	}
	if files, _ := os.ReadDir(r.dir); len(files) != 2 {
		t.Errorf("%d files, want the 2 buckets and no pending file", len(files))
	}
	// The folder is a file: the write fails, and Save says so.
	bad := &Cache{dir: t.TempDir()}
	r = bad.Renders(version)
	if err := os.WriteFile(r.dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.Put([sha256.Size]byte{1}, []byte("x"))
	if err := r.Save(); err == nil || !strings.Contains(err.Error(), "cache:") {
		t.Errorf("a failed write: Save says %v", err)
	}
	if (*Cache)(nil).Renders(version) != nil || (*Renders)(nil).Save() != nil {
		t.Error("no cache, yet renders")
	}
}

// version is the identity of a version of the rendering code.
var version = []byte("version one")

// TestRendersOfOneVersionEach: each version of the rendering code finds
// its own renders only, and the folders of the versions least recently
// used beyond KeepRenders are removed, with a folder of an older layout.
func TestRendersOfOneVersionEach(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(c.dir, "renders"), 0o755); err != nil { // an older layout
		t.Fatal(err)
	}
	then := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(c.dir, "renders"), then, then); err != nil {
		t.Fatal(err)
	}
	key := [sha256.Size]byte{5}
	versions := [][]byte{[]byte("v1"), []byte("v2"), []byte("v3")}
	for i, v := range versions {
		r := c.Renders(v)
		r.Put(key, []byte{byte('a' + i)})
		if err := r.Save(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // each folder used later than the last
	}
	for i, v := range versions {
		b, ok := c.Renders(v).Get(key)
		if kept := i >= len(versions)-KeepRenders; ok != kept || ok && string(b) != string(rune('a'+i)) {
			t.Errorf("version %d: %q %v, want kept %v", i+1, b, ok, kept)
		}
	}
	names, _ := filepath.Glob(filepath.Join(c.dir, "renders*"))
	if len(names) != KeepRenders {
		t.Errorf("folders %v, want %d", names, KeepRenders)
	}
}

// TestRendersRemoveStalePending: Save removes the pending files an
// interrupted run left an hour or more ago, and leaves a recent one (a
// run still going) alone; its own are gone.
func TestRendersRemoveStalePending(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	dir := c.Renders(version).dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, recent := filepath.Join(dir, pendingPrefix+"00-old"), filepath.Join(dir, pendingPrefix+"00-recent")
	for _, name := range []string{old, recent} {
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	then := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, then, then); err != nil {
		t.Fatal(err)
	}
	r := c.Renders(version)
	r.Put([sha256.Size]byte{3}, []byte("y"))
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{pendingPrefix + "00-recent", "03"}; !slices.Equal(names, want) {
		t.Errorf("renders/ holds %v, want %v", names, want)
	}
}
