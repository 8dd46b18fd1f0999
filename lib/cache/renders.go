package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/manifold-dev/manifold/lib/tree"
)

// Renders is the cache folder's renders/ folder: what each app rendered to
// in one environment, a file each, named by its key (see compile.Renders).
// A run reads the files of the apps that render as before, and writes the
// others'. It is safe for concurrent use.
type Renders struct {
	dir string

	mu   sync.Mutex
	used map[string]bool // the files this run read or wrote
	err  error           // the first write that failed

	// The files are written in turn, on one goroutine, while the compile
	// goes on: writers of one folder on several would wait on its lock.
	queue   chan render
	written sync.WaitGroup
}

// render is a file to write.
type render struct {
	name string
	b    []byte
}

// Renders returns the folder of renders.
func (c *Cache) Renders() *Renders {
	if c == nil {
		return nil
	}
	r := &Renders{dir: filepath.Join(c.dir, "renders"), used: map[string]bool{}, queue: make(chan render, 64)}
	r.written.Go(r.write)
	return r
}

// write writes the files Put queues until Save closes the queue.
func (r *Renders) write() {
	mkdir := sync.OnceValue(func() error { return os.MkdirAll(r.dir, 0o755) })
	for f := range r.queue {
		err := mkdir()
		if err == nil {
			err = tree.WriteAtomic(filepath.Join(r.dir, f.name), f.b)
		}
		if err != nil {
			r.mu.Lock()
			if r.err == nil {
				r.err = fmt.Errorf("cache: %w", err)
			}
			r.mu.Unlock()
		}
	}
}

// Get returns the render kept under key. A missing or unreadable file is a
// miss.
func (r *Renders) Get(key [sha256.Size]byte) ([]byte, bool) {
	name := hex.EncodeToString(key[:])
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		return nil, false
	}
	r.mu.Lock()
	r.used[name] = true
	r.mu.Unlock()
	return b, true
}

// Put keeps b under key: the file is written before Save returns, which
// reports a failure.
func (r *Renders) Put(key [sha256.Size]byte, b []byte) {
	name := hex.EncodeToString(key[:])
	r.mu.Lock()
	r.used[name] = true
	r.mu.Unlock()
	r.queue <- render{name, b}
}

// Save waits for the files Put queued, reports the first write that
// failed, and removes the renders this run did not use when they
// outnumber the ones it did (a folder that only grew would soon hold every
// version of every app). The Renders keeps nothing more after it.
func (r *Renders) Save() error {
	if r == nil {
		return nil
	}
	close(r.queue)
	r.written.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, os.ErrNotExist) {
		return r.err
	}
	if err != nil {
		return errors.Join(r.err, fmt.Errorf("cache: %w", err))
	}
	if len(entries) <= 2*len(r.used) {
		return r.err
	}
	for _, e := range entries {
		if !r.used[e.Name()] {
			if err := os.RemoveAll(filepath.Join(r.dir, e.Name())); err != nil {
				return errors.Join(r.err, fmt.Errorf("cache: %w", err))
			}
		}
	}
	return r.err
}
