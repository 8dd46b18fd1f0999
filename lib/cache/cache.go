// Package cache is manifold's cache folder: the results of earlier
// compiles, keyed by everything a compile depends on, and what earlier runs
// learned of the files under an output folder. It only saves time: a
// missing, stale or corrupt cache costs a full compile, never a wrong
// answer, and deleting the folder is always safe.
//
// A compile depends on the compiler (apps/, the environments, every rule
// and renderer are compiled into its executable), on the schema folder,
// and on the -env and -app selection. The key hashes the executable's
// content, every file of the schema folder and the selection, so any
// change to any of them is a new key. A caller that compiles definitions
// other than the executable's own names them in the key.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/validate"
)

// Variable is the environment variable that names the cache folder; "off"
// turns the cache off. Unset, the folder is manifold/ in the user's cache
// folder ($XDG_CACHE_HOME or ~/.cache on Linux).
const Variable = "MANIFOLD_CACHE"

// Keep is how many compile results, and how many output folders' records,
// the folder keeps; the least recently used beyond that are removed when
// one is added.
const Keep = 8

// Cache is a cache folder. A nil *Cache is off: it finds nothing and
// keeps nothing.
type Cache struct {
	dir string

	mu      sync.Mutex
	schemas map[string][]byte // schema folder -> hashDir's digest, found once
}

// Open returns the cache folder that $MANIFOLD_CACHE names, or the user's
// default one; nil when the variable is "off".
func Open() (*Cache, error) {
	dir := os.Getenv(Variable)
	switch dir {
	case "off":
		return nil, nil
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cache: %w (set %s to a folder, or to off)", err, Variable)
		}
		dir = filepath.Join(base, "manifold")
	}
	return &Cache{dir: dir}, nil
}

// Entry is what a compile that found no error leaves for the next one with
// the same key: its findings (warnings), its object and file counts, and
// its tree by content hashes, encoded (a run whose tree is unchanged never
// decodes it), and scope.
type Entry struct {
	Objects  int
	Files    int
	Findings []finding.Finding
	Tree     []byte // a tree.Digest's MarshalBinary
	Scope    tree.Scope
}

// NewEntry returns the entry of a compile.
func NewEntry(objects int, findings []finding.Finding, d tree.Digest, scope tree.Scope) (Entry, error) {
	b, err := d.MarshalBinary()
	if err != nil {
		return Entry{}, fmt.Errorf("cache: %w", err)
	}
	return Entry{Objects: objects, Files: len(d.Files), Findings: findings, Tree: b, Scope: scope}, nil
}

// Digest decodes the entry's tree.
func (e Entry) Digest() (tree.Digest, error) {
	var d tree.Digest
	if err := d.UnmarshalBinary(e.Tree); err != nil {
		return d, fmt.Errorf("cache: %w", err)
	}
	return d, nil
}

// Key is the key of a compile: a hash of the running executable, of the
// name of the definitions it compiles (see compilecmd.Program), of every
// file under schemaDir (path and content), and of the selection.
func (c *Cache) Key(defs, schemaDir string, envs, apps []string) ([sha256.Size]byte, error) {
	var key [sha256.Size]byte
	exe, err := c.executable()
	if err != nil {
		return key, err
	}
	schemas, err := c.schemaDigest(schemaDir)
	if err != nil {
		return key, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "manifold compile\x00%x\x00%q\x00%q\x00%q\x00%x", exe, defs, envs, apps, schemas)
	h.Sum(key[:0])
	return key, nil
}

// schemaDigest returns the hash of the path and content of every file
// under dir, read once per Cache (which serves one run).
func (c *Cache) schemaDigest(dir string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.schemas[dir]; ok {
		return d, nil
	}
	h := sha256.New()
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, name)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cache: hash the schemas: %w", err)
	}
	if c.schemas == nil {
		c.schemas = map[string][]byte{}
	}
	c.schemas[dir] = h.Sum(nil)
	return c.schemas[dir], nil
}

// executable returns the hash of the running executable's content, found
// once per process: from the folder's record of it when the executable's
// fingerprint is the one recorded (a settled one: see tree.Known), else by
// reading it (64 MB for cmd/compile), which is then recorded.
func (c *Cache) executable() ([]byte, error) {
	exeOnce.Do(func() { exeSum, exeErr = c.hashExecutable() })
	return exeSum, exeErr
}

var (
	exeOnce sync.Once
	exeSum  []byte
	exeErr  error
)

// selfExe opens the running executable, even if its path now names
// another file.
var selfExe = func() (*os.File, string, error) {
	name, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	if runtime.GOOS == "linux" {
		f, err := os.Open("/proc/self/exe")
		return f, name, err
	}
	f, err := os.Open(name)
	return f, name, err
}

