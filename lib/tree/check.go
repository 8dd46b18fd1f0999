package tree

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/manifold-dev/manifold/lib/workers"
)

// Difference is one way the tree on disk differs from the compiled one.
type Difference struct {
	Path   string // slash path relative to out/
	State  State
	Reason string
}

// State classifies a Difference.
type State string

// The kinds of difference.
const (
	Missing    State = "missing"    // compiled, not on disk
	Stale      State = "stale"      // on disk with other content
	Unexpected State = "unexpected" // on disk in a generated folder, not compiled
)

// Check compares the compiled tree d with dir within scope and returns
// every difference, sorted by path. It writes nothing. Folders checked for
// unexpected files are the scope's prefixes, or every environment folder of
// d when scope is nil. known, when set, tells unchanged files by their
// fingerprint instead of reading them. files, when the caller has them, are
// the compiled files' bytes: with no known, a file that reads as its bytes
// is current without its lstat or its hash.
func Check(dir string, d Digest, scope Scope, known *Known, files map[string][]byte) ([]Difference, error) {
	// The record, tens of thousands of lines, is read while the files are
	// compared: only a difference's wording needs it.
	rec := sync.OnceValues(func() (Record, error) { return ReadRecord(dir) })
	go rec()
	diffs, _, err := check(dir, d, files, scope, known, rec, nil)
	return diffs, err
}

// Current reports whether the tree under dir is exactly d within scope:
// Check finds no difference, and Write would write, prune and record
// nothing (every file is owned with its hash, no owned file in scope is
// left over, the pinned versions are the recorded ones). A tree found
// current is stamped in known under key (see Known.Unchanged).
func Current(dir string, d Digest, scope Scope, known *Known, key string) (bool, error) {
	// The record's fingerprint is taken before it is read: a change after
	// this moment makes the stamp stale, never wrong.
	recordFP, stampable := lstatFingerprint(filepath.Join(dir, RecordName))
	recText, rec, err := readRecord(dir)
	if err != nil {
		return false, err
	}
	for p, sum := range d.Files {
		if rec.Files[p] != sum {
			return false, nil
		}
	}
	for p := range rec.Files {
		if _, ok := d.Files[p]; !ok && scope.Contains(p) {
			return false, nil
		}
	}
	for env, pins := range d.Envs {
		if got, ok := rec.Envs[env]; !ok || !maps.Equal(got, pins) {
			return false, nil
		}
	}
	for env := range rec.Envs {
		if _, ok := d.Envs[env]; !ok && !hasPrefix(rec.Files, env+"/") {
			return false, nil
		}
	}
	var dirs map[string]mark
	if known != nil {
		dirs = map[string]mark{}
	}
	diffs, walked, err := check(dir, d, nil, scope, known, func() (Record, error) { return rec, nil }, dirs)
	if err != nil || len(diffs) > 0 {
		return false, err
	}
	if stampable && walked && dirs != nil && key != "" {
		st := &stamp{Key: key, Roots: roots(d, scope), Record: markOf(recordFP), RecordSum: sha256.Sum256(recText), Dirs: dirs}
		known.setStamp(st, d.Files, false, nil)
	}
	return true, nil
}

