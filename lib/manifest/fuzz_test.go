package manifest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// FuzzRead feeds arbitrary bytes to the reader cmd/lint uses: it must
// never panic, every problem has a line in the input, and every object has
// an apiVersion and a kind.
func FuzzRead(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n- 3\n"))
	f.Add([]byte("a: &a [1, 2]\nb: [*a, *a]\n"))
	f.Add([]byte("\xef\xbb\xbf---\r\napiVersion: v1\r\nkind: X\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, probs := Read(data)
		lines := yamlLines(data) + 1
		for _, p := range probs {
			if p.Line < 0 || p.Line > lines || p.Message == "" {
				t.Errorf("problem %+v outside the %d lines of the input", p, lines)
			}
		}
		for _, d := range docs {
			if d.APIVersion() == "" || d.Kind() == "" {
				t.Errorf("an object without apiVersion or kind: %v", d.Object)
			}
		}
	})
}

// FuzzSpan maps arbitrary paths into arbitrary documents, as the schema
// gate and the rules do for every finding: never a panic, and a position
// inside the input.
func FuzzSpan(f *testing.F) {
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: b\n"), "spec.template.spec.containers.0.image")
	f.Add([]byte("apiVersion: v1\nkind: X\na: &x {b: [1]}\nc: *x\n"), "c.b.0")
	f.Add([]byte("apiVersion: v1\nkind: X\n\"q\": 'v'\n"), "q")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		docs, _ := Read(data)
		lines := yamlLines(data)
		for _, d := range docs {
			line, col, endLine, endCol := Span(d.Node(), strings.Split(path, "."))
			if line < 1 || line > lines || col < 0 || endLine < 0 || endCol < 0 || (endLine > 0 && endLine < line) {
				t.Errorf("span %d:%d-%d:%d of %q outside the input", line, col, endLine, endCol, path)
			}
		}
	})
}

// yamlLines counts lines as YAML does: a line break is LF, CRLF, or a lone
// CR (a crasher found by FuzzRead: "\r\r0" has its scalar on line 3).
func yamlLines(data []byte) int {
	crlf := bytes.Count(data, []byte("\r\n"))
	return bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - crlf + 1
}

// FuzzDecodeIsEncodingJSON holds decode, on the JSON v2 implementation,
// to what encoding/json makes of the same document: the same values, or
// an error for both.
func FuzzDecodeIsEncodingJSON(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\ndata: {a: '1', b: \"x\\ty\"}\n",
		"a: 1\nb: 1.5\nc: 1e21\nd: 1e-7\ne: -0.0\nf: 12345678901234567890\ng: 0x1F\nh: 0o17\ni: .inf\n",
		"a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: !!timestamp 2001-12-14\nd: !!str 2001-12-14\n",
		"a: {1: 2}\n",
		"a: [1, {b: [true, null, ~, yes, on]}]\nc: <&>\nd: \"\\u2028\\u00e9\"\n",
		"a: &x {b: 1}\nc: *x\nd: !!binary aGVsbG8=\n",
		"? [1, 2]\n: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // cmd/lint reports such a file before decoding it
		}
		var n yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&n); err != nil || n.Kind != yaml.DocumentNode || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode || tooDeep(n.Content[0], 0) != nil {
			return
		}
		root := n.Content[0]
		got, err := decode(root)
		var v any
		if root.Decode(&v) != nil {
			return // both refuse it the same way, before any JSON
		}
		b, jerr := json.Marshal(v)
		var want map[string]any
		if jerr == nil {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			jerr = dec.Decode(&want)
		}
		if (err != nil) != (jerr != nil) {
			t.Fatalf("decode error %v, encoding/json error %v", err, jerr)
		}
		if diff := cmp.Diff(want, got); err == nil && diff != "" {
			t.Errorf("decode differs from encoding/json (-want +got):\n%s", diff)
		}
	})
}
