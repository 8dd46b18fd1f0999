package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/manifold-dev/manifold/lib/tree"
)

// Renders is the cache folder's renders/ folder: what each app rendered to
// in one environment, by its key (see compile.Renders), in 256 files by
// the key's first byte. A run reads each file it needs once, and writes
// again only those it added to; thousands of small files would cost a
// fresh cache as many inodes, and a disk that has seen many deletes
// allocates them slowly. It is safe for concurrent use.
type Renders struct {
	dir     string
	buckets [256]bucket
}

// bucket is one file of renders.
type bucket struct {
	once    sync.Once
	mu      sync.Mutex
	entries map[[sha256.Size]byte][]byte
	used    map[[sha256.Size]byte]bool // found or added by this run
	added   bool
}

// Renders returns the folder of renders.
func (c *Cache) Renders() *Renders {
	if c == nil {
		return nil
	}
	return &Renders{dir: filepath.Join(c.dir, "renders")}
}

// bucketHeader starts a file of renders; a new layout gets a new header.
const bucketHeader = "manifold renders 1\n"

// bucket returns the bucket of key, read from its file the first time. A
// missing, unreadable or damaged file is an empty bucket.
func (r *Renders) bucket(key [sha256.Size]byte) *bucket {
	b := &r.buckets[key[0]]
	b.once.Do(func() {
		b.entries, b.used = map[[sha256.Size]byte][]byte{}, map[[sha256.Size]byte]bool{}
		data, err := os.ReadFile(r.file(key[0]))
		if err != nil {
			return
		}
		if entries, ok := decodeBucket(data); ok {
			b.entries = entries
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

// Put keeps data under key; Save writes it.
func (r *Renders) Put(key [sha256.Size]byte, data []byte) {
	b := r.bucket(key)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries[key], b.used[key], b.added = data, true, true
}

// Save writes the files this run added to, each with the renders it used
// and the others unless they outnumber those (a file that only grew would
// soon hold every version of every app). The Renders keeps nothing more
// after it.
func (r *Renders) Save() error {
	if r == nil {
		return nil
	}
	var errs []error
	for n := range r.buckets {
		b := &r.buckets[n]
		if !b.added {
			continue
		}
		keep := slices.SortedFunc(maps.Keys(b.entries), func(x, y [sha256.Size]byte) int { return bytes.Compare(x[:], y[:]) })
		if len(keep) > 2*len(b.used) {
			keep = slices.DeleteFunc(keep, func(k [sha256.Size]byte) bool { return !b.used[k] })
		}
		err := os.MkdirAll(r.dir, 0o755)
		if err == nil {
			err = tree.WriteAtomic(r.file(byte(n)), encodeBucket(b.entries, keep))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cache: %w", err))
		}
		*b = bucket{}
	}
	return errors.Join(errs...)
}

// encodeBucket encodes the entries of keys: the header, then each key, its
// render's length as an unsigned varint, and the render.
func encodeBucket(entries map[[sha256.Size]byte][]byte, keys [][sha256.Size]byte) []byte {
	size := len(bucketHeader)
	for _, k := range keys {
		size += sha256.Size + binary.MaxVarintLen64 + len(entries[k])
	}
	out := append(make([]byte, 0, size), bucketHeader...)
	for _, k := range keys {
		out = append(out, k[:]...)
		out = binary.AppendUvarint(out, uint64(len(entries[k])))
		out = append(out, entries[k]...)
	}
	return out
}

// decodeBucket reads what encodeBucket wrote; ok is false for anything
// else. The renders share data's bytes.
func decodeBucket(data []byte) (map[[sha256.Size]byte][]byte, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(bucketHeader))
	if !ok {
		return nil, false
	}
	entries := map[[sha256.Size]byte][]byte{}
	for len(rest) > 0 {
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
