package jsonval

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestCanonicalTellsValuesApart: equal values encode alike whatever their
// maps' order, and values that differ in type, content or nesting do not.
func TestCanonicalTellsValuesApart(t *testing.T) {
	values := []any{
		nil, true, false, "", "1", json.Number("1"), float64(1), json.Number("1.0"),
		[]any{}, []any{nil}, []any{"a", "b"}, []any{"ab"}, []any{[]any{"a"}, "b"}, []any{"a", []any{"b"}},
		map[string]any{}, map[string]any{"a": nil}, map[string]any{"a": "b"}, map[string]any{"ab": ""}, map[string]any{"a": map[string]any{"b": "c"}},
		map[string]any{"a": "b", "c": "d"}, map[string]any{"a": "bc", "": "d"},
	}
	seen := map[string]int{}
	for i, v := range values {
		b, ok := AppendCanonical(nil, v)
		if !ok {
			t.Fatalf("%#v: not encoded", v)
		}
		if j, dup := seen[string(b)]; dup {
			t.Errorf("%#v and %#v encode alike", values[j], v)
		}
		seen[string(b)] = i
		back, rest, err := DecodeBinary(append(b, "rest"...))
		if err != nil || string(rest) != "rest" || !reflect.DeepEqual(back, v) {
			t.Errorf("%#v read back as %#v, %q, %v", v, back, rest, err)
		}
		if kept, ok := AppendBinary(nil, v); !ok || len(kept) != len(b) {
			t.Errorf("%#v kept in %d bytes (%v), %d compared", v, len(kept), ok, len(b))
		} else if back, _, err := DecodeBinary(kept); err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("%#v kept read back as %#v, %v", v, back, err)
		}
		for n := range len(b) {
			if _, _, err := DecodeBinary(b[:n]); err == nil {
				t.Errorf("%#v cut at %d of %d read back", v, n, len(b))
			}
		}
	}
	a := map[string]any{}
	z := map[string]any{}
	for _, k := range []string{"x", "b", "m", "a", "q", "c", "y", "d", "p"} {
		a[k] = []any{k}
	}
	for _, k := range []string{"d", "y", "c", "q", "a", "m", "b", "x", "p"} {
		z[k] = []any{k}
	}
	ea, _ := AppendCanonical(nil, a)
	ez, _ := AppendCanonical(nil, z)
	if !bytes.Equal(ea, ez) {
		t.Error("one map's keys in two orders encode differently")
	}
	if b, ok := AppendCanonical([]byte("x"), map[string]any{"a": 1}); ok || string(b) != "x" {
		t.Errorf("an int (not a JSON value here): ok %v, %q", ok, b)
	}
}
