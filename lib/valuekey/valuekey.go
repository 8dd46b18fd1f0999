// Package valuekey encodes Go values as bytes that only equal values share,
// the same in every run: a key for what a value determines. Every value is
// written with its kind, every length before its contents, every
// interface's dynamic type by name and package, every map's entries in the
// order of their keys' encodings, and unexported struct fields too. A
// value that holds a function, a channel or an unsafe pointer that is not
// nil has no key: two closures of one function can differ in what they
// capture, which reflection cannot see.
package valuekey

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
)

// Source is this package's source: a key made with it holds for it.
//
//go:embed *.go
var Source embed.FS

// ErrUnkeyable is the error for a value that has no key.
var ErrUnkeyable = errors.New("valuekey: the value holds a function, a channel or an unsafe pointer")

// maxDepth bounds the nesting followed, so that a cycle of pointers is an
// error rather than a stack overflow.
const maxDepth = 200

// Append appends the key of v to b.
func Append(b []byte, v any) ([]byte, error) {
	return appendValue(b, reflect.ValueOf(v), 0)
}

func appendValue(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("valuekey: nested more than %d deep", maxDepth)
	}
	if !v.IsValid() {
		return append(b, 0), nil
	}
	b = append(b, byte(v.Kind()))
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return binary.AppendUvarint(b, v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v.Float())), nil
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(real(c)))
		return binary.BigEndian.AppendUint64(b, math.Float64bits(imag(c))), nil
	case reflect.String:
		return appendString(b, v.String()), nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, 0), nil
		}
		b = append(b, 1)
		if v.Kind() == reflect.Interface {
			t := v.Elem().Type()
			b = appendString(appendString(b, t.PkgPath()), t.String())
		}
		return appendValue(b, v.Elem(), depth+1)
	case reflect.Array, reflect.Slice:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return append(b, 0), nil
		}
		b = binary.AppendUvarint(append(b, 1), uint64(v.Len()))
		for i := range v.Len() {
			var err error
			if b, err = appendValue(b, v.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Struct:
		b = binary.AppendUvarint(b, uint64(v.NumField()))
		for i := range v.NumField() {
			var err error
			if b, err = appendValue(appendString(b, v.Type().Field(i).Name), v.Field(i), depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Map:
		if v.IsNil() {
			return append(b, 0), nil
		}
		type entry struct{ k, v []byte }
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, err := appendValue(nil, it.Key(), depth+1)
			if err != nil {
				return nil, err
			}
			val, err := appendValue(nil, it.Value(), depth+1)
			if err != nil {
				return nil, err
			}
			entries = append(entries, entry{k, val})
		}
		slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.k, y.k) })
		b = binary.AppendUvarint(append(b, 1), uint64(len(entries)))
		for _, e := range entries {
			b = append(appendBytes(b, e.k), e.v...)
		}
		return b, nil
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			return append(b, 0), nil
		}
		return nil, ErrUnkeyable
	}
	return nil, fmt.Errorf("valuekey: %s values have no key", v.Kind())
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
