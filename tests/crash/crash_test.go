package crash

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/manifold-dev/manifold/lib/tree"
)

const files = 600

// TestKilledWrites kills the writer (SIGKILL) at many points of a write of a
// large tree, and checks after each kill that every file is its old or its
// new complete content, that the ownership record owns every file the
// writer made, that a file the writer does not own survives, and that the
// next run repairs the tree exactly.
func TestKilledWrites(t *testing.T) { killedWrites(t, false) }

// TestKilledWritesOfAStampedTree is TestKilledWrites for a writer that keeps
// what it knows of the tree between runs, as the compile command does: a
// killed run leaves the stamp of the run before it, which must not make
// the next run trust the tree the kill left.
func TestKilledWritesOfAStampedTree(t *testing.T) { killedWrites(t, true) }

func killedWrites(t *testing.T, stamped bool) {
	if testing.Short() {
		t.Skip("kills a subprocess many times")
	}
	bin := filepath.Join(t.TempDir(), "writer")
	if out, err := exec.Command("go", "build", "-o", bin, "./writer").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "out")
	args := []string{"-out", dir, "-n", "600"}
	if stamped {
		args = append(args, "-known", filepath.Join(t.TempDir(), "known"))
	}
	a, b := Tree("a", files), Tree("b", files)
	write := func(version string) {
		t.Helper()
		if out, err := exec.Command(bin, append(args, "-version", version)...).CombinedOutput(); err != nil {
			t.Fatalf("writer %s: %v\n%s", version, err, out)
		}
	}
	write("a")
	// A file not manifold's keeps a tree from being stamped: the stamped
	// run has none.
	foreign := filepath.Join(dir, "prod/app1/notes.md")
	if !stamped {
		if err := os.WriteFile(foreign, []byte("not manifold's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	write("b")
	full := time.Since(start)
	write("a")
	exact(t, dir, a)

	const kills = 12
	for k := 1; k <= kills; k++ {
		cmd := exec.Command(bin, append(args, "-version", "b")...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(full * time.Duration(k) / (kills + 1))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		consistent(t, dir, a, b)
		if b, err := os.ReadFile(foreign); !stamped && (err != nil || string(b) != "not manifold's\n") {
			t.Fatalf("kill %d: the foreign file is gone or changed: %q %v", k, b, err)
		}
		// The next run repairs: to a, then (every other time) to b.
		if k%2 == 0 {
			write("b")
			exact(t, dir, b)
		}
		write("a")
		exact(t, dir, a)
	}
}

// consistent checks a tree left by a killed writer going from a to b.
func consistent(t *testing.T, dir string, a, b tree.Tree) {
	t.Helper()
	rec, err := tree.ReadRecord(dir)
	if err != nil {
		t.Fatalf("the record does not parse after a kill: %v", err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && tree.IsTemp(d.Name()) {
			return filepath.SkipDir // a new folder half written: the next run removes it
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		name := d.Name()
		switch {
		case rel == tree.RecordName || name == "notes.md":
			return nil
		case tree.IsTemp(name):
			return nil // a temp file the next run removes
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, a.Files[rel]) && !bytes.Equal(got, b.Files[rel]) {
			t.Errorf("%s is neither its old nor its new content (%d bytes)", rel, len(got))
		}
		if rec.Files[rel] == (tree.Sum{}) {
			t.Errorf("%s exists but the record does not own it: the next run would refuse it", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A folder new in b is there whole or not at all.
	oldFolders := map[string]bool{}
	for p := range a.Files {
		oldFolders[path.Dir(p)] = true
	}
	for p := range b.Files {
		if oldFolders[path.Dir(p)] {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(path.Dir(p)))); err != nil {
			continue // not written yet
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Errorf("%s is missing from its new folder, which is there: %v", p, err)
		}
	}
	for p := range a.Files {
		if _, inB := b.Files[p]; !inB {
			continue // pruned in b: may be gone
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Errorf("%s, in both versions, is missing: %v", p, err)
		}
	}
}

// exact checks that the tree is t, and nothing else of manifold's.
func exact(t *testing.T, dir string, want tree.Tree) {
	t.Helper()
	diffs, err := tree.Check(dir, want.Digest(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if !strings.HasSuffix(d.Path, "notes.md") {
			t.Errorf("after a full run: %s %s: %s", d.Path, d.State, d.Reason)
		}
	}
	rec, err := tree.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != len(want.Files) {
		t.Errorf("the record owns %d files, want %d", len(rec.Files), len(want.Files))
	}
}
