package jsonval

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// A converter makes of one Go value the generic values that marshalling it
// under encoding/json's rules and decoding the result would give, without
// the bytes between. Converters are built once per type from its
// reflection, as encoding/json builds its encoders.
//
// What is plain is converted directly: booleans, numbers, valid UTF-8
// strings, pointers, interfaces, slices, arrays, maps with string keys and
// structs whose fields have distinct JSON names and no ",string" option,
// and Istio's API messages (see viaJSONPB). A value with another
// MarshalJSON method is converted from the JSON it returns (or by its
// ToUnstructured method, see unstructured). A MarshalText
// method, a json.Number, a string that is not UTF-8, a float that is not
// finite, a struct whose embedded fields' names collide, or anything else
// goes through the round trip itself (marshalled and decoded), so every
// rule encoding/json has and this file does not spell out stays
// encoding/json's.
type converter func(v reflect.Value, w walk) (any, error)

// walk is where a conversion is: how deep in the value, and whether it
// leaves out the members whose value is null.
type walk struct {
	depth     int
	omitNulls bool
}

// in is the walk one level deeper.
func (w walk) in() walk {
	w.depth++
	return w
}

// maxDepth is how deep a value is converted directly: a value nested
// deeper, which may be a cycle of pointers, maps or slices, goes through
// the round trip, which reports a cycle as encoding/json does instead of
// recursing until the stack runs out.
const maxDepth = 1000

// converters caches a converter per reflect.Type.
var converters sync.Map

// converterFor returns t's converter, building it on first use. A
// recursive type finds its own converter, while it is being built, as an
// indirection that waits for it.
func converterFor(t reflect.Type) converter {
	if c, ok := converters.Load(t); ok {
		return c.(converter)
	}
	var (
		wg sync.WaitGroup
		c  converter
	)
	wg.Add(1)
	if prev, loaded := converters.LoadOrStore(t, converter(func(v reflect.Value, w walk) (any, error) {
		wg.Wait()
		return c(v, w)
	})); loaded {
		return prev.(converter)
	}
	c = newConverter(t)
	wg.Done()
	converters.Store(t, c)
	return c
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	unstructuredType  = reflect.TypeFor[unstructured]()
	numberType        = reflect.TypeFor[json.Number]()
	intOrStringType   = reflect.TypeFor[intstr.IntOrString]()
)

// unstructured is structured-merge-diff's value.UnstructuredConverter, which
// Kubernetes' Quantity, Time and Duration implement: "Types that implement
// json.Marshaler may also optionally implement this interface to provide a
// more direct and more efficient conversion. All types that choose to
// implement this interface must still implement this same conversion via
// json.Marshaler."
type unstructured interface{ ToUnstructured() any }

// ownJSON reports whether t, not a pointer, or *t marshals itself, once
// per type: ObjectWithoutNulls asks it of every object, and a type's
// method set is searched anew by each Implements.
func ownJSON(t reflect.Type) bool {
	if own, ok := ownJSONs.Load(t); ok {
		return own.(bool)
	}
	p := reflect.PointerTo(t)
	own := t.Implements(marshalerType) || t.Implements(textMarshalerType) || p.Implements(marshalerType) || p.Implements(textMarshalerType)
	ownJSONs.Store(t, own)
	return own
}

var ownJSONs sync.Map // reflect.Type -> bool: ownJSON's answers

func newConverter(t reflect.Type) converter {
	switch t.Kind() {
	case reflect.Pointer:
		// Before methods: nil is null, as encoding/json writes a nil
		// pointer even when its type has methods, and what it points to is
		// addressable, so the methods of either are found there.
		elem := converterFor(t.Elem())
		return nullable(func(v reflect.Value, w walk) (any, error) { return elem(v.Elem(), w.in()) })
	case reflect.Interface:
		// Before methods too: what it holds has them or not.
		return nullable(func(v reflect.Value, w walk) (any, error) {
			e := v.Elem()
			return converterFor(e.Type())(e, w.in())
		})
	}
	switch t {
	case numberType:
		return roundTrip
	case intOrStringType:
		return intOrString
	}
	if marshalsByJSONPB(t) {
		return byAddress(viaJSONPB)
	}
	if t.Implements(marshalerType) {
		if t.Implements(unstructuredType) {
			return viaUnstructured
		}
		return viaMarshaler
	}
	if reflect.PointerTo(t).Implements(marshalerType) && !t.Implements(textMarshalerType) {
		// MarshalJSON on the pointer: encoding/json calls it on an
		// addressable value.
		return byAddress(viaMarshaler)
	}
	if ownJSON(t) {
		return roundTrip
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(v reflect.Value, _ walk) (any, error) { return v.Bool(), nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v reflect.Value, _ walk) (any, error) { return json.Number(strconv.FormatInt(v.Int(), 10)), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v reflect.Value, _ walk) (any, error) { return json.Number(strconv.FormatUint(v.Uint(), 10)), nil }
	case reflect.Float32, reflect.Float64:
		return floatConverter(t.Bits())
	case reflect.String:
		return func(v reflect.Value, w walk) (any, error) {
			if s := v.String(); utf8.ValidString(s) {
				return s, nil
			}
			return roundTrip(v, w)
		}
	case reflect.Slice:
		if e := t.Elem(); e.Kind() == reflect.Uint8 && !ownJSON(e) {
			return func(v reflect.Value, _ walk) (any, error) {
				if v.IsNil() {
					return nil, nil
				}
				return base64.StdEncoding.EncodeToString(v.Bytes()), nil
			}
		}
		return nullable(listConverter(t.Elem()))
	case reflect.Array:
		return listConverter(t.Elem())
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return roundTrip
		}
		return nullable(mapConverter(t.Elem()))
	case reflect.Struct:
		return structConverter(t)
	}
	return roundTrip // channels, functions, complex numbers: encoding/json's error
}