func (c *Cache) hashExecutable() ([]byte, error) {
	f, name, err := selfExe()
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	fp, settled, ok := tree.FileFingerprint(fi)
	id := sha256.Sum256([]byte(name))
	record := filepath.Join(c.dir, "exe-"+hex.EncodeToString(id[:8]))
	var fpText []byte
	if ok {
		fpText = fmt.Appendf(nil, "%d %d %d %d %d\n", fp.Size, fp.ModTime, fp.ChangeTime, fp.Inode, fp.Device)
		if b, err := os.ReadFile(record); err == nil && bytes.HasPrefix(b, fpText) && len(b) == len(fpText)+sha256.Size {
			return b[len(fpText):], nil
		}
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("cache: read %s: %w", name, err)
	}
	sum := h.Sum(nil)
	if ok && settled {
		// Recorded, for the next run: a failure costs it a read.
		if tree.WriteAtomic(record, append(fpText, sum...)) == nil {
			_ = c.trim("exe-", Keep)
		}
	}
	return sum, nil
}

// Get returns the entry stored under key. A missing or unreadable entry is
// a miss.
func (c *Cache) Get(key [sha256.Size]byte) (Entry, bool) {
	var e Entry
	if c == nil {
		return e, false
	}
	name := c.entryFile(key)
	b, err := os.ReadFile(name)
	if err != nil || gob.NewDecoder(bytes.NewReader(b)).Decode(&e) != nil {
		return Entry{}, false
	}
	t := time.Now()
	_ = os.Chtimes(name, t, t) // recently used: kept longest
	return e, true
}

// Put stores e under key, and removes the least recently used entries
// beyond Keep.
func (c *Cache) Put(key [sha256.Size]byte, e Entry) error {
	if c == nil {
		return nil
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(e); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := tree.WriteAtomic(c.entryFile(key), b.Bytes()); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return c.trim("compile-", Keep)
}

// trim removes the least recently used files (or folders) whose name
// starts with prefix beyond keep.
func (c *Cache) trim(prefix string, keep int) error {
	names, err := filepath.Glob(filepath.Join(c.dir, prefix+"*"))
	if err != nil || len(names) <= keep {
		return err
	}
	type used struct {
		name string
		at   time.Time
	}
	var all []used
	for _, n := range names {
		if fi, err := os.Stat(n); err == nil {
			all = append(all, used{n, fi.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b used) int { return b.at.Compare(a.at) })
	for _, u := range all[min(keep, len(all)):] {
		if err := os.RemoveAll(u.name); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	}
	return nil
}

// Known returns what earlier runs learned of the files under the output
// folder out, and a function that saves what this run adds.
func (c *Cache) Known(out string) (*tree.Known, func() error) {
	if c == nil {
		return nil, func() error { return nil }
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, func() error { return nil }
	}
	sum := sha256.Sum256([]byte(abs))
	name := filepath.Join(c.dir, "out-"+hex.EncodeToString(sum[:16]))
	k := tree.LoadKnown(name)
	return k, func() error {
		if err := k.Save(name); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		return c.trim("out-", Keep)
	}
}

// Valid returns the objects known to pass the schema gate over schemaDir,
// for the gate's Identity and the folder's content, and a function that
// saves what this run adds. Unlike a compile entry, the set outlives a
// change to apps/: a compile after one app changed validates that app's
// objects only.
func (c *Cache) Valid(schemaDir string) (*validate.Valid, func() error, error) {
	if c == nil {
		return nil, func() error { return nil }, nil
	}
	schemas, err := c.schemaDigest(schemaDir)
	if err != nil {
		return nil, nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "manifold valid\x00%x\x00%x", validate.Identity(), schemas)
	name := filepath.Join(c.dir, "valid-"+hex.EncodeToString(h.Sum(nil)))
	v := validate.LoadValidLater(func() []byte {
		b, _ := os.ReadFile(name) // missing or unreadable: nothing is known
		return b
	})
	return v, c.saver("valid-", name, v), nil
}

// Lint returns what the per-object lint rules found of objects in earlier
// runs, for the rules' Identity, and a function that saves what this run
// adds. Like the valid set, it outlives a change to apps/.
func (c *Cache) Lint() (*lint.Memo, func() error) {
	if c == nil {
		return nil, func() error { return nil }
	}
	name := filepath.Join(c.dir, "lint-"+hex.EncodeToString(lint.Identity()))
	m := lint.LoadMemoLater(func() []byte {
		b, _ := os.ReadFile(name) // missing or unreadable: nothing is known
		return b
	})
	return m, c.saver("lint-", name, m)
}

// saver returns the function that writes what a run added to a record of
// the folder, the file name, and keeps the Keep most recently written
// files whose names start with prefix.
func (c *Cache) saver(prefix, name string, r interface {
	Changed() bool
	Bytes() []byte
}) func() error {
	return func() error {
		if !r.Changed() {
			return nil
		}
		if err := tree.WriteAtomic(name, r.Bytes()); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		return c.trim(prefix, Keep)
	}
}

func (c *Cache) entryFile(key [sha256.Size]byte) string {
	return filepath.Join(c.dir, "compile-"+hex.EncodeToString(key[:]))
}
