package jsonval

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
)

// AppendCanonical appends to b an encoding of a generic JSON value (what
// this package and encoding/json's decoder make: maps with string keys,
// slices, strings, json.Number, float64, booleans and nil) in which two
// values have the same bytes only when they are equal: a tag for each
// type, every length before its contents, and map keys sorted. ok is false
// for a value holding any other type; b is then returned unchanged.
func AppendCanonical(b []byte, v any) (out []byte, ok bool) {
	out, ok = appendCanonical(b, v)
	if !ok {
		return b, false
	}
	return out, true
}

func appendCanonical(b []byte, v any) ([]byte, bool) {
	str := func(b []byte, tag byte, s string) []byte {
		return append(binary.AppendUvarint(append(b, tag), uint64(len(s))), s...)
	}
	switch v := v.(type) {
	case nil:
		return append(b, 'z'), true
	case bool:
		if v {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case string:
		return str(b, 's', v), true
	case json.Number:
		return str(b, 'n', string(v)), true
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'd'), math.Float64bits(v)), true
	case []any:
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(v)))
		for _, x := range v {
			var ok bool
			if b, ok = appendCanonical(b, x); !ok {
				return nil, false
			}
		}
		return b, true
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = binary.AppendUvarint(append(b, 'm'), uint64(len(v)))
		for _, k := range keys {
			b = append(binary.AppendUvarint(b, uint64(len(k))), k...)
			var ok bool
			if b, ok = appendCanonical(b, v[k]); !ok {
				return nil, false
			}
		}
		return b, true
	}
	return nil, false
}
