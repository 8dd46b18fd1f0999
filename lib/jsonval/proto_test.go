package jsonval

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	//lint:ignore SA1019 jsonpb is what Istio's MarshalJSON calls, and so what the walk is held to
	"github.com/golang/protobuf/jsonpb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/runtime/protoimpl"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "istio.io/api/networking/v1"
	_ "istio.io/api/networking/v1alpha3"
	_ "istio.io/api/networking/v1beta1"
	_ "istio.io/api/security/v1"
	_ "istio.io/api/security/v1beta1"
	_ "istio.io/api/telemetry/v1alpha1"

	"github.com/manifold-dev/manifold/lib/jsonval/jsonvaltest"
)

// TestJSONPBRandomMessages fills every Istio API message linked here with
// random content, edge cases included (floats that are not finite,
// strings that are not UTF-8, enum numbers with no name, durations out of
// range, an Any of no known type), and holds Object and
// ObjectWithoutNulls to encoding/json, which calls the message's own
// MarshalJSON: the same values, or an error from both. Most messages must
// take the direct walk, or the test would hold only the fallback.
func TestJSONPBRandomMessages(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	types, compared, direct, refused := 0, 0, 0, 0
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if !strings.HasPrefix(string(mt.Descriptor().FullName()), "istio.") {
			return true
		}
		if _, ok := mt.New().Interface().(json.Marshaler); !ok {
			return true
		}
		types++
		for i := range 30 {
			m := mt.New()
			fillMessage(r, m, 0)
			v := m.Interface()
			want, wantErr := jsonvaltest.EncodingJSON(v)
			got, err := Object(v)
			name := mt.Descriptor().FullName()
			switch {
			case (err != nil) != (wantErr != nil):
				t.Errorf("%s #%d: jsonval: %v; encoding/json: %v", name, i, err, wantErr)
				continue
			case err != nil:
				refused++
				continue
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s #%d differs from encoding/json (-want +got):\n%s", name, i, d)
			}
			if got, err := ObjectWithoutNulls(v, ""); err != nil {
				t.Errorf("%s #%d without nulls: %v", name, i, err)
			} else if d := cmp.Diff(jsonvaltest.WithoutNulls(want), got); d != "" {
				t.Errorf("%s #%d without nulls differs (-want +got):\n%s", name, i, d)
			}
			compared++
			if _, ok := pbMessage(m, walk{}); ok {
				direct++
			}
		}
		return true
	})
	t.Logf("%d Istio message types: %d random messages compared (%d by the direct walk), %d refused by both", types, compared, direct, refused)
	if types < 100 || compared < 20*types || direct < compared/2 {
		t.Errorf("only %d messages of %d types compared, %d by the direct walk", compared, types, direct)
	}
}

// TestJSONPBDuration holds pbDuration to jsonpb's digits and refusals.
func TestJSONPBDuration(t *testing.T) {
	for _, c := range []struct {
		s, ns int64
		want  string
	}{
		{0, 0, "0s"}, {5, 0, "5s"}, {1, 500_000_000, "1.500s"}, {0, 1, "0.000000001s"},
		{0, 1_000, "0.000001s"}, {0, 120_000, "0.000120s"}, {-3, -250_000_000, "-3.250s"}, {0, -5, "-0.000000005s"},
		{315576000000, 0, "315576000000s"}, {3, -1, ""}, {-3, 1, ""}, {315576000001, 0, ""}, {0, 1_000_000_000, ""},
	} {
		got, ok := pbDuration(c.s, c.ns)
		if c.want == "" {
			if ok {
				t.Errorf("pbDuration(%d, %d) = %v, want refused", c.s, c.ns, got)
			}
		} else if !ok || got != c.want {
			t.Errorf("pbDuration(%d, %d) = %v, %v; want %q", c.s, c.ns, got, ok, c.want)
		}
	}
}

// fillMessage sets a random choice of m's fields, one field or none of
// each oneof, to random values.
func fillMessage(r *rand.Rand, m protoreflect.Message, depth int) {
	md := m.Descriptor()
	switch md.FullName() {
	case "google.protobuf.Duration":
		s, ns := r.Int63n(1e6), r.Int63n(1e9)
		switch r.Intn(8) {
		case 0:
			s, ns = -s, -ns
		case 1:
			ns = -ns // signs that do not match
		case 2:
			s = 315576000001 // out of range
		case 3:
			ns = ns / 1e6 * 1e6 // milliseconds
		case 4:
			ns = 0
		}
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfInt64(s))
		m.Set(md.Fields().ByNumber(2), protoreflect.ValueOfInt32(int32(ns)))
		return
	case "google.protobuf.Any":
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfString("type.googleapis.com/no.such.Type"))
		return
	}
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if od := fd.ContainingOneof(); od != nil {
			// One of the oneof's fields, or none, decided at its first.
			if od.Fields().Get(0) != fd {
				continue
			}
			if n := od.Fields().Len(); r.Intn(n+1) < n {
				fd = od.Fields().Get(r.Intn(n))
			} else {
				continue
			}
		} else if r.Intn(3) == 0 {
			continue
		}
		if fd.Message() != nil && depth >= 5 {
			continue
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.Intn(4) {
				l.Append(randomValue(r, fd, l.NewElement, depth))
			}
		case fd.IsMap():
			mm := m.Mutable(fd).Map()
			for range r.Intn(4) {
				k := randomValue(r, fd.MapKey(), nil, depth).MapKey()
				mm.Set(k, randomValue(r, fd.MapValue(), mm.NewValue, depth))
			}
		default:
			m.Set(fd, randomValue(r, fd, func() protoreflect.Value { return m.NewField(fd) }, depth))
		}
	}
}

