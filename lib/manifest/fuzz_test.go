package manifest

import (
	"bytes"
	"strings"
	"testing"
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
			line, col, endLine, endCol := Span(d.Node, strings.Split(path, "."))
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
