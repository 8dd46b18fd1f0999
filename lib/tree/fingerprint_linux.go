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
	return Fingerprint{
		Size:       st.Size,
		ModTime:    st.Mtim.Nano(),
		ChangeTime: st.Ctim.Nano(),
		Inode:      st.Ino,
		Device:     uint64(st.Dev), //nolint:unconvert // int32 on some architectures
	}, true
}
