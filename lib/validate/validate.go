// Package validate is the schema gate: it validates objects against the
// JSON schemas under schemas/, strict and offline, once per distinct object,
// in parallel. A kind without a schema is an error, never a skip.
//
// Schemas are found with kubeconform's own registry (the same location
// templates, the same file loader) and compiled with the engine and draft
// kubeconform uses (github.com/santhosh-tekuri/jsonschema/v6, draft 4), but
// the gate validates the decoded object in memory instead of re-parsing
// YAML, and reports every leaf error at the field it concerns. A test keeps
// this path in agreement with kubeconform's ValidateResource.
package validate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/yannh/kubeconform/pkg/loader"
	"github.com/yannh/kubeconform/pkg/registry"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"k8s.io/kube-openapi/pkg/validation/strfmt"

	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/schemas"
	"github.com/manifold-dev/manifold/lib/workers"
)

// Doc is one object to validate, with the versions of its environment.
type Doc struct {
	// Object is the object as decoded JSON: map[string]any, []any, string,
	// json.Number, bool or nil values (see Decode). It may be nil while
	// Load and Encoded are set: the gate loads it only for a document the
	// Valid set does not know.
	Object any
	// Load returns Object, for a document whose Object is not loaded yet.
	Load func() any
	// Kubernetes is the cluster's version, "1.37.2".
	Kubernetes string
	// Versions are the components the cluster runs; they pick the CRDs.
	Versions model.Versions
	// Encoded, when the caller has it, is an encoding of Object that is the
	// same for the same object (the rendered file): identical docs are found
	// by it instead of by encoding Object again.
	Encoded []byte
	// Sum, when the caller has it, is the SHA-256 of Encoded, which the
	// gate knows the document by; zero to have the gate hash Encoded.
	Sum [sha256.Size]byte
}

// Decode decodes a JSON document as the gate expects it.
func Decode(b []byte) (any, error) { return jsonschema.UnmarshalJSON(bytes.NewReader(b)) }

// Problem is one schema violation of an object.
type Problem struct {
	// Path is the JSON path of the offending value, "spec.replicas" or
	// "spec.template.spec.containers[0].image"; empty for the whole object.
	Path string
	// Segments are the keys and list indexes of Path, for finding the
	// value in a file.
	Segments []string
	Message  string
}

// Gate validates objects against one schema folder. It is safe for
// concurrent use.
type Gate struct {
	dir string
	// Valid, when set, holds the documents known valid from earlier runs:
	// they are not validated again, and this run's are added.
	Valid *Valid

	mu      sync.Mutex
	regs    map[string][]registry.Registry  // by environment versions
	schemas map[[sha256.Size]byte]*compiled // by schema content
	kinds   map[kindKey]*compiled
}

// kindKey is a kind of one apiVersion in an environment.
type kindKey struct {
	apiVersion, kind string
	env              envKey
}

// envKey is an environment's versions.
type envKey struct {
	kubernetes string
	versions   model.Versions
}

type compiled struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// New returns a gate reading schemas from dir only.
func New(dir string) *Gate {
	return &Gate{dir: dir, regs: map[string][]registry.Registry{}, schemas: map[[sha256.Size]byte]*compiled{}, kinds: map[kindKey]*compiled{}}
}

// registries returns kubeconform's registries for an environment's versions.
func (g *Gate) registries(kubernetes string, v model.Versions) ([]registry.Registry, error) {
	key := kubernetes + "/" + versionsString(v)
	g.mu.Lock()
	defer g.mu.Unlock()
	if regs, ok := g.regs[key]; ok {
		return regs, nil
	}
	var regs []registry.Registry
	for _, loc := range schemas.Locations(g.dir, kubernetes, v) {
		r, err := registry.New(loc, "", true, false, false)
		if err != nil {
			return nil, fmt.Errorf("schema gate: %w", err)
		}
		regs = append(regs, r)
	}
	g.regs[key] = regs
	return regs, nil
}

// kindOf returns the kind a document's schema is found by, and whether
// its object names one (a mapping with an apiVersion and a kind).
func kindOf(d Doc) (kindKey, bool) {
	obj, _ := d.Object.(map[string]any)
	apiVersion, _ := obj["apiVersion"].(string)
	kindName, _ := obj["kind"].(string)
	return kindKey{apiVersion, kindName, envKey{d.Kubernetes, d.Versions}}, apiVersion != "" && kindName != ""
}

