package tree

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/manifold-dev/manifold/lib/workers"
)

// Tree is a compiled tree: file contents by slash path relative to out/,
// and the pinned versions of each environment compiled.
type Tree struct {
	Files map[string][]byte
	Envs  map[string]map[string]string
}

// Digest is a compiled tree known by its files' content hashes alone:
// what a cached compile remembers of it.
type Digest struct {
	Files map[string]Sum // slash path -> SHA-256 of the content
	Envs  map[string]map[string]string
}

// Digest returns t with its files' content hashes for contents.
func (t Tree) Digest() Digest {
	paths := slices.Collect(maps.Keys(t.Files))
	sums := make([]Sum, len(paths))
	workers.EachOn(fsWorkers(), len(paths), func(i int) { sums[i] = Hash(t.Files[paths[i]]) })
	d := Digest{Files: make(map[string]Sum, len(paths)), Envs: t.Envs}
	for i, p := range paths {
		d.Files[p] = sums[i]
	}
	return d
}

// Scope is the part of out/ a run is responsible for: slash-path prefixes
// ("dev/", "prod/myapp/"). Only owned files in scope are pruned; nil means
// the whole tree.
type Scope []string

// Contains reports whether the path p is in scope.
func (s Scope) Contains(p string) bool {
	if s == nil {
		return true
	}
	for _, prefix := range s {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// ConflictError lists the paths the writer refused to touch, and why.
type ConflictError struct {
	Conflicts []Conflict
}

// Conflict is one path the writer refuses to touch.
type Conflict struct {
	Path   string // slash path relative to out/
	Reason string
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d file(s) in the way, nothing was written:", len(e.Conflicts))
	for _, c := range e.Conflicts {
		fmt.Fprintf(&b, "\n  %s: %s", c.Path, c.Reason)
	}
	return b.String()
}

// Result says what a Write changed.
type Result struct {
	Written   []string // created or changed
	Removed   []string // pruned: owned, in scope, no longer generated
	Unchanged int
}

// Writer writes trees. Each file is written to a temp file and renamed
// over the old one, so a killed process leaves the old or the new content;
// Fsync also syncs each file before its rename, which survives a power
// loss too at the price of one disk flush per file.
type Writer struct {
	Fsync bool
	// Known, when set, tells unchanged files by their fingerprint instead
	// of reading them, and learns the files written. A write of the whole
	// tree (no scope) leaves it stamped (see Known), and a write that
	// finds its stamp holding trusts it instead of listing every folder.
	Known *Known
	// Key names the tree written in the stamp, for Known.Unchanged.
	Key string
	// Survey, when the caller took it (Known.Survey), is the tree as the
	// write is planned from it, unless the stamp has changed since.
	Survey *Survey
	// Digest, when the caller has it, is the written tree's (Tree.Digest),
	// so that its files are not hashed again.
	Digest Digest
}

// Write makes the tree under dir match t within scope, without fsync.
func Write(dir string, t Tree, scope Scope) (Result, error) { return Writer{}.Write(dir, t, scope) }

// Write makes the tree under dir match t within scope. It refuses, before
// writing anything, when a file it would write exists and is not recorded
// as owned, or when a path crosses a symlink. It writes the ownership record
// first with every path it may touch (an intent log), then each changed file
// atomically, then prunes owned files in scope that t no longer has, and
// finally records exactly what is owned.
func (w Writer) Write(dir string, t Tree, scope Scope) (Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("create %s: %w", dir, err)
	}
	d := w.Digest
	if d.Files == nil {
		d = t.Digest()
	}
	c := &checker{dir: dir, dirs: map[string]error{}, known: w.Known}
	files := sortedFiles(d.Files) // t's, with their hashes
	p, err := w.planKnown(c, d, files, scope)
	if err == nil && p == nil {
		p, err = w.planChecked(c, t, d, files, scope)
	}
	if err != nil {
		return Result{}, err
	}
	return w.apply(c, t, d, p)
}

// plan is what a write does, and what it found of the tree first.
type plan struct {
	recSum [sha256.Size]byte // the record on disk's hash; zero for none
	intent Record            // owned while the files are written: what was, and what will be
	sorted []fileSum         // the intent's files, sorted, when the plan has them
	// recIsIntent: the record on disk is the intent already, and is not
	// written again.
	recIsIntent bool
	write       []string // the files to write, sorted
	remove      []string // the owned files to prune, sorted
	unchanged   int
	// survey is the tree under the roots as found, for the stamp the write
	// leaves; nil for none (a write within a scope).
	survey *walked
}

// walked is the tree under a write's roots as its plan found it: every
// folder with its mark, and, when they were listed, the files in them.
type walked struct {
	roots []string
	mu    sync.Mutex
	dirs  map[string]mark
	files []string // the files listed (none when the stamp vouched for them)
	odd   bool     // an entry that is neither a file nor a folder, or a folder with no mark
	// touched are the folders the plan changed (a leftover removed).
	touched []string
	// same: the stamp held every file the write leaves, and no other.
	same bool
}

// under reports whether the slash path p is a root or lies in one.
func (wk *walked) under(p string) bool {
	for _, r := range wk.roots {
		if p == strings.TrimSuffix(r, "/") || strings.HasPrefix(p, r) {
			return true
		}
	}
	return false
}

// planKnown plans a write of the whole tree from the Known's stamp: when
// the stamp's roots are the tree's and its record and folders are as they
// were, every folder holds what the stamp says, so no folder is listed
// and a path the stamp does not hold is not there. A nil plan, and no
// error, when the stamp does not hold.
func (w Writer) planKnown(c *checker, d Digest, files []fileSum, scope Scope) (*plan, error) {
	k := w.Known
	if k == nil || scope != nil {
		return nil, nil
	}
	k.mu.RLock()
	st := k.stamp
	k.mu.RUnlock()
	if st == nil || !slices.Equal(st.Roots, roots(d, nil)) {
		return nil, nil
	}
	sv := w.Survey
	if sv == nil || sv.st != st {
		sv = k.Survey(c.dir)
	}
	if !sv.ok {
		return nil, nil
	}
	// Leftovers at the top (the record's temp file) are not in a root.
	top := &walked{}
	if err := removeTemps(c.dir, top, false); err != nil {
		return nil, err
	}
	for dd := range sv.sv.dirs {
		c.dirs[dd] = nil // a real folder
	}
	// Both sorted, the tree's files and those the stamp holds are walked
	// side by side. A path the stamp does not hold is in no folder it
	// holds, or not in it: not there. The others are compared.
	pl := &plan{recSum: st.RecordSum, intent: Record{Envs: d.Envs, Files: d.Files}, survey: &walked{roots: st.Roots, dirs: sv.sv.dirs}}
	gone := map[string]Sum{}
	fresh := false
	j := 0
	for _, f := range files {
		for ; j < len(sv.held) && sv.held[j] < f.path; j++ {
			gone[sv.held[j]] = sv.was[j].Sum
		}
		switch {
		case j == len(sv.held) || sv.held[j] != f.path:
			if _, err := lstat(filepath.Join(c.dir, filepath.FromSlash(f.path))); !errors.Is(err, fs.ErrNotExist) || !validPath(f.path) {
				return nil, nil
			}
			pl.write, fresh = append(pl.write, f.path), true
			continue
		case sv.errs[j] != nil:
			return nil, nil // changed since the stamp: check the tree
		case sv.sums[j] != f.sum:
			pl.write = append(pl.write, f.path)
		default:
			pl.unchanged++
		}
		j++
	}
	for ; j < len(sv.held); j++ {
		gone[sv.held[j]] = sv.was[j].Sum
	}
	pl.survey.same = !fresh && len(gone) == 0
	if len(gone) == 0 {
		pl.sorted = files // the intent's files are the tree's
	} else {
		pl.intent.Files = maps.Clone(d.Files)
		maps.Copy(pl.intent.Files, gone)
		pl.remove = slices.Sorted(maps.Keys(gone))
	}
	return pl, nil
}

// planChecked plans a write by checking every path: the record read, each
// file's content compared (by its fingerprint when Known has it), every
// folder listed for an interrupted run's leftovers, which are removed
// unless the record does not read. The record is read and parsed while the
// files are checked. files are d's, sorted.
func (w Writer) planChecked(c *checker, t Tree, d Digest, files []fileSum, scope Scope) (*plan, error) {
	pl := &plan{}
	if scope == nil && w.Known != nil {
		pl.survey = &walked{roots: roots(d, nil), dirs: map[string]mark{}}
	}
	// While the files are checked: the record is read, and then, when it
	// reads, an interrupted run's leftovers are removed (no output path is
	// a temp name), before this run makes temps of its own.
	var (
		rec      Record
		asIntent bool // the record owns t's files and no other, and t's envs
	)
	read := make(chan error, 1)
	go func() {
		var recText []byte
		var err error
		if recText, rec, asIntent, err = readRecordAs(c.dir, t.Envs, d.Files, files); err == nil {
			if recText != nil {
				pl.recSum = sha256.Sum256(recText)
			}
			wk := pl.survey
			if wk == nil {
				wk = &walked{}
			}
			err = removeTemps(c.dir, wk, true)
		}
		read <- err
	}()
	same := make([]bool, len(files))
	errs := make([]error, len(files))
	eachFS(len(files), func(i int) {
		f := files[i]
		same[i], errs[i] = c.holds(f.path, t.Files[f.path], f.sum)
	})
	if err := <-read; err != nil {
		return nil, err
	}
	var conflicts []Conflict
	for i, f := range files {
		switch err := errs[i]; {
		case errors.Is(err, fs.ErrNotExist):
			pl.write = append(pl.write, f.path)
		case err != nil:
			conflicts = append(conflicts, Conflict{f.path, err.Error()})
		case !asIntent && !owned(rec, f.path):
			conflicts = append(conflicts, Conflict{f.path, "exists but was not written by manifold (not in " + RecordName + "); move it away or delete it"})
		case !same[i]:
			pl.write = append(pl.write, f.path)
		default:
			pl.unchanged++
		}
	}
	// The owned paths no longer generated, in order: found without
	// sorting the record's tens of thousands of paths; none when the
	// record owns t's files alone.
	var gone []string
	others := false // the record owns a path that t does not have
	if !asIntent {
		for p := range rec.Files {
			if _, keep := t.Files[p]; !keep {
				others = true
				if scope.Contains(p) {
					gone = append(gone, p)
				}
			}
		}
	}
	slices.Sort(gone)
	for _, p := range gone {
		// An owned path that is not there (an interrupted run had not
		// written it yet) is only dropped from the record.
		if _, err := c.check(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			conflicts = append(conflicts, Conflict{p, err.Error()})
			continue
		}
		pl.remove = append(pl.remove, p)
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts}
	}
	// The intent log: every path this run may leave behind is owned
	// before any of them is touched. When the record owns no path but
	// d's, that is d's files, already sorted.
	pl.intent = Record{Envs: maps.Clone(rec.Envs), Files: d.Files}
	if pl.intent.Envs == nil {
		pl.intent.Envs = map[string]map[string]string{}
	}
	maps.Copy(pl.intent.Envs, t.Envs)
	if others {
		pl.intent.Files = make(map[string]Sum, len(rec.Files)+len(d.Files))
		maps.Copy(pl.intent.Files, rec.Files)
		maps.Copy(pl.intent.Files, d.Files)
	} else {
		pl.sorted = files
		pl.recIsIntent = asIntent
	}
	return pl, nil
}

