package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
)

// knownHeader starts a saved Known; a new layout gets a new header.
const knownHeader = "manifold known files 3\n"

// fpSize is the size of an encoded Fingerprint: its five numbers.
const fpSize = 5 * 8

// The flags of a file in a saved Known.
const (
	flagStamped = 1 << iota
	flagRacy
)

// encodeKnown lays out files and st as the header; then for each file, by
// path, the path's length (uvarint) and bytes, its fingerprint, its raw
// SHA-256 and a byte of flags (stamped, racy), in no order; then a byte, 1 when there
// is a stamp, and the stamp: its key, its roots, the record's mark and
// hash, and the number of folders and each folder's path and mark.
// Decoding it is a tenth of gob's cost, and a cached run reads it whole.
func encodeKnown(files map[string]seen, st *stamp) []byte {
	body := make([]byte, 0, len(files)*(64+fpSize+sha256.Size+1))
	n := 0
	for p, s := range files { // in any order: it is read into a map
		body = append(appendFingerprint(appendString(body, p), s.FP), s.Sum[:]...)
		var flags byte
		if s.Stamped {
			flags |= flagStamped
		}
		if s.Racy {
			flags |= flagRacy
		}
		body = append(body, flags)
		n++
	}
	b := make([]byte, 0, len(knownHeader)+binary.MaxVarintLen64+len(body))
	b = append(b, knownHeader...)
	b = binary.AppendUvarint(b, uint64(n))
	b = append(b, body...)
	if st == nil {
		return append(b, 0)
	}
	b = appendString(append(b, 1), st.Key)
	b = binary.AppendUvarint(b, uint64(len(st.Roots)))
	for _, r := range st.Roots {
		b = appendString(b, r)
	}
	b = append(appendMark(b, st.Record), st.RecordSum[:]...)
	b = binary.AppendUvarint(b, uint64(len(st.Dirs)))
	for _, d := range slices.Sorted(maps.Keys(st.Dirs)) {
		b = appendMark(appendString(b, d), st.Dirs[d])
	}
	return b
}

// decodeKnown reads what encodeKnown wrote; ok is false for anything else.
func decodeKnown(b []byte) (files map[string]seen, st *stamp, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte(knownHeader))
	if !found {
		return nil, nil, false
	}
	n, rest, ok := cutCount(rest)
	if !ok {
		return nil, nil, false
	}
	files = make(map[string]seen, n)
	for range n {
		var p string
		var fp Fingerprint
		if p, rest, ok = cutString(rest); !ok {
			return nil, nil, false
		}
		if fp, rest, ok = cutFingerprint(rest); !ok || len(rest) < sha256.Size+1 {
			return nil, nil, false
		}
		flags := rest[sha256.Size]
		if flags&^(flagStamped|flagRacy) != 0 {
			return nil, nil, false
		}
		files[p] = seen{mark: mark{FP: fp, Racy: flags&flagRacy != 0}, Sum: Sum(rest[:sha256.Size]), Stamped: flags&flagStamped != 0}
		rest = rest[sha256.Size+1:]
	}
	if len(rest) == 0 || rest[0] > 1 {
		return nil, nil, false
	}
	if rest[0] == 0 {
		return files, nil, len(rest) == 1
	}
	st = &stamp{Dirs: map[string]mark{}}
	if st.Key, rest, ok = cutString(rest[1:]); !ok {
		return nil, nil, false
	}
	nroots, rest, ok := cutCount(rest)
	if !ok {
		return nil, nil, false
	}
	for range nroots {
		var r string
		if r, rest, ok = cutString(rest); !ok {
			return nil, nil, false
		}
		st.Roots = append(st.Roots, r)
	}
	if st.Record, rest, ok = cutMark(rest); !ok || len(rest) < sha256.Size {
		return nil, nil, false
	}
	st.RecordSum, rest = [sha256.Size]byte(rest[:sha256.Size]), rest[sha256.Size:]
	ndirs, rest, ok := cutCount(rest)
	if !ok {
		return nil, nil, false
	}
	for range ndirs {
		var d string
		var m mark
		if d, rest, ok = cutString(rest); !ok {
			return nil, nil, false
		}
		if m, rest, ok = cutMark(rest); !ok {
			return nil, nil, false
		}
		st.Dirs[d] = m
	}
	return files, st, len(rest) == 0
}

