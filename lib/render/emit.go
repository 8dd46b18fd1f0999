package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// emit writes an object as YAML: keys sorted, two-space indentation, lists
// indented under their key, no folding of long lines, multi-line strings as
// literal blocks. It is several times faster than a general encoder because
// it only knows the values a decoded JSON object holds; a scalar whose
// quoting is not obvious is quoted by yaml.v3 itself. A round-trip test and
// a fuzz target hold that yaml.v3 reads back exactly the value written.
func (e *Encoder) emit(b *bytes.Buffer, v map[string]any) error {
	if len(v) == 0 {
		b.WriteString("{}\n")
		return nil
	}
	return e.emitMap(b, v, 0)
}

func (e *Encoder) emitMap(b *bytes.Buffer, m map[string]any, indent int) error {
	var buf [16]string
	for _, k := range sortedKeys(buf[:0], m) {
		writeIndent(b, indent)
		if err := e.emitScalar(b, k, indent, true); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := e.emitValue(b, m[k], indent); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys appends m's keys to keys, sorted: given a buffer on its
// caller's stack, a map of up to its length costs no allocation.
func sortedKeys(keys []string, m map[string]any) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// emitValue writes the value of a mapping key, after the "key:".
func (e *Encoder) emitValue(b *bytes.Buffer, v any, indent int) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return nil
		}
		b.WriteByte('\n')
		return e.emitMap(b, x, indent+2)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return nil
		}
		b.WriteByte('\n')
		return e.emitList(b, x, indent+2)
	}
	b.WriteByte(' ')
	return e.emitLeaf(b, v, indent)
}

// emitList writes list items at indent: "- item".
func (e *Encoder) emitList(b *bytes.Buffer, l []any, indent int) error {
	for _, item := range l {
		writeIndent(b, indent)
		b.WriteString("- ")
		if err := e.emitItem(b, item, indent+2); err != nil {
			return err
		}
	}
	return nil
}

// emitItem writes a list item after its "- ": a mapping's first key on the
// dash's line and the others under it, a nested list likewise.
func (e *Encoder) emitItem(b *bytes.Buffer, v any, indent int) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}\n")
			return nil
		}
		var buf [16]string
		for i, k := range sortedKeys(buf[:0], x) {
			if i > 0 {
				writeIndent(b, indent)
			}
			if err := e.emitScalar(b, k, indent, true); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := e.emitValue(b, x[k], indent); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if len(x) == 0 {
			b.WriteString("[]\n")
			return nil
		}
		for i, item := range x {
			if i > 0 {
				writeIndent(b, indent)
			}
			b.WriteString("- ")
			if err := e.emitItem(b, item, indent+2); err != nil {
				return err
			}
		}
		return nil
	}
	return e.emitLeaf(b, v, indent-2)
}

// emitLeaf writes a scalar value and its newline.
func (e *Encoder) emitLeaf(b *bytes.Buffer, v any, indent int) error {
	switch x := v.(type) {
	case string:
		if err := e.emitScalar(b, x, indent, false); err != nil {
			return err
		}
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		b.WriteString(number(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("render: %v is not a JSON number", x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0" // stays a float when read back
		}
		b.WriteString(s)
	case nil:
		b.WriteString("null")
	default:
		return fmt.Errorf("render: cannot write %T", v)
	}
	b.WriteByte('\n')
	return nil
}

// number writes a JSON number as YAML reads back the same number: an
// integer as it is, a fraction with a decimal point or an exponent.
func number(n json.Number) string {
	if _, err := n.Int64(); err == nil {
		return n.String()
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// plainWord reports whether s, in any case, is a word YAML 1.1 or 1.2
// reads as a boolean or null: y, yes, n, no, true, false, on, off, null.
// It is asked of every key and short value, so it compares by length
// rather than lowering s for a map.
func plainWord(s string) bool {
	switch len(s) {
	case 1:
		return s == "y" || s == "Y" || s == "n" || s == "N"
	case 2:
		return strings.EqualFold(s, "no") || strings.EqualFold(s, "on")
	case 3:
		return strings.EqualFold(s, "yes") || strings.EqualFold(s, "off")
	case 4:
		return strings.EqualFold(s, "true") || strings.EqualFold(s, "null")
	case 5:
		return strings.EqualFold(s, "false")
	}
	return false
}

// emitScalar writes a string: plain when that is safe (see plain), a
// multi-line value as a literal block, anything else as yaml.v3 quotes it
// (see yamlQuote).
func (e *Encoder) emitScalar(b *bytes.Buffer, s string, indent int, key bool) error {
	if plain(s) {
		b.WriteString(s)
		return nil
	}
	if !key && strings.Contains(s, "\n") && blockSafe(s) {
		chomp := "-"
		body := strings.TrimSuffix(s, "\n")
		if body != s {
			chomp = ""
			if strings.HasSuffix(body, "\n") {
				chomp = "+"
			}
		}
		b.WriteString("|" + chomp)
		for line := range strings.SplitSeq(body, "\n") {
			b.WriteByte('\n')
			if line != "" {
				writeIndent(b, indent+2)
				b.WriteString(line)
			}
		}
		return nil
	}
	if q, ok := e.quoted.Load(s); ok {
		b.Write(q.([]byte))
		return nil
	}
	out, err := yamlQuote(s)
	if err != nil {
		return err
	}
	e.quoted.Store(s, out)
	b.Write(out)
	return nil
}

// yamlQuote returns s as yaml.v3 writes it, unless that takes more than a
// line: then as a JSON string, which YAML reads as a double-quoted scalar.
func yamlQuote(s string) ([]byte, error) {
	out, err := yaml.Marshal(s)
	if err != nil {
		return nil, err
	}
	out = bytes.TrimSuffix(out, []byte("\n"))
	if !bytes.ContainsAny(out, "\n") {
		return out, nil
	}
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(j.Bytes(), []byte("\n")), nil
}

// plain reports whether s is a string yaml.v3 writes as it is, which a
// fuzz target holds to yaml.v3's own choice: printable ASCII opening with
// a letter, '_' or '/' (no number, timestamp or indicator), not a word
// YAML 1.1 or 1.2 reads as a boolean or null, with no comment (" #", or
// any '#'), no ':' before a space or at the end and no trailing space.
// (yaml.v3 does not fold long lines.)
func plain(s string) bool {
	if s == "" || plainWord(s) {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/') {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if i == len(s)-1 {
				return false
			}
		case c == ':':
			if i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case c == '#' || c < ' ' || c > '~':
			return false
		}
	}
	return true
}

// blockSafe reports whether a multi-line string reads back unchanged from a
// literal block: printable, no carriage returns, no tabs or spaces opening
// the first line, no trailing blank of a line.
func blockSafe(s string) bool {
	if s[0] == ' ' || s[0] == '\t' || s[0] == '\n' {
		return false
	}
	for _, r := range s {
		if r == '\r' || r == '\uFEFF' || (r != '\n' && r != '\t' && !unicode.IsPrint(r)) {
			return false
		}
	}
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
	}
	return true
}

func writeIndent(b *bytes.Buffer, n int) {
	for n > len(spaces) {
		b.WriteString(spaces)
		n -= len(spaces)
	}
	b.WriteString(spaces[:n])
}

const spaces = "                                " // 32
