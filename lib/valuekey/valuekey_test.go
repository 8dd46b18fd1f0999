package valuekey

import (
	"bytes"
	"errors"
	"testing"
)

type (
	lit    string
	ref    string
	pair   struct{ A, B string }
	holder struct {
		V any
		P *int
		M map[string][]string
		L []string
		f int // unexported: part of the key
	}
)

// TestKeysTellValuesApart: values that differ only in a way a printer
// can blur (where a list's items split, an interface's type, nil against
// empty, an unexported field) have different keys; equal values, maps
// built in any order, the same one.
func TestKeysTellValuesApart(t *testing.T) {
	one, zero := 1, 0
	values := []any{
		holder{L: []string{"a b", "c"}}, holder{L: []string{"a", "b c"}}, holder{L: []string{}}, holder{},
		holder{V: lit("x")}, holder{V: ref("x")}, holder{V: "x"}, holder{V: pair{"a", "b"}}, holder{V: pair{"ab", ""}},
		holder{P: &one}, holder{P: &zero}, holder{M: map[string][]string{}}, holder{M: map[string][]string{"a": nil}},
		holder{M: map[string][]string{"a": {}}}, holder{f: 1}, holder{V: 1}, holder{V: int64(1)}, holder{V: 1.0},
	}
	seen := map[string]int{}
	for i, v := range values {
		k, err := Append(nil, v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if j, dup := seen[string(k)]; dup {
			t.Errorf("%#v and %#v have one key", values[j], v)
		}
		seen[string(k)] = i
	}
	a, z := map[string][]string{}, map[string][]string{}
	for _, k := range []string{"q", "b", "x", "a", "m", "c", "z", "d", "y"} {
		a[k] = []string{k}
	}
	for _, k := range []string{"y", "d", "z", "c", "m", "a", "x", "b", "q"} {
		z[k] = []string{k}
	}
	ka, _ := Append(nil, holder{M: a})
	kz, _ := Append(nil, holder{M: z})
	if !bytes.Equal(ka, kz) {
		t.Error("one map built in two orders has two keys")
	}
}

// TestFunctionsHaveNoKey: a value holding a function that is not nil
// (whose captured values reflection cannot see) has no key; a nil one
// does.
func TestFunctionsHaveNoKey(t *testing.T) {
	n := 1
	if _, err := Append(nil, holder{V: func() int { return n }}); !errors.Is(err, ErrUnkeyable) {
		t.Errorf("a closure: %v", err)
	}
	if _, err := Append(nil, struct{ F func() }{}); err != nil {
		t.Errorf("a nil function: %v", err)
	}
	type loop struct{ Next *loop }
	l := &loop{}
	l.Next = l
	if _, err := Append(nil, l); err == nil {
		t.Error("a cycle of pointers has a key")
	}
}
