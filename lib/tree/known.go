package tree

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Known remembers, for the files under one folder, the content hash last
// seen with each file's stat fingerprint (size, modification and change
// times, inode), so that a later run tells an unchanged file by one lstat
// instead of reading it, as Git's index does. A nil *Known reads every
// file. It is safe for concurrent use.
//
// A file whose change time is within RacyWindow of the moment the record
// is saved is not remembered: an edit in the same tick of the file
// system's clock would leave its fingerprint as it was. Any later change
// moves the change time, which no user-space call can set back.
type Known struct {
	mu      sync.Mutex
	files   map[string]seen // by slash path relative to the folder
	changed bool
}

// RacyWindow is how recent a change may be for a file not to be
// remembered by Save.
const RacyWindow = time.Second

// now is the clock Save goes by.
var now = time.Now

// seen is what Known keeps of one file.
type seen struct {
	FP  Fingerprint
	Sum string // hex SHA-256 of the content, as the record stores it
}

// Fingerprint identifies a version of a file without reading it.
type Fingerprint struct {
	Size, ModTime, ChangeTime int64 // times in nanoseconds
	Inode, Device             uint64
}

// NewKnown returns an empty Known.
func NewKnown() *Known { return &Known{files: map[string]seen{}} }

// LoadKnown reads a Known that Save wrote to file. A missing, unreadable
// or corrupt file is an empty Known: it is a cache, and costs only reads.
func LoadKnown(file string) *Known {
	k := NewKnown()
	b, err := os.ReadFile(file)
	if err != nil {
		return k
	}
	if files, ok := decodeKnown(b); ok {
		k.files = files
	}
	return k
}

// Save writes what k knows to file (through a temp file and a rename) when
// this run learned anything, leaving out the files changed too recently
// to be told apart by their fingerprint.
func (k *Known) Save(file string) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.changed {
		return nil
	}
	racy := now().Add(-RacyWindow).UnixNano()
	keep := make(map[string]seen, len(k.files))
	for p, s := range k.files {
		if s.FP.ChangeTime < racy && s.FP.ModTime < racy {
			keep[p] = s
		}
	}
	if err := WriteAtomic(file, encodeKnown(keep)); err != nil {
		return err
	}
	k.changed = false
	return nil
}

// WriteAtomic writes the file name, creating its folder, through a temp
// file and a rename: a reader sees the old or the new content, never a mix.
func WriteAtomic(name string, data []byte) error {
	return writeAtomic(filepath.Dir(name), filepath.Base(name), data, false)
}

// sum returns the hex SHA-256 of the regular file at p under dir, whose
// lstat is fi: from memory when its fingerprint is the one last seen,
// otherwise by reading it (and remembering it).
func (k *Known) sum(dir, p string, fi fs.FileInfo) (string, error) {
	fp, ok := fingerprint(fi)
	if k != nil && ok {
		k.mu.Lock()
		s, hit := k.files[p]
		k.mu.Unlock()
		if hit && s.FP == fp {
			return s.Sum, nil
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		return "", err
	}
	sum := Hash(b)
	k.remember(p, fi, sum)
	return sum, nil
}

// remember records that the file at p, whose lstat is fi, has content sum.
func (k *Known) remember(p string, fi fs.FileInfo, sum string) {
	fp, ok := fingerprint(fi)
	if k == nil || !ok {
		return
	}
	k.mu.Lock()
	k.files[p] = seen{FP: fp, Sum: sum}
	k.changed = true
	k.mu.Unlock()
}

// forget drops what k knows of p (a file removed or about to change).
func (k *Known) forget(p string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	if _, ok := k.files[p]; ok {
		delete(k.files, p)
		k.changed = true
	}
	k.mu.Unlock()
}
