// Package diff compares two trees of manifests object by object and field
// by field: what a change to apps/ does to each environment. Lists of
// named items are compared by name, not by index; a ConfigMap whose hashed
// name changed with its content is one changed object, not a removal and an
// addition; and changes that are risky to apply are flagged.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/manifold-dev/manifold/lib/manifest"
)

// Op is what happened to an object.
type Op string

// The operations.
const (
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed"
)

// Change is one field that differs: its path, and its old and new values
// written as JSON ("" when the field is absent on that side).
type Change struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// Entry is one object that differs.
type Entry struct {
	Env       string   `json:"env"`
	App       string   `json:"app"` // the folder under the environment: an app, or argocd
	Op        Op       `json:"op"`
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	OldName   string   `json:"oldName,omitempty"` // a content-hashed name that changed with the content
	File      string   `json:"file"`
	Changes   []Change `json:"changes,omitempty"`
	Risks     []string `json:"risks,omitempty"`
}

// Report is the difference between two trees, sorted by environment, app,
// kind and name.
type Report struct {
	Entries []Entry `json:"entries"`
}

// Risky returns the entries with at least one risk.
func (r Report) Risky() []Entry {
	var out []Entry
	for _, e := range r.Entries {
		if len(e.Risks) > 0 {
			out = append(out, e)
		}
	}
	return out
}

// object is one parsed object of a tree.
type object struct {
	env, app, file string
	kind, group    string
	ns, name       string
	value          map[string]any
}

// key identifies an object across the two trees. A manifold ConfigMap's
// content hash is left out, so that its old and new names meet.
func (o object) key() string {
	return strings.Join([]string{o.env, o.app, o.group, o.kind, o.ns, baseName(o)}, "/")
}

var hashedName = regexp.MustCompile(`^(.+-config)-[0-9a-f]{10}$`)

func baseName(o object) string {
	if o.kind == "ConfigMap" {
		if m := hashedName.FindStringSubmatch(o.name); m != nil {
			return m[1]
		}
	}
	return o.name
}

// parse reads every object of a tree (slash paths "env/app/file.yaml").
func parse(files map[string][]byte) (map[string]object, error) {
	out := map[string]object{}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		parts := strings.SplitN(p, "/", 3)
		if len(parts) < 3 {
			continue
		}
		docs, probs := manifest.Read(files[p])
		if len(probs) > 0 {
			return nil, fmt.Errorf("%s:%d: %s", p, probs[0].Line, probs[0].Message)
		}
		for _, d := range docs {
			group, _, found := strings.Cut(d.APIVersion(), "/")
			if !found {
				group = ""
			}
			o := object{env: parts[0], app: parts[1], file: p, kind: d.Kind(), group: group, ns: d.Namespace(), name: d.Name(), value: d.Object}
			if _, dup := out[o.key()]; dup {
				return nil, fmt.Errorf("%s: %s %s/%s appears twice in the tree", p, o.kind, o.ns, o.name)
			}
			out[o.key()] = o
		}
	}
	return out, nil
}

// Options say what the environments are, for the risks that depend on it.
type Options struct {
	// Production lists the production environments, where a drop in
	// replicas is risky.
	Production []string
}

// Trees compares an old and a new tree.
func Trees(oldFiles, newFiles map[string][]byte, opts Options) (Report, error) {
	olds, err := parse(oldFiles)
	if err != nil {
		return Report{}, fmt.Errorf("old tree: %w", err)
	}
	news, err := parse(newFiles)
	if err != nil {
		return Report{}, fmt.Errorf("new tree: %w", err)
	}
	var r Report
	add := func(e Entry, oldV, newV map[string]any) {
		e.Risks = risks(e, oldV, newV, slices.Contains(opts.Production, e.Env))
		r.Entries = append(r.Entries, e)
	}
	for _, k := range slices.Sorted(maps.Keys(news)) {
		n := news[k]
		o, ok := olds[k]
		if !ok {
			add(entry(n, Added, nil), nil, n.value)
			continue
		}
		changes := Fields(o.value, n.value)
		if len(changes) == 0 {
			continue
		}
		e := entry(n, Changed, changes)
		if o.name != n.name {
			e.OldName = o.name
		}
		add(e, o.value, n.value)
	}
	for _, k := range slices.Sorted(maps.Keys(olds)) {
		if _, ok := news[k]; !ok {
			add(entry(olds[k], Removed, nil), olds[k].value, nil)
		}
	}
	slices.SortStableFunc(r.Entries, func(a, b Entry) int {
		return strings.Compare(a.Env+"/"+a.App+"/"+a.Kind+"/"+a.Name, b.Env+"/"+b.App+"/"+b.Kind+"/"+b.Name)
	})
	return r, nil
}

func entry(o object, op Op, changes []Change) Entry {
	return Entry{Env: o.env, App: o.app, Op: op, Kind: o.kind, Namespace: o.ns, Name: o.name, File: o.file, Changes: changes}
}

// Fields returns every field that differs between two objects, compared
// with go-cmp; lists whose items all have a distinct name are compared by
// name and their paths read containers[name=api].image.
func Fields(oldV, newV map[string]any) []Change {
	var rep reporter
	cmp.Equal(keyed(oldV), keyed(newV), cmp.Reporter(&rep))
	return rep.changes
}

// byName is a list turned into a map by its items' names.
type byName map[string]any

// keyed converts, recursively, every list of uniquely named maps into a
// byName, so that go-cmp compares the items by name.
func keyed(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = keyed(e)
		}
		return out
	case []any:
		names := map[string]bool{}
		for _, e := range x {
			m, ok := e.(map[string]any)
			name, isString := m["name"].(string)
			if !ok || !isString || names[name] {
				names = nil
				break
			}
			names[name] = true
		}
		if len(x) > 0 && names != nil {
			out := byName{}
			for _, e := range x {
				m := e.(map[string]any)
				out[m["name"].(string)] = keyed(m)
			}
			return out
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = keyed(e)
		}
		return out
	}
	return v
}

// reporter collects go-cmp's differences with their paths.
type reporter struct {
	path    cmp.Path
	changes []Change
}

func (r *reporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *reporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }

func (r *reporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	oldV, newV := r.path.Last().Values()
	r.changes = append(r.changes, Change{Path: render(r.path), Old: value(oldV.IsValid(), oldV), New: value(newV.IsValid(), newV)})
}

// render writes a go-cmp path as a JSON path with named list items.
func render(p cmp.Path) string {
	var b strings.Builder
	for i, step := range p {
		switch s := step.(type) {
		case cmp.MapIndex:
			key := fmt.Sprint(s.Key().Interface())
			if i > 0 && p[i-1].Type() == typeOfByName {
				fmt.Fprintf(&b, "[name=%s]", key)
				continue
			}
			if key == "" || strings.ContainsAny(key, "./ []\"") {
				fmt.Fprintf(&b, "[%q]", key)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(key)
		case cmp.SliceIndex:
			k, _ := s.SplitKeys()
			if k < 0 {
				_, k = s.SplitKeys()
			}
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

var typeOfByName = reflect.TypeOf(byName{})

func value(valid bool, v reflect.Value) string {
	if !valid {
		return ""
	}
	x := unkey(v.Interface())
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return fmt.Sprint(x)
	}
	return strings.TrimSpace(b.String())
}

// unkey turns byName maps back into lists, for printing.
func unkey(v any) any {
	switch x := v.(type) {
	case byName:
		out := make([]any, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, unkey(x[k]))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = unkey(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unkey(e)
		}
		return out
	}
	return v
}
