package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
)

// knownHeader starts a saved Known; a new layout gets a new header.
const knownHeader = "manifold known files 2\n"

// fpSize is the size of an encoded Fingerprint: its five numbers.
const fpSize = 5 * 8

// encodeKnown lays out files and st as the header; then for each file, by
// path, the path's length (uvarint) and bytes, its fingerprint, its raw
// SHA-256 and a byte, 1 when st holds it; then st's key (empty for none),
// the record's fingerprint, and the number of folders and each folder's
// path and fingerprint. Decoding it is a tenth of gob's cost, and a cached
// run reads it whole.
func encodeKnown(files map[string]seen, st *stamp) []byte {
	var stamped []string // sorted, to be walked beside the sorted paths
	if st != nil {
		stamped = slices.Sorted(slices.Values(st.Files))
	}
	body := make([]byte, 0, len(files)*(64+fpSize+sha256.Size+1))
	n, j := 0, 0
	for _, p := range slices.Sorted(maps.Keys(files)) {
		s := files[p]
		if len(s.Sum) != 2*sha256.Size {
			continue // not a SHA-256: not remembered
		}
		start := len(body)
		body = appendFingerprint(appendString(body, p), s.FP)
		var err error
		if body, err = hex.AppendDecode(body, []byte(s.Sum)); err != nil {
			body = body[:start]
			continue
		}
		for j < len(stamped) && stamped[j] < p {
			j++
		}
		if j < len(stamped) && stamped[j] == p {
			body = append(body, 1)
		} else {
			body = append(body, 0)
		}
		n++
	}
	b := make([]byte, 0, len(knownHeader)+binary.MaxVarintLen64+len(body))
	b = append(b, knownHeader...)
	b = binary.AppendUvarint(b, uint64(n))
	b = append(b, body...)
	if st == nil {
		return appendString(b, "")
	}
	b = appendFingerprint(appendString(b, st.Key), st.Record)
	b = binary.AppendUvarint(b, uint64(len(st.Dirs)))
	for _, d := range slices.Sorted(maps.Keys(st.Dirs)) {
		b = appendFingerprint(appendString(b, d), st.Dirs[d])
	}
	return b
}

// decodeKnown reads what encodeKnown wrote; ok is false for anything else.
func decodeKnown(b []byte) (files map[string]seen, st *stamp, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte(knownHeader))
	if !found {
		return nil, nil, false
	}
	n, w := binary.Uvarint(rest)
	if w <= 0 || n > uint64(len(rest)) {
		return nil, nil, false
	}
	rest = rest[w:]
	files = make(map[string]seen, n)
	var stamped []string
	for range n {
		var p string
		var fp Fingerprint
		if p, rest, ok = cutString(rest); !ok {
			return nil, nil, false
		}
		if fp, rest, ok = cutFingerprint(rest); !ok || len(rest) < sha256.Size+1 || rest[sha256.Size] > 1 {
			return nil, nil, false
		}
		files[p] = seen{FP: fp, Sum: hex.EncodeToString(rest[:sha256.Size])}
		if rest[sha256.Size] == 1 {
			stamped = append(stamped, p)
		}
		rest = rest[sha256.Size+1:]
	}
	key, rest, ok := cutString(rest)
	if !ok {
		return nil, nil, false
	}
	if key == "" {
		return files, nil, len(rest) == 0
	}
	st = &stamp{Key: key, Files: stamped, Dirs: map[string]Fingerprint{}}
	if st.Record, rest, ok = cutFingerprint(rest); !ok {
		return nil, nil, false
	}
	ndirs, w := binary.Uvarint(rest)
	if w <= 0 || ndirs > uint64(len(rest)) {
		return nil, nil, false
	}
	rest = rest[w:]
	for range ndirs {
		var d string
		var fp Fingerprint
		if d, rest, ok = cutString(rest); !ok {
			return nil, nil, false
		}
		if fp, rest, ok = cutFingerprint(rest); !ok {
			return nil, nil, false
		}
		st.Dirs[d] = fp
	}
	return files, st, len(rest) == 0
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
// environment's name and pins (name=version pairs), by name, then each file
// by path with its raw SHA-256. A cache keeps a compile's Digest so.
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
	for _, p := range slices.Sorted(maps.Keys(d.Files)) {
		sum, err := hex.DecodeString(d.Files[p])
		if err != nil || len(sum) != sha256.Size {
			return nil, errors.New("digest: " + p + ": not a SHA-256")
		}
		b = append(appendString(b, p), sum...)
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
	out := Digest{Envs: make(map[string]map[string]string, nenv), Files: map[string]string{}}
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
		out.Files[p] = hex.EncodeToString(rest[:sha256.Size])
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
