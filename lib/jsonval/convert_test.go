package jsonval

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/manifold-dev/manifold/lib/jsonval/jsonvaltest"
)

type zeroByMethod struct{ N int }

func (z zeroByMethod) IsZero() bool { return z.N < 0 }

type zeroByPointer struct{ N int }

func (z *zeroByPointer) IsZero() bool { return z.N == 7 }

type text int

func (t text) MarshalText() ([]byte, error) { return []byte("t" + string(rune('0'+int(t)))), nil }

type pointerJSON struct{ N int }

func (p *pointerJSON) MarshalJSON() ([]byte, error) { return []byte(`"by pointer"`), nil }

// quantity converts itself both ways, as resource.Quantity does.
type quantity struct{ s string }

func (q quantity) MarshalJSON() ([]byte, error) { return json.Marshal(q.s) }
func (q quantity) ToUnstructured() any          { return q.s }

// float's ToUnstructured gives a number, whose JSON only MarshalJSON knows.
type float struct{}

func (float) MarshalJSON() ([]byte, error) { return []byte("5.0"), nil }
func (float) ToUnstructured() any          { return 5.0 }

// badJSON marshals to more than one value.
type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte("1 2"), nil }

// nullJSON marshals to nulls at every depth, and a duplicate member whose
// later value is null.
type nullJSON struct{}

