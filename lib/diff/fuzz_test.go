package diff

import (
	"encoding/json"
	"testing"
)

// FuzzFields compares arbitrary JSON objects: never a panic, an object
// equals itself, and every change names a path.
func FuzzFields(f *testing.F) {
	f.Add([]byte(`{"spec":{"replicas":3}}`), []byte(`{"spec":{"replicas":5}}`))
	f.Add([]byte(`{"c":[{"name":"a","image":"x:1"},{"name":"b"}]}`), []byte(`{"c":[{"name":"b"},{"name":"a","image":"x:2"}]}`))
	f.Add([]byte(`{"c":[{"name":"a"},{"name":"a"}]}`), []byte(`{"c":[1,"x",null]}`))
	f.Add([]byte(`{"data":{"a.b/c":"1"}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y map[string]any
		if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
			return
		}
		if c := Fields(x, x); len(c) != 0 {
			t.Errorf("an object differs from itself: %v", c)
		}
		// Every change has a path (a crasher: the empty key "" had none).
		for _, c := range Fields(x, y) {
			if c.Path == "" && (c.Old != "" || c.New != "") && x != nil && y != nil {
				t.Errorf("a change without a path: %+v", c)
			}
		}
	})
}
