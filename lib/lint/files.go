// Package lint is manifold's linter: an engine of rules over the graph of
// one environment's objects (rules are values, as in go/analysis), the
// rules themselves, and the driver that reads manifests from disk with
// positions, puts them through the schema gate and the rules, and reports
// each problem at its file, line and column. The compiler runs the same
// rules over the objects it compiles.
//
// A rule is a per-object rule, handed a graph of each object alone, or a
// graph rule, handed the environment's view (every object without what no
// graph rule reads, see graphView; replica counts only for the rules that
// read them, see Rule.Scale). So what each finds depends only on what it
// is shown, and a Memo keeps it between runs by that.
package lint

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/gcfloor"
	"github.com/manifold-dev/manifold/lib/manifest"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/schemas"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/validate"
	"github.com/manifold-dev/manifold/lib/workers"
)

// Options configure a lint run.
type Options struct {
	// Schemas is the schema folder.
	Schemas string
	// Kubernetes, when set, is the Kubernetes version of every file; else a
	// file in a manifold tree takes its environment's pinned versions from
	// the tree's ownership record, and any other file the newest versions
	// that have schemas.
	Kubernetes string
	// Skip lists glob patterns (matched against the path and the base
	// name) of files that are not manifests.
	Skip []string
	// Config disables rules, changes severities and holds the baseline.
	Config *Config
	// Production turns on the rules that only matter in production.
	Production bool
	// Valid, when set, holds the objects known to pass the schema gate
	// from earlier runs (see validate.Valid); this run's are added. A file
	// the compiler wrote is one such object: its bytes are what the
	// compiler validated.
	Valid *validate.Valid
	// Memo, when set, holds what the per-object rules found of objects in
	// earlier runs, by the bytes of the files that hold one object each;
	// this run's are added.
	Memo *Memo
}

// File is one file's objects, with the versions they are checked against.
type File struct {
	Path       string
	Env        string // the environment, for a file in a manifold tree
	App        string // the app's folder (or argocd, platform), for a file in a manifold tree
	Kubernetes string
	Versions   model.Versions
	Production bool
	Facts      Facts
	Docs       []manifest.Doc
	// single is the file's content when it is one object (the compiler
	// writes a file per object), and sum its SHA-256: the schema gate and a
	// Memo know the object by it.
	single []byte
	sum    [sha256.Size]byte
}

// Files lints the files and folders at paths. The error is for a path that
// cannot be read or a run that cannot proceed; problems with the manifests
// are findings. The files are read and checked one graph at a time (each
// environment of a manifold tree, then everything else), so only one
// environment's objects are held at once.
func Files(ctx context.Context, paths []string, opts Options) ([]finding.Finding, error) {
	var fs []finding.Finding
	gate := newGate(opts)
	err := readEach(paths, opts, true, func(files []File, read []finding.Finding) error {
		more, err := check(ctx, gate, files, opts)
		fs = append(append(fs, read...), more...)
		return err
	})
	if err != nil {
		return nil, err
	}
	finding.Sort(fs)
	return fs, nil
}

