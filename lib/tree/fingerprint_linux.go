package tree

import (
	"io/fs"
	"syscall"
)

// fingerprint returns the stat fingerprint of a file's lstat.
func fingerprint(fi fs.FileInfo) (Fingerprint, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Fingerprint{}, false
	}
	return fingerprintOf(st), true
}

func fingerprintOf(st *syscall.Stat_t) Fingerprint {
	return Fingerprint{
		Size:       st.Size,
		ModTime:    st.Mtim.Nano(),
		ChangeTime: st.Ctim.Nano(),
		Inode:      st.Ino,
		Device:     uint64(st.Dev), //nolint:unconvert // int32 on some architectures
	}
}

// lstat returns what the tree's checks need of name's lstat: one system
// call, and none of the allocations of os.Lstat, which a check of tens of
// thousands of files pays for each.
func lstat(name string) (stat, error) {
	var st syscall.Stat_t
	err := retry(func() error { return syscall.Lstat(name, &st) })
	if err != nil {
		return stat{}, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	s := stat{fp: fingerprintOf(&st), known: true}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		s.mode = fs.ModeDir
	case syscall.S_IFLNK:
		s.mode = fs.ModeSymlink
	default:
		s.mode = fs.ModeIrregular
	}
	return s, nil
}