// byAddress converts a value of a type whose methods are on its pointer
// by via, given the value's address; a value that has none goes through
// the round trip, as encoding/json does not call them on it.
func byAddress(via converter) converter {
	return func(v reflect.Value, w walk) (any, error) {
		if v.CanAddr() {
			return via(v.Addr(), w)
		}
		return roundTrip(v, w)
	}
}

// nullable wraps the converter of a kind that can be nil (a pointer, an
// interface, a slice, a map): nil is null, and a value nested deeper than
// maxDepth goes through the round trip.
func nullable(c converter) converter {
	return func(v reflect.Value, w walk) (any, error) {
		if v.IsNil() {
			return nil, nil
		}
		if w.depth > maxDepth {
			return roundTrip(v, w)
		}
		return c(v, w)
	}
}

// roundTrip converts v through its JSON: what every value Object does not
// convert itself goes through. An addressable value is marshalled by its
// address, so that a method on the pointer is called, as encoding/json
// calls it.
func roundTrip(v reflect.Value, w walk) (any, error) {
	if v.CanAddr() {
		v = v.Addr()
	}
	if !v.CanInterface() {
		return nil, &json.UnsupportedTypeError{Type: v.Type()}
	}
	return viaJSON(v.Interface(), w.omitNulls)
}

// viaMarshaler converts a value of a type with a MarshalJSON method from
// the JSON it returns, as encoding/json writes that JSON.
func viaMarshaler(v reflect.Value, w walk) (any, error) {
	m, ok := methods(v).(json.Marshaler)
	if !ok {
		return nil, &json.UnsupportedTypeError{Type: v.Type()}
	}
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	d, err := decodeJSON(b, w.omitNulls)
	if err != nil {
		return nil, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return d, nil
}

// intOrString converts Kubernetes' IntOrString, a port or a share of
// replicas in many an object, to what its MarshalJSON writes: the integer
// or the string it holds. One it cannot say so (not addressable, or not
// UTF-8, or of neither type) goes through MarshalJSON.
func intOrString(v reflect.Value, w walk) (any, error) {
	if x, ok := methods(v).(*intstr.IntOrString); ok {
		switch {
		case x.Type == intstr.Int:
			return json.Number(strconv.FormatInt(int64(x.IntVal), 10)), nil
		case x.Type == intstr.String && utf8.ValidString(x.StrVal):
			return x.StrVal, nil
		}
	}
	return viaMarshaler(v, w)
}

// viaUnstructured converts a value of a type with both a MarshalJSON and a
// ToUnstructured method by the second, when it gives a string, a boolean
// or nil, whose JSON is not in doubt; by the first otherwise.
func viaUnstructured(v reflect.Value, w walk) (any, error) {
	c, ok := methods(v).(unstructured)
	if !ok {
		return nil, &json.UnsupportedTypeError{Type: v.Type()}
	}
	switch u := c.ToUnstructured().(type) {
	case string:
		if utf8.ValidString(u) {
			return u, nil
		}
	case bool, nil:
		return u, nil
	}
	return viaMarshaler(v, w)
}

// methods returns v as an interface value to call its methods on: by its
// address when it has one, which costs no copy of v, or nil when v cannot
// be had (a value read through an unexported field).
func methods(v reflect.Value) any {
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		v = v.Addr()
	}
	if !v.CanInterface() {
		return nil
	}
	return v.Interface()
}

// floatConverter writes a float as encoding/json does (see jsonFloat).
func floatConverter(bits int) converter {
	return func(v reflect.Value, w walk) (any, error) {
		if n, ok := jsonFloat(v.Float(), bits); ok {
			return n, nil
		}
		return roundTrip(v, w) // encoding/json's error
	}
}

// jsonFloat writes a float of the given size as encoding/json does: the
// shortest decimal that reads back as the same float of its size, in
// exponent form below 1e-6 and from 1e21, with a one-digit negative
// exponent unpadded. ok is false for a float that is not finite.
func jsonFloat(f float64, bits int) (json.Number, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, format, -1, bits)
	if format == 'e' {
		// e-09 becomes e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return json.Number(b), true
}

