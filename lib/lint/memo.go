package lint

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/manifold-dev/manifold/lib/validate"
)

// Memo is what the per-object rules found of objects in earlier runs, by
// each object's content and its graph's settings: what a cache keeps
// between runs, so that an unchanged object is not checked again. It holds
// only for one Identity. A nil *Memo knows nothing and keeps nothing. It is
// safe for concurrent use.
type Memo struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]memoEntry
	changed bool
}

// memoEntry is what the per-object rules said of one object.
type memoEntry struct {
	notes     []note
	confirmed bool // found or used by this run
}

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{entries: map[[sha256.Size]byte]memoEntry{}} }

//go:embed *.go
var code embed.FS

// Identity is a hash of what decides the per-object rules' findings besides
// the object and its graph's settings: the engine's and the rules' code
// (this package's source, embedded), what makes an object's value of the
// bytes it is known by (validate.Identity covers it), the versions of
// every module the program links, and Go's version. A Memo holds for one
// Identity.
var Identity = sync.OnceValue(func() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%x\x00", runtime.Version(), validate.Identity())
	names, _ := fs.Glob(code, "*.go") // sorted; the pattern is valid
	for _, name := range names {
		b, _ := fs.ReadFile(code, name) // embedded: cannot fail
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", name, len(b), b)
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			fmt.Fprintf(h, "%s %s %s\x00", m.Path, m.Version, m.Sum)
		}
	}
	return h.Sum(nil)
})

// context is the hash of what the per-object rules of a graph depend on
// besides each object: the Identity, the rules, the graph's settings and
// the configuration.
func (m *Memo) context(g *Graph, rules []*Rule, cfg *Config) [sha256.Size]byte {
	if m == nil {
		return [sha256.Size]byte{}
	}
	h := sha256.New()
	fmt.Fprintf(h, "manifold lint memo\x00%x\x00", Identity())
	for _, r := range rules {
		fmt.Fprintf(h, "%s\x00", r.ID)
	}
	settings, _ := json.Marshal(struct { // plain data: cannot fail
		Env, Kubernetes string
		Production      bool
		Facts           Facts
		Config          *Config
	}{g.Env, g.Kubernetes, g.Production, g.Facts, cfg})
	h.Write(settings)
	return [sha256.Size]byte(h.Sum(nil))
}

// key is an object's key in its graph's context: ok is false for an object
// with no Sum, which is checked and not kept.
func (m *Memo) key(ctx [sha256.Size]byte, o *Object) (k [sha256.Size]byte, ok bool) {
	if m == nil || o.Sum == ([sha256.Size]byte{}) {
		return k, false
	}
	h := sha256.New()
	h.Write(ctx[:])
	h.Write(o.Sum[:])
	fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s", len(o.App), o.App, len(o.File), o.File)
	return [sha256.Size]byte(h.Sum(nil)), true
}

// get returns the notes kept for k, confirming them for this run.
func (m *Memo) get(k [sha256.Size]byte, keyed bool) ([]note, bool) {
	if !keyed {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	if ok && !e.confirmed {
		e.confirmed = true
		m.entries[k] = e
	}
	return e.notes, ok
}

// put keeps the notes found for k.
func (m *Memo) put(k [sha256.Size]byte, keyed bool, notes []note) {
	if !keyed {
		return
	}
	m.mu.Lock()
	m.entries[k] = memoEntry{notes: notes, confirmed: true}
	m.changed = true
	m.mu.Unlock()
}

// Changed reports whether this run added to the memo.
func (m *Memo) Changed() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// memoHeader starts an encoded memo; a new layout gets a new header.
const memoHeader = "manifold lint memo 1\n"

// Bytes encodes the memo: the header, then each entry by key: the key,
// its number of notes and each note's rule, path segments, message and
// quiet flag, as length-prefixed strings and unsigned varints. The entries
// this run confirmed are kept; older ones too, unless they outnumber them
// (a memo that only grew would soon hold every version of every object).
func (m *Memo) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	confirmed := 0
	for _, e := range m.entries {
		if e.confirmed {
			confirmed++
		}
	}
	keep := slices.SortedFunc(maps.Keys(m.entries), func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	if len(keep) > 2*confirmed {
		keep = slices.DeleteFunc(keep, func(k [sha256.Size]byte) bool { return !m.entries[k].confirmed })
	}
	b := []byte(memoHeader)
	str := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	for _, k := range keep {
		notes := m.entries[k].notes
		b = append(b, k[:]...)
		b = binary.AppendUvarint(b, uint64(len(notes)))
		for _, n := range notes {
			str(n.Rule)
			b = binary.AppendUvarint(b, uint64(len(n.Segs)))
			for _, s := range n.Segs {
				str(s)
			}
			str(n.Message)
			quiet := byte(0)
			if n.Quiet {
				quiet = 1
			}
			b = append(b, quiet)
		}
	}
	return b
}

// LoadMemo reads a memo Bytes wrote; anything else, or anything cut
// short, is an empty memo.
func LoadMemo(b []byte) *Memo {
	m := NewMemo()
	d := memoDecoder{}
	var ok bool
	if d.rest, ok = bytes.CutPrefix(b, []byte(memoHeader)); !ok {
		return m
	}
	for len(d.rest) > 0 && d.err == nil {
		if len(d.rest) < sha256.Size {
			return NewMemo()
		}
		k := [sha256.Size]byte(d.rest)
		d.rest = d.rest[sha256.Size:]
		var notes []note
		for range d.count() {
			n := note{Rule: d.str()}
			for range d.count() {
				n.Segs = append(n.Segs, d.str())
			}
			n.Message = d.str()
			n.Quiet = d.byte() == 1
			notes = append(notes, n)
		}
		m.entries[k] = memoEntry{notes: notes}
	}
	if d.err != nil {
		return NewMemo()
	}
	return m
}

// memoDecoder reads what Bytes wrote; after the first error it reads
// zeros.
type memoDecoder struct {
	rest []byte
	err  error
}

// count reads an unsigned varint no larger than what is left to read (a
// count of items of a byte or more each).
func (d *memoDecoder) count() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.rest)
	if n <= 0 || v > uint64(len(d.rest)-n) {
		d.err = fmt.Errorf("bad length")
		return 0
	}
	d.rest = d.rest[n:]
	return int(v)
}

func (d *memoDecoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.rest[:n])
	d.rest = d.rest[n:]
	return s
}

func (d *memoDecoder) byte() byte {
	if d.err != nil || len(d.rest) == 0 {
		d.err = fmt.Errorf("cut short")
		return 0
	}
	c := d.rest[0]
	d.rest = d.rest[1:]
	return c
}
