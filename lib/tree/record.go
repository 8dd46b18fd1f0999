// Package tree writes the generated tree under out/ and keeps the record of
// the files manifold owns there: atomic writes (temp file and rename),
// pruning of owned files only, refusal to overwrite a file it does not own,
// and the comparison of a compiled tree with the one on disk, in which
// files seen before are told by their stat fingerprint (Known).
package tree

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/manifold-dev/manifold/lib/workers"
)

// RecordName is the ownership record's file name at the top of out/. Argo
// CD and kubeconform ignore it: it is neither YAML nor JSON.
const RecordName = ".manifold-owned"

// tempPrefix starts the name of every temporary file the writer creates, so
// that a later run recognises an interrupted run's leftovers as its own.
const tempPrefix = ".manifold-tmp-"

// IsTemp reports whether a file or folder name is one of the writer's temp
// names: what an interrupted compile leaves behind, which the next removes
// and no reader of the tree should take for part of it.
func IsTemp(name string) bool { return strings.HasPrefix(name, tempPrefix) }

const recordHeader = "# manifold ownership record: the files under this folder that manifold wrote,\n# with the SHA-256 of their content. Written before the files it names. DO NOT EDIT.\n"

// Record is the ownership record: the pinned versions of each environment,
// and every owned file (a slash path relative to out/) with the hash of its
// content.
type Record struct {
	// Envs maps an environment to its pinned versions ("kubernetes" -> "1.37.2").
	Envs map[string]map[string]string
	// Files maps an owned path to the SHA-256 of its content.
	Files map[string]Sum
}

// Sum is the SHA-256 of a file's content.
type Sum [sha256.Size]byte

// String returns the sum in hex, as the record writes it.
func (s Sum) String() string { return hex.EncodeToString(s[:]) }

// Hash returns the SHA-256 of b.
func Hash(b []byte) Sum { return sha256.Sum256(b) }

// Marshal returns the record's text: the header, one "env" line per
// environment, then one "file" line per owned path, each part sorted.
func (r Record) Marshal() []byte { return r.marshal(nil) }

// marshal is Marshal, given the record's files sorted when the caller has
// them (nil when not).
func (r Record) marshal(sorted []fileSum) []byte {
	var b bytes.Buffer
	b.WriteString(recordHeader)
	for _, env := range slices.Sorted(maps.Keys(r.Envs)) {
		b.WriteString("env " + env)
		pins := r.Envs[env]
		for _, k := range slices.Sorted(maps.Keys(pins)) {
			b.WriteString(" " + k + "=" + pins[k])
		}
		b.WriteByte('\n')
	}
	// The files, tens of thousands in a fleet, are written without a
	// string made per line.
	if sorted == nil {
		sorted = sortedFiles(r.Files)
	}
	size := 0
	for _, f := range sorted {
		size += len("file  \n") + 2*sha256.Size + len(f.path)
	}
	out := slices.Grow(b.Bytes(), size)
	for _, f := range sorted {
		out = append(out, "file "...)
		out = hex.AppendEncode(out, f.sum[:])
		out = append(append(append(out, ' '), f.path...), '\n')
	}
	return out
}

// fileSum is a file and its content's hash.
type fileSum struct {
	path string
	sum  Sum
}

// sortedFiles returns files by path, sorted (see sortedPaths).
func sortedFiles(files map[string]Sum) []fileSum {
	out := make([]fileSum, 0, len(files))
	for p, sum := range files {
		out = append(out, fileSum{p, sum})
	}
	sortByPath(out, func(f fileSum) string { return f.path })
	return out
}

// sortedPaths returns the keys of files, sorted (see sortByPath).
func sortedPaths[V any](files map[string]V) []string {
	out := slices.Collect(maps.Keys(files))
	sortByPath(out, func(p string) string { return p })
	return out
}

// sortByPath sorts items by their distinct paths: those in each top folder
// (an environment) on a goroutine of their own, as a tree has a few, and
// each folder's before the next one's; in one sort when a path lies at the
// top.
func sortByPath[T any](items []T, path func(T) string) {
	cmp := func(x, y T) int { return strings.Compare(path(x), path(y)) }
	groups := map[string][]T{}
	for _, it := range items {
		top, _, inFolder := strings.Cut(path(it), "/")
		if !inFolder {
			// A file at the top sorts among the folders: "a" before "a.b/".
			slices.SortFunc(items, cmp)
			return
		}
		groups[top] = append(groups[top], it)
	}
	tops := slices.Collect(maps.Keys(groups))
	// "a/..." and "a-b/..." sort as their folders and a slash do.
	slices.SortFunc(tops, func(x, y string) int { return strings.Compare(x+"/", y+"/") })
	workers.Each(len(tops), func(i int) { slices.SortFunc(groups[tops[i]], cmp) })
	items = items[:0]
	for _, top := range tops {
		items = append(items, groups[top]...)
	}
}

// ParseRecord reads a record written by Marshal. name is used in errors.
func ParseRecord(name string, data []byte) (Record, error) {
	r := Record{Envs: map[string]map[string]string{}, Files: map[string]Sum{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if sum, p, ok := fileLine(text); ok {
			r.Files[p] = sum
			continue
		}
		fields := strings.Fields(text)
		bad := func(why string) error { return fmt.Errorf("%s:%d: %s: %q", name, line, why, text) }
		switch fields[0] {
		case "env":
			if len(fields) < 2 {
				return Record{}, bad("an env line needs a name")
			}
			pins := map[string]string{}
			for _, kv := range fields[2:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return Record{}, bad("a pinned version must be name=version")
				}
				pins[k] = v
			}
			r.Envs[fields[1]] = pins
		case "file":
			sum, ok := parseSum(fields[1:])
			if len(fields) != 3 || !ok {
				return Record{}, bad("a file line is: file <sha256> <path>")
			}
			if !validPath(fields[2]) {
				return Record{}, bad("an owned path must be relative and stay inside the tree")
			}
			r.Files[fields[2]] = sum
		default:
			return Record{}, bad("unknown line")
		}
	}
	if err := sc.Err(); err != nil {
		return Record{}, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// fileLine reads the common line, "file <sha256> <path>" with a clean
// path, without splitting it into fields; ok is false for anything else,
// which ParseRecord then reads field by field (and explains).
func fileLine(text string) (sum Sum, p string, ok bool) {
	rest, ok := strings.CutPrefix(text, "file ")
	if !ok || len(rest) < sha256.Size*2+2 || rest[sha256.Size*2] != ' ' {
		return Sum{}, "", false
	}
	p = rest[sha256.Size*2+1:]
	if sum, ok = parseSum([]string{rest[:sha256.Size*2]}); !ok || strings.ContainsAny(p, " \t\r\v\f") || !validPath(p) {
		return Sum{}, "", false
	}
	return sum, p, true
}

// parseSum reads the hex SHA-256 at the start of fields.
func parseSum(fields []string) (Sum, bool) {
	var s Sum
	if len(fields) == 0 || len(fields[0]) != 2*sha256.Size {
		return s, false
	}
	_, err := hex.Decode(s[:], []byte(fields[0]))
	return s, err == nil
}

// validPath reports whether p is a clean relative slash path inside the
// tree: no "..", no empty or "." parts, no leading slash.
func validPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