// listConverter converts a slice or an array with elements of type elem.
func listConverter(elem reflect.Type) converter {
	c := converterFor(elem)
	return func(v reflect.Value, w walk) (any, error) {
		l := make([]any, v.Len())
		for i := range l {
			e, err := c(v.Index(i), w.in())
			if err != nil {
				return nil, err
			}
			l[i] = e
		}
		return l, nil
	}
}

// mapConverter converts a map, not nil, with string keys and values of
// type elem.
// Its values are not addressable: a value's pointer methods are not
// called, as encoding/json does not call them.
func mapConverter(elem reflect.Type) converter {
	c := converterFor(elem)
	return func(v reflect.Value, w walk) (any, error) {
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			k := it.Key().String()
			if !utf8.ValidString(k) {
				return roundTrip(v, w)
			}
			e, err := c(it.Value(), w.in())
			if err != nil {
				return nil, err
			}
			if e == nil && w.omitNulls {
				continue
			}
			m[k] = e
		}
		return m, nil
	}
}

// field is one JSON member of a struct.
type field struct {
	name      string
	index     []int // through embedded structs, as reflect.Value.FieldByIndex
	typ       reflect.Type
	conv      converter // typ's
	omitEmpty bool
	zero      func(reflect.Value) bool // for omitzero
}

// structConverter converts a struct: its exported fields by their JSON
// names, the fields of an embedded struct without a name as its own, and
// the round trip when any of that is not plain.
func structConverter(t reflect.Type) converter {
	fields, plain := cachedFields(t)
	if !plain {
		return roundTrip
	}
	return func(v reflect.Value, w walk) (any, error) { return convertStruct(v, w, fields, "") }
}

// convertStruct converts a struct value by its fields, without the member
// named omit.
func convertStruct(v reflect.Value, w walk, fields []field, omit string) (map[string]any, error) {
	// Most fields are unset: a map the size of a small one at first.
	m := make(map[string]any, min(len(fields), 8))
next:
	for i := range fields {
		f := &fields[i]
		if f.name == omit {
			continue
		}
		fv := v
		for _, x := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue next // a field of a nil embedded pointer is absent
				}
				fv = fv.Elem()
			}
			fv = fv.Field(x)
		}
		if f.omitEmpty && empty(fv) || f.zero != nil && f.zero(fv) {
			continue
		}
		e, err := f.conv(fv, w.in())
		if err != nil {
			return nil, err
		}
		if e == nil && w.omitNulls {
			continue
		}
		m[f.name] = e
	}
	return m, nil
}

// fieldLists caches structFields by reflect.Type.
var fieldLists sync.Map

type fieldList struct {
	fields []field
	plain  bool
}

// cachedFields is structFields, with each field's converter, once per
// type.
func cachedFields(t reflect.Type) ([]field, bool) {
	if l, ok := fieldLists.Load(t); ok {
		return l.(fieldList).fields, l.(fieldList).plain
	}
	fields, plain := structFields(t)
	if plain {
		for i := range fields {
			fields[i].conv = converterFor(fields[i].typ)
		}
	}
	fieldLists.Store(t, fieldList{fields, plain})
	return fields, plain
}

// structFields lists t's JSON members as encoding/json finds them:
// exported fields, and the fields of embedded structs (through pointers
// too) that have no name in their tag. plain is false when two
// members would have the same name (encoding/json then applies Go's rules
// of dominance), when a field has the ",string" option or an invalid name
// in its tag, or when an embedded field is reached through a pointer to an
// unexported type.
func structFields(t reflect.Type) (fields []field, plain bool) {
	seen := map[string]bool{}
	type level struct {
		typ   reflect.Type
		index []int
	}
	visited := map[reflect.Type]bool{}
	for next := []level{{typ: t}}; len(next) > 0; {
		current := next
		next = nil
		for _, l := range current {
			if visited[l.typ] {
				return nil, false // the same struct embedded twice
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
						if !sf.IsExported() {
							return nil, false
						}
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if name != "" && !plainName(name) {
					return nil, false
				}
				index := append(append(make([]int, 0, len(l.index)+1), l.index...), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, index})
					continue
				}
				if name == "" {
					name = sf.Name
				}
				if seen[name] {
					return nil, false
				}
				seen[name] = true
				f := field{name: name, index: index, typ: sf.Type}
				for o := range strings.SplitSeq(opts, ",") {
					switch o {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.zero = zeroTest(sf.Type)
					case "string":
						return nil, false
					}
				}
				fields = append(fields, f)
			}
		}
	}
	return fields, true
}

// plainName reports whether name is a tag's name as encoding/json accepts
// it without question: letters, digits and the punctuation most names use.
func plainName(name string) bool {
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '$', c == '@', c == '/':
		default:
			return false
		}
	}
	return true
}

// empty is encoding/json's test for omitempty.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// zeroTest returns encoding/json's test for omitzero of a field of type
// t: the type's IsZero method if it has one (a nil pointer or interface
// being zero), else the zero value.
func zeroTest(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				b := reflect.New(t).Elem()
				b.Set(v)
				v = b
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return reflect.Value.IsZero
}
