package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/manifold-dev/manifold/lib/keep"
	"github.com/manifold-dev/manifold/lib/tree"
)

// Renders is a folder of renders in the cache folder: what each app
// rendered to in one environment, by its key (see compile.Renders), for
// one version of the rendering code, in 256 files by the key's first
// byte. Each version has its folder, and the KeepRenders most recently
// used are kept: a run reads only its own version's renders. A run reads each file it needs once, and writes
// again only those it added to; thousands of small files would cost a
// fresh cache as many inodes, and a disk that has seen many deletes
// allocates them slowly. What a run adds goes to a pending file of its
// bucket at once, on one goroutine, so that a fleet's renders are not
// held in memory until Save. It is safe for concurrent use.
type Renders struct {
	dir     string
	trim    func() error // removes the folders of the least recently used versions
	buckets [256]bucket

	queue   chan pending
	written sync.WaitGroup
	mu      sync.Mutex
	err     error // the first write that failed
}

// bucket is one file of renders.
type bucket struct {
	once    sync.Once
	mu      sync.Mutex
	entries map[[sha256.Size]byte][]byte // read from the file
	used    map[[sha256.Size]byte]bool   // found by this run
	added   int                          // renders this run put
	pending *os.File                     // where they are, until Save: a bucket's file
	broken  bool                         // a write to pending failed
}

// pending is a render put, on its way to its bucket's pending file.
type pending struct {
	key  [sha256.Size]byte
	data []byte
}

// pendingPrefix starts the name of a pending file.
const pendingPrefix = ".pending-"

// KeepRenders is how many versions of the rendering code the cache folder
// keeps the renders of: a fleet's are about 100 MB at 1,000 apps.
const KeepRenders = 2

// Renders returns the folder of renders of the rendering code whose
// identity (compile.RenderIdentity) is given.
func (c *Cache) Renders(identity []byte) *Renders {
	if c == nil {
		return nil
	}
	dir := filepath.Join(c.dir, "renders-"+hex.EncodeToString(identity[:min(len(identity), 16)]))
	t := time.Now()
	_ = os.Chtimes(dir, t, t) // recently used: kept longest
	r := &Renders{dir: dir, queue: make(chan pending, 64), trim: func() error { return c.trim("renders", KeepRenders) }}
	r.written.Go(r.write)
	return r
}

// bucketHeader starts a file of renders; a new layout gets a new header.
const bucketHeader = "manifold renders 1\n"

// bucket returns the bucket of key, read from its file the first time. A
// missing, unreadable or damaged file is an empty bucket.
func (r *Renders) bucket(key [sha256.Size]byte) *bucket {
	b := &r.buckets[key[0]]
	b.once.Do(func() {
		b.entries, b.used = map[[sha256.Size]byte][]byte{}, map[[sha256.Size]byte]bool{}
		data, err := readShared(r.file(key[0]))
		if err != nil {
			return
		}
		if rest, ok := bytes.CutPrefix(data, []byte(bucketHeader)); ok {
			if entries, ok := decodeEntries(rest); ok {
				b.entries = entries
			}
		}
	})
	return b
}

func (r *Renders) file(n byte) string { return filepath.Join(r.dir, fmt.Sprintf("%02x", n)) }

// Get returns the render kept under key.
func (r *Renders) Get(key [sha256.Size]byte) ([]byte, bool) {
	b := r.bucket(key)
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.entries[key]
	if ok {
		b.used[key] = true
	}
	return data, ok
}

// Put keeps data under key: it is written to its bucket's pending file,
// and Save makes it part of the bucket.
func (r *Renders) Put(key [sha256.Size]byte, data []byte) {
	b := r.bucket(key)
	b.mu.Lock()
	b.added++
	b.mu.Unlock()
	r.queue <- pending{key, data}
}