// roots are the folders a check of d within scope walks: the scope's
// prefixes, or every environment folder of d when scope is nil; sorted.
func roots(d Digest, scope Scope) []string {
	out := slices.Clone(scope)
	if scope == nil {
		for env := range d.Envs {
			out = append(out, env+"/")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// check is Check with the ownership record as rec reads it (once, however
// often it is called), which is called for the wording of a difference,
// and whose error is check's. When dirs is set, it
// collects the fingerprint of every folder walked; stampable is false when
// a root is missing or a folder has no fingerprint, as a stamp would not
// see that change.
func check(dir string, t Digest, files map[string][]byte, scope Scope, known *Known, rec func() (Record, error), dirs map[string]mark) (diffs []Difference, stampable bool, err error) {
	// The folders are walked for unexpected files while the compiled
	// files are compared.
	var extra []Difference
	var walkErr error
	walked := make(chan struct{})
	go func() {
		defer close(walked)
		extra, stampable, walkErr = unexpected(dir, t, scope, rec, dirs)
	}()
	paths := slices.Sorted(maps.Keys(t.Files))
	found := make([]*Difference, len(paths))
	c := &checker{dir: dir, dirs: map[string]error{}, known: known}
	workers.EachOn(fsWorkers(), len(paths), func(i int) {
		p := paths[i]
		if b, ok := files[p]; ok && c.readsAs(p, b) {
			return
		}
		cur, err := c.sum(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			found[i] = &Difference{p, Missing, "not on disk: run the compiler"}
		case err != nil:
			found[i] = &Difference{p, Stale, err.Error()}
		case cur != t.Files[p]:
			reason := "differs from what apps/ compiles to: apps/ changed since the last compile"
			if h, ok := ownership(rec).Files[p]; !ok {
				reason = "not written by manifold, and differs from what apps/ compiles to"
			} else if h != cur {
				reason = "edited by hand since manifold wrote it"
			}
			found[i] = &Difference{p, Stale, reason}
		}
	})
	for _, d := range found {
		if d != nil {
			diffs = append(diffs, *d)
		}
	}
	<-walked
	if _, err := rec(); err != nil {
		return nil, false, err
	}
	if walkErr != nil {
		return nil, false, walkErr
	}
	diffs = append(diffs, extra...)
	slices.SortFunc(diffs, func(a, b Difference) int { return strings.Compare(a.Path, b.Path) })
	return diffs, stampable, nil
}

// unexpected walks the scope's folders (every environment folder of t when
// scope is nil) for files in scope that t does not have, and collects the
// folders' fingerprints in dirs when it is set.
func unexpected(dir string, t Digest, scope Scope, rec func() (Record, error), dirs map[string]mark) ([]Difference, bool, error) {
	stampable := true
	rel := relTo(dir)
	var diffs []Difference
	seen := map[string]bool{}
	for _, root := range roots(t, scope) {
		base := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(root, "/")))
		err := filepath.WalkDir(base, func(name string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				stampable = false
				return nil
			}
			if err != nil {
				return err
			}
			p, err := rel(name)
			if err != nil {
				return err
			}
			if d.IsDir() && IsTemp(d.Name()) {
				diffs = append(diffs, Difference{p, Unexpected, "temp folder of an interrupted run: the next compile removes it"})
				return filepath.SkipDir
			}
			if d.IsDir() {
				if dirs != nil {
					fp, ok := dirFingerprint(d)
					stampable = stampable && ok
					dirs[p] = markOf(fp)
				}
				return nil
			}
			if _, ok := t.Files[p]; ok || seen[p] || !scope.Contains(p) {
				return nil
			}
			seen[p] = true
			switch {
			case IsTemp(d.Name()):
				diffs = append(diffs, Difference{p, Unexpected, "temp file of an interrupted run: the next compile removes it"})
			case owned(ownership(rec), p):
				diffs = append(diffs, Difference{p, Unexpected, "owned by manifold but no longer compiled: the next compile prunes it"})
			default:
				diffs = append(diffs, Difference{p, Unexpected, "stray file in a generated folder: not written by manifold; Argo CD would sync it"})
			}
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("check %s: %w", root, err)
		}
	}
	return diffs, stampable, nil
}

// relTo returns the slash path of a name found in a walk of a folder
// under dir, relative to dir: the name with dir's prefix cut, as the walk
// joined it, or filepath.Rel's answer for one that is not so. A walk of
// tens of thousands of files spares Rel's cleaning of both paths for each.
func relTo(dir string) func(name string) (string, error) {
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	if prefix == "."+string(filepath.Separator) {
		prefix = "" // the walk's names are relative to the working folder
	}
	return func(name string) (string, error) {
		if rest, ok := strings.CutPrefix(name, prefix); ok && filepath.IsLocal(rest) && filepath.Clean(rest) == rest {
			return filepath.ToSlash(rest), nil
		}
		rel, err := filepath.Rel(dir, name)
		return filepath.ToSlash(rel), err
	}
}

// ownership is the record rec reads; an empty one when it does not read,
// whose error the caller reports.
func ownership(rec func() (Record, error)) Record {
	r, _ := rec()
	return r
}

// dirFingerprint returns the fingerprint of a folder met in a walk.
func dirFingerprint(d fs.DirEntry) (Fingerprint, bool) {
	fi, err := d.Info()
	if err != nil {
		return Fingerprint{}, false
	}
	return fingerprint(fi)
}

// ReadFiles returns the .yaml files under dir that lie in scope (every
// environment folder of envs when scope is nil), by slash path relative
// to dir: the tree on disk, for comparing it with a compiled one.
func ReadFiles(dir string, envs []string, scope Scope) (map[string][]byte, error) {
	roots := scope
	if roots == nil {
		for _, env := range envs {
			roots = append(roots, env+"/")
		}
	}
	rel := relTo(dir)
	files := map[string][]byte{}
	for _, root := range roots {
		base := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(root, "/")))
		err := filepath.WalkDir(base, func(name string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err == nil && d.IsDir() && IsTemp(d.Name()) {
				return filepath.SkipDir
			}
			if err != nil || d.IsDir() || !strings.HasSuffix(name, ".yaml") || IsTemp(d.Name()) {
				return err
			}
			p, err := rel(name)
			if err != nil {
				return err
			}
			if !scope.Contains(p) {
				return nil
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			files[p] = b
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", root, err)
		}
	}
	return files, nil
}

// InScope returns the files of t that lie in scope (all when scope is nil)
// and in one of envs' folders.
func InScope(files map[string][]byte, envs []string, scope Scope) map[string][]byte {
	out := map[string][]byte{}
	for p, b := range files {
		env, _, _ := strings.Cut(p, "/")
		if scope.Contains(p) && slices.Contains(envs, env) {
			out[p] = b
		}
	}
	return out
}
