//go:build !windows

package tree

import (
	"io/fs"
	"os"
)

// renameOpen renames the written temp file f to name, takes the file's
// stat through f (the rename changes its ctime), and closes f: no path
// lookup for the stat.
func renameOpen(f *os.File, name string) (fs.FileInfo, error) {
	err := os.Rename(f.Name(), name)
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}
