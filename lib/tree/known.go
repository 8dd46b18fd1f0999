package tree

import (
	"bytes"
	"crypto/sha256"
	"errors"
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
// A fingerprint taken within RacyWindow of the file's last change is racy:
// an edit in the same tick of the file system's clock would leave it as it
// was, so it is kept but not trusted, and the file is read again (Git's
// "racily clean" entries). Any later change moves the change time, which
// no user-space call can set back.
//
// It also keeps a stamp: the tree as Current found it current, or as
// Write left it. A stamp holds the fingerprint of every folder under the
// tree's roots and of the ownership record, and marks the files it holds.
// A folder's times move when an entry is added, removed or renamed in it,
// so while they and the files' fingerprints are as they were, so is the
// tree: Unchanged says so without reading the record or listing a folder,
// and Write trusts what it knows of every folder instead of listing it (a
// racy folder is listed, a racy record read).
type Known struct {
	mu      sync.RWMutex
	files   map[string]seen // by slash path relative to the folder
	stamp   *stamp
	changed bool
}

// stamp is a tree known to be as it was compiled.
type stamp struct {
	Key string // the caller's name for what the tree is, or ""
	// Roots are the folders (slash paths with a trailing slash) the stamp
	// holds every folder and file of, sorted: the environments' folders,
	// or a narrowed run's scope.
	Roots     []string
	Record    mark              // the ownership record's
	RecordSum [sha256.Size]byte // the record's content hash
	Dirs      map[string]mark   // every folder under the roots, by slash path
}

// mark is a fingerprint, and whether it is racy.
type mark struct {
	FP   Fingerprint
	Racy bool
}

// RacyWindow is how close to a file's last change a fingerprint may be
// taken and still be trusted later: farther than any file system's clock
// tick.
const RacyWindow = time.Second

// now is the clock fingerprints are judged racy by.
var now = time.Now

// markOf returns fp, racy when the file changed within RacyWindow of now.
func markOf(fp Fingerprint) mark {
	limit := now().Add(-RacyWindow).UnixNano()
	return mark{FP: fp, Racy: fp.ModTime >= limit || fp.ChangeTime >= limit}
}

// FileFingerprint returns the fingerprint of a file's stat, and whether it
// is settled: taken long enough after the file's last change (RacyWindow)
// to tell any later change. ok is false on a platform without one.
func FileFingerprint(fi fs.FileInfo) (fp Fingerprint, settled, ok bool) {
	if fp, ok = fingerprint(fi); !ok {
		return Fingerprint{}, false, false
	}
	return fp, !markOf(fp).Racy, true
}

// seen is what Known keeps of one file.
type seen struct {
	mark
	Sum     Sum  // of the content
	Stamped bool // the stamp holds it
}

// trusts reports whether e tells the content of the file whose lstat is
// s: e is of a file seen, its fingerprint is s's, and it is not racy.
func (e seen) trusts(s stat) bool {
	return s.known && e.Sum != (Sum{}) && e.FP == s.fp && !e.Racy
}

// Fingerprint identifies a version of a file without reading it.
type Fingerprint struct {
	Size, ModTime, ChangeTime int64 // times in nanoseconds
	Inode, Device             uint64
}

// stat is what the tree's checks need of an lstat: the fingerprint, when
// the platform gives one (known), and the type bits of the mode (0 for a
// regular file).
type stat struct {
	fp    Fingerprint // its Size is the file's size either way
	known bool
	mode  fs.FileMode
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
// this run learned anything.
func (k *Known) Save(file string) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.changed {
		return nil
	}
	if err := WriteAtomic(file, encodeKnown(k.files, k.stamp)); err != nil {
		return err
	}
	k.changed = false
	return nil
}

// Unchanged reports whether the tree under dir is as it was when it was
// stamped under key (by Current, or by a Writer with that Key): the
// record, every folder and every file still have their fingerprints, or a
// racy one's content or listing is as it was. It reads no other file and
// lists no other folder.
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
	s := k.survey(dir, st, false)
	if !s.ok {
		return false
	}
	for i := range s.held {
		if s.errs[i] != nil || s.sums[i] != s.was[i].Sum {
			return false
		}
	}
	if s.sv.refreshed {
		// What was racy is settled, or listed again: the stamp says so.
		k.restamp(st, s.sv)
	}
	return true
}

// sumsAt is sumAt for each of paths, on fsWorkers goroutines, with what
// k knew of them (returned) read once and what it learns remembered once:
// the goroutines share no lock.
func (k *Known) sumsAt(dir string, paths []string) ([]seen, []Sum, []error) {
	known := make([]seen, len(paths))
	if k != nil {
		k.mu.RLock()
		for i, p := range paths {
			known[i] = k.files[p]
		}
		k.mu.RUnlock()
	}
	sums, errs := make([]Sum, len(paths)), make([]error, len(paths))
	learned := make([]*seen, len(paths))
	eachFS(len(paths), func(i int) {
		p := paths[i]
		s, err := lstat(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case err != nil:
			errs[i] = err
			return
		case s.mode != 0:
			errs[i] = errNotRegular(p, s.mode)
			return
		case known[i].trusts(s):
			sums[i] = known[i].Sum
			return
		}
		if err := inspect(filepath.Join(dir, filepath.FromSlash(p)), s.fp.Size, func(b []byte) { sums[i] = Hash(b) }); err != nil {
			errs[i] = err
			return
		}
		if s.known {
			e := known[i]
			e.mark, e.Sum = markOf(s.fp), sums[i]
			learned[i] = &e
		}
	})
	if k != nil {
		k.mu.Lock()
		for i, e := range learned {
			if e != nil {
				k.files[paths[i]] = *e
				k.changed = true
			}
		}
		k.mu.Unlock()
	}
	return known, sums, errs
}

