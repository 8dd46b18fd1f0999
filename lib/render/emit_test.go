package render

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// roundTrip encodes a JSON object and reads it back with yaml.v3: the
// value must be the same.
func roundTrip(t testing.TB, raw []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return
	}
	out, err := Encode(v)
	if err != nil {
		return // not representable (NaN cannot come from JSON; other errors are reported by Encode)
	}
	var back any
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("the output does not parse: %v\n%s", err, out)
	}
	want := normal(numbers(v))
	if got := normal(back); !reflect.DeepEqual(got, want) {
		t.Fatalf("read back differently:\n got %#v\nwant %#v\n%s", got, want, out)
	}
}

// normal makes yaml.v3's and our number types comparable.
func normal(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normal(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normal(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

// TestEncodeRoundTripsTheTree encodes every object of the committed tree
// again: the bytes are the file's, and yaml.v3 reads back the same value.
func TestEncodeRoundTripsTheTree(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		file, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var v map[string]any
		if err := yaml.Unmarshal(file, &v); err != nil {
			return err
		}
		raw, _ := json.Marshal(v)
		roundTrip(t, raw)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d files", n)
	}
}

func TestEncodeScalars(t *testing.T) {
	cases := []string{
		`{"a": "true", "b": "80", "c": "", "d": "y", "e": "~", "f": "null", "g": "{{ $value }}", "h": "a: b", "i": " lead", "j": "trail ", "k": "#x", "l": "1.5", "m": "0x10", "n": "2001-12-14"}`,
		`{"multi": "a\nb\n", "keep": "a\n\n", "strip": "a\nb", "lead": " a\nb", "tab": "\ta\nb", "cr": "a\r\nb", "trailsp": "a \nb"}`,
		`{"list": [[1, 2], [], {}, [{"a": 1}]], "empty": {}, "none": [], "f": 1.5, "big": 12345678901234567890, "neg": -3, "b": true}`,
		`{"y": {"n": [{"on": "off"}]}, "key with space": 1, "ünï": "çødé", "k:": "v"}`,
		`{"TRUE": "Yes", "Off": "NULL", "nullable": "offline", "yesterday": "false-ish"}`,
		// Deeper than the indent's 32 spaces at once, in maps and lists.
		strings.Repeat(`{"a": [`, 12) + `{"deep": "x
y"}` + strings.Repeat(`]}`, 12),
	}
	for _, c := range cases {
		roundTrip(t, []byte(c))
	}
}

// FuzzEncode encodes arbitrary JSON objects: yaml.v3 must read back the
// value written.
func FuzzEncode(f *testing.F) {
	f.Add([]byte(`{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a.yaml": "x: 1\ny: [2]\n"}}`))
	f.Add([]byte(`{"a": ["- x", "? y", "| z", "> w", "@", "` + "`" + `", "%", "!tag", "&anchor", "*alias"]}`))
	f.Add([]byte(`{"s": "line\n  indented\n\ttab\n"}`))
	f.Fuzz(func(t *testing.T, raw []byte) { roundTrip(t, raw) })
}

// FuzzStyle holds plain to yaml.v3: a string written plain is one yaml.v3
// writes as it is.
func FuzzStyle(f *testing.F) {
	long := strings.Repeat("word ", 16) // 80 characters
	for _, s := range []string{"a b", "a: b", "a:b", "a:", "a #b", "a#b", "a ", "yes", "No", "nullable", "a,b[c]{d}", "image:1.2.3",
		"x=1 && y", "a 'q' \"d\"", "sum(rate(x[5m])) > 0.5", "_a!b%c&d*e", "/a?b|c~d^e`f", "a\tb", "a\u00e9",
		long + "end", long + "x end", long + "x  end", long + "xy ", long + "x\\y \"z\" w", "a" + strings.Repeat("b", 100) + " c",
		"max by (pod) (container_memory_working_set_bytes{job=\"kubelet\",namespace=\"svc-0001-prod\"}) / on (pod) kube_pod_container_resource_limits > 0.9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkStyle(t, s) })
}

// checkStyle fails when s is written plain and yaml.v3 does not write it
// as it is; it reports whether s was written plain.
func checkStyle(t *testing.T, s string) bool {
	t.Helper()
	if !plain(s) {
		return false
	}
	if out, err := yaml.Marshal(s); err != nil || string(out) != s+"\n" {
		t.Errorf("%q: written plain, yaml.v3 writes %q (%v)", s, out, err)
	}
	return true
}

// TestStylePairs: every pair of printable ASCII characters, after a letter
// and around a space, near the start and past 80 columns, is written plain
// only where yaml.v3 writes it so.
func TestStylePairs(t *testing.T) {
	fast := 0
	long := strings.Repeat("abcd ", 16)
	for c := byte(' '); c <= '~'; c++ {
		for d := byte(' '); d <= '~'; d++ {
			for _, s := range []string{"a" + string(c) + string(d), "a" + string(c) + " " + string(d), "a " + string(c) + string(d),
				long + string(c) + " " + string(d), long + "x" + string(c) + string(d) + " z", long[:79] + string(c) + " " + string(d) + "e"} {
				if checkStyle(t, s) {
					fast++
				}
			}
		}
	}
	if fast < 40000 {
		t.Errorf("only %d of the strings written plain", fast)
	}
}

// numbers returns v with every json.Number turned into an int64 or a
// float64, as yaml.v3 reads numbers back.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numbers(e)
		}
		return out
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// TestPlainWords: every spelling of the words YAML reads as a boolean or
// null, in any case, is quoted, and the strings next to them are not taken
// for them.
func TestPlainWords(t *testing.T) {
	for _, w := range []string{"y", "yes", "n", "no", "true", "false", "on", "off", "null"} {
		for mask := range 1 << len(w) {
			b := []byte(w)
			for i := range b {
				if mask&(1<<i) != 0 {
					b[i] -= 'a' - 'A'
				}
			}
			if !plainWord(string(b)) || plain(string(b)) {
				t.Errorf("%q is not taken for a YAML word", b)
			}
		}
	}
	for _, s := range []string{"", "ye", "yess", "nul", "nulls", "of", "offs", "tru", "fals", "falsey", "non", "x", "nn", "y2"} {
		if plainWord(s) {
			t.Errorf("%q is taken for a YAML word", s)
		}
	}
}
