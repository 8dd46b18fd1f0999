package validate

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the gate's source is part of its identity
	"fmt"
	"runtime"
	"sync"

	"github.com/manifold-dev/manifold/lib/codehash"
	"github.com/manifold-dev/manifold/lib/jsonval"
	"github.com/manifold-dev/manifold/lib/keep"
	"github.com/manifold-dev/manifold/lib/manifest"
	"github.com/manifold-dev/manifold/lib/render"
	"github.com/manifold-dev/manifold/lib/schemas"
)

// Valid is a set of documents known to pass the gate, by the key Validate
// gives each (its versions and encoding): what a cache keeps between runs,
// so that an unchanged object is not validated again. It holds only for
// one Identity and one schema folder's content. A nil *Valid knows
// nothing. It is safe for concurrent use.
type Valid struct {
	mu      sync.Mutex
	keys    map[[sha256.Size]byte]bool // true: confirmed by this run
	changed bool
}

// NewValid returns an empty set.
func NewValid() *Valid { return &Valid{keys: map[[sha256.Size]byte]bool{}} }

// validHeader starts an encoded set; a new layout gets a new header.
const validHeader = "manifold valid documents 1\n"

// LoadValid reads a set Bytes wrote; anything else is an empty set.
func LoadValid(b []byte) *Valid {
	v := NewValid()
	rest, ok := bytes.CutPrefix(b, []byte(validHeader))
	if !ok || len(rest)%sha256.Size != 0 {
		return v
	}
	v.keys = make(map[[sha256.Size]byte]bool, len(rest)/sha256.Size)
	for ; len(rest) > 0; rest = rest[sha256.Size:] {
		v.keys[[sha256.Size]byte(rest)] = false
	}
	return v
}

// LoadValidLater is LoadValid of what read returns, read on a goroutine
// of its own while the caller goes on: the set's first use waits for it.
func LoadValidLater(read func() []byte) *Valid {
	v := NewValid()
	v.mu.Lock() // every use takes the lock: the loader holds it until done
	go func() {
		defer v.mu.Unlock()
		v.keys = LoadValid(read()).keys
	}()
	return v
}

// Changed reports whether this run added a document.
func (v *Valid) Changed() bool {
	if v == nil {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.changed
}

// Bytes encodes the set: the header and the keys, in no order, kept as
// package keep says.
func (v *Valid) Bytes() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := keep.Keys(v.keys, func(confirmed bool) bool { return confirmed })
	b := make([]byte, 0, len(validHeader)+len(keys)*sha256.Size)
	b = append(b, validHeader...)
	for _, k := range keys {
		b = append(b, k[:]...)
	}
	return b
}

// has reports, for the document with each key, whether it is known
// valid, confirming those that are for this run.
func (v *Valid) has(keys [][sha256.Size]byte) []bool {
	known := make([]bool, len(keys))
	if v == nil {
		return known
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, k := range keys {
		confirmed, ok := v.keys[k]
		if ok && !confirmed {
			v.keys[k] = true
		}
		known[i] = ok
	}
	return known
}

// add records that the document with key k passed.
func (v *Valid) add(k [sha256.Size]byte) {
	if v == nil {
		return
	}
	v.mu.Lock()
	v.keys[k] = true
	v.changed = true
	v.mu.Unlock()
}

//go:embed validate.go
var source []byte

// Identity is a hash of what decides a verdict besides the document and
// the schema folder: the gate's own code (its source, embedded), the code
// that lays out the schema folder, the code that makes the bytes a
// document is known by and reads them back (render, jsonval, manifest),
// the versions of the modules that find and apply schemas and read the
// documents (verdictModules), and Go's version. A Valid holds for one
// Identity, which every command of one build shares: cmd/lint trusts what
// cmd/compile validated.
var Identity = sync.OnceValue(func() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%d\x00%s\x00", runtime.Version(), len(source), source, len(schemas.LayoutSource), schemas.LayoutSource)
	codehash.Sources(h, render.Source, jsonval.Source, manifest.Source)
	codehash.Modules(h, verdictModules)
	return h.Sum(nil)
})

// verdictModules are the modules whose version can change a verdict:
// kubeconform's registry finds the schema, jsonschema applies it, and the
// YAML and JSON implementations make the document the gate sees of the
// bytes it is known by. A test keeps the list in step with what the gate
// and the readers import.
var verdictModules = []string{
	"github.com/go-json-experiment/json",
	"github.com/santhosh-tekuri/jsonschema/v6",
	"github.com/yannh/kubeconform",
	"go.yaml.in/yaml/v3",
}