// Read reads the manifests in the files and folders at paths, each with
// the versions it is checked against. Documents that are not readable
// Kubernetes objects are findings (rule yaml); the error is for a path that
// cannot be read.
func Read(paths []string, opts Options) ([]File, []finding.Finding, error) {
	var files []File
	var fs []finding.Finding
	err := readEach(paths, opts, false, func(f []File, read []finding.Finding) error {
		files, fs = f, read
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return files, fs, nil
}

// readEach reads the manifests at paths as Read does, and gives them to fn
// in batches: all at once, or with byGraph the files of one graph at a time
// (see graphs), in the order of each graph's first file. A batch's files
// are not kept after fn returns.
func readEach(paths []string, opts Options, byGraph bool, fn func([]File, []finding.Finding) error) error {
	names, err := manifestFiles(paths, opts.Skip)
	if err != nil {
		return err
	}
	defKube, defVersions, err := schemas.Newest(opts.Schemas)
	if err != nil {
		return err
	}
	if opts.Kubernetes != "" {
		defKube = opts.Kubernetes
	}
	// Each file is placed in its tree in turn (the trees' records are read
	// once), then read and parsed in parallel; results keep the files'
	// order.
	pins := pinsFinder{records: map[string]*tree.Record{}}
	out := make([]read, len(names))
	for i, name := range names {
		fi, err := os.Stat(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if fi.Size() > manifest.MaxFileSize {
			out[i] = read{skip: true, large: fi.Size()}
			continue
		}
		f := File{Path: name, Kubernetes: defKube, Versions: defVersions, Production: opts.Production}
		if env, app, p, ok := pins.find(name); ok {
			f.Env, f.App = env, app
			f.Production = f.Production || p["production"] == "true"
			o := model.OutsideFromPins(p)
			f.Facts = Facts{Principals: o.Principals, Namespaces: o.Namespaces, ClusterJobs: o.ClusterJobs}
			if opts.Kubernetes == "" {
				f.Kubernetes, f.Versions = model.FromPins(p)
			}
		}
		out[i].file = f
	}
	var batches [][]int
	at := map[graphKey]int{}
	for i := range out {
		var k graphKey // all in one batch, unless byGraph
		if byGraph {
			k = keyOf(&out[i].file) // a file too large to read has no placement: the zero key's batch
		}
		b, seen := at[k]
		if !seen {
			b = len(batches)
			at[k] = b
			batches = append(batches, nil)
		}
		batches[b] = append(batches[b], i)
	}
	for i, batch := range batches {
		if err := readBatch(names, out, batch, fn); err != nil {
			return err
		}
		if byGraph && i < len(batches)-1 {
			// The graph's objects are garbage now: collected before the
			// next graph is read (when it would not fit otherwise), they
			// cost the collector little and the next one no fresh memory
			// (see gcfloor.Collect).
			gcfloor.Collect()
		}
	}
	return nil
}

// read is one file of a readEach: where it is placed, then what is read of it.
type read struct {
	file  File
	fs    []finding.Finding // in the order the serial loop found them
	skip  bool              // not a manifest: only its findings count
	err   error
	large int64 // the size of a file too large to read, else 0
}

// readBatch reads and parses the files of out at the indexes of batch, in
// parallel, gives them to fn in their order, and drops them.
func readBatch(names []string, out []read, batch []int, fn func([]File, []finding.Finding) error) error {
	workers.Each(len(batch), func(j int) {
		r := &out[batch[j]]
		if r.skip {
			return
		}
		f := &r.file
		data, err := os.ReadFile(f.Path)
		if err != nil {
			r.err = fmt.Errorf("read %s: %w", f.Path, err)
			return
		}
		if !utf8.Valid(data) {
			r.fs = append(r.fs, finding.Finding{Rule: finding.RuleYAML, Severity: finding.Error, File: f.Path, Line: 1, Env: f.Env, Message: "not UTF-8 text: not a manifest"})
			r.skip = true
			return
		}
		docs, probs := manifest.Read(data)
		if len(docs) == 0 && len(probs) == 0 {
			r.fs = append(r.fs, finding.Finding{Rule: finding.RuleYAML, Severity: finding.Error, File: f.Path, Line: 1, Env: f.Env, Message: "the file holds no Kubernetes object (it is empty, or only comments and separators)"})
		}
		for _, p := range probs {
			r.fs = append(r.fs, finding.Finding{Rule: finding.RuleYAML, Severity: finding.Error, File: f.Path, Line: p.Line, Column: p.Column, Env: f.Env, Message: p.Message})
		}
		f.Docs = docs
		if len(docs) == 1 && len(probs) == 0 {
			f.single = data // a List of one item too: the same bytes, the same item
			f.sum = sha256.Sum256(data)
		}
	})
	var fs []finding.Finding
	var files []File
	for _, i := range batch {
		r := out[i]
		out[i] = read{} // the batch's objects are fn's
		if r.err != nil {
			return r.err
		}
		if r.large > 0 {
			fs = append(fs, finding.Finding{Rule: finding.RuleYAML, Severity: finding.Error, File: names[i],
				Message: fmt.Sprintf("the file is %d MiB, more than the %d MiB a manifest may have: not read", r.large>>20, manifest.MaxFileSize>>20)})
		}
		fs = append(fs, r.fs...)
		if !r.skip {
			files = append(files, r.file)
		}
	}
	return fn(files, fs)
}

// Check puts the files' objects through the schema gate and the rules.
func Check(ctx context.Context, files []File, opts Options) ([]finding.Finding, error) {
	return check(ctx, newGate(opts), files, opts)
}

// newGate is the schema gate for opts.
func newGate(opts Options) *validate.Gate {
	gate := validate.New(opts.Schemas)
	gate.Valid = opts.Valid
	return gate
}

// check is Check with a gate that several batches of files share, so that
// each schema is compiled once.
func check(ctx context.Context, gate *validate.Gate, files []File, opts Options) ([]finding.Finding, error) {
	fs, err := validateFiles(ctx, gate, files)
	if err != nil {
		return nil, err
	}
	return append(fs, opts.Memo.Run(graphs(files, opts.Memo != nil), Rules(), opts.Config)...), nil
}

// graphKey is what puts a file in a graph.
type graphKey struct {
	env, kube  string
	production bool
}

// keyOf is the key of the graph f's objects are in.
func keyOf(f *File) graphKey { return graphKey{f.Env, f.Kubernetes, f.Production} }

// graphs groups the files' objects by environment: each environment of a
// manifold tree is one graph, and everything else is one more. With sums,
// the object of a file of one object is known by the file's hash.
func graphs(files []File, sums bool) []*Graph {
	objs := map[graphKey][]*Object{}
	facts := map[graphKey]Facts{}
	var order []graphKey
	for i := range files {
		f := &files[i]
		k := keyOf(f)
		if _, seen := facts[k]; !seen { // objs has no key for a file of no object
			order = append(order, k)
			facts[k] = f.Facts
		}
		for _, d := range f.Docs {
			o := &Object{File: filepath.ToSlash(f.Path), Value: d.Object, Locate: docLocator(f.Path, d)}
			if sums && f.single != nil {
				o.Sum = f.sum
			}
			objs[k] = append(objs[k], o)
		}
	}
	out := make([]*Graph, 0, len(order))
	for _, k := range order {
		out = append(out, NewGraph(k.env, k.kube, k.production, facts[k], objs[k]))
	}
	return out
}

// docLocator locates paths of a document read from a file.
func docLocator(path string, d manifest.Doc) Locator {
	return func(segs []string) finding.Position {
		line, col, endLine, endCol := manifest.Span(d.Node(), segs)
		return finding.Position{File: path, Line: line, Column: col, EndLine: endLine, EndColumn: endCol}
	}
}

// validateFiles runs the schema gate over every object of the files.
func validateFiles(ctx context.Context, gate *validate.Gate, files []File) ([]finding.Finding, error) {
	type ref struct {
		file *File
		doc  manifest.Doc
	}
	var docs []validate.Doc
	var refs []ref
	for i := range files {
		f := &files[i]
		for _, d := range f.Docs {
			docs = append(docs, validate.Doc{Object: d.Object, Kubernetes: f.Kubernetes, Versions: f.Versions, Encoded: f.single, Sum: f.sum})
			refs = append(refs, ref{f, d})
		}
	}
	results, err := gate.Validate(ctx, docs)
	if err != nil {
		return nil, err
	}
	var fs []finding.Finding
	for i, probs := range results {
		r := refs[i]
		for _, p := range probs {
			fs = append(fs, finding.Finding{
				Rule: finding.RuleSchema, Severity: finding.Error, Env: r.file.Env,
				Kind: r.doc.Kind(), Namespace: r.doc.Namespace(), Name: r.doc.Name(),
				Path: p.Path, Message: p.Message,
			}.At(docLocator(r.file.Path, r.doc)(p.Segments)))
		}
	}
	return fs, nil
}

// manifestFiles lists the manifest files at paths: files as given, and the .yaml,
// .yml and .json files under folders, in lexical order.
func manifestFiles(paths []string, skip []string) ([]string, error) {
	var out []string
	skipped := func(p string) bool {
		for _, g := range skip {
			if ok, _ := filepath.Match(g, p); ok {
				return true
			}
			if ok, _ := filepath.Match(g, filepath.Base(p)); ok {
				return true
			}
		}
		return false
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if !skipped(p) {
				out = append(out, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && name != p && tree.IsTemp(d.Name()) {
				return filepath.SkipDir // what an interrupted compile left, not the tree
			}
			if d.IsDir() || skipped(name) {
				return nil
			}
			switch strings.ToLower(filepath.Ext(name)) {
			case ".yaml", ".yml", ".json":
				out = append(out, name)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// pinsFinder finds the environment of a file inside a manifold tree.
type pinsFinder struct {
	records map[string]*tree.Record // by tree folder; nil when there is none
}

// find returns the environment, the app folder and the environment's pins
// when name lies in out/<env>/<app>/ of a tree with an ownership record that
// pins that environment.
func (p pinsFinder) find(name string) (env, app string, pins map[string]string, ok bool) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", "", nil, false
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		rec, seen := p.records[dir]
		if !seen {
			rec = nil
			if _, err := os.Stat(filepath.Join(dir, tree.RecordName)); err == nil {
				if r, err := tree.ReadRecord(dir); err == nil {
					rec = &r
				}
			}
			p.records[dir] = rec
		}
		if rec != nil {
			rel, err := filepath.Rel(dir, abs)
			if err != nil {
				return "", "", nil, false
			}
			parts := strings.Split(filepath.ToSlash(rel), "/")
			pins, ok := rec.Envs[parts[0]]
			if !ok || pins["kubernetes"] == "" {
				return "", "", nil, false
			}
			if len(parts) > 2 {
				app = parts[1]
			}
			return parts[0], app, pins, true
		}
		if parent := filepath.Dir(dir); parent == dir {
			return "", "", nil, false
		}
	}
}
