//go:build unix

package tree

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// readFile reads what os.ReadFile reads, whatever the size it is told.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f.yaml")
	for _, n := range []int{0, 1, 4095, 4096, 70_000} {
		data := bytes.Repeat([]byte("abcdefg\n"), n)[:n]
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// The right size, a size the file outgrew, a size it shrank from.
		// Into no buffer, one too small and one larger than the file.
		for _, hint := range []int64{int64(n), 0, int64(n / 3), int64(n) + 100} {
			for _, buf := range [][]byte{nil, make([]byte, 1, n/2+1), make([]byte, 5, 2*n+10)} {
				got, err := readFile(name, hint, buf)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("readFile(%d bytes, hint %d, buffer %d) = %d bytes, %v", n, hint, cap(buf), len(got), err)
				}
			}
		}
	}
	if _, err := readFile(filepath.Join(dir, "missing.yaml"), 10, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(name, link); err != nil {
		t.Fatal(err)
	}
	if b, err := readFile(link, 10, nil); err == nil {
		t.Errorf("read %d bytes through a symlink", len(b))
	}
	if _, err := readFile(dir, 10, nil); err == nil {
		t.Error("read a folder")
	}
}

// openFile creates as os.OpenFile does, and refuses a name taken under
// O_EXCL with an error that says so.
func TestOpenFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f.yaml")
	f, err := openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("kind: x\n"); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil || f.Name() != name || fi.Mode().Perm() != 0o600 || fi.Size() != 8 {
		t.Errorf("opened %s, stat %v, %v; want %s, 0600, 8 bytes", f.Name(), fi, err, name)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
		t.Errorf("a taken name: %v, want fs.ErrExist", err)
	}
}

// readsAs holds a file to every byte of want and to its length, and reads
// nothing but a regular file: a symlink, a folder or a pipe reads as
// nothing, without blocking.
func TestReadsAs(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f.yaml")
	want := []byte("kind: ConfigMap\n")
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	if !readsAs(name, want) {
		t.Error("the file does not read as its own content")
	}
	for _, other := range []string{"kind: ConfigMaq\n", "kind: ConfigMap\n\n", "kind: ConfigMap", ""} {
		if readsAs(name, []byte(other)) {
			t.Errorf("the file reads as %q", other)
		}
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(name, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, fifo, dir, filepath.Join(dir, "missing.yaml")} {
		if readsAs(p, want) {
			t.Errorf("%s reads as the file", p)
		}
	}
}

// A write with no fingerprints to keep reads each file without its lstat,
// and still refuses a path that is not a regular file, whatever it reads
// as.
func TestWriteWithoutKnownRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	tr := files("dev/a/x.yaml", "x", "dev/a/y.yaml", "y", "dev/a/z.yaml", "z")
	if _, err := Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	res, err := Write(dir, tr, nil)
	if err != nil || len(res.Written) != 0 {
		t.Fatalf("a current tree: wrote %v, %v", res.Written, err)
	}
	same := filepath.Join(t.TempDir(), "y.yaml")
	if err := os.WriteFile(same, []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	y, z := filepath.Join(dir, "dev/a/y.yaml"), filepath.Join(dir, "dev/a/z.yaml")
	if err := os.Remove(y); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(same, y); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(z); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(z, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Write(dir, tr, nil)
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Conflicts) != 2 {
		t.Fatalf("want conflicts on the symlink and the pipe, got %v", err)
	}
	if c := conflict.Conflicts; c[0].Path != "dev/a/y.yaml" || !strings.Contains(c[0].Reason, "symlink") || c[1].Path != "dev/a/z.yaml" || !strings.Contains(c[1].Reason, "not a regular file") {
		t.Errorf("conflicts %+v", c)
	}
}