// write appends the renders Put queues to their buckets' pending files,
// until Save closes the queue.
func (r *Renders) write() {
	var entry []byte // each render as its file holds it, in one buffer
	for p := range r.queue {
		b := &r.buckets[p.key[0]]
		err := func() error {
			if b.pending == nil {
				if err := os.MkdirAll(r.dir, 0o755); err != nil {
					return err
				}
				f, err := os.CreateTemp(r.dir, fmt.Sprintf("%s%02x-*", pendingPrefix, p.key[0]))
				if err != nil {
					return err
				}
				b.pending = f
				if _, err := f.WriteString(bucketHeader); err != nil {
					return err
				}
			}
			entry = appendEntry(entry[:0], p.key, p.data)
			_, err := b.pending.Write(entry)
			return err
		}()
		if err != nil {
			b.broken = b.pending != nil
			r.fail(err)
		}
	}
}

// fail records the first error of a write.
func (r *Renders) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = fmt.Errorf("cache: %w", err)
	}
}

// Save writes again the files this run added to: each with the renders
// this run put or used, and the others as package keep says. It
// removes the pending files, and those an interrupted run left an hour or
// more ago. The Renders keeps nothing more after it.
func (r *Renders) Save() error {
	if r == nil {
		return nil
	}
	close(r.queue)
	r.written.Wait()
	for n := range r.buckets {
		b := &r.buckets[n]
		if b.pending != nil {
			if err := r.merge(byte(n), b); err != nil {
				r.fail(err)
			}
		}
		*b = bucket{}
	}
	r.removeStale()
	if err := r.trim(); err != nil {
		r.fail(err)
	}
	return r.err
}

// merge writes bucket n's file of what it held and what its pending file
// holds, and removes the pending file. A pending file is a bucket's file
// of what the run added: for a bucket that held nothing, it is renamed
// into place.
func (r *Renders) merge(n byte, b *bucket) error {
	name := b.pending.Name()
	defer os.Remove(name) // after a rename, there is nothing there
	if err := b.pending.Close(); err != nil || b.broken {
		return err // a broken file's error is the Renders'
	}
	if len(b.entries) == 0 {
		if err := os.Chmod(name, 0o644); err != nil {
			return err
		}
		return os.Rename(name, r.file(n))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	added, ok := decodeEntries(bytes.TrimPrefix(data, []byte(bucketHeader)))
	if !ok || len(added) != b.added {
		return fmt.Errorf("renders: %s holds %d of %d renders", name, len(added), b.added)
	}
	// What this run put or found counts as used (see package keep).
	used := make(map[[sha256.Size]byte]bool, len(b.entries)+len(added))
	for k := range b.entries {
		used[k] = b.used[k]
	}
	for k := range added {
		used[k] = true
	}
	size := len(data)
	for _, e := range b.entries {
		size += sha256.Size + binary.MaxVarintLen64 + len(e)
	}
	out := append(make([]byte, 0, size), bucketHeader...)
	for _, k := range keep.Keys(used, func(u bool) bool { return u }) {
		data, ok := added[k]
		if !ok {
			data = b.entries[k]
		}
		out = appendEntry(out, k, data)
	}
	return tree.WriteAtomic(r.file(n), out)
}

// removeStale removes the pending files an interrupted run left an hour
// or more ago (a run that is still going has written to its own since).
func (r *Renders) removeStale() {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), pendingPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
			if err := os.Remove(filepath.Join(r.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				r.fail(err)
			}
		}
	}
}

// appendEntry appends a render to b: its key, its length as an unsigned
// varint, and its bytes.
func appendEntry(b []byte, key [sha256.Size]byte, data []byte) []byte {
	b = append(b, key[:]...)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// decodeEntries reads the renders appendEntry wrote; ok is false for
// anything else. The renders share data's bytes.
func decodeEntries(data []byte) (map[[sha256.Size]byte][]byte, bool) {
	entries := map[[sha256.Size]byte][]byte{}
	for rest := data; len(rest) > 0; {
		if len(rest) < sha256.Size {
			return nil, false
		}
		k := [sha256.Size]byte(rest)
		rest = rest[sha256.Size:]
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)-w) {
			return nil, false
		}
		entries[k] = rest[w : w+int(n) : w+int(n)]
		rest = rest[w+int(n):]
	}
	return entries, true
}
