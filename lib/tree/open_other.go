//go:build !unix

package tree

import (
	"io/fs"
	"os"
)

// openFile opens name as os.OpenFile does.
func openFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// readFile reads the file at name, whose size is likely size; buf is
// the unix version's buffer, unused here.
func readFile(name string, _ int64, _ []byte) ([]byte, error) { return os.ReadFile(name) }

// readsAs reports false: os.ReadFile follows a symlink, so a file is read
// only after check's lstat has found it regular.
func readsAs(string, []byte) bool { return false }
