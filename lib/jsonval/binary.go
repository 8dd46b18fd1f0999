package jsonval

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
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
	out, ok = appendValue(b, v, true)
	if !ok {
		return b, false
	}
	return out, true
}

// AppendBinary is AppendCanonical with each map's entries in the order a
// range over it gives: quicker, for a value that is kept rather than
// compared. DecodeBinary reads both.
func AppendBinary(b []byte, v any) (out []byte, ok bool) {
	out, ok = appendValue(b, v, false)
	if !ok {
		return b, false
	}
	return out, true
}

func appendValue(b []byte, v any, sorted bool) ([]byte, bool) {
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
			if b, ok = appendValue(b, x, sorted); !ok {
				return nil, false
			}
		}
		return b, true
	case map[string]any:
		b = binary.AppendUvarint(append(b, 'm'), uint64(len(v)))
		entry := func(k string, x any) bool {
			var ok bool
			b, ok = appendValue(append(binary.AppendUvarint(b, uint64(len(k))), k...), x, sorted)
			return ok
		}
		if !sorted {
			for k, x := range v {
				if !entry(k, x) {
					return nil, false
				}
			}
			return b, true
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !entry(k, v[k]) {
				return nil, false
			}
		}
		return b, true
	}
	return nil, false
}

// DecodeBinary reads a value AppendCanonical or AppendBinary wrote at the
// start of b, and returns it with the rest of b.
func DecodeBinary(b []byte) (any, []byte, error) {
	d := canonicalDecoder{rest: b}
	v := d.value(0)
	if d.err != nil {
		return nil, nil, d.err
	}
	return v, d.rest, nil
}

// canonicalDecoder reads AppendCanonical's encoding; after its first
// error it reads nothing.
type canonicalDecoder struct {
	rest []byte
	err  error
}

func (d *canonicalDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("jsonval: canonical encoding: "+format, args...)
	}
}

// length reads a length no larger than what is left (each item is a byte
// or more).
func (d *canonicalDecoder) length() int {
	v, n := binary.Uvarint(d.rest)
	if n <= 0 || v > uint64(len(d.rest)-n) {
		d.fail("bad length")
		return 0
	}
	d.rest = d.rest[n:]
	return int(v)
}

func (d *canonicalDecoder) str() string {
	n := d.length()
	if d.err != nil {
		return ""
	}
	s := string(d.rest[:n])
	d.rest = d.rest[n:]
	return s
}

func (d *canonicalDecoder) value(depth int) any {
	if d.err != nil {
		return nil
	}
	if depth > maxDepth || len(d.rest) == 0 {
		d.fail("cut short or too deep")
		return nil
	}
	tag := d.rest[0]
	d.rest = d.rest[1:]
	switch tag {
	case 'z':
		return nil
	case 't':
		return true
	case 'f':
		return false
	case 's':
		return d.str()
	case 'n':
		return json.Number(d.str())
	case 'd':
		if len(d.rest) < 8 {
			d.fail("cut short")
			return nil
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(d.rest))
		d.rest = d.rest[8:]
		return f
	case 'l':
		out := make([]any, d.length())
		for i := range out {
			out[i] = d.value(depth + 1)
		}
		return out
	case 'm':
		n := d.length()
		out := make(map[string]any, n)
		for range n {
			k := d.str()
			out[k] = d.value(depth + 1)
		}
		return out
	}
	d.fail("unknown tag %q", tag)
	return nil
}