// randomValue is one random value of fd's kind; newMessage makes the
// message a message-valued one fills.
func randomValue(r *rand.Rand, fd protoreflect.FieldDescriptor, newMessage func() protoreflect.Value, depth int) protoreflect.Value {
	floats := []float64{0, 0.5, -1.25, 1e-7, 1e21, 3.4e38, 5e-324, math.NaN(), math.Inf(1), math.Inf(-1), r.NormFloat64() * 1e3}
	strs := []string{"", "a", "ünïcode", "\xff not UTF-8", "line\nbreak", `<&>"\`, "x" + string(rune('a'+r.Intn(26)))}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.Intn(2) == 1)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.Intn(8) == 0 {
			return protoreflect.ValueOfEnum(99) // no name
		}
		return protoreflect.ValueOfEnum(vals.Get(r.Intn(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32([]int32{0, 1, -1, math.MaxInt32, math.MinInt32, r.Int31()}[r.Intn(6)])
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64([]int64{0, -1, math.MaxInt64, math.MinInt64, r.Int63()}[r.Intn(5)])
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32([]uint32{0, 1, math.MaxUint32, r.Uint32()}[r.Intn(4)])
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64([]uint64{0, 1, math.MaxUint64, r.Uint64()}[r.Intn(4)])
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(floats[r.Intn(len(floats))]))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(floats[r.Intn(len(floats))])
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(strs[r.Intn(len(strs))])
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([][]byte{nil, {}, {0, 0xff, 'a'}}[r.Intn(3)])
	}
	v := newMessage()
	fillMessage(r, v.Message(), depth+1)
	return v
}

// TestJSONPBEdgeMessages holds the direct walk to jsonpb itself over
// random messages of a type made for the cases no Istio message has: maps
// keyed by integers and booleans, maps and lists of bytes and of
// NullValue, floats of 32 bits, a NullValue in a oneof.
func TestJSONPBEdgeMessages(t *testing.T) {
	md := edgeMessage(t)
	r := rand.New(rand.NewSource(2))
	compared := 0
	for i := range 400 {
		m := dynamicpb.NewMessage(md)
		fillMessage(r, m, 0)
		b, jerr := (&jsonpb.Marshaler{}).MarshalToString(protoimpl.X.ProtoMessageV1Of(m))
		for _, omitNulls := range []bool{false, true} {
			got, ok := pbMessage(m, walk{omitNulls: omitNulls})
			switch {
			case !ok:
				continue
			case jerr != nil:
				t.Fatalf("#%d: jsonpb: %v; the direct walk: %v", i, jerr, got)
			}
			want, err := decodeJSON([]byte(b), omitNulls)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("#%d (nulls left out: %v) differs from jsonpb's %s (-want +got):\n%s", i, omitNulls, b, d)
			}
			compared++
		}
	}
	if compared < 200 {
		t.Errorf("only %d messages compared", compared)
	}
}

// edgeMessage builds the message TestJSONPBEdgeMessages fills.
func edgeMessage(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	null := descriptorpb.FieldDescriptorProto_TYPE_ENUM
	field := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(), Label: label.Enum()}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	opt, rep := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, descriptorpb.FieldDescriptorProto_LABEL_REPEATED
	entry := func(name string, key, value descriptorpb.FieldDescriptorProto_Type, valueType string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{
			Name:    proto.String(name),
			Field:   []*descriptorpb.FieldDescriptorProto{field("key", 1, key, opt, ""), field("value", 2, value, opt, valueType)},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		}
	}
	str, bytes := descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_BYTES
	inOneof := func(f *descriptorpb.FieldDescriptorProto) *descriptorpb.FieldDescriptorProto {
		f.OneofIndex = proto.Int32(0)
		return f
	}
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("edge.proto"),
		Package:    proto.String("edge"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/struct.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Edge"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("ints", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".edge.Edge.IntsEntry"),
				field("flags", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".edge.Edge.FlagsEntry"),
				field("big", 3, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".edge.Edge.BigEntry"),
				field("blobs", 4, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".edge.Edge.BlobsEntry"),
				field("nulls", 5, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".edge.Edge.NullsEntry"),
				field("small", 6, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, opt, ""),
				field("smalls", 7, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, rep, ""),
				field("all_nulls", 8, null, rep, ".google.protobuf.NullValue"),
				field("all_bytes", 9, bytes, rep, ""),
				inOneof(field("null", 10, null, opt, ".google.protobuf.NullValue")),
				inOneof(field("text", 11, str, opt, "")),
			},
			NestedType: []*descriptorpb.DescriptorProto{
				entry("IntsEntry", descriptorpb.FieldDescriptorProto_TYPE_SINT32, str, ""),
				entry("FlagsEntry", descriptorpb.FieldDescriptorProto_TYPE_BOOL, str, ""),
				entry("BigEntry", descriptorpb.FieldDescriptorProto_TYPE_UINT64, str, ""),
				entry("BlobsEntry", str, bytes, ""),
				entry("NullsEntry", str, null, ".google.protobuf.NullValue"),
			},
			OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("kind")}},
		}},
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}
