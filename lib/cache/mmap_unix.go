//go:build unix

package cache

import (
	"os"
	"syscall"
)

// readShared returns the content of the file name, mapped read-only into
// memory rather than copied: a run reads a fleet's renders (about 100 MB
// at 1,000 apps), and a copy costs a page fault on fresh memory per 4 KB.
// The mapping is never undone, as slices of it outlive the call. The cache
// replaces a file by a rename, never in place, so a mapped file does not
// change under the run; a file truncated by hand while a run reads it
// would crash that run.
func readShared(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 || int64(int(fi.Size())) != fi.Size() {
		return os.ReadFile(name)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}
