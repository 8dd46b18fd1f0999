package tree

import (
	"crypto/sha256"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/manifold-dev/manifold/lib/workers"
)

// folders is a stamp's record and folders checked against the disk: their
// marks as they are now.
type folders struct {
	record    mark
	dirs      map[string]mark
	refreshed bool // a racy mark was checked, and taken again
}

// folders checks st's record and folders against the disk under dir: ok
// when each has its fingerprint and, when it is racy, its content (the
// record) or its entries (a folder) are what st says. It reads no file
// but a racy record, and lists no folder but a racy one.
func (k *Known) folders(dir string, st *stamp) (folders, bool) {
	sv := folders{dirs: make(map[string]mark, len(st.Dirs))}
	rec := filepath.Join(dir, RecordName)
	s, err := lstat(rec)
	if err != nil || !s.known || s.fp != st.Record.FP {
		return sv, false
	}
	sv.record = st.Record
	if st.Record.Racy {
		b, err := readFile(rec, s.fp.Size, nil)
		if err != nil || sha256.Sum256(b) != st.RecordSum {
			return sv, false
		}
		sv.record, sv.refreshed = markOf(s.fp), true
	}
	dirs := make([]string, 0, len(st.Dirs))
	var racy []string
	for d, m := range st.Dirs {
		dirs = append(dirs, d)
		if m.Racy {
			racy = append(racy, d)
		}
	}
	children := k.children(st, racy)
	marks := make([]mark, len(dirs))
	var failed sync.Once
	ok := true
	eachFS(len(dirs), func(i int) {
		d, want := dirs[i], st.Dirs[dirs[i]]
		marks[i] = want
		name := filepath.Join(dir, filepath.FromSlash(d))
		s, err := lstat(name)
		if err == nil && s.known && s.fp == want.FP && want.Racy {
			var entries []fs.DirEntry
			if s, entries, err = readDir(name); err == nil && s.fp == want.FP && sameNames(entries, children[d]) {
				marks[i] = markOf(s.fp)
				return
			}
		} else if err == nil && s.known && s.fp == want.FP {
			return
		}
		failed.Do(func() { ok = false })
	})
	if !ok {
		return sv, false
	}
	for i, d := range dirs {
		sv.dirs[d] = marks[i]
	}
	sv.refreshed = sv.refreshed || len(racy) > 0
	return sv, true
}

// children returns the names st says each of the folders dirs holds: its
// files and its folders.
func (k *Known) children(st *stamp, dirs []string) map[string][]string {
	if len(dirs) == 0 {
		return nil
	}
	out := make(map[string][]string, len(dirs))
	for _, d := range dirs {
		out[d] = []string{}
	}
	add := func(p string) {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return
		}
		if names, ok := out[p[:i]]; ok {
			out[p[:i]] = append(names, p[i+1:])
		}
	}
	k.mu.RLock()
	for p, s := range k.files {
		if s.Stamped {
			add(p)
		}
	}
	k.mu.RUnlock()
	for d := range st.Dirs {
		add(d)
	}
	return out
}

// sameNames reports whether a folder's entries are the names want, in any
// order.
func sameNames(got []fs.DirEntry, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	names := make([]string, len(got))
	for i, e := range got {
		names[i] = e.Name()
	}
	want = slices.Clone(want)
	slices.Sort(names)
	slices.Sort(want)
	return slices.Equal(names, want)
}

// eachFS runs f(0..n-1) on fsWorkers goroutines: file system calls wait
// on the kernel.
func eachFS(n int, f func(int)) { workers.EachOn(fsWorkers(), n, f) }

// Survey is what a write planned from the stamp reads of the tree before
// it writes: the stamp's record and folders checked against the disk, and
// every file it holds looked at (by fingerprint, or read when racy or
// changed). A caller with work to do before the write (the compile) takes
// it beforehand, in parallel with that work, and gives it to the Writer,
// which uses it while the stamp is the one surveyed. What changes in the
// tree after the survey the write does not see, as it would not see what
// changes after its own checks; the stamp it leaves has the fingerprints
// seen, so the next run sees it.
type Survey struct {
	st   *stamp
	sv   folders
	ok   bool
	held []string // the files the stamp holds (sorted for a write); was, sums and errs are theirs
	was  []seen
	sums []Sum
	errs []error
}

// Survey surveys the tree under dir as k's stamp says it is; nil when k
// has no stamp.
func (k *Known) Survey(dir string) *Survey {
	if k == nil {
		return nil
	}
	k.mu.RLock()
	st := k.stamp
	k.mu.RUnlock()
	if st == nil {
		return nil
	}
	return k.survey(dir, st, true)
}

// survey surveys the tree under dir as st says it is, with the files st
// holds sorted when sorted is set (a write walks them in order).
func (k *Known) survey(dir string, st *stamp, sorted bool) *Survey {
	s := &Survey{st: st}
	if s.sv, s.ok = k.folders(dir, st); !s.ok {
		return s
	}
	s.held = k.stampedFiles()
	if sorted {
		sortByPath(s.held, func(p string) string { return p })
	}
	s.was, s.sums, s.errs = k.sumsAt(dir, s.held)
	return s
}