// schemaFor returns the compiled schema of a kind in an environment,
// finding it once.
func (g *Gate) schemaFor(key kindKey) (*jsonschema.Schema, error) {
	g.mu.Lock()
	c, ok := g.kinds[key]
	if !ok {
		c = &compiled{}
		g.kinds[key] = c
	}
	g.mu.Unlock()
	c.once.Do(func() { c.schema, c.err = g.find(key.apiVersion, key.kind, key.env.kubernetes, key.env.versions) })
	return c.schema, c.err
}

// find finds and compiles the schema of a kind, as kubeconform does: the
// first registry that has a file for it wins. A schema is compiled once
// per content: a file shared by several environments, or two Kubernetes
// versions' identical files (63 of the 104 kinds of 1.36 and 1.37), are
// one compiled schema. A standalone schema refers to no other file, so
// its content is all that its verdicts depend on.
func (g *Gate) find(apiVersion, kindName, kubernetes string, v model.Versions) (*jsonschema.Schema, error) {
	regs, err := g.registries(kubernetes, v)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		path, doc, err := r.DownloadSchema(kindName, apiVersion, kubernetes)
		var notFound *loader.NotFoundError
		if errors.As(err, &notFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", path, err)
		}
		content, err := json.Marshal(doc) // map keys sorted: one encoding per content
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", path, err)
		}
		sum := sha256.Sum256(content)
		g.mu.Lock()
		c, ok := g.schemas[sum]
		if !ok {
			c = &compiled{}
			g.schemas[sum] = c
		}
		g.mu.Unlock()
		c.once.Do(func() { c.schema, c.err = compile(path, doc) })
		if c.err != nil {
			return nil, fmt.Errorf("schema %s does not compile: %w", path, c.err)
		}
		return c.schema, nil
	}
	return nil, fmt.Errorf("no schema for %s %s in %s for Kubernetes %s and %s: generate it with go run ./cmd/schemas, or pin a version that has it",
		apiVersion, kindName, g.dir, kubernetes, versionsString(v))
}

// compile compiles a schema document with kubeconform's settings: draft 4
// by default, and a "duration" format that accepts what the API server
// accepts.
func compile(path string, doc any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.RegisterFormat(&jsonschema.Format{Name: "duration", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		_, err := strfmt.ParseDuration(s)
		return err
	}})
	if err := c.AddResource(path, doc); err != nil {
		return nil, err
	}
	return c.Compile(path)
}

// prefixes memoizes keyPrefix: an environment's documents share theirs.
var prefixes sync.Map // envKey -> []byte

// keyPrefix starts the key of a document of an environment.
func keyPrefix(e envKey) []byte {
	if p, ok := prefixes.Load(e); ok {
		return p.([]byte)
	}
	p := []byte(e.kubernetes + "\x00" + versionsString(e.versions) + "\x00")
	prefixes.Store(e, p)
	return p
}

func versionsString(v model.Versions) string {
	return fmt.Sprintf("Istio %s, Prometheus Operator %s, Argo CD %s, External Secrets %s, VPA %s", v.Istio, v.PrometheusOperator, v.ArgoCD, v.ExternalSecrets, v.VerticalPodAutoscaler)
}

