// Package manifest reads Kubernetes manifests from disk with the position
// of every value: multi-document YAML or JSON files, List kinds split into
// their items, and a lookup from a JSON path to the line and column of the
// node it names. Documents that cannot be read as Kubernetes objects are
// reported as problems with their line, never dropped in silence.
package manifest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/manifold-dev/manifold/lib/jsonval"
)

// Source is this package's source: how cmd/lint reads a file is part of
// what a cached verdict of its bytes depends on (see validate.Identity).
//
//go:embed *.go
var Source embed.FS

// Doc is one Kubernetes object read from a file.
type Doc struct {
	// Object is the object as decoded JSON (maps, lists, strings,
	// json.Number, booleans), ready for the schema gate.
	Object map[string]any
	// Line and Column are where the object starts.
	Line, Column int
	item         int               // its index in a List's items; -1 for a document
	node         func() *yaml.Node // see Node
}

// Node returns the object's YAML node, for positions. Read keeps no node:
// a stream's nodes take some ten times the memory of its objects, and only
// an object with a finding needs one, so the first call for any object of
// a stream parses the stream again, once for all of them.
func (d Doc) Node() *yaml.Node {
	if d.node == nil { // a Doc Read did not make
		return &yaml.Node{Line: d.Line, Column: d.Column}
	}
	return d.node()
}

// APIVersion, Kind, Namespace and Name read the object's identity.
func (d Doc) APIVersion() string { s, _ := d.Object["apiVersion"].(string); return s }

// Kind returns the object's kind.
func (d Doc) Kind() string { s, _ := d.Object["kind"].(string); return s }

// Name returns metadata.name.
func (d Doc) Name() string { return d.meta("name") }

// Namespace returns metadata.namespace.
func (d Doc) Namespace() string { return d.meta("namespace") }

func (d Doc) meta(key string) string {
	m, _ := d.Object["metadata"].(map[string]any)
	s, _ := m[key].(string)
	return s
}

// Problem is a document that is not a readable Kubernetes object.
type Problem struct {
	Line, Column int
	Message      string
}

// Limits on what Read accepts, so that hostile input ends in a finding,
// not in exhausted memory or time. A Kubernetes object is rarely deeper
// than 40 levels (a CRD's schema, the deepest, stays under 100); YAML's own
// decoder refuses excessive alias expansion ("billion laughs").
const (
	// MaxFileSize is the largest file read, 4 MiB: four times Istio's CRD
	// bundle, the largest manifest file among the sources we know; at this
	// size the worst case (tens of thousands of tiny documents) stays under
	// 2 seconds and 512 MB (measured: 1.5 s, 233 MB for 4 MB of ConfigMaps).
	MaxFileSize = 4 << 20
	// MaxDepth is the deepest nesting of mappings and lists in a document.
	MaxDepth = 256
)

// Read reads every object of a YAML or JSON stream. It returns the objects
// and the problems, each with its line; a problem in one document does not
// stop the others from being read, except a syntax error, after which the
// rest of the stream cannot be trusted.
func Read(data []byte) ([]Doc, []Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var docs []Doc
	var probs []Problem
	dec := yaml.NewDecoder(bytes.NewReader(data))
	stream := documents(data)
	for k := 0; ; k++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs = append(probs, syntaxProblem(err))
			break
		}
		d, p := document(&n)
		for i := range d {
			d[i].node = nodeOf(stream, k, d[i])
		}
		docs = append(docs, d...)
		probs = append(probs, p...)
	}
	return docs, probs
}

// documents parses data's YAML documents again, up to the first that does
// not parse: a stream's nodes, parsed once for all its objects.
func documents(data []byte) func() []*yaml.Node {
	return sync.OnceValue(func() []*yaml.Node {
		var roots []*yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var n yaml.Node
			if dec.Decode(&n) != nil {
				return roots
			}
			roots = append(roots, &n)
		}
	})
}

// nodeOf returns the function that finds d's node again: the root of the
// k-th document of the stream, or its List's item.
func nodeOf(stream func() []*yaml.Node, k int, d Doc) func() *yaml.Node {
	line, col, item := d.Line, d.Column, d.item
	return func() *yaml.Node {
		roots := stream()
		if k >= len(roots) || len(roots[k].Content) == 0 {
			return &yaml.Node{Line: line, Column: col} // Read found it: not reached
		}
		root := roots[k].Content[0]
		if item >= 0 {
			if in := Find(root, []string{"items", strconv.Itoa(item)}); in != nil {
				return in
			}
		}
		return root
	}
}

// lineRe matches the "line N: " that starts the YAML library's messages.
var lineRe = regexp.MustCompile(`^line (\d+): `)

// located splits "line N: message" into N and the message; line is 0 when
// the message names none.
func located(msg string) (line int, rest string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return line, msg
}

// syntaxProblem locates a YAML error by the line its message names.
func syntaxProblem(err error) Problem {
	line, msg := located(err.Error())
	return Problem{Line: max(line, 1), Message: "not valid YAML: " + msg}
}