// stampedFiles returns the paths of the files the stamp holds.
func (k *Known) stampedFiles() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []string
	for p, s := range k.files {
		if s.Stamped {
			out = append(out, p)
		}
	}
	return out
}

// setStamp makes st the stamp, holding exactly the files paths; false,
// and no stamp, when one of them has no fingerprint. With same, the stamp
// held all of paths and no other file before, but written (which a write
// forgot and remembered again).
func (k *Known) setStamp(st *stamp, paths map[string]Sum, same bool, written []string) bool {
	if k == nil {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stamp, k.changed = nil, true
	if same {
		paths = make(map[string]Sum, len(written))
		for _, p := range written {
			paths[p] = Sum{}
		}
	}
	for p := range paths {
		e, ok := k.files[p]
		if !ok {
			return false // a file not fingerprinted: nothing to go by
		}
		if !e.Stamped {
			e.Stamped = true
			k.files[p] = e
		}
	}
	if !same && len(k.files) > len(paths) {
		for p, e := range k.files {
			if _, in := paths[p]; e.Stamped && !in {
				e.Stamped = false
				k.files[p] = e
			}
		}
	}
	k.stamp = st
	return true
}

// dropStamp forgets the stamp.
func (k *Known) dropStamp() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stamp != nil {
		k.stamp = nil
		k.changed = true
	}
}

// restamp replaces the stamp st by the marks its folders were found with,
// when st is still the stamp.
func (k *Known) restamp(st *stamp, sv folders) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stamp != st {
		return
	}
	next := *st
	next.Record, next.Dirs = sv.record, sv.dirs
	k.stamp = &next
	k.changed = true
}

// lstatFingerprint returns the fingerprint of name, not following a
// symlink.
func lstatFingerprint(name string) (Fingerprint, bool) {
	s, err := lstat(name)
	return s.fp, err == nil && s.known
}

// WriteAtomic writes the file name, creating its folder, through a temp
// file and a rename: a reader sees the old or the new content, never a mix.
func WriteAtomic(name string, data []byte) error {
	return writeAtomic(filepath.Dir(name), filepath.Base(name), data, false)
}

// errNotRegular is the error for a path of the tree that is not a
// regular file.
func errNotRegular(p string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		return errors.New(p + " is a symlink; manifold does not follow symlinks in its output")
	}
	return errors.New("is not a regular file")
}

// sum returns the hex SHA-256 of the regular file at p under dir, whose
// lstat is s: from memory when its fingerprint is the one last seen and
// not racy, otherwise by reading it (and remembering it).
func (k *Known) sum(dir, p string, s stat) (Sum, error) {
	if sum, ok := k.trusted(p, s); ok {
		return sum, nil
	}
	var sum Sum
	if err := inspect(filepath.Join(dir, filepath.FromSlash(p)), s.fp.Size, func(b []byte) { sum = Hash(b) }); err != nil {
		return Sum{}, err
	}
	k.remember(p, s, sum)
	return sum, nil
}

// holds reports whether the regular file at p under dir, whose lstat is s,
// holds want, whose hash is sum: from memory as sum does, otherwise by
// reading it and comparing the bytes, which costs less than hashing them.
// A file found to hold want is remembered with sum.
func (k *Known) holds(dir, p string, s stat, want []byte, sum Sum) (bool, error) {
	if known, ok := k.trusted(p, s); ok {
		return known == sum, nil
	}
	same := false
	if err := inspect(filepath.Join(dir, filepath.FromSlash(p)), s.fp.Size, func(b []byte) { same = bytes.Equal(b, want) }); err != nil {
		return false, err
	}
	if !same {
		return false, nil
	}
	k.remember(p, s, sum)
	return true, nil
}

// trusted returns the sum k remembers of the file at p when its lstat s
// shows it unchanged since, and the fingerprint then was not racy.
func (k *Known) trusted(p string, s stat) (Sum, bool) {
	if k == nil {
		return Sum{}, false
	}
	k.mu.RLock()
	e := k.files[p]
	k.mu.RUnlock()
	return e.Sum, e.trusts(s)
}

// remember records that the file at p, whose lstat (taken before it was
// read) is s, has content sum.
func (k *Known) remember(p string, s stat, sum Sum) {
	if k == nil || !s.known {
		return
	}
	k.mu.Lock()
	e := k.files[p]
	e.mark, e.Sum = markOf(s.fp), sum
	k.files[p] = e
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
	k.mu.Unlock()
	k.dropStamp()
}

// statOf returns what the checks need of an os.FileInfo (from a walk, or a
// written file's Stat).
func statOf(fi fs.FileInfo) stat {
	s := stat{mode: fi.Mode().Type()}
	s.fp, s.known = fingerprint(fi)
	s.fp.Size = fi.Size()
	return s
}

// reads holds the buffers files are read into to be hashed or compared, so
// that checking a tree of tens of thousands of files reads them into a few
// buffers rather than each into fresh memory.
var reads = sync.Pool{New: func() any { return new([]byte) }}

// maxKeptRead is the largest buffer reads keeps: a rare large file is read
// into memory of its own, not held for the next ones.
const maxKeptRead = 1 << 20

// inspect reads the file at name, whose size is likely size, and passes
// its bytes to use, which must not keep them.
func inspect(name string, size int64, use func([]byte)) error {
	bp := reads.Get().(*[]byte)
	defer reads.Put(bp)
	b, err := readFile(name, size, *bp)
	if err != nil {
		return err
	}
	use(b)
	if cap(b) <= maxKeptRead {
		*bp = b[:0]
	}
	return nil
}
