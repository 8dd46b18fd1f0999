package tree

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteRemembersWhatLstatSees(t *testing.T) {
	dir := t.TempDir()
	k := NewKnown()
	tr := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1", "dev/b/z.yaml", "z1")
	if _, err := (Writer{Known: k}).Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	// The fingerprint taken through the open file after the rename is the
	// one a later run's lstat finds: the file is not read again.
	for p := range tr.Files {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := fingerprint(fi)
		if got, ok := k.files[p]; !ok || got.FP != want || got.Sum != Hash(tr.Files[p]) {
			t.Errorf("%s: remembered %+v, lstat %+v", p, got, want)
		}
	}
}

func TestWriteIs0644WhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x1"), nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "dev/a/x.yaml"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, err %v", fi.Mode(), err)
	}
}