// document turns one YAML document into objects: itself, or a List's items.
func document(n *yaml.Node) ([]Doc, []Problem) {
	root := n
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil // an empty document
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil // "---" followed by nothing
	}
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{root.Line, root.Column, fmt.Sprintf("not a Kubernetes object: the document is a %s, not a mapping", nodeKind(root))}}
	}
	if deep := tooDeep(root, 0); deep != nil {
		return nil, []Problem{{deep.Line, deep.Column, fmt.Sprintf("not a valid object: nested deeper than %d levels", MaxDepth)}}
	}
	obj, err := decode(root)
	if err != nil {
		return nil, []Problem{err.(problemError).Problem}
	}
	d := Doc{Object: obj, Line: root.Line, Column: root.Column, item: -1}
	if p, bad := identity(d, root); bad {
		return nil, []Problem{p}
	}
	if items, isList := obj["items"].([]any); isList && strings.HasSuffix(d.Kind(), "List") {
		itemsNode := Find(root, []string{"items"})
		var docs []Doc
		var probs []Problem
		for i := range items {
			in := Find(root, []string{"items", strconv.Itoa(i)})
			if in == nil || in.Kind != yaml.MappingNode {
				line, col := itemsNode.Line, itemsNode.Column
				if in != nil {
					line, col = in.Line, in.Column
				}
				probs = append(probs, Problem{line, col, fmt.Sprintf("not a Kubernetes object: item %d of the %s is not a mapping", i, d.Kind())})
				continue
			}
			item := Doc{Object: items[i].(map[string]any), Line: in.Line, Column: in.Column, item: i}
			if p, bad := identity(item, in); bad {
				probs = append(probs, p)
				continue
			}
			docs = append(docs, item)
		}
		return docs, probs
	}
	return []Doc{d}, nil
}

// identity checks that a document, whose node is n, names its apiVersion
// and kind.
func identity(d Doc, n *yaml.Node) (Problem, bool) {
	for _, key := range []string{"apiVersion", "kind"} {
		v, ok := d.Object[key]
		s, isString := v.(string)
		switch {
		case !ok:
			return Problem{d.Line, d.Column, fmt.Sprintf("not a Kubernetes object: %s is missing", key)}, true
		case !isString || s == "":
			k := Find(n, []string{key})
			return Problem{k.Line, k.Column, fmt.Sprintf("not a Kubernetes object: %s must be a non-empty string", key)}, true
		}
	}
	return Problem{}, false
}

type problemError struct{ Problem }

func (e problemError) Error() string { return e.Message }

// decode converts a mapping node into JSON values, refusing duplicate keys
// and keys that are not strings.
func decode(n *yaml.Node) (map[string]any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		line, msg := located(err.Error())
		if line == 0 {
			return nil, problemError{Problem{n.Line, n.Column, "not a valid object: " + msg}}
		}
		return nil, problemError{Problem{Line: line, Message: "not a valid object: " + msg}}
	}
	obj, err := jsonval.Object(v)
	if err != nil || !stringKeys(v) {
		return nil, problemError{Problem{n.Line, n.Column, "not a valid object: every mapping key must be a string"}}
	}
	return obj, nil
}

// stringKeys reports whether every mapping in v, a decoded document, has
// string keys: the YAML decoder makes a map[any]any of one that does not.
func stringKeys(v any) bool {
	switch v := v.(type) {
	case map[any]any:
		return false
	case map[string]any:
		for _, e := range v {
			if !stringKeys(e) {
				return false
			}
		}
	case []any:
		for _, e := range v {
			if !stringKeys(e) {
				return false
			}
		}
	}
	return true
}

// tooDeep returns the first node nested deeper than MaxDepth, or nil.
// Aliases are not followed: their expansion is the decoder's to limit.
func tooDeep(n *yaml.Node, depth int) *yaml.Node {
	if depth > MaxDepth {
		return n
	}
	for _, c := range n.Content {
		if d := tooDeep(c, depth+1); d != nil {
			return d
		}
	}
	return nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "mapping"
}

// Find returns the node at a path of keys and list indexes under n, or nil.
// For a key it returns the key's node (where a reader looks for the field),
// except for the last step into a list item.
func Find(n *yaml.Node, segs []string) *yaml.Node {
	cur := n
	for i, s := range segs {
		for cur.Kind == yaml.AliasNode && cur.Alias != nil {
			cur = cur.Alias
		}
		switch cur.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value == s {
					if i == len(segs)-1 {
						return cur.Content[j]
					}
					next = cur.Content[j+1]
				}
			}
			if next == nil {
				return nil
			}
			cur = next
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(s)
			if err != nil || idx < 0 || idx >= len(cur.Content) {
				return nil
			}
			cur = cur.Content[idx]
		default:
			return nil
		}
	}
	return cur
}

// Position returns the line and column of the deepest node that exists
// along a path, so that a missing field is reported at its parent.
func Position(n *yaml.Node, segs []string) (line, col int) {
	f := deepest(n, segs)
	return f.Line, f.Column
}

// Span returns where the deepest node along a path starts and, for a key
// or a scalar on one line, where it ends (the column after its last
// character); the end is 0 for a mapping or a list.
func Span(n *yaml.Node, segs []string) (line, col, endLine, endCol int) {
	f := deepest(n, segs)
	if f.Kind != yaml.ScalarNode || strings.Contains(f.Value, "\n") {
		return f.Line, f.Column, 0, 0
	}
	width := utf8.RuneCountInString(f.Value)
	if f.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		width += 2
	}
	return f.Line, f.Column, f.Line, f.Column + width
}

func deepest(n *yaml.Node, segs []string) *yaml.Node {
	for k := len(segs); k >= 0; k-- {
		if f := Find(n, segs[:k]); f != nil {
			return f
		}
	}
	return n
}
