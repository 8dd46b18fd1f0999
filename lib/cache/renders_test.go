package cache

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRendersKeepAndDrop: what Put keeps, a later run's Get finds; a run
// that uses fewer than half the renders kept drops the others; a write
// that fails is Save's error.
func TestRendersKeepAndDrop(t *testing.T) {
	c := &Cache{dir: t.TempDir()}
	r := c.Renders()
	for i := range 6 {
		r.Put([sha256.Size]byte{byte(i)}, []byte{byte('a' + i)})
	}
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	// A run that uses all six keeps all six.
	r = c.Renders()
	for i := range 6 {
		if b, ok := r.Get([sha256.Size]byte{byte(i)}); !ok || string(b) != string(rune('a'+i)) {
			t.Fatalf("render %d: %q %v", i, b, ok)
		}
	}
	if _, ok := r.Get([sha256.Size]byte{9}); ok {
		t.Fatal("a render never kept was found")
	}
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, c); n != 6 {
		t.Fatalf("%d renders after a run that used all six", n)
	}
	// A run that uses three of six keeps them all; one that uses two drops
	// the four others.
	for _, used := range []int{3, 2} {
		r = c.Renders()
		for i := range used {
			r.Get([sha256.Size]byte{byte(i)})
		}
		if err := r.Save(); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, c); n != 2 {
		t.Errorf("%d renders after a run that used two of six, want 2", n)
	}
	// The folder is a file: the write fails, and Save says so.
	bad := &Cache{dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(bad.dir, "renders"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = bad.Renders()
	r.Put([sha256.Size]byte{1}, []byte("x"))
	if err := r.Save(); err == nil || !strings.Contains(err.Error(), "cache:") {
		t.Errorf("a failed write: Save says %v", err)
	}
	if (*Cache)(nil).Renders() != nil || (*Renders)(nil).Save() != nil {
		t.Error("no cache, yet renders")
	}
}

func count(t *testing.T, c *Cache) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(c.dir, "renders"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
