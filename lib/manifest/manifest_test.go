package manifest

import (
	"strconv"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		docs  int
		probs []string // "line: message part"
	}{
		{"one object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", 1, nil},
		{"multi-document", "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n", 2, nil},
		{"empty documents", "---\n---\n\n---\napiVersion: v1\nkind: ConfigMap\n", 1, nil},
		{"empty file", "", 0, nil},
		{"byte order mark", "\xef\xbb\xbfapiVersion: v1\nkind: ConfigMap\n", 1, nil},
		{"CRLF line endings", "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n", 1, nil},
		{"List", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n- apiVersion: v1\n  kind: Secret\n", 2, nil},
		{"typed list", "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n", 1, nil},
		{"List item not a mapping", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n- 3\n", 1, []string{"6: item 1 of the List is not a mapping"}},
		{"malformed YAML", "apiVersion: v1\nkind: [\n", 0, []string{"2: not valid YAML"}},
		{"tab indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n", 0, []string{"4: not valid YAML"}},
		{"top-level list", "- a\n- b\n", 0, []string{"1: the document is a list"}},
		{"top-level scalar", "hello\n", 0, []string{"1: the document is a scalar"}},
		{"missing kind", "apiVersion: v1\nmetadata: {name: a}\n", 0, []string{"1: kind is missing"}},
		{"empty apiVersion", "apiVersion: \"\"\nkind: ConfigMap\n", 0, []string{"1: apiVersion must be a non-empty string"}},
		{"duplicate keys", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n", 0, []string{`5: mapping key "name" already defined at line 4`}},
		{"non-string keys", "apiVersion: v1\nkind: ConfigMap\ndata: {1: 2}\n", 0, []string{"1: every mapping key must be a string"}},
		{"a bad document among good ones", "apiVersion: v1\nkind: ConfigMap\n---\n- x\n---\napiVersion: v1\nkind: Secret\n", 2, []string{"4: the document is a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, probs := Read([]byte(tt.in))
			if len(docs) != tt.docs {
				t.Errorf("docs: got %d, want %d", len(docs), tt.docs)
			}
			if len(probs) != len(tt.probs) {
				t.Fatalf("problems: got %+v, want %v", probs, tt.probs)
			}
			for i, want := range tt.probs {
				line, msg, _ := strings.Cut(want, ": ")
				if got := probs[i]; strconv.Itoa(got.Line) != line || !strings.Contains(got.Message, msg) {
					t.Errorf("problem %d: got %d: %s, want %s", i, got.Line, got.Message, want)
				}
			}
		})
	}
}

func TestPositions(t *testing.T) {
	in := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: x\n"
	docs, probs := Read([]byte(in))
	if len(probs) != 0 || len(docs) != 1 {
		t.Fatal(probs)
	}
	d := docs[0]
	if d.Kind() != "Deployment" || d.Name() != "api" || d.APIVersion() != "apps/v1" {
		t.Errorf("identity %s %s %s", d.APIVersion(), d.Kind(), d.Name())
	}
	tests := []struct {
		segs      []string
		line, col int
	}{
		{[]string{"spec", "template", "spec", "containers", "0", "image"}, 10, 9},
		{[]string{"spec", "template", "spec", "containers", "0"}, 9, 9},
		{[]string{"spec", "replica"}, 5, 1},                                                   // missing: at its parent's key
		{[]string{"spec", "template", "spec", "containers", "0", "ports", "0", "name"}, 9, 9}, // missing deep: the item
		{nil, 1, 1},
	}
	for _, tt := range tests {
		if line, col := Position(d.Node(), tt.segs); line != tt.line || col != tt.col {
			t.Errorf("%v: got %d:%d, want %d:%d", tt.segs, line, col, tt.line, tt.col)
		}
	}
}

func TestNodeIsFoundAgain(t *testing.T) {
	stream := "# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s0\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\n"
	docs, probs := Read([]byte(stream))
	if len(probs) != 0 || len(docs) != 4 {
		t.Fatalf("docs %d, problems %v", len(docs), probs)
	}
	want := []struct {
		name            string
		line, nameLine  int
		column, nameCol int
	}{{"first", 2, 5, 1, 3}, {"s0", 11, 14, 3, 5}, {"s1", 15, 18, 3, 5}, {"last", 20, 23, 1, 3}}
	for i, w := range want {
		d := docs[i]
		n := d.Node()
		if d.Name() != w.name || n.Line != w.line || n.Column != w.column || d.Line != w.line {
			t.Errorf("doc %d: %s at %d:%d (node %d:%d), want %s at %d:%d", i, d.Name(), d.Line, d.Column, n.Line, n.Column, w.name, w.line, w.column)
		}
		if line, col := Position(n, []string{"metadata", "name"}); line != w.nameLine || col != w.nameCol {
			t.Errorf("%s: metadata.name at %d:%d, want %d:%d", w.name, line, col, w.nameLine, w.nameCol)
		}
		if d.Node() != n {
			t.Errorf("%s: the node is parsed again on every call", w.name)
		}
	}
	if n := (Doc{Line: 3, Column: 2}).Node(); n.Line != 3 || n.Column != 2 {
		t.Errorf("a Doc not read: node at %d:%d", n.Line, n.Column)
	}
}
