//go:build !linux

package tree

import (
	"io/fs"
	"os"
)

// fingerprint has no change time to go by on this platform: every file is
// read.
func fingerprint(fs.FileInfo) (Fingerprint, bool) { return Fingerprint{}, false }

// lstat returns what the tree's checks need of name's lstat.
func lstat(name string) (stat, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return stat{}, err
	}
	s := stat{mode: fi.Mode().Type()}
	if s.mode&^(fs.ModeDir|fs.ModeSymlink) != 0 {
		s.mode = fs.ModeIrregular
	}
	s.fp, s.known = fingerprint(fi)
	s.fp.Size = fi.Size()
	return s, nil
}
