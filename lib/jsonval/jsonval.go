// Package jsonval turns Go values into generic JSON values (maps, slices,
// strings, numbers as json.Number, booleans, nil): what encoding/json's
// Marshal, then a Decoder with UseNumber, make of them. The plain parts of
// a value (structs, maps, slices, scalars) are converted directly, by
// reflection; an Istio spec by protobuf reflection, by the rules of the
// jsonpb its MarshalJSON calls (see viaJSONPB); an IntOrString as what it
// holds; another value with a MarshalJSON method from the JSON that method
// writes, or by its ToUnstructured method (Kubernetes' Quantity, Time and
// Duration); anything else (a
// MarshalText method, a json.Number, a string that is not UTF-8) is
// marshalled and decoded on the JSON v2 implementation
// (github.com/go-json-experiment/json, encoding/json/v2 in the making)
// under encoding/json's options. Tests hold the result equal to
// encoding/json's over every object the example apps and a synthetic fleet
// compile to, over random objects of every type the compiler emits and
// random messages of every Istio type, over YAML, and over each rule the
// conversion spells out.
package jsonval

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Source is this package's source: how a document's bytes become the
// values the schema gate sees is part of what a cached verdict depends on
// (see validate.Identity).
//
//go:embed *.go
var Source embed.FS

// Object returns v, which must encode as a JSON object, as generic JSON
// values. The plain parts of v are converted directly (see converter), the
// rest through its JSON.
func Object(v any) (map[string]any, error) { return object(v, walk{}) }

func object(v any, w walk) (map[string]any, error) {
	var d any
	var err error
	if v == nil {
		err = fmt.Errorf("nil is not a JSON object")
	} else {
		d, err = converterFor(reflect.TypeOf(v))(reflect.ValueOf(v), w)
	}
	if err != nil {
		return nil, err
	}
	m, ok := d.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%T is not a JSON object", v)
	}
	return m, nil
}

// ObjectWithoutNulls is Object without v's top-level member named omit,
// which is not converted at all when v points to a plain struct (an
// object's status, which an Istio type marshals through protobuf, costs
// nothing), and with no member, at any depth, whose value is null: what a
// manifest says, which leaves out what is unset. A null in a list stays.
func ObjectWithoutNulls(v any, omit string) (map[string]any, error) {
	w := walk{omitNulls: true}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if t := rv.Type().Elem(); t.Kind() == reflect.Struct && !ownJSON(t) {
			if fields, plain := cachedFields(t); plain {
				return convertStruct(rv.Elem(), w, fields, omit)
			}
		}
	}
	m, err := object(v, w)
	if err == nil {
		delete(m, omit)
	}
	return m, err
}

// viaJSON returns v marshalled and decoded as generic values, without the
// members whose value is null when omitNulls.
func viaJSON(v any, omitNulls bool) (any, error) {
	// The JSON is written to a scratch buffer and decoded from it: nothing
	// of it outlives the call.
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	s.raw.Reset()
	if err := jsonv2.MarshalWrite(&s.raw, v, v1); err != nil {
		return nil, err
	}
	return s.decode(s.raw.Bytes(), omitNulls)
}

// decodeJSON returns one JSON value, which must be all of b, as generic
// values, without the members whose value is null when omitNulls.
func decodeJSON(b []byte, omitNulls bool) (any, error) {
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	return s.decode(b, omitNulls)
}

// v1 are encoding/json's semantics in the v2 implementation: the same
// names, omitempty, nil slices and maps as null, MarshalJSON methods, and
// on reading, a later duplicate name over an earlier one.
// A json.Number among generic values is written as the number it holds,
// as encoding/json writes it (the empty Number as 0).
var v1 = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv2.WithMarshalers(
	jsonv2.MarshalToFunc(func(enc *jsontext.Encoder, n json.Number) error {
		if n == "" {
			n = "0"
		}
		return enc.WriteValue(jsontext.Value(n)) // a Number that is not one is an error
	})))

// scratch is what one conversion through JSON works with.
type scratch struct {
	raw bytes.Buffer
	in  bytes.Reader
	dec jsontext.Decoder
}

var scratches = sync.Pool{New: func() any {
	s := new(scratch)
	s.raw.Grow(4096)
	return s
}}

// decode reads b, one JSON value and nothing after it.
func (s *scratch) decode(b []byte, omitNulls bool) (any, error) {
	s.in.Reset(b)
	s.dec.Reset(&s.in, v1)
	d, err := decode(&s.dec, omitNulls)
	if err != nil {
		return nil, err
	}
	if _, err := s.dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("JSON value followed by more: %v", err)
	}
	return d, nil
}

// decode reads one JSON value as generic values, numbers as json.Number
// of their literal text, as encoding/json's Decoder does with UseNumber;
// a member whose value is null is left out when omitNulls.
func decode(dec *jsontext.Decoder, omitNulls bool) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		m := map[string]any{}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := name.String() // before the next read voids the token
			v, err := decode(dec, omitNulls)
			if err != nil {
				return nil, err
			}
			if v == nil && omitNulls {
				delete(m, key) // as a later duplicate replaces an earlier one
				continue
			}
			m[key] = v
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		l := []any{}
		for dec.PeekKind() != ']' {
			v, err := decode(dec, omitNulls)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := dec.ReadToken()
		return l, err
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	}
	return nil, nil // null
}
