package tree

import (
	"io/fs"
	"os"
)

// renameOpen closes the written temp file f, renames it to name and
// returns the file's stat: Windows does not rename an open file.
func renameOpen(f *os.File, name string) (fs.FileInfo, error) {
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return nil, err
	}
	return os.Lstat(name)
}