// apply carries out a plan: the intent record, the files, the pruning, the
// final record, and the stamp of the tree written.
func (w Writer) apply(c *checker, t Tree, d Digest, pl *plan) (Result, error) {
	res := Result{Unchanged: pl.unchanged}
	// The record is always synced: it must be on disk before the files it
	// names. A record that already says it is not written again.
	recSum := pl.recSum
	if !pl.recIsIntent {
		intentText := pl.intent.marshal(pl.sorted)
		if sum := sha256.Sum256(intentText); sum != recSum {
			if err := writeAtomic(c.dir, RecordName, intentText, true); err != nil {
				return res, err
			}
			recSum = sum
		}
	}
	touched := map[string]bool{}
	touch := func(p string) {
		for dd := path.Dir(p); dd != "." && !touched[dd]; dd = path.Dir(dd) {
			touched[dd] = true
		}
	}
	write := pl.write
	errs := make([]error, len(write))
	// One folder at a time per goroutine: files created side by side in
	// one folder would queue on its lock in the kernel.
	folders := c.byFolder(write)
	eachFS(len(folders), func(g int) {
		f := folders[g]
		for _, i := range f.files {
			c.known.forget(write[i])
		}
		fis := make([]fs.FileInfo, len(f.files))
		if f.fresh {
			contents := make([][]byte, len(f.files))
			for k, i := range f.files {
				contents[k] = t.Files[write[i]]
			}
			var err error
			if fis, err = c.writeFolder(f.dir, f.names, contents, w.Fsync); err != nil {
				errs[f.files[0]] = err
				return
			}
		} else {
			for k, i := range f.files {
				fis[k], errs[i] = c.writeAtomic(write[i], t.Files[write[i]], w.Fsync)
			}
		}
		for k, i := range f.files {
			if errs[i] == nil {
				c.known.remember(write[i], statOf(fis[k]), d.Files[write[i]])
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			return res, err
		}
		res.Written = append(res.Written, write[i])
		touch(write[i])
	}
	final := pl.intent
	pruned := false
	for _, p := range pl.remove {
		if err := os.Remove(filepath.Join(c.dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("prune %s: %w", p, err)
		}
		if !pruned {
			final = Record{Envs: maps.Clone(final.Envs), Files: maps.Clone(final.Files)}
			pruned = true
		}
		c.known.forget(p)
		delete(final.Files, p)
		res.Removed = append(res.Removed, p)
		removeEmptyParents(c.dir, p)
		touch(p)
	}
	for env := range final.Envs {
		if _, compiled := t.Envs[env]; !compiled && !hasPrefix(final.Files, env+"/") {
			if !pruned {
				final = Record{Envs: maps.Clone(final.Envs), Files: final.Files}
				pruned = true
			}
			delete(final.Envs, env)
		}
	}
	if pruned {
		// What is owned is what the intent said, without what is pruned.
		finalText := final.Marshal()
		if err := writeAtomic(c.dir, RecordName, finalText, true); err != nil {
			return res, err
		}
		recSum = sha256.Sum256(finalText)
	}
	c.known.dropStamp() // the tree may have changed: stamped again below, if it can be
	if wk := pl.survey; wk != nil {
		for _, dd := range wk.touched {
			touched[dd] = true
		}
		w.stampWritten(c.dir, d, wk, res, recSum, touched)
	}
	return res, nil
}

// stampWritten stamps in the Known the tree just written under dir as d,
// found as wk before the write, when nothing else lies under its roots:
// every folder's mark, taken again for those the write touched, and the
// record's.
func (w Writer) stampWritten(dir string, d Digest, wk *walked, res Result, recSum [sha256.Size]byte, touched map[string]bool) {
	if w.Known == nil || wk.odd {
		return
	}
	gone := make(map[string]bool, len(res.Removed))
	for _, p := range res.Removed {
		gone[p] = true
	}
	for _, p := range wk.files {
		if _, ours := d.Files[p]; !ours && !gone[p] {
			return // a file not manifold's: the tree is not what was compiled
		}
	}
	dirs := maps.Clone(wk.dirs)
	for dd := range touched {
		if !wk.under(dd) {
			continue
		}
		s, err := lstat(filepath.Join(dir, filepath.FromSlash(dd)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			delete(dirs, dd)
		case err != nil || !s.known || s.mode != fs.ModeDir:
			return
		default:
			dirs[dd] = markOf(s.fp)
		}
	}
	for _, r := range wk.roots {
		if _, ok := dirs[strings.TrimSuffix(r, "/")]; !ok {
			return // a root with nothing in it: nothing would tell its files
		}
	}
	rs, err := lstat(filepath.Join(dir, RecordName))
	if err != nil || !rs.known {
		return
	}
	st := &stamp{Key: w.Key, Roots: wk.roots, Record: markOf(rs.fp), RecordSum: recSum, Dirs: dirs}
	w.Known.setStamp(st, d.Files, wk.same, res.Written)
}

// ReadRecord reads dir's ownership record; a missing record is an empty one.
func ReadRecord(dir string) (Record, error) {
	_, rec, err := readRecord(dir)
	return rec, err
}

// readRecord is ReadRecord, with the record's bytes (nil when there is
// none).
func readRecord(dir string) ([]byte, Record, error) {
	data, rec, _, err := readRecordAs(dir, nil, nil, nil)
	return data, rec, err
}

// readRecordAs is readRecord for a write of files (sorted) and envs: a
// record that reads exactly as the one owning them and no more, the
// record a run that wrote them leaves, is that record without being
// parsed (tens of thousands of lines); same says it was.
func readRecordAs(dir string, envs map[string]map[string]string, files map[string]Sum, sorted []fileSum) (data []byte, rec Record, same bool, err error) {
	name := filepath.Join(dir, RecordName)
	data, err = os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Record{Envs: map[string]map[string]string{}, Files: map[string]Sum{}}, false, nil
	}
	if err != nil {
		return nil, Record{}, false, fmt.Errorf("read ownership record: %w", err)
	}
	if files != nil {
		if r := (Record{Envs: envs, Files: files}); bytes.Equal(data, r.marshal(sorted)) {
			return data, r, true, nil
		}
	}
	rec, err = ParseRecord(name, data)
	return data, rec, false, err
}

// checker checks and writes paths under one folder, remembering what it
// learned of each directory so that a tree of many files costs few system
// calls. It is safe for concurrent use.
type checker struct {
	dir   string
	known *Known // nil: read every file
	mu    sync.Mutex
	dirs  map[string]error // slash path -> nil (a real directory), or why not
	made  sync.Map         // directories created
}

// sum returns the content hash of the regular file at p, after checking
// that no part of the path is a symlink or a non-directory.
func (c *checker) sum(p string) (Sum, error) {
	s, err := c.check(p)
	if err != nil {
		return Sum{}, err
	}
	return c.known.sum(c.dir, p, s)
}

// holds reports whether the file at p holds want, whose hash is sum.
func (c *checker) holds(p string, want []byte, sum Sum) (bool, error) {
	if c.readsAs(p, want) {
		return true, nil
	}
	s, err := c.check(p)
	if err != nil {
		return false, err
	}
	return c.known.holds(c.dir, p, s, want, sum)
}

// readsAs reports whether the file at p reads as want, without its lstat,
// when c has no fingerprints to keep (with nothing to remember of the
// file, a tree of tens of thousands saves a system call for each). A path
// that does not read so (changed, missing, a symlink, a folder, a pipe)
// is for check to judge.
func (c *checker) readsAs(p string, want []byte) bool {
	return c.known == nil && c.checkParents(p) == nil && readsAs(filepath.Join(c.dir, filepath.FromSlash(p)), want)
}

// check refuses a path that is not clean or that crosses a symlink or a
// non-regular file, and returns the file's lstat; a path that does not
// exist yet reports fs.ErrNotExist.
func (c *checker) check(p string) (stat, error) {
	if err := c.checkParents(p); err != nil {
		return stat{}, err
	}
	s, err := lstat(filepath.Join(c.dir, filepath.FromSlash(p)))
	switch {
	case err != nil:
		return stat{}, err
	case s.mode != 0:
		return stat{}, errNotRegular(p, s.mode)
	}
	return s, nil
}

// checkParents refuses a path that is not clean or whose folders are not
// all real directories (or do not exist yet).
func (c *checker) checkParents(p string) error {
	if !validPath(p) {
		return fmt.Errorf("not a clean relative path")
	}
	if d := path.Dir(p); d != "." {
		return c.checkDir(d)
	}
	return nil
}

// checkDir checks that the directory d and its parents are real
// directories (or do not exist yet).
func (c *checker) checkDir(d string) error {
	c.mu.Lock()
	verdict, known := c.dirs[d]
	c.mu.Unlock()
	if known {
		return verdict
	}
	if parent := path.Dir(d); parent != "." {
		if err := c.checkDir(parent); err != nil {
			return err
		}
	}
	fi, err := os.Lstat(filepath.Join(c.dir, filepath.FromSlash(d)))
	switch {
	case err != nil:
		verdict = err
	case fi.Mode()&fs.ModeSymlink != 0:
		verdict = fmt.Errorf("%s is a symlink; manifold does not follow symlinks in its output", d)
	case !fi.IsDir():
		verdict = fmt.Errorf("%s is not a directory", d)
	}
	c.mu.Lock()
	c.dirs[d] = verdict
	c.mu.Unlock()
	return verdict
}

// folder is the files of one folder to write.
type folder struct {
	dir   string // slash path
	files []int  // indexes of the paths to write, in order
	// fresh: the folder does not exist and no folder to write lies in it,
	// so it is written whole (writeFolder).
	fresh bool
	names []string // the files' base names
}

// byFolder groups the sorted paths to write by folder, in the folders'
// order, and tells which folders are new.
func (c *checker) byFolder(paths []string) []folder {
	idx := map[string]int{}
	var out []folder
	nested := map[string]bool{}
	for i, p := range paths {
		d := path.Dir(p)
		k, ok := idx[d]
		if !ok {
			k = len(out)
			idx[d] = k
			out = append(out, folder{dir: d})
			for up := path.Dir(d); up != "."; up = path.Dir(up) {
				nested[up] = true
			}
		}
		out[k].files = append(out[k].files, i)
		out[k].names = append(out[k].names, path.Base(p))
	}
	for k := range out {
		f := &out[k]
		f.fresh = f.dir != "." && !nested[f.dir] && errors.Is(c.checkDir(f.dir), fs.ErrNotExist)
	}
	slices.SortFunc(out, func(a, b folder) int { return strings.Compare(a.dir, b.dir) })
	return out
}

// mkdirAll creates the folder name and its parents, once per run.
func (c *checker) mkdirAll(name string) error {
	if _, done := c.made.Load(name); done {
		return nil
	}
	if err := os.MkdirAll(name, 0o755); err != nil {
		return err
	}
	c.made.Store(name, true)
	return nil
}

// writeAtomic writes a file of the tree, creating its folder once, and
// returns the file's stat.
func (c *checker) writeAtomic(p string, data []byte, sync bool) (fs.FileInfo, error) {
	name := filepath.Join(c.dir, filepath.FromSlash(p))
	if err := c.mkdirAll(filepath.Dir(name)); err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	return writeFile(name, p, data, sync)
}

// writeFolder writes the folder d, which does not exist yet, whole: the
// files names with contents go into a temp folder beside it, renamed once
// they are all written, so that a reader (Argo CD) sees none of a new
// app's files or all of them, and each file costs one path lookup. It
// returns the files' stats, which the folder's rename leaves as they are.
func (c *checker) writeFolder(d string, names []string, contents [][]byte, sync bool) ([]fs.FileInfo, error) {
	final := filepath.Join(c.dir, filepath.FromSlash(d))
	parent := filepath.Dir(final)
	if err := c.mkdirAll(parent); err != nil {
		return nil, fmt.Errorf("write %s: %w", d, err)
	}
	tmp := filepath.Join(parent, tempPrefix+filepath.Base(final))
	err := os.Mkdir(tmp, 0o755)
	if errors.Is(err, fs.ErrExist) { // another process writing the same folder
		if tmp, err = os.MkdirTemp(parent, tempPrefix+"*"); err == nil {
			err = os.Chmod(tmp, 0o755)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", d, err)
	}
	fis := make([]fs.FileInfo, len(names))
	for i, name := range names {
		if fis[i], err = createFile(filepath.Join(tmp, name), contents[i], sync); err != nil {
			break
		}
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.RemoveAll(tmp) // this run's own temp folder
		return nil, fmt.Errorf("write %s: %w", d, err)
	}
	return fis, nil
}

// fsWorkers is how many goroutines make file system calls: they wait on
// the kernel, so more of them than cores keep it busy.
func fsWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// writeAtomic writes data to dir/p through a temp file in the same folder
// and a rename, so that a reader sees the old or the new content, never a
// mix; with sync, the temp file reaches the disk before the rename. Files
// are 0644.
func writeAtomic(dir, p string, data []byte, sync bool) error {
	name := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	_, err := writeFile(name, p, data, sync)
	return err
}

// writeFile writes name through a temp file and a rename; its folder
// exists. It returns the stat of the file written, taken through the open
// file after the rename (which changes its ctime), so that a tree of many
// files costs two path lookups per file: the create and the rename.
func writeFile(name, p string, data []byte, sync bool) (fs.FileInfo, error) {
	f, err := createTemp(name)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	tmp := f.Name()
	var fi fs.FileInfo
	if _, err = fill(f, data, sync); err == nil {
		fi, err = renameOpen(f, name)
	} else {
		_ = f.Close()
	}
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	return fi, nil
}

// createFile creates the new file name (in a temp folder) with data, and
// returns its stat.
func createFile(name string, data []byte, sync bool) (fs.FileInfo, error) {
	f, err := openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	fi, err := fill(f, data, sync)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// fill writes data to the new file f, makes it 0644 whatever the umask,
// and with sync, makes it reach the disk. It returns f's stat once written.
func fill(f *os.File, data []byte, sync bool) (fs.FileInfo, error) {
	if _, err := f.Write(data); err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.Mode().Perm() != 0o644 { // the umask took bits away
		if err = f.Chmod(0o644); err == nil {
			fi, err = f.Stat() // the chmod changed the ctime
		}
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if err != nil {
		return nil, err
	}
	return fi, nil
}

// createTemp creates the temp file for name in its folder, mode 0644 less
// the umask. Its name is the prefix and a hash of name's base (which keeps
// it short); when that name is taken (another process writing the same
// file), a random one is used.
func createTemp(name string) (*os.File, error) {
	dir := filepath.Dir(name)
	h := fnv.New64a()
	h.Write([]byte(filepath.Base(name)))
	tmp := filepath.Join(dir, tempPrefix+strconv.FormatUint(h.Sum64(), 36))
	f, err := openFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return os.CreateTemp(dir, tempPrefix+"*")
	}
	return f, err
}

// removeTemps deletes the temp files and folders an interrupted run left
// behind: at the top of dir, and with all, in every folder under it. Only
// regular files and real folders whose name carries the writer's prefix
// are touched. The tree's folders, thousands in a fleet, are listed on
// several goroutines; of several errors, the one at the first path is
// returned. What it finds under wk's roots it adds to wk: each folder's
// mark (taken before the folder is read), the files, the folders it
// removed something from.
func removeTemps(dir string, wk *walked, all bool) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = map[string]error{}
		sem  = make(chan struct{}, fsWorkers())
	)
	fail := func(p string, err error) {
		mu.Lock()
		errs[p] = err
		mu.Unlock()
	}
	var visit func(d, rel string)
	visit = func(d, rel string) {
		defer wg.Done()
		sem <- struct{}{}
		s, entries, err := readDir(d)
		<-sem
		if err != nil {
			fail(d, err)
			return
		}
		in := rel != "." && wk.under(rel)
		var files []string
		cleaned := false
		for _, e := range entries {
			// The paths are joined only for what needs them: most entries
			// are files of a tree no stamp keeps.
			switch {
			case !IsTemp(e.Name()):
				switch {
				case e.IsDir() && all:
					wg.Add(1)
					go visit(filepath.Join(d, e.Name()), path.Join(rel, e.Name()))
				case in && e.Type().IsRegular():
					files = append(files, path.Join(rel, e.Name()))
				case in && !e.IsDir():
					wk.mu.Lock()
					wk.odd = true
					wk.mu.Unlock()
				}
			case e.IsDir():
				cleaned = true
				p := filepath.Join(d, e.Name())
				if err := os.RemoveAll(p); err != nil {
					fail(p, fmt.Errorf("remove leftover %s: %w", p, err))
				}
			case e.Type().IsRegular():
				cleaned = true
				p := filepath.Join(d, e.Name())
				if err := os.Remove(p); err != nil {
					fail(p, fmt.Errorf("remove leftover %s: %w", p, err))
				}
			}
		}
		if !in || wk.dirs == nil {
			return
		}
		wk.mu.Lock()
		defer wk.mu.Unlock()
		wk.files = append(wk.files, files...)
		if !s.known {
			wk.odd = true
		}
		wk.dirs[rel] = markOf(s.fp)
		if cleaned {
			wk.touched = append(wk.touched, rel)
		}
	}
	wg.Add(1)
	visit(dir, ".")
	wg.Wait()
	if len(errs) == 0 {
		return nil
	}
	return errs[slices.Min(slices.Collect(maps.Keys(errs)))]
}

// readDir lists a folder in the order the file system gives, with its
// stat taken through the open folder before it is read.
func readDir(d string) (stat, []fs.DirEntry, error) {
	f, err := openFile(d, os.O_RDONLY, 0)
	if err != nil {
		return stat{}, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return stat{}, nil, err
	}
	entries, err := f.ReadDir(-1)
	return statOf(fi), entries, err
}

// removeEmptyParents removes the folders of p that pruning left empty, up
// to but not including dir.
func removeEmptyParents(dir, p string) {
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		if os.Remove(filepath.Join(dir, filepath.FromSlash(d))) != nil {
			return // not empty, or not ours to remove
		}
	}
}

// owned reports whether the record owns the file p.
func owned(rec Record, p string) bool {
	_, ok := rec.Files[p]
	return ok
}

func hasPrefix(files map[string]Sum, prefix string) bool {
	for p := range files {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