// Validate validates every doc and returns each one's problems, in the
// order of docs. Identical docs (same content and versions) are validated
// once, and docs g.Valid knows not at all. The error is for a gate that
// cannot run (a cancelled context).
func (g *Gate) Validate(ctx context.Context, docs []Doc) ([][]Problem, error) {
	type job struct {
		doc  Doc
		idxs []int
	}
	// A document is known by its environment's versions and the hash of
	// its encoding.
	keys := make([][32]byte, len(docs))
	// The docs of one call are mostly of one environment: its prefix is
	// looked up once, not for each.
	prefix := make([][]byte, len(docs))
	for i, d := range docs {
		e := envKey{d.Kubernetes, d.Versions}
		if i > 0 && e == (envKey{docs[i-1].Kubernetes, docs[i-1].Versions}) {
			prefix[i] = prefix[i-1]
		} else {
			prefix[i] = keyPrefix(e)
		}
	}
	var keyErr error
	var once sync.Once
	workers.Each(len(docs), func(i int) {
		d := docs[i]
		sum := d.Sum
		if sum == ([sha256.Size]byte{}) {
			b := d.Encoded
			if b == nil {
				var err error
				if b, err = json.Marshal(d.Object); err != nil { // map keys sorted: one key per content
					once.Do(func() { keyErr = fmt.Errorf("schema gate: %w", err) })
					return
				}
			}
			sum = sha256.Sum256(b)
		}
		h := sha256.New()
		h.Write(prefix[i])
		h.Write(sum[:])
		h.Sum(keys[i][:0])
	})
	if keyErr != nil {
		return nil, keyErr
	}
	known := g.Valid.has(keys)
	byKey := map[[32]byte]*job{}
	var jobs []*job
	for i, d := range docs {
		if known[i] {
			continue
		}
		if j, ok := byKey[keys[i]]; ok {
			j.idxs = append(j.idxs, i)
			continue
		}
		j := &job{doc: d, idxs: []int{i}}
		byKey[keys[i]] = j
		jobs = append(jobs, j)
	}
	// Each schema the jobs need is compiled first, one to a call, so that
	// a core that reaches a document whose schema the other is compiling
	// waits once, not at every document of the kind.
	var kinds []kindKey
	seen := map[kindKey]bool{}
	for _, j := range jobs {
		if k, ok := kindOf(j.doc); ok && !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	out := make([][]Problem, len(docs))
	err := workers.EachCtx(ctx, len(kinds)+len(jobs), func(k int) {
		if k < len(kinds) {
			g.schemaFor(kinds[k]) // its error is each document's
			return
		}
		j := jobs[k-len(kinds)]
		if j.doc.Object == nil && j.doc.Load != nil {
			j.doc.Object = j.doc.Load()
		}
		probs := g.One(j.doc)
		for _, i := range j.idxs {
			out[i] = probs
		}
		if len(probs) == 0 {
			g.Valid.add(keys[j.idxs[0]])
		}
	})
	return out, err
}

// One validates one document.
func (g *Gate) One(d Doc) []Problem {
	if _, ok := d.Object.(map[string]any); !ok {
		return []Problem{{Message: "not a Kubernetes object: the document is not a mapping"}}
	}
	key, ok := kindOf(d)
	if !ok {
		return []Problem{{Message: "not a Kubernetes object: apiVersion and kind are required"}}
	}
	s, err := g.schemaFor(key)
	if err != nil {
		return []Problem{{Message: err.Error()}}
	}
	err = s.Validate(d.Object)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Message: err.Error()}}
	}
	return problems(d.Object, ve)
}

var english = message.NewPrinter(language.English)

// problems flattens a validation error into its leaves, one Problem per
// path: an unknown field is reported at the field itself, and the "or
// null" branch that optional fields carry is left out.
func problems(obj any, ve *jsonschema.ValidationError) []Problem {
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	byPath := map[string][]string{}
	segsOf := map[string][]string{}
	var order []string
	add := func(segs []string, msg string) {
		path := JSONPath(obj, segs)
		if _, seen := byPath[path]; !seen {
			order = append(order, path)
			segsOf[path] = segs
		}
		if !slices.Contains(byPath[path], msg) {
			byPath[path] = append(byPath[path], msg)
		}
	}
	for _, l := range leaves {
		switch k := l.ErrorKind.(type) {
		case *kind.Type:
			if len(k.Want) == 1 && k.Want[0] == "null" {
				continue // the other branch of an optional field says what is wrong
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				add(append(slices.Clone(l.InstanceLocation), p), fmt.Sprintf("unknown field %q", p))
			}
			continue
		}
		add(l.InstanceLocation, l.ErrorKind.LocalizedString(english))
	}
	out := make([]Problem, 0, len(order))
	for _, p := range order {
		out = append(out, Problem{Path: p, Segments: segsOf[p], Message: strings.Join(byPath[p], "; or ")})
	}
	if len(out) == 0 {
		out = append(out, Problem{Message: ve.Error()})
	}
	return out
}

// JSONPath writes segments of a path into obj as "a.b[0].c", using obj to
// tell list indexes from keys; keys that are not identifiers are quoted:
// metadata.labels["app.kubernetes.io/name"].
func JSONPath(obj any, segs []string) string {
	var b strings.Builder
	cur := obj
	for _, s := range segs {
		switch c := cur.(type) {
		case []any:
			if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(c) {
				fmt.Fprintf(&b, "[%d]", i)
				cur = c[i]
				continue
			}
			cur = nil
		case map[string]any:
			cur = c[s]
		default:
			cur = nil
		}
		if identifier.MatchString(s) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		} else {
			fmt.Fprintf(&b, "[%q]", s)
		}
	}
	return b.String()
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$-]*$`)