func (nullJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"a": null, "b": {"c": null, "d": [null, {"e": null, "f": 1}]}, "dup": 1, "dup": null}`), nil
}

// failing cannot marshal.
type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type Inner struct {
	A string `json:"a"`
	B int    `json:"b,omitempty"`
}

type unexported struct {
	C string `json:"c"`
}

type Named struct{ D bool }

// list is a recursive type.
type list struct {
	Name string `json:"name"`
	Next *list  `json:"next,omitempty"`
}

// Untagged, so that go vet's check of tags lets the collisions be:
type (
	untaggedA struct{ A string }
	untaggedB struct{ A int }
	// collide's A hides untaggedA's, by Go's rules of embedding.
	collide struct {
		untaggedA
		A string
	}
	// collideSameDepth's two As cancel each other out.
	collideSameDepth struct {
		untaggedA
		untaggedB
	}
)

type everything struct {
	Inner
	*Named
	unexported
	Str          string                 `json:"str"`
	Bad          string                 `json:"bad"`
	Empty        string                 `json:"empty,omitempty"`
	Int          int64                  `json:"int"`
	Uint         uint8                  `json:"uint"`
	F64          float64                `json:"f64"`
	Tiny         float64                `json:"tiny"`
	Huge         float64                `json:"huge"`
	F32          float32                `json:"f32"`
	Bytes        []byte                 `json:"bytes"`
	NilBytes     []byte                 `json:"nilBytes"`
	Array        [2]int                 `json:"array"`
	Slice        []string               `json:"slice"`
	NilSlice     []string               `json:"nilSlice"`
	EmptyList    []int                  `json:"emptyList"`
	Map          map[string]any         `json:"map"`
	NilMap       map[string]int         `json:"nilMap"`
	IntKeys      map[int]string         `json:"intKeys"`
	TextKeys     map[text]string        `json:"textKeys"`
	Ptr          *int                   `json:"ptr"`
	NilPtr       *int                   `json:"nilPtr,omitempty"`
	Iface        any                    `json:"iface"`
	Zero         zeroByMethod           `json:"zero,omitzero"`
	NotZero      zeroByMethod           `json:"notZero,omitzero"`
	ZeroPtr      zeroByPointer          `json:"zeroPtr,omitzero"`
	ZeroNil      *zeroByPointer         `json:"zeroNil,omitzero"`
	ZeroVal      struct{ X int }        `json:"zeroVal,omitzero"`
	Marshaler    json.Marshaler         `json:"marshaler"`
	NilMarshaler json.Marshaler         `json:"nilMarshaler"`
	Quantity     quantity               `json:"quantity"`
	Quantities   map[string]quantity    `json:"quantities"`
	Float        float                  `json:"float"`
	NilJSON      *pointerJSON           `json:"nilJSON"`
	Time         time.Time              `json:"time"`
	IP           net.IP                 `json:"ip"`
	Text         text                   `json:"text"`
	ByPointer    pointerJSON            `json:"byPointer"`
	InMap        map[string]pointerJSON `json:"inMap"`
	Skipped      string                 `json:"-"`
	Untagged     string
	private      string
	Port         intstr.IntOrString            `json:"port"`
	Share        intstr.IntOrString            `json:"share"`
	BadShare     intstr.IntOrString            `json:"badShare"`
	PortPtr      *intstr.IntOrString           `json:"portPtr"`
	Ports        map[string]intstr.IntOrString `json:"ports"`
	Nulls        nullJSON                      `json:"nulls"`
	Loose        map[string]*int               `json:"loose"`
	Number       json.Number                   `json:"number"`
	Raw          json.RawMessage               `json:"raw"`
}

// TestConvertIsEncodingJSON holds the direct conversion to encoding/json
// over the rules it spells out and those it leaves to the round trip.
func TestConvertIsEncodingJSON(t *testing.T) {
	n := 5
	v := &everything{
		Inner: Inner{A: "inner"}, unexported: unexported{C: "c"},
		Str: "s", Bad: "a\xffb\xfe\xfd", Int: -3, Uint: 200,
		F64: 0.1, Tiny: 1e-9, Huge: 1e22, F32: 3.14,
		Bytes: []byte("hi"), Array: [2]int{1, 2}, Slice: []string{"x"}, EmptyList: []int{},
		Map:     map[string]any{"k": []any{1, "two", 3.5, nil, true, map[string]any{"none": nil}}, "bad\xff": "v", "none": nil},
		IntKeys: map[int]string{2: "b", 1: "a"}, TextKeys: map[text]string{1: "one"},
		Loose: map[string]*int{"unset": nil, "set": &n},
		Ptr:   &n, Iface: Inner{A: "in an interface"},
		Zero: zeroByMethod{N: -1}, NotZero: zeroByMethod{}, ZeroPtr: zeroByPointer{N: 7},
		Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), IP: net.IPv4(10, 0, 0, 1), Text: 3,
		InMap: map[string]pointerJSON{"k": {}}, Skipped: "no", Untagged: "u", private: "p",
		Number: "1.50", Raw: json.RawMessage(`{"a": [1]}`),
		Port: intstr.FromInt32(-8080), Share: intstr.FromString("25%"), BadShare: intstr.FromString("2\xff%"),
		PortPtr: &intstr.IntOrString{Type: intstr.Int, IntVal: 9, StrVal: "ignored"},
		Ports:   map[string]intstr.IntOrString{"http": intstr.FromInt32(80), "name": intstr.FromString("http")},
	}
	for _, c := range []any{
		v,
		everything{Named: &Named{D: true}}, // not addressable at the top
		&list{Name: "a", Next: &list{Name: "b", Next: &list{Name: "c"}}}, // a recursive type
		&collide{untaggedA: untaggedA{A: "hidden"}, A: "shown"},
		&collideSameDepth{untaggedA{A: "x"}, untaggedB{A: 1}},
		&struct {
			N int    `json:"n,string"`
			S string `json:"s,string"`
		}{N: 9, S: "q"},
		map[string]any{"n": 1, "f": 1.0, "g": 2.5e-7, "u": uint64(math.MaxUint64)},
	} {
		want, err := jsonvaltest.EncodingJSON(c) // what Object must equal
		if err != nil {
			t.Fatal(err)
		}
		got, err := Object(c)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%T differs from encoding/json (-want +got):\n%s", c, d)
		}
		got, err = ObjectWithoutNulls(c, "")
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if d := cmp.Diff(jsonvaltest.WithoutNulls(want), got); d != "" {
			t.Errorf("%T without nulls differs from encoding/json's without them (-want +got):\n%s", c, d)
		}
	}
	for _, c := range []any{
		map[string]float64{"nan": math.NaN()},
		map[string]any{"ch": make(chan int)},
		struct{ F func() }{},
		map[string]any{"bad": badJSON{}},
		map[string]any{"failing": failing{}},
		&struct{ X intstr.IntOrString }{X: intstr.IntOrString{Type: 7}},
	} {
		if _, err := Object(c); err == nil {
			t.Errorf("%T: no error", c)
		}
	}
	if _, err := Object(nil); err == nil {
		t.Error("nil is not an object")
	}
}

// TestObjectWithoutNulls: the member omitted is absent, and so are the
// nulls, and nothing else is, whether the value is converted directly or
// through its JSON.
func TestObjectWithoutNulls(t *testing.T) {
	type status struct {
		Failing failing `json:"failing"` // would fail if converted
	}
	type object struct {
		Kind   string         `json:"kind"`
		Spec   map[string]any `json:"spec"`
		Status status         `json:"status"`
	}
	got, err := ObjectWithoutNulls(&object{Kind: "K", Spec: map[string]any{"a": nil, "b": []any{nil}}}, "status")
	if want := map[string]any{"kind": "K", "spec": map[string]any{"b": []any{nil}}}; err != nil || !cmp.Equal(got, want) {
		t.Errorf("ObjectWithoutNulls = %v, %v; want %v", got, err, want)
	}
	got, err = ObjectWithoutNulls(map[string]any{"kind": "K", "status": 1, "spec": nil, "data": map[string]any{"x": nil}}, "status")
	if want := map[string]any{"kind": "K", "data": map[string]any{}}; err != nil || !cmp.Equal(got, want) {
		t.Errorf("ObjectWithoutNulls = %v, %v; want %v", got, err, want)
	}
	if _, err := ObjectWithoutNulls(&object{}, "kind"); err == nil {
		t.Error("the status that cannot be marshalled was not converted")
	}
}

// counted counts its MarshalJSON calls.
type counted struct{ calls *int }

func (c counted) MarshalJSON() ([]byte, error) { *c.calls++; return []byte(`"x"`), nil }
func (c counted) ToUnstructured() any          { return "x" }

// TestToUnstructuredSkipsJSON: a type that converts itself is not
// marshalled.
func TestToUnstructuredSkipsJSON(t *testing.T) {
	calls := 0
	got, err := Object(map[string]any{"c": counted{&calls}})
	if err != nil || got["c"] != "x" || calls != 0 {
		t.Errorf("Object = %v, %v after %d MarshalJSON calls; want c: x and none", got, err, calls)
	}
}

// TestCycle: a value that contains itself is an error, as encoding/json
// reports it, not a stack overflow.
func TestCycle(t *testing.T) {
	type node struct {
		Next *node `json:"next"`
	}
	n := &node{}
	n.Next = n
	m := map[string]any{}
	m["self"] = m
	l := []any{nil}
	l[0] = l
	for _, v := range []any{n, m, map[string]any{"l": l}} {
		if _, err := Object(v); err == nil {
			t.Errorf("%T: a cycle converted without error", v)
		}
	}
}
