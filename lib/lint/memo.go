package lint

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/manifold-dev/manifold/lib/codehash"
	"github.com/manifold-dev/manifold/lib/keep"
	"github.com/manifold-dev/manifold/lib/validate"
)

// Memo is what the per-object rules found of objects in earlier runs, by
// each object's content and its graph's settings: what a cache keeps
// between runs, so that an unchanged object is not checked again. It holds
// only for one Identity. A nil *Memo knows nothing and keeps nothing. It is
// safe for concurrent use.
type Memo struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]*kept[memoEntry]     // by object
	graphs  map[[sha256.Size]byte]*kept[[]indexedNote] // by graph: what the graph rules said
	changed bool
}

// memoEntry is what the per-object rules said of one object, the hashes
// of what the graph rules see of it, and its kind.
type memoEntry struct {
	notes []note
	view  objectView
	kind  string
}

// kept is an entry of a memo, and whether this run found or used it.
type kept[E any] struct {
	e         E
	confirmed bool
}

// NewMemo returns an empty memo.
func NewMemo() *Memo {
	return &Memo{entries: map[[sha256.Size]byte]*kept[memoEntry]{}, graphs: map[[sha256.Size]byte]*kept[[]indexedNote]{}}
}

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
	codehash.Sources(h, code)
	codehash.Modules(h, nil)
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
	b := make([]byte, 0, 2*sha256.Size+len(o.App)+len(o.File)+2*binary.MaxVarintLen64)
	b = append(append(b, ctx[:]...), o.Sum[:]...)
	for _, s := range []string{o.App, o.File} {
		b = append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	return sha256.Sum256(b), true
}

// graphKey is a graph's key in a context: the hash of what a group of
// graph rules sees of each of the objects it is shown (those whose
// indexes shown lists; nil: all), in order, and each one's index, app and
// file. ok is false when what it sees of one is not known.
func (m *Memo) graphKey(ctx [sha256.Size]byte, g *Graph, objs []graphObject, shown []int, gr group) (k [sha256.Size]byte, ok bool) {
	if m == nil {
		return k, false
	}
	h := sha256.New()
	h.Write(ctx[:])
	n := len(objs)
	if shown != nil {
		n = len(shown)
	}
	// Written a few kilobytes at a time: the objects are many, each short.
	b := binary.AppendUvarint(make([]byte, 0, 8<<10), uint64(n))
	for j := range n {
		i := j
		if shown != nil {
			i = shown[j]
		}
		v := &objs[i].entry.view
		if !v.ok {
			return k, false
		}
		o := g.Objects[i]
		sum := v.sum
		switch {
		case gr.viewing == blind, gr.viewing == named && gr.shows[objs[i].kind()]:
			sum = v.blind
		case gr.viewing == named:
			sum = v.names
		}
		b = binary.AppendUvarint(append(b, sum[:]...), uint64(i))
		for _, s := range []string{o.App, o.File} {
			b = append(binary.AppendUvarint(b, uint64(len(s))), s...)
		}
		if len(b) >= 7<<10 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	return [sha256.Size]byte(h.Sum(nil)), true
}

// getAll looks up the entry kept for each keyed object, confirming it for
// this run, under one lock: the lookups are many and short.
func (m *Memo) getAll(objs []graphObject) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range objs {
		o := &objs[i]
		if !o.keyed {
			continue
		}
		if e, ok := m.entries[o.key]; ok {
			e.confirmed = true
			o.entry, o.hit = e.e, true
		}
	}
}

// put keeps the entry found for k, when it is keyed.
func (m *Memo) put(k [sha256.Size]byte, keyed bool, e memoEntry) {
	if keyed {
		hold(m, &m.entries, k, e)
	}
}

// getGraph returns the notes kept for the graph of key k, confirming them.
func (m *Memo) getGraph(k [sha256.Size]byte, keyed bool) ([]indexedNote, bool) {
	if !keyed {
		return nil, false
	}
	return lookup(m, &m.graphs, k)
}

// putGraph keeps the notes found for the graph of key k, when it is keyed.
func (m *Memo) putGraph(k [sha256.Size]byte, keyed bool, notes []indexedNote) {
	if keyed {
		hold(m, &m.graphs, k, notes)
	}
}

// lookup returns the entry of m's table kept for k, confirming it. The
// table is read under m's lock, as LoadMemoLater sets it.
func lookup[E any](m *Memo, table *map[[sha256.Size]byte]*kept[E], k [sha256.Size]byte) (E, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := (*table)[k]
	if !ok {
		var zero E
		return zero, false
	}
	e.confirmed = true
	return e.e, true
}