// cutCount reads a count (uvarint) at the start of b, no larger than what
// follows it could hold.
func cutCount(b []byte) (uint64, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return 0, nil, false
	}
	return n, b[w:], true
}

// appendMark appends m's fingerprint and a byte, 1 when it is racy.
func appendMark(b []byte, m mark) []byte {
	b = appendFingerprint(b, m.FP)
	if m.Racy {
		return append(b, 1)
	}
	return append(b, 0)
}

// cutMark reads a mark appendMark wrote at the start of b.
func cutMark(b []byte) (mark, []byte, bool) {
	fp, rest, ok := cutFingerprint(b)
	if !ok || len(rest) == 0 || rest[0] > 1 {
		return mark{}, nil, false
	}
	return mark{FP: fp, Racy: rest[0] == 1}, rest[1:], true
}

// appendFingerprint appends fp's five numbers, little-endian.
func appendFingerprint(b []byte, fp Fingerprint) []byte {
	for _, n := range []uint64{uint64(fp.Size), uint64(fp.ModTime), uint64(fp.ChangeTime), fp.Inode, fp.Device} {
		b = binary.LittleEndian.AppendUint64(b, n)
	}
	return b
}

// cutFingerprint reads a fingerprint appendFingerprint wrote at the start
// of b.
func cutFingerprint(b []byte) (Fingerprint, []byte, bool) {
	if len(b) < fpSize {
		return Fingerprint{}, nil, false
	}
	num := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	return Fingerprint{Size: int64(num(0)), ModTime: int64(num(1)), ChangeTime: int64(num(2)), Inode: num(3), Device: num(4)}, b[fpSize:], true
}

// digestHeader starts an encoded Digest; a new layout gets a new header.
const digestHeader = "manifold digest 1\n"

// MarshalBinary lays out d as the header, the number of environments, each
// environment's name and pins (name=version pairs), by name, then each file,
// in no order, by path with its raw SHA-256. A cache keeps a compile's
// Digest so.
func (d Digest) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, len(digestHeader)+len(d.Files)*(64+sha256.Size))
	b = append(b, digestHeader...)
	b = binary.AppendUvarint(b, uint64(len(d.Envs)))
	for _, env := range slices.Sorted(maps.Keys(d.Envs)) {
		b = appendString(b, env)
		pins := d.Envs[env]
		b = binary.AppendUvarint(b, uint64(len(pins)))
		for _, k := range slices.Sorted(maps.Keys(pins)) {
			b = appendString(appendString(b, k), pins[k])
		}
	}
	for p, sum := range d.Files { // in any order: it is read into a map
		b = append(appendString(b, p), sum[:]...)
	}
	return b, nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (d *Digest) UnmarshalBinary(b []byte) error {
	bad := errors.New("digest: corrupt")
	rest, ok := bytes.CutPrefix(b, []byte(digestHeader))
	if !ok {
		return bad
	}
	nenv, w := binary.Uvarint(rest)
	if w <= 0 || nenv > uint64(len(rest)) {
		return bad
	}
	rest = rest[w:]
	out := Digest{Envs: make(map[string]map[string]string, nenv), Files: map[string]Sum{}}
	for range nenv {
		var env string
		if env, rest, ok = cutString(rest); !ok {
			return bad
		}
		npins, w := binary.Uvarint(rest)
		if w <= 0 || npins > uint64(len(rest)) {
			return bad
		}
		rest = rest[w:]
		pins := make(map[string]string, npins)
		for range npins {
			var k, v string
			if k, rest, ok = cutString(rest); !ok {
				return bad
			}
			if v, rest, ok = cutString(rest); !ok {
				return bad
			}
			pins[k] = v
		}
		out.Envs[env] = pins
	}
	for len(rest) > 0 {
		var p string
		if p, rest, ok = cutString(rest); !ok || len(rest) < sha256.Size {
			return bad
		}
		out.Files[p] = Sum(rest[:sha256.Size])
		rest = rest[sha256.Size:]
	}
	*d = out
	return nil
}

// appendString appends s after its length (uvarint).
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cutString reads a string appendString wrote at the start of b.
func cutString(b []byte) (s string, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}
