package compile

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/manifold-dev/manifold/lib/argocd"
	"github.com/manifold-dev/manifold/lib/codehash"
	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/externalsecrets"
	"github.com/manifold-dev/manifold/lib/jsonval"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/render"
	"github.com/manifold-dev/manifold/lib/valuekey"
)

// Renders keeps what apps rendered to in earlier runs: each app's objects
// in one environment, their values and their bytes, by the hash of all
// the rendering reads (see renderKey). The cache folder keeps one (see
// cache.Renders).
type Renders interface {
	// Get returns what Put kept under key, if anything.
	Get(key [sha256.Size]byte) ([]byte, bool)
	// Put keeps b under key.
	Put(key [sha256.Size]byte, b []byte)
}

//go:embed compile.go renders.go
var code embed.FS

// RenderIdentity is a hash of the code an app's rendering runs: the
// expansion, the model's methods, the types it fills, the conversion to
// values and the encoding to YAML (each package's source, embedded), the
// key's encoding, the versions of every module the program links, and
// Go's version. A render is kept for one identity (it is part of every
// render's key), and a cache keeps each identity's renders apart.
var RenderIdentity = sync.OnceValue(func() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "manifold render\x00%s\x00", runtime.Version())
	codehash.Sources(h, code, expand.Source, model.Code, argocd.Code, externalsecrets.Code, render.Source, jsonval.Source, valuekey.Source)
	codehash.Modules(h, nil)
	return h.Sum(nil)
})

// envKey is the hash of the identity and an environment: the part of
// every app's key there that is the same for all.
func envKey(env model.Env) ([sha256.Size]byte, bool) {
	b, err := valuekey.Append([]byte("env\x00"), env)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(append(append(b, 0), RenderIdentity()...)), true
}

// renderKey is the key of what an app renders to: the hash of its
// environment's key and its Input (without the environment). ok is false
// for an Input that has no key.
func renderKey(env [sha256.Size]byte, in expand.Input) ([sha256.Size]byte, bool) {
	in.Env = model.Env{}
	buf := keyBuffers.Get().(*[]byte)
	defer keyBuffers.Put(buf)
	b, err := valuekey.Append(append(append((*buf)[:0], "app\x00"...), env[:]...), in)
	*buf = b
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(b), true
}

// keyBuffers hold the encodings renderKey hashes: an app's is some
// kilobytes, and every app's is made on every run.
var keyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// renderHeader starts an encoded render; a new layout gets a new header.
const renderHeader = "manifold render 6\n"

// castagnoli is the CRC a render ends with: a damaged render is told by it
// before anything of it is read.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// value is an object's value as the stages after rendering read it:
// decoded, or for an object taken from the renders, the encoding it is
// decoded from when a stage first asks.
type value struct {
	once sync.Once
	v    map[string]any
	enc  []byte // v encoded (jsonval.AppendBinary), until decoded
	// lint is the object the lint rules see, made with v when v is
	// rendered: its identity is read then, while v is at hand.
	lint *lint.Object
}

// renderedValue returns the value of an object just rendered to v.
func renderedValue(v map[string]any) *value {
	o := &lint.Object{Value: v}
	o.ReadIdentity()
	return &value{v: v, lint: o}
}

// get returns the value, decoded the first time it is asked for.
func (x *value) get() map[string]any {
	x.once.Do(func() {
		if x.v == nil {
			// The render's CRC held, and encodeRender wrote a map.
			v, _, _ := jsonval.DecodeBinary(x.enc)
			x.v, _ = v.(map[string]any)
			x.enc = nil
		}
	})
	return x.v
}

// encodeRender encodes a unit's objects (all but their environment, app
// and path, which the unit has): a byte, 1 when every name passed
// nameFindings; then each object's folder, kind, namespace, name, bytes
// and their SHA-256, and its value (jsonval.AppendBinary), all
// length-prefixed, and a CRC-32C of it all.
func encodeRender(r rendered) ([]byte, bool) {
	objs, values, raw, sums := r.objs, r.vals, r.raw, r.sums
	// Made at about its size: an object's value encodes to about as many
	// bytes as its YAML, and the render is grown otherwise a copy at a time.
	size := len(renderHeader) + 1 + binary.MaxVarintLen64 + crc32.Size
	for i := range objs {
		size += 3*len(raw[i]) + 128
	}
	b := append(make([]byte, 0, size), renderHeader...)
	field := func(s []byte) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	var enc []byte // each value's encoding, in one buffer
	if len(r.names) == 0 {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(objs)))
	for i, o := range objs {
		for _, s := range []string{o.Folder, o.GVK.Group, o.GVK.Version, o.GVK.Kind, o.Namespace, o.Name} {
			field([]byte(s))
		}
		field(raw[i])
		field(sums[i][:])
		var ok bool
		if enc, ok = jsonval.AppendBinary(enc[:0], values[i].get()); !ok {
			return nil, false
		}
		field(enc)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), true
}

// decodeRender reads what encodeRender wrote, for a unit of env and app,
// and whether its names all passed. The objects' values are decoded when
// first asked for.
func decodeRender(b []byte, env *model.Env, app model.App) (rendered, bool, error) {
	bad := fmt.Errorf("a damaged render")
	if len(b) < len(renderHeader)+5 || !bytes.HasPrefix(b, []byte(renderHeader)) {
		return rendered{}, false, bad
	}
	body, crc := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != crc || body[len(renderHeader)] > 1 {
		return rendered{}, false, bad
	}
	named := body[len(renderHeader)] == 1
	rest := body[len(renderHeader)+1:]
	count := func() (int, bool) {
		v, n := binary.Uvarint(rest)
		if n <= 0 || v > uint64(len(rest)-n) {
			return 0, false
		}
		rest = rest[n:]
		return int(v), true
	}
	n, ok := count()
	if !ok {
		return rendered{}, false, bad
	}
	objs := make([]Object, n)
	values := make([]*value, n)
	raw := make([][]byte, n)
	sums := make([][sha256.Size]byte, n)
	// An app's objects share their folder and namespace, and the kinds'
	// groups and versions: each is made a string once.
	seen := map[string]string{}
	str := func(b []byte) string {
		s, ok := seen[string(b)] // no string is made for the lookup
		if !ok {
			s = string(b)
			seen[s] = s
		}
		return s
	}
	for i := range n {
		var fields [9][]byte // shared with b: the object's bytes, their hash and its value last
		for j := range fields {
			l, ok := count()
			if !ok {
				return rendered{}, false, bad
			}
			fields[j], rest = rest[:l:l], rest[l:]
		}
		if len(fields[7]) != sha256.Size {
			return rendered{}, false, bad
		}
		objs[i] = Object{Env: env, App: app, Folder: str(fields[0]), GVK: schema.GroupVersionKind{Group: str(fields[1]), Version: str(fields[2]), Kind: str(fields[3])}, Namespace: str(fields[4]), Name: string(fields[5])}
		values[i], raw[i], sums[i] = &value{enc: fields[8]}, fields[6], [sha256.Size]byte(fields[7])
	}
	if len(rest) > 0 {
		return rendered{}, false, bad
	}
	return rendered{objs: objs, vals: values, raw: raw, sums: sums}, named, nil
}
