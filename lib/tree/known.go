package tree

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/manifold-dev/manifold/lib/workers"
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
//
// It also remembers the last tree Current found current, as a stamp: the
// fingerprints of the ownership record and of every folder then. A folder's
// times move when an entry is added, removed or renamed in it, so while
// they and the files' fingerprints are as they were, so is the tree, and
// Unchanged says so without reading the record or listing a folder.
type Known struct {
	mu      sync.RWMutex
	files   map[string]seen // by slash path relative to the folder
	stamp   *stamp
	changed bool
}

// stamp is a tree Current found current.
type stamp struct {
	Key    string                 // the caller's name for what was found current
	Record Fingerprint            // the ownership record's
	Dirs   map[string]Fingerprint // every folder under the roots, by slash path
	Files  []string               // the files compared: all in files, as they were
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
	if files, st, ok := decodeKnown(b); ok {
		k.files, k.stamp = files, st
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
	old := func(fp Fingerprint) bool { return fp.ChangeTime < racy && fp.ModTime < racy }
	keep := make(map[string]seen, len(k.files))
	for p, s := range k.files {
		if old(s.FP) {
			keep[p] = s
		}
	}
	st := k.stamp
	if st != nil {
		fresh := !old(st.Record)
		for _, fp := range st.Dirs {
			fresh = fresh || !old(fp)
		}
		for _, p := range st.Files {
			_, kept := keep[p]
			fresh = fresh || !kept
		}
		if fresh {
			st = nil
		}
	}
	if err := WriteAtomic(file, encodeKnown(keep, st)); err != nil {
		return err
	}
	k.changed = false
	return nil
}

// Unchanged reports whether the tree under dir is as it was when Current
// last found it current under key: the record, every folder and every
// file compared then still have their fingerprints. It reads no file and
// lists no folder.
func (k *Known) Unchanged(dir, key string) bool {
	if k == nil {
		return false
	}
	k.mu.RLock()
	st := k.stamp
	k.mu.RUnlock()
	if st == nil || st.Key != key {
		return false
	}
	if fp, ok := lstatFingerprint(filepath.Join(dir, RecordName)); !ok || fp != st.Record {
		return false
	}
	dirs := slices.Collect(maps.Keys(st.Dirs))
	var changed atomic.Bool
	workers.EachOn(fsWorkers(), len(dirs)+len(st.Files), func(i int) {
		if changed.Load() {
			return
		}
		var p string
		var want Fingerprint
		if i < len(dirs) {
			p, want = dirs[i], st.Dirs[dirs[i]]
		} else {
			p = st.Files[i-len(dirs)]
			k.mu.RLock()
			s, ok := k.files[p]
			k.mu.RUnlock()
			if !ok {
				changed.Store(true)
				return
			}
			want = s.FP
		}
		if fp, ok := lstatFingerprint(filepath.Join(dir, filepath.FromSlash(p))); !ok || fp != want {
			changed.Store(true)
		}
	})
	return !changed.Load()
}

// stampCurrent remembers that the tree was found current under key, with
// the record's fingerprint taken before it was read, having compared files
// and seen folders dirs.
func (k *Known) stampCurrent(key string, record Fingerprint, files []string, dirs map[string]Fingerprint) {
	if k == nil || key == "" {
		return
	}
	k.mu.Lock()
	k.stamp = &stamp{Key: key, Record: record, Dirs: dirs, Files: files}
	k.changed = true
	k.mu.Unlock()
}

// lstatFingerprint returns the fingerprint of name, not following a
// symlink.
func lstatFingerprint(name string) (Fingerprint, bool) {
	fi, err := os.Lstat(name)
	if err != nil {
		return Fingerprint{}, false
	}
	return fingerprint(fi)
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
		k.mu.RLock()
		s, hit := k.files[p]
		k.mu.RUnlock()
		if hit && s.FP == fp {
			return s.Sum, nil
		}
	}
	b, err := readFile(filepath.Join(dir, filepath.FromSlash(p)), fi.Size())
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

// forget drops what k knows of p, a file removed or about to change, and
// the stamp: the tree is changing.
func (k *Known) forget(p string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	if _, ok := k.files[p]; ok {
		delete(k.files, p)
		k.changed = true
	}
	if k.stamp != nil {
		k.stamp = nil
		k.changed = true
	}
	k.mu.Unlock()
}
