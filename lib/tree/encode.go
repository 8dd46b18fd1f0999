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
const knownHeader = "manifold known files 1\n"

// entrySize is the size of one saved file after its path: the five
// numbers of its fingerprint and its SHA-256.
const entrySize = 5*8 + sha256.Size

// encodeKnown lays out files as the header, then for each file, by path:
// the path's length (uvarint) and bytes, the fingerprint's five numbers
// (little-endian) and the raw SHA-256. Decoding it is a tenth of gob's
// cost, and a cached run reads it whole.
func encodeKnown(files map[string]seen) []byte {
	b := make([]byte, 0, len(knownHeader)+len(files)*(64+entrySize))
	b = append(b, knownHeader...)
	for _, p := range slices.Sorted(maps.Keys(files)) {
		s := files[p]
		sum, err := hex.DecodeString(s.Sum)
		if err != nil || len(sum) != sha256.Size {
			continue
		}
		b = appendString(b, p)
		for _, n := range []uint64{uint64(s.FP.Size), uint64(s.FP.ModTime), uint64(s.FP.ChangeTime), s.FP.Inode, s.FP.Device} {
			b = binary.LittleEndian.AppendUint64(b, n)
		}
		b = append(b, sum...)
	}
	return b
}

// decodeKnown reads what encodeKnown wrote; ok is false for anything else.
func decodeKnown(b []byte) (files map[string]seen, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte(knownHeader))
	if !found {
		return nil, false
	}
	files = make(map[string]seen, len(rest)/(64+entrySize))
	for len(rest) > 0 {
		p, e, ok := cutString(rest)
		if !ok || len(e) < entrySize {
			return nil, false
		}
		num := func(i int) uint64 { return binary.LittleEndian.Uint64(e[8*i:]) }
		files[p] = seen{
			FP:  Fingerprint{Size: int64(num(0)), ModTime: int64(num(1)), ChangeTime: int64(num(2)), Inode: num(3), Device: num(4)},
			Sum: hex.EncodeToString(e[5*8 : entrySize]),
		}
		rest = e[entrySize:]
	}
	return files, true
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