// hold keeps e in m's table under k, confirmed.
func hold[E any](m *Memo, table *map[[sha256.Size]byte]*kept[E], k [sha256.Size]byte, e E) {
	m.mu.Lock()
	(*table)[k] = &kept[E]{e: e, confirmed: true}
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
const memoHeader = "manifold lint memo 4\n"

// Bytes encodes the memo: the header; the number of kinds, and each kind;
// the number of object entries, then each by key: the key, the hashes of
// its view (a zero byte when unknown, a one and the hash when it has no
// replica counts, else a two, the hash and that of the view without
// them; then that of its identity), its kind's index and its notes; then the number of graph
// entries, and each: the key and its notes, each with its object's index.
// Notes are counted, and each is its rule, path segments, path, message
// and quiet flag; strings are length-prefixed, numbers unsigned varints.
// Entries are in no order, and kept as package keep says.
func (m *Memo) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	objects := keptKeys(m.entries)
	entries := make([]*memoEntry, len(objects))
	kinds := map[string]int{} // by name, its index in the list of kinds
	for i, k := range objects {
		entries[i] = &m.entries[k].e
		kinds[entries[i].kind] = 0
	}
	// Most entries are a key, three hashes and a few bytes.
	e := memoEncoder{b: make([]byte, 0, len(memoHeader)+len(objects)*(4*sha256.Size+8))}
	e.b = append(e.b, memoHeader...)
	e.count(len(kinds))
	for i, kind := range slices.Sorted(maps.Keys(kinds)) {
		kinds[kind] = i
		e.str(kind)
	}
	e.count(len(objects))
	for i, k := range objects {
		en := entries[i]
		e.b = append(e.b, k[:]...)
		switch v := en.view; {
		case !v.ok:
			e.b = append(e.b, 0)
		case v.blind == v.sum:
			e.b = append(append(append(e.b, 1), v.sum[:]...), v.names[:]...)
		default:
			e.b = append(append(append(append(e.b, 2), v.sum[:]...), v.blind[:]...), v.names[:]...)
		}
		e.count(kinds[en.kind])
		e.count(len(en.notes))
		for _, n := range en.notes {
			e.note(n)
		}
	}
	graphs := keptKeys(m.graphs)
	e.count(len(graphs))
	for _, k := range graphs {
		notes := m.graphs[k].e
		e.b = append(e.b, k[:]...)
		e.count(len(notes))
		for _, n := range notes {
			e.count(n.Object)
			e.note(n.note)
		}
	}
	return e.b
}

// keptKeys returns the keys of the entries Bytes keeps (see package keep).
func keptKeys[E any](entries map[[sha256.Size]byte]*kept[E]) [][sha256.Size]byte {
	return keep.Keys(entries, func(e *kept[E]) bool { return e.confirmed })
}

// memoEncoder writes what LoadMemo reads.
type memoEncoder struct{ b []byte }

func (e *memoEncoder) count(n int) { e.b = binary.AppendUvarint(e.b, uint64(n)) }

func (e *memoEncoder) str(s string) { e.b = append(binary.AppendUvarint(e.b, uint64(len(s))), s...) }

func (e *memoEncoder) note(n note) {
	e.str(n.Rule)
	e.count(len(n.Segs))
	for _, s := range n.Segs {
		e.str(s)
	}
	e.str(n.Path)
	e.str(n.Message)
	quiet := byte(0)
	if n.Quiet {
		quiet = 1
	}
	e.b = append(e.b, quiet)
}

// LoadMemoLater is LoadMemo of what read returns, read on a goroutine of
// its own while the caller goes on: the memo's first use waits for it.
func LoadMemoLater(read func() []byte) *Memo {
	m := NewMemo()
	m.mu.Lock() // every use takes the lock: the loader holds it until done
	go func() {
		defer m.mu.Unlock()
		loaded := LoadMemo(read())
		m.entries, m.graphs = loaded.entries, loaded.graphs
	}()
	return m
}

// LoadMemo reads a memo Bytes wrote; anything else, or anything cut
// short, is an empty memo.
func LoadMemo(b []byte) *Memo {
	m := NewMemo()
	rest, ok := bytes.CutPrefix(b, []byte(memoHeader))
	if !ok {
		return m
	}
	d := memoDecoder{rest: rest}
	kinds := make([]string, d.count())
	for i := range kinds {
		kinds[i] = d.str()
	}
	n := d.count()
	m.entries = make(map[[sha256.Size]byte]*kept[memoEntry], n)
	all := make([]kept[memoEntry], n) // one allocation for them all
	for i := range n {
		k := d.key()
		var en memoEntry
		switch d.byte() {
		case 1:
			en.view.sum = d.key()
			en.view.blind, en.view.names, en.view.ok = en.view.sum, d.key(), true
		case 2:
			en.view = objectView{sum: d.key(), blind: d.key(), names: d.key(), ok: true}
		case 0:
		default:
			d.err = fmt.Errorf("bad view")
		}
		if i := d.index(); i < len(kinds) {
			en.kind = kinds[i]
		} else {
			d.err = fmt.Errorf("bad kind")
		}
		for range d.count() {
			en.notes = append(en.notes, d.note())
		}
		all[i].e = en
		m.entries[k] = &all[i]
	}
	for range d.count() {
		k := d.key()
		var notes []indexedNote
		for range d.count() {
			i := d.index()
			notes = append(notes, indexedNote{Object: i, note: d.note()})
		}
		m.graphs[k] = &kept[[]indexedNote]{e: notes}
	}
	if d.err != nil || len(d.rest) > 0 {
		return NewMemo()
	}
	return m
}

// memoDecoder reads what memoEncoder wrote; after the first error it
// reads zeros.
type memoDecoder struct {
	rest []byte
	err  error
}

// count reads an unsigned varint no larger than what is left to read (a
// count of items of a byte or more each, or an index that small).
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

// index reads an object's index in its graph.
func (d *memoDecoder) index() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.rest)
	if n <= 0 || v > 1<<31 {
		d.err = fmt.Errorf("bad index")
		return 0
	}
	d.rest = d.rest[n:]
	return int(v)
}

func (d *memoDecoder) take(n int) []byte {
	if d.err != nil || len(d.rest) < n {
		d.err = fmt.Errorf("cut short")
		return make([]byte, n)
	}
	b := d.rest[:n]
	d.rest = d.rest[n:]
	return b
}

func (d *memoDecoder) key() [sha256.Size]byte { return [sha256.Size]byte(d.take(sha256.Size)) }

func (d *memoDecoder) byte() byte { return d.take(1)[0] }

func (d *memoDecoder) str() string { return string(d.take(d.count())) }

func (d *memoDecoder) note() note {
	n := note{Rule: d.str()}
	for range d.count() {
		n.Segs = append(n.Segs, d.str())
	}
	n.Path = d.str()
	n.Message = d.str()
	n.Quiet = d.byte() == 1
	return n
}
